//! From the portal client's and the identity provider's errors to the failures the pane shows,
//! and the static labels the metrics count them under.

use super::FlowFailure;
use crate::auth::oauth2::{GrantError, explain};
use crate::sanitize::Clean;
use crate::sealed::client::ClientError;

/// A portal error outside the passcode check (discovery, passcode request, ID token, session).
pub fn from_client(e: &ClientError) -> FlowFailure {
    match e {
        ClientError::BadCredential { .. } => {
            FlowFailure::Other(Clean::line("the portal did not accept this sign-in"))
        }
        ClientError::TooManyAttempts { retry_after } => FlowFailure::Locked {
            retry_after_s: retry_after.map(|d| d.as_secs()),
        },
        ClientError::Expired => FlowFailure::MessageExpired,
        ClientError::Revoked => FlowFailure::Revoked,
        ClientError::NotRecipient => FlowFailure::NotRecipient,
        ClientError::UnknownMessage => FlowFailure::UnknownMessage,
        ClientError::Network(_) | ClientError::Protocol(_) | ClientError::Server { .. } => {
            FlowFailure::Unreachable(Clean::line(&e.to_string()))
        }
        ClientError::InvalidRequest(_)
        | ClientError::Unauthorized
        | ClientError::Forbidden
        | ClientError::Exists
        | ClientError::Config(_) => FlowFailure::Other(Clean::line(&e.to_string())),
    }
}

/// A portal error answering a passcode. The portal answers `bad_credential` with
/// `attempts_left: 0` both for the last wrong try (the passcode is burnt) and when no usable
/// passcode is left (expired or already used); `last_attempts_left`, what the previous wrong
/// try of this passcode said, tells them apart. Further tries of a burnt passcode get
/// `too_many_attempts`.
pub fn from_passcode(e: &ClientError, last_attempts_left: Option<u32>) -> FlowFailure {
    match e {
        ClientError::BadCredential {
            attempts_left: Some(left),
        } if *left > 0 => FlowFailure::BadPasscode {
            attempts_left: *left,
        },
        ClientError::BadCredential { .. } if last_attempts_left == Some(1) => FlowFailure::Locked {
            retry_after_s: None,
        },
        ClientError::BadCredential { .. } => FlowFailure::PasscodeExpired,
        other => from_client(other),
    }
}

/// An identity provider's refusal during the device sign-in (declined and expired are steps
/// of the sign-in, not errors).
pub fn from_grant(e: &GrantError) -> FlowFailure {
    match e {
        GrantError::Unreachable(_) => FlowFailure::Unreachable(Clean::line(&explain(e))),
        GrantError::Provider { .. } | GrantError::Invalid(_) => {
            FlowFailure::Other(Clean::line(&explain(e)))
        }
    }
}

/// The metrics label of a failure.
pub fn label(failure: &FlowFailure) -> &'static str {
    match failure {
        FlowFailure::Malformed(_) => "malformed",
        FlowFailure::BadPasscode { .. } => "bad_passcode",
        FlowFailure::Locked { .. } => "locked",
        FlowFailure::PasscodeExpired => "passcode_expired",
        FlowFailure::MessageExpired => "message_expired",
        FlowFailure::Revoked => "revoked",
        FlowFailure::NotRecipient => "not_recipient",
        FlowFailure::UnknownMessage => "unknown_message",
        FlowFailure::SignInDenied => "device_denied",
        FlowFailure::SignInExpired => "device_expired",
        FlowFailure::Tampered => "tampered",
        FlowFailure::Forged(_) => "forged",
        FlowFailure::Unverified => "unverified",
        FlowFailure::Obsolete => "obsolete",
        FlowFailure::Unreachable(_) => "unreachable",
        FlowFailure::Other(_) => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn passcode_answers_map_as_the_server_sends_them() {
        let bad = |n| ClientError::BadCredential {
            attempts_left: Some(n),
        };
        assert_eq!(
            from_passcode(&bad(3), Some(4)),
            FlowFailure::BadPasscode { attempts_left: 3 }
        );
        assert_eq!(
            from_passcode(&bad(0), Some(1)),
            FlowFailure::Locked {
                retry_after_s: None
            },
            "the fifth wrong try burns the passcode"
        );
        assert_eq!(
            from_passcode(&bad(0), None),
            FlowFailure::PasscodeExpired,
            "no usable passcode: expired or used"
        );
        assert_eq!(
            from_passcode(
                &ClientError::TooManyAttempts {
                    retry_after: Some(Duration::from_secs(30))
                },
                Some(0)
            ),
            FlowFailure::Locked {
                retry_after_s: Some(30)
            }
        );
        assert_eq!(
            from_passcode(&ClientError::Expired, None),
            FlowFailure::MessageExpired
        );
        assert_eq!(
            from_passcode(&ClientError::Revoked, None),
            FlowFailure::Revoked
        );
        assert_eq!(
            from_passcode(&ClientError::NotRecipient, None),
            FlowFailure::NotRecipient
        );
        assert_eq!(
            from_passcode(&ClientError::UnknownMessage, None),
            FlowFailure::UnknownMessage
        );
        assert!(matches!(
            from_passcode(&ClientError::Network("down".into()), None),
            FlowFailure::Unreachable(_)
        ));
    }
}
