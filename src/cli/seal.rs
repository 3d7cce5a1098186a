//! `sealmail seal`: seal a message for its recipients, register its key with a portal, and
//! write the sealed message to stdout or submit it over SMTP.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use lettre::AsyncTransport;
use lettre::transport::smtp::authentication::Credentials;

use crate::portal::client::{PortalClient, Registration};
use crate::portal::seal::{SealOptions, seal};
use crate::secret::SecretString;

/// Environment variable holding the sender token when no --token-command is given.
pub const TOKEN_ENV: &str = "SEALMAIL_SENDER_TOKEN";
/// Environment variable holding the SMTP password for --smtp-user.
pub const SMTP_PASSWORD_ENV: &str = "SEALMAIL_SMTP_PASSWORD";

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
    /// Submit over SMTP instead of writing to stdout: smtp://host:port (STARTTLS when offered)
    /// or smtps://host:port.
    #[arg(long, value_name = "URL")]
    pub smtp: Option<String>,
    /// SMTP user (password from $SEALMAIL_SMTP_PASSWORD).
    #[arg(long, value_name = "USER")]
    pub smtp_user: Option<String>,
    /// Extra CA certificates (PEM) to trust for the portal and the SMTP server.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
}

pub async fn run(args: SealArgs) -> anyhow::Result<ExitCode> {
    let inner = read_input(args.input.as_ref())?;
    let token = sender_token(args.token_command.as_deref())?;
    let expires = args.expires.as_deref().map(parse_expiry).transpose()?;
    let sealed = seal(
        &inner,
        &args.portal,
        &SealOptions {
            subject: args.subject.clone(),
            created: None,
        },
    )?;
    let client = PortalClient::new(&args.portal, args.ca_file.as_deref())?;
    client
        .register(
            &token,
            &Registration {
                id: &sealed.envelope.header.id,
                from: &sealed.from,
                to: &sealed.to,
                key: &sealed.key,
                expires,
            },
        )
        .await
        .context("registering the key with the portal")?;
    match &args.smtp {
        Some(url) => {
            submit(url, &args, &sealed.from, &sealed.to, &sealed.message).await?;
            eprintln!(
                "sealmail: sealed message {} submitted for {} recipient(s)",
                sealed.envelope.header.id,
                sealed.to.len()
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&sealed.message)?;
            out.flush()?;
        }
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
            let output = std::process::Command::new("sh")
                .arg("-c")
                .arg(cmd)
                .stderr(std::process::Stdio::inherit())
                .output()
                .context("cannot run --token-command")?;
            if !output.status.success() {
                bail!("--token-command failed ({})", output.status);
            }
            let text = zeroize::Zeroizing::new(
                String::from_utf8(output.stdout)
                    .map_err(|_| anyhow!("--token-command printed no text"))?,
            );
            SecretString::from(text.lines().next().unwrap_or_default().trim())
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

/// An RFC 3339 UTC time, or a duration from now: `90m`, `12h`, `30d`.
fn parse_expiry(text: &str) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    if let Ok(at) = crate::portal::fields::check_timestamp(text) {
        return Ok(at);
    }
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let n: i64 = number.parse().map_err(|_| {
        anyhow!("--expires: give 2026-12-01T00:00:00Z or a duration like 90m, 12h, 30d")
    })?;
    let duration = match unit {
        "m" => chrono::Duration::minutes(n),
        "h" => chrono::Duration::hours(n),
        "d" => chrono::Duration::days(n),
        _ => bail!("--expires: the duration unit is m, h or d"),
    };
    Ok(chrono::Utc::now() + duration)
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
    let transport =
        crate::server::mailer::smtp_transport(url, credentials, args.ca_file.as_deref())
            .map_err(|e| anyhow!("--smtp: {e}"))?;
    let envelope = lettre::address::Envelope::new(
        Some(from.parse()?),
        to.iter()
            .map(|a| a.parse())
            .collect::<Result<Vec<_>, _>>()?,
    )?;
    transport
        .send_raw(&envelope, message)
        .await
        .context("submitting the sealed message over SMTP")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_token_command_gives_the_first_line() {
        let token = sender_token(Some("printf 'tok-123\\nignored\\n'")).unwrap();
        assert_eq!(token.expose(), "tok-123");
        assert!(sender_token(Some("exit 3")).is_err());
        assert!(sender_token(Some("true")).is_err());
    }
}
