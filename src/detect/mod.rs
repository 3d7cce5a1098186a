//! Classifies encrypted-portal mail by vendor, `genuine` or `suspicious`, following the facts in
//! `docs/portal-detection.md`. No ratatui or crossterm here.
//!
//! [`advice`] says what the reader can do with each vendor's mail. [`crypto`] recognises the
//! standard protections, S/MIME and OpenPGP.
//!
//! Two entry points: [`classify`] reads a whole message when it is opened (and in
//! `sealmail inspect`); [`classify_cheap`] marks likely portal mail in the list from what IMAP
//! gives with the envelope (BODYSTRUCTURE and [`CHEAP_HEADER_FIELDS`]).

// Input handling is total: no slicing or indexing that could panic on hostile bytes.
#![cfg_attr(not(test), deny(clippy::string_slice, clippy::indexing_slicing))]

pub mod advice;
mod auth;
mod cheap;
pub mod crypto;
mod evidence;
mod facts;
mod hosts;
mod html;
mod links;
mod sealed;
mod vendor;
mod vendors;
mod verdict;

pub use cheap::{CHEAP_HEADER_FIELDS, cheap_signals_from_raw, classify_cheap};
pub use links::registrable;
pub use vendor::Vendor;

/// What the message list knows of a portal message before its body is downloaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortalMark {
    pub vendor: Vendor,
    /// The cheap signals already contradict each other, or the full classification found a
    /// look-alike: show a warning glyph.
    pub suspicious: bool,
    /// The full classification found an organisation portal whose sender is not verified.
    pub unverified: bool,
}

impl PortalMark {
    /// The mark a full classification gives, so the list says what the pane says.
    pub fn from_classification(c: &Classification) -> Option<PortalMark> {
        let vendor = c.vendor.filter(|_| c.portal)?;
        Some(PortalMark {
            vendor,
            suspicious: c.verdict != Some(Verdict::Genuine)
                && c.verdict != Some(Verdict::Unverified),
            unverified: c.verdict == Some(Verdict::Unverified),
        })
    }
}

/// The cheap facts about a message that IMAP gives with its envelope (BODYSTRUCTURE and a few
/// header fields): enough to mark portal mail in the list without downloading a body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheapSignals {
    /// (file name, lowercase MIME type) of every part that has a name or is an attachment.
    pub parts: Vec<(String, String)>,
    /// (lowercase header name, unfolded value) of the header fields asked for.
    pub headers: Vec<(String, String)>,
    /// The Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// The subject, decoded.
    pub subject: Option<String>,
}

/// Whether portal mail is what it says it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// At least two independent signals agree and every link stays on the vendor's own hosts.
    Genuine,
    /// Everything agrees, but the portal is on the sending organisation's own host and nothing
    /// the user trusts vouches that the mail comes from that organisation (`From:` can be
    /// forged): "organisation portal, sender not verified". Its links are not offered.
    Unverified,
    /// It claims a portal while something points elsewhere, or too little agrees: warn, and do
    /// not offer to follow its links by default.
    Suspicious,
}

impl Verdict {
    /// The id printed by `sealmail inspect --json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Genuine => "genuine",
            Verdict::Unverified => "unverified",
            Verdict::Suspicious => "suspicious",
        }
    }

    /// How the verdict reads to people (pane, list help, `inspect`).
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Genuine => "genuine",
            Verdict::Unverified => "organisation portal, sender not verified",
            Verdict::Suspicious => "suspicious",
        }
    }
}

/// What the user trusts beyond the message itself: the authserv-ids of their own MTAs, whose
/// `Authentication-Results` (DKIM or DMARC pass, aligned with `From:`) verify the sender of an
/// organisation-hosted portal. Configured as `trusted_authserv_ids` (docs/user-guide.md).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trust {
    pub authserv_ids: Vec<String>,
}

/// What the classifier found in one message. Strings hold hosts, paths, file names and fixed
/// vendor phrases, never message text, as the message gives them: the reader's pane turns
/// what it shows into `sanitize::Clean` (`app::state::VendorPane`), `sealmail inspect`
/// escapes its JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Classification {
    pub portal: bool,
    pub vendor: Option<Vendor>,
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
    /// For an `unverified` message: the sender's registrable domain the portal lives on.
    pub sender_domain: Option<String>,
    /// The authserv-ids (lowercase) whose `Authentication-Results` vouch for `sender_domain`;
    /// they count only when the user trusts them ([`Classification::trusting`]).
    pub vouched_by: Vec<String>,
}

impl Classification {
    /// Applies what the user trusts: an `unverified` message whose sender domain one of the
    /// user's own MTAs vouches for becomes `genuine`. Cheap (no parsing), so the reader can
    /// call it where the configuration is known.
    pub fn trusting(mut self, trust: &Trust) -> Classification {
        if self.verdict != Some(Verdict::Unverified) {
            return self;
        }
        let by = self.vouched_by.iter().find(|id| {
            trust
                .authserv_ids
                .iter()
                .any(|t| t.trim().eq_ignore_ascii_case(id))
        });
        if let (Some(by), Some(domain)) = (by, self.sender_domain.as_deref()) {
            let note = format!("sender {domain} verified by {by} (Authentication-Results)");
            self.signals.retain(|s| !s.starts_with("unverified: "));
            self.signals.push(note);
            self.verdict = Some(Verdict::Genuine);
        }
        self
    }
}

/// Classifies a raw RFC 5322 message, trusting no MTA: organisation-hosted portals are at
/// best `unverified`. Never panics on any bytes; input that cannot be parsed is not portal
/// mail.
pub fn classify(raw: &[u8]) -> Classification {
    verdict::decide(&facts::gather(raw), raw)
}

/// [`classify`] and [`crypto::of_message`] from one parse of the message (what opening a
/// message needs of both).
pub fn classify_and_protection(raw: &[u8]) -> (Classification, Option<crypto::Protection>) {
    match mail_parser::MessageParser::default().parse(raw) {
        Some(message) => (
            verdict::decide(&facts::gather_parsed(&message), raw),
            crypto::of_parsed(&message),
        ),
        None => (verdict::decide(&facts::Facts::default(), raw), None),
    }
}

/// [`classify`], then [`Classification::trusting`].
pub fn classify_with(raw: &[u8], trust: &Trust) -> Classification {
    classify(raw).trusting(trust)
}

/// True when the bytes read as a mail message at all (a header block mail-parser accepts).
pub fn is_message(raw: &[u8]) -> bool {
    !raw.iter().all(u8::is_ascii_whitespace)
        && mail_parser::MessageParser::default()
            .parse_headers(raw)
            .is_some_and(|m| !m.headers().is_empty())
}
