//! Connecting and logging in: TCP, implicit TLS or STARTTLS (never a silent downgrade, no
//! PREAUTH before STARTTLS), the greeting, and the login.

use std::sync::Arc;
use std::time::Duration;

use async_imap::imap_proto::{Response, Status};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::errors::{Refused, imap_error, io_error, refusal, refused, timeout};
use super::settings::{Auth, ImapSettings, Security};
use super::stream::{Conn, Traffic};
use super::{sasl, tls};
use crate::auth::oauth2::Mechanism;
use crate::error::{Error, ErrorKind};
use crate::secret::SecretString;

/// The session type the actor owns.
pub type Session = async_imap::Session<Conn>;
pub type Client = async_imap::Client<Conn>;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const GREETING_TIMEOUT: Duration = Duration::from_secs(30);
const LOGIN_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest line we accept before TLS (greeting, CAPABILITY, STARTTLS answer).
const MAX_PLAIN_LINE: usize = 8 * 1024;
/// The whole plain-text dialogue before STARTTLS ends within this, however the server paces
/// its lines, and within this many lines: a server that never stops talking is cut off.
const STARTTLS_DEADLINE: Duration = Duration::from_secs(30);
const MAX_PLAIN_LINES: usize = 64;

/// What the server can do, as far as the reader cares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub idle: bool,
    /// UIDPLUS (RFC 4315): UID EXPUNGE of given messages, COPYUID.
    pub uidplus: bool,
    /// MOVE (RFC 6851): messages move in one command.
    pub moves: bool,
    /// LIST-STATUS (RFC 5819): every folder's counts in one LIST.
    pub list_status: bool,
    /// QRESYNC (RFC 7162): expunges can be reported by UID once it is enabled.
    pub qresync: bool,
    /// CONDSTORE (RFC 7162): flags changed since a modseq can be asked for.
    pub condstore: bool,
    /// LITERAL+ (RFC 7888), or LITERAL- for the short strings of a search: a literal is sent
    /// without waiting for the server's go-ahead.
    pub literal_plus: bool,
    /// ESEARCH (RFC 4731): a search answers with UID ranges (`RETURN (ALL)`).
    pub esearch: bool,
    /// THREAD=REFERENCES (RFC 5256): the server threads the folder, grouping by subject.
    pub thread_references: bool,
    /// THREAD=REFS (Dovecot, Cyrus): REFERENCES without grouping by subject.
    pub thread_refs: bool,
    /// UNSELECT (RFC 3691): leave a folder without expunging it.
    pub unselect: bool,
}

/// A logged-in session.
pub struct Connected {
    pub session: Session,
    pub caps: Capabilities,
    /// The connection is not encrypted (plain IMAP to loopback, or `insecure = true`).
    pub insecure: bool,
}

/// Opens a connection and logs in, with `token` for the OAuth2 mechanisms. Policy first:
/// nothing is sent before it allows it.
pub async fn connect(
    settings: &ImapSettings,
    token: Option<&SecretString>,
    tls_config: Arc<rustls::ClientConfig>,
    traffic: Arc<Traffic>,
) -> Result<Connected, Error> {
    settings.check_policy()?;
    let tcp = tokio::time::timeout(
        CONNECT_TIMEOUT,
        TcpStream::connect((settings.host.as_str(), settings.port)),
    )
    .await
    .map_err(|_| timeout("connect"))?
    .map_err(|e| io_error("connect", &e))?;
    let _ = tcp.set_nodelay(true);

    let (client, insecure) = match settings.security {
        Security::Tls => {
            let tls = tls::handshake(tls_config, &settings.host, tcp).await?;
            let mut client = Client::new(Conn::tls(tls, traffic));
            read_greeting(&mut client).await?;
            (client, false)
        }
        Security::StartTls => {
            let tcp = tokio::time::timeout(STARTTLS_DEADLINE, starttls_upgrade(tcp))
                .await
                .map_err(|_| timeout("starttls"))??;
            let tls = tls::handshake(tls_config, &settings.host, tcp).await?;
            // No greeting follows STARTTLS: the session goes on where it was.
            (Client::new(Conn::tls(tls, traffic)), false)
        }
        Security::Plain => {
            // A name that resolved to a remote address is refused here, after the fact of
            // resolution but before a byte is sent.
            let remote = tcp
                .peer_addr()
                .map(|a| !a.ip().is_loopback())
                .unwrap_or(true);
            if remote && !settings.insecure {
                return Err(Error::new(
                    ErrorKind::Tls,
                    "refusing plain IMAP to a host that is not loopback",
                ));
            }
            let mut client = Client::new(Conn::plain(tcp, traffic));
            read_greeting(&mut client).await?;
            (client, true)
        }
    };

    let mut session = tokio::time::timeout(LOGIN_TIMEOUT, login(client, settings, token))
        .await
        .map_err(|_| timeout("login"))??;
    let caps = session
        .capabilities()
        .await
        .map_err(|e| imap_error("capability", e))?;
    refused(session.get_mut(), "capability")?;
    let caps = Capabilities {
        idle: caps.has_str("IDLE"),
        uidplus: caps.has_str("UIDPLUS"),
        moves: caps.has_str("MOVE"),
        list_status: caps.has_str("LIST-STATUS"),
        qresync: caps.has_str("QRESYNC"),
        condstore: caps.has_str("CONDSTORE") || caps.has_str("QRESYNC"),
        literal_plus: caps.has_str("LITERAL+") || caps.has_str("LITERAL-"),
        esearch: caps.has_str("ESEARCH"),
        thread_references: caps.has_str("THREAD=REFERENCES"),
        thread_refs: caps.has_str("THREAD=REFS"),
        unselect: caps.has_str("UNSELECT"),
    };
    Ok(Connected {
        session,
        caps,
        insecure,
    })
}

/// Logs in with whatever the account's [`Auth`] holds.
async fn login(
    client: Client,
    settings: &ImapSettings,
    token: Option<&SecretString>,
) -> Result<Session, Error> {
    let mechanism = match &settings.auth {
        Auth::Password(password) => {
            return client
                .login(&settings.user, password.expose())
                .await
                .map_err(|(e, _client)| login_error(e));
        }
        Auth::XOAuth2(_) => Mechanism::XOAuth2,
        Auth::OAuthBearer(_) => Mechanism::OAuthBearer,
    };
    let token =
        token.ok_or_else(|| Error::new(ErrorKind::Auth, "no OAuth2 token to log in with"))?;
    sasl::authenticate(
        client,
        mechanism,
        &settings.user,
        &settings.host,
        settings.port,
        token,
    )
    .await
}

/// A refused LOGIN in words: the server's own text and code where it gave them. A refusal
/// without a code is taken as wrong credentials (asking again is the cure, not a retry
/// loop); `[UNAVAILABLE]` is a passing trouble and is retried.
fn login_error(e: async_imap::error::Error) -> Error {
    use async_imap::error::Error as E;
    match e {
        E::No(s) | E::Bad(s) => {
            let refused = refusal("login", Refused::No, &s);
            match refused.kind {
                ErrorKind::Network | ErrorKind::Auth => refused,
                // Without a code the server's words are all there is: a wrong password is
                // by far the likeliest reason, and asking again is the cure.
                _ if refused.summary.ends_with(')') => Error::new(ErrorKind::Auth, refused.summary),
                _ => Error::new(
                    ErrorKind::Auth,
                    format!(
                        "{} (the server refused the user name or password)",
                        refused.summary
                    ),
                ),
            }
        }
        E::Validate(_) => Error::new(
            ErrorKind::Auth,
            "the user name or password holds a line break",
        ),
        other => imap_error("login", other),
    }
}

/// Reads the greeting of an implicit-TLS or plain connection.
async fn read_greeting(client: &mut Client) -> Result<(), Error> {
    let response = tokio::time::timeout(GREETING_TIMEOUT, client.read_response())
        .await
        .map_err(|_| timeout("greeting"))?
        .map_err(|e| io_error("greeting", &e))?
        .ok_or_else(|| Error::new(ErrorKind::Network, "the server closed before its greeting"))?;
    match response.parsed() {
        Response::Data {
            status: Status::Ok, ..
        } => Ok(()),
        Response::Data {
            status: Status::PreAuth,
            ..
        } => Err(Error::new(
            ErrorKind::Protocol,
            "the server logged us in before we authenticated (PREAUTH); refusing",
        )),
        Response::Data {
            status: Status::Bye,
            outcome,
        } => Err(refusing(outcome.information.as_deref().unwrap_or(""))),
        _ => Err(Error::new(
            ErrorKind::Protocol,
            "the server's greeting is not IMAP",
        )),
    }
}

/// A greeting of BYE: the server's text says why (maintenance, too many connections).
fn refusing(text: &str) -> Error {
    let text = text.trim();
    let text = text
        .strip_prefix("[ALERT]")
        .map(str::trim_start)
        .unwrap_or(text);
    let text = crate::sanitize::line(text);
    let error = Error::new(ErrorKind::Network, "the server is refusing connections");
    if text.is_empty() {
        error
    } else {
        error.with_details(text.into_owned())
    }
}

/// The plain-text part of `imap://`: greeting, CAPABILITY, STARTTLS. Refuses a PREAUTH
/// greeting and a server without STARTTLS. Reads byte by byte so that nothing sent after the
/// server's OK (an injection) is taken as part of the encrypted session.
async fn starttls_upgrade(tcp: TcpStream) -> Result<TcpStream, Error> {
    let mut tcp = PlainDialogue {
        tcp,
        lines_left: MAX_PLAIN_LINES,
    };
    let greeting = tcp.read_line().await?;
    let upper = greeting.to_ascii_uppercase();
    if upper.starts_with("* PREAUTH") {
        return Err(Error::new(
            ErrorKind::Tls,
            "the server sent PREAUTH on a connection that must use STARTTLS; refusing",
        ));
    }
    if upper.starts_with("* BYE") {
        let text = greeting.get(5..).unwrap_or_default().trim();
        return Err(refusing(text));
    }
    if !upper.starts_with("* OK") {
        return Err(Error::new(
            ErrorKind::Protocol,
            "the server's greeting is not IMAP",
        ));
    }

    tcp.write(b"S1 CAPABILITY\r\n").await?;
    let mut starttls = false;
    loop {
        let line = tcp.read_line().await?.to_ascii_uppercase();
        if line.starts_with("* CAPABILITY ") {
            starttls |= line.split_ascii_whitespace().any(|t| t == "STARTTLS");
        } else if line.starts_with("S1 ") {
            if !line.starts_with("S1 OK") {
                return Err(Error::new(ErrorKind::Protocol, "CAPABILITY failed"));
            }
            break;
        }
    }
    if !starttls {
        return Err(Error::new(
            ErrorKind::Tls,
            "the server does not offer STARTTLS; refusing to continue unencrypted",
        )
        .with_details("use imaps:// if the server offers implicit TLS"));
    }

    tcp.write(b"S2 STARTTLS\r\n").await?;
    loop {
        let line = tcp.read_line().await?.to_ascii_uppercase();
        if line.starts_with("S2 ") {
            if line.starts_with("S2 OK") {
                return Ok(tcp.tcp);
            }
            return Err(Error::new(ErrorKind::Tls, "the server refused STARTTLS"));
        }
    }
}

/// The connection before TLS, with its budget of lines.
struct PlainDialogue {
    tcp: TcpStream,
    lines_left: usize,
}

impl PlainDialogue {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.tcp
            .write_all(bytes)
            .await
            .map_err(|e| io_error("starttls", &e))
    }

    async fn read_line(&mut self) -> Result<String, Error> {
        self.lines_left = self.lines_left.checked_sub(1).ok_or_else(|| {
            Error::new(
                ErrorKind::Protocol,
                "the server kept talking before STARTTLS; giving up",
            )
        })?;
        read_plain_line(&mut self.tcp).await
    }
}

async fn read_plain_line(tcp: &mut TcpStream) -> Result<String, Error> {
    tokio::time::timeout(GREETING_TIMEOUT, async {
        let mut line = Vec::with_capacity(128);
        loop {
            let byte = tcp.read_u8().await.map_err(|e| io_error("starttls", &e))?;
            if byte == b'\n' {
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            line.push(byte);
            if line.len() > MAX_PLAIN_LINE {
                return Err(Error::new(
                    ErrorKind::Protocol,
                    "the server sent an overlong line",
                ));
            }
        }
    })
    .await
    .map_err(|_| timeout("starttls"))?
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A scripted plain-text server for the pre-TLS dialogue.
    async fn scripted(lines: &'static [&'static str]) -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 512];
            s.write_all(lines[0].as_bytes()).await.unwrap();
            for reply in &lines[1..] {
                if s.read(&mut buf).await.unwrap_or(0) == 0 {
                    return;
                }
                s.write_all(reply.as_bytes()).await.unwrap();
            }
            let _ = s.read(&mut buf).await;
        });
        addr
    }

    #[tokio::test]
    async fn preauth_before_starttls_is_refused() {
        let addr = scripted(&["* PREAUTH [CAPABILITY IMAP4rev1] logged in\r\n"]).await;
        let tcp = TcpStream::connect(addr).await.unwrap();
        let e = starttls_upgrade(tcp).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Tls);
        assert!(e.summary.contains("PREAUTH"));
    }

    #[tokio::test]
    async fn a_server_without_starttls_is_refused() {
        let addr = scripted(&[
            "* OK ready\r\n",
            "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nS1 OK done\r\n",
        ])
        .await;
        let tcp = TcpStream::connect(addr).await.unwrap();
        let e = starttls_upgrade(tcp).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Tls);
        assert!(e.summary.contains("STARTTLS"));
    }

    #[tokio::test]
    async fn a_refused_starttls_is_an_error_not_a_downgrade() {
        let addr = scripted(&[
            "* OK ready\r\n",
            "* CAPABILITY IMAP4rev1 STARTTLS\r\nS1 OK done\r\n",
            "S2 NO not today\r\n",
        ])
        .await;
        let tcp = TcpStream::connect(addr).await.unwrap();
        let e = starttls_upgrade(tcp).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Tls);
    }
}
