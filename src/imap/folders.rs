//! The folder list: LIST, with names decoded from modified UTF-7 (RFC 3501 §5.1.3) for
//! display and sanitised, placed in the tree by the server's namespaces and each name's
//! hierarchy delimiter, special-use attributes (RFC 6154) read in any case.

use futures::TryStreamExt;

use super::connect::Session;
use super::errors::{imap_error, refused};
use super::namespace::Namespaces;
use crate::error::Error;
use crate::mail::{Folder, Section, SpecialUse, folder_tree};
use crate::sanitize::Clean;
use async_imap::types::NameAttribute;

/// Lists every folder, in the order of the folder tree (the app adds its headings).
pub async fn list(session: &mut Session, namespaces: &Namespaces) -> Result<Vec<Folder>, Error> {
    let names: Vec<_> = session
        .list(Some(""), Some("*"))
        .await
        .map_err(|e| imap_error("list folders", e))?
        .try_collect()
        .await
        .map_err(|e| imap_error("list folders", e))?;
    // A refused LIST is no empty account.
    refused(session.get_mut(), "list folders")?;
    let folders = names
        .iter()
        .map(|n| {
            let attributes: Vec<Attribute> = n.attributes().iter().map(attribute).collect();
            folder(n.name(), n.delimiter(), &attributes, namespaces)
        })
        .collect();
    Ok(folder_tree::order(folders))
}

/// What the tree needs of one LIST attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attribute {
    NoSelect,
    Special(SpecialUse),
    Other,
}

fn attribute(a: &NameAttribute<'_>) -> Attribute {
    match a {
        NameAttribute::NoSelect => Attribute::NoSelect,
        NameAttribute::Sent => Attribute::Special(SpecialUse::Sent),
        NameAttribute::Drafts => Attribute::Special(SpecialUse::Drafts),
        NameAttribute::Trash => Attribute::Special(SpecialUse::Trash),
        NameAttribute::Junk => Attribute::Special(SpecialUse::Junk),
        NameAttribute::Archive => Attribute::Special(SpecialUse::Archive),
        NameAttribute::Extension(name) if name.eq_ignore_ascii_case("\\NonExistent") => {
            Attribute::NoSelect
        }
        NameAttribute::Extension(name) => {
            SpecialUse::from_attribute(name).map_or(Attribute::Other, Attribute::Special)
        }
        _ => Attribute::Other,
    }
}

/// One LIST entry as a folder of the tree (the root of a namespace has an empty path).
pub fn folder(
    name: &str,
    delimiter: Option<&str>,
    attributes: &[Attribute],
    namespaces: &Namespaces,
) -> Folder {
    let selectable = !attributes.contains(&Attribute::NoSelect);
    let display = Clean::line(&decode_mutf7(name));
    if name.eq_ignore_ascii_case("INBOX") {
        return Folder {
            name: name.to_owned(),
            display,
            selectable,
            path: vec![Clean::line("INBOX")],
            special: Some(SpecialUse::Inbox),
            ..Folder::default()
        };
    }
    let namespace = namespaces.of(name);
    let section = namespace.map_or(Section::Personal, |ns| ns.section);
    let below = namespace
        .and_then(|ns| name.strip_prefix(ns.prefix.as_str()))
        .unwrap_or(name);
    let delimiter = delimiter
        .and_then(|d| d.chars().next())
        .or_else(|| namespace.and_then(|ns| ns.delimiter));
    let path: Vec<Clean> =
        if below.is_empty() || namespace.is_some_and(|ns| name.len() < ns.prefix.len()) {
            Vec::new()
        } else {
            match delimiter {
                Some(d) => below.split(d).map(shown).collect(),
                None => vec![shown(below)],
            }
        };
    let special = attributes.iter().find_map(|a| match a {
        Attribute::Special(s) => Some(*s),
        _ => None,
    });
    Folder {
        name: name.to_owned(),
        display,
        selectable,
        section,
        path,
        special,
        ..Folder::default()
    }
}

fn shown(part: &str) -> Clean {
    Clean::line(&decode_mutf7(part))
}

/// Decodes IMAP's modified UTF-7. Anything malformed is kept as it was sent.
pub fn decode_mutf7(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some((head, after)) = rest.split_once('&') {
        out.push_str(head);
        let Some((encoded, tail)) = after.split_once('-') else {
            out.push('&');
            out.push_str(after);
            return out;
        };
        if encoded.is_empty() {
            out.push('&');
        } else {
            match decode_utf16_b64(encoded) {
                Some(text) => out.push_str(&text),
                None => {
                    out.push('&');
                    out.push_str(encoded);
                    out.push('-');
                }
            }
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

fn decode_utf16_b64(encoded: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut bytes = Vec::with_capacity(encoded.len());
    for c in encoded.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b',' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            bytes.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    let (pairs, odd) = bytes.as_chunks::<2>();
    if !odd.is_empty() {
        return None;
    }
    let units: Vec<u16> = pairs.iter().map(|p| u16::from_be_bytes(*p)).collect();
    String::from_utf16(&units).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf7_names_decode() {
        assert_eq!(decode_mutf7("INBOX"), "INBOX");
        assert_eq!(decode_mutf7("Entw&APw-rfe"), "Entwürfe");
        assert_eq!(decode_mutf7("&ZeVnLIqe-"), "日本語");
        assert_eq!(decode_mutf7("Tom &- Jerry"), "Tom & Jerry");
        assert_eq!(decode_mutf7("Ol&AOk-/Sub"), "Olé/Sub");
        // Malformed input is shown as sent, never dropped.
        assert_eq!(decode_mutf7("bad&!!-x"), "bad&!!-x");
        assert_eq!(decode_mutf7("open&AOk"), "open&AOk");
    }

    fn names(list: &[(&str, &[Attribute])], namespaces: &Namespaces) -> Vec<String> {
        let folders = list
            .iter()
            .map(|(n, a)| folder(n, Some("."), a, namespaces))
            .collect();
        folder_tree::arrange(folders)
            .iter()
            .map(|f| format!("{}{}", "  ".repeat(f.depth), f.label))
            .collect()
    }

    #[test]
    fn debian_style_cyrus_names_become_a_tree() {
        use super::super::namespace::Namespace;
        let ns = Namespaces(vec![
            Namespace {
                section: Section::Personal,
                prefix: "INBOX.".into(),
                delimiter: Some('.'),
            },
            Namespace {
                section: Section::OtherUsers,
                prefix: "user.".into(),
                delimiter: Some('.'),
            },
        ]);
        let sent = [Attribute::Special(SpecialUse::Sent)];
        let list: &[(&str, &[Attribute])] = &[
            ("INBOX", &[]),
            ("INBOX.Archive.2024", &[]),
            ("INBOX.Archive", &[]),
            ("INBOX.Sent", &sent),
            ("INBOX.Entw&APw-rfe", &[]),
            ("user", &[Attribute::NoSelect]),
            ("user.bob", &[Attribute::NoSelect]),
            ("user.bob.Lists", &[]),
            ("INBOX.bad\x1b[2J", &[]),
        ];
        assert_eq!(
            names(list, &ns),
            [
                "INBOX",
                "Sent",
                "Archive",
                "  2024",
                "bad\u{241b}[2J",
                "Entwürfe",
                "Other users",
                "bob",
                "  Lists",
            ]
        );
    }

    #[test]
    fn special_use_attributes_are_read_in_any_case() {
        let a = attribute(&NameAttribute::Extension("\\sent".into()));
        assert_eq!(a, Attribute::Special(SpecialUse::Sent));
        let a = attribute(&NameAttribute::Extension("\\NONEXISTENT".into()));
        assert_eq!(a, Attribute::NoSelect);
        let a = attribute(&NameAttribute::Extension("\\HasChildren".into()));
        assert_eq!(a, Attribute::Other);
    }
}
