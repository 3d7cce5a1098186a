//! OAuth2 sign-in to IMAP against real servers: Dovecot with an `oauth2` passdb that checks
//! tokens by introspection at the `oidc-provider` IdP, the device code approved (or denied)
//! by the test over HTTP. The IMAP actor is driven through its channels; the last tests run
//! the real binary and scan what it wrote for tokens.

#[path = "support/mod.rs"]
mod support;

#[path = "oauth/common.rs"]
mod common;

#[path = "oauth/hostile.rs"]
mod hostile;
#[path = "oauth/provider.rs"]
mod provider;
#[path = "oauth/refresh.rs"]
mod refresh;
#[path = "oauth/secrets.rs"]
mod secrets;
#[path = "oauth/sending.rs"]
mod sending;
#[path = "oauth/signin.rs"]
mod signin;
