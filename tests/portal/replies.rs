//! Sealed replies (`POST /v1/replies`, section 4.7 of the protocol): a recipient's session
//! registers a reply from the address it proved, to the conversation's participants only; the
//! original sender opens the reply with a passcode like any sealed message; every way a
//! session may try to overreach is refused; and the independent Python implementation makes a
//! reply sealmail opens.

use sealmail::sealed::client::{ClientError, Credential, PortalClient, Registration};
use sealmail::sealed::envelope::ContentKey;
use sealmail::sealed::fields;
use sealmail::sealed::message::find_envelope;
use sealmail::sealed::reply::{ReplyError, ReplyTicket, seal_reply};
use sealmail::secret::SecretString;

use crate::common::{
    Options, PortalProc, SENDER_TOKEN, inner_message, mail_stack, passcode_mail, python_ok,
    seal_cli,
};
use crate::support::Dovecot;

const ALICE: &str = "alice@example.test";
const BOB: &str = "bob@example.test";
const CAROL: &str = "carol@example.test";

/// Opens the sealed `id` as `user` with a mailed passcode: the portal's answer.
async fn open_with_passcode(
    client: &PortalClient,
    dovecot: &Dovecot,
    user: &str,
    id: &str,
) -> sealmail::sealed::client::Unsealed {
    let email = format!("{user}@example.test");
    let requested = client.request_passcode(id, &email).await.expect("passcode");
    let (code, _) = passcode_mail(dovecot, user, &requested.reference).await;
    client
        .unseal(
            id,
            &Credential::Passcode {
                email,
                code: code.as_str().into(),
            },
        )
        .await
        .expect("unseal with the passcode")
}

/// A reply by alice to `to` (and `cc`), answering `<marker@example.test>`.
fn reply_from_alice(to: &str, cc: &str, text: &str) -> Vec<u8> {
    let cc = if cc.is_empty() {
        String::new()
    } else {
        format!("Cc: {cc}\r\n")
    };
    format!(
        "From: Alice <{ALICE}>\r\nTo: {to}\r\n{cc}Subject: Re: Quarterly figures\r\n\
         Date: Tue, 24 Nov 2026 11:00:00 +0000\r\nMessage-ID: <reply-1@example.test>\r\n\
         In-Reply-To: <original@example.test>\r\nReferences: <original@example.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    )
    .into_bytes()
}

/// Bob's message to alice and carol, sealed and opened by alice: its id and her session.
async fn opened_by_alice(portal: &PortalProc, dovecot: &Dovecot) -> (String, SecretString) {
    let inner = inner_message(&format!("{ALICE}, {CAROL}"), "original");
    let sealed = seal_cli(&portal.origin, &inner, &[]).await;
    let id = find_envelope(&sealed).unwrap().envelope.header.id.clone();
    let opened = open_with_passcode(&portal.client(), dovecot, "alice", &id).await;
    (id, opened.session)
}

fn ticket(portal: &PortalProc, in_reply_to: &str, session: &SecretString) -> ReplyTicket {
    ReplyTicket {
        client: portal.client(),
        in_reply_to: in_reply_to.to_owned(),
        sender: BOB.into(),
        recipients: vec![ALICE.into(), CAROL.into()],
        session: session.clone(),
    }
}

#[tokio::test]
async fn a_recipient_seals_a_reply_that_the_sender_opens() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let (original, session) = opened_by_alice(&portal, &dovecot).await;

    let inner = reply_from_alice(BOB, CAROL, "Agreed — the reply is sealed too. Grüße.");
    let sealed = seal_reply(&ticket(&portal, &original, &session), &inner)
        .await
        .expect("the reply is registered with alice's session");
    assert!(
        !String::from_utf8_lossy(&sealed.message).contains("Agreed"),
        "the sealed reply carries no text in clear"
    );
    let outer = mail_parser::MessageParser::default()
        .parse(&sealed.message)
        .unwrap();
    assert_eq!(outer.in_reply_to().as_text(), Some("original@example.test"));
    assert_eq!(outer.references().as_text(), Some("original@example.test"));

    // Bob, the original sender, opens it like any sealed message; the portal vouches that
    // alice sent it, to bob and carol.
    let found = find_envelope(&sealed.message).unwrap();
    let reply_id = found.envelope.header.id.clone();
    let unsealed = open_with_passcode(&portal.client(), &dovecot, "bob", &reply_id).await;
    assert_eq!(unsealed.from, ALICE);
    assert_eq!(unsealed.to, Some(vec![BOB.to_owned(), CAROL.to_owned()]));
    assert_eq!(
        found.envelope.open(&unsealed.key).unwrap().expose(),
        &inner[..]
    );

    // Bob answers in turn with the session the reply gave him: a conversation, all sealed.
    let answer = format!(
        "From: Bob <{BOB}>\r\nTo: {ALICE}\r\nSubject: Re: Re: Quarterly figures\r\n\r\nThanks.\r\n"
    );
    let bobs = ReplyTicket {
        client: portal.client(),
        in_reply_to: reply_id,
        sender: ALICE.into(),
        recipients: vec![BOB.into(), CAROL.into()],
        session: unsealed.session,
    };
    seal_reply(&bobs, answer.as_bytes())
        .await
        .expect("the original sender replies to the reply");
}

/// A registration of a fresh key for `to`, from `from`.
async fn register(
    client: &PortalClient,
    session: &SecretString,
    in_reply_to: &str,
    from: &str,
    to: &[&str],
) -> Result<(), ClientError> {
    let to: Vec<String> = to.iter().map(|s| s.to_string()).collect();
    client
        .register_reply(
            session,
            in_reply_to,
            &Registration {
                id: &fields::new_message_id(),
                from,
                to: &to,
                key: &ContentKey::generate(),
                expires: None,
            },
        )
        .await
}

#[tokio::test]
async fn a_session_cannot_overreach() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let client = portal.client();
    let (original, session) = opened_by_alice(&portal, &dovecot).await;

    // Outside the conversation: refused by the portal, and by sealmail before it asks.
    assert_eq!(
        register(
            &client,
            &session,
            &original,
            ALICE,
            &[BOB, "mallory@evil.test"]
        )
        .await,
        Err(ClientError::Forbidden)
    );
    let outsider = reply_from_alice("mallory@evil.test", "", "leak");
    assert!(matches!(
        seal_reply(&ticket(&portal, &original, &session), &outsider).await,
        Err(ReplyError::NotParticipant(a)) if a == "mallory@evil.test"
    ));
    // Another sender than the address the session proved.
    assert_eq!(
        register(&client, &session, &original, CAROL, &[BOB]).await,
        Err(ClientError::Forbidden)
    );
    assert_eq!(
        register(&client, &session, &original, BOB, &[ALICE]).await,
        Err(ClientError::Forbidden)
    );
    // No session, or a made-up one.
    assert_eq!(
        register(&client, &"x".repeat(43).into(), &original, ALICE, &[BOB]).await,
        Err(ClientError::BadCredential {
            attempts_left: None
        })
    );
    // A message the portal does not know.
    assert_eq!(
        register(&client, &session, &fields::new_message_id(), ALICE, &[BOB]).await,
        Err(ClientError::UnknownMessage)
    );
    // A message alice did not receive: her session is no recipient's there.
    let for_bob = seal_cli(&portal.origin, &inner_message(BOB, "other"), &[]).await;
    let other = find_envelope(&for_bob).unwrap().envelope.header.id.clone();
    assert_eq!(
        register(&client, &session, &other, ALICE, &[BOB]).await,
        Err(ClientError::NotRecipient)
    );
    // The id of a registered message cannot be taken again.
    let taken = Registration {
        id: &original,
        from: ALICE,
        to: &[BOB.to_owned()],
        key: &ContentKey::generate(),
        expires: None,
    };
    assert_eq!(
        client.register_reply(&session, &original, &taken).await,
        Err(ClientError::Exists)
    );
    // Within the rules it works; after the sender revokes the message, no more replies.
    register(&client, &session, &original, ALICE, &[BOB, CAROL])
        .await
        .expect("a reply to the participants");
    client
        .revoke(&SecretString::from(SENDER_TOKEN), &original)
        .await
        .expect("revoked");
    assert_eq!(
        register(&client, &session, &original, ALICE, &[BOB]).await,
        Err(ClientError::Revoked)
    );
    let log = portal.log();
    for secret in [ALICE, BOB, CAROL, session.expose()] {
        assert!(
            !log.contains(secret),
            "the portal's log names no address or session"
        );
    }
}

#[tokio::test]
async fn python_replies_and_sealmail_opens() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let inner = inner_message(ALICE, "original");
    let sealed = seal_cli(&portal.origin, &inner, &[]).await;
    let id = find_envelope(&sealed).unwrap().envelope.header.id.clone();

    // Python opens the message as alice and keeps the session...
    let reference = python_ok(&["request-otp", "--email", ALICE], &sealed).await;
    let reference = String::from_utf8(reference).unwrap();
    let (code, _) = passcode_mail(&dovecot, "alice", reference.trim()).await;
    let dir = tempfile::tempdir().unwrap();
    let session_file = dir.path().join("session");
    let opened = python_ok(
        &[
            "unseal",
            "--email",
            ALICE,
            "--otp",
            &code,
            "--session-out",
            &session_file.display().to_string(),
        ],
        &sealed,
    )
    .await;
    assert_eq!(opened, inner);
    let session = std::fs::read_to_string(&session_file).unwrap();

    // ...and seals a reply to bob with it, which sealmail opens as bob.
    let reply = reply_from_alice(BOB, "", "From Python, sealed back.");
    // Random base64url values may start with '-': given as `--flag=value`, never as an option.
    let sealed_reply = python_ok(
        &[
            "seal",
            "--portal",
            &portal.origin,
            &format!("--session={}", session.trim()),
            &format!("--in-reply-to={id}"),
        ],
        &reply,
    )
    .await;
    let found = find_envelope(&sealed_reply).expect("sealmail finds the Python reply");
    let unsealed =
        open_with_passcode(&portal.client(), &dovecot, "bob", &found.envelope.header.id).await;
    assert_eq!(unsealed.from, ALICE);
    assert_eq!(
        found.envelope.open(&unsealed.key).unwrap().expose(),
        &reply[..]
    );
}
