//! The pane's advice for vendor portal mail: what the vendor's mail is and how to get in, its
//! link as text and as a QR code, and the warning for look-alikes whose links are not offered.

use ratatui::text::{Line, Span};

use super::hints;
use super::qr::{QrStyle, qr_lines};
use super::text::wrap;
use super::theme::Theme;
use crate::app::action::Action;
use crate::app::context::Context;
use crate::app::keymap::Keymap;
use crate::app::state::VendorPane;
use crate::detect::Verdict;
use crate::detect::advice::{SUSPICIOUS_WARNING, advice};
use crate::sanitize::Clean;

pub(super) fn para(
    out: &mut Vec<Line<'static>>,
    text: &str,
    width: usize,
    style: ratatui::style::Style,
) {
    for part in wrap(text, width) {
        out.push(Line::styled(part, style));
    }
}

pub(super) fn qr(out: &mut Vec<Line<'static>>, data: &str, theme: Theme) {
    if let Ok(lines) = qr_lines(data, QrStyle::default()) {
        out.extend(lines.into_iter().map(|l| Line::styled(l, theme.qr())));
    }
}

/// Lines shown above the message for mail that only its vendor's portal opens.
pub fn vendor_lines(
    vendor: &VendorPane,
    keys: &Keymap,
    width: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    let c = &vendor.classification;
    let keys = keys.within(Context::Message);
    let mut out = Vec::new();
    let known = c.vendor.and_then(advice);
    let name = match (known, c.vendor) {
        (Some(a), _) => a.name,
        (None, Some(vendor)) => vendor.as_str(),
        (None, None) => "unknown",
    };
    if c.verdict == Some(Verdict::Suspicious) {
        out.push(Line::styled(
            format!("⚠ WARNING: looks like {name} mail, but is not"),
            theme.error(),
        ));
        para(&mut out, SUSPICIOUS_WARNING, width, theme.warning());
        if let Some(reason) = &vendor.reason {
            para(&mut out, &format!("Why: {reason}"), width, theme.warning());
        }
        links_not_offered(
            &mut out,
            "Where its links really go:",
            &vendor.links,
            width,
            theme,
        );
        return out;
    }
    if c.verdict == Some(Verdict::Unverified) {
        out.push(Line::styled(
            format!("? {name}: {}", Verdict::Unverified.label()),
            theme.warning(),
        ));
        let domain = vendor
            .sender_domain
            .as_deref()
            .unwrap_or("the sender's domain");
        para(
            &mut out,
            &format!(
                "Its portal is on {}, the domain the From: line names, and nothing you trust \
                 vouches that this mail comes from there (From: can be forged). If you expect \
                 it, go to the organisation's portal the way you usually do.",
                domain
            ),
            width,
            theme.warning(),
        );
        links_not_offered(&mut out, "Its links go to:", &vendor.links, width, theme);
        return out;
    }
    out.push(Line::styled(
        format!("🔒 Encrypted-portal mail: {name}"),
        theme.header(),
    ));
    if let Some(a) = known {
        out.push(Line::from(vec![
            Span::styled("Getting in: ", theme.label()),
            Span::raw(a.how_in),
        ]));
        para(&mut out, a.tell, width, ratatui::style::Style::new());
        if a.attachment_opens {
            out.push(Line::styled(
                hints::line([
                    hints::fill(keys, Action::SaveAttachments, "{} saves the attachment"),
                    hints::fill(keys, Action::OpenAttachment, "{} opens it in its viewer"),
                ]),
                theme.dim(),
            ));
        }
    }
    let link = vendor
        .links
        .first()
        .filter(|_| known.is_none_or(|a| a.link_helps));
    if let Some(link) = link {
        out.push(Line::styled("Portal link:", theme.label()));
        for part in wrap(link, width.saturating_sub(2).max(10)) {
            out.push(Line::styled(format!("  {part}"), theme.link()));
        }
        out.push(Line::styled(
            hints::line([
                hints::fill(
                    keys,
                    Action::CopyLink,
                    "{} copies the link (works over SSH)",
                ),
                hints::fill(keys, Action::OpenLink, "{} opens it in $BROWSER"),
                Some("scan:".to_owned()),
            ]),
            theme.dim(),
        ));
        qr(&mut out, link, theme);
    }
    out.push(Line::raw(""));
    out
}

/// The links of a message whose links are not offered: where they go, as text only, and the
/// line that says no link is offered.
fn links_not_offered(
    out: &mut Vec<Line<'static>>,
    heading: &'static str,
    links: &[Clean],
    width: usize,
    theme: Theme,
) {
    if !links.is_empty() {
        out.push(Line::styled(heading, theme.label()));
        for link in links.iter().take(5) {
            for part in wrap(link, width.saturating_sub(2).max(10)) {
                out.push(Line::styled(format!("  {part}"), theme.dim()));
            }
        }
    }
    out.push(Line::styled(
        "No link is offered for this message.",
        theme.dim(),
    ));
    out.push(Line::raw(""));
}
