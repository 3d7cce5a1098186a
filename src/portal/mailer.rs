//! Passcode delivery: the passcode mail itself, the [`PasscodeMailer`] trait the service sends
//! it through, and the SMTP implementation (lettre, through [`super::smtp`]: STARTTLS required
//! for `smtp://`, TLS verified).

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::config::SmtpConfig;
use crate::secret::{SecretBytes, SecretString};

/// The subject of every passcode mail.
pub use crate::sealed::passcode_mail::SUBJECT;

/// Why a passcode mail could not be sent. Never names the recipient.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("cannot build the passcode mail: {0}")]
    Build(String),
    #[error("cannot deliver the passcode mail: {0}")]
    Send(String),
}

/// One passcode mail.
#[derive(Debug, Clone)]
pub struct PasscodeMail {
    /// The recipient (lowercase address).
    pub to: String,
    /// The sealed message's sender, so the recipient knows which message this is for.
    pub sender: String,
    pub code: SecretString,
    /// The 4-character reference also returned by the API.
    pub reference: String,
    pub valid_for: Duration,
    /// The portal's origin.
    pub portal: String,
}

impl PasscodeMail {
    /// The plain-text body.
    pub fn body(&self) -> SecretString {
        let minutes = self.valid_for.as_secs().div_ceil(60);
        SecretString::new(format!(
            "Your one-time passcode to view the sealed message from {sender} is:\n\n\
             \x20   {code}\n\n\
             Reference: {reference}\n\
             It is valid for {minutes} minutes and works once.\n\n\
             Enter it in the mail reader that asked for it. If you did not ask for a passcode,\n\
             ignore this mail: nobody can read the message without it.\n\n\
             -- \nSealed-message portal {portal}\n",
            sender = self.sender,
            code = self.code.expose(),
            reference = self.reference,
            portal = self.portal,
        ))
    }

    /// The mail as a lettre message from `mail_from`.
    pub fn to_message(&self, mail_from: &str) -> Result<lettre::Message, MailerError> {
        let from: Mailbox = mail_from
            .parse()
            .map_err(|e| MailerError::Build(format!("mail_from: {e}")))?;
        let to: Mailbox = self
            .to
            .parse()
            .map_err(|_| MailerError::Build("the recipient address".into()))?;
        lettre::Message::builder()
            .from(from)
            .to(to)
            .subject(SUBJECT)
            .header(ContentType::TEXT_PLAIN)
            .body(self.body().expose().to_owned())
            .map_err(|e| MailerError::Build(e.to_string()))
    }

    /// The complete RFC 5322 bytes (for mailers that store rather than send, e.g. a Maildir).
    pub fn to_rfc5322(&self, mail_from: &str) -> Result<SecretBytes, MailerError> {
        Ok(SecretBytes::new(self.to_message(mail_from)?.formatted()))
    }
}

/// Delivers passcode mail. The service calls it off the request path, so a slow relay never
/// shows in the API's timing.
pub trait PasscodeMailer: Send + Sync + 'static {
    fn send(
        &self,
        mail: PasscodeMail,
    ) -> Pin<Box<dyn Future<Output = Result<(), MailerError>> + Send + '_>>;
}

/// Sends passcode mail through an SMTP relay.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    mail_from: String,
}

impl SmtpMailer {
    pub fn new(
        config: &SmtpConfig,
        mail_from: &str,
        ca_file: Option<&Path>,
    ) -> Result<Self, String> {
        let plain = crate::net::smtp::SmtpUrl::parse(&config.url)
            .map_err(|e| format!("smtp: {e}"))?
            .security
            == crate::net::smtp::SmtpSecurity::Plain;
        if plain && (config.user.is_some() || config.password.is_some()) {
            return Err(format!(
                "smtp: {}",
                crate::net::smtp::SmtpUrlError::AuthWithoutTls
            ));
        }
        let credentials = match (&config.user, &config.password) {
            (Some(user), Some(password)) => {
                Some(Credentials::new(user.clone(), password.expose().to_owned()))
            }
            _ => None,
        };
        Ok(Self {
            transport: crate::net::smtp::transport(&config.url, credentials, ca_file)
                .map_err(|e| format!("smtp: {e}"))?,
            mail_from: mail_from.to_owned(),
        })
    }
}

impl PasscodeMailer for SmtpMailer {
    fn send(
        &self,
        mail: PasscodeMail,
    ) -> Pin<Box<dyn Future<Output = Result<(), MailerError>> + Send + '_>> {
        Box::pin(async move {
            let message = mail.to_message(&self.mail_from)?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                // Only a category: a relay's reply may quote the recipient's address.
                .map_err(|e| MailerError::Send(crate::net::smtp::describe(&e).into()))
        })
    }
}

/// Hands passcode mail to a channel (embedding: the demo's Maildir writer, benchmarks).
pub struct ChannelMailer(pub tokio::sync::mpsc::UnboundedSender<PasscodeMail>);

impl PasscodeMailer for ChannelMailer {
    fn send(
        &self,
        mail: PasscodeMail,
    ) -> Pin<Box<dyn Future<Output = Result<(), MailerError>> + Send + '_>> {
        let result = self
            .0
            .send(mail)
            .map_err(|_| MailerError::Send("the receiving side is gone".into()));
        Box::pin(async move { result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_says_everything_needed() {
        let mail = PasscodeMail {
            to: "alice@example.test".into(),
            sender: "bob@example.test".into(),
            code: "01234567".into(),
            reference: "K7Q2".into(),
            valid_for: Duration::from_secs(900),
            portal: "http://127.0.0.1:1".into(),
        };
        let raw = String::from_utf8(
            mail.to_rfc5322("portal@example.test")
                .unwrap()
                .expose()
                .to_vec(),
        )
        .unwrap();
        assert!(raw.contains(&format!("Subject: {SUBJECT}")));
        assert!(raw.contains("To: alice@example.test"));
        let body = mail.body();
        for needle in ["01234567", "K7Q2", "bob@example.test", "15 minutes"] {
            assert!(body.expose().contains(needle), "{needle}");
        }
    }

    /// The reader recognises the portal's own passcode mail (`sealed::passcode_mail`), also
    /// when a long sender address makes the body quoted-printable with soft line breaks.
    #[test]
    fn the_reader_reads_the_portals_own_mail() {
        let mail = |sender: &str| {
            PasscodeMail {
                to: "sam@example.org".into(),
                sender: sender.into(),
                code: "04711235".into(),
                reference: "K7Q2".into(),
                valid_for: Duration::from_secs(900),
                portal: "http://127.0.0.1:4000".into(),
            }
            .to_rfc5322("portal@example.org")
            .expect("builds")
            .expose()
            .to_vec()
        };
        let parse = crate::sealed::passcode_mail::parse;
        let (reference, code) = parse(&mail("bob@example.test")).expect("a passcode mail");
        assert_eq!(reference, "K7Q2");
        assert_eq!(code.expose(), "04711235");
        let long = format!("{}@example.test", "a".repeat(60));
        let (reference, code) = parse(&mail(&long)).expect("still a passcode mail");
        assert_eq!((reference.as_str(), code.expose()), ("K7Q2", "04711235"));
    }
}
