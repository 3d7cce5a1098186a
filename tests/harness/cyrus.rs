//! Cyrus: both namespace styles, the users and the admin, special use in lower case,
//! LOGINDISABLED before STARTTLS, LMTP delivery, read-only shared folders, the shutdown file's
//! `BYE [ALERT]`, restart, and a `Drop` that leaves nothing behind.

use std::time::Duration;

use crate::imap_raw::{RawImap, status, tcp, tls};
use crate::support::{Cyrus, CyrusOptions, CyrusStyle, rustls_client_config};

fn mail(subject: &str) -> Vec<u8> {
    format!(
        "From: Carol <carol@example.test>\r\nTo: alice@example.test\r\nSubject: {subject}\r\n\
         Date: Tue, 24 Nov 2026 08:00:00 +0000\r\n\r\nhello\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn both_styles_name_folders_their_way_with_special_use_in_lower_case() {
    for (options, namespace, trash) in [
        (
            CyrusOptions::debian(),
            r#"* NAMESPACE (("INBOX." ".")) (("user." ".")) (("" "."))"#,
            r#"* LIST (\HasNoChildren \trash) "." INBOX.Trash"#,
        ),
        (
            CyrusOptions::upstream(),
            r#"* NAMESPACE (("" "/")) (("Other Users/" "/")) (("Shared Folders/" "/"))"#,
            r#"* LIST (\HasNoChildren \trash) "/" Trash"#,
        ),
    ] {
        let cyrus = Cyrus::start(options).await;
        let style = cyrus.style();
        for user in ["alice", "bob", "portal"] {
            let mut client = cyrus.client(user).await;
            let ns = client.ok("NAMESPACE").await;
            assert_eq!(ns.untagged, vec![namespace.to_owned()], "{style:?}");
            let list = client.ok("LIST \"\" \"*\"").await;
            assert!(
                list.untagged.iter().any(|l| l == trash),
                "{style:?}: {list:?}"
            );
            client.logout().await;
        }
        // folder() spells a user's folder the style's way
        let nested = cyrus.folder("Archive/2024");
        assert_eq!(
            nested,
            match style {
                CyrusStyle::Debian => "INBOX.Archive.2024",
                CyrusStyle::Upstream => "Archive/2024",
            }
        );
        cyrus
            .client("alice")
            .await
            .folder_once("CREATE", &cyrus.folder("Archive"))
            .await;
        cyrus
            .client("alice")
            .await
            .folder_once("CREATE", &nested)
            .await;
        let uid = cyrus
            .client("alice")
            .await
            .append_once(&nested, &mail("archived"))
            .await;
        assert_eq!(
            cyrus.client("alice").await.uids_once(&nested).await,
            vec![uid]
        );
        cyrus
            .client("alice")
            .await
            .folder_once("DELETE", &nested)
            .await;
        let mut client = cyrus.client("alice").await;
        let gone = client.command(&format!("SELECT \"{nested}\"")).await;
        assert!(gone.status.starts_with("NO"), "{gone:?}");
        client.logout().await;
    }
}

#[tokio::test]
async fn the_plain_port_says_logindisabled_until_starttls() {
    let cyrus = Cyrus::start(CyrusOptions::default()).await;
    let (mut imap, greeting) = RawImap::greet(tcp(cyrus.imap_port()).await).await;
    assert!(greeting.starts_with("* OK"), "{greeting}");
    let caps = imap.command("CAPABILITY").await;
    assert!(
        caps[0].contains("LOGINDISABLED") && caps[0].contains("STARTTLS"),
        "{caps:?}"
    );
    let refused = imap.command("LOGIN alice alicepass").await;
    assert_eq!(status(&refused), "NO", "{refused:?}");
    let reply = imap.command("STARTTLS").await;
    assert_eq!(status(&reply), "OK", "{reply:?}");
    let config = rustls_client_config(cyrus.ca_pem());
    let stream = tls(imap.into_inner(), config, "localhost")
        .await
        .expect("STARTTLS handshake");
    let mut imap = RawImap::resume(stream);
    let caps = imap.command("CAPABILITY").await;
    assert!(!caps[0].contains("LOGINDISABLED"), "{caps:?}");
    let login = imap.command("LOGIN alice alicepass").await;
    assert_eq!(status(&login), "OK", "{login:?}");
}

#[tokio::test]
async fn lmtp_delivers_and_populate_appends_with_flags() {
    let cyrus = Cyrus::start(CyrusOptions::upstream()).await;
    cyrus.deliver("bob", &mail("over LMTP")).await;
    let uids = cyrus
        .client("bob")
        .await
        .populate_once("INBOX", 0, 30)
        .await;
    assert_eq!(uids, (2..=31).collect::<Vec<u32>>());
    let mut bob = cyrus.client("bob").await;
    bob.select("INBOX").await;
    assert_eq!(bob.uid_search_all().await, (1..=31).collect::<Vec<u32>>());
    let seen = bob.ok("UID SEARCH SEEN").await;
    let expected: Vec<String> = (0..30)
        .filter(|i| crate::support::generate_message(*i).flags.contains('S'))
        .map(|i| (i + 2).to_string())
        .collect();
    assert_eq!(
        seen.untagged,
        vec![
            format!("* SEARCH {}", expected.join(" "))
                .trim_end()
                .to_owned()
        ]
    );
    let subject = bob
        .ok("UID FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        .await;
    assert!(subject.untagged[0].contains("over LMTP"), "{subject:?}");
    let expunged = cyrus
        .client("bob")
        .await
        .expunge_once("INBOX", &[3, 5])
        .await;
    assert_eq!(expunged.untagged, vec!["* 3 EXPUNGE", "* 4 EXPUNGE"]);
    bob.logout().await;
}

#[tokio::test]
async fn shared_folders_refuse_what_their_acl_does_not_allow() {
    let cyrus = Cyrus::start(CyrusOptions::debian()).await;
    let read_only = cyrus
        .read_only_shared_folder("News", &[&mail("read me")])
        .await;
    let seen_only = cyrus
        .seen_only_shared_folder("Lists/Rust", &[&mail("mark me")])
        .await;
    assert_eq!(
        (read_only.as_str(), seen_only.as_str()),
        ("News", "Lists.Rust")
    );
    let mut alice = cyrus.client("alice").await;

    let select = alice.select(&read_only).await;
    assert!(select.status.contains("[READ-ONLY]"), "{select:?}");
    assert!(
        select
            .untagged
            .iter()
            .any(|l| l.contains("[PERMANENTFLAGS ()]")),
        "{select:?}"
    );
    let store = alice.command("STORE 1 +FLAGS (\\Seen)").await;
    assert_eq!(store.status, "NO Permission denied");

    let select = alice.select(&seen_only).await;
    assert!(select.status.contains("[READ-WRITE]"), "{select:?}");
    assert!(
        select
            .untagged
            .iter()
            .any(|l| l.contains("[PERMANENTFLAGS (\\Seen)]")),
        "{select:?}"
    );
    let store = alice.command("STORE 1 +FLAGS (\\Flagged)").await;
    assert_eq!(store.status, "NO Permission denied");
    alice.ok("STORE 1 +FLAGS (\\Seen)").await;
    alice.logout().await;
}

#[tokio::test]
async fn the_shutdown_file_ends_sessions_with_bye_alert() {
    let cyrus = Cyrus::start(CyrusOptions::debian()).await;
    let mut idling = cyrus.client("alice").await;
    idling.select("INBOX").await;
    let mut busy = cyrus.client("bob").await;
    busy.select("INBOX").await;
    let idle = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cyrus.shutdown_with_alert("maintenance until 20:00");
    };
    let (lines, ()) = tokio::join!(idling.idle_until_close(Duration::from_secs(10)), idle);
    // in IDLE at once
    assert_eq!(lines, vec!["* BYE [ALERT] maintenance until 20:00"]);
    // any other session: the next command is answered, then the session ends
    let lines = busy.lines_until_close("NOOP").await;
    assert_eq!(
        lines.last().map(String::as_str),
        Some("* BYE [ALERT] maintenance until 20:00"),
        "{lines:?}"
    );
    // a new login too
    let mut late = cyrus.client("alice").await;
    let lines = late.lines_until_close("NOOP").await;
    assert!(
        lines
            .iter()
            .any(|l| l == "* BYE [ALERT] maintenance until 20:00"),
        "{lines:?}"
    );
    cyrus.clear_shutdown();
    let mut back = cyrus.client("alice").await;
    back.ok("NOOP").await;
    back.logout().await;
}

#[tokio::test]
async fn restart_keeps_mail_and_drop_leaves_nothing_behind() {
    let mut cyrus = Cyrus::start(CyrusOptions::debian()).await;
    cyrus.deliver("alice", &mail("kept")).await;
    cyrus.restart().await;
    assert!(cyrus.is_running());
    assert_eq!(
        cyrus.client("alice").await.uids_once("INBOX").await,
        vec![1]
    );
    cyrus.kill().await;
    assert!(!cyrus.is_running());
    cyrus.start_again().await;
    assert_eq!(
        cyrus.client("alice").await.uids_once("INBOX").await,
        vec![1]
    );

    let dir = cyrus.state_dir().to_path_buf();
    let ports = [cyrus.imap_port(), cyrus.imaps_port(), cyrus.lmtp_port()];
    let config = dir.join("conf/imapd.conf");
    drop(cyrus);
    assert!(!dir.exists() || std::env::var_os("SEALMAIL_TEST_KEEP").is_some());
    for port in ports {
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} still open"
        );
    }
    // no process of this instance is left (they all name its config on their command line)
    let leftovers: Vec<String> = std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&config.display().to_string()))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
