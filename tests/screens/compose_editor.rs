//! The composer's external editor, run for real: a shell script written by the test is the
//! editor. It edits the subject and the text, which the composer then shows; its file was
//! private (0600 in a 0700 directory) and is gone afterwards. An editor that fails leaves the
//! message as it was and says so; a file whose headers cannot be read lands whole in the
//! text; a sealed message's composer never hands its text over.

use std::path::{Path, PathBuf};

use sealmail::app::compose::Stage;
use sealmail::mail::compose::Identity;
use sealmail::tui::headless::Headless;

use crate::fixtures::*;

fn writer(editor: String) -> Headless {
    let mut h = loaded(80, 24, 60, 60);
    h.state.identity = Some(Identity::new("Alice <alice@example.test>", None));
    h.state.settings.editor = Some(editor);
    h
}

/// A script that records its file's mode, its directory's mode and path and the text it was
/// given in `record`, then runs `then` on the file (`$f`).
fn editor_script(record: &Path, then: &str) -> String {
    let script = record.join("editor.sh");
    let r = record.display();
    std::fs::write(
        &script,
        format!(
            "f=\"$1\"\nd=$(dirname \"$f\")\nstat -c %a \"$f\" > {r}/mode\nstat -c %a \"$d\" > {r}/dirmode\necho \"$d\" > {r}/dir\ncp \"$f\" {r}/given\n{then}\n"
        ),
    )
    .expect("script written");
    format!("sh {}", script.display())
}

fn read(record: &Path, name: &str) -> String {
    std::fs::read_to_string(record.join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .trim_end()
        .to_owned()
}

fn typed_message(h: &mut Headless) {
    h.press("c");
    h.type_text("bob@example.test");
    for _ in 0..3 {
        h.press("tab");
    }
    h.type_text("Lunch");
    h.press("tab");
    h.type_text("Hi both,");
}

#[test]
fn the_editor_edits_the_subject_and_text_in_a_private_file_removed_after() {
    let record = tempfile::tempdir().expect("a directory");
    let editor = editor_script(
        record.path(),
        "sed -i -e 's/^Subject: Lunch$/Subject: Dinner instead/' -e 's/^Hi both,$/Hello all,/' \"$f\"",
    );
    let mut h = writer(editor);
    typed_message(&mut h);
    let commands = h.press("ctrl-o").expect("a key");
    assert!(
        commands.is_empty(),
        "the headless driver ran it: {commands:?}"
    );
    let given = read(record.path(), "given");
    assert!(
        given.starts_with(
            "From: Alice <alice@example.test>\nTo: bob@example.test\nCc: \nBcc: \nSubject: Lunch\n\nHi both,"
        ),
        "{given:?}"
    );
    assert_eq!(read(record.path(), "mode"), "600");
    assert_eq!(read(record.path(), "dirmode"), "700");
    let dir = PathBuf::from(read(record.path(), "dir"));
    assert!(!dir.exists(), "{} is still there", dir.display());

    let composer = h.state.composer.as_ref().expect("still writing");
    assert_eq!(composer.stage, Stage::Editing);
    let draft = composer.draft();
    assert_eq!(draft.subject, "Dinner instead");
    assert_eq!(draft.to, "bob@example.test");
    assert!(
        draft.body.starts_with("Hello all,\n"),
        "{:?}",
        draft.body.as_str()
    );
    let screen = h.screen_text();
    assert!(screen.contains("Subject: Dinner instead"), "{screen}");
    assert!(screen.contains("\nHello all,"), "{screen}");
    assert_eq!(notice(&h), "");
}

#[test]
fn an_editor_that_fails_leaves_the_message_as_it_was() {
    let record = tempfile::tempdir().expect("a directory");
    let editor = editor_script(record.path(), "echo 'Subject: lost' > \"$f\"\nexit 3");
    let mut h = writer(editor);
    typed_message(&mut h);
    h.press("ctrl-o");
    let draft = h.state.composer.as_ref().expect("still writing").draft();
    assert_eq!(draft.subject, "Lunch");
    assert!(
        draft.body.starts_with("Hi both,"),
        "{:?}",
        draft.body.as_str()
    );
    assert!(
        notice(&h).starts_with("the editor failed (sh ")
            && notice(&h).ends_with("exited with status 3): the message is as it was"),
        "{}",
        notice(&h)
    );
    let dir = PathBuf::from(read(record.path(), "dir"));
    assert!(!dir.exists(), "removed after a failure too");
}

#[test]
fn from_the_review_unreadable_headers_put_the_whole_file_in_the_text() {
    let record = tempfile::tempdir().expect("a directory");
    let editor = editor_script(record.path(), "sed -i 's/^Cc: $/X-Priority: 1/' \"$f\"");
    let mut h = writer(editor);
    typed_message(&mut h);
    h.press("esc");
    assert!(
        h.screen_text().contains("E in $EDITOR"),
        "the review says how"
    );
    h.press("E");
    let composer = h.state.composer.as_ref().expect("still writing");
    // Nothing typed is lost: the file is the text, to be mended by hand.
    assert_eq!(composer.stage, Stage::Editing);
    let draft = composer.draft();
    assert_eq!(draft.subject, "Lunch", "the headers are as they were");
    assert!(
        draft
            .body
            .starts_with("From: Alice <alice@example.test>\nTo: bob@example.test\nX-Priority: 1\n"),
        "{:?}",
        draft.body.as_str()
    );
    assert!(
        notice(&h).starts_with("the headers were not read (line 3: unknown header \"X-Priority\""),
        "{}",
        notice(&h)
    );
}

#[test]
fn an_edit_from_the_review_goes_back_to_the_review() {
    let record = tempfile::tempdir().expect("a directory");
    let editor = editor_script(
        record.path(),
        "sed -i 's/^Bcc: $/Bcc: carol@example.test/' \"$f\"",
    );
    let mut h = writer(editor);
    typed_message(&mut h);
    h.press("esc");
    h.press("E");
    let composer = h.state.composer.as_ref().expect("still writing");
    assert_eq!(composer.stage, Stage::Review);
    assert_eq!(composer.draft().bcc, "carol@example.test");
    assert!(h.screen_text().contains("Bcc:         carol@example.test"));
}

#[test]
fn a_sealed_message_is_never_handed_to_the_editor() {
    let record = tempfile::tempdir().expect("a directory");
    let editor = editor_script(record.path(), "");
    let mut h = writer(editor);
    typed_message(&mut h);
    // Sealed with the account's sender token (`S` on the review).
    h.state.composer.as_mut().expect("writing").seal_as_sender = Some(
        sealmail::sanitize::Clean::line("https://portal.example.test"),
    );
    assert!(h.press("ctrl-o").expect("a key").is_empty());
    h.press("esc");
    assert!(h.press("E").expect("a key").is_empty());
    assert!(
        !record.path().join("given").exists(),
        "the editor never ran"
    );
    assert!(
        notice(&h).starts_with("a sealed message is written here only"),
        "{}",
        notice(&h)
    );
    assert_eq!(
        h.state.composer.as_ref().expect("writing").stage,
        Stage::Review
    );
}

#[test]
fn with_compose_in_editor_a_new_message_and_a_reply_start_in_the_editor() {
    let record = tempfile::tempdir().expect("a directory");
    let editor = editor_script(
        record.path(),
        "sed -i -e 's/^To: $/To: bob@example.test/' -e 's/^Subject: $/Subject: Straight in/' \"$f\"",
    );
    let mut h = writer(editor);
    h.state.settings.compose_in_editor = true;
    h.press("c");
    let composer = h.state.composer.as_ref().expect("writing");
    assert_eq!(
        composer.stage,
        Stage::Review,
        "the review follows the editor"
    );
    let draft = composer.draft();
    assert_eq!(
        (draft.to.as_str(), draft.subject.as_str()),
        ("bob@example.test", "Straight in")
    );
    h.press("d");
    h.press("y");

    h.press("enter");
    deliver_open_message(&mut h, message_view());
    h.press("w");
    let given = read(record.path(), "given");
    assert!(
        given.contains("Subject: Re: Quarterly report draft\n\nOn ")
            && given.contains("> Could you look at section 3 before Thursday?"),
        "{given:?}"
    );
    assert_eq!(
        h.state.composer.as_ref().expect("writing").stage,
        Stage::Review
    );
}
