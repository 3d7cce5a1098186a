//! The reader's sealed flow against the portal at scale: two instances on one PostgreSQL
//! database behind HAProxy, the sealed message naming HAProxy's origin. The instance that
//! mailed the passcode is stopped before the passcode is submitted, so the key comes from the
//! other one.

use std::sync::Arc;

use sealmail::sealed::flow::{FlowEvent, FlowRequest, Method, Via};
use sealmail::secret::SecretString;

use crate::common::{
    Options, PortalProc, inner_message, mail_stack, new_master_key, passcode_mail, seal_cli,
};
use crate::harness::Flow;
use crate::support::{Haproxy, Postgres, haproxy_port};

#[tokio::test]
async fn the_reader_opens_through_haproxy_with_the_passcode_from_one_instance_and_the_key_from_the_other()
 {
    let (dovecot, postfix) = mail_stack().await;
    let pg = Postgres::shared();
    let db = pg.create_database().await;
    let port = haproxy_port();
    let origin = format!("http://127.0.0.1:{port}");
    let options = Options {
        database: Some(pg.url(&db)),
        master_key: Some(new_master_key()),
        extra: vec![
            "--origin".into(),
            origin.clone(),
            "--trust-proxy".into(),
            "127.0.0.1".into(),
        ],
        ..Options::mail_via(&postfix)
    };
    let (mut a, mut b) = tokio::join!(
        PortalProc::start(options.clone()),
        PortalProc::start(options)
    );
    let _proxy = Haproxy::start(port, &[a.addr, b.addr]).await;

    let inner = inner_message("alice@example.test", "scale-flow");
    let sealed: Arc<[u8]> = seal_cli(&origin, &inner, &[]).await.into();
    let mut flow = Flow::start(&[&origin]);
    flow.send(FlowRequest::Open {
        flow: 1,
        raw: sealed,
    })
    .await;
    match flow.next().await {
        FlowEvent::Opened { trusted, .. } => assert!(trusted, "HAProxy's origin is trusted"),
        other => panic!("expected Opened, got {other:?}"),
    }
    match flow.next().await {
        FlowEvent::Methods { methods, .. } => {
            assert!(matches!(methods[..], [Method::Passcode { .. }]))
        }
        other => panic!("expected Methods, got {other:?}"),
    }
    flow.send(FlowRequest::RequestPasscode {
        flow: 1,
        email: "alice@example.test".into(),
    })
    .await;
    let reference = match flow.next().await {
        FlowEvent::PasscodeSent { reference, .. } => reference,
        other => panic!("expected PasscodeSent, got {other:?}"),
    };
    let (code, _) = passcode_mail(&dovecot, "alice", &reference).await;

    // Stop the instance that mailed the passcode: the other one must release the key.
    let mailed = |p: &PortalProc| p.log().contains("passcode mail sent");
    let (gone, other) = match (mailed(&a), mailed(&b)) {
        (true, false) => (&mut a, &mut b),
        (false, true) => (&mut b, &mut a),
        seen => panic!("exactly one instance mails the passcode: {seen:?}"),
    };
    gone.stop().await;
    flow.send(FlowRequest::SubmitPasscode {
        flow: 1,
        email: "alice@example.test".into(),
        passcode: SecretString::from(code.as_str()),
    })
    .await;
    match flow.next().await {
        FlowEvent::Decrypted {
            message,
            via,
            sender,
            ..
        } => {
            assert_eq!(via, Via::Passcode);
            assert_eq!(sender.portal, origin);
            assert!(
                message
                    .body
                    .join("\n")
                    .contains("The confidential text scale-flow."),
                "{:?}",
                message.body
            );
        }
        other => panic!("expected Decrypted, got {other:?}"),
    }
    assert!(other.log().contains("key released"), "{}", other.log());
}
