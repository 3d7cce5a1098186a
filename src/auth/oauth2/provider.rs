//! Who signs the user in: presets for Microsoft and Google (endpoints, scopes), or a custom
//! provider (OIDC discovery from an issuer, or explicit endpoints). Data only; no I/O.

use std::path::PathBuf;

/// The provider of an account's tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provider {
    /// Microsoft identity platform (Microsoft 365, Outlook.com); `tenant` is a tenant id or
    /// domain, or `common` / `organizations` / `consumers`.
    Microsoft {
        tenant: String,
    },
    Google,
    /// Any OAuth2 provider with the device grant: endpoints found by OpenID Connect discovery
    /// from `issuer`, or given explicitly.
    Custom {
        issuer: Option<String>,
        device_endpoint: Option<String>,
        token_endpoint: Option<String>,
    },
}

/// The SASL mechanism that carries the token to the IMAP server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mechanism {
    /// `AUTHENTICATE XOAUTH2` (Google, Microsoft, Dovecot).
    #[default]
    XOAuth2,
    /// `AUTHENTICATE OAUTHBEARER` (RFC 7628), used only when the server offers it.
    OAuthBearer,
}

/// Where the refresh token lives between runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TokenStore {
    /// Only in memory: sign in once per run.
    #[default]
    Memory,
    /// A pair of user commands (e.g. backed by `pass`): `store` reads the token on its
    /// standard input, `load` prints it.
    Commands { store: String, load: String },
}

/// Everything needed to get tokens for one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthSettings {
    pub provider: Provider,
    pub client_id: String,
    /// A command whose first output line is the client secret (Google needs one for the
    /// device grant; public Microsoft clients do not).
    pub client_secret_command: Option<String>,
    pub scopes: Vec<String>,
    pub mechanism: Mechanism,
    pub store: TokenStore,
    /// A PEM file of extra CA certificates for the provider's HTTPS (the account's `ca_file`).
    pub ca_file: Option<PathBuf>,
}

pub const MICROSOFT_SCOPES: &[&str] = &[
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "offline_access",
];
pub const GOOGLE_SCOPES: &[&str] = &["https://mail.google.com/"];
const GOOGLE_DEVICE: &str = "https://oauth2.googleapis.com/device/code";
const GOOGLE_TOKEN: &str = "https://oauth2.googleapis.com/token";

impl Provider {
    /// The provider's name as the sign-in screen shows it.
    pub fn display_name(&self) -> String {
        match self {
            Provider::Microsoft { .. } => "Microsoft".into(),
            Provider::Google => "Google".into(),
            Provider::Custom {
                issuer,
                device_endpoint,
                ..
            } => issuer
                .as_deref()
                .or(device_endpoint.as_deref())
                .and_then(|u| reqwest::Url::parse(u).ok())
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| "your provider".into()),
        }
    }

    /// The preset scopes (none for a custom provider).
    pub fn default_scopes(&self) -> Vec<String> {
        let preset: &[&str] = match self {
            Provider::Microsoft { .. } => MICROSOFT_SCOPES,
            Provider::Google => GOOGLE_SCOPES,
            Provider::Custom { .. } => &[],
        };
        preset.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The device and token endpoints when they are known without discovery.
    pub fn fixed_endpoints(&self) -> Option<(String, String)> {
        match self {
            Provider::Microsoft { tenant } => {
                let base = format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0");
                Some((format!("{base}/devicecode"), format!("{base}/token")))
            }
            Provider::Google => Some((GOOGLE_DEVICE.into(), GOOGLE_TOKEN.into())),
            Provider::Custom {
                device_endpoint: Some(device),
                token_endpoint: Some(token),
                ..
            } => Some((device.clone(), token.clone())),
            Provider::Custom { .. } => None,
        }
    }

    /// The issuer to discover the endpoints from, when they are not fixed.
    pub fn issuer(&self) -> Option<&str> {
        match self {
            Provider::Custom {
                issuer: Some(issuer),
                ..
            } if self.fixed_endpoints().is_none() => Some(issuer),
            _ => None,
        }
    }

    pub fn is_microsoft(&self) -> bool {
        matches!(self, Provider::Microsoft { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_carry_endpoints_and_scopes() {
        let ms = Provider::Microsoft {
            tenant: "common".into(),
        };
        let (device, token) = ms.fixed_endpoints().unwrap();
        assert_eq!(
            device,
            "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode"
        );
        assert!(token.ends_with("/common/oauth2/v2.0/token"));
        assert_eq!(
            ms.default_scopes(),
            vec![
                "https://outlook.office.com/IMAP.AccessAsUser.All",
                "offline_access"
            ]
        );
        let (device, _) = Provider::Google.fixed_endpoints().unwrap();
        assert_eq!(device, "https://oauth2.googleapis.com/device/code");
        assert_eq!(
            Provider::Google.default_scopes(),
            vec!["https://mail.google.com/"]
        );
        let custom = Provider::Custom {
            issuer: Some("https://id.example.org/realms/mail".into()),
            device_endpoint: None,
            token_endpoint: None,
        };
        assert_eq!(custom.issuer(), Some("https://id.example.org/realms/mail"));
        assert_eq!(custom.display_name(), "id.example.org");
        assert!(custom.fixed_endpoints().is_none());
    }
}
