//! A sealed message read over IMAP as the reader reads it: opening fetches the parts shown and
//! the sealed parts, not the attachment beside them, and the inline flow opens what it fetched.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use sealmail::detect::Vendor;
use sealmail::imap::{self, Auth, ImapSettings, Traffic};
use sealmail::mail::{LoadedMessage, SourceCommand, SourceEvent};
use sealmail::sealed::client::Credential;
use sealmail::sealed::message::find_envelope;
use tokio::sync::mpsc;

use crate::common::{Options, PortalProc, inner_message, mail_stack, passcode_mail, seal_cli};
use crate::support::password;

/// `sealed` with a 3 MB zip added as the last part of its top-level multipart.
fn beside_a_zip(sealed: &[u8]) -> Vec<u8> {
    use mail_parser::MimeHeaders;
    let message = mail_parser::MessageParser::default()
        .parse(sealed)
        .expect("parses");
    let boundary = message
        .root_part()
        .content_type()
        .and_then(|ct| ct.attribute("boundary"))
        .expect("a multipart")
        .to_owned();
    let close = format!("--{boundary}--");
    let at = sealed
        .windows(close.len())
        .rposition(|w| w == close.as_bytes())
        .expect("the closing boundary");
    let zip: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(zip);
    let mut out = sealed[..at].to_vec();
    if !out.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Type: application/zip; name=\"minutes.zip\"\r\n\
             Content-Disposition: attachment; filename=\"minutes.zip\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n"
        )
        .as_bytes(),
    );
    for line in encoded.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(&sealed[at..]);
    out
}

/// Opens the first message of alice's INBOX through the IMAP actor; returns it and the bytes
/// received while opening it.
async fn open_first(settings: ImapSettings) -> (LoadedMessage, u64) {
    let traffic = Arc::new(Traffic::default());
    let (commands, command_rx) = mpsc::channel(16);
    let (event_tx, mut events) = mpsc::channel(256);
    let handle = imap::spawn_counted(settings, command_rx, event_tx, traffic.clone());
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(30), events.recv())
            .await
            .expect("an event in time")
            .expect("the actor runs")
    };
    commands
        .send(SourceCommand::OpenFolder {
            req: 1,
            folder: "INBOX".into(),
            window: 50,
        })
        .await
        .expect("sent");
    let mut uid = None;
    loop {
        match next().await {
            SourceEvent::Rows { rows, .. } => uid = uid.or(rows.last().map(|r| r.uid)),
            SourceEvent::FolderLoaded { .. } => break,
            _ => {}
        }
    }
    let before = traffic.snapshot().0;
    commands
        .send(SourceCommand::FetchMessage {
            req: 2,
            folder: "INBOX".into(),
            uid: uid.expect("a message"),
            mark_seen: false,
        })
        .await
        .expect("sent");
    let message = loop {
        if let SourceEvent::Message { req: 2, result } = next().await {
            break result.expect("the message opens");
        }
    };
    let moved = traffic.snapshot().0 - before;
    let _ = commands.send(SourceCommand::Shutdown).await;
    let _ = tokio::time::timeout(Duration::from_secs(10), handle).await;
    (message, moved)
}

#[tokio::test]
async fn a_sealed_message_beside_a_large_attachment_opens_inline_from_the_parts_fetched() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let client = portal.client();
    let inner = inner_message("alice@example.test", "beside-a-zip");
    let mail = beside_a_zip(&seal_cli(&portal.origin, &inner, &[]).await);
    assert!(mail.len() > 4_000_000);
    dovecot.deliver("alice", &mail).await;

    let mut settings = ImapSettings::from_url(
        &dovecot.imaps_url(),
        "alice",
        Auth::Password(password("alice").into()),
    )
    .expect("valid URL");
    settings.ca_file = Some(dovecot.ca_pem().to_path_buf());
    let (message, moved) = open_first(settings).await;
    eprintln!(
        "opening a {} byte sealed message moved {moved} bytes",
        mail.len()
    );
    assert!(moved < 64 * 1024, "{moved} bytes moved to open the message");
    let judged = message.portal.as_ref().expect("portal mail");
    assert_eq!(judged.vendor, Some(Vendor::Sealed));
    assert!(judged.readable_inline, "{judged:?}");
    let zip = message
        .view
        .attachments
        .iter()
        .find(|a| a.name == "minutes.zip")
        .expect("the zip is listed");
    assert!(zip.size.abs_diff(3_000_000) < 30_000, "{}", zip.size);

    // The inline flow reads the envelope and the ciphertext from the bytes fetched.
    let found = find_envelope(&message.raw).expect("the envelope and ciphertext were fetched");
    let env = &found.envelope.header;
    let requested = client
        .request_passcode(&env.id, "alice@example.test")
        .await
        .expect("passcode");
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    let credential = Credential::Passcode {
        email: "alice@example.test".into(),
        code: code.as_str().into(),
    };
    let unsealed = client.unseal(&env.id, &credential).await.expect("unseal");
    let plain = found.envelope.open(&unsealed.key).expect("open");
    assert_eq!(
        plain.expose(),
        &inner[..],
        "the inner message, byte for byte"
    );
}
