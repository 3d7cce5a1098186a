//! Sign-in: the OAuth2 / OpenID Connect device sign-in (one engine for the mail account and
//! sealed messages) and the rules for what an identity provider sends. It knows nothing of the
//! reader's events: callers turn its steps into their own (`tests/layering.rs` checks that it
//! imports nothing above it). No ratatui or crossterm here.

pub mod guard;
pub mod oauth2;
pub mod sasl;
