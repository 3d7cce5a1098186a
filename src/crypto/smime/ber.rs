//! BER as real senders write it turned into the DER the `der` crate reads: indefinite lengths
//! made definite, constructed OCTET STRINGs (and the constructed `[0] IMPLICIT` encrypted
//! content of an `EncryptedContentInfo`) joined into one primitive string. Outlook,
//! Thunderbird and `openssl cms -stream` write streamed BER; DER input comes back unchanged.
//! Total on any bytes: lengths are checked against what is there, nesting is bounded, and the
//! output is never larger than a small multiple of the input.

/// How deep constructed values may nest (CMS needs about 15).
const MAX_DEPTH: usize = 40;
/// How many members a SET may have: the `der` crate sorts a SET OF as it reads it, in time
/// that grows with the square of its size (a real message has a handful).
const MAX_SET_MEMBERS: usize = 1024;

enum Body<'a> {
    Primitive(Vec<&'a [u8]>),
    Constructed(Vec<Node<'a>>),
}

struct Node<'a> {
    tag: Vec<u8>,
    body: Body<'a>,
}

/// The DER of the first value in `input` (trailing zero bytes allowed), or `None` when it is
/// not BER.
pub fn to_der(input: &[u8]) -> Option<Vec<u8>> {
    let (node, used) = parse(input, 0)?;
    if input.get(used..)?.iter().any(|b| *b != 0) {
        return None;
    }
    let node = normalise(node);
    let mut out = Vec::with_capacity(input.len().saturating_add(64));
    encode(&node, &mut out);
    Some(out)
}

fn parse(input: &[u8], depth: usize) -> Option<(Node<'_>, usize)> {
    if depth > MAX_DEPTH {
        return None;
    }
    let first = *input.first()?;
    let constructed = first & 0x20 != 0;
    let mut at = 1;
    if first & 0x1f == 0x1f {
        loop {
            let b = *input.get(at)?;
            at += 1;
            if at > 5 {
                return None;
            }
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let tag = input.get(..at)?.to_vec();
    let len_byte = *input.get(at)?;
    at += 1;
    let length = match len_byte {
        0x80 => None,
        b if b < 0x80 => Some(usize::from(b)),
        b => {
            let n = usize::from(b & 0x7f);
            if n > 4 {
                return None;
            }
            let mut len = 0usize;
            for _ in 0..n {
                len = (len << 8) | usize::from(*input.get(at)?);
                at += 1;
            }
            Some(len)
        }
    };
    match (length, constructed) {
        (Some(len), false) => {
            let end = at.checked_add(len)?;
            let bytes = input.get(at..end)?;
            Some((
                Node {
                    tag,
                    body: Body::Primitive(vec![bytes]),
                },
                end,
            ))
        }
        (Some(len), true) => {
            let end = at.checked_add(len)?;
            let mut inner = input.get(at..end)?;
            let mut children = Vec::new();
            while !inner.is_empty() {
                let (child, used) = parse(inner, depth + 1)?;
                children.push(child);
                inner = inner.get(used..)?;
            }
            if tag == [0x31] && children.len() > MAX_SET_MEMBERS {
                return None;
            }
            Some((
                Node {
                    tag,
                    body: Body::Constructed(children),
                },
                end,
            ))
        }
        (None, true) => {
            let mut children = Vec::new();
            loop {
                let rest = input.get(at..)?;
                if rest.get(..2)? == [0, 0] {
                    at += 2;
                    break;
                }
                let (child, used) = parse(rest, depth + 1)?;
                children.push(child);
                at = at.checked_add(used)?;
            }
            if tag == [0x31] && children.len() > MAX_SET_MEMBERS {
                return None;
            }
            Some((
                Node {
                    tag,
                    body: Body::Constructed(children),
                },
                at,
            ))
        }
        (None, false) => None,
    }
}

/// The pieces of a string value: a primitive's bytes, or the joined pieces of a constructed
/// string whose parts are all strings.
fn pieces<'a>(node: &Node<'a>, out: &mut Vec<&'a [u8]>) -> bool {
    match &node.body {
        Body::Primitive(p) => {
            out.extend(p.iter().copied());
            true
        }
        Body::Constructed(children) => children
            .iter()
            .all(|c| matches!(c.tag.as_slice(), [0x04] | [0x24]) && pieces(c, out)),
    }
}

fn normalise(node: Node<'_>) -> Node<'_> {
    let Node { tag, body } = node;
    let Body::Constructed(children) = body else {
        return Node { tag, body };
    };
    let mut children: Vec<Node<'_>> = children.into_iter().map(normalise).collect();
    if tag == [0x24] {
        let mut out = Vec::new();
        if pieces(
            &Node {
                tag: tag.clone(),
                body: Body::Constructed(std::mem::take(&mut children)),
            },
            &mut out,
        ) {
            return Node {
                tag: vec![0x04],
                body: Body::Primitive(out),
            };
        }
        return Node {
            tag: vec![0x04],
            body: Body::Primitive(Vec::new()),
        };
    }
    // EncryptedContentInfo ::= SEQUENCE { OID, AlgorithmIdentifier, [0] IMPLICIT OCTET STRING }
    if tag == [0x30]
        && children.len() == 3
        && children.first().is_some_and(|c| c.tag == [0x06])
        && children.get(1).is_some_and(|c| c.tag == [0x30])
        && children.get(2).is_some_and(|c| c.tag == [0xa0])
        && let Some(content) = children.get_mut(2)
    {
        let mut out = Vec::new();
        if pieces(content, &mut out) {
            *content = Node {
                tag: vec![0x80],
                body: Body::Primitive(out),
            };
        }
    }
    Node {
        tag,
        body: Body::Constructed(children),
    }
}

fn content_len(node: &Node<'_>) -> usize {
    match &node.body {
        Body::Primitive(p) => p.iter().map(|b| b.len()).sum(),
        Body::Constructed(children) => children.iter().map(encoded_len).sum(),
    }
}

fn length_len(len: usize) -> usize {
    match len {
        0..=0x7f => 1,
        0x80..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xff_ffff => 4,
        _ => 5,
    }
}

fn encoded_len(node: &Node<'_>) -> usize {
    let len = content_len(node);
    node.tag.len() + length_len(len) + len
}

fn encode(node: &Node<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(&node.tag);
    let len = content_len(node);
    match length_len(len) {
        1 => out.push(len as u8),
        n => {
            out.push(0x80 | (n as u8 - 1));
            for i in (0..n - 1).rev() {
                out.push((len >> (8 * i)) as u8);
            }
        }
    }
    match &node.body {
        Body::Primitive(p) => p.iter().for_each(|b| out.extend_from_slice(b)),
        Body::Constructed(children) => children.iter().for_each(|c| encode(c, out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_and_constructed_strings_become_der() {
        // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "c" } }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0, 0, 0, 0,
        ];
        assert_eq!(
            to_der(&ber).unwrap(),
            [0x30, 0x05, 0x04, 0x03, b'a', b'b', b'c']
        );
        let der = [0x30, 0x03, 0x02, 0x01, 0x05];
        assert_eq!(to_der(&der).unwrap(), der);
    }

    #[test]
    fn any_bytes_are_total() {
        let mut seed = 11u32;
        for len in 0..300 {
            let mut bytes = Vec::new();
            for _ in 0..len {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                bytes.push((seed >> 16) as u8);
            }
            let _ = to_der(&bytes);
            bytes.insert(0, 0x30);
            bytes.insert(1, 0x80);
            let _ = to_der(&bytes);
        }
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 10_000)
            .flatten()
            .collect();
        assert!(to_der(&deep).is_none());
    }
}
