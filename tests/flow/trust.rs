//! An untrusted portal is never contacted until the user trusts it; the trust file then holds
//! its origin and nothing else; a message that is not sealed fails as malformed.

use std::sync::Arc;
use std::time::Duration;

use sealmail::sealed::flow::{FlowEvent, FlowFailure, FlowRequest, Method};

use crate::common::{Options, PortalProc, inner_message, seal_cli};
use crate::harness::{Flow, Relay};

#[tokio::test]
async fn an_untrusted_portal_is_contacted_only_after_the_user_trusts_it() {
    let portal = PortalProc::start(Options::default()).await;
    let relay = Relay::start(portal.addr).await;
    let sealed: Arc<[u8]> = seal_cli(
        &relay.origin,
        &inner_message("alice@example.test", "trust-me"),
        &[],
    )
    .await
    .into();
    let before = relay.connections();
    assert!(before > 0, "sealing registered the key through the relay");

    let mut flow = Flow::start(&[]);
    flow.send(FlowRequest::Open {
        flow: 1,
        raw: sealed.clone(),
    })
    .await;
    match flow.next().await {
        FlowEvent::Opened {
            flow: 1,
            info,
            trusted,
        } => {
            assert!(!trusted, "nothing trusts this portal yet");
            assert_eq!(info.portal, relay.origin);
            assert_eq!(info.from, "bob@example.test");
            assert_eq!(info.to, vec!["alice@example.test"]);
            assert_eq!(info.id.len(), 22);
        }
        other => panic!("expected Opened, got {other:?}"),
    }
    flow.assert_quiet(Duration::from_millis(700)).await;
    assert_eq!(
        relay.connections(),
        before,
        "an untrusted portal is never contacted"
    );
    assert!(
        !flow.trust_file.exists(),
        "opening alone trusts nothing and writes nothing"
    );

    // A step the reader should not ask for yet is refused without contacting the portal.
    flow.send(FlowRequest::RequestPasscode {
        flow: 1,
        email: "alice@example.test".into(),
    })
    .await;
    assert!(matches!(flow.failure(1).await, FlowFailure::Other(_)));
    assert_eq!(relay.connections(), before);

    flow.send(FlowRequest::TrustAndOpen {
        flow: 2,
        raw: sealed.clone(),
    })
    .await;
    assert!(matches!(
        flow.next().await,
        FlowEvent::Opened {
            flow: 2,
            trusted: true,
            ..
        }
    ));
    match flow.next().await {
        FlowEvent::Methods { flow: 2, methods } => assert_eq!(
            methods,
            vec![Method::Passcode {
                digits: 8,
                ttl_s: 900
            }]
        ),
        other => panic!("expected Methods, got {other:?}"),
    }
    assert!(relay.connections() > before, "now the portal was asked");
    assert_eq!(
        std::fs::read_to_string(&flow.trust_file).expect("the trust file"),
        format!("{}\n", relay.origin),
        "the trust file holds the origin, nothing else"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&flow.trust_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let xdg = flow.stop().await;

    // A new run remembers the confirmation.
    let mut again = Flow::start_in(xdg, &[]);
    again
        .send(FlowRequest::Open {
            flow: 3,
            raw: sealed,
        })
        .await;
    assert!(matches!(
        again.next().await,
        FlowEvent::Opened {
            flow: 3,
            trusted: true,
            ..
        }
    ));
    assert!(matches!(
        again.next().await,
        FlowEvent::Methods { flow: 3, .. }
    ));
}

#[tokio::test]
async fn a_message_that_is_not_sealed_is_malformed() {
    let mut flow = Flow::start(&[]);
    flow.send(FlowRequest::Open {
        flow: 7,
        raw: Arc::from(&b"From: a@example.test\r\nSubject: plain\r\n\r\nhello\r\n"[..]),
    })
    .await;
    assert!(matches!(flow.failure(7).await, FlowFailure::Malformed(_)));
    flow.send(FlowRequest::Open {
        flow: 8,
        raw: Arc::from(
            &b"From: a@example.test\r\nSealed-Message: v=1; portal=https://p.example; id=x\r\n\r\nhi\r\n"[..],
        ),
    })
    .await;
    assert!(matches!(flow.failure(8).await, FlowFailure::Malformed(_)));
    // A well-formed version 1 message (the test vector of that version): recognised, and not
    // opened, since no portal vouches for its sender.
    use base64::Engine as _;
    let v1 = r#"{"v":1,"portal":"https://portal.example.com","id":"AAECAwQFBgcICQoLDA0ODw","from":"sender@example.com","to":["a@example.org","b@example.org"],"created":"2026-11-24T10:00:00Z","alg":"A256GCM","nonce":"oKGio6Slpqeoqaqr","ct":"oGoTQH_rcdoMAeKhRx-4vx3cNXW81C0BkQRy6UWLFEG3DiaS3042EzDuY-QpGMOcP3orOA61NBEzOQZU9wXn2tHf8VUQ7YGMmI3yEoLEhN-hZ8SI5bL8G4IQWrrG9T_466omoUFnsdffFrsqajSwAN-tzEE"}"#;
    let raw = format!(
        "From: sender@example.com\r\nSealed-Message: v=1; portal=https://portal.example.com; \
         id=AAECAwQFBgcICQoLDA0ODw\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; \
         boundary=b\r\n\r\n--b\r\nContent-Type: application/vnd.sealed-message+json\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        base64::engine::general_purpose::STANDARD.encode(v1)
    );
    flow.send(FlowRequest::Open {
        flow: 9,
        raw: Arc::from(raw.into_bytes()),
    })
    .await;
    assert_eq!(flow.failure(9).await, FlowFailure::Obsolete);
    flow.stop().await;
}
