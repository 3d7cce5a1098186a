//! The header cache's file format: one file per account and folder, holding the folder's
//! UIDVALIDITY and HIGHESTMODSEQ and, for each message, what its list row shows. Nothing
//! else: no body, no header beyond the row's sender and subject, nothing decrypted.
//!
//! ```text
//! "SMHC" | version u16 | account key [32] | folder key [32] | uidvalidity u32
//!        | highestmodseq u64 (0: none) | rows u32 | rows… | SHA-256 of all before [32]
//! row:   uid u32 | flags u8 | marks u8 | date i64 | size u32 | vendor (u8 len, bytes)
//!        | from (u16 len, bytes) | subject (u16 len, bytes)
//! ```
//! Little-endian. Reading is total: a short, long, altered or foreign file (another
//! account's, another folder's, another version's) is refused whole, never half trusted.
//! Text read back is sanitised again, as if it came from a server.
// Input from disk: every path is total, no slicing or indexing that can panic.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

use sha2::{Digest, Sha256};

use crate::detect::crypto::{Protection, Scheme};
use crate::detect::{PortalMark, Vendor};
use crate::mail::{Flags, Row, RowText};

const MAGIC: &[u8; 4] = b"SMHC";
const VERSION: u16 = 2;
/// The length of the digest that ends a file.
pub const DIGEST: usize = 32;
/// Rows of more than this many bytes of text are cut (a list row shows far less).
const MAX_TEXT: usize = 4096;

const ATTACHMENT: u8 = 1;
const PORTAL: u8 = 2;
const SUSPICIOUS: u8 = 4;
const UNVERIFIED: u8 = 8;
const ENCRYPTED: u8 = 16;
const SIGNED: u8 = 32;
/// With ENCRYPTED or SIGNED: S/MIME, else OpenPGP.
const SMIME: u8 = 64;

/// Whose file it is: the account and the folder, as keys that name neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    pub account: [u8; 32],
    pub folder: [u8; 32],
}

impl Owner {
    /// The keys of an account (server, port, user) and one of its folders.
    pub fn new(account: &str, folder: &str) -> Owner {
        Owner {
            account: Sha256::digest(account.as_bytes()).into(),
            folder: Sha256::digest(folder.as_bytes()).into(),
        }
    }
}

/// What a folder's file holds besides its rows.
pub use crate::mail::FolderVersion as Version;

/// Row records ready to be framed into a file: how many, and their bytes.
pub use crate::mail::EncodedRows;

/// A folder's cached rows, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cached {
    pub version: Version,
    pub rows: Vec<Row>,
}

/// Why a file was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not this format, or another version of it.
    Foreign,
    /// Another account's or folder's file.
    NotOurs,
    /// Cut short, altered, or with bytes after its end.
    Damaged,
}

/// The whole file for `rows` (newest first, as the list holds them).
pub fn encode(owner: &Owner, version: Version, rows: &[Row]) -> Vec<u8> {
    let body = encode_rows(rows);
    let mut out = header(owner, version, body.count);
    out.extend_from_slice(&body.bytes);
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    out
}

/// The row records of `rows` (newest first), made where the rows are (the reader), so that
/// keeping a folder costs its encoded bytes rather than a copy of every row.
pub fn encode_rows(rows: &[Row]) -> EncodedRows {
    let mut bytes = Vec::with_capacity(rows.len() * 64);
    let mut count = 0u32;
    for row in rows.iter().take(u32::MAX as usize) {
        encode_row(&mut bytes, row);
        count += 1;
    }
    EncodedRows { count, bytes }
}

/// The file's header for `count` rows.
pub fn header(owner: &Owner, version: Version, count: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&owner.account);
    out.extend_from_slice(&owner.folder);
    out.extend_from_slice(&version.uid_validity.to_le_bytes());
    out.extend_from_slice(&version.highest_modseq.unwrap_or(0).to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out
}

/// The length of [`header`]: magic, version, owner keys, UIDVALIDITY, HIGHESTMODSEQ, count.
pub const HEADER_LEN: usize = 4 + 2 + 32 + 32 + 4 + 8 + 4;

/// The digest that ends a file, SHA-256 over its header and rows, taken in pieces: bytes
/// are written to it (`io::copy` from the file).
#[derive(Default)]
pub struct Hasher(Sha256);

impl Hasher {
    pub fn finish(self) -> [u8; DIGEST] {
        self.0.finalize().into()
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn scheme_bit(scheme: Scheme) -> u8 {
    match scheme {
        Scheme::Smime => SMIME,
        Scheme::OpenPgp => 0,
    }
}

fn encode_row(out: &mut Vec<u8>, row: &Row) {
    out.extend_from_slice(&row.uid.to_le_bytes());
    out.push(row.flags.0);
    let mut marks = 0;
    if row.attachment {
        marks |= ATTACHMENT;
    }
    if let Some(mark) = row.portal {
        marks |= PORTAL;
        if mark.suspicious {
            marks |= SUSPICIOUS;
        }
        if mark.unverified {
            marks |= UNVERIFIED;
        }
    }
    marks |= match row.protection {
        None => 0,
        Some(Protection::Encrypted(scheme)) => ENCRYPTED | scheme_bit(scheme),
        Some(Protection::Signed(scheme)) => SIGNED | scheme_bit(scheme),
    };
    out.push(marks);
    out.extend_from_slice(&row.date.to_le_bytes());
    out.extend_from_slice(&row.size.to_le_bytes());
    // Vendor ids are short words; one too long to store is stored as none.
    let vendor = row.portal.map_or("", |m| m.vendor.as_str());
    let vendor = if vendor.len() <= usize::from(u8::MAX) {
        vendor
    } else {
        ""
    };
    out.push(u8::try_from(vendor.len()).unwrap_or(0));
    out.extend_from_slice(vendor.as_bytes());
    for text in [row.from(), row.subject()] {
        let text = cut(text, MAX_TEXT);
        out.extend_from_slice(&u16::try_from(text.len()).unwrap_or(0).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
    }
}

/// `text` cut to at most `max` bytes at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// The rows of [`encode_rows`] read back (none if they do not read as rows).
pub fn decode_rows(rows: &EncodedRows) -> Vec<Row> {
    let mut r = Reader { rest: &rows.bytes };
    let read: Option<Vec<Row>> = (0..rows.count).map(|_| decode_row(&mut r)).collect();
    read.filter(|_| r.rest.is_empty()).unwrap_or_default()
}

/// Reads a file written by [`encode`] for `owner`, whole: its format, its digest, then its
/// header and rows.
pub fn decode(owner: &Owner, bytes: &[u8]) -> Result<Cached, Refused> {
    let body_len = bytes.len().checked_sub(DIGEST).ok_or(Refused::Damaged)?;
    let (body, digest) = bytes.split_at(body_len);
    check_format(body)?;
    if Sha256::digest(body).as_slice() != digest {
        return Err(Refused::Damaged);
    }
    let mut decoder = StreamDecoder::open(owner, body, body_len)?;
    let version = decoder.version();
    let rows = decoder.rows(usize::MAX)?;
    decoder.finish()?;
    Ok(Cached { version, rows })
}

/// The file's first bytes say it is this format in this version.
pub fn check_format(start: &[u8]) -> Result<(), Refused> {
    let mut r = Reader { rest: start };
    if r.take(4) != Some(MAGIC.as_slice()) || r.u16() != Some(VERSION) {
        return Err(Refused::Foreign);
    }
    Ok(())
}

/// Reads the header of a file whose header and rows take `body_len` bytes: what the rows
/// stand for and how many there are, when the file is `owner`'s.
fn read_header(
    owner: &Owner,
    r: &mut Reader<'_>,
    body_len: usize,
) -> Result<(Version, usize), Refused> {
    r.take(4 + 2).ok_or(Refused::Damaged)?;
    let account = r.take(32).ok_or(Refused::Damaged)?;
    let folder = r.take(32).ok_or(Refused::Damaged)?;
    if account != owner.account || folder != owner.folder {
        return Err(Refused::NotOurs);
    }
    let uid_validity = r.u32().ok_or(Refused::Damaged)?;
    let modseq = r.u64().ok_or(Refused::Damaged)?;
    let count = r.u32().ok_or(Refused::Damaged)? as usize;
    // Each row takes at least MIN_RECORD bytes: a count beyond what the file holds is a lie.
    if count > body_len.saturating_sub(HEADER_LEN) / MIN_RECORD {
        return Err(Refused::Damaged);
    }
    let version = Version {
        uid_validity,
        highest_modseq: (modseq != 0).then_some(modseq),
    };
    Ok((version, count))
}

/// The smallest row record: its fixed fields, an empty vendor and two empty texts.
const MIN_RECORD: usize = 4 + 1 + 1 + 8 + 4 + 1 + 2 + 2;
/// The largest row record a file can hold (texts are written shorter; a file may lie).
const MAX_RECORD: usize = MIN_RECORD + u8::MAX as usize + 2 * u16::MAX as usize;

/// A file read from a stream rather than whole, so that reading 100,000 rows never holds the
/// file's bytes beside them: [`check_format`] and the digest ([`Hasher`]) are checked by the
/// caller over the file first; this reads the header and then the rows in steps, from
/// `input`, which ends where the digest begins.
pub struct StreamDecoder<R> {
    input: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    version: Version,
    left: usize,
}

impl<R: std::io::Read> StreamDecoder<R> {
    /// Reads the header of a file whose header and rows, `body_len` bytes, `input` yields.
    pub fn open(owner: &Owner, input: R, body_len: usize) -> Result<StreamDecoder<R>, Refused> {
        let mut decoder = StreamDecoder {
            input,
            buf: Vec::with_capacity(2 * MAX_RECORD),
            pos: 0,
            eof: false,
            version: Version {
                uid_validity: 0,
                highest_modseq: None,
            },
            left: 0,
        };
        decoder.fill(HEADER_LEN)?;
        let mut r = Reader {
            rest: decoder.buf.get(..).unwrap_or_default(),
        };
        let (version, count) = read_header(owner, &mut r, body_len)?;
        decoder.pos = HEADER_LEN;
        decoder.version = version;
        decoder.left = count;
        Ok(decoder)
    }

    pub fn version(&self) -> Version {
        self.version
    }

    /// Rows not read yet.
    pub fn left(&self) -> usize {
        self.left
    }

    /// Has at least `want` bytes from `pos` in the buffer, unless the input ends first.
    fn fill(&mut self, want: usize) -> Result<(), Refused> {
        if self.buf.len() - self.pos >= want || self.eof {
            return Ok(());
        }
        self.buf.drain(..self.pos);
        self.pos = 0;
        let mut block = [0u8; 64 * 1024];
        while self.buf.len() < want.max(2 * MAX_RECORD) && !self.eof {
            match self.input.read(&mut block) {
                Ok(0) => self.eof = true,
                Ok(n) => self
                    .buf
                    .extend_from_slice(block.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(Refused::Damaged),
            }
        }
        Ok(())
    }

    /// The next `most` rows (fewer at the end).
    pub fn rows(&mut self, most: usize) -> Result<Vec<Row>, Refused> {
        let n = most.min(self.left);
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            self.fill(MAX_RECORD)?;
            let rest = self.buf.get(self.pos..).unwrap_or_default();
            let mut r = Reader { rest };
            let row = decode_row(&mut r).ok_or(Refused::Damaged)?;
            self.pos += rest.len() - r.rest.len();
            rows.push(row);
        }
        self.left -= n;
        Ok(rows)
    }

    /// Every row was read and nothing follows them.
    pub fn finish(mut self) -> Result<(), Refused> {
        self.fill(1)?;
        if self.left == 0 && self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(Refused::Damaged)
        }
    }
}

fn decode_row(r: &mut Reader<'_>) -> Option<Row> {
    let uid = r.u32()?;
    let flags = Flags(r.u8()? & Flags::ALL.0);
    let marks = r.u8()?;
    let date = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
    let size = r.u32()?;
    let vendor_len = usize::from(r.u8()?);
    let vendor = std::str::from_utf8(r.take(vendor_len)?).ok()?;
    let from = r.text()?;
    let subject = r.text()?;
    let portal = (marks & PORTAL != 0)
        .then(|| Vendor::ALL.into_iter().find(|v| v.as_str() == vendor))
        .flatten()
        .map(|vendor| PortalMark {
            vendor,
            suspicious: marks & SUSPICIOUS != 0,
            unverified: marks & UNVERIFIED != 0,
        });
    let scheme = if marks & SMIME != 0 {
        Scheme::Smime
    } else {
        Scheme::OpenPgp
    };
    let protection = if marks & ENCRYPTED != 0 {
        Some(Protection::Encrypted(scheme))
    } else if marks & SIGNED != 0 {
        Some(Protection::Signed(scheme))
    } else {
        None
    };
    Some(Row {
        uid,
        flags,
        date,
        text: RowText::line(from, subject),
        size,
        attachment: marks & ATTACHMENT != 0,
        portal,
        protection,
    })
}

/// A cursor over the file's bytes; every read is checked.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.rest.len() {
            return None;
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn text(&mut self) -> Option<&'a str> {
        let len = usize::from(self.u16()?);
        std::str::from_utf8(self.take(len)?).ok()
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn rows(n: u32) -> Vec<Row> {
        (1..=n)
            .rev()
            .map(|uid| Row {
                uid,
                flags: Flags(u8::try_from(uid % 32).unwrap_or(0)),
                date: 1_700_000_000 + i64::from(uid),
                text: RowText::line(&format!("Jürgen {uid}"), &format!("Grüße Nr. {uid} 見積")),
                size: uid * 7,
                attachment: uid % 3 == 0,
                portal: (uid % 5 == 0).then_some(PortalMark {
                    vendor: if uid % 2 == 0 {
                        Vendor::Sealed
                    } else {
                        Vendor::Proofpoint
                    },
                    suspicious: uid % 4 == 0,
                    unverified: uid % 3 == 0,
                }),
                // Every kind of protection, and none, round-trips.
                protection: match uid % 5 {
                    1 => Some(Protection::Encrypted(Scheme::Smime)),
                    2 => Some(Protection::Encrypted(Scheme::OpenPgp)),
                    3 => Some(Protection::Signed(Scheme::Smime)),
                    4 => Some(Protection::Signed(Scheme::OpenPgp)),
                    _ => None,
                },
            })
            .collect()
    }

    fn owner() -> Owner {
        Owner::new("imap.example.test:993:alice", "INBOX")
    }

    const VERSION_1: Version = Version {
        uid_validity: 77,
        highest_modseq: Some(123_456),
    };

    #[test]
    fn rows_come_back_as_they_were() {
        let rows = rows(500);
        let bytes = encode(&owner(), VERSION_1, &rows);
        let back = decode(&owner(), &bytes).expect("readable");
        assert_eq!(back.version, VERSION_1);
        assert_eq!(back.rows, rows);
        let none = Version {
            uid_validity: 1,
            highest_modseq: None,
        };
        let empty = decode(&owner(), &encode(&owner(), none, &[])).expect("readable");
        assert_eq!((empty.version, empty.rows.len()), (none, 0));
    }

    #[test]
    fn every_damaged_or_foreign_file_is_refused_whole() {
        let bytes = encode(&owner(), VERSION_1, &rows(50));
        for cut in [0, 1, 3, 10, 70, 100, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&owner(), &bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&owner(), &longer), Err(Refused::Damaged));
        for at in [6, 80, 200, bytes.len() / 2, bytes.len() - 40] {
            let mut altered = bytes.clone();
            altered[at] ^= 0x20;
            assert_eq!(
                decode(&owner(), &altered),
                Err(Refused::Damaged),
                "byte {at}"
            );
        }
        let other_folder = Owner::new("imap.example.test:993:alice", "Archive");
        assert_eq!(decode(&other_folder, &bytes), Err(Refused::NotOurs));
        let other_account = Owner::new("imap.example.test:993:bob", "INBOX");
        assert_eq!(decode(&other_account, &bytes), Err(Refused::NotOurs));
        let mut other_version = bytes.clone();
        other_version[4] = 9;
        assert_eq!(decode(&owner(), &other_version), Err(Refused::Foreign));
        assert_eq!(
            decode(&owner(), b"garbage garbage garbage garbage garbage"),
            Err(Refused::Foreign)
        );
    }

    #[test]
    fn any_bytes_are_read_without_panic() {
        let mut seed = 0x1234_5678_9abc_def0_u64;
        let valid = encode(&owner(), VERSION_1, &rows(20));
        for round in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut bytes = valid.clone();
            // Damage the body and recompute the digest, so that the row reader itself is
            // exercised on every shape of bytes.
            let body_len = bytes.len() - DIGEST;
            for k in 0..(1 + round % 8) {
                let at = 80 + ((seed >> (k * 7)) as usize % (body_len - 80));
                bytes[at] = (seed >> (k * 3)) as u8;
            }
            bytes.truncate(body_len - (seed as usize % 40));
            let digest = Sha256::digest(&bytes);
            bytes.extend_from_slice(&digest);
            let _ = decode(&owner(), &bytes);
        }
    }

    #[test]
    fn text_read_back_is_sanitised_again() {
        let mut row = rows(1).remove(0);
        row.text = row.text.with_subject("plain");
        let mut bytes = encode(&owner(), VERSION_1, &[row]);
        // Put an escape character into the stored subject and make the digest fit again.
        let body_len = bytes.len() - DIGEST;
        let at = body_len - 5;
        bytes[at] = 0x1b;
        bytes.truncate(body_len);
        let digest = Sha256::digest(&bytes);
        bytes.extend_from_slice(&digest);
        let back = decode(&owner(), &bytes).expect("readable");
        assert!(!back.rows[0].subject().contains('\u{1b}'));
    }
}
