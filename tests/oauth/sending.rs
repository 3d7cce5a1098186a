//! Sending from an OAuth2 account: the composer's sender submits over SMTP with XOAUTH2 and
//! files the Sent copy, and keeps a draft, over IMAP signed in with the same keeper's token
//! (OAUTHBEARER here, as the account says), refreshing a token the servers would refuse first.
//! Checked on Dovecot's log and by reading the folders back.

use sealmail::auth::oauth2::{Mechanism, TokenKeeper, TokenStore};
use sealmail::config::sending::{SendingSpec, SentCopy, SmtpAuthSpec};
use sealmail::mail::outgoing::Outgoing;
use zeroize::Zeroizing;

use crate::common::{Reader, address, imap_settings, oauth_settings, stack};
use crate::support::{IdpOptions, Postfix};

fn letter(subject: &str) -> Outgoing {
    Outgoing {
        from: format!("Alice <{}>", address("alice")),
        to: vec![address("bob")],
        bcc: vec!["portal@example.test".into()],
        subject: subject.into(),
        body: Zeroizing::new("sent over an OAuth2 sign-in\n".into()),
        ..Outgoing::default()
    }
}

#[tokio::test]
async fn an_oauth2_account_files_its_sent_copy_and_drafts_over_its_token() {
    let s = stack(IdpOptions::default()).await;
    let postfix = Postfix::start(&s.dovecot).await;
    s.dovecot.create_folder("alice", "Sent");
    s.dovecot.create_folder("alice", "Drafts");
    let keeper = TokenKeeper::new(oauth_settings(
        &s.idp,
        TokenStore::Memory,
        Mechanism::OAuthBearer,
    ))
    .unwrap();
    let mut reader = Reader::start(imap_settings(&s.dovecot, &address("alice"), keeper.clone()));
    let prompt = reader.prompt().await;
    s.idp
        .approve_device(&prompt.user_code, "alice")
        .await
        .unwrap();
    reader.online().await;

    let spec = SendingSpec {
        smtp: postfix.smtp_url(),
        auth: SmtpAuthSpec::OAuth2 {
            user: address("alice"),
        },
        ca_file: Some(postfix.ca_pem().to_path_buf()),
        from: format!("Alice <{}>", address("alice")),
        sent: SentCopy::Folder(None),
        drafts: None,
        signature: None,
        identities: Vec::new(),
    };
    let imap = imap_settings(&s.dovecot, &address("alice"), keeper.clone());
    let (_, sender) = sealmail::cli::sending::sender(spec, Some(imap)).unwrap();

    // The token held is taken back, as when it expires: the sender refreshes it before it
    // signs in to SMTP, and IMAP files with the fresh one.
    let held = keeper
        .held_token()
        .await
        .expect("a token after the sign-in");
    keeper.rejected(&held).await;
    let refreshes = keeper.refresh_count();
    let receipt = sender
        .send(Box::new(letter("Filed over OAuth2")), Some("Sent".into()))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", postfix.log()));
    assert_eq!(receipt.recipients, 2);
    assert_eq!(receipt.filed, Some(Ok("Sent".into())));
    assert_eq!(keeper.refresh_count(), refreshes + 1, "refreshed once");
    assert_eq!(keeper.sign_in_count(), 1, "no second device sign-in");
    s.dovecot
        .wait_for_messages("bob", 1, std::time::Duration::from_secs(30))
        .await;
    assert_eq!(s.dovecot.folder_message_count("alice", "Sent"), 1);
    let sent_dir = s.dovecot.folder_dir("alice", "Sent").join("cur");
    let copy = std::fs::read_dir(&sent_dir)
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .next()
        .expect("the copy");
    assert!(copy.contains("Subject: Filed over OAuth2"), "{copy}");
    assert!(
        copy.contains("portal@example.test"),
        "the copy keeps the Bcc"
    );

    let drafts = sender
        .postpone(Box::new(letter("Kept over OAuth2")), Some("Drafts".into()))
        .await
        .unwrap();
    assert_eq!(drafts, "Drafts");
    assert_eq!(s.dovecot.folder_message_count("alice", "Drafts"), 1);

    let log = s.dovecot.log();
    let logins = log
        .matches("Login: user=<alice@example.test>, method=OAUTHBEARER")
        .count();
    assert!(
        logins >= 3,
        "the reader, the Sent copy and the draft signed in with the token: {log}"
    );
    assert!(!log.contains("method=PLAIN"), "{log}");
    let sessions = postfix.wait_for_sessions(1).await;
    assert!(sessions[0].contains("auth=1"), "{sessions:?}");
    reader.shutdown().await;
}
