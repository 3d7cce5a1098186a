//! The search query language: any text parsed as the search prompt parses it, then split for
//! the server, turned into IMAP criteria and the command the reader sends, and matched against
//! a message as a Maildir search does. Never panics, never recurses without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealmail::mail::query::{self, Facts, FlagTerm, HeaderField, Plan, PortalKind};

struct Message<'a>(&'a str);

impl Facts for Message<'_> {
    fn header(&self, _: HeaderField) -> Option<&str> {
        Some(self.0)
    }
    fn body(&self) -> Option<&str> {
        Some(self.0)
    }
    fn date(&self) -> i64 {
        1_700_000_000
    }
    fn size(&self) -> u64 {
        self.0.len() as u64
    }
    fn flag(&self, flag: FlagTerm) -> bool {
        flag == FlagTerm::Seen
    }
    fn has_attachment(&self) -> bool {
        true
    }
    fn portal(&self) -> Option<PortalKind> {
        Some(PortalKind::Sealed)
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
    let Ok(query) = query::parse(&text, today) else {
        return;
    };
    let _ = query.matches(&Message(&text));
    match query.split() {
        Plan::Server(pieces) => {
            let _ = query::wire_preview(&pieces);
        }
        Plan::Mixed { searches, tree } => {
            for pieces in &searches {
                let _ = query::wire_preview(pieces);
            }
            let _ = tree.matches(&|i| i % 2 == 0, &|_| true);
        }
    }
});
