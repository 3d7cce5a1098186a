//! What the composing tests share: a message to send, the submission settings for a test
//! user, and the delivered message read back over IMAP.

use std::time::Duration;

use sealmail::mail::outgoing::{Outgoing, OutgoingAttachment};
use sealmail::secret::SecretString;
use sealmail::submit::{SubmitAuth, SubmitSettings};
use zeroize::Zeroizing;

use crate::support::{Dovecot, ImapClient, Postfix, address, password};

/// A message from `from` to `to` with a subject, text and one attachment, all non-ASCII.
pub fn letter(from: &str, to: &[&str]) -> Outgoing {
    Outgoing {
        from: format!("Zoë Ånström <{}>", address(from)),
        to: to.iter().map(|u| address(u)).collect(),
        subject: "Grüße — the plan ☕".into(),
        body: Zeroizing::new("Hallo,\n\nhier ist der Plan. 日本語も。\n\n-- \nZoë\n".into()),
        attachments: vec![OutgoingAttachment {
            name: "Übersicht März.txt".into(),
            content_type: "text/plain; charset=utf-8".into(),
            bytes: Zeroizing::new("Zeile eins\nZeile zwei\n".as_bytes().to_vec()),
        }],
        ..Outgoing::default()
    }
}

/// `user` submitting with a password over `url`, trusting the test CA.
pub fn settings(url: String, user: &str, postfix: &Postfix) -> SubmitSettings {
    SubmitSettings {
        url,
        auth: SubmitAuth::Password {
            user: address(user),
            password: SecretString::new(password(user).to_owned()),
        },
        ca_file: Some(postfix.ca_pem().to_path_buf()),
    }
}

/// Every message of `user`'s `folder`, whole, in UID order, read over IMAPS.
pub async fn read_folder(dovecot: &Dovecot, user: &str, folder: &str) -> Vec<Vec<u8>> {
    let mut imap =
        ImapClient::login(dovecot.imaps_port(), dovecot.ca_pem(), user, password(user)).await;
    let selected = imap.select(folder).await;
    assert!(selected.is_ok(), "SELECT {folder}: {}", selected.status);
    let uids = imap.uid_search_all().await;
    let mut out = Vec::new();
    for uid in uids {
        let reply = imap.ok(&format!("UID FETCH {uid} BODY.PEEK[]")).await;
        let line = reply
            .untagged
            .iter()
            .find(|l| l.contains("FETCH"))
            .unwrap_or_else(|| panic!("no FETCH line for UID {uid}: {reply:?}"));
        let start = line.find("}\r\n").expect("a literal") + 3;
        let body = line[start..].strip_suffix(')').unwrap_or(&line[start..]);
        out.push(body.as_bytes().to_vec());
    }
    imap.logout().await;
    out
}

/// Waits until `user`'s INBOX holds `count` messages, then reads them over IMAP.
pub async fn delivered(dovecot: &Dovecot, user: &str, count: usize) -> Vec<Vec<u8>> {
    dovecot
        .wait_for_messages(user, count, Duration::from_secs(30))
        .await;
    read_folder(dovecot, user, "INBOX").await
}

pub fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a message")
}
