//! What the user can ask for. Each action's doc line is its help text, and its name is what
//! `assets/keymap.toml` binds keys to.

macro_rules! actions {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $name:literal, )*) => {
        /// A user intent, resolved from a key by the keymap.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $( $(#[doc = $doc])+ $variant, )*
        }

        impl Action {
            /// Every action, in help order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The name used in keymap files.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name,)* }
            }

            /// One line of help, taken from the action's documentation.
            pub fn help(self) -> &'static str {
                match self { $(Action::$variant => concat!($($doc),+).trim_ascii(),)* }
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name { $($name => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

/// How many lines the help shows: one per action, a blank line, the search language.
pub fn help_lines() -> usize {
    Action::ALL.len() + 1 + crate::mail::search::QUERY_HELP.len()
}

actions! {
    /// Move down one line
    Down = "down",
    /// Move up one line
    Up = "up",
    /// Move down one page
    PageDown = "page_down",
    /// Move up one page
    PageUp = "page_up",
    /// Go to the top (the newest message)
    Top = "top",
    /// Go to the bottom (the oldest message)
    Bottom = "bottom",
    /// Open the selected folder or message
    Open = "open",
    /// Close help, filter or message; quit from the list
    Back = "back",
    /// Quit sealmail at once
    Quit = "quit",
    /// Switch pane: folders, message list, message
    NextPane = "next_pane",
    /// Filter the loaded list by sender or subject
    Filter = "filter",
    /// Search the folder on the server (the queries are below)
    Search = "search",
    /// Show the folder as threads, or flat again
    ToggleThreads = "toggle_threads",
    /// Collapse the selected message's thread
    CollapseThread = "collapse_thread",
    /// Expand the selected message's thread
    ExpandThread = "expand_thread",
    /// Collapse every thread, or expand them all
    ToggleAllThreads = "toggle_all_threads",
    /// Go to the next thread
    NextThread = "next_thread",
    /// Go to the previous thread
    PrevThread = "prev_thread",
    /// Go to the next message of the thread
    NextInThread = "next_in_thread",
    /// Go to the previous message of the thread
    PrevInThread = "prev_in_thread",
    /// Switch between split view and full message view
    ToggleLayout = "toggle_layout",
    /// Read the folder list again from the server
    RefreshFolders = "refresh_folders",
    /// Flag or unflag the selected message
    ToggleFlag = "toggle_flag",
    /// Mark the selected message read or unread
    ToggleSeen = "toggle_seen",
    /// Mark or unmark the selected message
    ToggleMark = "toggle_mark",
    /// Mark every message the list shows
    MarkAll = "mark_all",
    /// Clear every mark
    ClearMarks = "clear_marks",
    /// Delete (to Trash; in Trash, for good)
    Delete = "delete",
    /// Move to the Archive folder
    Archive = "archive",
    /// Move to a folder chosen by name
    MoveTo = "move",
    /// Copy to a folder chosen by name
    CopyTo = "copy",
    /// Undo the last move, delete to Trash or archive
    Undo = "undo",
    /// Create a folder (folder pane)
    CreateFolder = "create_folder",
    /// Rename the selected folder (folder pane)
    RenameFolder = "rename_folder",
    /// Delete the selected folder, after asking (folder pane)
    DeleteFolder = "delete_folder",
    /// Write a new message
    Compose = "compose",
    /// Reply to the sender of the open (or selected) message
    Reply = "reply",
    /// Reply to the sender and everyone the message went to
    ReplyAll = "reply_all",
    /// Forward the open (or selected) message, its text inline
    Forward = "forward",
    /// Forward the message as an attachment, whole
    ForwardAttached = "forward_attached",
    /// Write on the open (or selected) draft again
    ResumeDraft = "resume_draft",
    /// Trust a sealed message's portal (asked once per portal)
    TrustPortal = "trust_portal",
    /// Fill in the passcode that arrived by mail, and submit it
    FillPasscode = "fill_passcode",
    /// Ask the portal for a new passcode
    NewPasscode = "new_passcode",
    /// Copy a link of the open message (OSC 52, works over SSH)
    CopyLink = "copy_link",
    /// Open a link of the open message in $BROWSER
    OpenLink = "open_link",
    /// Show every header field of the open message
    ShowHeaders = "show_headers",
    /// Show the open message's whole source
    ShowSource = "show_source",
    /// Save attachments of the open message
    SaveAttachments = "save_attachments",
    /// Open an attachment of the open message in its viewer
    OpenAttachment = "open_attachment",
    /// Pipe an attachment to a command and show what it writes
    PipeAttachment = "pipe_attachment",
    /// Show or hide the metrics panel (with --metrics)
    ToggleMetrics = "toggle_metrics",
    /// Show the notice history: alerts and errors in full
    Notices = "notices",
    /// List the session's accounts and switch to another
    Accounts = "accounts",
    /// Show or hide this help
    Help = "help",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_unique_name_and_help() {
        let mut names: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
        for a in Action::ALL {
            assert!(!a.help().is_empty());
            assert_eq!(Action::from_name(a.name()), Some(*a));
        }
        assert_eq!(Action::Down.help(), "Move down one line");
    }
}
