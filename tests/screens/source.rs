//! The headers view (`H`) and the source view (`V`) of the open message: every header field as
//! the message has them, the whole source asked from the source, both clean, scrollable, and
//! left with `q` back to the message.

use std::sync::Arc;

use insta::assert_snapshot;
use sealmail::app::msg::{Command, Msg};
use sealmail::mail::{LoadedMessage, SourceCommand, SourceEvent};
use sealmail::tui::headless::Headless;

use crate::fixtures::*;

const RAW: &[u8] = b"Return-Path: <ada@example.test>\r\n\
Received: from mx.example.test (mx.example.test [192.0.2.1])\r\n\
\tby imap.example.test with ESMTPS id 4XyZ\r\n\
From: Ada Lovelace <ada@example.test>\r\n\
To: Alice <alice@example.test>\r\n\
Subject: Quarterly report draft \x1b[2J\r\n\
Date: Tue, 24 Nov 2026 09:30:00 +0000\r\n\
Message-ID: <report-q4@example.test>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Hi Alice,\r\n\
\r\n\
here is the draft.\r\n";

/// A message open in full view, loaded with `RAW` as its bytes.
fn open() -> Headless {
    let mut h = loaded(80, 24, 60, 60);
    h.press("v");
    h.press("enter");
    let pane = h.state.pane.as_ref().expect("a message is being opened");
    let (req, uid) = (pane.req, pane.uid);
    h.apply(Msg::Source(SourceEvent::Message {
        req,
        result: Ok(LoadedMessage {
            uid,
            raw: Arc::from(RAW),
            view: Arc::new(message_view()),
            portal: None,
            protection: None,
        }),
    }));
    h
}

#[test]
fn headers_show_every_field_as_the_message_has_them() {
    let mut h = open();
    h.press("H");
    let screen = h.screen_text();
    assert!(
        screen.contains("Headers: Quarterly report draft")
            && screen.contains("Return-Path: <ada@example.test>")
            && screen.contains("Message-ID: <report-q4@example.test>")
            && screen.contains(" by imap.example.test with ESMTPS id 4XyZ"),
        "{screen}"
    );
    assert!(
        screen.contains("Subject: Quarterly report draft ␛[2J") && !screen.contains('\u{1b}'),
        "{screen}"
    );
    assert!(
        !screen.contains("here is the draft"),
        "the body is not a header"
    );
    assert_snapshot!(screen);
    h.press("H");
    assert!(
        h.screen_text().contains("Hi Alice,"),
        "H again: the message"
    );
}

#[test]
fn the_source_is_asked_for_shown_and_left_with_q() {
    let mut h = open();
    let uid = h.state.pane.as_ref().unwrap().uid;
    let commands = h.press("V").unwrap();
    let req = match commands.as_slice() {
        [
            Command::Source(SourceCommand::FetchSource {
                req,
                folder,
                uid: u,
            }),
        ] if folder == "INBOX" && *u == uid => *req,
        other => panic!("the source is asked from the source: {other:?}"),
    };
    assert!(h.screen_text().contains("Reading the message's source…"));
    // A reply to another request is not this view's.
    h.apply(Msg::Source(SourceEvent::Source {
        req: req + 1000,
        result: Ok(Arc::from(&b"Subject: not this one\r\n\r\n"[..])),
    }));
    assert!(!h.screen_text().contains("not this one"));
    h.apply(Msg::Source(SourceEvent::Source {
        req,
        result: Ok(Arc::from(RAW)),
    }));
    let screen = h.screen_text();
    assert!(
        screen.contains("Source: Quarterly report draft")
            && screen.contains("Content-Type: text/plain; charset=utf-8")
            && screen.contains("here is the draft.")
            && !screen.contains('\u{1b}'),
        "{screen}"
    );
    assert_snapshot!(screen);
    h.press("q");
    let screen = h.screen_text();
    assert!(
        screen.contains("Hi Alice,") && h.state.pane.is_some(),
        "q leaves the source for the message, not the message: {screen}"
    );
}

#[test]
fn a_source_that_cannot_be_read_says_why() {
    let mut h = open();
    let commands = h.press("V").unwrap();
    let [Command::Source(SourceCommand::FetchSource { req, .. })] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    h.apply(Msg::Source(SourceEvent::Source {
        req: *req,
        result: Err(sealmail::error::Error::new(
            sealmail::error::ErrorKind::NotFound,
            "this message is no longer in the folder",
        )),
    }));
    let screen = h.screen_text();
    assert!(
        screen.contains("The source could not be read:")
            && screen.contains("no longer in the folder"),
        "{screen}"
    );
}

#[test]
fn a_long_source_scrolls_to_its_end() {
    let mut h = open();
    let commands = h.press("V").unwrap();
    let [Command::Source(SourceCommand::FetchSource { req, .. })] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    let mut raw = b"Subject: long\r\n\r\n".to_vec();
    for n in 1..=200 {
        raw.extend_from_slice(format!("line {n}\r\n").as_bytes());
    }
    h.apply(Msg::Source(SourceEvent::Source {
        req: *req,
        result: Ok(Arc::from(raw)),
    }));
    h.press("G");
    let screen = h.screen_text();
    assert!(screen.contains("line 200"), "{screen}");
}
