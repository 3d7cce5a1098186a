//! The sign-in as the reader holds it, for the mail account and a sealed message alike: the
//! last state heard and when its code expires on the reader's clock, so that the tick counts
//! the code down and no producer sends an event a second.

use crate::mail::SignInState;

/// A sign-in on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInShown {
    pub state: SignInState,
    /// When the code shown expires, in unix seconds on the reader's clock (0: no code shown).
    pub expires_at: i64,
}

impl SignInShown {
    /// `state` as heard at `now`.
    pub fn new(state: SignInState, now: i64) -> Self {
        let expires_at = match &state {
            SignInState::Waiting(prompt) => {
                now.saturating_add(i64::try_from(prompt.expires_in_s).unwrap_or(i64::MAX))
            }
            _ => 0,
        };
        Self { state, expires_at }
    }

    /// Whole seconds until the code expires at `now` (0 once it has).
    pub fn seconds_left(&self, now: i64) -> u64 {
        u64::try_from(self.expires_at.saturating_sub(now)).unwrap_or(0)
    }

    /// A code is shown and counts down.
    pub fn is_waiting(&self) -> bool {
        matches!(self.state, SignInState::Waiting(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::SignInPrompt;

    #[test]
    fn the_code_counts_down_on_the_readers_clock() {
        let prompt = SignInPrompt {
            provider: crate::sanitize::Clean::line("Google"),
            verification_uri: crate::sanitize::Clean::line("https://www.google.com/device"),
            verification_uri_complete: None,
            user_code: crate::sanitize::Clean::line("ABC-DEF"),
            expires_in_s: 900,
            slow_down: false,
            reason: None,
        };
        let shown = SignInShown::new(SignInState::Waiting(prompt.clone()), 1_000);
        assert!(shown.is_waiting());
        assert_eq!(shown.seconds_left(1_000), 900);
        assert_eq!(shown.seconds_left(1_899), 1);
        assert_eq!(shown.seconds_left(5_000), 0, "never below zero");
        let huge = SignInPrompt {
            expires_in_s: u64::MAX,
            ..prompt
        };
        let shown = SignInShown::new(SignInState::Waiting(huge), i64::MAX - 1);
        assert_eq!(shown.seconds_left(i64::MAX - 1), 1, "no overflow");
        let asking = SignInShown::new(
            SignInState::Requesting {
                provider: crate::sanitize::Clean::line("Google"),
                reason: None,
            },
            1_000,
        );
        assert!(!asking.is_waiting());
        assert_eq!(asking.seconds_left(1_000), 0);
    }
}
