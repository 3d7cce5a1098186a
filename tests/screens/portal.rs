//! Every state of the pane for portal mail: vendor advice, the suspicious warning, Outlook-only
//! mail, and each stage of a sealed message's inline sign-in (driven by the flow worker's
//! events, as the worker reports them).

use std::sync::Arc;

use insta::assert_snapshot;
use sealmail::app::msg::{Command, Msg};
use sealmail::detect::Vendor;
use sealmail::mail::{LoadedMessage, SignInPrompt, SourceEvent};
use sealmail::sealed::flow::{
    FlowEvent, FlowFailure, FlowRequest, InnerFrom, Method, SealedInfo, VerifiedSender, Via,
};
use sealmail::secret::SecretString;
use sealmail::tui::headless::Headless;

use crate::fixtures::*;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/portal")
            .join(name),
    )
    .unwrap()
}

/// Opens the selected row and answers with `raw` as the message, classified as the actors do.
fn open_raw(h: &mut Headless, raw: Vec<u8>) -> Vec<Command> {
    h.press("enter");
    let pane = h.state.pane.as_ref().expect("a message is opening");
    let (req, uid) = (pane.req, pane.uid);
    let loaded = LoadedMessage::from_raw(uid, raw).expect("the message parses");
    h.apply(Msg::Source(SourceEvent::Message {
        req,
        result: Ok(loaded),
    }))
}

fn vendor_screen(file: &str, width: u16, height: u16) -> String {
    let mut h = loaded(width, height, 60, 60);
    h.press("v");
    open_raw(&mut h, fixture(file));
    h.screen_text()
}

/// The user's own MTA, as `trusted_authserv_ids` names it.
const OWN_MTA: &str = "mx.example.net";

/// The Proofpoint sample as the user's own MTA delivers it: with its DKIM pass for the sender.
fn verified_proofpoint(h: &mut Headless) -> Vec<u8> {
    h.state.trust = sealmail::detect::Trust {
        authserv_ids: vec![OWN_MTA.to_owned()],
    };
    let mut raw =
        format!("Authentication-Results: {OWN_MTA}; dkim=pass header.d=woodgrovebank.example\r\n")
            .into_bytes();
    raw.extend(fixture("proofpoint.eml"));
    raw
}

#[test]
fn genuine_vendor_mail_gets_advice_link_and_qr() {
    let mut h = loaded(100, 60, 60, 60);
    h.press("v");
    let raw = verified_proofpoint(&mut h);
    open_raw(&mut h, raw);
    let screen = h.screen_text();
    assert!(
        screen.contains("Encrypted-portal mail: Proofpoint"),
        "{screen}"
    );
    assert!(
        screen.contains("Portal link:") && screen.contains("▀"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn suspicious_look_alike_gets_a_warning_and_no_link() {
    let screen = vendor_screen("phish-ome-lookalike.eml", 80, 24);
    assert!(screen.contains("WARNING"), "{screen}");
    assert!(
        !screen.contains("Portal link:") && !screen.contains("y copies"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn suspicious_mail_offers_no_keys() {
    let mut h = loaded(80, 24, 60, 60);
    open_raw(&mut h, fixture("phish-proofpoint.eml"));
    h.press("tab");
    assert!(
        h.press("y").unwrap().is_empty(),
        "copying a suspicious link is not offered"
    );
    assert!(
        h.press("o").unwrap().is_empty(),
        "opening a suspicious link is not offered"
    );
}

#[test]
fn genuine_link_is_copied_with_osc52() {
    let mut h = loaded(80, 24, 60, 60);
    let raw = verified_proofpoint(&mut h);
    open_raw(&mut h, raw);
    h.press("tab");
    let commands = h.press("y").unwrap();
    assert!(
        matches!(commands.as_slice(), [Command::Clipboard(link)] if link.starts_with("https://")),
        "{commands:?}"
    );
}

#[test]
fn an_organisation_portal_with_an_unverified_sender_says_so_and_offers_no_link() {
    let mut h = loaded(100, 60, 60, 60);
    h.press("v");
    open_raw(&mut h, fixture("proofpoint.eml"));
    let screen = h.screen_text();
    assert!(
        screen.contains("organisation portal, sender not verified"),
        "{screen}"
    );
    assert!(
        !screen.contains("Portal link:") && !screen.contains("▀"),
        "{screen}"
    );
    h.press("tab");
    assert!(h.press("y").unwrap().is_empty(), "no link to copy");
    assert!(h.press("o").unwrap().is_empty(), "no link to open");
    // A field from an MTA the user does not trust changes nothing.
    let mut h = loaded(100, 60, 60, 60);
    h.press("v");
    let mut raw = b"Authentication-Results: mx.woodgrovebank.example; dkim=pass \
header.d=woodgrovebank.example\r\n"
        .to_vec();
    raw.extend(fixture("proofpoint.eml"));
    open_raw(&mut h, raw);
    assert!(h.screen_text().contains("sender not verified"));
}

#[test]
fn the_list_row_shows_the_full_verdict_once_the_message_is_read() {
    let mut h = loaded(100, 30, 60, 60);
    let uid = h
        .state
        .folder
        .rows
        .selected()
        .map(|r| r.uid)
        .expect("a row");
    assert_eq!(
        h.state.folder.rows.row_by_uid(uid).and_then(|r| r.portal),
        None
    );
    open_raw(&mut h, fixture("phish-ome-lookalike.eml"));
    let mark = h.state.folder.rows.row_by_uid(uid).and_then(|r| r.portal);
    assert!(
        mark.is_some_and(|m| m.suspicious && m.vendor == Vendor::MicrosoftOme),
        "{mark:?}"
    );
    assert!(
        h.screen_text().contains("⚠ microsoft-ome"),
        "{}",
        h.screen_text()
    );
    // A genuine one gets the lock, an unverified organisation portal the question mark.
    h.press("esc");
    h.press("j");
    let uid = h
        .state
        .folder
        .rows
        .selected()
        .map(|r| r.uid)
        .expect("a row");
    open_raw(&mut h, fixture("zix.eml"));
    let mark = h.state.folder.rows.row_by_uid(uid).and_then(|r| r.portal);
    assert!(
        mark.is_some_and(|m| !m.suspicious && !m.unverified),
        "{mark:?}"
    );
    h.press("esc");
    h.press("j");
    let uid = h
        .state
        .folder
        .rows
        .selected()
        .map(|r| r.uid)
        .expect("a row");
    open_raw(&mut h, fixture("proofpoint.eml"));
    let mark = h.state.folder.rows.row_by_uid(uid).and_then(|r| r.portal);
    assert!(
        mark.is_some_and(|m| m.unverified && !m.suspicious),
        "{mark:?}"
    );
    assert!(
        h.screen_text().contains("? proofpoint"),
        "{}",
        h.screen_text()
    );
}

#[test]
fn outlook_only_mail_says_so_plainly() {
    let screen = vendor_screen("rms-outlook-only.eml", 80, 24);
    assert!(screen.contains("Outlook"), "{screen}");
    assert_snapshot!(screen);
}

const PORTAL: &str = "https://portal.example.test";

fn sealed_raw() -> Vec<u8> {
    let inner = b"From: Ada Lovelace <ada@example.test>\r\nTo: Alice <alice@example.test>\r\n\
Subject: Board minutes (confidential)\r\nDate: Tue, 24 Nov 2026 09:00:00 +0000\r\n\
Message-ID: <minutes@example.test>\r\n\r\nThe board approved the budget.\r\nDetails follow next week.\r\n";
    let options = sealmail::sealed::seal::SealOptions {
        created: chrono::DateTime::from_timestamp(NOW - 3600, 0),
        ..Default::default()
    };
    sealmail::sealed::seal::seal(inner, PORTAL, &options)
        .expect("sealing works")
        .message
}

fn info() -> SealedInfo {
    SealedInfo {
        portal: PORTAL.into(),
        id: "AAAAAAAAAAAAAAAAAAAAAA".into(),
        from: "ada@example.test".into(),
        to: vec!["alice@example.test".into()],
        created: "2026-11-24T09:00:00Z".into(),
    }
}

/// A reader with a sealed message open in full view, and the flow id the pane asked for.
fn sealed_reader() -> (Headless, u64) {
    sealed_reader_as(Some("alice@example.test"))
}

/// [`sealed_reader`] for a user with the address `mine`.
fn sealed_reader_as(mine: Option<&str>) -> (Headless, u64) {
    let mut h = loaded(80, 24, 60, 60);
    h.state.user_email = mine.map(str::to_owned);
    h.press("v");
    let commands = open_raw(&mut h, sealed_raw());
    let flow = match commands.as_slice() {
        [Command::Flow(FlowRequest::Open { flow, .. })] => *flow,
        other => panic!("opening a sealed message asks the worker to open it, got {other:?}"),
    };
    (h, flow)
}

fn flow_event(h: &mut Headless, event: FlowEvent) -> Vec<Command> {
    h.apply(Msg::Flow(event))
}

fn methods() -> Vec<Method> {
    vec![
        Method::Passcode {
            digits: 8,
            ttl_s: 900,
        },
        Method::OpenIdConnect {
            issuer: "https://id.example.test".into(),
            client_id: "mailreader".into(),
            name: "Example ID".into(),
        },
    ]
}

fn at_passcode_entry() -> (Headless, u64) {
    let (mut h, flow) = sealed_reader();
    flow_event(
        &mut h,
        FlowEvent::Opened {
            flow,
            info: info(),
            trusted: true,
        },
    );
    flow_event(
        &mut h,
        FlowEvent::Methods {
            flow,
            methods: methods(),
        },
    );
    let commands = h.press("enter").unwrap();
    assert!(
        matches!(commands.as_slice(), [Command::Flow(FlowRequest::RequestPasscode { email, .. })] if email == "alice@example.test"),
        "{commands:?}"
    );
    flow_event(
        &mut h,
        FlowEvent::PasscodeSent {
            flow,
            email: "alice@example.test".into(),
            reference: "K7QX".into(),
            expires_in_s: 900,
        },
    );
    (h, flow)
}

/// Left and Right move the passcode's cursor, and the screen shows where it is.
#[test]
fn the_passcode_cursor_is_drawn_where_it_is() {
    let (mut h, _flow) = at_passcode_entry();
    h.type_text("1234");
    assert!(h.screen_text().contains("Passcode: ••••▏"));
    h.press("left");
    h.press("left");
    let screen = h.screen_text();
    assert!(screen.contains("Passcode: ••▏••"), "{screen}");
    h.press("right");
    assert!(h.screen_text().contains("Passcode: •••▏•"));
}

/// Digits go to the passcode while its pane has the keyboard (the passcode context), and not
/// while another pane has it.
#[test]
fn the_passcode_takes_digits_only_while_its_pane_has_the_keyboard() {
    let (mut h, _flow) = at_passcode_entry();
    h.press("tab");
    h.type_text("12");
    h.press("tab");
    h.type_text("34");
    h.press("tab");
    h.type_text("56");
    let screen = h.screen_text();
    assert!(screen.contains("Passcode: ••▏"), "{screen}");
}

/// The pane's hints name the keys the user bound, and leave out an action bound to nothing.
#[test]
fn hints_name_the_keys_of_the_users_keymap() {
    let (mut h, flow) = sealed_reader();
    h.state.keymap = sealmail::app::keymap::Keymap::with_user_file(
        "[keys]\nT = \"none\"\nx = \"trust_portal\"\nq = \"none\"\nh = \"none\"\n",
    )
    .expect("a keymap");
    flow_event(
        &mut h,
        FlowEvent::Opened {
            flow,
            info: info(),
            trusted: false,
        },
    );
    let screen = h.screen_text();
    assert!(
        screen.contains("x trusts this portal and signs in · Esc goes back"),
        "{screen}"
    );
    assert!(!screen.contains("T trusts"), "{screen}");
    h.state.keymap =
        sealmail::app::keymap::Keymap::with_user_file("[keys]\nT = \"none\"\n").expect("a keymap");
    let screen = h.screen_text();
    assert!(
        !screen.contains("trusts this portal and signs in") && screen.contains("q goes back"),
        "{screen}"
    );
}

#[test]
fn sealed_untrusted_portal_asks_first_and_sends_nothing() {
    let (mut h, flow) = sealed_reader();
    flow_event(
        &mut h,
        FlowEvent::Opened {
            flow,
            info: info(),
            trusted: false,
        },
    );
    let screen = h.screen_text();
    assert!(
        screen.contains("NOT trusted yet") && screen.contains("T trusts this portal"),
        "{screen}"
    );
    assert_snapshot!(screen);
    let commands = h.press("T").unwrap();
    assert!(
        matches!(
            commands.as_slice(),
            [Command::Flow(FlowRequest::TrustAndOpen { .. })]
        ),
        "{commands:?}"
    );
}

#[test]
fn sealed_method_choice() {
    let (mut h, flow) = sealed_reader();
    flow_event(
        &mut h,
        FlowEvent::Opened {
            flow,
            info: info(),
            trusted: true,
        },
    );
    assert!(h.screen_text().contains("Contacting the portal"));
    flow_event(
        &mut h,
        FlowEvent::Methods {
            flow,
            methods: methods(),
        },
    );
    assert_snapshot!(h.screen_text());
}

#[test]
fn sealed_passcode_requested() {
    let (mut h, flow) = sealed_reader();
    flow_event(
        &mut h,
        FlowEvent::Opened {
            flow,
            info: info(),
            trusted: true,
        },
    );
    flow_event(
        &mut h,
        FlowEvent::Methods {
            flow,
            methods: methods(),
        },
    );
    h.press("enter");
    assert_snapshot!(h.screen_text());
}

#[test]
fn sealed_passcode_entry_is_masked() {
    let (mut h, _) = at_passcode_entry();
    h.type_text("1234");
    let screen = h.screen_text();
    assert!(
        screen.contains("Passcode: ••••") && !screen.contains("1234"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn sealed_passcode_mail_arrived_and_fills_with_one_key() {
    let (mut h, flow) = at_passcode_entry();
    // The passcode mail shows up in the inbox: the pane fetches it (without marking it read)
    // and hands it to the worker.
    let mail = sealmail::mail::Row {
        uid: 500,
        flags: Default::default(),
        date: NOW,
        text: sealmail::mail::RowText::line("portal", "Your one-time passcode to view the message"),
        size: 900,
        attachment: false,
        portal: None,
        protection: None,
    };
    let commands = h.apply(Msg::Source(SourceEvent::NewRows {
        folder: "INBOX".into(),
        rows: vec![mail],
        total: 61,
    }));
    let req = match commands.as_slice() {
        [
            Command::Source(sealmail::mail::SourceCommand::FetchMessage {
                req,
                uid: 500,
                mark_seen: false,
                ..
            }),
        ] => *req,
        other => panic!("expected a fetch of the passcode mail, got {other:?}"),
    };
    let loaded = LoadedMessage::from_raw(
        500,
        b"Subject: Your one-time passcode to view the message\r\n\r\n12345678\r\n".to_vec(),
    )
    .unwrap();
    let commands = h.apply(Msg::Source(SourceEvent::Message {
        req,
        result: Ok(loaded),
    }));
    assert!(
        matches!(
            commands.as_slice(),
            [Command::Flow(FlowRequest::PasscodeMail { .. })]
        ),
        "{commands:?}"
    );
    flow_event(
        &mut h,
        FlowEvent::PasscodeArrived {
            flow,
            reference: "K7QX".into(),
            passcode: SecretString::from("12345678"),
        },
    );
    let screen = h.screen_text();
    assert!(screen.contains("arrived: p fills it in"), "{screen}");
    assert_snapshot!(screen);
    let commands = h.press("p").unwrap();
    assert!(
        matches!(commands.as_slice(), [Command::Flow(FlowRequest::SubmitPasscode { passcode, .. })] if passcode.expose() == "12345678"),
        "{commands:?}"
    );
    assert!(h.screen_text().contains("Checking the passcode"));
}

#[test]
fn sealed_wrong_passcode_shows_the_tries_left() {
    let (mut h, flow) = at_passcode_entry();
    h.type_text("11111111");
    h.press("enter");
    flow_event(
        &mut h,
        FlowEvent::Failed {
            flow,
            failure: FlowFailure::BadPasscode { attempts_left: 4 },
        },
    );
    let screen = h.screen_text();
    assert!(screen.contains("4 tries left"), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn sealed_locked_passcode_offers_a_new_one() {
    let (mut h, flow) = at_passcode_entry();
    h.type_text("11111111");
    h.press("enter");
    flow_event(
        &mut h,
        FlowEvent::Failed {
            flow,
            failure: FlowFailure::Locked {
                retry_after_s: None,
            },
        },
    );
    let screen = h.screen_text();
    assert!(
        screen.contains("locked") && screen.contains("r asks for a new passcode"),
        "{screen}"
    );
    assert_snapshot!(screen);
    let commands = h.press("r").unwrap();
    assert!(
        matches!(
            commands.as_slice(),
            [Command::Flow(FlowRequest::RequestPasscode { .. })]
        ),
        "{commands:?}"
    );
}

fn device_prompt(slow_down: bool) -> SignInPrompt {
    SignInPrompt {
        provider: sealmail::sanitize::Clean::line(
            "id.example.test (the portal calls it \u{201c}Example ID\u{201d})",
        ),
        verification_uri: sealmail::sanitize::Clean::line("https://id.example.test/device"),
        verification_uri_complete: Some(sealmail::sanitize::Clean::line(
            "https://id.example.test/device?user_code=WDJB-MJHT",
        )),
        user_code: sealmail::sanitize::Clean::line("WDJB-MJHT"),
        expires_in_s: 600,
        slow_down,
        reason: None,
    }
}

fn at_device_code() -> (Headless, u64) {
    let (mut h, flow) = sealed_reader();
    flow_event(
        &mut h,
        FlowEvent::Opened {
            flow,
            info: info(),
            trusted: true,
        },
    );
    flow_event(
        &mut h,
        FlowEvent::Methods {
            flow,
            methods: methods(),
        },
    );
    h.press("j");
    let commands = h.press("enter").unwrap();
    assert!(
        matches!(
            commands.as_slice(),
            [Command::Flow(FlowRequest::StartSignIn { .. })]
        ),
        "{commands:?}"
    );
    flow_event(
        &mut h,
        FlowEvent::SignIn {
            flow,
            prompt: device_prompt(false),
        },
    );
    (h, flow)
}

#[test]
fn sealed_device_code_with_qr() {
    let (mut h, _) = at_device_code();
    h.resize(100, 50);
    let screen = h.screen_text();
    assert!(
        screen.contains("WDJB-MJHT") && screen.contains("expires in 10:00") && screen.contains("▀"),
        "{screen}"
    );
    assert!(
        h.state.ticking(),
        "the countdown ticks while the code is shown"
    );
    assert_snapshot!(screen);
}

#[test]
fn sealed_device_waiting_slowly() {
    let (mut h, flow) = at_device_code();
    flow_event(
        &mut h,
        FlowEvent::SignIn {
            flow,
            prompt: device_prompt(true),
        },
    );
    assert!(h.screen_text().contains("check less often"));
}

/// The prompt reaches the pane as the provider sent it; the widget makes it safe, the QR
/// code's link included, and the tick counts it down.
#[test]
fn sealed_sign_in_texts_cannot_drive_the_terminal_and_count_down() {
    let (mut h, flow) = at_device_code();
    h.resize(100, 50);
    flow_event(
        &mut h,
        FlowEvent::SignIn {
            flow,
            prompt: SignInPrompt {
                provider: sealmail::sanitize::Clean::line("evil\x1b]52;c;aGk=\x07"),
                verification_uri: sealmail::sanitize::Clean::line(
                    "https://id.example.test/\x1b[2Jdevice",
                ),
                verification_uri_complete: Some(sealmail::sanitize::Clean::line(
                    "https://id.example.test/\x1b[2J?c=1",
                )),
                user_code: sealmail::sanitize::Clean::line("AB\u{202e}CD\x1b[31m"),
                ..device_prompt(false)
            },
        },
    );
    let screen = h.screen_text();
    assert!(!screen.contains('\x1b'), "{screen:?}");
    assert!(!screen.contains('\u{202e}'), "{screen:?}");
    assert!(screen.contains("The code expires in 10:00."), "{screen}");
    h.state.clock = sealmail::app::clock::Clock::fixed_utc(NOW + 75);
    h.apply(Msg::Tick);
    assert!(
        h.screen_text().contains("The code expires in 8:45."),
        "the reader's tick counts down"
    );
}

#[test]
fn sealed_device_denied() {
    let (mut h, flow) = at_device_code();
    flow_event(
        &mut h,
        FlowEvent::Failed {
            flow,
            failure: FlowFailure::SignInDenied,
        },
    );
    let screen = h.screen_text();
    assert!(screen.contains("declined"), "{screen}");
    assert_snapshot!(screen);
    let commands = h.press("enter").unwrap();
    assert!(
        matches!(
            commands.as_slice(),
            [Command::Flow(FlowRequest::Open { .. })]
        ),
        "{commands:?}"
    );
}

#[test]
fn sealed_device_expired() {
    let (mut h, flow) = at_device_code();
    flow_event(
        &mut h,
        FlowEvent::Failed {
            flow,
            failure: FlowFailure::SignInExpired,
        },
    );
    assert_snapshot!(h.screen_text());
}

#[test]
fn sealed_decrypted_shows_the_inner_message() {
    let (mut h, flow) = at_passcode_entry();
    h.type_text("12345678");
    h.press("enter");
    let inner = sealmail::mime::parse(
        b"From: Ada Lovelace <ada@example.test>\r\nTo: Alice <alice@example.test>\r\nSubject: Board minutes (confidential)\r\n\
Date: Tue, 24 Nov 2026 09:00:00 +0000\r\n\r\nThe board approved the budget.\r\nDetails follow next week.\r\n",
    )
    .unwrap();
    flow_event(
        &mut h,
        FlowEvent::Decrypted {
            flow,
            message: Arc::new(inner),
            via: Via::Passcode,
            sender: VerifiedSender {
                address: sealmail::sanitize::Clean::line("ada@example.test"),
                portal: sealmail::sanitize::Clean::line("https://portal.example.test"),
                inner_from: InnerFrom::Matches,
            },
            reply: None,
        },
    );
    let screen = h.screen_text();
    assert!(
        screen.contains("The board approved the budget.")
            && screen.contains("decrypted with the passcode"),
        "{screen}"
    );
    assert_snapshot!(screen);
    // Closing the pane tells the worker to forget the flow.
    let commands = h.press("q").unwrap();
    assert!(
        matches!(
            commands.as_slice(),
            [Command::Flow(FlowRequest::Close { .. })]
        ),
        "{commands:?}"
    );
}

#[test]
fn sealed_tampered_shows_nothing_of_the_content() {
    let (mut h, flow) = at_passcode_entry();
    h.type_text("12345678");
    h.press("enter");
    flow_event(
        &mut h,
        FlowEvent::Failed {
            flow,
            failure: FlowFailure::Tampered,
        },
    );
    let screen = h.screen_text();
    assert!(
        screen.contains("altered after it was sealed") && !screen.contains("budget"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

/// The style of the first cell of `needle` on the screen.
fn style_of(h: &mut Headless, needle: &str) -> ratatui::style::Style {
    let buffer = h.draw().clone();
    let width = buffer.area.width as usize;
    let text: Vec<String> = buffer
        .content
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect())
        .collect();
    for (y, line) in text.iter().enumerate() {
        if let Some(at) = line.find(needle) {
            let x = line[..at].chars().count();
            return buffer.content[y * width + x].style();
        }
    }
    panic!("{needle:?} is not on the screen:\n{}", text.join("\n"));
}

/// A failure after the passcode, in the colour mode given.
fn failed_with(failure: FlowFailure, color: bool) -> Headless {
    let (mut h, flow) = at_passcode_entry();
    h.state.settings.color = color;
    h.type_text("12345678");
    h.press("enter");
    flow_event(&mut h, FlowEvent::Failed { flow, failure });
    h
}

/// Tampered and forged messages are set apart from ordinary failures by style, not by words
/// alone: white on red in colour, underlined without colour, where an expired passcode is a
/// red (colour) or plain bold (no colour) warning.
#[test]
fn a_tampered_message_looks_unlike_an_ordinary_failure() {
    use ratatui::style::{Color, Modifier};
    let tampered = style_of(
        &mut failed_with(FlowFailure::Tampered, true),
        "This message was altered",
    );
    assert_eq!(
        (tampered.fg, tampered.bg),
        (Some(Color::White), Some(Color::Red))
    );
    assert!(tampered.add_modifier.contains(Modifier::BOLD));
    let forged = style_of(
        &mut failed_with(
            FlowFailure::Forged(sealmail::sanitize::Clean::line("a test")),
            true,
        ),
        "⚠ FORGED",
    );
    assert_eq!(forged, tampered);
    let expired = style_of(
        &mut failed_with(FlowFailure::PasscodeExpired, true),
        "The passcode expired.",
    );
    assert_eq!(expired.fg, Some(Color::Red));
    assert_ne!(expired.bg, Some(Color::Red));

    let tampered = style_of(
        &mut failed_with(FlowFailure::Tampered, false),
        "This message was altered",
    );
    assert!(
        tampered
            .add_modifier
            .contains(Modifier::UNDERLINED | Modifier::BOLD)
    );
    // No colour at all: the style alone tells them apart.
    for colour in [tampered.fg, tampered.bg] {
        assert!(matches!(colour, None | Some(Color::Reset)), "{colour:?}");
    }
    let expired = style_of(
        &mut failed_with(FlowFailure::PasscodeExpired, false),
        "The passcode expired.",
    );
    assert!(!expired.add_modifier.contains(Modifier::UNDERLINED));
    assert!(expired.add_modifier.contains(Modifier::BOLD));
}

#[test]
fn replies_for_a_closed_pane_are_dropped() {
    let (mut h, flow) = at_passcode_entry();
    h.press("q");
    let commands = flow_event(
        &mut h,
        FlowEvent::PasscodeArrived {
            flow,
            reference: "K7QX".into(),
            passcode: SecretString::from("1"),
        },
    );
    assert!(commands.is_empty());
    assert!(h.state.pane.is_none());
}

/// The inner message says it is from the CEO, but the portal vouches for another sender: the
/// pane names the verified sender and warns loudly above the inner From.
#[test]
fn sealed_decrypted_warns_when_the_inner_from_is_not_the_verified_sender() {
    let (mut h, flow) = at_passcode_entry();
    h.type_text("12345678");
    h.press("enter");
    let inner = sealmail::mime::parse(
        b"From: The CEO <ceo@victim.example>\r\nTo: alice@example.test\r\nSubject: Wire the money\r\n\
Date: Tue, 24 Nov 2026 09:00:00 +0000\r\n\r\nPlease wire it today.\r\n",
    )
    .unwrap();
    flow_event(
        &mut h,
        FlowEvent::Decrypted {
            flow,
            message: Arc::new(inner),
            via: Via::Passcode,
            sender: VerifiedSender {
                address: sealmail::sanitize::Clean::line("mallory@attacker.example"),
                portal: sealmail::sanitize::Clean::line(PORTAL),
                inner_from: InnerFrom::Differs(sealmail::sanitize::Clean::line(
                    "ceo@victim.example",
                )),
            },
            reply: None,
        },
    );
    let screen = h.screen_text();
    assert!(
        screen.contains("Sender verified by the portal")
            && screen.contains("mallory@attacker.example")
            && screen.contains("WARNING")
            && screen.contains("which is NOT the"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

/// An envelope that names another sender than the portal registered shows nothing.
#[test]
fn sealed_forged_sender_shows_nothing_of_the_content() {
    let (mut h, flow) = at_passcode_entry();
    h.type_text("12345678");
    h.press("enter");
    flow_event(
        &mut h,
        FlowEvent::Failed {
            flow,
            failure: FlowFailure::Forged(sealmail::sanitize::Clean::line(
                "the envelope claims the sender ceo@victim.example, but mallory@attacker.example registered the message",
            )),
        },
    );
    let screen = h.screen_text();
    assert!(screen.contains("FORGED"), "{screen}");
    assert!(!screen.contains("board approved"), "{screen}");
    assert_snapshot!(screen);
}

/// Before the portal vouches for anything, the envelope's fields are shown as claims.
#[test]
fn sealed_envelope_fields_are_shown_as_claims() {
    let (mut h, flow) = sealed_reader();
    flow_event(
        &mut h,
        FlowEvent::Opened {
            flow,
            info: info(),
            trusted: false,
        },
    );
    let screen = h.screen_text();
    assert!(
        screen.contains("The envelope claims (not verified")
            && screen.contains("ada@example.test (claimed)"),
        "{screen}"
    );
}

/// The portal's own name for an identity provider is shown as its claim, next to the host
/// the sign-in really goes to.
#[test]
fn sealed_provider_names_are_the_portals_claim() {
    let (mut h, flow) = sealed_reader();
    flow_event(
        &mut h,
        FlowEvent::Opened {
            flow,
            info: info(),
            trusted: true,
        },
    );
    flow_event(
        &mut h,
        FlowEvent::Methods {
            flow,
            methods: vec![Method::OpenIdConnect {
                issuer: "https://id.attacker.example/google".into(),
                client_id: "mailreader".into(),
                name: "Google".into(),
            }],
        },
    );
    let screen = h.screen_text();
    assert!(
        screen.contains("Sign in at id.attacker.example (the portal calls it “Google”)"),
        "{screen}"
    );
}

/// The user's address is not a recipient: the reader asks which recipient to use and sends
/// nothing until one is chosen; it never picks someone else's address by itself.
#[test]
fn sealed_not_addressed_to_me_asks_which_address() {
    for mine in [Some("bob@example.test"), None] {
        let (mut h, flow) = sealed_reader_as(mine);
        let mut info = info();
        info.to = vec!["alice@example.test".into(), "carol@example.test".into()];
        flow_event(
            &mut h,
            FlowEvent::Opened {
                flow,
                info,
                trusted: true,
            },
        );
        flow_event(
            &mut h,
            FlowEvent::Methods {
                flow,
                methods: methods(),
            },
        );
        let commands = h.press("enter").unwrap();
        assert!(commands.is_empty(), "nothing is sent yet: {commands:?}");
        let screen = h.screen_text();
        assert!(
            screen.contains("Which of its recipients are")
                && screen.contains("alice@example.test")
                && screen.contains("carol@example.test"),
            "{screen}"
        );
        if mine.is_some() {
            assert_snapshot!(screen);
        }
        h.press("j");
        let commands = h.press("enter").unwrap();
        assert!(
            matches!(commands.as_slice(), [Command::Flow(FlowRequest::RequestPasscode { email, .. })] if email == "carol@example.test"),
            "{commands:?}"
        );
    }
}

/// Mail whose only way in is its HTML attachment: the advice offers to save it and to open it,
/// and `O` has it saved into the private directory to be opened; a look-alike offers neither.
#[test]
fn attachment_only_portal_mail_offers_to_save_and_open_its_attachment() {
    for file in [
        "ome-legacy.eml",
        "cisco-cres.eml",
        "trendmicro.eml",
        "voltage.eml",
    ] {
        let mut h = loaded(100, 40, 60, 60);
        h.state.settings.open_dir = Some("/run/user/1000/sealmail-open-x".into());
        h.press("v");
        open_raw(&mut h, fixture(file));
        let screen = h.screen_text();
        if file == "voltage.eml" {
            // An organisation's portal, its sender not verified: nothing is offered.
            assert!(
                !screen.contains("opens it in its viewer"),
                "{file}:\n{screen}"
            );
            h.press("O");
            let notice = h.state.notice.as_ref().map(|n| n.text.to_string());
            assert_eq!(
                notice.as_deref(),
                Some("portal mail not verified genuine: its attachments are not offered"),
                "{file}"
            );
            continue;
        }
        assert!(
            screen.contains("S saves the attachment · O opens it in its viewer"),
            "{file}:\n{screen}"
        );
        let commands = h.press("O").expect("a key");
        let save = commands
            .iter()
            .find_map(|c| match c {
                Command::Source(sealmail::mail::SourceCommand::SaveAttachments(r)) => {
                    Some(r.clone())
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("{file}: no save in {commands:?}"));
        assert_eq!(save.indices, vec![0], "{file}");
    }
    let mut h = loaded(100, 40, 60, 60);
    h.state.settings.open_dir = Some("/run/user/1000/sealmail-open-x".into());
    h.press("v");
    open_raw(&mut h, fixture("phish-ome-lookalike.eml"));
    assert!(!h.screen_text().contains("opens it in its viewer"));
    h.press("O");
    assert!(h.state.save_prompt.is_none());
}

/// The decrypted sealed message in the pane, with the ticket a real opening earns (a session at
/// the portal, bob and alice as its recipients), and alice able to write.
fn decrypted_with_ticket() -> Headless {
    let (mut h, flow) = at_passcode_entry();
    h.type_text("12345678");
    h.press("enter");
    h.state.identity = Some(sealmail::mail::compose::Identity::new(
        "Alice <alice@example.test>",
        None,
    ));
    let inner = sealmail::mime::parse(
        b"From: Ada Lovelace <ada@example.test>\r\nTo: Alice <alice@example.test>, bob@example.test\r\n\
Subject: Board minutes (confidential)\r\nMessage-ID: <minutes@example.test>\r\n\
Date: Tue, 24 Nov 2026 09:00:00 +0000\r\n\r\nThe board approved the budget.\r\n",
    )
    .unwrap();
    let ticket = sealmail::sealed::reply::ReplyTicket {
        client: sealmail::sealed::client::PortalClient::new(PORTAL, None).unwrap(),
        in_reply_to: info().id,
        sender: "ada@example.test".into(),
        recipients: vec!["alice@example.test".into(), "bob@example.test".into()],
        session: SecretString::new("session-token".into()),
    };
    flow_event(
        &mut h,
        FlowEvent::Decrypted {
            flow,
            message: Arc::new(inner),
            via: Via::Passcode,
            sender: VerifiedSender {
                address: sealmail::sanitize::Clean::line("ada@example.test"),
                portal: sealmail::sanitize::Clean::line(PORTAL),
                inner_from: InnerFrom::Matches,
            },
            reply: Some(Box::new(ticket)),
        },
    );
    h
}

/// The message a command list sends.
fn sent_message(commands: &[Command]) -> &sealmail::mail::outgoing::Outgoing {
    commands
        .iter()
        .find_map(|c| match c {
            Command::Send { message, .. } => Some(message.as_ref()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no send in {commands:?}"))
}

#[test]
fn a_sealed_message_is_answered_sealed_to_its_participants() {
    let mut h = decrypted_with_ticket();
    h.press("W");
    let composer = h.state.composer.as_ref().expect("the composer opens");
    assert_eq!(composer.title(), "Sealed reply to all");
    assert_eq!(
        composer.text(sealmail::app::compose::Field::To),
        "ada@example.test"
    );
    assert_eq!(
        composer.text(sealmail::app::compose::Field::Cc),
        "bob@example.test"
    );
    h.type_text("Approved, sealed.");
    let screen = h.screen_text();
    assert!(
        screen.contains("> The board approved the budget."),
        "{screen}"
    );
    assert_snapshot!("sealed_reply_composer", screen);
    h.press("esc");
    let review = h.screen_text();
    assert!(
        review.contains("sealed for its participants; key at https://portal.example.test"),
        "{review}"
    );
    assert_snapshot!("sealed_reply_review", review);
    let commands = h.press("s").unwrap();
    let message = sent_message(&commands);
    let Some(sealmail::mail::outgoing::Sealing::Reply(ticket)) = message.seal.as_ref() else {
        panic!("not sent as a sealed reply");
    };
    assert_eq!(ticket.in_reply_to, info().id);
    assert!(message.body.contains("Approved, sealed."));
    assert_eq!(
        message.in_reply_to.as_deref(),
        Some("<minutes@example.test>")
    );
}

#[test]
fn a_sealed_reply_refuses_outsiders_and_bcc_before_sending() {
    let mut h = decrypted_with_ticket();
    h.press("w");
    // To the field list: From, To, Cc, Bcc, Subject, Body; the reply starts in the body.
    for _ in 0..4 {
        h.press("backtab");
    }
    h.type_text(", mallory@evil.example");
    h.press("esc");
    let commands = h.press("s").unwrap();
    assert!(
        !commands.iter().any(|c| matches!(c, Command::Send { .. })),
        "{commands:?}"
    );
    let screen = h.screen_text();
    assert!(
        screen.contains("mallory@evil.example did not take part"),
        "{screen}"
    );
    assert_snapshot!("sealed_reply_outsider", screen);
}

#[test]
fn a_sealed_reply_put_aside_stays_in_memory_and_comes_back() {
    let mut h = decrypted_with_ticket();
    h.press("w");
    h.type_text("Half a thought");
    h.press("esc");
    let commands = h.press("p").unwrap();
    assert!(
        !commands
            .iter()
            .any(|c| matches!(c, Command::Postpone { .. })),
        "never to Drafts: {commands:?}"
    );
    assert!(h.state.composer.is_none());
    assert!(h.state.held_sealed_reply.is_some());
    h.press("E");
    let composer = h.state.composer.as_ref().expect("taken up again");
    assert!(composer.sealed.is_some());
    assert!(
        composer.draft().body.contains("Half a thought"),
        "the text is back"
    );
}

#[test]
fn a_sealed_message_is_not_forwarded_or_answered_unopened() {
    let mut h = decrypted_with_ticket();
    h.press("b");
    assert!(h.state.composer.is_none());
    let screen = h.screen_text();
    assert!(screen.contains("sealed mail is not forwarded"), "{screen}");

    let (mut unopened, flow) = sealed_reader();
    unopened.state.identity = Some(sealmail::mail::compose::Identity::new(
        "alice@example.test",
        None,
    ));
    flow_event(
        &mut unopened,
        FlowEvent::Opened {
            flow,
            info: info(),
            trusted: false,
        },
    );
    unopened.press("w");
    assert!(unopened.state.composer.is_none());
    let said = notice(&unopened);
    assert!(said.contains("open the sealed message first"), "{said}");
}

#[test]
fn a_new_message_is_sealed_with_s_on_the_review() {
    let mut h = loaded(80, 24, 60, 60);
    h.state.identity = Some(sealmail::mail::compose::Identity::new(
        "Alice <alice@example.test>",
        None,
    ));
    h.press("c");
    h.type_text("bob@example.test");
    h.press("esc");
    assert!(
        h.screen_text()
            .contains("none: ordinary mail (c signs or encrypts it)"),
        "no seal_portal, nothing offered"
    );
    h.press("S");
    assert!(h.state.composer.as_ref().unwrap().seal_as_sender.is_none());
    h.state.sender_seal = Some(Box::new(sealmail::sealed::sender::SenderSeal {
        client: sealmail::sealed::client::PortalClient::new(PORTAL, None).unwrap(),
        token: SecretString::new("sender-token".into()),
        expires: None,
    }));
    assert!(h.screen_text().contains("none: ordinary mail (S seals it,"));
    h.press("S");
    let screen = h.screen_text();
    assert!(
        screen.contains("sealed for its recipients; key at https://portal.example.test"),
        "{screen}"
    );
    assert_snapshot!("sealed_new_message_review", screen);
    let commands = h.press("s").unwrap();
    let message = sent_message(&commands);
    assert!(matches!(
        message.seal,
        Some(sealmail::mail::outgoing::Sealing::AsSender(_))
    ));
}

#[test]
fn the_list_marks_encrypted_and_signed_mail() {
    use sealmail::detect::crypto::{Protection, Scheme};
    let mut h = loaded(80, 24, 60, 60);
    let marks = [
        Protection::Encrypted(Scheme::Smime),
        Protection::Encrypted(Scheme::OpenPgp),
        Protection::Signed(Scheme::Smime),
        Protection::Signed(Scheme::OpenPgp),
    ];
    let rows = marks
        .iter()
        .zip(0u32..)
        .map(|(mark, i)| sealmail::mail::Row {
            uid: 1000 + i,
            flags: Default::default(),
            date: NOW,
            text: sealmail::mail::RowText::line("Bob", "Q4 numbers"),
            size: 4000,
            attachment: false,
            portal: None,
            protection: Some(*mark),
        })
        .collect();
    h.state.folder.rows.insert(rows, 20);
    let screen = h.screen_text();
    for word in ["🔐S/MIME", "🔐PGP", "✍S/MIME", "✍PGP"] {
        assert!(screen.contains(word), "{word} in\n{screen}");
    }
}
