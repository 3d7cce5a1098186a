//! Background work on the open folder (loading its rows, resyncing) that failed for a reason
//! other than the connection: paused with a growing delay, then given up and said so. Such a
//! failure comes from what the server sent, and sending the same command again at once would
//! only fail again, so it is never retried in a tight loop.

use std::time::Duration;

use tokio::time::Instant;

/// Failures in a row after which the actor stops loading the folder.
pub const MAX_FAILURES: u32 = 4;

/// What to do after a failure.
#[derive(Debug, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again once this delay has passed.
    RetryIn(Duration),
    /// Stop the background work until the folder is opened again.
    GiveUp,
}

/// The failure count and pause of the open folder's background work.
#[derive(Debug, Default)]
pub struct Retry {
    failures: u32,
    paused_until: Option<Instant>,
}

impl Retry {
    /// Whether background work may run now.
    pub fn ready(&self, now: Instant) -> bool {
        self.paused_until.is_none_or(|until| now >= until)
    }

    /// When the pause ends, while there is one.
    pub fn paused_until(&self) -> Option<Instant> {
        self.paused_until
    }

    /// Counts a failure and decides what comes next: 1, 2, 4 s pauses, then give up.
    pub fn failed(&mut self, now: Instant) -> AfterFailure {
        self.failures = self.failures.saturating_add(1);
        if self.failures >= MAX_FAILURES {
            self.paused_until = None;
            return AfterFailure::GiveUp;
        }
        let delay = Duration::from_secs(1u64 << (self.failures - 1).min(5));
        self.paused_until = Some(now + delay);
        AfterFailure::RetryIn(delay)
    }

    /// A step went through: the count starts again.
    pub fn succeeded(&mut self) {
        *self = Retry::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_pause_longer_then_give_up() {
        let now = Instant::now();
        let mut retry = Retry::default();
        assert!(retry.ready(now));
        assert_eq!(
            retry.failed(now),
            AfterFailure::RetryIn(Duration::from_secs(1))
        );
        assert!(!retry.ready(now));
        assert!(retry.ready(now + Duration::from_secs(1)));
        assert_eq!(
            retry.failed(now),
            AfterFailure::RetryIn(Duration::from_secs(2))
        );
        assert_eq!(
            retry.failed(now),
            AfterFailure::RetryIn(Duration::from_secs(4))
        );
        assert_eq!(retry.failed(now), AfterFailure::GiveUp);
        assert!(retry.ready(now));
        retry.succeeded();
        assert_eq!(
            retry.failed(now),
            AfterFailure::RetryIn(Duration::from_secs(1))
        );
    }
}
