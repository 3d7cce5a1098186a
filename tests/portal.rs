//! The portal, end to end: `sealmail portal` started as a process on a loopback port and driven
//! over HTTP; passcode mail through a real Postfix into a real Dovecot; ID tokens from a real
//! OpenID Connect provider and tokens minted to fail; an independent Python implementation of
//! the format sealing and opening against sealmail; abuse cases; restart; a privacy scan.
//!
//! Every portal here keeps its state in SQLite; `tests/portal_pg.rs` runs the same tests over
//! PostgreSQL.

#[path = "support/mod.rs"]
mod support;

#[path = "portal/common.rs"]
mod common;

/// The database every portal of this binary runs on.
const BACKEND: common::Backend = common::Backend::Sqlite;

#[path = "portal/abuse.rs"]
mod abuse;
#[path = "portal/flows.rs"]
mod flows;
#[path = "portal/interop.rs"]
mod interop;
#[path = "portal/lockout.rs"]
mod lockout;
#[path = "portal/oidc.rs"]
mod oidc;
#[path = "portal/over_imap.rs"]
mod over_imap;
#[path = "portal/privacy.rs"]
mod privacy;
#[path = "portal/replies.rs"]
mod replies;
#[path = "portal/rotation.rs"]
mod rotation;
#[path = "portal/smtp.rs"]
mod smtp;
