//! The metrics panel: where time goes in IMAP, drawing and the portal flow. A band of a few
//! lines at 80x24; a column with sparklines and more detail when the screen is wide.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::text::fit;
use super::theme::Theme;
use crate::metrics::{Figures, LatencyFigures};

/// 850µs, 1.2ms, 34ms, 1.20s
pub fn duration(d: Duration) -> String {
    let us = d.as_micros();
    match us {
        0..=999 => format!("{us}µs"),
        1_000..=9_999 => format!("{:.1}ms", us as f64 / 1000.0),
        10_000..=999_999 => format!("{}ms", us / 1000),
        _ => format!("{:.2}s", d.as_secs_f64()),
    }
}

/// 512 B, 3.4 kB, 57.0 MB
pub fn bytes(n: u64) -> String {
    match n {
        0..=999 => format!("{n} B"),
        1_000..=999_999 => format!("{:.1} kB", n as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.2} GB", n as f64 / 1e9),
    }
}

/// The newest `width` values as block characters scaled to their maximum.
pub fn sparkline(values: &[u64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let tail = &values[values.len().saturating_sub(width)..];
    let max = tail.iter().copied().max().unwrap_or(0);
    tail.iter()
        .map(|v| match (*v, max) {
            (0, _) | (_, 0) => ' ',
            (v, max) => BARS[((v * 7).div_ceil(max)).min(7) as usize],
        })
        .collect()
}

fn percentiles(l: &LatencyFigures, with_p95: bool) -> String {
    if l.count == 0 {
        return "–".into();
    }
    if with_p95 {
        format!(
            "p50 {} p95 {} p99 {}",
            duration(l.p50),
            duration(l.p95),
            duration(l.p99)
        )
    } else {
        format!("p50 {} p99 {}", duration(l.p50), duration(l.p99))
    }
}

fn uptime(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

fn portal_lines(f: &Figures) -> [String; 3] {
    let seen: u64 = f.portal_seen.iter().map(|(_, n)| n).sum();
    let vendors: Vec<String> = f
        .portal_seen
        .iter()
        .map(|(v, n)| format!("{v} {n}"))
        .collect();
    let sign_ins: Vec<String> = f
        .sign_ins
        .iter()
        .map(|(m, o, n)| format!("{m} {o} {n}"))
        .collect();
    let first = format!(
        "seen {seen}{}  opened {}  sign-ins {}",
        if vendors.is_empty() {
            String::new()
        } else {
            format!(" ({})", vendors.join(", "))
        },
        f.sealed_opened,
        if sign_ins.is_empty() {
            "0".into()
        } else {
            sign_ins.join(", ")
        },
    );
    let rate = f
        .decrypt_rate
        .map(|r| format!(" {}/s", bytes(r as u64)))
        .unwrap_or_default();
    let decrypt = if f.decrypt.count == 0 {
        "–".into()
    } else {
        format!("p50 {}{rate}", duration(f.decrypt.p50))
    };
    let second = format!(
        "key release {}  decrypt {decrypt}",
        percentiles(&f.key_release, false)
    );
    let errors: Vec<String> = f.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let third = format!(
        "errors {}",
        if errors.is_empty() {
            "0".into()
        } else {
            errors.join(", ")
        }
    );
    [first, second, third]
}

/// The panel's lines at a given inner width; `wide` adds sparklines on their own lines.
pub fn lines(f: &Figures, width: usize, wide: bool, theme: Theme) -> Vec<Line<'static>> {
    let label = |s: &str| Span::styled(format!("{s:<8}"), theme.label());
    let mut out = Vec::new();
    let connect = f
        .imap_connect
        .map(|d| format!("  connect {}", duration(d)))
        .unwrap_or_default();
    let live = if f.imap_live.is_empty() {
        String::new()
    } else {
        format!(" · {}", f.imap_live)
    };
    out.push(Line::from(vec![
        label("IMAP"),
        Span::raw(format!(
            "{}{live}{connect}  reconnects {}",
            f.imap_state, f.imap_reconnects
        )),
    ]));
    let spark_w = if wide { width.saturating_sub(9) } else { 12 };
    let rtt = format!("rtt {}", percentiles(&f.imap_rtt, true));
    if wide {
        out.push(Line::from(vec![label(""), Span::raw(rtt)]));
        out.push(Line::from(vec![
            label(""),
            Span::styled(sparkline(&f.imap_rtt_series, spark_w), theme.link()),
        ]));
    } else {
        out.push(Line::from(vec![
            label(""),
            Span::raw(format!("{rtt} ")),
            Span::styled(sparkline(&f.imap_rtt_series, spark_w), theme.link()),
        ]));
    }
    let fill = f
        .imap_fill_rate
        .map(|r| format!("  {:.0} env/s", r))
        .unwrap_or_default();
    out.push(Line::from(vec![
        label(""),
        Span::raw(format!(
            "{} envelopes  {}{fill}",
            f.imap_envelopes,
            bytes(f.imap_bytes)
        )),
    ]));
    let frame = format!("frame {}", percentiles(&f.frame, false));
    let key = format!(
        "key→frame p99 {}",
        if f.key_to_frame.count == 0 {
            "–".into()
        } else {
            duration(f.key_to_frame.p99)
        }
    );
    if wide {
        out.push(Line::from(vec![label("Screen"), Span::raw(frame)]));
        out.push(Line::from(vec![
            label(""),
            Span::styled(sparkline(&f.frame_series, spark_w), theme.link()),
        ]));
        out.push(Line::from(vec![
            label(""),
            Span::raw(format!("{key}  {} frames", f.frames)),
        ]));
    } else {
        out.push(Line::from(vec![
            label("Screen"),
            Span::raw(format!("{frame} ")),
            Span::styled(sparkline(&f.frame_series, 8), theme.link()),
            Span::raw(format!(" {key} {} frames", f.frames)),
        ]));
    }
    let [p1, p2, p3] = portal_lines(f);
    out.push(Line::from(vec![label("Portal"), Span::raw(p1)]));
    out.push(Line::from(vec![label(""), Span::raw(p2)]));
    out.push(Line::from(vec![label(""), Span::raw(p3)]));
    let rss = f.resident_bytes.map(bytes).unwrap_or_else(|| "?".into());
    out.push(Line::from(vec![
        label("Process"),
        Span::raw(format!("rss {rss}  uptime {}", uptime(f.uptime))),
    ]));
    if wide {
        // In a narrow column, long lines wrap instead of being cut.
        let mut wrapped = Vec::new();
        for line in out {
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            if unicode_width::UnicodeWidthStr::width(text.as_str()) <= width {
                wrapped.push(line);
            } else {
                for (i, part) in super::text::wrap(&text, width).into_iter().enumerate() {
                    wrapped.push(Line::raw(if i == 0 {
                        part
                    } else {
                        format!("{:8}{part}", "")
                    }));
                }
            }
        }
        wrapped
    } else {
        out.into_iter()
            .map(|line| {
                let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
                if unicode_width::UnicodeWidthStr::width(text.as_str()) <= width {
                    line
                } else {
                    Line::raw(fit(&text, width))
                }
            })
            .collect()
    }
}

pub fn render(frame: &mut Frame, area: Rect, figures: &Figures, theme: Theme) {
    let wide = area.height > 12;
    let block = Block::new()
        .borders(if wide { Borders::LEFT } else { Borders::TOP })
        .border_style(theme.dim())
        .title(Span::styled(" Metrics ", theme.header()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = lines(figures, inner.width as usize, wide, theme);
    frame.render_widget(Paragraph::new(lines), inner);
}
