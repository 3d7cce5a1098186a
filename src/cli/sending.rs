//! The account's outbox for the reader: its identity, and an [`Outbox`] that submits with the
//! account's SMTP settings (signing in with the IMAP login's password or OAuth2 token where
//! the config says so) and files the copy (with `Bcc`) in Sent, or keeps a draft in Drafts,
//! over IMAP; and the demo's outbox, which sends to the demo's loopback SMTP server and keeps
//! its copies in the demo Maildir. Wiring only.

use std::sync::Arc;

use anyhow::anyhow;

use crate::auth::oauth2::TokenKeeper;
use crate::config::sending::{SendingSpec, SentCopy, SmtpAuthSpec};
use crate::imap::{Auth, ImapSettings};
use crate::mail::Flags;
use crate::mail::compose::Identity;
use crate::mail::outgoing::Outgoing;
use crate::secret::SecretString;
use crate::submit::{Receipt, SubmitAuth, SubmitError, SubmitSettings};
use crate::tui::core::{Outbox, Sender};
use futures::future::BoxFuture;

/// How the sender signs in, secrets read.
#[derive(Clone)]
enum Credentials {
    None,
    Password {
        user: String,
        password: SecretString,
    },
    OAuth2 {
        user: String,
        keeper: TokenKeeper,
    },
}

/// The identity and sender for `spec`. `imap` is the account's IMAP settings, whose password
/// or token SMTP shares (a password from the same source is not asked for twice) and whose
/// connection files the copy.
pub fn sender(spec: SendingSpec, imap: Option<ImapSettings>) -> anyhow::Result<(Identity, Sender)> {
    sender_with(spec, imap, None)
}

/// The SMTP user whose password sending with `spec` will ask for at the terminal: one to
/// type, and not the IMAP login's of the same user (`imap_user`, typed too).
pub fn password_to_ask<'a>(
    spec: &'a SendingSpec,
    imap_user: Option<&str>,
    imap_typed: bool,
) -> Option<&'a str> {
    match &spec.auth {
        SmtpAuthSpec::Password {
            user,
            secret: crate::secret::SecretSource::Prompt,
        } if !(imap_typed && imap_user == Some(user.as_str())) => Some(user),
        _ => None,
    }
}

/// [`sender`] with the SMTP password typed already (see [`password_to_ask`]), for an account
/// started after the screen was taken.
pub fn sender_with(
    spec: SendingSpec,
    imap: Option<ImapSettings>,
    typed: Option<SecretString>,
) -> anyhow::Result<(Identity, Sender)> {
    let credentials = match &spec.auth {
        SmtpAuthSpec::None => Credentials::None,
        SmtpAuthSpec::Password { user, secret } => {
            let shared = imap.as_ref().and_then(|s| match &s.auth {
                Auth::Password(password) if s.user == *user => Some(password.clone()),
                _ => None,
            });
            let password = match (shared, typed) {
                (Some(password), _) | (None, Some(password)) => password,
                (None, None) => secret.read(&format!("SMTP password for {user}: "))?,
            };
            Credentials::Password {
                user: user.clone(),
                password,
            }
        }
        SmtpAuthSpec::OAuth2 { user } => {
            let keeper = imap
                .as_ref()
                .and_then(|s| s.auth.token_keeper().cloned())
                .ok_or_else(|| {
                    anyhow!("smtp_auth = \"oauth2\" needs the IMAP account's OAuth2 sign-in")
                })?;
            Credentials::OAuth2 {
                user: user.clone(),
                keeper,
            }
        }
    };
    let identity = identity_of(&spec);
    let outbox = AccountOutbox {
        spec: Arc::new(spec),
        imap: imap.map(Arc::new),
        credentials,
    };
    Ok((identity, Arc::new(outbox)))
}

/// Who the account writes as: its `from` and signature, then its other identities.
pub fn identity_of(spec: &SendingSpec) -> Identity {
    Identity::new(&spec.from, spec.signature.clone()).with_others(spec.identities.clone())
}

/// The account's outbox: SMTP for sending, its IMAP folders for the copy and drafts.
struct AccountOutbox {
    spec: Arc<SendingSpec>,
    imap: Option<Arc<ImapSettings>>,
    credentials: Credentials,
}

impl Outbox for AccountOutbox {
    fn send(
        &self,
        message: Box<Outgoing>,
        sent_folder: Option<String>,
    ) -> BoxFuture<'static, Result<Receipt, SubmitError>> {
        let (spec, imap, credentials) = (
            self.spec.clone(),
            self.imap.clone(),
            self.credentials.clone(),
        );
        Box::pin(
            async move { send(&spec, imap.as_deref(), credentials, &message, sent_folder).await },
        )
    }

    fn postpone(
        &self,
        message: Box<Outgoing>,
        drafts_folder: Option<String>,
    ) -> BoxFuture<'static, Result<String, String>> {
        let (spec, imap) = (self.spec.clone(), self.imap.clone());
        Box::pin(async move {
            let folder = spec
                .drafts
                .clone()
                .or(drafts_folder)
                .unwrap_or_else(|| "Drafts".to_owned());
            let built = crate::submit::build_draft(&message, std::time::SystemTime::now())
                .map_err(|e| e.to_string())?;
            file(
                imap.as_deref(),
                &folder,
                "(\\Seen \\Draft)",
                &built.sent_copy,
            )
            .await
        })
    }
}

/// Appends `bytes` to `folder` over the account's IMAP: the folder, or why not.
async fn file(
    imap: Option<&ImapSettings>,
    folder: &str,
    flags: &str,
    bytes: &[u8],
) -> Result<String, String> {
    let Some(settings) = imap else {
        return Err("this account has no IMAP folders".into());
    };
    let append = crate::imap::append(settings, folder, flags, bytes);
    match tokio::time::timeout(std::time::Duration::from_secs(60), append).await {
        Ok(Ok(())) => Ok(folder.to_owned()),
        Ok(Err(e)) => Err(format!("{folder}: {}", e.summary)),
        Err(_) => Err(format!("{folder}: the IMAP server did not answer in time")),
    }
}

async fn send(
    spec: &SendingSpec,
    imap: Option<&ImapSettings>,
    credentials: Credentials,
    message: &Outgoing,
    special: Option<String>,
) -> Result<Receipt, SubmitError> {
    let mut settings = SubmitSettings {
        url: spec.smtp.clone(),
        auth: SubmitAuth::None,
        ca_file: spec.ca_file.clone(),
    };
    let (mut receipt, built) = match credentials {
        Credentials::None => crate::submit::send(&settings, message).await?,
        Credentials::Password { user, password } => {
            settings.auth = SubmitAuth::Password { user, password };
            crate::submit::send(&settings, message).await?
        }
        Credentials::OAuth2 { user, keeper } => {
            // A token expired or near expiry is refreshed first, and one the server refuses
            // (nothing was sent then) is refreshed and tried once more; never a device
            // sign-in here.
            let token = keeper
                .fresh_token()
                .await
                .map_err(|e| SubmitError::AuthRefused(e.summary))?;
            settings.auth = SubmitAuth::XOAuth2 {
                user: user.clone(),
                token: token.clone(),
            };
            match crate::submit::send(&settings, message).await {
                Err(SubmitError::AuthRefused(_)) => {
                    keeper.rejected(&token).await;
                    let token = keeper
                        .fresh_token()
                        .await
                        .map_err(|e| SubmitError::AuthRefused(e.summary))?;
                    settings.auth = SubmitAuth::XOAuth2 { user, token };
                    crate::submit::send(&settings, message).await?
                }
                other => other?,
            }
        }
    };
    let folder = match &spec.sent {
        SentCopy::Skip => return Ok(receipt),
        SentCopy::Folder(Some(named)) => named.clone(),
        SentCopy::Folder(None) => special.unwrap_or_else(|| "Sent".to_owned()),
    };
    receipt.filed = Some(file(imap, &folder, "(\\Seen)", &built.sent_copy).await);
    Ok(receipt)
}

/// The account's portal and sender token for sealing new messages, the token read now (a
/// command or the environment, before the screen is taken).
pub fn sender_seal(
    spec: crate::config::sealing::SealingSpec,
    ca_file: Option<&std::path::Path>,
) -> anyhow::Result<crate::sealed::sender::SenderSeal> {
    let token = spec.token.read("sender token: ")?;
    let token = crate::secret::SecretString::from(token.expose().trim());
    if token.is_empty() {
        anyhow::bail!("seal_portal: the sender token is empty");
    }
    Ok(crate::sealed::sender::SenderSeal {
        client: crate::sealed::client::PortalClient::new(&spec.portal, ca_file)
            .map_err(|e| anyhow!("seal_portal: {e}"))?,
        token,
        expires: spec.expires,
    })
}

/// The demo's identity, and a sender that submits to the demo's own SMTP server on loopback
/// through the real submission code, files the copy in the demo Maildir's `.Sent` and keeps
/// drafts in its `.Drafts`.
pub fn demo(mailbox: &crate::demo::DemoMailbox) -> (Identity, Sender) {
    let identity = Identity::new(
        &format!("Demo User <{}>", mailbox.address()),
        Some("sent from the sealmail demo".into()),
    );
    let outbox = DemoOutbox {
        smtp: mailbox.smtp_url(),
        sent: mailbox.folder(crate::demo::SENT),
        drafts: mailbox.folder(crate::demo::DRAFTS),
    };
    (identity, Arc::new(outbox))
}

/// The demo's outbox: its SMTP server and its Maildir folders.
struct DemoOutbox {
    smtp: String,
    sent: std::path::PathBuf,
    drafts: std::path::PathBuf,
}

impl Outbox for DemoOutbox {
    fn send(
        &self,
        message: Box<Outgoing>,
        _sent_folder: Option<String>,
    ) -> BoxFuture<'static, Result<Receipt, SubmitError>> {
        let settings = SubmitSettings {
            url: self.smtp.clone(),
            auth: SubmitAuth::None,
            ca_file: None,
        };
        let sent = self.sent.clone();
        Box::pin(async move {
            let (mut receipt, built) = crate::submit::send(&settings, &message).await?;
            let mut seen = Flags::default();
            seen.set(Flags::SEEN, true);
            receipt.filed = Some(keep(sent, built.sent_copy, seen, "Sent").await);
            Ok(receipt)
        })
    }

    fn postpone(
        &self,
        message: Box<Outgoing>,
        _drafts_folder: Option<String>,
    ) -> BoxFuture<'static, Result<String, String>> {
        let drafts = self.drafts.clone();
        Box::pin(async move {
            let built = crate::submit::build_draft(&message, std::time::SystemTime::now())
                .map_err(|e| e.to_string())?;
            let mut draft = Flags::default();
            draft.set(Flags::DRAFT, true);
            draft.set(Flags::SEEN, true);
            keep(drafts, built.sent_copy, draft, "Drafts").await
        })
    }
}

/// Writes `raw` into the demo's Maildir folder `dir` with `flags`: the folder's `name`, or why
/// not.
async fn keep(
    dir: std::path::PathBuf,
    raw: zeroize::Zeroizing<Vec<u8>>,
    flags: Flags,
    name: &str,
) -> Result<String, String> {
    let written =
        tokio::task::spawn_blocking(move || crate::maildir::deliver(&dir, &raw, flags)).await;
    match written {
        Ok(Ok(_)) => Ok(name.to_owned()),
        Ok(Err(e)) => Err(format!("{name}: {}", e.kind())),
        Err(_) => Err(format!("{name}: the copy was not written")),
    }
}
