//! Deterministic reader states for the screen snapshots.
#![allow(dead_code)]

use sealmail::sanitize::Clean;
use std::sync::Arc;

use sealmail::app::clock::Clock;
use sealmail::app::keymap::Keymap;
use sealmail::app::msg::Msg;
use sealmail::app::state::{AppState, ReaderSettings};
use sealmail::mail::{ConnectionState, Flags, Folder, LoadedMessage, Row, SourceEvent, SpecialUse};
use sealmail::mime::{Attachment, Correspondent, MessageView, ReplyFacts};
use sealmail::tui::headless::Headless;

/// 2026-11-24T10:00:00Z
pub const NOW: i64 = 1_795_514_400;

pub fn settings() -> ReaderSettings {
    ReaderSettings {
        color: false,
        ..ReaderSettings::default()
    }
}

pub fn reader(width: u16, height: u16) -> Headless {
    let state = AppState::new(
        settings(),
        Keymap::defaults(),
        Clock::fixed_utc(NOW),
        "alice@example.test".into(),
    );
    let mut h = Headless::new(state, width, height);
    h.start();
    h
}

pub fn online(h: &mut Headless) {
    h.apply(Msg::Source(SourceEvent::Connection(
        ConnectionState::Online {
            live: "IDLE",
            insecure: false,
        },
    )));
}

/// What a server lists: special-use folders marked, one folder below another.
pub fn folders() -> Vec<Folder> {
    let special = [
        ("Drafts", SpecialUse::Drafts),
        ("Sent", SpecialUse::Sent),
        ("Trash", SpecialUse::Trash),
    ];
    let mut list: Vec<Folder> = ["INBOX", "Archive", "Drafts", "Sent", "Trash"]
        .iter()
        .map(|n| Folder {
            special: special.iter().find(|(s, _)| s == n).map(|(_, u)| *u),
            ..Folder::plain(n)
        })
        .collect();
    list.push(Folder {
        name: "Lists/rust-users".into(),
        display: Clean::line("Lists/rust-users"),
        path: vec![Clean::line("Lists"), Clean::line("rust-users")],
        ..Folder::plain("Lists/rust-users")
    });
    list
}

const PEOPLE: &[&str] = &[
    "Ada Lovelace",
    "Grace Hopper",
    "Linus Torvalds",
    "Margaret Hamilton",
    "Jörg Müller",
    "山田 太郎",
    "Ελένη Παπαδοπούλου",
    "noreply@github.example",
];

const SUBJECTS: &[&str] = &[
    "Quarterly report draft",
    "Re: Lunch on Friday?",
    "Your build #4512 failed",
    "Invoice 2026-118 for November",
    "Re: Re: Migration plan for the IMAP cluster",
    "Fwd: Conference tickets",
    "Grüße aus Berlin",
    "会議の議事録",
    "Release notes 0.9",
    "Welcome to the team!",
];

/// `n` rows, newest first, an hour apart (the first ones today).
pub fn rows(n: u32) -> Vec<Row> {
    (1..=n)
        .rev()
        .map(|uid| {
            let age = (n - uid) as i64;
            let mut flags = Flags::default();
            flags.set(Flags::SEEN, uid % 5 != 0 && age > 2);
            flags.set(Flags::FLAGGED, uid % 7 == 0);
            flags.set(Flags::ANSWERED, uid % 4 == 1);
            Row {
                uid,
                flags,
                date: NOW - 1800 - age * 3600 * 7,
                text: sealmail::mail::RowText::line(
                    PEOPLE[uid as usize % PEOPLE.len()],
                    SUBJECTS[uid as usize % SUBJECTS.len()],
                ),
                size: 800 + uid * 997 % 90_000,
                attachment: uid % 6 == 0,
                portal: None,
                protection: None,
            }
        })
        .collect()
}

/// A reader with the inbox open and `n` rows loaded out of `total`.
pub fn loaded(width: u16, height: u16, n: u32, total: u32) -> Headless {
    let mut h = reader(width, height);
    online(&mut h);
    h.apply(Msg::Source(SourceEvent::Folders(folders())));
    let req = h.state.folder.req;
    h.apply(Msg::Source(SourceEvent::FolderOpened {
        req,
        folder: "INBOX".into(),
        total,
        access: Default::default(),
    }));
    let all = rows(total);
    let newest: Vec<Row> = all.into_iter().take(n as usize).collect();
    h.apply(Msg::Source(SourceEvent::Rows {
        req,
        rows: newest,
        loaded: n,
        total,
    }));
    if n == total {
        h.apply(Msg::Source(SourceEvent::FolderLoaded { req, total }));
    }
    h
}

pub fn message_view() -> MessageView {
    let body = "Hi Alice,\n\nhere is the draft of the quarterly report. The numbers for October are final; November is still an estimate and will change once the last invoices are in.\n\nThe figures are in the attached spreadsheet, and the slides are on the team page [1].\n\nCould you look at section 3 before Thursday?\n\nThanks,\nAda\n\n-- \nAda Lovelace · Analytical Engines Ltd";
    MessageView {
        from: Clean::line("Ada Lovelace <ada@example.test>"),
        to: Clean::line("Alice <alice@example.test>"),
        cc: Clean::line("Grace Hopper <grace@example.test>"),
        date: Some(NOW - 1800),
        subject: Clean::line("Quarterly report draft"),
        body: Clean::text(body),
        attachments: vec![
            Attachment {
                name: Clean::line("report-q4.xlsx"),
                mime: Clean::line(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                size: 48_213,
                section: "2".into(),
            },
            Attachment {
                name: Clean::line("chart.png"),
                mime: Clean::line("image/png"),
                size: 1_204_000,
                section: "3".into(),
            },
        ],
        links: vec![Clean::line(
            "https://intranet.example.test/team/reports/2026/q4",
        )],
        reply: ReplyFacts {
            message_id: Some(Clean::line("<q4-draft@example.test>")),
            references: vec![Clean::line("<q4-plan@example.test>")],
            in_reply_to: Some(Clean::line("<q4-plan@example.test>")),
            bcc: Vec::new(),
            from: vec![person("Ada Lovelace", "ada@example.test")],
            reply_to: Vec::new(),
            to: vec![person("Alice", "alice@example.test")],
            cc: vec![person("Grace Hopper", "grace@example.test")],
            ..ReplyFacts::default()
        },
    }
}

fn person(name: &str, address: &str) -> Correspondent {
    Correspondent {
        name: Clean::line(name),
        address: Clean::line(address),
    }
}

/// Delivers the message pane's reply for the open request.
pub fn deliver_open_message(h: &mut Headless, view: MessageView) {
    let pane = h.state.pane.as_ref().expect("a message is being opened");
    let (req, uid) = (pane.req, pane.uid);
    h.apply(Msg::Source(SourceEvent::Message {
        req,
        result: Ok(LoadedMessage {
            uid,
            raw: Arc::from(&b""[..]),
            view: Arc::new(view),
            portal: None,
            protection: None,
        }),
    }));
}

/// The status line's notice, as text (empty when there is none).
pub fn notice(h: &Headless) -> String {
    h.state
        .notice
        .as_ref()
        .map(|n| n.text.to_string())
        .unwrap_or_default()
}
