//! Opens the mail source the user asked for (demo, Maildir, IMAP account) and starts its
//! actor. Shared by the reader and `sealmail script`.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::read::ReadArgs;
use crate::app::run::SourceLink;
use crate::auth::oauth2::TokenKeeper;
use crate::config::{AccountSpec, Config, SecretSource};
use crate::imap::{Auth, ImapSettings};

/// Room for commands from the UI; it never blocks on a full queue (see `app::run`).
const COMMAND_QUEUE: usize = 64;
/// Room for events from the source: rows come in chunks, so a few hundred is plenty.
const EVENT_QUEUE: usize = 256;

/// A running source and what keeps it alive.
pub struct OpenSource {
    pub link: SourceLink,
    /// What the status line calls the mailbox.
    pub label: String,
    /// The account's own address, for portal sign-ins.
    pub email: Option<String>,
    pub task: JoinHandle<()>,
    /// The demo's temporary Maildir, removed when this is dropped.
    pub demo: Option<crate::demo::DemoMailbox>,
}

/// Which mailbox to open, from the flags first, else the config.
pub fn account(args: &ReadArgs, config: &Config) -> anyhow::Result<Option<AccountSpec>> {
    if args.demo {
        return Ok(None);
    }
    if let Some(path) = &args.maildir {
        return Ok(Some(AccountSpec::Maildir {
            name: path.display().to_string(),
            path: path.clone(),
        }));
    }
    if let Some(url) = &args.imap {
        let user = args
            .user
            .clone()
            .ok_or_else(|| anyhow::anyhow!("--imap needs --user"))?;
        let secret = match &args.password_command {
            Some(cmd) => SecretSource::Command(cmd.clone()),
            None => SecretSource::Prompt,
        };
        let email = user.contains('@').then(|| user.clone());
        return Ok(Some(AccountSpec::Imap {
            name: user.clone(),
            url: url.clone(),
            user,
            email,
            secret,
            ca_file: args.ca_file.clone(),
            insecure: false,
            oauth2: None,
        }));
    }
    Ok(Some(config.account(args.account.as_deref())?))
}

/// Reads secrets (a password prompt needs the terminal before the UI takes it) and starts the
/// source's actor. `now` places the demo mailbox's dates.
pub fn open(spec: Option<AccountSpec>, now: i64) -> anyhow::Result<OpenSource> {
    let (command_tx, command_rx) = mpsc::channel(COMMAND_QUEUE);
    let (event_tx, event_rx) = mpsc::channel(EVENT_QUEUE);
    let link = SourceLink {
        commands: command_tx,
        events: event_rx,
    };
    match spec {
        None => {
            let demo = crate::demo::materialize_at(now)?;
            let task = crate::maildir::spawn(demo.path().to_path_buf(), command_rx, event_tx);
            Ok(OpenSource {
                link,
                label: "demo".into(),
                email: None,
                task,
                demo: Some(demo),
            })
        }
        Some(AccountSpec::Maildir { name, path }) => {
            if !path.is_dir() {
                anyhow::bail!("{} is not a directory", path.display());
            }
            let task = crate::maildir::spawn(path, command_rx, event_tx);
            Ok(OpenSource {
                link,
                label: name,
                email: None,
                task,
                demo: None,
            })
        }
        Some(AccountSpec::Imap {
            name,
            url,
            user,
            email,
            secret,
            ca_file,
            insecure,
            oauth2,
        }) => {
            let auth = match oauth2 {
                Some(oauth2) => Auth::oauth2(TokenKeeper::new(*oauth2)?),
                None => Auth::Password(secret.read(&format!("Password for {user}: "))?),
            };
            let mut settings = ImapSettings::from_url(&url, user, auth)?;
            settings.ca_file = ca_file;
            settings.insecure = insecure;
            settings.check_policy()?;
            let task = crate::imap::spawn(settings, command_rx, event_tx);
            Ok(OpenSource {
                link,
                label: name,
                email,
                task,
                demo: None,
            })
        }
    }
}
