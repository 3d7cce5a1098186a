//! Searching: the prompt, a refused query with the caret at its column, the results in place
//! of the folder's rows (and their status), back to the folder as it was, a failed search,
//! the search language in the help; at 80x24.

use insta::assert_snapshot;
use sealmail::app::msg::{Command, Msg};
use sealmail::mail::search::{Hits, SearchDone};
use sealmail::mail::{SourceCommand, SourceEvent};

use crate::fixtures::*;

/// Types a query into the search prompt and presses Enter; the search sent, if one was.
fn search_for(h: &mut sealmail::tui::headless::Headless, query: &str) -> Option<(u64, String)> {
    h.press("F");
    h.type_text(query);
    let commands = h.press("enter").unwrap_or_default();
    commands.into_iter().find_map(|c| match c {
        Command::Source(SourceCommand::Search(s)) => Some((s.req, s.query.text().to_string())),
        _ => None,
    })
}

fn answer(h: &mut sealmail::tui::headless::Headless, req: u64, uids: Vec<u32>) {
    h.apply(Msg::Source(SourceEvent::Searched(SearchDone {
        req,
        folder: "INBOX".into(),
        within: false,
        result: Ok(Hits::All(uids)),
    })));
}

#[test]
fn the_search_prompt_while_typed() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("F");
    h.type_text("from:ada since:7d");
    let screen = h.screen_text();
    assert!(screen.contains("Search: from:ada since:7d"), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn a_refused_query_points_at_its_column() {
    let mut h = loaded(80, 24, 60, 60);
    assert_eq!(search_for(&mut h, "subject:Grüße OR (from:x"), None);
    let screen = h.screen_text();
    let lines: Vec<&str> = screen.lines().collect();
    let caret = lines
        .iter()
        .find(|l| l.trim_start().starts_with('^'))
        .unwrap_or_else(|| panic!("no caret line:\n{screen}"));
    // "Search: " is 8 columns; the `)` is missing at the end of the 24 characters typed.
    assert_eq!(caret.find('^'), Some(8 + 24), "{screen}");
    assert!(caret.contains("column 25"), "{screen}");
    assert_snapshot!(screen);
    // Typing again clears the error; Esc leaves the folder as it was.
    h.type_text(")");
    assert!(!h.screen_text().contains('^'));
    h.press("esc");
    assert!(h.state.search_prompt.is_none() && h.state.folder.search.is_none());
    assert_eq!(h.state.folder.rows.len(), 60);
}

#[test]
fn results_replace_the_rows_and_back_returns_to_the_folder() {
    let mut h = loaded(80, 24, 60, 60);
    for _ in 0..30 {
        h.press("j");
    }
    let before = h.state.folder.rows.selected().map(|r| r.uid);
    let (req, text) = search_for(&mut h, "from:ada OR subject:report").expect("a search");
    assert_eq!(text, "from:ada OR subject:report");
    let waiting = h.screen_text();
    assert!(
        waiting.contains("Searching…") && waiting.contains("searching…"),
        "{waiting}"
    );
    answer(&mut h, req, vec![3, 17, 42, 58]);
    let screen = h.screen_text();
    assert!(
        screen.contains("search: from:ada OR subject:report │ 4 found"),
        "{screen}"
    );
    assert_eq!(h.state.folder.rows.len(), 4);
    assert_eq!(h.state.folder.rows.selected().map(|r| r.uid), Some(58));
    assert_snapshot!(screen);
    // An answer to an older search changes nothing.
    answer(&mut h, req - 1, vec![1]);
    assert_eq!(h.state.folder.rows.len(), 4);
    h.press("esc");
    assert!(h.state.folder.search.is_none());
    assert_eq!(h.state.folder.rows.len(), 60);
    assert_eq!(h.state.folder.rows.selected().map(|r| r.uid), before);
}

#[test]
fn new_mail_is_asked_about_and_joins_the_results_when_it_matches() {
    let mut h = loaded(80, 24, 60, 60);
    let (req, _) = search_for(&mut h, "subject:report").expect("a search");
    answer(&mut h, req, vec![10]);
    let mut new = rows(62);
    new.truncate(2);
    let commands = h.apply(Msg::Source(SourceEvent::NewRows {
        folder: "INBOX".into(),
        rows: new,
        total: 62,
    }));
    let asked = commands.iter().find_map(|c| match c {
        Command::Source(SourceCommand::Search(s)) => Some(s.clone()),
        _ => None,
    });
    let asked = asked.expect("the new mail is searched");
    assert_eq!((asked.req, asked.within), (req, Some(vec![62, 61])));
    assert_eq!(h.state.folder.rows.len(), 1, "not shown before the answer");
    h.apply(Msg::Source(SourceEvent::Searched(SearchDone {
        req,
        folder: "INBOX".into(),
        within: true,
        result: Ok(Hits::All(vec![62])),
    })));
    let uids: Vec<u32> = (0..h.state.folder.rows.len())
        .filter_map(|i| h.state.folder.rows.at(i).map(|r| r.uid))
        .collect();
    assert_eq!(uids, vec![62, 10]);
}

#[test]
fn a_failed_search_says_so_and_shows_nothing_as_found() {
    let mut h = loaded(80, 24, 60, 60);
    let (req, _) = search_for(&mut h, "見積").expect("a search");
    h.apply(Msg::Source(SourceEvent::Searched(SearchDone {
        req,
        folder: "INBOX".into(),
        within: false,
        result: Err("the server cannot search for text beyond ASCII (it refused UTF-8)".into()),
    })));
    let screen = h.screen_text();
    assert!(
        screen.contains("Search failed: the server cannot search"),
        "{screen}"
    );
    assert!(screen.contains("search: 見積 │ failed"), "{screen}");
    assert_snapshot!(screen);
    assert_eq!(h.state.folder.rows.len(), 0);
}

#[test]
fn the_help_shows_the_search_language() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("?");
    for _ in 0..200 {
        h.press("j");
    }
    let screen = h.screen_text();
    assert!(screen.contains("since: before:"), "{screen}");
    assert!(screen.contains("has:attachment"), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn every_folder_is_searched_with_tab_and_a_folder_opens_with_the_search() {
    use sealmail::mail::search::FolderHits;
    let mut h = loaded(80, 24, 60, 60);
    h.press("F");
    h.press("tab");
    h.type_text("from:ada");
    assert!(h.screen_text().contains("Search all folders: from:ada"));
    let commands = h.press("enter").unwrap_or_default();
    let asked = commands.iter().find_map(|c| match c {
        Command::Source(SourceCommand::SearchAll(s)) => Some(s.clone()),
        _ => None,
    });
    let asked = asked.expect("every folder is searched");
    // In the folder pane's order: INBOX, the special-use folders, the rest.
    assert_eq!(
        asked.folders[..2],
        ["INBOX".to_string(), "Sent".to_string()]
    );
    let total = asked.folders.len() as u32;
    for (i, (folder, result)) in [("INBOX", Ok(12)), ("Sent", Ok(3))].into_iter().enumerate() {
        h.apply(Msg::Source(SourceEvent::FolderHits(FolderHits {
            req: asked.req,
            folder: folder.into(),
            result,
            done: i as u32 + 1,
            total,
        })));
    }
    let screen = h.screen_text();
    assert!(
        screen.contains(&format!("2/{total} folders, 15 found")),
        "{screen}"
    );
    assert_snapshot!(screen);
    // Sent opens with the same search shown.
    h.press("j");
    let commands = h.press("enter").unwrap_or_default();
    let opened = commands.iter().any(|c| {
        matches!(c, Command::Source(SourceCommand::OpenFolder { folder, .. }) if folder == "Sent")
    });
    let searched = commands.iter().any(|c| {
        matches!(c, Command::Source(SourceCommand::Search(s)) if s.folder == "Sent" && s.query.text() == "from:ada")
    });
    assert!(opened && searched, "{commands:?}");
    assert!(h.state.search_all.is_none());
    // A query naming the list's marks searches the open folder only.
    h.press("esc");
    h.press("F");
    h.press("tab");
    h.type_text("has:attachment");
    let commands = h.press("enter").unwrap_or_default();
    assert!(commands.is_empty(), "{commands:?}");
    assert!(h.screen_text().contains("search the open folder only"));
}
