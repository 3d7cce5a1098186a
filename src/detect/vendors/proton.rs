//! Proton Mail password-protected messages: a link to `mail.proton.me/eo/`.
//! The vendor's rule value: its hosts, its notification sentences and brands, its evidence, its
//! cheap check for the list and its advice.

use super::*;

pub const RULE: Rule = Rule {
    hosts: VendorHosts {
        vendor: Vendor::Proton,
        portals: &[
            exact("mail.proton.me", Prefix("/eo/")),
            exact("mail.protonmail.com", Prefix("/eo/")),
        ],
        org_hosted: false,
        pages: &[
            Exact("proton.me"),
            Exact("www.proton.me"),
            Exact("protonmail.com"),
        ],
    },
    claims: &["received a password-protected message"],
    brands: &["proton", "protonmail", "proton mail"],
    evidence,
    cheap: no_cheap,
    notices: &[],
    advice: Advice {
        vendor: Vendor::Proton,
        name: "Proton Mail password-protected message",
        access: Access::SharedPassword,
        how_in: "a password the sender gave you another way",
        tell: "Open the link in a browser and enter the password the sender shared with you; \
               the message expires after 28 days.",
        link_helps: true,
        attachment_opens: false,
    },
};

fn evidence(facts: &Facts, _earlier: &[Evidence]) -> Evidence {
    let mut ev = Evidence::new(Vendor::Proton, &[Class::Link]);
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
