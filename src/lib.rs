//! sealmail: a keyboard-driven terminal mail reader that reads encrypted-portal mail inline.
//!
//! Module map and layering (see `docs/architecture.md`):
//!
//! | module      | role                                                              | must not import            |
//! |-------------|-------------------------------------------------------------------|----------------------------|
//! | `secret`    | zeroizing secret strings and bytes that print as `[redacted]`     | anything of ours           |
//! | `net`       | which hosts are loopback; the system's trusted roots, loaded once | anything of ours           |
//! | `sanitize`  | makes text from mail or servers safe to put on a terminal         | anything of ours           |
//! | `mail`      | the mail domain model and the source interface (commands, events) | ratatui, crossterm         |
//! | `mime`      | raw RFC 5322 bytes -> the reader's message view; HTML to text     | ratatui, crossterm, tokio  |
//! | `imap`      | the IMAP actor: owns one async-imap session over rustls           | ratatui, crossterm         |
//! | `maildir`   | the Maildir actor: the same interface as `imap`, for local mail   | ratatui, crossterm         |
//! | `demo`      | the demo mailbox, embedded; written to a private temp Maildir     | ratatui, crossterm         |
//! | `portal`    | portal-mail detection, the sealed format, the portal API client   | ratatui, crossterm         |
//! | `auth`      | the device sign-in (one engine for IMAP and sealed mail), tokens  | ratatui, crossterm, reader |
//! | `server`    | the portal service (axum, SQLite)                                 | ratatui, crossterm         |
//! | `config`    | the TOML config as types; secret sources and paths beside it      | ratatui, crossterm         |
//! | `app`       | the reader: state, `Action`, `Msg`, `Command`, `update`, run loop | network crates             |
//! | `ui`        | pure view functions over borrowed app state                       | tokio, network crates      |
//! | `script`    | scripted headless runs for testers (on top of `app`)               | network crates             |
//! | `cli`       | one file per subcommand: wiring only                              | —                          |
//!
//! Only `app::update` changes the reader's state; background work reports back as messages.
//! `auth` knows nothing of the reader (`mail`, `app`, `ui`, `imap`): its callers turn the
//! sign-in's steps into their own events (a test under `auth` checks this).
#![forbid(unsafe_code)]

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod imap;
pub mod mail;
pub mod maildir;
pub mod metrics;
pub mod mime;
pub mod net;
pub mod portal;
pub mod sanitize;
pub mod script;
pub mod secret;
pub mod server;
pub mod tui;
pub mod ui;
