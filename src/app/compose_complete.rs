//! Address completion in the composer's To, Cc and Bcc: `Tab` offers the addresses known this
//! session (`mail::address_book`) that match the entry being typed (after the last comma);
//! while they are offered, `Tab`/`↓`/`ctrl-n` and `Shift-Tab`/`↑`/`ctrl-p` choose, `Enter`
//! puts the chosen one in place of the entry, `Esc` closes, and typing narrows them. With
//! nothing to offer, `Tab` goes to the next field as before. Called by the composer only.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::compose::{Composer, Field, line_input};
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

fn is_address_field(field: Field) -> bool {
    matches!(field, Field::To | Field::Cc | Field::Bcc)
}

/// A key while the composer is edited: true when completion took it.
pub fn on_key(book: &AddressBook, composer: &mut Composer, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let Some(open) = composer.completion.as_mut() else {
        return key.code == KeyCode::Tab && offer(book, composer);
    };
    let count = open.offered.len().max(1);
    match key.code {
        KeyCode::Tab | KeyCode::Down => open.chosen = (open.chosen + 1) % count,
        KeyCode::Char('n') if ctrl => open.chosen = (open.chosen + 1) % count,
        KeyCode::BackTab | KeyCode::Up => open.chosen = (open.chosen + count - 1) % count,
        KeyCode::Char('p') if ctrl => open.chosen = (open.chosen + count - 1) % count,
        KeyCode::Enter => accept(composer),
        KeyCode::Esc => composer.completion = None,
        _ => return false,
    }
    true
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
