//! Wrapping text to a width in terminal cells: model geometry (how many lines a text takes at
//! a width, for scrolling in `update`) and the views share it. No ratatui here.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Wraps one line of text to `width` cells, breaking at spaces where it can.
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    if line.width() <= width {
        return vec![line.to_owned()];
    }
    let mut out = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    let mut last_space: Option<(usize, usize)> = None; // (byte index in current, width up to it)
    for c in line.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            match last_space {
                Some((byte, upto)) if upto > 0 => {
                    let rest = current.split_off(byte + 1);
                    current.pop();
                    out.push(std::mem::replace(&mut current, rest));
                    used = current.width();
                }
                _ => {
                    out.push(std::mem::take(&mut current));
                    used = 0;
                }
            }
            last_space = None;
        }
        if c == ' ' {
            last_space = Some((current.len(), used));
        }
        current.push(c);
        used += w;
    }
    out.push(current);
    out
}
