//! The body to show: text/plain preferred, else text/html as text; forwarded messages after it.

use mail_parser::{Message, PartType};

use super::html::{self, LayoutBudget};
use super::links::{self, LinkList};
use super::{MAX_NESTING, address, subject_of};
use crate::sanitize;

/// Appends the sanitised body lines of `message` to `out`, then those of the messages it
/// forwards (message/rfc822 parts), each under a separator and its own headers.
pub(super) fn render(
    message: &Message<'_>,
    out: &mut Vec<String>,
    links: &mut LinkList,
    budget: &mut LayoutBudget,
    depth: usize,
) {
    // mail-parser lists, per alternative, the text/plain part in `text_body` when there is one
    // and the HTML part otherwise; `html_body` is the fallback for HTML-only alternatives.
    let ids = if message.text_body.is_empty() {
        &message.html_body
    } else {
        &message.text_body
    };
    for part in ids.iter().filter_map(|&id| message.parts.get(id as usize)) {
        let text = match &part.body {
            PartType::Text(text) => links::mark_plain(text, links),
            PartType::Html(html) => html::render(html, links, budget),
            // Inline images and other binary parts are listed as attachments.
            _ => continue,
        };
        if !out.is_empty() {
            out.push(String::new());
        }
        push_lines(out, &text);
    }
    if depth >= MAX_NESTING {
        return;
    }
    let forwarded = message
        .attachments
        .iter()
        .filter_map(|&id| message.parts.get(id as usize))
        .filter_map(|part| part.message());
    for inner in forwarded {
        if !out.is_empty() {
            out.push(String::new());
        }
        out.push(format!("{:─^40}", " forwarded message "));
        push_header(out, "From", &address::list(inner.from()));
        push_header(out, "To", &address::list(inner.to()));
        push_header(out, "Cc", &address::list(inner.cc()));
        if let Some(date) = inner.date().filter(|d| d.is_valid()) {
            push_header(out, "Date", &date.to_rfc822());
        }
        push_header(out, "Subject", &subject_of(inner));
        // `render` puts the blank line between these headers and the forwarded body.
        render(inner, out, links, budget, depth + 1);
    }
}

fn push_header(out: &mut Vec<String>, name: &str, value: &str) {
    if !value.is_empty() {
        out.push(format!("{name}: {}", sanitize::line(value)));
    }
}

/// Sanitised lines of `text`, without the blank lines that trail it.
fn push_lines(out: &mut Vec<String>, text: &str) {
    let mut lines = sanitize::text(text);
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    for line in &mut lines {
        let kept = line.trim_end().len();
        line.truncate(kept);
    }
    out.extend(lines);
}
