//! Reads `Authentication-Results` (RFC 8601) header fields: which authserv-ids say that DKIM
//! or DMARC passed for a domain aligned with `From:`. Only an authserv-id the user configured
//! as their own MTA counts (see [`super::Trust`]); nothing here trusts a field by itself.

use super::links::registrable;

/// Authserv-ids kept per message, against a flood of forged fields.
const MAX_FIELDS: usize = 16;

/// Drops RFC 5322 comments (`(…)`, nested) and unfolds whitespace.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth: u32 = 0;
    let mut quoted = false;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth = depth.saturating_add(1),
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(if c.is_whitespace() { ' ' } else { c }),
            _ => {}
        }
    }
    out
}

/// The registrable domains for which one `Authentication-Results` value says `dkim=pass`
/// (`header.d` or `header.i`) or `dmarc=pass` (`header.from`), and its authserv-id.
fn passes(value: &str) -> Option<(String, Vec<String>)> {
    let clean = strip_comments(value);
    let mut parts = clean.split(';');
    let id = parts
        .next()?
        .split_whitespace()
        .next()?
        .trim()
        .to_ascii_lowercase();
    if id.is_empty() {
        return None;
    }
    let mut domains = Vec::new();
    for resinfo in parts {
        let mut words = resinfo.split_whitespace();
        let Some((method, result)) = words.next().and_then(|w| w.split_once('=')) else {
            continue;
        };
        let method = method.to_ascii_lowercase();
        // `dkim/1=pass`: a method version.
        let method = method.split('/').next().unwrap_or_default();
        if !result.eq_ignore_ascii_case("pass") || !matches!(method, "dkim" | "dmarc") {
            continue;
        }
        for w in words {
            let Some((prop, val)) = w.split_once('=') else {
                continue;
            };
            let prop = prop.to_ascii_lowercase();
            let wanted = match method {
                "dkim" => prop == "header.d" || prop == "header.i",
                _ => prop == "header.from",
            };
            if !wanted {
                continue;
            }
            let val = val.trim_matches('"');
            let domain = val.rsplit_once('@').map_or(val, |(_, d)| d);
            if let Some(d) = registrable(domain) {
                domains.push(d);
            }
        }
    }
    Some((id, domains))
}

/// For each authserv-id, whether its topmost `Authentication-Results` field vouches for
/// `from_domain` (a registrable domain): the ids that do, lowercase. Only the topmost field of
/// each id is read: the user's MTA adds its own above what arrived (and, per RFC 8601 section
/// 5, removes fields that claim its id).
pub fn vouching_ids(headers: &[(String, String)], from_domain: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut vouch = Vec::new();
    for (_, value) in headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("authentication-results"))
    {
        if seen.len() >= MAX_FIELDS {
            break;
        }
        let Some((id, domains)) = passes(value) else {
            continue;
        };
        if seen.contains(&id) {
            continue;
        }
        if domains.iter().any(|d| d.eq_ignore_ascii_case(from_domain)) {
            vouch.push(id.clone());
        }
        seen.push(id);
    }
    vouch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &str) -> (String, String) {
        ("authentication-results".to_owned(), v.to_owned())
    }

    #[test]
    fn dkim_and_dmarc_passes_are_read_with_their_authserv_id() {
        let headers = [h(
            "mx.example.org (Postfix); dkim=pass (2048-bit key) header.d=mail.bank.example \
             header.s=s1; spf=fail smtp.mailfrom=x.example",
        )];
        assert_eq!(
            vouching_ids(&headers, "bank.example"),
            vec!["mx.example.org"]
        );
        let headers = [h("MX.Example.org 1; dmarc=pass header.from=bank.example")];
        assert_eq!(
            vouching_ids(&headers, "bank.example"),
            vec!["mx.example.org"]
        );
    }

    #[test]
    fn failures_other_domains_and_comments_do_not_vouch() {
        for v in [
            "mx.example.org; dkim=fail header.d=bank.example",
            "mx.example.org; dkim=pass header.d=evil.example",
            "mx.example.org; spf=pass smtp.mailfrom=bank.example",
            "mx.example.org; dkim=none (dkim=pass header.d=bank.example)",
            "(mx.example.org) ; dkim=pass header.d=bank.example.evil.example",
            "",
            ";;;",
        ] {
            assert!(vouching_ids(&[h(v)], "bank.example").is_empty(), "{v}");
        }
    }

    #[test]
    fn only_the_topmost_field_of_an_id_counts() {
        let headers = [
            h("mx.example.org; dkim=fail header.d=bank.example"),
            h("mx.example.org; dkim=pass header.d=bank.example"),
        ];
        assert!(vouching_ids(&headers, "bank.example").is_empty());
    }
}
