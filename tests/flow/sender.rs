//! The sender of a sealed message is the one the portal vouches for. A sealer whose token
//! allows only its own domain registers a message and writes an envelope (or an inner message)
//! claiming to be someone else: the reader refuses the forged envelope, and for an inner From
//! that differs from the verified sender it decrypts but says so loudly.

use std::sync::Arc;

use sealmail::sealed::flow::{FlowEvent, FlowFailure, FlowRequest, InnerFrom};
use sealmail::secret::SecretString;

use crate::common::{Options, PortalProc, mail_stack, passcode_mail, seal_forged};
use crate::harness::Flow;

const ALICE: &str = "alice@example.test";
/// The address the attacker's sender token may send from.
const MALLORY: &str = "mallory@example.test";

/// Seals `inner` with an envelope claiming `claimed_from` and `claimed_to`, while registering
/// the key at the portal as sent by `MALLORY` to `registered_to`.
async fn forge(
    portal: &PortalProc,
    inner: &[u8],
    claimed_from: &str,
    claimed_to: &[&str],
    registered_to: &[&str],
) -> Arc<[u8]> {
    seal_forged(
        portal,
        inner,
        (claimed_from, claimed_to),
        (MALLORY, registered_to),
    )
    .await
    .into()
}

fn inner_from(from: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {ALICE}\r\nSubject: Wire the money\r\n\
         Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nPlease wire it today.\r\n"
    )
    .into_bytes()
}

async fn open(flow: &mut Flow, id: u64, raw: Arc<[u8]>) {
    flow.send(FlowRequest::Open { flow: id, raw }).await;
    assert!(matches!(
        flow.next().await,
        FlowEvent::Opened { trusted: true, .. }
    ));
}

#[tokio::test]
async fn the_portal_is_the_authority_for_the_sender() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let mut flow = Flow::start(&[&portal.origin]);

    // 1. The envelope claims the CEO; the portal registered mallory: refused, nothing shown.
    let forged = forge(
        &portal,
        &inner_from("The CEO <ceo@victim.example>"),
        "ceo@victim.example",
        &[ALICE],
        &[ALICE],
    )
    .await;
    open(&mut flow, 1, forged).await;
    assert!(matches!(flow.next().await, FlowEvent::Methods { .. }));
    flow.send(FlowRequest::RequestPasscode {
        flow: 1,
        email: ALICE.into(),
    })
    .await;
    let reference = match flow.next().await {
        FlowEvent::PasscodeSent { reference, .. } => reference,
        other => panic!("expected PasscodeSent, got {other:?}"),
    };
    let (code, _) = passcode_mail(&dovecot, "alice", &reference).await;
    flow.send(FlowRequest::SubmitPasscode {
        flow: 1,
        email: ALICE.into(),
        passcode: SecretString::from(code.as_str()),
    })
    .await;
    match flow.failure(1).await {
        FlowFailure::Forged(why) => {
            assert!(
                why.contains("ceo@victim.example") && why.contains(MALLORY),
                "{why}"
            );
        }
        other => panic!("a forged sender must be refused, got {other:?}"),
    }

    // 2. The envelope names other recipients than were registered: refused too (the session
    //    from step 1 releases the key without a new sign-in).
    let forged = forge(
        &portal,
        &inner_from(MALLORY),
        MALLORY,
        &[ALICE, "carol@example.test"],
        &[ALICE],
    )
    .await;
    open(&mut flow, 2, forged).await;
    assert!(matches!(flow.failure(2).await, FlowFailure::Forged(_)));

    // 3. The envelope is honest, the inner From claims the CEO: decrypted, with the verified
    //    sender and the difference reported.
    let honest = forge(
        &portal,
        &inner_from("The CEO <ceo@victim.example>"),
        MALLORY,
        &[ALICE],
        &[ALICE],
    )
    .await;
    open(&mut flow, 3, honest).await;
    match flow.next().await {
        FlowEvent::Decrypted { sender, .. } => {
            assert_eq!(sender.address, MALLORY);
            assert_eq!(sender.portal, portal.origin);
            assert_eq!(
                sender.inner_from,
                InnerFrom::Differs(sealmail::sanitize::Clean::line("ceo@victim.example"))
            );
        }
        other => panic!("expected Decrypted, got {other:?}"),
    }

    // 4. Everything agrees: decrypted, and the inner From matches.
    let agreed = forge(
        &portal,
        &inner_from("Mallory <Mallory@Example.test>"),
        MALLORY,
        &[ALICE],
        &[ALICE],
    )
    .await;
    open(&mut flow, 4, agreed).await;
    match flow.next().await {
        FlowEvent::Decrypted { sender, .. } => {
            assert_eq!(sender.inner_from, InnerFrom::Matches)
        }
        other => panic!("expected Decrypted, got {other:?}"),
    }
    flow.stop().await;
}
