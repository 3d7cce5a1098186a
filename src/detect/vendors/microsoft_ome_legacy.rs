//! Microsoft 365 Message Encryption, classic: a `message.html` attachment posting to Microsoft.
//! The vendor's rule value: its hosts, its notification sentences and brands, its evidence, its
//! cheap check for the list and its advice.

use super::microsoft::*;
use super::*;

pub const RULE: Rule = Rule {
    hosts: VendorHosts {
        vendor: Vendor::MicrosoftOmeLegacy,
        portals: OME_LEGACY_PORTALS,
        org_hosted: false,
        pages: MICROSOFT_PAGES,
    },
    claims: &[
        "you've received an encrypted message from",
        "message encryption by microsoft office 365",
    ],
    brands: super::microsoft::BRANDS,
    evidence,
    cheap,
    notices: &[],
    advice: Advice {
        vendor: Vendor::MicrosoftOmeLegacy,
        name: "Microsoft 365 Message Encryption (classic)",
        access: Access::AccountOrPasscode,
        how_in: "a Microsoft, work or school account, or a one-time passcode",
        tell: "Save the attachment message.html and open it in a browser, then sign in or ask \
               for a one-time passcode.",
        link_helps: false,
        attachment_opens: true,
    },
};

/// Microsoft Office 365 Message Encryption, legacy: a `message.html` attachment whose form
/// posts the encrypted message to Microsoft.
fn evidence(facts: &Facts, _earlier: &[Evidence]) -> Evidence {
    let mut ev = Evidence::new(
        Vendor::MicrosoftOmeLegacy,
        &[Class::Link, Class::Attachment],
    );
    let mut marked = false;
    for (i, part) in facts.parts.iter().enumerate() {
        if !is_html_attachment(part) {
            continue;
        }
        let Some(h) = &part.html else { continue };
        let named = is_legacy_attachment(&part.name_lower());
        let inputs: Vec<&str> = ["rpmsg", "metadata", "signature"]
            .into_iter()
            .filter(|n| {
                h.input_named(n)
                    .is_some_and(|i| i.kind == "hidden" || i.kind.is_empty())
            })
            .collect();
        let has_store_form = facts.links_in(Place::Attachment(i)).any(store_form);
        let structured = inputs.contains(&"rpmsg") && inputs.len() >= 2;
        if !(structured || has_store_form) {
            continue;
        }
        marked = true;
        if named {
            ev.signal(Class::Attachment, "attachment message.html");
        } else {
            ev.claim(format!(
                "attachment {} holds a Message Encryption form",
                part.shown_name()
            ));
        }
        if structured {
            ev.signal(
                Class::Markup,
                format!("hidden inputs {}", inputs.join(", ")),
            );
        }
        if h.saved_from
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("about:internet"))
        {
            ev.signal(Class::Markup, "saved from url=(0014)about:internet");
        }
        for link in facts.links_in(Place::Attachment(i)) {
            if store_form(link) && home(ev.vendor).is_portal(link) {
                ev.portal(link);
                ev.signal(Class::Link, format!("form posts to {}", goes_to(link)));
            }
        }
        attachment_rules(
            facts,
            i,
            part,
            MICROSOFT_LEGACY,
            false,
            "Microsoft",
            &mut ev,
        );
    }
    // The store form outside a message.html attachment (in the body) is an imitation.
    for link in facts.links.iter().filter(|l| store_form(l) && in_body(l)) {
        marked = true;
        if !home(ev.vendor).is_portal(link) {
            ev.elsewhere(
                link,
                format!("the form posts to {}, not outlook.com", goes_to(link)),
            );
        }
    }
    let body_ids = facts
        .parts
        .iter()
        .filter(|p| !p.attachment)
        .filter_map(|p| p.html.as_ref())
        .any(|h| {
            ["ReceivedMessage", "SenderAddress", "OpenAttachment"]
                .iter()
                .filter(|id| h.has_id(id))
                .count()
                >= 2
        });
    if body_ids {
        ev.signal(
            Class::Wording,
            "body elements ReceivedMessage, SenderAddress, OpenAttachment",
        );
    }
    ev.wording(
        facts,
        &[
            "you've received an encrypted message",
            "message encryption by microsoft office 365",
            "use a one-time passcode",
        ],
    );
    ev.present = marked;
    let claimed = claimed_by_wording(facts) == Some(ev.vendor);
    if ev.present || claimed {
        let wording_only = !ev.present;
        call_to_action_rules(facts, MICROSOFT_LEGACY, &mut ev, wording_only);
    }
    ev
}

/// The name of the legacy notice's attachment.
fn is_legacy_attachment(name: &str) -> bool {
    name == "message.html"
}

/// `message.html` is a common name: only with an encryption subject is it a hint.
fn cheap(s: &CheapSignals) -> Option<Cheap> {
    let encrypted_subject = s
        .subject
        .as_deref()
        .is_some_and(|t| t.to_lowercase().contains("encrypted"));
    encrypted_subject
        .then(|| html_vendor(s, Vendor::MicrosoftOmeLegacy, is_legacy_attachment))
        .flatten()
}
