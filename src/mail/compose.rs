//! The composer's model: a [`Draft`] as the user edits it (address fields as typed), made
//! new, as a reply (to the sender or to all) or as a forward of an open message, and turned
//! into an [`Outgoing`] message. Pure functions; no terminal or network crates.

use zeroize::Zeroizing;

use super::outgoing::Outgoing;
use crate::mime::{Correspondent, MessageView, ReplyFacts};
use crate::sanitize::Clean;

/// Who the user is when writing: the `From` line and signature in use, every address that is
/// theirs (dropped from a reply to all), and every identity they may write as.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// `Name <address>` or an address.
    pub from: String,
    /// Lower-cased addresses of every identity.
    pub own: Vec<String>,
    pub signature: Option<String>,
    /// Every identity, the account's own first (the config's `identities` after it).
    pub choices: Vec<Choice>,
}

/// One identity the user may write as.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Choice {
    /// `Name <address>` or an address.
    pub from: String,
    pub signature: Option<String>,
}

impl Identity {
    pub fn new(from: &str, signature: Option<String>) -> Identity {
        let choice = Choice {
            from: from.trim().to_owned(),
            signature: signature.clone(),
        };
        Identity {
            from: from.trim().to_owned(),
            own: addresses(from),
            signature,
            choices: vec![choice],
        }
    }

    /// The same user with more identities to write as (their addresses become theirs too).
    pub fn with_others(mut self, others: Vec<Choice>) -> Identity {
        for other in others {
            for address in addresses(&other.from) {
                if !self.own.contains(&address) {
                    self.own.push(address);
                }
            }
            self.choices.push(other);
        }
        self
    }

    /// The same user writing as `choices[index]` (the first when there is no such choice).
    pub fn choose(&self, index: usize) -> Identity {
        let Some(choice) = self.choices.get(index).or_else(|| self.choices.first()) else {
            return self.clone();
        };
        Identity {
            from: choice.from.clone(),
            signature: choice.signature.clone(),
            ..self.clone()
        }
    }

    /// Which choice writes as the address of `from` (a `From` line as typed), if any.
    pub fn position_of(&self, from: &str) -> Option<usize> {
        let wanted = addresses(from);
        self.choices
            .iter()
            .position(|c| addresses(&c.from).iter().any(|a| wanted.contains(a)))
    }

    /// The identity a reply to a message with `facts` is written as, as NeoMutt's
    /// `reverse_name` picks it: the first choice whose address the message was sent to (its
    /// `To`, then `Cc`, then `Delivered-To`), else the account's own.
    pub fn for_reply(&self, facts: &ReplyFacts) -> Identity {
        let reached = facts
            .to
            .iter()
            .chain(&facts.cc)
            .map(|p| &p.address)
            .chain(&facts.delivered_to)
            .map(|a| a.to_lowercase());
        for address in reached {
            if let Some(index) = self
                .choices
                .iter()
                .position(|c| addresses(&c.from).contains(&address))
            {
                return self.choose(index);
            }
        }
        self.choose(0)
    }

    fn is_own(&self, address: &str) -> bool {
        self.own.iter().any(|own| own.eq_ignore_ascii_case(address))
    }
}

/// The lower-cased addresses of an address list as typed.
fn addresses(list: &str) -> Vec<String> {
    split_addresses(list)
        .iter()
        .filter_map(|one| address_of(one))
        .map(|a| a.to_lowercase())
        .collect()
}

/// How a draft came about, for the status line and what happens after sending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DraftKind {
    New,
    Reply,
    ReplyAll,
    Forward,
    /// A forward with the message attached whole (`message/rfc822`).
    ForwardAttached,
    /// A postponed message taken up again.
    Resumed,
}

/// What the user is writing.
#[derive(Clone, PartialEq, Eq)]
pub struct Draft {
    pub kind: DraftKind,
    pub from: String,
    /// Comma-separated, as typed.
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: Zeroizing<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// The body's line where typing starts (under the quote, in a reply).
    pub cursor_line: usize,
}

impl std::fmt::Debug for Draft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Draft")
            .field("kind", &self.kind)
            .field("body", &"[redacted]")
            .finish()
    }
}

/// The separator of a signature (RFC 3676: dash, dash, space).
const SIGNATURE_MARK: &str = "-- ";

impl Draft {
    /// A new, empty message.
    pub fn new(me: &Identity) -> Draft {
        Draft {
            kind: DraftKind::New,
            from: me.from.clone(),
            to: String::new(),
            cc: String::new(),
            bcc: String::new(),
            subject: String::new(),
            // A line to type on, a blank line, then the signature.
            body: Zeroizing::new(with_signature("\n".to_owned(), me)),
            in_reply_to: None,
            references: Vec::new(),
            cursor_line: 0,
        }
    }

    /// A reply to `view`: to its `Reply-To` (else its sender; to its recipients when the
    /// user sent it), with `all`, also to everyone else it went to but the user. The text is
    /// quoted under an attribution line.
    /// The reply is written as the identity the message was sent to ([`Identity::for_reply`]).
    pub fn reply(view: &MessageView, me: &Identity, all: bool) -> Draft {
        let facts = &view.reply;
        let me = &me.for_reply(facts);
        let from_me = facts.from.iter().any(|p| me.is_own(&p.address));
        let primary: &[Correspondent] = if from_me {
            &facts.to
        } else if !facts.reply_to.is_empty() {
            &facts.reply_to
        } else {
            &facts.from
        };
        let mut seen: Vec<String> = Vec::new();
        let mut to = take(primary, me, &mut seen, from_me);
        let mut cc = Vec::new();
        if all {
            if !from_me {
                to.extend(take(&facts.to, me, &mut seen, false));
            }
            cc = take(&facts.cc, me, &mut seen, false);
            if to.is_empty() && !cc.is_empty() {
                to.push(cc.remove(0));
            }
        }
        let mut references: Vec<String> = facts.references.iter().map(|r| r.to_string()).collect();
        let in_reply_to = facts.message_id.as_ref().map(|id| id.to_string());
        if let Some(id) = &in_reply_to
            && !references.contains(id)
        {
            references.push(id.clone());
        }
        let who = facts
            .from
            .first()
            .map(|p| {
                if p.name.is_empty() {
                    p.address.to_string()
                } else {
                    p.name.to_string()
                }
            })
            .unwrap_or_else(|| view.from.to_string());
        let mut body = String::new();
        body.push_str(&format!("On {}, {who} wrote:\n", date_line(view.date)));
        let quoted = without_signature(text_lines(view));
        for line in quoted {
            if line.is_empty() {
                body.push_str(">\n");
            } else {
                body.push_str("> ");
                body.push_str(line);
                body.push('\n');
            }
        }
        // A blank line, then the line the answer is typed on, under the quote.
        body.push_str("\n\n");
        let cursor_line = quoted.len() + 2;
        Draft {
            kind: if all {
                DraftKind::ReplyAll
            } else {
                DraftKind::Reply
            },
            from: me.from.clone(),
            to: to.join(", "),
            cc: cc.join(", "),
            bcc: String::new(),
            subject: reply_subject(&view.subject),
            body: Zeroizing::new(with_signature(body, me)),
            in_reply_to,
            references,
            cursor_line,
        }
    }

    /// `view` forwarded inline: its header lines and text under a separator.
    pub fn forward(view: &MessageView, me: &Identity) -> Draft {
        let mut body = String::from("\n---------- Forwarded message ----------\n");
        for (name, value) in [
            ("From", view.from.as_str()),
            ("Date", date_line(view.date).as_str()),
            ("Subject", view.subject.as_str()),
            ("To", view.to.as_str()),
            ("Cc", view.cc.as_str()),
        ] {
            if !value.is_empty() {
                body.push_str(&format!("{name}: {value}\n"));
            }
        }
        body.push('\n');
        for line in text_lines(view) {
            body.push_str(line);
            body.push('\n');
        }
        Draft {
            kind: DraftKind::Forward,
            from: me.from.clone(),
            to: String::new(),
            cc: String::new(),
            bcc: String::new(),
            subject: forward_subject(&view.subject),
            body: Zeroizing::new(with_signature(body, me)),
            in_reply_to: None,
            references: Vec::new(),
            cursor_line: 0,
        }
    }

    /// `view` forwarded as an attachment: the subject, the signature; the message itself is
    /// attached by the composer.
    pub fn forward_attached(view: &MessageView, me: &Identity) -> Draft {
        Draft {
            kind: DraftKind::ForwardAttached,
            subject: forward_subject(&view.subject),
            ..Draft::new(me)
        }
    }

    /// A postponed message (from Drafts) to write on: its recipients, subject, text and
    /// thread as it was kept.
    pub fn resume(view: &MessageView, me: &Identity) -> Draft {
        let facts = &view.reply;
        let list = |people: &[Correspondent]| {
            people
                .iter()
                .map(mailbox_text)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let from = facts
            .from
            .first()
            .map(mailbox_text)
            .unwrap_or_else(|| me.from.clone());
        let mut body = String::new();
        for line in text_lines(view) {
            body.push_str(line);
            body.push('\n');
        }
        Draft {
            kind: DraftKind::Resumed,
            from,
            to: list(&facts.to),
            cc: list(&facts.cc),
            bcc: list(&facts.bcc),
            subject: view.subject.to_string(),
            body: Zeroizing::new(body),
            in_reply_to: facts.in_reply_to.as_ref().map(|id| id.to_string()),
            references: facts.references.iter().map(|r| r.to_string()).collect(),
            cursor_line: 0,
        }
    }

    /// The message to send.
    pub fn outgoing(&self) -> Outgoing {
        Outgoing {
            from: self.from.trim().to_owned(),
            to: split_addresses(&self.to),
            cc: split_addresses(&self.cc),
            bcc: split_addresses(&self.bcc),
            subject: self.subject.trim().to_owned(),
            body: self.body.clone(),
            attachments: Vec::new(),
            in_reply_to: self.in_reply_to.clone(),
            references: self.references.clone(),
            seal: None,
            protect: None,
        }
    }
}

/// The correspondents not yet `seen` and not the user (unless `keep_own`), as
/// `Name <address>`.
fn take(
    people: &[Correspondent],
    me: &Identity,
    seen: &mut Vec<String>,
    keep_own: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for person in people {
        let lower = person.address.to_lowercase();
        if (!keep_own && me.is_own(&lower)) || seen.contains(&lower) {
            continue;
        }
        seen.push(lower);
        out.push(mailbox_text(person));
    }
    out
}

/// `Name <address>`, the name quoted when it holds a character an address list gives meaning.
pub(crate) fn mailbox_text(person: &Correspondent) -> String {
    let name = person.name.trim();
    if name.is_empty() {
        return person.address.to_string();
    }
    if name.chars().any(|c| ",;:<>@\"()[]\\.".contains(c)) {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\" <{}>", person.address.as_str())
    } else {
        format!("{name} <{}>", person.address.as_str())
    }
}

/// The text above its signature (the last `-- ` line), without the blank lines before it.
fn without_signature(lines: &[Clean]) -> &[Clean] {
    let end = lines
        .iter()
        .rposition(|line| line.as_str() == SIGNATURE_MARK)
        .unwrap_or(lines.len());
    let text = lines.get(..end).unwrap_or_default();
    let last = text
        .iter()
        .rposition(|line| !line.trim().is_empty())
        .map_or(0, |i| i + 1);
    text.get(..last).unwrap_or_default()
}

/// The shown text without its trailing blank lines.
fn text_lines(view: &MessageView) -> &[Clean] {
    let end = view
        .body
        .iter()
        .rposition(|line| !line.trim().is_empty())
        .map_or(0, |last| last + 1);
    view.body.get(..end).unwrap_or_default()
}

fn with_signature(mut body: String, me: &Identity) -> String {
    if let Some(signature) = me.signature.as_deref().filter(|s| !s.trim().is_empty()) {
        if !body.is_empty() && !body.ends_with('\n') {
            body.push('\n');
        }
        body.push('\n');
        body.push_str(SIGNATURE_MARK);
        body.push('\n');
        body.push_str(signature.trim_end());
        body.push('\n');
    }
    body
}

fn date_line(date: Option<i64>) -> String {
    date.and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .map(|d| d.format("%a, %-d %b %Y at %H:%M UTC").to_string())
        .unwrap_or_else(|| "an unknown date".into())
}

/// `Re: ` and the subject without the reply prefixes it had (`Re:`, `RE[2]:`, `Aw:`).
pub fn reply_subject(subject: &str) -> String {
    format!("Re: {}", strip_prefixes(subject, &["re", "aw"]))
}

/// `Fwd: ` and the subject without the forward prefixes it had.
pub fn forward_subject(subject: &str) -> String {
    format!("Fwd: {}", strip_prefixes(subject, &["fwd", "fw"]))
}

fn strip_prefixes<'a>(subject: &'a str, prefixes: &[&str]) -> &'a str {
    let mut rest = subject.trim();
    'strip: loop {
        for prefix in prefixes {
            let Some(head) = rest.get(..prefix.len()) else {
                continue;
            };
            if !head.eq_ignore_ascii_case(prefix) {
                continue;
            }
            let mut tail = rest.get(prefix.len()..).unwrap_or_default();
            // `Re[2]:` and `Re(2):`
            if let Some(inner) = tail.strip_prefix('[').or_else(|| tail.strip_prefix('('))
                && let Some(end) = inner.find([']', ')'])
                && inner.bytes().take(end).all(|b| b.is_ascii_digit())
            {
                tail = inner.get(end + 1..).unwrap_or_default();
            }
            if let Some(after) = tail.strip_prefix(':') {
                rest = after.trim_start();
                continue 'strip;
            }
        }
        return rest;
    }
}

/// Where the commas (or semicolons) that separate an address list's entries are, as byte
/// offsets: not those in a quoted name or an angle-bracketed address.
pub fn entry_separators(list: &str) -> impl Iterator<Item = usize> + '_ {
    let (mut quoted, mut angle, mut escaped) = (false, false, false);
    list.char_indices().filter_map(move |(at, c)| {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' | ';' if !quoted && !angle => return Some(at),
            _ => {}
        }
        None
    })
}

/// An address list split at the commas that separate its entries (see
/// [`entry_separators`]); blank entries dropped.
pub fn split_addresses(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    for at in entry_separators(list).chain(std::iter::once(list.len())) {
        // A separator is one ASCII byte, so `at + 1` is a character boundary.
        if let Some(entry) = list.get(start..at) {
            out.push(entry.trim().to_owned());
        }
        start = at + 1;
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The address of one entry: inside its angle brackets, else the entry itself.
pub fn address_of(entry: &str) -> Option<String> {
    let inner = match (entry.rfind('<'), entry.rfind('>')) {
        (Some(open), Some(close)) if open < close => entry.get(open + 1..close).unwrap_or(entry),
        _ => entry,
    };
    let inner = inner.trim();
    inner.contains('@').then(|| inner.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, address: &str) -> Correspondent {
        Correspondent {
            name: Clean::line(name),
            address: Clean::line(address),
        }
    }

    fn me() -> Identity {
        Identity::new(
            "Alice <alice@example.test>",
            Some("Alice\nexample.test".into()),
        )
    }

    fn original() -> MessageView {
        let mut view = MessageView::default();
        view.from = Clean::line("Ada <ada@example.test>");
        view.to = Clean::line("Alice <alice@example.test>, Bob <bob@example.test>");
        view.cc = Clean::line("\"Doe, Jane\" <jane@example.test>");
        view.date = Some(1_764_000_000);
        view.subject = Clean::line("RE: Re[2]: Aw: plan");
        view.body = Clean::text("Hi,\n\nthe plan.\n\n-- \nAda\n");
        view.reply = ReplyFacts {
            message_id: Some(Clean::line("<m2@example.test>")),
            references: vec![Clean::line("<m1@example.test>")],
            in_reply_to: None,
            bcc: Vec::new(),
            from: vec![person("Ada", "ada@example.test")],
            reply_to: Vec::new(),
            to: vec![
                person("Alice", "ALICE@example.test"),
                person("Bob", "bob@example.test"),
            ],
            cc: vec![
                person("Doe, Jane", "jane@example.test"),
                person("Ada again", "ada@example.test"),
            ],
            delivered_to: Vec::new(),
        };
        view
    }

    /// Alice, who also writes as the project and as a list's owner.
    fn several() -> Identity {
        me().with_others(vec![
            Choice {
                from: "Alice at Work <alice@work.example>".into(),
                signature: Some("Alice, Work".into()),
            },
            Choice {
                from: "owner@lists.example".into(),
                signature: None,
            },
        ])
    }

    #[test]
    fn a_reply_is_written_as_the_identity_the_message_reached() {
        // To the account's own address: the account's identity.
        let d = Draft::reply(&original(), &several(), false);
        assert_eq!(d.from, "Alice <alice@example.test>");
        assert!(d.body.ends_with("-- \nAlice\nexample.test\n"));

        // Sent to the work address (in Cc, case aside): written as work, with its signature.
        let mut view = original();
        view.reply.to = vec![person("Bob", "bob@example.test")];
        view.reply.cc = vec![person("A", "Alice@Work.example")];
        let d = Draft::reply(&view, &several(), false);
        assert_eq!(d.from, "Alice at Work <alice@work.example>");
        assert!(
            d.body.ends_with("-- \nAlice, Work\n"),
            "{:?}",
            d.body.as_str()
        );

        // Neither To nor Cc names the user (a list, a Bcc): Delivered-To says which.
        let mut view = original();
        view.reply.to = vec![person("List", "dev@lists.example")];
        view.reply.cc = Vec::new();
        view.reply.delivered_to = vec![Clean::line("owner@lists.example")];
        let d = Draft::reply(&view, &several(), false);
        assert_eq!(d.from, "owner@lists.example");
        assert!(!d.body.contains("-- \n"), "that identity has no signature");

        // None of the user's addresses at all: the account's own.
        view.reply.delivered_to = vec![Clean::line("someone@else.example")];
        assert_eq!(
            Draft::reply(&view, &several(), false).from,
            "Alice <alice@example.test>"
        );
    }

    #[test]
    fn a_reply_to_all_drops_every_identity_of_the_user() {
        let mut view = original();
        view.reply.to = vec![
            person("Alice", "alice@example.test"),
            person("Work", "ALICE@work.example"),
            person("Bob", "bob@example.test"),
        ];
        view.reply.cc = vec![person("", "owner@lists.example")];
        let d = Draft::reply(&view, &several(), true);
        assert_eq!(d.to, "Ada <ada@example.test>, Bob <bob@example.test>");
        assert_eq!(d.cc, "");
        // The first of the user's addresses the message reached decides the identity.
        assert_eq!(d.from, "Alice <alice@example.test>");
    }

    #[test]
    fn identities_are_chosen_by_position_or_address() {
        let me = several();
        assert_eq!(me.choices.len(), 3);
        assert_eq!(
            me.own,
            [
                "alice@example.test",
                "alice@work.example",
                "owner@lists.example"
            ]
        );
        assert_eq!(me.choose(1).from, "Alice at Work <alice@work.example>");
        assert_eq!(me.choose(1).own, me.own, "every address stays the user's");
        assert_eq!(me.choose(9).from, me.from, "no such choice: the first");
        assert_eq!(me.position_of("Someone <ALICE@work.example>"), Some(1));
        assert_eq!(me.position_of("nobody@example.test"), None);
        assert_eq!(Identity::default().choose(0), Identity::default());
    }

    #[test]
    fn a_reply_quotes_threads_and_does_not_stack_re() {
        let d = Draft::reply(&original(), &me(), false);
        assert_eq!(d.to, "Ada <ada@example.test>");
        assert_eq!(d.cc, "");
        assert_eq!(d.subject, "Re: plan");
        assert_eq!(d.in_reply_to.as_deref(), Some("<m2@example.test>"));
        assert_eq!(d.references, ["<m1@example.test>", "<m2@example.test>"]);
        assert_eq!(
            d.body.as_str(),
            "On Mon, 24 Nov 2025 at 16:00 UTC, Ada wrote:\n> Hi,\n>\n> the plan.\n\n\n\n-- \nAlice\nexample.test\n"
        );
        assert_eq!(d.kind, DraftKind::Reply);
        // Typing starts under the quote, after a blank line.
        assert_eq!(d.body.lines().nth(d.cursor_line), Some(""));
        assert_eq!(d.body.lines().nth(d.cursor_line - 2), Some("> the plan."));
    }

    #[test]
    fn a_reply_to_all_drops_the_user_and_repeats() {
        let d = Draft::reply(&original(), &me(), true);
        assert_eq!(d.to, "Ada <ada@example.test>, Bob <bob@example.test>");
        assert_eq!(d.cc, "\"Doe, Jane\" <jane@example.test>");
        let out = d.outgoing();
        assert_eq!(out.to.len(), 2);
        assert_eq!(out.cc, ["\"Doe, Jane\" <jane@example.test>"]);
    }

    #[test]
    fn reply_to_and_own_messages_pick_the_recipients() {
        let mut view = original();
        view.reply.reply_to = vec![person("", "list@example.test")];
        assert_eq!(Draft::reply(&view, &me(), false).to, "list@example.test");
        let mut sent = original();
        sent.reply.from = vec![person("Alice", "alice@example.test")];
        sent.reply.to = vec![person("Bob", "bob@example.test")];
        assert_eq!(
            Draft::reply(&sent, &me(), false).to,
            "Bob <bob@example.test>"
        );
    }

    #[test]
    fn a_forward_carries_the_header_and_text() {
        let d = Draft::forward(&original(), &me());
        assert_eq!(d.subject, "Fwd: RE: Re[2]: Aw: plan");
        assert!(d.to.is_empty() && d.in_reply_to.is_none());
        assert!(
            d.body.contains(
                "---------- Forwarded message ----------\nFrom: Ada <ada@example.test>\n"
            )
        );
        assert!(d.body.contains("\nHi,\n\nthe plan.\n"));
        assert_eq!(forward_subject("Fw: FWD: x"), "Fwd: x");
    }

    #[test]
    fn subjects_lose_only_real_prefixes() {
        assert_eq!(reply_subject("Re: Re: x"), "Re: x");
        assert_eq!(reply_subject("Rex: y"), "Re: Rex: y");
        assert_eq!(reply_subject("Re[x]: z"), "Re: Re[x]: z");
        assert_eq!(reply_subject(""), "Re: ");
        assert_eq!(reply_subject("ré: ü"), "Re: ré: ü");
        assert_eq!(reply_subject("re"), "Re: re");
    }

    #[test]
    fn address_lists_split_at_their_own_commas() {
        assert_eq!(
            split_addresses("\"Doe, Jane\" <j@x>, b@x;  ,<c,d@x>, \"q\\\"uote, d\" <q@x>"),
            [
                "\"Doe, Jane\" <j@x>",
                "b@x",
                "<c,d@x>",
                "\"q\\\"uote, d\" <q@x>"
            ]
        );
        assert!(split_addresses(" , ").is_empty());
        assert_eq!(Identity::new("Me <ME@x.org>", None).own, ["me@x.org"]);
    }

    #[test]
    fn a_new_message_has_the_signature_only() {
        let d = Draft::new(&me());
        assert_eq!(d.body.as_str(), "\n\n-- \nAlice\nexample.test\n");
        assert_eq!(Draft::new(&Identity::new("a@x", None)).body.as_str(), "\n");
    }
}
