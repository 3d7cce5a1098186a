//! The Maildir source: local mail behind the same interface as IMAP.
