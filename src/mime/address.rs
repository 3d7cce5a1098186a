//! Address headers (From, To, Cc) as one sanitised line: `Name <addr>, Group: a, b;`.

use mail_parser::{Addr, Address};

use crate::sanitize;

/// Every address of a header, names and addresses RFC 2047 decoded, as one sanitised line.
pub(super) fn list(address: Option<&Address<'_>>) -> String {
    let Some(address) = address else {
        return String::new();
    };
    let shown = match address {
        Address::List(addrs) => join(addrs),
        Address::Group(groups) => groups
            .iter()
            .map(|group| match group.name.as_deref().map(str::trim) {
                Some(name) if !name.is_empty() => format!("{name}: {};", join(&group.addresses)),
                _ => join(&group.addresses),
            })
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
    };
    sanitize::line(&shown).into_owned()
}

/// The name to show for a sender in the message list: the display name, else the address.
pub(super) fn first_name_or_address(address: Option<&Address<'_>>) -> String {
    let Some(first) = address.and_then(Address::first) else {
        return String::new();
    };
    let name = first.name.as_deref().map(str::trim).unwrap_or_default();
    let shown = if name.is_empty() {
        first.address.as_deref().map(str::trim).unwrap_or_default()
    } else {
        name
    };
    sanitize::line(shown).into_owned()
}

fn join(addrs: &[Addr<'_>]) -> String {
    addrs
        .iter()
        .map(one)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

fn one(addr: &Addr<'_>) -> String {
    let name = addr.name.as_deref().map(str::trim).unwrap_or_default();
    let address = addr.address.as_deref().map(str::trim).unwrap_or_default();
    match (name.is_empty(), address.is_empty()) {
        (false, false) if name != address => format!("{name} <{address}>"),
        (false, _) => name.to_owned(),
        (true, false) => address.to_owned(),
        (true, true) => String::new(),
    }
}
