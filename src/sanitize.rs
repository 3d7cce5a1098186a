//! Makes text that came from mail or a server safe to put on a terminal. Imports nothing of ours.
//!
//! Nothing that could act on the terminal passes: ESC and every other C0/C1 control is shown as
//! a visible picture (ESC as `␛`), so no CSI/OSC/DCS sequence can reach the terminal. Characters
//! that silently change how text reads (bidi overrides and isolates, zero-width characters,
//! fillers, variation selectors, invisible tag characters: every default-ignorable code point)
//! are shown visibly as `<U+XXXX>` instead of acting; a joiner or selector inside an emoji
//! sequence stays, so emoji read as emoji. Sanitising twice changes nothing.
// Input from mail and servers: every path is total, no slicing or indexing that can panic.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

use std::borrow::Cow;
use std::fmt;

/// Tabs in text are expanded to this many columns.
const TAB_WIDTH: usize = 4;

/// What one character becomes on screen.
enum Shown {
    Keep,
    Picture(char),
    Codepoint,
    /// Shown as it is only where it joins or styles emoji (ZWJ, variation selectors); alone,
    /// or between letters, it is shown as a code point like any other invisible character.
    EmojiJoiner,
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
        '\u{200d}' | '\u{fe0e}' | '\u{fe0f}' => Shown::EmojiJoiner,
        // Every other default-ignorable code point (Unicode's Default_Ignorable_Code_Point:
        // zero-width characters, fillers, joiners, variation selectors, tag characters), and
        // characters that draw nothing although they are not formally ignorable (the braille
        // blank, line and paragraph separators, interlinear annotation controls).
        '\u{ad}'
        | '\u{34f}'
        | '\u{115f}'
        | '\u{1160}'
        | '\u{17b4}'
        | '\u{17b5}'
        | '\u{180b}'..='\u{180f}'
        | '\u{200b}'
        | '\u{200c}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{2060}'..='\u{206f}'
        | '\u{2800}'
        | '\u{3164}'
        | '\u{fe00}'..='\u{fe0d}'
        | '\u{feff}'
        | '\u{ffa0}'
        | '\u{fff0}'..='\u{fffb}'
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e0fff}' => Shown::Codepoint,
        _ => Shown::Keep,
    }
}

/// Characters an emoji ZWJ sequence or presentation selector may follow or precede: the
/// pictographic blocks, skin-tone modifiers, regional indicators and keycap bases.
fn is_emoji_part(c: char) -> bool {
    matches!(c,
        '\u{a9}' | '\u{ae}' | '\u{203c}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2194}'..='\u{21aa}'
        | '\u{2300}'..='\u{23ff}'
        | '\u{24c2}'
        | '\u{25aa}'..='\u{27bf}'
        | '\u{2934}' | '\u{2935}'
        | '\u{2b00}'..='\u{2bff}'
        | '\u{3030}' | '\u{303d}' | '\u{3297}' | '\u{3299}'
        | '\u{1f000}'..='\u{1faff}'
        | '0'..='9' | '#' | '*'
    )
}

fn needs_work(s: &str) -> bool {
    s.chars().any(|c| !matches!(classify(c), Shown::Keep))
}

/// Pushes what `c` becomes, given the character shown as it is just before it (`None` when
/// what came before was shown otherwise) and the one after it in the input. True when `c`
/// itself was kept as it is.
fn push_shown(out: &mut String, prev: Option<char>, c: char, next: Option<char>) -> bool {
    match classify(c) {
        Shown::Keep => out.push(c),
        Shown::Picture(p) => {
            out.push(p);
            return false;
        }
        Shown::EmojiJoiner if joins_emoji(prev, c, next) => out.push(c),
        Shown::Codepoint | Shown::EmojiJoiner => {
            out.push_str(&format!("<U+{:04X}>", c as u32));
            return false;
        }
    }
    true
}

/// A ZWJ between two emoji (the one before may carry its own selector), or a presentation
/// selector right after an emoji: the sequences emoji are written with.
fn joins_emoji(prev: Option<char>, c: char, next: Option<char>) -> bool {
    let after_emoji = prev.is_some_and(|p| is_emoji_part(p) || p == '\u{fe0f}');
    match c {
        '\u{200d}' => after_emoji && next.is_some_and(is_emoji_part),
        _ => prev.is_some_and(is_emoji_part),
    }
}

/// Sanitises the characters of `s` one by one into `out`, each seeing its neighbours as they
/// are in the input; `own` lets the caller handle some characters itself (line breaks,
/// tabs) into something else first, returning true for a character it handled.
fn push_all(out: &mut String, s: &str, mut own: impl FnMut(&mut String, char) -> bool) {
    let mut prev = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        // What a joiner sees before it is what the output shows there, so that sanitising
        // the output again decides the same way.
        prev = if own(out, c) {
            out.chars().next_back()
        } else if push_shown(out, prev, c, chars.peek().copied()) {
            Some(c)
        } else {
            None
        };
    }
}

/// One line of text (a subject, a name, a file name, a folder name): line breaks and tabs
/// become spaces, everything else as described in the module docs.
pub fn line(s: &str) -> Cow<'_, str> {
    if !needs_work(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    push_all(&mut out, s, |out, c| {
        let breaks = matches!(c, '\t' | '\n' | '\r');
        if breaks {
            out.push(' ');
        }
        breaks
    });
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
            // Tabs stop at columns of the text shown so far.
            let mut measured = 0usize;
            let mut column = 0usize;
            push_all(&mut out, raw, |out, c| {
                if c != '\t' {
                    return false;
                }
                column += out
                    .get(measured..)
                    .map_or(0, unicode_width::UnicodeWidthStr::width);
                let pad = TAB_WIDTH - column % TAB_WIDTH;
                out.extend(std::iter::repeat_n(' ', pad));
                column += pad;
                measured = out.len();
                true
            });
            out
        })
        .collect()
}

/// JSON text for a terminal or a pipe: every character the sanitiser would not show as it is
/// (C1 controls, DEL, bidi controls, invisible characters) written as a `\uXXXX` escape.
/// serde_json escapes only U+0000 to U+001F; the value a JSON reader gets back is unchanged,
/// since these characters can only stand inside strings.
pub fn json_escaped(json: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c == '\u{7f}' || !matches!(classify(c), Shown::Keep);
    if !json.chars().any(unsafe_char) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if unsafe_char(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// True when `s` holds nothing that could act on a terminal (used by tests and debug checks).
pub fn is_clean(s: &str) -> bool {
    !s.contains(['\t', '\n', '\r']) && line(s) == s
}

/// One line of text that has been through [`line`]. Only the sanitiser makes one (parse,
/// don't validate), so a `Clean` is safe to put on a terminal as it is: the reader's state keeps
/// text from mail and servers in this type, and the views print it without sanitising again.
///
/// It may hold decrypted text (a sealed message's view), so it can be wiped (`Zeroize`).
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, zeroize::Zeroize)]
pub struct Clean(String);

impl Clean {
    /// `s` made safe, as [`line`] does.
    pub fn line(s: &str) -> Clean {
        Clean(line(s).into_owned())
    }

    /// A block of text made safe, one `Clean` per line, as [`text`] does.
    pub fn text(s: &str) -> Vec<Clean> {
        text(s).into_iter().map(Clean).collect()
    }

    /// `parts` joined with `separator`, made safe.
    pub fn join(parts: &[impl AsRef<str>], separator: &str) -> Clean {
        let joined: Vec<&str> = parts.iter().map(AsRef::as_ref).collect();
        Clean::line(&joined.join(separator))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Clean {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Clean {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Clean {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Clean {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Clean {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0.as_str(), f)
    }
}

impl PartialEq<str> for Clean {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Clean {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Clean {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl From<Clean> for String {
    fn from(clean: Clean) -> String {
        clean.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_made_only_by_the_sanitiser() {
        let clean = Clean::line("a\u{1b}[31mred\tb");
        assert_eq!(clean, "a␛[31mred b");
        assert!(is_clean(&clean));
        assert_eq!(
            Clean::line(&clean),
            clean,
            "sanitising twice changes nothing"
        );
        let joined = Clean::join(&["x\u{202e}", "y"], ", ");
        assert!(is_clean(&joined) && joined.starts_with('x'), "{joined:?}");
    }

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
    fn invisible_fillers_are_visible() {
        for c in [
            '\u{115f}',
            '\u{1160}',
            '\u{3164}',
            '\u{ffa0}',
            '\u{ad}',
            '\u{34f}',
            '\u{180e}',
            '\u{fe00}',
            '\u{fe0f}',
            '\u{e0100}',
            '\u{e01ef}',
            '\u{2800}',
            '\u{200d}',
            '\u{17b4}',
            '\u{2065}',
            '\u{1d173}',
            '\u{1bca0}',
            '\u{e0001}',
        ] {
            let hostile = format!("pay{c}pal");
            let shown = line(&hostile);
            assert_eq!(shown, format!("pay<U+{:04X}>pal", c as u32), "{c:?}");
            assert_eq!(text(&hostile), vec![shown.to_string()]);
        }
        // Alone at the start or the end of a string, too.
        assert_eq!(line("\u{3164}"), "<U+3164>");
        assert_eq!(line("a\u{fe0f}"), "a<U+FE0F>");
    }

    #[test]
    fn emoji_sequences_stay_readable() {
        for emoji in [
            "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}",
            "\u{1f3f3}\u{fe0f}\u{200d}\u{1f308}",
            "\u{2764}\u{fe0f}",
            "1\u{fe0f}\u{20e3}",
            "\u{1f469}\u{1f3fd}\u{200d}\u{1f4bb}",
        ] {
            let framed = format!("hi {emoji}!");
            assert_eq!(line(&framed), framed, "{emoji:?}");
            assert!(is_clean(&framed));
        }
        // A joiner that joins no emoji is shown.
        assert_eq!(line("\u{1f468}\u{200d}x"), "\u{1f468}<U+200D>x");
        // A joiner after a selector that was itself shown as a code point is shown too, so
        // that sanitising again changes nothing (found by the sanitize fuzz target).
        let shown = line("a\u{fe0f}\u{200d}\u{1f514}");
        assert_eq!(shown, "a<U+FE0F><U+200D>\u{1f514}");
        assert_eq!(line(&shown), shown);
    }

    #[test]
    fn sanitising_is_idempotent() {
        let hostile = "a\u{200d}\u{1f468}\u{200d}\u{1f469} \u{202e}x\x1b[0m\u{9b}\u{3164}\t|";
        let once = line(hostile).into_owned();
        assert_eq!(line(&once), once);
        let lines = text(hostile);
        assert_eq!(text(&lines.join("\n")), lines);
    }

    #[test]
    fn json_output_escapes_what_serde_leaves() {
        let value = "a\u{9b}31m\u{9d}0;x\u{9c}\u{202e}\u{7f}\u{e0041}\u{3164}é";
        let json = serde_json::to_string(&value).unwrap();
        let escaped = json_escaped(&json);
        assert!(
            escaped.chars().all(|c| c == 'é' || c.is_ascii_graphic()),
            "{escaped}"
        );
        assert_eq!(serde_json::from_str::<String>(&escaped).unwrap(), value);
        assert!(matches!(json_escaped("{\"a\":\"é\"}"), Cow::Borrowed(_)));
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
