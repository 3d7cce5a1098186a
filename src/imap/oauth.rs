//! The token before a login: asks the keeper for an access token (which may run the device
//! sign-in, whose steps go on to the reader as `SourceEvent::SignIn`) while still taking the
//! app's commands, and
//! when the server refuses a token, refreshes it once, then signs in again once.

use std::sync::Arc;

use super::actor::Actor;
use super::connect::{self, Connected};
use crate::auth::oauth2::TokenKeeper;
use crate::error::{Error, ErrorKind};
use crate::mail::{SourceCommand, SourceEvent};
use crate::secret::SecretString;

impl Actor {
    /// Connects and logs in with the account's credentials.
    pub(super) async fn connect_and_login(
        &mut self,
        tls: Arc<rustls::ClientConfig>,
    ) -> Result<Connected, Error> {
        let Some(keeper) = self.settings.auth.token_keeper().cloned() else {
            return connect::connect(&self.settings, None, tls, self.traffic.clone()).await;
        };
        let mut refused = 0;
        loop {
            let sign_ins = keeper.sign_in_count();
            let token = self.token(&keeper).await?;
            let fresh_sign_in = keeper.sign_in_count() != sign_ins;
            match connect::connect(
                &self.settings,
                Some(&token),
                tls.clone(),
                self.traffic.clone(),
            )
            .await
            {
                Err(e) if e.kind == ErrorKind::Auth && !fresh_sign_in && refused < 2 => {
                    refused += 1;
                    tracing::info!(target: "sealmail::imap", "the server refused the token; renewing it");
                    if refused == 1 {
                        keeper.rejected(&token).await;
                    } else {
                        keeper
                            .forget(format!("The mail server refused the sign-in: {e}"))
                            .await;
                    }
                }
                other => return other,
            }
        }
    }

    /// The keeper's token; commands that arrive meanwhile wait, Shutdown stops the wait.
    async fn token(&mut self, keeper: &TokenKeeper) -> Result<SecretString, Error> {
        let (report, mut steps) = tokio::sync::mpsc::channel(4);
        let wanted = keeper.access_token(&report);
        tokio::pin!(wanted);
        loop {
            tokio::select! {
                token = &mut wanted => {
                    while let Ok(step) = steps.try_recv() {
                        self.sign_in_step(step).await?;
                    }
                    return token;
                }
                Some(step) = steps.recv() => self.sign_in_step(step).await?,
                cmd = self.commands.recv() => match cmd {
                    Some(SourceCommand::Shutdown) | None => {
                        self.stopping = true;
                        return Err(Error::new(ErrorKind::Io, "stopped while signing in"));
                    }
                    Some(cmd) => self.deferred.push_back(cmd),
                },
            }
        }
    }

    /// A step of the sign-in, on to the reader.
    async fn sign_in_step(&self, step: crate::mail::SignInState) -> Result<(), Error> {
        self.events
            .send(SourceEvent::SignIn(step))
            .await
            .map_err(|_| Error::new(ErrorKind::Io, "the reader is gone"))
    }
}
