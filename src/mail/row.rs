//! A message-list row from raw bytes, for sources without a server-side envelope (Maildir):
//! the list facts `mime` reads, and the same cheap portal mark IMAP's envelopes give.

use super::{Row, RowText};
use crate::detect;

/// Builds a list row from a message's raw bytes. `arrival` is used when the Date header is
/// missing.
pub fn row_from_raw(uid: u32, raw: &[u8], arrival: i64) -> Row {
    let size = u32::try_from(raw.len()).unwrap_or(u32::MAX);
    let Some(summary) = crate::mime::summary(raw) else {
        return Row {
            uid,
            flags: Default::default(),
            date: arrival,
            text: RowText::default(),
            size,
            attachment: false,
            portal: None,
            protection: None,
        };
    };
    let signals = detect::cheap_signals_from_raw(raw);
    Row {
        uid,
        flags: Default::default(),
        date: summary.date.unwrap_or(arrival),
        text: RowText::line(&summary.from, &summary.subject),
        size,
        attachment: summary.attachment,
        // The same cheap facts IMAP gives with its envelopes, so that both sources mark alike.
        portal: detect::classify_cheap(&signals),
        protection: detect::crypto::cheap(&signals),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Vendor;
    use crate::mail::Flags;

    fn crlf(s: &str) -> Vec<u8> {
        s.replace("\r\n", "\n").replace('\n', "\r\n").into_bytes()
    }

    #[test]
    fn row_uses_name_subject_date_and_attachment_flag() {
        let raw = crlf(
            "From: \"Alice Example\" <alice@example.org>\n\
             Date: Tue, 01 Apr 2025 10:00:00 +0200\n\
             Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\n\
             Content-Type: multipart/mixed; boundary=m\n\
             \n\
             --m\n\
             Content-Type: text/plain\n\
             \n\
             hi\n\
             --m\n\
             Content-Type: application/pdf; name=a.pdf\n\
             Content-Transfer-Encoding: base64\n\
             \n\
             JVBERi0xLjQK\n\
             --m--\n",
        );
        let row = row_from_raw(7, &raw, 5);
        assert_eq!(row.uid, 7);
        assert_eq!(row.from(), "Alice Example");
        assert_eq!(row.subject(), "Grüße");
        assert_eq!(row.date, 1_743_494_400);
        assert_eq!(row.size as usize, raw.len());
        assert!(row.attachment);
        assert_eq!(row.flags, Flags::default());
        assert_eq!(row.portal, None);
    }

    #[test]
    fn encrypted_and_signed_mail_is_marked() {
        use crate::detect::crypto::{Protection, Scheme};
        let smime = crlf(
            "From: bob@example.org\nSubject: q\nMIME-Version: 1.0\n\
             Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\n\
             Content-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHA6CAMIACAQA=\n",
        );
        assert_eq!(
            row_from_raw(1, &smime, 0).protection,
            Some(Protection::Encrypted(Scheme::Smime))
        );
        let signed = crlf(
            "From: bob@example.org\nSubject: q\nMIME-Version: 1.0\n\
             Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=s\n\
             \n--s\nContent-Type: text/plain\n\nhi\n--s\n\
             Content-Type: application/pgp-signature\n\nsig\n--s--\n",
        );
        assert_eq!(
            row_from_raw(2, &signed, 0).protection,
            Some(Protection::Signed(Scheme::OpenPgp))
        );
        assert_eq!(
            row_from_raw(3, &crlf("Subject: x\n\nhi\n"), 0).protection,
            None
        );
    }

    #[test]
    fn row_falls_back_to_address_and_arrival() {
        let row = row_from_raw(1, &crlf("From: bob@example.org\nSubject: x\n\nhi\n"), 1234);
        assert_eq!(row.from(), "bob@example.org");
        assert_eq!(row.date, 1234);
        assert!(!row.attachment);

        let garbage = row_from_raw(2, b"", 99);
        assert_eq!(
            (garbage.from(), garbage.subject(), garbage.date),
            ("", "", 99)
        );
    }

    #[test]
    fn rows_mark_portal_mail_and_look_alikes() {
        let portal = |attachment_type: &str| {
            let raw = crlf(&format!(
                "From: secure@example.org\n\
                 Subject: Secure message\n\
                 Content-Type: multipart/mixed; boundary=m\n\
                 \n\
                 --m\n\
                 Content-Type: text/plain\n\
                 \n\
                 You have received a secure message.\n\
                 --m\n\
                 Content-Type: {attachment_type}; name=SecureMessageAtt.html\n\
                 Content-Disposition: attachment; filename=SecureMessageAtt.html\n\
                 \n\
                 <p>x</p>\n\
                 --m--\n"
            ));
            row_from_raw(1, &raw, 0).portal
        };
        let genuine = portal("text/html").expect("marked");
        assert_eq!(
            (genuine.vendor, genuine.suspicious),
            (Vendor::Proofpoint, false)
        );
        let look_alike = portal("image/png").expect("marked");
        assert_eq!(
            (look_alike.vendor, look_alike.suspicious),
            (Vendor::Proofpoint, true)
        );
        let plain = row_from_raw(2, &crlf("From: a@example.org\nSubject: hi\n\nhi\n"), 0);
        assert_eq!(plain.portal, None);
    }
}
