//! The sealed-message flow worker, driven through its channels against real parts: the portal
//! (`sealmail portal`), messages sealed with `sealmail seal` and delivered through Postfix into
//! Dovecot, passcode mail read back from the Maildir, device sign-ins at the `oidc-provider`
//! IdP approved or denied over HTTP; the demo's embedded portal; and a scan of everything the
//! flow could have written for the plaintext and the secrets.

#[path = "support/mod.rs"]
mod support;

#[path = "portal/common.rs"]
mod common;

/// The database the portals of this binary run on.
const BACKEND: common::Backend = common::Backend::Sqlite;

#[path = "flow/harness.rs"]
mod harness;

#[path = "flow/crypto.rs"]
mod crypto;
#[path = "flow/demo.rs"]
mod demo;
#[path = "flow/device.rs"]
mod device;
#[path = "flow/passcode.rs"]
mod passcode;
#[path = "flow/reply.rs"]
mod reply;
#[path = "flow/scale.rs"]
mod scale;
#[path = "flow/sender.rs"]
mod sender;
#[path = "flow/trust.rs"]
mod trust;
