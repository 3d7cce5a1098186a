//! What the reader's sender does after sending: the copy, with its Bcc, goes to the account's
//! Sent folder over IMAP (the folder the server marks `\Sent` unless the config names one, or
//! none when the server files it itself); a copy that cannot be filed is said, the message
//! being sent all the same.

use sealmail::config::SecretSource;
use sealmail::config::sending::{SendingSpec, SentCopy, SmtpAuthSpec};
use sealmail::imap::{Auth, ImapSettings};
use sealmail::secret::SecretString;

use crate::common::{delivered, letter, parse, read_folder};
use crate::support::{Dovecot, DovecotOptions, Postfix};

pub fn spec(postfix: &Postfix, sent: SentCopy) -> SendingSpec {
    SendingSpec {
        smtp: postfix.smtp_url(),
        auth: SmtpAuthSpec::Password {
            user: "alice".into(),
            // Shared with the IMAP login below: never read from here.
            secret: SecretSource::Env("SEALMAIL_TEST_UNSET_PASSWORD".into()),
        },
        ca_file: Some(postfix.ca_pem().to_path_buf()),
        from: "Alice <alice@example.test>".into(),
        sent,
        drafts: None,
        signature: None,
        identities: Vec::new(),
    }
}

pub fn imap(dovecot: &Dovecot) -> ImapSettings {
    let mut settings = ImapSettings::from_url(
        &dovecot.imaps_url(),
        "alice",
        Auth::Password(SecretString::new("alicepass".into())),
    )
    .unwrap();
    settings.ca_file = Some(dovecot.ca_pem().to_path_buf());
    settings
}

#[tokio::test]
async fn the_copy_with_its_bcc_is_filed_in_sent() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start(&dovecot).await;
    dovecot.create_folder("alice", "Sent Items");
    let (identity, sender) = sealmail::cli::sending::sender(
        spec(&postfix, SentCopy::Folder(None)),
        Some(imap(&dovecot)),
    )
    .unwrap();
    assert_eq!(identity.own, ["alice@example.test"]);
    let mut message = letter("alice", &["bob"]);
    message.bcc = vec!["portal@example.test".into()];
    // The folder the server marks \Sent, as the reader found it.
    let receipt = sender
        .send(Box::new(message), Some("Sent Items".into()))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", postfix.log()));
    assert_eq!(receipt.filed, Some(Ok("Sent Items".into())));
    let inbox = delivered(&dovecot, "bob", 1).await;
    let copies = read_folder(&dovecot, "alice", "Sent Items").await;
    assert_eq!(copies.len(), 1);
    let copy = parse(&copies[0]);
    assert_eq!(copy.message_id(), parse(&inbox[0]).message_id());
    assert_eq!(
        copy.bcc().and_then(|b| b.first()).and_then(|a| a.address()),
        Some("portal@example.test")
    );
}

#[tokio::test]
async fn a_configured_folder_wins_and_skip_files_nothing() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start(&dovecot).await;
    dovecot.create_folder("alice", "Outbox");
    let (_, named) = sealmail::cli::sending::sender(
        spec(&postfix, SentCopy::Folder(Some("Outbox".into()))),
        Some(imap(&dovecot)),
    )
    .unwrap();
    let receipt = named
        .send(Box::new(letter("alice", &["bob"])), Some("Sent".into()))
        .await
        .unwrap();
    assert_eq!(receipt.filed, Some(Ok("Outbox".into())));
    let (_, skip) =
        sealmail::cli::sending::sender(spec(&postfix, SentCopy::Skip), Some(imap(&dovecot)))
            .unwrap();
    let receipt = skip
        .send(Box::new(letter("alice", &["bob"])), Some("Outbox".into()))
        .await
        .unwrap();
    assert_eq!(receipt.filed, None);
    // A folder that does not exist: sent all the same, and said.
    let (_, missing) = sealmail::cli::sending::sender(
        spec(&postfix, SentCopy::Folder(Some("Nowhere".into()))),
        Some(imap(&dovecot)),
    )
    .unwrap();
    let receipt = missing
        .send(Box::new(letter("alice", &["bob"])), None)
        .await
        .unwrap();
    assert!(
        matches!(&receipt.filed, Some(Err(why)) if why.starts_with("Nowhere")),
        "{:?}",
        receipt.filed
    );
    delivered(&dovecot, "bob", 3).await;
    assert_eq!(read_folder(&dovecot, "alice", "Outbox").await.len(), 1);
}

#[tokio::test]
async fn a_postponed_message_is_kept_in_drafts_and_resumed_as_it_was() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start(&dovecot).await;
    dovecot.create_folder("alice", "Drafts");
    let (identity, outbox) = sealmail::cli::sending::sender(
        spec(&postfix, SentCopy::Folder(None)),
        Some(imap(&dovecot)),
    )
    .unwrap();
    let mut message = letter("alice", &["bob"]);
    message.bcc = vec!["portal@example.test".into()];
    message.in_reply_to = Some("<first@example.test>".into());
    message.references = vec!["<first@example.test>".into()];
    assert_eq!(
        outbox
            .postpone(Box::new(message), Some("Drafts".into()))
            .await,
        Ok("Drafts".into())
    );
    // A draft may have no recipient yet.
    let mut unaddressed = letter("alice", &[]);
    unaddressed.attachments.clear();
    assert_eq!(
        outbox.postpone(Box::new(unaddressed), None).await,
        Ok("Drafts".into())
    );
    let mut imap_client = crate::support::ImapClient::login(
        dovecot.imaps_port(),
        dovecot.ca_pem(),
        "alice",
        "alicepass",
    )
    .await;
    imap_client.select("Drafts").await;
    let flags = imap_client.ok("UID FETCH 1:* FLAGS").await;
    assert!(
        flags
            .untagged
            .iter()
            .filter(|l| l.contains("\\Draft"))
            .count()
            == 2,
        "{flags:?}"
    );
    let drafts = read_folder(&dovecot, "alice", "Drafts").await;
    let view = sealmail::mime::parse(&drafts[0]).unwrap();
    let resumed = sealmail::mail::compose::Draft::resume(&view, &identity);
    assert_eq!(resumed.from, "Zoë Ånström <alice@example.test>");
    assert_eq!(resumed.to, "bob@example.test");
    assert_eq!(resumed.bcc, "portal@example.test");
    assert_eq!(resumed.subject, "Grüße — the plan ☕");
    assert_eq!(resumed.in_reply_to.as_deref(), Some("<first@example.test>"));
    assert!(resumed.body.starts_with("Hallo,\n\nhier ist der Plan."));
    // Nothing was sent meanwhile.
    assert_eq!(dovecot.message_count("bob"), 0);
}
