//! What the three Microsoft rules share: Microsoft's domains, pages and portals, the
//! rights-managed attachment, and the forms and links that imitate the portal.

use super::*;

/// Microsoft's own domains for Message Encryption portals.
pub const MICROSOFT: &[&str] = &[
    "office365.com",
    "outlook.com",
    "office.com",
    "microsoft.com",
];
/// The same, in the order legacy messages name them (the form posts to outlook.com).
pub const MICROSOFT_LEGACY: &[&str] = &[
    "outlook.com",
    "office365.com",
    "office.com",
    "microsoft.com",
];
pub const MICROSOFT_TOKENS: &[&str] = &["office365", "microsoftonline", "outlook365"];
pub const RPMSG_TYPE: &str = "application/x-microsoft-rpmsg-message";
pub const RPMSG_MAGIC: [u8; 8] = [0x76, 0xE8, 0x04, 0x60, 0xC4, 0x11, 0xE3, 0x86];

/// Brand names of the three Microsoft rules.
pub const BRANDS: &[&str] = &["microsoft", "office 365", "microsoft 365", "outlook"];

/// Microsoft's help, privacy and product pages (what real Message Encryption wrappers carry).
pub const MICROSOFT_PAGES: &[HostMatch] = &[
    Exact("go.microsoft.com"),
    Exact("aka.ms"),
    Exact("privacy.microsoft.com"),
    Exact("support.microsoft.com"),
    Exact("learn.microsoft.com"),
    Exact("docs.microsoft.com"),
    Exact("www.microsoft.com"),
    Exact("support.office.com"),
];

pub const OME_PORTALS: &[Portal] = &[
    exact(
        "outlook.office365.com",
        PathMatch::Exact("/encryption/retrieve.ashx"),
    ),
    exact(
        "outlook.office.com",
        PathMatch::Exact("/encryption/retrieve.ashx"),
    ),
];

pub const OME_LEGACY_PORTALS: &[Portal] = &[
    exact("outlook.com", PathMatch::Exact("/encryption/store.ashx")),
    exact(
        "outlook.office365.com",
        PathMatch::Exact("/encryption/store.ashx"),
    ),
    exact(
        "outlook.office.com",
        PathMatch::Exact("/encryption/store.ashx"),
    ),
];

pub fn store_form(link: &Link) -> bool {
    link.kind == LinkKind::Form && path_is(link, "/encryption/store.ashx")
}

/// The portal's path or its message-id parameter on a host that is not the portal: an
/// imitation (never a sign of the portal itself: see `hosts`).
pub fn ome_imitation(link: &Link) -> bool {
    path_is(link, "/encryption/retrieve.ashx") || link.query().contains("internetmessageid=")
}

pub fn is_rpmsg_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".rpmsg") else {
        return false;
    };
    stem == "message"
        || stem
            .strip_prefix("message_v")
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// What a file plainly is by its first bytes, when that is something other than an rpmsg.
pub fn other_file_kind(head: &[u8]) -> Option<&'static str> {
    const KINDS: &[(&[u8], &str)] = &[
        (b"MZ", "a Windows program"),
        (b"\x7fELF", "a program"),
        (b"PK\x03\x04", "a zip archive"),
        (b"%PDF", "a PDF document"),
        (b"#!", "a script"),
        (b"{\\rtf", "an RTF document"),
        (b"\xd0\xcf\x11\xe0", "an Office document"),
    ];
    let trimmed = head.trim_ascii_start();
    if trimmed.first() == Some(&b'<') {
        return Some("a web page");
    }
    KINDS
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, kind)| *kind)
}

pub fn rpmsg_parts(facts: &Facts) -> Vec<&Part> {
    facts
        .parts
        .iter()
        .filter(|p| p.mime == RPMSG_TYPE || is_rpmsg_name(&p.name_lower()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_file_kinds() {
        assert_eq!(other_file_kind(b"MZ\x90\x00"), Some("a Windows program"));
        assert_eq!(other_file_kind(b"  <html>"), Some("a web page"));
        assert_eq!(other_file_kind(&RPMSG_MAGIC), None);
        assert_eq!(other_file_kind(b"\x01\x02random"), None);
    }

    #[test]
    fn rpmsg_names() {
        assert!(is_rpmsg_name("message.rpmsg"));
        assert!(is_rpmsg_name("message_v4.rpmsg"));
        assert!(!is_rpmsg_name("message_vx.rpmsg"));
        assert!(!is_rpmsg_name("rpmsg.txt"));
    }
}
