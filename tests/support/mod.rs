//! The integration-test harness: real Dovecot, Postfix and OpenID Connect servers, each a
//! private instance on free loopback ports with its own temp dir, started and stopped by the
//! test that needs them.
//!
//! Every integration test binary includes it with
//!
//! ```ignore
//! #[path = "support/mod.rs"]
//! mod support;
//! ```
//!
//! and then, inside a `#[tokio::test]`:
//!
//! ```ignore
//! use support::{Dovecot, DovecotOptions, Idp, IdpOptions, Postfix};
//!
//! let dovecot = Dovecot::start(DovecotOptions::default()).await;
//! dovecot.populate("alice", 10_000);                  // straight into the Maildir, fast
//! dovecot.populate_folder("alice", "Archive", 50);     // another folder (Maildir++)
//! dovecot.deliver("alice", b"Subject: hi\r\n\r\nhello\r\n").await; // over LMTP
//! let url = dovecot.imaps_url();                      // "imaps://127.0.0.1:PORT"
//! let ca = dovecot.ca_pem();                          // trust this (sealmail's `ca_file`)
//! // log in as alice / alicepass (or bob/bobpass, portal/portalpass), all @example.test
//! dovecot.restart().await;                            // same state, same ports
//! dovecot.kill().await; dovecot.start_again().await; // a crash, then back
//!
//! let postfix = Postfix::start(&dovecot).await;       // SMTP -> that Dovecot over LMTP
//! let idp = Idp::start(IdpOptions::default()).await;  // oidc-provider, device flow
//! idp.approve_device(&user_code, "alice").await?;    // "the user on another device"
//! let oauth = Dovecot::start(DovecotOptions::default().oauth2(&idp)).await; // XOAUTH2
//! ```
//!
//! What each server offers:
//!
//! * [`Dovecot`] offers IMAP with STARTTLS (`imap_port`), IMAPS (`imaps_port`), LMTP over TCP
//!   (`lmtp_port`) and a unix socket (`lmtp_socket`); users from [`USERS`] in a passwd-file,
//!   `alice` and `alice@example.test` name the same mailbox; mail in `maildir(user)`, owned by
//!   uid 65534. The certificate is a leaf for `localhost` and `127.0.0.1` signed by a throwaway
//!   CA (`ca_pem`). Failed logins are not penalised (every test connects from 127.0.0.1) unless
//!   the options ask for it. Options: [`DovecotOptions::without_tls`] (no STARTTLS, no IMAPS: a
//!   downgrade target), [`DovecotOptions::untrusted_cert`] (the leaf is signed by another CA
//!   than `ca_pem`), [`DovecotOptions::oauth2`] (XOAUTH2/OAUTHBEARER tokens checked by
//!   introspection at an [`Idp`]).
//! * [`Postfix`] offers SMTP (`smtp_port`, STARTTLS offered, AUTH optional with the Dovecot
//!   users) and SMTPS (`smtps_port`); accepts mail for the users of `example.test` only and
//!   delivers it to the Dovecot it was started for; relays nothing anywhere (other domains get
//!   554, unknown users 550). Delivery is asynchronous: use `Dovecot::wait_for_messages`.
//! * [`Idp`] is the npm `oidc-provider` with the device grant. Clients: `mailreader` and
//!   `otherapp` (public, device grant + refresh), `dovecot` / `dovecot-secret` (confidential,
//!   introspection). Any login and password sign in; login `alice` gets
//!   `email = alice@example.test`, `email_verified = true`. Its state lives in memory: a
//!   restart forgets every token.
//!
//! The tests run as root (Dovecot and Postfix drop privileges themselves) with the servers
//! installed by `scripts/install-test-deps.sh`; without them, starting a server panics with a
//! message naming that script. Each server's `Drop` stops exactly the processes it started and
//! removes its temp dir (under `/dev/shm`, else `/tmp`; `SEALMAIL_TEST_TMPDIR` overrides); set
//! `SEALMAIL_TEST_KEEP=1` to keep the dirs (and logs) for debugging. Servers left behind by a
//! killed test run are stopped by the next run. A server that cannot start panics with its log.
//! All servers listen on 127.0.0.1 only. More in `docs/testing.md`.
#![allow(dead_code, unused_imports)]

mod corpus;
mod cyrus;
mod dovecot;
mod haproxy;
mod idp;
mod imap_client;
mod lmtp;
mod ports;
mod postfix;
mod postgres;
mod proc;
mod server;
mod tls;

pub use corpus::{GeneratedMessage, generate_message};
pub use cyrus::{CYRUS_ADMIN, Cyrus, CyrusOptions, CyrusStyle};
pub use dovecot::{Dovecot, DovecotOptions};
pub use haproxy::{Haproxy, haproxy_port};
pub use idp::{DeviceAuthorization, Idp, IdpOptions, TokenResponse};
pub use imap_client::{ImapClient, Reply};
pub use postfix::Postfix;
pub use postgres::{PG_PASSWORD, PG_USER, Postgres};
pub use server::{Server, ServerKind};
pub use tls::rustls_client_config;

/// A throwaway CA and a leaf for localhost and 127.0.0.1 in `dir` (`ca.pem`, `cert.pem`,
/// `key.pem`).
pub fn write_test_pki(dir: &std::path::Path) -> tls::TlsFiles {
    tls::write_pki(dir, false)
}

/// The mail domain of every test user.
pub const DOMAIN: &str = "example.test";

/// The test users (login, password) of every Dovecot; their addresses are `login@example.test`.
pub const USERS: [(&str, &str); 3] = [
    ("alice", "alicepass"),
    ("bob", "bobpass"),
    ("portal", "portalpass"),
];

/// `alice` -> `alice@example.test`; a full address is returned unchanged.
pub fn address(user: &str) -> String {
    if user.contains('@') {
        user.to_owned()
    } else {
        format!("{user}@{DOMAIN}")
    }
}

/// The password of a test user (`alice` or `alice@example.test`).
pub fn password(user: &str) -> &'static str {
    let login = local_part(user);
    USERS
        .iter()
        .find(|(name, _)| *name == login)
        .map(|(_, pass)| *pass)
        .unwrap_or_else(|| panic!("{user:?} is not a test user (see support::USERS)"))
}

fn local_part(user: &str) -> &str {
    user.split('@').next().unwrap_or(user)
}

/// Root of the repository (where `tests/infra/` lives).
fn repo_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
