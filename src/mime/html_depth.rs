//! Bounds how deeply HTML nests before it reaches html2text, whose cost grows faster than the
//! input with depth (100,000 nested `<div>`s took it 30 s). Tags that would open an element
//! deeper than [`MAX_DEPTH`] are dropped with their end tags, as browsers flatten beyond their
//! own limit; the text inside stays. One linear pass over the bytes, no tree.
//!
//! The count is of elements that really nest: void elements (`<br>`), self-closing tags and
//! elements the parser closes by itself when the next one starts (`<p>`, `<li>`, `<td>`, ...)
//! are never counted, so a long flat message with unclosed paragraphs is left untouched.

use std::borrow::Cow;

/// Nesting depth kept; real mail stays far below it.
pub const MAX_DEPTH: usize = 200;

/// `html` with every tag beyond [`MAX_DEPTH`] levels of nesting taken out.
pub fn flatten(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `html` before this offset are in `out` (or unchanged)
    let mut depth = 0usize;
    let mut dropped = 0usize;
    let mut at = 0;
    while let Some(lt) = memchr_from(bytes, b'<', at) {
        let Some(tag) = scan_tag(bytes, lt) else {
            at = lt + 1;
            continue;
        };
        at = tag.end;
        let drop_tag = match tag.kind {
            Kind::Other => false,
            Kind::RawText(close) => {
                // Script, style, textarea...: their content is not markup.
                at = find_close(bytes, tag.end, close).unwrap_or(bytes.len());
                false
            }
            Kind::Start if depth < MAX_DEPTH => {
                depth += 1;
                false
            }
            Kind::Start => {
                dropped += 1;
                true
            }
            Kind::End if dropped > 0 => {
                dropped -= 1;
                true
            }
            Kind::End => {
                depth = depth.saturating_sub(1);
                false
            }
        };
        if drop_tag {
            let buf = out.get_or_insert_with(|| String::with_capacity(html.len()));
            buf.push_str(html.get(copied..lt).unwrap_or_default());
            copied = tag.end;
        }
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut buf) => {
            buf.push_str(html.get(copied..).unwrap_or_default());
            Cow::Owned(buf)
        }
    }
}

enum Kind {
    /// A start tag of an element that nests.
    Start,
    /// An end tag of an element that nests.
    End,
    /// The start of an element whose content is raw text, up to this end tag name.
    RawText(&'static [u8]),
    /// A comment, doctype, void or self-closing tag, or an element that never nests.
    Other,
}

struct Tag {
    kind: Kind,
    /// The offset just after the tag's `>`.
    end: usize,
}

/// The tag starting at `bytes[lt] == b'<'`, or `None` when this `<` starts no tag.
fn scan_tag(bytes: &[u8], lt: usize) -> Option<Tag> {
    let rest = bytes.get(lt + 1..)?;
    if rest.starts_with(b"!--") {
        let end = find(bytes, lt + 4, b"-->").map_or(bytes.len(), |i| i + 3);
        return Some(Tag {
            kind: Kind::Other,
            end,
        });
    }
    let (closing, name_at) = match rest.first()? {
        b'/' => (true, lt + 2),
        b'!' | b'?' => {
            let end = memchr_from(bytes, b'>', lt).map_or(bytes.len(), |i| i + 1);
            return Some(Tag {
                kind: Kind::Other,
                end,
            });
        }
        _ => (false, lt + 1),
    };
    let name_len = bytes
        .get(name_at..)?
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
        .count();
    if name_len == 0 || !bytes.get(name_at)?.is_ascii_alphabetic() {
        return None;
    }
    let name = bytes.get(name_at..name_at + name_len)?;
    let (end, self_closing) = tag_end(bytes, name_at + name_len);
    let kind = if closing {
        if nests(name) { Kind::End } else { Kind::Other }
    } else if let Some(close) = raw_text_end(name) {
        Kind::RawText(close)
    } else if self_closing || !nests(name) {
        Kind::Other
    } else {
        Kind::Start
    };
    Some(Tag { kind, end })
}

/// The offset after the `>` that ends a tag whose attributes start at `from` (quotes
/// respected), and whether it ended with `/>`.
fn tag_end(bytes: &[u8], from: usize) -> (usize, bool) {
    let mut quote = None;
    let mut prev = 0u8;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return (i + 1, prev == b'/'),
            _ => {}
        }
        prev = b;
    }
    (bytes.len(), false)
}

fn eq_name(name: &[u8], list: &[&[u8]]) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Elements that nest: everything but void elements and those the parser closes by itself.
fn nests(name: &[u8]) -> bool {
    const NEVER_NEST: &[&[u8]] = &[
        b"area",
        b"base",
        b"br",
        b"col",
        b"embed",
        b"hr",
        b"img",
        b"input",
        b"link",
        b"meta",
        b"param",
        b"source",
        b"track",
        b"wbr",
        b"keygen",
        b"frame",
        b"p",
        b"li",
        b"dt",
        b"dd",
        b"tr",
        b"td",
        b"th",
        b"option",
        b"optgroup",
        b"rb",
        b"rt",
        b"rp",
        b"rtc",
        b"thead",
        b"tbody",
        b"tfoot",
        b"colgroup",
        b"caption",
        b"html",
        b"head",
        b"body",
    ];
    !eq_name(name, NEVER_NEST)
}

/// For elements whose content is raw text: the end tag that closes them.
fn raw_text_end(name: &[u8]) -> Option<&'static [u8]> {
    const RAW: &[&[u8]] = &[
        b"script",
        b"style",
        b"textarea",
        b"title",
        b"xmp",
        b"iframe",
        b"noembed",
        b"noframes",
        b"plaintext",
    ];
    RAW.iter().find(|n| n.eq_ignore_ascii_case(name)).copied()
}

/// The offset just after `</name ...>` at or after `from`, case-insensitively.
fn find_close(bytes: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    while let Some(lt) = find(bytes, at, b"</") {
        let after = lt + 2;
        if bytes
            .get(after..after + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
        {
            let (end, _) = tag_end(bytes, after + name.len());
            return Some(end);
        }
        at = after;
    }
    None
}

fn memchr_from(bytes: &[u8], needle: u8, from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == needle)
        .map(|i| i + from)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let hay = bytes.get(from..)?;
    let first = *needle.first()?;
    let mut at = 0;
    while let Some(i) = hay.get(at..)?.iter().position(|&b| b == first) {
        let start = at + i;
        if hay.get(start..start + needle.len()) == Some(needle) {
            return Some(from + start);
        }
        at = start + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_html_is_untouched() {
        let html = "<html><body><p>one<p>two<br><ul><li>a<li>b</ul>\
                    <table><tr><td>x<td>y</table><script>if (a<b) {}</script></body></html>";
        assert!(matches!(flatten(html), Cow::Borrowed(_)));
        let many_paragraphs = "<p>x".repeat(100_000);
        assert!(matches!(flatten(&many_paragraphs), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_cut_at_the_limit_and_keeps_the_text() {
        let depth = 10_000;
        let html = format!(
            "{}deep text{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let flat = flatten(&html);
        assert_eq!(flat.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(flat.matches("</div>").count(), MAX_DEPTH);
        assert!(flat.contains("deep text"));
        // Unclosed nesting, mixed elements, attributes with '>' inside quotes.
        let html = "<span title='a>b'><font x=\"<\">".repeat(depth) + "tail";
        let flat = flatten(&html);
        assert!(flat.matches("<span").count() + flat.matches("<font").count() <= MAX_DEPTH);
        assert!(flat.ends_with("tail"));
    }

    #[test]
    fn the_depth_comes_back_after_the_deep_part() {
        let deep = format!("{}x{}", "<div>".repeat(1000), "</div>".repeat(1000));
        let html = format!("{deep}<blockquote>after</blockquote>");
        assert!(flatten(&html).ends_with("<blockquote>after</blockquote>"));
    }

    #[test]
    fn hostile_fragments_do_not_panic() {
        for html in [
            "<",
            "</",
            "<!--",
            "<!",
            "<a",
            "<a '",
            "<script>",
            "</script",
            "<é>",
            "<<<>>>",
            "<a/>",
            "<!-- -- >",
            "<textarea></textarea",
            "\u{0}<\u{0}>",
        ] {
            let _ = flatten(html);
            let _ = flatten(&html.repeat(300));
        }
    }
}
