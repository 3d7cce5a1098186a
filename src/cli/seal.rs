//! `sealmail seal`: seal a message for its recipients, register its key with a portal, and
//! write the sealed message to stdout or submit it over SMTP.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use lettre::AsyncTransport;
use lettre::transport::smtp::authentication::Credentials;

use crate::imap::{Auth, ImapSettings, Security};
use crate::sealed::client::PortalClient;
use crate::sealed::fields;
use crate::sealed::seal::SealOptions;
use crate::sealed::sender::seal_and_register;
use crate::secret::SecretString;

/// Environment variable holding the sender token when no --token-command is given.
pub use crate::config::sealing::TOKEN_ENV;
/// Environment variable holding the SMTP password for --smtp-user.
pub const SMTP_PASSWORD_ENV: &str = "SEALMAIL_SMTP_PASSWORD";
/// Environment variable holding the IMAP password for --imap.
pub const IMAP_PASSWORD_ENV: &str = "SEALMAIL_IMAP_PASSWORD";

#[derive(Debug, Clone, clap::Args)]
pub struct SealArgs {
    /// The message to seal (RFC 5322); `-` or nothing reads stdin.
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// The portal's origin, e.g. https://portal.example.com.
    #[arg(long, value_name = "URL")]
    pub portal: String,
    /// A command whose first line of output is the sender token (else $SEALMAIL_SENDER_TOKEN).
    #[arg(long, value_name = "CMD")]
    pub token_command: Option<String>,
    /// When the key expires: an RFC 3339 UTC time (2026-12-01T00:00:00Z) or a duration (90m, 12h, 30d).
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<String>,
    /// The outer Subject (default: the message's own Subject).
    #[arg(long, value_name = "TEXT")]
    pub subject: Option<String>,
    /// Submit over SMTP instead of writing to stdout: smtp://host:port (STARTTLS required),
    /// smtps://host:port, or smtp+insecure://127.0.0.1:port (no TLS, loopback only, no AUTH).
    #[arg(long, value_name = "URL")]
    pub smtp: Option<String>,
    /// SMTP user (password from $SEALMAIL_SMTP_PASSWORD).
    #[arg(long, value_name = "USER")]
    pub smtp_user: Option<String>,
    /// Also (or instead) append the sealed message to an IMAP folder: imaps://host:port
    /// (implicit TLS, verified). Password from $SEALMAIL_IMAP_PASSWORD.
    #[arg(long, value_name = "URL")]
    pub imap: Option<String>,
    /// The IMAP user, with --imap.
    #[arg(long, value_name = "USER")]
    pub imap_user: Option<String>,
    /// The folder to append to, with --imap.
    #[arg(long, value_name = "FOLDER", default_value = "Sent")]
    pub imap_folder: String,
    /// Extra CA certificates (PEM) to trust for the portal, the SMTP and the IMAP server.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
}

pub async fn run(args: SealArgs) -> anyhow::Result<ExitCode> {
    let inner = read_input(args.input.as_ref())?;
    let token = sender_token(args.token_command.as_deref())?;
    let expires = args.expires.as_deref().map(parse_expiry).transpose()?;
    let client = PortalClient::new(&args.portal, args.ca_file.as_deref())?;
    let sealed = seal_and_register(
        &client,
        &token,
        &inner,
        &SealOptions {
            subject: args.subject.clone(),
            created: None,
        },
        expires,
    )
    .await
    .context("sealing and registering the key with the portal")?;
    if let Some(url) = &args.smtp {
        submit(url, &args, &sealed.from, &sealed.to, &sealed.message).await?;
        eprintln!(
            "sealmail: sealed message {} submitted for {} recipient(s)",
            sealed.envelope.header.id,
            sealed.to.len()
        );
    }
    if let Some(url) = &args.imap {
        append_imap(url, &args, &sealed.message).await?;
        eprintln!(
            "sealmail: sealed message appended to {}",
            crate::sanitize::line(&args.imap_folder)
        );
    }
    if args.smtp.is_none() && args.imap.is_none() {
        let mut out = std::io::stdout().lock();
        out.write_all(&sealed.message)?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

fn read_input(path: Option<&PathBuf>) -> anyhow::Result<Vec<u8>> {
    match path {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))
        }
        _ => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf)?;
            Ok(buf)
        }
    }
}

fn sender_token(command: Option<&str>) -> anyhow::Result<SecretString> {
    let token = match command {
        Some(cmd) => {
            let line =
                crate::secret::run_named("--token-command", cmd).map_err(|e| anyhow!("{e}"))?;
            SecretString::from(line.expose().trim())
        }
        None => SecretString::new(
            std::env::var(TOKEN_ENV)
                .map_err(|_| anyhow!("no sender token: give --token-command or set {TOKEN_ENV}"))?,
        ),
    };
    if token.is_empty() {
        bail!("the sender token is empty");
    }
    Ok(token)
}

/// An RFC 3339 UTC time, or a duration from now (see [`fields::parse_expiry_at`]).
fn parse_expiry(text: &str) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    fields::parse_expiry_at(text, chrono::Utc::now()).map_err(|e| anyhow!("--expires: {e}"))
}

async fn submit(
    url: &str,
    args: &SealArgs,
    from: &str,
    to: &[String],
    message: &[u8],
) -> anyhow::Result<()> {
    let credentials = match &args.smtp_user {
        Some(user) => {
            let password = std::env::var(SMTP_PASSWORD_ENV)
                .map_err(|_| anyhow!("--smtp-user needs the password in {SMTP_PASSWORD_ENV}"))?;
            Some(Credentials::new(user.clone(), password))
        }
        None => None,
    };
    let transport = crate::net::smtp::transport(url, credentials, args.ca_file.as_deref())
        .map_err(|e| anyhow!("--smtp: {e}"))?;
    let envelope = lettre::address::Envelope::new(
        Some(from.parse()?),
        to.iter()
            .map(|a| a.parse())
            .collect::<Result<Vec<_>, _>>()?,
    )?;
    transport.send_raw(&envelope, message).await.map_err(|e| {
        anyhow!(
            "submitting the sealed message over SMTP: {}",
            crate::net::smtp::describe(&e)
        )
    })?;
    Ok(())
}

/// Appends the sealed message to a folder over IMAPS (TLS verified against the system roots and
/// --ca-file), logging in with the user and $SEALMAIL_IMAP_PASSWORD.
async fn append_imap(url: &str, args: &SealArgs, message: &[u8]) -> anyhow::Result<()> {
    let user = args
        .imap_user
        .as_deref()
        .ok_or_else(|| anyhow!("--imap needs --imap-user"))?;
    let password = SecretString::new(
        std::env::var(IMAP_PASSWORD_ENV)
            .map_err(|_| anyhow!("--imap needs the password in {IMAP_PASSWORD_ENV}"))?,
    );
    let mut settings = ImapSettings::from_url(url, user, Auth::Password(password))
        .map_err(|e| anyhow!("--imap: {e}"))?;
    if settings.security != Security::Tls {
        bail!("--imap: appending needs imaps:// (implicit TLS)");
    }
    settings.ca_file.clone_from(&args.ca_file);
    let append = crate::imap::append(&settings, &args.imap_folder, "(\\Seen)", message);
    tokio::time::timeout(std::time::Duration::from_secs(30), append)
        .await
        .map_err(|_| anyhow!("the IMAP server did not answer within 30 s"))?
        .map_err(|e| anyhow!("--imap: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_expiry_at(
        text: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
        fields::parse_expiry_at(text, now).map_err(|e| anyhow!("--expires: {e}"))
    }

    #[test]
    fn expiry_is_a_time_or_a_duration() {
        assert_eq!(
            parse_expiry("2030-01-01T00:00:00Z").unwrap().to_rfc3339(),
            "2030-01-01T00:00:00+00:00"
        );
        let in_a_day = parse_expiry("1d").unwrap() - chrono::Utc::now();
        assert!((86_390..=86_400).contains(&in_a_day.num_seconds()));
        assert!(parse_expiry("90m").is_ok() && parse_expiry("12h").is_ok());
        assert!(parse_expiry("soon").is_err() && parse_expiry("5y").is_err());
    }

    #[test]
    fn hostile_expiry_durations_are_errors_not_panics() {
        let now = chrono::Utc::now();
        for text in [
            "5é",
            "é",
            "5dé",
            "99999999999999999d",
            "100000000d",
            "18446744073709551615m",
            "18446744073709551616h",
            "3651d",
            "87625h",
            "-5d",
            "+5d",
            " 5d",
            "5 d",
            "0d",
            "",
            "d",
            "5",
            "5D",
            "٣d",
            "1e3d",
            "5.5h",
        ] {
            let result = std::panic::catch_unwind(|| parse_expiry_at(text, now));
            match result {
                Ok(Err(e)) => assert!(e.to_string().starts_with("--expires:"), "{text:?}: {e}"),
                Ok(Ok(at)) => panic!("{text:?} was accepted as {at}"),
                Err(_) => panic!("{text:?} panicked"),
            }
        }
        assert_eq!(
            parse_expiry_at("3650d", now).unwrap() - now,
            chrono::Duration::days(3650)
        );
        assert_eq!(
            parse_expiry_at("87600h", now).unwrap() - now,
            chrono::Duration::days(3650)
        );
        assert!(
            parse_expiry_at("100000000d", now)
                .unwrap_err()
                .to_string()
                .contains("at most 3650 days")
        );
    }

    #[test]
    fn the_token_command_gives_the_first_line() {
        let token = sender_token(Some("printf 'tok-123\\nignored\\n'")).unwrap();
        assert_eq!(token.expose(), "tok-123");
        assert!(sender_token(Some("exit 3")).is_err());
        assert!(sender_token(Some("true")).is_err());
    }
}
