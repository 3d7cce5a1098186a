//! text/html -> plain lines with html2text, links numbered into the message's link list.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use html2text::render::{TaggedLine, TextDecorator};

use super::html_depth;
use super::links::LinkList;

/// Columns HTML is wrapped to: readable on an 80-column terminal with the pane's border.
pub(super) const HTML_WIDTH: usize = 78;

/// HTML beyond this many bytes is not rendered (html2text's cost grows with tables and depth).
const MAX_HTML_BYTES: usize = 2 * 1024 * 1024;

/// Ends every link's text, just before html2text's own `[k]` footnote marker, so that the
/// marker can be renumbered into the message-wide list. A private-use character that is taken
/// out of the input first, so only this module ever writes it.
const LINK_END: char = '\u{e000}';

/// html2text's time for all the HTML parts of one message. Flattened and capped input
/// renders well within it (see docs/performance.md); a layout built to be expensive (a table
/// of a hundred thousand cells, or many such parts) does not, and what is left is shown with
/// mail-parser's plain converter, which is linear, instead.
const RENDER_BUDGET: Duration = Duration::from_millis(250);

/// What is left of one message's [`RENDER_BUDGET`], shared by its HTML parts, so that a
/// message of many costly parts costs the budget once, not once per part.
#[derive(Debug)]
pub(super) struct LayoutBudget {
    left: Duration,
}

impl Default for LayoutBudget {
    fn default() -> Self {
        LayoutBudget {
            left: RENDER_BUDGET,
        }
    }
}

/// Renders an HTML part to text, adding its links to `links` and marking each `[n]` with the
/// message-wide number. The result is not yet sanitised.
pub(super) fn render(html: &str, links: &mut LinkList, budget: &mut LayoutBudget) -> String {
    let cut = html.len() > MAX_HTML_BYTES;
    let html = floor_char_boundary(html, MAX_HTML_BYTES);
    let input: Arc<str> = html_depth::flatten(html)
        .replace(LINK_END, "\u{fffd}")
        .into();
    let mut text = match layout_within_budget(Arc::clone(&input), budget) {
        Some((text, urls)) => renumber(&text, &urls, links),
        // Over budget, or a layout html2text refuses: mail-parser's simpler converter.
        None => mail_parser::decoders::html::html_to_text(&input),
    };
    if cut {
        text.push_str("\n[the rest of this HTML part is too long to show]");
    }
    text
}

/// html2text's rendering and the links it found, on a thread of its own that is abandoned
/// (left to finish, its result dropped) when it takes longer than what is left of `budget`.
fn layout_within_budget(
    input: Arc<str>,
    budget: &mut LayoutBudget,
) -> Option<(String, Vec<String>)> {
    if budget.left.is_zero() {
        return None;
    }
    let started = std::time::Instant::now();
    let (done, result) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("sealmail-html".into())
        .spawn(move || {
            let laid_out = std::panic::catch_unwind(|| layout(&input)).ok().flatten();
            let _ = done.send(laid_out);
        })
        .ok()?;
    let laid_out = result.recv_timeout(budget.left).ok().flatten();
    budget.left = budget.left.saturating_sub(started.elapsed());
    laid_out
}

fn layout(input: &str) -> Option<(String, Vec<String>)> {
    let urls = Rc::new(RefCell::new(Vec::new()));
    let decorator = LinkCollector {
        urls: Rc::clone(&urls),
    };
    let text = html2text::config::with_decorator(decorator)
        .link_footnotes(true)
        .string_from_read(input.as_bytes(), HTML_WIDTH)
        .ok()?;
    let urls = urls.take();
    Some((text, urls))
}

fn floor_char_boundary(s: &str, max: usize) -> &str {
    s.get(..s.floor_char_boundary(max)).unwrap_or_default()
}

/// Replaces each `LINK_END [k]` of html2text's output with `[n]`, n being the link's number in
/// the message-wide list.
fn renumber(text: &str, urls: &[String], links: &mut LinkList) -> String {
    let numbers: Vec<Option<usize>> = urls.iter().map(|u| links.push(u)).collect();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((head, after)) = rest.split_once(LINK_END) {
        out.push_str(head);
        // html2text may have wrapped the line between the link text and its marker.
        let marker = after.trim_start_matches([' ', '\n']);
        let gap = after.get(..after.len() - marker.len()).unwrap_or_default();
        let footnote = marker.strip_prefix('[').and_then(|m| {
            let digits = m.len() - m.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let (number, tail) = m.split_at_checked(digits)?;
            Some((number.parse::<usize>().ok()?, tail.strip_prefix(']')?))
        });
        match footnote {
            Some((k, tail)) => {
                out.push_str(gap);
                if let Some(Some(n)) = k.checked_sub(1).and_then(|i| numbers.get(i)) {
                    out.push_str(&format!("[{n}]"));
                }
                rest = tail;
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// html2text's plain rendering, except that links keep their text bare (the `[n]` marker
/// follows) and the footnote list is collected instead of printed.
#[derive(Clone)]
struct LinkCollector {
    urls: Rc<RefCell<Vec<String>>>,
}

impl TextDecorator for LinkCollector {
    type Annotation = ();

    fn decorate_link_start(&mut self, _url: &str) -> (String, ()) {
        (String::new(), ())
    }

    fn decorate_link_end(&mut self) -> String {
        LINK_END.to_string()
    }

    fn decorate_em_start(&self) -> (String, ()) {
        (String::new(), ())
    }

    fn decorate_em_end(&self) -> String {
        String::new()
    }

    fn decorate_strong_start(&self) -> (String, ()) {
        ("*".into(), ())
    }

    fn decorate_strong_end(&self) -> String {
        "*".into()
    }

    fn decorate_strikeout_start(&self) -> (String, ()) {
        (String::new(), ())
    }

    fn decorate_strikeout_end(&self) -> String {
        String::new()
    }

    fn decorate_code_start(&self) -> (String, ()) {
        ("`".into(), ())
    }

    fn decorate_code_end(&self) -> String {
        "`".into()
    }

    fn decorate_preformat_first(&self) {}

    fn decorate_preformat_cont(&self) {}

    fn decorate_image(&mut self, _src: &str, title: &str) -> (String, ()) {
        if title.trim().is_empty() {
            (String::new(), ())
        } else {
            (format!("[image: {}]", title.trim()), ())
        }
    }

    fn header_prefix(&self, level: usize) -> String {
        "#".repeat(level.min(6)) + " "
    }

    fn quote_prefix(&self) -> String {
        "> ".into()
    }

    fn unordered_item_prefix(&self) -> String {
        "* ".into()
    }

    fn ordered_item_prefix(&self, i: i64) -> String {
        format!("{i}. ")
    }

    fn make_subblock_decorator(&self) -> Self {
        self.clone()
    }

    fn finalise(&mut self, urls: Vec<String>) -> Vec<TaggedLine<()>> {
        self.urls.borrow_mut().extend(urls);
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exhausted_budget_shows_the_part_with_the_plain_converter() {
        let mut spent = LayoutBudget {
            left: Duration::ZERO,
        };
        let mut links = LinkList::default();
        let text = render("<p>hello <b>there</b></p>", &mut links, &mut spent);
        assert!(text.contains("hello") && text.contains("there"), "{text}");
        assert!(spent.left.is_zero());
    }

    fn rendered(html: &str, links: &mut LinkList) -> String {
        render(html, links, &mut LayoutBudget::default())
    }

    #[test]
    fn links_are_numbered_after_their_text() {
        let mut links = LinkList::default();
        let text = rendered(
            r#"<p>Read <a href="https://a.example/1">the news</a> and
               <a href="https://b.example/2">more</a>.</p>"#,
            &mut links,
        );
        assert!(text.contains("the news[1]"), "{text}");
        assert!(text.contains("more[2]"), "{text}");
        assert_eq!(
            links.into_vec(),
            ["https://a.example/1", "https://b.example/2"]
        );
    }

    #[test]
    fn numbering_continues_across_parts() {
        let mut links = LinkList::default();
        links.push("https://earlier.example/");
        let text = rendered(r#"<a href="https://later.example/">later</a>"#, &mut links);
        assert!(text.contains("later[2]"), "{text}");
        assert_eq!(links.into_vec().len(), 2);
    }

    #[test]
    fn the_marker_character_in_input_is_neutralised() {
        let mut links = LinkList::default();
        let text = rendered("<p>fake\u{e000}[7] marker</p>", &mut links);
        assert!(!text.contains(LINK_END));
        assert!(text.contains("[7]"));
        assert!(links.into_vec().is_empty());
    }

    #[test]
    fn lines_fit_the_width() {
        let mut links = LinkList::default();
        let text = rendered(&format!("<p>{}</p>", "word ".repeat(200)), &mut links);
        assert!(text.lines().all(|l| l.chars().count() <= HTML_WIDTH));
        assert!(text.lines().count() > 5);
    }

    #[test]
    fn script_and_style_are_not_shown() {
        let mut links = LinkList::default();
        let text = rendered(
            "<style>p{color:red}</style><script>alert(1)</script><p>visible</p>",
            &mut links,
        );
        assert!(text.contains("visible"));
        assert!(!text.contains("alert") && !text.contains("color"), "{text}");
    }
}
