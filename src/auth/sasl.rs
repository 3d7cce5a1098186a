//! The initial responses of the token mechanisms XOAUTH2 and OAUTHBEARER (RFC 7628), for IMAP
//! and SMTP alike: a user name, host or token that would end or forge a field is refused
//! before any string is built.

use crate::error::{Error, ErrorKind};
use crate::secret::SecretString;

/// Refuses a user name, host or token that would end or forge a SASL field (`\x01`, any
/// other control character; spaces in a token) before any string is built.
fn check_fields(user: &str, host: &str, token: &SecretString) -> Result<(), Error> {
    let refuse = |why: &str| Error::new(ErrorKind::Auth, format!("sign-in refused: {why}"));
    crate::auth::guard::check_user(user).map_err(&refuse)?;
    if host.is_empty() || host.chars().any(char::is_control) {
        return Err(refuse("the server name holds control characters"));
    }
    crate::auth::guard::check_token(token.expose()).map_err(refuse)
}

/// XOAUTH2's initial response.
pub fn xoauth2_response(user: &str, token: &SecretString) -> Result<Vec<u8>, Error> {
    check_fields(user, "-", token)?;
    Ok(format!("user={user}\x01auth=Bearer {}\x01\x01", token.expose()).into_bytes())
}

/// OAUTHBEARER's initial response: a GS2 header naming the user, then host, port and token.
pub fn oauthbearer_response(
    user: &str,
    host: &str,
    port: u16,
    token: &SecretString,
) -> Result<Vec<u8>, Error> {
    check_fields(user, host, token)?;
    let saslname = user.replace('=', "=3D").replace(',', "=2C");
    Ok(format!(
        "n,a={saslname},\x01host={host}\x01port={port}\x01auth=Bearer {}\x01\x01",
        token.expose()
    )
    .into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_responses_follow_the_mechanisms() {
        let token = SecretString::from("tok");
        assert_eq!(
            xoauth2_response("a@example.test", &token).unwrap(),
            b"user=a@example.test\x01auth=Bearer tok\x01\x01"
        );
        assert_eq!(
            oauthbearer_response("a,b=c@x", "127.0.0.1", 143, &token).unwrap(),
            b"n,a=a=2Cb=3Dc@x,\x01host=127.0.0.1\x01port=143\x01auth=Bearer tok\x01\x01"
        );
    }

    #[test]
    fn control_characters_never_reach_a_sasl_string() {
        let good = SecretString::from("tok");
        for token in ["to\x01k", "tok\x01\x01", "to k", "tok\r\n", "t\u{85}ok", ""] {
            let token = SecretString::from(token);
            assert!(xoauth2_response("a@example.test", &token).is_err());
            assert!(oauthbearer_response("a@example.test", "h", 143, &token).is_err());
        }
        for user in ["a\x01auth=Bearer x@example.test", "a\n@x", "a\u{9b}@x", ""] {
            assert!(xoauth2_response(user, &good).is_err(), "{user:?}");
            assert!(
                oauthbearer_response(user, "h", 143, &good).is_err(),
                "{user:?}"
            );
        }
        assert!(oauthbearer_response("a@x", "h\x01port=1", 143, &good).is_err());
        let e = xoauth2_response("a@x", &SecretString::from("t\x01")).unwrap_err();
        assert!(!format!("{e:?}").contains("t\x01"));
    }
}
