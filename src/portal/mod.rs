//! Portal mail: detection of every vendor's encrypted-portal mail, the open sealed-message
//! format, and the client for the portal API. No ratatui or crossterm here.

pub mod advice;
pub mod detect;
