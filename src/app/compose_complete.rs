//! Address completion in the composer's To, Cc and Bcc: `Tab` offers the addresses known this
//! session (`mail::address_book`) that match the entry being typed (after the last comma);
//! while they are offered, `Tab`/`↓`/`ctrl-n` and `Shift-Tab`/`↑`/`ctrl-p` choose, `Enter`
//! puts the chosen one in place of the entry, `Esc` closes, and typing narrows them. With
//! nothing to offer, `Tab` goes to the next field as before. With `address_book_cmd` set,
//! `Tab` on a name (no `@` yet) also asks the driver to run it ([`Command::LookUpAddresses`]);
//! what it finds joins the book and is offered when it comes, if the name is still typed.
//! Called by the composer and `update` only.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::compose::{Composer, Field, Stage, line_input};
use super::msg::Command;
use super::state::{AppState, Notice};
use crate::mail::ReqId;
use crate::mail::address_book::{self, AddressBook};
use crate::mail::compose::address_of;
use crate::mime::Correspondent;

/// The addresses offered for a field.
#[derive(Clone, Debug)]
pub struct Completion {
    pub field: Field,
    pub offered: Vec<Correspondent>,
    pub chosen: usize,
}

/// The address book command's lookup: the one under way (its field and what was typed) and
/// the last text it answered for (`Tab` on it again goes on to the next field).
#[derive(Clone, Debug, Default)]
pub struct Lookup {
    pending: Option<(ReqId, Field, String)>,
    answered: Option<String>,
}

fn is_address_field(field: Field) -> bool {
    matches!(field, Field::To | Field::Cc | Field::Bcc)
}

/// A key while the composer is edited: what completion asks for when it took the key,
/// `None` when the composer's input is to have it.
pub fn on_key(
    state: &mut AppState,
    composer: &mut Composer,
    key: &KeyEvent,
) -> Option<Vec<Command>> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let Some(open) = composer.completion.as_mut() else {
        if key.code != KeyCode::Tab {
            return None;
        }
        let offered = offer(&state.addresses, composer);
        let asked = look_up(state, composer);
        return (offered || !asked.is_empty()).then_some(asked);
    };
    let count = open.offered.len().max(1);
    match key.code {
        KeyCode::Tab | KeyCode::Down => open.chosen = (open.chosen + 1) % count,
        KeyCode::Char('n') if ctrl => open.chosen = (open.chosen + 1) % count,
        KeyCode::BackTab | KeyCode::Up => open.chosen = (open.chosen + count - 1) % count,
        KeyCode::Char('p') if ctrl => open.chosen = (open.chosen + count - 1) % count,
        KeyCode::Enter => accept(composer),
        KeyCode::Esc => composer.completion = None,
        _ => return None,
    }
    Some(vec![])
}

/// The entry being typed in the focused address field.
fn typed_entry(composer: &Composer) -> Option<(Field, String)> {
    let field = composer.focus;
    if !is_address_field(field) {
        return None;
    }
    let text = composer.text(field);
    let typed = text
        .get(address_book::last_entry_start(&text)..)
        .unwrap_or_default()
        .trim()
        .to_owned();
    (!typed.is_empty()).then_some((field, typed))
}

/// Asks the address book command about a name typed, once per name.
fn look_up(state: &mut AppState, composer: &mut Composer) -> Vec<Command> {
    let Some(command) = state.settings.address_book_cmd.clone() else {
        return vec![];
    };
    let Some((field, typed)) = typed_entry(composer) else {
        return vec![];
    };
    if typed.contains('@') || composer.lookup.answered.as_deref() == Some(typed.as_str()) {
        return vec![];
    }
    let req = state.new_req();
    composer.lookup.pending = Some((req, field, typed.clone()));
    vec![Command::LookUpAddresses {
        req,
        command,
        typed,
    }]
}

/// The address book command answered: what it found joins the book, and is offered if the
/// name it was asked about is still being typed.
pub fn on_found(state: &mut AppState, req: ReqId, result: Result<Vec<(String, String)>, String>) {
    let Some(composer) = state.composer.as_mut() else {
        return;
    };
    let Some((_, field, typed)) = composer.lookup.pending.take_if(|(asked, ..)| *asked == req)
    else {
        return;
    };
    composer.lookup.answered = Some(typed.clone());
    let found = match result {
        Ok(found) => found,
        Err(why) => {
            state.notice = Some(Notice::new(&format!("address book: {why}"), true));
            return;
        }
    };
    for (name, address) in &found {
        state.addresses.found(name, address);
    }
    let still_typed = composer.stage == Stage::Editing
        && typed_entry(composer).is_some_and(|(f, t)| f == field && t == typed);
    if still_typed && !offer(&state.addresses, composer) && found.is_empty() {
        state.notice = Some(Notice::new("the address book found no one", false));
    }
}

/// After a key the composer's input took: what is offered follows what is now typed.
pub fn after_edit(book: &AddressBook, composer: &mut Composer, was_open: bool) {
    if was_open {
        offer(book, composer);
    }
}

/// Offers the known addresses matching the entry being typed; false (and nothing offered)
/// when there are none, the field takes no addresses, or the entry is already one of them.
pub fn offer(book: &AddressBook, composer: &mut Composer) -> bool {
    composer.completion = None;
    let field = composer.focus;
    if !is_address_field(field) {
        return false;
    }
    let text = composer.text(field);
    let typed = text
        .get(address_book::last_entry_start(&text)..)
        .unwrap_or_default()
        .trim();
    if typed.is_empty() {
        return false;
    }
    let typed_address = address_of(typed).map(|a| a.to_lowercase());
    let offered: Vec<Correspondent> = book
        .suggest(typed)
        .into_iter()
        .filter(|p| typed_address.as_deref() != Some(p.address.to_lowercase().as_str()))
        .collect();
    if offered.is_empty() {
        return false;
    }
    composer.completion = Some(Completion {
        field,
        offered,
        chosen: 0,
    });
    true
}

/// The chosen address replaces the entry being typed, followed by `, ` for the next one.
fn accept(composer: &mut Composer) {
    let Some(open) = composer.completion.take() else {
        return;
    };
    let Some(person) = open.offered.get(open.chosen) else {
        return;
    };
    let text = composer.text(open.field);
    let start = address_book::last_entry_start(&text);
    let mut line = text.get(..start).unwrap_or_default().to_owned();
    if !line.is_empty() {
        line.push(' ');
    }
    line.push_str(&address_book::field_text(person));
    line.push_str(", ");
    *composer.input_mut(open.field) = line_input(&line);
}
