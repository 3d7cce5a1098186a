//! One SMTP submission, command by command (lettre's connection): TLS first (implicit, or
//! STARTTLS required), AUTH only over TLS, then `MAIL`, every `RCPT` (all are asked, so that
//! the error names each refused recipient), and `DATA` only when every recipient was taken.

use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};

use base64::Engine;
use zeroize::Zeroizing;

use super::build::Built;
use super::error::{Refusal, SubmitError, reply_text};
use super::{SubmitAuth, SubmitSettings};
use crate::net::smtp::{SmtpSecurity, SmtpUrl, tls_parameters};
use crate::secret::SecretString;

/// How long one step (connecting, one command, the message) may take.
const STEP: Duration = Duration::from_secs(60);

/// What the server said when it took the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub message_id: String,
    pub recipients: usize,
    /// Where the copy was filed (`Ok(folder)`), why it was not (`Err`), or `None`: not asked.
    pub filed: Option<Result<String, String>>,
}

/// Sends `built` as `settings` say.
pub async fn submit(settings: &SubmitSettings, built: &Built) -> Result<Receipt, SubmitError> {
    let url = SmtpUrl::parse(&settings.url).map_err(|e| SubmitError::Settings(e.to_string()))?;
    if url.security == SmtpSecurity::Plain && !matches!(settings.auth, SubmitAuth::None) {
        return Err(SubmitError::Settings(
            crate::net::smtp::SmtpUrlError::AuthWithoutTls.to_string(),
        ));
    }
    let tls = match url.security {
        SmtpSecurity::Plain => None,
        _ => Some(
            tls_parameters(&url.host, settings.ca_file.as_deref())
                .map_err(|e| SubmitError::Tls(e.to_string()))?,
        ),
    };
    let hello = ClientId::Domain(built.envelope_from.domain().to_owned());
    let implicit = (url.security == SmtpSecurity::Tls)
        .then(|| tls.clone())
        .flatten();
    let connect = AsyncSmtpConnection::connect_tokio1(
        (url.host.as_str(), url.port),
        Some(STEP),
        &hello,
        implicit,
        None,
    );
    let mut conn = step(connect).await.map_err(|e| {
        // lettre reports a failed implicit-TLS handshake as a connection error; its text
        // (rustls's) is what tells the two apart.
        let lower = e.text.to_ascii_lowercase();
        if url.security == SmtpSecurity::Tls
            && ["certificate", "tls", "handshake"]
                .iter()
                .any(|word| lower.contains(word))
        {
            SubmitError::Tls(e.text)
        } else {
            command_error(&e, SubmitError::Unreachable)
        }
    })?;
    if url.security == SmtpSecurity::StartTls {
        // On failure the connection is dropped, not closed with QUIT: after a failed
        // handshake lettre's connection has no stream left to write to.
        start_tls(&mut conn, tls, &hello).await?;
    }
    let result = dialogue(&mut conn, settings, built).await;
    match &result {
        Ok(_) => {
            let _ = step(conn.quit()).await;
        }
        // A failed TLS handshake leaves lettre's connection without a stream: saying QUIT on
        // it is a bug there, and there is no one to say it to. Dropping it closes the socket.
        Err(SubmitError::Tls(_)) => {}
        Err(_) => conn.abort().await,
    }
    result
}

/// STARTTLS, required: a server that does not offer it gets nothing more.
async fn start_tls(
    conn: &mut AsyncSmtpConnection,
    tls: Option<TlsParameters>,
    hello: &ClientId,
) -> Result<(), SubmitError> {
    let Some(tls) = tls else {
        return Err(SubmitError::NoStartTls);
    };
    if !conn.can_starttls() {
        return Err(SubmitError::NoStartTls);
    }
    step(conn.starttls(tls, hello))
        .await
        .map_err(|e| SubmitError::Tls(e.text))?;
    if !conn.is_encrypted() {
        return Err(SubmitError::NoStartTls);
    }
    Ok(())
}

async fn dialogue(
    conn: &mut AsyncSmtpConnection,
    settings: &SubmitSettings,
    built: &Built,
) -> Result<Receipt, SubmitError> {
    authenticate(conn, settings).await?;

    let mut params = Vec::new();
    if !built.sent.is_ascii() {
        if !conn.server_info().supports_feature(Extension::EightBitMime) {
            return Err(SubmitError::MessageRefused(
                "it has 8-bit text and the server does not take 8BITMIME".into(),
            ));
        }
        params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    step(conn.command(Mail::new(Some(built.envelope_from.clone()), params)))
        .await
        .map_err(|e| command_error(&e, SubmitError::SenderRefused))?;
    let mut refused = Vec::new();
    for address in &built.recipients {
        if let Err(e) = step(conn.command(Rcpt::new(address.clone(), Vec::new()))).await {
            let FailKind::Refused { temporary } = e.kind else {
                return Err(command_error(&e, SubmitError::Unreachable));
            };
            refused.push(Refusal {
                address: crate::sanitize::line(address.as_ref()).into_owned(),
                reply: e.text,
                temporary,
            });
        }
    }
    if !refused.is_empty() {
        let _ = step(conn.command(Rset)).await;
        return Err(SubmitError::RecipientsRefused(refused));
    }
    step(conn.command(Data))
        .await
        .map_err(|e| command_error(&e, SubmitError::MessageRefused))?;
    match step(conn.message(&built.sent)).await {
        Ok(_) => Ok(Receipt {
            message_id: built.message_id.clone(),
            recipients: built.recipients.len(),
            filed: None,
        }),
        Err(Failed {
            kind: FailKind::Refused { .. },
            text,
        }) => Err(SubmitError::MessageRefused(text)),
        Err(e) => Err(SubmitError::Unknown(e.text)),
    }
}

async fn authenticate(
    conn: &mut AsyncSmtpConnection,
    settings: &SubmitSettings,
) -> Result<(), SubmitError> {
    if matches!(settings.auth, SubmitAuth::None) {
        return Ok(());
    }
    if !conn.is_encrypted() {
        return Err(SubmitError::Settings(
            crate::net::smtp::SmtpUrlError::AuthWithoutTls.to_string(),
        ));
    }
    match &settings.auth {
        SubmitAuth::None => Ok(()),
        SubmitAuth::XOAuth2 { user, token } => xoauth2(conn, user, token).await,
        SubmitAuth::Password { user, password } => {
            let mechanisms = [Mechanism::Plain, Mechanism::Login];
            if conn.server_info().get_auth_mechanism(&mechanisms).is_none() {
                return Err(SubmitError::NoMechanism);
            }
            check_login_fields(user, password)?;
            // lettre's credentials are a plain String: built here, dropped at once.
            let credentials = Credentials::new(user.clone(), password.expose().to_owned());
            step(conn.auth(&mechanisms, &credentials))
                .await
                .map(drop)
                .map_err(|e| command_error(&e, SubmitError::AuthRefused))
        }
    }
}

/// Refuses a user name or password that would forge a SASL field before it is sent: PLAIN
/// separates authorisation id, user and password with NUL, so a NUL (or any control
/// character, as the IMAP login and the token mechanisms refuse too) in the user name would
/// name another user.
fn check_login_fields(user: &str, password: &SecretString) -> Result<(), SubmitError> {
    let refuse = |why: &str| SubmitError::Settings(format!("sign-in refused: {why}"));
    crate::auth::guard::check_user(user).map_err(refuse)?;
    if password.expose().contains('\0') {
        return Err(refuse("the password holds a NUL character"));
    }
    Ok(())
}

/// AUTH XOAUTH2 by hand: a refused token is answered with a 334 challenge (the error, in
/// JSON) that the client must acknowledge before the final 535, which lettre's mechanism
/// does not do.
async fn xoauth2(
    conn: &mut AsyncSmtpConnection,
    user: &str,
    token: &SecretString,
) -> Result<(), SubmitError> {
    if conn
        .server_info()
        .get_auth_mechanism(&[Mechanism::Xoauth2])
        .is_none()
    {
        return Err(SubmitError::NoMechanism);
    }
    // A user or token that would forge a field is refused before anything is sent.
    let initial = Zeroizing::new(
        crate::auth::sasl::xoauth2_response(user, token)
            .map_err(|e| SubmitError::Settings(e.to_string()))?,
    );
    let line = Line(Zeroizing::new(format!(
        "AUTH XOAUTH2 {}",
        base64::engine::general_purpose::STANDARD.encode(initial.as_slice())
    )));
    let reply = step(conn.command(&line))
        .await
        .map_err(|e| command_error(&e, SubmitError::AuthRefused))?;
    if reply.has_code(235) {
        return Ok(());
    }
    // 334: the token was refused; an empty line asks for the final reply.
    match step(conn.command(&Line(Zeroizing::new(String::new())))).await {
        Err(e) => Err(command_error(&e, SubmitError::AuthRefused)),
        Ok(_) => Err(SubmitError::AuthRefused(
            "the server did not accept the token".into(),
        )),
    }
}

/// One command line; the text is wiped when dropped (it may carry a token).
struct Line(Zeroizing<String>);

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\r\n", self.0.as_str())
    }
}

/// A negative reply becomes `refused`; anything else means the connection is gone.
fn command_error(e: &Failed, refused: fn(String) -> SubmitError) -> SubmitError {
    match e.kind {
        FailKind::Refused { .. } => refused(e.text.clone()),
        FailKind::Tls => SubmitError::Tls(e.text.clone()),
        FailKind::Broken => SubmitError::Unreachable(e.text.clone()),
    }
}

/// A step that did not succeed, as far as the composer cares.
struct Failed {
    kind: FailKind,
    text: String,
}

enum FailKind {
    /// A negative reply; `temporary` for 4xx.
    Refused {
        temporary: bool,
    },
    Tls,
    /// The connection failed or timed out.
    Broken,
}

/// One step under [`STEP`]: a server that stops answering is an error, not a hang.
async fn step<T>(
    fut: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, Failed> {
    match tokio::time::timeout(STEP, fut).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(Failed {
            kind: if e.is_permanent() || e.is_transient() {
                FailKind::Refused {
                    temporary: e.is_transient(),
                }
            } else if e.is_tls() {
                FailKind::Tls
            } else {
                FailKind::Broken
            },
            text: reply_text(&e),
        }),
        Err(_) => Err(Failed {
            kind: FailKind::Broken,
            text: format!("no answer within {} s", STEP.as_secs()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_or_password_that_would_forge_a_plain_field_is_refused() {
        let good = SecretString::from("secret");
        assert!(check_login_fields("alice@example.test", &good).is_ok());
        for user in ["alice\0bob", "alice\r\n", "", "a\u{85}b"] {
            assert!(
                matches!(
                    check_login_fields(user, &good),
                    Err(SubmitError::Settings(_))
                ),
                "{user:?}"
            );
        }
        let bad = SecretString::from("se\0cret");
        let refused = check_login_fields("alice@example.test", &bad).unwrap_err();
        assert!(!format!("{refused:?}").contains("se\0cret"));
    }
}
