//! The folder pane's tree, built the same way for every source: sections in RFC 2342 order
//! (one's own, other users', shared), each headed but the first; children under their
//! parent, with parents the server does not list put in as lines that cannot be opened; at
//! each level INBOX first, then the special-use folders (RFC 6154), then the rest in
//! alphabetical order with case and accents folded.

use crate::sanitize::Clean;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::{Folder, Section};

/// The folders a source lists, in the tree's order, with `depth` and `label` filled: what
/// [`arrange`] gives without the lines that are no folder (headings, unlisted parents), so
/// that a source reports exactly the folders the server has.
pub fn order(folders: Vec<Folder>) -> Vec<Folder> {
    let roots: Vec<Folder> = folders.iter().filter(|f| is_root(f)).cloned().collect();
    let mut out: Vec<Folder> = arrange(folders)
        .into_iter()
        .filter(|f| !f.name.is_empty())
        .collect();
    // Listed, so reported; the pane's section heading stands for them.
    out.extend(roots);
    out
}

/// A namespace's own name (`shared`, `Other Users`) listed as a place that cannot be opened.
fn is_root(folder: &Folder) -> bool {
    folder.path.is_empty() && !folder.selectable && !folder.name.is_empty()
}

/// Orders `folders` as the pane shows them, filling each one's `depth` and `label`, with a
/// heading above each section but the first and a line for each parent not listed. A folder
/// listed twice (the same section and path) is kept once, the selectable one. Arranging an
/// arranged list gives it back.
pub fn arrange(folders: Vec<Folder>) -> Vec<Folder> {
    let folders = folders
        .into_iter()
        .filter(|f| !f.name.is_empty() && !is_root(f));
    let mut sections: BTreeMap<Section, Node> = BTreeMap::new();
    for folder in folders {
        if folder.path.is_empty() || folder.path.iter().any(|part| part.is_empty()) {
            // The namespace itself, or an empty level (`a..b`): shown flat, never lost.
            let path = vec![if folder.display.is_empty() {
                Clean::line(&folder.name)
            } else {
                folder.display.clone()
            }];
            let folder = Folder { path, ..folder };
            sections.entry(folder.section).or_default().insert(folder);
            continue;
        }
        sections.entry(folder.section).or_default().insert(folder);
    }
    let mut out = Vec::new();
    for (section, root) in sections {
        if section != Section::Personal {
            out.push(Folder {
                section,
                label: Clean::line(section.heading()),
                display: Clean::line(section.heading()),
                ..Folder::default()
            });
        }
        root.flatten(section, 0, &[], &mut out);
    }
    out
}

/// One level of the tree: the folder at this path (if listed) and its children by name.
#[derive(Default)]
struct Node {
    folder: Option<Folder>,
    children: BTreeMap<String, Node>,
}

impl Node {
    fn insert(&mut self, folder: Folder) {
        let mut node = self;
        for part in &folder.path {
            node = node.children.entry(part.to_string()).or_default();
        }
        match &node.folder {
            Some(kept) if kept.selectable || !folder.selectable => {}
            _ => node.folder = Some(folder),
        }
    }

    fn flatten(self, section: Section, depth: usize, path: &[String], out: &mut Vec<Folder>) {
        let mut children: Vec<(String, Node)> = self.children.into_iter().collect();
        children.sort_by(|(a_name, a), (b_name, b)| {
            rank(a, a_name)
                .cmp(&rank(b, b_name))
                .then_with(|| collate(a_name, b_name))
        });
        for (name, node) in children {
            let mut here = path.to_vec();
            here.push(name.clone());
            let mut folder = node.folder.clone().unwrap_or_else(|| Folder {
                // A parent the server did not list (RFC 3501 allows leaving it out).
                display: Clean::join(&here, "/"),
                section,
                path: here.iter().map(|part| Clean::line(part)).collect(),
                ..Folder::default()
            });
            folder.depth = depth;
            folder.label = Clean::line(&name);
            out.push(folder);
            let rest = Node {
                folder: None,
                children: node.children,
            };
            rest.flatten(section, depth + 1, &here, out);
        }
    }
}

/// INBOX, then the special-use folders in their order, then every other folder.
fn rank(node: &Node, name: &str) -> (u8, u8) {
    match node.folder.as_ref().and_then(|f| f.special) {
        Some(special) => (0, special as u8),
        None if name.eq_ignore_ascii_case("INBOX") => (0, 0),
        None => (1, 0),
    }
}

/// Alphabetical order for people: letters compared without case and accents first
/// ("éte" beside "ete", "Zoo" after "apple"), then with accents, then as written, so the
/// order is total and the same on every run.
pub fn collate(a: &str, b: &str) -> Ordering {
    fold(a)
        .cmp(&fold(b))
        .then_with(|| a.to_lowercase().cmp(&b.to_lowercase()))
        .then_with(|| a.cmp(b))
}

/// Compatibility decomposition without combining marks, lower-cased: `Ärger` is `arger`,
/// `ﬁle` is `file`.
fn fold(s: &str) -> String {
    s.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::SpecialUse;

    fn folder(section: Section, path: &[&str], special: Option<SpecialUse>) -> Folder {
        Folder {
            name: path.join("/"),
            display: Clean::join(path, "/"),
            selectable: true,
            section,
            path: path.iter().map(|p| Clean::line(p)).collect(),
            special,
            ..Folder::default()
        }
    }

    fn lines(tree: &[Folder]) -> Vec<String> {
        tree.iter()
            .map(|f| format!("{}{}", "  ".repeat(f.depth), f.label))
            .collect()
    }

    #[test]
    fn inbox_then_special_use_then_alphabetical_with_children_under_parents() {
        let p = Section::Personal;
        let tree = arrange(vec![
            folder(p, &["zebra"], None),
            folder(p, &["Archive", "2024"], None),
            folder(p, &["Trash"], Some(SpecialUse::Trash)),
            folder(p, &["Éte"], None),
            folder(p, &["apple"], None),
            folder(p, &["Archive"], Some(SpecialUse::Archive)),
            folder(p, &["INBOX"], Some(SpecialUse::Inbox)),
            folder(p, &["Sent Items"], Some(SpecialUse::Sent)),
            folder(p, &["Archive", "2023"], None),
            folder(p, &["ete"], None),
            folder(p, &["Drafts"], Some(SpecialUse::Drafts)),
        ]);
        assert_eq!(
            lines(&tree),
            [
                "INBOX",
                "Sent Items",
                "Drafts",
                "Trash",
                "Archive",
                "  2023",
                "  2024",
                "apple",
                "ete",
                "Éte",
                "zebra",
            ]
        );
    }

    #[test]
    fn sections_get_headings_and_unlisted_parents_are_not_openable() {
        let tree = arrange(vec![
            folder(Section::Shared, &["shared", "Announcements"], None),
            folder(Section::OtherUsers, &["bob", "INBOX"], None),
            folder(Section::Personal, &["INBOX"], Some(SpecialUse::Inbox)),
            folder(Section::Shared, &["shared", "Announcements-2025"], None),
        ]);
        assert_eq!(
            lines(&tree),
            [
                "INBOX",
                "Other users",
                "bob",
                "  INBOX",
                "Shared",
                "shared",
                "  Announcements",
                "  Announcements-2025",
            ]
        );
        let headings: Vec<bool> = tree.iter().map(Folder::is_heading).collect();
        assert_eq!(
            headings,
            [false, true, false, false, true, false, false, false]
        );
        // `bob` and `shared` were not listed: shown, but not openable.
        assert!(!tree[2].selectable && tree[2].name.is_empty() && tree[2].display == "bob");
        assert!(tree[3].selectable && tree[3].name == "bob/INBOX");
        assert_eq!(tree[1].section, Section::OtherUsers);
    }

    #[test]
    fn a_folder_listed_twice_is_kept_once_and_odd_paths_are_kept() {
        let mut noselect = folder(Section::Personal, &["a"], None);
        noselect.selectable = false;
        let tree = arrange(vec![
            noselect,
            folder(Section::Personal, &["a"], None),
            folder(Section::Personal, &["x", "", "y"], None),
            // A namespace's root that can be opened is a folder like any other.
            Folder {
                name: "shared".into(),
                display: Clean::line("shared"),
                selectable: true,
                section: Section::Shared,
                ..Folder::default()
            },
        ]);
        assert_eq!(lines(&tree), ["a", "x//y", "Shared", "shared"]);
        assert!(tree[0].selectable);
    }

    #[test]
    fn order_keeps_only_folders_and_arranging_again_changes_nothing() {
        let tree = arrange(vec![
            folder(Section::Shared, &["shared", "News"], None),
            folder(Section::Personal, &["INBOX"], Some(SpecialUse::Inbox)),
            folder(Section::Personal, &["a", "b"], None),
        ]);
        assert_eq!(arrange(tree.clone()), tree);
        let listed = order(tree.clone());
        assert_eq!(lines(&listed), ["INBOX", "  b", "  News"]);
        assert_eq!(arrange(listed), tree);
        // A namespace root that cannot be opened is reported, and left to the heading.
        let root = Folder {
            name: "shared".into(),
            display: Clean::line("shared"),
            section: Section::Shared,
            ..Folder::default()
        };
        let listed = order(vec![root.clone(), folder(Section::Shared, &["News"], None)]);
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[1].name, "shared");
        assert_eq!(lines(&arrange(listed)), ["Shared", "News"]);
    }

    #[test]
    fn collation_folds_case_accents_and_compatibility_forms() {
        assert_eq!(collate("Ärger", "arger"), Ordering::Greater);
        assert_eq!(collate("Ärger", "Asche"), Ordering::Less);
        assert_eq!(collate("ﬁle", "fils"), Ordering::Less);
        assert_eq!(collate("Zoo", "apple"), Ordering::Greater);
        assert_eq!(collate("same", "same"), Ordering::Equal);
    }
}
