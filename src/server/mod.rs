//! The portal service: key release to verified recipients (axum, SQLite). No ratatui here.
