//! Saving attachments as the user sees it: with several, the prompt asks which (a number or
//! `a`), then shows the directory, editable; Enter asks the source to save; a name that is
//! taken asks before replacing; with one attachment, the directory comes at once.

use insta::assert_snapshot;
use sealmail::app::msg::{Command, Msg};
use sealmail::mail::{SaveDone, SaveRequest, SourceCommand, SourceEvent};
use sealmail::tui::headless::Headless;

use crate::fixtures::*;

fn save_of(commands: &[Command]) -> SaveRequest {
    commands
        .iter()
        .find_map(|c| match c {
            Command::Source(SourceCommand::SaveAttachments(r)) => Some(r.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no save in {commands:?}"))
}

fn open_message() -> Headless {
    let mut h = loaded(80, 24, 60, 60);
    h.state.settings.save_dir = "/home/sam/Downloads".into();
    h.press("enter");
    deliver_open_message(&mut h, message_view());
    h
}

#[test]
fn the_prompt_asks_which_then_where_and_before_replacing() {
    let mut h = open_message();
    h.press("S");
    assert!(
        h.screen_text()
            .contains("Save attachment (1–2, a for all):")
    );
    h.type_text("7");
    h.press("enter");
    assert_eq!(notice(&h), "attachment 7 is not in this message");
    h.type_text("2");
    h.press("enter");
    let screen = h.screen_text();
    assert!(screen.contains("Save to: /home/sam/Downloads/"), "{screen}");
    assert_snapshot!(screen);
    // The directory is edited in place.
    h.type_text("q4");
    let commands = h.press("enter").expect("a key");
    let request = save_of(&commands);
    assert_eq!(request.indices, vec![1]);
    assert_eq!(request.dir.to_str(), Some("/home/sam/Downloads/q4"));
    assert!(!request.overwrite);
    h.apply(Msg::Source(SourceEvent::Saved(SaveDone {
        req: request.req,
        saved: vec![],
        exist: vec![(1, "chart.png".into())],
        error: None,
    })));
    assert!(h.screen_text().contains("chart.png exists: replace? (y/n)"));
    let commands = h.press("y").expect("a key");
    let again = save_of(&commands);
    assert!(again.overwrite && again.indices == vec![1]);
    assert_eq!(again.dir, request.dir);
    h.apply(Msg::Source(SourceEvent::Saved(SaveDone {
        req: again.req,
        saved: vec!["/home/sam/Downloads/q4/chart.png".into()],
        exist: vec![],
        error: None,
    })));
    assert_eq!(notice(&h), "saved /home/sam/Downloads/q4/chart.png");
}

#[test]
fn all_of_them_or_none() {
    let mut h = open_message();
    h.press("S");
    h.press("a");
    assert!(h.screen_text().contains("Save 2 attachments to:"));
    let request = save_of(&h.press("enter").expect("a key"));
    assert_eq!(request.indices, vec![0, 1]);
    h.press("S");
    h.press("esc");
    assert_eq!(notice(&h), "nothing saved");
    assert!(h.state.save_prompt.is_none());
}

#[test]
fn a_message_without_attachments_says_so() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("enter");
    let mut view = message_view();
    view.attachments.clear();
    deliver_open_message(&mut h, view);
    h.press("S");
    assert_eq!(notice(&h), "this message has no attachments");
    assert!(h.state.save_prompt.is_none());
}

#[test]
fn an_attachment_is_opened_from_the_private_directory_in_its_viewer() {
    let mut h = open_message();
    h.state.settings.open_dir = Some("/run/user/1000/sealmail-open-x".into());
    h.press("O");
    assert!(h.screen_text().contains("Open attachment (1–2):"));
    h.type_text("2");
    let request = save_of(&h.press("enter").expect("a key"));
    assert_eq!(request.dir.to_str(), Some("/run/user/1000/sealmail-open-x"));
    assert!(
        request.overwrite,
        "the private directory is the reader's own"
    );
    assert_eq!(notice(&h), "opening chart.png…");
    let commands = h.apply(Msg::Source(SourceEvent::Saved(SaveDone {
        req: request.req,
        saved: vec!["/run/user/1000/sealmail-open-x/chart.png".into()],
        exist: vec![],
        error: None,
    })));
    assert!(
        commands.iter().any(|c| matches!(
            c,
            Command::OpenFile { path, mime }
                if path.ends_with("chart.png") && mime == "image/png"
        )),
        "{commands:?}"
    );
    h.apply(Msg::Opened(Ok("xdg-open".into())));
    assert_eq!(notice(&h), "opened with xdg-open");
    h.apply(Msg::Opened(Err("no viewer for image/png".into())));
    assert!(h.state.notice.as_ref().is_some_and(|n| n.error));
    // Without a private directory (a driver with no viewers), nothing is offered.
    h.state.settings.open_dir = None;
    h.press("O");
    assert_eq!(notice(&h), "attachments cannot be opened here");
}

#[test]
fn an_attachment_is_piped_to_a_command_and_its_output_shown() {
    let mut h = open_message();
    h.state.settings.open_dir = Some("/run/user/1000/sealmail-open-x".into());
    h.press("|");
    assert!(h.screen_text().contains("Pipe attachment (1–2):"));
    h.type_text("1");
    h.press("enter");
    h.type_text("wc -c");
    assert!(h.screen_text().contains("Pipe to: wc -c"));
    let request = save_of(&h.press("enter").expect("a key"));
    assert_eq!(request.indices, vec![0]);
    let commands = h.apply(Msg::Source(SourceEvent::Saved(SaveDone {
        req: request.req,
        saved: vec!["/run/user/1000/sealmail-open-x/report-q4.xlsx".into()],
        exist: vec![],
        error: None,
    })));
    assert!(
        commands.iter().any(|c| matches!(
            c,
            Command::PipeFile { command, .. } if command == "wc -c"
        )),
        "{commands:?}"
    );
    h.apply(Msg::Piped {
        command: "wc -c".into(),
        result: Ok(b"48213\n\x1b[2Jevil".to_vec()),
    });
    let screen = h.screen_text();
    assert!(
        screen.contains("$ wc -c") && screen.contains("48213"),
        "{screen}"
    );
    assert!(!screen.contains('\u{1b}'), "the output is made clean");
    h.press("q");
    assert!(h.screen_text().contains("Quarterly report draft"));
}
