//! Path completion at the composer's attach prompt: `Tab` asks the driver to list the
//! directory of the path typed ([`Command::ListDirectory`]); its answer completes the name as
//! far as the names that start with it agree (a directory gets its `/`) and, when several
//! remain, shows them under the prompt. A reply to a path no longer typed is dropped. No I/O
//! here: [`complete`] works on the listing alone.

use super::compose::{Composer, Stage, line_input};
use super::msg::Command;
use super::state::AppState;
use crate::mail::ReqId;
use crate::sanitize::Clean;

/// Names shown under the prompt at most.
const MAX_SHOWN: usize = 8;

/// One name in a listed directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub dir: bool,
}

/// The prompt's completion: the listing asked for (and the text it was asked for), and the
/// names shown.
#[derive(Clone, Debug, Default)]
pub struct PathCompletion {
    pending: Option<(ReqId, String)>,
    pub shown: Vec<Clean>,
}

/// The directory part of `typed` (up to its last `/`, kept) and the start of the name after it.
pub fn split(typed: &str) -> (&str, &str) {
    match typed.rfind('/') {
        Some(at) => (
            typed.get(..=at).unwrap_or_default(),
            typed.get(at + 1..).unwrap_or_default(),
        ),
        None => ("", typed),
    }
}

/// What the prompt becomes given its directory's listing, and the names to show when
/// several match. Hidden names match only a name started with `.`.
pub fn complete(typed: &str, listing: &[DirEntry]) -> (String, Vec<String>) {
    let (dir, start) = split(typed);
    let mut matches: Vec<&DirEntry> = listing
        .iter()
        .filter(|e| {
            e.name.starts_with(start) && (start.starts_with('.') || !e.name.starts_with('.'))
        })
        .collect();
    matches.sort_by(|a, b| a.name.cmp(&b.name));
    let shown = |e: &DirEntry| format!("{}{}", e.name, if e.dir { "/" } else { "" });
    match matches.as_slice() {
        [] => (typed.to_owned(), Vec::new()),
        [one] => (format!("{dir}{}", shown(one)), Vec::new()),
        [first, rest @ ..] => {
            let mut common = first.name.as_str();
            for e in rest {
                let shared: usize = common
                    .chars()
                    .zip(e.name.chars())
                    .take_while(|(a, b)| a == b)
                    .map(|(a, _)| a.len_utf8())
                    .sum();
                common = common.get(..shared).unwrap_or_default();
            }
            let names = matches.iter().map(|e| shown(e)).collect();
            (format!("{dir}{common}"), names)
        }
    }
}

/// `Tab` at the attach prompt: lists the typed path's directory.
pub fn on_tab(state: &mut AppState, composer: &mut Composer) -> Vec<Command> {
    let Some(input) = composer.attach_input.as_mut() else {
        return vec![];
    };
    let mut typed = input.lines().join("");
    if typed == "~" {
        typed.push('/');
        **input = line_input(&typed);
    }
    let req = state.new_req();
    let dir = split(&typed).0.to_owned();
    composer.path_completion.pending = Some((req, typed));
    vec![Command::ListDirectory { req, dir }]
}

/// The listing came (or could not be made): the prompt is completed, if it still holds what
/// was listed.
pub fn on_listed(state: &mut AppState, req: ReqId, result: Result<Vec<DirEntry>, String>) {
    let Some(composer) = state
        .composer
        .as_mut()
        .filter(|c| c.stage == Stage::AttachPrompt)
    else {
        return;
    };
    let Some((asked, typed)) = composer.path_completion.pending.take() else {
        return;
    };
    let Some(input) = composer.attach_input.as_mut() else {
        return;
    };
    if asked != req || input.lines().join("") != typed {
        return;
    }
    let listing = match result {
        Ok(listing) => listing,
        Err(why) => {
            composer.path_completion.shown = vec![Clean::line(&format!("({why})"))];
            return;
        }
    };
    let (text, names) = complete(&typed, &listing);
    if text != typed {
        **input = line_input(&text);
    }
    let more = names.len().saturating_sub(MAX_SHOWN);
    let mut shown: Vec<Clean> = names
        .iter()
        .take(MAX_SHOWN)
        .map(|n| Clean::line(n))
        .collect();
    if more > 0 {
        shown.push(Clean::line(&format!("… {more} more")));
    }
    if listing.is_empty() || (names.is_empty() && text == typed) {
        shown = vec![Clean::line("(no match)")];
    }
    composer.path_completion.shown = shown;
}

/// Any other key at the prompt: what was shown no longer applies.
pub fn forget(composer: &mut Composer) {
    composer.path_completion = PathCompletion::default();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing() -> Vec<DirEntry> {
        [
            ("Documents", true),
            ("Downloads", true),
            ("Dropbox", true),
            ("draft.txt", false),
            ("report-q4.pdf", false),
            ("report-q3.pdf", false),
            (".hidden", false),
            ("Bericht März.pdf", false),
        ]
        .into_iter()
        .map(|(name, dir)| DirEntry {
            name: name.into(),
            dir,
        })
        .collect()
    }

    #[test]
    fn the_path_is_split_at_its_last_slash() {
        assert_eq!(split("~/Doc"), ("~/", "Doc"));
        assert_eq!(split("/tmp/a/"), ("/tmp/a/", ""));
        assert_eq!(split("note"), ("", "note"));
        assert_eq!(split(""), ("", ""));
    }

    #[test]
    fn one_match_is_completed_whole_and_a_directory_gets_its_slash() {
        assert_eq!(
            complete("~/Doc", &listing()),
            ("~/Documents/".into(), vec![])
        );
        assert_eq!(complete("dr", &listing()), ("draft.txt".into(), vec![]));
        assert_eq!(
            complete("x/B", &listing()),
            ("x/Bericht März.pdf".into(), vec![])
        );
        assert_eq!(complete("/h/.h", &listing()), ("/h/.hidden".into(), vec![]));
    }

    #[test]
    fn several_matches_complete_their_common_start_and_are_listed() {
        assert_eq!(
            complete("~/D", &listing()),
            (
                "~/D".into(),
                vec!["Documents/".into(), "Downloads/".into(), "Dropbox/".into()]
            )
        );
        assert_eq!(
            complete("/srv/re", &listing()),
            (
                "/srv/report-q".into(),
                vec!["report-q3.pdf".into(), "report-q4.pdf".into()]
            )
        );
        // Hidden names only when asked for; nothing matching leaves the text as it was.
        let (_, all) = complete("", &listing());
        assert_eq!(all.len(), 7);
        assert_eq!(complete("zz", &listing()), ("zz".into(), vec![]));
    }
}
