//! IMAP section numbers ("2", "3.1") of a parsed message's parts, as RFC 3501 6.4.5 numbers
//! them: parts left out of a partly downloaded message are matched to the sizes the server
//! gave for them, and an attachment carries its number so it can be fetched on its own.

use std::collections::{BTreeMap, HashMap, HashSet};

use mail_parser::{Message, PartType};

/// Deeper multiparts are not numbered (their parts keep the size they were parsed with).
const MAX_DEPTH: usize = 64;

/// The parts a message rebuilt from some of its sections holds without their content, and its
/// attached messages (rebuilt too): the decoded size of each on the server, by section number.
/// Empty for a message downloaded whole.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    sizes: BTreeMap<String, usize>,
}

impl Skipped {
    pub fn insert(&mut self, section: String, size: usize) {
        self.sizes.insert(section, size);
    }

    /// The size of the part at `section`, when it was not downloaded whole.
    pub fn size(&self, section: &str) -> Option<usize> {
        self.sizes.get(section).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.sizes.is_empty()
    }

    pub fn len(&self) -> usize {
        self.sizes.len()
    }

    /// The sections left out, in order.
    pub fn sections(&self) -> impl Iterator<Item = &str> {
        self.sizes.keys().map(String::as_str)
    }
}

/// The section number of each part of `message` (by index into `message.parts`); `prefix`
/// is the section of the attached message `message` is, "" at the top. A message whose body
/// is one part numbers it `1`; the parts of a multipart are numbered from 1 under it.
pub(super) fn number(message: &Message<'_>, prefix: &str) -> HashMap<usize, String> {
    let mut out = HashMap::new();
    match message.parts.first().map(|p| &p.body) {
        Some(PartType::Multipart(children)) => {
            let mut seen = HashSet::from([0]);
            walk(message, children, prefix, 0, &mut seen, &mut out)
        }
        Some(_) => {
            out.insert(0, join(prefix, 1));
        }
        None => {}
    }
    out
}

/// Numbers each part once: a damaged message can make mail-parser list a part under more than
/// one multipart, or under itself, and walking every path to it would cost exponential time.
fn walk(
    message: &Message<'_>,
    children: &[u32],
    at: &str,
    depth: usize,
    seen: &mut HashSet<usize>,
    out: &mut HashMap<usize, String>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for (i, &id) in children.iter().enumerate() {
        let id = id as usize;
        if !seen.insert(id) {
            continue;
        }
        let section = join(at, i + 1);
        if let Some(PartType::Multipart(inner)) = message.parts.get(id).map(|p| &p.body) {
            walk(message, inner, &section, depth + 1, seen, out);
        }
        out.insert(id, section);
    }
}

fn join(at: &str, n: usize) -> String {
    if at.is_empty() {
        n.to_string()
    } else {
        format!("{at}.{n}")
    }
}
