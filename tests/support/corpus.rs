//! Deterministic, varied RFC 5322 messages for filling mailboxes, and the writer that puts
//! them straight into a Maildir the way Dovecot names its own files.
//!
//! Message `i` depends only on `i`: the same index always yields byte-identical bytes, so a
//! test can compute what the mailbox holds with [`generate_message`]. Mix: plain text (~60%),
//! multipart/alternative text + HTML (~35%), multipart/mixed with a base64 attachment (~5%);
//! ~20% non-ASCII display names and ~12% non-ASCII subjects (RFC 2047), ~30% replies with
//! `In-Reply-To`/`References`, some mailing-list headers; bodies of ~0.2-4 KB
//! (about 3 KB per message on average).

use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;

/// Arrival time of message 0; message `i` arrives about `i` half-hours later.
const EPOCH_START: i64 = 1_600_000_000; // 2020-09-13
const STEP_SECS: i64 = 1800;

/// One generated message.
#[derive(Clone, Debug)]
pub struct GeneratedMessage {
    /// The whole message, LF line ends (as Maildir files have them).
    pub bytes: Vec<u8>,
    /// Arrival time (IMAP INTERNALDATE), seconds since the epoch; grows with the index.
    pub arrival: i64,
    /// Maildir flag letters in ASCII order, e.g. `"RS"` (`F` flagged, `R` answered, `S` seen).
    pub flags: String,
    /// The subject as a reader shows it (decoded).
    pub subject: String,
    /// The sender's address.
    pub from: String,
    /// The Message-ID, with angle brackets.
    pub message_id: String,
}

impl GeneratedMessage {
    /// The Dovecot-style file name: `<time>.M<i>P<i>Q<i>.<host>,S=<size>,W=<crlf size>:2,<flags>`.
    /// Dovecot takes RFC822.SIZE from `W=` and never has to read the file for it, and it orders
    /// new files by the leading time when it assigns UIDs.
    pub fn file_name(&self, index: usize) -> String {
        let size = self.bytes.len();
        let vsize = size + self.bytes.iter().filter(|b| **b == b'\n').count();
        format!(
            "{}.M{}P{index}Q{index}.sealmail-test,S={size},W={vsize}:2,{}",
            self.arrival,
            index % 1_000_000,
            self.flags
        )
    }
}

/// splitmix64: tiny, fast, and stable across versions (unlike a library RNG's stream).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5EA1_3A11_D00D_F00D)
    }
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
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Susan",
    "Priya",
    "Arjun",
    "Wei",
    "Yuki",
    "Fatima",
    "Omar",
    "Ivan",
    "Olga",
    "Lars",
    "Ingrid",
];
const FIRST_NA: &[&str] = &[
    "Jürgen",
    "Zoë",
    "José",
    "François",
    "Søren",
    "Łukasz",
    "Björn",
    "Chloé",
    "Ελένη",
    "Дмитрий",
    "李雷",
    "佐藤",
    "Ayşe",
    "Þórunn",
    "Åsa",
];
const LAST: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Moore", "Martin", "Lee", "Patel", "Chen", "Tanaka", "Novak", "Hansen", "Schmidt",
];
const LAST_NA: &[&str] = &[
    "Müller",
    "Schäfer",
    "Ødegård",
    "Çelik",
    "Núñez",
    "Иванов",
    "田中",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "corp.example.org",
    "lists.example.net",
    "uni.example.edu",
    "shop.example.com",
    "bank.example.co.uk",
    "example.de",
    "example.jp",
];
const TOPICS: &[&str] = &[
    "the Q3 roadmap",
    "database migration",
    "release 2.4",
    "CI flakiness",
    "the budget review",
    "API rate limits",
    "TLS certificate renewal",
    "search indexing",
    "backup retention",
    "kernel upgrade",
    "incident 4711",
    "vendor contract",
    "performance regression",
    "accessibility audit",
    "disk usage",
];
const TOPICS_NA: &[&str] = &[
    "Äpfel und Birnen",
    "réunion de l'équipe",
    "Προϋπολογισμός 2024",
    "Отчёт за квартал",
    "会议通知",
    "🎉 launch party",
    "Zürich ✈ Kraków",
];
const SUBJECTS: &[&str] = &[
    "Meeting notes: {}",
    "Question about {}",
    "Update on {}",
    "Action required: {}",
    "FYI: {}",
    "Reminder: {} tomorrow",
    "Draft proposal for {}",
    "Thoughts on {}?",
    "[JIRA] PROJ-{n}: {}",
    "Build failed: main #{n}",
    "Invoice #{n}",
    "Security advisory for {}",
    "A very long subject line that keeps going about {} and then some more words so that it \
     needs folding across several header lines",
];
const LISTS: &[&str] = &["dev", "announce", "users", "ops", "security"];
const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "it",
    "that",
    "for",
    "on",
    "with",
    "as",
    "be",
    "at",
    "this",
    "from",
    "or",
    "by",
    "we",
    "can",
    "out",
    "all",
    "there",
    "when",
    "up",
    "use",
    "your",
    "how",
    "each",
    "which",
    "do",
    "time",
    "will",
    "about",
    "many",
    "then",
    "would",
    "like",
    "make",
    "see",
    "more",
    "day",
    "could",
    "go",
    "come",
    "number",
    "people",
    "over",
    "know",
    "first",
    "may",
    "down",
    "new",
    "work",
    "part",
    "take",
    "get",
    "place",
    "made",
    "after",
    "back",
    "deploy",
    "server",
    "release",
    "branch",
    "review",
    "patch",
    "test",
    "config",
    "schedule",
    "budget",
    "customer",
    "meeting",
    "report",
    "ticket",
    "cluster",
    "latency",
    "migration",
    "rollback",
    "invoice",
    "deadline",
    "milestone",
    "feedback",
    "draft",
    "agenda",
];
const WORDS_NA: &[&str] = &[
    "Größe", "über", "schön", "naïve", "café", "déjà", "Straße", "東京",
];
const TZS: &[&str] = &[
    "+0000", "+0100", "+0200", "-0500", "-0800", "+0530", "+0900",
];
const ATTACHMENTS: &[(&str, &str)] = &[
    ("application/pdf", "report.pdf"),
    ("image/png", "screenshot.png"),
    ("application/zip", "logs.zip"),
    ("text/csv", "export.csv"),
];

fn encoded_word(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    // one B word per ~45 bytes of UTF-8, never splitting a character, folded onto new lines
    let mut words = Vec::new();
    let mut chunk = String::new();
    for ch in text.chars() {
        if chunk.len() + ch.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(ch);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| {
            format!(
                "=?UTF-8?B?{}?=",
                base64::engine::general_purpose::STANDARD.encode(w)
            )
        })
        .collect::<Vec<_>>()
        .join("\n ")
}

fn fold(text: &str) -> String {
    let mut out = String::new();
    let mut line_len = 0;
    for (n, word) in text.split(' ').enumerate() {
        if n > 0 {
            if line_len + 1 + word.len() > 70 {
                out.push_str("\n ");
                line_len = 1;
            } else {
                out.push(' ');
                line_len += 1;
            }
        }
        out.push_str(word);
        line_len += word.len();
    }
    out
}

fn rfc5322_date(ts: i64, tz: &str) -> String {
    let sign = if tz.starts_with('-') { -1 } else { 1 };
    let hours: i64 = tz[1..3].parse().unwrap_or(0);
    let minutes: i64 = tz[3..5].parse().unwrap_or(0);
    let local = chrono::DateTime::from_timestamp(ts + sign * (hours * 3600 + minutes * 60), 0)
        .unwrap_or_default();
    format!("{} {tz}", local.format("%a, %-d %b %Y %H:%M:%S"))
}

struct Person {
    name: String,
    addr: String,
}

fn person(rng: &mut Rng) -> Person {
    let non_ascii = rng.chance(20);
    let first = if non_ascii && rng.chance(60) {
        rng.pick(FIRST_NA)
    } else {
        rng.pick(FIRST)
    };
    let last = if non_ascii {
        rng.pick(LAST_NA)
    } else {
        rng.pick(LAST)
    };
    let local: String = format!("{first}.{last}")
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    let local = local.trim_matches('.');
    let local = if local.is_empty() { "user" } else { local };
    Person {
        name: format!("{first} {last}"),
        addr: format!("{local}@{}", rng.pick(DOMAINS)),
    }
}

fn mailbox(p: &Person) -> String {
    format!("{} <{}>", encoded_word(&p.name), p.addr)
}

/// Paragraphs (as text and as HTML) and attachment bodies, made once per process so that each
/// message only picks and joins: populating 10,000 messages stays fast in a debug build.
struct Pool {
    paragraphs: Vec<String>,
    html_paragraphs: Vec<String>,
    blobs: Vec<String>,
}

fn pool() -> &'static Pool {
    static POOL: std::sync::OnceLock<Pool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let mut rng = Rng::new(0xC0FFEE);
        let paragraphs: Vec<String> = (0..1500).map(|_| paragraph(&mut rng)).collect();
        let html_paragraphs = paragraphs
            .iter()
            .map(|p| {
                let escaped = p
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;");
                format!("<p>{escaped}</p>\n")
            })
            .collect();
        let blobs = [3000usize, 6000, 12_000, 20_000]
            .iter()
            .map(|&len| {
                let blob: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                let b64 = base64::engine::general_purpose::STANDARD.encode(blob);
                b64.as_bytes()
                    .chunks(76)
                    .map(|c| std::str::from_utf8(c).unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        Pool {
            paragraphs,
            html_paragraphs,
            blobs,
        }
    })
}

fn paragraph(rng: &mut Rng) -> String {
    let n = 20 + rng.below(80);
    let mut words = Vec::with_capacity(n);
    let mut start = true;
    for _ in 0..n {
        let w = if rng.chance(2) {
            rng.pick(WORDS_NA)
        } else {
            rng.pick(WORDS)
        };
        let mut w = w.to_owned();
        if start {
            let mut chars = w.chars();
            if let Some(first) = chars.next() {
                w = first.to_uppercase().collect::<String>() + chars.as_str();
            }
            start = false;
        }
        if rng.chance(9) {
            w.push('.');
            start = true;
        }
        words.push(w);
    }
    let text = words.join(" ");
    // wrap at 72 columns
    let mut out = String::new();
    let mut line = 0;
    for w in text.split(' ') {
        if line > 0 && line + 1 + w.chars().count() > 72 {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(w);
        line += w.chars().count();
    }
    out.trim_end_matches('.').to_owned() + "."
}

fn subject_of(index: usize) -> String {
    let mut rng = Rng::new(index as u64 * 7 + 3);
    let template = rng.pick(SUBJECTS);
    let topic = if rng.chance(12) {
        rng.pick(TOPICS_NA)
    } else {
        rng.pick(TOPICS)
    };
    let n = 1000 + rng.below(90_000);
    template.replace("{n}", &n.to_string()).replace("{}", topic)
}

fn message_id(index: usize) -> String {
    format!(
        "<populate.{index}.{:08x}@example.test>",
        Rng::new(index as u64).next() as u32
    )
}

/// Message number `index` of the deterministic corpus.
pub fn generate_message(index: usize) -> GeneratedMessage {
    let mut rng = Rng::new(index as u64);
    let arrival = EPOCH_START + index as i64 * STEP_SECS + rng.below(STEP_SECS as usize) as i64;
    let sender = person(&mut rng);
    let tz = rng.pick(TZS);
    let sent = arrival - 2 - rng.below(600) as i64;
    let list = rng.chance(30).then(|| rng.pick(LISTS));

    let mut subject = subject_of(index);
    let mut references = Vec::new();
    if index > 0 && rng.chance(30) {
        let parent = index - 1 - rng.below(index.min(50));
        let parent_subject = subject_of(parent);
        subject = format!("Re: {parent_subject}");
        references.push(message_id(parent));
    }

    let mut h = String::with_capacity(8192);
    let _ = writeln!(h, "Return-Path: <{}>", sender.addr);
    let _ = writeln!(
        h,
        "Received: from mx1.{0} (mx1.{0} [192.0.2.{1}])\n\tby mx.example.test with ESMTPS;\n\t{2}",
        sender.addr.split('@').nth(1).unwrap_or("example.com"),
        1 + rng.below(254),
        rfc5322_date(arrival, "+0000")
    );
    let _ = writeln!(h, "From: {}", mailbox(&sender));
    match list {
        Some(l) => {
            let _ = writeln!(h, "To: {l}@lists.example.net");
        }
        None => {
            let _ = writeln!(h, "To: Alice <alice@example.test>");
        }
    }
    if rng.chance(20) {
        let cc: Vec<String> = (0..1 + rng.below(3))
            .map(|_| mailbox(&person(&mut rng)))
            .collect();
        let _ = writeln!(h, "Cc: {}", cc.join(",\n\t"));
    }
    let _ = writeln!(h, "Subject: {}", fold(&encoded_word(&subject)));
    let _ = writeln!(h, "Date: {}", rfc5322_date(sent, tz));
    let _ = writeln!(h, "Message-ID: {}", message_id(index));
    if let Some(parent) = references.first() {
        let _ = writeln!(h, "In-Reply-To: {parent}");
        let _ = writeln!(h, "References: {}", references.join("\n "));
    }
    if let Some(l) = list {
        let _ = writeln!(h, "List-Id: <{l}.lists.example.net>");
        let _ = writeln!(
            h,
            "List-Unsubscribe: <mailto:{l}-unsubscribe@lists.example.net>"
        );
    }
    h.push_str("MIME-Version: 1.0\n");

    let pool = pool();
    let mut picked = Vec::new();
    let mut text = String::new();
    let target = 200 + rng.below(3800);
    while text.len() < target {
        let n = rng.below(pool.paragraphs.len());
        picked.push(n);
        text.push_str(&pool.paragraphs[n]);
        text.push_str("\n\n");
    }
    text.push_str("-- \n");
    text.push_str(&sender.name);
    text.push('\n');
    let charset = if text.is_ascii() { "us-ascii" } else { "utf-8" };
    let cte = if text.is_ascii() { "7bit" } else { "8bit" };
    let text_part =
        format!("Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: {cte}\n");
    let html = || {
        let paras: String = picked
            .iter()
            .map(|&n| pool.html_paragraphs[n].as_str())
            .collect();
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n{paras}</body></html>\n"
        )
    };
    let boundary = format!("=_populate_{index}");
    let kind = rng.below(100);
    if kind < 60 {
        h.push_str(&text_part);
        h.push('\n');
        h.push_str(&text);
    } else {
        let alternative = format!(
            "Content-Type: multipart/alternative; boundary=\"{boundary}A\"\n\n\
             --{boundary}A\n{text_part}\n{text}\n--{boundary}A\n\
             Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{}\n\
             --{boundary}A--\n",
            html()
        );
        if kind < 95 {
            let (head, body) = alternative.split_once("\n\n").unwrap_or((&alternative, ""));
            h.push_str(head);
            h.push_str("\n\nThis is a multi-part message in MIME format.\n\n");
            h.push_str(body);
        } else {
            let (ctype, fname) = ATTACHMENTS[rng.below(ATTACHMENTS.len())];
            let blob = &pool.blobs[rng.below(pool.blobs.len())];
            let _ = write!(
                h,
                "Content-Type: multipart/mixed; boundary=\"{boundary}M\"\n\n\
                 This is a multi-part message in MIME format.\n\n\
                 --{boundary}M\n{alternative}\n--{boundary}M\n\
                 Content-Type: {ctype}; name=\"{fname}\"\n\
                 Content-Disposition: attachment; filename=\"{fname}\"\n\
                 Content-Transfer-Encoding: base64\n\n{blob}\n--{boundary}M--\n"
            );
        }
    }

    let mut flags = String::new();
    if rng.chance(4) {
        flags.push('F');
    }
    let seen = rng.chance(90);
    if seen && rng.chance(25) {
        flags.push('R');
    }
    if seen {
        flags.push('S');
    }
    GeneratedMessage {
        bytes: h.into_bytes(),
        arrival,
        flags,
        subject,
        from: sender.addr,
        message_id: message_id(index),
    }
}

/// Writes messages `first..first + count` into `maildir/cur`, owned by `uid:gid`, each file's
/// mtime set to its arrival time. Spread over the machine's cores.
pub fn write_into_maildir(maildir: &Path, first: usize, count: usize, uid: u32, gid: u32) {
    let cur = maildir.join("cur");
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4)
        .min(count.max(1));
    let chunk = count.div_ceil(threads);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let start = first + t * chunk;
            let end = (start + chunk).min(first + count);
            let cur = &cur;
            scope.spawn(move || {
                for index in start..end {
                    write_one(cur, index, uid, gid);
                }
            });
        }
    });
}

fn write_one(cur: &Path, index: usize, uid: u32, gid: u32) {
    let message = generate_message(index);
    let path = cur.join(message.file_name(index));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
    file.write_all(&message.bytes)
        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    std::os::unix::fs::fchown(&file, Some(uid), Some(gid))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
    let arrival = UNIX_EPOCH + Duration::from_secs(message.arrival as u64);
    file.set_times(
        std::fs::FileTimes::new()
            .set_accessed(arrival)
            .set_modified(arrival),
    )
    .unwrap_or_else(|e| panic!("set mtime of {}: {e}", path.display()));
}
