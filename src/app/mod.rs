//! The reader: state, actions, messages, commands, `update` and the run loop.
//!
//! Flow: a key or a source event becomes a [`msg::Msg`]; [`update::update`] changes the
//! [`state::AppState`] and returns [`msg::Command`]s; the run loop sends them to the source
//! actor and draws once per batch of messages, only when something changed.

pub mod accounts;
pub mod action;
pub mod cache;
pub mod clock;
pub mod compose;
pub mod compose_complete;
pub mod compose_editor;
pub mod compose_path;
pub mod context;
pub mod folder_edit;
pub mod folders;
pub mod identities;
pub mod key;
pub mod keymap;
pub mod layout;
pub mod links;
pub mod list;
pub mod marks;
pub mod msg;
pub mod notices;
pub mod picker;
pub mod protected;
pub mod save;
pub mod sealed;
pub mod search;
pub mod search_all;
pub mod signin;
pub mod source;
pub mod state;
pub mod threads;
pub mod triage;
pub mod update;
pub mod wrap;
