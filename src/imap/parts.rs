//! Opening a message without downloading its attachments. From the server's BODYSTRUCTURE,
//! [`plan`] chooses the parts the reader shows or reads (text and HTML, the sealed envelope and
//! ciphertext, the HTML, JSON and rpmsg parts portal detection looks inside, and any small
//! part) and [`rebuild`] puts a MIME message back together from those sections: every part
//! keeps its own header, and a part left out has an empty body and is listed in [`Skipped`]
//! with its size. `mime::parse` and portal detection then read the rebuilt bytes unchanged.
//!
//! The server's structure is followed even where nothing is left out, so the parts listed
//! are the server's (a truncated attached message cannot swallow its siblings).
//!
//! Pure functions on server input: total and bounded. Anything unexpected (no boundary, too
//! deep, too many parts, a section the server does not return) gives `None`, and the caller
//! downloads the whole message as before.

use std::collections::HashMap;

use async_imap::imap_proto::{
    BodyContentCommon, BodyContentSinglePart, BodyStructure, ContentEncoding, MessageSection,
    SectionPath,
};

use super::decode;
use crate::mime::{MAX_DISPLAY_BYTES, Skipped};

/// Parts up to this size (encoded, as BODYSTRUCTURE counts it) are fetched whatever they are:
/// a separate round trip later would cost more than the bytes.
pub const SMALL_PART: u32 = 64 * 1024;
/// Deeper structures are fetched whole (real mail nests a handful of levels).
const MAX_DEPTH: usize = 32;
/// Structures with more parts are fetched whole (and one FETCH line stays short).
const MAX_PARTS: usize = 256;

/// A section number as a path of part numbers ("2.1" is `[2, 1]`); empty for the message.
pub type Path = Vec<u32>;

/// What a fetched section holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `HEADER`: the header of the message (or of an attached message).
    Header,
    /// `MIME`: the header of a part inside a multipart.
    Mime,
    /// The part's content, still in its transfer encoding.
    Content,
}

/// The fetched sections of one message, by (path, kind).
pub type Sections = HashMap<(Path, Kind), Vec<u8>>;

/// The message's structure as the server sees it, each leaf marked fetched or left out.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Leaf {
        path: Path,
        fetch: bool,
        /// The decoded size, estimated from the encoded size.
        size: usize,
    },
    Multipart {
        path: Path,
        boundary: String,
        children: Vec<Node>,
    },
    /// A `message/rfc822` part: its header is `path.HEADER`, then its own body.
    Message {
        path: Path,
        body: Box<Node>,
        /// Its size in bytes, as the attachment list shows it.
        size: usize,
    },
}

/// What to fetch to show one message without the parts it leaves out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    root: Node,
    wanted: Vec<(Path, Kind)>,
}

impl Plan {
    /// The FETCH items: the header, then each part's MIME header and each chosen content.
    pub fn items(&self) -> String {
        let items: Vec<String> = self
            .wanted
            .iter()
            .map(|(path, kind)| format!("BODY.PEEK[{}]", section_name(path, *kind)))
            .collect();
        format!("({})", items.join(" "))
    }

    /// The sections the plan asks for.
    pub fn wanted(&self) -> impl Iterator<Item = &(Path, Kind)> {
        self.wanted.iter()
    }
}

/// The plan for a message of this structure; `None` when the whole message should be
/// downloaded instead: the structure is unusable, the message is one part that is shown
/// (the same bytes either way), or what would be fetched is too large to display anyway (the
/// whole download then gets the too-large view).
///
/// A multipart message is rebuilt from the server's structure even when nothing is left out:
/// the attachment list then follows BODYSTRUCTURE where a damaged message (a truncated
/// attached message) would read differently to the MIME parser.
pub fn plan(structure: &BodyStructure<'_>) -> Option<Plan> {
    if protected(structure, 0) {
        return None;
    }
    let mut count = 0;
    let root = node(structure, &[], true, 0, &mut count)?;
    if matches!(root, Node::Leaf { fetch: true, .. }) {
        return None;
    }
    let mut wanted = vec![(Vec::new(), Kind::Header)];
    let mut fetched = 0usize;
    wants(&root, true, &mut wanted, &mut fetched);
    if fetched > MAX_DISPLAY_BYTES {
        return None;
    }
    Some(Plan { root, wanted })
}

/// The section of a key, as the FETCH response names it.
pub fn section_path((path, kind): &(Path, Kind)) -> SectionPath {
    match (kind, path.is_empty()) {
        (Kind::Header, true) => SectionPath::Full(MessageSection::Header),
        (Kind::Header, false) => SectionPath::Part(path.clone(), Some(MessageSection::Header)),
        (Kind::Mime, _) => SectionPath::Part(path.clone(), Some(MessageSection::Mime)),
        (Kind::Content, _) => SectionPath::Part(path.clone(), None),
    }
}

/// The message rebuilt from the fetched sections, and the parts it holds without content;
/// `None` when a section the plan needs is missing (the server answered NIL or left it out).
pub fn rebuild(plan: &Plan, got: &Sections) -> Option<(Vec<u8>, Skipped)> {
    let mut out = Vec::new();
    let mut skipped = Skipped::default();
    push_header(&mut out, got.get(&(Vec::new(), Kind::Header))?);
    write(&plan.root, got, &mut out, &mut skipped)?;
    Some((out, skipped))
}

/// Validates a section number given by a caller ("2", "3.1"), as a path.
pub fn parse_section(section: &str) -> Option<Path> {
    let path: Option<Path> = section
        .split('.')
        .map(|n| n.parse::<u32>().ok().filter(|&n| n > 0))
        .collect();
    path.filter(|p| !p.is_empty() && p.len() <= MAX_DEPTH)
}

/// The dotted name of a section, as FETCH spells it.
pub fn section_name(path: &[u32], kind: Kind) -> String {
    let numbers: Vec<String> = path.iter().map(u32::to_string).collect();
    let dotted = numbers.join(".");
    match (kind, dotted.is_empty()) {
        (Kind::Header, true) => "HEADER".to_owned(),
        (Kind::Header, false) => format!("{dotted}.HEADER"),
        (Kind::Mime, _) => format!("{dotted}.MIME"),
        (Kind::Content, _) => dotted,
    }
}

/// `at` with one more part number (the `index`-th child, from 0).
fn child(at: &[u32], index: usize) -> Option<Path> {
    let n = u32::try_from(index).ok()?.checked_add(1)?;
    let mut path = at.to_vec();
    path.push(n);
    Some(path)
}

/// Converts the server's structure at `at`. `body` is true for the body of a message (the
/// top level, or an attached message), where a single part is numbered `at.1` and has no MIME
/// header of its own (its fields are in the message header).
fn node(
    structure: &BodyStructure<'_>,
    at: &[u32],
    body: bool,
    depth: usize,
    count: &mut usize,
) -> Option<Node> {
    *count += 1;
    if depth > MAX_DEPTH || *count > MAX_PARTS {
        return None;
    }
    match structure {
        BodyStructure::Multipart { common, bodies, .. } => {
            let boundary = boundary_of(common)?;
            if bodies.is_empty() {
                return None;
            }
            let children = bodies
                .iter()
                .enumerate()
                .map(|(i, b)| node(b, &child(at, i)?, false, depth + 1, count))
                .collect::<Option<Vec<_>>>()?;
            Some(Node::Multipart {
                path: at.to_vec(),
                boundary,
                children,
            })
        }
        BodyStructure::Message {
            body: inner, other, ..
        } => {
            let path = if body { child(at, 0)? } else { at.to_vec() };
            let inner = node(inner, &path, true, depth + 1, count)?;
            Some(Node::Message {
                path,
                body: Box::new(inner),
                size: decoded_size(other),
            })
        }
        BodyStructure::Basic { common, other, .. } | BodyStructure::Text { common, other, .. } => {
            let path = if body { child(at, 0)? } else { at.to_vec() };
            Some(Node::Leaf {
                path,
                fetch: is_wanted(common, other),
                size: decoded_size(other),
            })
        }
    }
}

/// Whether S/MIME or OpenPGP protects the message or a part of it: then it is downloaded
/// whole, since a signature covers the exact bytes and the ciphertext is all of the content.
fn protected(structure: &BodyStructure<'_>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match structure {
        BodyStructure::Multipart { common, bodies, .. } => {
            let sub = common.ty.subtype.to_ascii_lowercase();
            sub == "encrypted" || sub == "signed" || bodies.iter().any(|b| protected(b, depth + 1))
        }
        BodyStructure::Basic { common, .. } => {
            let sub = common.ty.subtype.to_ascii_lowercase();
            common.ty.ty.eq_ignore_ascii_case("application")
                && (sub == "pkcs7-mime" || sub == "x-pkcs7-mime")
        }
        BodyStructure::Message { body, .. } => protected(body, depth + 1),
        BodyStructure::Text { .. } => false,
    }
}

/// The multipart's boundary, when it is one a MIME parser can find again.
fn boundary_of(common: &BodyContentCommon<'_>) -> Option<String> {
    let boundary = decode::mime_param(common.ty.params.as_deref()?, "boundary")?;
    let usable = !boundary.is_empty()
        && boundary.len() <= 200
        && !boundary.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0);
    usable.then_some(boundary)
}

/// Whether the reader needs this leaf to show the message or to judge it.
fn is_wanted(common: &BodyContentCommon<'_>, other: &BodyContentSinglePart<'_>) -> bool {
    if other.octets <= SMALL_PART {
        return true;
    }
    let ty = common.ty.ty.to_ascii_lowercase();
    let sub = common.ty.subtype.to_ascii_lowercase();
    let attached = common
        .disposition
        .as_ref()
        .is_some_and(|d| d.ty.eq_ignore_ascii_case("attachment"));
    let name = decode::part_file_name(common)
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    // The body shown (text parts not attached), HTML anywhere (portal detection reads HTML
    // attachments), the sealed envelope and ciphertext (read inline), JSON, and rpmsg (whose
    // first bytes detection checks).
    (ty == "text" && (sub == "html" || !attached))
        || name.ends_with(".html")
        || name.ends_with(".htm")
        || sub == "json"
        || sub.ends_with("+json")
        || sub.starts_with("vnd.sealed-message")
        || sub == "x-microsoft-rpmsg-message"
        || name.ends_with(".rpmsg")
}

/// The decoded size of a part from its encoded size: base64 carries 3 bytes in 4 characters,
/// in lines of 76 and a line break.
fn decoded_size(other: &BodyContentSinglePart<'_>) -> usize {
    let octets = usize::try_from(other.octets).unwrap_or(usize::MAX);
    match other.transfer_encoding {
        ContentEncoding::Base64 => octets.saturating_sub(octets / 78 * 2) / 4 * 3,
        _ => octets,
    }
}

/// Lists the sections `node` needs (`body`: as in [`node`]) and adds up what is fetched.
fn wants(node: &Node, body: bool, wanted: &mut Vec<(Path, Kind)>, fetched: &mut usize) {
    match node {
        Node::Leaf { path, fetch, size } => {
            if !body {
                wanted.push((path.clone(), Kind::Mime));
            }
            if *fetch {
                wanted.push((path.clone(), Kind::Content));
                *fetched = fetched.saturating_add(*size);
            }
        }
        Node::Multipart { path, children, .. } => {
            if !body {
                wanted.push((path.clone(), Kind::Mime));
            }
            for c in children {
                wants(c, false, wanted, fetched);
            }
        }
        Node::Message {
            path, body: inner, ..
        } => {
            if !body {
                wanted.push((path.clone(), Kind::Mime));
            }
            wanted.push((path.clone(), Kind::Header));
            wants(inner, true, wanted, fetched);
        }
    }
}

/// The section of a node: the path of its MIME header inside a multipart.
fn path_of(node: &Node) -> &Path {
    match node {
        Node::Leaf { path, .. } | Node::Message { path, .. } | Node::Multipart { path, .. } => path,
    }
}

/// Writes the content of `node` (what follows its header).
fn write(node: &Node, got: &Sections, out: &mut Vec<u8>, skipped: &mut Skipped) -> Option<()> {
    match node {
        Node::Leaf { path, fetch, size } => {
            if *fetch {
                out.extend_from_slice(got.get(&(path.clone(), Kind::Content))?);
            } else {
                skipped.insert(section_name(path, Kind::Content), *size);
            }
        }
        Node::Multipart {
            boundary, children, ..
        } => {
            for c in children {
                out.extend_from_slice(b"--");
                out.extend_from_slice(boundary.as_bytes());
                out.extend_from_slice(b"\r\n");
                push_header(out, got.get(&(path_of(c).clone(), Kind::Mime))?);
                write(c, got, out, skipped)?;
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"--");
            out.extend_from_slice(boundary.as_bytes());
            out.extend_from_slice(b"--\r\n");
        }
        Node::Message { path, body, size } => {
            push_header(out, got.get(&(path.clone(), Kind::Header))?);
            write(body, got, out, skipped)?;
            // Rebuilt, an attached message is not the bytes the server holds: it is listed with
            // the server's size.
            skipped.insert(section_name(path, Kind::Content), *size);
        }
    }
    Some(())
}

/// Appends a header block, making sure it ends with the empty line that starts the body.
fn push_header(out: &mut Vec<u8>, header: &[u8]) {
    out.extend_from_slice(header);
    if header.ends_with(b"\r\n\r\n") || header.ends_with(b"\n\n") {
        return;
    }
    if header.is_empty() || !header.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
#[path = "parts_tests.rs"]
mod tests;
