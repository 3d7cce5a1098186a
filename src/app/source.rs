//! The open message's headers and source views (`H`, `V`): every header field as the message
//! has them, and its whole source, fetched for the view (an opened message may have been
//! fetched without its attachments). Both are made clean once, here. No I/O here either.

use super::msg::Command;
use super::state::{AppState, MessagePane, PaneContent, PaneView, SourceView};
use crate::mail::{ReqId, SourceCommand};
use crate::sanitize::Clean;

/// The most of a header block the headers view reads.
const MAX_HEADER_BYTES: usize = 256 * 1024;
/// The most of a source the source view shows; a note says how much more there is.
const MAX_SOURCE_BYTES: usize = 4 * 1024 * 1024;

/// The header block of a raw message, one clean line per line as the message folds it.
pub fn header_lines(raw: &[u8]) -> Vec<Clean> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n"))
        .unwrap_or(raw.len())
        .min(MAX_HEADER_BYTES);
    let head = String::from_utf8_lossy(raw.get(..end).unwrap_or(raw));
    Clean::text(&head)
}

/// A message's source as lines, cut at [`MAX_SOURCE_BYTES`] with a line that says so.
pub fn source_lines(raw: &[u8]) -> Vec<Clean> {
    let shown = raw.get(..MAX_SOURCE_BYTES).unwrap_or(raw);
    let mut lines = Clean::text(&String::from_utf8_lossy(shown));
    if raw.len() > shown.len() {
        lines.push(Clean::line(&format!(
            "[… {} more bytes not shown]",
            raw.len() - shown.len()
        )));
    }
    lines
}

/// The open message, once it is shown (the views need it read).
fn shown_pane(state: &mut AppState) -> Option<&mut MessagePane> {
    state
        .pane
        .as_mut()
        .filter(|p| matches!(p.content, PaneContent::Ready(_)))
}

/// `H`: the header fields of the open message, or back to the message.
pub fn toggle_headers(state: &mut AppState) -> Vec<Command> {
    let Some(pane) = shown_pane(state) else {
        return vec![];
    };
    pane.scroll = 0;
    pane.view = match (&pane.view, &pane.raw) {
        (PaneView::Headers(_), _) | (_, None) => PaneView::Message,
        (_, Some(raw)) => PaneView::Headers(header_lines(raw)),
    };
    vec![]
}

/// `V`: the whole source of the open message, asked from the source, or back to the message.
pub fn toggle_source(state: &mut AppState) -> Vec<Command> {
    let req = state.new_req();
    let folder = state.folder.name.clone();
    let Some(pane) = shown_pane(state) else {
        return vec![];
    };
    pane.scroll = 0;
    if matches!(pane.view, PaneView::Source(_)) {
        pane.view = PaneView::Message;
        return vec![];
    }
    pane.view = PaneView::Source(SourceView::Loading(req));
    vec![Command::Source(SourceCommand::FetchSource {
        req,
        folder,
        uid: pane.uid,
    })]
}

/// The source arrived, or could not be read; replies to an older request are dropped.
pub fn on_source(state: &mut AppState, req: ReqId, result: Result<&[u8], String>) {
    let Some(pane) = state.pane.as_mut() else {
        return;
    };
    if !matches!(pane.view, PaneView::Source(SourceView::Loading(r)) if r == req) {
        return;
    }
    pane.view = PaneView::Source(match result {
        Ok(raw) => SourceView::Ready(source_lines(raw)),
        Err(why) => SourceView::Failed(Clean::line(&why)),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_block_ends_at_the_first_empty_line_and_is_clean() {
        let raw = b"From: a@example.org\r\nSubject: x\x1b[2J\r\n  folded\r\n\r\nbody\r\n";
        let lines = header_lines(raw);
        assert_eq!(lines, ["From: a@example.org", "Subject: x␛[2J", "  folded"]);
        assert_eq!(
            header_lines(b"Subject: only a header"),
            ["Subject: only a header"]
        );
        assert_eq!(header_lines(b"Subject: lf\n\nbody"), ["Subject: lf"]);
    }

    #[test]
    fn a_long_source_is_cut_and_says_so() {
        let raw = vec![b'a'; MAX_SOURCE_BYTES + 10];
        let lines = source_lines(&raw);
        assert_eq!(
            lines.last().map(|l| l.as_str()),
            Some("[… 10 more bytes not shown]")
        );
        assert!(
            source_lines(b"\xff\xfe bytes\r\nline")
                .iter()
                .all(|l| crate::sanitize::is_clean(l))
        );
    }
}
