//! The IMAP actor: owns one async-imap session over rustls; commands in, events out.
