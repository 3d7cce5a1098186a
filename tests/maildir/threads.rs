//! Threading a Maildir: the same fixture as the servers' (broken References, a loop, a
//! missing parent, In-Reply-To alone, duplicate Message-IDs, unrelated messages of one
//! subject, ids without brackets) threaded from the files' headers, with and without the
//! subject fallback; new mail threaded again, reading only the new files (a flag change
//! renames a file, not its message); a folder that is not there is an error.

use std::collections::BTreeSet;

use sealmail::mail::threads::{Thread, canonical};
use sealmail::mail::{Flags, SourceCommand, SourceEvent, ThreadedBy};

use super::fixture::{Driver, TempMaildir};

/// One message: its Message-ID line, other threading fields, subject, day of January 2026.
fn message(id: &str, fields: &str, subject: &str, day: u32) -> String {
    format!(
        "From: Ada <ada@example.test>\nTo: alice@example.test\nSubject: {subject}\n\
         Date: Sat, {day:02} Jan 2026 10:00:00 +0000\nMessage-ID: {id}\n{fields}\nbody {day}\n"
    )
}

/// The fixture in arrival order: message n gets UID n.
fn fixture() -> Vec<String> {
    vec![
        message("<a1@t>", "", "Plan", 1),
        message(
            "<a2@t>",
            "References: <a1@t>\nIn-Reply-To: <a1@t>\n",
            "Re: Plan",
            2,
        ),
        message("<a3@t>", "References: <a1@t> <a2@t>\n", "Re: Plan", 3),
        message("<a4@t>", "References: <a1@t>\n", "Re: Plan", 4),
        message("<b1@t>", "", "Broken", 5),
        message(
            "<b2@t>",
            "References: garbage text (not an id)\nIn-Reply-To: <b1@t>\n",
            "Re: Broken",
            6,
        ),
        message("<b3@t>", "References: b1@t\n", "Re: Broken", 7),
        message("<c1@t>", "References: <c2@t>\n", "Loop", 8),
        message("<c2@t>", "References: <c1@t>\n", "Re: Loop", 9),
        message("<d1@t>", "References: <d0@t>\n", "Re: Missing", 10),
        message("<d2@t>", "References: <d0@t>\n", "Re: Missing", 11),
        message("<e1@t>", "", "Question", 12),
        message("<e2@t>", "In-Reply-To: <e1@t>\n", "Re: Question", 13),
        message("<dup@t>", "", "Dup one", 14),
        message("<dup@t>", "", "Dup two", 15),
        message("<f3@t>", "References: <dup@t>\n", "Re: Dup", 16),
        message("<g1@t>", "", "Lunch", 17),
        message("<g2@t>", "", "Lunch", 18),
        message("<g3@t>", "", "Re: Lunch", 19),
        message("<h1@t>", "References: <h0@t> <h1@t>\n", "Self", 20),
        message("h2@t", "", "Bare id", 21),
        message("<h3@t>", "In-Reply-To: h2@t\n", "Re: Bare id", 22),
    ]
}

fn shapes(forest: &[Thread]) -> BTreeSet<String> {
    canonical(forest).iter().map(|t| format!("{t:?}")).collect()
}

fn set(shapes: &[&str]) -> BTreeSet<String> {
    shapes.iter().map(|s| s.to_string()).collect()
}

/// The trees without the subject fallback: references alone, read as leniently as
/// `threads::message_ids` reads them (7 and 22 name their parents without brackets).
const BY_REFERENCES: &[&str] = &[
    "Thread(1 [2 [3], 4])",
    "Thread(5 [6, 7])",
    "Thread(9 [8])",
    "Thread(10 [11])",
    "Thread(12 [13])",
    "Thread(14 [16])",
    "Thread(15)",
    "Thread(17)",
    "Thread(18)",
    "Thread(19)",
    "Thread(20)",
    "Thread(21 [22])",
];

async fn threads(driver: &mut Driver, req: u64, folder: &str, fallback: bool) -> Vec<Thread> {
    driver
        .send(SourceCommand::Threads {
            req,
            folder: folder.into(),
            subject_fallback: fallback,
        })
        .await;
    driver
        .until(|e| match e {
            SourceEvent::Threads {
                req: r,
                folder: f,
                result,
                by,
            } if r == req => {
                assert_eq!((f.as_str(), by), (folder, ThreadedBy::Client));
                Some(result)
            }
            _ => None,
        })
        .await
        .unwrap_or_else(|e| panic!("threading failed: {e}"))
}

#[tokio::test]
async fn the_fixture_threads_from_the_files_headers() {
    let mail = TempMaildir::new();
    let inbox = mail.root();
    for (i, raw) in fixture().iter().enumerate() {
        let n = i as u64 + 1;
        mail.deliver(
            &inbox,
            "cur",
            &format!("{n}.host:2,S"),
            raw,
            1_767_225_600 + n,
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
    let forest = threads(&mut driver, 2, "INBOX", false).await;
    assert_eq!(shapes(&forest), set(BY_REFERENCES), "{forest:?}");
    // Newest conversation first (the dates follow the UIDs here).
    let roots: Vec<u32> = forest.iter().map(|t| t.uid).collect();
    assert_eq!(roots[..4], [21, 20, 19, 18], "{forest:?}");

    // With the subject fallback, the unrelated lunches join the oldest.
    let mut by_subject = set(BY_REFERENCES);
    for alone in ["Thread(17)", "Thread(18)", "Thread(19)"] {
        by_subject.remove(alone);
    }
    by_subject.insert("Thread(17 [18, 19])".into());
    let forest = threads(&mut driver, 3, "INBOX", true).await;
    assert_eq!(shapes(&forest), by_subject, "{forest:?}");

    // Threading again reads only files it has not read: a header rewritten in place (no
    // program does that; here it shows what is read) keeps its old place, and a file renamed
    // by a flag change is still the message it was.
    let second = inbox.join("cur").join("2.host:2,S");
    std::fs::write(
        &second,
        message("<a2@t>", "", "Plan again", 2).replace('\n', "\r\n"),
    )
    .expect("rewrite");
    driver
        .send(SourceCommand::SetFlag {
            folder: "INBOX".into(),
            uid: 3,
            flag: Flags::FLAGGED,
            on: true,
        })
        .await;
    driver
        .until(|e| matches!(e, SourceEvent::FlagsChanged { uid: 3, .. }).then_some(()))
        .await;
    assert!(inbox.join("cur").join("3.host:2,FS").exists());

    // New mail: threaded again, the reply under its parent.
    mail.deliver(
        &inbox,
        "new",
        "23.host",
        &message("<g4@t>", "In-Reply-To: <g2@t>\n", "Re: Lunch", 23),
        1_767_225_600 + 23,
    );
    driver
        .until(|e| matches!(e, SourceEvent::NewRows { .. }).then_some(()))
        .await;
    let forest = threads(&mut driver, 4, "INBOX", false).await;
    let shapes = shapes(&forest);
    assert!(shapes.contains("Thread(18 [23])"), "{shapes:?}");
    assert!(shapes.contains("Thread(1 [2 [3], 4])"), "{shapes:?}");
    assert_eq!(
        forest.first().map(|t| t.uid),
        Some(18),
        "the newest thread first"
    );

    // A folder the actor does not know is an error, not an empty forest.
    driver
        .send(SourceCommand::Threads {
            req: 5,
            folder: "Nowhere".into(),
            subject_fallback: false,
        })
        .await;
    let failed = driver
        .until(|e| match e {
            SourceEvent::Threads { req: 5, result, .. } => Some(result),
            _ => None,
        })
        .await;
    assert!(failed.is_err(), "{failed:?}");
    driver.shutdown().await;
}
