//! Egress: a link to `switch.egress.com` or `reader.egress.com`.
//! The vendor's rule value: its hosts, its notification sentences and brands, its evidence, its
//! cheap check for the list and its advice.

use super::*;

pub const RULE: Rule = Rule {
    hosts: VendorHosts {
        vendor: Vendor::Egress,
        portals: &[
            exact("switch.egress.com", Any),
            exact("reader.egress.com", Any),
        ],
        org_hosted: false,
        pages: &[Exact("www.egress.com"), Exact("support.egress.com")],
    },
    claims: &["sent to you securely using egress"],
    brands: &["egress"],
    evidence,
    cheap: no_cheap,
    notices: &[],
    advice: Advice {
        vendor: Vendor::Egress,
        name: "Egress",
        access: Access::Registration,
        how_in: "an Egress account, registered on first use",
        tell: "Open the link in a browser and sign in to Egress (or register).",
        link_helps: true,
        attachment_opens: false,
    },
};

fn evidence(facts: &Facts, _earlier: &[Evidence]) -> Evidence {
    let mut ev = Evidence::new(Vendor::Egress, &[Class::Link]);
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
