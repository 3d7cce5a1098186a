//! Where the keyboard is: the one context a key is read in, derived from the state alone. The
//! keymap has a section per context (`assets/keymap.toml`), and `update` routes by it.

use super::state::{AppState, Focus, PortalPane, SealedStage};

/// What has the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Context {
    /// The message list.
    List,
    /// The open message, when nothing in it asks for a key of its own.
    Message,
    /// The folder pane.
    Folders,
    /// The filter being typed: it takes every key but Enter and Esc.
    Filter,
    /// The prompt for a link's number: it takes digits, Backspace, Enter and Esc.
    LinkPrompt,
    /// A question before deleting for good: it takes y, n and Esc.
    Confirm,
    /// The folder picker of a move or copy: it takes what is typed, the arrows, Enter, Esc.
    Picker,
    /// The prompt of an attachment save: which one, where to, whether to replace.
    SavePrompt,
    /// The prompt for a folder's path (create, rename): it takes what is typed, Enter, Esc.
    FolderPrompt,
    /// The search prompt: it takes what is typed, Tab, Enter and Esc.
    SearchPrompt,
    /// The results of a search of every folder: up, down, Enter, Esc.
    SearchAll,
    /// The account list: up, down, Enter, Esc.
    Accounts,
    /// A sealed message waiting for its passcode: digits and editing keys go to the input.
    Passcode,
    /// A sealed message asking for a sign-in method, or for which recipient the user is.
    Choose,
    /// The composer: its inputs take what is typed; Tab, Esc and the review's letters move it on.
    Compose,
    /// The help overlay.
    Help,
    /// The notice history.
    Notices,
}

impl Context {
    /// A prompt, question or list that reads its keys itself: it has no keymap section.
    pub fn takes_own_keys(self) -> bool {
        matches!(
            self,
            Context::Filter
                | Context::LinkPrompt
                | Context::Confirm
                | Context::Picker
                | Context::SavePrompt
                | Context::FolderPrompt
                | Context::SearchPrompt
                | Context::SearchAll
                | Context::Accounts
                | Context::Compose
        )
    }

    pub const ALL: &'static [Context] = &[
        Context::List,
        Context::Message,
        Context::Folders,
        Context::Filter,
        Context::LinkPrompt,
        Context::Confirm,
        Context::Picker,
        Context::SavePrompt,
        Context::FolderPrompt,
        Context::SearchPrompt,
        Context::SearchAll,
        Context::Accounts,
        Context::Passcode,
        Context::Choose,
        Context::Compose,
        Context::Help,
        Context::Notices,
    ];
}

/// The context a key is read in now: a text input being typed, then an overlay, then the
/// focused pane (an open sealed message's own question when the pane has the keyboard).
pub fn context(state: &AppState) -> Context {
    if state.composer.is_some() {
        return Context::Compose;
    }
    if state.filter.as_ref().is_some_and(|f| f.editing) {
        return Context::Filter;
    }
    if state.link_prompt.is_some() {
        return Context::LinkPrompt;
    }
    if state.triage.confirm.is_some() {
        return Context::Confirm;
    }
    if state.picker.is_some() {
        return Context::Picker;
    }
    if state.save_prompt.is_some() {
        return Context::SavePrompt;
    }
    if state.folder_prompt.is_some() {
        return Context::FolderPrompt;
    }
    if state.search_prompt.is_some() {
        return Context::SearchPrompt;
    }
    if state.search_all.is_some() {
        return Context::SearchAll;
    }
    if state.account_list.is_some() {
        return Context::Accounts;
    }
    if state.notices.open {
        return Context::Notices;
    }
    if state.help {
        return Context::Help;
    }
    match state.focus {
        Focus::List => Context::List,
        Focus::Folders => Context::Folders,
        Focus::Message => match state.pane.as_ref().and_then(|p| p.portal.as_ref()) {
            Some(PortalPane::Sealed(sealed)) => match sealed.stage {
                SealedStage::Passcode { .. } => Context::Passcode,
                SealedStage::Choose { .. } | SealedStage::ChooseAddress { .. } => Context::Choose,
                _ => Context::Message,
            },
            _ => Context::Message,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ratatui_textarea::TextArea;

    use super::*;
    use crate::app::clock::Clock;
    use crate::app::keymap::Keymap;
    use crate::app::state::{FilterInput, MessagePane, ReaderSettings, SealedPane};
    use crate::sealed::flow::Method;

    fn state() -> AppState {
        AppState::new(
            ReaderSettings::default(),
            Keymap::defaults(),
            Clock::fixed_utc(0),
            "test".into(),
        )
    }

    fn sealed_at(stage: SealedStage) -> AppState {
        let mut state = state();
        let mut pane = MessagePane::loading(1, 7);
        pane.portal = Some(PortalPane::Sealed(Box::new(SealedPane {
            flow: 1,
            raw: Arc::from(&b""[..]),
            info: None,
            shown: None,
            trusted: true,
            stage,
            passcode_fetch: None,
            arrived: None,
            email: None,
        })));
        state.pane = Some(pane);
        state.focus = Focus::Message;
        state
    }

    fn passcode() -> SealedStage {
        SealedStage::Passcode {
            reference: crate::sanitize::Clean::line("R"),
            expires_at: 600,
            input: Box::default(),
            note: None,
        }
    }

    #[test]
    fn the_focused_pane_is_the_context() {
        let mut state = state();
        assert_eq!(context(&state), Context::List);
        state.focus = Focus::Folders;
        assert_eq!(context(&state), Context::Folders);
        state.focus = Focus::Message;
        state.pane = Some(MessagePane::loading(1, 7));
        assert_eq!(context(&state), Context::Message);
    }

    #[test]
    fn a_sealed_pane_asks_in_its_own_context_while_it_has_the_keyboard() {
        let choose = SealedStage::Choose {
            methods: vec![Method::Passcode {
                digits: 8,
                ttl_s: 600,
            }],
            cursor: 0,
        };
        assert_eq!(context(&sealed_at(choose)), Context::Choose);
        let address = SealedStage::ChooseAddress { cursor: 0 };
        assert_eq!(context(&sealed_at(address)), Context::Choose);
        assert_eq!(context(&sealed_at(passcode())), Context::Passcode);
        assert_eq!(
            context(&sealed_at(SealedStage::Untrusted)),
            Context::Message
        );
        assert_eq!(context(&sealed_at(SealedStage::Opening)), Context::Message);
        let mut state = sealed_at(passcode());
        state.focus = Focus::List;
        assert_eq!(context(&state), Context::List, "the list has the keyboard");
    }

    #[test]
    fn an_input_being_typed_comes_before_overlays_and_overlays_before_panes() {
        let mut state = sealed_at(passcode());
        state.help = true;
        assert_eq!(context(&state), Context::Help);
        state.notices.open = true;
        assert_eq!(context(&state), Context::Notices);
        state.filter = Some(FilterInput {
            input: TextArea::default(),
            editing: true,
        });
        assert_eq!(context(&state), Context::Filter);
        if let Some(filter) = state.filter.as_mut() {
            filter.editing = false;
        }
        assert_eq!(
            context(&state),
            Context::Notices,
            "an accepted filter types nothing"
        );
    }
}
