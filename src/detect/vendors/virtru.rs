//! Virtru: a link to `secure.virtru.com/start`.
//! The vendor's rule value: its hosts, its notification sentences and brands, its evidence, its
//! cheap check for the list and its advice.

use super::*;

pub const RULE: Rule = Rule {
    hosts: VendorHosts {
        vendor: Vendor::Virtru,
        portals: &[exact("secure.virtru.com", Prefix("/start"))],
        org_hosted: false,
        pages: &[
            Exact("www.virtru.com"),
            Exact("virtru.com"),
            Exact("support.virtru.com"),
        ],
    },
    claims: &["securely transmitted message from", "secured by virtru"],
    brands: &["virtru"],
    evidence,
    cheap: no_cheap,
    notices: &[],
    advice: Advice {
        vendor: Vendor::Virtru,
        name: "Virtru",
        access: Access::EmailedLink,
        how_in: "a verification link mailed to this address",
        tell: "Open the link in a browser and verify your address with the link Virtru mails \
               you.",
        link_helps: true,
        attachment_opens: false,
    },
};

fn evidence(facts: &Facts, _earlier: &[Evidence]) -> Evidence {
    let mut ev = Evidence::new(Vendor::Virtru, &[Class::Link]);
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
