//! The folder list: LIST, with names decoded from modified UTF-7 (RFC 3501 §5.1.3) for
//! display and sanitised.

use futures::TryStreamExt;

use super::connect::Session;
use super::errors::imap_error;
use crate::error::Error;
use crate::mail::Folder;
use crate::sanitize;
use async_imap::types::NameAttribute;

/// Lists every folder, INBOX first, the rest in the server's order.
pub async fn list(session: &mut Session) -> Result<Vec<Folder>, Error> {
    let names: Vec<_> = session
        .list(Some(""), Some("*"))
        .await
        .map_err(|e| imap_error("list folders", e))?
        .try_collect()
        .await
        .map_err(|e| imap_error("list folders", e))?;
    let mut folders: Vec<Folder> = names
        .iter()
        .map(|n| Folder {
            name: n.name().to_owned(),
            display: sanitize::line(&decode_mutf7(n.name())).into_owned(),
            selectable: !n
                .attributes()
                .iter()
                .any(|a| matches!(a, NameAttribute::NoSelect)),
        })
        .collect();
    folders.sort_by_key(|f| !f.name.eq_ignore_ascii_case("INBOX"));
    Ok(folders)
}

/// Decodes IMAP's modified UTF-7. Anything malformed is kept as it was sent.
pub fn decode_mutf7(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some((head, after)) = rest.split_once('&') {
        out.push_str(head);
        let Some((encoded, tail)) = after.split_once('-') else {
            out.push('&');
            out.push_str(after);
            return out;
        };
        if encoded.is_empty() {
            out.push('&');
        } else {
            match decode_utf16_b64(encoded) {
                Some(text) => out.push_str(&text),
                None => {
                    out.push('&');
                    out.push_str(encoded);
                    out.push('-');
                }
            }
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

fn decode_utf16_b64(encoded: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut bytes = Vec::with_capacity(encoded.len());
    for c in encoded.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b',' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            bytes.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    let (pairs, odd) = bytes.as_chunks::<2>();
    if !odd.is_empty() {
        return None;
    }
    let units: Vec<u16> = pairs.iter().map(|p| u16::from_be_bytes(*p)).collect();
    String::from_utf16(&units).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf7_names_decode() {
        assert_eq!(decode_mutf7("INBOX"), "INBOX");
        assert_eq!(decode_mutf7("Entw&APw-rfe"), "Entwürfe");
        assert_eq!(decode_mutf7("&ZeVnLIqe-"), "日本語");
        assert_eq!(decode_mutf7("Tom &- Jerry"), "Tom & Jerry");
        assert_eq!(decode_mutf7("Ol&AOk-/Sub"), "Olé/Sub");
        // Malformed input is shown as sent, never dropped.
        assert_eq!(decode_mutf7("bad&!!-x"), "bad&!!-x");
        assert_eq!(decode_mutf7("open&AOk"), "open&AOk");
    }
}
