//! sealmail: a keyboard-driven terminal mail reader that reads encrypted-portal mail inline.
//!
//! Module map and layering (see `docs/architecture.md`). A module imports only modules of
//! the layers below its own, and modules of one layer know nothing of each other;
//! `tests/layering.rs` checks this over the source (`cargo test --test layering`).
//!
//! | layer | module     | role                                                                 |
//! |-------|------------|----------------------------------------------------------------------|
//! | 0     | `error`    | the error type every layer reports with                              |
//! | 0     | `sanitize` | makes text safe for a terminal; `Clean`, the text the views print    |
//! | 0     | `metrics`  | the reader's opt-in counters and latency histograms                  |
//! | 1     | `net`      | which hosts are loopback; the system's roots; the one HTTP client    |
//! | 1     | `secret`   | zeroizing secrets; where a secret comes from; the secret-command runner |
//! | 1     | `paths`    | where sealmail keeps its files                                       |
//! | 1     | `process`  | waiting for a child process with a deadline                          |
//! | 2     | `auth`     | the device sign-in (one engine for IMAP and sealed mail), tokens     |
//! | 2     | `mime`     | raw RFC 5322 bytes -> the reader's message view; HTML to text        |
//! | 3     | `sealed`   | sealed messages: the open format, the portal API client, the flow worker |
//! | 4     | `detect`   | every vendor's portal mail: genuine, suspicious or unverified        |
//! | 5     | `mail`     | the mail domain model and the source interface (commands, events)    |
//! | 6     | `imap`     | the IMAP actor: owns one async-imap session over rustls              |
//! | 6     | `maildir`  | the Maildir actor: the same interface as `imap`, for local mail      |
//! | 6     | `portal`   | the portal service, `sealmail portal` (axum, SQLite)                 |
//! | 6     | `cache`    | the header cache: list rows on disk, served before the server answers |
//! | 6     | `submit`   | sending: MIME built from what the user wrote, SMTP submission         |
//! | 6     | `crypto`   | OpenPGP opened in memory through the user's own `gpg`                 |
//! | 7     | `app`      | the reader: state, `Action`, `Msg`, `Command`, `update`, pane geometry |
//! | 7     | `demo`     | the demo mailbox, embedded; written to a private temp Maildir        |
//! | 8     | `ui`       | pure view functions over borrowed app state                          |
//! | 8     | `config`   | the TOML config as types, turned into each layer's settings          |
//! | 9     | `tui`      | the drivers: the terminal loop and the headless screen               |
//! | 10    | `script`   | scripted headless runs for testers                                   |
//! | 11    | `cli`      | one file per subcommand: wiring only                                 |
//!
//! Below `app`, no module names ratatui or crossterm; `app` and `ui` name no network crate.
//! Only `app::update` changes the reader's state; background work reports back as messages.
#![forbid(unsafe_code)]

pub mod app;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod detect;
pub mod error;
pub mod imap;
pub mod mail;
pub mod maildir;
pub mod metrics;
pub mod mime;
pub mod net;
pub mod paths;
pub mod portal;
pub mod process;
pub mod sanitize;
pub mod script;
pub mod sealed;
pub mod secret;
pub mod submit;
pub mod tui;
pub mod ui;
