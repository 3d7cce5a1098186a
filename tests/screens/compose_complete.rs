//! Address completion in the composer at 80x24: `Tab` in To offers the addresses configured
//! and those of the message opened, in a box under the field (the chosen one marked `>`);
//! arrows choose, `Enter` puts it in place of what was typed, `Esc` closes the box only, more
//! typing narrows it, and a complete address goes on to the next field. Sent recipients are
//! offered afterwards. `Tab` at the attach prompt completes the path from its directory's
//! listing, which the driver makes.

use insta::assert_snapshot;
use sealmail::app::compose::{Field, Stage};
use sealmail::app::compose_path::DirEntry;
use sealmail::app::msg::{Command, Msg};
use sealmail::mail::compose::Identity;
use sealmail::submit::Receipt;
use sealmail::tui::headless::Headless;

use crate::fixtures::*;

fn writer() -> Headless {
    let mut h = loaded(80, 24, 60, 60);
    h.state.identity = Some(Identity::new("Alice <alice@example.test>", None));
    h.state.settings.address_book = vec![
        "Alan Turing <alan@bletchley.test>".into(),
        "\"Doe, Jane\" <jane@example.test>".into(),
    ];
    // The open message names Ada, Alice and Grace.
    h.press("enter");
    deliver_open_message(&mut h, message_view());
    h.press("c");
    h
}

fn offered(h: &Headless) -> Vec<String> {
    h.state
        .composer
        .as_ref()
        .and_then(|c| c.completion.as_ref())
        .map(|c| c.offered.iter().map(|p| p.address.to_string()).collect())
        .unwrap_or_default()
}

fn to(h: &Headless) -> String {
    h.state.composer.as_ref().expect("writing").draft().to
}

#[test]
fn tab_offers_known_addresses_and_enter_takes_the_chosen_one() {
    let mut h = writer();
    h.type_text("bob@example.test, a");
    h.press("tab");
    // Where "a" starts the address or a name first (the most used, then the latest), then
    // where it is inside one.
    assert_eq!(
        offered(&h),
        [
            "alice@example.test",
            "ada@example.test",
            "alan@bletchley.test",
            "grace@example.test",
            "jane@example.test"
        ]
    );
    assert_snapshot!("compose_address_completion", h.screen_text());
    h.press("down");
    h.press("enter");
    assert_eq!(
        to(&h),
        "bob@example.test, Ada Lovelace <ada@example.test>, "
    );
    let composer = h.state.composer.as_ref().expect("writing");
    assert!(composer.completion.is_none());
    assert_eq!(
        (composer.focus, &composer.stage),
        (Field::To, &Stage::Editing)
    );

    // Esc closes the box, not the editor; typing narrows what is offered, and closes the box
    // when nothing is left.
    h.type_text("d");
    h.press("tab");
    assert_eq!(offered(&h), ["jane@example.test", "ada@example.test"]);
    h.press("esc");
    assert!(offered(&h).is_empty());
    assert_eq!(
        h.state.composer.as_ref().expect("writing").stage,
        Stage::Editing
    );
    h.press("tab");
    h.type_text("oe");
    assert_eq!(offered(&h), ["jane@example.test"]);
    h.press("shift-tab");
    h.press("enter");
    assert_eq!(
        to(&h),
        "bob@example.test, Ada Lovelace <ada@example.test>, \"Doe, Jane\" <jane@example.test>, "
    );
    h.type_text("zz");
    h.press("tab");
    assert!(offered(&h).is_empty(), "nothing known: Tab goes on");
    assert_eq!(h.state.composer.as_ref().expect("writing").focus, Field::Cc);
}

#[test]
fn a_complete_address_goes_on_and_sent_recipients_are_offered_later() {
    let mut h = writer();
    h.type_text("alice@example.test");
    h.press("tab");
    assert!(offered(&h).is_empty());
    assert_eq!(h.state.composer.as_ref().expect("writing").focus, Field::Cc);
    h.press("shift-tab");
    h.type_text(", Carol <carol@elsewhere.test>");
    h.press("esc");
    let commands = h.press("s").expect("a key");
    let req = commands
        .iter()
        .find_map(|c| match c {
            Command::Send { req, .. } => Some(*req),
            _ => None,
        })
        .expect("a send");
    h.apply(Msg::Sent {
        req,
        result: Ok(Receipt {
            message_id: "<x@example.test>".into(),
            recipients: 2,
            filed: None,
        }),
    });
    h.press("c");
    h.type_text("car");
    h.press("tab");
    assert_eq!(offered(&h), ["carol@elsewhere.test"]);
    h.press("enter");
    assert_eq!(to(&h), "Carol <carol@elsewhere.test>, ");
}

fn listed(h: &mut Headless, typed_dir: &str, names: &[(&str, bool)]) {
    let commands = h.press("tab").expect("a key");
    let req = commands
        .iter()
        .find_map(|c| match c {
            Command::ListDirectory { req, dir } => {
                assert_eq!(dir, typed_dir);
                Some(*req)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no listing in {commands:?}"));
    h.apply(Msg::DirectoryListed {
        req,
        result: Ok(names
            .iter()
            .map(|&(name, dir)| DirEntry {
                name: name.into(),
                dir,
            })
            .collect()),
    });
}

fn attach_typed(h: &Headless) -> String {
    h.state
        .composer
        .as_ref()
        .and_then(|c| c.attach_input.as_ref())
        .map(|i| i.lines().join(""))
        .unwrap_or_default()
}

#[test]
fn tab_completes_the_path_of_a_file_to_attach() {
    let mut h = loaded(80, 24, 60, 60);
    h.state.identity = Some(Identity::new("Alice <alice@example.test>", None));
    h.press("c");
    h.type_text("bob@example.test");
    h.press("esc");
    h.press("a");
    h.type_text("~/D");
    let home = [
        ("Documents", true),
        ("Downloads", true),
        ("Dropbox", true),
        ("draft.txt", false),
        (".Dotfile", false),
    ];
    listed(&mut h, "~/", &home);
    assert_eq!(attach_typed(&h), "~/D");
    assert_snapshot!("compose_attach_path_completion", h.screen_text());
    h.type_text("oc");
    listed(&mut h, "~/", &home);
    assert_eq!(attach_typed(&h), "~/Documents/");
    assert!(
        !h.screen_text().contains("Downloads/"),
        "typing cleared the list"
    );
    listed(
        &mut h,
        "~/Documents/",
        &[("report-q3.pdf", false), ("report-q4.pdf", false)],
    );
    assert_eq!(attach_typed(&h), "~/Documents/report-q");
    // A listing that comes after the path changed is dropped.
    let commands = h.press("tab").expect("a key");
    h.type_text("4");
    let Some(Command::ListDirectory { req, .. }) = commands.first() else {
        panic!("{commands:?}");
    };
    h.apply(Msg::DirectoryListed {
        req: *req,
        result: Ok(vec![DirEntry {
            name: "report-q3.pdf".into(),
            dir: false,
        }]),
    });
    assert_eq!(attach_typed(&h), "~/Documents/report-q4");
    let commands = h.press("enter").expect("a key");
    assert!(
        commands.iter().any(|c| matches!(
            c,
            Command::ReadAttachment { path, .. } if path.ends_with("Documents/report-q4")
        )),
        "{commands:?}"
    );
}

#[test]
fn the_address_book_command_is_asked_about_a_name_and_its_answer_offered() {
    let mut h = loaded(80, 24, 60, 60);
    h.state.identity = Some(Identity::new("Alice <alice@example.test>", None));
    h.state.settings.address_book_cmd = Some("khard email --parsable %s".into());
    h.press("c");
    h.type_text("gra");
    let commands = h.press("tab").expect("a key");
    let Some(Command::LookUpAddresses {
        req,
        command,
        typed,
    }) = commands.first()
    else {
        panic!("{commands:?}");
    };
    assert_eq!(
        (command.as_str(), typed.as_str()),
        ("khard email --parsable %s", "gra")
    );
    assert_eq!(
        h.state.composer.as_ref().expect("writing").focus,
        Field::To,
        "Tab waits for the answer in the field"
    );
    h.apply(Msg::AddressesFound {
        req: *req,
        result: Ok(vec![
            ("Grace Hopper".into(), "grace@navy.test".into()),
            ("Graham Bell".into(), "graham@bell.test".into()),
        ]),
    });
    assert_eq!(offered(&h), ["grace@navy.test", "graham@bell.test"]);
    h.press("enter");
    assert_eq!(to(&h), "Grace Hopper <grace@navy.test>, ");

    // A name nobody has: said once, then Tab goes on.
    h.type_text("zed");
    let commands = h.press("tab").expect("a key");
    let Some(Command::LookUpAddresses { req, .. }) = commands.first() else {
        panic!("{commands:?}");
    };
    h.apply(Msg::AddressesFound {
        req: *req,
        result: Ok(vec![]),
    });
    assert_eq!(
        h.state
            .notice
            .as_ref()
            .map(|n| n.text.to_string())
            .as_deref(),
        Some("the address book found no one")
    );
    assert!(h.press("tab").expect("a key").is_empty());
    assert_eq!(h.state.composer.as_ref().expect("writing").focus, Field::Cc);
}
