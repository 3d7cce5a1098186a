//! Closes header blocks that run into an enclosing boundary. mail-parser reads the header of
//! an attached message (`message/rfc822`) on past the boundary that ends its part when the
//! header has no empty line after it (a truncated or header-only attached message): the next
//! parts' headers become its header and the following attached messages nest inside it or
//! vanish, where the server's BODYSTRUCTURE and Python's `email` see siblings. Followed the way
//! they follow it, a boundary line of any enclosing multipart ends the header (and the part);
//! this pass inserts the missing empty line there, so the parser sees the same tree.
//!
//! One pass over the lines, a bounded stack of boundaries, no allocation beyond the copy it
//! returns. Total on any bytes.

/// Multiparts nested deeper than this are not followed (their parts are left as they are).
const MAX_DEPTH: usize = 64;

/// `raw` with an empty line inserted where a header block runs into an enclosing boundary;
/// `None` when no header does (the usual case).
pub(super) fn close_headers(raw: &[u8]) -> Option<Vec<u8>> {
    let lines = split_lines(raw);
    let mut walk = Walk {
        lines: &lines,
        at: 0,
        stack: Vec::new(),
        inserts: Vec::new(),
    };
    walk.entity(false);
    if walk.inserts.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(raw.len() + 2 * walk.inserts.len());
    let mut from = 0;
    for (offset, eol) in walk.inserts {
        out.extend_from_slice(raw.get(from..offset)?);
        out.extend_from_slice(eol);
        from = offset;
    }
    out.extend_from_slice(raw.get(from..)?);
    Some(out)
}

/// A line: its bytes without the line break, and the offset where it starts.
struct Line<'a> {
    text: &'a [u8],
    start: usize,
    crlf: bool,
}

fn split_lines(raw: &[u8]) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut start = 0;
    for piece in raw.split_inclusive(|&b| b == b'\n') {
        let body = piece.strip_suffix(b"\n").unwrap_or(piece);
        let (text, crlf) = match body.strip_suffix(b"\r") {
            Some(t) => (t, true),
            None => (body, false),
        };
        lines.push(Line { text, start, crlf });
        start += piece.len();
    }
    lines
}

struct Walk<'a, 'b> {
    lines: &'b [Line<'a>],
    at: usize,
    /// The boundaries of the enclosing multiparts, innermost last.
    stack: Vec<Vec<u8>>,
    /// (offset, line break) of each empty line to insert.
    inserts: Vec<(usize, &'static [u8])>,
}

impl Walk<'_, '_> {
    /// True when the current line is a delimiter of an enclosing multipart (or the input ended).
    fn at_delimiter(&self) -> bool {
        match self.lines.get(self.at) {
            Some(line) => self.delimiter(line.text).is_some(),
            None => true,
        }
    }

    /// The boundary `text` is a delimiter (`--b` or `--b--`) of, as an index into the stack.
    fn delimiter(&self, text: &[u8]) -> Option<usize> {
        let rest = text.strip_prefix(b"--")?;
        let rest = trim_end(rest);
        self.stack.iter().rposition(|b| {
            rest.strip_prefix(b.as_slice())
                .is_some_and(|tail| tail.is_empty() || tail == b"--")
        })
    }

    /// Reads one entity (a header and its body) from the current line to the next delimiter
    /// of an enclosing multipart. `digest`: a part of multipart/digest, whose default type is
    /// message/rfc822.
    fn entity(&mut self, digest: bool) {
        let mut content_type: Vec<u8> = Vec::new();
        let mut in_content_type = false;
        loop {
            let Some(line) = self.lines.get(self.at) else {
                return;
            };
            if line.text.is_empty() {
                self.at += 1;
                break;
            }
            if self.delimiter(line.text).is_some() {
                // The header runs into the boundary: it ends here, and so does the part.
                let eol: &'static [u8] = if line.crlf { b"\r\n" } else { b"\n" };
                self.inserts.push((line.start, eol));
                return;
            }
            if line.text.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
                if in_content_type && content_type.len() < 4096 {
                    content_type.extend_from_slice(line.text);
                }
            } else {
                in_content_type = false;
                if let Some(value) = field_value(line.text, b"content-type") {
                    content_type = value.to_vec();
                    in_content_type = true;
                }
            }
            self.at += 1;
        }
        let (kind, boundary) = parse_content_type(&content_type);
        let message = kind.as_deref() == Some(b"message/rfc822".as_slice())
            || kind.as_deref() == Some(b"message/global".as_slice())
            || (kind.is_none() && digest);
        match boundary {
            Some(b)
                if kind
                    .as_deref()
                    .is_some_and(|k| k.starts_with(b"multipart/"))
                    && self.stack.len() < MAX_DEPTH =>
            {
                let digest = kind.as_deref() == Some(b"multipart/digest".as_slice());
                self.multipart(b, digest)
            }
            _ if message && self.stack.len() < MAX_DEPTH => self.entity(false),
            _ => self.skip_body(),
        }
    }

    /// The body of a multipart with boundary `boundary`: its parts, to the end of its own
    /// closing delimiter's epilogue or an enclosing delimiter.
    fn multipart(&mut self, boundary: Vec<u8>, digest: bool) {
        self.stack.push(boundary);
        let own = self.stack.len() - 1;
        self.skip_body();
        while let Some(line) = self.lines.get(self.at) {
            if self.delimiter(line.text) != Some(own) {
                break;
            }
            let closing = trim_end(line.text).ends_with(b"--")
                && self
                    .stack
                    .last()
                    .is_some_and(|b| trim_end(line.text).len() == b.len() + 4);
            self.at += 1;
            if closing {
                // The epilogue runs to an enclosing delimiter.
                self.stack.pop();
                self.skip_body();
                return;
            }
            self.entity(digest);
        }
        self.stack.pop();
    }

    fn skip_body(&mut self) {
        while !self.at_delimiter() {
            self.at += 1;
        }
    }
}

fn trim_end(text: &[u8]) -> &[u8] {
    let keep = text
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    text.get(..keep).unwrap_or(text)
}

/// The value of header field `name` (lowercase) when `line` starts it.
fn field_value<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let head = line.get(..name.len())?;
    if !head.eq_ignore_ascii_case(name) {
        return None;
    }
    let rest = line.get(name.len()..)?;
    let rest = rest.trim_ascii_start();
    rest.strip_prefix(b":")
}

/// The lowercase `type/subtype` and the boundary parameter of a Content-Type value.
fn parse_content_type(value: &[u8]) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let mut pieces = value.split(|&b| b == b';');
    let kind = pieces
        .next()
        .map(|k| k.trim_ascii().to_ascii_lowercase())
        .filter(|k| k.contains(&b'/'));
    let boundary = pieces.find_map(|p| {
        let (key, value) = p.split_at(p.iter().position(|&b| b == b'=')?);
        if !key.trim_ascii().eq_ignore_ascii_case(b"boundary") {
            return None;
        }
        let value = value.get(1..)?.trim_ascii();
        let value = value
            .strip_prefix(b"\"")
            .and_then(|v| v.split(|&b| b == b'"').next())
            .unwrap_or(value);
        (!value.is_empty()).then(|| value.to_vec())
    });
    (kind, boundary)
}
