//! Decoding what IMAP hands over raw: RFC 2047 encoded words in names and subjects, header
//! dates, RFC 2231 parameters (attachment names) and the few header fields fetched with the
//! envelope. The results are decoded but not yet sanitised. Everything here takes bytes from
//! a server or a message and is total: no slicing that can panic.

use std::borrow::Cow;

use mail_parser::HeaderValue;
use mail_parser::parsers::MessageStream;

/// Header text (a subject, a display name): unfolded, RFC 2047 words decoded, trimmed.
pub fn header_text(raw: &[u8]) -> String {
    let raw = unfold(raw);
    if !contains(&raw, b"=?") {
        return String::from_utf8_lossy(&raw).trim().to_owned();
    }
    let mut line = raw.into_owned();
    line.push(b'\n');
    match MessageStream::new(&line).parse_unstructured() {
        HeaderValue::Text(text) => text.trim().to_owned(),
        HeaderValue::TextList(list) => list.join(" ").trim().to_owned(),
        _ => String::new(),
    }
}

/// A Date header's value as Unix seconds.
pub fn header_date(raw: &[u8]) -> Option<i64> {
    let mut line = unfold(raw).into_owned();
    line.push(b'\n');
    match MessageStream::new(&line).parse_date() {
        HeaderValue::DateTime(dt) if dt.is_valid() => Some(dt.to_timestamp()),
        _ => None,
    }
}

/// Joins folded lines: a line break followed by white space becomes one space.
fn unfold(raw: &[u8]) -> Cow<'_, [u8]> {
    if !raw.iter().any(|&b| b == b'\r' || b == b'\n') {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut in_break = false;
    for &b in raw {
        match b {
            b'\r' | b'\n' => in_break = true,
            b' ' | b'\t' if in_break => {}
            b => {
                if std::mem::take(&mut in_break) {
                    out.push(b' ');
                }
                out.push(b);
            }
        }
    }
    if in_break {
        out.push(b' ');
    }
    Cow::Owned(out)
}

/// The bytes before and after the first `sep`.
fn split_once_byte(bytes: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let at = bytes.iter().position(|&b| b == sep)?;
    Some((bytes.get(..at)?, bytes.get(at + 1..)?))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The header fields of a `BODY[HEADER.FIELDS (...)]` answer as (lowercase name, decoded
/// value) pairs, in order.
pub fn header_fields(raw: &[u8]) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut current: Option<(String, Vec<u8>)> = None;
    for line in raw.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if matches!(line.first(), Some(b' ' | b'\t')) {
            if let Some((_, value)) = current.as_mut() {
                value.push(b' ');
                value.extend_from_slice(line.trim_ascii_start());
            }
            continue;
        }
        if let Some((name, value)) = current.take() {
            fields.push((name, header_text(&value)));
        }
        if let Some((name, value)) = split_once_byte(line, b':') {
            let name = String::from_utf8_lossy(name).trim().to_ascii_lowercase();
            current = Some((name, value.trim_ascii_start().to_vec()));
        }
    }
    if let Some((name, value)) = current.take() {
        fields.push((name, header_text(&value)));
    }
    fields
}

/// A BODYSTRUCTURE part's file name: the disposition's `filename`, else the type's `name`.
pub fn part_file_name(common: &async_imap::imap_proto::BodyContentCommon<'_>) -> Option<String> {
    common
        .disposition
        .as_ref()
        .and_then(|d| d.params.as_deref())
        .and_then(|p| mime_param(p, "filename"))
        .or_else(|| {
            common
                .ty
                .params
                .as_deref()
                .and_then(|p| mime_param(p, "name"))
        })
}

/// A MIME parameter (`filename`, `name`) from a BODYSTRUCTURE parameter list, with RFC 2231
/// extended values (`filename*`, `filename*0*`, ...) and RFC 2047 words decoded.
pub fn mime_param(params: &[(Cow<'_, str>, Cow<'_, str>)], name: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    let mut pieces: Vec<(u32, bool, &str)> = Vec::new();
    for (key, value) in params {
        // Byte compares only: the key comes from the message and may be any UTF-8.
        let Some(rest) = strip_prefix_ignore_ascii_case(key.as_ref(), name) else {
            continue;
        };
        match rest {
            "" => plain = Some(value.as_ref()),
            "*" => extended = Some(value.as_ref()),
            rest => {
                let Some(rest) = rest.strip_prefix('*') else {
                    continue;
                };
                let (index, encoded) = match rest.strip_suffix('*') {
                    Some(index) => (index, true),
                    None => (rest, false),
                };
                if let Ok(index) = index.parse::<u32>() {
                    pieces.push((index, encoded, value.as_ref()));
                }
            }
        }
    }
    if let Some(value) = extended {
        return Some(rfc2231_value(value, true));
    }
    if !pieces.is_empty() {
        pieces.sort_by_key(|p| p.0);
        let mut bytes = Vec::new();
        let mut charset_done = false;
        for (_, encoded, value) in pieces {
            let mut value = value;
            if encoded && !charset_done {
                // The first encoded piece carries `charset'language'`.
                if let Some((_, rest)) = value.split_once('\'')
                    && let Some((_, rest)) = rest.split_once('\'')
                {
                    value = rest;
                }
                charset_done = true;
            }
            if encoded {
                percent_decode_into(value, &mut bytes);
            } else {
                bytes.extend_from_slice(value.as_bytes());
            }
        }
        return Some(String::from_utf8_lossy(&bytes).into_owned());
    }
    plain.map(|v| header_text(v.as_bytes()))
}

/// `s` without a leading `prefix` compared ASCII-case-insensitively, or `None`. Total on any
/// UTF-8: a non-ASCII byte never matches an ASCII prefix, so the cut is on a char boundary.
fn strip_prefix_ignore_ascii_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.as_bytes().get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix.as_bytes()) {
        return None;
    }
    s.get(prefix.len()..)
}

/// `charset'language'percent-encoded` (RFC 2231). Non-UTF-8 charsets are read as Latin-1,
/// the common case for old mailers.
fn rfc2231_value(value: &str, has_charset: bool) -> String {
    let (charset, encoded) = match (has_charset, value.split_once('\'')) {
        (true, Some((charset, rest))) => match rest.split_once('\'') {
            Some((_, encoded)) => (charset, encoded),
            None => ("", value),
        },
        _ => ("", value),
    };
    let mut bytes = Vec::with_capacity(encoded.len());
    percent_decode_into(encoded, &mut bytes);
    match std::str::from_utf8(&bytes) {
        Ok(s) => s.to_owned(),
        Err(_) if charset.eq_ignore_ascii_case("iso-8859-1") || charset.is_empty() => {
            bytes.iter().map(|&b| b as char).collect()
        }
        Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn percent_decode_into(s: &str, out: &mut Vec<u8>) {
    let mut rest = s.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%'
            && let [h, l, after @ ..] = tail
            && let (Some(h), Some(l)) = (hex(*h), hex(*l))
        {
            out.push(h << 4 | l);
            rest = after;
            continue;
        }
        out.push(b);
        rest = tail;
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_and_folding_are_decoded() {
        assert_eq!(header_text(b"=?UTF-8?B?R3LDvMOfZQ==?="), "Grüße");
        assert_eq!(
            header_text(b"=?iso-8859-1?Q?J=F6rg?= M\xc3\xbcller"),
            "Jörg Müller"
        );
        assert_eq!(header_text(b"a long\r\n subject"), "a long subject");
        assert_eq!(header_text(b"  plain  "), "plain");
    }

    #[test]
    fn dates_become_unix_seconds() {
        assert_eq!(
            header_date(b"Mon, 4 Jan 2021 10:00:00 +0100"),
            Some(1_609_750_800)
        );
        assert_eq!(header_date(b"not a date"), None);
    }

    #[test]
    fn header_fields_are_unfolded_and_lowercased() {
        let raw = b"Sealed-Message: v1;\r\n portal=https://p.example\r\nX-ZixNet: yes\r\n\r\n";
        assert_eq!(
            header_fields(raw),
            vec![
                (
                    "sealed-message".into(),
                    "v1; portal=https://p.example".into()
                ),
                ("x-zixnet".into(), "yes".into()),
            ]
        );
        assert!(header_fields(b"\r\n").is_empty());
    }

    #[test]
    fn rfc2231_and_rfc2047_file_names() {
        let p = |k: &'static str, v: &'static str| (Cow::Borrowed(k), Cow::Borrowed(v));
        assert_eq!(
            mime_param(&[p("filename*", "utf-8''%C3%BCbersicht.xlsx")], "filename").as_deref(),
            Some("übersicht.xlsx")
        );
        assert_eq!(
            mime_param(
                &[
                    p("name*1", "part2.pdf"),
                    p("name*0*", "utf-8'en'%C3%A9t%C3%A9-")
                ],
                "name"
            )
            .as_deref(),
            Some("été-part2.pdf")
        );
        assert_eq!(
            mime_param(&[p("NAME", "=?UTF-8?Q?r=C3=A9sum=C3=A9.pdf?=")], "name").as_deref(),
            Some("résumé.pdf")
        );
        assert_eq!(mime_param(&[p("charset", "utf-8")], "name"), None);
    }

    #[test]
    fn non_ascii_parameter_names_are_skipped_not_a_panic() {
        let p = |k: &'static str, v: &'static str| (Cow::Borrowed(k), Cow::Borrowed(v));
        for key in [
            "filenamé",
            "nam\u{e9}",
            "é",
            "ééééééééé",
            "filename\u{301}",
            "fil\u{1F600}",
            "\u{0}",
            "",
            "filename*\u{e9}*",
            "filename*0\u{e9}",
        ] {
            let params = [p(key, "x"), p("filename", "ok.pdf")];
            assert_eq!(
                mime_param(&params, "filename").as_deref(),
                Some("ok.pdf"),
                "{key:?}"
            );
            assert_eq!(mime_param(&[p(key, "x")], "name"), None, "{key:?}");
        }
        // A value cut anywhere, a lone '%', odd charsets: decoded as well as can be, no panic.
        for value in ["%", "%4", "%zz", "''%", "'", "utf-8'", "\u{e9}'\u{e9}'%C3"] {
            let _ = mime_param(&[p("filename*", value)], "filename");
            let _ = mime_param(
                &[p("filename*0*", value), p("filename*1", value)],
                "filename",
            );
        }
    }

    #[test]
    fn header_fields_survive_hostile_bytes() {
        for raw in [
            &b"\xff\xfe:\x00"[..],
            b":",
            b" folded first\r\n",
            b"X: \xc3\r\n\t\xa9\r\n",
            b"\r\r\n\n",
            b"no colon at all",
        ] {
            let _ = header_fields(raw);
            let _ = header_text(raw);
            let _ = header_date(raw);
        }
        assert_eq!(header_text(b"a\r\n\r\n  b\r\n"), "a b");
    }
}
