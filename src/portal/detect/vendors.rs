//! The vendor rules, one function per vendor, from the facts in `docs/portal-detection.md`.
//! Each returns the [`Evidence`] it saw; `verdict` turns the evidence into a classification.

use super::evidence::{
    Class, Evidence, clickable, goes_to, in_body, is_call_to_action, lookalike, shown_host,
};
use super::facts::{Facts, Part};
use super::links::{Link, LinkKind, Place};

/// Microsoft's own domains for Message Encryption portals.
const MICROSOFT: &[&str] = &[
    "office365.com",
    "outlook.com",
    "office.com",
    "microsoft.com",
];
const MICROSOFT_TOKENS: &[&str] = &["office365", "microsoftonline", "outlook365"];
const RPMSG_TYPE: &str = "application/x-microsoft-rpmsg-message";
const RPMSG_MAGIC: [u8; 8] = [0x76, 0xE8, 0x04, 0x60, 0xC4, 0x11, 0xE3, 0x86];

/// Runs every vendor's rules.
pub fn all(facts: &Facts) -> Vec<Evidence> {
    let ome = microsoft_ome(facts);
    let rms = microsoft_rms(facts, &ome);
    vec![
        microsoft_ome_legacy(facts),
        ome,
        rms,
        proofpoint(facts),
        cisco_cres(facts),
        zix(facts),
        virtru(facts),
        mimecast(facts),
        egress(facts),
        trendmicro(facts),
        voltage(facts),
        proton(facts),
        gmail_confidential(facts),
    ]
}

/// How a vendor whose way in is a link is recognised.
struct LinkSpec {
    domains: &'static [&'static str],
    tokens: &'static [&'static str],
    /// The vendor's portal link (host and path), checked only on the vendor's own domains.
    portal: fn(&Link) -> bool,
    /// The vendor's path or query on any host: on a foreign host it imitates the portal.
    pattern: fn(&Link) -> bool,
    /// Wording that agrees with the vendor.
    phrases: &'static [&'static str],
    /// Wording that by itself claims to be the vendor's notification.
    claim_phrases: &'static [&'static str],
}

fn never(_: &Link) -> bool {
    false
}

fn host_path(link: &Link) -> String {
    goes_to(link)
}

/// The shared link rules: portal links on the vendor's domain, imitations elsewhere (vendor path
/// on a foreign host, look-alike host, an address shown in the text that the href does not go
/// to), and, once the message claims the vendor, calls to action that go elsewhere.
fn link_rules(facts: &Facts, spec: &LinkSpec, ev: &mut Evidence) {
    let domains = spec.domains;
    let main = domains.first().copied().unwrap_or("");
    for link in facts.links.iter().filter(|l| clickable(l)) {
        let own = link.on_domain(domains);
        if own && (spec.portal)(link) {
            ev.portal(link);
            ev.signal(Class::Link, format!("portal link to {}", host_path(link)));
            continue;
        }
        if own {
            continue;
        }
        let host = link.host().unwrap_or_default();
        if (spec.pattern)(link) {
            ev.claim(format!("{} imitates the portal's address", host_path(link)));
            ev.elsewhere(
                link,
                format!("the portal link goes to {}, not {main}", goes_to(link)),
            );
        } else if !host.is_empty() && lookalike(&host, domains, spec.tokens) {
            ev.claim(format!("look-alike host {host}"));
            ev.elsewhere(
                link,
                format!("{host} only looks like {main}; it is another domain"),
            );
        } else if let Some(shown) = shown_host(link) {
            let shown_is_vendor = super::links::registrable(&shown)
                .is_some_and(|d| domains.iter().any(|x| d == *x))
                || lookalike(&shown, domains, spec.tokens);
            if shown_is_vendor {
                ev.claim(format!("link text shows {shown}"));
                ev.elsewhere(
                    link,
                    format!("a link shows {shown} but goes to {}", goes_to(link)),
                );
            }
        }
    }
    ev.wording(facts, spec.phrases);
    let claimed = spec.claim_phrases.iter().any(|p| facts.says(p));
    ev.present |= !ev.portal_links.is_empty() || !ev.elsewhere.is_empty();
    if ev.present || claimed {
        call_to_action_rules(facts, domains, ev);
    }
}

/// In a message that claims a vendor: any call to action or form going off the vendor's domain.
fn call_to_action_rules(facts: &Facts, domains: &[&str], ev: &mut Evidence) {
    for link in facts.links.iter().filter(|l| in_body(l) && clickable(l)) {
        if link.on_domain(domains) {
            continue;
        }
        let cta = match link.kind {
            LinkKind::Anchor | LinkKind::Text => is_call_to_action(&link.label),
            LinkKind::Form | LinkKind::Refresh => true,
            _ => false,
        };
        if cta {
            let what = match link.kind {
                LinkKind::Form => "a form posts to".to_owned(),
                LinkKind::Refresh => "the message redirects to".to_owned(),
                _ => format!("\u{201c}{}\u{201d} goes to", label_words(&link.label)),
            };
            ev.elsewhere(
                link,
                format!(
                    "{what} {}, not {}",
                    goes_to(link),
                    domains.first().copied().unwrap_or("the vendor")
                ),
            );
            ev.present = true;
        }
    }
}

/// The call-to-action words of a label (vendor button texts only: no message content).
fn label_words(label: &str) -> String {
    super::evidence::CALL_WORDS
        .iter()
        .find(|c| super::links::has_phrase(label, c))
        .map_or_else(|| "a link".to_owned(), |c| (*c).to_owned())
}

/// Links, forms and frames inside an attachment that go off the expected domains, and
/// password fields the vendor's attachment never has.
fn attachment_rules(
    facts: &Facts,
    index: usize,
    part: &Part,
    domains: &[&str],
    passwords_allowed: bool,
    vendor_name: &str,
    ev: &mut Evidence,
) {
    let name = part.shown_name();
    for link in facts.links_in(Place::Attachment(index)) {
        if link.url.is_none() && !matches!(link.kind, LinkKind::Form) {
            continue;
        }
        let active = clickable(link) || matches!(link.kind, LinkKind::Base);
        if active && !link.on_domain(domains) {
            let what = match link.kind {
                LinkKind::Form => "posts its form to",
                LinkKind::Base => "sets its base address to",
                _ => "links to",
            };
            ev.elsewhere(
                link,
                format!(
                    "the attachment {name} {what} {}, not {}",
                    goes_to(link),
                    domains.first().copied().unwrap_or(vendor_name)
                ),
            );
        }
    }
    if !passwords_allowed {
        if let Some(h) = &part.html {
            if let Some(i) = h.inputs.iter().find(|i| i.kind == "password") {
                let href = i
                    .form
                    .and_then(|f| h.forms.get(f))
                    .and_then(|f| f.action.clone())
                    .unwrap_or_default();
                let link = Link::new(&href, LinkKind::Form, Place::Attachment(index), "", None);
                ev.elsewhere(
                    &link,
                    format!(
                        "the attachment {name} asks for a password itself; {vendor_name} never does"
                    ),
                );
            }
        }
    }
}

fn is_html_attachment(p: &Part) -> bool {
    p.attachment && p.html.is_some()
}

fn path_is(link: &Link, path: &str) -> bool {
    link.path() == path
}

// ---------------------------------------------------------------------------------------------
// Microsoft

fn store_form(link: &Link) -> bool {
    link.kind == LinkKind::Form && path_is(link, "/encryption/store.ashx")
}

/// Microsoft Office 365 Message Encryption, legacy: a `message.html` attachment whose form
/// posts the encrypted message to Microsoft.
fn microsoft_ome_legacy(facts: &Facts) -> Evidence {
    let mut ev = Evidence::new("microsoft-ome-legacy", &[Class::Link, Class::Attachment]);
    let mut marked = false;
    for (i, part) in facts.parts.iter().enumerate() {
        if !is_html_attachment(part) {
            continue;
        }
        let Some(h) = &part.html else { continue };
        let named = part.name_lower() == "message.html";
        let inputs: Vec<&str> = ["rpmsg", "metadata", "signature"]
            .into_iter()
            .filter(|n| {
                h.input_named(n)
                    .is_some_and(|i| i.kind == "hidden" || i.kind.is_empty())
            })
            .collect();
        let has_store_form = facts.links_in(Place::Attachment(i)).any(store_form);
        let structured = inputs.contains(&"rpmsg") && inputs.len() >= 2;
        if !(structured || has_store_form) {
            continue;
        }
        marked = true;
        if named {
            ev.signal(Class::Attachment, "attachment message.html");
        } else {
            ev.claim(format!(
                "attachment {} holds a Message Encryption form",
                part.shown_name()
            ));
        }
        if structured {
            ev.signal(
                Class::Markup,
                format!("hidden inputs {}", inputs.join(", ")),
            );
        }
        if h.saved_from
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("about:internet"))
        {
            ev.signal(Class::Markup, "saved from url=(0014)about:internet");
        }
        for link in facts.links_in(Place::Attachment(i)) {
            if store_form(link) && link.on_domain(MICROSOFT) {
                ev.portal(link);
                ev.signal(Class::Link, format!("form posts to {}", host_path(link)));
            }
        }
        attachment_rules(facts, i, part, MICROSOFT, false, "Microsoft", &mut ev);
    }
    // The store form outside a message.html attachment (in the body) is an imitation.
    for link in facts.links.iter().filter(|l| store_form(l) && in_body(l)) {
        marked = true;
        if !link.on_domain(MICROSOFT) {
            ev.elsewhere(
                link,
                format!("the form posts to {}, not outlook.com", goes_to(link)),
            );
        }
    }
    let body_ids = facts
        .parts
        .iter()
        .filter(|p| !p.attachment)
        .filter_map(|p| p.html.as_ref())
        .any(|h| {
            ["ReceivedMessage", "SenderAddress", "OpenAttachment"]
                .iter()
                .filter(|id| h.has_id(id))
                .count()
                >= 2
        });
    if body_ids {
        ev.signal(
            Class::Wording,
            "body elements ReceivedMessage, SenderAddress, OpenAttachment",
        );
    }
    ev.wording(
        facts,
        &[
            "you've received an encrypted message",
            "message encryption by microsoft office 365",
            "use a one-time passcode",
        ],
    );
    ev.present = marked;
    let claimed = facts.says("you've received an encrypted message from")
        || facts.says("message encryption by microsoft office 365");
    if ev.present || claimed {
        call_to_action_rules(facts, MICROSOFT, &mut ev);
    }
    ev
}

fn ome_portal(link: &Link) -> bool {
    path_is(link, "/encryption/retrieve.ashx") || link.query().contains("internetmessageid=")
}

/// Microsoft Purview Message Encryption ("new OME"): a link to `/Encryption/retrieve.ashx`.
fn microsoft_ome(facts: &Facts) -> Evidence {
    let mut ev = Evidence::new("microsoft-ome", &[Class::Link]);
    let spec = LinkSpec {
        domains: MICROSOFT,
        tokens: MICROSOFT_TOKENS,
        portal: ome_portal,
        pattern: ome_portal,
        phrases: &[
            "has sent you a protected message",
            "microsoft purview message encryption",
        ],
        claim_phrases: &[
            "has sent you a protected message",
            "microsoft purview message encryption",
        ],
    };
    link_rules(facts, &spec, &mut ev);
    if ev.present {
        if let Some(p) = rpmsg_parts(facts).first() {
            ev.signal(Class::Attachment, format!("attachment {}", p.shown_name()));
        }
        let footer = facts.links.iter().any(|l| {
            l.kind == LinkKind::Anchor
                && l.on_domain(&["microsoft.com"])
                && super::links::has_phrase(&l.label, "message encryption")
        });
        if footer {
            ev.signal(
                Class::Wording,
                "Microsoft Purview Message Encryption footer link",
            );
        }
    }
    ev
}

fn is_rpmsg_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".rpmsg") else {
        return false;
    };
    stem == "message"
        || stem
            .strip_prefix("message_v")
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

fn rpmsg_parts(facts: &Facts) -> Vec<&Part> {
    facts
        .parts
        .iter()
        .filter(|p| p.mime == RPMSG_TYPE || is_rpmsg_name(&p.name_lower()))
        .collect()
}

/// Rights-managed mail (`message.rpmsg`) with no portal link: only Outlook or Outlook on the web
/// can open it.
fn microsoft_rms(facts: &Facts, ome: &Evidence) -> Evidence {
    let mut ev = Evidence::new("microsoft-rms", &[Class::Attachment]);
    let parts = rpmsg_parts(facts);
    let content_class = facts
        .header("content-class")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("rpmsg.message"));
    if ome.present || (parts.is_empty() && !content_class) {
        return ev;
    }
    ev.present = true;
    if content_class {
        ev.signal(Class::Header, "Content-Class: rpmsg.message");
    }
    for p in &parts {
        let name = p.shown_name();
        let typed = p.mime == RPMSG_TYPE;
        let magic = p.head.starts_with(&RPMSG_MAGIC);
        if typed && is_rpmsg_name(&p.name_lower()) {
            ev.signal(
                Class::Attachment,
                format!("attachment {name} ({RPMSG_TYPE})"),
            );
        } else {
            ev.claim(format!("attachment {name} ({})", p.mime));
        }
        if magic {
            ev.signal(Class::Markup, "attachment starts with the rpmsg signature");
        } else if !p.head.is_empty() {
            let link = Link::new("", LinkKind::Text, Place::Body, "", None);
            ev.elsewhere(
                &link,
                format!("the attachment {name} is not a rights-protected message"),
            );
        }
    }
    if parts.is_empty() {
        let link = Link::new("", LinkKind::Text, Place::Body, "", None);
        ev.elsewhere(
            &link,
            "Content-Class says rpmsg but there is no message.rpmsg",
        );
    }
    ev.wording(
        facts,
        &[
            "you can open it using microsoft outlook",
            "microsoft information protection",
        ],
    );
    // Rights-managed mail has no portal: any call to action leads somewhere else.
    call_to_action_rules(facts, MICROSOFT, &mut ev);
    ev
}

// ---------------------------------------------------------------------------------------------
// Portals on the sending organisation's own host

/// Domains on which an organisation-hosted portal may live: the sender's and the vendor's.
fn org_domains<'a>(facts: &'a Facts, vendor: &'static str) -> Vec<&'a str> {
    let mut v: Vec<&str> = facts.from_domain.as_deref().into_iter().collect();
    v.push(vendor);
    v
}

fn formpostdir(link: &Link) -> bool {
    link.path().starts_with("/formpostdir/")
}

/// Proofpoint Encryption: `SecureMessageAtt.html` posting to the organisation's secure reader.
fn proofpoint(facts: &Facts) -> Evidence {
    let mut ev = Evidence::new("proofpoint", &[Class::Attachment]);
    let domains = org_domains(facts, "proofpoint.com");
    if facts.header("x-proofpointsecure").is_some() {
        ev.signal(Class::Header, "header X-ProofpointSecure");
    }
    if facts
        .boundary
        .as_deref()
        .is_some_and(|b| b.to_ascii_uppercase().starts_with("PROOFPOINT_BOUNDARY_"))
    {
        ev.signal(Class::Structure, "boundary PROOFPOINT_BOUNDARY_*");
    }
    let atts = facts.attachments_named(|n| n == "securemessageatt.html");
    for (i, part) in &atts {
        if part.html.is_none() {
            ev.claim(format!(
                "attachment {} of type {}",
                part.shown_name(),
                part.mime
            ));
            continue;
        }
        ev.signal(Class::Attachment, "attachment SecureMessageAtt.html");
        let mut posts = false;
        for link in facts.links_in(Place::Attachment(*i)) {
            if link.kind != LinkKind::Form {
                continue;
            }
            if path_is(link, "/formpostdir/safeformpost.aspx") && link.on_domain(&domains) {
                posts = true;
                ev.portal(link);
            } else {
                ev.elsewhere(
                    link,
                    format!(
                        "the attachment posts its form to {}, not to a Proofpoint secure reader \
                         on the sender's domain",
                        goes_to(link)
                    ),
                );
            }
        }
        if posts {
            ev.signal(
                Class::Markup,
                "form posts to /formpostdir/safeformpost.aspx",
            );
        }
        if part
            .html
            .as_ref()
            .is_some_and(|h| h.title.to_lowercase().contains("proofpoint encryption"))
        {
            ev.signal(
                Class::Wording,
                "title \u{201c}Proofpoint Encryption\u{201d}",
            );
        }
        attachment_rules(facts, *i, part, &domains, false, "Proofpoint", &mut ev);
    }
    for link in facts
        .links
        .iter()
        .filter(|l| clickable(l) && formpostdir(l) && in_body(l))
    {
        if link.on_domain(&domains) {
            ev.portal(link);
            ev.signal(
                Class::Link,
                format!("secure reader link to {}", host_path(link)),
            );
        } else {
            ev.elsewhere(
                link,
                format!(
                    "the secure reader link goes to {}, not the sender's domain",
                    goes_to(link)
                ),
            );
        }
    }
    ev.wording(facts, &["secured by proofpoint encryption"]);
    ev.present = !atts.is_empty()
        || ev.has(Class::Header)
        || ev.has(Class::Structure)
        || !ev.portal_links.is_empty()
        || !ev.elsewhere.is_empty();
    if ev.present || facts.says("secured by proofpoint encryption") {
        call_to_action_rules(facts, &domains, &mut ev);
    }
    ev
}

/// Voltage SecureMail: `message_zdm.html` carrying the encrypted block in a `ZFRdata` input.
fn voltage(facts: &Facts) -> Evidence {
    let mut ev = Evidence::new("voltage", &[Class::Markup]);
    let domains = org_domains(facts, "voltage.com");
    let armour = "-----begin voltage secure block v3-----";
    for (i, part) in facts.parts.iter().enumerate() {
        if !is_html_attachment(part) {
            continue;
        }
        let named = part.name_lower() == "message_zdm.html";
        let zfr = part
            .html
            .as_ref()
            .is_some_and(|h| h.input_named("zfrdata").is_some());
        let block = part.text_lower.contains(armour);
        if !(named || zfr || block) {
            continue;
        }
        ev.present = true;
        if named {
            ev.signal(Class::Attachment, "attachment message_zdm.html");
        } else {
            ev.claim(format!(
                "attachment {} holds a Voltage block",
                part.shown_name()
            ));
        }
        if zfr {
            ev.signal(Class::Markup, "ZFRdata input");
        }
        if block {
            ev.signal(Class::Markup, "BEGIN VOLTAGE SECURE BLOCK V3");
        }
        for link in facts.links_in(Place::Attachment(i)) {
            if link.kind == LinkKind::Form && link.on_domain(&domains) {
                ev.portal(link);
            }
        }
        attachment_rules(facts, i, part, &domains, false, "Voltage", &mut ev);
    }
    if ev.present {
        ev.wording(facts, &["read message"]);
        call_to_action_rules(facts, &domains, &mut ev);
    }
    ev
}

// ---------------------------------------------------------------------------------------------
// Attachment vendors with their own portal

fn is_securedoc(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".html")
        .or_else(|| name.strip_suffix(".htm"))
    else {
        return false;
    };
    stem == "securedoc"
        || stem.strip_prefix("securedoc_").is_some_and(|d| {
            let b = d.as_bytes();
            b.len() == 15
                && b[8] == b't'
                && b[..8].iter().all(u8::is_ascii_digit)
                && b[9..].iter().all(u8::is_ascii_digit)
        })
}

/// Cisco Secure Email Encryption (Registered Envelope): `securedoc_<date>T<time>.html` naming
/// `res.cisco.com`.
fn cisco_cres(facts: &Facts) -> Evidence {
    let mut ev = Evidence::new("cisco-cres", &[Class::Attachment, Class::Markup]);
    const CISCO: &[&str] = &["cisco.com"];
    for (i, part) in facts.parts.iter().enumerate() {
        if !is_html_attachment(part) {
            continue;
        }
        let Some(h) = &part.html else { continue };
        let name = part.name.clone().unwrap_or_default();
        let named = is_securedoc(&part.name_lower());
        let titled = h
            .title
            .to_lowercase()
            .starts_with("secure registered envelope");
        let names_cisco = facts
            .links_in(Place::Attachment(i))
            .any(|l| matches!(l.kind, LinkKind::SavedFrom | LinkKind::Base) && l.on_domain(CISCO));
        if !(named || titled || names_cisco) {
            continue;
        }
        ev.present = true;
        if named {
            ev.signal(Class::Attachment, format!("attachment {name}"));
        } else {
            ev.claim(format!(
                "attachment {name} looks like a Registered Envelope"
            ));
        }
        if names_cisco {
            ev.signal(Class::Markup, "the attachment names res.cisco.com");
        }
        if titled {
            ev.signal(
                Class::Wording,
                "title \u{201c}Secure Registered Envelope\u{201d}",
            );
        }
        for link in facts.links_in(Place::Attachment(i)) {
            if link.kind == LinkKind::Form && link.on_domain(CISCO) {
                ev.portal(link);
                ev.signal(Class::Link, format!("form posts to {}", host_path(link)));
            } else if link.kind == LinkKind::SavedFrom && !link.on_domain(CISCO) {
                ev.elsewhere(
                    link,
                    format!(
                        "the attachment was saved from {}, not res.cisco.com",
                        goes_to(link)
                    ),
                );
            }
        }
        attachment_rules(facts, i, part, CISCO, true, "Cisco", &mut ev);
    }
    if ev.present {
        if !facts.has_header_prefix("x-ironport-").is_empty() {
            ev.signal(Class::Header, "header X-IronPort-*");
        }
        ev.wording(
            facts,
            &["cisco secure email encryption", "registered envelope"],
        );
        call_to_action_rules(facts, CISCO, &mut ev);
    }
    ev
}

/// Trend Micro Email Encryption: `Encrypted_Message.htm`.
fn trendmicro(facts: &Facts) -> Evidence {
    let mut ev = Evidence::new("trendmicro", &[Class::Attachment]);
    const TREND: &[&str] = &["trendmicro.com", "trendmicro.eu"];
    let atts =
        facts.attachments_named(|n| n == "encrypted_message.htm" || n == "encrypted_message.html");
    for (i, part) in &atts {
        ev.present = true;
        if part.html.is_none() {
            ev.claim(format!(
                "attachment {} of type {}",
                part.shown_name(),
                part.mime
            ));
            continue;
        }
        ev.signal(
            Class::Attachment,
            format!("attachment {}", part.shown_name()),
        );
        for link in facts.links_in(Place::Attachment(*i)) {
            if link.kind == LinkKind::Form && link.on_domain(TREND) {
                ev.portal(link);
                ev.signal(Class::Link, format!("form posts to {}", host_path(link)));
            }
        }
        if part
            .html
            .as_ref()
            .is_some_and(|h| h.title.to_lowercase().contains("trend micro"))
        {
            ev.signal(
                Class::Wording,
                "title \u{201c}Trend Micro Email Encryption\u{201d}",
            );
        }
        attachment_rules(facts, *i, part, TREND, false, "Trend Micro", &mut ev);
    }
    if ev.present {
        ev.wording(facts, &["open my email"]);
        call_to_action_rules(facts, TREND, &mut ev);
    }
    ev
}

// ---------------------------------------------------------------------------------------------
// Link vendors

fn zix(facts: &Facts) -> Evidence {
    let mut ev = Evidence::new("zix", &[Class::Link]);
    if facts.header("x-zixnet").is_some() {
        ev.signal(Class::Header, "header X-ZixNet");
    }
    if !facts.has_header_prefix("x-vpm-").is_empty() {
        ev.signal(Class::Header, "headers X-VPM-*");
    }
    ev.present = ev.has(Class::Header);
    link_rules(
        facts,
        &LinkSpec {
            domains: &["zixmail.net", "zixport.com"],
            tokens: &["zixmail", "zixport", "zixcorp"],
            portal: |_| true,
            pattern: never,
            phrases: &["zixcorp", "zix secure", "open message"],
            claim_phrases: &["zixcorp", "zixmail", "zix secure"],
        },
        &mut ev,
    );
    ev
}

fn virtru(facts: &Facts) -> Evidence {
    let mut ev = Evidence::new("virtru", &[Class::Link]);
    link_rules(
        facts,
        &LinkSpec {
            domains: &["virtru.com"],
            tokens: &["virtru"],
            portal: |l| l.on_host(&["secure.virtru.com"]) && l.path().starts_with("/start"),
            pattern: never,
            phrases: &["unlock message", "securely transmitted message"],
            claim_phrases: &["securely transmitted message from", "secured by virtru"],
        },
        &mut ev,
    );
    ev
}

fn mimecast(facts: &Facts) -> Evidence {
    let mut ev = Evidence::new("mimecast", &[Class::Link]);
    let id = facts
        .message_id
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    let id_matches = id.starts_with("mimecast.") && id.ends_with("@mimecast.lan");
    if id_matches {
        ev.signal(Class::MessageId, "Message-ID <Mimecast.*@mimecast.lan>");
        ev.present = true;
    }
    let relayed = facts.headers.iter().any(|(n, v)| {
        n == "received"
            && v.to_ascii_lowercase()
                .starts_with("from relay.mimecast.com")
    });
    if relayed {
        ev.signal(Class::Header, "relayed by relay.mimecast.com");
    }
    link_rules(
        facts,
        &LinkSpec {
            domains: &["mimecast.com"],
            tokens: &["mimecast"],
            portal: |l| {
                let host = l.host().unwrap_or_default();
                (host.contains("login") || l.path().contains("login")) && !host.contains("protect")
            },
            pattern: never,
            phrases: &["you've been sent a secure message"],
            claim_phrases: &["you've been sent a secure message"],
        },
        &mut ev,
    );
    ev
}

fn egress(facts: &Facts) -> Evidence {
    let mut ev = Evidence::new("egress", &[Class::Link]);
    link_rules(
        facts,
        &LinkSpec {
            domains: &["egress.com"],
            tokens: &["egress"],
            // `links.*.defend.egress.com` rewrites links for scanning: not a portal.
            portal: |l| l.on_host(&["switch.egress.com", "reader.egress.com"]),
            pattern: never,
            phrases: &["sent to you securely using egress switch", "egress switch"],
            claim_phrases: &["sent to you securely using egress", "egress switch"],
        },
        &mut ev,
    );
    ev
}

fn proton(facts: &Facts) -> Evidence {
    let mut ev = Evidence::new("proton", &[Class::Link]);
    link_rules(
        facts,
        &LinkSpec {
            domains: &["proton.me", "protonmail.com"],
            tokens: &["protonmail"],
            portal: |l| {
                l.on_host(&["mail.proton.me", "mail.protonmail.com"])
                    && l.path().starts_with("/eo/")
            },
            pattern: never,
            phrases: &[
                "unlock message",
                "password-protected message",
                "expire in 28 days",
            ],
            claim_phrases: &["proton mail", "protonmail"],
        },
        &mut ev,
    );
    ev
}

fn gmail_confidential(facts: &Facts) -> Evidence {
    let mut ev = Evidence::new("gmail-confidential", &[Class::Link]);
    link_rules(
        facts,
        &LinkSpec {
            domains: &["google.com"],
            tokens: &["confidential-mail"],
            portal: |l| l.on_host(&["confidential-mail.google.com"]),
            pattern: never,
            phrases: &[
                "view the email",
                "confidential mode",
                "sent you a confidential email",
            ],
            claim_phrases: &["gmail confidential mode", "sent you a confidential email"],
        },
        &mut ev,
    );
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn securedoc_names() {
        assert!(is_securedoc("securedoc_20261102t093012.html"));
        assert!(is_securedoc("securedoc.html"));
        assert!(!is_securedoc("securedoc_2026.html"));
        assert!(!is_securedoc("securedoc_20261102t093012.html.exe"));
    }

    #[test]
    fn rpmsg_names() {
        assert!(is_rpmsg_name("message.rpmsg"));
        assert!(is_rpmsg_name("message_v4.rpmsg"));
        assert!(!is_rpmsg_name("message_vx.rpmsg"));
        assert!(!is_rpmsg_name("rpmsg.txt"));
    }
}
