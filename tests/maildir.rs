//! The Maildir source driven through its channels, on temporary Maildirs; and the demo mailbox.

mod maildir {
    pub mod actor;
    pub mod demo;
    pub mod fixture;
    pub mod live;
    pub mod search;
    pub mod threads;
    pub mod triage;
}
