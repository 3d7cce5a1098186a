//! Fitting text into columns by display width (CJK and emoji take two cells).

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `s` cut to `width` cells (with `…` when cut) and padded with spaces to exactly `width`.
pub fn fit(s: &str, width: usize) -> String {
    let mut out = String::with_capacity(width + 4);
    let total = s.width();
    if total <= width {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', width - total));
        return out;
    }
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// `s` right-aligned in `width` cells.
pub fn fit_right(s: &str, width: usize) -> String {
    let w = s.width();
    if w >= width {
        fit(s, width)
    } else {
        format!("{}{}", " ".repeat(width - w), s)
    }
}

pub use crate::app::wrap::wrap;

/// A message size for the list: 512, 12K, 3.4M.
pub fn human_size(bytes: u32) -> String {
    match bytes {
        0..=999 => format!("{bytes}"),
        1000..=999_999 => format!("{}K", bytes.div_ceil(1000)),
        _ => format!("{:.1}M", bytes as f64 / 1_000_000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_counts_cells_not_bytes() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("日本語です", 5), "日本…");
        assert_eq!(fit("日本語です", 6), "日本… ");
        assert_eq!(fit_right("12K", 5), "  12K");
    }

    #[test]
    fn wrap_breaks_at_spaces() {
        assert_eq!(
            wrap("the quick brown fox", 10),
            vec!["the quick", "brown fox"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(human_size(12_345), "13K");
        assert_eq!(human_size(3_400_000), "3.4M");
    }
}
