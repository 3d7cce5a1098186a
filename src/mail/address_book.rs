//! Addresses for the composer's completion: those the user configured (their own, the
//! `address_book` list) and those seen this session (the people of opened messages, the
//! recipients of sent ones), matched by what is typed and ranked by how often and how lately
//! they came up. Kept in memory only, never logged. Pure; no terminal or network crates.

use std::collections::HashMap;

use super::compose::{address_of, mailbox_text, split_addresses};
use crate::mime::{Correspondent, ReplyFacts};
use crate::sanitize::Clean;

/// Seen addresses kept at most (the least used go first); configured ones are always kept.
pub const MAX_ENTRIES: usize = 5_000;

/// Suggestions offered at most.
pub const MAX_SUGGESTIONS: usize = 8;

#[derive(Clone)]
struct Entry {
    person: Correspondent,
    /// The address and the name, lower-cased, for matching.
    address: String,
    name: String,
    uses: u32,
    /// When it last came up (the book's own counter).
    last: u64,
    configured: bool,
}

/// The addresses known this session.
#[derive(Clone, Default)]
pub struct AddressBook {
    entries: Vec<Entry>,
    by_address: HashMap<String, usize>,
    clock: u64,
}

impl std::fmt::Debug for AddressBook {
    /// Addresses stay out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddressBook")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl AddressBook {
    /// Every mailbox of `list` (`Name <address>, address`), as configured: never dropped.
    /// Configuring one again changes nothing.
    pub fn configure(&mut self, list: &str) {
        for entry in split_addresses(list) {
            if let Some((name, address)) = mailbox_parts(&entry) {
                self.add(&name, &address, true, false);
            }
        }
    }

    /// One person came up (in a message opened, or as a recipient).
    pub fn note(&mut self, name: &str, address: &str) {
        self.add(name, address, false, true);
    }

    /// Everyone a message names: its senders and recipients.
    pub fn note_message(&mut self, facts: &ReplyFacts) {
        for person in facts
            .from
            .iter()
            .chain(&facts.reply_to)
            .chain(&facts.to)
            .chain(&facts.cc)
        {
            self.note(&person.name, &person.address);
        }
    }

    /// Every mailbox of an address list as typed (the recipients of a sent message).
    pub fn note_list(&mut self, list: &str) {
        for entry in split_addresses(list) {
            if let Some((name, address)) = mailbox_parts(&entry) {
                self.note(&name, &address);
            }
        }
    }

    /// One person the user's address book command found: offered, not counted as met.
    pub fn found(&mut self, name: &str, address: &str) {
        self.add(name, address, false, false);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn add(&mut self, name: &str, address: &str, configured: bool, used: bool) {
        let address = address.trim();
        if !address.contains('@') {
            return;
        }
        let person = Correspondent {
            name: Clean::line(name.trim()),
            address: Clean::line(address),
        };
        let key = person.address.to_lowercase();
        self.clock += 1;
        let clock = self.clock;
        if let Some(entry) = self
            .by_address
            .get(&key)
            .and_then(|&i| self.entries.get_mut(i))
        {
            if !person.name.is_empty() && (used || entry.person.name.is_empty()) {
                entry.name = person.name.to_lowercase();
                entry.person.name = person.name;
            }
            if used {
                entry.uses = entry.uses.saturating_add(1);
                entry.last = clock;
            }
            entry.configured |= configured;
            return;
        }
        if !configured && self.entries.len() >= MAX_ENTRIES && !self.evict_one() {
            return;
        }
        self.by_address.insert(key.clone(), self.entries.len());
        self.entries.push(Entry {
            name: person.name.to_lowercase(),
            address: key,
            person,
            uses: u32::from(used),
            last: if used { clock } else { 0 },
            configured,
        });
    }

    /// Drops the least used seen address (the oldest of those); false when all are configured.
    fn evict_one(&mut self) -> bool {
        let Some(at) = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.configured)
            .min_by_key(|(_, e)| (e.uses, e.last))
            .map(|(i, _)| i)
        else {
            return false;
        };
        let gone = self.entries.swap_remove(at);
        self.by_address.remove(&gone.address);
        if let Some(moved) = self.entries.get(at) {
            self.by_address.insert(moved.address.clone(), at);
        }
        true
    }

    /// The people whose address or name holds `typed` (case aside), at most
    /// [`MAX_SUGGESTIONS`]: those where it starts the address, the name or a word of the
    /// name first, then the most used, then the latest.
    pub fn suggest(&self, typed: &str) -> Vec<Correspondent> {
        let typed = typed.trim().to_lowercase();
        if typed.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<(u8, &Entry)> = self
            .entries
            .iter()
            .filter_map(|e| match_class(e, &typed).map(|class| (class, e)))
            .collect();
        found.sort_by(|(ca, a), (cb, b)| {
            ca.cmp(cb)
                .then(b.uses.cmp(&a.uses))
                .then(b.last.cmp(&a.last))
                .then(a.address.cmp(&b.address))
        });
        found
            .into_iter()
            .take(MAX_SUGGESTIONS)
            .map(|(_, e)| e.person.clone())
            .collect()
    }
}

/// 0: `typed` starts the address, the name or a word of the name; 1: it is elsewhere in
/// either; `None`: it is in neither.
fn match_class(entry: &Entry, typed: &str) -> Option<u8> {
    let starts_word = entry
        .name
        .split(|c: char| c.is_whitespace() || "\"'(),.-_".contains(c))
        .any(|word| word.starts_with(typed));
    if entry.address.starts_with(typed) || entry.name.starts_with(typed) || starts_word {
        Some(0)
    } else if entry.address.contains(typed) || entry.name.contains(typed) {
        Some(1)
    } else {
        None
    }
}

/// The name and address of one mailbox (`"Doe, Jane" <jane@example.com>`, `bob@example.com`).
fn mailbox_parts(entry: &str) -> Option<(String, String)> {
    let address = address_of(entry)?;
    let name = match entry.rfind('<') {
        Some(open) => entry.get(..open).unwrap_or_default().trim(),
        None => "",
    };
    let name = name
        .strip_prefix('"')
        .and_then(|n| n.strip_suffix('"'))
        .map(|n| n.replace("\\\"", "\"").replace("\\\\", "\\"))
        .unwrap_or_else(|| name.to_owned());
    Some((name, address))
}

/// Found addresses taken from one answer of the address book command at most.
pub const MAX_FOUND: usize = 100;

/// The output of an address book command (aerc's and mutt's form): a line per person,
/// `address<TAB>name`, anything after a second tab ignored; lines whose first field is not
/// an address (a status line) are skipped.
pub fn parse_found(output: &str) -> Vec<(String, String)> {
    output
        .lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let address = fields.next()?.trim();
            let name = fields.next().unwrap_or_default().trim();
            (address.contains('@') && !address.contains(char::is_whitespace))
                .then(|| (name.to_owned(), address.to_owned()))
        })
        .take(MAX_FOUND)
        .collect()
}

/// The text a suggestion puts in an address field.
pub fn field_text(person: &Correspondent) -> String {
    mailbox_text(person)
}

/// Where the entry being typed starts in an address field: after the last comma (or
/// semicolon) that separates entries, those in a quoted name or in angle brackets aside.
pub fn last_entry_start(list: &str) -> usize {
    super::compose::entry_separators(list)
        .last()
        .map_or(0, |at| at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(people: &[Correspondent]) -> Vec<String> {
        people.iter().map(field_text).collect()
    }

    #[test]
    fn prefixes_of_address_name_and_words_come_before_other_matches() {
        let mut book = AddressBook::default();
        book.note("", "lacey@lace.test");
        book.note("", "adams@example.test");
        book.note("Ada Lovelace", "ada@example.test");
        book.note("Grace Hopper", "grace@navy.test");
        book.note("Barbara Liskov", "liskov@mit.test");
        book.note("Nobody", "nobody@else.test");
        assert_eq!(
            shown(&book.suggest("ADA")),
            ["Ada Lovelace <ada@example.test>", "adams@example.test"]
        );
        // A word of the name, then a match inside the address.
        assert_eq!(
            shown(&book.suggest("hop")),
            ["Grace Hopper <grace@navy.test>"]
        );
        assert_eq!(
            shown(&book.suggest("lis")),
            ["Barbara Liskov <liskov@mit.test>"]
        );
        assert_eq!(
            shown(&book.suggest("example")),
            ["Ada Lovelace <ada@example.test>", "adams@example.test"]
        );
        // Where it starts comes before how lately it came up.
        assert_eq!(
            shown(&book.suggest("lace")),
            ["lacey@lace.test", "Ada Lovelace <ada@example.test>"]
        );
        assert!(book.suggest("zzz").is_empty());
        assert!(
            book.suggest("  ").is_empty(),
            "nothing typed, nothing offered"
        );
    }

    #[test]
    fn the_most_used_then_the_latest_come_first() {
        let mut book = AddressBook::default();
        book.note("", "bob@one.test");
        book.note("", "bea@two.test");
        book.note("", "bill@three.test");
        book.note("", "bea@two.test");
        assert_eq!(
            shown(&book.suggest("b")),
            ["bea@two.test", "bill@three.test", "bob@one.test"]
        );
        // The same address in another case is the same person, and keeps a name it gets.
        book.note("Bob Builder", "BOB@one.test");
        book.note("", "bob@one.test");
        assert_eq!(
            shown(&book.suggest("b")),
            [
                "Bob Builder <bob@one.test>",
                "bea@two.test",
                "bill@three.test"
            ]
        );
        assert_eq!(book.len(), 3);
    }

    #[test]
    fn configured_addresses_are_kept_and_quoted_names_read() {
        let mut book = AddressBook::default();
        book.configure("\"Doe, Jane\" <jane@example.test>, team@example.test, not an address");
        book.configure("\"Doe, Jane\" <jane@example.test>");
        assert_eq!(book.len(), 2);
        assert_eq!(
            shown(&book.suggest("doe")),
            ["\"Doe, Jane\" <jane@example.test>"]
        );
        for i in 0..MAX_ENTRIES + 10 {
            book.note("", &format!("user{i}@example.test"));
        }
        assert_eq!(book.len(), MAX_ENTRIES);
        assert_eq!(shown(&book.suggest("jane")).len(), 1, "configured stays");
        assert_eq!(shown(&book.suggest("team")), ["team@example.test"]);
        assert!(
            book.suggest("user0@").is_empty(),
            "the least used went first"
        );
        assert_eq!(book.suggest("user").len(), MAX_SUGGESTIONS);
    }

    #[test]
    fn an_address_book_answer_is_read_line_by_line() {
        let found = parse_found(
            "searching the address book... 2 found\nada@example.test\tAda Lovelace\tfriends\r\nbob@example.test\n\nnot an address\tNobody\n",
        );
        assert_eq!(
            found,
            [
                ("Ada Lovelace".to_owned(), "ada@example.test".to_owned()),
                (String::new(), "bob@example.test".to_owned())
            ]
        );
        let many: String = (0..500).map(|i| format!("u{i}@x.test\n")).collect();
        assert_eq!(parse_found(&many).len(), MAX_FOUND);
        let mut book = AddressBook::default();
        book.note("", "bea@example.test");
        book.found("Bob", "bob@example.test");
        assert_eq!(
            shown(&book.suggest("b")),
            ["bea@example.test", "Bob <bob@example.test>"],
            "found, not met: after those met"
        );
    }

    #[test]
    fn hostile_names_are_made_clean() {
        let mut book = AddressBook::default();
        book.note("Evil\u{1b}[2J\nName", "evil@example.test");
        let found = book.suggest("evil");
        assert!(!found[0].name.contains('\u{1b}') && !found[0].name.contains('\n'));
    }

    #[test]
    fn the_entry_typed_starts_after_the_last_separating_comma() {
        assert_eq!(last_entry_start("ada"), 0);
        let list = "bob@x.test, \"Doe, Jane\" <jane@x.test>; gr";
        assert_eq!(list.get(last_entry_start(list)..), Some(" gr"));
        let open = "bob@x.test, \"Doe, Ja";
        assert_eq!(open.get(last_entry_start(open)..), Some(" \"Doe, Ja"));
    }
}
