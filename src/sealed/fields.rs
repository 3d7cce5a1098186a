//! Field rules shared by the envelope, the API and the service: origins, ids, addresses,
//! timestamps and unpadded base64url. Every check is strict: a value is either canonical or
//! rejected, so two implementations never disagree about the bytes they authenticate.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Length of a message id: 128 bits in unpadded base64url.
pub const ID_LEN: usize = 22;

/// Encodes bytes as base64url without padding.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes canonical unpadded base64url (no padding, no whitespace, no stray trailing bits).
pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Decodes canonical unpadded base64url of exactly `N` bytes.
pub fn b64url_decode_exact<const N: usize>(text: &str) -> Option<[u8; N]> {
    let bytes = b64url_decode(text)?;
    bytes.try_into().ok()
}

/// A fresh random message id (128 bits).
pub fn new_message_id() -> String {
    let bytes: [u8; 16] = rand::random();
    b64url(&bytes)
}

/// True for an id of 128 bits in canonical unpadded base64url (22 characters).
pub fn is_valid_id(id: &str) -> bool {
    id.len() == ID_LEN && b64url_decode_exact::<16>(id).is_some()
}

/// Checks a portal origin: `https://host[:port]`, or `http://` for a loopback host only; no
/// path, query, fragment or user info; the host in lowercase.
pub fn check_origin(origin: &str) -> Result<(), &'static str> {
    let (scheme, authority) = origin
        .split_once("://")
        .ok_or("an origin is scheme://host[:port]")?;
    if authority.is_empty() {
        return Err("the origin has no host");
    }
    if authority.chars().any(|c| {
        matches!(c, '/' | '?' | '#' | '@' | ',' | '\\') || c.is_whitespace() || c.is_control()
    }) {
        return Err("an origin has no path, query, fragment or user info");
    }
    let (host, port) = split_host_port(authority)?;
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && !port.starts_with('0')
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !valid {
            return Err("the origin's port is not a number from 1 to 65535");
        }
    }
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("the origin's host must be lowercase");
    }
    let host_ok = if let Some(inner) = host.strip_prefix('[') {
        inner
            .strip_suffix(']')
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok())
    } else {
        !host.is_empty() && host.split('.').all(is_dns_label)
    };
    if !host_ok {
        return Err("the origin's host is not a valid host name or IP address");
    }
    match scheme {
        "https" => Ok(()),
        "http" if crate::net::is_loopback_host(host) => Ok(()),
        "http" => Err("http:// is only allowed for a loopback host"),
        _ => Err("the origin's scheme must be https (or http for loopback)"),
    }
}

fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), &'static str> {
    if authority.starts_with('[') {
        let end = authority.find(']').ok_or("unclosed [ in the origin")?;
        let (host, rest) = authority.split_at(end + 1);
        match rest {
            "" => Ok((host, None)),
            _ => rest
                .strip_prefix(':')
                .map(|p| (host, Some(p)))
                .ok_or("junk after the host in the origin"),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => Ok((h, Some(p))),
            None => Ok((authority, None)),
        }
    }
}

/// One label of a host or domain name: 1 to 63 letters, digits and hyphens, no hyphen at
/// either end.
fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Characters RFC 5322 allows in an atom (`atext`).
fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b)
}

/// Checks an address as the format carries it: a lowercase ASCII addr-spec with a dot-atom
/// local part and a domain of letters, digits and hyphens (`jane.doe@example.com`).
pub fn check_address(address: &str) -> Result<(), &'static str> {
    let (local, domain) = address
        .rsplit_once('@')
        .ok_or("an address is local@domain")?;
    if local.is_empty() || local.len() > 64 || address.len() > 254 {
        return Err("the address's local part is empty or too long");
    }
    if !local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.bytes().all(is_atext))
    {
        return Err("the address's local part is not a dot-atom");
    }
    if local.bytes().any(|b| b.is_ascii_uppercase())
        || domain.bytes().any(|b| b.is_ascii_uppercase())
    {
        return Err("the address must be lowercase");
    }
    let domain_ok = domain.split('.').all(is_dns_label);
    if !domain_ok {
        return Err("the address's domain is not a valid domain name");
    }
    Ok(())
}

/// The one normalisation of an address, for input from people, mail headers, ID tokens and
/// the API: ASCII spaces and tabs at either end are dropped, ASCII letters are lowercased (in
/// the domain, and as the documented folding of the local part), and the result must pass
/// [`check_address`]. Nothing else: no Unicode whitespace is trimmed and no non-ASCII letter
/// is folded, so `alice@example.org` followed by U+3000, or led by U+00A0, is refused.
pub fn normalize_address(address: &str) -> Result<String, &'static str> {
    let lower = address.trim_matches([' ', '\t']).to_ascii_lowercase();
    check_address(&lower)?;
    Ok(lower)
}

/// Checks a recipient list: non-empty, every address valid, sorted by bytes, no duplicates.
pub fn check_recipients(to: &[String]) -> Result<(), &'static str> {
    if to.is_empty() {
        return Err("`to` must not be empty");
    }
    for address in to {
        check_address(address)?;
    }
    if to.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err("`to` must be sorted and free of duplicates");
    }
    Ok(())
}

/// Sorts, deduplicates and normalises recipient addresses.
pub fn normalize_recipients<'a>(
    addresses: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, &'static str> {
    let mut to = addresses
        .into_iter()
        .map(normalize_address)
        .collect::<Result<Vec<_>, _>>()?;
    to.sort();
    to.dedup();
    check_recipients(&to)?;
    Ok(to)
}

/// Checks an RFC 3339 UTC timestamp to the second: `2026-11-24T10:00:00Z`, nothing else.
pub fn check_timestamp(text: &str) -> Result<chrono::DateTime<chrono::Utc>, &'static str> {
    let shape_ok = text.len() == 20
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            19 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err("a timestamp is YYYY-MM-DDTHH:MM:SSZ (UTC, whole seconds)");
    }
    chrono::NaiveDateTime::parse_from_str(&text[..19], "%Y-%m-%dT%H:%M:%S")
        .map(|naive| naive.and_utc())
        .map_err(|_| "the timestamp is not a real date and time")
}

/// Formats a time the way [`check_timestamp`] accepts it.
pub fn format_timestamp(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The longest expiry given as a duration: ten years.
const MAX_EXPIRY_DAYS: u64 = 3650;

/// When a sealed message's key expires, as a sender gives it: an RFC 3339 UTC time, or a
/// duration from `now`: `90m`, `12h`, `30d` (a whole number of minutes, hours or days, at most
/// ten years). Checked arithmetic: any text gives an error, never a panic.
pub fn parse_expiry_at(
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(at) = check_timestamp(text) {
        return Ok(at);
    }
    let shape = || "give 2026-12-01T00:00:00Z or a duration like 90m, 12h, 30d".to_owned();
    let (number, seconds_per_unit) = if let Some(n) = text.strip_suffix('m') {
        (n, 60)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, 3600)
    } else if let Some(n) = text.strip_suffix('d') {
        (n, 86_400)
    } else {
        return Err(shape());
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(shape());
    }
    let too_long = || format!("at most {MAX_EXPIRY_DAYS} days (ten years) from now");
    let n: u64 = number.parse().map_err(|_| too_long())?;
    let seconds = n
        .checked_mul(seconds_per_unit)
        .filter(|s| *s <= MAX_EXPIRY_DAYS * 86_400)
        .ok_or_else(too_long)?;
    if seconds == 0 {
        return Err("the duration must be more than zero".into());
    }
    let duration = chrono::Duration::try_seconds(i64::try_from(seconds).map_err(|_| too_long())?)
        .ok_or_else(too_long)?;
    now.checked_add_signed(duration).ok_or_else(too_long)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        for good in [
            "https://portal.example.com",
            "https://portal.example.com:8443",
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert_eq!(check_origin(good), Ok(()), "{good}");
        }
        for bad in [
            "https://portal.example.com/",
            "https://portal.example.com/x",
            "http://portal.example.com",
            "http://10.0.0.1:80",
            "ftp://a.b",
            "https://Portal.example.com",
            "https://user@host",
            "https://host:0",
            "https://host:65536",
            "https://host:",
            "https://",
            "https://host?q",
            "https://ho st",
        ] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_are_canonical_128_bit() {
        let id = new_message_id();
        assert!(is_valid_id(&id));
        assert!(!is_valid_id("AAAAAAAAAAAAAAAAAAAAAA=")); // padding
        assert!(!is_valid_id("AAAAAAAAAAAAAAAAAAAAAB")); // stray trailing bits
        assert!(is_valid_id("AAAAAAAAAAAAAAAAAAAAAA"));
        assert!(!is_valid_id("AAAAAAAAAAAAAAAAAAAA+/"));
    }

    #[test]
    fn addresses_and_recipients() {
        assert_eq!(check_address("jane.doe+x@example.com"), Ok(()));
        assert!(check_address("Jane@example.com").is_err());
        assert!(check_address("a,b@example.com").is_err());
        assert!(check_address("a\n@example.com").is_err());
        assert!(check_address("a@b@c").is_err());
        assert!(check_address("a..b@c.d").is_err());
        assert_eq!(
            normalize_recipients(["B@x.test", "a@x.test", "b@x.test"]),
            Ok(vec!["a@x.test".to_owned(), "b@x.test".to_owned()])
        );
        assert!(check_recipients(&["b@x.test".into(), "a@x.test".into()]).is_err());
        assert!(check_recipients(&[]).is_err());
    }

    #[test]
    fn one_normalisation_ascii_only() {
        for (given, want) in [
            ("Alice@Example.ORG", "alice@example.org"),
            ("  alice@example.org\t", "alice@example.org"),
        ] {
            assert_eq!(normalize_address(given).as_deref(), Ok(want), "{given:?}");
        }
        for hostile in [
            "alice@example.org\u{3000}",
            "\u{a0}alice@example.org",
            "alice@example.org\u{2028}",
            "\u{feff}alice@example.org",
            "alice@example.org\u{85}",
            "alice@example.org\n",
            "\u{200b}alice@example.org",
            "alİce@example.org",
            "ALİCE@example.org",
            "alice@exampLe.org\u{301}",
            "alice@example.\u{212a}om",
            "ﬀ@example.org",
            "alice@EXAMPLE.ORG.",
        ] {
            assert!(normalize_address(hostile).is_err(), "{hostile:?}");
        }
    }

    #[test]
    fn timestamps() {
        assert!(check_timestamp("2026-11-24T10:00:00Z").is_ok());
        assert!(check_timestamp("2026-11-24T10:00:00+00:00").is_err());
        assert!(check_timestamp("2026-11-24T10:00:00.5Z").is_err());
        assert!(check_timestamp("2026-02-30T10:00:00Z").is_err());
        let t = check_timestamp("2026-11-24T10:00:00Z").unwrap();
        assert_eq!(format_timestamp(t), "2026-11-24T10:00:00Z");
    }

    #[test]
    fn addresses_are_normalised_one_way_and_the_rest_refused() {
        assert_eq!(
            normalize_address(" Alice@Example.ORG\t"),
            Ok("alice@example.org".to_owned())
        );
        for refused in [
            "alice@example.org\u{3000}",
            "\u{a0}alice@example.org",
            "alice@example.org\u{2028}",
            "alice@example.org\n",
            "ALİCE@example.org",
            "alice@exampl\u{0435}.org",
            "alice\u{200b}@example.org",
        ] {
            assert!(normalize_address(refused).is_err(), "{refused:?}");
        }
    }
}
