//! `update(state, msg) -> commands`: the only place the reader's state changes. No I/O here.

use crate::mail::compose::DraftKind;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use ratatui_textarea::TextArea;

use super::action::Action;
use super::context::{Context, context};
use super::key::Key;
use super::layout;

use super::msg::{Command, Msg};
use super::notices::NoticeKind;
use super::state::{
    AppState, FilterInput, Focus, Layout, MessagePane, Notice, PaneContent, PaneView,
};
use crate::mail::{Flags, SourceCommand, SourceEvent, TransferKind};
use crate::sanitize::Clean;

/// The commands that start the reader: list folders and open the inbox.
pub fn startup(state: &mut AppState) -> Vec<Command> {
    let mut commands = vec![Command::Source(SourceCommand::ListFolders)];
    commands.extend(open_inbox(state));
    commands
}

/// Opens INBOX (at startup, and when the open folder is gone).
pub fn open_inbox(state: &mut AppState) -> Vec<Command> {
    open_folder(state, "INBOX".into(), Clean::line("INBOX"))
}

pub fn update(state: &mut AppState, msg: Msg) -> Vec<Command> {
    let before = state.notice.clone();
    let commands = update_inner(state, msg);
    // What the pane shows may have changed, unless all this message did was scroll it: its
    // length is measured again before the next scroll.
    if !std::mem::take(&mut state.pane_only_scrolled)
        && let Some(pane) = state.pane.as_mut()
    {
        pane.measured = None;
    }
    // Every notice the status line shows is kept, in full, in the history.
    if state.notice != before
        && let Some(notice) = &state.notice
        && state.notices.newest_first().next().map(|n| &n.text) != Some(&notice.text)
    {
        let kind = if notice.error {
            NoticeKind::Error
        } else {
            NoticeKind::Info
        };
        state.notices.record(state.clock.now(), &notice.text, kind);
    }
    commands
}

fn update_inner(state: &mut AppState, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(state, key),
        Msg::Key(_) => vec![],
        Msg::Paste(text) if state.composer.is_some() => {
            super::compose::on_paste(state, &text);
            vec![]
        }
        Msg::Paste(text) if state.picker.is_some() => {
            super::picker::on_paste(state, &text);
            vec![]
        }
        Msg::Paste(text) if state.save_prompt.is_some() => {
            super::save::on_paste(state, &text);
            vec![]
        }
        Msg::Paste(text) if state.folder_prompt.is_some() => {
            super::folder_edit::on_paste(state, &text);
            vec![]
        }
        Msg::Paste(text) if state.search_prompt.is_some() => {
            super::search::on_paste(state, &text);
            vec![]
        }
        Msg::Paste(text) => {
            if let Some(filter) = state.filter.as_mut().filter(|f| f.editing) {
                // The input holds only clean text: line breaks and tabs become spaces, controls
                // visible pictures, so the view prints it as it is.
                filter.input.insert_str(Clean::line(&text).as_str());
                apply_filter(state);
            }
            vec![]
        }
        Msg::Resize(w, h) => {
            state.viewport = (w, h);
            let rows = layout::list_rows(state);
            state.folder.rows.scroll_into_view(rows);
            vec![]
        }
        Msg::Source(event) => on_source(state, event),
        Msg::Flow(event) => super::sealed::on_flow_event(state, event),
        // The countdown on screen moves: drawing again is all it takes.
        Msg::Tick => vec![],
        Msg::Unprotected { req, result } => super::protected::on_unprotected(state, req, result),
        Msg::Opened(result) => {
            super::save::on_opened(state, result);
            vec![]
        }
        Msg::Sent { req, result } => super::compose::on_sent(state, req, result),
        Msg::Postponed { req, result } => super::compose::on_postponed(state, req, result),
        Msg::AttachmentRead { req, path, result } => {
            super::compose::on_attachment_read(state, req, &path, result);
            vec![]
        }
        Msg::Piped { command, result } => {
            super::save::on_piped(state, &command, result);
            vec![]
        }
        Msg::AddressesFound { req, result } => {
            super::compose_complete::on_found(state, req, result);
            vec![]
        }
        Msg::DirectoryListed { req, result } => {
            super::compose_path::on_listed(state, req, result);
            vec![]
        }
        Msg::Edited { req, result } => {
            super::compose_editor::on_edited(state, req, result);
            vec![]
        }
    }
}

/// The one place keys are routed: a text input takes its own keys first; then the keymap
/// resolves the key in the context of what has the keyboard, and the context says what the
/// action does there.
fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Command> {
    let context = context(state);
    match context {
        Context::Filter => return on_filter_key(state, key),
        Context::LinkPrompt => return super::links::on_prompt_key(state, &key),
        Context::Confirm => return super::triage::on_confirm_key(state, &key),
        Context::Picker => return super::picker::on_key(state, &key),
        Context::SavePrompt => return super::save::on_key(state, &key),
        Context::FolderPrompt => return super::folder_edit::on_key(state, &key),
        Context::SearchPrompt => return super::search::on_key(state, &key),
        Context::SearchAll => return super::search_all::on_key(state, &key),
        Context::Accounts => return super::accounts::on_key(state, &key),
        Context::Compose => return super::compose::on_key(state, &key),
        Context::Passcode if super::sealed::on_key(state, &key) => return vec![],
        _ => {}
    }
    let Some(action) = state.keymap.within(context).action(&Key::from_event(&key)) else {
        return vec![];
    };
    match context {
        Context::Help => on_help_action(state, action),
        Context::Notices => on_notices_action(state, action),
        // An open portal message gives some actions a meaning of its own (choose a method,
        // submit a passcode); the rest are the pane's.
        Context::Message | Context::Passcode | Context::Choose => {
            state.notice = None;
            super::sealed::on_action(state, action).unwrap_or_else(|| on_action(state, action))
        }
        // The list and the folder pane; the contexts that take their own keys
        // (`Context::takes_own_keys`) were served above and have no keymap section.
        _ => {
            state.notice = None;
            on_action(state, action)
        }
    }
}

/// While the help is open: help or back closes it, quit quits, moves scroll it.
fn on_help_action(state: &mut AppState, action: Action) -> Vec<Command> {
    match action {
        Action::Help | Action::Back => state.help = false,
        Action::Quit => return quit(state),
        _ => scroll_help(state, action),
    }
    vec![]
}

/// While the notice history is open: scroll, close, quit.
fn on_notices_action(state: &mut AppState, action: Action) -> Vec<Command> {
    let page = state.viewport.1.saturating_sub(4).max(1) as usize;
    let log = &mut state.notices;
    match action {
        Action::Notices | Action::Back => log.open = false,
        Action::Quit => return quit(state),
        Action::Down => log.scroll = log.scroll.saturating_add(1),
        Action::Up => log.scroll = log.scroll.saturating_sub(1),
        Action::PageDown => log.scroll = log.scroll.saturating_add(page),
        Action::PageUp => log.scroll = log.scroll.saturating_sub(page),
        Action::Top => log.scroll = 0,
        Action::Bottom => log.scroll = usize::MAX,
        _ => {}
    }
    let most = state.notices.max_scroll(state.viewport);
    state.notices.scroll = state.notices.scroll.min(most);
    vec![]
}

/// Closes the message pane, telling the flow worker to forget a sealed message's secrets.
fn close_pane(state: &mut AppState) -> Vec<Command> {
    let commands = super::sealed::on_close(state);
    state.pane = None;
    commands
}

fn on_filter_key(state: &mut AppState, key: KeyEvent) -> Vec<Command> {
    match key.code {
        KeyCode::Esc => {
            state.filter = None;
            let rows = layout::list_rows(state);
            state.folder.rows.set_filter("", rows);
        }
        KeyCode::Enter => {
            let empty = state.folder.rows.filter_query().is_empty();
            if empty {
                state.filter = None;
            } else if let Some(f) = state.filter.as_mut() {
                f.editing = false;
            }
        }
        // A tab or a control character would put unclean text into the input.
        KeyCode::Tab | KeyCode::BackTab => {}
        KeyCode::Char(c) if c.is_control() => {}
        _ => {
            if let Some(f) = state.filter.as_mut() {
                f.input.input(key);
            }
            apply_filter(state);
        }
    }
    vec![]
}

fn apply_filter(state: &mut AppState) {
    let query = state
        .filter
        .as_ref()
        .map(|f| f.input.lines().join(" "))
        .unwrap_or_default();
    let rows = layout::list_rows(state);
    state.folder.rows.set_filter(query.trim(), rows);
}

fn on_action(state: &mut AppState, action: Action) -> Vec<Command> {
    match action {
        Action::Down => move_by(state, 1),
        Action::Up => move_by(state, -1),
        Action::PageDown => {
            let page = page(state);
            move_by(state, page)
        }
        Action::PageUp => {
            let page = page(state);
            move_by(state, -page)
        }
        Action::Top => move_by(state, isize::MIN / 2),
        Action::Bottom => move_by(state, isize::MAX / 2),
        Action::Open => open(state),
        Action::Back => back(state),
        Action::Quit => quit(state),
        Action::NextPane => {
            state.focus = match state.focus {
                Focus::Folders => Focus::List,
                Focus::List if state.pane.is_some() => Focus::Message,
                Focus::List | Focus::Message => Focus::Folders,
            };
            vec![]
        }
        Action::Compose => super::compose::new_message(state),
        Action::Reply => super::compose::respond(state, DraftKind::Reply),
        Action::ReplyAll => super::compose::respond(state, DraftKind::ReplyAll),
        Action::Forward => super::compose::respond(state, DraftKind::Forward),
        Action::ResumeDraft => super::compose::respond(state, DraftKind::Resumed),
        Action::ForwardAttached => super::compose::respond(state, DraftKind::ForwardAttached),
        Action::Filter => {
            let mut input = TextArea::default();
            input.insert_str(state.folder.rows.filter_query());
            state.filter = Some(FilterInput {
                input,
                editing: true,
            });
            state.focus = Focus::List;
            vec![]
        }
        Action::Search => super::search::open_prompt(state),
        Action::ToggleThreads => super::threads::toggle(state),
        Action::CollapseThread
        | Action::ExpandThread
        | Action::ToggleAllThreads
        | Action::NextThread
        | Action::PrevThread
        | Action::NextInThread
        | Action::PrevInThread => super::threads::on_action(state, action),
        Action::ToggleLayout => {
            state.layout = match state.layout {
                Layout::Split => Layout::Full,
                Layout::Full => Layout::Split,
            };
            // Going full-screen with a message open means reading it.
            if state.layout == Layout::Full && state.pane.is_some() {
                state.focus = Focus::Message;
            }
            let rows = layout::list_rows(state);
            state.folder.rows.scroll_into_view(rows);
            vec![]
        }
        Action::RefreshFolders => vec![Command::Source(SourceCommand::ListFolders)],
        Action::ToggleFlag => toggle_flag(state, Flags::FLAGGED),
        Action::ToggleSeen => toggle_flag(state, Flags::SEEN),
        Action::ToggleMark => {
            super::marks::toggle(state);
            vec![]
        }
        Action::MarkAll => {
            super::marks::mark_all(state);
            vec![]
        }
        Action::ClearMarks => {
            super::marks::clear(state);
            vec![]
        }
        Action::Delete | Action::Archive | Action::MoveTo | Action::CopyTo
            if super::cache::refused_offline(state) =>
        {
            vec![]
        }
        Action::Delete => super::triage::delete(state),
        Action::Archive => super::triage::archive(state),
        Action::MoveTo => super::picker::open(state, TransferKind::Move),
        Action::CopyTo => super::picker::open(state, TransferKind::Copy),
        Action::Undo => super::triage::undo(state),
        Action::Accounts => super::accounts::open_list(state),
        Action::CreateFolder => super::folder_edit::create(state),
        Action::RenameFolder => super::folder_edit::rename(state),
        Action::DeleteFolder => super::folder_edit::delete(state),
        Action::ShowHeaders => super::source::toggle_headers(state),
        Action::ShowSource => super::source::toggle_source(state),
        Action::SaveAttachments => super::save::start(state, super::save::Purpose::Save),
        Action::OpenAttachment => super::save::start(state, super::save::Purpose::Open),
        Action::PipeAttachment => super::save::start(state, super::save::Purpose::Pipe),
        Action::ToggleMetrics => {
            // With metrics off there is nothing to show: the key does nothing.
            if state.metrics.is_on() {
                state.metrics_panel = !state.metrics_panel;
                let rows = layout::list_rows(state);
                state.folder.rows.scroll_into_view(rows);
            }
            vec![]
        }
        Action::Help => {
            state.help = true;
            state.help_scroll = 0;
            vec![]
        }
        Action::Notices => {
            state.notices.open = true;
            state.notices.scroll = 0;
            vec![]
        }
        // They act on the open portal message, whichever pane has the keyboard.
        Action::TrustPortal
        | Action::FillPasscode
        | Action::NewPasscode
        | Action::CopyLink
        | Action::OpenLink => super::links::on_action(state, action)
            .or_else(|| super::sealed::on_action(state, action))
            .unwrap_or_default(),
    }
}

/// The help lists more actions than a small screen has rows: the movement keys scroll it.
fn scroll_help(state: &mut AppState, action: Action) {
    let rows = layout::help_rows(state);
    let last = super::action::help_lines().saturating_sub(rows);
    let page = rows.saturating_sub(1).max(1);
    let now = state.help_scroll.min(last);
    state.help_scroll = match action {
        Action::Down => now.saturating_add(1),
        Action::Up => now.saturating_sub(1),
        Action::PageDown => now.saturating_add(page),
        Action::PageUp => now.saturating_sub(page),
        Action::Top => 0,
        Action::Bottom => last,
        _ => now,
    }
    .min(last);
}

fn page(state: &AppState) -> isize {
    let rows = match state.focus {
        Focus::Message => layout::message_rows(state),
        Focus::Folders => layout::folder_rows(state),
        Focus::List => layout::list_rows(state),
    };
    rows.saturating_sub(1).max(1) as isize
}

fn move_by(state: &mut AppState, delta: isize) -> Vec<Command> {
    match state.focus {
        Focus::List => {
            let rows = layout::list_rows(state);
            state.folder.rows.move_by(delta, rows);
        }
        Focus::Folders => {
            let len = state.folders.list.len();
            state.folders.cursor = state
                .folders
                .cursor
                .saturating_add_signed(delta)
                .min(len.saturating_sub(1));
        }
        Focus::Message => {
            let rows = layout::message_rows(state);
            if let Some(pane) = state.pane.as_mut() {
                // Not measured yet (the driver measures after each update): the driver's
                // measure clamps the scroll once it knows the length.
                let last = pane
                    .measured
                    .map_or(usize::MAX, |m| m.lines.saturating_sub(rows));
                pane.scroll = pane.scroll.saturating_add_signed(delta).min(last);
                state.pane_only_scrolled = true;
            }
        }
    }
    vec![]
}

fn open(state: &mut AppState) -> Vec<Command> {
    match state.focus {
        Focus::Folders => {
            let Some(folder) = state.folders.list.get(state.folders.cursor) else {
                return vec![];
            };
            if !folder.selectable {
                // Dim in colour; without colour this is how the user learns why.
                let text = if folder.is_heading() {
                    format!("{} is a heading, not a folder", folder.label)
                } else {
                    format!("{} only holds other folders", folder.display)
                };
                state.notice = Some(Notice::new(&text, false));
                return vec![];
            }
            let (name, display) = (folder.name.clone(), folder.display.clone());
            state.focus = Focus::List;
            open_folder(state, name, display)
        }
        Focus::List => {
            let Some(row) = state.folder.rows.selected() else {
                return vec![];
            };
            let uid = row.uid;
            let mut commands = close_pane(state);
            let req = state.new_req();
            state.pane = Some(MessagePane::loading(req, uid));
            if state.layout == Layout::Full {
                state.focus = Focus::Message;
            }
            let rows = layout::list_rows(state);
            state.folder.rows.scroll_into_view(rows);
            commands.push(Command::Source(SourceCommand::FetchMessage {
                req,
                folder: state.folder.name.clone(),
                uid,
                // A folder that cannot keep \Seen is not asked to set it.
                mark_seen: state.settings.mark_seen && state.folder.access.can_change(Flags::SEEN),
            }));
            commands
        }
        Focus::Message => vec![],
    }
}

pub(super) fn open_folder(state: &mut AppState, name: String, display: Clean) -> Vec<Command> {
    let mut commands = super::cache::save(state);
    commands.extend(close_pane(state));
    let req = state.new_req();
    state.filter = None;
    state.folder = super::state::FolderState {
        name: name.clone(),
        display,
        req,
        rows: super::list::RowList::new(state.settings.oldest_first),
        ..Default::default()
    };
    commands.push(Command::Source(SourceCommand::OpenFolder {
        req,
        folder: name,
        window: state.settings.first_window,
    }));
    commands.extend(super::threads::on_open(state));
    commands
}

fn back(state: &mut AppState) -> Vec<Command> {
    // From the headers or source view, back to the message.
    if let Some(pane) = state
        .pane
        .as_mut()
        .filter(|p| !matches!(p.view, PaneView::Message))
    {
        pane.view = PaneView::Message;
        pane.scroll = 0;
        return vec![];
    }
    if state.filter.is_some() {
        state.filter = None;
        let rows = layout::list_rows(state);
        state.folder.rows.set_filter("", rows);
        return vec![];
    }
    if state.folder.search.is_some() && state.pane.is_none() && state.focus != Focus::Folders {
        return super::search::end(state);
    }
    match state.focus {
        Focus::Message | Focus::List if state.pane.is_some() => {
            let commands = close_pane(state);
            state.focus = Focus::List;
            let rows = layout::list_rows(state);
            state.folder.rows.scroll_into_view(rows);
            commands
        }
        Focus::Folders => {
            state.focus = Focus::List;
            vec![]
        }
        _ => quit(state),
    }
}

fn quit(state: &mut AppState) -> Vec<Command> {
    state.quitting = true;
    let mut commands = super::cache::save(state);
    commands.extend(close_pane(state));
    commands.extend([Command::Source(SourceCommand::Shutdown), Command::Quit]);
    commands
}

fn toggle_flag(state: &mut AppState, flag: Flags) -> Vec<Command> {
    let uid = match (state.focus, &state.pane) {
        (Focus::Message, Some(pane)) => pane.uid,
        _ => match state.folder.rows.selected() {
            Some(row) => row.uid,
            None => return vec![],
        },
    };
    let Some(row) = state.folder.rows.row_by_uid(uid) else {
        return vec![];
    };
    let mut flags = row.flags;
    if super::cache::refused_offline(state) {
        return vec![];
    }
    if let Some(why) = super::folders::not_offered(state, flag) {
        state.notice = Some(Notice::new(&why, false));
        return vec![];
    }
    let on = !flags.contains(flag);
    flags.set(flag, on);
    state.folder.rows.set_flags(uid, flags);
    super::cache::changed(state);
    vec![Command::Source(SourceCommand::SetFlag {
        folder: state.folder.name.clone(),
        uid,
        flag,
        on,
    })]
}

fn on_source(state: &mut AppState, event: SourceEvent) -> Vec<Command> {
    let rows_height = layout::list_rows(state);
    match event {
        SourceEvent::Connection(connection) => {
            use crate::mail::ConnectionState as C;
            if matches!(connection, C::Online { .. }) {
                state.sign_in = None;
            }
            let trouble = match &connection {
                C::Reconnecting { reason, .. } => Some(format!("connection lost: {reason}")),
                C::Failed { reason } => Some(format!("offline: {reason}")),
                _ => None,
            };
            if let Some(text) = trouble {
                state
                    .notices
                    .record(state.clock.now(), &text, NoticeKind::Error);
            }
            state.connection = connection;
        }
        SourceEvent::Folders(list) => {
            let list = crate::mail::folder_tree::arrange(list);
            state.folders.cursor = list
                .iter()
                .position(|f| f.name == state.folder.name)
                .unwrap_or(0);
            if let Some(f) = list.iter().find(|f| f.name == state.folder.name) {
                state.folder.display = f.display.clone();
            }
            state.folders.list = list;
        }
        SourceEvent::FolderCounts(counts) => state.folders.counts.extend(counts),
        SourceEvent::FolderOpened {
            req, total, access, ..
        } if req == state.folder.req => {
            state.folder.total = total;
            state.folder.access = access;
            state.folder.opened = true;
            state.folder.rows.expect(total);
            state.folder.done = total == 0;
        }
        SourceEvent::Rows {
            req, rows, total, ..
        } if req == state.folder.req => {
            state.folder.total = total;
            state.folder.opened = true;
            state.folder.rows.insert(rows, rows_height);
        }
        SourceEvent::FolderLoaded { req, total } if req == state.folder.req => {
            state.folder.total = total;
            state.folder.done = true;
            return super::cache::on_loaded(state);
        }
        SourceEvent::Cached { req, rows, .. } => super::cache::on_cached(state, req, rows),
        SourceEvent::CacheWanted { folder } => return super::cache::on_wanted(state, &folder),
        SourceEvent::FolderVersion { req, version } => {
            super::cache::on_version(state, req, version)
        }
        SourceEvent::Reload { req, reason } => {
            return super::cache::on_reload(state, req, &reason);
        }
        SourceEvent::NewRows {
            folder,
            rows,
            total,
        } if folder == state.folder.name => {
            state.folder.total = total;
            super::cache::changed(state);
            let mut commands = super::sealed::on_new_rows(state, &rows);
            commands.extend(super::search::on_new_rows(state, &rows));
            state.folder.rows.insert(rows, rows_height);
            commands.extend(super::threads::on_new_rows(state));
            return commands;
        }
        SourceEvent::Expunged {
            folder,
            uids,
            total,
        } if folder == state.folder.name => {
            state.folder.total = total;
            super::cache::changed(state);
            state.folder.rows.remove(&uids, rows_height);
            super::marks::forget(state, &uids);
            if let Some(pane) = state.pane.as_mut().filter(|p| uids.contains(&p.uid)) {
                pane.deleted = true;
            }
        }
        SourceEvent::FlagsChanged { folder, uid, flags } if folder == state.folder.name => {
            super::cache::changed(state);
            state.folder.rows.set_flags(uid, flags);
        }
        SourceEvent::FlagRefused {
            folder,
            uid,
            flag,
            on,
            now,
            reason,
        } if folder == state.folder.name => {
            super::folders::refused(state, uid, flag, on, now, &reason);
        }
        SourceEvent::FolderGone { folder, reason } => {
            return super::folders::gone(state, &folder, &reason);
        }
        SourceEvent::Message { req, result } => {
            if let Ok(loaded) = &result
                && let Some(commands) = super::sealed::on_fetched(state, req, loaded)
            {
                return commands;
            }
            if let Some(pane) = state.pane.as_mut().filter(|p| p.req == req) {
                pane.content = match result {
                    Ok(loaded) => {
                        pane.content = PaneContent::Ready(Arc::clone(&loaded.view));
                        pane.raw = Some(Arc::clone(&loaded.raw));
                        state.addresses.note_message(&loaded.view.reply);
                        let mut commands = super::sealed::on_message_loaded(state, &loaded);
                        commands.extend(super::protected::on_message_loaded(state, &loaded));
                        if !super::protected::opening(state) {
                            commands.extend(super::compose::on_loaded(state));
                        }
                        return commands;
                    }
                    Err(e) => {
                        let text = Clean::line(&e.to_string());
                        let logged = format!("open message: {text}");
                        state
                            .notices
                            .record(state.clock.now(), &logged, NoticeKind::Error);
                        PaneContent::Failed(text)
                    }
                };
            }
        }
        SourceEvent::Source { req, result } => {
            let result = result.as_deref().map_err(|e| e.to_string());
            match super::compose::on_source(state, req, result.clone()) {
                Some(commands) => return commands,
                None => super::source::on_source(state, req, result),
            }
        }
        SourceEvent::Transferred(done) => super::triage::on_transferred(state, done),
        SourceEvent::Erased(done) => super::triage::on_erased(state, done),
        SourceEvent::Saved(done) => return super::save::on_saved(state, done),
        SourceEvent::Searched(done) => super::search::on_searched(state, done),
        SourceEvent::FolderHits(hits) => super::search_all::on_hits(state, hits),
        SourceEvent::SearchProgress { req, done, total } => {
            super::search::on_progress(state, req, done, total)
        }
        SourceEvent::Threads {
            req,
            folder,
            result,
            by,
        } => return super::threads::on_threads(state, req, &folder, result, by),
        SourceEvent::FolderChanged { req, error } => {
            return super::folder_edit::on_changed(state, req, error);
        }
        SourceEvent::Notice(text) => state.notice = Some(Notice::new(&text, false)),
        SourceEvent::Alert(text) => {
            state
                .notices
                .record(state.clock.now(), &text, NoticeKind::Alert);
            state.notice = Some(Notice::new(&text, true));
        }
        SourceEvent::SignIn(sign_in) => {
            state.sign_in = Some(super::signin::SignInShown::new(sign_in, state.clock.now()));
        }
        // Replies to requests the user has moved on from.
        SourceEvent::FolderOpened { .. }
        | SourceEvent::Rows { .. }
        | SourceEvent::FolderLoaded { .. }
        | SourceEvent::NewRows { .. }
        | SourceEvent::Expunged { .. }
        | SourceEvent::FlagsChanged { .. }
        | SourceEvent::FlagRefused { .. } => {}
    }
    vec![]
}

/// Opens the list's selected message in the pane (a reply asked for from the list).
pub(super) fn open_selected(state: &mut AppState) -> Vec<Command> {
    state.focus = Focus::List;
    open(state)
}
