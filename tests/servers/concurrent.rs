//! The list is never wrong: while the reader loads a folder, another client expunges messages
//! and appends new ones, at many different moments of the load. Afterwards the reader's list
//! must hold exactly the UIDs a separate `UID SEARCH ALL` finds, on every server (Cyrus
//! withholds EXPUNGE during a FETCH and sends it later, RFC 3501 7.4.1; Dovecot does not).

use std::time::{Duration, Instant};

use sealmail::mail::{SourceCommand, SourceEvent};

use crate::common::{Reader, message};
use crate::server_common::{View, ranges};
use crate::support::{Cyrus, CyrusOptions, Server, ServerKind};

const USER: &str = "alice";
const INITIAL: usize = 300;
/// Moments (ms after the reader is asked to open the folder) at which the other client starts
/// changing it: from "before the SELECT" to "after the load, while idling".
const DELAYS_MS: [u64; 8] = [0, 2, 5, 10, 20, 40, 80, 150];

/// What the other client does, in two steps.
#[derive(Clone, Copy, Debug)]
enum Changes {
    /// Expunges only: no new EXISTS wakes the reader, so on Cyrus nothing tells it of the
    /// expunges until it sends a command that allows EXPUNGE responses.
    Expunges,
    /// Expunges, each followed by a new message.
    ExpungesAndAppends,
}

/// Every moment with every kind of change, with and without the parallel fill.
fn rounds() -> Vec<(u64, Changes, bool)> {
    let mut rounds = Vec::new();
    for delay in DELAYS_MS {
        for changes in [Changes::Expunges, Changes::ExpungesAndAppends] {
            for parallel_fill in [false, true] {
                rounds.push((delay, changes, parallel_fill));
            }
        }
    }
    rounds
}
const WINDOW: u32 = 20;

on_every_server!(loading_while_another_client_expunges_and_appends);

/// Without QRESYNC the reader sees Cyrus's held-back EXPUNGEs as sequence numbers only: the
/// case of issue 11's vanishing messages.
#[tokio::test]
async fn loading_while_another_client_changes_the_folder_on_cyrus_without_qresync() {
    for options in [CyrusOptions::debian(), CyrusOptions::upstream()] {
        let server = Server::Cyrus(Cyrus::start(options.without_qresync()).await);
        let mut client = server.client(USER).await;
        let capabilities = client.ok("CAPABILITY").await;
        client.logout().await;
        assert!(
            !format!("{capabilities:?}").contains("QRESYNC"),
            "{capabilities:?}"
        );
        race(&server, &format!("{} without QRESYNC", server.name()), true).await;
    }
}

/// The same on Dovecot with the reader not enabling the QRESYNC it offers: the RFC 3501 path
/// (EXPUNGE by sequence number) against a server that sends EXPUNGE at once.
#[tokio::test]
async fn loading_while_another_client_changes_the_folder_on_dovecot_without_qresync() {
    let server = Server::start(ServerKind::Dovecot).await;
    race(&server, "Dovecot, QRESYNC not enabled", false).await;
}

/// splitmix64, so every run races the same choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Victims spread over the folder: some in the newest window (loaded first), some in the
/// middle, some among the oldest (loaded last).
fn victims(rng: &mut Rng, uids: &[u32]) -> Vec<u32> {
    let n = uids.len();
    let mut picked = Vec::new();
    let bands = [
        (n.saturating_sub(WINDOW as usize), n, 3),
        (n / 3, 2 * n / 3, 3),
        (0, n / 4, 2),
    ];
    for (lo, hi, count) in bands {
        for _ in 0..count {
            if hi > lo {
                let uid = uids[lo + rng.below(hi - lo)];
                if !picked.contains(&uid) {
                    picked.push(uid);
                }
            }
        }
    }
    picked
}

async fn loading_while_another_client_expunges_and_appends(kind: ServerKind) {
    let server = Server::start(kind).await;
    race(&server, server.name(), true).await;
}

/// Races the load against the other client's changes; `qresync` is the reader's setting (it
/// enables QRESYNC only where the server offers it).
async fn race(server: &Server, label: &str, qresync: bool) {
    let inbox = "INBOX";
    server.populate(USER, inbox, 0, INITIAL).await;
    let mut rng = Rng(0x5EA1_0000 + server.kind() as u64);
    let mut raced = 0usize;
    let mut failures = Vec::new();
    let rounds = rounds();
    for (round, (delay_ms, changes, parallel_fill)) in rounds.iter().copied().enumerate() {
        let context = format!(
            "{label}, round {round} ({changes:?} {delay_ms} ms into the load, parallel fill: \
             {parallel_fill})"
        );
        let appends = match changes {
            Changes::Expunges => 0,
            Changes::ExpungesAndAppends => 2,
        };
        let before = server.uids(USER, inbox).await;
        let victims = victims(&mut rng, &before);
        let (first, second) = victims.split_at(victims.len() / 2);

        // The other client is logged in and has the folder selected before the load starts,
        // so its changes land at the chosen moment.
        let mut other = server.client(USER).await;
        other.select(inbox).await;
        let mut settings = server.settings(USER);
        // a second connection fills in the older part in parallel
        settings.parallel_fill_min = parallel_fill.then_some(100);
        settings.qresync = qresync;
        let mut reader = Reader::start(settings);
        reader.online().await;

        let req = round as u64 + 1;
        let mut view = View::default();
        let mut answers = Vec::new();
        let started = Instant::now();
        let change = async {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            let at = started.elapsed();
            for (step, victims) in [first, second].into_iter().enumerate() {
                answers.push(other.expunge_uids(victims).await);
                if appends > 0 {
                    let subject = format!("Racing {round} {step}");
                    other
                        .append(inbox, "", &message(&subject, "new while loading"))
                        .await;
                }
            }
            (at, started.elapsed())
        };
        let load = async {
            reader
                .send(SourceCommand::OpenFolder {
                    req,
                    folder: inbox.into(),
                    window: WINDOW,
                })
                .await;
            while !view.loaded {
                let event = reader.next().await;
                if let SourceEvent::Connection(_) | SourceEvent::Notice(_) = &event {
                    view.log.push(format!("(during the load) {event:?}"));
                }
                view.apply(req, inbox, event);
            }
            started.elapsed()
        };
        let ((change_start, change_end), loaded_at) = tokio::join!(change, load);
        if change_start < loaded_at {
            raced += 1;
        }
        view.log.push(format!(
            "(other client: changes from {change_start:?} to {change_end:?}; load done at \
             {loaded_at:?}; expunged {} then {})",
            ranges(first),
            ranges(second)
        ));
        for answer in &answers {
            view.log
                .push(format!("(other client's UID EXPUNGE answer) {answer:?}"));
        }
        other.logout().await;

        let truth = server.uids(USER, inbox).await;
        assert_eq!(
            truth.len(),
            before.len() - victims.len() + appends,
            "{context}: the server applied the changes"
        );
        // every round runs, so that a failure shows which moments go wrong
        if let Err(why) = view
            .try_settle(
                &mut reader,
                req,
                inbox,
                &truth,
                // a right list settles within milliseconds (IDLE); a wrong one never does
                Duration::from_secs(5),
                &context,
            )
            .await
        {
            failures.push(why);
        }
        reader.shutdown().await;
    }
    assert!(
        failures.is_empty(),
        "{label}: {} of {} rounds ended with a wrong list:\n\n{}",
        failures.len(),
        rounds.len(),
        failures.join("\n\n")
    );
    // Not an assertion on timing (the machine may be slow), but say how many rounds the
    // changes really overlapped the load.
    eprintln!(
        "{label}: the other client's changes began before the load finished in {raced} of {} rounds",
        rounds.len()
    );
}
