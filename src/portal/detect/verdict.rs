//! Turns every vendor's evidence into one classification: which vendor, and `genuine` only when
//! two independent signals agree, the vendor's strongest signal is there, and nothing claims to
//! be the portal while pointing elsewhere.

use super::evidence::{Class, Evidence, goes_to, shown_host};
use super::facts::Facts;
use super::{Classification, Verdict, sealed, vendors};

fn class_words(c: Class) -> &'static str {
    match c {
        Class::Header => "the vendor's header",
        Class::MessageId => "the vendor's Message-ID",
        Class::Structure => "the vendor's MIME structure",
        Class::Attachment => "the vendor's attachment",
        Class::Markup => "the vendor's markup inside the attachment",
        Class::Link => "a portal link on the vendor's own domain",
        Class::Wording => "the vendor's wording",
    }
}

/// Prefers the vendor with more independent signals, then more claims; the table order breaks
/// ties.
fn best<'a>(present: &[&'a Evidence]) -> Option<&'a Evidence> {
    let mut chosen: Option<&Evidence> = None;
    for e in present {
        let better = match chosen {
            None => true,
            Some(c) => {
                (e.classes(), e.claims.len() + e.elsewhere.len())
                    > (c.classes(), c.claims.len() + c.elsewhere.len())
            }
        };
        if better {
            chosen = Some(e);
        }
    }
    chosen
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !s.is_empty() && !v.iter().any(|x| x == s) {
        v.push(s.to_owned());
    }
}

pub fn decide(facts: &Facts, raw: &[u8]) -> Classification {
    let mut all = vec![sealed::sealed(facts, raw)];
    all.extend(vendors::all(facts));
    let present: Vec<&Evidence> = all.iter().filter(|e| e.present).collect();
    let Some(ev) = best(&present) else {
        return Classification::default();
    };

    // Anything that claims a portal but goes elsewhere, from any vendor's rules, and any link
    // whose visible address is not where it goes.
    let mut reasons: Vec<(String, String)> = ev.elsewhere.clone();
    for other in present.iter().filter(|e| e.vendor != ev.vendor) {
        reasons.extend(other.elsewhere.iter().cloned());
    }
    for link in &facts.links {
        if let Some(shown) = shown_host(link) {
            let why = format!("a link shows {shown} but goes to {}", goes_to(link));
            if !reasons.iter().any(|(h, _)| *h == link.href) {
                reasons.push((link.href.clone(), why));
            }
        }
    }

    if facts.truncated {
        reasons.push((
            String::new(),
            "the message is too large or has too many links to check them all".to_owned(),
        ));
    }

    let mut links = Vec::new();
    for l in &ev.portal_links {
        push_unique(&mut links, l);
    }
    let mut signals: Vec<String> = ev.signals.iter().map(|(_, t)| t.clone()).collect();
    for c in &ev.claims {
        push_unique(&mut signals, &format!("claim: {c}"));
    }

    let (verdict, reason) = if let Some((_, first)) = reasons.first() {
        for (href, _) in &reasons {
            push_unique(&mut links, href);
        }
        (Verdict::Suspicious, first.clone())
    } else if ev.classes() < 2 {
        let seen = ev
            .signals
            .first()
            .map(|(_, t)| t.clone())
            .or_else(|| ev.claims.first().cloned())
            .unwrap_or_default();
        (
            Verdict::Suspicious,
            format!(
                "only one sign of {} ({seen}); not enough to trust it",
                ev.vendor
            ),
        )
    } else if let Some(missing) = ev.required.iter().find(|c| !ev.has(**c)) {
        (
            Verdict::Suspicious,
            format!("{} is missing", class_words(*missing)),
        )
    } else {
        (Verdict::Genuine, String::new())
    };
    let reason = if verdict == Verdict::Suspicious {
        for (_, why) in &reasons {
            push_unique(&mut signals, &format!("warning: {why}"));
        }
        if reasons.is_empty() {
            push_unique(&mut signals, &format!("warning: {reason}"));
        }
        Some(reason)
    } else {
        None
    };
    Classification {
        portal: true,
        vendor: Some(ev.vendor),
        readable_inline: ev.vendor == "sealed" && verdict == Verdict::Genuine,
        verdict: Some(verdict),
        links,
        signals,
        reason,
    }
}
