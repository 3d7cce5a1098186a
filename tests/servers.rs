//! Protocol behaviour against every test IMAP server: Dovecot, and Cyrus in Debian's and in
//! upstream's namespace style. Each test body takes a [`support::ServerKind`] and
//! `on_every_server!` makes one `#[tokio::test]` per server, named `MODULE::SERVER::TEST`
//! (`cargo test --test servers cyrus_upstream` runs the upstream-style Cyrus ones). The
//! reader's real IMAP actor is driven through its channels, as in `tests/reader/`.

#[path = "support/mod.rs"]
mod support;

#[path = "reader/common.rs"]
#[allow(dead_code)]
mod common;

/// One test per server for each listed `async fn NAME(kind: ServerKind)` of the module.
macro_rules! on_every_server {
    ($($test:ident),* $(,)?) => {
        mod dovecot {
            $(#[tokio::test]
            async fn $test() {
                super::$test(crate::support::ServerKind::Dovecot).await
            })*
        }
        mod cyrus_debian {
            $(#[tokio::test]
            async fn $test() {
                super::$test(crate::support::ServerKind::CyrusDebian).await
            })*
        }
        mod cyrus_upstream {
            $(#[tokio::test]
            async fn $test() {
                super::$test(crate::support::ServerKind::CyrusUpstream).await
            })*
        }
    };
}

#[path = "servers/common.rs"]
mod server_common;

#[path = "servers/cache.rs"]
mod cache;
#[path = "servers/concurrent.rs"]
mod concurrent;
#[path = "servers/connect.rs"]
mod connect;
#[path = "servers/fault.rs"]
mod fault;
#[path = "servers/folders.rs"]
mod folders;
#[path = "servers/live.rs"]
mod live;
#[path = "servers/parts.rs"]
mod parts;
#[path = "servers/save.rs"]
mod save;
#[path = "servers/search.rs"]
mod search;
#[path = "servers/threads.rs"]
mod threads;
#[path = "servers/tree.rs"]
mod tree;
#[path = "servers/triage.rs"]
mod triage;
#[path = "servers/words.rs"]
mod words;
