//! Conversation threads: JWZ threading (RFC 5256 THREAD=REFERENCES) of a folder's header
//! fields into a forest, and the forest as the lines of a thread view. No I/O.
//!
//! Input comes from mail, so every function is total: no panics, no slicing by index, and
//! no recursion. Trees are walked with explicit stacks, a reference loop cannot form, and
//! [`Thread`] drops, compares, clones and prints without recursing, so a reply chain of any
//! depth is safe.
// Input from mail: every path is total, no slicing or indexing that can panic.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::fmt;

/// What threading needs of one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThreadInput {
    /// The message's UID: the label of its node in the forest.
    pub uid: u32,
    /// Its Message-ID as [`message_ids`] gives it (surrounding `<>` and whitespace tolerated).
    pub message_id: Option<String>,
    /// The first id of its In-Reply-To.
    pub in_reply_to: Option<String>,
    /// The ids of its References, oldest first.
    pub references: Vec<String>,
    /// Its decoded Subject.
    pub subject: String,
    /// Its date, seconds since the epoch.
    pub date: i64,
}

/// The message ids of a References, In-Reply-To or Message-ID header value, in order: the
/// text of each `<...>`, angle brackets removed and whitespace trimmed; empty ones skipped.
/// Comments `(...)` and quoted strings outside the brackets are skipped, unless one is left
/// unclosed, in which case its delimiter counts as plain text. A value that holds no `<` but
/// a single bare token with an `@` (a common breakage of Message-ID) is taken as that id.
pub fn message_ids(header: &str) -> Vec<String> {
    let (mut comments, mut quotes) = (true, true);
    // At most three passes: an unclosed comment or quote turns its syntax off once.
    for _ in 0..3 {
        match scan_ids(header, comments, quotes) {
            Ok(ids) => return bare_fallback(header, ids),
            Err(Unclosed::Comment) => comments = false,
            Err(Unclosed::Quote) => quotes = false,
        }
    }
    Vec::new()
}

enum Unclosed {
    Comment,
    Quote,
}

#[derive(Clone, Copy)]
enum Scan {
    Text,
    /// Inside a comment, nested this deep; `true` after a backslash.
    Comment(u32, bool),
    /// Inside a quoted string; `true` after a backslash.
    Quote(bool),
    /// Inside `<`, from this byte position.
    Id(usize),
}

fn scan_ids(text: &str, comments: bool, quotes: bool) -> Result<Vec<String>, Unclosed> {
    let mut ids = Vec::new();
    let mut state = Scan::Text;
    // Every delimiter is ASCII, so each position taken is a char boundary.
    for (i, b) in text.bytes().enumerate() {
        state = match (state, b) {
            (Scan::Text, b'<') => Scan::Id(i + 1),
            (Scan::Text, b'(') if comments => Scan::Comment(1, false),
            (Scan::Text, b'"') if quotes => Scan::Quote(false),
            (Scan::Text, _) => Scan::Text,
            (Scan::Comment(depth, true), _) => Scan::Comment(depth, false),
            (Scan::Comment(depth, _), b'\\') => Scan::Comment(depth, true),
            (Scan::Comment(depth, _), b'(') => Scan::Comment(depth.saturating_add(1), false),
            (Scan::Comment(0 | 1, _), b')') => Scan::Text,
            (Scan::Comment(depth, _), b')') => Scan::Comment(depth - 1, false),
            (Scan::Comment(depth, _), _) => Scan::Comment(depth, false),
            (Scan::Quote(true), _) => Scan::Quote(false),
            (Scan::Quote(_), b'\\') => Scan::Quote(true),
            (Scan::Quote(_), b'"') => Scan::Text,
            (Scan::Quote(_), _) => Scan::Quote(false),
            (Scan::Id(start), b'>') => {
                let id = text.get(start..i).map(str::trim).unwrap_or_default();
                if !id.is_empty() {
                    ids.push(id.to_owned());
                }
                Scan::Text
            }
            // A second `<` restarts the id: `<<a>` is `a`.
            (Scan::Id(_), b'<') => Scan::Id(i + 1),
            (Scan::Id(start), _) => Scan::Id(start),
        };
    }
    match state {
        Scan::Comment(..) => Err(Unclosed::Comment),
        Scan::Quote(_) => Err(Unclosed::Quote),
        // An unclosed `<` is dropped.
        Scan::Text | Scan::Id(_) => Ok(ids),
    }
}

fn bare_fallback(header: &str, ids: Vec<String>) -> Vec<String> {
    if !ids.is_empty() || header.contains('<') {
        return ids;
    }
    let mut words = header.split_whitespace();
    match (words.next(), words.next()) {
        (Some(word), None) if word.contains('@') && !word.contains(['(', ')', '"', '>']) => {
            vec![word.to_owned()]
        }
        _ => ids,
    }
}

/// An id from a [`ThreadInput`] field: trimmed, one pair of surrounding brackets removed.
fn clean_id(raw: &str) -> Option<&str> {
    let id = raw.trim();
    let id = id
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(id)
        .trim();
    (!id.is_empty()).then_some(id)
}

/// A thread tree: a message (by UID) and the replies to it.
///
/// Dropping, comparing, cloning and `Debug` walk the tree with explicit stacks, so any depth
/// is safe. Because of the custom `Drop`, move `children` out with `std::mem::take` rather
/// than by destructuring.
pub struct Thread {
    /// The message.
    pub uid: u32,
    /// The replies to it, in display order.
    pub children: Vec<Thread>,
}

impl Thread {
    /// A message without replies.
    pub fn leaf(uid: u32) -> Self {
        Thread {
            uid,
            children: Vec::new(),
        }
    }

    /// The tree's messages in pre-order (display order), each with its depth below this
    /// one (this one is 0).
    pub fn outline(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        outline(self)
    }
}

impl Drop for Thread {
    fn drop(&mut self) {
        let mut pending = std::mem::take(&mut self.children);
        while let Some(mut node) = pending.pop() {
            // `node` drops here with no children left: no recursion.
            pending.append(&mut node.children);
        }
    }
}

impl PartialEq for Thread {
    fn eq(&self, other: &Self) -> bool {
        outline(self).eq(outline(other))
    }
}

impl Eq for Thread {}

impl Clone for Thread {
    fn clone(&self) -> Self {
        build(outline(self))
            .pop()
            .unwrap_or_else(|| Thread::leaf(self.uid))
    }
}

/// `Thread(3 [6 [4 [23], 44 [7 [96]]]])`: each node's replies in brackets.
impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Thread(")?;
        let mut open = 0;
        for (depth, t) in Walk::new(std::slice::from_ref(self)) {
            if depth > open {
                f.write_str(" [")?;
            } else if depth > 0 || open > 0 {
                for _ in depth..open {
                    f.write_str("]")?;
                }
                f.write_str(", ")?;
            }
            open = depth;
            write!(f, "{}", t.uid)?;
        }
        for _ in 0..open {
            f.write_str("]")?;
        }
        f.write_str(")")
    }
}

/// A tree's pre-order walk as (depth, UID): equal exactly for equal trees.
fn outline(tree: &Thread) -> impl Iterator<Item = (usize, u32)> + '_ {
    Walk::new(std::slice::from_ref(tree)).map(|(depth, t)| (depth, t.uid))
}

/// Pre-order walk of a forest: each node with its depth (roots are 0).
struct Walk<'a> {
    stack: Vec<std::slice::Iter<'a, Thread>>,
}

impl<'a> Walk<'a> {
    fn new(forest: &'a [Thread]) -> Self {
        Walk {
            stack: vec![forest.iter()],
        }
    }
}

impl<'a> Iterator for Walk<'a> {
    type Item = (usize, &'a Thread);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let depth = self.stack.len().checked_sub(1)?;
            match self.stack.last_mut()?.next() {
                Some(t) => {
                    self.stack.push(t.children.iter());
                    return Some((depth, t));
                }
                None => {
                    self.stack.pop();
                }
            }
        }
    }
}

/// The forest whose pre-order walk is `preorder` (a depth beyond the last node's plus one is
/// read as that plus one).
fn build(preorder: impl IntoIterator<Item = (usize, u32)>) -> Vec<Thread> {
    fn close(open: &mut Vec<Thread>, forest: &mut Vec<Thread>, depth: usize) {
        while open.len() > depth {
            let Some(done) = open.pop() else { break };
            match open.last_mut() {
                Some(parent) => parent.children.push(done),
                None => forest.push(done),
            }
        }
    }
    let mut forest = Vec::new();
    let mut open: Vec<Thread> = Vec::new();
    for (depth, uid) in preorder {
        close(&mut open, &mut forest, depth);
        open.push(Thread::leaf(uid));
    }
    close(&mut open, &mut forest, 0);
    forest
}

/// Pre-order walk, as (depth, node), of the trees at `roots` in a forest given as child
/// lists. Stops after `kids.len()` nodes, so malformed lists cannot make it loop.
fn preorder(roots: &[usize], kids: &[Vec<usize>]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut stack = vec![roots.iter()];
    while let Some(siblings) = stack.last_mut() {
        match siblings.next() {
            Some(&node) if out.len() < kids.len() => {
                out.push((stack.len() - 1, node));
                stack.push(kids.get(node).map_or(&[][..], Vec::as_slice).iter());
            }
            Some(_) => break,
            None => {
                stack.pop();
            }
        }
    }
    out
}

/// The same forest with every level sorted by UID ascending: for comparing two forests by
/// structure alone, such as a server's THREAD=REFERENCES answer and [`thread`]'s.
pub fn canonical(forest: &[Thread]) -> Vec<Thread> {
    let mut uids = Vec::new();
    let mut kids: Vec<Vec<usize>> = Vec::new();
    let mut roots = Vec::new();
    let mut path: Vec<usize> = Vec::new();
    for (depth, t) in Walk::new(forest) {
        let node = uids.len();
        uids.push(t.uid);
        kids.push(Vec::new());
        path.truncate(depth);
        match path.last().and_then(|&p| kids.get_mut(p)) {
            Some(siblings) => siblings.push(node),
            None => roots.push(node),
        }
        path.push(node);
    }
    let uid = |node: usize| uids.get(node).copied().unwrap_or_default();
    roots.sort_by_key(|&node| (uid(node), node));
    for siblings in &mut kids {
        siblings.sort_by_key(|&node| (uid(node), node));
    }
    build(
        preorder(&roots, &kids)
            .into_iter()
            .map(|(depth, node)| (depth, uid(node))),
    )
}

/// The forest with only the messages `keep` names, in the same order. A message left out
/// hands its replies to its nearest kept ancestor. A thread whose root is left out but
/// keeps several messages at its top is shown the way a dummy is: the first of them (in
/// display order) becomes the root, the others its replies, after its own. A thread that
/// keeps nothing is gone.
pub fn retain(forest: &[Thread], keep: &dyn Fn(u32) -> bool) -> Vec<Thread> {
    let mut out = Vec::with_capacity(forest.len());
    let mut kept: Vec<(usize, u32)> = Vec::new();
    // Kept messages on the path from the root, at each depth of the path.
    let mut above: Vec<usize> = Vec::new();
    for root in forest {
        kept.clear();
        above.clear();
        for (depth, uid) in outline(root) {
            above.truncate(depth);
            let kept_above = above.last().copied().unwrap_or(0);
            if keep(uid) {
                kept.push((kept_above, uid));
                above.push(kept_above + 1);
            } else {
                above.push(kept_above);
            }
        }
        // Tops after the first go under it, one level down with their replies.
        let mut shift = 0;
        let shifted = kept.iter().enumerate().map(|(i, &(depth, uid))| {
            if depth == 0 && i > 0 {
                shift = 1;
            }
            (depth + shift, uid)
        });
        out.extend(build(shifted));
    }
    out
}

/// A JWZ container: a message (or none yet, only referenced), linked into a tree through
/// a doubly linked list of siblings, so that linking and unlinking are O(1).
#[derive(Clone, Copy, Default)]
struct Container {
    msg: Option<usize>,
    parent: Option<usize>,
    first_child: Option<usize>,
    prev: Option<usize>,
    next: Option<usize>,
}

#[derive(Default)]
struct Arena {
    nodes: Vec<Container>,
    /// Scratch stack of [`Arena::would_loop`].
    scratch: Vec<usize>,
}

impl Arena {
    fn add(&mut self, msg: Option<usize>) -> usize {
        self.nodes.push(Container {
            msg,
            ..Container::default()
        });
        self.nodes.len() - 1
    }

    fn get(&self, c: usize) -> Container {
        self.nodes.get(c).copied().unwrap_or_default()
    }

    fn edit(&mut self, c: usize, f: impl FnOnce(&mut Container)) {
        if let Some(node) = self.nodes.get_mut(c) {
            f(node);
        }
    }

    fn unlink(&mut self, c: usize) {
        let node = self.get(c);
        let Some(parent) = node.parent else { return };
        match node.prev {
            Some(prev) => self.edit(prev, |p| p.next = node.next),
            None => self.edit(parent, |p| p.first_child = node.next),
        }
        if let Some(next) = node.next {
            self.edit(next, |n| n.prev = node.prev);
        }
        self.edit(c, |n| (n.parent, n.prev, n.next) = (None, None, None));
    }

    /// Makes the parentless `c` a child of `parent`.
    fn link(&mut self, parent: usize, c: usize) {
        let first = self.get(parent).first_child;
        if let Some(first) = first {
            self.edit(first, |f| f.prev = Some(c));
        }
        self.edit(c, |n| {
            (n.parent, n.prev, n.next) = (Some(parent), None, first)
        });
        self.edit(parent, |p| p.first_child = Some(c));
    }

    /// Whether making `c` a child of `parent` would close a loop: `c` is `parent` or one of
    /// its ancestors. Walks up from `parent` and through `c`'s subtree in turns, so the cost
    /// is twice the smaller of the two.
    fn would_loop(&mut self, parent: usize, c: usize) -> bool {
        if parent == c {
            return true;
        }
        let mut up = self.get(parent).parent;
        let mut down = std::mem::take(&mut self.scratch);
        down.clear();
        down.extend(self.get(c).first_child);
        let mut verdict = true; // if the walk outlasts the arena, something is cyclic: refuse
        for _ in 0..=self.nodes.len() {
            match up {
                None => verdict = false,
                Some(a) if a == c => verdict = true,
                Some(a) => {
                    up = self.get(a).parent;
                    match down.pop() {
                        None => verdict = false,
                        Some(d) if d == parent => verdict = true,
                        Some(d) => {
                            let node = self.get(d);
                            down.extend(node.next);
                            down.extend(node.first_child);
                            continue;
                        }
                    }
                }
            }
            break;
        }
        self.scratch = down;
        verdict
    }
}

/// Threads `messages` into a forest (JWZ steps 1–4, and step 5, grouping by subject, when
/// `subject_fallback`).
///
/// Messages are linked in UID order, which makes the result independent of the order of
/// `messages`. A message's References (its In-Reply-To when it has none, or appended when
/// they do not name it) link its ancestors, never overriding a link already made; its own
/// parent is the last of them, replacing one guessed before. No link closes a loop, and a
/// message's own id is dropped from its references. Of messages sharing a Message-ID, the
/// lowest UID keeps it; the others thread as if they had none.
///
/// Pruning removes containers that only were referenced: their children move up a level, at
/// the top only when there is one, else the empty container stays as a dummy root. As the
/// forest has a UID at every node, a dummy is shown the way Dovecot shows one: its oldest
/// child becomes the thread's root, its other children replies to that one. Subject grouping
/// (RFC 5256 base subject: `Re:`, `Fw:`, `Fwd:`, `AW:` and `[list]` prefixes and a `(fwd)`
/// trailer stripped, repeatedly and case-insensitively) puts threads whose roots share a
/// base subject under a dummy, so likewise under the oldest.
///
/// Order: replies oldest first (ties by UID), threads by their newest message, newest first
/// (ties: higher UID first).
pub fn thread(messages: &[ThreadInput], subject_fallback: bool) -> Vec<Thread> {
    let msg = |m: usize| messages.get(m);
    let uid = |m: usize| msg(m).map_or(0, |x| x.uid);
    let age = |m: usize| (msg(m).map_or(i64::MIN, |x| x.date), uid(m), m);

    // Step 1: a container per id, linked by references.
    let mut arena = Arena::default();
    arena.nodes.reserve(messages.len().saturating_mul(2));
    let mut table: HashMap<&str, usize> = HashMap::with_capacity(messages.len());
    let mut order: Vec<usize> = (0..messages.len()).collect();
    order.sort_by_key(|&m| (uid(m), m));
    for m in order {
        let Some(message) = msg(m) else { continue };
        let own_id = message.message_id.as_deref().and_then(clean_id);
        let mut refs: Vec<&str> = message
            .references
            .iter()
            .filter_map(|r| clean_id(r))
            .collect();
        if let Some(reply_to) = message.in_reply_to.as_deref().and_then(clean_id)
            && !refs.contains(&reply_to)
        {
            refs.push(reply_to);
        }
        if let Some(own) = own_id {
            refs.retain(|r| *r != own);
        }

        let me = match own_id.map(|id| (id, table.get(id).copied())) {
            Some((_, Some(c))) if arena.get(c).msg.is_none() => {
                arena.edit(c, |n| n.msg = Some(m));
                c
            }
            Some((id, None)) => {
                let c = arena.add(Some(m));
                table.insert(id, c);
                c
            }
            // A duplicate id, or none.
            _ => arena.add(Some(m)),
        };

        let mut last: Option<usize> = None;
        for r in refs {
            let c = match table.get(r) {
                Some(&c) => c,
                None => {
                    let c = arena.add(None);
                    table.insert(r, c);
                    c
                }
            };
            if let Some(p) = last
                && arena.get(c).parent.is_none()
                && !arena.would_loop(p, c)
            {
                arena.link(p, c);
            }
            last = Some(c);
        }
        if arena.get(me).parent != last {
            arena.unlink(me);
            if let Some(p) = last
                && !arena.would_loop(p, me)
            {
                arena.link(p, me);
            }
        }
    }
    drop(table);

    // Steps 2–4: from each root, a message's parent is its nearest message ancestor; the
    // topmost messages under a root form a unit (several: a dummy).
    let mut parent: Vec<Option<usize>> = vec![None; messages.len()];
    let mut units: Vec<Vec<usize>> = Vec::new();
    let mut stack: Vec<(usize, Option<usize>)> = Vec::new();
    let mut budget = arena.nodes.len();
    for root in 0..arena.nodes.len() {
        if arena.get(root).parent.is_some() {
            continue;
        }
        let mut tops = Vec::new();
        stack.push((root, None));
        while let Some((c, above)) = stack.pop() {
            let node = arena.get(c);
            let here = match node.msg {
                Some(m) => {
                    match (above, parent.get_mut(m)) {
                        (Some(p), Some(slot)) => *slot = Some(p),
                        _ => tops.push(m),
                    }
                    Some(m)
                }
                None => above,
            };
            let mut child = node.first_child;
            while let Some(k) = child
                && budget > 0
            {
                budget -= 1;
                stack.push((k, here));
                child = arena.get(k).next;
            }
        }
        if !tops.is_empty() {
            units.push(tops);
        }
    }

    // Step 5: units whose oldest message has the same base subject merge.
    if subject_fallback {
        let mut merged: Vec<Vec<usize>> = Vec::with_capacity(units.len());
        let mut by_subject: HashMap<String, usize> = HashMap::new();
        for unit in units {
            let head = unit.iter().copied().min_by_key(|&m| age(m));
            let key = head.and_then(msg).map(|x| base_subject(&x.subject));
            match key.filter(|k| !k.is_empty()) {
                Some(key) => match by_subject.get(&key).and_then(|&u| merged.get_mut(u)) {
                    Some(into) => into.extend(unit),
                    None => {
                        by_subject.insert(key, merged.len());
                        merged.push(unit);
                    }
                },
                None => merged.push(unit),
            }
        }
        units = merged;
    }

    // A unit's oldest message is the root; the others become its replies.
    let mut roots = Vec::with_capacity(units.len());
    for unit in &units {
        let Some(head) = unit.iter().copied().min_by_key(|&m| age(m)) else {
            continue;
        };
        for &m in unit.iter().filter(|&&m| m != head) {
            if let Some(x) = parent.get_mut(m) {
                *x = Some(head);
            }
        }
        roots.push(head);
    }
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); messages.len()];
    for (m, p) in parent.iter().enumerate() {
        if let Some(siblings) = p.and_then(|p| kids.get_mut(p)) {
            siblings.push(m);
        }
    }
    for siblings in &mut kids {
        siblings.sort_unstable_by_key(|&m| age(m));
    }

    // Threads by their newest message, newest first.
    let walk = preorder(&roots, &kids);
    let mut spans: Vec<((i64, u32, u32), usize, usize)> = Vec::with_capacity(roots.len());
    for (at, &(depth, m)) in walk.iter().enumerate() {
        let (date, u, _) = age(m);
        match spans.last_mut() {
            Some((key, _, end)) if depth > 0 => {
                if (date, u) > (key.0, key.1) {
                    (key.0, key.1) = (date, u);
                }
                *end = at + 1;
            }
            _ => spans.push(((date, u, u), at, at + 1)),
        }
    }
    spans.sort_by_key(|span| std::cmp::Reverse(span.0));
    let sorted = spans
        .iter()
        .flat_map(|&(_, start, end)| walk.get(start..end).unwrap_or_default());
    build(sorted.map(|&(depth, m)| (depth, uid(m))))
}

/// RFC 5256 base subject, simplified: whitespace collapsed, lower-cased, then `(fwd)`
/// trailers and `re:`, `fw:`, `fwd:`, `aw:` (each with an optional `[n]`) and `[blob]`
/// leaders removed until none is left (a blob only if text remains after it).
fn base_subject(subject: &str) -> String {
    let lowered = subject
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let mut s = lowered.as_str();
    loop {
        let before = s.len();
        s = s.trim();
        while let Some(rest) = s.strip_suffix("(fwd)") {
            s = rest.trim_end();
        }
        if let Some(rest) = strip_refwd(s) {
            s = rest;
        } else if let Some(rest) = strip_blob(s).filter(|r| !r.trim().is_empty()) {
            s = rest;
        }
        if s.len() == before {
            return s.to_owned();
        }
    }
}

/// `re:`, `fw:`, `fwd:`, `aw:`, allowing `re [2]:` and spaces before the colon.
fn strip_refwd(s: &str) -> Option<&str> {
    ["re", "fwd", "fw", "aw"].iter().find_map(|word| {
        let rest = s.strip_prefix(word)?.trim_start();
        let rest = strip_blob(rest).map_or(rest, str::trim_start);
        rest.strip_prefix(':')
    })
}

/// A leading `[...]` without brackets inside: what follows it.
fn strip_blob(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('[')?;
    let end = inner.find([']', '['])?;
    inner.get(end..)?.strip_prefix(']')
}

/// How [`flatten`] draws the tree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TreeStyle {
    /// `├─>`, `└─>`, `│  `, and `…` where levels are left out.
    #[default]
    Unicode,
    /// `|->`, `` `-> ``, `|  `, and `..` where levels are left out.
    Ascii,
}

impl TreeStyle {
    /// (branch, last branch, continuation, blank, levels left out)
    fn parts(self) -> [&'static str; 5] {
        match self {
            TreeStyle::Unicode => ["├─>", "└─>", "│  ", "   ", "…"],
            TreeStyle::Ascii => ["|->", "`->", "|  ", "   ", ".."],
        }
    }
}

/// Levels of tree drawing; deeper lines draw at this depth after a "levels left out" mark.
pub const MAX_DRAWN_DEPTH: usize = 16;

/// One line of the thread view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadLine {
    /// The message on this line.
    pub uid: u32,
    /// Depth in the thread (roots 0), saturating at `u16::MAX`; the drawing stops at
    /// [`MAX_DRAWN_DEPTH`].
    pub depth: u16,
    /// The tree drawing before the line's text; empty for roots, at most
    /// [`MAX_DRAWN_DEPTH`] three-character cells plus the mark.
    pub prefix: String,
    /// The UID of the thread's root.
    pub root: u32,
    /// Whether this line is its thread's root (depth 0).
    pub is_root: bool,
    /// Messages folded under this line: the rest of its thread, when it is collapsed.
    pub hidden: u32,
    /// How many of the `hidden` messages are unread.
    pub unread_hidden: u32,
}

/// Flattens a forest into view lines, in its order (pre-order). A thread whose root UID
/// `collapsed` names shows as its root line only, with the rest counted in `hidden` and, by
/// `is_unread`, `unread_hidden`.
pub fn flatten(
    forest: &[Thread],
    collapsed: &dyn Fn(u32) -> bool,
    is_unread: &dyn Fn(u32) -> bool,
    style: TreeStyle,
) -> Vec<ThreadLine> {
    let [branch, last_branch, through, blank, cut] = style.parts();
    let mut lines = Vec::new();
    // Whether the ancestor at each drawn level (1..) is the last of its siblings.
    let mut lasts: Vec<bool> = Vec::with_capacity(MAX_DRAWN_DEPTH);
    for root in forest {
        let line = |uid, depth: usize, prefix| ThreadLine {
            uid,
            depth: u16::try_from(depth).unwrap_or(u16::MAX),
            prefix,
            root: root.uid,
            is_root: depth == 0,
            hidden: 0,
            unread_hidden: 0,
        };
        if collapsed(root.uid) {
            let (mut hidden, mut unread) = (0u32, 0u32);
            for (_, t) in Walk::new(&root.children) {
                hidden = hidden.saturating_add(1);
                unread = unread.saturating_add(u32::from(is_unread(t.uid)));
            }
            lines.push(ThreadLine {
                hidden,
                unread_hidden: unread,
                ..line(root.uid, 0, String::new())
            });
            continue;
        }
        lines.push(line(root.uid, 0, String::new()));
        let mut stack = vec![root.children.iter()];
        while let Some(siblings) = stack.last_mut() {
            let Some(t) = siblings.next() else {
                stack.pop();
                continue;
            };
            let is_last = siblings.len() == 0;
            let depth = stack.len();
            lasts.truncate(depth.saturating_sub(1));
            let mut prefix = String::new();
            for &last in &lasts {
                prefix.push_str(if last { blank } else { through });
            }
            if depth > MAX_DRAWN_DEPTH {
                prefix.push_str(cut);
            }
            prefix.push_str(if is_last { last_branch } else { branch });
            if lasts.len() + 1 < MAX_DRAWN_DEPTH {
                lasts.push(is_last);
            }
            lines.push(line(t.uid, depth, prefix));
            stack.push(t.children.iter());
        }
    }
    lines
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn msg(uid: u32, id: &str, refs: &[&str], date: i64) -> ThreadInput {
        ThreadInput {
            uid,
            message_id: (!id.is_empty()).then(|| id.to_owned()),
            in_reply_to: None,
            references: refs.iter().map(|r| r.to_string()).collect(),
            subject: format!("subject {uid}"),
            date,
        }
    }

    fn t(uid: u32, children: Vec<Thread>) -> Thread {
        Thread { uid, children }
    }

    fn l(uid: u32) -> Thread {
        Thread::leaf(uid)
    }

    /// All UIDs of a forest, each once.
    fn all_uids(forest: &[Thread]) -> Vec<u32> {
        let mut v: Vec<u32> = Walk::new(forest).map(|(_, t)| t.uid).collect();
        v.sort_unstable();
        v
    }

    fn max_depth(forest: &[Thread]) -> usize {
        Walk::new(forest).map(|(d, _)| d).max().unwrap_or(0)
    }

    #[test]
    fn message_ids_parses_headers() {
        assert_eq!(message_ids("<a@b> <c@d>"), ["a@b", "c@d"]);
        assert_eq!(message_ids("\r\n\t<a@b>\r\n <c@d>\r\n"), ["a@b", "c@d"]);
        assert_eq!(message_ids("<a@b><c@d>"), ["a@b", "c@d"]);
        assert_eq!(message_ids("< a@b >"), ["a@b"]);
        assert_eq!(
            message_ids("(comment <x@y>) <a@b> (nested (deep <z@w>) )"),
            ["a@b"]
        );
        assert_eq!(message_ids(r#""Joe <joe@x>" <a@b>"#), ["a@b"]);
        assert_eq!(message_ids(r"(esc \) <x@y>) <a@b>"), ["a@b"]);
        assert_eq!(message_ids("Your message of Mon <a@b>"), ["a@b"]);
        assert_eq!(message_ids("<odd(paren)@b>"), ["odd(paren)@b"]);
        assert_eq!(message_ids("<<a@b>"), ["a@b"]);
        assert_eq!(message_ids("<a@b> <unclosed"), ["a@b"]);
        assert_eq!(message_ids("<> < > <ü@ß>"), ["ü@ß"]);
        // Unclosed comment or quote: read as text.
        assert_eq!(message_ids("(oops <a@b>"), ["a@b"]);
        assert_eq!(message_ids("\"oops <a@b>"), ["a@b"]);
        assert_eq!(message_ids("(x) (oops <a@b> \"q"), ["a@b"]);
        // Bare ids: one alone is taken, several are not.
        assert_eq!(message_ids("  a@b  "), ["a@b"]);
        assert!(message_ids("a@b c@d").is_empty());
        assert!(message_ids("garbage").is_empty());
        assert!(message_ids("").is_empty());
        assert!(message_ids(">>><<<)))(((\"\"\\").is_empty());
    }

    #[test]
    fn message_ids_total_on_odd_text() {
        let samples = [
            "\\",
            "(\\",
            "\"\\",
            "<\\>",
            "(((((",
            ")))))",
            "<<<<",
            ">>>>",
            "é<é>é",
            "\u{0}<\u{0}>",
        ];
        for s in samples {
            let _ = message_ids(s);
        }
        assert_eq!(message_ids("é<é>é"), ["é"]);
        let long = "(".repeat(100_000) + "<a@b>";
        assert_eq!(message_ids(&long), ["a@b"]);
    }

    #[test]
    fn reply_chain() {
        let msgs = [
            msg(1, "a", &[], 10),
            msg(2, "b", &["a"], 20),
            msg(3, "c", &["a", "b"], 30),
        ];
        assert_eq!(thread(&msgs, false), [t(1, vec![t(2, vec![l(3)])])]);
        // Input order does not matter.
        let rev: Vec<_> = msgs.iter().rev().cloned().collect();
        assert_eq!(thread(&rev, false), [t(1, vec![t(2, vec![l(3)])])]);
    }

    #[test]
    fn siblings_oldest_first() {
        let msgs = [
            msg(1, "a", &[], 10),
            msg(2, "b", &["a"], 50),
            msg(3, "c", &["a"], 30),
            msg(5, "e", &["a"], 30),
            msg(4, "d", &["a"], 30),
        ];
        assert_eq!(thread(&msgs, false), [t(1, vec![l(3), l(4), l(5), l(2)])]);
    }

    #[test]
    fn missing_parent_one_child_is_promoted() {
        let msgs = [msg(2, "b", &["x"], 20), msg(3, "c", &["x", "b"], 30)];
        assert_eq!(thread(&msgs, false), [t(2, vec![l(3)])]);
        // Empty containers in the middle go too.
        let msgs = [msg(1, "a", &[], 10), msg(3, "c", &["a", "x", "y"], 30)];
        assert_eq!(thread(&msgs, false), [t(1, vec![l(3)])]);
    }

    #[test]
    fn missing_parent_two_children_oldest_is_root() {
        let msgs = [
            msg(5, "b", &["x"], 20),
            msg(3, "c", &["x"], 30),
            msg(4, "d", &["x", "c"], 40),
        ];
        // x is a dummy with b (5) and c (3); b is older, so it is the root.
        assert_eq!(thread(&msgs, false), [t(5, vec![t(3, vec![l(4)])])]);
        // Children of the promoted root and the dummy's other children are ordered together.
        let msgs = [
            msg(1, "b", &["x"], 20),
            msg(2, "c", &["x"], 40),
            msg(3, "d", &["x", "b"], 30),
            msg(4, "e", &["x", "b"], 50),
        ];
        assert_eq!(thread(&msgs, false), [t(1, vec![l(3), l(2), l(4)])]);
        // Nested dummies: x > y > {b, c}.
        let msgs = [msg(1, "b", &["x", "y"], 20), msg(2, "c", &["x", "y"], 10)];
        assert_eq!(thread(&msgs, false), [t(2, vec![l(1)])]);
    }

    #[test]
    fn broken_references() {
        let ids = |s: &str| message_ids(s);
        let mut b = msg(2, "b", &[], 20);
        b.references = ids("garbage (not an id) <a@x> trailing junk <");
        let mut c = msg(3, "c", &[], 30);
        c.references = vec![String::new(), "   ".into(), "<b>".into(), " <> ".into()];
        let mut d = msg(4, "d", &[], 40);
        d.references = ids("a@x b@x"); // bare ids, several: none
        let a = msg(1, "<a@x>", &[], 10);
        assert_eq!(
            thread(&[a, b, c, d], false),
            [l(4), t(1, vec![t(2, vec![l(3)])])]
        );
    }

    #[test]
    fn reference_loops() {
        // A refs B, B refs A.
        let msgs = [msg(1, "a", &["b"], 10), msg(2, "b", &["a"], 20)];
        assert_eq!(thread(&msgs, false), [t(2, vec![l(1)])]);
        // Self-reference.
        let mut a = msg(1, "a", &["a"], 10);
        a.in_reply_to = Some("a".into());
        assert_eq!(thread(&[a], false), [l(1)]);
        // A long cycle: each message refers to the previous, the first to the last.
        let n = 50u32;
        let msgs: Vec<_> = (0..n)
            .map(|i| {
                let prev = format!("m{}", (i + n - 1) % n);
                msg(i + 1, &format!("m{i}"), &[prev.as_str()], i64::from(i))
            })
            .collect();
        let forest = thread(&msgs, false);
        assert_eq!(forest.len(), 1);
        assert_eq!(all_uids(&forest), (1..=n).collect::<Vec<_>>());
        // A loop inside one References list, and between two lists.
        let msgs = [
            msg(1, "a", &["x", "y", "x", "y"], 10),
            msg(2, "b", &["y", "x", "b", "a"], 20),
            msg(3, "x", &["a"], 30),
        ];
        let forest = thread(&msgs, false);
        assert_eq!(all_uids(&forest), [1, 2, 3]);
    }

    #[test]
    fn duplicate_message_ids() {
        let msgs = [
            msg(1, "a", &[], 10),
            msg(2, "a", &[], 20),
            msg(3, "r", &["a"], 30),
            msg(4, "", &["a"], 40),
        ];
        // The lowest UID keeps the id; the duplicate stands alone.
        assert_eq!(thread(&msgs, false), [t(1, vec![l(3), l(4)]), l(2)]);
        // A duplicate that is itself a reply still threads by its references.
        let msgs = [
            msg(1, "a", &[], 10),
            msg(2, "b", &["a"], 20),
            msg(3, "b", &["a"], 30),
        ];
        assert_eq!(thread(&msgs, false), [t(1, vec![l(2), l(3)])]);
    }

    #[test]
    fn in_reply_to() {
        let a = msg(1, "a", &[], 10);
        let mut b = msg(2, "b", &[], 20);
        b.in_reply_to = Some("<a>".into());
        assert_eq!(thread(&[a.clone(), b.clone()], false), [t(1, vec![l(2)])]);
        // References without the In-Reply-To id: it is appended, so it is the parent.
        let mut c = msg(3, "c", &["a"], 30);
        c.in_reply_to = Some("b".into());
        assert_eq!(
            thread(&[a.clone(), b.clone(), c], false),
            [t(1, vec![t(2, vec![l(3)])])]
        );
        // In-Reply-To already in References: the References order stands.
        let mut c = msg(3, "c", &["a", "b"], 30);
        c.in_reply_to = Some("a".into());
        assert_eq!(thread(&[a, b, c], false), [t(1, vec![t(2, vec![l(3)])])]);
    }

    #[test]
    fn own_references_replace_a_guessed_parent() {
        // c's references guess b under x; b's own references say a.
        let msgs = [
            msg(1, "a", &[], 10),
            msg(2, "c", &["x", "b"], 30),
            msg(3, "b", &["a"], 20),
        ];
        assert_eq!(thread(&msgs, false), [t(1, vec![t(3, vec![l(2)])])]);
        // A message without references is a root even if others guessed a parent for it.
        let msgs = [msg(1, "c", &["x", "b"], 30), msg(2, "b", &[], 20)];
        assert_eq!(thread(&msgs, false), [t(2, vec![l(1)])]);
    }

    fn subj(uid: u32, subject: &str, date: i64) -> ThreadInput {
        ThreadInput {
            subject: subject.into(),
            ..msg(uid, &format!("id{uid}"), &[], date)
        }
    }

    #[test]
    fn subject_fallback() {
        let msgs = [
            subj(1, "Lunch", 10),
            subj(2, "Re: lunch", 20),
            subj(3, "RE: RE:  Lunch", 30),
            subj(4, "AW: Fwd: re[2]: FW: lunch", 40),
            subj(5, "[team] Re: LUNCH (fwd)", 50),
            subj(6, "Lunchtime", 60),
            subj(7, "", 70),
            subj(8, "Re:", 80),
        ];
        let off = thread(&msgs, false);
        assert_eq!(off.len(), 8);
        assert_eq!(
            thread(&msgs, true),
            [l(8), l(7), l(6), t(1, vec![l(2), l(3), l(4), l(5)])]
        );
        // Grouped under the oldest, whatever its prefix; thread trees move whole.
        let mut r = msg(4, "r", &["id3"], 5);
        r.subject = "other".into();
        let msgs = [
            subj(1, "Re: plan", 20),
            subj(2, "plan", 30),
            subj(3, "Fw: plan", 10),
            r,
        ];
        assert_eq!(thread(&msgs, true), [t(3, vec![l(4), l(1), l(2)])]);
    }

    #[test]
    fn base_subjects() {
        for (s, base) in [
            ("Re: hi", "hi"),
            ("re: Re : RE:hi", "hi"),
            ("Re[3]: hi", "hi"),
            ("[list] Re: [list] hi", "hi"),
            ("[only]", "[only]"),
            ("[PATCH 1/2] fix", "fix"),
            ("hi (fwd) (FWD)", "hi"),
            ("  Fwd:   Many   spaces ", "many spaces"),
            ("Rechnung", "rechnung"),
            ("Re", "re"),
            ("[unclosed", "[unclosed"),
            ("Re: [", "["),
        ] {
            assert_eq!(base_subject(s), base, "{s}");
        }
    }

    #[test]
    fn thread_order_newest_conversation_first() {
        let msgs = [
            msg(1, "a", &[], 10),
            msg(2, "b", &[], 20),
            msg(3, "c", &[], 30),
            msg(4, "a2", &["a"], 40), // thread a now newest
            msg(5, "d", &[], 30),     // ties with c: higher uid first
        ];
        assert_eq!(thread(&msgs, false), [t(1, vec![l(4)]), l(5), l(3), l(2)]);
    }

    #[test]
    fn canonical_sorts_by_uid() {
        let forest = vec![t(9, vec![l(3), t(2, vec![l(8), l(1)])]), l(4)];
        assert_eq!(
            canonical(&forest),
            [l(4), t(9, vec![t(2, vec![l(1), l(8)]), l(3)])]
        );
        assert!(canonical(&[]).is_empty());
    }

    #[test]
    fn thread_traits() {
        let a = t(
            3,
            vec![l(6), t(4, vec![l(23)]), t(44, vec![t(7, vec![l(96)])])],
        );
        assert_eq!(format!("{a:?}"), "Thread(3 [6, 4 [23], 44 [7 [96]]])");
        assert_eq!(format!("{:?}", l(1)), "Thread(1)");
        assert_eq!(a.clone(), a);
        assert_ne!(
            a,
            t(3, vec![l(6), t(4, vec![l(23)]), t(44, vec![l(7), l(96)])])
        );
        assert_ne!(l(1), l(2));
    }

    fn prefixes(lines: &[ThreadLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| format!("{}{}", l.prefix, l.uid))
            .collect()
    }

    #[test]
    fn flatten_draws_tree() {
        let forest = vec![
            t(
                1,
                vec![t(2, vec![l(3), t(4, vec![l(5)])]), t(6, vec![l(7)])],
            ),
            l(8),
        ];
        let lines = flatten(&forest, &|_| false, &|_| false, TreeStyle::Unicode);
        assert_eq!(
            prefixes(&lines),
            [
                "1",
                "├─>2",
                "│  ├─>3",
                "│  └─>4",
                "│     └─>5",
                "└─>6",
                "   └─>7",
                "8"
            ]
        );
        assert_eq!(
            lines.iter().map(|l| l.depth).collect::<Vec<_>>(),
            [0, 1, 2, 2, 3, 1, 2, 0]
        );
        assert_eq!(
            lines.iter().map(|l| l.root).collect::<Vec<_>>(),
            [1, 1, 1, 1, 1, 1, 1, 8]
        );
        assert!(
            lines
                .iter()
                .all(|l| l.is_root == (l.depth == 0) && l.hidden == 0)
        );
        let ascii = flatten(&forest, &|_| false, &|_| false, TreeStyle::Ascii);
        assert_eq!(
            prefixes(&ascii),
            [
                "1",
                "|->2",
                "|  |->3",
                "|  `->4",
                "|     `->5",
                "`->6",
                "   `->7",
                "8"
            ]
        );
    }

    #[test]
    fn flatten_collapsed_counts() {
        let forest = vec![t(1, vec![t(2, vec![l(3)]), l(4)]), t(5, vec![l(6)]), l(7)];
        let unread = |uid| uid % 2 == 0;
        let lines = flatten(&forest, &|root| root != 5, &unread, TreeStyle::Unicode);
        let got: Vec<_> = lines
            .iter()
            .map(|l| (l.uid, l.hidden, l.unread_hidden))
            .collect();
        assert_eq!(got, [(1, 3, 2), (5, 0, 0), (6, 0, 0), (7, 0, 0)]);
        assert_eq!(prefixes(&lines), ["1", "5", "└─>6", "7"]);
    }

    #[test]
    fn flatten_caps_drawing_depth() {
        let mut chain = l(20);
        for uid in (0..20).rev() {
            chain = t(uid, vec![chain]);
        }
        let forest = vec![chain];
        let lines = flatten(&forest, &|_| false, &|_| false, TreeStyle::Unicode);
        let pad = "   ".repeat(15);
        assert_eq!(lines[16].prefix, format!("{pad}└─>"));
        assert_eq!(lines[17].prefix, format!("{pad}…└─>"));
        assert_eq!(lines[20].prefix, format!("{pad}…└─>"));
        assert_eq!(lines[20].depth, 20);
        let ascii = flatten(&forest, &|_| false, &|_| false, TreeStyle::Ascii);
        assert_eq!(ascii[20].prefix, format!("{pad}..`->"));
    }

    #[test]
    fn deep_chain() {
        let n = 10_000u32;
        let ids: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
        let mut msgs: Vec<ThreadInput> = (0..n)
            .map(|i| {
                let start = i.saturating_sub(10) as usize;
                let refs: Vec<&str> = ids[start..i as usize].iter().map(String::as_str).collect();
                msg(i + 1, &ids[i as usize], &refs, i64::from(i))
            })
            .collect();
        for reverse in [false, true] {
            if reverse {
                // UIDs in reverse: each message is linked after its replies.
                for m in &mut msgs {
                    m.uid = n + 1 - m.uid;
                }
            }
            let forest = thread(&msgs, false);
            assert_eq!(forest.len(), 1);
            assert_eq!(max_depth(&forest), n as usize - 1);
            let lines = flatten(&forest, &|_| false, &|_| false, TreeStyle::Unicode);
            assert_eq!(lines.len(), n as usize);
            assert!(
                lines
                    .iter()
                    .all(|l| l.prefix.chars().count() <= 3 * MAX_DRAWN_DEPTH + 1)
            );
            assert_eq!(lines.last().map(|l| l.depth), Some(9_999));
            let copy = forest.clone();
            assert_eq!(copy, forest);
            assert_eq!(canonical(&forest), forest);
            assert!(format!("{:?}", forest).len() > 10_000);
        }
        // In-Reply-To only, in an order that links the middle last.
        let mut msgs: Vec<ThreadInput> = (0..n)
            .map(|i| {
                let mut m = msg(0, &ids[i as usize], &[], i64::from(i));
                m.in_reply_to = i.checked_sub(1).map(|p| ids[p as usize].clone());
                m
            })
            .collect();
        let mut uid = 0;
        for pass in [1, 0] {
            for m in msgs.iter_mut().skip(pass).step_by(2) {
                uid += 1;
                m.uid = uid;
            }
        }
        let forest = thread(&msgs, false);
        assert_eq!(max_depth(&forest), n as usize - 1);
    }

    #[test]
    fn dropping_a_very_deep_thread() {
        let mut chain = l(0);
        for uid in 1..200_000 {
            chain = t(uid, vec![chain]);
        }
        drop(chain);
    }

    /// ~100,000 messages in threads of 1 to 13, chains and bushy trees, a seventh of them
    /// with the root missing.
    #[test]
    fn hundred_thousand_messages() {
        let mut msgs = Vec::new();
        // uid -> (thread, position)
        let mut whose: HashMap<u32, (usize, usize)> = HashMap::new();
        let mut threads = 0;
        while msgs.len() < 100_000 {
            let k = threads;
            threads += 1;
            let size = 1 + k % 13;
            let chain = k % 3 == 0;
            let missing = k % 7 == 0;
            let parent = |j: usize| if chain { j - 1 } else { (j - 1) / 2 };
            for j in 0..size {
                if missing && j == 0 {
                    continue;
                }
                let mut path = Vec::new();
                let mut a = j;
                while a > 0 {
                    a = parent(a);
                    path.push(format!("t{k}.{a}@example.org"));
                }
                path.reverse();
                let start = path.len().saturating_sub(10);
                let uid = msgs.len() as u32 + 1;
                whose.insert(uid, (k, j));
                msgs.push(ThreadInput {
                    uid,
                    message_id: Some(format!("<t{k}.{j}@example.org>")),
                    in_reply_to: None,
                    references: path[start..].to_vec(),
                    subject: format!("thread {k}"),
                    date: (k * 100 + j) as i64,
                });
            }
        }
        let started = std::time::Instant::now();
        let forest = thread(&msgs, false);
        let took = started.elapsed();
        println!("threading {} messages took {took:?}", msgs.len());
        let started = std::time::Instant::now();
        let lines = flatten(&forest, &|_| false, &|_| false, TreeStyle::Unicode);
        println!("flattening took {:?}", started.elapsed());
        assert_eq!(lines.len(), msgs.len());

        let expected_threads = (0..threads)
            .filter(|k| !(k % 7 == 0 && k % 13 == 0))
            .count();
        assert_eq!(forest.len(), expected_threads);
        // Newest conversation first: thread numbers descend.
        let order: Vec<usize> = forest.iter().map(|t| whose[&t.uid].0).collect();
        assert!(order.windows(2).all(|w| w[0] > w[1]));
        // Every message once, under its true parent; with the root missing, its first reply
        // is the root and the other replies to the missing root hang under it.
        let mut seen = HashSet::new();
        let mut path: Vec<u32> = Vec::new();
        for (depth, node) in Walk::new(&forest) {
            path.truncate(depth);
            assert!(seen.insert(node.uid));
            let (k, j) = whose[&node.uid];
            let chain = k % 3 == 0;
            let true_parent = if j == 0 {
                None
            } else if chain {
                Some(j - 1)
            } else {
                Some((j - 1) / 2)
            };
            let expected = match true_parent {
                Some(0) if k % 7 == 0 => (j != 1).then_some(1),
                p => p,
            };
            let got = path.last().map(|p| whose[p]);
            assert_eq!(got, expected.map(|p| (k, p)), "uid {} ({k}, {j})", node.uid);
            path.push(node.uid);
        }
        assert_eq!(seen.len(), msgs.len());
    }

    /// Random small folders with ids from a small pool: every message comes out once.
    #[test]
    fn random_inputs_keep_every_message() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let subjects = ["a", "Re: a", "b", "Fwd: b", "", "Re:"];
        for _ in 0..2_000 {
            let count = 1 + next(12) as u32;
            let msgs: Vec<ThreadInput> = (0..count)
                .map(|i| {
                    let id = |n: u64| format!("<m{n}>");
                    ThreadInput {
                        uid: 1 + next(u64::from(count)) as u32, // duplicates too
                        message_id: (next(5) > 0).then(|| id(next(10))),
                        in_reply_to: (next(3) == 0).then(|| id(next(10))),
                        references: (0..next(5)).map(|_| id(next(10))).collect(),
                        subject: subjects[next(6) as usize].into(),
                        date: next(4) as i64 + i64::from(i),
                    }
                })
                .collect();
            let mut want: Vec<u32> = msgs.iter().map(|m| m.uid).collect();
            want.sort_unstable();
            for fallback in [false, true] {
                let forest = thread(&msgs, fallback);
                assert_eq!(all_uids(&forest), want);
                let lines = flatten(&forest, &|u| u % 2 == 0, &|_| true, TreeStyle::Unicode);
                let shown: u32 = lines.iter().map(|l| 1 + l.hidden).sum();
                assert_eq!(shown as usize, msgs.len());
            }
        }
    }

    #[test]
    fn retain_keeps_the_shape_of_what_is_left() {
        let forest = vec![
            t(
                1,
                vec![t(2, vec![l(3), t(4, vec![l(5)])]), t(6, vec![l(7)])],
            ),
            t(8, vec![l(9)]),
            l(10),
        ];
        let all = retain(&forest, &|_| true);
        assert_eq!(all, forest);
        // A reply left out hands its replies up; a thread with nothing kept is gone.
        let some = retain(&forest, &|u| ![2, 8, 9].contains(&u));
        assert_eq!(
            some,
            [t(1, vec![l(3), t(4, vec![l(5)]), t(6, vec![l(7)])]), l(10)]
        );
        // Without its root, the first kept top is the root and the other tops its replies.
        let rootless = retain(&forest, &|u| ![1, 4].contains(&u));
        assert_eq!(
            rootless,
            [
                t(2, vec![l(3), l(5), t(6, vec![l(7)])]),
                t(8, vec![l(9)]),
                l(10)
            ]
        );
        assert!(retain(&forest, &|_| false).is_empty());
        let lines = flatten(&rootless, &|_| false, &|_| false, TreeStyle::Unicode);
        assert_eq!(
            prefixes(&lines),
            ["2", "├─>3", "├─>5", "└─>6", "   └─>7", "8", "└─>9", "10"]
        );
        let outline: Vec<_> = forest[0].outline().collect();
        assert_eq!(outline[..3], [(0, 1), (1, 2), (2, 3)]);
    }

    #[test]
    fn retain_a_very_deep_chain() {
        let mut chain = l(100_000);
        for uid in (1..100_000).rev() {
            chain = t(uid, vec![chain]);
        }
        let forest = vec![chain];
        let odd = retain(&forest, &|u| u % 2 == 1);
        assert_eq!(max_depth(&odd), 49_999);
        assert_eq!(all_uids(&odd).len(), 50_000);
    }

    #[test]
    fn empty_input() {
        assert!(thread(&[], true).is_empty());
        assert!(flatten(&[], &|_| true, &|_| true, TreeStyle::Ascii).is_empty());
    }
}
