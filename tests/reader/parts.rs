//! Opening a message fetches what is shown, not its attachments: the bytes moved, the parts
//! listed with their sizes on the server, portal verdicts unchanged, a part fetched later by
//! its section, and an attachment list that follows the server's BODYSTRUCTURE.

use std::sync::Arc;

use base64::Engine;
use sealmail::imap::{self, Traffic};
use sealmail::mail::{LoadedMessage, SourceEvent};

use crate::common::{Reader, base64_lines, noise, server_parts_of_line, settings, zip_part};
use crate::imap_raw;
use crate::scripted::{self, Line, Received, Reply};
use crate::support::{Dovecot, DovecotOptions, password};

/// A reader whose connections count their bytes into the returned `Traffic`.
fn counted_reader(dovecot: &Dovecot) -> (Reader, Arc<Traffic>) {
    Reader::start_counted(account(dovecot))
}

fn account(dovecot: &Dovecot) -> imap::ImapSettings {
    settings(
        &dovecot.imaps_url(),
        "alice",
        password("alice"),
        Some(dovecot.ca_pem()),
    )
}

/// Opens message `uid` of INBOX without marking it seen; returns it and the bytes received.
async fn open(reader: &mut Reader, traffic: &Traffic, uid: u32, req: u64) -> (LoadedMessage, u64) {
    let before = traffic.snapshot().0;
    let message = reader
        .fetch_message(req, uid)
        .await
        .expect("the message opens");
    (message, traffic.snapshot().0 - before)
}

#[tokio::test]
async fn opening_a_message_with_a_large_attachment_moves_only_its_text() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let zip = noise(8_000_000, 7);
    let raw = format!(
        "From: Carol Example <carol@example.test>\r\nTo: alice@example.test\r\n\
         Subject: Figures\r\nDate: Tue, 24 Nov 2026 08:00:00 +0000\r\n\
         Message-ID: <figures@example.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe figures are in the zip.\r\n\
         {}--b1--\r\n",
        zip_part("b1", "figures.zip", &zip)
    );
    assert!(raw.len() > 10_000_000);
    dovecot.deliver("alice", raw.as_bytes()).await;

    let (mut reader, traffic) = counted_reader(&dovecot);
    reader.online().await;
    let (chunks, _) = reader.open_all("INBOX", 1, 50).await;
    let uid = chunks.concat().first().expect("listed").uid;
    let (message, moved) = open(&mut reader, &traffic, uid, 2).await;
    eprintln!("opening a {} byte message moved {moved} bytes", raw.len());
    assert!(moved < 8 * 1024, "{moved} bytes moved to open the message");

    let view = &message.view;
    assert!(view.body.iter().any(|l| l == "The figures are in the zip."));
    assert_eq!(view.attachments.len(), 1);
    let listed = &view.attachments[0];
    assert_eq!(
        (listed.name.as_str(), listed.mime.as_str()),
        ("figures.zip", "application/zip")
    );
    // The size on the server, not that of the empty part downloaded.
    assert!(
        listed.size.abs_diff(zip.len()) < zip.len() / 100,
        "{} listed for {}",
        listed.size,
        zip.len()
    );

    // The attachment itself, when asked for, by its section.
    let before = traffic.snapshot().0;
    assert_eq!(listed.section, "2");
    let part = imap::fetch_part(
        &account(&dovecot),
        traffic.clone(),
        "INBOX",
        uid,
        &listed.section,
    )
    .await
    .expect("the part");
    assert!(traffic.snapshot().0 - before > 10_000_000, "counted too");
    let text: Vec<u8> = part.into_iter().filter(|b| !b"\r\n".contains(b)).collect();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64");
    assert!(decoded == zip, "the attachment comes back whole");
    let missing = imap::fetch_part(&account(&dovecot), traffic.clone(), "INBOX", uid, "1.x").await;
    assert!(missing.is_err(), "a section that is not one is refused");
    reader.shutdown().await;
}

/// `raw` with a large attachment added at the end of its top-level multipart, when it has one.
fn with_large_attachment(raw: &[u8], seed: u64) -> Option<Vec<u8>> {
    use mail_parser::MimeHeaders;
    let message = mail_parser::MessageParser::default().parse(raw)?;
    let boundary = message
        .root_part()
        .content_type()?
        .attribute("boundary")?
        .to_owned();
    let close = format!("--{boundary}--");
    let at = raw
        .windows(close.len())
        .rposition(|w| w == close.as_bytes())?;
    let mut out = raw[..at].to_vec();
    if !out.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(zip_part(&boundary, "archive.zip", &noise(2_000_000, seed)).as_bytes());
    out.extend_from_slice(&raw[at..]);
    Some(out)
}

#[tokio::test]
async fn portal_mail_beside_a_large_attachment_reads_and_judges_as_downloaded_whole() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/portal");
    let mut files = Vec::new();
    for dir in [root.clone(), root.join("adversarial")] {
        for entry in std::fs::read_dir(&dir).expect("portal fixtures").flatten() {
            if entry.path().extension().is_some_and(|x| x == "eml") {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    let mut expected = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let Some(raw) = with_large_attachment(&std::fs::read(file).expect("fixture"), i as u64)
        else {
            continue;
        };
        dovecot.deliver("alice", &raw).await;
        expected.push((file.clone(), raw));
    }
    assert!(
        expected.len() >= 10,
        "{} multipart fixtures",
        expected.len()
    );

    let (mut reader, traffic) = counted_reader(&dovecot);
    reader.online().await;
    let (chunks, total) = reader.open_all("INBOX", 1, 100).await;
    assert_eq!(total as usize, expected.len());
    let mut rows = chunks.concat();
    rows.sort_by_key(|r| r.uid);
    let mut portal = 0;
    for (i, ((file, raw), row)) in expected.iter().zip(&rows).enumerate() {
        let name = file.display();
        let (message, moved) = open(&mut reader, &traffic, row.uid, 10 + i as u64).await;
        assert!(moved < 256 * 1024, "{name}: {moved} bytes moved");
        let whole = LoadedMessage::from_raw(row.uid, raw.clone()).expect("parses whole");
        let judged = |m: &LoadedMessage| {
            m.portal
                .as_ref()
                .map(|c| (c.vendor, c.verdict, c.readable_inline, c.links.clone()))
        };
        assert_eq!(judged(&message), judged(&whole), "{name}: verdict");
        portal += usize::from(whole.portal.is_some());
        assert_eq!(message.view.body, whole.view.body, "{name}: body");
        let names = |m: &LoadedMessage| -> Vec<(String, String)> {
            m.view
                .attachments
                .iter()
                .map(|a| (a.name.to_string(), a.mime.to_string()))
                .collect()
        };
        assert_eq!(names(&message), names(&whole), "{name}: attachments");
        let archive = message.view.attachments.last().expect("the archive");
        assert!(
            archive.size.abs_diff(2_000_000) < 20_000,
            "{name}: {}",
            archive.size
        );
    }
    assert!(portal >= 8, "{portal} portal messages among the fixtures");
    reader.shutdown().await;
}

#[tokio::test]
async fn the_attachment_list_follows_the_servers_bodystructure() {
    // Three attached messages whose headers run into the next boundary (no empty line, a
    // multipart body that never starts): a MIME parser reading on from the first one nests
    // the others inside it.
    let raw = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/mime/truncated-attached-messages.eml"),
    )
    .expect("fixture");
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    dovecot.deliver("alice", &raw).await;

    let mut raw_imap = imap_raw::imaps_login(&dovecot, "alice").await;
    raw_imap.command("SELECT INBOX").await;
    let reply = raw_imap.command("UID FETCH 1:* BODYSTRUCTURE").await;
    let line = reply
        .iter()
        .find(|l| l.contains("BODYSTRUCTURE"))
        .expect("a BODYSTRUCTURE");
    let expected = server_parts_of_line(line);
    assert_eq!(
        expected.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
        ["training-mail.txt", "office-reply.txt", "shop-mail.txt"],
        "the server sees three siblings"
    );

    let (mut reader, traffic) = counted_reader(&dovecot);
    reader.online().await;
    let (chunks, _) = reader.open_all("INBOX", 1, 50).await;
    let uid = chunks.concat().first().expect("listed").uid;
    let (message, _) = open(&mut reader, &traffic, uid, 2).await;
    let listed: Vec<(String, String, u32)> = message
        .view
        .attachments
        .iter()
        .map(|a| (a.name.to_string(), a.mime.to_string(), a.size as u32))
        .collect();
    assert_eq!(listed, expected, "the list is the server's");
    assert!(
        message
            .view
            .body
            .iter()
            .any(|l| l.contains("Here are the three mails"))
    );
    reader.shutdown().await;
}

/// How the scripted server answers the structure of the message being opened.
#[derive(Clone, Copy, Debug)]
enum Answer {
    /// A usable BODYSTRUCTURE, then NIL for every section asked for.
    NilSections,
    /// A FETCH response without BODYSTRUCTURE.
    NoStructure,
    /// BAD to the structure.
    BadStructure,
    /// A usable BODYSTRUCTURE, then BAD to the sections (as a server that does not know
    /// `n.MIME` might).
    BadSections,
}

const SCRIPTED_MESSAGE: &str = "From: Carol <carol@example.test>\r\nTo: alice@example.test\r\n\
Subject: scripted\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n\
--B\r\nContent-Type: text/plain\r\n\r\nOpened whole.\r\n--B\r\nContent-Type: application/zip\r\n\
Content-Disposition: attachment; filename=\"a.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
QUJD\r\n--B--\r\n";

const SCRIPTED_STRUCTURE: &str = "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 15 1 NIL NIL NIL NIL)\
(\"application\" \"zip\" NIL NIL NIL \"base64\" 9000000 NIL (\"attachment\" (\"filename\" \"a.zip\")) NIL NIL) \
\"mixed\" (\"boundary\" \"B\") NIL NIL NIL)";

/// A one-message IMAP server (plain TCP on loopback) that answers the opening of its message
/// as `answer` says and the whole download with the message; it keeps every line it read.
async fn scripted_server(answer: Answer) -> (u16, Received) {
    scripted::listen("* OK scripted\r\n", move || {
        move |line: &Line| scripted_answer(line, answer)
    })
    .await
}

fn scripted_answer(line: &Line, answer: Answer) -> Reply {
    let tag = &line.tag;
    let command = line
        .text
        .split_whitespace()
        .skip(1)
        .collect::<Vec<_>>()
        .join(" ");
    let upper = command.to_ascii_uppercase();
    let bad = Reply::Send(format!("{tag} BAD not understood\r\n"));
    let row = format!(
        "* 1 FETCH (UID 1 FLAGS () INTERNALDATE \"24-Nov-2026 08:00:00 +0000\" \
         RFC822.SIZE {} ENVELOPE (NIL \"scripted\" NIL NIL NIL NIL NIL NIL NIL NIL) \
         BODYSTRUCTURE {SCRIPTED_STRUCTURE})\r\n",
        SCRIPTED_MESSAGE.len()
    );
    let data = if upper.starts_with("CAPABILITY") {
        "* CAPABILITY IMAP4rev1\r\n".to_owned()
    } else if upper.starts_with("SELECT") || upper.starts_with("EXAMINE") {
        "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n".to_owned()
    } else if upper.starts_with("FETCH") {
        row
    } else if upper.starts_with("UID SEARCH") {
        "* SEARCH 1\r\n".to_owned()
    } else if upper == "UID FETCH 1 BODYSTRUCTURE" {
        match answer {
            Answer::NilSections | Answer::BadSections => {
                format!("* 1 FETCH (UID 1 BODYSTRUCTURE {SCRIPTED_STRUCTURE})\r\n")
            }
            Answer::NoStructure => "* 1 FETCH (UID 1 FLAGS ())\r\n".to_owned(),
            Answer::BadStructure => return bad,
        }
    } else if upper.contains("BODY.PEEK[HEADER]") && matches!(answer, Answer::BadSections) {
        return bad;
    } else if upper.contains("BODY.PEEK[HEADER]") {
        let nils: Vec<String> = command
            .split("BODY.PEEK[")
            .skip(1)
            .filter_map(|s| s.split(']').next())
            .map(|s| format!("BODY[{s}] NIL"))
            .collect();
        format!("* 1 FETCH (UID 1 {})\r\n", nils.join(" "))
    } else if upper.contains("BODY.PEEK[]") {
        format!(
            "* 1 FETCH (UID 1 BODY[] {{{}}}\r\n{SCRIPTED_MESSAGE})\r\n",
            SCRIPTED_MESSAGE.len()
        )
    } else if upper.starts_with("LOGOUT") {
        return scripted::ordinary(line, "");
    } else {
        String::new()
    };
    Reply::Send(format!("{data}{tag} OK done\r\n"))
}

#[tokio::test]
async fn a_server_that_answers_nil_no_structure_or_bad_still_opens_the_message_whole() {
    for answer in [
        Answer::NilSections,
        Answer::NoStructure,
        Answer::BadStructure,
        Answer::BadSections,
    ] {
        let (port, log) = scripted_server(answer).await;
        let mut reader = Reader::start(settings(
            &format!("imap+plain://127.0.0.1:{port}"),
            "alice",
            "pw",
            None,
        ));
        reader
            .wait_for("Online", |e| match e {
                SourceEvent::Connection(sealmail::mail::ConnectionState::Online { .. }) => Some(()),
                _ => None,
            })
            .await;
        reader.open_all("INBOX", 1, 50).await;
        let traffic = Traffic::default();
        let (message, _) = open(&mut reader, &traffic, 1, 2).await;
        assert!(
            message.view.body.iter().any(|l| l == "Opened whole."),
            "{answer:?}: {:?}",
            message.view.body
        );
        let log: Vec<String> = log.text().lines().map(str::to_owned).collect();
        let asked = |what: &str| log.iter().any(|l| l.contains(what));
        assert!(asked("UID FETCH 1 BODYSTRUCTURE"), "{answer:?}: {log:?}");
        assert_eq!(
            asked("BODY.PEEK[HEADER] "),
            matches!(answer, Answer::NilSections | Answer::BadSections),
            "{answer:?}: the sections are asked for only with a structure: {log:?}"
        );
        assert!(
            asked("BODY.PEEK[]"),
            "{answer:?}: then the whole message: {log:?}"
        );
        reader.shutdown().await;
    }
}

#[tokio::test]
async fn attached_messages_are_opened_to_their_text_and_their_attachments_left() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let pdf = noise(2_000_000, 11);
    let zip = noise(1_500_000, 12);
    let raw = format!(
        "From: Carol <carol@example.test>\r\nTo: alice@example.test\r\nSubject: Forwards\r\n\
         Date: Tue, 24 Nov 2026 08:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"top\"\r\n\r\n\
         --top\r\nContent-Type: text/plain\r\n\r\nTwo forwards and a zip.\r\n\
         --top\r\nContent-Type: message/rfc822\r\n\r\n\
         From: Dan <dan@example.test>\r\nSubject: Plain forward\r\n\
         Content-Type: text/plain\r\n\r\nThe first forward.\r\n\
         --top\r\nContent-Type: message/rfc822\r\n\r\n\
         From: Erin <erin@example.test>\r\nSubject: Scan forward\r\n\
         Content-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n\
         --inner\r\nContent-Type: text/plain\r\n\r\nThe scan is attached.\r\n\
         --inner\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"scan.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}--inner--\r\n\r\n\
         {}--top--\r\n",
        base64_lines(&pdf),
        zip_part("top", "data.zip", &zip),
    );
    dovecot.deliver("alice", raw.as_bytes()).await;
    let (mut reader, traffic) = counted_reader(&dovecot);
    reader.online().await;
    let (chunks, _) = reader.open_all("INBOX", 1, 50).await;
    let uid = chunks.concat().first().expect("listed").uid;
    let (message, moved) = open(&mut reader, &traffic, uid, 2).await;
    assert!(moved < 8 * 1024, "{moved} bytes moved");

    let whole = LoadedMessage::from_raw(uid, raw.into_bytes()).expect("parses whole");
    assert_eq!(message.view.body, whole.view.body);
    for text in [
        "Two forwards and a zip.",
        "The first forward.",
        "The scan is attached.",
    ] {
        assert!(message.view.body.iter().any(|l| l == text), "{text}");
    }
    let listed: Vec<(&str, usize)> = message
        .view
        .attachments
        .iter()
        .map(|a| (a.name.as_str(), a.size))
        .collect();
    let names: Vec<&str> = listed.iter().map(|l| l.0).collect();
    assert_eq!(
        names,
        ["Plain forward", "Scan forward", "↳ scan.pdf", "data.zip"]
    );
    for (name, size, real) in [
        ("↳ scan.pdf", listed[2].1, pdf.len()),
        ("data.zip", listed[3].1, zip.len()),
    ] {
        assert!(
            size.abs_diff(real) < real / 100,
            "{name}: {size} for {real}"
        );
    }
    // An attached message is listed with its size on the server, the scan's included.
    assert!(listed[1].1 > 2_000_000, "{listed:?}");
    let section = &message.view.attachments[2].section;
    assert_eq!(section, "3.2");
    let scan = imap::fetch_part(&account(&dovecot), traffic.clone(), "INBOX", uid, section)
        .await
        .expect("the scan by its section");
    let text: Vec<u8> = scan.into_iter().filter(|b| !b"\r\n".contains(b)).collect();
    assert!(
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .expect("base64")
            == pdf,
        "the scan comes back whole"
    );
    reader.shutdown().await;
}
