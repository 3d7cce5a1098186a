//! Zix: `X-ZixNet`/`X-VPM-*` headers and a link to its portal.
//! The vendor's rule value: its hosts, its notification sentences and brands, its evidence, its
//! cheap check for the list and its advice.

use super::*;

pub const RULE: Rule = Rule {
    hosts: VendorHosts {
        vendor: Vendor::Zix,
        portals: &[
            Portal {
                host: Under("zixmail.net"),
                path: Any,
            },
            Portal {
                host: Under("zixport.com"),
                path: Any,
            },
        ],
        org_hosted: false,
        pages: &[
            Exact("www.zixcorp.com"),
            Exact("zixcorp.com"),
            Exact("www.zix.com"),
        ],
    },
    claims: &[],
    brands: &["zix", "zixmail", "zixcorp"],
    evidence,
    cheap,
    notices: &[],
    advice: Advice {
        vendor: Vendor::Zix,
        name: "Zix secure message",
        access: Access::RegisteredPassword,
        how_in: "a registered password, or a Google or Microsoft sign-in",
        tell: "Open the link in a browser and sign in to the Zix portal.",
        link_helps: true,
        attachment_opens: false,
    },
};

fn evidence(facts: &Facts, _earlier: &[Evidence]) -> Evidence {
    let mut ev = Evidence::new(Vendor::Zix, &[Class::Link]);
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

/// ZixNet's or Zix's gateway headers.
fn cheap(s: &CheapSignals) -> Option<Cheap> {
    let stamped = header(s, "x-zixnet").is_some()
        || s.headers
            .iter()
            .any(|(n, _)| n.to_ascii_lowercase().starts_with("x-vpm-"));
    stamped.then_some(Cheap {
        vendor: Vendor::Zix,
        contradiction: false,
    })
}
