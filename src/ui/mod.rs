//! Pure view functions over borrowed reader state. No tokio, no network crates.

pub mod qr;
