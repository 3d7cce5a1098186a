//! Screen snapshots: every screen and state of the reader, drawn through `TestBackend` at a
//! fixed size with a fixed clock. Review changes with `cargo insta review`.

#[path = "screens/fixtures.rs"]
mod fixtures;

#[path = "screens/accounts.rs"]
mod accounts;

#[path = "screens/cache.rs"]
mod cache;
#[path = "screens/compose.rs"]
mod compose;
#[path = "screens/compose_complete.rs"]
mod compose_complete;
#[path = "screens/compose_editor.rs"]
mod compose_editor;
#[path = "screens/folders.rs"]
mod folders;

#[path = "screens/hostile.rs"]
mod hostile;

#[path = "screens/keys.rs"]
mod keys;

#[path = "screens/links.rs"]
mod links;

#[path = "screens/metrics.rs"]
mod metrics;

#[path = "screens/save.rs"]
mod save;

#[path = "screens/search.rs"]
mod search;
#[path = "screens/source.rs"]
mod source;

#[path = "screens/triage.rs"]
mod triage;

#[path = "screens/notices.rs"]
mod notices;

#[path = "screens/portal.rs"]
mod portal;

#[path = "screens/protected.rs"]
mod protected;

#[path = "screens/reader.rs"]
mod reader;

#[path = "screens/signin.rs"]
mod signin;

#[path = "screens/threads.rs"]
mod threads;
