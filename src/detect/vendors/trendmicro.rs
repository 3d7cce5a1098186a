//! Trend Micro Email Encryption: `Encrypted_Message.htm`.
//! The vendor's rule value: its hosts, its notification sentences and brands, its evidence, its
//! cheap check for the list and its advice.

use super::*;

pub const RULE: Rule = Rule {
    hosts: VendorHosts {
        vendor: Vendor::Trendmicro,
        portals: &[
            exact("encryption.trendmicro.com", Any),
            exact("encryption.trendmicro.eu", Any),
        ],
        org_hosted: false,
        pages: &[Exact("www.trendmicro.com"), Exact("success.trendmicro.com")],
    },
    claims: &[],
    brands: &["trend micro"],
    evidence,
    cheap,
    notices: &[],
    advice: Advice {
        vendor: Vendor::Trendmicro,
        name: "Trend Micro Email Encryption",
        access: Access::Registration,
        how_in: "registration with Trend Micro on first use",
        tell: "Save the attachment Encrypted_Message.htm, open it in a browser and choose \
               \u{201c}Open my email\u{201d}.",
        link_helps: false,
        attachment_opens: true,
    },
};

/// Trend Micro Email Encryption: `Encrypted_Message.htm`.
fn evidence(facts: &Facts, _earlier: &[Evidence]) -> Evidence {
    let mut ev = Evidence::new(Vendor::Trendmicro, &[Class::Attachment]);
    const TREND: &[&str] = &["trendmicro.com", "trendmicro.eu"];
    let atts = facts.attachments_named(is_encrypted_message);
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

/// The name of Trend Micro's encrypted attachment.
fn is_encrypted_message(name: &str) -> bool {
    name == "encrypted_message.htm" || name == "encrypted_message.html"
}

/// An `Encrypted_Message.htm` attachment.
fn cheap(s: &CheapSignals) -> Option<Cheap> {
    html_vendor(s, Vendor::Trendmicro, is_encrypted_message)
}
