//! The figures as OpenMetrics text (`--metrics-file`), for testers collecting them from a run.

use std::fmt::Write;

use super::registry::{Figures, LatencyFigures};

fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    let _ = writeln!(
        out,
        "# TYPE sealmail_{name} gauge\n# HELP sealmail_{name} {help}\nsealmail_{name} {value}"
    );
}

fn counter(out: &mut String, name: &str, help: &str, rows: &[(String, u64)]) {
    let _ = writeln!(
        out,
        "# TYPE sealmail_{name} counter\n# HELP sealmail_{name} {help}"
    );
    for (labels, value) in rows {
        let _ = writeln!(out, "sealmail_{name}_total{labels} {value}");
    }
}

fn summary(out: &mut String, name: &str, help: &str, l: &LatencyFigures) {
    let _ = writeln!(
        out,
        "# TYPE sealmail_{name}_seconds summary\n# UNIT sealmail_{name}_seconds seconds\n# HELP sealmail_{name}_seconds {help}"
    );
    for (q, v) in [("0.5", l.p50), ("0.95", l.p95), ("0.99", l.p99)] {
        let _ = writeln!(
            out,
            "sealmail_{name}_seconds{{quantile=\"{q}\"}} {}",
            v.as_secs_f64()
        );
    }
    let _ = writeln!(out, "sealmail_{name}_seconds_sum {}", l.sum.as_secs_f64());
    let _ = writeln!(out, "sealmail_{name}_seconds_count {}", l.count);
}

fn label(pairs: &[(&str, &str)]) -> String {
    // Label values are static identifiers of ours (vendor ids, methods, kinds): no escaping needed
    // beyond refusing quotes and backslashes, which none of them contain.
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace(['"', '\\', '\n'], "_")))
        .collect();
    format!("{{{}}}", inner.join(","))
}

pub fn render(f: &Figures) -> String {
    let mut out = String::new();
    gauge(
        &mut out,
        "uptime_seconds",
        "Time since sealmail started.",
        f.uptime.as_secs_f64(),
    );
    if let Some(rss) = f.resident_bytes {
        gauge(
            &mut out,
            "resident_memory_bytes",
            "Resident memory of the process.",
            rss as f64,
        );
    }
    if let Some(c) = f.imap_connect {
        gauge(
            &mut out,
            "imap_connect_seconds",
            "Time to connect and log in, last connection.",
            c.as_secs_f64(),
        );
    }
    summary(
        &mut out,
        "imap_command",
        "Round-trip time of IMAP commands.",
        &f.imap_rtt,
    );
    counter(
        &mut out,
        "imap_envelopes",
        "Envelopes received.",
        &[(String::new(), f.imap_envelopes)],
    );
    counter(
        &mut out,
        "imap_received_bytes",
        "Bytes received from the IMAP server.",
        &[(String::new(), f.imap_bytes)],
    );
    counter(
        &mut out,
        "imap_reconnects",
        "Reconnections after a dropped connection.",
        &[(String::new(), f.imap_reconnects)],
    );
    if let Some(rate) = f.imap_fill_rate {
        gauge(
            &mut out,
            "imap_fill_envelopes_per_second",
            "Envelopes per second of the last folder load.",
            rate,
        );
    }
    summary(&mut out, "frame_draw", "Time to draw a frame.", &f.frame);
    summary(
        &mut out,
        "key_to_frame",
        "Time from a keypress to the frame that shows it.",
        &f.key_to_frame,
    );
    counter(
        &mut out,
        "frames",
        "Frames drawn.",
        &[(String::new(), f.frames)],
    );
    let seen: Vec<_> = f
        .portal_seen
        .iter()
        .map(|(v, n)| (label(&[("vendor", v)]), *n))
        .collect();
    counter(
        &mut out,
        "portal_messages_seen",
        "Portal messages seen, by vendor.",
        &seen,
    );
    counter(
        &mut out,
        "sealed_opened",
        "Sealed messages opened.",
        &[(String::new(), f.sealed_opened)],
    );
    let sign_ins: Vec<_> = f
        .sign_ins
        .iter()
        .map(|(m, o, n)| (label(&[("method", m), ("outcome", o)]), *n))
        .collect();
    counter(
        &mut out,
        "sign_ins",
        "Portal sign-ins by method and outcome.",
        &sign_ins,
    );
    summary(
        &mut out,
        "key_release",
        "Latency of content-key release by the portal.",
        &f.key_release,
    );
    summary(
        &mut out,
        "decrypt",
        "Time to decrypt a sealed message.",
        &f.decrypt,
    );
    let errors: Vec<_> = f
        .errors
        .iter()
        .map(|(k, n)| (label(&[("kind", k)]), *n))
        .collect();
    counter(&mut out, "errors", "Errors by kind.", &errors);
    out.push_str("# EOF\n");
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use crate::metrics::Metrics;

    #[test]
    fn export_has_the_figures_and_ends_with_eof() {
        let m = Metrics::with_clock(Arc::new(|| Duration::from_secs(42)));
        m.imap_received(100, 20_000);
        m.imap_command(Duration::from_millis(3));
        m.portal_seen("proofpoint");
        m.sign_in("otp", "ok");
        let text = m.openmetrics().unwrap();
        assert!(text.contains("sealmail_imap_envelopes_total 100\n"));
        assert!(text.contains("sealmail_portal_messages_seen_total{vendor=\"proofpoint\"} 1\n"));
        assert!(text.contains("sealmail_sign_ins_total{method=\"otp\",outcome=\"ok\"} 1\n"));
        assert!(text.contains("sealmail_imap_command_seconds{quantile=\"0.5\"} 0.003"));
        assert!(text.ends_with("# EOF\n"));
        assert!(Metrics::off().openmetrics().is_none());
    }
}
