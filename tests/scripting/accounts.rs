//! Several accounts in one session, against Dovecot: alice's and bob's mailboxes and an
//! account whose server is not there, from one config file. The reader opens the first,
//! lists all three on `A`, switches to bob's (started then, its INBOX opened), finds alice's
//! list and selection as they were on the way back, and shows the broken account's error
//! without touching the other two (it keeps trying, as any account whose server is away).

use crate::runs::{describe, run_script};
use crate::support::{Dovecot, DovecotOptions};

fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: Carol <carol@example.test>\r\nTo: someone@example.test\r\nSubject: {subject}\r\n\
         Date: Tue, 24 Nov 2026 09:00:00 +0000\r\nMessage-ID: <{}@example.test>\r\n\r\nHello.\r\n",
        subject.replace(' ', "-")
    )
    .into_bytes()
}

#[tokio::test]
async fn accounts_switch_keep_their_state_and_fail_alone() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    for i in 0..3 {
        dovecot
            .deliver("alice", &message(&format!("For alice {i}")))
            .await;
    }
    dovecot.deliver("bob", &message("For bob only")).await;
    let out = tempfile::tempdir().unwrap();
    let config_dir = out.path().join("config/sealmail");
    std::fs::create_dir_all(&config_dir).unwrap();
    let ca = dovecot.ca_pem().display().to_string();
    // A port nothing listens on: the third account fails to connect.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = closed.local_addr().unwrap().port();
    drop(closed);
    let config = format!(
        "[[account]]\nname = \"alice\"\nimap = \"{url}\"\nuser = \"alice\"\n\
         password_command = \"printf %s alicepass\"\nca_file = \"{ca}\"\n\n\
         [[account]]\nname = \"bob\"\nimap = \"{url}\"\nuser = \"bob\"\n\
         password_command = \"printf %s bobpass\"\nca_file = \"{ca}\"\n\n\
         [[account]]\nname = \"broken\"\nimap = \"imaps://127.0.0.1:{dead_port}\"\n\
         user = \"nobody\"\npassword_command = \"printf %s x\"\nca_file = \"{ca}\"\n",
        url = dovecot.imaps_url()
    );
    std::fs::write(config_dir.join("config.toml"), config).unwrap();
    let script = out.path().join("accounts.script");
    std::fs::write(
        &script,
        "size 100x24\n\
         wait idle\n\
         wait text \"For alice 2\"\n\
         key j\n\
         key A\n\
         wait text \"Accounts\"\n\
         snapshot accounts-list\n\
         key j\n\
         key enter\n\
         wait text \"For bob only\"\n\
         wait idle\n\
         snapshot bob\n\
         key A\n\
         key k\n\
         key enter\n\
         wait text \"For alice 1\"\n\
         snapshot alice-again\n\
         key A\n\
         key j\n\
         key j\n\
         key enter\n\
         wait text \"connection problem\" timeout 20\n\
         snapshot broken\n\
         key A\n\
         key k\n\
         key k\n\
         key enter\n\
         wait text \"For alice 0\"\n\
         snapshot alice-last\n",
    )
    .unwrap();
    let output = run_script(&script, out.path(), out.path(), &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let read =
        |name: &str| std::fs::read_to_string(out.path().join(format!("{name}.txt"))).unwrap();
    let list = read("accounts-list");
    for line in [
        "> alice  (shown)",
        "  bob  (not opened yet)",
        "  broken  (not opened yet)",
    ] {
        assert!(list.contains(line), "{line:?} in\n{list}");
    }
    let bob = read("bob");
    assert!(bob.contains("bob │ INBOX │ 1 message"), "{bob}");
    assert!(!bob.contains("For alice"), "{bob}");
    // Alice's list as it was: the second row still selected.
    let alice = read("alice-again");
    let selected = alice
        .lines()
        .find(|l| l.starts_with('>'))
        .unwrap_or_default();
    assert!(selected.contains("For alice 1"), "{alice}");
    assert!(alice.contains("alice │ INBOX │ 3 messages"), "{alice}");
    let broken = read("broken");
    assert!(broken.contains("broken │"), "{broken}");
    assert!(broken.contains("reconnecting"), "{broken}");
    let last = read("alice-last");
    assert!(
        last.contains("For alice 0") && !last.contains("offline"),
        "{last}"
    );
}

/// The demo has a second account, so that switching can be tried with nothing installed.
#[tokio::test]
async fn the_demo_has_a_second_account_to_switch_to() {
    let out = tempfile::tempdir().unwrap();
    let script = out.path().join("demo-accounts.script");
    std::fs::write(
        &script,
        "size 100x24\n\
         wait idle\n\
         key A\n\
         wait text \"demo: second account\"\n\
         key j\n\
         key enter\n\
         wait text \"Welcome to Northwind Hosting\"\n\
         wait idle\n\
         snapshot second\n\
         key A\n\
         key k\n\
         key enter\n\
         wait text \"Welcome to sealmail\"\n\
         snapshot first\n",
    )
    .unwrap();
    let output = run_script(&script, out.path(), out.path(), &["--demo".into()]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let second = std::fs::read_to_string(out.path().join("second.txt")).unwrap();
    assert!(
        second.contains("demo: second account │ INBOX │ 3 messages"),
        "{second}"
    );
    let first = std::fs::read_to_string(out.path().join("first.txt")).unwrap();
    assert!(first.contains("demo │ INBOX │"), "{first}");
}
