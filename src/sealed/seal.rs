//! Sealing an inner RFC 5322 message for its To/Cc recipients: the envelope, its content key,
//! and the outer sealed message. No network here: registering the key is the caller's step.

use mail_parser::{Address, MessageParser};

use super::envelope::{ContentKey, Envelope, EnvelopeError, Header};
use super::fields;
use super::message::{self as sealed, OuterHeaders};

/// Why a message cannot be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the input is not an RFC 5322 message")]
    NotAMessage,
    #[error("the message has no From address")]
    NoFrom,
    #[error("the message has no To or Cc recipient")]
    NoRecipients,
    #[error(
        "the message has a Bcc header: Bcc recipients cannot be sealed for without revealing them"
    )]
    Bcc,
    #[error("address: {0}")]
    Address(&'static str),
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
}

/// A sealed message, ready to register and send.
#[derive(Debug, Clone)]
pub struct Sealed {
    pub envelope: Envelope,
    pub key: ContentKey,
    /// The outer RFC 5322 message (CRLF line ends).
    pub message: Vec<u8>,
    /// The sender (lowercase), as registered with the portal.
    pub from: String,
    /// The recipients (lowercase, sorted, deduplicated).
    pub to: Vec<String>,
}

/// Options of [`seal`].
#[derive(Debug, Clone, Default)]
pub struct SealOptions {
    /// The outer Subject; by default the inner one.
    pub subject: Option<String>,
    /// The creation time; by default now.
    pub created: Option<chrono::DateTime<chrono::Utc>>,
}

fn addresses<'a>(address: Option<&'a Address<'a>>) -> impl Iterator<Item = &'a str> {
    address
        .into_iter()
        .flat_map(|a| a.iter())
        .filter_map(|addr| addr.address())
}

/// Seals `inner` for its To and Cc recipients under a fresh id and key, for `portal`.
pub fn seal(inner: &[u8], portal: &str, options: &SealOptions) -> Result<Sealed, SealError> {
    fields::check_origin(portal).map_err(|e| EnvelopeError::Malformed(format!("portal: {e}")))?;
    let parsed = MessageParser::default()
        .parse(inner)
        .ok_or(SealError::NotAMessage)?;
    if parsed.header_raw("Bcc").is_some() {
        return Err(SealError::Bcc);
    }
    let from = addresses(parsed.from())
        .next()
        .ok_or(SealError::NoFrom)
        .and_then(|a| fields::normalize_address(a).map_err(SealError::Address))?;
    let recipients: Vec<&str> = addresses(parsed.to())
        .chain(addresses(parsed.cc()))
        .collect();
    if recipients.is_empty() {
        return Err(SealError::NoRecipients);
    }
    let to = fields::normalize_recipients(recipients).map_err(SealError::Address)?;
    let created = options.created.unwrap_or_else(chrono::Utc::now);
    let header = Header {
        portal: portal.to_owned(),
        id: fields::new_message_id(),
        from: from.clone(),
        to: to.clone(),
        created: fields::format_timestamp(created),
    };
    let key = ContentKey::generate();
    let envelope = Envelope::seal(header, &key, inner)?;

    let raw = |name: &str| parsed.header_raw(name).map(|v| v.trim().to_owned());
    let outer = OuterHeaders {
        from: raw("From").unwrap_or_else(|| from.clone()),
        to: raw("To"),
        cc: raw("Cc"),
        date: raw("Date").unwrap_or_else(|| created.to_rfc2822()),
        message_id: raw("Message-ID").unwrap_or_else(|| {
            let domain = from.rsplit_once('@').map_or("localhost", |(_, d)| d);
            format!("<{}@{domain}>", envelope.header.id)
        }),
        subject: options.subject.clone().or_else(|| raw("Subject")),
        in_reply_to: raw("In-Reply-To"),
        references: raw("References"),
    };
    let message = sealed::build_message(&outer, &envelope);
    Ok(Sealed {
        envelope,
        key,
        message,
        from,
        to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INNER: &[u8] = b"From: Bob Sender <Bob@Example.test>\r\nTo: alice@example.test, Carol <carol@example.test>\r\n\
Cc: alice@EXAMPLE.test\r\nSubject: Contract\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m1@example.test>\r\n\r\nThe numbers.\r\n";

    #[test]
    fn seals_for_to_and_cc_and_keeps_the_outer_headers() {
        let sealed = seal(INNER, "http://127.0.0.1:9", &SealOptions::default()).unwrap();
        assert_eq!(sealed.from, "bob@example.test");
        assert_eq!(sealed.to, vec!["alice@example.test", "carol@example.test"]);
        let found = super::sealed::find_envelope(&sealed.message).unwrap();
        assert_eq!(found.envelope.open(&sealed.key).unwrap().expose(), INNER);
        let outer = MessageParser::default().parse(&sealed.message).unwrap();
        assert_eq!(outer.subject(), Some("Contract"));
        assert_eq!(outer.message_id(), Some("m1@example.test"));
    }

    #[test]
    fn refuses_what_cannot_be_sealed() {
        let opts = SealOptions::default();
        assert_eq!(
            seal(
                b"From: a@b.test\r\nSubject: x\r\n\r\nhi",
                "https://p.test",
                &opts
            )
            .unwrap_err(),
            SealError::NoRecipients
        );
        assert_eq!(
            seal(
                b"From: a@b.test\r\nTo: c@d.test\r\nBcc: e@f.test\r\n\r\nhi",
                "https://p.test",
                &opts
            )
            .unwrap_err(),
            SealError::Bcc
        );
        assert!(seal(INNER, "http://portal.test", &opts).is_err());
    }
}
