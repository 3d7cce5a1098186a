//! The numbered links of a body: collected in the order shown, marked `[n]` in the text.

use crate::sanitize;

/// A message holding more links than this lists the first ones only (a hostile body can hold
/// millions).
const MAX_LINKS: usize = 1000;

/// Links numbered from 1, in the order the body shows them.
#[derive(Debug, Default)]
pub(super) struct LinkList(Vec<String>);

impl LinkList {
    /// Adds a link and returns its number, or `None` when the list is full.
    pub(super) fn push(&mut self, url: &str) -> Option<usize> {
        if self.0.len() >= MAX_LINKS {
            return None;
        }
        self.0.push(sanitize::line(url.trim()).into_owned());
        Some(self.0.len())
    }

    pub(super) fn into_vec(self) -> Vec<String> {
        self.0
    }
}

/// Marks each web link of a plain-text body with its number (`https://x.org/a [1]`) and adds
/// it to `links`. The text itself is left as it is otherwise.
pub(super) fn mark_plain(text: &str, links: &mut LinkList) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(start) = find_scheme(rest) {
        let Some((before, from_url)) = rest.split_at_checked(start) else {
            break;
        };
        out.push_str(before);
        let len = url_len(from_url);
        let Some((url, after)) = from_url.split_at_checked(len) else {
            break;
        };
        out.push_str(url);
        if let Some(n) = links.push(url) {
            out.push_str(&format!(" [{n}]"));
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The byte offset of the next `http://` or `https://` that starts a word and names a host.
fn find_scheme(s: &str) -> Option<usize> {
    for (i, _) in s.match_indices("http") {
        let Some(tail) = s.get(i..) else {
            continue;
        };
        let scheme = if tail.starts_with("https://") {
            "https://".len()
        } else if tail.starts_with("http://") {
            "http://".len()
        } else {
            0
        };
        if scheme > 0 && starts_word(s, i) && url_len(tail) > scheme {
            return Some(i);
        }
    }
    None
}

fn starts_word(s: &str, i: usize) -> bool {
    s.get(..i)
        .and_then(|head| head.chars().next_back())
        .is_none_or(|c| !c.is_alphanumeric())
}

/// How long the URL at the start of `s` is: up to white space or a character that cannot be in
/// a URL, less trailing punctuation (and closing brackets that have no opening one).
fn url_len(s: &str) -> usize {
    let end = s
        .find(|c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`'))
        .unwrap_or(s.len());
    let mut url = s.get(..end).unwrap_or(s);
    let mut open_round = url.matches('(').count();
    let mut close_round = url.matches(')').count();
    let mut open_square = url.matches('[').count();
    let mut close_square = url.matches(']').count();
    while let Some(last) = url.chars().next_back() {
        let strip = match last {
            ')' if close_round > open_round => {
                close_round -= 1;
                true
            }
            ']' if close_square > open_square => {
                close_square -= 1;
                true
            }
            '(' => {
                open_round = open_round.saturating_sub(1);
                true
            }
            '[' => {
                open_square = open_square.saturating_sub(1);
                true
            }
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' => true,
            _ => false,
        };
        match url.strip_suffix(last) {
            Some(shorter) if strip => url = shorter,
            _ => break,
        }
    }
    url.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str) -> (String, Vec<String>) {
        let mut links = LinkList::default();
        let out = mark_plain(text, &mut links);
        (out, links.into_vec())
    }

    #[test]
    fn plain_links_are_numbered_in_order() {
        let (out, links) = marked("See https://a.example/x. And (http://b.example/y_(z)), ok");
        assert_eq!(
            out,
            "See https://a.example/x [1]. And (http://b.example/y_(z) [2]), ok"
        );
        assert_eq!(links, ["https://a.example/x", "http://b.example/y_(z)"]);
    }

    #[test]
    fn words_that_only_contain_http_are_not_links() {
        let (out, links) = marked("xhttps://no.example httpd https:// http");
        assert_eq!(out, "xhttps://no.example httpd https:// http");
        assert!(links.is_empty());
    }

    #[test]
    fn link_list_is_bounded() {
        let text = "https://x.example/a ".repeat(MAX_LINKS + 5);
        let (_, links) = marked(&text);
        assert_eq!(links.len(), MAX_LINKS);
    }
}
