//! The partial message fetch on every server: a message with a large attachment opens with a
//! few KB moved, its attachment list is the server's BODYSTRUCTURE (as another client reads
//! it), the attachment comes back byte for byte by its section, the source view gets the
//! message as the server keeps it, and attached messages cut short stay the siblings the
//! server sees.

use base64::Engine;
use sealmail::imap;
use sealmail::mail::{LoadedMessage, SourceCommand, SourceEvent};

use crate::common::{Reader, base64_lines, noise, server_parts_of_line, zip_part};
use crate::support::{Server, ServerKind};

const USER: &str = "alice";

on_every_server!(
    a_large_attachment_stays_on_the_server_until_asked_for,
    attached_messages_cut_short_are_the_servers_siblings,
);

/// The top-level parts after the first, as the server's BODYSTRUCTURE of INBOX message `uid`
/// lists them to another client: (file name, type, octets on the server).
async fn servers_parts(server: &Server, uid: u32) -> Vec<(String, String, u32)> {
    let mut client = server.client(USER).await;
    client.select("INBOX").await;
    let reply = client.ok(&format!("UID FETCH {uid} BODYSTRUCTURE")).await;
    client.logout().await;
    let line = reply
        .untagged
        .iter()
        .find(|l| l.contains("BODYSTRUCTURE"))
        .unwrap_or_else(|| panic!("no BODYSTRUCTURE: {reply:?}"));
    server_parts_of_line(line)
}

/// Opens INBOX, then message `uid` without marking it seen; returns it and the bytes received
/// while opening it.
async fn open(reader: &mut Reader, traffic: &imap::Traffic, uid: u32) -> (LoadedMessage, u64) {
    reader.open_all("INBOX", 1, 50).await;
    let before = traffic.snapshot().0;
    let message = reader
        .fetch_message(2, uid)
        .await
        .expect("the message opens");
    (message, traffic.snapshot().0 - before)
}

async fn a_large_attachment_stays_on_the_server_until_asked_for(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let zip = noise(3_000_000, 23);
    let raw = format!(
        "From: Carol Example <carol@example.test>\r\nTo: alice@example.test\r\n\
         Subject: Figures\r\nDate: Tue, 24 Nov 2026 08:00:00 +0000\r\n\
         Message-ID: <figures@example.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe figures are in the zip.\r\n\
         {}--b1--\r\n",
        zip_part("b1", "figures.zip", &zip)
    );
    let uid = server.append(USER, "INBOX", raw.as_bytes()).await;
    let on_server = servers_parts(&server, uid).await;
    let encoded = base64_lines(&zip).len();
    assert_eq!(on_server.len(), 1, "{name}: the server sees one attachment");
    assert!(
        (on_server[0].2 as usize).abs_diff(encoded) < encoded / 100,
        "{name}: {on_server:?} for {encoded} bytes of base64"
    );

    let (mut reader, traffic) = Reader::start_counted(server.settings(USER));
    reader.online().await;
    let (message, moved) = open(&mut reader, &traffic, uid).await;
    eprintln!(
        "{name}: opening a {} byte message moved {moved} bytes",
        raw.len()
    );
    assert!(moved < 8 * 1024, "{name}: {moved} bytes moved to open it");
    let view = &message.view;
    assert!(
        view.body.iter().any(|l| l == "The figures are in the zip."),
        "{name}: {:?}",
        view.body
    );
    let listed: Vec<(String, String)> = view
        .attachments
        .iter()
        .map(|a| (a.name.to_string(), a.mime.to_string()))
        .collect();
    let wanted: Vec<(String, String)> = on_server
        .iter()
        .map(|(n, m, _)| (n.clone(), m.clone()))
        .collect();
    assert_eq!(listed, wanted, "{name}: the list is the server's");
    let attachment = &view.attachments[0];
    // The size the user reads is the decoded one the server's octets stand for.
    assert!(
        attachment.size.abs_diff(zip.len()) < zip.len() / 100,
        "{name}: {} listed for {}",
        attachment.size,
        zip.len()
    );

    let before = traffic.snapshot().0;
    let part = imap::fetch_part(
        &server.settings(USER),
        traffic.clone(),
        "INBOX",
        uid,
        &attachment.section,
    )
    .await
    .unwrap_or_else(|e| panic!("{name}: the part: {e}"));
    assert!(
        traffic.snapshot().0 - before > encoded as u64,
        "{name}: counted too"
    );
    let text: Vec<u8> = part.into_iter().filter(|b| !b"\r\n".contains(b)).collect();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64");
    assert!(decoded == zip, "{name}: the attachment comes back whole");

    // The source view asks for the whole message: the server's bytes, attachment included,
    // where the opened message left the attachment out.
    assert!(
        message.raw.len() < raw.len() / 10,
        "{name}: opened without the zip"
    );
    reader
        .send(SourceCommand::FetchSource {
            req: 3,
            folder: "INBOX".into(),
            uid,
        })
        .await;
    let source = reader
        .wait_for("Source", |e| match e {
            SourceEvent::Source { req: 3, result } => Some(result),
            _ => None,
        })
        .await
        .unwrap_or_else(|e| panic!("{name}: the source: {e}"));
    assert!(
        &source[..] == raw.as_bytes(),
        "{name}: the source is the message as appended ({} of {} bytes)",
        source.len(),
        raw.len()
    );
    reader.shutdown().await;
}

/// `tests/fixtures/mime/truncated-attached-messages.eml` (issue 11 item 7): three attached
/// messages whose headers run into the next boundary. Every server here keeps it as sent and
/// lists three siblings in its BODYSTRUCTURE; the reader lists the same, with the same sizes.
async fn attached_messages_cut_short_are_the_servers_siblings(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let raw = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/mime/truncated-attached-messages.eml"),
    )
    .expect("fixture");
    let uid = server.append(USER, "INBOX", &raw).await;
    let on_server = servers_parts(&server, uid).await;
    assert_eq!(
        on_server.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
        ["training-mail.txt", "office-reply.txt", "shop-mail.txt"],
        "{name}: the server sees three siblings"
    );

    let (mut reader, traffic) = Reader::start_counted(server.settings(USER));
    reader.online().await;
    let (message, _) = open(&mut reader, &traffic, uid).await;
    let listed: Vec<(String, String, u32)> = message
        .view
        .attachments
        .iter()
        .map(|a| (a.name.to_string(), a.mime.to_string(), a.size as u32))
        .collect();
    assert_eq!(listed, on_server, "{name}: the list is the server's");
    assert!(
        message
            .view
            .body
            .iter()
            .any(|l| l.contains("Here are the three mails")),
        "{name}: {:?}",
        message.view.body
    );
    reader.shutdown().await;
}
