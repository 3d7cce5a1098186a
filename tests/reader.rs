//! The IMAP reader against a real Dovecot: login, TLS and STARTTLS policy, folders, the
//! windowed load of a large folder, opening a message, IDLE and reconnecting. Each test
//! drives the IMAP actor through its channels and asserts on the events it reports.

#[path = "support/mod.rs"]
mod support;

#[path = "reader/common.rs"]
mod common;

#[path = "reader/connect.rs"]
mod connect;
#[path = "reader/folder.rs"]
mod folder;
#[path = "reader/folders.rs"]
mod folders;
#[path = "reader/hostile.rs"]
mod hostile;
#[path = "reader/live.rs"]
mod live;
#[path = "reader/parts.rs"]
mod parts;
#[path = "reader/scripted.rs"]
mod scripted;

#[allow(dead_code)]
#[path = "harness/imap_raw.rs"]
mod imap_raw;
#[path = "reader/words.rs"]
mod words;
