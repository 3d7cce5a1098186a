//! Waiting for a child process with a deadline: the one loop that the commands sealmail runs
//! for the user (a viewer's pipe, the address book, gpg) share. Polled, so that it needs no
//! signal handling; a child past its deadline is killed and reaped.

use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// How often a running child is looked at: first after a millisecond, then less and less
/// often, up to this (a quick child is seen at once, a slow one costs little).
const POLL: Duration = Duration::from_millis(10);

/// The child's exit status, or `None` when it ran past `deadline` (then `before_kill` runs,
/// for whatever else must stop with it, and the child is killed and reaped) or could not be
/// waited for.
pub fn wait_until(
    child: &mut Child,
    deadline: Instant,
    before_kill: impl FnOnce(&Child),
) -> Option<ExitStatus> {
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(POLL);
            }
            _ => {
                before_kill(child);
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_is_waited_for_or_stopped_at_its_deadline() {
        let mut quick = std::process::Command::new("true").spawn().unwrap();
        let soon = Instant::now() + Duration::from_secs(10);
        assert!(wait_until(&mut quick, soon, |_| {}).is_some_and(|s| s.success()));
        let mut slow = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let started = Instant::now();
        let mut told = false;
        let stopped = wait_until(&mut slow, started + Duration::from_millis(100), |_| {
            told = true
        });
        assert!(stopped.is_none() && told);
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
