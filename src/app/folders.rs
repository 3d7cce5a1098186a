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
    Some(match (access.read_only, kept(access)) {
        (true, _) => "read-only: no flag changes".into(),
        (false, None) => "no flag changes are kept here".into(),
        (false, Some(kept)) => format!("{} is not kept here (only {kept})", flag.imap_name()),
    })
}

/// The flags the folder keeps, by name; `None` for none.
fn kept(access: FolderAccess) -> Option<String> {
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
    (!names.is_empty()).then(|| names.join(" "))
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
    state.notice = Some(Notice::new(
        &format!("{}: {reason}", not_done(flag, on)),
        true,
    ));
}

/// A folder could not be selected any more. When it is the open one, INBOX opens instead
/// (unless it is INBOX itself that failed).
pub fn gone(state: &mut AppState, folder: &str, reason: &str) -> Vec<Command> {
    let shown = state
        .folders
        .list
        .iter()
        .find(|f| f.name == folder)
        .map_or_else(|| folder.to_owned(), |f| f.display.to_string());
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
    state.notice = Some(Notice::new(&text, true));
    commands
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::clock::Clock;
    use crate::app::keymap::Keymap;
    use crate::app::state::ReaderSettings;
    use crate::mail::SourceCommand;

    fn state_in(folder: &str) -> AppState {
        let mut state = AppState::new(
            ReaderSettings::default(),
            Keymap::defaults(),
            Clock::fixed_utc(0),
            "test".into(),
        );
        state.folder.name = folder.into();
        state.folder.display = crate::sanitize::Clean::line(folder);
        state
    }

    #[test]
    fn the_open_folder_gone_opens_inbox_and_says_why() {
        let mut state = state_in("Projects");
        let commands = gone(&mut state, "Projects", "Mailbox doesn't exist");
        assert!(
            commands.iter().any(|c| matches!(
                c,
                Command::Source(SourceCommand::OpenFolder { folder, .. }) if folder == "INBOX"
            )),
            "{commands:?}"
        );
        assert_eq!(state.folder.name, "INBOX");
        let notice = state.notice.expect("a notice");
        assert!(notice.error);
        assert_eq!(
            notice.text,
            "cannot open Projects: Mailbox doesn't exist; showing INBOX"
        );
    }

    #[test]
    fn inbox_gone_stops_waiting_and_another_folder_gone_changes_nothing_open() {
        let mut state = state_in("INBOX");
        assert!(gone(&mut state, "INBOX", "no").is_empty());
        assert!(
            state.folder.opened && state.folder.done,
            "no endless opening…"
        );
        let mut state = state_in("INBOX");
        assert!(gone(&mut state, "Old", "\x1b[2Jno").is_empty());
        assert_eq!(state.folder.name, "INBOX");
        let text = state.notice.expect("a notice").text;
        assert!(!text.contains('\x1b'), "{text:?}");
    }

    #[test]
    fn flags_the_folder_does_not_keep_are_explained() {
        let mut state = state_in("Board");
        state.folder.access = FolderAccess {
            read_only: false,
            permanent: Flags::SEEN,
        };
        assert_eq!(not_offered(&state, Flags::SEEN), None);
        assert_eq!(
            not_offered(&state, Flags::FLAGGED).as_deref(),
            Some("\\Flagged is not kept here (only \\Seen)")
        );
        state.folder.access.permanent = Flags::default();
        assert_eq!(
            not_offered(&state, Flags::SEEN).as_deref(),
            Some("no flag changes are kept here")
        );
        state.folder.access.read_only = true;
        assert_eq!(
            not_offered(&state, Flags::SEEN).as_deref(),
            Some("read-only: no flag changes")
        );
    }
}
