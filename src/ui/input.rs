//! A one-line text input as the views draw it: its text (or a mask for a secret) split at the
//! input's own cursor, so Left and Right move a cursor the user sees, not one kept at the end.
//! `update` puts only clean text into an input (a paste is sanitised, tabs and controls are
//! not taken), so the text is drawn as it is.

use ratatui_textarea::TextArea;

/// The input's text before and after its cursor, shown as it is or masked with `mask`.
pub struct Split {
    pub before: String,
    pub after: String,
}

/// Splits a one-line input at its cursor (a multi-line buffer is read as one line).
pub fn split(input: &TextArea<'_>, mask: Option<char>) -> Split {
    let cursor = input.cursor();
    let (row, col) = (cursor.0, cursor.1);
    let lines = input.lines();
    let mut before = String::new();
    let mut after = String::new();
    for (i, line) in lines.iter().enumerate() {
        let sep = if i == 0 { "" } else { " " };
        if i < row {
            before.push_str(sep);
            before.push_str(line);
        } else if i > row {
            after.push_str(sep);
            after.push_str(line);
        } else {
            before.push_str(sep);
            let at = line.char_indices().nth(col).map_or(line.len(), |(b, _)| b);
            let (head, tail) = line.split_at(at);
            before.push_str(head);
            after.push_str(tail);
        }
    }
    let show = |text: &str| match mask {
        Some(m) => std::iter::repeat_n(m, text.chars().count()).collect(),
        None => text.to_owned(),
    };
    Split {
        before: show(&before),
        after: show(&after),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn typed(text: &str, lefts: usize) -> TextArea<'static> {
        let mut input = TextArea::default();
        input.insert_str(text);
        for _ in 0..lefts {
            input.input(KeyEvent::new(KeyCode::Left, KeyModifiers::NONE));
        }
        input
    }

    #[test]
    fn the_cursor_splits_the_text_where_it_is() {
        let input = typed("1234", 1);
        let shown = split(&input, Some('•'));
        assert_eq!((shown.before.as_str(), shown.after.as_str()), ("•••", "•"));
        let input = typed("grüße", 2);
        let shown = split(&input, None);
        assert_eq!((shown.before.as_str(), shown.after.as_str()), ("grü", "ße"));
        let input = typed("abc", 3);
        let shown = split(&input, None);
        assert_eq!((shown.before.as_str(), shown.after.as_str()), ("", "abc"));
    }
}
