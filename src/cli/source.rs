//! Opens the mail source the user asked for (demo, Maildir, IMAP account) and starts its
//! actor. Shared by the reader and `sealmail script`.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::read::ReadArgs;
use crate::auth::oauth2::TokenKeeper;
use crate::config::{AccountSpec, Config, SecretSource};
use crate::imap::{Auth, ImapSettings};
use crate::metrics::Metrics;
use crate::sealed::flow::FlowSettings;
use crate::tui::core::{FlowLink, SourceLink};

/// Room for commands from the UI; it never blocks on a full queue (see `tui::core`).
const COMMAND_QUEUE: usize = 64;
/// Room for events from the source: rows come in chunks, so a few hundred is plenty.
const EVENT_QUEUE: usize = 256;

/// A running source, the sealed-message flow worker, and what keeps them alive.
pub struct OpenSource {
    link: SourceLink,
    flow: FlowLink,
    flow_task: JoinHandle<()>,
    /// What the status line calls the mailbox.
    pub label: String,
    /// The account's own address, for portal sign-ins.
    pub email: Option<String>,
    task: JoinHandle<()>,
    /// The demo's temporary Maildir, removed when this is dropped.
    demo: Option<crate::demo::DemoMailbox>,
    /// The IMAP account's settings (its password or token is shared with sending).
    pub imap: Option<ImapSettings>,
    /// How the account sends, when it can (set by the reader's session).
    pub sender: Option<crate::tui::core::Sender>,
}

/// What keeps a source running once its links are handed to the UI.
pub struct Running {
    task: JoinHandle<()>,
    flow_task: JoinHandle<()>,
    demo: Option<crate::demo::DemoMailbox>,
}

impl OpenSource {
    /// The demo's second account (a Maildir), when this is the demo.
    pub fn demo_second_account(&self) -> Option<std::path::PathBuf> {
        self.demo
            .as_ref()
            .map(crate::demo::DemoMailbox::second_account)
    }

    /// The demo mailbox, when this is the demo.
    pub fn demo(&self) -> Option<&crate::demo::DemoMailbox> {
        self.demo.as_ref()
    }

    /// The links for the UI, and what to stop when it is done.
    pub fn split(self) -> (SourceLink, FlowLink, Running) {
        let running = Running {
            task: self.task,
            flow_task: self.flow_task,
            demo: self.demo,
        };
        (self.link, self.flow, running)
    }
}

impl Running {
    /// Gives the actor a moment to log out cleanly, stops the flow worker (it forgets its
    /// secrets), then the demo's portal and Maildir.
    pub async fn stop(self) {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), self.task).await;
        self.flow_task.abort();
        drop(self.demo);
    }
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
pub fn open(
    spec: Option<AccountSpec>,
    now: i64,
    config: &Config,
    metrics: &Metrics,
) -> anyhow::Result<OpenSource> {
    open_prepared(spec, None, now, &Shared::of(config), metrics)
}

/// What every account of a session shares from the config.
#[derive(Clone)]
struct Shared {
    trusted_portals: Vec<String>,
    header_cache: crate::cache::front::Use,
}

impl Shared {
    fn of(config: &Config) -> Shared {
        Shared {
            trusted_portals: config.trusted_portals.clone(),
            header_cache: if config.reader.header_cache {
                crate::cache::front::Use::On
            } else {
                crate::cache::front::Use::Off
            },
        }
    }
}

/// The session's accounts when the config has several and the command line names no single
/// mailbox (`--demo`, `--imap`, `--maildir`): all of them, and which one opens first
/// (`--account`, else the first).
pub fn several(
    args: &ReadArgs,
    config: &Config,
) -> anyhow::Result<Option<(Vec<AccountSpec>, usize)>> {
    if args.demo || args.imap.is_some() || args.maildir.is_some() {
        return Ok(None);
    }
    let all = config.all_accounts()?;
    if all.len() < 2 {
        return Ok(None);
    }
    let first = match &args.account {
        Some(name) => all
            .iter()
            .position(|a| a.name() == name)
            .ok_or_else(|| anyhow::anyhow!("no account named \"{name}\" in the config"))?,
        None => 0,
    };
    Ok(Some((all, first)))
}

/// The accounts opened after the first: their passwords to be typed are asked for now, while
/// the terminal is free; they start when the reader first shows them, and what runs is kept
/// in `running` to be stopped at exit.
pub fn later_starter(
    specs: Vec<AccountSpec>,
    first: usize,
    now: i64,
    config: &Config,
    metrics: &Metrics,
    running: std::sync::Arc<std::sync::Mutex<Vec<Running>>>,
) -> anyhow::Result<crate::tui::core::Starter> {
    let mut later = Vec::with_capacity(specs.len());
    for (i, spec) in specs.into_iter().enumerate() {
        if i == first {
            later.push(None);
            continue;
        }
        let password = match &spec {
            AccountSpec::Imap {
                user,
                secret: SecretSource::Prompt,
                oauth2: None,
                ..
            } => Some(SecretSource::Prompt.read(&format!("Password for {user}: "))?),
            _ => None,
        };
        // Its sending settings, with an SMTP password to type asked for now too.
        let sending = config.sending_for(spec.name())?;
        let smtp_password = match &sending {
            Some(sending) => {
                let imap_user = match &spec {
                    AccountSpec::Imap { user, .. } => Some(user.as_str()),
                    AccountSpec::Maildir { .. } => None,
                };
                match super::sending::password_to_ask(sending, imap_user, password.is_some()) {
                    Some(user) => {
                        Some(SecretSource::Prompt.read(&format!("SMTP password for {user}: "))?)
                    }
                    None => None,
                }
            }
            None => None,
        };
        later.push(Some((spec, password, sending, smtp_password)));
    }
    let shared = Shared::of(config);
    let metrics = metrics.clone();
    Ok(Box::new(move |n| {
        let (spec, password, sending, smtp_password) = later
            .get_mut(n)
            .and_then(Option::take)
            .ok_or_else(|| "this account has started already".to_owned())?;
        let failed = |e: anyhow::Error| crate::sanitize::line(&e.to_string()).into_owned();
        let source = open_prepared(Some(spec), password, now, &shared, &metrics).map_err(failed)?;
        let sender = match sending {
            Some(sending) => Some(
                super::sending::sender_with(sending, source.imap.clone(), smtp_password)
                    .map_err(failed)?
                    .1,
            ),
            None => None,
        };
        let (source, flow, run) = source.split();
        if let Ok(mut all) = running.lock() {
            all.push(run);
        }
        Ok(crate::tui::core::Started {
            source,
            flow,
            sender,
        })
    }))
}

/// [`open`] with the password read already (or read here when `None` and it is needed).
fn open_prepared(
    spec: Option<AccountSpec>,
    password: Option<crate::secret::SecretString>,
    now: i64,
    shared: &Shared,
    metrics: &Metrics,
) -> anyhow::Result<OpenSource> {
    let trusted_portals = shared.trusted_portals.as_slice();
    let (command_tx, command_rx) = mpsc::channel(COMMAND_QUEUE);
    let (event_tx, event_rx) = mpsc::channel(EVENT_QUEUE);
    let link = SourceLink {
        commands: command_tx,
        events: event_rx,
    };
    let (flow_tx, flow_rx) = mpsc::channel(COMMAND_QUEUE);
    let (flow_event_tx, flow_event_rx) = mpsc::channel(EVENT_QUEUE);
    let flow = FlowLink {
        requests: flow_tx,
        events: flow_event_rx,
    };
    let mut flow_settings = FlowSettings::new(trusted_portals.to_vec(), metrics.clone());
    let mut imap = None;
    let (task, label, email, demo) = match spec {
        None => {
            let demo = crate::demo::materialize_at(now)?;
            flow_settings = demo.flow_settings(metrics.clone());
            flow_settings
                .trusted_portals
                .extend(trusted_portals.iter().cloned());
            let task = crate::maildir::spawn(demo.path().to_path_buf(), command_rx, event_tx);
            (
                task,
                "demo".to_owned(),
                Some(demo.address().to_owned()),
                Some(demo),
            )
        }
        Some(AccountSpec::Maildir { name, path }) => {
            if !path.is_dir() {
                anyhow::bail!("{} is not a directory", path.display());
            }
            (
                crate::maildir::spawn(path, command_rx, event_tx),
                name,
                None,
                None,
            )
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
                None => Auth::Password(match password {
                    Some(password) => password,
                    None => secret.read(&format!("Password for {user}: "))?,
                }),
            };
            let mut settings = ImapSettings::from_url(&url, user, auth)?;
            settings.ca_file.clone_from(&ca_file);
            settings.insecure = insecure;
            settings.check_policy()?;
            imap = Some(settings.clone());
            flow_settings.ca_file = ca_file;
            // The header cache's front sits between the reader and the actor.
            let command_rx = match crate::cache::Store::default_root() {
                Some(root) => {
                    let account =
                        format!("imap:{}:{}:{}", settings.host, settings.port, settings.user);
                    let store = crate::cache::Store::new(root, &account);
                    let (to_actor, actor_rx) = mpsc::channel(COMMAND_QUEUE);
                    crate::cache::front::spawn(
                        store,
                        shared.header_cache,
                        command_rx,
                        to_actor,
                        event_tx.clone(),
                    );
                    actor_rx
                }
                None => command_rx,
            };
            (
                crate::imap::metrics::spawn_measured(
                    settings,
                    command_rx,
                    event_tx,
                    metrics.clone(),
                ),
                name,
                email,
                None,
            )
        }
    };
    let flow_task = crate::sealed::flow::spawn(flow_settings, flow_rx, flow_event_tx);
    Ok(OpenSource {
        link,
        flow,
        flow_task,
        label,
        email,
        task,
        demo,
        imap,
        sender: None,
    })
}
