//! The reader's side of folders and flags: what an open folder allows, a flag change the
//! server refused, a folder gone from the server. Called by `update` only.

use super::msg::Command;
use super::state::{AppState, Notice};
use crate::mail::{Flags, FolderAccess};

/// What the status line calls a flag change that did not happen (short: the status line
/// is narrow, and the server's reason follows).
fn not_done(flag: Flags, on: bool) -> &'static str {
    match (flag, on) {
        (Flags::SEEN, true) => "not marked read",
        (Flags::SEEN, false) => "not marked unread",
        (Flags::FLAGGED, true) => "not flagged",
        (Flags::FLAGGED, false) => "not unflagged",
        (_, true) => "flag not set",
        (_, false) => "flag not cleared",
    }
}

/// Why a flag change is not offered in the open folder, if it is not.
pub fn not_offered(state: &AppState, flag: Flags) -> Option<String> {
    let access = state.folder.access;
    if access.can_change(flag) {
        return None;
    }
    // The status line names the folder and says "read-only" already.
    Some(if access.read_only {
        "read-only: no flag changes".into()
    } else {
        format!(
            "{} is not kept here (only {})",
            flag.imap_name(),
            allowed(access)
        )
    })
}

fn allowed(access: FolderAccess) -> String {
    let names: Vec<&str> = [
        Flags::SEEN,
        Flags::ANSWERED,
        Flags::FLAGGED,
        Flags::DELETED,
        Flags::DRAFT,
    ]
    .into_iter()
    .filter(|f| access.permanent.contains(*f))
    .map(Flags::imap_name)
    .collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(" ")
    }
}

/// The server refused a flag change: the row shows what the server has, and the status
/// line says why.
pub fn refused(
    state: &mut AppState,
    uid: u32,
    flag: Flags,
    on: bool,
    now: Option<Flags>,
    reason: &str,
) {
    let flags = now.or_else(|| {
        state.folder.rows.row_by_uid(uid).map(|row| {
            let mut flags = row.flags;
            flags.set(flag, !on);
            flags
        })
    });
    if let Some(flags) = flags {
        state.folder.rows.set_flags(uid, flags);
    }
    state.notice = Some(Notice {
        text: crate::sanitize::line(&format!("{}: {reason}", not_done(flag, on))).into_owned(),
        error: true,
    });
}

/// A folder could not be selected any more. When it is the open one, INBOX opens instead
/// (unless it is INBOX itself that failed).
pub fn gone(state: &mut AppState, folder: &str, reason: &str) -> Vec<Command> {
    let shown = state
        .folders
        .list
        .iter()
        .find(|f| f.name == folder)
        .map_or_else(|| folder.to_owned(), |f| f.display.clone());
    let open = state.folder.name == folder;
    let inbox = folder.eq_ignore_ascii_case("INBOX");
    let mut text = format!("cannot open {shown}: {reason}");
    let mut commands = Vec::new();
    if open && !inbox {
        text.push_str("; showing INBOX");
        commands = super::update::open_inbox(state);
    } else if open {
        state.folder.opened = true;
        state.folder.done = true;
    }
    state.notice = Some(Notice {
        text: crate::sanitize::line(&text).into_owned(),
        error: true,
    });
    commands
}
