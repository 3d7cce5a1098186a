//! Cisco Secure Email Encryption: a `securedoc_<date>T<time>.html` Registered Envelope.
//! The vendor's rule value: its hosts, its notification sentences and brands, its evidence, its
//! cheap check for the list and its advice.

use super::*;

pub const RULE: Rule = Rule {
    hosts: VendorHosts {
        vendor: Vendor::CiscoCres,
        portals: &[exact("res.cisco.com", Any)],
        org_hosted: false,
        pages: &[Exact("www.cisco.com"), Exact("cisco.com")],
    },
    claims: &[],
    brands: &["cisco"],
    evidence,
    cheap,
    notices: &[],
    advice: Advice {
        vendor: Vendor::CiscoCres,
        name: "Cisco Secure Email Encryption",
        access: Access::RegisteredPassword,
        how_in: "a password registered with Cisco Registered Envelope Service",
        tell: "Save the securedoc attachment and open it in a browser, then enter your \
               registered password.",
        link_helps: false,
        attachment_opens: true,
    },
};

/// Cisco Secure Email Encryption (Registered Envelope): `securedoc_<date>T<time>.html` naming
/// `res.cisco.com`.
fn evidence(facts: &Facts, _earlier: &[Evidence]) -> Evidence {
    let mut ev = Evidence::new(Vendor::CiscoCres, &[Class::Attachment, Class::Markup]);
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

/// A `securedoc` attachment, by the same name rule as the full check.
fn cheap(s: &CheapSignals) -> Option<Cheap> {
    html_vendor(s, Vendor::CiscoCres, is_securedoc)
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
}
