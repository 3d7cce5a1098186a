//! The OpenID Connect provider: device flow approved and denied by "the user on another
//! device", tokens Dovecot accepts.
