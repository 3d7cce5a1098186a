//! The portal suite of `tests/portal.rs` again, with every portal over PostgreSQL: a private
//! server per test binary, a fresh database per portal. Plus the tests of many instances on
//! one database, addressed directly and through HAProxy (`portal/scale.rs`).

#[path = "support/mod.rs"]
mod support;

#[path = "portal/common.rs"]
mod common;

/// The database every portal of this binary runs on.
const BACKEND: common::Backend = common::Backend::Postgres;

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
#[path = "portal/scale.rs"]
mod scale;
#[path = "portal/smtp.rs"]
mod smtp;
