//! Recognises the portal's passcode mail (`server::mailer::PasscodeMail` builds it): the fixed
//! subject, an 8-digit code on its own line and a `Reference: XXXX` line, so the reader can
//! offer to fill the code in when the reference matches the one the portal returned.
//! No ratatui or crossterm here.

use mail_parser::MessageParser;

use crate::secret::SecretString;

/// The subject of every passcode mail.
pub const SUBJECT: &str = "Your one-time passcode to view the message";
/// A passcode mail is a few hundred bytes; anything much larger is something else.
const MAX_LEN: usize = 64 * 1024;
const DIGITS: usize = crate::sealed::api::OTP_DIGITS as usize;

/// The reference and the passcode of a passcode mail, or `None` when `raw` is not one.
pub fn parse(raw: &[u8]) -> Option<(String, SecretString)> {
    if raw.len() > MAX_LEN {
        return None;
    }
    let message = MessageParser::default().parse(raw)?;
    if message.subject().map(str::trim) != Some(SUBJECT) {
        return None;
    }
    let body = zeroize::Zeroizing::new(message.body_text(0)?.into_owned());
    let mut reference = None;
    let mut code: Option<SecretString> = None;
    for line in body.lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("Reference:") {
            let value = value.trim();
            let valid = value.len() == 4
                && value
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !valid || reference.replace(value.to_owned()).is_some() {
                return None;
            }
        } else if line.len() == DIGITS && line.bytes().all(|b| b.is_ascii_digit()) {
            if code.is_some() {
                return None;
            }
            code = Some(SecretString::new(line.to_owned()));
        }
    }
    Some((reference?, code?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_mail_is_not_a_passcode_mail() {
        assert!(parse(b"Subject: hello\r\n\r\n    12345678\r\nReference: K7Q2\r\n").is_none());
        let subject = format!("Subject: {SUBJECT}\r\n\r\n");
        assert!(parse(format!("{subject}    12345678\r\n").as_bytes()).is_none());
        assert!(parse(format!("{subject}Reference: K7Q2\r\n").as_bytes()).is_none());
        assert!(parse(format!("{subject}1234567\r\nReference: K7Q2\r\n").as_bytes()).is_none());
        assert!(parse(format!("{subject}12345678\r\nReference: k7q2\r\n").as_bytes()).is_none());
        assert!(
            parse(format!("{subject}12345678\r\n87654321\r\nReference: K7Q2\r\n").as_bytes())
                .is_none(),
            "two codes: ambiguous"
        );
        let ok = parse(format!("{subject}  12345678\r\nReference: K7Q2\r\n").as_bytes());
        assert_eq!(
            ok.map(|(r, c)| (r, c.expose().to_owned())),
            Some(("K7Q2".into(), "12345678".into()))
        );
    }
}
