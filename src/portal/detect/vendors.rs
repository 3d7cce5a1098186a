//! The vendor rules, one function per vendor, from the facts in `docs/portal-detection.md`.
//! Each returns the [`Evidence`] it saw; `verdict` turns the evidence into a classification.

use super::evidence::{
    Class, Evidence, clickable, goes_to, in_body, is_call_to_action, lookalike, shown_host,
};
use super::facts::{Facts, Part};
use super::hosts::{self, VendorHosts};
use super::links::{Link, LinkKind, Place};

/// Microsoft's own domains for Message Encryption portals.
const MICROSOFT: &[&str] = &[
    "office365.com",
    "outlook.com",
    "office.com",
    "microsoft.com",
];
/// The same, in the order legacy messages name them (the form posts to outlook.com).
const MICROSOFT_LEGACY: &[&str] = &[
    "outlook.com",
    "office365.com",
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

/// Sentences of each vendor's notification that claim the message is one. Product names are
/// not here: mail that talks about a product is not portal mail.
const CLAIM_PHRASES: &[(&str, &[&str])] = &[
    (
        "microsoft-ome-legacy",
        &[
            "you've received an encrypted message from",
            "message encryption by microsoft office 365",
        ],
    ),
    ("microsoft-ome", &["has sent you a protected message"]),
    ("proofpoint", &["secured by proofpoint encryption"]),
    (
        "virtru",
        &["securely transmitted message from", "secured by virtru"],
    ),
    ("mimecast", &["you've been sent a secure message"]),
    ("egress", &["sent to you securely using egress"]),
    ("proton", &["received a password-protected message"]),
    ("gmail-confidential", &["sent you a confidential email"]),
];

/// Brand names, with the vendor ids they cover.
const BRANDS: &[(&[&str], &[&str])] = &[
    (
        &["microsoft", "office 365", "microsoft 365", "outlook"],
        &["microsoft-ome-legacy", "microsoft-ome", "microsoft-rms"],
    ),
    (&["proofpoint"], &["proofpoint"]),
    (&["cisco"], &["cisco-cres"]),
    (&["zix", "zixmail", "zixcorp"], &["zix"]),
    (&["virtru"], &["virtru"]),
    (&["mimecast"], &["mimecast"]),
    (&["egress"], &["egress"]),
    (&["trend micro"], &["trendmicro"]),
    (&["voltage"], &["voltage"]),
    (&["proton", "protonmail", "proton mail"], &["proton"]),
    (&["gmail", "google"], &["gmail-confidential"]),
];

/// The vendor whose notification the wording claims to be. None when several vendors are
/// claimed, or when other vendors' brands are named too: such a text talks about products.
fn claimed_by_wording(facts: &Facts) -> Option<&'static str> {
    let mut claimed = CLAIM_PHRASES
        .iter()
        .filter(|(_, phrases)| phrases.iter().any(|p| facts.says(p)))
        .map(|(v, _)| *v);
    let first = claimed.next()?;
    if claimed.next().is_some() {
        return None;
    }
    let other_brands = BRANDS
        .iter()
        .filter(|(_, vendors)| !vendors.contains(&first))
        .any(|(names, _)| names.iter().any(|n| facts.says(n)));
    (!other_brands).then_some(first)
}

/// The vendor's host table entry (an empty one for an id without an entry).
pub fn home(vendor: &str) -> &'static VendorHosts {
    const NONE: VendorHosts = VendorHosts {
        vendor: "",
        portals: &[],
        org_hosted: false,
        pages: &[],
    };
    hosts::of(vendor).unwrap_or(&NONE)
}

/// True when a link stays on the vendor's own hosts (its portal, help, privacy and product
/// pages), or, for a vendor whose portal is on the sending organisation's host, on the
/// registrable domain of `From:` (which only a trusted `Authentication-Results` makes genuine).
pub fn stays_home(vendor: &str, facts: &Facts, link: &Link) -> bool {
    let home = home(vendor);
    home.is_own(link) || on_org_host(home, facts, link)
}

/// A link on the sender's own registrable domain, for an organisation-hosted vendor.
pub fn on_org_host(home: &VendorHosts, facts: &Facts, link: &Link) -> bool {
    home.org_hosted
        && link.host().is_some_and(|h| !hosts::user_content(h))
        && facts
            .from_domain
            .as_deref()
            .is_some_and(|d| link.on_domain(&[d]))
}

/// How a vendor whose way in is a link is recognised; its portal and pages are in `hosts`.
struct LinkSpec {
    domains: &'static [&'static str],
    tokens: &'static [&'static str],
    /// The vendor's path or query on a host that is not its portal: an imitation.
    pattern: fn(&Link) -> bool,
    /// Wording that agrees with the vendor.
    phrases: &'static [&'static str],
}

fn never(_: &Link) -> bool {
    false
}

/// The shared link rules: portal links on the vendor's domain, imitations elsewhere (vendor path
/// on a foreign host, look-alike host, an address shown in the text that the href does not go
/// to), and, once the message claims the vendor, calls to action that go elsewhere.
fn link_rules(facts: &Facts, spec: &LinkSpec, ev: &mut Evidence) {
    let domains = spec.domains;
    let main = domains.first().copied().unwrap_or("");
    let home = home(ev.vendor);
    for link in facts.links.iter().filter(|l| clickable(l)) {
        if home.is_portal(link) {
            ev.portal(link);
            ev.signal(Class::Link, format!("portal link to {}", goes_to(link)));
            continue;
        }
        if home.is_page(link) {
            continue;
        }
        let host = link.host().unwrap_or_default().to_owned();
        if (spec.pattern)(link) {
            ev.claim(format!("{} imitates the portal's address", goes_to(link)));
            let why = if hosts::user_content(&host) {
                format!(
                    "the portal link goes to {}, a host that serves anyone's content, not \
                     {main}'s portal",
                    goes_to(link)
                )
            } else {
                format!("the portal link goes to {}, not {main}", goes_to(link))
            };
            ev.elsewhere(link, why);
        } else if link.on_domain(domains) {
            // Another host of the vendor's domain (Forms, Sway, SharePoint…): never the
            // portal; once the vendor is present, `verdict` counts it as pointing elsewhere.
            continue;
        } else if !host.is_empty() && lookalike(&host, domains, spec.tokens) {
            ev.claim(format!("look-alike host {host}"));
            let why = match super::evidence::as_read(&host) {
                Some(read) => format!("{host} reads as {read} but is another domain"),
                None => format!("{host} only looks like {main}; it is another domain"),
            };
            ev.elsewhere(link, why);
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
    let claimed = claimed_by_wording(facts) == Some(ev.vendor);
    ev.present |= !ev.portal_links.is_empty() || !ev.elsewhere.is_empty();
    if ev.present || claimed {
        let wording_only = !ev.present;
        call_to_action_rules(facts, domains, ev, wording_only);
    }
}

/// In a message that claims a vendor: any call to action or form going off the vendor's domain.
/// When only the wording claims the vendor (`any_link`), every link going elsewhere counts:
/// the claim points somewhere else.
fn call_to_action_rules(facts: &Facts, domains: &[&str], ev: &mut Evidence, any_link: bool) {
    for link in facts.links.iter().filter(|l| in_body(l) && clickable(l)) {
        if stays_home(ev.vendor, facts, link)
            || !(link.url.is_some() || dangerous_scheme(&link.href))
        {
            continue;
        }
        let cta = match link.kind {
            LinkKind::Anchor | LinkKind::Text => any_link || is_call_to_action(&link.label),
            LinkKind::Form | LinkKind::Refresh => true,
            _ => false,
        };
        if cta {
            let what = match link.kind {
                LinkKind::Form => "a form posts to".to_owned(),
                LinkKind::Refresh => "the message redirects to".to_owned(),
                _ => match label_words(&link.label) {
                    Some(words) => format!("\u{201c}{words}\u{201d} goes to"),
                    None => "a link goes to".to_owned(),
                },
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

/// Schemes that run code or hide content instead of going to a web page.
pub fn dangerous_scheme(href: &str) -> bool {
    let h = href.trim_start().to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:", "file:"]
        .iter()
        .any(|s| h.starts_with(s))
}

/// The call-to-action words of a label (vendor button texts only: no message content).
fn label_words(label: &str) -> Option<&'static str> {
    super::evidence::CALL_WORDS
        .iter()
        .find(|c| super::links::has_phrase(label, c))
        .copied()
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
        // Plain text in the page is not a link a browser follows.
        let active =
            (clickable(link) && link.kind != LinkKind::Text) || matches!(link.kind, LinkKind::Base);
        if active && !stays_home(ev.vendor, facts, link) {
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
    if !passwords_allowed
        && let Some(h) = &part.html
        && let Some(i) = h.inputs.iter().find(|i| i.kind == "password")
    {
        let href = i
            .form
            .and_then(|f| h.forms.get(f))
            .and_then(|f| f.action.clone())
            .unwrap_or_default();
        let link = Link::new(&href, LinkKind::Form, Place::Attachment(index), "", None);
        ev.elsewhere(
            &link,
            format!("the attachment {name} asks for a password itself; {vendor_name} never does"),
        );
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
            if store_form(link) && home(ev.vendor).is_portal(link) {
                ev.portal(link);
                ev.signal(Class::Link, format!("form posts to {}", goes_to(link)));
            }
        }
        attachment_rules(
            facts,
            i,
            part,
            MICROSOFT_LEGACY,
            false,
            "Microsoft",
            &mut ev,
        );
    }
    // The store form outside a message.html attachment (in the body) is an imitation.
    for link in facts.links.iter().filter(|l| store_form(l) && in_body(l)) {
        marked = true;
        if !home(ev.vendor).is_portal(link) {
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
    let claimed = claimed_by_wording(facts) == Some(ev.vendor);
    if ev.present || claimed {
        let wording_only = !ev.present;
        call_to_action_rules(facts, MICROSOFT_LEGACY, &mut ev, wording_only);
    }
    ev
}

/// The portal's path or its message-id parameter on a host that is not the portal: an
/// imitation (never a sign of the portal itself: see `hosts`).
fn ome_imitation(link: &Link) -> bool {
    path_is(link, "/encryption/retrieve.ashx") || link.query().contains("internetmessageid=")
}

/// Microsoft Purview Message Encryption ("new OME"): a link to `/Encryption/retrieve.ashx`.
fn microsoft_ome(facts: &Facts) -> Evidence {
    let mut ev = Evidence::new("microsoft-ome", &[Class::Link]);
    let spec = LinkSpec {
        domains: MICROSOFT,
        tokens: MICROSOFT_TOKENS,
        pattern: ome_imitation,
        phrases: &[
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
                && home(ev.vendor).is_page(l)
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

/// What a file plainly is by its first bytes, when that is something other than an rpmsg.
fn other_file_kind(head: &[u8]) -> Option<&'static str> {
    const KINDS: &[(&[u8], &str)] = &[
        (b"MZ", "a Windows program"),
        (b"\x7fELF", "a program"),
        (b"PK\x03\x04", "a zip archive"),
        (b"%PDF", "a PDF document"),
        (b"#!", "a script"),
        (b"{\\rtf", "an RTF document"),
        (b"\xd0\xcf\x11\xe0", "an Office document"),
    ];
    let trimmed = head.trim_ascii_start();
    if trimmed.first() == Some(&b'<') {
        return Some("a web page");
    }
    KINDS
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, kind)| *kind)
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
        } else if let Some(kind) = other_file_kind(&p.head) {
            let link = Link::new("", LinkKind::Text, Place::Body, "", None);
            ev.elsewhere(
                &link,
                format!("the attachment {name} is {kind}, not a rights-protected message"),
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
    call_to_action_rules(facts, MICROSOFT, &mut ev, false);
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
                format!("secure reader link to {}", goes_to(link)),
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
    // The sender's own portal never wears Proofpoint's name: a host that does imitates it.
    for link in facts.links.iter().filter(|l| clickable(l)) {
        let host = link.host().unwrap_or_default();
        if (link.kind == LinkKind::Form || formpostdir(link))
            && lookalike(host, &["proofpoint.com"], &["proofpoint", "pfpt"])
        {
            ev.elsewhere(
                link,
                format!("{host} only looks like Proofpoint; it is another domain"),
            );
        }
    }
    ev.wording(facts, &["secured by proofpoint encryption"]);
    ev.present = !atts.is_empty()
        || ev.has(Class::Header)
        || ev.has(Class::Structure)
        || !ev.portal_links.is_empty()
        || !ev.elsewhere.is_empty();
    if ev.present || claimed_by_wording(facts) == Some(ev.vendor) {
        let wording_only = !ev.present;
        call_to_action_rules(facts, &domains, &mut ev, wording_only);
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
        call_to_action_rules(facts, &domains, &mut ev, false);
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
                && b.get(8) == Some(&b't')
                && b.get(..8).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
                && b.get(9..).is_some_and(|t| t.iter().all(u8::is_ascii_digit))
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
        let names_cisco = facts.links_in(Place::Attachment(i)).any(|l| {
            matches!(
                l.kind,
                LinkKind::SavedFrom | LinkKind::Base | LinkKind::Form
            ) && l.on_host(&["res.cisco.com"])
        });
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
            if link.kind == LinkKind::Form && home(ev.vendor).is_portal(link) {
                ev.portal(link);
                ev.signal(Class::Link, format!("form posts to {}", goes_to(link)));
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
        if !facts.headers_starting("x-ironport-").is_empty() {
            ev.signal(Class::Header, "header X-IronPort-*");
        }
        ev.wording(
            facts,
            &["cisco secure email encryption", "registered envelope"],
        );
        call_to_action_rules(facts, CISCO, &mut ev, false);
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
            if link.kind == LinkKind::Form && home(ev.vendor).is_portal(link) {
                ev.portal(link);
                ev.signal(Class::Link, format!("form posts to {}", goes_to(link)));
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
        call_to_action_rules(facts, TREND, &mut ev, false);
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
    if !facts.headers_starting("x-vpm-").is_empty() {
        ev.signal(Class::Header, "headers X-VPM-*");
    }
    ev.present = ev.has(Class::Header);
    link_rules(
        facts,
        &LinkSpec {
            domains: &["zixmail.net", "zixport.com", "zixcorp.com", "zix.com"],
            tokens: &["zixmail", "zixport", "zixcorp"],
            pattern: never,
            phrases: &["zixcorp", "zix secure", "open message"],
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
            pattern: never,
            phrases: &["unlock message", "securely transmitted message"],
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
            pattern: never,
            phrases: &["you've been sent a secure message"],
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
            pattern: never,
            phrases: &["sent to you securely using egress switch", "egress switch"],
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
            pattern: never,
            phrases: &[
                "unlock message",
                "password-protected message",
                "expire in 28 days",
            ],
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
            pattern: never,
            phrases: &[
                "view the email",
                "confidential mode",
                "sent you a confidential email",
            ],
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
    fn other_file_kinds() {
        assert_eq!(other_file_kind(b"MZ\x90\x00"), Some("a Windows program"));
        assert_eq!(other_file_kind(b"  <html>"), Some("a web page"));
        assert_eq!(other_file_kind(&RPMSG_MAGIC), None);
        assert_eq!(other_file_kind(b"\x01\x02random"), None);
    }

    #[test]
    fn rpmsg_names() {
        assert!(is_rpmsg_name("message.rpmsg"));
        assert!(is_rpmsg_name("message_v4.rpmsg"));
        assert!(!is_rpmsg_name("message_vx.rpmsg"));
        assert!(!is_rpmsg_name("rpmsg.txt"));
    }
}
