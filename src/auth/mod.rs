//! Sign-in flows: the OAuth2 / OpenID Connect device authorization grant and the passcode flow.
//! No ratatui or crossterm here.

pub mod guard;
pub mod oauth2;
