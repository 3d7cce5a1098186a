//! Aggregate counts that identify no one: views, passcodes sent, sign-ins by method, errors by
//! kind. Rendered as OpenMetrics text on `/metrics` when enabled.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::sealed::api::ErrorCode;

/// How a recipient proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Otp,
    Oidc,
    Session,
}

impl Method {
    const ALL: [Method; 3] = [Method::Otp, Method::Oidc, Method::Session];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Otp => "otp",
            Method::Oidc => "oidc",
            Method::Session => "session",
        }
    }
}

#[derive(Default)]
pub struct Telemetry {
    views: AtomicU64,
    passcodes_sent: AtomicU64,
    passcode_failures: AtomicU64,
    messages_registered: AtomicU64,
    messages_revoked: AtomicU64,
    sign_ins: [AtomicU64; 3],
    errors: [AtomicU64; ErrorCode::ALL.len()],
}

impl Telemetry {
    pub fn view(&self, method: Method) {
        self.views.fetch_add(1, Ordering::Relaxed);
        let i = Method::ALL.iter().position(|m| *m == method).unwrap_or(0);
        self.sign_ins[i].fetch_add(1, Ordering::Relaxed);
    }

    pub fn passcode_sent(&self) {
        self.passcodes_sent.fetch_add(1, Ordering::Relaxed);
    }

    pub fn passcode_failed(&self) {
        self.passcode_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub fn registered(&self) {
        self.messages_registered.fetch_add(1, Ordering::Relaxed);
    }

    pub fn revoked(&self) {
        self.messages_revoked.fetch_add(1, Ordering::Relaxed);
    }

    pub fn error(&self, code: ErrorCode) {
        if let Some(i) = ErrorCode::ALL.iter().position(|c| *c == code) {
            self.errors[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// OpenMetrics text exposition.
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, rows: Vec<(String, u64)>| {
            out.push_str(&format!("# TYPE {name} counter\n# HELP {name} {help}\n"));
            for (labels, value) in rows {
                out.push_str(&format!("{name}_total{labels} {value}\n"));
            }
        };
        counter(
            "sealed_portal_views",
            "Keys released to verified recipients.",
            vec![(String::new(), get(&self.views))],
        );
        counter(
            "sealed_portal_sign_ins",
            "Successful unseals by method.",
            Method::ALL
                .iter()
                .zip(&self.sign_ins)
                .map(|(m, c)| (format!("{{method=\"{}\"}}", m.as_str()), get(c)))
                .collect(),
        );
        counter(
            "sealed_portal_passcodes_sent",
            "Passcode mails handed to the relay.",
            vec![(String::new(), get(&self.passcodes_sent))],
        );
        counter(
            "sealed_portal_passcode_send_failures",
            "Passcode mails the relay refused.",
            vec![(String::new(), get(&self.passcode_failures))],
        );
        counter(
            "sealed_portal_messages_registered",
            "Content keys registered.",
            vec![(String::new(), get(&self.messages_registered))],
        );
        counter(
            "sealed_portal_messages_revoked",
            "Messages revoked.",
            vec![(String::new(), get(&self.messages_revoked))],
        );
        counter(
            "sealed_portal_errors",
            "Error answers by kind.",
            ErrorCode::ALL
                .iter()
                .zip(&self.errors)
                .map(|(code, c)| (format!("{{kind=\"{}\"}}", code.as_str()), get(c)))
                .collect(),
        );
        out.push_str("# EOF\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_openmetrics() {
        let m = Telemetry::default();
        m.view(Method::Session);
        m.error(ErrorCode::BadCredential);
        let text = m.render();
        assert!(text.contains("sealed_portal_views_total 1\n"));
        assert!(text.contains("sealed_portal_sign_ins_total{method=\"session\"} 1\n"));
        assert!(text.contains("sealed_portal_errors_total{kind=\"bad_credential\"} 1\n"));
        assert!(text.ends_with("# EOF\n"));
    }
}
