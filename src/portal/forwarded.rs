//! The client address behind a reverse proxy the operator trusts: the last hop of
//! `Forwarded` (RFC 7239) or else `X-Forwarded-For`, taken only when the connection itself
//! comes from one of the configured proxy addresses. Off unless configured.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// The address a request counts as coming from. Without trusted proxies, or from a peer that
/// is not one, or without a readable forwarded address, it is the peer's own.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    // A dual-stack listener sees an IPv4 proxy as ::ffff:a.b.c.d.
    let peer = peer.to_canonical();
    if !trusted.iter().any(|t| t.to_canonical() == peer) {
        return peer;
    }
    last_forwarded(headers)
        .or_else(|| last_x_forwarded_for(headers))
        .unwrap_or(peer)
}

/// The `for=` of the last element of the last `Forwarded` field: the hop the proxy added.
fn last_forwarded(headers: &HeaderMap) -> Option<IpAddr> {
    let line = headers
        .get_all("forwarded")
        .iter()
        .next_back()?
        .to_str()
        .ok()?;
    let element = line.rsplit(',').next()?;
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("for") {
            parse_node(value.trim())
        } else {
            None
        }
    })
}

/// The last address of the last `X-Forwarded-For` field.
fn last_x_forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let line = headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()?
        .to_str()
        .ok()?;
    parse_node(line.rsplit(',').next()?.trim())
}

/// `192.0.2.1`, `"192.0.2.1:4711"`, `"[2001:db8::1]:4711"`, `2001:db8::1`; not `unknown`
/// or an obfuscated `_name`.
fn parse_node(value: &str) -> Option<IpAddr> {
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = value.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    let inner = value.strip_prefix('[')?;
    let (ip, _) = inner.split_once(']')?;
    ip.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn only_a_trusted_peer_may_say_who_the_client_is() {
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let stranger: IpAddr = "192.0.2.9".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.5")]);
        assert_eq!(client_ip(proxy, &h, &[]), proxy, "off by default");
        assert_eq!(client_ip(stranger, &h, &[proxy]), stranger);
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert_eq!(
            client_ip(mapped, &h, &[proxy]),
            "203.0.113.5".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_ip(proxy, &h, &[proxy]),
            "203.0.113.5".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn the_last_hop_counts() {
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let t = [proxy];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        for (h, want) in [
            (
                headers(&[("x-forwarded-for", "198.51.100.1, 203.0.113.5")]),
                ip("203.0.113.5"),
            ),
            (
                headers(&[
                    ("x-forwarded-for", "198.51.100.1"),
                    ("x-forwarded-for", "203.0.113.6"),
                ]),
                ip("203.0.113.6"),
            ),
            (
                headers(&[(
                    "forwarded",
                    "for=198.51.100.1, for=\"[2001:db8::7]:4711\";proto=https",
                )]),
                ip("2001:db8::7"),
            ),
            (
                headers(&[("forwarded", "proto=https;For=\"203.0.113.8:1234\"")]),
                ip("203.0.113.8"),
            ),
            (
                headers(&[
                    ("forwarded", "for=203.0.113.9"),
                    ("x-forwarded-for", "198.51.100.1"),
                ]),
                ip("203.0.113.9"),
            ),
            (headers(&[("forwarded", "for=unknown")]), proxy),
            (headers(&[("x-forwarded-for", "evil, é, ")]), proxy),
            (headers(&[("x-forwarded-for", "[::1")]), proxy),
            (headers(&[]), proxy),
        ] {
            assert_eq!(client_ip(proxy, &h, &t), want, "{h:?}");
        }
    }
}
