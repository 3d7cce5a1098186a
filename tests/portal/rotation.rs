//! Master key rotation: a ring whose first key wraps new registrations while the earlier key
//! still opens the old ones; `sealmail portal --rewrap` (beside the running portal) moves them
//! all to the new key; then the earlier key leaves the ring, replaced by its fingerprint line,
//! and every message and session still works.

use sealmail::sealed::client::Credential;
use sealmail::sealed::message::find_envelope;

use crate::common::{
    Options, PortalProc, inner_message, mail_files, mail_stack, new_master_key, passcode_mail,
    seal_cli,
};

#[tokio::test]
async fn a_rotated_key_wraps_new_messages_and_rewrap_retires_the_old_one() {
    let (dovecot, postfix) = mail_stack().await;
    let old = new_master_key();
    let mut portal = PortalProc::start(Options {
        master_key: Some(old.clone()),
        ..Options::mail_via(&postfix)
    })
    .await;
    let first_inner = inner_message("alice@example.test", "ROTATION-1");
    let first = find_envelope(&seal_cli(&portal.origin, &first_inner, &[]).await).unwrap();
    let first_id = first.envelope.header.id.clone();
    let client = portal.client();
    let requested = client
        .request_passcode(&first_id, "alice@example.test")
        .await
        .unwrap();
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    let session = client
        .unseal(
            &first_id,
            &Credential::Passcode {
                email: "alice@example.test".into(),
                code: code.as_str().into(),
            },
        )
        .await
        .unwrap()
        .session;
    let session = Credential::Session(session);

    // Rotate: the new key first, the old one after it.
    let new = new_master_key();
    let key_file = portal.dir.path().join("master.key");
    std::fs::write(&key_file, format!("{new}\n{old}\n")).unwrap();
    portal.restart().await;
    let client = portal.client();
    let opened = client.unseal(&first_id, &session).await.unwrap();
    assert_eq!(
        first.envelope.open(&opened.key).unwrap().expose(),
        &first_inner[..],
        "the old key still opens what it wrapped, and the session still holds"
    );
    let second_inner = inner_message("alice@example.test", "ROTATION-2");
    let second = find_envelope(&seal_cli(&portal.origin, &second_inner, &[]).await).unwrap();

    let report = portal.admin(&["--rewrap"]).await;
    assert!(
        report.contains("re-wrapped 1 keys; 1 were under the current key already; 0 open"),
        "{report}"
    );
    let again = portal.admin(&["--rewrap"]).await;
    assert!(again.contains("re-wrapped 0 keys; 2 were"), "{again}");
    let fingerprint = portal.admin(&["--print-fingerprint-line"]).await;
    assert!(fingerprint.starts_with("fingerprint:"), "{fingerprint}");

    // Retire the old key: only its fingerprint line stays.
    std::fs::write(&key_file, format!("{new}\n{}", fingerprint.trim())).unwrap();
    portal.restart().await;
    let client = portal.client();
    for (found, inner) in [(&first, &first_inner), (&second, &second_inner)] {
        let opened = client
            .unseal(&found.envelope.header.id, &session)
            .await
            .expect("opens under the new key alone");
        assert_eq!(
            found.envelope.open(&opened.key).unwrap().expose(),
            &inner[..]
        );
    }
    // The fingerprint line is what keeps addresses matching: without it alice is no longer
    // a recipient, and no passcode mail goes out; with it, one does.
    let second_id = second.envelope.header.id.clone();
    std::fs::write(&key_file, format!("{new}\n")).unwrap();
    portal.restart().await;
    let before = mail_files(&dovecot, "alice").len();
    portal
        .client()
        .request_passcode(&second_id, "alice@example.test")
        .await
        .expect("the same answer for anyone");
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(mail_files(&dovecot, "alice").len(), before);
    std::fs::write(&key_file, format!("{new}\n{}", fingerprint.trim())).unwrap();
    portal.restart().await;
    let requested = portal
        .client()
        .request_passcode(&second_id, "alice@example.test")
        .await
        .unwrap();
    passcode_mail(&dovecot, "alice", &requested.reference).await;
}
