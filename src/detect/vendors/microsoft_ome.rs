//! Microsoft Purview Message Encryption: a link to the portal's exact host and path.
//! The vendor's rule value: its hosts, its notification sentences and brands, its evidence, its
//! cheap check for the list and its advice.

use super::microsoft::*;
use super::*;

pub const RULE: Rule = Rule {
    hosts: VendorHosts {
        vendor: Vendor::MicrosoftOme,
        portals: OME_PORTALS,
        org_hosted: false,
        pages: MICROSOFT_PAGES,
    },
    claims: &["has sent you a protected message"],
    brands: super::microsoft::BRANDS,
    evidence,
    cheap: no_cheap,
    // Classic and Purview notices both use the first; look-alikes imitate Purview's.
    notices: &[
        "you've received an encrypted message",
        "has sent you a protected message",
    ],
    advice: Advice {
        vendor: Vendor::MicrosoftOme,
        name: "Microsoft Purview Message Encryption",
        access: Access::AccountOrPasscode,
        how_in: "a Microsoft, work or school, Google or Yahoo account, or a one-time passcode \
                 mailed to this address (valid 15 minutes)",
        tell: "Open the link in a browser and sign in, or choose the one-time passcode: it \
               arrives here as \u{201c}Your one-time passcode to view the message\u{201d}.",
        link_helps: true,
        attachment_opens: false,
    },
};

/// Microsoft Purview Message Encryption ("new OME"): a link to `/Encryption/retrieve.ashx`.
fn evidence(facts: &Facts, _earlier: &[Evidence]) -> Evidence {
    let mut ev = Evidence::new(Vendor::MicrosoftOme, &[Class::Link]);
    let spec = LinkSpec {
        domains: MICROSOFT,
        tokens: MICROSOFT_TOKENS,
        pattern: ome_imitation,
        phrases: &[
            "has sent you a protected message",
            "microsoft purview message encryption",
        ],
    };
    link_rules(facts, &spec, &mut ev);
    if ev.present {
        if let Some(p) = rpmsg_parts(facts).first() {
            ev.signal(Class::Attachment, format!("attachment {}", p.shown_name()));
        }
        let footer = facts.links.iter().any(|l| {
            l.kind == LinkKind::Anchor
                && home(ev.vendor).is_page(l)
                && super::super::links::has_phrase(&l.label, "message encryption")
        });
        if footer {
            ev.signal(
                Class::Wording,
                "Microsoft Purview Message Encryption footer link",
            );
        }
    }
    ev
}
