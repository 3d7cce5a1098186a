//! The notice history: every notice the status line showed (errors, server alerts, BYE,
//! connection trouble) with its time, in full, for the overlay a key opens. The status line
//! cuts long texts; this is where they are read whole.

use crate::sanitize::Clean;
use std::collections::VecDeque;

use super::wrap::wrap;

/// Notices kept; older ones are forgotten.
const KEPT: usize = 100;

/// What a notice is, for how it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// The server's own words that must be shown (`[ALERT]`, BYE).
    Alert,
    /// Something failed.
    Error,
    /// For information.
    Info,
}

/// One notice, as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedNotice {
    /// Unix seconds of the last time it was said.
    pub at: i64,
    /// The text, in full.
    pub text: Clean,
    pub kind: NoticeKind,
    /// How many times in a row it was said.
    pub times: u32,
}

/// The history and its overlay.
#[derive(Debug, Default)]
pub struct NoticeLog {
    /// Newest last.
    entries: VecDeque<LoggedNotice>,
    /// The overlay is on screen.
    pub open: bool,
    /// The overlay's first line shown.
    pub scroll: usize,
}

impl NoticeLog {
    /// Keeps `text`, made clean; the same text said again in a row counts up.
    pub fn record(&mut self, at: i64, text: &str, kind: NoticeKind) {
        let text = Clean::line(text);
        if text.is_empty() {
            return;
        }
        if let Some(last) = self.entries.back_mut()
            && last.text == text
        {
            last.at = at;
            last.times = last.times.saturating_add(1);
            return;
        }
        if self.entries.len() >= KEPT {
            self.entries.pop_front();
        }
        self.entries.push_back(LoggedNotice {
            at,
            text,
            kind,
            times: 1,
        });
    }

    /// Newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &LoggedNotice> {
        self.entries.iter().rev()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many lines the overlay's text takes at `width` columns: per notice, a line with
    /// its time and kind, then its text wrapped; one line when there is none.
    pub fn line_count(&self, width: usize) -> usize {
        if self.entries.is_empty() {
            return 1;
        }
        self.entries
            .iter()
            .map(|n| 1 + wrap(&n.text, text_width(width)).len())
            .sum()
    }

    /// The furthest the overlay scrolls on a `viewport` (columns, rows) screen: the overlay
    /// takes all but the status line, inside a border.
    pub fn max_scroll(&self, viewport: (u16, u16)) -> usize {
        let (w, h) = viewport;
        let inner_w = usize::from(w).saturating_sub(2);
        let inner_h = usize::from(h).saturating_sub(3);
        self.line_count(inner_w).saturating_sub(inner_h)
    }
}

/// The width a notice's text wraps to inside an overlay of `width` columns (it is indented).
pub fn text_width(width: usize) -> usize {
    width.saturating_sub(2).max(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_count_up_and_the_oldest_go() {
        let mut log = NoticeLog::default();
        log.record(1, "a", NoticeKind::Info);
        log.record(2, "a", NoticeKind::Info);
        log.record(3, "b", NoticeKind::Alert);
        let shown: Vec<_> = log
            .newest_first()
            .map(|n| (n.text.as_str(), n.times))
            .collect();
        assert_eq!(shown, vec![("b", 1), ("a", 2)]);
        for i in 0..200 {
            log.record(i, &i.to_string(), NoticeKind::Error);
        }
        assert_eq!(log.len(), KEPT);
        assert_eq!(
            log.newest_first().next().map(|n| n.text.as_str()),
            Some("199")
        );
    }
}
