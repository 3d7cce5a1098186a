//! What a local search reads of a message: the address headers with names and addresses, the
//! subject, and (only when the query asks) the text of the body. Decoded, not sanitised:
//! it is matched against, never shown.

use mail_parser::{Address, HeaderValue};

use super::{parser, subject_of};

/// A message's searchable text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchText {
    pub from: String,
    pub to: String,
    pub cc: String,
    pub subject: String,
    /// The body's text parts (HTML ones as their text); `None` unless asked for.
    pub body: Option<String>,
}

/// Reads the searchable text of a message; `with_body` also reads the body's text. `None`
/// when nothing in the bytes parses as a message.
pub fn search_text(raw: &[u8], with_body: bool) -> Option<SearchText> {
    let message = parser().parse(raw)?;
    let body = with_body.then(|| {
        let mut text = String::new();
        for i in 0..message.text_body_count().min(64) {
            if let Some(part) = message.body_text(i) {
                text.push_str(&part);
                text.push('\n');
            }
        }
        text
    });
    Some(SearchText {
        from: addresses(message.header("From")),
        to: addresses(message.header("To")),
        cc: addresses(message.header("Cc")),
        subject: subject_of(&message),
        body,
    })
}

/// Every name and address of an address header, space-separated.
fn addresses(value: Option<&HeaderValue<'_>>) -> String {
    let Some(HeaderValue::Address(address)) = value else {
        return String::new();
    };
    let mut out = String::new();
    let mut push = |addr: &mail_parser::Addr<'_>| {
        for part in [addr.name.as_deref(), addr.address.as_deref()]
            .into_iter()
            .flatten()
        {
            out.push_str(part);
            out.push(' ');
        }
    };
    match address {
        Address::List(list) => list.iter().for_each(&mut push),
        Address::Group(groups) => groups
            .iter()
            .flat_map(|g| g.addresses.iter())
            .for_each(&mut push),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_body_text_are_read() {
        let raw = b"From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.org>\r\nTo: a@example.org, \"Bo\" <b@example.org>\r\nCc: team: c@example.org;\r\nSubject: Hello\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody words\r\n";
        let text = search_text(raw, true).expect("parses");
        assert!(text.from.contains("Jürgen") && text.from.contains("j@example.org"));
        assert!(text.to.contains("Bo") && text.to.contains("a@example.org"));
        assert!(text.cc.contains("c@example.org"));
        assert_eq!(text.subject, "Hello");
        assert!(
            text.body
                .as_deref()
                .is_some_and(|b| b.contains("Body words"))
        );
        assert_eq!(search_text(raw, false).and_then(|t| t.body), None);
    }
}
