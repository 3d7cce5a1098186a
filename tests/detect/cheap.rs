//! The list's cheap marks, from the same facts IMAP gives (built from each sample with
//! `cheap_signals_from_raw`): never a different vendor than the full classification, nothing
//! for mail that is not portal mail, and a warning only when the cheap facts contradict.

use sealmail::detect::{CHEAP_HEADER_FIELDS, Vendor, cheap_signals_from_raw, classify_cheap};
use sealmail::mail::{CheapSignals, PortalMark};

use super::fixtures::{all_samples, portal_dir};

fn mark_of(file: &str) -> Option<PortalMark> {
    let raw = std::fs::read(portal_dir().join(file)).expect("sample");
    classify_cheap(&cheap_signals_from_raw(&raw))
}

#[test]
fn cheap_marks_never_contradict_the_full_classification() {
    for (path, expected) in all_samples() {
        let raw = std::fs::read(&path).expect("sample");
        let mark = classify_cheap(&cheap_signals_from_raw(&raw));
        match (&expected.vendor, mark) {
            (None, Some(m)) => panic!("{}: marked {m:?} but is not portal mail", path.display()),
            (Some(v), Some(m)) => assert_eq!(m.vendor.as_str(), v, "{}", path.display()),
            (_, None) => {}
        }
    }
}

#[test]
fn the_corpus_gets_these_marks_in_the_list() {
    let expected: &[(&str, Option<Vendor>)] = &[
        ("cisco-cres.eml", Some(Vendor::CiscoCres)),
        ("egress.eml", None),
        ("gmail-confidential.eml", None),
        ("mimecast.eml", Some(Vendor::Mimecast)),
        ("not-newsletter.eml", None),
        ("not-saved-webpage.eml", None),
        ("not-virtru-unencrypted.eml", None),
        ("ome-legacy.eml", Some(Vendor::MicrosoftOmeLegacy)),
        ("ome-purview.eml", Some(Vendor::MicrosoftOme)),
        // The subject is Microsoft's notice, and nothing of Microsoft's is there.
        ("phish-ome-lookalike.eml", Some(Vendor::MicrosoftOme)),
        ("phish-proofpoint.eml", Some(Vendor::Proofpoint)),
        ("proofpoint.eml", Some(Vendor::Proofpoint)),
        ("proton.eml", None),
        ("rms-outlook-only.eml", Some(Vendor::MicrosoftRms)),
        ("trendmicro.eml", Some(Vendor::Trendmicro)),
        ("virtru.eml", None),
        ("voltage.eml", Some(Vendor::Voltage)),
        ("zix.eml", Some(Vendor::Zix)),
    ];
    for (file, vendor) in expected {
        let mark = mark_of(file);
        assert_eq!(mark.map(|m| m.vendor), *vendor, "{file}");
        // Nothing else in the corpus contradicts itself cheaply.
        let lookalike = *file == "phish-ome-lookalike.eml";
        assert_eq!(mark.is_some_and(|m| m.suspicious), lookalike, "{file}");
    }
}

#[test]
fn the_builder_keeps_names_types_and_the_listed_headers() {
    let raw = std::fs::read(portal_dir().join("proofpoint.eml")).expect("sample");
    let s = cheap_signals_from_raw(&raw);
    assert!(
        s.parts
            .contains(&("SecureMessageAtt.html".to_owned(), "text/html".to_owned()))
    );
    assert!(
        s.parts
            .contains(&("lock.gif".to_owned(), "image/gif".to_owned()))
    );
    assert!(s.headers.iter().any(|(n, _)| n == "x-proofpointsecure"));
    assert!(s.headers.iter().all(|(n, _)| {
        CHEAP_HEADER_FIELDS
            .iter()
            .any(|f| f.eq_ignore_ascii_case(n))
    }));
    assert!(
        !s.headers.iter().any(|(n, _)| n == "received"),
        "only the listed fields"
    );
    assert_eq!(
        s.message_id.as_deref(),
        Some("a3f8c20eb201864e.c4@woodgrovebank.example")
    );
    assert_eq!(s.subject.as_deref(), Some("Secure: your loan documents"));
}

fn signals(parts: &[(&str, &str)], headers: &[(&str, &str)]) -> CheapSignals {
    CheapSignals {
        parts: parts
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect(),
        headers: headers
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect(),
        message_id: Some("x@example.org".to_owned()),
        subject: Some("hello".to_owned()),
    }
}

#[test]
fn contradictions_are_suspicious() {
    let exe = signals(
        &[("SecureMessageAtt.html", "application/x-msdownload")],
        &[],
    );
    assert_eq!(
        classify_cheap(&exe),
        Some(PortalMark {
            vendor: Vendor::Proofpoint,
            suspicious: true,
            unverified: false
        })
    );
    let header_only = signals(
        &[],
        &[("sealed-message", "v=1; portal=https://p.example; id=a")],
    );
    assert_eq!(
        classify_cheap(&header_only),
        Some(PortalMark {
            vendor: Vendor::Sealed,
            suspicious: true,
            unverified: false
        })
    );
    let sealed = signals(
        &[("message.sealed", "application/vnd.sealed-message+json")],
        &[("sealed-message", "v=1; portal=https://p.example; id=a")],
    );
    assert_eq!(
        classify_cheap(&sealed),
        Some(PortalMark {
            vendor: Vendor::Sealed,
            suspicious: false,
            unverified: false
        })
    );
    let class_only = signals(&[], &[("content-class", "rpmsg.message")]);
    assert_eq!(
        classify_cheap(&class_only),
        Some(PortalMark {
            vendor: Vendor::MicrosoftRms,
            suspicious: true,
            unverified: false
        })
    );
    let two = signals(
        &[("securedoc_20261102T093012.html", "text/html")],
        &[("x-zixnet", "secure")],
    );
    assert!(classify_cheap(&two).is_some_and(|m| m.suspicious));
}

#[test]
fn common_names_alone_mark_nothing() {
    assert_eq!(
        classify_cheap(&signals(&[("message.html", "text/html")], &[])),
        None
    );
    assert_eq!(
        classify_cheap(&signals(&[("report.pdf", "application/pdf")], &[])),
        None
    );
    assert_eq!(classify_cheap(&CheapSignals::default()), None);
}

#[test]
fn a_notice_subject_with_nothing_behind_it_is_marked_as_a_look_alike() {
    // The demo's look-alike: no attachment, no vendor header, only the subject and links.
    let raw = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/demo/INBOX/35-protected-lookalike.eml"),
    )
    .expect("demo message");
    let mark = classify_cheap(&cheap_signals_from_raw(&raw));
    assert_eq!(
        mark.map(|m| (m.vendor, m.suspicious)),
        Some((Vendor::MicrosoftOme, true))
    );
    for subject in [
        "You\u{2019}ve received an encrypted message",
        "Payroll has sent you a protected message",
        "You've been sent a secure message",
    ] {
        let s = CheapSignals {
            subject: Some(subject.to_owned()),
            ..CheapSignals::default()
        };
        assert!(
            classify_cheap(&s).is_some_and(|m| m.suspicious),
            "{subject}"
        );
    }
    // Talking about encryption is not a notice.
    let s = CheapSignals {
        subject: Some("How encrypted email portals work".to_owned()),
        ..CheapSignals::default()
    };
    assert_eq!(classify_cheap(&s), None);
}

/// The list and the full classification read a vendor's attachment name by one rule: a
/// `securedoc_` name without Cisco's date is not marked in the list, as opening it would not
/// call it Cisco either.
#[test]
fn the_list_reads_attachment_names_as_the_full_check_does() {
    let with = |name: &str| CheapSignals {
        parts: vec![(name.to_owned(), "text/html".to_owned())],
        ..CheapSignals::default()
    };
    assert_eq!(
        classify_cheap(&with("securedoc_20260105T101500.html")).map(|m| m.vendor),
        Some(Vendor::CiscoCres)
    );
    assert_eq!(
        classify_cheap(&with("securedoc.html")).map(|m| m.vendor),
        Some(Vendor::CiscoCres)
    );
    assert_eq!(classify_cheap(&with("securedoc_invoice.html")), None);
    assert_eq!(
        classify_cheap(&with("Encrypted_Message.htm")).map(|m| m.vendor),
        Some(Vendor::Trendmicro)
    );
}
