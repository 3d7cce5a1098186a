//! Mimecast secure messaging: its Message-ID and a link to a regional login host.
//! The vendor's rule value: its hosts, its notification sentences and brands, its evidence, its
//! cheap check for the list and its advice.

use super::*;

pub const RULE: Rule = Rule {
    hosts: VendorHosts {
        vendor: Vendor::Mimecast,
        portals: MIMECAST_PORTALS,
        org_hosted: false,
        pages: &[Exact("www.mimecast.com"), Exact("community.mimecast.com")],
    },
    claims: &["you've been sent a secure message"],
    brands: &["mimecast"],
    evidence,
    cheap,
    notices: &["you've been sent a secure message"],
    advice: Advice {
        vendor: Vendor::Mimecast,
        name: "Mimecast secure messaging",
        access: Access::RegisteredPassword,
        how_in: "a Mimecast password",
        tell: "Open the link in a browser and sign in with your Mimecast password.",
        link_helps: true,
        attachment_opens: false,
    },
};

fn evidence(facts: &Facts, _earlier: &[Evidence]) -> Evidence {
    let mut ev = Evidence::new(Vendor::Mimecast, &[Class::Link]);
    let id = facts
        .message_id
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    let id_matches = id.starts_with("mimecast.") && id.ends_with("@mimecast.lan");
    if id_matches {
        ev.signal(Class::MessageId, "Message-ID <Mimecast.*@mimecast.lan>");
        ev.present = true;
    }
    let relayed = facts.headers.iter().any(|(n, v)| {
        n == "received"
            && v.to_ascii_lowercase()
                .starts_with("from relay.mimecast.com")
    });
    if relayed {
        ev.signal(Class::Header, "relayed by relay.mimecast.com");
    }
    link_rules(
        facts,
        &LinkSpec {
            domains: &["mimecast.com"],
            tokens: &["mimecast"],
            pattern: never,
            phrases: &["you've been sent a secure message"],
        },
        &mut ev,
    );
    ev
}

/// Mimecast's regional login and webmail hosts (`login-us.mimecast.com`).
const MIMECAST_PORTALS: &[Portal] = &[
    exact("login.mimecast.com", Any),
    exact("login-us.mimecast.com", Any),
    exact("login-uk.mimecast.com", Any),
    exact("login-eu.mimecast.com", Any),
    exact("login-de.mimecast.com", Any),
    exact("login-ca.mimecast.com", Any),
    exact("login-za.mimecast.com", Any),
    exact("login-au.mimecast.com", Any),
    exact("login-je.mimecast.com", Any),
    exact("webmail-us.mimecast.com", Any),
    exact("webmail-uk.mimecast.com", Any),
    exact("webmail-eu.mimecast.com", Any),
    exact("webmail-de.mimecast.com", Any),
    exact("webmail-ca.mimecast.com", Any),
    exact("webmail-za.mimecast.com", Any),
    exact("webmail-au.mimecast.com", Any),
];

/// Mimecast's own Message-ID (`mimecast.…@mimecast.lan`).
fn cheap(s: &CheapSignals) -> Option<Cheap> {
    let id = s.message_id.as_deref().unwrap_or("").to_ascii_lowercase();
    (id.starts_with("mimecast.") && id.ends_with("@mimecast.lan")).then_some(Cheap {
        vendor: Vendor::Mimecast,
        contradiction: false,
    })
}
