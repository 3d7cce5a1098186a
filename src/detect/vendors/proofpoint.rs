//! Proofpoint Encryption: `SecureMessageAtt.html` posting to the organisation's secure reader.
//! The vendor's rule value: its hosts, its notification sentences and brands, its evidence, its
//! cheap check for the list and its advice.

use super::*;

pub const RULE: Rule = Rule {
    hosts: VendorHosts {
        vendor: Vendor::Proofpoint,
        portals: &[],
        org_hosted: true,
        pages: &[Exact("www.proofpoint.com"), Exact("proofpoint.com")],
    },
    claims: &["secured by proofpoint encryption"],
    brands: &["proofpoint"],
    evidence,
    cheap,
    notices: &[],
    advice: Advice {
        vendor: Vendor::Proofpoint,
        name: "Proofpoint Encryption",
        access: Access::RegisteredPassword,
        how_in: "a password you register with the sender's secure mail portal",
        tell: "Open the secure reader link (or the attachment SecureMessageAtt.html) in a \
               browser and sign in with your registered password.",
        link_helps: true,
        attachment_opens: false,
    },
};

/// Proofpoint Encryption: `SecureMessageAtt.html` posting to the organisation's secure reader.
fn evidence(facts: &Facts, _earlier: &[Evidence]) -> Evidence {
    let mut ev = Evidence::new(Vendor::Proofpoint, &[Class::Attachment]);
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
    let atts = facts.attachments_named(is_secure_message_att);
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

fn formpostdir(link: &Link) -> bool {
    link.path().starts_with("/formpostdir/")
}

/// The name of Proofpoint's encrypted attachment.
fn is_secure_message_att(name: &str) -> bool {
    name == "securemessageatt.html"
}

/// A `SecureMessageAtt.html` attachment, else Proofpoint's header or MIME boundary.
fn cheap(s: &CheapSignals) -> Option<Cheap> {
    html_vendor(s, Vendor::Proofpoint, is_secure_message_att).or_else(|| {
        let boundary = header(s, "content-type")
            .is_some_and(|v| v.to_ascii_uppercase().contains("PROOFPOINT_BOUNDARY_"));
        (boundary || header(s, "x-proofpointsecure").is_some()).then_some(Cheap {
            vendor: Vendor::Proofpoint,
            contradiction: false,
        })
    })
}
