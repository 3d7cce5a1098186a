//! Standard encrypted mail opened in memory: OpenPGP through the user's own GnuPG (`gpg`, its
//! keyring, agent and smartcards; [`gpg`]). What it reads and what comes out never touches the
//! disk: the plaintext is held in zeroizing memory and never logged. No terminal crates.

pub mod gpg;
pub mod smime;
