//! Writing mail as the user sees it at 80x24: a new message typed field by field, reviewed,
//! sent (the command carries what was typed); a reply and a reply to all of the open message
//! (quoted, threaded, the user left out) that flags it answered once sent; a refused send
//! that keeps the message and says which recipient and why; a send that may have gone, which
//! asks before sending again; discarding, which asks first; an account that cannot send.

use insta::assert_snapshot;
use sealmail::app::compose::Stage;
use sealmail::app::msg::{Command, Msg};
use sealmail::mail::compose::Identity;
use sealmail::mail::outgoing::Outgoing;
use sealmail::mail::{Flags, SourceCommand};
use sealmail::submit::{Receipt, Refusal, SubmitError};
use sealmail::tui::headless::Headless;

use crate::fixtures::*;

fn writer() -> Headless {
    let mut h = loaded(80, 24, 60, 60);
    h.state.identity = Some(Identity::new(
        "Alice <alice@example.test>",
        Some("Alice · example.test".into()),
    ));
    h
}

fn sent(commands: &[Command]) -> (u64, &Outgoing) {
    commands
        .iter()
        .find_map(|c| match c {
            Command::Send { req, message, .. } => Some((*req, message.as_ref())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no send in {commands:?}"))
}

fn receipt(recipients: usize) -> Result<Receipt, SubmitError> {
    Ok(Receipt {
        message_id: "<x@example.test>".into(),
        recipients,
        filed: None,
    })
}

#[test]
fn a_new_message_is_typed_reviewed_and_sent() {
    let mut h = writer();
    h.press("c");
    h.type_text("bob@example.test, \"Doe, Jane\" <jane@example.test>");
    h.press("tab");
    h.press("tab");
    h.press("tab");
    h.type_text("Lunch on Thursday?");
    h.press("tab");
    h.type_text("Hi both,");
    h.press("enter");
    h.type_text("the usual place at noon?");
    assert_snapshot!("compose_new_editor", h.screen_text());
    h.press("esc");
    assert_snapshot!("compose_new_review", h.screen_text());
    let commands = h.press("s").expect("a key");
    let (req, message) = sent(&commands);
    assert_eq!(
        message.to,
        ["bob@example.test", "\"Doe, Jane\" <jane@example.test>"]
    );
    assert_eq!(message.subject, "Lunch on Thursday?");
    assert_eq!(
        message.body.as_str(),
        "Hi both,\nthe usual place at noon?\n\n-- \nAlice · example.test\n"
    );
    assert_eq!(message.from, "Alice <alice@example.test>");
    assert!(h.screen_text().contains("Sending…"));
    // Keys do nothing while it is under way: it is sent once.
    assert!(h.press("s").expect("a key").is_empty());
    let after = h.apply(Msg::Sent {
        req,
        result: receipt(2),
    });
    assert!(after.is_empty(), "a new message flags nothing: {after:?}");
    assert!(h.state.composer.is_none());
    assert_eq!(notice(&h), "sent to 2 recipients");
}

#[test]
fn a_reply_quotes_the_open_message_and_flags_it_answered() {
    let mut h = writer();
    h.press("enter");
    deliver_open_message(&mut h, message_view());
    let uid = h.state.pane.as_ref().expect("open").uid;
    h.press("w");
    assert_snapshot!("compose_reply_editor", h.screen_text());
    let draft = h.state.composer.as_ref().expect("composer").draft();
    assert_eq!(draft.to, "Ada Lovelace <ada@example.test>");
    assert_eq!(draft.subject, "Re: Quarterly report draft");
    assert_eq!(
        draft.in_reply_to.as_deref(),
        Some("<q4-draft@example.test>")
    );
    assert_eq!(
        draft.references,
        ["<q4-plan@example.test>", "<q4-draft@example.test>"]
    );
    assert!(
        draft
            .body
            .contains("> Could you look at section 3 before Thursday?\n")
    );
    h.type_text("Yes, by Wednesday.");
    h.press("esc");
    let commands = h.press("s").expect("a key");
    let (req, message) = sent(&commands);
    assert!(
        message
            .body
            .contains("> Thanks,\n> Ada\n\nYes, by Wednesday.\n\n-- \nAlice · example.test\n"),
        "{:?}",
        message.body.as_str()
    );
    assert!(
        !message.body.contains("> Ada Lovelace ·"),
        "the signature is not quoted"
    );
    let after = h.apply(Msg::Sent {
        req,
        result: receipt(1),
    });
    assert!(
        after.iter().any(|c| matches!(
            c,
            Command::Source(SourceCommand::SetFlag { uid: u, flag, on: true, folder })
                if *u == uid && *flag == Flags::ANSWERED && folder == "INBOX"
        )),
        "{after:?}"
    );
}

#[test]
fn reply_to_all_from_the_list_opens_the_message_first() {
    let mut h = writer();
    assert!(h.state.pane.is_none());
    h.press("W");
    assert!(h.state.composer.is_none(), "waits for the message");
    deliver_open_message(&mut h, message_view());
    let draft = h.state.composer.as_ref().expect("composer").draft();
    assert_eq!(draft.to, "Ada Lovelace <ada@example.test>");
    assert_eq!(draft.cc, "Grace Hopper <grace@example.test>");
    h.press("esc");
    assert_snapshot!("compose_reply_all_review", h.screen_text());
}

/// A whole message with one attachment, as the server gives its source.
const WITH_ATTACHMENT: &[u8] = b"From: ada@example.test\r\nSubject: Quarterly report draft\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Type: text/plain\r\n\r\nthe text\r\n--b\r\nContent-Type: application/pdf\r\n\
Content-Disposition: attachment; filename*=UTF-8''Bericht%20M%C3%A4rz.pdf\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQgcmVwb3J0\r\n--b--\r\n";

/// Answers the composer's fetch of the whole message (among `commands`) with `raw`.
fn deliver_source(h: &mut Headless, commands: &[Command], raw: &[u8]) {
    let req = commands
        .iter()
        .find_map(|c| match c {
            Command::Source(SourceCommand::FetchSource { req, .. }) => Some(*req),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no fetch in {commands:?}"));
    assert!(h.state.composer.is_none(), "waits for the source");
    h.apply(Msg::Source(sealmail::mail::SourceEvent::Source {
        req,
        result: Ok(raw.to_vec().into()),
    }));
}

#[test]
fn a_forward_carries_the_message_inline() {
    let mut h = writer();
    h.press("enter");
    deliver_open_message(&mut h, message_view());
    let commands = h.press("b").expect("a key");
    // Its attachments go with it: the whole message is fetched for them.
    deliver_source(&mut h, &commands, WITH_ATTACHMENT);
    let composer = h.state.composer.as_ref().expect("composer");
    assert_eq!(composer.attachments.len(), 1);
    assert_eq!(composer.attachments[0].name, "Bericht März.pdf");
    assert_eq!(composer.attachments[0].content_type, "application/pdf");
    assert_eq!(composer.attachments[0].bytes.as_slice(), b"%PDF-1.4 report");
    let draft = composer.draft();
    assert_eq!(draft.subject, "Fwd: Quarterly report draft");
    assert!(draft.to.is_empty() && draft.in_reply_to.is_none());
    assert!(draft.body.contains(
        "---------- Forwarded message ----------\nFrom: Ada Lovelace <ada@example.test>\n"
    ));
    assert_snapshot!("compose_forward_editor", h.screen_text());
}

#[test]
fn a_refused_send_keeps_the_message_and_names_the_recipient() {
    let mut h = writer();
    h.press("c");
    h.type_text("nobody@example.test, bob@example.test");
    h.press("tab");
    h.press("tab");
    h.press("tab");
    h.type_text("Hello");
    h.press("esc");
    let commands = h.press("s").expect("a key");
    let (req, _) = sent(&commands);
    h.apply(Msg::Sent {
        req,
        result: Err(SubmitError::RecipientsRefused(vec![Refusal {
            address: "nobody@example.test".into(),
            reply: "permanent error (550): 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown".into(),
            temporary: false,
        }])),
    });
    assert_snapshot!("compose_send_refused", h.screen_text());
    h.press("e");
    let composer = h.state.composer.as_ref().expect("still open");
    assert_eq!(composer.stage, Stage::Editing);
    assert_eq!(composer.draft().subject, "Hello");
    // Sent again after the fix: a new request.
    h.press("esc");
    let again = h.press("s").expect("a key");
    assert_ne!(sent(&again).0, req);
}

#[test]
fn a_send_that_may_have_gone_asks_before_sending_again() {
    let mut h = writer();
    h.press("c");
    h.type_text("bob@example.test");
    h.press("esc");
    let commands = h.press("s").expect("a key");
    let (req, _) = sent(&commands);
    h.apply(Msg::Sent {
        req,
        result: Err(SubmitError::Unknown("connection reset".into())),
    });
    assert!(h.press("s").expect("a key").is_empty(), "asks first");
    assert!(h.screen_text().contains("It may have been sent already"));
    assert!(h.press("n").expect("a key").is_empty());
    h.press("s");
    let again = h.press("y").expect("a key");
    sent(&again);
}

#[test]
fn discarding_asks_first() {
    let mut h = writer();
    h.press("c");
    h.type_text("bob@example.test");
    h.press("esc");
    h.press("d");
    assert!(
        h.screen_text()
            .contains("Discard this message? y discards, n keeps it")
    );
    h.press("n");
    assert!(h.state.composer.is_some());
    h.press("d");
    h.press("y");
    assert!(h.state.composer.is_none());
    assert_eq!(notice(&h), "message discarded");
}

#[test]
fn controls_never_enter_the_composer() {
    let mut h = writer();
    h.press("c");
    h.apply(Msg::Paste("evil\u{1b}]0;owned\u{7}\nnext".into()));
    let to = h.state.composer.as_ref().expect("open").draft().to;
    assert!(!to.contains('\u{1b}') && !to.contains('\n'), "{to:?}");
    h.press("tab");
    h.press("tab");
    h.press("tab");
    h.press("tab");
    h.apply(Msg::Paste("line one\u{1b}[2J\nline two".into()));
    let body = h.state.composer.as_ref().expect("open").draft().body;
    assert!(!body.contains('\u{1b}'), "{:?}", body.as_str());
    assert!(body.contains("line one") && body.contains("\nline two"));
}

#[test]
fn an_account_that_cannot_send_says_so() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("c");
    assert!(h.state.composer.is_none());
    assert!(notice(&h).contains("cannot send"), "{}", notice(&h));
}

#[test]
fn files_are_attached_listed_with_sizes_and_removed() {
    let mut h = writer();
    h.press("c");
    h.type_text("bob@example.test");
    h.press("esc");
    let read = |h: &mut Headless, typed: &str, bytes: Result<Vec<u8>, String>| {
        h.press("a");
        h.type_text(typed);
        let commands = h.press("enter").expect("a key");
        let (req, path, limit) = commands
            .iter()
            .find_map(|c| match c {
                Command::ReadAttachment { req, path, limit } => Some((*req, path.clone(), *limit)),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no read in {commands:?}"));
        assert_eq!(limit, 25 * 1024 * 1024);
        assert!(h.screen_text().contains("Reading the file…"));
        h.apply(Msg::AttachmentRead {
            req,
            path,
            result: bytes,
        });
    };
    read(&mut h, "/home/sam/Bericht März.pdf", Ok(vec![b'%'; 48_213]));
    read(&mut h, "/home/sam/chart.png", Ok(vec![0; 1_204_000]));
    read(
        &mut h,
        "/home/sam/huge.iso",
        Err("larger than 25 MB".into()),
    );
    assert_eq!(notice(&h), "cannot attach huge.iso: larger than 25 MB");
    assert_snapshot!("compose_attachments_review", h.screen_text());
    h.press("x");
    assert!(
        h.screen_text()
            .contains("Remove which attachment? Its number")
    );
    h.press("2");
    let commands = h.press("s").expect("a key");
    let (_, message) = sent(&commands);
    assert_eq!(message.attachments.len(), 1);
    assert_eq!(message.attachments[0].name, "Bericht März.pdf");
    assert_eq!(message.attachments[0].content_type, "application/pdf");
    assert_eq!(message.attachments[0].bytes.len(), 48_213);
}

#[test]
fn a_message_is_postponed_and_a_draft_resumed_then_deleted_once_sent() {
    let mut h = writer();
    h.press("c");
    h.type_text("bob@example.test");
    h.press("esc");
    let commands = h.press("p").expect("a key");
    let req = commands
        .iter()
        .find_map(|c| match c {
            Command::Postpone { req, message, .. } => {
                assert_eq!(message.to, ["bob@example.test"]);
                Some(*req)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no postpone in {commands:?}"));
    assert!(h.screen_text().contains("Keeping it in Drafts…"));
    // Refused: the message stays, and the reason is said.
    h.apply(Msg::Postponed {
        req,
        result: Err("Drafts: Mailbox doesn't exist".into()),
    });
    assert!(h.state.composer.is_some());
    assert_eq!(notice(&h), "not postponed: Drafts: Mailbox doesn't exist");
    let commands = h.press("p").expect("a key");
    let Some(Command::Postpone { req, .. }) = commands.first() else {
        panic!("{commands:?}");
    };
    h.apply(Msg::Postponed {
        req: *req,
        result: Ok("Drafts".into()),
    });
    assert!(h.state.composer.is_none());
    assert_eq!(notice(&h), "postponed: the draft is in Drafts");

    // The open message taken up again as a draft: sent, it is deleted from its folder.
    h.press("enter");
    deliver_open_message(&mut h, message_view());
    let uid = h.state.pane.as_ref().expect("open").uid;
    let commands = h.press("E").expect("a key");
    // The draft's attachments come back with it.
    deliver_source(&mut h, &commands, WITH_ATTACHMENT);
    assert_eq!(
        h.state
            .composer
            .as_ref()
            .expect("composer")
            .attachments
            .len(),
        1
    );
    let draft = h.state.composer.as_ref().expect("composer").draft();
    assert_eq!(draft.to, "Alice <alice@example.test>");
    assert_eq!(draft.subject, "Quarterly report draft");
    h.press("esc");
    let commands = h.press("s").expect("a key");
    let (req, _) = sent(&commands);
    let after = h.apply(Msg::Sent {
        req,
        result: receipt(1),
    });
    assert!(
        after.iter().any(|c| matches!(
            c,
            Command::Source(SourceCommand::Erase(erase)) if erase.uids == [uid] && erase.folder == "INBOX"
        )),
        "{after:?}"
    );
}

#[test]
fn a_forward_as_attachment_fetches_the_whole_message_and_attaches_it() {
    let mut h = writer();
    h.press("enter");
    deliver_open_message(&mut h, message_view());
    let uid = h.state.pane.as_ref().expect("open").uid;
    let commands = h.press("B").expect("a key");
    let req = commands
        .iter()
        .find_map(|c| match c {
            Command::Source(SourceCommand::FetchSource { req, uid: u, .. }) if *u == uid => {
                Some(*req)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no fetch in {commands:?}"));
    assert!(h.state.composer.is_none(), "waits for the source");
    let raw: &[u8] =
        b"From: ada@example.test\r\nSubject: Quarterly report draft\r\n\r\nall of it\r\n";
    h.apply(Msg::Source(sealmail::mail::SourceEvent::Source {
        req,
        result: Ok(raw.to_vec().into()),
    }));
    let composer = h.state.composer.as_ref().expect("composer");
    assert_eq!(composer.draft().subject, "Fwd: Quarterly report draft");
    assert_eq!(composer.attachments.len(), 1);
    assert_eq!(composer.attachments[0].content_type, "message/rfc822");
    assert_eq!(composer.attachments[0].bytes.as_slice(), raw);
    h.press("esc");
    assert_snapshot!("compose_forward_attached_review", h.screen_text());
}

#[test]
fn the_from_field_offers_every_identity_with_its_signature() {
    use sealmail::mail::compose::Choice;
    let mut h = writer();
    h.state.identity = h.state.identity.take().map(|me| {
        me.with_others(vec![
            Choice {
                from: "Alice at Work <alice@work.example>".into(),
                signature: Some("Alice · Work".into()),
            },
            Choice {
                from: "owner@lists.example".into(),
                signature: None,
            },
        ])
    });
    h.press("c");
    h.type_text("bob@example.test");
    h.press("backtab");
    h.press("down");
    let from = |h: &Headless| {
        h.state
            .composer
            .as_ref()
            .map(|c| c.text(sealmail::app::compose::Field::From))
            .unwrap_or_default()
    };
    assert_eq!(from(&h), "Alice at Work <alice@work.example>");
    h.press("down");
    assert_eq!(from(&h), "owner@lists.example");
    h.press("down");
    assert_eq!(from(&h), "Alice <alice@example.test>", "round again");
    h.press("up");
    assert_eq!(from(&h), "owner@lists.example");
    h.press("up");
    h.press("esc");
    let commands = h.press("s").expect("a key");
    let (_, message) = sent(&commands);
    assert_eq!(message.from, "Alice at Work <alice@work.example>");
    assert_eq!(
        message.body.as_str(),
        "\n\n-- \nAlice · Work\n",
        "the work identity's signature in place of the account's"
    );
}
