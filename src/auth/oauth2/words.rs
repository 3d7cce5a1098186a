//! Provider errors in plain words: the OAuth error codes people actually meet with mail
//! clients, and for Microsoft the `AADSTS` code with what it means. The provider's own
//! description is kept short and sanitised.

use super::grant::GrantError;
use crate::sanitize;

/// The Microsoft Entra ID (`AADSTS`) codes a mail client meets, and what to do about them.
const AADSTS: &[(u64, &str)] = &[
    (
        50020,
        "this account is not a member of the app's tenant; set tenant = \"common\" or the account's own tenant",
    ),
    (
        50059,
        "Microsoft cannot tell which tenant to use; set tenant to your organisation's domain",
    ),
    (
        50011,
        "the redirect URI does not match the app registration (wrong redirect type)",
    ),
    (
        500113,
        "the app registration has no redirect URI of the right type",
    ),
    (
        50105,
        "your administrator has not given you access to this app",
    ),
    (50126, "wrong user name or password at Microsoft's sign-in"),
    (
        50173,
        "the sign-in expired because the password changed; sign in again",
    ),
    (
        53003,
        "your organisation's Conditional Access policy blocks this sign-in",
    ),
    (
        65001,
        "nobody has consented to this app yet: admin consent is required",
    ),
    (65004, "the consent to this app was declined"),
    (
        70000,
        "the sign-in is no longer valid (revoked, or a scope was removed); sign in again",
    ),
    (
        70002,
        "the app registration is not a public client: turn on \"Allow public client flows\"",
    ),
    (
        70008,
        "the sign-in expired after a long time unused; sign in again",
    ),
    (70011, "the requested scope is not valid for this app"),
    (
        90072,
        "this account does not exist in the app's tenant; use tenant = \"common\"",
    ),
    (
        90094,
        "an administrator must approve this app for your organisation (admin consent required)",
    ),
    (
        500011,
        "the tenant has no Exchange Online, or IMAP access is not set up for it",
    ),
    (
        700016,
        "Microsoft does not know this client_id in this tenant (unknown or deleted app)",
    ),
    (
        700082,
        "the sign-in expired after a long time unused; sign in again",
    ),
    (
        7000112,
        "this app is disabled in the tenant (disabled client id)",
    ),
    (7000215, "the client secret is wrong or expired"),
    (
        7000218,
        "the app registration is not a public client: turn on \"Allow public client flows\" (or give client_secret_command)",
    ),
    (9002313, "Microsoft could not read the request (malformed)"),
    (
        9002331,
        "this app accepts only personal Microsoft accounts: set tenant = \"consumers\"",
    ),
    (
        50194,
        "this app is not multi-tenant: set tenant to the app's own tenant",
    ),
];

/// What an `AADSTS` code means, if it is one of the common ones.
pub fn aadsts_meaning(code: u64) -> Option<&'static str> {
    AADSTS.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
}

/// The AADSTS number in Microsoft's `error_codes` or at the start of its description.
fn aadsts_code(description: Option<&str>, codes: &[u64]) -> Option<u64> {
    if let Some(code) = codes.first() {
        return Some(*code);
    }
    let rest = description?.trim_start().strip_prefix("AADSTS")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The OAuth error codes (RFC 6749, RFC 8628, Google's own) in words.
fn code_meaning(code: &str) -> Option<&'static str> {
    Some(match code {
        "invalid_client" => {
            "the provider does not know this client_id, or it is disabled, or the client secret is wrong"
        }
        "unauthorized_client" => {
            "this client_id may not use the device sign-in (wrong client type: it must be a public/\"limited input device\" client)"
        }
        "disabled_client" | "deleted_client" => "this client_id is disabled at the provider",
        "invalid_scope" => "the provider refused the requested scopes",
        "invalid_grant" => "the saved sign-in is no longer valid (expired or revoked)",
        "consent_required" => "consent is required: an administrator must approve this app",
        "admin_policy_enforced" | "org_internal" => {
            "your organisation does not allow this app (an admin policy blocks it)"
        }
        "interaction_required" | "login_required" => "the provider wants you to sign in again",
        "access_denied" => "the sign-in was declined",
        "expired_token" => "the code expired before it was approved",
        "invalid_request" => "the provider could not read the request",
        "server_error" | "temporarily_unavailable" => "the provider has a problem; try again later",
        _ => return None,
    })
}

/// A provider failure in plain words, the provider's own text (sanitised, shortened) after it.
pub fn explain(error: &GrantError) -> String {
    match error {
        GrantError::Unreachable(why) => format!("cannot reach the sign-in provider ({why})"),
        GrantError::Invalid(why) => sanitize::line(why).into_owned(),
        GrantError::Provider {
            code,
            description,
            codes,
            ..
        } => {
            let safe_code = sanitize::line(code);
            let mut text = match aadsts_code(description.as_deref(), codes) {
                Some(n) => match aadsts_meaning(n) {
                    Some(meaning) => format!("{meaning} (AADSTS{n})"),
                    None => format!(
                        "{} (AADSTS{n})",
                        code_meaning(code).unwrap_or("the provider refused the sign-in")
                    ),
                },
                None => match code_meaning(code) {
                    Some(meaning) => format!("{meaning} ({safe_code})"),
                    None => format!("the provider refused the sign-in ({safe_code})"),
                },
            };
            if let Some(d) = description {
                // Microsoft's descriptions run to several lines with trace ids: keep the first.
                let first = d.lines().next().unwrap_or("");
                let first = sanitize::line(first);
                let short: String = first.chars().take(160).collect();
                if !short.is_empty() {
                    text.push_str(": ");
                    text.push_str(&short);
                }
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(code: &str, description: Option<&str>, codes: Vec<u64>) -> GrantError {
        GrantError::Provider {
            status: 400,
            code: code.into(),
            description: description.map(str::to_owned),
            codes,
        }
    }

    #[test]
    fn microsoft_errors_name_the_aadsts_code_and_its_meaning() {
        let e = provider(
            "invalid_client",
            Some(
                "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.\r\nTrace ID: 1",
            ),
            vec![7000218],
        );
        let text = explain(&e);
        assert!(text.contains("AADSTS7000218"), "{text}");
        assert!(text.contains("Allow public client flows"), "{text}");
        assert!(!text.contains("Trace ID"), "{text}");

        let e = provider(
            "invalid_grant",
            Some("AADSTS65001: The user or administrator has not consented to use the application"),
            vec![],
        );
        assert!(explain(&e).contains("admin consent is required (AADSTS65001)"));
        let e = provider(
            "unauthorized_client",
            Some("AADSTS700016: Application with identifier 'x' was not found"),
            vec![700016],
        );
        assert!(explain(&e).contains("does not know this client_id"));
        let e = provider(
            "invalid_request",
            Some("AADSTS53003: Access has been blocked by Conditional Access policies."),
            vec![53003],
        );
        assert!(explain(&e).contains("Conditional Access"));
    }

    #[test]
    fn oauth_codes_get_words_and_unknown_ones_stay_visible() {
        assert!(
            explain(&provider("invalid_client", None, vec![]))
                .contains("does not know this client_id")
        );
        assert!(
            explain(&provider("org_internal", None, vec![])).contains("does not allow this app")
        );
        let text = explain(&provider(
            "weird\x1b[2J",
            Some("\x1b]52;c;x\x07boom"),
            vec![],
        ));
        assert!(!text.contains('\x1b'), "{text:?}");
        assert!(text.contains("refused the sign-in"));
    }
}
