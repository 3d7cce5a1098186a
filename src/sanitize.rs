//! Makes text that came from mail or a server safe to put on a terminal. Imports nothing of ours.
//!
//! Nothing that could act on the terminal passes: ESC and every other C0/C1 control is shown as
//! a visible picture (ESC as `␛`), so no CSI/OSC/DCS sequence can reach the terminal. Characters
//! that silently change how text reads (bidi overrides and isolates, zero-width characters,
//! invisible tag characters) are shown visibly as `<U+XXXX>` instead of acting.
// Input from mail and servers: every path is total, no slicing or indexing that can panic.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

use std::borrow::Cow;

/// Tabs in text are expanded to this many columns.
const TAB_WIDTH: usize = 4;

/// What one character becomes on screen.
enum Shown {
    Keep,
    Picture(char),
    Codepoint,
}

fn classify(c: char) -> Shown {
    match c {
        // C0 controls (and DEL): the Unicode "control pictures" block shows them visibly.
        '\u{0}'..='\u{1f}' => {
            Shown::Picture(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'))
        }
        '\u{7f}' => Shown::Picture('\u{2421}'),
        // C1 controls, among them CSI (U+009B) and OSC (U+009D) in their 8-bit form.
        '\u{80}'..='\u{9f}' => Shown::Codepoint,
        // Bidi embeddings, overrides, isolates and marks.
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}' => {
            Shown::Codepoint
        }
        // Zero-width and invisible characters; line and paragraph separators.
        '\u{200b}'..='\u{200d}'
        | '\u{2060}'..='\u{2064}'
        | '\u{feff}'
        | '\u{2028}'
        | '\u{2029}' => Shown::Codepoint,
        // Invisible tag characters, and the interlinear annotation controls.
        '\u{e0000}'..='\u{e007f}' | '\u{fff9}'..='\u{fffb}' => Shown::Codepoint,
        _ => Shown::Keep,
    }
}

fn needs_work(s: &str) -> bool {
    s.chars().any(|c| !matches!(classify(c), Shown::Keep))
}

fn push_shown(out: &mut String, c: char) {
    match classify(c) {
        Shown::Keep => out.push(c),
        Shown::Picture(p) => out.push(p),
        Shown::Codepoint => out.push_str(&format!("<U+{:04X}>", c as u32)),
    }
}

/// One line of text (a subject, a name, a file name, a folder name): line breaks and tabs
/// become spaces, everything else as described in the module docs.
pub fn line(s: &str) -> Cow<'_, str> {
    if !needs_work(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            _ => push_shown(&mut out, c),
        }
    }
    Cow::Owned(out)
}

/// A block of text (a message body): split into lines (LF, CRLF or CR), tabs expanded, every
/// line sanitised. The result holds no control character at all.
pub fn text(s: &str) -> Vec<String> {
    let normalised = s.replace("\r\n", "\n").replace('\r', "\n");
    normalised
        .split('\n')
        .map(|raw| {
            let mut out = String::with_capacity(raw.len());
            let mut column = 0usize;
            for c in raw.chars() {
                if c == '\t' {
                    let pad = TAB_WIDTH - column % TAB_WIDTH;
                    out.extend(std::iter::repeat_n(' ', pad));
                    column += pad;
                } else {
                    let before = out.len();
                    push_shown(&mut out, c);
                    column += out
                        .get(before..)
                        .map_or(0, unicode_width::UnicodeWidthStr::width);
                }
            }
            out
        })
        .collect()
}

/// True when `s` holds nothing that could act on a terminal (used by tests and debug checks).
pub fn is_clean(s: &str) -> bool {
    !needs_work(s) && !s.contains(['\t', '\n', '\r'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_sent() {
        let hostile = "hi\x1b]52;c;ZXZpbA==\x07 \x1b[2J\u{9b}31m";
        let shown = line(hostile);
        assert!(!shown.contains('\x1b') && !shown.contains('\x07') && !shown.contains('\u{9b}'));
        assert_eq!(shown, "hi␛]52;c;ZXZpbA==␇ ␛[2J<U+009B>31m");
    }

    #[test]
    fn bidi_and_zero_width_are_visible() {
        assert_eq!(line("evil\u{202e}fdp.exe"), "evil<U+202E>fdp.exe");
        assert_eq!(line("pay\u{200b}pal"), "pay<U+200B>pal");
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(line("Grüße, 世界"), Cow::Borrowed(_)));
    }

    #[test]
    fn text_splits_lines_and_expands_tabs() {
        assert_eq!(text("a\tb\r\nc\rd"), vec!["a   b", "c", "d"]);
        assert!(text("x\x1b[31my").iter().all(|l| is_clean(l)));
    }
}
