//! Standard encrypted and signed mail, recognised: S/MIME (RFC 8551: `application/pkcs7-mime`
//! enveloped, authenticated-enveloped or signed data, and `multipart/signed` with a PKCS #7
//! signature) and OpenPGP (RFC 3156: `multipart/encrypted` and `multipart/signed`, and inline
//! armour in a text part). From the top-level `Content-Type` alone (what the list has before
//! a body is downloaded) or from a whole message. Recognising only: nothing here decrypts or
//! verifies. Total on any bytes.

use mail_parser::{MessageParser, MimeHeaders, PartType};

/// Which standard protects a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    OpenPgp,
    Smime,
}

impl Scheme {
    /// The name people know it by.
    pub fn label(self) -> &'static str {
        match self {
            Scheme::OpenPgp => "OpenPGP",
            Scheme::Smime => "S/MIME",
        }
    }
}

/// How a message is protected, as its structure says (encryption first: an encrypted
/// message may also be signed inside).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protection {
    Encrypted(Scheme),
    Signed(Scheme),
}

impl Protection {
    pub fn scheme(self) -> Scheme {
        match self {
            Protection::Encrypted(s) | Protection::Signed(s) => s,
        }
    }

    /// One line for a person: "encrypted with S/MIME".
    pub fn describe(self) -> String {
        match self {
            Protection::Encrypted(s) => format!("encrypted with {}", s.label()),
            Protection::Signed(s) => format!("signed with {}", s.label()),
        }
    }
}

/// The protection a `Content-Type` field value declares (the value only, unfolded or not).
pub fn from_content_type(value: &str) -> Option<Protection> {
    let mut header = String::with_capacity(value.len() + 20);
    header.push_str("Content-Type: ");
    header.push_str(value);
    header.push_str("\r\n\r\n");
    let message = MessageParser::default().parse(header.as_bytes())?;
    let part = message.parts.first()?;
    declared(part)
}

/// What one part's own type declares.
pub fn declared(part: &mail_parser::MessagePart<'_>) -> Option<Protection> {
    let ct = part.content_type()?;
    let kind = ct.ctype().to_ascii_lowercase();
    let sub = ct
        .subtype()
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let param = |name: &str| {
        ct.attributes()
            .into_iter()
            .flatten()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .map(|a| a.value.trim().to_ascii_lowercase())
    };
    match (kind.as_str(), sub.as_str()) {
        ("multipart", "encrypted") => match param("protocol").as_deref() {
            Some("application/pgp-encrypted") => Some(Protection::Encrypted(Scheme::OpenPgp)),
            _ => None,
        },
        ("multipart", "signed") => match param("protocol").as_deref() {
            Some("application/pgp-signature") => Some(Protection::Signed(Scheme::OpenPgp)),
            Some("application/pkcs7-signature" | "application/x-pkcs7-signature") => {
                Some(Protection::Signed(Scheme::Smime))
            }
            _ => None,
        },
        ("application", "pkcs7-mime" | "x-pkcs7-mime") => {
            match param("smime-type").as_deref() {
                Some("signed-data") => Some(Protection::Signed(Scheme::Smime)),
                // enveloped-data, authenticated-enveloped-data; without the parameter (older
                // clients), an smime.p7m is enveloped data almost always.
                _ => Some(Protection::Encrypted(Scheme::Smime)),
            }
        }
        _ => None,
    }
}

/// Armour lines that start inline OpenPGP in a text part.
const PGP_MESSAGE: &str = "-----BEGIN PGP MESSAGE-----";
const PGP_SIGNED: &str = "-----BEGIN PGP SIGNED MESSAGE-----";

/// The protection of a whole message: its own type, else the first text part's inline
/// OpenPGP armour (a line of its own).
pub fn of_message(raw: &[u8]) -> Option<Protection> {
    // The header alone answers for most: only a plain message is read through for armour.
    of_header(raw).or_else(|| of_parsed(&MessageParser::default().parse(raw)?))
}

/// The protection the message's own `Content-Type` declares, from its header alone.
pub fn of_header(raw: &[u8]) -> Option<Protection> {
    MessageParser::default()
        .parse_headers(raw)
        .and_then(|head| head.parts.first().and_then(declared))
}

/// [`of_message`] of a message parsed already.
pub fn of_parsed(message: &mail_parser::Message<'_>) -> Option<Protection> {
    if let Some(found) = message.parts.first().and_then(declared) {
        return Some(found);
    }
    let text = message.parts.iter().find_map(|part| match &part.body {
        PartType::Text(text) => Some(text.as_ref()),
        _ => None,
    })?;
    let armour = |marker: &str| text.lines().any(|line| line.trim_end() == marker);
    if armour(PGP_MESSAGE) {
        Some(Protection::Encrypted(Scheme::OpenPgp))
    } else if armour(PGP_SIGNED) {
        Some(Protection::Signed(Scheme::OpenPgp))
    } else {
        None
    }
}

/// The protection the list can see before the body: the top-level type in the cheap header
/// fields, else an attachment named as S/MIME names its parts.
pub fn cheap(signals: &super::CheapSignals) -> Option<Protection> {
    if let Some(found) = super::cheap::header(signals, "content-type").and_then(from_content_type) {
        return Some(found);
    }
    signals.parts.iter().find_map(|(name, mime)| {
        let name = name.trim().to_ascii_lowercase();
        let mime = mime.to_ascii_lowercase();
        (name == "smime.p7m" || mime.ends_with("pkcs7-mime"))
            .then_some(Protection::Encrypted(Scheme::Smime))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_say_what_protects_the_message() {
        let cases = [
            (
                "multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=x",
                Some(Protection::Encrypted(Scheme::OpenPgp)),
            ),
            (
                "Multipart/Signed; micalg=pgp-sha256;\r\n protocol=\"application/pgp-signature\"; boundary=x",
                Some(Protection::Signed(Scheme::OpenPgp)),
            ),
            (
                "multipart/signed; protocol=\"application/x-pkcs7-signature\"; micalg=sha-256; boundary=x",
                Some(Protection::Signed(Scheme::Smime)),
            ),
            (
                "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
                Some(Protection::Encrypted(Scheme::Smime)),
            ),
            (
                "application/pkcs7-mime; smime-type=authenticated-enveloped-data",
                Some(Protection::Encrypted(Scheme::Smime)),
            ),
            (
                "application/x-pkcs7-mime; smime-type=signed-data; name=smime.p7m",
                Some(Protection::Signed(Scheme::Smime)),
            ),
            (
                "application/pkcs7-mime",
                Some(Protection::Encrypted(Scheme::Smime)),
            ),
            ("multipart/encrypted; protocol=\"application/other\"", None),
            ("multipart/signed", None),
            ("text/plain; charset=utf-8", None),
            ("", None),
        ];
        for (value, want) in cases {
            assert_eq!(from_content_type(value), want, "{value}");
        }
    }

    #[test]
    fn inline_armour_is_recognised_on_a_line_of_its_own() {
        let encrypted = b"Subject: x\r\n\r\nHi\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nhQEM\r\n-----END PGP MESSAGE-----\r\n";
        assert_eq!(
            of_message(encrypted),
            Some(Protection::Encrypted(Scheme::OpenPgp))
        );
        let signed =
            b"Subject: x\r\n\r\n-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256\r\n\r\nhi\r\n";
        assert_eq!(
            of_message(signed),
            Some(Protection::Signed(Scheme::OpenPgp))
        );
        let quoted = b"Subject: x\r\n\r\nit said > -----BEGIN PGP MESSAGE----- there\r\n";
        assert_eq!(of_message(quoted), None);
    }

    #[test]
    fn any_bytes_give_an_answer() {
        let mut seed = 0x9e37_79b9_u32;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    (seed & 0xff) as u8
                })
                .collect();
            let _ = of_message(&bytes);
            let _ = from_content_type(&String::from_utf8_lossy(&bytes));
        }
    }
}
