//! The byte-exact pieces of MIME that signatures cover: a header block split from its body,
//! a message split into its envelope fields and its content entity,
//! the header fields of a block one by one (folded lines kept), and a multipart body cut at
//! its boundaries as RFC 2046 §5.1.1 defines them (the line break before a delimiter belongs
//! to the delimiter). A signature is checked over exactly these bytes, so nothing here
//! re-encodes or re-folds. Total on any bytes.

/// The header block (without the empty line) and the body of an entity; `None` when there is
/// no empty line.
pub fn split_head(entity: &[u8]) -> Option<(&[u8], &[u8])> {
    if entity.starts_with(b"\r\n") {
        return Some((&[], entity.get(2..)?));
    }
    if entity.starts_with(b"\n") {
        return Some((&[], entity.get(1..)?));
    }
    let mut i = 0;
    while let Some(at) = entity.get(i..)?.iter().position(|&b| b == b'\n') {
        let end = i + at + 1;
        let rest = entity.get(end..)?;
        if rest.starts_with(b"\r\n") {
            return Some((entity.get(..end)?, rest.get(2..)?));
        }
        if rest.starts_with(b"\n") {
            return Some((entity.get(..end)?, rest.get(1..)?));
        }
        i = end;
    }
    None
}

/// The fields of a header block, each with its folded continuation lines and line break.
pub fn fields(head: &[u8]) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < head.len() {
        let end = head
            .get(i..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            .map_or(head.len(), |at| i + at + 1);
        let continues = matches!(head.get(end), Some(b' ' | b'\t'));
        if !continues {
            if let Some(field) = head.get(start..end) {
                out.push(field);
            }
            start = end;
        }
        i = end;
    }
    out
}

/// The field's name, lowercase.
pub fn field_name(field: &[u8]) -> String {
    let name = field.split(|&b| b == b':').next().unwrap_or_default();
    String::from_utf8_lossy(name).trim().to_ascii_lowercase()
}

/// Whether a field describes the content (and so belongs to the entity, not the envelope).
pub fn is_content_field(field: &[u8]) -> bool {
    let name = field_name(field);
    name.starts_with("content-") || name == "mime-version"
}

/// A message's envelope header fields (who, when, what about): every field of its header
/// but the content ones, as they are.
pub fn envelope_fields(message: &[u8]) -> Vec<u8> {
    let (head, _) = split_head(message).unwrap_or((message, &[]));
    fields(head)
        .into_iter()
        .filter(|field| !is_content_field(field))
        .flatten()
        .copied()
        .collect()
}

/// An entity's content header fields (`MIME-Version` among them) and its body; without an
/// empty line, the whole entity is body.
pub fn content_of(entity: &[u8]) -> (Vec<&[u8]>, &[u8]) {
    let (head, body) = split_head(entity).unwrap_or((&[], entity));
    let content = fields(head)
        .into_iter()
        .filter(|field| is_content_field(field))
        .collect();
    (content, body)
}

/// A whole message as its envelope header fields and its content entity (the content header
/// fields but `MIME-Version`, an empty line, the body), for signing or encrypting the content
/// under the same envelope.
pub fn envelope_and_entity(message: &[u8]) -> (Vec<u8>, zeroize::Zeroizing<Vec<u8>>) {
    let (content, body) = content_of(message);
    let mut entity = zeroize::Zeroizing::new(Vec::with_capacity(body.len() + 256));
    for field in content {
        if field_name(field) != "mime-version" {
            entity.extend_from_slice(field);
        }
    }
    entity.extend_from_slice(b"\r\n");
    entity.extend_from_slice(body);
    (envelope_fields(message), entity)
}

/// The body parts of a multipart body with this boundary, byte-exact: what lies between a
/// delimiter line and the line break before the next one. Parts after the close delimiter
/// (the epilogue) are not parts.
pub fn multipart_parts<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    // Positions of delimiter lines: at the start of the body or after a line feed.
    let mut lines: Vec<(usize, usize, bool)> = Vec::new(); // (break start, line end, closing)
    let mut at = 0;
    while at <= body.len() {
        let line_start = at;
        let line_end = body
            .get(at..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            .map_or(body.len(), |p| at + p + 1);
        if let Some(line) = body.get(line_start..line_end)
            && let Some(rest) = line.strip_prefix(delimiter)
        {
            let closing = rest.starts_with(b"--");
            let tail_is_padding = rest
                .get(if closing { 2 } else { 0 }..)
                .unwrap_or_default()
                .iter()
                .all(|b| b" \t\r\n".contains(b));
            if tail_is_padding {
                // The break before the delimiter: CRLF or LF, when there is one.
                let break_start = if line_start >= 2 && body.get(line_start - 2) == Some(&b'\r') {
                    line_start - 2
                } else {
                    line_start.saturating_sub(1)
                };
                lines.push((break_start, line_end, closing));
                if closing {
                    break;
                }
            }
        }
        if line_end == at {
            break;
        }
        at = line_end;
    }
    lines
        .windows(2)
        .filter_map(|pair| {
            let (_, open_end, closing) = pair.first()?;
            let (next_break, _, _) = pair.get(1)?;
            if *closing {
                return None;
            }
            body.get(*open_end..(*next_break).max(*open_end))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multipart_is_cut_where_rfc_2046_cuts_it() {
        let body = b"preamble\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n\r\n--b\r\nsig\r\n--b--\r\nepilogue";
        let parts = multipart_parts(body, "b");
        assert_eq!(
            parts,
            vec![&b"Content-Type: text/plain\r\n\r\nhi\r\n"[..], &b"sig"[..]]
        );
        let lf = b"--b\nA\n--b\nB\n--b--\n";
        assert_eq!(multipart_parts(lf, "b"), vec![&b"A"[..], &b"B"[..]]);
        // A line that only starts like the delimiter is content.
        let tricky = b"--b\r\nx\r\n--bx\r\ny\r\n--b--";
        assert_eq!(multipart_parts(tricky, "b"), vec![&b"x\r\n--bx\r\ny"[..]]);
        assert!(multipart_parts(b"", "b").is_empty());
        assert!(multipart_parts(b"--b", "b").is_empty());
    }

    #[test]
    fn heads_and_fields() {
        let entity = b"Content-Type: text/plain;\r\n charset=utf-8\r\nX: y\r\n\r\nbody";
        let (head, body) = split_head(entity).unwrap();
        assert_eq!(body, b"body");
        let f = fields(head);
        assert_eq!(
            f,
            vec![
                &b"Content-Type: text/plain;\r\n charset=utf-8\r\n"[..],
                &b"X: y\r\n"[..]
            ]
        );
        assert!(f.first().is_some_and(|f| is_content_field(f)));
        assert!(f.get(1).is_some_and(|f| !is_content_field(f)));
        assert_eq!(split_head(b"\r\nbody").unwrap(), (&b""[..], &b"body"[..]));
        assert_eq!(split_head(b"no break"), None);
    }
}
