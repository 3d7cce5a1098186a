//! Key bindings by context: the defaults in `assets/keymap.toml`, with a user's file merged
//! over them. A key is looked up in the section of the context it is pressed in
//! ([`Context`]), then in `[global]`.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;
use serde::de::{Deserializer, Error as _, MapAccess, Visitor};
use toml::Spanned;

use super::action::Action;
use super::context::Context;
use super::key::Key;
use crate::error::{Error, ErrorKind};

const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// What a file binds a key to: an action, or nothing (`"none"`).
#[derive(Clone, Copy, Debug)]
struct Binding(Option<Action>);

impl<'de> Deserialize<'de> for Binding {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Binding, D::Error> {
        let name = String::deserialize(deserializer)?;
        if name == "none" {
            return Ok(Binding(None));
        }
        let action = Action::from_name(&name).ok_or_else(|| {
            D::Error::custom(format!(
                "unknown action {name:?} (\"none\" unbinds; `?` in sealmail lists the actions)"
            ))
        })?;
        Ok(Binding(Some(action)))
    }
}

/// One section of a keymap file, in the file's order (a hint names the key the defaults list
/// first).
#[derive(Debug, Default)]
struct Section(Vec<(Key, Binding)>);

impl<'de> Deserialize<'de> for Section {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Section, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Section;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of key = \"action\"")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Section, A::Error> {
                // Entries come in any order: their place in the file puts them back in it.
                let mut entries = Vec::new();
                while let Some((key, binding)) = map.next_entry::<Spanned<Key>, Binding>()? {
                    entries.push((key.span().start, *key.get_ref(), binding));
                }
                entries.sort_by_key(|&(at, ..)| at);
                Ok(Section(
                    entries
                        .into_iter()
                        .map(|(_, key, binding)| (key, binding))
                        .collect(),
                ))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// A keymap file: `[global]` and a section per context. `[keys]` is the one flat table of
/// files written before there were sections, read as `[global]`. The filter has no section:
/// while it is typed it takes every key.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    keys: Section,
    #[serde(default)]
    global: Section,
    #[serde(default)]
    list: Section,
    #[serde(default)]
    message: Section,
    #[serde(default)]
    folders: Section,
    #[serde(default)]
    passcode: Section,
    #[serde(default)]
    choose: Section,
    #[serde(default)]
    help: Section,
    #[serde(default)]
    notices: Section,
}

impl KeymapFile {
    fn parse(text: &str) -> Result<KeymapFile, Error> {
        toml::from_str(text).map_err(|e| {
            Error::new(ErrorKind::Config, "the keymap file is not valid")
                .with_details(e.to_string())
        })
    }

    fn section(&self, context: Context) -> Option<&Section> {
        Some(match context {
            Context::List => &self.list,
            Context::Message => &self.message,
            Context::Folders => &self.folders,
            Context::Passcode => &self.passcode,
            Context::Choose => &self.choose,
            Context::Help => &self.help,
            Context::Notices => &self.notices,
            // Prompts, questions and lists read their keys themselves.
            _ => return None,
        })
    }
}

/// The default file, parsed once.
fn default_file() -> &'static KeymapFile {
    static FILE: OnceLock<KeymapFile> = OnceLock::new();
    // The default file ships with the binary and is covered by a test: it always parses.
    FILE.get_or_init(|| match KeymapFile::parse(DEFAULT_KEYMAP) {
        Ok(file) => file,
        Err(e) => unreachable!("assets/keymap.toml is invalid: {e}"),
    })
}

/// The bindings in force: `[global]`, and per context the keys bound there, which win over
/// `[global]` (`None`: the key does nothing in that context).
#[derive(Clone, Debug)]
pub struct Keymap {
    global: HashMap<Key, Action>,
    contexts: HashMap<Context, HashMap<Key, Option<Action>>>,
}

impl Keymap {
    /// The defaults only.
    pub fn defaults() -> Keymap {
        let mut map = Keymap {
            global: HashMap::new(),
            contexts: HashMap::new(),
        };
        map.merge(default_file());
        map
    }

    /// The defaults with a user's keymap file merged over them.
    pub fn with_user_file(text: &str) -> Result<Keymap, Error> {
        let mut map = Keymap::defaults();
        map.merge(&KeymapFile::parse(text)?);
        Ok(map)
    }

    /// A file's `[keys]` and `[global]` bind a key for every context, over what any context
    /// bound it to before; then its context sections bind keys in their context only.
    fn merge(&mut self, file: &KeymapFile) {
        for &(key, Binding(action)) in file.keys.0.iter().chain(&file.global.0) {
            for bound in self.contexts.values_mut() {
                bound.remove(&key);
            }
            match action {
                Some(action) => self.global.insert(key, action),
                None => self.global.remove(&key),
            };
        }
        for &context in Context::ALL {
            if let Some(section) = file.section(context) {
                let bound = self.contexts.entry(context).or_default();
                for &(key, Binding(action)) in &section.0 {
                    bound.insert(key, action);
                }
            }
        }
    }

    /// The bindings as `context` sees them.
    pub fn within(&self, context: Context) -> Bindings<'_> {
        Bindings {
            keymap: self,
            context,
        }
    }
}

/// The keymap as one context sees it: the context's own bindings over `[global]`.
#[derive(Clone, Copy, Debug)]
pub struct Bindings<'a> {
    keymap: &'a Keymap,
    context: Context,
}

impl Bindings<'_> {
    fn own(&self) -> Option<&HashMap<Key, Option<Action>>> {
        self.keymap.contexts.get(&self.context)
    }

    pub fn action(&self, key: &Key) -> Option<Action> {
        match self.own().and_then(|own| own.get(key)) {
            Some(bound) => *bound,
            None => self.keymap.global.get(key).copied(),
        }
    }

    /// The keys bound to an action, sorted for stable help output.
    pub fn keys_for(&self, action: Action) -> Vec<String> {
        let mut keys: Vec<String> = (self.own().into_iter().flat_map(HashMap::keys))
            .chain(self.keymap.global.keys())
            .filter(|key| self.action(key) == Some(action))
            .map(Key::to_string)
            .collect();
        keys.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        keys.dedup();
        keys
    }

    /// The key a hint names for `action`: of the keys bound to it, the one the default keymap
    /// lists first in this context's section, then in `[global]` (`q` for back, `Enter` for
    /// open), else the first of [`Self::keys_for`].
    pub fn hint_key(&self, action: Action) -> Option<String> {
        let bound = self.keys_for(action);
        let defaults = default_file();
        (defaults.section(self.context).into_iter())
            .chain([&defaults.global])
            .flat_map(|section| &section.0)
            .map(|(key, _)| key.to_string())
            .find(|key| bound.contains(key))
            .or_else(|| bound.into_iter().next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Key {
        Key::parse(text).expect("a key")
    }

    #[test]
    fn exactly_the_contexts_that_read_no_keys_themselves_have_a_section() {
        let file = KeymapFile::default();
        for context in Context::ALL {
            assert_eq!(
                file.section(*context).is_some(),
                !context.takes_own_keys(),
                "{context:?}"
            );
        }
    }

    fn keymap(text: &str) -> Keymap {
        Keymap::with_user_file(text).expect("a valid keymap")
    }

    /// The contexts with a section: all but the filter and the link prompt, which take their
    /// keys themselves.
    fn sectioned() -> impl Iterator<Item = &'static Context> {
        Context::ALL.iter().filter(|c| !c.takes_own_keys())
    }

    fn error(text: &str) -> String {
        Keymap::with_user_file(text)
            .expect_err("an invalid keymap")
            .to_string()
    }

    #[test]
    fn defaults_parse_and_bind_the_documented_keys() {
        let map = Keymap::defaults();
        let list = map.within(Context::List);
        assert_eq!(list.action(&key("j")), Some(Action::Down));
        assert_eq!(list.action(&key("G")), Some(Action::Bottom));
        assert_eq!(list.action(&key("ctrl-c")), Some(Action::Quit));
        // Every action has a default key: in the list, or (folder actions) in the folder pane.
        let folders = map.within(Context::Folders);
        for action in Action::ALL {
            assert!(
                !list.keys_for(*action).is_empty() || !folders.keys_for(*action).is_empty(),
                "{action:?} has no default key in the list or the folder pane"
            );
        }
        assert_eq!(folders.action(&key("c")), Some(Action::CreateFolder));
        assert_eq!(folders.action(&key("r")), Some(Action::RenameFolder));
        for &context in sectioned() {
            let keys = map.within(context);
            assert_eq!(keys.action(&key("k")), Some(Action::Up), "{context:?}");
            assert_eq!(keys.action(&key("esc")), Some(Action::Back), "{context:?}");
            assert_eq!(keys.action(&key("Q")), Some(Action::Quit), "{context:?}");
        }
        assert_eq!(map.within(Context::Help).action(&key("enter")), None);
    }

    #[test]
    fn a_context_section_wins_over_global_there_only() {
        let map = keymap("[message]\nj = \"page_down\"\nQ = \"none\"\n");
        let (message, list) = (map.within(Context::Message), map.within(Context::List));
        assert_eq!(message.action(&key("j")), Some(Action::PageDown));
        assert_eq!(list.action(&key("j")), Some(Action::Down));
        assert_eq!(message.action(&key("Q")), None, "none unbinds there");
        assert_eq!(list.action(&key("Q")), Some(Action::Quit));
        assert_eq!(message.keys_for(Action::PageDown)[0], "j");
        assert!(!list.keys_for(Action::PageDown).contains(&"j".to_owned()));
    }

    #[test]
    fn global_binds_a_key_in_every_context_over_the_defaults() {
        let map = keymap("[help]\nj = \"down\"\n\n[global]\nj = \"page_down\"\n");
        for context in [Context::List, Context::Message, Context::Notices] {
            let keys = map.within(context);
            assert_eq!(
                keys.action(&key("j")),
                Some(Action::PageDown),
                "{context:?}"
            );
        }
        let help = map.within(Context::Help);
        assert_eq!(
            help.action(&key("j")),
            Some(Action::Down),
            "the file's context wins"
        );
    }

    #[test]
    fn an_old_flat_keys_file_binds_and_unbinds_in_every_context() {
        let map = keymap("[keys]\nn = \"down\"\nj = \"none\"\n");
        for &context in sectioned() {
            let keys = map.within(context);
            assert_eq!(keys.action(&key("n")), Some(Action::Down), "{context:?}");
            assert_eq!(keys.action(&key("j")), None, "{context:?}");
            assert_eq!(keys.action(&key("k")), Some(Action::Up), "{context:?}");
        }
    }

    #[test]
    fn a_hint_names_the_first_default_key_still_bound_in_its_context() {
        let defaults = Keymap::defaults();
        let message = defaults.within(Context::Message);
        assert_eq!(message.hint_key(Action::Back).as_deref(), Some("q"));
        assert_eq!(message.hint_key(Action::TrustPortal).as_deref(), Some("T"));
        let map = keymap("[passcode]\nenter = \"none\"\nl = \"none\"\ns = \"open\"\n");
        let passcode = map.within(Context::Passcode);
        assert_eq!(passcode.hint_key(Action::Open).as_deref(), Some("s"));
        let list = map.within(Context::List);
        assert_eq!(list.hint_key(Action::Open).as_deref(), Some("enter"));
    }

    #[test]
    fn unknown_sections_keys_and_actions_are_errors_that_say_where() {
        let section = error("[global]\nj = \"down\"\n\n[lists]\nj = \"down\"\n");
        assert!(section.contains("unknown field `lists`"), "{section}");
        assert!(section.contains("line 4"), "{section}");
        let filter = error("[filter]\nx = \"down\"\n");
        assert!(filter.contains("unknown field `filter`"), "{filter}");
        let key = error("[list]\nj = \"down\"\nfoo = \"down\"\n");
        assert!(key.contains("unknown key \"foo\""), "{key}");
        assert!(key.contains("line 3"), "{key}");
        let action = error("[keys]\nx = \"explode\"\n");
        assert!(action.contains("unknown action \"explode\""), "{action}");
        assert!(action.contains("line 2"), "{action}");
        let not_a_name = error("[message]\nj = 3\n");
        assert!(not_a_name.contains("line 2"), "{not_a_name}");
    }
}
