//! OpenPGP ASCII armour (RFC 4880 §6.2) read back to binary packets, and the one packet
//! sealmail writes itself: a Literal Data packet around signed bytes, so that a detached
//! signature and its data reach `gpg --verify` as one old-style signed message on stdin
//! (a Signature packet followed by the data, RFC 4880 §11.3) with nothing written to disk.
//! Total on any bytes.

use base64::Engine as _;

/// Armour is at most this large (a signature is a few hundred bytes; a key block a few KB).
const MAX_ARMOUR: usize = 1024 * 1024;

/// The binary packets of the first armoured block of `text` whose header line starts with
/// `-----BEGIN PGP `, without its checksum; `None` when there is none or it does not decode.
pub fn dearmor(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() > MAX_ARMOUR {
        return None;
    }
    let text = String::from_utf8_lossy(text);
    let mut lines = text.lines().map(str::trim_end);
    lines.find(|l| l.starts_with("-----BEGIN PGP ") && l.ends_with("-----"))?;
    // Armour headers ("Version: ...") up to the first empty line; some writers leave the
    // empty line out when there are no headers.
    let mut body = String::new();
    let mut in_headers = true;
    for line in lines {
        if line.starts_with("-----END PGP ") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(body.as_bytes())
                .ok()?;
            return (!bytes.is_empty()).then_some(bytes);
        }
        if in_headers {
            if line.is_empty() {
                in_headers = false;
                continue;
            }
            if line.contains(": ") {
                continue;
            }
            in_headers = false;
        }
        if line.starts_with('=') {
            // The CRC-24 checksum line: the packets carry their own integrity.
            continue;
        }
        body.push_str(line.trim());
    }
    None
}

/// Appends to `out` a Literal Data packet (tag 11, binary format, no name, no date) holding
/// `data`, with a five-octet new-format length; `None` (and nothing appended) beyond 4 GiB.
pub fn push_literal_packet(out: &mut Vec<u8>, data: &[u8]) -> Option<()> {
    let body_len = u32::try_from(data.len().checked_add(6)?).ok()?;
    out.reserve(data.len() + 12);
    out.push(0xC0 | 11);
    out.push(0xFF);
    out.extend_from_slice(&body_len.to_be_bytes());
    out.push(b'b');
    out.push(0);
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(data);
    Some(())
}

/// Lines ended by CRLF, as RFC 3156 signs MIME entities (bare LF and bare CR become CRLF).
pub fn canonical_crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 32);
    let mut i = 0;
    while let Some(&b) = data.get(i) {
        match b {
            b'\r' if data.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 2;
                continue;
            }
            b'\r' | b'\n' => out.extend_from_slice(b"\r\n"),
            _ => out.push(b),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armour_decodes_with_or_without_headers() {
        let with = b"-----BEGIN PGP SIGNATURE-----\r\nVersion: x\r\n\r\naGVs\r\nbG8=\r\n=abcd\r\n-----END PGP SIGNATURE-----\r\n";
        assert_eq!(dearmor(with).as_deref(), Some(&b"hello"[..]));
        let without = b"-----BEGIN PGP SIGNATURE-----\naGVsbG8=\n-----END PGP SIGNATURE-----\n";
        assert_eq!(dearmor(without).as_deref(), Some(&b"hello"[..]));
        assert_eq!(
            dearmor(b"-----BEGIN PGP SIGNATURE-----\n!!\n-----END PGP"),
            None
        );
        assert_eq!(dearmor(b"no armour"), None);
        assert_eq!(dearmor(b"-----BEGIN PGP SIGNATURE-----\naGVs"), None);
    }

    #[test]
    fn line_ends_become_crlf() {
        assert_eq!(canonical_crlf(b"a\nb\r\nc\rd"), b"a\r\nb\r\nc\r\nd");
        assert_eq!(canonical_crlf(b""), b"");
    }

    #[test]
    fn a_literal_packet_says_its_length() {
        let mut packet = Vec::new();
        push_literal_packet(&mut packet, b"abc").unwrap();
        assert_eq!(&packet[..6], &[0xCB, 0xFF, 0, 0, 0, 9]);
        assert_eq!(&packet[6..], b"b\0\0\0\0\0abc");
    }
}
