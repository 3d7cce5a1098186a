//! Virtru: a link to `secure.virtru.com/start`.
//! The vendor's rule value: its hosts, its notification sentences and brands, and its evidence.

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
