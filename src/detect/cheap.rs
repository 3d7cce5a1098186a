//! The list's cheap classification: from attachment names and types (BODYSTRUCTURE) and a few
//! header fields fetched with the envelope, mark likely portal mail before any body is
//! downloaded. `suspicious` only when these cheap facts already contradict each other.

use mail_parser::{MessageParser, MimeHeaders, PartType};

use super::Vendor;
use super::facts::unfold;
use super::sealed::ENVELOPE_TYPE;
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

fn header<'a>(s: &'a CheapSignals, name: &str) -> Option<&'a str> {
    s.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

struct Found {
    vendor: Vendor,
    contradiction: bool,
}

fn named(s: &CheapSignals, test: impl Fn(&str) -> bool) -> Vec<&(String, String)> {
    s.parts
        .iter()
        .filter(|(n, _)| test(&n.trim().to_lowercase()))
        .collect()
}

fn html_vendor(s: &CheapSignals, vendor: Vendor, test: impl Fn(&str) -> bool) -> Option<Found> {
    let parts = named(s, test);
    (!parts.is_empty()).then(|| Found {
        vendor,
        contradiction: parts
            .iter()
            .any(|(_, mime)| !HTML_TYPES.contains(&mime.to_ascii_lowercase().as_str())),
    })
}

fn is_rpmsg_name(n: &str) -> bool {
    n == "message.rpmsg"
        || n.strip_prefix("message_v")
            .and_then(|r| r.strip_suffix(".rpmsg"))
            .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

fn is_securedoc(n: &str) -> bool {
    let stem = n.strip_suffix(".html").or_else(|| n.strip_suffix(".htm"));
    stem.is_some_and(|s| s == "securedoc" || s.starts_with("securedoc_"))
}

/// Vendors' notification subjects (lowercase, typographic apostrophes read as plain ones).
const NOTICE_SUBJECTS: &[(&str, Vendor)] = &[
    // Classic and Purview notices both use it; look-alikes imitate Purview's.
    ("you've received an encrypted message", Vendor::MicrosoftOme),
    ("has sent you a protected message", Vendor::MicrosoftOme),
    ("you've been sent a secure message", Vendor::Mimecast),
    ("sent you a confidential email", Vendor::GmailConfidential),
];

/// The vendor whose notification the subject reads as, if any.
fn claimed_by_subject(subject: &str) -> Option<Vendor> {
    let subject = super::links::collapse(subject, 200).replace(['\u{2019}', '\u{2018}'], "'");
    NOTICE_SUBJECTS
        .iter()
        .find(|(phrase, _)| super::links::has_phrase(&subject, phrase))
        .map(|(_, vendor)| *vendor)
}

/// Marks portal mail in the list from what IMAP gives cheaply.
pub fn classify_cheap(s: &CheapSignals) -> Option<PortalMark> {
    let mut found: Vec<Found> = Vec::new();

    let sealed_header = header(s, "sealed-message").is_some();
    let sealed_part = s
        .parts
        .iter()
        .any(|(_, m)| m.eq_ignore_ascii_case(ENVELOPE_TYPE));
    if sealed_header || sealed_part {
        found.push(Found {
            vendor: Vendor::Sealed,
            contradiction: sealed_header != sealed_part,
        });
    }

    let rpmsg_type = "application/x-microsoft-rpmsg-message";
    let rpmsg: Vec<_> = s
        .parts
        .iter()
        .filter(|(n, m)| m.eq_ignore_ascii_case(rpmsg_type) || is_rpmsg_name(&n.to_lowercase()))
        .collect();
    let content_class =
        header(s, "content-class").is_some_and(|v| v.trim().eq_ignore_ascii_case("rpmsg.message"));
    if !rpmsg.is_empty() || content_class {
        // Purview Message Encryption mail is sent by Exchange Online; a rights-managed message
        // may be too, so this is only a hint: opening the message decides.
        let exo = s
            .message_id
            .as_deref()
            .is_some_and(|id| id.to_ascii_lowercase().ends_with(".prod.outlook.com"));
        let typed_wrong = rpmsg.iter().any(|(n, m)| {
            is_rpmsg_name(&n.to_lowercase())
                && !m.eq_ignore_ascii_case(rpmsg_type)
                && !m.eq_ignore_ascii_case("application/octet-stream")
        });
        found.push(Found {
            vendor: if exo && !content_class {
                Vendor::MicrosoftOme
            } else {
                Vendor::MicrosoftRms
            },
            contradiction: typed_wrong || rpmsg.is_empty(),
        });
    }

    let pp_boundary = header(s, "content-type")
        .is_some_and(|v| v.to_ascii_uppercase().contains("PROOFPOINT_BOUNDARY_"));
    let pp_header = header(s, "x-proofpointsecure").is_some();
    match html_vendor(s, Vendor::Proofpoint, |n| n == "securemessageatt.html") {
        Some(f) => found.push(f),
        None if pp_header || pp_boundary => found.push(Found {
            vendor: Vendor::Proofpoint,
            contradiction: false,
        }),
        None => {}
    }
    found.extend(html_vendor(s, Vendor::CiscoCres, is_securedoc));
    found.extend(html_vendor(s, Vendor::Trendmicro, |n| {
        n == "encrypted_message.htm" || n == "encrypted_message.html"
    }));
    found.extend(html_vendor(s, Vendor::Voltage, |n| n == "message_zdm.html"));
    // `message.html` is a common name: only with an encryption subject is it a hint.
    let encrypted_subject = s
        .subject
        .as_deref()
        .is_some_and(|t| t.to_lowercase().contains("encrypted"));
    if encrypted_subject {
        found.extend(html_vendor(s, Vendor::MicrosoftOmeLegacy, |n| {
            n == "message.html"
        }));
    }
    if header(s, "x-zixnet").is_some()
        || s.headers
            .iter()
            .any(|(n, _)| n.to_ascii_lowercase().starts_with("x-vpm-"))
    {
        found.push(Found {
            vendor: Vendor::Zix,
            contradiction: false,
        });
    }
    let id = s.message_id.as_deref().unwrap_or("").to_ascii_lowercase();
    if id.starts_with("mimecast.") && id.ends_with("@mimecast.lan") {
        found.push(Found {
            vendor: Vendor::Mimecast,
            contradiction: false,
        });
    }

    // A subject that is a vendor's notification while nothing of that vendor is there: a
    // look-alike, marked before the body is read (opening the message decides).
    if found.is_empty()
        && let Some(vendor) = s.subject.as_deref().and_then(claimed_by_subject)
    {
        found.push(Found {
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
