//! A rendered screen as text with ANSI colours, for testers who want to see styles too.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

fn color_code(color: Color, foreground: bool) -> Option<String> {
    let base = if foreground { 30 } else { 40 };
    let code = match color {
        Color::Reset => return None,
        Color::Black => base,
        Color::Red => base + 1,
        Color::Green => base + 2,
        Color::Yellow => base + 3,
        Color::Blue => base + 4,
        Color::Magenta => base + 5,
        Color::Cyan => base + 6,
        Color::Gray => base + 7,
        Color::DarkGray => base + 60,
        Color::LightRed => base + 61,
        Color::LightGreen => base + 62,
        Color::LightYellow => base + 63,
        Color::LightBlue => base + 64,
        Color::LightMagenta => base + 65,
        Color::LightCyan => base + 66,
        Color::White => base + 67,
        Color::Indexed(i) => return Some(format!("{};5;{i}", base + 8)),
        Color::Rgb(r, g, b) => return Some(format!("{};2;{r};{g};{b}", base + 8)),
    };
    Some(code.to_string())
}

fn sgr(style: Style) -> String {
    let mut codes = vec!["0".to_owned()];
    let m = style.add_modifier;
    for (flag, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::REVERSED, "7"),
        (Modifier::CROSSED_OUT, "9"),
    ] {
        if m.contains(flag) {
            codes.push(code.to_owned());
        }
    }
    codes.extend(style.fg.and_then(|c| color_code(c, true)));
    codes.extend(style.bg.and_then(|c| color_code(c, false)));
    format!("\x1b[{}m", codes.join(";"))
}

/// The buffer with SGR sequences; every line ends with a reset.
pub fn buffer_ansi(buffer: &Buffer) -> String {
    let width = buffer.area.width as usize;
    let mut out = String::new();
    for cells in buffer.content.chunks(width.max(1)) {
        let mut current: Option<Style> = None;
        let mut skip = 0u16;
        for cell in cells {
            if skip == 0 {
                let style = cell.style();
                if current != Some(style) {
                    out.push_str(&sgr(style));
                    current = Some(style);
                }
                out.push_str(cell.symbol());
            }
            skip = skip
                .max(unicode_width::UnicodeWidthStr::width(cell.symbol()) as u16)
                .saturating_sub(1);
        }
        out.push_str("\x1b[0m\n");
    }
    out
}
