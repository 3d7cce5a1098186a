//! The OAuth2 sign-in screen at 80x24, one snapshot per state.

use insta::assert_snapshot;
use sealmail::app::clock::Clock;
use sealmail::app::msg::Msg;
use sealmail::mail::{ConnectionState, SignInPrompt, SignInState, SourceEvent};

use crate::fixtures::*;

fn signing_in(state: SignInState) -> String {
    let mut h = reader(80, 24);
    h.apply(Msg::Source(SourceEvent::SignIn(state)));
    h.screen_text()
}

fn prompt() -> SignInPrompt {
    SignInPrompt {
        provider: sealmail::sanitize::Clean::line("id.example.test"),
        verification_uri: sealmail::sanitize::Clean::line("https://id.example.test/device"),
        verification_uri_complete: Some(sealmail::sanitize::Clean::line(
            "https://id.example.test/device?user_code=WDJB-MJHT",
        )),
        user_code: sealmail::sanitize::Clean::line("WDJB-MJHT"),
        expires_in_s: 872,
        slow_down: false,
        reason: None,
    }
}

#[test]
fn signin_requesting_a_code() {
    let screen = signing_in(SignInState::Requesting {
        provider: sealmail::sanitize::Clean::line("Microsoft"),
        reason: None,
    });
    assert!(screen.contains("Sign in with Microsoft"));
    assert!(screen.contains("Asking the provider for a sign-in code"));
    assert_snapshot!(screen);
}

#[test]
fn signin_waiting_with_qr_code_and_countdown() {
    let screen = signing_in(SignInState::Waiting(prompt()));
    assert!(screen.contains("https://id.example.test/device"));
    assert!(screen.contains("WDJB-MJHT"));
    assert!(screen.contains("The code expires in 14:32."));
    assert!(screen.contains("Or scan the QR code"));
    assert!(
        screen.contains('▀') || screen.contains('▄'),
        "a QR code is drawn"
    );
    assert_snapshot!(screen);
}

#[test]
fn signin_waiting_microsoft_without_a_complete_link() {
    let screen = signing_in(SignInState::Waiting(SignInPrompt {
        provider: sealmail::sanitize::Clean::line("Microsoft"),
        verification_uri: sealmail::sanitize::Clean::line("https://microsoft.com/devicelogin"),
        verification_uri_complete: None,
        user_code: sealmail::sanitize::Clean::line("GX7PQ2LTR"),
        expires_in_s: 59,
        slow_down: true,
        ..prompt()
    }));
    assert!(screen.contains("The code expires in 0:59."));
    assert!(screen.contains("check less often"));
    assert_snapshot!(screen);
}

#[test]
fn signin_again_after_a_revoked_sign_in() {
    let screen = signing_in(SignInState::Waiting(SignInPrompt {
        reason: Some(sealmail::sanitize::Clean::line(
            "your sign-in has ended: the saved sign-in is no longer valid (expired or revoked) (invalid_grant)",
        )),
        ..prompt()
    }));
    assert!(screen.contains("your sign-in has ended"));
    assert_snapshot!(screen);
}

#[test]
fn signin_signed_in_logging_in() {
    let screen = signing_in(SignInState::SignedIn {
        provider: sealmail::sanitize::Clean::line("Google"),
    });
    assert!(screen.contains("Signed in."));
    assert_snapshot!(screen);
}

#[test]
fn signin_declined() {
    let screen = signing_in(SignInState::Denied {
        provider: sealmail::sanitize::Clean::line("Google"),
    });
    assert!(screen.contains("declined on the other device"));
    assert_snapshot!(screen);
}

#[test]
fn signin_expired() {
    let screen = signing_in(SignInState::Expired {
        provider: sealmail::sanitize::Clean::line("Microsoft"),
    });
    assert!(screen.contains("expired before anyone approved it"));
    assert_snapshot!(screen);
}

#[test]
fn signin_refused_by_the_provider() {
    let screen = signing_in(SignInState::Failed {
        provider: sealmail::sanitize::Clean::line("Microsoft"),
        reason: sealmail::sanitize::Clean::line(
            "the app registration is not a public client: turn on \"Allow public client flows\" (AADSTS7000218)",
        ),
    });
    assert!(screen.contains("AADSTS7000218"));
    assert_snapshot!(screen);
}

#[test]
fn signin_screen_gives_way_to_the_list_once_online() {
    let mut h = reader(80, 24);
    h.apply(Msg::Source(SourceEvent::SignIn(SignInState::Waiting(
        prompt(),
    ))));
    h.apply(Msg::Source(SourceEvent::SignIn(SignInState::SignedIn {
        provider: sealmail::sanitize::Clean::line("id.example.test"),
    })));
    h.apply(Msg::Source(SourceEvent::Connection(
        ConnectionState::Online {
            live: "IDLE",
            insecure: false,
        },
    )));
    let screen = h.screen_text();
    assert!(!screen.contains("Sign in with"), "{screen}");
}

#[test]
fn signin_texts_from_the_provider_cannot_drive_the_terminal() {
    let screen = signing_in(SignInState::Waiting(SignInPrompt {
        provider: sealmail::sanitize::Clean::line("evil\x1b]52;c;aGk=\x07"),
        verification_uri: sealmail::sanitize::Clean::line("https://id.example.test/\x1b[2Jdevice"),
        verification_uri_complete: None,
        user_code: sealmail::sanitize::Clean::line("AB\u{202e}CD\x1b[31m"),
        ..prompt()
    }));
    assert!(!screen.contains('\x1b'), "{screen:?}");
    assert!(!screen.contains('\u{202e}'), "{screen:?}");
}

/// The prompt comes once (and again after a poll), not every second: the reader's tick counts
/// the code down on its own clock.
#[test]
fn signin_countdown_runs_on_the_readers_tick() {
    let mut h = reader(80, 24);
    h.apply(Msg::Source(SourceEvent::SignIn(SignInState::Waiting(
        prompt(),
    ))));
    assert!(h.state.ticking(), "a shown code keeps the tick running");
    assert!(h.screen_text().contains("The code expires in 14:32."));
    h.state.clock = Clock::fixed_utc(NOW + 61);
    h.apply(Msg::Tick);
    assert!(h.screen_text().contains("The code expires in 13:31."));
    h.state.clock = Clock::fixed_utc(NOW + 5_000);
    h.apply(Msg::Tick);
    assert!(h.screen_text().contains("The code expires in 0:00."));
    h.apply(Msg::Source(SourceEvent::SignIn(SignInState::SignedIn {
        provider: sealmail::sanitize::Clean::line("id.example.test"),
    })));
    assert!(!h.state.ticking(), "no code, no tick");
}
