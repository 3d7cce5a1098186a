//! Writing mail, end to end: messages built by sealmail and submitted to a real Postfix on
//! loopback, which delivers them into a real Dovecot; each is read back over IMAP. Server
//! tests run as root with the harness's servers (see `docs/testing.md`); a server that cannot
//! start fails the test.

#[path = "support/mod.rs"]
mod support;

#[path = "compose/common.rs"]
mod common;

#[path = "compose/submit.rs"]
mod submit;

#[path = "compose/sent.rs"]
mod sent;

#[path = "compose/demo.rs"]
mod demo;

#[path = "compose/interrupted.rs"]
mod interrupted;
