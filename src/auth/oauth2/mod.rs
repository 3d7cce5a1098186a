//! OAuth2 for the mail account (IMAP `XOAUTH2` / `OAUTHBEARER`): provider presets, the device
//! authorization grant (RFC 8628), the refresh grant, where the refresh token lives, and a
//! keeper that hands out a valid access token and refreshes it before it expires. Tokens live
//! in `SecretString`s; none is ever logged or written to a file by sealmail.
//! No ratatui or crossterm here.
//!
//! | file       | role                                                                  |
//! |------------|-----------------------------------------------------------------------|
//! | `provider` | `microsoft` / `google` / `custom`: endpoints and scopes                |
//! | `grant`    | the HTTP calls: discovery, device code, token poll, refresh           |
//! | `words`    | provider errors (OAuth codes, Microsoft `AADSTS` codes) in plain words |
//! | `store`    | the opt-in refresh-token store: a pair of user commands               |
//! | `keeper`   | the token set, refresh before expiry, the device sign-in              |

mod grant;
mod keeper;
mod provider;
mod store;
mod words;

pub use grant::{DeviceCode, Endpoints, GrantError, Poll, TokenSet};
pub use keeper::TokenKeeper;
pub use provider::{Mechanism, OAuthSettings, Provider, TokenStore};
pub use words::{aadsts_meaning, explain};
