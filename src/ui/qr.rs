//! Draws a QR code as lines of text with half-block characters (two modules per character
//! cell, top and bottom), with a quiet zone, so a phone can scan a link off a terminal. Pure:
//! no terminal, no I/O.

use qrcode::{Color, EcLevel, QrCode};

/// Which modules are drawn with the foreground colour ("ink").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ink {
    /// Light modules and the quiet zone are drawn: right for the usual light-on-dark terminal,
    /// where the drawn blocks are light and the background is dark.
    Light,
    /// Dark modules are drawn: for dark-on-light terminals.
    Dark,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QrStyle {
    /// Modules of blank margin on each side. The standard asks for 4; 2 is enough for phone
    /// scanners when the zone is drawn, and keeps codes small on an 80x24 screen.
    pub quiet_zone: usize,
    pub ink: Ink,
}

impl Default for QrStyle {
    fn default() -> Self {
        QrStyle {
            quiet_zone: 2,
            ink: Ink::Light,
        }
    }
}

/// The data does not fit in a QR code.
#[derive(Debug, thiserror::Error)]
#[error("this link is too long for a QR code: {0}")]
pub struct QrTooLong(qrcode::types::QrError);

/// The code's module matrix, row by row: `true` for a dark module. Also its side.
pub fn modules(data: &str) -> Result<(usize, Vec<bool>), QrTooLong> {
    // Low error correction keeps the code small; a terminal has no smudges to recover from.
    let code =
        QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L).map_err(QrTooLong)?;
    let width = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Ok((width, dark))
}

/// The lines of text that draw `data` as a QR code. Every line has the same number of
/// characters: the code's side plus twice the quiet zone.
pub fn qr_lines(data: &str, style: QrStyle) -> Result<Vec<String>, QrTooLong> {
    let (width, dark) = modules(data)?;
    let q = style.quiet_zone;
    let side = width + 2 * q;
    // Whether the module at (x, y) of the drawing (quiet zone included) is drawn with ink.
    // Beyond the bottom edge counts as quiet zone.
    let ink = |x: usize, y: usize| -> bool {
        let is_dark = if x < q || y < q || x >= q + width || y >= q + width {
            false
        } else {
            dark[(y - q) * width + (x - q)]
        };
        match style.ink {
            Ink::Light => !is_dark,
            Ink::Dark => is_dark,
        }
    };
    let mut lines = Vec::with_capacity(side.div_ceil(2));
    for pair in 0..side.div_ceil(2) {
        let top_y = pair * 2;
        let line: String = (0..side)
            .map(|x| {
                let top = ink(x, top_y);
                let bottom = ink(x, top_y + 1);
                match (top, bottom) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                }
            })
            .collect();
        lines.push(line);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://outlook.office365.com/Encryption/retrieve.ashx?recipientemailaddress=alice@example.net&InternetMessageID=f5ebffdcf08eb0a7%40FABRIKAM.PROD.OUTLOOK.COM";

    /// Reads the drawing back into a matrix of inked modules (side x side).
    fn read_back(lines: &[String], side: usize) -> Vec<bool> {
        let mut m = vec![false; side * side];
        for (row, line) in lines.iter().enumerate() {
            for (x, c) in line.chars().enumerate() {
                let (top, bottom) = match c {
                    '█' => (true, true),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    ' ' => (false, false),
                    other => panic!("unexpected character {other:?}"),
                };
                m[row * 2 * side + x] = top;
                if row * 2 + 1 < side {
                    m[(row * 2 + 1) * side + x] = bottom;
                }
            }
        }
        m
    }

    #[test]
    fn dimensions_follow_the_code_and_quiet_zone() {
        let (width, _) = modules(URL).expect("fits");
        for quiet in [0, 2, 4] {
            let style = QrStyle {
                quiet_zone: quiet,
                ink: Ink::Light,
            };
            let lines = qr_lines(URL, style).expect("fits");
            let side = width + 2 * quiet;
            assert_eq!(lines.len(), side.div_ceil(2));
            assert!(lines.iter().all(|l| l.chars().count() == side));
        }
    }

    #[test]
    fn quiet_zone_is_blank_on_every_side() {
        let (width, _) = modules(URL).expect("fits");
        let q = 4;
        let side = width + 2 * q;
        for (ink, blank) in [(Ink::Light, true), (Ink::Dark, false)] {
            let lines = qr_lines(URL, QrStyle { quiet_zone: q, ink }).expect("fits");
            let m = read_back(&lines, side);
            for y in 0..side {
                for x in 0..side {
                    let in_zone = x < q || y < q || x >= q + width || y >= q + width;
                    if in_zone {
                        assert_eq!(m[y * side + x], blank, "quiet zone at ({x},{y})");
                    }
                }
            }
        }
    }

    #[test]
    fn drawing_matches_the_module_matrix() {
        let (width, dark) = modules(URL).expect("fits");
        let q = 2;
        let side = width + 2 * q;
        for ink in [Ink::Light, Ink::Dark] {
            let lines = qr_lines(URL, QrStyle { quiet_zone: q, ink }).expect("fits");
            let m = read_back(&lines, side);
            for y in 0..width {
                for x in 0..width {
                    let drawn = m[(y + q) * side + (x + q)];
                    let expected = match ink {
                        Ink::Light => !dark[y * width + x],
                        Ink::Dark => dark[y * width + x],
                    };
                    assert_eq!(drawn, expected, "module ({x},{y})");
                }
            }
        }
    }

    #[test]
    fn finder_patterns_sit_in_three_corners() {
        let (width, dark) = modules("https://a.example/").expect("fits");
        let at = |x: usize, y: usize| dark[y * width + x];
        for (ox, oy) in [(0, 0), (width - 7, 0), (0, width - 7)] {
            // The 7x7 finder: dark ring, light ring, dark 3x3 centre.
            assert!(at(ox, oy) && at(ox + 6, oy + 6) && at(ox + 3, oy + 3));
            assert!(!at(ox + 1, oy + 1) && !at(ox + 5, oy + 5));
        }
    }

    /// Paints the lines as a terminal would (each cell one module wide, two tall; `scale` pixels
    /// a module) with a margin of terminal background around, and scans the picture.
    fn scan_screen(lines: &[String], ink: Ink, scale: usize) -> Vec<String> {
        let margin = 3 * scale;
        let cols = lines.first().map_or(0, |l| l.chars().count());
        let cells: Vec<Vec<char>> = lines.iter().map(|l| l.chars().collect()).collect();
        let (w, h) = (
            cols * scale + 2 * margin,
            lines.len() * 2 * scale + 2 * margin,
        );
        // Dark terminal: ink is light, background dark. Light terminal: the reverse.
        let ink_is_black = ink == Ink::Dark;
        let mut img = rqrr::PreparedImage::prepare_from_bitmap(w, h, |x, y| {
            let inked = (|| {
                let (x, y) = (x.checked_sub(margin)?, y.checked_sub(margin)?);
                let c = *cells.get(y / (2 * scale))?.get(x / scale)?;
                let top_half = (y % (2 * scale)) < scale;
                Some(match c {
                    '█' => true,
                    '▀' => top_half,
                    '▄' => !top_half,
                    _ => false,
                })
            })()
            .unwrap_or(false);
            inked == ink_is_black
        });
        img.detect_grids()
            .iter()
            .filter_map(|g| g.decode().ok().map(|(_, text)| text))
            .collect()
    }

    #[test]
    fn a_scanner_reads_the_url_back_off_the_screen() {
        for ink in [Ink::Light, Ink::Dark] {
            for url in [URL, "https://p.example/device?user_code=WDJB-MJHT"] {
                let lines = qr_lines(url, QrStyle { quiet_zone: 2, ink }).expect("fits");
                assert_eq!(scan_screen(&lines, ink, 4), vec![url.to_owned()], "{ink:?}");
            }
        }
    }

    #[test]
    fn too_long_data_is_an_error_not_a_panic() {
        let long = "x".repeat(8000);
        assert!(qr_lines(&long, QrStyle::default()).is_err());
    }
}
