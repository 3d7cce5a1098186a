//! Several accounts: the list on `A` with where each stands, a switch that parks the shown
//! account's whole view and starts the other's (its INBOX opened), and a switch back that
//! finds the list and the selection as they were, with no command to the server.

use insta::assert_snapshot;
use sealmail::app::accounts::Account;
use sealmail::app::msg::{Command, Msg};
use sealmail::mail::{ConnectionState, SourceCommand, SourceEvent};

use crate::fixtures::*;

#[test]
fn accounts_are_listed_switched_and_kept() {
    let mut h = loaded(80, 24, 60, 60);
    h.state.accounts = vec![
        Account::new("work", Some("alice@example.test".into())),
        Account::new("home", None),
        Account::new("old server", None),
    ];
    h.state.account_label = "work".into();
    h.press("j");
    h.press("j");
    let selected = h.state.folder.rows.selected().map(|r| r.uid);
    h.press("A");
    let list = h.screen_text();
    assert!(list.contains("> work  (shown)"), "{list}");
    assert!(list.contains("  home  (not opened yet)"), "{list}");
    assert_snapshot!(list);

    h.press("j");
    let commands = h.press("enter").expect("a key");
    assert!(
        matches!(commands.first(), Some(Command::SwitchAccount(1))),
        "{commands:?}"
    );
    assert!(
        commands.iter().any(|c| matches!(
            c,
            Command::Source(SourceCommand::OpenFolder { folder, .. }) if folder == "INBOX"
        )),
        "the account shown for the first time opens its INBOX: {commands:?}"
    );
    assert_eq!(h.state.account_label, "home");
    assert!(h.state.folder.rows.is_empty(), "home's own, empty list");
    assert!(h.screen_text().contains("home │ INBOX"));
    h.apply(Msg::Source(SourceEvent::Connection(
        ConnectionState::Failed {
            reason: "the server refused the password".into(),
        },
    )));

    h.press("A");
    let list = h.screen_text();
    assert!(list.contains("> home  (shown)"), "{list}");
    h.press("k");
    let commands = h.press("enter").expect("a key");
    assert_eq!(
        commands.len(),
        1,
        "only the switch: work's view is kept: {commands:?}"
    );
    assert_eq!(h.state.account_label, "work");
    assert_eq!(h.state.folder.rows.len(), 60);
    assert_eq!(h.state.folder.rows.selected().map(|r| r.uid), selected);
    h.press("A");
    let list = h.screen_text();
    assert!(
        list.contains("home  (offline: the server refused the password)"),
        "a failing account shows its error in the list: {list}"
    );
}

#[test]
fn one_account_has_no_list() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("A");
    assert!(h.state.account_list.is_none());
    let notice = h.state.notice.as_ref().map(|n| n.text.to_string());
    assert_eq!(notice.as_deref(), Some("this session has one account"));
}

#[test]
fn each_account_writes_as_itself() {
    use sealmail::app::accounts::Writing;
    use sealmail::mail::compose::Identity;
    let mut h = loaded(80, 24, 60, 60);
    let mut home = Account::new("home", None);
    home.writing = Some(Writing {
        identity: Identity::new("Alice at home <alice@home.example>", None),
        sender_seal: None,
    });
    h.state.accounts = vec![
        Account::new("work", Some("alice@example.test".into())),
        home,
        Account::new("read only", None),
    ];
    h.state.account_label = "work".into();
    h.state.identity = Some(Identity::new("Alice <alice@example.test>", None));
    let from = |h: &sealmail::tui::headless::Headless| {
        h.state
            .composer
            .as_ref()
            .map(|c| c.text(sealmail::app::compose::Field::From))
    };
    h.press("c");
    assert_eq!(from(&h).as_deref(), Some("Alice <alice@example.test>"));
    h.press("esc");
    h.press("d");
    h.press("y");

    sealmail::app::accounts::switch(&mut h.state, 1);
    h.press("c");
    assert_eq!(
        from(&h).as_deref(),
        Some("Alice at home <alice@home.example>")
    );
    h.press("esc");
    h.press("d");
    h.press("y");

    sealmail::app::accounts::switch(&mut h.state, 2);
    h.press("c");
    assert!(
        h.state.composer.is_none(),
        "an account without smtp cannot write"
    );

    sealmail::app::accounts::switch(&mut h.state, 0);
    h.press("c");
    assert_eq!(from(&h).as_deref(), Some("Alice <alice@example.test>"));
}
