//! Portal mail: detection of every vendor's encrypted-portal mail, the open sealed-message
//! format, and the client for the portal API. No ratatui or crossterm here.
//!
//! The sealed format is specified in `docs/protocol.md`: [`fields`] holds the shared field
//! rules, [`envelope`] the encrypted JSON object, [`sealed`] the RFC 5322 message around it,
//! [`api`] the HTTP API's bodies and error codes, and [`client`] the reader's side of the API.

pub mod advice;
pub mod api;
pub mod client;
pub mod detect;
pub mod envelope;
pub mod fields;
pub mod flow;
pub mod http;
pub mod passcode_mail;
pub mod seal;
pub mod sealed;
