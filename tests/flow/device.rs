//! The device sign-in (RFC 8628) at the real `oidc-provider` IdP: approved by "the user on
//! another device" over HTTP, denied, expired; and Close stops the polling.

use std::sync::Arc;
use std::time::Duration;

use sealmail::sealed::flow::{FlowEvent, FlowFailure, FlowRequest, Method, Via};

use crate::common::{Options, PortalProc, inner_message, seal_cli};
use crate::harness::Flow;
use crate::support::{Idp, IdpOptions};

/// The IdP's public client whose ID tokens the portal accepts.
const CLIENT_ID: &str = "mailreader";

struct Setup {
    idp: Idp,
    portal: PortalProc,
    flow: Flow,
}

async fn setup(options: IdpOptions, marker: &str) -> (Setup, Arc<[u8]>) {
    let idp = Idp::start(options).await;
    let portal = PortalProc::start(Options {
        oidc: vec![(idp.issuer().to_owned(), CLIENT_ID.to_owned())],
        ..Options::default()
    })
    .await;
    let sealed: Arc<[u8]> = seal_cli(
        &portal.origin,
        &inner_message("alice@example.test", marker),
        &[],
    )
    .await
    .into();
    let flow = Flow::start(&[&portal.origin]);
    (Setup { idp, portal, flow }, sealed)
}

/// Opens the message and starts the device sign-in at the IdP; returns the user code.
async fn start_device(s: &mut Setup, flow: u64, sealed: Arc<[u8]>) -> String {
    s.flow.send(FlowRequest::Open { flow, raw: sealed }).await;
    assert!(matches!(
        s.flow.next().await,
        FlowEvent::Opened { trusted: true, .. }
    ));
    let methods = match s.flow.next().await {
        FlowEvent::Methods { methods, .. } => methods,
        other => panic!("expected Methods, got {other:?}"),
    };
    let (issuer, client_id) = methods
        .iter()
        .find_map(|m| match m {
            Method::OpenIdConnect {
                issuer, client_id, ..
            } => Some((issuer.clone(), client_id.clone())),
            Method::Passcode { .. } => None,
        })
        .expect("the portal offers its identity provider");
    assert_eq!(issuer, s.idp.issuer());
    assert_eq!(client_id, CLIENT_ID);
    assert!(
        methods.iter().any(|m| matches!(m, Method::Passcode { .. })),
        "and passcodes: {methods:?}"
    );
    s.flow
        .send(FlowRequest::StartSignIn {
            flow,
            issuer,
            client_id,
        })
        .await;
    match s.flow.next().await {
        FlowEvent::SignIn { flow: f, prompt } => {
            assert_eq!(f, flow);
            assert!(
                prompt.verification_uri.starts_with(s.idp.issuer()),
                "{prompt:?}"
            );
            let complete = prompt
                .verification_uri_complete
                .expect("oidc-provider gives the full URI");
            assert!(complete.contains("user_code="), "{complete}");
            assert!(prompt.expires_in_s > 0);
            assert!(!prompt.slow_down);
            assert!(
                prompt.provider.contains("the portal calls it"),
                "{}",
                prompt.provider
            );
            assert!(!prompt.user_code.is_empty());
            prompt.user_code.into()
        }
        other => panic!("expected the sign-in prompt, got {other:?}"),
    }
}

/// One IdP and portal for three sign-ins (each with a fresh worker, so no session is held):
/// approved, denied, and closed while polling. Node on a busy machine starts slowly.
#[tokio::test]
async fn device_sign_ins_approved_denied_and_closed() {
    let (mut s, sealed) = setup(IdpOptions::default(), "device-ok").await;

    // Approved: the worker polls while the user is away (the prompt comes again after a
    // poll, with the same code), then decrypts via the ID token.
    let user_code = start_device(&mut s, 1, sealed.clone()).await;
    match s.flow.next().await {
        FlowEvent::SignIn { flow: 1, prompt } => assert_eq!(prompt.user_code, user_code),
        other => panic!("expected the prompt after a poll, got {other:?}"),
    }
    s.idp
        .approve_device(&user_code, "alice")
        .await
        .expect("approval at the IdP");
    let (event, _) = s.flow.next_after_waiting().await;
    match event {
        FlowEvent::Decrypted {
            flow: 1,
            message,
            via,
            sender,
            ..
        } => {
            assert_eq!(via, Via::SignIn);
            assert_eq!(sender.address, "bob@example.test");
            assert_eq!(message.subject, "Quarterly figures");
            assert!(
                message
                    .body
                    .join("\n")
                    .contains("The confidential text device-ok.")
            );
        }
        other => panic!("expected Decrypted, got {other:?}"),
    }
    let metrics = s.flow.metrics.openmetrics().expect("metrics on");
    assert!(
        metrics.contains("sealmail_sign_ins_total{method=\"oidc\",outcome=\"ok\"} 1\n"),
        "{metrics}"
    );

    // Denied.
    s.flow = Flow::start(&[&s.portal.origin]);
    let user_code = start_device(&mut s, 2, sealed.clone()).await;
    s.idp
        .deny_device(&user_code)
        .await
        .expect("deny at the IdP");
    let (event, _) = s.flow.next_after_waiting().await;
    match event {
        FlowEvent::Failed {
            flow: 2,
            failure: FlowFailure::SignInDenied,
        } => {}
        other => panic!("expected SignInDenied, got {other:?}"),
    }

    // Closed while polling: nothing more comes, even after the user approves.
    s.flow = Flow::start(&[&s.portal.origin]);
    let user_code = start_device(&mut s, 3, sealed).await;
    assert!(matches!(
        s.flow.next().await,
        FlowEvent::SignIn { flow: 3, .. }
    ));
    s.flow.send(FlowRequest::Close { flow: 3 }).await;
    // Drain a prompt that may have been in flight, then nothing more.
    tokio::time::sleep(Duration::from_millis(200)).await;
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(50), async {
        Some(s.flow.next().await)
    })
    .await
    {
        assert!(
            matches!(event, FlowEvent::SignIn { flow: 3, .. }),
            "{event:?}"
        );
    }
    s.idp
        .approve_device(&user_code, "alice")
        .await
        .expect("approval at the IdP");
    s.flow.assert_quiet(Duration::from_secs(3)).await;
}

#[tokio::test]
async fn an_expired_device_code_says_so() {
    let (mut s, sealed) = setup(
        IdpOptions::default().device_code_ttl(Duration::from_secs(3)),
        "device-expired",
    )
    .await;
    start_device(&mut s, 1, sealed).await;
    let (event, waits) = s.flow.next_after_waiting().await;
    match event {
        FlowEvent::Failed {
            flow: 1,
            failure: FlowFailure::SignInExpired,
        } => {}
        other => panic!("expected SignInExpired, got {other:?}"),
    }
    assert!(waits >= 1, "it polled before the code expired");
}
