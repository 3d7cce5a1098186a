//! The servers and the IMAP actor for the OAuth2 tests: an IdP, a Dovecot that trusts it,
//! the actor with a token keeper, and waiting for its events.

use std::time::Duration;

use sealmail::auth::oauth2::{Mechanism, OAuthSettings, Provider, TokenKeeper, TokenStore};
use sealmail::imap::{self, Auth, ImapSettings};
use sealmail::mail::{ConnectionState, SignInPrompt, SignInState, SourceCommand, SourceEvent};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::support::{Dovecot, DovecotOptions, Idp, IdpOptions};

/// How long any single expected event may take (generous: the CI machine is shared).
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(40);

pub struct Stack {
    pub dovecot: Dovecot,
    pub idp: Idp,
}

pub async fn stack(options: IdpOptions) -> Stack {
    let idp = Idp::start(options).await;
    let dovecot = Dovecot::start(DovecotOptions::default().oauth2(&idp)).await;
    Stack { dovecot, idp }
}

/// The test IdP as a `custom` provider (discovery from its issuer), client `mailreader`.
pub fn oauth_settings(idp: &Idp, store: TokenStore, mechanism: Mechanism) -> OAuthSettings {
    OAuthSettings {
        provider: Provider::Custom {
            issuer: Some(idp.issuer().to_owned()),
            device_endpoint: None,
            token_endpoint: None,
        },
        client_id: "mailreader".into(),
        client_secret_command: None,
        scopes: vec!["openid".into(), "email".into(), "offline_access".into()],
        mechanism,
        store,
        ca_file: None,
    }
}

pub fn imap_settings(dovecot: &Dovecot, user: &str, keeper: TokenKeeper) -> ImapSettings {
    let mut settings =
        ImapSettings::from_url(&dovecot.imaps_url(), user, Auth::oauth2(keeper)).expect("URL");
    settings.ca_file = Some(dovecot.ca_pem().to_path_buf());
    settings
}

pub struct Reader {
    pub commands: mpsc::Sender<SourceCommand>,
    pub events: mpsc::Receiver<SourceEvent>,
    pub handle: JoinHandle<()>,
    /// Every sign-in state seen so far, in order.
    pub sign_ins: Vec<SignInState>,
}

impl Reader {
    pub fn start(settings: ImapSettings) -> Reader {
        let (commands, command_rx) = mpsc::channel(16);
        let (event_tx, events) = mpsc::channel(256);
        let handle = imap::spawn(settings, command_rx, event_tx);
        Reader {
            commands,
            events,
            handle,
            sign_ins: Vec::new(),
        }
    }

    /// The next event, failing the test after `EVENT_TIMEOUT`; sign-in states are recorded.
    pub async fn next(&mut self) -> SourceEvent {
        let event = match tokio::time::timeout(EVENT_TIMEOUT, self.events.recv()).await {
            Ok(Some(event)) => event,
            Ok(None) => panic!("the actor stopped"),
            Err(_) => panic!("no event within {EVENT_TIMEOUT:?}"),
        };
        if let SourceEvent::SignIn(state) = &event {
            self.sign_ins.push(state.clone());
        }
        event
    }

    /// Waits for the device prompt (the code to approve).
    pub async fn prompt(&mut self) -> SignInPrompt {
        loop {
            match self.next().await {
                SourceEvent::SignIn(SignInState::Waiting(prompt)) => return prompt,
                SourceEvent::Connection(ConnectionState::Failed { reason }) => {
                    panic!("expected the sign-in prompt, the actor gave up: {reason}")
                }
                SourceEvent::Connection(ConnectionState::Online { .. }) => {
                    panic!("expected the sign-in prompt, the actor is online")
                }
                _ => {}
            }
        }
    }

    /// Waits until the actor is online, ignoring sign-in ticks.
    pub async fn online(&mut self) {
        loop {
            match self.next().await {
                SourceEvent::Connection(ConnectionState::Online { .. }) => return,
                SourceEvent::Connection(ConnectionState::Failed { reason }) => {
                    panic!("expected Online, the actor gave up: {reason}")
                }
                _ => {}
            }
        }
    }

    /// Waits for the actor to give up; returns its reason.
    pub async fn failed(&mut self) -> String {
        loop {
            match self.next().await {
                SourceEvent::Connection(ConnectionState::Failed { reason }) => return reason,
                SourceEvent::Connection(ConnectionState::Online { .. }) => {
                    panic!("expected a failure, the actor is online")
                }
                _ => {}
            }
        }
    }

    /// Opens INBOX and returns how many rows it holds once loaded.
    pub async fn inbox_rows(&mut self, req: u64) -> usize {
        self.commands
            .send(SourceCommand::OpenFolder {
                req,
                folder: "INBOX".into(),
                window: 50,
            })
            .await
            .expect("the actor takes commands");
        let mut rows = 0;
        loop {
            match self.next().await {
                SourceEvent::Rows {
                    req: r, rows: got, ..
                } if r == req => rows += got.len(),
                SourceEvent::FolderLoaded { req: r, .. } if r == req => return rows,
                SourceEvent::Connection(ConnectionState::Failed { reason }) => {
                    panic!("the actor gave up: {reason}")
                }
                _ => {}
            }
        }
    }

    pub async fn shutdown(self) {
        let _ = self.commands.send(SourceCommand::Shutdown).await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.handle).await;
    }
}

/// A test user's full address.
pub fn address(user: &str) -> String {
    crate::support::address(user)
}
