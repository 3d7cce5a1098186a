//! Why a submission failed, and whether anything left: every kind says if the message may
//! have reached anyone, so that the composer never sends it twice without asking. Replies of
//! the server are quoted sanitised and only to the user, never to the log.

/// A recipient the server refused, with its reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub address: String,
    pub reply: String,
    /// A 4xx reply: the server may take it later.
    pub temporary: bool,
}

/// A failed submission.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error("smtp: {0}")]
    Settings(String),
    /// The message cannot be built as it stands (an address that is not one, no recipient).
    #[error("{0}; nothing was sent")]
    Invalid(String),
    /// A sealed reply could not be sealed or registered at its portal.
    #[error("{0}; nothing was sent")]
    Sealing(String),
    #[error("cannot reach the SMTP server: {0}; nothing was sent")]
    Unreachable(String),
    #[error(
        "the SMTP server does not offer STARTTLS, which smtp:// requires; nothing was sent \
         (no password either)"
    )]
    NoStartTls,
    #[error("TLS with the SMTP server failed: {0}; nothing was sent")]
    Tls(String),
    #[error("the SMTP server offers none of the sign-in methods sealmail speaks; nothing was sent")]
    NoMechanism,
    #[error("the SMTP server refused the sign-in: {0}; nothing was sent")]
    AuthRefused(String),
    #[error("the SMTP server refused the sender: {0}; nothing was sent")]
    SenderRefused(String),
    #[error("{}; nothing was sent to anyone", refusals_text(.0))]
    RecipientsRefused(Vec<Refusal>),
    #[error("the SMTP server refused the message: {0}; nothing was sent")]
    MessageRefused(String),
    /// The connection failed after the whole message was handed over: it may have gone.
    #[error(
        "the connection broke after the message was handed over ({0}): it may have been sent; \
         check before sending again"
    )]
    Unknown(String),
}

impl SubmitError {
    /// False only when the message may have reached someone.
    pub fn nothing_sent(&self) -> bool {
        !matches!(self, SubmitError::Unknown(_))
    }
}

fn refusals_text(refusals: &[Refusal]) -> String {
    refusals
        .iter()
        .map(|r| {
            let how = if r.temporary { "deferred" } else { "refused" };
            format!("{} {how}: {}", r.address, r.reply)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The text of a server's negative reply or a lettre error, on one clean line.
pub(super) fn reply_text(e: &lettre::transport::smtp::Error) -> String {
    let text = e.to_string();
    let short: String = text.chars().take(200).collect();
    crate::sanitize::line(&short).into_owned()
}
