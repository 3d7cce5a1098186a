//! The portal HTTP API's bodies and error codes, shared by the service and the client.

use serde::{Deserialize, Serialize};

/// Path of the discovery document.
pub const DISCOVERY_PATH: &str = "/.well-known/sealed-portal";
/// The protocol version a portal announces in its discovery document.
pub const PROTOCOL_VERSION: u32 = 2;
/// Path of the ID-token nonce endpoint.
pub const NONCE_PATH: &str = "/v1/oidc-nonce";
/// How long an ID-token nonce may be used, in seconds.
pub const NONCE_TTL_S: u64 = 600;
/// The most a reader reads of a portal's answer body.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// Digits in a passcode.
pub const OTP_DIGITS: u32 = 8;
/// How long a passcode is valid, in seconds.
pub const OTP_TTL_S: u64 = 900;
/// How long a session is valid, in seconds.
pub const SESSION_TTL_S: u64 = 3600;
/// Wrong tries after which a passcode burns.
pub const OTP_MAX_ATTEMPTS: u32 = 5;
/// Passcodes per message id and address per [`OTP_TTL_S`].
pub const OTP_MAX_PER_WINDOW: u32 = 3;

/// `GET /.well-known/sealed-portal`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    pub v: u32,
    pub methods: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp: Option<OtpInfo>,
    #[serde(default)]
    pub oidc: Vec<OidcIssuer>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtpInfo {
    pub digits: u32,
    pub ttl_s: u64,
}

/// An identity provider whose ID tokens the portal accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcIssuer {
    pub issuer: String,
    pub client_id: String,
    pub name: String,
}

/// `POST /v1/messages`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub id: String,
    pub from: String,
    pub to: Vec<String>,
    pub key: String,
    #[serde(default)]
    pub expires: Option<String>,
}

/// Path of the reply registration endpoint.
pub const REPLIES_PATH: &str = "/v1/replies";

/// `POST /v1/replies`: a recipient registers the key of a sealed reply to a message they
/// received, authorised by their verified session (no sender token): from their verified
/// address, only to that message's participants.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReplyRequest {
    /// The message answered.
    pub in_reply_to: String,
    /// The replier's session token (from an unseal at this portal).
    pub session: String,
    /// The reply's own registration, as for `POST /v1/messages` (its fields beside these).
    #[serde(flatten)]
    pub registration: RegisterRequest,
}

/// `POST /v1/otp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OtpRequest {
    pub id: String,
    pub email: String,
}

/// `202` answer to `POST /v1/otp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtpAccepted {
    pub reference: String,
    pub expires_in: u64,
}

/// `POST /v1/unseal`: exactly one way to prove who one is.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UnsealRequest {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

/// `200` answer to `POST /v1/oidc-nonce`: the nonce a reader hands to the identity provider,
/// so the ID token it gets back is good at this portal only, once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonceResponse {
    pub nonce: String,
    pub expires_in: u64,
}

/// `200` answer to `POST /v1/unseal`: the key, and who the portal vouches registered it, for
/// whom. `to` is absent only for messages registered before version 2.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnsealResponse {
    pub key: String,
    pub from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<String>>,
    pub session: String,
    pub session_expires_in: u64,
}

/// Every error answer: `{"error": code, "message": text}`, plus `attempts_left` for a wrong
/// passcode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
}

/// The error codes of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 400: the request is malformed, too large, or has an invalid field.
    InvalidRequest,
    /// 401: the sender token is missing or wrong.
    Unauthorized,
    /// 403: the sender token may not send from that address.
    Forbidden,
    /// 409: a message with that id is already registered.
    Exists,
    /// 401: wrong or unusable passcode, ID token or session.
    BadCredential,
    /// 403: the verified identity is not a recipient.
    NotRecipient,
    /// 404: no such message (or not this sender's).
    UnknownMessage,
    /// 410: the message expired.
    Expired,
    /// 410: the sender revoked the message.
    Revoked,
    /// 429: too many attempts or requests; see `Retry-After`.
    TooManyAttempts,
    /// 404: no such endpoint.
    NotFound,
    /// 405: wrong method.
    MethodNotAllowed,
    /// 500: the portal failed.
    Internal,
    /// 503: something the portal depends on (an identity provider) cannot be reached.
    Unavailable,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 14] = [
        Self::InvalidRequest,
        Self::Unauthorized,
        Self::Forbidden,
        Self::Exists,
        Self::BadCredential,
        Self::NotRecipient,
        Self::UnknownMessage,
        Self::Expired,
        Self::Revoked,
        Self::TooManyAttempts,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Internal,
        Self::Unavailable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::Exists => "exists",
            Self::BadCredential => "bad_credential",
            Self::NotRecipient => "not_recipient",
            Self::UnknownMessage => "unknown_message",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::TooManyAttempts => "too_many_attempts",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }

    pub fn status(self) -> u16 {
        match self {
            Self::InvalidRequest => 400,
            Self::Unauthorized | Self::BadCredential => 401,
            Self::Forbidden | Self::NotRecipient => 403,
            Self::UnknownMessage | Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Exists => 409,
            Self::Expired | Self::Revoked => 410,
            Self::TooManyAttempts => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("nope"), None);
    }
}
