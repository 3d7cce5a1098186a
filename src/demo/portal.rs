//! The demo's own sealed-message portal: `server::Portal` on `127.0.0.1:0` with an in-memory
//! database and a throwaway master key, on a thread of its own (`background`, so the synchronous
//! `materialize` works inside or outside a Tokio runtime). It seals the demo's sealed messages
//! for the demo user, registers their keys, and delivers passcode mail straight into the demo
//! Maildir's `new/` (through `tmp/`). Dropping the handle stops it.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::portal::config::{PortalConfig, SenderToken};
use crate::portal::keys::MasterKey;
use crate::portal::mailer::{MailerError, PasscodeMail, PasscodeMailer};
use crate::sealed::client::{PortalClient, Registration};
use crate::sealed::fields;
use crate::sealed::seal::{SealOptions, seal};
use crate::secret::SecretString;

/// Where the demo portal's passcode mail says it comes from.
const MAIL_FROM: &str = "Sealed-message portal <portal@sealmail.example>";
/// How long the start may take before the demo gives up on its portal.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A message to seal: the inner RFC 5322 bytes and its creation time (Unix seconds).
pub struct ToSeal {
    pub inner: Vec<u8>,
    pub created: i64,
}

/// The running demo portal; stops (gracefully) when dropped.
#[derive(Debug)]
pub struct DemoPortal {
    origin: String,
    _server: super::background::Background,
}

impl DemoPortal {
    /// The portal's origin, `http://127.0.0.1:PORT`: trust it in the flow's settings.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// Writes passcode mail into a Maildir folder: `tmp/` first, then renamed into `new/`.
struct MaildirMailer {
    folder: PathBuf,
}

impl MaildirMailer {
    fn deliver(&self, raw: &[u8]) -> io::Result<()> {
        crate::maildir::deliver(&self.folder, raw, crate::mail::Flags::default()).map(drop)
    }
}

impl PasscodeMailer for MaildirMailer {
    fn send(
        &self,
        mail: PasscodeMail,
    ) -> Pin<Box<dyn Future<Output = Result<(), MailerError>> + Send + '_>> {
        let result = mail.to_rfc5322(MAIL_FROM).and_then(|raw| {
            self.deliver(raw.expose())
                .map_err(|e| MailerError::Send(format!("the demo Maildir: {}", e.kind())))
        });
        Box::pin(async move { result })
    }
}

/// The sender addresses of `messages`, so the sender token allows exactly them.
fn senders(messages: &[ToSeal]) -> Vec<String> {
    let mut out: Vec<String> = messages
        .iter()
        .filter_map(|m| {
            let parsed = mail_parser::MessageParser::default().parse(&m.inner)?;
            let from = parsed.from()?.first()?.address()?.to_owned();
            fields::normalize_address(&from).ok()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Starts the portal with passcode mail going into `inbox` (a Maildir folder with `tmp/` and
/// `new/`), seals `messages` with it, and returns it with the sealed messages in order.
pub fn start(inbox: &Path, messages: Vec<ToSeal>) -> io::Result<(DemoPortal, Vec<Vec<u8>>)> {
    let mailer = Arc::new(MaildirMailer {
        folder: inbox.to_path_buf(),
    });
    let (server, (origin, sealed)) = super::background::spawn(
        "demo-portal",
        "the demo portal",
        START_TIMEOUT,
        move |ready, stop| async move {
            let portal = match start_and_seal(mailer, messages).await {
                Ok((portal, sealed)) => {
                    let _ = ready.send(Ok((portal.origin().to_owned(), sealed)));
                    portal
                }
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            let _ = portal
                .run_until(async move {
                    let _ = stop.await;
                })
                .await;
        },
    )?;
    Ok((
        DemoPortal {
            origin,
            _server: server,
        },
        sealed,
    ))
}

async fn start_and_seal(
    mailer: Arc<MaildirMailer>,
    messages: Vec<ToSeal>,
) -> io::Result<(crate::portal::Portal, Vec<Vec<u8>>)> {
    let (master, master_text) = MasterKey::generate();
    drop(master_text);
    let token = SecretString::new(fields::b64url(&rand::random::<[u8; 32]>()));
    let mut config = PortalConfig::loopback(master);
    config.mail_from = Some(MAIL_FROM.into());
    config.sender_tokens = vec![SenderToken {
        token: token.clone(),
        allowed_from: senders(&messages),
    }];
    let portal = crate::portal::Portal::start(config, mailer)
        .await
        .map_err(|e| io::Error::other(format!("the demo portal: {e}")))?;
    let client = PortalClient::new(portal.origin(), None)
        .map_err(|e| io::Error::other(format!("the demo portal: {e}")))?;
    let mut sealed = Vec::with_capacity(messages.len());
    for message in messages {
        let options = SealOptions {
            subject: None,
            created: chrono::DateTime::from_timestamp(message.created, 0),
        };
        let done = seal(&message.inner, portal.origin(), &options)
            .map_err(|e| io::Error::other(format!("sealing a demo message: {e}")))?;
        client
            .register(
                &token,
                &Registration {
                    id: &done.envelope.header.id,
                    from: &done.from,
                    to: &done.to,
                    key: &done.key,
                    expires: None,
                },
            )
            .await
            .map_err(|e| io::Error::other(format!("registering a demo message: {e}")))?;
        sealed.push(done.message);
    }
    Ok((portal, sealed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passcode_mail_lands_in_new_through_tmp() {
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir(dir.path().join(sub)).expect("maildir");
        }
        let mailer = MaildirMailer {
            folder: dir.path().to_path_buf(),
        };
        let mail = PasscodeMail {
            to: crate::demo::ADDRESS.into(),
            sender: "dana@whitfield-law.example".into(),
            code: "12345678".into(),
            reference: "AB12".into(),
            valid_for: Duration::from_secs(900),
            portal: "http://127.0.0.1:1".into(),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime
            .block_on(mailer.send(mail.clone()))
            .expect("delivered");
        runtime
            .block_on(mailer.send(mail))
            .expect("delivered again");
        let new: Vec<_> = std::fs::read_dir(dir.path().join("new"))
            .expect("new/")
            .flatten()
            .collect();
        assert_eq!(new.len(), 2, "two distinct files");
        assert!(
            std::fs::read_dir(dir.path().join("tmp"))
                .expect("tmp/")
                .next()
                .is_none()
        );
        let raw = std::fs::read(new[0].path()).expect("the mail");
        let (reference, code) = crate::sealed::passcode_mail::parse(&raw).expect("a passcode mail");
        assert_eq!((reference.as_str(), code.expose()), ("AB12", "12345678"));
    }
}
