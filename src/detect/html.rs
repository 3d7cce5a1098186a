//! What the portal classifier needs from an HTML body or attachment: links (by `href`), forms
//! and their inputs, `<base href>`, the `saved from url` comment, the title, element ids and the
//! visible text. Tokenised with html5ever (the HTML standard's tokenizer, so markup is read the
//! way a browser reads it), switching to raw-text states for `script`, `style`, `title` and the
//! like as the tree builder would. Bounded: huge documents are cut, nothing panics.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Documents are read up to this many bytes; the rest is ignored.
const MAX_HTML: usize = 4 * 1024 * 1024;
/// Visible text kept for wording checks.
const MAX_TEXT: usize = 64 * 1024;
/// Items of each kind kept (links, inputs, ids).
const MAX_ITEMS: usize = 2_000;
/// Characters of an input's value kept.
const VALUE_PREFIX: usize = 80;

/// One `<input>` (or `<textarea>`/`<select>` name), with the form it belongs to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Input {
    pub name: String,
    pub id: String,
    /// Lowercase `type` attribute ("" when absent).
    pub kind: String,
    /// The start of the value.
    pub value: String,
    /// Index into `HtmlFacts::forms`, when inside a form.
    pub form: Option<usize>,
}

/// One `<form>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form {
    /// The `action` attribute as written (entities decoded); None when absent.
    pub action: Option<String>,
}

/// A link-like attribute: (kind, target as written, visible label).
pub type RawLink = (super::links::LinkKind, String, String);

#[derive(Clone, Debug, Default)]
pub struct HtmlFacts {
    pub links: Vec<RawLink>,
    pub forms: Vec<Form>,
    pub inputs: Vec<Input>,
    pub base_href: Option<String>,
    pub saved_from: Option<String>,
    pub title: String,
    /// Element ids, in document order.
    pub ids: Vec<String>,
    /// Visible text (outside script/style), whitespace collapsed, bounded.
    pub text: String,
    /// The document was too big or had too many links to read them all.
    pub truncated: bool,
}

impl HtmlFacts {
    pub fn has_id(&self, id: &str) -> bool {
        self.ids.iter().any(|i| i.eq_ignore_ascii_case(id))
    }

    pub fn input_named(&self, name: &str) -> Option<&Input> {
        self.inputs
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Default)]
struct State {
    facts: HtmlFacts,
    /// Text of the anchor being read, if inside one: (index in links, text).
    anchor: Option<(usize, String)>,
    /// Index of the open form.
    form: Option<usize>,
    /// Inside `<title>`, `<script>` or another raw-text element.
    raw: Option<RawElement>,
    script: String,
    /// Text outside anchors since the last tag, scanned for bare URLs when a tag ends it (the
    /// tokenizer may split text at character references).
    pending: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RawElement {
    Title,
    Script,
    Ignored,
}

struct Sink(RefCell<State>);

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut st = self.0.borrow_mut();
        match token {
            Token::TagToken(tag) => return st.tag(tag),
            Token::CharacterTokens(t) => st.chars(&t),
            Token::CommentToken(c) => st.comment(&c),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

fn attr(tag: &Tag, name: &str) -> Option<String> {
    tag.attrs
        .iter()
        .find(|a| a.name.local.as_ref().eq_ignore_ascii_case(name))
        .map(|a| a.value.to_string())
}

fn push_bounded<T>(v: &mut Vec<T>, item: T) {
    if v.len() < MAX_ITEMS {
        v.push(item);
    }
}

fn push_text(out: &mut String, s: &str) {
    for word in s.split_whitespace() {
        if out.len() >= MAX_TEXT {
            return;
        }
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(word);
    }
    if s.ends_with(char::is_whitespace) && !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

impl State {
    fn flush_text(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        let room = MAX_ITEMS.saturating_sub(self.facts.links.len());
        let (urls, more) = super::links::text_urls(&pending, room);
        self.facts.truncated |= more;
        for (url, label) in urls {
            push_bounded(
                &mut self.facts.links,
                (super::links::LinkKind::Text, url, label),
            );
        }
    }

    fn tag(&mut self, tag: Tag) -> TokenSinkResult<()> {
        use super::links::LinkKind;
        self.flush_text();
        let name = tag.name.as_ref().to_ascii_lowercase();
        if tag.kind == TagKind::EndTag {
            match name.as_str() {
                "a" | "area" => self.close_anchor(),
                "form" => self.form = None,
                "title" | "script" | "style" | "textarea" | "xmp" | "iframe" | "noembed"
                | "noframes" => {
                    if self.raw == Some(RawElement::Script) {
                        let script = std::mem::take(&mut self.script);
                        let room = MAX_ITEMS.saturating_sub(self.facts.links.len());
                        let (urls, more) = super::links::text_urls(&script, room);
                        self.facts.truncated |= more;
                        for (url, _) in urls {
                            push_bounded(
                                &mut self.facts.links,
                                (LinkKind::Script, url, String::new()),
                            );
                        }
                    }
                    self.raw = None;
                }
                _ => {}
            }
            return TokenSinkResult::Continue;
        }
        if let Some(id) = attr(&tag, "id") {
            push_bounded(&mut self.facts.ids, id);
        }
        match name.as_str() {
            "a" | "area" => {
                self.close_anchor();
                if let Some(href) = attr(&tag, "href")
                    && self.facts.links.len() < MAX_ITEMS
                {
                    self.facts
                        .links
                        .push((LinkKind::Anchor, href, String::new()));
                    if name == "a" && !tag.self_closing {
                        self.anchor = Some((self.facts.links.len() - 1, String::new()));
                    }
                }
            }
            "form" => {
                let action = attr(&tag, "action");
                if let Some(a) = &action {
                    push_bounded(
                        &mut self.facts.links,
                        (LinkKind::Form, a.clone(), String::new()),
                    );
                }
                if self.facts.forms.len() < MAX_ITEMS {
                    self.facts.forms.push(Form { action });
                    self.form = Some(self.facts.forms.len() - 1);
                }
            }
            "button" | "input" => {
                if let Some(a) = attr(&tag, "formaction") {
                    push_bounded(&mut self.facts.links, (LinkKind::Form, a, String::new()));
                }
                if name == "input" {
                    self.input(&tag);
                }
            }
            "select" => self.input(&tag),
            "base" => {
                if self.facts.base_href.is_none()
                    && let Some(h) = attr(&tag, "href")
                {
                    push_bounded(
                        &mut self.facts.links,
                        (LinkKind::Base, h.clone(), String::new()),
                    );
                    self.facts.base_href = Some(h);
                }
            }
            "meta" => {
                let refresh = attr(&tag, "http-equiv")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh"));
                if refresh
                    && let Some(target) = attr(&tag, "content").and_then(|c| refresh_target(&c))
                {
                    push_bounded(
                        &mut self.facts.links,
                        (LinkKind::Refresh, target, String::new()),
                    );
                }
            }
            "iframe" | "frame" => {
                if let Some(src) = attr(&tag, "src") {
                    push_bounded(&mut self.facts.links, (LinkKind::Frame, src, String::new()));
                }
            }
            _ => {}
        }
        if tag.self_closing {
            return TokenSinkResult::Continue;
        }
        match name.as_str() {
            "title" => {
                self.raw = Some(RawElement::Title);
                TokenSinkResult::RawData(RawKind::Rcdata)
            }
            "textarea" => {
                self.raw = Some(RawElement::Ignored);
                self.input(&tag);
                TokenSinkResult::RawData(RawKind::Rcdata)
            }
            "script" => {
                self.raw = Some(RawElement::Script);
                TokenSinkResult::RawData(RawKind::ScriptData)
            }
            "style" | "xmp" | "iframe" | "noembed" | "noframes" => {
                self.raw = Some(RawElement::Ignored);
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            "plaintext" => TokenSinkResult::Plaintext,
            _ => TokenSinkResult::Continue,
        }
    }

    fn input(&mut self, tag: &Tag) {
        let value: String = attr(tag, "value")
            .unwrap_or_default()
            .chars()
            .take(VALUE_PREFIX)
            .collect();
        let input = Input {
            name: attr(tag, "name").unwrap_or_default(),
            id: attr(tag, "id").unwrap_or_default(),
            kind: attr(tag, "type").unwrap_or_default().to_ascii_lowercase(),
            value,
            form: self.form,
        };
        push_bounded(&mut self.facts.inputs, input);
    }

    fn close_anchor(&mut self) {
        if let Some((i, text)) = self.anchor.take()
            && let Some(link) = self.facts.links.get_mut(i)
        {
            link.2 = text;
        }
    }

    fn chars(&mut self, t: &StrTendril) {
        match self.raw {
            Some(RawElement::Title) => push_text(&mut self.facts.title, t),
            Some(RawElement::Script) => {
                if self.script.len() < MAX_TEXT {
                    self.script.push_str(t);
                }
            }
            Some(RawElement::Ignored) => {}
            None => {
                if let Some((_, text)) = &mut self.anchor {
                    if text.len() < 512 {
                        push_text(text, t);
                    }
                } else if self.pending.len() < MAX_TEXT {
                    self.pending.push_str(t);
                } else {
                    // Text past the cap is not scanned for bare URLs: one could hide there.
                    self.facts.truncated = true;
                }
                push_text(&mut self.facts.text, t);
            }
        }
    }

    fn comment(&mut self, c: &str) {
        if self.facts.saved_from.is_some() {
            return;
        }
        let lower = c.to_ascii_lowercase();
        let Some(pos) = lower.find("saved from url=") else {
            return;
        };
        // ASCII lowercasing keeps byte offsets, so `pos` is an offset into `c` too.
        let mut rest = c
            .get(pos.saturating_add("saved from url=".len())..)
            .unwrap_or_default()
            .trim_start();
        if let Some(after) = rest.strip_prefix('(')
            && let Some((_, tail)) = after.split_once(')')
        {
            rest = tail;
        }
        let url = rest.split_whitespace().next().unwrap_or("").to_owned();
        if !url.is_empty() {
            self.facts.saved_from = Some(url.clone());
            push_bounded(
                &mut self.facts.links,
                (super::links::LinkKind::SavedFrom, url, String::new()),
            );
        }
    }
}

/// The URL in a refresh `content` value such as `0; url='https://x.example/'`.
fn refresh_target(content: &str) -> Option<String> {
    let lower = content.to_ascii_lowercase();
    let pos = lower.find("url")?;
    let rest = content
        .get(pos.saturating_add(3)..)?
        .trim_start()
        .strip_prefix('=')?
        .trim();
    let rest = rest.trim_matches(['\'', '"']);
    (!rest.is_empty()).then(|| rest.to_owned())
}

/// Reads an HTML document.
pub fn scan(html: &str) -> HtmlFacts {
    let original_len = html.len();
    let html = super::links::prefix(html, MAX_HTML);
    let tokenizer = Tokenizer::new(
        Sink(RefCell::new(State::default())),
        TokenizerOpts::default(),
    );
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    // The sink never asks to run a script, so one feed consumes the whole input.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let mut st = tokenizer.sink.0.take();
    st.flush_text();
    st.close_anchor();
    st.facts.truncated |= html.len() < original_len || st.facts.links.len() >= MAX_ITEMS;
    st.facts.title = st.facts.title.trim().to_owned();
    st.facts
}

#[cfg(test)]
mod tests {
    use super::super::links::LinkKind;
    use super::*;

    #[test]
    fn reads_forms_inputs_comments_and_titles() {
        let f = scan(
            "<!-- saved from url=(0014)about:internet -->\n<html><head><title>Encrypted &amp; \
             safe</title><base href=\"https://res.cisco.com/envelopeopener/\"></head><body>\
             <form action='https://outlook.com/Encryption/store.ashx?a=1&amp;b=2'>\
             <input type=HIDDEN name=rpmsg value='abc'><input id=submit2 type=submit></form>\
             <div id='ReceivedMessage'>hi</div></body></html>",
        );
        assert_eq!(f.saved_from.as_deref(), Some("about:internet"));
        assert_eq!(f.title, "Encrypted & safe");
        assert_eq!(
            f.base_href.as_deref(),
            Some("https://res.cisco.com/envelopeopener/")
        );
        assert_eq!(
            f.forms[0].action.as_deref(),
            Some("https://outlook.com/Encryption/store.ashx?a=1&b=2")
        );
        let rpmsg = f.input_named("rpmsg").map(|i| (i.kind.as_str(), i.form));
        assert_eq!(rpmsg, Some(("hidden", Some(0))));
        assert!(f.has_id("receivedmessage") && f.has_id("submit2"));
    }

    #[test]
    fn anchor_text_is_kept_apart_from_href() {
        let f =
            scan("<p><a href=\"https://evil.example/x\">https://secure.virtru.com/start</a></p>");
        assert_eq!(
            f.links,
            vec![(
                LinkKind::Anchor,
                "https://evil.example/x".to_owned(),
                "https://secure.virtru.com/start".to_owned()
            )]
        );
    }

    #[test]
    fn script_bodies_are_raw_text_and_their_urls_are_kept() {
        let f = scan(
            "<script>var s = \"<a href='https://x.example/'>\"; location='https://y.example/p'</script><p>t</p>",
        );
        let kinds: Vec<_> = f.links.iter().map(|l| (l.0, l.1.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (LinkKind::Script, "https://x.example/"),
                (LinkKind::Script, "https://y.example/p")
            ]
        );
        assert_eq!(f.text, "t");
    }

    #[test]
    fn refresh_and_bare_text_urls_are_links() {
        let f = scan(
            "<meta http-equiv=Refresh content=\"0; URL='https://r.example/'\">Go to https://t.example/a now",
        );
        let got: Vec<_> = f
            .links
            .iter()
            .map(|l| (l.0, l.1.clone(), l.2.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    LinkKind::Refresh,
                    "https://r.example/".to_owned(),
                    String::new()
                ),
                (
                    LinkKind::Text,
                    "https://t.example/a".to_owned(),
                    "Go to ".to_owned()
                )
            ]
        );
    }

    #[test]
    fn bare_urls_split_by_character_references_stay_whole() {
        let f = scan("<p>Open: https://x.example/a?b=1&amp;c=2 now</p>");
        assert_eq!(f.links[0].1, "https://x.example/a?b=1&c=2");
    }

    #[test]
    fn labels_stay_with_their_links_past_the_cap() {
        let mut html = "<a href='https://a.example/'>first</a>".repeat(MAX_ITEMS);
        html.push_str("<a href='https://b.example/'>LAST</a>");
        let f = scan(&html);
        assert_eq!(f.links.len(), MAX_ITEMS);
        assert!(f.links.iter().all(|l| l.2 == "first"));
    }

    #[test]
    fn hostile_markup_does_not_panic() {
        for s in [
            "<",
            "<a href",
            "<!--",
            "<form action=\u{0}>",
            "<a href='x'><a href='y'>",
            "\u{feff}<title>",
        ] {
            let _ = scan(s);
        }
    }
}
