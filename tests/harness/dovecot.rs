//! Dovecot: TLS that verifies against the test CA and only against it, STARTTLS, logins,
//! LMTP delivery, populate, restart.

use std::time::Duration;

use crate::imap_raw::{RawImap, imaps_login, status, tcp, tls, trust_nothing};
use crate::support::{Dovecot, DovecotOptions, generate_message, rustls_client_config};

#[tokio::test]
async fn imaps_certificate_verifies_against_the_test_ca_only() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let config = rustls_client_config(dovecot.ca_pem());
    for name in ["localhost", "127.0.0.1"] {
        let stream = tls(tcp(dovecot.imaps_port()).await, config.clone(), name)
            .await
            .unwrap_or_else(|e| panic!("TLS to {name} with the test CA: {e}"));
        let (_, greeting) = RawImap::greet(stream).await;
        assert!(greeting.starts_with("* OK"), "greeting: {greeting}");
    }

    let refused = tls(
        tcp(dovecot.imaps_port()).await,
        trust_nothing(),
        "localhost",
    )
    .await;
    let Err(error) = refused else {
        panic!("TLS must fail without the test CA");
    };
    assert!(
        error.to_string().contains("UnknownIssuer"),
        "unexpected error: {error}"
    );
}

#[tokio::test]
async fn untrusted_cert_option_fails_verification_with_the_test_ca() {
    let dovecot = Dovecot::start(DovecotOptions::default().untrusted_cert()).await;
    let config = rustls_client_config(dovecot.ca_pem());
    let refused = tls(tcp(dovecot.imaps_port()).await, config, "localhost").await;
    let Err(error) = refused else {
        panic!("a certificate from another CA must not verify");
    };
    assert!(
        error.to_string().contains("UnknownIssuer"),
        "unexpected error: {error}"
    );
}

#[tokio::test]
async fn starttls_is_offered_and_upgrades_to_a_verified_session() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let (mut imap, greeting) = RawImap::greet(tcp(dovecot.imap_port()).await).await;
    assert!(greeting.contains("STARTTLS"), "greeting: {greeting}");
    let reply = imap.command("STARTTLS").await;
    assert_eq!(status(&reply), "OK", "{reply:?}");
    let config = rustls_client_config(dovecot.ca_pem());
    let stream = tls(imap.into_inner(), config, "localhost")
        .await
        .expect("STARTTLS handshake");
    let mut imap = RawImap::resume(stream);
    let caps = imap.command("CAPABILITY").await;
    assert_eq!(status(&caps), "OK", "{caps:?}");
    assert!(
        !caps[0].contains("STARTTLS"),
        "still offered after TLS: {caps:?}"
    );
    let login = imap.command("LOGIN alice alicepass").await;
    assert_eq!(status(&login), "OK", "{login:?}");
}

#[tokio::test]
async fn without_tls_option_offers_no_starttls() {
    let dovecot = Dovecot::start(DovecotOptions::default().without_tls()).await;
    let (mut imap, _) = RawImap::greet(tcp(dovecot.imap_port()).await).await;
    let caps = imap.command("CAPABILITY").await;
    assert_eq!(status(&caps), "OK", "{caps:?}");
    assert!(caps[0].contains("IMAP4rev1"), "{caps:?}");
    assert!(!caps[0].contains("STARTTLS"), "{caps:?}");
    assert_eq!(status(&imap.command("STARTTLS").await), "BAD");
}

#[tokio::test]
async fn logins_accept_the_right_password_only_and_wrong_ones_cost_no_penalty() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let (mut imap, _) = RawImap::greet(tcp(dovecot.imap_port()).await).await;
    for _ in 0..4 {
        let reply = imap.command("LOGIN alice wrongpass").await;
        assert_eq!(status(&reply), "NO", "{reply:?}");
    }
    let reply = imap.command("LOGIN alice@example.test alicepass").await;
    assert_eq!(status(&reply), "OK", "{reply:?}");
    // the other users exist too
    for (user, _) in crate::support::USERS {
        imaps_login(&dovecot, user).await;
    }
}

#[tokio::test]
async fn lmtp_delivery_lands_in_the_maildir_and_over_imap() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    assert_eq!(dovecot.message_count("bob"), 0);
    let raw = b"From: Carol <carol@example.org>\nTo: bob@example.test\nSubject: over LMTP\n\
                Message-ID: <lmtp-1@example.org>\n\n.leading dot\nhello bob\n";
    dovecot.deliver("bob", raw).await;
    assert_eq!(dovecot.message_count("bob"), 1);
    let file = std::fs::read_dir(dovecot.maildir("bob").join("new"))
        .expect("new/")
        .next()
        .expect("one file in new/")
        .expect("dir entry");
    let stored = std::fs::read_to_string(file.path()).expect("read the delivered file");
    assert!(stored.contains("Subject: over LMTP"), "{stored}");
    assert!(
        stored.contains("\n.leading dot\n"),
        "dot-stuffing undone: {stored}"
    );

    let mut imap = imaps_login(&dovecot, "bob").await;
    let select = imap.command("SELECT INBOX").await;
    assert!(
        select.iter().any(|l| l.starts_with("* 1 EXISTS")),
        "{select:?}"
    );
    assert_eq!(
        dovecot.message_count("alice"),
        0,
        "mail went to the wrong user"
    );
}

#[tokio::test]
async fn populate_writes_dovecot_style_files_in_arrival_order() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let indices = dovecot.populate("alice", 1000);
    assert_eq!(indices, 0..1000);
    assert_eq!(dovecot.message_count("alice"), 1000);

    let cur = dovecot.maildir("alice").join("cur");
    let expected = generate_message(500);
    let name = expected.file_name(500);
    let path = cur.join(&name);
    assert_eq!(
        std::fs::read(&path).expect("file of message 500"),
        expected.bytes
    );
    let mtime = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("mtime")
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after the epoch")
        .as_secs();
    assert_eq!(mtime as i64, expected.arrival);
    assert!(
        name.contains(&format!(",S={},W=", expected.bytes.len())),
        "{name}"
    );

    // Dovecot sees all of them, in arrival order, with sizes and flags from the file names
    let mut imap = imaps_login(&dovecot, "alice").await;
    let select = imap.command("SELECT INBOX").await;
    assert!(
        select.iter().any(|l| l.starts_with("* 1000 EXISTS")),
        "{select:?}"
    );
    let newest = imap
        .command("FETCH 1000 (FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        .await;
    let last = generate_message(999);
    let text = newest.concat();
    assert!(text.contains(&last.message_id), "{newest:?}");
    let crlf_size = last.bytes.len() + last.bytes.iter().filter(|b| **b == b'\n').count();
    assert!(
        text.contains(&format!("RFC822.SIZE {crlf_size}")),
        "{newest:?}"
    );
    assert_eq!(
        text.contains("\\Seen"),
        last.flags.contains('S'),
        "{newest:?}"
    );

    // a second call continues the sequence
    assert_eq!(dovecot.populate("alice", 5), 1000..1005);
    assert_eq!(dovecot.message_count("alice"), 1005);
}

#[tokio::test]
async fn restart_keeps_the_mail_and_the_ports() {
    let mut dovecot = Dovecot::start(DovecotOptions::default()).await;
    dovecot
        .deliver("alice", b"Subject: before restart\n\nbody\n")
        .await;
    dovecot.populate("alice", 3);
    let (imap_port, imaps_port) = (dovecot.imap_port(), dovecot.imaps_port());
    let mut session = imaps_login(&dovecot, "alice").await;

    dovecot.restart().await;
    assert!(dovecot.is_running());
    assert_eq!(
        (dovecot.imap_port(), dovecot.imaps_port()),
        (imap_port, imaps_port)
    );
    // the old connection is gone: the write fails, or the server said BYE / closed it
    let answer = tokio::time::timeout(Duration::from_secs(5), async {
        use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};
        let reader = session.reader();
        reader.get_mut().write_all(b"t9 NOOP\r\n").await?;
        reader.get_mut().flush().await?;
        let mut text = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await? == 0 {
                return Ok::<_, std::io::Error>(text);
            }
            text.push_str(&line);
        }
    })
    .await
    .expect("the old connection neither failed nor closed within 5 s");
    if let Ok(text) = answer {
        assert!(
            !text.contains("t9 OK"),
            "the old session survived a restart: {text}"
        );
    }

    let mut imap = imaps_login(&dovecot, "alice").await;
    let select = imap.command("SELECT INBOX").await;
    assert!(
        select.iter().any(|l| l.starts_with("* 4 EXISTS")),
        "{select:?}"
    );
}

#[tokio::test]
async fn stop_kill_and_drop_end_the_processes_and_drop_removes_the_state() {
    let mut dovecot = Dovecot::start(DovecotOptions::default()).await;
    let state = dovecot.state_dir().to_path_buf();
    let port = dovecot.imap_port();
    dovecot.stop().await;
    assert!(!dovecot.is_running());
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    );
    dovecot.start_again().await;
    assert!(dovecot.is_running());

    // a crash: every process gone at once, the mail stays
    dovecot
        .deliver("alice", b"Subject: before the crash\n\nbody\n")
        .await;
    let mut session = imaps_login(&dovecot, "alice").await;
    dovecot.kill().await;
    assert!(!dovecot.is_running());
    let mut line = String::new();
    {
        use tokio::io::AsyncBufReadExt as _;
        let read = session.reader().read_line(&mut line).await;
        assert!(
            matches!(read, Ok(0) | Err(_)),
            "after a crash the server said {line:?}"
        );
    }
    dovecot.start_again().await;
    let mut imap = imaps_login(&dovecot, "alice").await;
    let select = imap.command("SELECT INBOX").await;
    assert!(
        select.iter().any(|l| l.starts_with("* 1 EXISTS")),
        "{select:?}"
    );
    drop(imap);
    drop(dovecot);
    assert!(!state.exists(), "{} left behind", state.display());
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn folders_made_by_the_harness_are_listed_and_hold_their_messages() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    assert_eq!(dovecot.populate_folder("alice", "Archive", 7), 0..7);
    dovecot.create_folder("alice", "Lists.Rust");
    assert_eq!(dovecot.folder_message_count("alice", "Archive"), 7);
    assert_eq!(dovecot.message_count("alice"), 0);

    let mut imap = imaps_login(&dovecot, "alice").await;
    let list = imap.command("LIST \"\" \"*\"").await.concat();
    for folder in ["INBOX", "Archive", "Lists.Rust"] {
        assert!(
            list.contains(&format!("\"{folder}\"")) || list.contains(&format!(" {folder}\r")),
            "{list}"
        );
    }
    let status = imap.command("STATUS Archive (MESSAGES)").await.concat();
    assert!(status.contains("MESSAGES 7"), "{status}");
}
