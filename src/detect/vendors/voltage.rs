//! Voltage SecureMail: `message_zdm.html` with its encrypted block.
//! The vendor's rule value: its hosts, its notification sentences and brands, its evidence, its
//! cheap check for the list and its advice.

use super::*;

pub const RULE: Rule = Rule {
    hosts: VendorHosts {
        vendor: Vendor::Voltage,
        portals: &[],
        org_hosted: true,
        pages: &[Exact("www.voltage.com"), Exact("voltage.com")],
    },
    claims: &[],
    brands: &["voltage"],
    evidence,
    cheap,
    notices: &[],
    advice: Advice {
        vendor: Vendor::Voltage,
        name: "Voltage SecureMail",
        access: Access::Registration,
        how_in: "registration with the sender's SecureMail portal",
        tell: "Save the attachment message_zdm.html, open it in a browser and choose \
               \u{201c}Read Message\u{201d}.",
        link_helps: false,
        attachment_opens: true,
    },
};

/// Voltage SecureMail: `message_zdm.html` carrying the encrypted block in a `ZFRdata` input.
fn evidence(facts: &Facts, _earlier: &[Evidence]) -> Evidence {
    let mut ev = Evidence::new(Vendor::Voltage, &[Class::Markup]);
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

/// A `message_zdm.html` attachment (SecureMail's Zero Download Messenger).
fn cheap(s: &CheapSignals) -> Option<Cheap> {
    html_vendor(s, Vendor::Voltage, |n| n == "message_zdm.html")
}
