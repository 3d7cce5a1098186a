//! The client for the portal API: discovery, passcode requests, unsealing (passcode, ID token,
//! session) and, for senders, registering and revoking keys. Typed errors for every API code.

use std::path::Path;
use std::time::Duration;

use super::api::{
    self, Discovery, ErrorBody, ErrorCode, MAX_ANSWER_BYTES, NonceResponse, OtpAccepted,
    OtpRequest, RegisterRequest, UnsealRequest, UnsealResponse,
};
use super::envelope::ContentKey;
use super::fields;
use crate::error::ErrorKind;
use crate::secret::SecretString;

/// What went wrong talking to a portal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("wrong passcode or sign-in{}", attempts_note(.attempts_left))]
    BadCredential { attempts_left: Option<u32> },
    #[error("too many attempts{}", retry_note(.retry_after))]
    TooManyAttempts { retry_after: Option<Duration> },
    #[error("the message has expired")]
    Expired,
    #[error("the sender revoked the message")]
    Revoked,
    #[error("this address is not a recipient of the message")]
    NotRecipient,
    #[error("the portal does not know this message")]
    UnknownMessage,
    #[error("the portal refused the request: {0}")]
    InvalidRequest(String),
    #[error("the portal refused the sender token")]
    Unauthorized,
    #[error("this sender token may not send from that address")]
    Forbidden,
    #[error("a message with this id is already registered")]
    Exists,
    #[error("the portal answered {status} {code}: {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    #[error("cannot reach the portal: {0}")]
    Network(String),
    #[error("the portal's answer makes no sense: {0}")]
    Protocol(String),
    #[error("{0}")]
    Config(String),
}

fn attempts_note(left: &Option<u32>) -> String {
    match left {
        Some(n) => format!(" ({n} attempts left)"),
        None => String::new(),
    }
}

fn retry_note(after: &Option<Duration>) -> String {
    match after {
        Some(d) => format!("; try again in {} s", d.as_secs()),
        None => String::new(),
    }
}

impl ClientError {
    /// What the reader should do about it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::BadCredential { .. }
            | Self::Unauthorized
            | Self::Forbidden
            | Self::NotRecipient
            | Self::TooManyAttempts { .. } => ErrorKind::Auth,
            Self::Expired | Self::Revoked | Self::UnknownMessage => ErrorKind::NotFound,
            Self::InvalidRequest(_) | Self::Server { .. } | Self::Protocol(_) | Self::Exists => {
                ErrorKind::Protocol
            }
            Self::Network(_) => ErrorKind::Network,
            Self::Config(_) => ErrorKind::Config,
        }
    }
}

impl From<ClientError> for crate::error::Error {
    fn from(e: ClientError) -> Self {
        crate::error::Error::new(e.kind(), e.to_string())
    }
}

/// How a recipient proves who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// The passcode mailed to `email`.
    Passcode { email: String, code: SecretString },
    /// An ID token from one of the portal's identity providers.
    IdToken(SecretString),
    /// A session from an earlier unseal on the same portal.
    Session(SecretString),
}

/// The answer to a passcode request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasscodeRequested {
    /// Four characters, also in the mail, so the user can tell which mail is which.
    pub reference: String,
    pub expires_in: Duration,
}

/// The released key, who the portal says registered it and for whom, and a session for
/// further messages.
#[derive(Debug, Clone)]
pub struct Unsealed {
    pub key: ContentKey,
    /// The sender the portal registered the message for (a valid, lowercase address).
    pub from: String,
    /// The registered recipients (valid, sorted, unique); `None` when the portal did not say
    /// (a message registered before version 2).
    pub to: Option<Vec<String>>,
    pub session: SecretString,
    pub session_expires_in: Duration,
}

/// A registration of a content key by a sender.
#[derive(Debug, Clone)]
pub struct Registration<'a> {
    pub id: &'a str,
    pub from: &'a str,
    pub to: &'a [String],
    pub key: &'a ContentKey,
    pub expires: Option<chrono::DateTime<chrono::Utc>>,
}

/// A client of one portal (one origin).
#[derive(Debug, Clone)]
pub struct PortalClient {
    origin: String,
    http: reqwest::Client,
}

impl PortalClient {
    /// A client for `origin` (`https://host[:port]`, `http://` only to loopback), verifying TLS
    /// against the system roots and `ca_file` if given.
    pub fn new(origin: &str, ca_file: Option<&Path>) -> Result<Self, ClientError> {
        fields::check_origin(origin)
            .map_err(|e| ClientError::Config(format!("portal origin {origin:?}: {e}")))?;
        let http = crate::net::http::client(ca_file).map_err(ClientError::Config)?;
        Ok(Self::with_http(origin, http))
    }

    /// A client sharing an existing HTTP client (connection pool). The origin must have been
    /// checked with [`fields::check_origin`] (an envelope's portal always is).
    pub fn with_http(origin: &str, http: reqwest::Client) -> Self {
        Self {
            origin: origin.to_owned(),
            http,
        }
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// `GET /.well-known/sealed-portal`.
    pub async fn discover(&self) -> Result<Discovery, ClientError> {
        let response = self
            .http
            .get(self.url(api::DISCOVERY_PATH))
            .send()
            .await
            .map_err(network)?;
        let discovery: Discovery = json_or_error(response, 200).await?;
        if discovery.v != api::PROTOCOL_VERSION {
            return Err(ClientError::Protocol(format!(
                "the portal speaks version {}, not {}",
                discovery.v,
                api::PROTOCOL_VERSION
            )));
        }
        Ok(discovery)
    }

    /// `POST /v1/oidc-nonce`: a nonce to pass to the identity provider, so the ID token is
    /// good at this portal only.
    pub async fn oidc_nonce(&self) -> Result<SecretString, ClientError> {
        let response = self
            .http
            .post(self.url(api::NONCE_PATH))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body("{}")
            .send()
            .await
            .map_err(network)?;
        let answer: NonceResponse = json_or_error(response, 200).await?;
        let fits = !answer.nonce.is_empty()
            && answer.nonce.len() <= 256
            && answer
                .nonce
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !fits {
            return Err(ClientError::Protocol(
                "the nonce is not up to 256 characters of base64url".into(),
            ));
        }
        Ok(SecretString::new(answer.nonce))
    }

    /// `POST /v1/otp`: asks the portal to mail a passcode to `email`.
    pub async fn request_passcode(
        &self,
        id: &str,
        email: &str,
    ) -> Result<PasscodeRequested, ClientError> {
        let body = OtpRequest {
            id: id.to_owned(),
            email: email.to_owned(),
        };
        let response = self
            .http
            .post(self.url("/v1/otp"))
            .json(&body)
            .send()
            .await
            .map_err(network)?;
        let accepted: OtpAccepted = json_or_error(response, 202).await?;
        let valid_reference = accepted.reference.len() == 4
            && accepted
                .reference
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !valid_reference {
            return Err(ClientError::Protocol(
                "the passcode reference is not 4 characters A-Z0-9".into(),
            ));
        }
        Ok(PasscodeRequested {
            reference: accepted.reference,
            expires_in: Duration::from_secs(accepted.expires_in),
        })
    }

    /// `POST /v1/unseal`: proves who one is and gets the content key and a session.
    pub async fn unseal(&self, id: &str, credential: &Credential) -> Result<Unsealed, ClientError> {
        let mut body = UnsealRequest {
            id: id.to_owned(),
            ..UnsealRequest::default()
        };
        match credential {
            Credential::Passcode { email, code } => {
                body.email = Some(email.clone());
                body.otp = Some(code.expose().to_owned());
            }
            Credential::IdToken(token) => body.id_token = Some(token.expose().to_owned()),
            Credential::Session(session) => body.session = Some(session.expose().to_owned()),
        }
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(&body).map_err(|e| ClientError::Protocol(e.to_string()))?,
        );
        zeroize_request(body);
        let response = self
            .http
            .post(self.url("/v1/unseal"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(json.to_vec())
            .send()
            .await
            .map_err(network)?;
        let answer: UnsealResponse = json_or_error(response, 200).await?;
        let key = ContentKey::from_b64url(&answer.key)
            .map_err(|_| ClientError::Protocol("the key is not 32 bytes of base64url".into()));
        let UnsealResponse {
            key: mut key_text,
            from,
            to,
            session,
            session_expires_in,
        } = answer;
        zeroize::Zeroize::zeroize(&mut key_text);
        fields::check_address(&from).map_err(|e| {
            ClientError::Protocol(format!("the registered sender is not an address: {e}"))
        })?;
        if let Some(to) = &to {
            fields::check_recipients(to)
                .map_err(|e| ClientError::Protocol(format!("the registered recipients: {e}")))?;
        }
        Ok(Unsealed {
            key: key?,
            from,
            to,
            session: SecretString::new(session),
            session_expires_in: Duration::from_secs(session_expires_in),
        })
    }

    /// `POST /v1/messages`: registers a content key (sender side).
    pub async fn register(
        &self,
        sender_token: &SecretString,
        registration: &Registration<'_>,
    ) -> Result<(), ClientError> {
        let json = registration_json(registration, |body| body)?;
        let request = self
            .http
            .post(self.url("/v1/messages"))
            .bearer_auth(sender_token.expose());
        post_registration(request, &json).await
    }

    /// `POST /v1/replies`: registers the key of a sealed reply to `in_reply_to`, authorised by
    /// the replier's `session` at this portal (from the address it proved, to that message's
    /// participants only).
    pub async fn register_reply(
        &self,
        session: &SecretString,
        in_reply_to: &str,
        registration: &Registration<'_>,
    ) -> Result<(), ClientError> {
        let json = registration_json(registration, |body| api::ReplyRequest {
            in_reply_to: in_reply_to.to_owned(),
            session: session.expose().to_owned(),
            registration: body,
        })?;
        post_registration(self.http.post(self.url(api::REPLIES_PATH)), &json).await
    }

    /// `DELETE /v1/messages/{id}`: revokes a message for good (sender side).
    pub async fn revoke(&self, sender_token: &SecretString, id: &str) -> Result<(), ClientError> {
        if !fields::is_valid_id(id) {
            return Err(ClientError::Config("not a message id".into()));
        }
        let response = self
            .http
            .delete(self.url(&format!("/v1/messages/{id}")))
            .bearer_auth(sender_token.expose())
            .send()
            .await
            .map_err(network)?;
        expect_status(response, 204).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.origin, path)
    }
}

/// A registration's body as JSON in zeroizing memory (it holds the content key, and for a
/// reply the session), made by `shape` from the registration's fields; the serialised copies
/// of the secrets are wiped.
fn registration_json<T: serde::Serialize + Secrets>(
    registration: &Registration<'_>,
    shape: impl FnOnce(RegisterRequest) -> T,
) -> Result<zeroize::Zeroizing<Vec<u8>>, ClientError> {
    let body = shape(RegisterRequest {
        id: registration.id.to_owned(),
        from: registration.from.to_owned(),
        to: registration.to.to_vec(),
        key: registration.key.to_b64url().expose().to_owned(),
        expires: registration.expires.map(fields::format_timestamp),
    });
    let json = serde_json::to_vec(&body).map_err(|e| ClientError::Protocol(e.to_string()));
    body.wipe();
    json.map(zeroize::Zeroizing::new)
}

/// Request bodies that carry secrets, wiped once serialised.
trait Secrets {
    fn wipe(self);
}

impl Secrets for RegisterRequest {
    fn wipe(mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
    }
}

impl Secrets for api::ReplyRequest {
    fn wipe(mut self) {
        zeroize::Zeroize::zeroize(&mut self.session);
        self.registration.wipe();
    }
}

/// Sends a registration's JSON body; 201 is the only success.
async fn post_registration(
    request: reqwest::RequestBuilder,
    json: &[u8],
) -> Result<(), ClientError> {
    let response = request
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(json.to_vec())
        .send()
        .await
        .map_err(network)?;
    expect_status(response, 201).await
}

fn zeroize_request(body: UnsealRequest) {
    for mut secret in [body.otp, body.id_token, body.session]
        .into_iter()
        .flatten()
    {
        zeroize::Zeroize::zeroize(&mut secret);
    }
}

fn network(e: reqwest::Error) -> ClientError {
    // reqwest's message names the URL (the portal's origin), never a body or header.
    ClientError::Network(crate::sanitize::line(&e.without_url().to_string()).into_owned())
}

/// A portal's answer body, at most [`MAX_ANSWER_BYTES`].
async fn read_body(response: reqwest::Response) -> Result<Vec<u8>, ClientError> {
    crate::net::http::read_capped(response, MAX_ANSWER_BYTES)
        .await
        .map_err(|e| match e {
            crate::net::http::BodyError::TooLarge(_) => ClientError::Protocol(e.to_string()),
            crate::net::http::BodyError::Read(why) => ClientError::Network(why),
        })
}

async fn expect_status(response: reqwest::Response, want: u16) -> Result<(), ClientError> {
    if response.status().as_u16() == want {
        Ok(())
    } else {
        Err(error_from(response).await)
    }
}

async fn json_or_error<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
    want: u16,
) -> Result<T, ClientError> {
    if response.status().as_u16() != want {
        return Err(error_from(response).await);
    }
    let bytes = read_body(response).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ClientError::Protocol(format!("unexpected answer body: {e}")))
}

/// Maps an error answer to a typed error. Text from the server is sanitised here.
async fn error_from(response: reqwest::Response) -> ClientError {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body: Option<ErrorBody> = match read_body(response).await {
        Ok(bytes) => serde_json::from_slice(&bytes).ok(),
        Err(_) => None,
    };
    let Some(body) = body else {
        return ClientError::Server {
            status,
            code: String::new(),
            message: "no error body".into(),
        };
    };
    let message = crate::sanitize::line(&body.message).into_owned();
    match ErrorCode::parse(&body.error) {
        Some(ErrorCode::BadCredential) => ClientError::BadCredential {
            attempts_left: body.attempts_left,
        },
        Some(ErrorCode::TooManyAttempts) => ClientError::TooManyAttempts { retry_after },
        Some(ErrorCode::Expired) => ClientError::Expired,
        Some(ErrorCode::Revoked) => ClientError::Revoked,
        Some(ErrorCode::NotRecipient) => ClientError::NotRecipient,
        Some(ErrorCode::UnknownMessage) => ClientError::UnknownMessage,
        Some(ErrorCode::InvalidRequest) => ClientError::InvalidRequest(message),
        Some(ErrorCode::Unauthorized) => ClientError::Unauthorized,
        Some(ErrorCode::Forbidden) => ClientError::Forbidden,
        Some(ErrorCode::Exists) => ClientError::Exists,
        _ => ClientError::Server {
            status,
            code: crate::sanitize::line(&body.error).into_owned(),
            message,
        },
    }
}
