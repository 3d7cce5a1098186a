//! Standard encrypted mail opened in memory: OpenPGP through the user's own GnuPG (`gpg`, its
//! keyring, agent and smartcards; [`gpg`]), and S/MIME decrypted, verified and produced in pure
//! Rust with the user's certificate and key ([`smime`]). [`open`] finds what protects a
//! message, opens it layer by layer and builds what the pane shows; [`verdict`] is what a
//! person is told about it; [`produce`] signs and encrypts outgoing mail. What it reads and
//! what comes out never touches the disk: the plaintext is held in zeroizing memory and never
//! logged. No terminal crates.

#![cfg_attr(not(test), deny(clippy::string_slice, clippy::indexing_slicing))]

pub mod armor;
pub mod gpg;
pub mod open;
pub mod produce;
pub mod smime;
pub mod verdict;
