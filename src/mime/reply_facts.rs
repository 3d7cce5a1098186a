//! What a reply to a message, or a forward of it, is built from: its `Message-ID`, the ids of
//! the thread, and its correspondents as clean name-address pairs. Ids that are not a plain
//! `<...>` and addresses that are not one `local@domain` are left out rather than carried on.

use mail_parser::{Address, HeaderValue, Message};
use zeroize::Zeroize;

use crate::sanitize::Clean;

/// One correspondent: a display name (maybe empty) and an address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Zeroize)]
pub struct Correspondent {
    pub name: Clean,
    pub address: Clean,
}

/// The facts of a message a reply or forward needs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Zeroize)]
pub struct ReplyFacts {
    /// `<id@host>`.
    pub message_id: Option<Clean>,
    /// The message's `References`, then its `In-Reply-To` when not among them, oldest first.
    pub references: Vec<Clean>,
    /// Its own `In-Reply-To` (a draft's, when it is resumed).
    pub in_reply_to: Option<Clean>,
    pub from: Vec<Correspondent>,
    pub reply_to: Vec<Correspondent>,
    pub to: Vec<Correspondent>,
    pub cc: Vec<Correspondent>,
    /// Only a message the user wrote (a draft, a sent copy) has one.
    pub bcc: Vec<Correspondent>,
    /// The addresses of its `Delivered-To` fields (which of the user's addresses it reached,
    /// for a reply's identity), plain addresses only.
    pub delivered_to: Vec<Clean>,
}

/// Longest thread kept in `References` (the oldest and the newest ids are kept).
const MAX_REFERENCES: usize = 40;

pub(super) fn of(message: &Message<'_>) -> ReplyFacts {
    let message_id = message.message_id().and_then(id);
    let mut references: Vec<Clean> = ids(message.references());
    let parents = ids(message.in_reply_to());
    let in_reply_to = parents.first().cloned();
    for parent in parents {
        if !references.contains(&parent) {
            references.push(parent);
        }
    }
    if references.len() > MAX_REFERENCES {
        let keep_newest = MAX_REFERENCES - 1;
        let newest = references.split_off(references.len() - keep_newest);
        references.truncate(1);
        references.extend(newest);
    }
    ReplyFacts {
        message_id,
        references,
        in_reply_to,
        bcc: people(message.bcc()),
        from: people(message.from()),
        reply_to: people(message.reply_to()),
        to: people(message.to()),
        cc: people(message.cc()),
        delivered_to: delivered_to(message),
    }
}

/// Every `Delivered-To` address, as the delivery agents added them (newest first).
fn delivered_to(message: &Message<'_>) -> Vec<Clean> {
    let mut out = Vec::new();
    for value in message.header_values(mail_parser::HeaderName::DeliveredTo) {
        let found: Vec<Clean> = match value {
            HeaderValue::Text(text) => plain_address(text).into_iter().collect(),
            HeaderValue::TextList(many) => many.iter().filter_map(|t| plain_address(t)).collect(),
            HeaderValue::Address(address) => people(Some(address))
                .into_iter()
                .map(|p| p.address)
                .collect(),
            _ => Vec::new(),
        };
        out.extend(found);
        if out.len() >= 16 {
            break;
        }
    }
    out
}

/// One `local@domain` (angle brackets allowed), or nothing.
fn plain_address(text: &str) -> Option<Clean> {
    let email = text
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    let (local, domain) = email.rsplit_once('@')?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.len() <= 254
            && s.chars()
                .all(|c| !c.is_control() && !c.is_whitespace() && !"<>\",;@".contains(c))
    };
    (plain(local) && plain(domain)).then(|| Clean::line(email))
}

fn ids(value: &HeaderValue<'_>) -> Vec<Clean> {
    match value {
        HeaderValue::Text(one) => id(one).into_iter().collect(),
        HeaderValue::TextList(many) => many.iter().filter_map(|one| id(one)).collect(),
        _ => Vec::new(),
    }
}

/// `<inner>` for an id made of visible ASCII without brackets or spaces.
fn id(inner: &str) -> Option<Clean> {
    let inner = inner.trim().trim_start_matches('<').trim_end_matches('>');
    let fits = !inner.is_empty()
        && inner.len() <= 250
        && inner
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'"' | b'\\'));
    fits.then(|| Clean::line(&format!("<{inner}>")))
}

fn people(address: Option<&Address<'_>>) -> Vec<Correspondent> {
    let Some(address) = address else {
        return Vec::new();
    };
    address
        .iter()
        .filter_map(|addr| {
            let email = addr.address.as_deref()?.trim();
            let (local, domain) = email.rsplit_once('@')?;
            let plain = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| !c.is_control() && !c.is_whitespace() && !"<>\",;".contains(c))
            };
            if !plain(local) || !plain(domain) {
                return None;
            }
            let name = addr.name.as_deref().map(str::trim).unwrap_or_default();
            Some(Correspondent {
                name: Clean::line(name),
                address: Clean::line(email),
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn facts(raw: &str) -> ReplyFacts {
        of(&mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .unwrap())
    }

    #[test]
    fn ids_and_people_are_read() {
        let f = facts(
            "Message-ID: <m3@example.test>\r\nReferences: <m1@example.test> <m2@example.test>\r\nIn-Reply-To: <m2@example.test>\r\nFrom: \"Doe, Jane\" <jane@example.test>\r\nReply-To: list@example.test\r\nTo: me@example.test, Bob <bob@example.test>\r\nCc: =?utf-8?q?Zo=C3=AB?= <zoe@example.test>\r\nSubject: x\r\n\r\nhi\r\n",
        );
        assert_eq!(f.message_id.as_deref(), Some("<m3@example.test>"));
        let refs: Vec<&str> = f.references.iter().map(|r| r.as_str()).collect();
        assert_eq!(refs, ["<m1@example.test>", "<m2@example.test>"]);
        assert_eq!(f.from[0].name.as_str(), "Doe, Jane");
        assert_eq!(f.reply_to[0].address.as_str(), "list@example.test");
        assert_eq!(f.to.len(), 2);
        assert_eq!(f.cc[0].name.as_str(), "Zoë");
    }

    #[test]
    fn delivered_to_addresses_are_read_and_hostile_ones_left_out() {
        let f = facts(
            "Delivered-To: work@example.test\r\nDelivered-To: <Me@Example.test>\r\nDelivered-To: a b@x\r\nDelivered-To: ev\u{1b}[2Jil@x.test\r\nFrom: a@x.test\r\n\r\nhi\r\n",
        );
        let got: Vec<&str> = f.delivered_to.iter().map(|a| a.as_str()).collect();
        assert_eq!(got, ["work@example.test", "Me@Example.test"]);
        assert!(facts("From: a@x.test\r\n\r\n").delivered_to.is_empty());
    }

    #[test]
    fn hostile_ids_and_addresses_are_left_out() {
        let f = facts(
            "Message-ID: <a b@x>\r\nIn-Reply-To: <p@x>\r\nFrom: Evil <ev\u{1b}[2Jil@x.test>\r\nTo: \"\u{1b}]0;t\u{7}\" <ok@x.test>, <bad address@x>\r\n\r\n",
        );
        assert_eq!(f.message_id, None);
        assert_eq!(f.references.len(), 1);
        assert!(f.from.is_empty());
        assert_eq!(f.to.len(), 1);
        assert!(!f.to[0].name.contains('\u{1b}'));
    }

    #[test]
    fn a_long_thread_keeps_its_root_and_newest_ids() {
        let refs: Vec<String> = (0..100).map(|i| format!("<r{i}@x>")).collect();
        let f = facts(&format!("References: {}\r\n\r\n", refs.join(" ")));
        assert_eq!(f.references.len(), MAX_REFERENCES);
        assert_eq!(f.references[0].as_str(), "<r0@x>");
        assert_eq!(f.references.last().unwrap().as_str(), "<r99@x>");
    }
}
