//! The composer's external editor (`$EDITOR`, or `editor` in the config): the message as it
//! stands is handed over as the text of a file (`mail::edit_file`) by
//! [`Command::EditExternally`], and read back into the composer when [`Msg::Edited`] comes.
//! The driver owns the file and the terminal. A sealed message's composer refuses: its text
//! must never touch the disk. Called by the composer and `update` only; no I/O here.
//!
//! [`Msg::Edited`]: super::msg::Msg::Edited

use super::compose::{Composer, Field, Stage, body_input, line_input};
use super::msg::{Command, ExternalEdit};
use super::state::{AppState, Notice};
use crate::mail::ReqId;
use crate::mail::edit_file::{self, EditedFields};
use crate::secret::SecretString;

/// Hands the message to the external editor, unless it is sealed.
pub fn start(state: &mut AppState, composer: &mut Composer, from_review: bool) -> Vec<Command> {
    if composer.keeps_off_disk() {
        let what = if composer.is_sealed() {
            "a sealed"
        } else {
            "an encrypted"
        };
        state.notice = Some(Notice::new(
            &format!(
                "{what} message is written here only: its text never goes to a file or another editor"
            ),
            true,
        ));
        return vec![];
    }
    let draft = composer.draft();
    let text = edit_file::render(&EditedFields {
        from: draft.from,
        to: draft.to,
        cc: draft.cc,
        bcc: draft.bcc,
        subject: draft.subject,
        body: draft.body,
    });
    let req = state.new_req();
    composer.stage = Stage::ExternalEditor { req, from_review };
    vec![Command::EditExternally(ExternalEdit {
        req,
        text: SecretString::new(text.to_string()),
        editor: state.settings.editor.clone(),
    })]
}

/// The editor is done: its file fills the composer. A file whose headers cannot be read goes
/// whole into the text (nothing typed is lost) and the notice says why; an editor that failed
/// leaves the message as it was.
pub fn on_edited(state: &mut AppState, req: ReqId, result: Result<SecretString, String>) {
    let Some(composer) = state.composer.as_mut() else {
        return;
    };
    let Stage::ExternalEditor {
        req: asked,
        from_review,
    } = composer.stage
    else {
        return;
    };
    if asked != req {
        return;
    }
    composer.stage = if from_review {
        Stage::Review
    } else {
        Stage::Editing
    };
    let text = match result {
        Ok(text) => text,
        Err(why) => {
            state.notice = Some(Notice::new(
                &format!("the editor failed ({why}): the message is as it was"),
                true,
            ));
            return;
        }
    };
    let cursor = composer.body.cursor().0;
    match edit_file::parse(text.expose()) {
        Ok(fields) => {
            fill(composer, &fields, cursor);
            state.notice = None;
        }
        Err(error) => {
            composer.body = body_input(text.expose(), 0);
            composer.focus = Field::Body;
            composer.stage = Stage::Editing;
            state.notice = Some(Notice::new(
                &format!(
                    "the headers were not read ({error}): the whole file is in the text, the headers are as they were"
                ),
                true,
            ));
        }
    }
}

fn fill(composer: &mut Composer, fields: &EditedFields, cursor_line: usize) {
    for (field, value) in [
        (Field::From, &fields.from),
        (Field::To, &fields.to),
        (Field::Cc, &fields.cc),
        (Field::Bcc, &fields.bcc),
        (Field::Subject, &fields.subject),
    ] {
        *composer.input_mut(field) = line_input(value);
    }
    composer.body = body_input(&fields.body, cursor_line);
}
