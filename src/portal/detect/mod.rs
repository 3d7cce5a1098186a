//! Classifies encrypted-portal mail by vendor, `genuine` or `suspicious`, following the facts in
//! `docs/portal-detection.md`. No ratatui or crossterm here.
//!
//! Two entry points: [`classify`] reads a whole message when it is opened (and in
//! `sealmail inspect`); [`classify_cheap`] marks likely portal mail in the list from what IMAP
//! gives with the envelope (BODYSTRUCTURE and [`CHEAP_HEADER_FIELDS`]).

mod cheap;
mod evidence;
mod facts;
mod html;
mod links;
mod sealed;
mod vendors;
mod verdict;

pub use cheap::{CHEAP_HEADER_FIELDS, cheap_signals_from_raw, classify_cheap};
pub use links::registrable;

/// Every vendor id the classifier can give, in table order.
pub const VENDOR_IDS: &[&str] = &[
    "sealed",
    "microsoft-ome-legacy",
    "microsoft-ome",
    "microsoft-rms",
    "proofpoint",
    "cisco-cres",
    "zix",
    "virtru",
    "mimecast",
    "egress",
    "trendmicro",
    "voltage",
    "proton",
    "gmail-confidential",
];

/// Whether portal mail is what it says it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// At least two independent signals agree and every portal link is on the vendor's domain.
    Genuine,
    /// It claims a portal while something points elsewhere, or too little agrees: warn, and do
    /// not offer to follow its links by default.
    Suspicious,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Genuine => "genuine",
            Verdict::Suspicious => "suspicious",
        }
    }
}

/// What the classifier found in one message. Strings hold hosts, paths, file names and fixed
/// vendor phrases, never message text; they are not sanitised (do that before display).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Classification {
    pub portal: bool,
    /// A vendor id from [`VENDOR_IDS`].
    pub vendor: Option<&'static str>,
    pub verdict: Option<Verdict>,
    /// Only genuine `sealed` messages can be read inline.
    pub readable_inline: bool,
    /// The portal links found (by href): for a suspicious message, also where the claimed
    /// links really go.
    pub links: Vec<String>,
    /// What was seen, one short line each.
    pub signals: Vec<String>,
    /// Why a suspicious message is suspicious, for the warning.
    pub reason: Option<String>,
}

/// Classifies a raw RFC 5322 message. Never panics; input that cannot be parsed is not portal
/// mail.
pub fn classify(raw: &[u8]) -> Classification {
    verdict::decide(&facts::gather(raw), raw)
}

/// True when the bytes read as a mail message at all (a header block mail-parser accepts).
pub fn is_message(raw: &[u8]) -> bool {
    !raw.iter().all(u8::is_ascii_whitespace)
        && mail_parser::MessageParser::default()
            .parse_headers(raw)
            .is_some_and(|m| !m.headers().is_empty())
}
