//! Tests of the test harness itself: the servers in `tests/support/` start, speak their
//! protocols on loopback, verify against the test CA, deliver mail and stop cleanly.

#[path = "support/mod.rs"]
mod support;

#[path = "harness/imap_raw.rs"]
mod imap_raw;

#[path = "harness/cyrus.rs"]
mod cyrus;
#[path = "harness/dovecot.rs"]
mod dovecot;
#[path = "harness/idp.rs"]
mod idp;
#[path = "harness/postfix.rs"]
mod postfix;
#[path = "harness/postgres.rs"]
mod postgres;
