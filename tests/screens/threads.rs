//! The thread view: `z` asks the source for the folder's threads and shows them with a tree
//! column; a collapsed thread shows what it folds (`[+3, 2 new]`); all collapse and expand;
//! the keys move between threads and within one; threads in search results; new mail threaded
//! again, one request at a time; the view kept when the folder is opened again; at 80x24.

use insta::assert_snapshot;
use sealmail::app::msg::{Command, Msg};
use sealmail::mail::search::{Hits, SearchDone};
use sealmail::mail::threads::Thread;
use sealmail::mail::{Flags, Row, RowText, SourceCommand, SourceEvent, ThreadedBy};
use sealmail::tui::headless::Headless;

use crate::fixtures::*;

/// (UID, sender, subject, read)
const INBOX: &[(u32, &str, &str, bool)] = &[
    (
        1,
        "Ada Lovelace",
        "Migration plan for the IMAP cluster",
        true,
    ),
    (2, "Jörg Müller", "Lunch on Friday?", true),
    (
        3,
        "Grace Hopper",
        "Re: Migration plan for the IMAP cluster",
        true,
    ),
    (
        4,
        "Linus Torvalds",
        "Re: Migration plan for the IMAP cluster",
        true,
    ),
    (5, "Ada Lovelace", "Re: Lunch on Friday?", true),
    (
        6,
        "Margaret Hamilton",
        "Re: Migration plan for the IMAP cluster",
        true,
    ),
    (7, "Grace Hopper", "Re: Lunch on Friday?", true),
    (8, "noreply@github.example", "Your build #4512 failed", true),
    (
        9,
        "Ada Lovelace",
        "Re: Migration plan for the IMAP cluster",
        false,
    ),
    (10, "Ada Lovelace", "Quarterly report draft", true),
    (11, "Margaret Hamilton", "Re: Quarterly report draft", false),
    (12, "Grace Hopper", "Re: Quarterly report draft", true),
    (13, "Ada Lovelace", "Re: Quarterly report draft", false),
    (
        14,
        "Ελένη Παπαδοπούλου",
        "Invoice 2026-118 for November",
        true,
    ),
    (15, "Linus Torvalds", "Conference tickets", true),
    (16, "Ada Lovelace", "Re: Conference tickets", false),
    (17, "山田 太郎", "Welcome to the team!", false),
];

fn inbox_rows() -> Vec<Row> {
    INBOX
        .iter()
        .rev()
        .map(|&(uid, from, subject, read)| {
            let mut flags = Flags::default();
            flags.set(Flags::SEEN, read);
            Row {
                uid,
                flags,
                date: NOW - 1800 - i64::from(17 - uid) * 3 * 3600,
                text: RowText::line(from, subject),
                size: 2_000 + uid * 311,
                attachment: false,
                portal: None,
                protection: None,
            }
        })
        .collect()
}

fn t(uid: u32, children: Vec<Thread>) -> Thread {
    Thread { uid, children }
}

fn l(uid: u32) -> Thread {
    Thread::leaf(uid)
}

/// The inbox's threads as a source answers them: newest conversation first.
fn forest() -> Vec<Thread> {
    vec![
        l(17),
        t(15, vec![l(16)]),
        l(14),
        t(10, vec![t(11, vec![l(13)]), l(12)]),
        t(1, vec![t(3, vec![l(4)]), t(6, vec![l(9)])]),
        l(8),
        t(2, vec![t(5, vec![l(7)])]),
    ]
}

/// The inbox open with every row loaded, shown flat.
fn inbox() -> Headless {
    let mut h = reader(80, 24);
    online(&mut h);
    h.apply(Msg::Source(SourceEvent::Folders(folders())));
    let req = h.state.folder.req;
    h.apply(Msg::Source(SourceEvent::FolderOpened {
        req,
        folder: "INBOX".into(),
        total: 17,
        access: Default::default(),
    }));
    h.apply(Msg::Source(SourceEvent::Rows {
        req,
        rows: inbox_rows(),
        loaded: 17,
        total: 17,
    }));
    h.apply(Msg::Source(SourceEvent::FolderLoaded { req, total: 17 }));
    h
}

/// The request for threads among `commands`: (req, folder, subject fallback).
fn threads_asked(commands: &[Command]) -> Option<(u64, String, bool)> {
    commands.iter().find_map(|c| match c {
        Command::Source(SourceCommand::Threads {
            req,
            folder,
            subject_fallback,
        }) => Some((*req, folder.clone(), *subject_fallback)),
        _ => None,
    })
}

fn answer(h: &mut Headless, req: u64, forest: Vec<Thread>) -> Vec<Command> {
    h.apply(Msg::Source(SourceEvent::Threads {
        req,
        folder: "INBOX".into(),
        result: Ok(forest),
        by: ThreadedBy::Server,
    }))
}

/// The inbox shown threaded.
fn threaded() -> Headless {
    let mut h = inbox();
    let commands = h.press("z").unwrap_or_default();
    let (req, ..) = threads_asked(&commands).expect("threads asked for");
    answer(&mut h, req, forest());
    h
}

fn selected(h: &Headless) -> u32 {
    h.state.folder.rows.selected().map(|r| r.uid).unwrap_or(0)
}

/// Each line's UID, top to bottom.
fn order(h: &Headless) -> Vec<u32> {
    let rows = &h.state.folder.rows;
    (0..rows.len())
        .filter_map(|p| rows.at(p).map(|r| r.uid))
        .collect()
}

#[test]
fn z_shows_the_threads_once_the_source_answers() {
    let mut h = inbox();
    let commands = h.press("z").unwrap_or_default();
    let (req, folder, fallback) = threads_asked(&commands).expect("threads asked for");
    assert_eq!((folder.as_str(), fallback), ("INBOX", false));
    let waiting = h.screen_text();
    assert!(waiting.contains("│ threading… │"), "{waiting}");
    assert_eq!(
        order(&h),
        (1..=17).rev().collect::<Vec<_>>(),
        "flat meanwhile"
    );
    // An older request's answer is dropped.
    answer(&mut h, req - 1, vec![l(1)]);
    assert!(!h.state.folder.rows.is_threaded());
    answer(&mut h, req, forest());
    let view = h.state.folder.threads.as_ref().expect("a thread view");
    assert_eq!(view.by, Some(ThreadedBy::Server));
    assert_eq!(
        order(&h),
        [17, 15, 16, 14, 10, 11, 13, 12, 1, 3, 4, 6, 9, 8, 2, 5, 7]
    );
    assert_eq!(selected(&h), 17, "the selection stays on its message");
    let screen = h.screen_text();
    assert!(screen.contains("│ threads │"), "{screen}");
    assert!(screen.contains("├─>Re: Migration plan"), "{screen}");
    assert_snapshot!(screen);
    // Back to the flat list, the selection where it was.
    h.press("j");
    h.press("z");
    assert!(!h.state.folder.rows.is_threaded() && h.state.folder.threads.is_none());
    assert_eq!(selected(&h), 15);
    assert!(!h.screen_text().contains("threads"));
}

#[test]
fn a_collapsed_thread_shows_how_many_it_folds_and_how_many_are_new() {
    let mut h = threaded();
    // From a reply inside the quarterly report's thread.
    while selected(&h) != 13 {
        h.press("j");
    }
    h.press("-");
    assert_eq!(selected(&h), 10, "collapsing selects the thread's root");
    let screen = h.screen_text();
    assert!(
        screen.contains("[+3, 2 new] Quarterly report draft"),
        "{screen}"
    );
    assert_snapshot!(screen);
    // Reading one of the folded messages elsewhere changes the count.
    let mut read = Flags::default();
    read.set(Flags::SEEN, true);
    h.apply(Msg::Source(SourceEvent::FlagsChanged {
        folder: "INBOX".into(),
        uid: 11,
        flags: read,
    }));
    assert!(h.screen_text().contains("[+3, 1 new] Quarterly"));
    h.apply(Msg::Source(SourceEvent::FlagsChanged {
        folder: "INBOX".into(),
        uid: 13,
        flags: read,
    }));
    assert!(h.screen_text().contains("[+3] Quarterly"));
    // + and = expand it again.
    h.press("+");
    assert_eq!(h.state.folder.rows.len(), 17);
    h.press("-");
    h.press("=");
    assert_eq!(h.state.folder.rows.len(), 17);
}

#[test]
fn every_thread_collapses_and_expands_at_once() {
    let mut h = threaded();
    while selected(&h) != 9 {
        h.press("j");
    }
    h.press("Z");
    assert_eq!(order(&h), [17, 15, 14, 10, 1, 8, 2]);
    assert_eq!(selected(&h), 1, "the selected message's thread root");
    let screen = h.screen_text();
    assert!(screen.contains("every thread collapsed"), "{screen}");
    assert!(screen.contains("[+4, 1 new] Migration plan"), "{screen}");
    assert!(
        screen.contains("[+1, 1 new] Conference tickets"),
        "{screen}"
    );
    assert!(screen.contains("[+2] Lunch on Friday?"), "{screen}");
    assert_snapshot!(screen);
    // One expanded among the collapsed; Z collapses it again, then expands all.
    h.press("+");
    assert_eq!(h.state.folder.rows.len(), 11);
    h.press("Z");
    assert_eq!(h.state.folder.rows.len(), 7);
    h.press("Z");
    assert_eq!(h.state.folder.rows.len(), 17);
    assert!(h.screen_text().contains("every thread expanded"));
}

#[test]
fn keys_move_between_threads_and_within_one() {
    let mut h = threaded();
    let mut visited = vec![selected(&h)];
    for key in [
        "}", "}", "}", "]", "]", "]", "]", "[", "{", "{", "}", "}", "]", "]",
    ] {
        h.press(key);
        visited.push(selected(&h));
    }
    assert_eq!(
        visited,
        [17, 15, 14, 10, 11, 13, 12, 12, 13, 14, 15, 14, 10, 11, 13]
    );
    let screen = h.screen_text();
    assert!(
        screen.contains(">N") && screen.contains("│  └─>Re: Quarterly"),
        "{screen}"
    );
    assert_snapshot!(screen);
    // At a thread's end the key says so and stays.
    h.press("]");
    h.press("]");
    assert_eq!(selected(&h), 12);
    assert!(h.screen_text().contains("the last message of this thread"));
    h.press("G");
    h.press("}");
    assert_eq!(selected(&h), 7);
    assert!(h.screen_text().contains("no thread below"));
}

#[test]
fn search_results_show_as_threads() {
    let mut h = threaded();
    h.press("F");
    h.type_text("subject:report OR from:Linus");
    let commands = h.press("enter").unwrap_or_default();
    let req = commands
        .iter()
        .find_map(|c| match c {
            Command::Source(SourceCommand::Search(s)) => Some(s.req),
            _ => None,
        })
        .expect("a search");
    h.apply(Msg::Source(SourceEvent::Searched(SearchDone {
        req,
        folder: "INBOX".into(),
        within: false,
        result: Ok(Hits::All(vec![4, 11, 12, 13, 15])),
    })));
    // The report's thread without its root: its first reply stands for it.
    assert_eq!(order(&h), [15, 11, 13, 12, 4]);
    let screen = h.screen_text();
    assert!(screen.contains("5 found │ threads"), "{screen}");
    assert_snapshot!(screen);
    h.press("Z");
    assert_eq!(order(&h), [15, 11, 4]);
    assert!(h.screen_text().contains("[+2, 1 new] Re: Quarterly"));
    h.press("Z");
    h.press("esc");
    assert_eq!(h.state.folder.rows.len(), 17);
    assert!(h.state.folder.rows.is_threaded());
}

#[test]
fn new_mail_is_threaded_again_one_request_at_a_time() {
    let mut h = threaded();
    let new_row = |uid: u32, subject: &str| Row {
        uid,
        flags: Flags::default(),
        date: NOW - 60,
        text: RowText::line("Grace Hopper", subject),
        size: 1_000,
        attachment: false,
        portal: None,
        protection: None,
    };
    let commands = h.apply(Msg::Source(SourceEvent::NewRows {
        folder: "INBOX".into(),
        rows: vec![new_row(18, "Re: Lunch on Friday?")],
        total: 18,
    }));
    let (first, ..) = threads_asked(&commands).expect("threaded again");
    // Until the answer, the new message stands alone on top of the threads shown.
    assert_eq!(order(&h)[..3], [18, 17, 15]);
    let commands = h.apply(Msg::Source(SourceEvent::NewRows {
        folder: "INBOX".into(),
        rows: vec![new_row(19, "Re: Conference tickets")],
        total: 19,
    }));
    assert_eq!(threads_asked(&commands), None, "one request at a time");
    let mut second = forest();
    second.pop();
    second.insert(0, t(2, vec![t(5, vec![l(7), l(18)])]));
    let commands = answer(&mut h, first, second);
    let (again, ..) = threads_asked(&commands).expect("asked again for the mail since");
    assert_eq!(order(&h)[..5], [19, 2, 5, 7, 18]);
    let mut third = forest();
    third.pop();
    third.remove(1);
    third.insert(0, t(15, vec![l(16), l(19)]));
    third.insert(1, t(2, vec![t(5, vec![l(7), l(18)])]));
    assert!(threads_asked(&answer(&mut h, again, third)).is_none());
    assert_eq!(order(&h)[..7], [15, 16, 19, 2, 5, 7, 18]);
}

#[test]
fn a_folder_shown_threaded_opens_threaded_again() {
    let mut h = threaded();
    h.press("tab");
    // Another folder opens flat; INBOX again asks for its threads with the rows.
    let folder_position = |h: &Headless, name: &str| {
        h.state
            .folders
            .list
            .iter()
            .position(|f| f.name == name)
            .expect("listed")
    };
    h.state.folders.cursor = folder_position(&h, "Archive");
    let commands = h.press("enter").unwrap_or_default();
    assert_eq!(threads_asked(&commands), None);
    assert!(h.state.folder.threads.is_none());
    h.press("tab");
    h.state.folders.cursor = folder_position(&h, "INBOX");
    let commands = h.press("enter").unwrap_or_default();
    let opened = commands
        .iter()
        .position(|c| matches!(c, Command::Source(SourceCommand::OpenFolder { .. })));
    let asked = commands
        .iter()
        .position(|c| matches!(c, Command::Source(SourceCommand::Threads { .. })));
    assert!(opened.is_some() && asked > opened, "{commands:?}");
    assert!(h.screen_text().contains("threading…"));
}

#[test]
fn a_failed_threading_says_why_and_z_tries_again() {
    let mut h = inbox();
    let (req, ..) = threads_asked(&h.press("z").unwrap_or_default()).expect("asked");
    h.apply(Msg::Source(SourceEvent::Threads {
        req,
        folder: "INBOX".into(),
        result: Err("the folder threaded is no longer open".into()),
        by: ThreadedBy::Client,
    }));
    let screen = h.screen_text();
    assert!(screen.contains("threading failed: the folder"), "{screen}");
    assert!(!screen.contains("│ threads"), "{screen}");
    assert!(h.state.folder.threads.is_none());
    assert_eq!(h.state.folder.rows.len(), 17);
    assert!(threads_asked(&h.press("z").unwrap_or_default()).is_some());
}

#[test]
fn thread_keys_in_a_flat_list_name_the_key_that_threads_it() {
    let mut h = inbox();
    h.press("}");
    let screen = h.screen_text();
    assert!(
        screen.contains("not shown as threads (z shows them)"),
        "{screen}"
    );
    assert_eq!(selected(&h), 17);
}

#[test]
fn each_account_keeps_its_own_threaded_folders() {
    use sealmail::app::accounts::Account;
    let mut h = threaded();
    h.state.accounts = vec![Account::new("work", None), Account::new("home", None)];
    h.state.account_label = "work".into();
    h.press("A");
    h.press("j");
    let commands = h.press("enter").unwrap_or_default();
    assert!(
        threads_asked(&commands).is_none(),
        "home's INBOX opens flat: {commands:?}"
    );
    assert!(h.state.threaded.is_empty());
    h.press("A");
    h.press("k");
    h.press("enter");
    assert!(h.state.threaded.contains("INBOX"));
    assert!(h.state.folder.rows.is_threaded(), "work's view as it was");
}
