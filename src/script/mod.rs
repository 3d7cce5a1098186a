//! Scripted screens for testers: the reader runs headless on a virtual screen and follows a
//! script of keys, waits, snapshots and expectations (`sealmail script`, `docs/scripting.md`).

pub mod ansi;
pub mod parse;
pub mod run;
