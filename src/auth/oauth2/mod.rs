//! OAuth2 and OpenID Connect: provider presets, the device sign-in (RFC 8628) that both the
//! mail account (IMAP `XOAUTH2` / `OAUTHBEARER`) and the sealed flow (an ID token for a
//! portal) use, the refresh grant, where the refresh token lives, and a keeper that hands out
//! a valid access token and refreshes it before it expires. Tokens live in `SecretString`s;
//! none is ever logged or written to a file by sealmail.
//! No ratatui or crossterm here.
//!
//! | file       | role                                                                  |
//! |------------|-----------------------------------------------------------------------|
//! | `provider` | `microsoft` / `google` / `custom`: endpoints and scopes                |
//! | `grant`    | the HTTP calls: discovery, device code, token poll, refresh           |
//! | `signin`   | the device sign-in: start, then its steps (waiting, signed in, …)     |
//! | `words`    | provider errors (OAuth codes, Microsoft `AADSTS` codes) in plain words |
//! | `store`    | the opt-in refresh-token store: a pair of user commands               |
//! | `keeper`   | the token set, refresh before expiry, the device sign-in              |

mod grant;
mod keeper;
mod provider;
mod signin;
mod store;
mod words;

pub use grant::{Client, Endpoints, GrantError, TokenSet, discover};
pub use keeper::TokenKeeper;
pub use provider::{Mechanism, OAuthSettings, Provider, TokenStore};
pub use signin::{SignIn, SignInPrompt, SignInState, Step};
pub use words::{aadsts_meaning, explain};
