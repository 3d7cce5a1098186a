//! Writing mail in the demo, as a tester would: the demo user writes to themself with `c`,
//! sends it to the demo's own loopback SMTP server, sees the sent notice, and the message
//! arrives in the demo INBOX; what was postponed is resumed from Drafts with `E`.

use crate::runs::{describe, run_script};

#[tokio::test]
async fn the_demo_user_writes_to_themself_and_it_arrives() {
    let out = tempfile::tempdir().unwrap();
    let script = out.path().join("demo-compose.script");
    std::fs::write(
        &script,
        "size 100x24\n\
         wait idle\n\
         key c\n\
         type \"sam@example.org, ann@friends.example\"\n\
         key tab\n\
         key tab\n\
         key tab\n\
         type \"Hello from the demo\"\n\
         key tab\n\
         type \"It really went out.\"\n\
         key esc\n\
         key s\n\
         wait text \"sent to 2 recipients; a copy is in Sent\"\n\
         snapshot sent\n\
         wait mail subject \"Hello from the demo\"\n\
         wait idle\n\
         snapshot arrived\n",
    )
    .unwrap();
    let output = run_script(&script, out.path(), out.path(), &["--demo".into()]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let sent = std::fs::read_to_string(out.path().join("sent.txt")).unwrap();
    assert!(
        sent.contains("sent to 2 recipients; a copy is in Sent"),
        "{sent}"
    );
    let arrived = std::fs::read_to_string(out.path().join("arrived.txt")).unwrap();
    let row = arrived
        .lines()
        .find(|l| l.contains("Hello from the demo"))
        .unwrap_or_else(|| panic!("the message in the list:\n{arrived}"));
    assert!(row.contains("Demo User"), "from the demo user: {row}");
}

#[tokio::test]
async fn a_postponed_demo_message_is_resumed_from_drafts() {
    let out = tempfile::tempdir().unwrap();
    let script = out.path().join("demo-drafts.script");
    std::fs::write(
        &script,
        "size 100x24\n\
         wait idle\n\
         key c\n\
         type \"ann@friends.example\"\n\
         key tab\n\
         key tab\n\
         key tab\n\
         type \"Half written\"\n\
         key esc\n\
         key p\n\
         wait text \"postponed: the draft is in Drafts\"\n\
         key tab\n\
         key j\n\
         key j\n\
         key enter\n\
         wait mail subject \"Half written\"\n\
         key E\n\
         wait text \"ann@friends.example\"\n\
         snapshot resumed\n",
    )
    .unwrap();
    let output = run_script(&script, out.path(), out.path(), &["--demo".into()]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let resumed = std::fs::read_to_string(out.path().join("resumed.txt")).unwrap();
    assert!(
        resumed.starts_with("Draft"),
        "the composer, resumed:\n{resumed}"
    );
    assert!(resumed.contains("Subject: Half written"), "{resumed}");
    assert!(resumed.contains(" demo │ Drafts │ "), "{resumed}");
}
