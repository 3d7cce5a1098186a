//! Sealed messages: the open format (`docs/protocol.md`) and the reader's side of opening one.
//! No ratatui or crossterm here.
//!
//! The format: [`fields`] holds the shared field rules, [`envelope`] the encrypted JSON
//! object, [`message`] the RFC 5322 message around it, [`seal`] makes one ([`sender`] registers
//! it with a sender token), [`api`] the portal API's bodies and error codes,
//! [`passcode_mail`] the mail that carries a one-time passcode.
//! The reader's side: [`client`] speaks the portal API, [`flow`] is the worker that runs a
//! sealed message's sign-in and decryption for the reader, [`reply`] seals an answer to one.
//! The portal service itself is the `portal` module; other vendors' portal mail is `detect`'s.

pub mod api;
pub mod client;
pub mod envelope;
pub mod fields;
pub mod flow;
pub mod message;
pub mod passcode_mail;
pub mod reply;
pub mod seal;
pub mod sender;
