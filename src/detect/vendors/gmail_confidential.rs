//! Gmail confidential mode: a link to `confidential-mail.google.com`.
//! The vendor's rule value: its hosts, its notification sentences and brands, its evidence, its
//! cheap check for the list and its advice.

use super::*;

pub const RULE: Rule = Rule {
    hosts: VendorHosts {
        vendor: Vendor::GmailConfidential,
        portals: &[exact("confidential-mail.google.com", Any)],
        org_hosted: false,
        pages: &[Exact("support.google.com"), Exact("policies.google.com")],
    },
    claims: &["sent you a confidential email"],
    brands: &["gmail", "google"],
    evidence,
    cheap: no_cheap,
    notices: &["sent you a confidential email"],
    advice: Advice {
        vendor: Vendor::GmailConfidential,
        name: "Gmail confidential mode",
        access: Access::PasscodeBySmsOrMail,
        how_in: "a passcode sent by SMS or mail",
        tell: "Open the link in a browser; Google sends a passcode to confirm it is you.",
        link_helps: true,
        attachment_opens: false,
    },
};

fn evidence(facts: &Facts, _earlier: &[Evidence]) -> Evidence {
    let mut ev = Evidence::new(Vendor::GmailConfidential, &[Class::Link]);
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
