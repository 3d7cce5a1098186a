//! Key hints from the live keymap: a hint names the key the user has bound to its action
//! today in the context the hint is read in (`Bindings::hint_key`), and is left out when
//! nothing is bound, so a rebinding never leaves a screen naming a key that does something else.

use crate::app::action::Action;
use crate::app::keymap::Bindings;

/// The key bound to `action`, as a person reads it (`q`, `Enter`, `Ctrl-c`).
pub fn key(keys: Bindings<'_>, action: Action) -> Option<String> {
    keys.hint_key(action).map(|k| shown(&k))
}

/// `template` with `{}` replaced by the key bound to `action`; `None` when nothing is bound.
pub fn fill(keys: Bindings<'_>, action: Action, template: &str) -> Option<String> {
    key(keys, action).map(|k| template.replacen("{}", &k, 1))
}

/// `j/k`-style: the keys of two actions, or of whichever is bound.
pub fn pair(keys: Bindings<'_>, first: Action, second: Action, what: &str) -> Option<String> {
    match (key(keys, first), key(keys, second)) {
        (Some(a), Some(b)) => Some(format!("{a}/{b} {what}")),
        (Some(k), None) | (None, Some(k)) => Some(format!("{k} {what}")),
        (None, None) => None,
    }
}

/// The hints that are bound, joined with ` · `.
pub fn line(parts: impl IntoIterator<Item = Option<String>>) -> String {
    parts.into_iter().flatten().collect::<Vec<_>>().join(" · ")
}

/// A keymap name as a person reads it: named keys capitalised (`enter` -> `Enter`,
/// `ctrl-c` -> `Ctrl-c`), characters as they are.
fn shown(key: &str) -> String {
    if key.chars().count() == 1 {
        return key.to_owned();
    }
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::context::Context;
    use crate::app::keymap::Keymap;

    #[test]
    fn hints_follow_the_keymap() {
        let defaults = Keymap::defaults();
        let (message, choose) = (
            defaults.within(Context::Message),
            defaults.within(Context::Choose),
        );
        assert_eq!(key(message, Action::Back).as_deref(), Some("q"));
        assert_eq!(key(message, Action::Open).as_deref(), Some("Enter"));
        let choosing = pair(choose, Action::Down, Action::Up, "choose");
        assert_eq!(choosing.as_deref(), Some("j/k choose"));
        let rebound = Keymap::with_user_file("[keys]\nT = \"none\"\nx = \"trust_portal\"\n")
            .expect("a keymap");
        let trusts = fill(
            rebound.within(Context::Message),
            Action::TrustPortal,
            "{} trusts",
        );
        assert_eq!(trusts.as_deref(), Some("x trusts"));
        let unbound = Keymap::with_user_file("[keys]\nT = \"none\"\n").expect("a keymap");
        let message = unbound.within(Context::Message);
        assert_eq!(fill(message, Action::TrustPortal, "{} trusts"), None);
        assert_eq!(line([None, Some("a".into()), Some("b".into())]), "a · b");
        assert_eq!(shown("enter"), "Enter");
        assert_eq!(shown("ctrl-c"), "Ctrl-c");
    }
}
