//! The demo mailbox: sample messages embedded in the binary (`assets/demo/`), written into a
//! private temporary Maildir with their dates moved so that the newest arrived minutes ago.
//! A few of them are sealed at start by the demo's own portal on loopback ([`portal`]), whose
//! passcode mail lands in the same inbox, so the whole sealed-message flow works with nothing
//! installed. Its own SMTP server on loopback ([`smtp`]) takes what the composer sends and
//! delivers it into the same Maildir ([`delivery`]: to the demo user's INBOX, or to
//! `.Delivered` for anyone else). Its S/MIME messages open with the demo user's certificate
//! and the demo root ([`smime`]). No ratatui or crossterm here.

mod background;
mod delivery;
mod messages;
pub mod portal;
pub mod smime;
pub mod smtp;

pub use delivery::DELIVERED;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use messages::MESSAGES;

/// The newest demo message arrives this long before "now".
const NEWEST_AGE_S: i64 = 7 * 60;
/// A demo message without a Date header arrives this long before the newest one.
const UNDATED_BEFORE_NEWEST_S: i64 = 3 * 3600;

/// The demo's Trash folder (empty at start).
const TRASH: &str = ".Trash";
/// Where the demo keeps the copies of what it sent (Maildir++ folder, flag `S`).
pub const SENT: &str = ".Sent";
/// Where the demo keeps postponed messages (flags `D` and `S`).
pub const DRAFTS: &str = ".Drafts";

/// The directory of the demo's second account, below the first's root.
const SECOND_ACCOUNT: &str = "second-account";

/// The demo user's address: every demo message is to them, and sealed for them.
pub const ADDRESS: &str = "sam@example.org";

/// The demo Maildir on disk and its portal; the portal stops and the Maildir is deleted when
/// dropped.
#[derive(Debug)]
pub struct DemoMailbox {
    // Declared first so they stop before the Maildir they deliver into is removed.
    portal: Option<portal::DemoPortal>,
    smtp: smtp::DemoSmtp,
    dir: tempfile::TempDir,
    messages: usize,
}

impl DemoMailbox {
    /// The Maildir root (INBOX), to hand to `maildir::spawn`.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A second, smaller Maildir beside the first (its archived messages), so that switching
    /// accounts can be tried in the demo. Not a folder of the first: its name has no dot.
    pub fn second_account(&self) -> PathBuf {
        self.dir.path().join(SECOND_ACCOUNT)
    }

    /// How many messages were written.
    pub fn messages(&self) -> usize {
        self.messages
    }

    /// The demo user's address, for passcode sign-ins.
    pub fn address(&self) -> &'static str {
        ADDRESS
    }

    /// The origin of the demo's portal (`http://127.0.0.1:PORT`), to trust in the flow.
    pub fn portal_origin(&self) -> Option<&str> {
        self.portal.as_ref().map(|p| p.origin())
    }

    /// Flow settings for the demo: its portal trusted, and no trust file written.
    pub fn flow_settings(
        &self,
        metrics: crate::metrics::Metrics,
    ) -> crate::sealed::flow::FlowSettings {
        crate::sealed::flow::FlowSettings {
            trusted_portals: self
                .portal_origin()
                .map(str::to_owned)
                .into_iter()
                .collect(),
            trust_file: None,
            ca_file: None,
            metrics,
        }
    }

    /// Where the composer submits in the demo: the demo's SMTP server on loopback
    /// (`smtp+insecure://127.0.0.1:PORT`).
    pub fn smtp_url(&self) -> String {
        self.smtp.url()
    }

    /// The Maildir folder (its directory) `folder` of the demo: [`SENT`], [`DRAFTS`],
    /// [`DELIVERED`].
    pub fn folder(&self, folder: &str) -> PathBuf {
        folder_dir(self.dir.path(), folder)
    }

    /// Takes the portal out, to stop it (by dropping it) before the mailbox goes.
    pub fn take_portal(&mut self) -> Option<portal::DemoPortal> {
        self.portal.take()
    }
}

/// One message of `assets/demo/`, embedded.
struct DemoMessage {
    /// The Maildir++ folder (`INBOX`, `.Sent`, ...).
    folder: &'static str,
    /// Maildir info letters; empty: unseen, in `new/`.
    flags: &'static str,
    /// Its path below `assets/demo/`.
    #[cfg_attr(not(test), allow(dead_code))]
    path: &'static str,
    raw: &'static [u8],
    /// The inner message of a sealed message: sealed by the demo portal at start.
    sealed: bool,
}

/// Writes the demo mailbox into a fresh private (0700) temporary directory, dated relative to
/// the current time.
pub fn materialize() -> io::Result<DemoMailbox> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(io::Error::other)?
        .as_secs();
    materialize_at(i64::try_from(now).map_err(io::Error::other)?)
}

/// [`materialize`] as if the time were `now` (Unix seconds).
pub fn materialize_at(now: i64) -> io::Result<DemoMailbox> {
    let dates: Vec<Option<i64>> = MESSAGES
        .iter()
        .map(|m| date_header(m.raw).map(|(_, date)| date.timestamp()))
        .collect();
    let newest = dates.iter().flatten().copied().max().unwrap_or(now);
    let shift = now - NEWEST_AGE_S - newest;

    let mut builder = tempfile::Builder::new();
    builder.prefix("sealmail-demo-");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    let dir = builder.tempdir()?;
    // Every folder of the messages, an empty Trash for the delete key to move to, and the
    // folders the composer writes into: what it sent, postponed, and delivered to others.
    let folders = MESSAGES
        .iter()
        .map(|m| m.folder)
        .chain([TRASH, SENT, DRAFTS, DELIVERED]);
    for folder in folders {
        let folder_dir = folder_dir(dir.path(), folder);
        for sub in ["cur", "new", "tmp"] {
            create_private_dir(&folder_dir.join(sub))?;
        }
    }
    let arrival_of = |date: &Option<i64>| {
        date.unwrap_or(newest - UNDATED_BEFORE_NEWEST_S)
            .saturating_add(shift)
    };
    let to_seal: Vec<portal::ToSeal> = MESSAGES
        .iter()
        .zip(&dates)
        .filter(|(m, _)| m.sealed)
        .map(|(m, date)| portal::ToSeal {
            inner: with_date_shifted(m.raw, shift),
            created: arrival_of(date),
        })
        .collect();
    let (portal, sealed) = if to_seal.is_empty() {
        (None, Vec::new())
    } else {
        let (portal, sealed) = portal::start(dir.path(), to_seal)?;
        (Some(portal), sealed)
    };
    let smtp = smtp::start(dir.path())?;
    let mut sealed = sealed.into_iter();
    let pid = std::process::id();
    for (i, (message, date)) in MESSAGES.iter().zip(&dates).enumerate() {
        let arrival = arrival_of(date);
        let raw = if message.sealed {
            sealed
                .next()
                .ok_or_else(|| io::Error::other("the demo portal sealed too few messages"))?
        } else {
            with_date_shifted(message.raw, shift)
        };
        let unique = format!("{arrival}.M{i}P{pid}.sealmail-demo");
        let (sub, name) = if message.flags.is_empty() {
            ("new", unique.clone())
        } else {
            ("cur", format!("{unique}:2,{}", message.flags))
        };
        let folder_dir = folder_dir(dir.path(), message.folder);
        let tmp = folder_dir.join("tmp").join(&unique);
        write_private(&tmp, &raw, arrival)?;
        fs::rename(&tmp, folder_dir.join(sub).join(&name))?;
        // The second account's INBOX holds a copy of the archived messages.
        if message.folder == ".Archive" {
            let second = dir.path().join(SECOND_ACCOUNT);
            for sub in ["cur", "new", "tmp"] {
                create_private_dir(&second.join(sub))?;
            }
            let tmp = second.join("tmp").join(&unique);
            write_private(&tmp, &raw, arrival)?;
            fs::rename(&tmp, second.join(sub).join(&name))?;
        }
    }
    Ok(DemoMailbox {
        portal,
        smtp,
        dir,
        messages: MESSAGES.len(),
    })
}

fn folder_dir(root: &Path, folder: &str) -> PathBuf {
    if folder == crate::maildir::layout::INBOX {
        root.to_path_buf()
    } else {
        root.join(folder)
    }
}

/// The byte range of the top-level Date field (folded lines included) and its parsed value.
fn date_header(
    raw: &[u8],
) -> Option<(
    std::ops::Range<usize>,
    chrono::DateTime<chrono::FixedOffset>,
)> {
    let mut start = 0;
    while start < raw.len() {
        let end = line_end(raw, start);
        let line = &raw[start..end];
        if line.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            return None; // the end of the header
        }
        if line.len() >= 5 && line[..5].eq_ignore_ascii_case(b"date:") {
            let mut field_end = end;
            while field_end < raw.len() && matches!(raw[field_end], b' ' | b'\t') {
                field_end = line_end(raw, field_end);
            }
            let value = std::str::from_utf8(&raw[start + 5..field_end]).ok()?;
            let unfolded = value.split_whitespace().collect::<Vec<_>>().join(" ");
            let date = chrono::DateTime::parse_from_rfc2822(&unfolded).ok()?;
            return Some((start..field_end, date));
        }
        start = end;
    }
    None
}

/// The index just past the line that starts at `start` (its newline included).
fn line_end(raw: &[u8], start: usize) -> usize {
    raw[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(raw.len(), |i| start + i + 1)
}

/// The message with its Date header moved by `shift` seconds, in its own time zone.
fn with_date_shifted(raw: &[u8], shift: i64) -> Vec<u8> {
    let Some((range, date)) = date_header(raw) else {
        return raw.to_vec();
    };
    let moved = date
        .checked_add_signed(chrono::TimeDelta::seconds(shift))
        .unwrap_or(date);
    let newline: &[u8] = if raw[..range.end].ends_with(b"\r\n") {
        b"\r\n"
    } else {
        b"\n"
    };
    let mut out = Vec::with_capacity(raw.len() + 8);
    out.extend_from_slice(&raw[..range.start]);
    out.extend_from_slice(format!("Date: {}", moved.to_rfc2822()).as_bytes());
    out.extend_from_slice(newline);
    out.extend_from_slice(&raw[range.end..]);
    out
}

fn write_private(path: &Path, raw: &[u8], mtime: i64) -> io::Result<()> {
    let file = crate::paths::write_private_new(path, raw)?;
    let when = UNIX_EPOCH + Duration::from_secs(u64::try_from(mtime).unwrap_or(0));
    file.set_times(fs::FileTimes::new().set_modified(when))
}

fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_file_is_embedded() {
        let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
        let mut on_disk = Vec::new();
        for dir in fs::read_dir(&assets).expect("assets/demo") {
            let dir = dir.expect("entry").path();
            if !dir.is_dir() {
                continue;
            }
            for file in fs::read_dir(&dir).expect("folder") {
                let file = file.expect("entry").path();
                if file.extension().is_some_and(|e| e == "eml") {
                    let relative = file.strip_prefix(&assets).expect("below assets");
                    on_disk.push(relative.to_string_lossy().into_owned());
                }
            }
        }
        on_disk.sort();
        let mut listed: Vec<String> = MESSAGES.iter().map(|m| m.path.to_owned()).collect();
        listed.sort();
        assert_eq!(
            on_disk, listed,
            "run assets/demo/generate.py after changing the demo"
        );
        assert!(listed.len() >= 30, "a few dozen messages: {}", listed.len());
    }

    #[test]
    fn dates_move_and_keep_their_zone() {
        let raw = b"From: a@example.org\nDate: Tue, 1 Apr 2025 10:00:00 +0200\nSubject: x\n\nDate: body\n";
        let moved = with_date_shifted(raw, 86_400);
        let text = String::from_utf8(moved).expect("utf8");
        assert!(
            text.contains("Date: Wed, 2 Apr 2025 10:00:00 +0200\n"),
            "{text}"
        );
        assert!(text.ends_with("\n\nDate: body\n"), "the body is untouched");
        let folded = b"Date:\r\n Tue, 1 Apr 2025\r\n 10:00:00 +0000\r\nSubject: y\r\n\r\n";
        let text = String::from_utf8(with_date_shifted(folded, 60)).expect("utf8");
        assert_eq!(
            text,
            "Date: Tue, 1 Apr 2025 10:01:00 +0000\r\nSubject: y\r\n\r\n"
        );
        assert_eq!(
            with_date_shifted(b"Subject: none\n\nbody", 5),
            b"Subject: none\n\nbody"
        );
    }
}
