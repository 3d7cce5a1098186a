//! Several accounts in one session. `A` lists them (each with where it stands: shown,
//! connecting, offline and why); Enter switches. The shown account's part of the state is
//! parked whole (its folder, selection, open message, marks, undo, prompts) and the other's
//! taken up, so that switching back finds everything as it was; an account shown for the
//! first time starts (the driver starts its workers) and opens its INBOX. A failing account
//! shows its error and nothing else. Each account writes as itself: its identity, its sender
//! token and a sealed reply put aside go with its view (the driver swaps its outbox). Called
//! by `update` only.

use crossterm::event::{KeyCode, KeyEvent};

use super::list::RowList;
use super::msg::Command;
use super::signin::SignInShown;
use super::state::{AppState, FilterInput, Focus, FolderState, FoldersState, MessagePane, Notice};
use crate::mail::ConnectionState;
use crate::sanitize::Clean;

/// One configured account, as the reader knows it.
#[derive(Debug)]
pub struct Account {
    /// Its name, as the list and the status line show it.
    pub label: Clean,
    /// Its own address, for portal sign-ins.
    pub email: Option<String>,
    /// Its part of the state while another account is shown; `None` before it was shown.
    pub parked: Option<Box<AccountView>>,
    /// Who it writes as, when it can send, and its sender token when it can seal.
    pub writing: Option<Writing>,
}

/// An account's means to write, as the composer needs them.
#[derive(Clone, Debug)]
pub struct Writing {
    pub identity: crate::mail::compose::Identity,
    pub sender_seal: Option<Box<crate::sealed::sender::SenderSeal>>,
}

impl Account {
    pub fn new(label: &str, email: Option<String>) -> Account {
        Account {
            label: Clean::line(label),
            email,
            parked: None,
            writing: None,
        }
    }
}

/// The part of the state that belongs to one account.
#[derive(Debug)]
pub struct AccountView {
    account_label: String,
    connection: ConnectionState,
    folders: FoldersState,
    folder: FolderState,
    pane: Option<MessagePane>,
    focus: Focus,
    filter: Option<FilterInput>,
    notice: Option<Notice>,
    sign_in: Option<SignInShown>,
    user_email: Option<String>,
    triage: super::triage::Triage,
    link_prompt: Option<super::links::LinkPrompt>,
    picker: Option<super::picker::FolderPicker>,
    save_prompt: Option<super::save::SavePrompt>,
    save_pending: Option<super::save::PendingSave>,
    folder_prompt: Option<super::folder_edit::FolderPrompt>,
    folder_change: Option<super::folder_edit::PendingChange>,
    threaded: std::collections::BTreeSet<String>,
    identity: Option<crate::mail::compose::Identity>,
    sender_seal: Option<Box<crate::sealed::sender::SenderSeal>>,
    held_sealed_reply: Option<Box<super::compose::Composer>>,
}

impl AccountView {
    /// An account not shown before: connecting, nothing loaded.
    fn fresh(account: &Account, oldest_first: bool) -> AccountView {
        AccountView {
            account_label: account.label.to_string(),
            connection: ConnectionState::Connecting,
            folders: FoldersState::default(),
            folder: FolderState {
                rows: RowList::new(oldest_first),
                ..FolderState::default()
            },
            pane: None,
            focus: Focus::List,
            filter: None,
            notice: None,
            sign_in: None,
            user_email: account.email.clone(),
            triage: super::triage::Triage::default(),
            link_prompt: None,
            picker: None,
            save_prompt: None,
            save_pending: None,
            folder_prompt: None,
            folder_change: None,
            threaded: std::collections::BTreeSet::new(),
            identity: account.writing.as_ref().map(|w| w.identity.clone()),
            sender_seal: account.writing.as_ref().and_then(|w| w.sender_seal.clone()),
            held_sealed_reply: None,
        }
    }

    /// Exchanges this view with the state's.
    fn swap(&mut self, state: &mut AppState) {
        use std::mem::swap;
        swap(&mut self.account_label, &mut state.account_label);
        swap(&mut self.connection, &mut state.connection);
        swap(&mut self.folders, &mut state.folders);
        swap(&mut self.folder, &mut state.folder);
        swap(&mut self.pane, &mut state.pane);
        swap(&mut self.focus, &mut state.focus);
        swap(&mut self.filter, &mut state.filter);
        swap(&mut self.notice, &mut state.notice);
        swap(&mut self.sign_in, &mut state.sign_in);
        swap(&mut self.user_email, &mut state.user_email);
        swap(&mut self.triage, &mut state.triage);
        swap(&mut self.link_prompt, &mut state.link_prompt);
        swap(&mut self.picker, &mut state.picker);
        swap(&mut self.save_prompt, &mut state.save_prompt);
        swap(&mut self.save_pending, &mut state.save_pending);
        swap(&mut self.folder_prompt, &mut state.folder_prompt);
        swap(&mut self.folder_change, &mut state.folder_change);
        swap(&mut self.threaded, &mut state.threaded);
        swap(&mut self.identity, &mut state.identity);
        swap(&mut self.sender_seal, &mut state.sender_seal);
        swap(&mut self.held_sealed_reply, &mut state.held_sealed_reply);
    }

    /// Where a parked account stands, for the list.
    pub fn connection(&self) -> &ConnectionState {
        &self.connection
    }
}

/// `A`: the account list, with the shown account chosen.
pub fn open_list(state: &mut AppState) -> Vec<Command> {
    if state.accounts.len() < 2 {
        state.notice = Some(Notice::new("this session has one account", false));
        return vec![];
    }
    state.account_list = Some(state.active_account);
    vec![]
}

/// The list's keys: up and down choose, Enter switches, Esc closes.
pub fn on_key(state: &mut AppState, key: &KeyEvent) -> Vec<Command> {
    let Some(cursor) = state.account_list else {
        return vec![];
    };
    let last = state.accounts.len().saturating_sub(1);
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => state.account_list = None,
        KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
            state.account_list = Some(cursor.saturating_add(1).min(last));
        }
        KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => {
            state.account_list = Some(cursor.saturating_sub(1));
        }
        KeyCode::Enter => {
            state.account_list = None;
            return switch(state, cursor);
        }
        _ => {}
    }
    vec![]
}

/// Shows account `to`: the shown one is parked, `to`'s view taken up (or started).
pub fn switch(state: &mut AppState, to: usize) -> Vec<Command> {
    if to == state.active_account || to >= state.accounts.len() {
        return vec![];
    }
    let oldest_first = state.settings.oldest_first;
    let (mut view, first_time) = match state.accounts.get_mut(to).and_then(|a| a.parked.take()) {
        Some(view) => (view, false),
        None => match state.accounts.get(to) {
            Some(account) => (Box::new(AccountView::fresh(account, oldest_first)), true),
            None => return vec![],
        },
    };
    view.swap(state);
    let from = state.active_account;
    if let Some(account) = state.accounts.get_mut(from) {
        account.parked = Some(view);
    }
    state.active_account = to;
    state.help = false;
    let mut commands = vec![Command::SwitchAccount(to)];
    if first_time {
        commands.extend(super::update::startup(state));
    }
    commands
}

/// What the list says of account `index`: shown, or where a parked one stands.
pub fn standing(state: &AppState, index: usize) -> String {
    if index == state.active_account {
        return "shown".into();
    }
    match state.accounts.get(index).and_then(|a| a.parked.as_deref()) {
        None => "not opened yet".into(),
        Some(view) => match view.connection() {
            ConnectionState::Connecting => "connecting…".into(),
            ConnectionState::Online { .. } => "online".into(),
            ConnectionState::Reconnecting { reason, .. } => format!("reconnecting: {reason}"),
            ConnectionState::Failed { reason } => format!("offline: {reason}"),
        },
    }
}
