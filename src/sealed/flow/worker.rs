//! The flow worker: one task that takes [`FlowRequest`]s, runs each network step in a task of
//! its own (so a slow portal or a device poll never holds up the others, and `Close` can stop
//! them), and reports [`FlowEvent`]s. It holds, in memory only, the trusted origins, the portal
//! sessions per origin, and per flow the envelope, the pending passcode reference and the
//! sign-in methods. It logs static event names only.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinHandle};

use super::failure;
use super::trust::{self, Trust};
use super::{
    FlowEvent, FlowFailure, FlowId, FlowRequest, InnerFrom, Method, SealedInfo, VerifiedSender, Via,
};
use crate::auth::oauth2::{self, SignIn, Step};
use crate::metrics::Metrics;
use crate::sanitize::{self, Clean};
use crate::sealed::client::{ClientError, Credential, PortalClient, Unsealed};
use crate::sealed::envelope::{ContentKey, Envelope, EnvelopeError};
use crate::sealed::fields;
use crate::sealed::message::{self, FindError};
use crate::sealed::reply::ReplyTicket;
use crate::secret::SecretString;

/// The scopes of the device sign-in: an ID token with the address in it.
const SIGN_IN_SCOPES: [&str; 2] = ["openid", "email"];

/// What the worker needs to know.
#[derive(Debug, Clone, Default)]
pub struct FlowSettings {
    /// Origins trusted by the config (`trusted_portals`; the demo adds its own portal).
    pub trusted_portals: Vec<String>,
    /// Where confirmations are kept (origins only); `None`: nowhere, for this run only.
    pub trust_file: Option<PathBuf>,
    /// Extra CA certificates (PEM) for portals and identity providers.
    pub ca_file: Option<PathBuf>,
    pub metrics: Metrics,
}

impl FlowSettings {
    /// Settings with the trust file in sealmail's state directory.
    pub fn new(trusted_portals: Vec<String>, metrics: Metrics) -> Self {
        Self {
            trusted_portals,
            trust_file: trust::default_trust_file(),
            ca_file: None,
            metrics,
        }
    }
}

/// Starts the worker. It ends when `requests` closes; then every flow's secrets are dropped.
pub fn spawn(
    settings: FlowSettings,
    requests: mpsc::Receiver<FlowRequest>,
    events: mpsc::Sender<FlowEvent>,
) -> JoinHandle<()> {
    tokio::spawn(run(settings, requests, events))
}

/// A passcode asked for and not used yet.
struct PendingPasscode {
    reference: String,
    /// What the last wrong try said was left (see [`failure::from_passcode`]).
    last_attempts_left: Option<u32>,
}

/// One open sealed message.
struct Flow {
    envelope: Arc<Envelope>,
    methods: Vec<Method>,
    pending: Option<PendingPasscode>,
}

#[derive(Default)]
struct State {
    trust: Trust,
    /// Portal sessions by origin (normalised).
    sessions: HashMap<String, SecretString>,
    flows: HashMap<FlowId, Flow>,
    tasks: HashMap<FlowId, Vec<AbortHandle>>,
}

struct Worker {
    /// `Err`: the HTTP client could not be built (a bad CA file); every network step says so.
    http: Result<reqwest::Client, String>,
    events: mpsc::Sender<FlowEvent>,
    metrics: Metrics,
    state: Mutex<State>,
}

async fn run(
    settings: FlowSettings,
    mut requests: mpsc::Receiver<FlowRequest>,
    events: mpsc::Sender<FlowEvent>,
) {
    // Loading the system's roots reads files: off the executor.
    let ca_file = settings.ca_file.clone();
    let http = tokio::task::spawn_blocking(move || crate::net::http::client(ca_file.as_deref()))
        .await
        .unwrap_or_else(|_| Err("cannot build the HTTP client".into()));
    let worker = Arc::new(Worker {
        http,
        events,
        metrics: settings.metrics,
        state: Mutex::new(State {
            trust: Trust::load(&settings.trusted_portals, settings.trust_file),
            ..State::default()
        }),
    });
    while let Some(request) = requests.recv().await {
        worker.handle(request);
    }
    let mut state = worker.lock();
    for handle in state.tasks.drain().flat_map(|(_, h)| h) {
        handle.abort();
    }
    state.flows.clear();
    state.sessions.clear();
    tracing::debug!("flow worker stopped");
}

impl Worker {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing here leaves the state half-changed across a panic: keep using it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn handle(self: &Arc<Self>, request: FlowRequest) {
        match request {
            FlowRequest::Open { flow, raw } => {
                self.task(flow, |w| async move { w.open(flow, raw, false).await })
            }
            FlowRequest::TrustAndOpen { flow, raw } => {
                self.task(flow, |w| async move { w.open(flow, raw, true).await })
            }
            FlowRequest::RequestPasscode { flow, email } => {
                self.task(
                    flow,
                    |w| async move { w.request_passcode(flow, email).await },
                )
            }
            FlowRequest::SubmitPasscode {
                flow,
                email,
                passcode,
            } => self.task(flow, |w| async move {
                w.submit_passcode(flow, email, passcode).await
            }),
            FlowRequest::StartSignIn {
                flow,
                issuer,
                client_id,
            } => self.task(flow, |w| async move {
                w.sign_in_with_provider(flow, issuer, client_id).await
            }),
            FlowRequest::PasscodeMail { flow, raw } => self.passcode_mail(flow, &raw),
            FlowRequest::Close { flow } => {
                let mut state = self.lock();
                state.flows.remove(&flow);
                for handle in state.tasks.remove(&flow).into_iter().flatten() {
                    handle.abort();
                }
            }
        }
    }

    /// Runs one step of `flow` in its own task, stoppable by `Close`.
    fn task<F, Fut>(self: &Arc<Self>, flow: FlowId, step: F)
    where
        F: FnOnce(Arc<Self>) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let handle = tokio::spawn(step(self.clone())).abort_handle();
        let mut state = self.lock();
        let tasks = state.tasks.entry(flow).or_default();
        tasks.retain(|h| !h.is_finished());
        tasks.push(handle);
    }

    async fn emit(&self, event: FlowEvent) {
        // The reader gone means nobody is listening: nothing to do.
        let _ = self.events.send(event).await;
    }

    async fn fail(&self, flow: FlowId, failure: FlowFailure) {
        self.metrics.error(failure::label(&failure));
        tracing::debug!(
            kind = failure::label(&failure),
            "sealed-message flow failed"
        );
        self.emit(FlowEvent::Failed { flow, failure }).await;
    }

    fn client(&self, origin: &str) -> Result<PortalClient, FlowFailure> {
        if !self.lock().trust.contains(origin) {
            // The reader asked for a step on a portal the user never trusted: refuse it.
            return Err(FlowFailure::Other(Clean::line(
                "this portal is not trusted; confirm it first",
            )));
        }
        let http = self
            .http
            .clone()
            .map_err(|e| FlowFailure::Other(Clean::line(&e)))?;
        Ok(PortalClient::with_http(origin, http))
    }

    /// Asks the portal for the content key with `credential`; a release is timed for the
    /// metrics, whichever way the user signed in.
    async fn unseal_timed(
        &self,
        client: &PortalClient,
        envelope: &Envelope,
        credential: &Credential,
    ) -> Result<Unsealed, ClientError> {
        let started = Instant::now();
        let result = client.unseal(&envelope.header.id, credential).await;
        if result.is_ok() {
            self.metrics.key_release(started.elapsed());
        }
        result
    }

    fn envelope(&self, flow: FlowId) -> Option<Arc<Envelope>> {
        self.lock().flows.get(&flow).map(|f| f.envelope.clone())
    }

    async fn open(self: Arc<Self>, flow: FlowId, raw: Arc<[u8]>, trust_now: bool) {
        let found = tokio::task::spawn_blocking(move || message::find_envelope(&raw)).await;
        let found = match found {
            Ok(Ok(found)) => found,
            Ok(Err(FindError::NotSealed)) => {
                return self
                    .fail(
                        flow,
                        FlowFailure::Malformed(Clean::line("not a sealed message")),
                    )
                    .await;
            }
            Ok(Err(FindError::Envelope(EnvelopeError::Obsolete))) => {
                return self.fail(flow, FlowFailure::Obsolete).await;
            }
            Ok(Err(FindError::Envelope(e))) => {
                return self
                    .fail(flow, FlowFailure::Malformed(Clean::line(&e.to_string())))
                    .await;
            }
            Err(_) => {
                return self
                    .fail(
                        flow,
                        FlowFailure::Other(Clean::line("reading the message failed")),
                    )
                    .await;
            }
        };
        self.metrics.sealed_opened();
        let header = &found.envelope.header;
        let info = SealedInfo {
            portal: header.portal.clone(),
            id: header.id.clone(),
            from: header.from.clone(),
            to: header.to.clone(),
            created: header.created.clone(),
        };
        let origin = header.portal.clone();
        let trusted = {
            let mut state = self.lock();
            if trust_now && let Err(e) = state.trust.add(&origin) {
                // Trusted for this run all the same; the user confirmed it.
                tracing::warn!(error = %e.kind(), "the trust file could not be written");
            }
            state.flows.insert(
                flow,
                Flow {
                    envelope: Arc::new(found.envelope),
                    methods: Vec::new(),
                    pending: None,
                },
            );
            state.trust.contains(&origin)
        };
        self.emit(FlowEvent::Opened {
            flow,
            info,
            trusted,
        })
        .await;
        if trusted {
            self.sign_in_or_offer_methods(flow).await;
        }
    }

    /// With a session for the portal, unseals without a sign-in; else reports the methods.
    async fn sign_in_or_offer_methods(&self, flow: FlowId) {
        let Some(envelope) = self.envelope(flow) else {
            return;
        };
        let origin = envelope.header.portal.clone();
        let client = match self.client(&origin) {
            Ok(client) => client,
            Err(failure) => return self.fail(flow, failure).await,
        };
        let session_key = trust::normalize_origin(&origin).unwrap_or_default();
        let session = self.lock().sessions.get(&session_key).cloned();
        if let Some(session) = session {
            match self
                .unseal_timed(&client, &envelope, &Credential::Session(session))
                .await
            {
                Ok(unsealed) => {
                    self.metrics.sign_in("session", "ok");
                    return self.unsealed(flow, envelope, unsealed, Via::Session).await;
                }
                Err(ClientError::BadCredential { .. }) => {
                    // Expired or unknown to the portal: forget it and sign in again.
                    self.metrics.sign_in("session", "rejected");
                    self.lock().sessions.remove(&session_key);
                }
                Err(ClientError::NotRecipient) => {
                    // The session is someone else's (another of the user's addresses).
                    self.metrics.sign_in("session", "rejected");
                }
                Err(e) => {
                    self.metrics.sign_in("session", "failed");
                    return self.fail(flow, failure::from_client(&e)).await;
                }
            }
        }
        let discovery = match client.discover().await {
            Ok(d) => d,
            Err(e) => return self.fail(flow, failure::from_client(&e)).await,
        };
        let mut methods = Vec::new();
        if discovery.methods.iter().any(|m| m == "otp")
            && let Some(otp) = &discovery.otp
        {
            methods.push(Method::Passcode {
                digits: otp.digits,
                ttl_s: otp.ttl_s,
            });
        }
        if discovery.methods.iter().any(|m| m == "oidc") {
            methods.extend(discovery.oidc.iter().map(|o| Method::OpenIdConnect {
                issuer: o.issuer.clone(),
                client_id: o.client_id.clone(),
                name: sanitize::line(&o.name).into_owned(),
            }));
        }
        match self.lock().flows.get_mut(&flow) {
            Some(f) => f.methods = methods.clone(),
            None => return,
        }
        self.emit(FlowEvent::Methods { flow, methods }).await;
    }

    async fn request_passcode(self: Arc<Self>, flow: FlowId, email: String) {
        let Some(envelope) = self.envelope(flow) else {
            return;
        };
        let Ok(email) = fields::normalize_address(&email) else {
            return self
                .fail(
                    flow,
                    FlowFailure::Other(Clean::line("that is not a mail address")),
                )
                .await;
        };
        if !envelope.header.is_recipient(&email) {
            return self.fail(flow, FlowFailure::NotRecipient).await;
        }
        let client = match self.client(&envelope.header.portal) {
            Ok(client) => client,
            Err(failure) => return self.fail(flow, failure).await,
        };
        match client.request_passcode(&envelope.header.id, &email).await {
            Ok(requested) => {
                if let Some(f) = self.lock().flows.get_mut(&flow) {
                    f.pending = Some(PendingPasscode {
                        reference: requested.reference.clone(),
                        last_attempts_left: None,
                    });
                }
                tracing::debug!("passcode requested");
                self.emit(FlowEvent::PasscodeSent {
                    flow,
                    email,
                    reference: requested.reference,
                    expires_in_s: requested.expires_in.as_secs(),
                })
                .await;
            }
            Err(e) => self.fail(flow, failure::from_client(&e)).await,
        }
    }

    async fn submit_passcode(self: Arc<Self>, flow: FlowId, email: String, passcode: SecretString) {
        let Some(envelope) = self.envelope(flow) else {
            return;
        };
        let client = match self.client(&envelope.header.portal) {
            Ok(client) => client,
            Err(failure) => return self.fail(flow, failure).await,
        };
        // People type "1234 5678" or paste "1234-5678".
        let code = SecretString::new(
            passcode
                .expose()
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect(),
        );
        drop(passcode);
        let Ok(email) = fields::normalize_address(&email) else {
            return self
                .fail(
                    flow,
                    FlowFailure::Other(Clean::line("that is not a mail address")),
                )
                .await;
        };
        let credential = Credential::Passcode { email, code };
        match self.unseal_timed(&client, &envelope, &credential).await {
            Ok(unsealed) => {
                self.metrics.sign_in("passcode", "ok");
                if let Some(f) = self.lock().flows.get_mut(&flow) {
                    f.pending = None;
                }
                self.unsealed(flow, envelope, unsealed, Via::Passcode).await;
            }
            Err(e) => {
                let failure = {
                    let mut state = self.lock();
                    let pending = state.flows.get_mut(&flow).and_then(|f| f.pending.as_mut());
                    let last = pending.as_ref().and_then(|p| p.last_attempts_left);
                    let failure = failure::from_passcode(&e, last);
                    if let (Some(p), ClientError::BadCredential { attempts_left }) = (pending, &e) {
                        p.last_attempts_left = *attempts_left;
                    }
                    failure
                };
                let outcome = match failure {
                    FlowFailure::Unreachable(_) | FlowFailure::Other(_) => "failed",
                    _ => "rejected",
                };
                self.metrics.sign_in("passcode", outcome);
                self.fail(flow, failure).await;
            }
        }
    }

    async fn sign_in_with_provider(
        self: Arc<Self>,
        flow: FlowId,
        issuer: String,
        client_id: String,
    ) {
        let Some(envelope) = self.envelope(flow) else {
            return;
        };
        let offered = self.lock().flows.get(&flow).and_then(|f| {
            f.methods.iter().find_map(|m| match m {
                Method::OpenIdConnect {
                    issuer: i,
                    client_id: c,
                    name,
                } if *i == issuer && *c == client_id => Some(name.clone()),
                _ => None,
            })
        });
        let Some(name) = offered else {
            return self
                .fail(
                    flow,
                    FlowFailure::Other(Clean::line("the portal does not offer this sign-in")),
                )
                .await;
        };
        let provider = super::provider_label(&issuer, &name);
        let client = match self.client(&envelope.header.portal) {
            Ok(client) => client,
            Err(failure) => return self.fail(flow, failure).await,
        };
        let http = match self.http.clone() {
            Ok(http) => http,
            Err(e) => return self.fail(flow, FlowFailure::Other(Clean::line(&e))).await,
        };
        // The portal's nonce goes into the ID token, which is then good at this portal only.
        let nonce = match client.oidc_nonce().await {
            Ok(nonce) => nonce,
            Err(e) => {
                self.metrics.sign_in("oidc", "failed");
                return self.fail(flow, failure::from_client(&e)).await;
            }
        };
        let scopes = SIGN_IN_SCOPES.map(str::to_owned);
        let started = async {
            let endpoints = oauth2::discover(&http, &issuer).await?;
            let client = oauth2::Client {
                http: &http,
                client_id: &client_id,
                client_secret: None,
            };
            SignIn::start(&client, &endpoints, &scopes, &[("nonce", nonce.expose())]).await
        };
        let mut sign_in = match started.await {
            Ok(sign_in) => sign_in,
            Err(e) => {
                self.metrics.sign_in("oidc", "failed");
                return self.fail(flow, failure::from_grant(&e)).await;
            }
        };
        let mut shown = false;
        let tokens = loop {
            let (failure, outcome) = match sign_in.next().await {
                Some(Step::Waiting { slow_down, .. }) => {
                    let prompt = FlowEvent::SignIn {
                        flow,
                        prompt: sign_in.prompt(&provider, slow_down, None),
                    };
                    if shown {
                        // A missed update is harmless; never hold up the poll on a busy reader.
                        let _ = self.events.try_send(prompt);
                    } else {
                        self.emit(prompt).await;
                        shown = true;
                    }
                    continue;
                }
                Some(Step::SignedIn(tokens)) => break tokens,
                Some(Step::Denied) => (FlowFailure::SignInDenied, "rejected"),
                Some(Step::Expired) | None => (FlowFailure::SignInExpired, "rejected"),
                Some(Step::Failed(e)) => (failure::from_grant(&e), "failed"),
            };
            self.metrics.sign_in("oidc", outcome);
            return self.fail(flow, failure).await;
        };
        let Some(id_token) = tokens.id_token.clone() else {
            self.metrics.sign_in("oidc", "failed");
            return self
                .fail(
                    flow,
                    FlowFailure::Other(Clean::line("the identity provider sent no ID token")),
                )
                .await;
        };
        drop(tokens);
        match self
            .unseal_timed(&client, &envelope, &Credential::IdToken(id_token))
            .await
        {
            Ok(unsealed) => {
                self.metrics.sign_in("oidc", "ok");
                self.unsealed(flow, envelope, unsealed, Via::SignIn).await;
            }
            Err(e) => {
                self.metrics.sign_in("oidc", "rejected");
                self.fail(flow, failure::from_client(&e)).await;
            }
        }
    }

    fn passcode_mail(&self, flow: FlowId, raw: &[u8]) {
        let pending = self
            .lock()
            .flows
            .get(&flow)
            .and_then(|f| f.pending.as_ref().map(|p| p.reference.clone()));
        let Some(pending) = pending else {
            return;
        };
        let Some((reference, passcode)) = crate::sealed::passcode_mail::parse(raw) else {
            return;
        };
        if reference != pending {
            return;
        }
        tracing::debug!("passcode mail arrived");
        // The event channel is the reader's; if it is full the user types the code instead.
        let _ = self.events.try_send(FlowEvent::PasscodeArrived {
            flow,
            reference,
            passcode,
        });
    }

    /// Keeps the session, decrypts off the executor, reports the message or the tampering.
    async fn unsealed(&self, flow: FlowId, envelope: Arc<Envelope>, unsealed: Unsealed, via: Via) {
        let Unsealed {
            key,
            session,
            from,
            to,
            ..
        } = unsealed;
        if let Some(origin) = trust::normalize_origin(&envelope.header.portal) {
            self.lock().sessions.insert(origin, session.clone());
        }
        // The portal is the authority for the sender: the envelope must agree with it.
        let Some(to) = to else {
            return self.fail(flow, FlowFailure::Unverified).await;
        };
        if let Err(mismatch) = envelope.check_registered(&from, &to) {
            tracing::warn!("the envelope disagrees with the portal's record of the message");
            let why = Clean::line(&mismatch.to_string());
            return self.fail(flow, FlowFailure::Forged(why)).await;
        }
        let portal = envelope.header.portal.clone();
        let reply = self.client(&portal).ok().map(|client| {
            Box::new(ReplyTicket {
                client,
                in_reply_to: envelope.header.id.clone(),
                sender: from.clone(),
                recipients: to.clone(),
                session,
            })
        });
        match decrypt(envelope, key).await {
            Ok((message, inner_from, bytes, took)) => {
                self.metrics.decrypted(bytes, took);
                tracing::debug!(via = via.as_str(), "sealed message decrypted");
                let inner_from = compare_from(inner_from, &from);
                let sender = VerifiedSender {
                    address: Clean::line(&from),
                    portal: Clean::line(&portal),
                    inner_from,
                };
                self.emit(FlowEvent::Decrypted {
                    flow,
                    message,
                    via,
                    sender,
                    reply,
                })
                .await;
            }
            Err(failure) => self.fail(flow, failure).await,
        }
    }
}

/// The inner message's `From:` addresses against the verified sender.
fn compare_from(inner: Vec<String>, verified: &str) -> InnerFrom {
    if inner.is_empty() {
        return InnerFrom::Missing;
    }
    let same = |a: &String| fields::normalize_address(a).is_ok_and(|a| a == verified);
    if inner.len() == 1 && inner.iter().all(same) {
        InnerFrom::Matches
    } else {
        InnerFrom::Differs(Clean::join(&inner, ", "))
    }
}

/// The addresses of the inner message's `From:` field(s), as it gives them.
fn inner_from_addresses(plain: &[u8]) -> Vec<String> {
    let Some(headers) = mail_parser::MessageParser::default().parse_headers(plain) else {
        return Vec::new();
    };
    headers
        .from()
        .into_iter()
        .flat_map(|a| a.iter())
        .map(|a| a.address().unwrap_or_default().to_owned())
        .collect()
}

type Decrypted = (
    Arc<crate::mime::MessageView>,
    Vec<String>,
    u64,
    std::time::Duration,
);

/// Opens the envelope with `key` and parses the inner message, on a blocking thread. The
/// plaintext bytes are wiped as soon as the view is built.
async fn decrypt(envelope: Arc<Envelope>, key: ContentKey) -> Result<Decrypted, FlowFailure> {
    let result = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let plain = envelope.open(&key).map_err(|e| match e {
            EnvelopeError::Tampered => FlowFailure::Tampered,
            EnvelopeError::Malformed(why) => FlowFailure::Malformed(Clean::line(&why)),
            EnvelopeError::Obsolete => FlowFailure::Obsolete,
        })?;
        drop(key);
        let view = crate::mime::parse(plain.expose()).map_err(|e| {
            FlowFailure::Malformed(Clean::line(&format!("the inner message: {}", e.summary)))
        })?;
        let from = inner_from_addresses(plain.expose());
        Ok((Arc::new(view), from, plain.len() as u64, started.elapsed()))
    })
    .await;
    result.unwrap_or_else(|_| Err(FlowFailure::Other(Clean::line("decryption failed"))))
}
