//! Key bindings: the defaults in `assets/keymap.toml`, with a user's file merged over them.

use std::collections::HashMap;

use serde::Deserialize;

use super::action::Action;
use super::key::Key;
use crate::error::{Error, ErrorKind};

const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    keys: HashMap<String, String>,
}

/// Key -> action, with the order of the default file kept for help.
#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: HashMap<Key, Action>,
}

impl Keymap {
    /// The defaults only.
    pub fn defaults() -> Keymap {
        let mut map = Keymap {
            bindings: HashMap::new(),
        };
        // The default file ships with the binary and is covered by a test: it always parses.
        if let Err(e) = map.merge_str(DEFAULT_KEYMAP) {
            unreachable!("assets/keymap.toml is invalid: {e}");
        }
        map
    }

    /// The defaults with a user's keymap file merged over them.
    pub fn with_user_file(text: &str) -> Result<Keymap, Error> {
        let mut map = Keymap::defaults();
        map.merge_str(text)?;
        Ok(map)
    }

    fn merge_str(&mut self, text: &str) -> Result<(), Error> {
        let file: KeymapFile = toml::from_str(text).map_err(|e| {
            Error::new(ErrorKind::Config, "the keymap file is not valid")
                .with_details(e.to_string())
        })?;
        for (key_text, action_name) in file.keys {
            let key = Key::parse(&key_text).ok_or_else(|| {
                Error::new(
                    ErrorKind::Config,
                    format!("unknown key {key_text:?} in the keymap"),
                )
            })?;
            if action_name == "none" {
                self.bindings.remove(&key);
                continue;
            }
            let action = Action::from_name(&action_name).ok_or_else(|| {
                Error::new(
                    ErrorKind::Config,
                    format!("unknown action {action_name:?} in the keymap"),
                )
            })?;
            self.bindings.insert(key, action);
        }
        Ok(())
    }

    pub fn action(&self, key: &Key) -> Option<Action> {
        self.bindings.get(key).copied()
    }

    /// The keys bound to an action, sorted for stable help output.
    /// The key a hint names for `action`: of the keys bound to it, the one the default keymap
    /// lists first (`q` for back, `Enter` for open), else the first of [`Self::keys_for`].
    pub fn hint_key(&self, action: Action) -> Option<String> {
        let bound = self.keys_for(action);
        DEFAULT_KEYMAP
            .lines()
            .filter_map(|line| line.split_once('='))
            .filter_map(|(key, _)| Key::parse(key.trim().trim_matches('"')))
            .map(|key| key.to_string())
            .find(|key| bound.contains(key))
            .or_else(|| bound.into_iter().next())
    }

    pub fn keys_for(&self, action: Action) -> Vec<String> {
        let mut keys: Vec<String> = self
            .bindings
            .iter()
            .filter(|(_, a)| **a == action)
            .map(|(k, _)| k.to_string())
            .collect();
        keys.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_bind_the_documented_keys() {
        let map = Keymap::defaults();
        assert_eq!(map.action(&Key::parse("j").unwrap()), Some(Action::Down));
        assert_eq!(map.action(&Key::parse("G").unwrap()), Some(Action::Bottom));
        assert_eq!(
            map.action(&Key::parse("ctrl-c").unwrap()),
            Some(Action::Quit)
        );
        for action in Action::ALL {
            assert!(
                !map.keys_for(*action).is_empty(),
                "{action:?} has no default key"
            );
        }
    }

    #[test]
    fn user_file_overrides_single_bindings_and_unbinds() {
        let map = Keymap::with_user_file("[keys]\nn = \"down\"\nj = \"none\"\n").unwrap();
        assert_eq!(map.action(&Key::parse("n").unwrap()), Some(Action::Down));
        assert_eq!(map.action(&Key::parse("j").unwrap()), None);
        assert_eq!(map.action(&Key::parse("k").unwrap()), Some(Action::Up));
        assert!(Keymap::with_user_file("[keys]\nx = \"explode\"\n").is_err());
    }
}
