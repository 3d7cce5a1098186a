//! The open folder's rows: kept sorted newest first (descending UID), with the selection
//! following a message (not a position) while rows stream in, and an optional filter.

use crate::mail::search::{Hits, Matcher};
use crate::mail::{Flags, Row};

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
}

impl RowList {
    pub fn new(oldest_first: bool) -> RowList {
        RowList {
            oldest_first,
            ..RowList::default()
        }
    }

    /// How many rows are shown (all loaded rows, or the filter's matches).
    pub fn len(&self) -> usize {
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
        if let Some(i) = self.index_of_uid(uid) {
            self.rows[i].flags = flags;
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
                q.is_empty() || contains_folded(&r.subject, q) || contains_folded(&r.from, q)
            })
            .map(|(i, _)| i)
            .collect();
        if self.oldest_first {
            matches.reverse();
        }
        self.filtered = Some(matches);
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
            from: crate::sanitize::Clean::line("Alice"),
            subject: crate::sanitize::Clean::line(subject),
            size: 100,
            attachment: false,
            portal: None,
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
        assert_eq!(&*list.row_by_uid(2).unwrap().subject, "b2");
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
