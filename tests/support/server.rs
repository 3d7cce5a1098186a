//! One test body, several IMAP servers: [`Server`] is a running Dovecot or Cyrus (in either
//! namespace style) seen through what the protocol tests need: the reader's account settings,
//! "another client" (a raw IMAPS session) and the changes that client makes.
//!
//! Everything a test changes goes through IMAP or LMTP on both servers, so both see the same
//! operations. Folder names are spelled as each server's users spell them:
//! [`Server::folder`] turns `"Archive/2024"` into `Archive.2024` (Dovecot),
//! `INBOX.Archive.2024` (Cyrus, Debian style) or `Archive/2024` (Cyrus, upstream style).

use std::path::Path;

use sealmail::imap::{Auth, ImapSettings};

use super::cyrus::imap_flags;
use super::imap_client::{ImapClient, Reply, quote};
use super::{Cyrus, CyrusOptions, Dovecot, DovecotOptions, corpus, local_part, password};

/// Which server (and style) to start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerKind {
    Dovecot,
    /// Cyrus with Debian's namespace (`INBOX.Sub`, `.`).
    CyrusDebian,
    /// Cyrus with upstream's namespace (`Sub`, `/`).
    CyrusUpstream,
}

impl ServerKind {
    /// Every server the cross-server tests run against.
    pub const ALL: [ServerKind; 3] = [
        ServerKind::Dovecot,
        ServerKind::CyrusDebian,
        ServerKind::CyrusUpstream,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Dovecot => "Dovecot",
            ServerKind::CyrusDebian => "Cyrus (Debian namespace)",
            ServerKind::CyrusUpstream => "Cyrus (upstream namespace)",
        }
    }
}

/// A running test server of some kind.
pub enum Server {
    Dovecot(Dovecot),
    Cyrus(Cyrus),
}

impl Server {
    /// Starts a fresh private instance; panics with the reason if it cannot.
    pub async fn start(kind: ServerKind) -> Server {
        match kind {
            ServerKind::Dovecot => Server::Dovecot(Dovecot::start(DovecotOptions::default()).await),
            ServerKind::CyrusDebian => Server::Cyrus(Cyrus::start(CyrusOptions::debian()).await),
            ServerKind::CyrusUpstream => {
                Server::Cyrus(Cyrus::start(CyrusOptions::upstream()).await)
            }
        }
    }

    pub fn kind(&self) -> ServerKind {
        match self {
            Server::Dovecot(_) => ServerKind::Dovecot,
            Server::Cyrus(c) => match c.style() {
                super::CyrusStyle::Debian => ServerKind::CyrusDebian,
                super::CyrusStyle::Upstream => ServerKind::CyrusUpstream,
            },
        }
    }

    /// For messages: "Dovecot", "Cyrus (Debian namespace)", ...
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    pub fn cyrus(&self) -> Option<&Cyrus> {
        match self {
            Server::Cyrus(c) => Some(c),
            Server::Dovecot(_) => None,
        }
    }

    pub fn dovecot(&self) -> Option<&Dovecot> {
        match self {
            Server::Dovecot(d) => Some(d),
            Server::Cyrus(_) => None,
        }
    }

    pub fn imaps_port(&self) -> u16 {
        match self {
            Server::Dovecot(d) => d.imaps_port(),
            Server::Cyrus(c) => c.imaps_port(),
        }
    }

    /// `imaps://127.0.0.1:PORT`.
    pub fn imaps_url(&self) -> String {
        format!("imaps://127.0.0.1:{}", self.imaps_port())
    }

    /// `imap://127.0.0.1:PORT` (the reader upgrades with STARTTLS).
    pub fn imap_url(&self) -> String {
        match self {
            Server::Dovecot(d) => d.imap_url(),
            Server::Cyrus(c) => c.imap_url(),
        }
    }

    /// The test CA the server's certificate verifies against.
    pub fn ca_pem(&self) -> &Path {
        match self {
            Server::Dovecot(d) => d.ca_pem(),
            Server::Cyrus(c) => c.ca_pem(),
        }
    }

    /// The reader's account for a test user over IMAPS, trusting the test CA.
    pub fn settings(&self, user: &str) -> ImapSettings {
        self.settings_for(&self.imaps_url(), user)
    }

    /// The reader's account for a test user over `url` (e.g. [`Server::imap_url`]).
    pub fn settings_for(&self, url: &str, user: &str) -> ImapSettings {
        let mut settings =
            ImapSettings::from_url(url, local_part(user), Auth::Password(password(user).into()))
                .expect("valid URL");
        settings.ca_file = Some(self.ca_pem().to_path_buf());
        settings
    }

    /// The hierarchy separator users see.
    pub fn separator(&self) -> char {
        match self {
            Server::Dovecot(_) => '.',
            Server::Cyrus(c) => c.separator(),
        }
    }

    /// A personal folder as the server's users spell it; `path` uses `/` between levels.
    pub fn folder(&self, path: &str) -> String {
        match self {
            Server::Dovecot(_) => path.replace('/', "."),
            Server::Cyrus(c) => c.folder(path),
        }
    }

    /// A logged-in IMAPS session of a test user: "another client".
    pub async fn client(&self, user: &str) -> ImapClient {
        ImapClient::login(
            self.imaps_port(),
            self.ca_pem(),
            local_part(user),
            password(user),
        )
        .await
    }

    /// Delivers a message to the user's INBOX over LMTP, as an MTA would.
    pub async fn deliver(&self, user: &str, raw: &[u8]) {
        match self {
            Server::Dovecot(d) => d.deliver(user, raw).await,
            Server::Cyrus(c) => c.deliver(user, raw).await,
        }
    }

    /// APPENDs one message to a folder of `user` from another connection; returns its UID.
    pub async fn append(&self, user: &str, folder: &str, raw: &[u8]) -> u32 {
        self.client(user).await.append_once(folder, raw).await
    }

    /// APPENDs the generated messages `first..first + count` (with their flags) to a folder of
    /// `user`; returns their UIDs in order.
    pub async fn populate(&self, user: &str, folder: &str, first: usize, count: usize) -> Vec<u32> {
        self.client(user)
            .await
            .populate_once(folder, first, count)
            .await
    }

    /// Expunges `uids` from a folder of `user` from another connection; returns the answer.
    pub async fn expunge(&self, user: &str, folder: &str, uids: &[u32]) -> Reply {
        self.client(user).await.expunge_once(folder, uids).await
    }

    /// The folder's UIDs by `UID SEARCH ALL` on a fresh connection, sorted.
    pub async fn uids(&self, user: &str, folder: &str) -> Vec<u32> {
        self.client(user).await.uids_once(folder).await
    }

    /// Creates a folder of `user` from another connection.
    pub async fn create_folder(&self, user: &str, folder: &str) {
        self.client(user).await.folder_once("CREATE", folder).await
    }

    /// Deletes a folder of `user` from another connection.
    pub async fn delete_folder(&self, user: &str, folder: &str) {
        self.client(user).await.folder_once("DELETE", folder).await
    }

    /// Stops and starts the server: every connection drops, the mail stays.
    pub async fn restart(&mut self) {
        match self {
            Server::Dovecot(d) => d.restart().await,
            Server::Cyrus(c) => c.restart().await,
        }
    }

    /// Stops the server; [`Server::start_again`] brings it back on the same ports.
    pub async fn stop(&mut self) {
        match self {
            Server::Dovecot(d) => d.stop().await,
            Server::Cyrus(c) => c.stop().await,
        }
    }

    pub async fn start_again(&mut self) {
        match self {
            Server::Dovecot(d) => d.start_again().await,
            Server::Cyrus(c) => c.start_again().await,
        }
    }
}
