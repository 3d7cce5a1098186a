//! The composer's From field offers the account's identities (`Identity::choices`): Up and
//! Down put the previous or next one in the field, and the text's signature follows it (the
//! old one at the end of the text is replaced by the new one's). Typing in the field stays
//! free. Called by the composer's key handling only; no I/O.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::{CursorMove, TextArea};

use super::compose::{Composer, Field};
use crate::mail::compose::Identity;
use crate::sanitize::Clean;

/// The separator of a signature (RFC 3676).
const SIGNATURE_MARK: &str = "-- ";

/// Takes Up and Down in the From field when the user has several identities; false when the
/// key is not for it.
pub fn on_from_key(composer: &mut Composer, me: Option<&Identity>, key: &KeyEvent) -> bool {
    if composer.focus != Field::From {
        return false;
    }
    let Some(me) = me.filter(|me| me.choices.len() > 1) else {
        return false;
    };
    let forward = match key.code {
        KeyCode::Down => true,
        KeyCode::Up => false,
        _ => return false,
    };
    let count = me.choices.len();
    let current = me.position_of(&composer.text(Field::From));
    let next = match (current, forward) {
        (Some(i), true) => (i + 1) % count,
        (Some(i), false) => (i + count - 1) % count,
        (None, true) => 0,
        (None, false) => count - 1,
    };
    let old = current.and_then(|i| me.choices.get(i));
    let Some(new) = me.choices.get(next) else {
        return true;
    };
    let mut from = TextArea::default();
    from.insert_str(Clean::line(&new.from).as_str());
    composer.from = from;
    let old_signature = old.and_then(|c| c.signature.as_deref());
    swap_signature(composer, old_signature, new.signature.as_deref());
    true
}

/// Replaces the signature block the text ends with (`old`; none: no block) by `new`'s.
fn swap_signature(composer: &mut Composer, old: Option<&str>, new: Option<&str>) {
    let mut lines: Vec<String> = composer.body.lines().to_vec();
    let block = |signature: &str| -> Vec<String> {
        std::iter::once(SIGNATURE_MARK.to_owned())
            .chain(
                Clean::text(signature.trim_end_matches('\n'))
                    .into_iter()
                    .map(|l| l.as_str().to_owned()),
            )
            .collect()
    };
    let old_block = old.filter(|s| !s.trim().is_empty()).map(block);
    let new_block = new.filter(|s| !s.trim().is_empty()).map(block);
    if old_block == new_block {
        return;
    }
    match &old_block {
        Some(old) => {
            // The blank lines after the block stay after the new one.
            let end = lines.len() - lines.iter().rev().take_while(|l| l.is_empty()).count();
            let ends_with_old = end >= old.len() && lines.get(end - old.len()..end) == Some(old);
            if !ends_with_old {
                // The user changed or removed it: their text stays as it is.
                return;
            }
            let tail = lines.split_off(end);
            lines.truncate(end - old.len());
            lines.extend(new_block.unwrap_or_default());
            lines.extend(tail);
        }
        None => {
            let Some(new) = new_block else {
                return;
            };
            if lines.iter().any(|l| l == SIGNATURE_MARK) {
                return;
            }
            if lines.last().is_some_and(|l| l.is_empty()) {
                lines.pop();
            }
            lines.extend(new);
            lines.push(String::new());
        }
    }
    let cursor = composer.body.cursor();
    let (row, col) = (cursor.0, cursor.1);
    let mut body = TextArea::new(lines);
    body.move_cursor(CursorMove::Jump(
        u16::try_from(row).unwrap_or(u16::MAX),
        u16::try_from(col).unwrap_or(u16::MAX),
    ));
    composer.body = body;
}
