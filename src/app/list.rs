//! The open folder's rows: kept sorted newest first (descending UID), with the selection
//! following a message (not a position) while rows stream in, an optional filter, and an
//! optional thread order (the thread view: display positions follow the flattened forest).

use std::collections::HashSet;

use crate::mail::search::{Hits, Matcher};
use crate::mail::threads::{self, Thread, ThreadLine, TreeStyle};
use crate::mail::{Flags, Row};

/// A row index or display position that stands for none.
const NONE: usize = usize::MAX;

/// The thread view of the list: the source's forest, which threads are collapsed, and the
/// lines shown, made again whenever the rows, the filter or a collapse change.
#[derive(Debug, Default)]
struct ThreadOrder {
    /// The forest in display order (threads newest first; oldest first with `oldest_first`).
    forest: Vec<Thread>,
    /// The forest's UIDs, ascending: a row outside it is new mail, shown as a thread of its
    /// own until the source threads the folder again.
    members: Vec<u32>,
    /// Every thread is collapsed but those in `toggled`; or, when false, only those.
    collapse_all: bool,
    /// Root UIDs whose thread is not as `collapse_all` says.
    toggled: HashSet<u32>,
    /// What is shown, in display order: only rows loaded and kept by the filter or search.
    lines: Vec<ThreadLine>,
    /// The row index of each line.
    index: Vec<usize>,
    /// By row index: the position of the line that shows the row (its collapsed thread's
    /// root line, when it is folded away), or `NONE`.
    position: Vec<usize>,
}

impl ThreadOrder {
    fn collapsed(&self, root: u32) -> bool {
        self.collapse_all != self.toggled.contains(&root)
    }

    fn set_collapsed(&mut self, root: u32, collapsed: bool) {
        if collapsed == self.collapse_all {
            self.toggled.remove(&root);
        } else {
            self.toggled.insert(root);
        }
    }

    /// Makes the lines again over `rows` (descending UID); `kept`, by row index, says which
    /// rows the filter or search keeps (`None`: all).
    fn layout(&mut self, rows: &[Row], kept: Option<&[bool]>, oldest_first: bool) {
        let index_of = |uid: u32| rows.binary_search_by(|r| uid.cmp(&r.uid)).ok();
        let keep = |uid: u32| {
            index_of(uid).is_some_and(|i| kept.is_none_or(|k| k.get(i).copied().unwrap_or(false)))
        };
        let is_unread = |uid: u32| {
            index_of(uid)
                .and_then(|i| rows.get(i))
                .is_some_and(|r| !r.flags.contains(Flags::SEEN))
        };
        let mut extras: Vec<Thread> = rows
            .iter()
            .filter(|r| self.members.binary_search(&r.uid).is_err() && keep(r.uid))
            .map(|r| Thread::leaf(r.uid))
            .collect();
        let whole = self.members.iter().all(|&uid| keep(uid));
        let retained;
        let shown: &[Thread] = if whole {
            &self.forest
        } else {
            retained = threads::retain(&self.forest, &keep);
            &retained
        };
        let collapsed = |root: u32| self.collapsed(root);
        let forest_lines = threads::flatten(shown, &collapsed, &is_unread, TreeStyle::Unicode);
        let (lines, offset) = if oldest_first {
            extras.reverse();
            let extra_lines = threads::flatten(&extras, &|_| false, &|_| false, TreeStyle::Unicode);
            let mut lines = forest_lines;
            lines.extend(extra_lines);
            (lines, 0)
        } else {
            let mut lines = threads::flatten(&extras, &|_| false, &|_| false, TreeStyle::Unicode);
            let offset = lines.len();
            lines.extend(forest_lines);
            (lines, offset)
        };
        let index: Vec<usize> = lines
            .iter()
            .map(|l| index_of(l.uid).unwrap_or(NONE))
            .collect();
        let mut position = vec![NONE; rows.len()];
        for (p, &i) in index.iter().enumerate() {
            if let Some(slot) = position.get_mut(i) {
                *slot = p;
            }
        }
        // The messages folded into a collapsed thread are found at its root line.
        let mut trees = shown.iter();
        for (p, line) in lines.iter().enumerate().skip(offset) {
            if !line.is_root {
                continue;
            }
            let Some(tree) = trees.next() else { break };
            if line.hidden == 0 {
                continue;
            }
            for (_, uid) in tree.outline().skip(1) {
                if let Some(slot) = index_of(uid).and_then(|i| position.get_mut(i)) {
                    *slot = p;
                }
            }
        }
        self.lines = lines;
        self.index = index;
        self.position = position;
    }
}

/// The most rows [`RowList::expect`] reserves room for ahead of their arrival.
const MAX_RESERVED_ROWS: usize = 250_000;

/// The rows of the open folder and where the user is in them.
#[derive(Debug, Default)]
pub struct RowList {
    /// Sorted by descending UID.
    rows: Vec<Row>,
    /// Show the oldest message at the top instead of the newest.
    oldest_first: bool,
    /// Indices into `rows` of the rows that match the filter, in display order.
    filtered: Option<Vec<usize>>,
    filter_query: String,
    /// A search's results: only the rows it keeps are shown.
    search: Option<Matcher>,
    /// The selected message, by UID, so that it stays selected while rows arrive.
    selected_uid: Option<u32>,
    /// The selected display position (kept in step with `selected_uid`).
    cursor: usize,
    /// The first display position drawn.
    pub offset: usize,
    /// The thread view, when the folder is shown threaded and its threads are known.
    threads: Option<ThreadOrder>,
}

impl RowList {
    pub fn new(oldest_first: bool) -> RowList {
        RowList {
            oldest_first,
            ..RowList::default()
        }
    }

    /// How many rows are shown (all loaded rows, or the filter's matches; in the thread
    /// view, the lines of the threads).
    pub fn len(&self) -> usize {
        if let Some(order) = &self.threads {
            return order.lines.len();
        }
        self.filtered.as_ref().map_or(self.rows.len(), Vec::len)
    }

    /// How many messages the filter or search keeps (all loaded rows without one): the
    /// lines shown, and in the thread view those folded into collapsed threads too.
    pub fn matched(&self) -> usize {
        self.filtered.as_ref().map_or(self.rows.len(), Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every loaded row, newest first, whatever the filter.
    pub fn all(&self) -> &[Row] {
        &self.rows
    }

    pub fn loaded(&self) -> usize {
        self.rows.len()
    }

    fn index_at(&self, position: usize) -> Option<usize> {
        if let Some(order) = &self.threads {
            let index = *order.index.get(position)?;
            return (index < self.rows.len()).then_some(index);
        }
        let index = match &self.filtered {
            Some(f) => *f.get(position)?,
            None if self.oldest_first => self.rows.len().checked_sub(position + 1)?,
            None => position,
        };
        (index < self.rows.len()).then_some(index)
    }

    /// The row shown at a display position.
    pub fn at(&self, position: usize) -> Option<&Row> {
        self.index_at(position).map(|i| &self.rows[i])
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn selected(&self) -> Option<&Row> {
        self.at(self.cursor)
    }

    fn index_of_uid(&self, uid: u32) -> Option<usize> {
        self.rows.binary_search_by(|r| uid.cmp(&r.uid)).ok()
    }

    fn position_of_index(&self, index: usize) -> Option<usize> {
        if let Some(order) = &self.threads {
            return order.position.get(index).copied().filter(|&p| p != NONE);
        }
        match &self.filtered {
            // The filtered list is in display order of ascending index (or descending).
            Some(f) => {
                if self.oldest_first {
                    f.binary_search_by(|i| index.cmp(i)).ok()
                } else {
                    f.binary_search(&index).ok()
                }
            }
            None if self.oldest_first => Some(self.rows.len() - 1 - index),
            None => Some(index),
        }
    }

    /// Moves the selection to a display position (clamped) and keeps it visible in `height`
    /// rows.
    pub fn select(&mut self, position: usize, height: usize) {
        let len = self.len();
        self.cursor = position.min(len.saturating_sub(1));
        self.selected_uid = self.at(self.cursor).map(|r| r.uid);
        self.scroll_into_view(height);
    }

    pub fn move_by(&mut self, delta: isize, height: usize) {
        let target = self.cursor.saturating_add_signed(delta);
        self.select(target, height);
    }

    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
        let max_offset = self.len().saturating_sub(height);
        self.offset = self.offset.min(max_offset);
    }

    /// After rows changed: find the selected message again, or keep the position.
    fn reselect(&mut self, height: usize) {
        if let Some(position) = self
            .selected_uid
            .and_then(|uid| self.index_of_uid(uid))
            .and_then(|i| self.position_of_index(i))
        {
            let moved_by = position as isize - self.cursor as isize;
            self.cursor = position;
            // A message folded into a collapsed thread: its root line is selected.
            self.selected_uid = self.at(position).map(|r| r.uid);
            // Rows that arrive above the view push it down with them, so the screen stays put.
            if moved_by > 0 && self.offset > 0 {
                self.offset = self.offset.saturating_add_signed(moved_by);
            }
        } else {
            self.cursor = self.cursor.min(self.len().saturating_sub(1));
            self.selected_uid = self.at(self.cursor).map(|r| r.uid);
        }
        self.scroll_into_view(height);
    }

    /// Makes room for the `total` rows the folder says it has, so that a large folder's list
    /// grows in place instead of doubling (and copying) as its rows arrive. Bounded: the total
    /// is the server's word, and a lying one must not make the reader reserve gigabytes.
    pub fn expect(&mut self, total: u32) {
        let wanted = (total as usize).min(MAX_RESERVED_ROWS);
        self.rows
            .reserve_exact(wanted.saturating_sub(self.rows.len()));
    }

    /// Adds rows (any order; duplicates replace the old row).
    pub fn insert(&mut self, mut new_rows: Vec<Row>, height: usize) {
        if new_rows.is_empty() {
            return;
        }
        new_rows.sort_unstable_by_key(|r| std::cmp::Reverse(r.uid));
        let appends_below = self
            .rows
            .last()
            .is_none_or(|last| new_rows[0].uid < last.uid);
        if appends_below {
            self.rows.extend(new_rows);
        } else {
            self.rows.extend(new_rows);
            self.rows.sort_by_key(|r| std::cmp::Reverse(r.uid));
            // A re-sent row replaces the earlier copy (sort is stable: the new copy came later).
            self.rows.dedup_by(|later, earlier| {
                if later.uid == earlier.uid {
                    std::mem::swap(later, earlier);
                    true
                } else {
                    false
                }
            });
        }
        self.refilter();
        if self.selected_uid.is_none() {
            self.select(0, height);
        } else {
            self.reselect(height);
        }
    }

    pub fn remove(&mut self, uids: &[u32], height: usize) {
        let mut gone: Vec<u32> = uids.to_vec();
        gone.sort_unstable();
        self.rows.retain(|r| gone.binary_search(&r.uid).is_err());
        self.refilter();
        if self
            .selected_uid
            .is_some_and(|u| gone.binary_search(&u).is_ok())
        {
            // The selected message went away: select what now stands at its place.
            self.selected_uid = None;
            self.cursor = self.cursor.min(self.len().saturating_sub(1));
            self.selected_uid = self.at(self.cursor).map(|r| r.uid);
            self.scroll_into_view(height);
        } else {
            self.reselect(height);
        }
    }

    pub fn set_flags(&mut self, uid: u32, flags: Flags) {
        let Some(i) = self.index_of_uid(uid) else {
            return;
        };
        let seen_changed = self.rows[i].flags.contains(Flags::SEEN) != flags.contains(Flags::SEEN);
        self.rows[i].flags = flags;
        // A collapsed thread counts its unread messages: a change inside one is shown.
        let folded = self.threads.as_ref().is_some_and(|order| {
            order
                .position
                .get(i)
                .is_some_and(|&p| p != NONE && order.lines.get(p).is_some_and(|l| l.uid != uid))
        });
        if seen_changed && folded {
            self.rethread();
        }
    }

    /// Replaces a row's portal mark (with the full classification's, once the message is read).
    pub fn set_portal(&mut self, uid: u32, mark: Option<crate::mail::PortalMark>) {
        if let Some(i) = self.index_of_uid(uid)
            && let Some(row) = self.rows.get_mut(i)
        {
            row.portal = mark;
        }
    }

    pub fn row_by_uid(&self, uid: u32) -> Option<&Row> {
        self.index_of_uid(uid).map(|i| &self.rows[i])
    }

    pub fn filter_query(&self) -> &str {
        &self.filter_query
    }

    pub fn is_filtered(&self) -> bool {
        self.filtered.is_some()
    }

    /// Filters the loaded rows by a case-insensitive substring of sender or subject; an empty
    /// query shows every row.
    pub fn set_filter(&mut self, query: &str, height: usize) {
        self.filter_query = query.to_lowercase();
        self.refilter();
        self.reselect(height);
    }

    /// Shows only a search's results (`None`: every row again).
    pub fn set_search(&mut self, search: Option<Matcher>, height: usize) {
        self.search = search;
        self.refilter();
        self.reselect(height);
    }

    /// The search shown, if any.
    pub fn search(&self) -> Option<&Matcher> {
        self.search.as_ref()
    }

    /// The source answered the shown search (`more`: a search among new mail).
    pub fn search_found(&mut self, hits: Hits, more: bool, height: usize) {
        let Some(search) = self.search.as_mut() else {
            return;
        };
        if more {
            search.found_more(hits);
        } else {
            search.found(hits);
        }
        self.refilter();
        if self.selected_uid.is_none() {
            self.select(0, height);
        } else {
            self.reselect(height);
        }
    }

    /// Selects `uid` again (or the top) and scrolls back to `offset`: the list as it was.
    pub fn restore(&mut self, uid: Option<u32>, offset: usize, height: usize) {
        self.offset = offset;
        self.selected_uid = uid;
        self.reselect(height);
    }

    fn refilter(&mut self) {
        self.match_filter();
        self.rethread();
    }

    fn match_filter(&mut self) {
        if self.filter_query.is_empty() && self.search.is_none() {
            self.filtered = None;
            return;
        }
        let q = &self.filter_query;
        let search = self.search.as_ref();
        let mut matches: Vec<usize> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| search.is_none_or(|s| s.keeps(r)))
            .filter(|(_, r)| {
                q.is_empty() || contains_folded(r.subject(), q) || contains_folded(r.from(), q)
            })
            .map(|(i, _)| i)
            .collect();
        if self.oldest_first {
            matches.reverse();
        }
        self.filtered = Some(matches);
    }
}

/// The thread view.
impl RowList {
    /// Shows the rows as the threads of `forest` (in [`threads::thread`]'s order), or flat
    /// again (`None`). Collapsed threads stay collapsed when a new forest replaces the old.
    pub fn set_threads(&mut self, forest: Option<Vec<Thread>>, height: usize) {
        let old = self.threads.take();
        if let Some(mut forest) = forest {
            if self.oldest_first {
                forest.reverse();
            }
            let mut members: Vec<u32> = forest
                .iter()
                .flat_map(|t| t.outline().map(|(_, uid)| uid))
                .collect();
            members.sort_unstable();
            members.dedup();
            let (collapse_all, toggled) =
                old.map(|o| (o.collapse_all, o.toggled)).unwrap_or_default();
            self.threads = Some(ThreadOrder {
                forest,
                members,
                collapse_all,
                toggled,
                ..ThreadOrder::default()
            });
        }
        self.rethread();
        self.reselect(height);
    }

    /// The list shows threads.
    pub fn is_threaded(&self) -> bool {
        self.threads.is_some()
    }

    /// The thread line at a display position, in the thread view.
    pub fn thread_line(&self, position: usize) -> Option<&ThreadLine> {
        self.threads.as_ref()?.lines.get(position)
    }

    /// Collapses (or expands) the selected line's thread; a collapse selects its root.
    /// False outside the thread view.
    pub fn collapse_selected(&mut self, collapse: bool, height: usize) -> bool {
        let Some(root) = self.thread_line(self.cursor).map(|l| l.root) else {
            return false;
        };
        if let Some(order) = self.threads.as_mut() {
            order.set_collapsed(root, collapse);
        }
        if collapse {
            self.selected_uid = Some(root);
        }
        self.rethread();
        self.reselect(height);
        true
    }

    /// Collapses every thread, or expands them all when every one is collapsed already;
    /// `Some(true)` when they are now collapsed, `None` outside the thread view.
    pub fn toggle_all_threads(&mut self, height: usize) -> Option<bool> {
        let order = self.threads.as_mut()?;
        let collapse = !(order.collapse_all && order.toggled.is_empty());
        order.collapse_all = collapse;
        order.toggled.clear();
        self.rethread();
        self.reselect(height);
        Some(collapse)
    }

    /// Moves to the root of the next thread (`forward`) or of the previous one; false when
    /// there is none.
    pub fn move_to_thread(&mut self, forward: bool, height: usize) -> bool {
        let Some(order) = &self.threads else {
            return false;
        };
        let lines = &order.lines;
        let is_root = |p: &usize| lines.get(*p).is_some_and(|l| l.is_root);
        let target = if forward {
            (self.cursor + 1..lines.len()).find(is_root)
        } else {
            // The previous thread's root: before this thread's own root.
            let own = (0..=self.cursor.min(lines.len())).rev().find(is_root);
            own.and_then(|own| (0..own).rev().find(is_root))
        };
        match target {
            Some(p) => {
                self.select(p, height);
                true
            }
            None => false,
        }
    }

    /// Moves to the next line of the same thread (`forward`) or the previous one; false at
    /// the thread's end.
    pub fn move_in_thread(&mut self, forward: bool, height: usize) -> bool {
        let Some(order) = &self.threads else {
            return false;
        };
        let Some(here) = order.lines.get(self.cursor) else {
            return false;
        };
        let target = if forward {
            self.cursor.checked_add(1)
        } else {
            self.cursor.checked_sub(1)
        };
        match target.filter(|&p| order.lines.get(p).is_some_and(|l| l.root == here.root)) {
            Some(p) => {
                self.select(p, height);
                true
            }
            None => false,
        }
    }

    /// Makes the thread view's lines again (after the rows, the filter, a collapse or an
    /// unread count changed).
    fn rethread(&mut self) {
        let Some(order) = self.threads.as_mut() else {
            return;
        };
        let kept: Option<Vec<bool>> = self.filtered.as_ref().map(|matches| {
            let mut kept = vec![false; self.rows.len()];
            for &i in matches {
                if let Some(k) = kept.get_mut(i) {
                    *k = true;
                }
            }
            kept
        });
        order.layout(&self.rows, kept.as_deref(), self.oldest_first);
    }
}

fn contains_folded(haystack: &str, lowercase_needle: &str) -> bool {
    if haystack.is_ascii() && lowercase_needle.is_ascii() {
        haystack
            .as_bytes()
            .windows(lowercase_needle.len().max(1))
            .any(|w| w.eq_ignore_ascii_case(lowercase_needle.as_bytes()))
    } else {
        haystack.to_lowercase().contains(lowercase_needle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(uid: u32, subject: &str) -> Row {
        Row {
            uid,
            flags: Flags::default(),
            date: uid as i64,
            text: crate::mail::RowText::line("Alice", subject),
            size: 100,
            attachment: false,
            portal: None,
            protection: None,
        }
    }

    #[test]
    fn rows_stay_newest_first_and_selection_follows_the_message() {
        let mut list = RowList::new(false);
        list.insert((91..=100).map(|u| row(u, "x")).collect(), 5);
        assert_eq!(list.selected().unwrap().uid, 100);
        list.move_by(2, 5);
        assert_eq!(list.selected().unwrap().uid, 98);
        // older rows stream in below, newer mail arrives on top
        list.insert((1..=90).map(|u| row(u, "x")).collect(), 5);
        list.insert(vec![row(101, "new")], 5);
        assert_eq!(list.len(), 101);
        assert_eq!(list.at(0).unwrap().uid, 101);
        assert_eq!(list.selected().unwrap().uid, 98);
        assert_eq!(list.cursor(), 3);
    }

    #[test]
    fn duplicates_replace_and_removal_reselects() {
        let mut list = RowList::new(false);
        list.insert(vec![row(1, "a"), row(2, "b")], 5);
        list.insert(vec![row(2, "b2")], 5);
        assert_eq!(list.len(), 2);
        assert_eq!(list.row_by_uid(2).unwrap().subject(), "b2");
        list.remove(&[2], 5);
        assert_eq!(list.selected().unwrap().uid, 1);
    }

    #[test]
    fn filter_and_oldest_first() {
        let mut list = RowList::new(true);
        list.insert(
            vec![row(1, "Invoice"), row(2, "lunch"), row(3, "INVOICE 2")],
            5,
        );
        assert_eq!(list.at(0).unwrap().uid, 1);
        list.set_filter("invoice", 5);
        assert_eq!(list.len(), 2);
        assert_eq!(list.at(1).unwrap().uid, 3);
        list.set_filter("", 5);
        assert_eq!(list.len(), 3);
    }

    fn t(uid: u32, children: Vec<Thread>) -> Thread {
        Thread { uid, children }
    }

    fn l(uid: u32) -> Thread {
        Thread::leaf(uid)
    }

    /// What the list shows: each line's UID with its tree drawing and folded count.
    fn shown(list: &RowList) -> Vec<String> {
        (0..list.len())
            .map(|p| {
                let uid = list.at(p).unwrap().uid;
                match list.thread_line(p) {
                    Some(line) if line.hidden > 0 => {
                        format!("{}{uid}+{}", line.prefix, line.hidden)
                    }
                    Some(line) => format!("{}{uid}", line.prefix),
                    None => uid.to_string(),
                }
            })
            .collect()
    }

    /// Rows 1..=9; threads 9 [4, 5 [6]], 8 [1], 7, 3 [2] (newest first).
    fn threaded() -> RowList {
        let mut list = RowList::new(false);
        list.insert(
            (1..=9)
                .map(|u| row(u, if u % 2 == 0 { "even" } else { "odd" }))
                .collect(),
            5,
        );
        list.set_threads(
            Some(vec![
                t(9, vec![l(4), t(5, vec![l(6)])]),
                t(8, vec![l(1)]),
                l(7),
                t(3, vec![l(2)]),
            ]),
            5,
        );
        list
    }

    #[test]
    fn the_thread_order_follows_the_forest() {
        let mut list = threaded();
        assert!(list.is_threaded());
        assert_eq!(
            shown(&list),
            [
                "9",
                "├─>4",
                "└─>5",
                "   └─>6",
                "8",
                "└─>1",
                "7",
                "3",
                "└─>2"
            ]
        );
        // The selection follows the message into and out of the thread order.
        assert_eq!(list.selected().unwrap().uid, 9);
        list.select(5, 5);
        assert_eq!(list.selected().unwrap().uid, 1);
        list.set_threads(None, 5);
        assert_eq!(list.selected().unwrap().uid, 1);
        assert_eq!(list.cursor(), 8);
        assert_eq!(list.len(), 9);
    }

    #[test]
    fn collapsing_folds_a_thread_into_its_root_and_counts_unread() {
        let mut list = threaded();
        list.select(3, 5); // 6, in 9's thread
        assert!(list.collapse_selected(true, 5));
        assert_eq!(shown(&list), ["9+3", "8", "└─>1", "7", "3", "└─>2"]);
        assert_eq!(list.selected().unwrap().uid, 9);
        let root = list.thread_line(0).unwrap();
        assert_eq!((root.hidden, root.unread_hidden), (3, 3));
        // Reading a folded message changes the count.
        let mut seen = Flags::default();
        seen.set(Flags::SEEN, true);
        list.set_flags(6, seen);
        assert_eq!(list.thread_line(0).unwrap().unread_hidden, 2);
        list.collapse_selected(false, 5);
        assert_eq!(list.len(), 9);
        assert_eq!(list.selected().unwrap().uid, 9);
        // All, then all again.
        assert_eq!(list.toggle_all_threads(5), Some(true));
        assert_eq!(shown(&list), ["9+3", "8+1", "7", "3+1"]);
        list.select(1, 5);
        list.collapse_selected(false, 5);
        assert_eq!(shown(&list), ["9+3", "8", "└─>1", "7", "3+1"]);
        assert_eq!(list.toggle_all_threads(5), Some(true));
        assert_eq!(list.toggle_all_threads(5), Some(false));
        assert_eq!(list.len(), 9);
    }

    #[test]
    fn moves_between_and_within_threads() {
        let mut list = threaded();
        assert!(list.move_in_thread(true, 5));
        assert_eq!(list.selected().unwrap().uid, 4);
        assert!(list.move_to_thread(true, 5));
        assert_eq!(list.selected().unwrap().uid, 8);
        assert!(list.move_in_thread(true, 5));
        assert!(!list.move_in_thread(true, 5), "1 ends its thread");
        assert!(list.move_to_thread(false, 5));
        assert_eq!(
            list.selected().unwrap().uid,
            9,
            "the previous thread's root"
        );
        assert!(!list.move_to_thread(false, 5));
        assert!(!list.move_in_thread(false, 5));
        list.select(8, 5);
        assert!(!list.move_to_thread(true, 5));
        assert!(list.move_in_thread(false, 5));
        assert_eq!(list.selected().unwrap().uid, 3);
    }

    #[test]
    fn a_filter_or_new_mail_reshapes_the_threads() {
        let mut list = threaded();
        // Only the odd subjects: 9's thread keeps 9 and 5; 3 loses its reply.
        list.set_filter("odd", 5);
        assert_eq!(shown(&list), ["9", "└─>5", "1", "7", "3"]);
        // Without their roots, threads start at the first message left.
        list.set_filter("even", 5);
        assert_eq!(shown(&list), ["4", "└─>6", "8", "2"]);
        list.set_filter("", 5);
        // New mail not threaded yet shows on top, alone; gone mail leaves its thread.
        list.insert(vec![row(10, "new"), row(11, "new")], 5);
        list.remove(&[5], 5);
        assert_eq!(
            shown(&list),
            [
                "11", "10", "9", "├─>4", "└─>6", "8", "└─>1", "7", "3", "└─>2"
            ]
        );
        // Oldest first: the threads in reverse, new mail at the bottom.
        let mut list = RowList::new(true);
        list.insert((1..=4).map(|u| row(u, "x")).collect(), 5);
        list.set_threads(Some(vec![t(3, vec![l(4)]), t(1, vec![l(2)])]), 5);
        list.insert(vec![row(5, "new")], 5);
        assert_eq!(shown(&list), ["1", "└─>2", "3", "└─>4", "5"]);
    }

    /// 100,000 rows in threads of one to seven: threaded, flattened, collapsed and filtered.
    #[test]
    fn a_hundred_thousand_rows_thread_and_flatten() {
        use crate::mail::threads::{ThreadInput, thread};
        let n = 100_000u32;
        let inputs: Vec<ThreadInput> = (1..=n)
            .map(|uid| {
                // Threads of (uid - 1) / 7; each message replies to the one before it.
                let position = (uid - 1) % 7;
                let first = uid - position;
                ThreadInput {
                    uid,
                    message_id: Some(format!("<m{uid}@x>")),
                    in_reply_to: (position > 0).then(|| format!("<m{}@x>", uid - 1)),
                    references: (first..uid).map(|u| format!("<m{u}@x>")).collect(),
                    subject: format!("thread {first}"),
                    date: i64::from(uid),
                }
            })
            .collect();
        let started = std::time::Instant::now();
        let forest = thread(&inputs, false);
        let threaded_in = started.elapsed();
        assert_eq!(forest.len(), n.div_ceil(7) as usize);
        let mut list = RowList::new(false);
        list.insert(
            (1..=n)
                .rev()
                .map(|u| row(u, if u % 2 == 0 { "a" } else { "b" }))
                .collect(),
            20,
        );
        let started = std::time::Instant::now();
        list.set_threads(Some(forest), 20);
        let flattened_in = started.elapsed();
        assert_eq!(list.len(), n as usize);
        // The newest thread first, its root first, then its chain.
        let first: Vec<u32> = (0..3).map(|p| list.at(p).unwrap().uid).collect();
        assert_eq!(first, [99_996, 99_997, 99_998]);
        assert_eq!(list.thread_line(2).unwrap().depth, 2);
        let started = std::time::Instant::now();
        assert_eq!(list.toggle_all_threads(20), Some(true));
        let collapsed_in = started.elapsed();
        assert_eq!(list.len(), n.div_ceil(7) as usize);
        assert_eq!(list.thread_line(1).unwrap().hidden, 6);
        list.set_filter("a", 20);
        assert!(list.len() <= n.div_ceil(7) as usize);
        list.set_filter("", 20);
        list.toggle_all_threads(20);
        assert_eq!(list.len(), n as usize);
        println!(
            "100,000 rows: threaded in {threaded_in:?}, laid out in {flattened_in:?}, \
             all collapsed in {collapsed_in:?}"
        );
    }

    #[test]
    fn scrolling_keeps_the_cursor_visible() {
        let mut list = RowList::new(false);
        list.insert((1..=100).map(|u| row(u, "x")).collect(), 10);
        list.select(50, 10);
        assert!(list.offset <= 50 && 50 < list.offset + 10);
        list.select(1000, 10);
        assert_eq!(list.cursor(), 99);
        assert_eq!(list.offset, 90);
    }
}
