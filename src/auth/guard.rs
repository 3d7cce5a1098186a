//! What an identity provider sends is untrusted input, for the IMAP sign-in and the sealed
//! flow alike: durations clamped to a sane range, answers read with a size cap, the discovery
//! document's issuer compared, verification URIs checked, and tokens and user names refused
//! when they hold control characters. One rule for each, used by both flows.

use std::time::{Duration, Instant};

/// The largest answer read from an identity provider (discovery, device code, tokens).
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// A device code lives at least this long, and at most [`DEVICE_EXPIRES_MAX`].
pub const DEVICE_EXPIRES_MIN: Duration = Duration::from_secs(1);
pub const DEVICE_EXPIRES_MAX: Duration = Duration::from_secs(30 * 60);
/// The device code lifetime when the provider does not say (RFC 8628 has no default).
pub const DEVICE_EXPIRES_DEFAULT: Duration = Duration::from_secs(600);
/// Polls are at least this far apart (`interval: 0` never means "poll without delay"), and at
/// most [`POLL_INTERVAL_MAX`].
pub const POLL_INTERVAL_MIN: Duration = Duration::from_secs(1);
pub const POLL_INTERVAL_MAX: Duration = Duration::from_secs(60);
/// RFC 8628 section 3.2: 5 seconds when the provider does not say.
pub const POLL_INTERVAL_DEFAULT: Duration = Duration::from_secs(5);
/// An access token is taken to live at least this long (so a provider saying 0 cannot make
/// the reader refresh in a tight loop: refreshes stay at least 1.5 s apart) and at most
/// [`TOKEN_LIFETIME_MAX`].
pub const TOKEN_LIFETIME_MIN: Duration = Duration::from_secs(2);
pub const TOKEN_LIFETIME_MAX: Duration = Duration::from_secs(24 * 3600);

fn clamp_secs(secs: Option<u64>, default: Duration, min: Duration, max: Duration) -> Duration {
    match secs {
        Some(s) => Duration::from_secs(s).clamp(min, max),
        None => default,
    }
}

/// A device code's `expires_in`, clamped.
pub fn device_expires_in(secs: Option<u64>) -> Duration {
    clamp_secs(
        secs,
        DEVICE_EXPIRES_DEFAULT,
        DEVICE_EXPIRES_MIN,
        DEVICE_EXPIRES_MAX,
    )
}

/// A polling `interval`, clamped.
pub fn poll_interval(secs: Option<u64>) -> Duration {
    clamp_secs(
        secs,
        POLL_INTERVAL_DEFAULT,
        POLL_INTERVAL_MIN,
        POLL_INTERVAL_MAX,
    )
}

/// A polling interval grown by `slow_down` (or computed by a library), clamped again.
pub fn clamp_interval(interval: Duration) -> Duration {
    interval.clamp(POLL_INTERVAL_MIN, POLL_INTERVAL_MAX)
}

/// An access token's `expires_in`, clamped (`None` when the provider did not say).
pub fn token_lifetime(secs: Option<u64>) -> Option<Duration> {
    secs.map(|s| Duration::from_secs(s).clamp(TOKEN_LIFETIME_MIN, TOKEN_LIFETIME_MAX))
}

/// `start + lifetime` without overflow (a clamped lifetime never overflows; this is the
/// belt to its braces).
pub fn deadline(start: Instant, lifetime: Duration) -> Instant {
    start
        .checked_add(lifetime)
        .or_else(|| start.checked_add(TOKEN_LIFETIME_MAX))
        .unwrap_or(start)
}

/// Why an answer could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Larger than [`MAX_RESPONSE_BYTES`]; reading stopped there.
    TooLarge,
    /// The connection failed while reading.
    Network(reqwest::Error),
}

/// Reads an answer's body, refusing it (without reading on) once it passes
/// [`MAX_RESPONSE_BYTES`].
pub async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Network)? {
        if body.len().saturating_add(chunk.len()) > MAX_RESPONSE_BYTES {
            zeroize::Zeroize::zeroize(&mut body);
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether a discovery document's `issuer` is the one asked for: equal, byte for byte, up to
/// a trailing `/` (OpenID Connect Discovery 1.0, section 4.3).
pub fn issuer_matches(asked: &str, named: &str) -> bool {
    asked.trim_end_matches('/') == named.trim_end_matches('/')
}

/// Device-login pages that providers send users to on a host other than their issuer's:
/// (host, path). Documented in `docs/oauth2.md`.
pub const DEVICE_LOGIN_PAGES: &[(&str, &str)] = &[
    ("microsoft.com", "/devicelogin"),
    ("www.microsoft.com", "/devicelogin"),
    ("login.microsoft.com", "/device"),
    ("google.com", "/device"),
    ("www.google.com", "/device"),
];

/// Checks a `verification_uri` or `verification_uri_complete` before it is shown or put in a
/// QR code: an absolute `https://` URL (`http://` only to a loopback host), with no user info,
/// whose host is one of `provider_hosts` (the issuer's, the device endpoint's) or one of the
/// [`DEVICE_LOGIN_PAGES`] with its path. Returns the URL as it will be shown.
pub fn check_verification_uri(uri: &str, provider_hosts: &[&str]) -> Result<String, String> {
    if uri
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return Err("the sign-in address holds spaces or control characters".into());
    }
    let url = url::Url::parse(uri).map_err(|_| "the sign-in address is not a URL".to_owned())?;
    let host = url
        .host_str()
        .ok_or_else(|| "the sign-in address has no host".to_owned())?;
    match url.scheme() {
        "https" => {}
        "http" if crate::net::is_loopback_host(host) => {}
        _ => return Err("the sign-in address is not https://".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the sign-in address carries a user name (a disguised host)".into());
    }
    let ours = provider_hosts
        .iter()
        .any(|h| !h.is_empty() && h.eq_ignore_ascii_case(host));
    let documented = DEVICE_LOGIN_PAGES.iter().any(|(h, path)| {
        h.eq_ignore_ascii_case(host)
            && (url.path() == *path || url.path().strip_prefix(*path) == Some("/"))
            && url.port().is_none()
    });
    if !ours && !documented {
        return Err(format!(
            "the sign-in address is on {}, which is neither the provider's host nor a known \
             device-login page",
            crate::sanitize::line(host)
        ));
    }
    Ok(url.to_string())
}

/// The host of `url`, for [`check_verification_uri`]'s list (empty when there is none).
pub fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Checks an access token before it goes into a SASL string: visible ASCII only (RFC 6750's
/// `b64token` and every provider's opaque tokens fit), not empty.
pub fn check_token(token: &str) -> Result<(), &'static str> {
    if token.is_empty() {
        return Err("the provider sent an empty access token");
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("the access token holds spaces or control characters");
    }
    Ok(())
}

/// Checks a user name before it goes into a SASL string: no control characters (C0, DEL, C1),
/// which would end or forge a SASL field.
pub fn check_user(user: &str) -> Result<(), &'static str> {
    if user.is_empty() {
        return Err("the user name is empty");
    }
    if user.chars().any(char::is_control) {
        return Err("the user name holds control characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_clamped() {
        assert_eq!(poll_interval(Some(0)), POLL_INTERVAL_MIN);
        assert_eq!(poll_interval(Some(u64::MAX)), POLL_INTERVAL_MAX);
        assert_eq!(poll_interval(None), Duration::from_secs(5));
        assert_eq!(poll_interval(Some(7)), Duration::from_secs(7));
        assert_eq!(device_expires_in(Some(u64::MAX)), DEVICE_EXPIRES_MAX);
        assert_eq!(device_expires_in(Some(0)), DEVICE_EXPIRES_MIN);
        assert_eq!(token_lifetime(Some(u64::MAX)), Some(TOKEN_LIFETIME_MAX));
        assert_eq!(token_lifetime(Some(0)), Some(TOKEN_LIFETIME_MIN));
        assert_eq!(token_lifetime(None), None);
        let now = Instant::now();
        assert!(deadline(now, Duration::MAX) >= now);
    }

    #[test]
    fn verification_uris_are_the_providers_own() {
        let hosts = ["login.example.com", "127.0.0.1"];
        for good in [
            "https://login.example.com/device",
            "https://LOGIN.example.com/device?user_code=AB-CD",
            "http://127.0.0.1:8080/device",
            "https://microsoft.com/devicelogin",
            "https://www.google.com/device",
            "https://login.microsoft.com/device",
        ] {
            assert!(check_verification_uri(good, &hosts).is_ok(), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript://login.example.com/%0aalert(1)",
            "data:text/html,<script>",
            "http://evil.example/device",
            "http://login.example.com/device",
            "https://evil.example/device",
            "https://accounts.google.com@evil.example/",
            "https://login.example.com:x@evil.example/",
            "https://login.example.com.evil.example/device",
            "https://evil.example/login.example.com",
            "https://microsoft.com/devicelogin@evil.example",
            "https://microsoft.com/other-page",
            "https://forms.office.com/devicelogin",
            "https://microsoft.com:8443/devicelogin",
            "https://login.example.com/de vice",
            "https://login.example.com/\u{1b}[2J",
            " https://login.example.com/device",
            "https:\\\\evil.example\\device",
            "//login.example.com/device",
            "/device",
            "",
        ] {
            assert!(check_verification_uri(bad, &hosts).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sasl_fields_refuse_control_characters() {
        assert!(check_token("ya29.a0-_~+/=").is_ok());
        for bad in ["", "a\x01b", "a b", "a\u{85}", "a\u{7f}", "tok\n", "tök"] {
            assert!(check_token(bad).is_err(), "{bad:?}");
        }
        assert!(check_user("alice@example.org").is_ok());
        for bad in ["", "a\x01@x", "a\u{9b}@x", "a\u{7f}", "a\r\n"] {
            assert!(check_user(bad).is_err(), "{bad:?}");
        }
    }
}
