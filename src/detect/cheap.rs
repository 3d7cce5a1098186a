//! The list's cheap classification: from attachment names and types (BODYSTRUCTURE) and a few
//! header fields fetched with the envelope, mark likely portal mail before any body is
//! downloaded. `suspicious` only when these cheap facts already contradict each other. Each
//! vendor's cheap check lives in its rule (`vendors/`), beside its full check, and shares its
//! names with it.

use mail_parser::{MessageParser, MimeHeaders, PartType};

use super::Vendor;
use super::facts::unfold;
use super::sealed::ENVELOPE_TYPE;
use super::vendors::RULES;
use super::{CheapSignals, PortalMark};

/// Header fields to fetch with each envelope so that [`classify_cheap`] can mark portal mail.
pub const CHEAP_HEADER_FIELDS: &[&str] = &[
    "Sealed-Message",
    "Content-Class",
    "Content-Type",
    "X-ProofpointSecure",
    "X-ZixNet",
    "X-VPM-ActionCode",
    "X-VPM-MIV",
];

/// Types a vendor's HTML attachment may carry; anything else contradicts its name.
const HTML_TYPES: &[&str] = &["text/html", "application/octet-stream"];

/// A header field the envelope came with.
pub(super) fn header<'a>(s: &'a CheapSignals, name: &str) -> Option<&'a str> {
    s.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// What one vendor's cheap check found: its mark, and whether the facts contradict it.
pub struct Cheap {
    pub vendor: Vendor,
    pub contradiction: bool,
}

/// The parts whose lowercase name passes `test`.
pub(super) fn named(s: &CheapSignals, test: impl Fn(&str) -> bool) -> Vec<&(String, String)> {
    s.parts
        .iter()
        .filter(|(n, _)| test(&n.trim().to_lowercase()))
        .collect()
}

/// A vendor whose mail carries an HTML attachment named as `test` says: found when one is,
/// contradicted when it is not typed as HTML.
pub(super) fn html_vendor(
    s: &CheapSignals,
    vendor: Vendor,
    test: impl Fn(&str) -> bool,
) -> Option<Cheap> {
    let parts = named(s, test);
    (!parts.is_empty()).then(|| Cheap {
        vendor,
        contradiction: parts
            .iter()
            .any(|(_, mime)| !HTML_TYPES.contains(&mime.to_ascii_lowercase().as_str())),
    })
}

/// The vendor whose notification the subject reads as, if any (each rule's `notices`,
/// typographic apostrophes read as plain ones).
fn claimed_by_subject(subject: &str) -> Option<Vendor> {
    let subject = super::links::collapse(subject, 200).replace(['\u{2019}', '\u{2018}'], "'");
    RULES
        .iter()
        .find(|rule| {
            rule.notices
                .iter()
                .any(|phrase| super::links::has_phrase(&subject, phrase))
        })
        .map(|rule| rule.hosts.vendor)
}

/// Marks portal mail in the list from what IMAP gives cheaply: a sealed message by its own
/// rules, every other vendor by its rule's cheap check.
pub fn classify_cheap(s: &CheapSignals) -> Option<PortalMark> {
    let mut found: Vec<Cheap> = Vec::new();

    let sealed_header = header(s, "sealed-message").is_some();
    let sealed_part = s
        .parts
        .iter()
        .any(|(_, m)| m.eq_ignore_ascii_case(ENVELOPE_TYPE));
    if sealed_header || sealed_part {
        found.push(Cheap {
            vendor: Vendor::Sealed,
            contradiction: sealed_header != sealed_part,
        });
    }
    found.extend(RULES.iter().filter_map(|rule| (rule.cheap)(s)));

    // A subject that is a vendor's notification while nothing of that vendor is there: a
    // look-alike, marked before the body is read (opening the message decides).
    if found.is_empty()
        && let Some(vendor) = s.subject.as_deref().and_then(claimed_by_subject)
    {
        found.push(Cheap {
            vendor,
            contradiction: true,
        });
    }

    let first = found.first()?;
    // Two vendors at once contradict each other.
    let vendors_disagree = found.iter().any(|f| f.vendor != first.vendor);
    Some(PortalMark {
        vendor: first.vendor,
        suspicious: first.contradiction || vendors_disagree,
        unverified: false,
    })
}

/// Builds the cheap signals from a raw message, as IMAP would give them (for Maildir and tests).
pub fn cheap_signals_from_raw(raw: &[u8]) -> CheapSignals {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return CheapSignals::default();
    };
    let mut parts = Vec::new();
    for part in &msg.parts {
        if matches!(part.body, PartType::Multipart(_)) {
            continue;
        }
        let name = part.attachment_name();
        let disposed = part
            .content_disposition()
            .is_some_and(|cd| cd.ctype().eq_ignore_ascii_case("attachment"));
        if name.is_none() && !disposed {
            continue;
        }
        let mime = crate::mime::declared_type(part).unwrap_or_else(|| "text/plain".to_owned());
        parts.push((name.unwrap_or("").to_owned(), mime));
    }
    let headers = msg
        .headers_raw()
        .filter(|(n, _)| {
            CHEAP_HEADER_FIELDS
                .iter()
                .any(|f| f.eq_ignore_ascii_case(n))
        })
        .map(|(n, v)| (n.to_ascii_lowercase(), unfold(v)))
        .collect();
    CheapSignals {
        parts,
        headers,
        message_id: msg.message_id().map(str::to_owned),
        subject: msg.subject().map(str::to_owned),
    }
}
