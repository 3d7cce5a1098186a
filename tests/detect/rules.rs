//! The verdict rules on small hand-built messages: one rule per test.

use sealmail::detect::{Trust, Vendor, Verdict, classify, classify_with};

fn text_mail(headers: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Sender <sender@sender.example>\r\nTo: alice@example.net\r\nSubject: s\r\n\
         Message-ID: <m@sender.example>\r\n{headers}Content-Type: text/plain\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn html_mail(html: &str) -> Vec<u8> {
    format!(
        "From: Sender <sender@sender.example>\r\nTo: alice@example.net\r\nSubject: s\r\n\
         Content-Type: text/html\r\n\r\n{html}\r\n"
    )
    .into_bytes()
}

#[test]
fn a_portal_link_alone_is_one_signal_and_not_enough() {
    let c = classify(&text_mail("", "https://secure.virtru.com/start#v=4"));
    assert_eq!(c.vendor, Some(Vendor::Virtru));
    assert_eq!(c.verdict, Some(Verdict::Suspicious));
    assert!(
        c.reason
            .as_deref()
            .is_some_and(|r| r.contains("only one sign"))
    );
}

#[test]
fn two_signals_of_one_class_count_once() {
    // X-ZixNet and X-VPM-* are both headers: one class, and no portal link.
    let c = classify(&text_mail("X-ZixNet: secure\r\nX-VPM-MIV: 0\r\n", "hello"));
    assert_eq!(c.vendor, Some(Vendor::Zix));
    assert_eq!(c.verdict, Some(Verdict::Suspicious));
}

#[test]
fn the_strongest_signal_is_required() {
    // Zix headers and wording agree, but the only link is not on a Zix domain.
    let c = classify(&text_mail(
        "X-ZixNet: secure\r\n",
        "You have received a secure message.\r\nOpen Message: https://zix-reader.example/s/e",
    ));
    assert_eq!(c.vendor, Some(Vendor::Zix));
    assert_eq!(c.verdict, Some(Verdict::Suspicious));
}

#[test]
fn hosts_are_compared_by_registrable_domain_not_substring() {
    for host in [
        "notoffice365.com",
        "office365.com.login-verify.example",
        "outlook.office365.com.evil.example",
    ] {
        let c = classify(&text_mail(
            "",
            &format!(
                "Read the message: https://{host}/Encryption/retrieve.ashx?InternetMessageID=a"
            ),
        ));
        assert_eq!(c.vendor, Some(Vendor::MicrosoftOme), "{host}");
        assert_eq!(c.verdict, Some(Verdict::Suspicious), "{host}");
        assert!(
            c.links.iter().any(|l| l.contains(host)),
            "{host}: {:?}",
            c.links
        );
    }
    // The portal is matched by its exact host: another host of the same domain is not it.
    let c = classify(&html_mail(
        "<p>Fabrikam has sent you a protected message.</p><a href='https://outlook.office365.com/Encryption/retrieve.ashx?InternetMessageID=a'>Read the message</a>",
    ));
    assert_eq!(c.verdict, Some(Verdict::Genuine));
    let c = classify(&html_mail(
        "<p>Fabrikam has sent you a protected message.</p><a href='https://eu.outlook.office365.com/Encryption/retrieve.ashx?InternetMessageID=a'>Read the message</a>",
    ));
    assert_eq!(c.verdict, Some(Verdict::Suspicious));
}

#[test]
fn the_href_is_judged_not_the_link_text() {
    let c = classify(&html_mail(
        "<p>Fabrikam has sent you a protected message.</p>\
         <a href='https://collect.example/r'>https://outlook.office365.com/Encryption/retrieve.ashx?InternetMessageID=a</a>",
    ));
    assert_eq!(c.vendor, Some(Vendor::MicrosoftOme));
    assert_eq!(c.verdict, Some(Verdict::Suspicious));
    assert_eq!(c.links, vec!["https://collect.example/r".to_owned()]);
}

#[test]
fn a_genuine_portal_with_a_deceptive_extra_link_is_suspicious() {
    let c = classify(&html_mail(
        "<p>Fabrikam has sent you a protected message.</p>\
         <a href='https://outlook.office365.com/Encryption/retrieve.ashx?InternetMessageID=a'>Read the message</a>\
         <a href='https://pay.evil.example/'>www.fabrikam.com/invoices</a>",
    ));
    assert_eq!(c.verdict, Some(Verdict::Suspicious));
    assert!(
        c.reason
            .as_deref()
            .is_some_and(|r| r.contains("pay.evil.example"))
    );
}

#[test]
fn a_javascript_call_to_action_is_elsewhere() {
    let c = classify(&html_mail(
        "<p>Fabrikam has sent you a protected message.</p><a href='javascript:steal()'>Read the message</a>",
    ));
    assert_eq!(c.vendor, Some(Vendor::MicrosoftOme));
    assert_eq!(c.verdict, Some(Verdict::Suspicious));
}

#[test]
fn wording_without_any_link_is_not_portal_mail() {
    let c = classify(&text_mail("", "Fabrikam has sent you a protected message."));
    assert!(!c.portal && c.vendor.is_none() && c.verdict.is_none());
}

#[test]
fn sealed_needs_both_header_and_envelope() {
    let c = classify(&text_mail(
        "Sealed-Message: v=1; portal=https://p.example; id=AAAAAAAAAAAAAAAAAAAAAA\r\n",
        "sealed",
    ));
    assert_eq!(c.vendor, Some(Vendor::Sealed));
    assert_eq!(c.verdict, Some(Verdict::Suspicious));
    assert!(!c.readable_inline);
}

fn sealed_mail(header_portal: &str, envelope_portal: &str) -> Vec<u8> {
    use base64::Engine as _;
    let id = "AAAAAAAAAAAAAAAAAAAAAA";
    let env = serde_json::json!({"v": 1, "portal": envelope_portal, "id": id, "from": "b@x.example",
        "to": ["alice@example.net"], "created": "2026-11-24T10:00:00Z", "alg": "A256GCM",
        "nonce": "AAAAAAAAAAAAAAAA", "ct": "A".repeat(32)});
    let b64 = base64::engine::general_purpose::STANDARD.encode(env.to_string());
    format!(
        "From: b@x.example\r\nTo: alice@example.net\r\nSubject: s\r\n\
         Sealed-Message: v=1; portal={header_portal}; id={id}\r\n\
         Content-Type: multipart/mixed; boundary=S\r\n\r\n--S\r\nContent-Type: text/plain\r\n\r\n\
         sealed\r\n--S\r\nContent-Type: application/vnd.sealed-message+json\r\n\
         Content-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"message.sealed\"\r\n\r\n{b64}\r\n--S--\r\n"
    )
    .into_bytes()
}

#[test]
fn sealed_genuine_is_readable_inline_and_lists_its_portal() {
    let c = classify(&sealed_mail("https://p.example", "https://p.example"));
    assert_eq!(c.vendor, Some(Vendor::Sealed));
    assert_eq!(c.verdict, Some(Verdict::Genuine));
    assert!(c.readable_inline);
    assert_eq!(c.links, vec!["https://p.example".to_owned()]);
    let loopback = classify(&sealed_mail(
        "http://127.0.0.1:8443",
        "http://127.0.0.1:8443",
    ));
    assert_eq!(loopback.verdict, Some(Verdict::Genuine));
}

#[test]
fn sealed_with_a_plain_http_portal_or_mismatch_is_suspicious() {
    for (h, e) in [
        ("http://p.example", "http://p.example"),
        ("https://p.example", "https://q.example"),
        ("https://p.example", "https://p.example/path"),
    ] {
        let c = classify(&sealed_mail(h, e));
        assert_eq!(c.vendor, Some(Vendor::Sealed), "{h} {e}");
        assert_eq!(c.verdict, Some(Verdict::Suspicious), "{h} {e}");
        assert!(!c.readable_inline);
    }
}

#[test]
fn a_message_html_attachment_alone_is_not_portal_mail() {
    let raw = b"From: d@example.org\r\nSubject: page\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n\
--B\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=\"message.html\"\r\n\r\n\
<html><body><a href='https://recipes.example/'>more recipes</a><form action='https://search.example/'></form></body></html>\r\n--B--\r\n";
    assert!(!classify(raw).portal);
}

#[test]
fn a_sealed_envelope_the_reader_cannot_open_is_suspicious() {
    // The ciphertext is shorter than the 16-byte tag: the reader's envelope parser refuses it.
    let raw =
        String::from_utf8(sealed_mail("https://p.example", "https://p.example")).expect("utf-8");
    use base64::Engine as _;
    let short = serde_json::json!({"v": 1, "portal": "https://p.example", "id": "AAAAAAAAAAAAAAAAAAAAAA",
        "from": "b@x.example", "to": ["alice@example.net"], "created": "2026-11-24T10:00:00Z",
        "alg": "A256GCM", "nonce": "AAAAAAAAAAAAAAAA", "ct": "AAAA"});
    let good_b64 = raw
        .split("\r\n\r\n")
        .nth(3)
        .and_then(|s| s.split("\r\n").next())
        .expect("envelope part")
        .to_owned();
    let bad = raw.replace(
        &good_b64,
        &base64::engine::general_purpose::STANDARD.encode(short.to_string()),
    );
    let c = classify(bad.as_bytes());
    assert_eq!(c.vendor, Some(Vendor::Sealed));
    assert_eq!(c.verdict, Some(Verdict::Suspicious));
    assert!(!c.readable_inline);
}

#[test]
fn links_past_the_reading_limit_make_portal_mail_suspicious() {
    // A genuine-looking notice whose last link hides behind thousands of others.
    let mut html = String::from(
        "<p>Fabrikam has sent you a protected message.</p>\
         <a href='https://outlook.office365.com/Encryption/retrieve.ashx?InternetMessageID=a'>Read the message</a>",
    );
    html.push_str(&"<a href='https://go.microsoft.com/fwlink/?LinkId=2226516'>o</a>".repeat(5_000));
    html.push_str("<a href='https://evil.example/'>Read the message</a>");
    let c = classify(&html_mail(&html));
    assert_eq!(c.vendor, Some(Vendor::MicrosoftOme));
    assert_eq!(c.verdict, Some(Verdict::Suspicious));
    assert!(
        c.reason
            .as_deref()
            .is_some_and(|r| r.contains("too many links"))
    );
    // The same notice with a normal number of links is genuine.
    let small = html
        .replace(
            &"<a href='https://go.microsoft.com/fwlink/?LinkId=2226516'>o</a>".repeat(5_000),
            "",
        )
        .replace("<a href='https://evil.example/'>Read the message</a>", "");
    assert_eq!(classify(&html_mail(&small)).verdict, Some(Verdict::Genuine));
}

#[test]
fn an_organisation_portal_wearing_the_vendor_name_is_an_imitation() {
    let html = "<html><head><title>Proofpoint Encryption</title></head><body>\
        <form method=post action='https://pfpt-secure.example/formpostdir/safeformpost.aspx'>\
        <input type=hidden name=msg0 value=QUJD></form></body></html>";
    let raw = format!(
        "From: Secure <secure@pfpt-secure.example>\r\nTo: alice@example.net\r\nSubject: s\r\n\
         X-ProofpointSecure: Encrypted\r\nContent-Type: multipart/mixed; boundary=PROOFPOINT_BOUNDARY_1\r\n\r\n\
         --PROOFPOINT_BOUNDARY_1\r\nContent-Type: text/html\r\n\
         Content-Disposition: attachment; filename=\"SecureMessageAtt.html\"\r\n\r\n{html}\r\n\
         --PROOFPOINT_BOUNDARY_1--\r\n"
    );
    let c = classify(raw.as_bytes());
    assert_eq!(c.vendor, Some(Vendor::Proofpoint));
    assert_eq!(c.verdict, Some(Verdict::Suspicious));
    assert!(
        c.reason
            .as_deref()
            .is_some_and(|r| r.contains("only looks like Proofpoint"))
    );
}

#[test]
fn a_message_sealed_by_sealmail_is_sealed_genuine_and_readable_inline() {
    use sealmail::sealed::envelope::{ContentKey, Envelope, Header};
    use sealmail::sealed::message::{OuterHeaders, build_message};
    let header = Header {
        portal: "https://portal.sender.example".to_owned(),
        id: sealmail::sealed::fields::new_message_id(),
        from: "bob@sender.example".to_owned(),
        to: vec!["alice@example.net".to_owned()],
        created: "2026-11-24T10:00:00Z".to_owned(),
    };
    let inner =
        b"From: bob@sender.example\r\nTo: alice@example.net\r\nSubject: inner\r\n\r\nsecret\r\n";
    let envelope = Envelope::seal(header, &ContentKey::generate(), inner).expect("seal");
    let raw = build_message(
        &OuterHeaders {
            from: "Bob <bob@sender.example>".to_owned(),
            to: Some("alice@example.net".to_owned()),
            date: "Tue, 24 Nov 2026 10:00:00 +0000".to_owned(),
            message_id: "<sealed-1@sender.example>".to_owned(),
            subject: Some("Contract".to_owned()),
            ..Default::default()
        },
        &envelope,
    );
    let c = classify(&raw);
    assert_eq!(c.vendor, Some(Vendor::Sealed), "{:?}", c.signals);
    assert_eq!(c.verdict, Some(Verdict::Genuine), "{:?}", c.signals);
    assert!(c.readable_inline);
    assert_eq!(c.links, vec!["https://portal.sender.example".to_owned()]);
    // The list marks it too, before the body is fetched.
    let mark = sealmail::detect::classify_cheap(&sealmail::detect::cheap_signals_from_raw(&raw));
    assert_eq!(
        mark.map(|m| (m.vendor, m.suspicious)),
        Some((Vendor::Sealed, false))
    );
}

/// Adds an HTML part holding `html` to a sample: before the closing boundary of a multipart
/// message, else at the end of its (plain) body.
fn with_extra(raw: &str, html: &str) -> String {
    let boundary = raw
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .split("boundary=")
        .nth(1)
        .map(|b| {
            b.trim_start_matches('"')
                .split(['"', ';', ' '])
                .next()
                .unwrap_or_default()
                .to_owned()
        });
    match boundary {
        Some(b) => {
            let close = format!("--{b}--");
            let at = raw.rfind(&close).expect("closing boundary");
            format!("{}--{b}\r\n{html}\r\n{}", &raw[..at], &raw[at..])
        }
        None => {
            // A single-part message becomes multipart/mixed: its body, then the extra part.
            let sep = raw.find("\n\n").expect("header block") + 2;
            let (head, body) = raw.split_at(sep);
            let mut top = Vec::new();
            let mut part = Vec::new();
            let mut in_part = false;
            for line in head.lines().filter(|l| !l.trim().is_empty()) {
                let continued = line.starts_with([' ', '\t']);
                if !continued {
                    let lower = line.to_ascii_lowercase();
                    in_part = lower.starts_with("content-type:")
                        || lower.starts_with("content-transfer-encoding:");
                }
                if in_part {
                    part.push(line)
                } else {
                    top.push(line)
                }
            }
            format!(
                "{}\nContent-Type: multipart/mixed; boundary=\"xb\"\n\n--xb\n{}\n\n{body}\n--xb\n{html}\n--xb--\n",
                top.join("\n"),
                part.join("\n"),
            )
        }
    }
}

/// The samples that are portal mail the classifier accepts (genuine or unverified).
fn accepted_samples() -> Vec<(std::path::PathBuf, String)> {
    super::fixtures::all_samples()
        .into_iter()
        .filter(|(_, e)| matches!(e.verdict.as_deref(), Some("genuine" | "unverified")))
        .filter(|(_, e)| e.vendor.as_deref() != Some("sealed"))
        .map(|(p, _)| {
            let raw = std::fs::read_to_string(&p).expect("sample");
            (p, raw.replace("\r\n", "\n"))
        })
        .collect()
}

#[test]
fn every_vendor_turns_suspicious_with_a_link_off_its_own_hosts() {
    let extras = [
        "Content-Type: text/html\r\n\r\n<p><a href=\"https://signin-check.example/\">Sign in</a></p>",
        "Content-Type: text/html\r\n\r\n<p><a href=\"https://contoso.sharepoint.com/s/x\">Shared file</a></p>",
        "Content-Type: text/html\r\n\r\n<p><a href=\"https://helpdesk.web.app/\">Help</a></p>",
        "Content-Type: text/html\r\n\r\n<form action=\"https://collect.example/p\"><input name=q></form>",
        "Content-Type: text/plain\r\n\r\nTrouble? Sign in here: https://signin-check.example/x",
        "Content-Type: text/html\r\n\r\n<p><a href=\"http://198.51.100.4/\">Mirror</a></p>",
        // An attachment whose password form posts elsewhere, whatever its name.
        "Content-Type: text/html\r\nContent-Disposition: attachment; filename=\"Secure_Message.html\"\r\n\r\n\
         <form action=\"https://collect.example/p\" method=post><input type=password name=p></form>",
        // A password field sent nowhere the vendor owns (by a script).
        "Content-Type: text/html\r\nContent-Disposition: attachment; filename=\"view.html\"\r\n\r\n\
         <input type=password id=p><button>Open</button>",
    ];
    let samples = accepted_samples();
    let vendors: std::collections::BTreeSet<_> = samples
        .iter()
        .filter_map(|(_, raw)| classify(raw.as_bytes()).vendor)
        .collect();
    assert!(
        vendors.len() >= 10,
        "the test covers most vendors: {vendors:?}"
    );
    for (path, raw) in &samples {
        let before = classify(raw.as_bytes());
        assert!(
            matches!(before.verdict, Some(Verdict::Genuine | Verdict::Unverified)),
            "{}",
            path.display()
        );
        for extra in extras {
            let c = classify(with_extra(raw, extra).as_bytes());
            assert_eq!(c.vendor, before.vendor, "{} + {extra}", path.display());
            assert_eq!(
                c.verdict,
                Some(Verdict::Suspicious),
                "{} + {extra}: {:?}",
                path.display(),
                c.signals
            );
        }
    }
}

#[test]
fn a_query_parameter_or_a_user_content_host_is_never_a_portal() {
    let wording = "<p>Fabrikam has sent you a protected message.</p>";
    for href in [
        "https://forms.office.com/Pages/ResponsePage.aspx?id=X&internetmessageid=x",
        "https://outlook.office365.com/owa/?InternetMessageID=x",
        "https://outlook.office.com/mail/?internetmessageid=x",
        "https://sway.office.com/abc?InternetMessageID=x",
        "https://contoso.sharepoint.com/Encryption/retrieve.ashx",
        "https://contoso-my.sharepoint.com/personal/x/Encryption/retrieve.ashx",
        "https://onedrive.live.com/Encryption/retrieve.ashx",
        "https://x.blob.core.windows.net/Encryption/retrieve.ashx",
        "https://sites.google.com/view/Encryption/retrieve.ashx",
        "https://docs.google.com/forms/d/e/x/viewform?internetmessageid=x",
        "https://ome-view.firebaseapp.com/Encryption/retrieve.ashx",
        "https://ome-view.web.app/Encryption/retrieve.ashx",
    ] {
        let c = classify(&html_mail(&format!(
            "{wording}<a href='{}'>Read the message</a>",
            href.replace('&', "&amp;")
        )));
        assert_eq!(c.vendor, Some(Vendor::MicrosoftOme), "{href}");
        assert_eq!(
            c.verdict,
            Some(Verdict::Suspicious),
            "{href}: {:?}",
            c.signals
        );
    }
    // Without any wording, a user-content link on a Microsoft domain is not portal mail.
    let c = classify(&html_mail(
        "<p>Lunch poll:</p><a href='https://forms.office.com/r/abc'>vote</a>",
    ));
    assert!(!c.portal, "{c:?}");
}

#[test]
fn the_sender_domain_alone_never_makes_an_organisation_portal_genuine() {
    let read =
        |name: &str| std::fs::read(super::fixtures::portal_dir().join(name)).expect("sample");
    for name in ["proofpoint.eml", "voltage.eml"] {
        let c = classify(&read(name));
        assert_eq!(c.verdict, Some(Verdict::Unverified), "{name}");
        assert!(c.sender_domain.is_some(), "{name}");
        assert!(
            c.signals.iter().any(|s| s.starts_with("unverified: ")),
            "{name}: {:?}",
            c.signals
        );
    }
    let adv = |name: &str| read(&format!("adversarial/{name}"));
    let own_mta = Trust {
        authserv_ids: vec!["mx.example.net".to_owned()],
    };
    // A look-alike bank with a forged X-ProofpointSecure: never genuine.
    let c = classify_with(
        &adv("proofpoint-lookalike-bank-forged-header.eml"),
        &own_mta,
    );
    assert_eq!(c.verdict, Some(Verdict::Unverified));
    // Authentication-Results from the sender's own server, or for another domain: nothing.
    let c = classify_with(&adv("proofpoint-forged-auth-results.eml"), &own_mta);
    assert_eq!(c.verdict, Some(Verdict::Unverified), "{:?}", c.vouched_by);
    let attacker = Trust {
        authserv_ids: vec!["mx.example.org".to_owned()],
    };
    // The user's own MTA vouches: genuine; an id the user did not configure: not.
    let raw = adv("proofpoint-verified-by-own-mta.eml");
    assert_eq!(classify(&raw).verdict, Some(Verdict::Unverified));
    assert_eq!(
        classify_with(&raw, &attacker).verdict,
        Some(Verdict::Unverified)
    );
    let c = classify_with(&raw, &own_mta);
    assert_eq!(c.verdict, Some(Verdict::Genuine), "{:?}", c.signals);
    assert!(
        c.signals
            .iter()
            .any(|s| s.contains("verified by mx.example.net"))
    );
    // A vouching field below another field of the same id (forged, not stripped) does not count.
    let text = String::from_utf8(raw).expect("utf-8");
    let forged = text.replacen(
        "Authentication-Results:",
        "Authentication-Results: mx.example.net; dkim=fail header.d=woodgrovebank.example\r\nAuthentication-Results:",
        1,
    );
    assert_eq!(
        classify_with(forged.as_bytes(), &own_mta).verdict,
        Some(Verdict::Unverified)
    );
}

#[test]
fn the_vendors_own_help_and_privacy_pages_stay_genuine() {
    let c = classify(&html_mail(
        "<p>Fabrikam has sent you a protected message.</p>\
         <a href='https://outlook.office365.com/Encryption/retrieve.ashx?InternetMessageID=a'>Read the message</a>\
         <a href='https://go.microsoft.com/fwlink/?LinkId=2226516'>Microsoft Purview Message Encryption</a>\
         <a href='https://privacy.microsoft.com/en-us/privacystatement'>Privacy Statement</a>\
         <a href='mailto:legal@fabrikam.com'>legal@fabrikam.com</a>",
    ));
    assert_eq!(c.verdict, Some(Verdict::Genuine), "{:?}", c.signals);
}
