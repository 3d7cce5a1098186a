//! A reply flags its original `\Answered`, end to end: the reader (`sealmail script`) on
//! alice's Dovecot account replies with `w` and sends through a real Postfix; the flag is
//! then read back from Dovecot over IMAP, and the reply is in bob's INBOX.

use std::time::Duration;

use crate::runs::{describe, run_script};
use crate::support::{Dovecot, DovecotOptions, ImapClient, Postfix};

/// The flags of every message in alice's INBOX, one FETCH line each.
async fn inbox_flags(dovecot: &Dovecot) -> Vec<String> {
    let mut imap =
        ImapClient::login(dovecot.imaps_port(), dovecot.ca_pem(), "alice", "alicepass").await;
    imap.select("INBOX").await;
    let reply = imap.ok("UID FETCH 1:* (FLAGS)").await;
    imap.logout().await;
    reply
        .untagged
        .into_iter()
        .filter(|l| l.contains("FETCH"))
        .collect()
}

#[tokio::test]
async fn a_sent_reply_flags_its_original_answered_on_the_server() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start(&dovecot).await;
    dovecot.create_folder("alice", "Sent");
    dovecot
        .deliver(
            "alice",
            b"From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: Lunch plans\r\n\
              Message-ID: <lunch@example.test>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n\r\n\
              Thursday at noon?\r\n",
        )
        .await;
    let before = inbox_flags(&dovecot).await;
    assert!(
        before.len() == 1 && !before[0].contains("\\Answered"),
        "{before:?}"
    );
    let out = tempfile::tempdir().unwrap();
    let config_dir = out.path().join("config/sealmail");
    std::fs::create_dir_all(&config_dir).unwrap();
    let ca = dovecot.ca_pem().display().to_string();
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[[account]]\nname = \"alice\"\nimap = \"{imap}\"\nuser = \"alice\"\n\
             password_command = \"printf %s alicepass\"\nca_file = \"{ca}\"\n\
             smtp = \"{smtp}\"\nfrom = \"Alice <alice@example.test>\"\n",
            imap = dovecot.imaps_url(),
            smtp = postfix.smtp_url(),
        ),
    )
    .unwrap();
    let script = out.path().join("answer.script");
    std::fs::write(
        &script,
        "size 100x24\n\
         wait idle\n\
         wait text \"Lunch plans\"\n\
         key w\n\
         wait text \"Reply\"\n\
         type \"Noon it is.\"\n\
         key esc\n\
         key s\n\
         wait text \"sent to 1 recipient; a copy is in Sent\" timeout 30\n\
         snapshot sent\n",
    )
    .unwrap();
    let output = run_script(&script, out.path(), out.path(), &[]).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{}",
        describe(&output),
        postfix.log()
    );

    // The reader stores the flag after the send; it logs out before the script ends.
    let mut flags = inbox_flags(&dovecot).await;
    for _ in 0..50 {
        if flags.iter().any(|l| l.contains("\\Answered")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        flags = inbox_flags(&dovecot).await;
    }
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert!(flags[0].contains("\\Answered"), "{flags:?}");

    dovecot
        .wait_for_messages("bob", 1, Duration::from_secs(30))
        .await;
    let reply = std::fs::read_dir(dovecot.maildir("bob").join("new"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .next()
        .expect("the reply");
    assert!(reply.contains("Subject: Re: Lunch plans"), "{reply}");
    assert!(
        reply.contains("In-Reply-To: <lunch@example.test>"),
        "{reply}"
    );
    assert!(reply.contains("Noon it is."), "{reply}");
    assert_eq!(dovecot.folder_message_count("alice", "Sent"), 1);
}
