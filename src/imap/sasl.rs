//! `AUTHENTICATE XOAUTH2` and `OAUTHBEARER` (RFC 7628) with an access token, through
//! async-imap's `Authenticator`. A server that refuses the token first sends a failure
//! challenge (`+ <base64 JSON>`); it is answered with the empty response the mechanisms ask
//! for, and its JSON becomes a readable error.

use std::sync::{Arc, Mutex};

use async_imap::Authenticator;

use super::connect::{Client, Session};
use super::errors::imap_error;
use crate::auth::oauth2::Mechanism;
use crate::auth::sasl::{oauthbearer_response, xoauth2_response};
use crate::error::{Error, ErrorKind};
use crate::sanitize;
use crate::secret::SecretString;

/// Sends the initial response on the first challenge; on any later one (the failure
/// challenge) keeps the server's words and answers as the mechanism says (XOAUTH2: empty,
/// OAUTHBEARER: `%x01`).
struct TokenAuthenticator {
    initial: Option<Vec<u8>>,
    mechanism: Mechanism,
    seen: Arc<Mutex<Seen>>,
}

#[derive(Default)]
struct Seen {
    challenged: bool,
    failure: Option<Vec<u8>>,
}

impl Authenticator for TokenAuthenticator {
    type Response = Vec<u8>;

    fn process(&mut self, challenge: &[u8]) -> Vec<u8> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.challenged = true;
        if let Some(initial) = self.initial.take() {
            return initial;
        }
        seen.failure = Some(challenge.to_vec());
        match self.mechanism {
            Mechanism::XOAuth2 => Vec::new(),
            Mechanism::OAuthBearer => vec![1],
        }
    }
}

impl Drop for TokenAuthenticator {
    fn drop(&mut self) {
        if let Some(initial) = self.initial.as_mut() {
            zeroize::Zeroize::zeroize(initial);
        }
    }
}

/// Logs in with `token`. OAUTHBEARER is tried only when asked for, and a server that does not
/// know it (no challenge at all) gets XOAUTH2 on the same connection.
pub async fn authenticate(
    client: Client,
    mechanism: Mechanism,
    user: &str,
    host: &str,
    port: u16,
    token: &SecretString,
) -> Result<Session, Error> {
    let client = if mechanism == Mechanism::OAuthBearer {
        let initial = oauthbearer_response(user, host, port, token)?;
        match attempt(client, Mechanism::OAuthBearer, initial).await {
            Ok(session) => return Ok(session),
            Err(Attempt::Refused(e)) => return Err(e),
            Err(Attempt::NotOffered(client)) => client,
        }
    } else {
        client
    };
    let initial = xoauth2_response(user, token)?;
    match attempt(client, Mechanism::XOAuth2, initial).await {
        Ok(session) => Ok(session),
        Err(Attempt::Refused(e)) => Err(e),
        Err(Attempt::NotOffered(_)) => Err(Error::new(
            ErrorKind::Auth,
            "the mail server does not accept OAuth2 tokens (no XOAUTH2 or OAUTHBEARER)",
        )),
    }
}

enum Attempt {
    Refused(Error),
    /// The server refused the mechanism itself, before any challenge.
    NotOffered(Client),
}

async fn attempt(
    client: Client,
    mechanism: Mechanism,
    initial: Vec<u8>,
) -> Result<Session, Attempt> {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let authenticator = TokenAuthenticator {
        initial: Some(initial),
        mechanism,
        seen: seen.clone(),
    };
    let name = match mechanism {
        Mechanism::XOAuth2 => "XOAUTH2",
        Mechanism::OAuthBearer => "OAUTHBEARER",
    };
    match client.authenticate(name, authenticator).await {
        Ok(session) => Ok(session),
        Err((e, client)) => {
            let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(|p| p.into_inner()));
            use async_imap::error::Error as E;
            match e {
                E::No(_) | E::Bad(_) if !seen.challenged => Err(Attempt::NotOffered(client)),
                E::No(text) | E::Bad(text) => {
                    Err(Attempt::Refused(refused(seen.failure.as_deref(), &text)))
                }
                other => Err(Attempt::Refused(imap_error("authenticate", other))),
            }
        }
    }
}

/// The error for a refused token: the failure challenge's JSON in words, and the server's
/// own words (`server` is async-imap's text of the tagged reply).
fn refused(challenge: Option<&[u8]>, server: &str) -> Error {
    let mut details = match challenge {
        Some(json) => describe_challenge(json),
        None => String::new(),
    };
    // async-imap hands the tagged reply over as its debug text: read the words back.
    let (code, said) = super::errors::outcome(server);
    let said = sanitize::line(said.trim());
    if !said.is_empty() || !code.is_empty() {
        if !details.is_empty() {
            details.push_str("; ");
        }
        details.push_str(&format!("server: {said}"));
        if let Some(meaning) = super::errors::code_words(&code) {
            details.push_str(&format!(" ({meaning}; {code})"));
        }
    }
    let e = Error::new(ErrorKind::Auth, "the mail server refused the sign-in token");
    if details.is_empty() {
        e
    } else {
        e.with_details(details)
    }
}

/// `{"status":"401","schemes":"bearer","scope":"mail"}` in words, the JSON shown as sent.
pub fn describe_challenge(json: &[u8]) -> String {
    let text = String::from_utf8_lossy(json);
    let shown: String = sanitize::line(text.trim()).chars().take(200).collect();
    let parsed: serde_json::Value = serde_json::from_slice(json).unwrap_or_default();
    let status = match parsed.get("status") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let scope = parsed
        .get("scope")
        .and_then(serde_json::Value::as_str)
        .map(sanitize::line);
    let meaning = match status.as_str() {
        "400" | "invalid_request" => "the server could not read the token request".to_owned(),
        "401" | "invalid_token" => {
            "the token is not valid: expired, revoked, or issued for another account".to_owned()
        }
        "403" | "insufficient_scope" => match &scope {
            Some(scope) => format!("the token lacks the scope the server needs ({scope})"),
            None => "the token lacks the scope the server needs".to_owned(),
        },
        _ => "the server gave no reason".to_owned(),
    };
    format!("{meaning} (server said {shown})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_token_reads_as_the_servers_words() {
        let debug = "code: None, info: Some(\"[AUTHENTICATIONFAILED] Invalid token\")";
        let text = refused(None, debug).to_string();
        assert!(text.contains("server: Invalid token"), "{text}");
        assert!(text.contains("AUTHENTICATIONFAILED"), "{text}");
        assert!(!text.contains("Some(") && !text.contains("code:"), "{text}");
    }

    #[test]
    fn the_second_challenge_is_kept_and_answered_empty() {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let mut a = TokenAuthenticator {
            initial: Some(b"first".to_vec()),
            mechanism: Mechanism::XOAuth2,
            seen: seen.clone(),
        };
        assert_eq!(a.process(b""), b"first");
        assert_eq!(a.process(br#"{"status":"401"}"#), b"");
        assert_eq!(
            seen.lock().unwrap().failure.as_deref(),
            Some(&br#"{"status":"401"}"#[..])
        );
        let mut b = TokenAuthenticator {
            initial: Some(b"first".to_vec()),
            mechanism: Mechanism::OAuthBearer,
            seen,
        };
        b.process(b"");
        assert_eq!(b.process(br#"{"status":"invalid_token"}"#), vec![1]);
    }

    #[test]
    fn failure_challenges_read_as_words() {
        let text = describe_challenge(br#"{"status":"401","schemes":"bearer","scope":"mail"}"#);
        assert!(text.starts_with("the token is not valid"), "{text}");
        assert!(text.contains(r#"{"status":"401","schemes":"bearer","scope":"mail"}"#));
        let text = describe_challenge(br#"{"status":"403","scope":"https://mail.google.com/"}"#);
        assert!(text.contains("lacks the scope"), "{text}");
        assert!(!describe_challenge(b"\x1b[2Jjunk").contains('\x1b'));
    }
}
