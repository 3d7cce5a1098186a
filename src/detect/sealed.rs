//! Our own open format: a `Sealed-Message: v=1; portal=<origin>; id=<id>` header and an
//! `application/vnd.sealed-message+json` envelope part that must agree with it.

use super::Vendor;
use super::evidence::{Class, Evidence};
use super::facts::Facts;
use super::links::{Link, LinkKind, Place};

pub const ENVELOPE_TYPE: &str = "application/vnd.sealed-message+json";

/// The `key=value` parameters of a `Sealed-Message` header value.
pub fn header_params(value: &str) -> Vec<(String, String)> {
    value
        .split(';')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_owned(),
            ))
        })
        .collect()
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// True for `https://host[:port]`, or `http://` on a loopback host, with no path or query.
pub fn valid_origin(origin: &str) -> bool {
    let Ok(url) = url::Url::parse(origin) else {
        return false;
    };
    let bare = matches!(url.path(), "" | "/") && url.query().is_none() && url.fragment().is_none();
    let loopback = crate::net::is_loopback_url_host(url.host());
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    bare && scheme_ok && url.username().is_empty() && url.password().is_none()
}

fn reason(ev: &mut Evidence, href: &str, why: impl Into<String>) {
    let link = Link::new(href, LinkKind::Text, Place::Body, "", None);
    ev.elsewhere(&link, why);
}

/// The sealed-message rules. `raw` is the whole message: a sealed message is genuine only if
/// the reader's own envelope parser (`portal::sealed::find_envelope`) accepts it too.
pub fn sealed(facts: &Facts, raw: &[u8]) -> Evidence {
    let mut ev = Evidence::new(Vendor::Sealed, &[Class::Header, Class::Attachment]);
    let header = facts.header("sealed-message").map(header_params);
    let envelope = facts.parts.iter().find(|p| p.mime == ENVELOPE_TYPE);
    if header.is_none() && envelope.is_none() {
        return ev;
    }
    ev.present = true;
    let header_portal = header
        .as_deref()
        .and_then(|h| param(h, "portal"))
        .map(str::to_owned);
    let header_id = header
        .as_deref()
        .and_then(|h| param(h, "id"))
        .map(str::to_owned);
    match &header {
        // Version 1 is recognised so the pane can say why it is not opened.
        Some(h) if matches!(param(h, "v"), Some("1" | "2")) => {
            ev.signal(Class::Header, "header Sealed-Message");
        }
        Some(_) => reason(&mut ev, "", "the Sealed-Message header is not version 2"),
        None => reason(
            &mut ev,
            "",
            "an envelope part without a Sealed-Message header",
        ),
    }
    let Some(part) = envelope else {
        reason(
            &mut ev,
            "",
            "a Sealed-Message header without an envelope part",
        );
        return ev;
    };
    let json: Option<serde_json::Value> = part
        .json
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok());
    let Some(json) = json else {
        reason(&mut ev, "", "the envelope part cannot be read");
        return ev;
    };
    let env_portal = json.get("portal").and_then(|v| v.as_str()).unwrap_or("");
    let env_id = json.get("id").and_then(|v| v.as_str()).unwrap_or("");
    if !matches!(json.get("v").and_then(|v| v.as_u64()), Some(1 | 2)) {
        reason(&mut ev, "", "the envelope is not version 2");
        return ev;
    }
    ev.signal(Class::Attachment, format!("envelope part {ENVELOPE_TYPE}"));
    if !valid_origin(env_portal) {
        reason(
            &mut ev,
            env_portal,
            "the envelope's portal is not an https origin",
        );
        return ev;
    }
    let portal = Link::new(env_portal, LinkKind::Text, Place::Body, "", None);
    if header_portal.as_deref() != Some(env_portal) && header.is_some() {
        let host = portal.target_for_humans();
        reason(
            &mut ev,
            env_portal,
            format!("the header and the envelope name different portals (envelope: {host})"),
        );
        return ev;
    }
    if header_id.as_deref() != Some(env_id) && header.is_some() {
        reason(
            &mut ev,
            env_portal,
            "the header and the envelope name different messages",
        );
        return ev;
    }
    let obsolete = crate::sealed::envelope::EnvelopeError::Obsolete.into();
    if crate::sealed::message::find_envelope(raw).is_err_and(|e| e != obsolete) {
        reason(&mut ev, env_portal, "the envelope is malformed");
        return ev;
    }
    // The origin exactly as the envelope gives it: that is what the trust prompt shows.
    ev.portal_links.push(env_portal.to_owned());
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert!(valid_origin("https://portal.example"));
        assert!(valid_origin("https://portal.example:8443/"));
        assert!(valid_origin("http://127.0.0.1:8080"));
        assert!(!valid_origin("http://portal.example"));
        assert!(!valid_origin("https://portal.example/path"));
        assert!(!valid_origin("https://user@portal.example"));
    }

    #[test]
    fn header_parameters() {
        let p = header_params("v=1; portal=https://p.example; id=abc");
        assert_eq!(param(&p, "portal"), Some("https://p.example"));
        assert_eq!(param(&p, "id"), Some("abc"));
    }
}
