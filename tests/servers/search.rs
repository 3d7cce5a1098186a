//! Searching on every server: each kind of term (addresses, subjects and bodies in UTF-8,
//! dates, sizes, flags), OR/NOT nesting and phrases give exactly the messages that match, run
//! by the server (`UID SEARCH CHARSET UTF-8`, ESEARCH where offered); a search among new mail
//! names only the new matches; a query that names list marks comes back as one set per server
//! part. On a Dovecot without ESEARCH and without LITERAL+ the same queries give the same
//! answers (plain SEARCH replies, literals sent after the server's go-ahead).

use std::sync::Arc;

use chrono::NaiveDate;
use sealmail::mail::SourceCommand;
use sealmail::mail::SourceEvent;
use sealmail::mail::query;
use sealmail::mail::search::{Hits, SearchRequest};

use crate::common::Reader;
use crate::support::{Dovecot, DovecotOptions, Server, ServerKind};

const USER: &str = "alice";

on_every_server!(
    every_kind_of_query_finds_exactly_its_messages,
    every_folder_is_searched_beside_the_open_one,
);

/// The fixture: five messages, appended in this order (UIDs 1..=5 in a fresh INBOX).
fn fixture() -> Vec<(&'static str, String)> {
    let big = "lunch menu line\r\n".repeat(1200);
    vec![
        (
            "(\\Seen)",
            "From: Alice Example <alice@example.test>\r\nTo: bob@example.test\r\n\
             Subject: Quarterly report\r\nDate: Sat, 10 Jan 2026 10:00:00 +0000\r\n\
             Message-ID: <q1@example.test>\r\n\r\nThe numbers are in.\r\n"
                .to_string(),
        ),
        (
            "",
            "From: =?UTF-8?Q?J=C3=BCrgen_Gro=C3=9F?= <juergen@example.test>\r\n\
             To: alice@example.test\r\nCc: carol@example.test\r\n\
             Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=\r\n\
             Date: Sun, 01 Feb 2026 10:00:00 +0000\r\nMessage-ID: <g2@example.test>\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\nSchöne Grüße\r\n"
                .to_string(),
        ),
        (
            "(\\Seen \\Flagged)",
            "From: bob@example.test\r\nTo: alice@example.test\r\n\
             Subject: Re: Quarterly report\r\nDate: Sun, 15 Feb 2026 10:00:00 +0000\r\n\
             Message-ID: <q3@example.test>\r\nIn-Reply-To: <q1@example.test>\r\n\r\n\
             See the invoice.\r\n"
                .to_string(),
        ),
        (
            "(\\Seen \\Answered)",
            format!(
                "From: carol@example.test\r\nTo: dave@example.test\r\n\
                 Cc: alice@example.test\r\nSubject: Lunch?\r\n\
                 Date: Sun, 01 Mar 2026 10:00:00 +0000\r\nMessage-ID: <l4@example.test>\r\n\r\n{big}"
            ),
        ),
        (
            "",
            "From: alice@example.test\r\nTo: carol@example.test\r\n\
             Subject: =?UTF-8?B?6KaL56mN44KC44KK?=\r\n\
             Date: Mon, 02 Mar 2026 10:00:00 +0000\r\nMessage-ID: <m5@example.test>\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\n価格表\r\n"
                .to_string(),
        ),
    ]
}

/// Every query with the positions (1-based, in fixture order) of the messages it finds.
const QUERIES: &[(&str, &[usize])] = &[
    ("from:alice", &[1, 5]),
    ("to:alice", &[2, 3]),
    ("cc:alice", &[4]),
    ("subject:quarterly", &[1, 3]),
    ("subject:Grüße", &[2]),
    ("from:Jürgen", &[2]),
    ("body:invoice", &[3]),
    ("text:Schöne", &[2]),
    ("見積", &[5]),
    ("\"quarterly report\"", &[1, 3]),
    ("since:2026-02-15", &[3, 4, 5]),
    ("before:2026-02-01", &[1]),
    ("on:2026-03-01", &[4]),
    ("larger:10k", &[4]),
    ("smaller:10k", &[1, 2, 3, 5]),
    ("is:unread", &[2, 5]),
    ("is:read", &[1, 3, 4]),
    ("is:flagged", &[3]),
    ("is:answered", &[4]),
    ("from:alice OR from:bob", &[1, 3, 5]),
    ("NOT from:alice", &[2, 3, 4]),
    ("-from:alice is:unread", &[2]),
    ("(from:alice OR to:alice) NOT subject:quarterly", &[2, 5]),
    (
        "from:alice OR (subject:lunch AND is:answered) OR to:dave",
        &[1, 4, 5],
    ),
    ("subject:nothing-like-this", &[]),
];

async fn open_inbox(reader: &mut Reader) {
    reader.open_inbox().await;
    reader
        .wait_for("INBOX loaded", |e| match e {
            SourceEvent::FolderLoaded { req: 1, .. } => Some(()),
            _ => None,
        })
        .await;
}

/// Runs a search and waits for its answer.
async fn search(reader: &mut Reader, req: u64, text: &str, within: Option<Vec<u32>>) -> Hits {
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).expect("a date");
    let query = query::parse(text, today).unwrap_or_else(|e| panic!("{text}: {e}"));
    reader
        .send(SourceCommand::Search(SearchRequest {
            req,
            folder: "INBOX".into(),
            query: Arc::new(query),
            within,
        }))
        .await;
    reader
        .wait_for(&format!("the answer to {text}"), |e| match e {
            SourceEvent::Searched(done) if done.req == req => Some(done),
            _ => None,
        })
        .await
        .result
        .unwrap_or_else(|e| panic!("{text}: the search failed: {e}"))
}

/// Appends the fixture; its UIDs in order.
async fn append_fixture(server: &Server) -> Vec<u32> {
    let mut client = server.client(USER).await;
    let mut uids = Vec::new();
    for (flags, raw) in fixture() {
        uids.push(client.append("INBOX", flags, raw.as_bytes()).await);
    }
    client.logout().await;
    uids
}

async fn run_every_query(server: &Server, what: &str) {
    let uids = append_fixture(server).await;
    let mut reader = Reader::start(server.settings(USER));
    reader.online_any().await;
    open_inbox(&mut reader).await;
    for (i, (text, positions)) in QUERIES.iter().enumerate() {
        let want: Vec<u32> = positions.iter().map(|p| uids[p - 1]).collect();
        let hits = search(&mut reader, 100 + i as u64, text, None).await;
        assert_eq!(hits, Hits::All(want), "{what}: {text}");
    }

    // A query naming a list mark: the server part comes back on its own, for the reader to
    // combine with the marks of its rows.
    let hits = search(&mut reader, 200, "from:alice OR has:attachment", None).await;
    assert_eq!(hits, Hits::Parts(vec![vec![uids[0], uids[4]]]), "{what}");

    // A search among new mail names only the new messages that match.
    let mut client = server.client(USER).await;
    let new_match = client
        .append(
            "INBOX",
            "",
            b"From: alice@example.test\r\nSubject: late news\r\n\r\nx\r\n",
        )
        .await;
    let new_other = client
        .append(
            "INBOX",
            "",
            b"From: zed@example.test\r\nSubject: other\r\n\r\nx\r\n",
        )
        .await;
    client.logout().await;
    // As the reader does: the new mail is asked about once the source has listed it.
    let mut listed = Vec::new();
    while !(listed.contains(&new_match) && listed.contains(&new_other)) {
        let rows = reader
            .wait_for(&format!("{what}: the new rows"), |e| match e {
                SourceEvent::NewRows { rows, .. } => Some(rows),
                _ => None,
            })
            .await;
        listed.extend(rows.iter().map(|r| r.uid));
    }
    let within = vec![new_match, new_other];
    let hits = search(&mut reader, 201, "from:alice", Some(within)).await;
    assert_eq!(hits, Hits::All(vec![new_match]), "{what}: among new mail");
    reader.shutdown().await;
}

async fn every_kind_of_query_finds_exactly_its_messages(kind: ServerKind) {
    let server = Server::start(kind).await;
    run_every_query(&server, server.name()).await;
}

#[tokio::test]
async fn without_esearch_and_literal_plus_the_answers_are_the_same() {
    let caps = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UNSELECT CHILDREN NAMESPACE \
                LIST-EXTENDED CONDSTORE QRESYNC UIDPLUS MOVE";
    let server = Server::Dovecot(
        Dovecot::start(
            DovecotOptions::default().extra_config(&format!("imap_capability = {caps}\n")),
        )
        .await,
    );
    let mut client = server.client(USER).await;
    let capabilities = format!("{:?}", client.ok("CAPABILITY").await);
    client.logout().await;
    assert!(
        !capabilities.contains("ESEARCH") && !capabilities.contains("LITERAL"),
        "{capabilities}"
    );
    run_every_query(&server, "Dovecot without ESEARCH and LITERAL+").await;
}

/// Every folder searched on the side, each reported with its count, while INBOX stays open
/// and answers a search of its own in between.
async fn every_folder_is_searched_beside_the_open_one(kind: ServerKind) {
    use sealmail::mail::search::{FolderHits, SearchAllRequest};
    let server = Server::start(kind).await;
    append_fixture(&server).await;
    let work = server.folder("Work");
    server.create_folder(USER, &work).await;
    let mut client = server.client(USER).await;
    for i in 0..3 {
        let raw = format!("From: alice@example.test\r\nSubject: work {i}\r\n\r\nx\r\n");
        client.append(&work, "", raw.as_bytes()).await;
    }
    client
        .append(
            &work,
            "",
            b"From: zed@example.test\r\nSubject: other\r\n\r\nx\r\n",
        )
        .await;
    client.logout().await;
    let mut reader = Reader::start(server.settings(USER));
    reader.online_any().await;
    open_inbox(&mut reader).await;
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).expect("a date");
    let folders = vec!["INBOX".to_string(), work.clone(), "Nowhere".to_string()];
    reader
        .send(SourceCommand::SearchAll(SearchAllRequest {
            req: 300,
            query: Arc::new(query::parse("from:alice", today).expect("a query")),
            folders: folders.clone(),
        }))
        .await;
    // The open folder answers meanwhile.
    let hits = search(&mut reader, 301, "subject:lunch", None).await;
    assert_eq!(hits, Hits::All(vec![4]), "{}", server.name());
    let mut counts = Vec::new();
    while counts.len() < folders.len() {
        let hits: FolderHits = reader
            .wait_for("a folder's count", |e| match e {
                SourceEvent::FolderHits(h) if h.req == 300 => Some(h),
                _ => None,
            })
            .await;
        assert_eq!((hits.done as usize, hits.total), (counts.len() + 1, 3));
        counts.push((hits.folder, hits.result));
    }
    assert_eq!(counts[0], ("INBOX".to_string(), Ok(2)), "{}", server.name());
    assert_eq!(counts[1], (work.clone(), Ok(3)), "{}", server.name());
    assert_eq!(counts[2].0, "Nowhere");
    assert!(counts[2].1.is_err(), "{}: {:?}", server.name(), counts[2]);
    reader.shutdown().await;
}
