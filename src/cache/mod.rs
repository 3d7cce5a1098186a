//! The header cache: what the message list shows of each message of a folder, kept on disk
//! between sessions so that a folder opens at once and is then brought up to date with the
//! server (QRESYNC, CONDSTORE, or a UID and flag comparison). It holds list rows and the
//! folder's UIDVALIDITY and HIGHESTMODSEQ only: never a body, never anything decrypted, never
//! a secret. No ratatui or crossterm here.
//!
//! | file    | role                                                                       |
//! |---------|----------------------------------------------------------------------------|
//! | `file`  | the format: encode, and a total decode that refuses damaged or foreign files |
//! | `store` | where the files live, private and written whole (write, flush, rename)      |
//! | `front` | the task between the reader and the IMAP actor that serves and keeps them   |

pub mod file;
pub mod front;
pub mod store;

pub use file::Version;
pub use store::Store;
