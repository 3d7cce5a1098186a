//! Privacy: after seal -> passcode -> unseal, the portal's database (the SQLite file, or a
//! `pg_dump` of its PostgreSQL database), its log and its working directory hold neither the passcode, nor the session token, nor the content key, nor any of
//! the plaintext, in any encoding we can think of.

use base64::Engine as _;
use sealmail::sealed::client::Credential;
use sealmail::sealed::message::find_envelope;

use crate::common::{
    Backend, Options, PortalProc, inner_message, mail_stack, passcode_mail, seal_cli,
};
use crate::support::Postgres;

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn the_portal_keeps_no_secret_and_no_plaintext() {
    let (dovecot, postfix) = mail_stack().await;
    let mut portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let marker = "PRIVACY-MARKER-7f3a9c";
    let inner = inner_message("alice@example.test", marker);
    let sealed = seal_cli(&portal.origin, &inner, &[]).await;
    let found = find_envelope(&sealed).unwrap();
    let id = found.envelope.header.id.clone();
    let client = portal.client();
    let requested = client
        .request_passcode(&id, "alice@example.test")
        .await
        .unwrap();
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    let unsealed = client
        .unseal(
            &id,
            &Credential::Passcode {
                email: "alice@example.test".into(),
                code: code.as_str().into(),
            },
        )
        .await
        .unwrap();
    client
        .unseal(&id, &Credential::Session(unsealed.session.clone()))
        .await
        .unwrap();
    assert_eq!(
        found.envelope.open(&unsealed.key).unwrap().expose(),
        &inner[..]
    );
    // Stop it so everything it buffered is on disk (the WAL, the log).
    portal.stop().await;

    let key = unsealed.key.expose().to_vec();
    let session = unsealed.session.expose().to_owned();
    let std_b64 = base64::engine::general_purpose::STANDARD;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let secrets: Vec<(&str, Vec<u8>)> = vec![
        ("passcode", code.clone().into_bytes()),
        ("session token", session.clone().into_bytes()),
        ("content key (raw)", key.clone()),
        (
            "content key (base64url)",
            unsealed.key.to_b64url().expose().as_bytes().to_vec(),
        ),
        ("content key (base64)", std_b64.encode(&key).into_bytes()),
        ("content key (hex)", hex.into_bytes()),
        ("plaintext marker", marker.as_bytes().to_vec()),
        ("plaintext subject line", b"Quarterly figures".to_vec()),
        ("plaintext body", b"The confidential text".to_vec()),
        // Recipients are stored as keyed fingerprints, and never logged.
        ("recipient address", b"alice@example.test".to_vec()),
    ];
    let mut files = files_under(portal.dir.path());
    match crate::BACKEND {
        Backend::Sqlite => assert!(
            files.iter().any(|f| f.ends_with("portal.sqlite")),
            "the database is in the working dir"
        ),
        Backend::Postgres => {
            let url = portal.database.clone().expect("a PostgreSQL database");
            let name = url.rsplit('/').next().expect("a database name");
            let dump = Postgres::shared().dump(name).await;
            let text = String::from_utf8_lossy(&dump);
            assert!(
                text.contains("COPY public.sessions") && text.contains("COPY public.passcodes"),
                "the dump is the real one:\n{text}"
            );
            let path = portal.dir.path().join("pg_dump.sql");
            std::fs::write(&path, &dump).unwrap();
            files.push(path);
        }
    }
    assert!(
        files.iter().any(|f| f.ends_with("portal.log")),
        "the log is in the working dir"
    );
    let log = portal.log();
    assert!(
        log.contains("message registered"),
        "the log is the real one:\n{log}"
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for (what, secret) in &secrets {
            assert!(
                !contains(&bytes, secret),
                "{} contains the {what}",
                file.display()
            );
        }
    }
    // Any 16-byte window of the plaintext, too: nothing of the message reaches the portal.
    let all: Vec<u8> = files
        .iter()
        .flat_map(|f| std::fs::read(f).unwrap())
        .collect();
    for window in inner.windows(16).step_by(8) {
        assert!(
            !contains(&all, window),
            "a piece of the plaintext is on the portal: {:?}",
            String::from_utf8_lossy(window)
        );
    }
}
