//! A private OpenID Connect provider (npm `oidc-provider`, `tests/infra/idp/idp.mjs`) on a free
//! loopback port, and "the user on another device" who approves or denies a device code.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use serde::Deserialize;

use super::tls::{TlsFiles, write_pki};
use super::{ports, proc, repo_dir};

const START_ATTEMPTS: usize = 4;

/// How to configure an [`Idp`].
#[derive(Clone, Debug)]
pub struct IdpOptions {
    /// Lifetime of a device code (and its user code); short values test `expired_token`.
    pub device_code_ttl: Duration,
    /// Lifetime of access tokens; short values test refresh and expiry.
    pub access_token_ttl: Duration,
    /// The `interval` announced in device authorization responses (0: omitted, so clients
    /// poll every 5 s as RFC 8628 says).
    pub device_interval_secs: u64,
    /// Serve HTTPS with a certificate from a test CA ([`Idp::ca_pem`]) instead of HTTP.
    pub https: bool,
    /// Issue JWT access tokens (header `typ: JWT`) instead of opaque ones.
    pub jwt_access_tokens: bool,
}

impl Default for IdpOptions {
    fn default() -> Self {
        Self {
            device_code_ttl: Duration::from_secs(600),
            access_token_ttl: Duration::from_secs(3600),
            device_interval_secs: 1,
            https: false,
            jwt_access_tokens: false,
        }
    }
}

impl IdpOptions {
    pub fn device_code_ttl(mut self, ttl: Duration) -> Self {
        self.device_code_ttl = ttl;
        self
    }

    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = ttl;
        self
    }

    pub fn https(mut self) -> Self {
        self.https = true;
        self
    }
}

/// The answer of `POST {issuer}/device/auth` (RFC 8628 section 3.2).
#[derive(Clone, Debug, Deserialize)]
pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    pub interval: Option<u64>,
}

/// A successful token response.
#[derive(Clone, Debug, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_in: Option<u64>,
    pub token_type: String,
    pub scope: Option<String>,
}

impl TokenResponse {
    /// The (unverified) claims of the ID token; panics if there is none.
    pub fn id_token_claims(&self) -> serde_json::Value {
        let token = self
            .id_token
            .as_deref()
            .expect("the token response has no id_token");
        jwt_payload(token)
    }
}

/// The payload of a JWT, decoded but NOT verified.
pub fn jwt_payload(jwt: &str) -> serde_json::Value {
    let payload = jwt.split('.').nth(1).expect("a JWT has three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .expect("JWT payload is base64url");
    serde_json::from_slice(&bytes).expect("JWT payload is JSON")
}

/// A running oidc-provider. Dropping it stops it; its state lived only in its memory.
#[derive(Debug)]
pub struct Idp {
    dir: Option<tempfile::TempDir>,
    child: Option<Child>,
    port: u16,
    issuer: String,
    tls: Option<TlsFiles>,
    http: reqwest::Client,
}

fn idp_home() -> PathBuf {
    std::env::var_os("SEALMAIL_TEST_IDP_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_dir().join("target/test-idp"))
}

/// Puts the current `idp.mjs` next to the installed node_modules (Node resolves ES module
/// imports from the script's own directory). Atomic, so parallel tests never see half a file.
fn install_script(home: &Path) -> PathBuf {
    let source = repo_dir().join("tests/infra/idp/idp.mjs");
    let script =
        std::fs::read(&source).unwrap_or_else(|e| panic!("read {}: {e}", source.display()));
    let target = home.join("idp.mjs");
    if std::fs::read(&target).ok().as_deref() != Some(&script[..]) {
        let tmp = home.join(format!(
            ".idp.mjs.{}.{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&tmp, &script).unwrap_or_else(|e| panic!("write {}: {e}", tmp.display()));
        std::fs::rename(&tmp, &target)
            .unwrap_or_else(|e| panic!("rename to {}: {e}", target.display()));
    }
    target
}

fn http_client(ca_pem: Option<&Path>, cookies: bool) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .cookie_store(cookies)
        .timeout(Duration::from_secs(10));
    if let Some(ca) = ca_pem {
        let pem = std::fs::read(ca).unwrap_or_else(|e| panic!("read {}: {e}", ca.display()));
        let cert = reqwest::Certificate::from_pem(&pem).unwrap_or_else(|e| panic!("CA: {e}"));
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build()
        .unwrap_or_else(|e| panic!("reqwest client: {e}"))
}

impl Idp {
    /// Starts `node idp.mjs` from the node_modules that `scripts/install-test-deps.sh`
    /// installed; panics (with its log) if it cannot.
    pub async fn start(options: IdpOptions) -> Idp {
        let node = proc::require_binary("node");
        let home = idp_home();
        if !home
            .join("node_modules/oidc-provider/package.json")
            .is_file()
        {
            panic!(
                "oidc-provider is not installed in {}: run `sudo scripts/install-test-deps.sh`",
                home.display()
            );
        }
        let script = install_script(&home);
        let dir = proc::short_temp_dir("smt-idp-");
        let root = dir.path().to_path_buf();
        let tls = options.https.then(|| write_pki(&root, false));
        let scheme = if options.https { "https" } else { "http" };
        let http = http_client(tls.as_ref().map(|t| t.ca_pem.as_path()), false);
        let log = root.join("idp.log");

        for attempt in 1..=START_ATTEMPTS {
            let port = ports::free_ports(1)[0];
            let issuer = format!("{scheme}://127.0.0.1:{port}");
            let out = std::fs::File::create(&log)
                .unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
            let err = out.try_clone().unwrap_or_else(|e| panic!("{e}"));
            let mut command = Command::new(&node);
            if node_major(&node) < 19 {
                // jose (under oidc-provider) needs the global WebCrypto object, a flag before 19
                command.arg("--experimental-global-webcrypto");
            }
            command
                .arg(&script)
                .current_dir(&home)
                .env("OIDC_PORT", port.to_string())
                .env("OIDC_ISSUER", &issuer)
                .env("OIDC_TTL_DEVICE_CODE", secs(options.device_code_ttl))
                .env("OIDC_TTL_ACCESS_TOKEN", secs(options.access_token_ttl))
                .env(
                    "OIDC_DEVICE_INTERVAL",
                    options.device_interval_secs.to_string(),
                )
                .env(
                    "OIDC_JWT_ACCESS_TOKENS",
                    if options.jwt_access_tokens { "1" } else { "0" },
                )
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err);
            if let Some(tls) = &tls {
                command
                    .env("OIDC_TLS_CERT", &tls.cert_pem)
                    .env("OIDC_TLS_KEY", &tls.key_pem);
            }
            let mut child = command
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", node.display()));
            match wait_ready(&http, &issuer, &mut child).await {
                Ok(()) => {
                    return Idp {
                        dir: Some(dir),
                        child: Some(child),
                        port,
                        issuer,
                        tls,
                        http,
                    };
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    // Another process took the port, or node did not come up in time (seen
                    // once in a while on a busy 2-CPU machine, the log ending before its
                    // "listening" line): a fresh process on a fresh port. The last attempt's
                    // failure fails the test, with the log.
                    if attempt < START_ATTEMPTS {
                        eprintln!(
                            "the test IdP did not start (attempt {attempt}): {e}{}",
                            proc::tails(&[&log], 20)
                        );
                        continue;
                    }
                    panic!(
                        "the test IdP did not start: {e}{}",
                        proc::tails(&[&log], 60)
                    );
                }
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// The issuer URL, `http://127.0.0.1:PORT` (`https://` with [`IdpOptions::https`]).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The CA that signed the IdP's certificate (only with [`IdpOptions::https`]).
    pub fn ca_pem(&self) -> Option<&Path> {
        self.tls.as_ref().map(|t| t.ca_pem.as_path())
    }

    /// RFC 7662 introspection with the confidential client's credentials in the URL (Dovecot
    /// turns them into HTTP basic auth).
    pub fn introspection_url_with_credentials(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!(
            "{scheme}://dovecot:dovecot-secret@127.0.0.1:{}/token/introspection",
            self.port
        )
    }

    /// The IdP's log (stdout and stderr of node).
    pub fn log(&self) -> String {
        self.dir
            .as_ref()
            .and_then(|d| std::fs::read_to_string(d.path().join("idp.log")).ok())
            .unwrap_or_default()
    }

    async fn form(&self, path: &str, fields: &[(&str, &str)]) -> (u16, serde_json::Value) {
        let url = format!("{}{path}", self.issuer);
        let response = self
            .http
            .post(&url)
            .form(fields)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = response.status().as_u16();
        let body = response
            .json()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: body is not JSON: {e}"));
        (status, body)
    }

    /// The app's first step: `POST /device/auth` for `client_id` (e.g. `mailreader`).
    pub async fn device_authorization(&self, client_id: &str, scope: &str) -> DeviceAuthorization {
        self.device_authorization_with(client_id, scope, &[]).await
    }

    /// [`Idp::device_authorization`] with extra parameters (e.g. an OpenID Connect `nonce`).
    pub async fn device_authorization_with(
        &self,
        client_id: &str,
        scope: &str,
        extra: &[(&str, &str)],
    ) -> DeviceAuthorization {
        let mut form = vec![("client_id", client_id), ("scope", scope)];
        form.extend_from_slice(extra);
        let (status, body) = self.form("/device/auth", &form).await;
        assert_eq!(status, 200, "device authorization refused: {body}");
        serde_json::from_value(body).unwrap_or_else(|e| panic!("device authorization: {e}"))
    }

    /// One poll of the token endpoint: the tokens, or the OAuth error code
    /// (`authorization_pending`, `access_denied`, `expired_token`...).
    pub async fn poll_device_token(
        &self,
        client_id: &str,
        device_code: &str,
    ) -> Result<TokenResponse, String> {
        let (status, body) = self
            .form(
                "/token",
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("client_id", client_id),
                    ("device_code", device_code),
                ],
            )
            .await;
        token_result(status, body)
    }

    /// Polls (every `interval`, at most `timeout`) until the answer is not `authorization_pending`.
    pub async fn wait_device_token(
        &self,
        client_id: &str,
        device: &DeviceAuthorization,
        timeout: Duration,
    ) -> Result<TokenResponse, String> {
        let deadline = Instant::now() + timeout;
        let interval = Duration::from_secs(device.interval.unwrap_or(5));
        loop {
            match self.poll_device_token(client_id, &device.device_code).await {
                Err(code) if code == "authorization_pending" && Instant::now() < deadline => {
                    tokio::time::sleep(interval).await;
                }
                other => return other,
            }
        }
    }

    /// A whole device flow for `login` with the `mailreader` client (scope `openid email
    /// offline_access`): the tokens a signed-in reader would hold.
    pub async fn sign_in(&self, login: &str) -> TokenResponse {
        self.sign_in_as_client("mailreader", login).await
    }

    /// [`Idp::sign_in`] for another client, e.g. `otherapp` (ID tokens with its audience).
    pub async fn sign_in_as_client(&self, client_id: &str, login: &str) -> TokenResponse {
        let device = self
            .device_authorization(client_id, "openid email offline_access")
            .await;
        self.approve_device(&device.user_code, login)
            .await
            .unwrap_or_else(|e| panic!("approving the device code failed: {e:#}"));
        self.wait_device_token(client_id, &device, Duration::from_secs(30))
            .await
            .unwrap_or_else(|code| panic!("no tokens after approval: {code}"))
    }

    /// A whole device flow for `login` with the `mailreader` client whose ID token carries
    /// `nonce` (as a portal hands out to bind the token to itself).
    pub async fn sign_in_with_nonce(&self, login: &str, nonce: &str) -> TokenResponse {
        let device = self
            .device_authorization_with("mailreader", "openid email", &[("nonce", nonce)])
            .await;
        self.approve_device(&device.user_code, login)
            .await
            .unwrap_or_else(|e| panic!("approving the device code failed: {e:#}"));
        self.wait_device_token("mailreader", &device, Duration::from_secs(30))
            .await
            .unwrap_or_else(|code| panic!("no tokens after approval: {code}"))
    }

    /// The refresh grant for the `mailreader` client.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, String> {
        let (status, body) = self
            .form(
                "/token",
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", "mailreader"),
                    ("refresh_token", refresh_token),
                ],
            )
            .await;
        token_result(status, body)
    }

    /// Revokes an access or refresh token of the `mailreader` client (RFC 7009).
    pub async fn revoke(&self, token: &str) {
        let url = format!("{}/token/revocation", self.issuer);
        let response = self
            .http
            .post(&url)
            .form(&[("token", token), ("client_id", "mailreader")])
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        assert!(
            response.status().is_success(),
            "revocation refused: {}",
            response.status()
        );
    }

    /// RFC 7662 introspection as the confidential client (`{"active": ...}`).
    pub async fn introspect(&self, token: &str) -> serde_json::Value {
        let url = format!("{}/token/introspection", self.issuer);
        self.http
            .post(&url)
            .basic_auth("dovecot", Some("dovecot-secret"))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("introspection body: {e}"))
    }

    /// "The user on another device" approves `user_code`: opens the verification page, enters
    /// the code, confirms, signs in as `login` (any password works) and consents. Errors if
    /// the IdP refuses the code (unknown, used or expired) or the flow does not finish.
    pub async fn approve_device(&self, user_code: &str, login: &str) -> anyhow::Result<()> {
        let (browser, xsrf) = self.enter_user_code(user_code).await?;
        let mut page = self
            .browser_post(
                &browser,
                &format!("{}/device", self.issuer),
                &[
                    ("xsrf", &xsrf),
                    ("user_code", user_code),
                    ("confirm", "yes"),
                ],
            )
            .await?;
        // login prompt, then consent prompt; each POST redirects (303) to the next page
        for _ in 0..4 {
            let Some(prompt) = attribute_after(&page, "name=\"prompt\" value=\"") else {
                break;
            };
            let action = attribute_after(&page, "action=\"")
                .context("interaction page has no form action")?;
            let action = if action.starts_with('/') {
                format!("{}{action}", self.issuer)
            } else {
                action
            };
            let mut fields = vec![("prompt", prompt.as_str())];
            if prompt == "login" {
                fields.push(("login", login));
                fields.push(("password", "any-password"));
            }
            page = self.browser_post(&browser, &action, &fields).await?;
        }
        if !page.contains("Sign-in Success") {
            bail!("the approval did not finish; last page: {}", text_of(&page));
        }
        Ok(())
    }

    /// "The user on another device" declines `user_code`: the app's next poll gets
    /// `access_denied`.
    pub async fn deny_device(&self, user_code: &str) -> anyhow::Result<()> {
        let (browser, xsrf) = self.enter_user_code(user_code).await?;
        self.browser_post(
            &browser,
            &format!("{}/device", self.issuer),
            &[("xsrf", &xsrf), ("user_code", user_code), ("abort", "yes")],
        )
        .await?;
        Ok(())
    }

    /// Opens the verification page (sets the session cookie; a POST without it gets a 500) and
    /// submits the user code; returns the browser and the form's xsrf token.
    async fn enter_user_code(&self, user_code: &str) -> anyhow::Result<(reqwest::Client, String)> {
        let browser = http_client(self.ca_pem(), true);
        let url = format!("{}/device", self.issuer);
        let page = browser
            .get(&url)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?
            .text()
            .await?;
        let xsrf = attribute_after(&page, "name=\"xsrf\" value=\"")
            .context("the verification page has no xsrf field")?;
        let page = self
            .browser_post(&browser, &url, &[("xsrf", &xsrf), ("user_code", user_code)])
            .await?;
        if !page.contains("name=\"confirm\"") {
            bail!("the IdP rejected user code {user_code}: {}", text_of(&page));
        }
        Ok((browser, xsrf))
    }

    async fn browser_post(
        &self,
        browser: &reqwest::Client,
        url: &str,
        fields: &[(&str, &str)],
    ) -> anyhow::Result<String> {
        let response = browser
            .post(url)
            .form(fields)
            .send()
            .await
            .with_context(|| format!("POST {url}"))?;
        let status = response.status();
        let page = response.text().await?;
        if !status.is_success() {
            bail!("POST {url} answered {status}: {}", text_of(&page));
        }
        Ok(page)
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.kill();
        if let Some(dir) = self.dir.take() {
            proc::dispose(dir, "IdP");
        }
    }
}

/// The major version of `node` (asked once per test process).
fn node_major(node: &Path) -> u32 {
    static MAJOR: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *MAJOR.get_or_init(|| {
        let out = Command::new(node)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", node.display()));
        let version = String::from_utf8_lossy(&out.stdout);
        version
            .trim()
            .trim_start_matches('v')
            .split('.')
            .next()
            .and_then(|major| major.parse().ok())
            .unwrap_or_else(|| panic!("unexpected `node --version`: {version:?}"))
    })
}

fn secs(d: Duration) -> String {
    d.as_secs().max(1).to_string()
}

async fn wait_ready(http: &reqwest::Client, issuer: &str, child: &mut Child) -> Result<(), String> {
    let url = format!("{issuer}/.well-known/openid-configuration");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = http.get(&url).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("node exited with {status}"));
        }
        if Instant::now() > deadline {
            return Err(format!("{url} did not answer within 60 s"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn token_result(status: u16, body: serde_json::Value) -> Result<TokenResponse, String> {
    if status == 200 {
        serde_json::from_value(body).map_err(|e| format!("bad token response: {e}"))
    } else {
        Err(body["error"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("HTTP {status}: {body}")))
    }
}

/// The text between `prefix` and the next `"`, HTML entities for `&` and `/` undone.
fn attribute_after(page: &str, prefix: &str) -> Option<String> {
    let start = page.find(prefix)? + prefix.len();
    let end = page[start..].find('"')? + start;
    Some(
        page[start..end]
            .replace("&amp;", "&")
            .replace("&#x2F;", "/"),
    )
}

/// A page without its tags, shortened, for error messages.
fn text_of(page: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in page.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text.chars()
        .rev()
        .take(300)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}
