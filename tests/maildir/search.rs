//! Searching a Maildir: the same language as on a server, matched against every file (headers
//! always, bodies when asked), with progress as it reads; a newer search stops an older one;
//! a search among new mail looks at those files only.

use std::sync::Arc;

use chrono::NaiveDate;
use sealmail::mail::query;
use sealmail::mail::search::{Hits, SearchRequest};
use sealmail::mail::{SourceCommand, SourceEvent};

use super::fixture::{Driver, TempMaildir, message};

const DAY0: i64 = 1_767_225_600; // 2026-01-01

fn request(req: u64, text: &str, within: Option<Vec<u32>>) -> SourceCommand {
    let today = NaiveDate::from_ymd_opt(2026, 3, 1).expect("a date");
    SourceCommand::Search(SearchRequest {
        req,
        folder: "INBOX".into(),
        query: Arc::new(query::parse(text, today).expect("a query")),
        within,
    })
}

async fn hits(driver: &mut Driver, req: u64) -> Hits {
    driver
        .until(|e| match e {
            SourceEvent::Searched(done) if done.req == req => Some(done.result),
            _ => None,
        })
        .await
        .expect("the search ran")
}

#[tokio::test]
async fn every_kind_of_term_matches_the_files_with_progress() {
    let mail = TempMaildir::new();
    let inbox = mail.root();
    // UIDs follow arrival: 1..=400, one a day from DAY0 (every 100th about lunch, the 7th in
    // German); the files' names give flags (every third read).
    for i in 1..=400u64 {
        let subject = match i {
            7 => "Grüße aus München".to_string(),
            i if i % 100 == 0 => format!("lunch {i}"),
            i => format!("note {i}"),
        };
        let date = DAY0 + (i as i64 - 1) * 86_400;
        let mut raw = message(&subject, date);
        if i == 250 {
            raw = raw.replace("body", "body with the secret word pineapple");
        }
        let flags = if i % 3 == 0 { ":2,S" } else { ":2," };
        mail.deliver(
            &inbox,
            "cur",
            &format!("{i}.host{flags}"),
            &raw,
            1_700_000_000 + i,
        );
    }
    let mut driver = Driver::start(mail.root()).await;
    driver
        .send(SourceCommand::OpenFolder {
            req: 1,
            folder: "INBOX".into(),
            window: 50,
        })
        .await;
    driver
        .until(|e| matches!(e, SourceEvent::FolderLoaded { req: 1, .. }).then_some(()))
        .await;

    driver.send(request(10, "subject:lunch", None)).await;
    let mut progress = Vec::new();
    let found = driver
        .until(|e| match e {
            SourceEvent::SearchProgress {
                req: 10,
                done,
                total,
            } => {
                progress.push((done, total));
                None
            }
            SourceEvent::Searched(done) if done.req == 10 => Some(done.result),
            _ => None,
        })
        .await;
    assert_eq!(found, Ok(Hits::All(vec![100, 200, 300, 400])));
    assert!(progress.contains(&(400, 400)), "{progress:?}");
    assert!(progress.iter().any(|(d, _)| *d < 400), "{progress:?}");

    let cases: &[(&str, Vec<u32>)] = &[
        ("subject:Grüße", vec![7]),
        ("body:pineapple", vec![250]),
        ("pineapple", vec![250]),
        ("subject:lunch is:read", vec![300]),
        ("subject:lunch NOT is:read", vec![100, 200, 400]),
        ("on:2026-01-07", vec![7]),
        ("before:2026-01-03", vec![1, 2]),
        ("subject:lunch since:2026-07-19", vec![200, 300, 400]),
        (
            "subject:lunch OR subject:Grüße",
            vec![7, 100, 200, 300, 400],
        ),
        (
            "to:bob subject:\"note 39\"",
            vec![39, 390, 391, 392, 393, 394, 395, 396, 397, 398, 399],
        ),
        ("larger:100k", vec![]),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let req = 20 + i as u64;
        driver.send(request(req, text, None)).await;
        assert_eq!(
            hits(&mut driver, req).await,
            Hits::All(want.clone()),
            "{text}"
        );
    }

    // Among new mail: only the files named.
    driver
        .send(request(40, "subject:lunch", Some(vec![100, 101])))
        .await;
    assert_eq!(hits(&mut driver, 40).await, Hits::All(vec![100]));

    // A newer search stops the older one: only the newer answers.
    driver.send(request(50, "body:pineapple", None)).await;
    driver.send(request(51, "subject:Grüße", None)).await;
    let answers = driver
        .until(|e| match e {
            SourceEvent::Searched(done) if done.req == 51 => Some(done.req),
            SourceEvent::Searched(done) if done.req == 50 => {
                // It may have finished before the newer one arrived: then it is complete.
                assert_eq!(done.result, Ok(Hits::All(vec![250])));
                None
            }
            _ => None,
        })
        .await;
    assert_eq!(answers, 51);
    driver.shutdown().await;
}

#[tokio::test]
async fn every_folder_is_counted_from_its_files() {
    use sealmail::mail::search::{FolderHits, SearchAllRequest};
    let mail = TempMaildir::new();
    let inbox = mail.root();
    let archive = mail.folder(".Archive");
    for i in 0..5u64 {
        let subject = if i % 2 == 0 { "lunch" } else { "note" };
        let raw = message(&format!("{subject} {i}"), DAY0);
        mail.deliver(
            &inbox,
            "cur",
            &format!("{i}.host:2,"),
            &raw,
            1_700_000_000 + i,
        );
        mail.deliver(
            &archive,
            "new",
            &format!("a{i}.host"),
            &raw,
            1_700_000_000 + i,
        );
    }
    let mut driver = Driver::start(mail.root()).await;
    let today = NaiveDate::from_ymd_opt(2026, 3, 1).expect("a date");
    driver
        .send(SourceCommand::SearchAll(SearchAllRequest {
            req: 9,
            query: Arc::new(query::parse("subject:lunch", today).expect("a query")),
            folders: vec!["INBOX".into(), ".Archive".into(), ".Gone".into()],
        }))
        .await;
    let mut counts = Vec::new();
    while counts.len() < 3 {
        let hits: FolderHits = driver
            .until(|e| match e {
                SourceEvent::FolderHits(h) if h.req == 9 => Some(h),
                _ => None,
            })
            .await;
        counts.push((hits.folder, hits.result));
    }
    assert_eq!(counts[0], ("INBOX".to_string(), Ok(3)));
    assert_eq!(counts[1], (".Archive".to_string(), Ok(3)));
    assert!(counts[2].1.is_err(), "{counts:?}");
    driver.shutdown().await;
}
