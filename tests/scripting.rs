//! `sealmail script`: the project's own reader scripts run against real servers, and the
//! runner's failures (a mismatched `expect`, a timeout, a bad step) are reported as documented.

#[path = "support/mod.rs"]
mod support;

#[path = "portal/common.rs"]
mod common;

/// The database the portals of this binary run on.
const BACKEND: common::Backend = common::Backend::Sqlite;

#[path = "scripting/accounts.rs"]
mod accounts;

#[path = "scripting/metrics.rs"]
mod metrics;

#[path = "scripting/runs.rs"]
mod runs;

#[path = "scripting/sealed.rs"]
mod sealed;

#[path = "scripting/compose.rs"]
mod compose;

#[path = "scripting/answered.rs"]
mod answered;
