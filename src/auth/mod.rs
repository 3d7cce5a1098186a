//! Sign-in flows: the OAuth2 / OpenID Connect device authorization grant and the passcode flow.

pub mod device;
