//! Turns every vendor's evidence into one classification: which vendor, and `genuine` only when
//! two independent signals agree, the vendor's strongest signal is there, and nothing claims to
//! be the portal while pointing elsewhere.

use super::evidence::{Class, Evidence, clickable, goes_to, shown_host};
use super::facts::Facts;
use super::links::{Link, LinkKind, Place};
use super::{Classification, Vendor, Verdict, auth, hosts, sealed, vendors};

/// Reasons kept from the every-link rule.
const MAX_OFF_HOME: usize = 32;

fn vendor_name(vendor: Vendor) -> &'static str {
    crate::detect::advice::advice(vendor).map_or(vendor.as_str(), |a| a.name)
}

/// The rule every vendor follows: each clickable link, form action, frame, redirect and script
/// target (in the body or in any attachment) and each attachment's `<base>` stays on the
/// vendor's own hosts; an HTML attachment with a password field sends it there too. What does
/// not is returned as (href, reason). `sealed` is exempt: its trust is its envelope.
fn off_home(facts: &Facts, vendor: Vendor) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    if vendor == Vendor::Sealed {
        return out;
    }
    let name = vendor_name(vendor);
    for link in &facts.links {
        if out.len() >= MAX_OFF_HOME {
            break;
        }
        let counts = match (link.kind, link.place) {
            // Text in a page is not a link a browser follows.
            (LinkKind::Text, Place::Attachment(_)) => false,
            (LinkKind::Base, Place::Attachment(_)) => true,
            _ => clickable(link),
        };
        if !counts {
            continue;
        }
        if link.url.is_none() {
            if vendors::dangerous_scheme(&link.href) {
                out.push((
                    link.href.clone(),
                    "a link runs a script or opens hidden content instead of a web page".to_owned(),
                ));
            }
            continue;
        }
        if vendors::stays_home(vendor, facts, link) {
            continue;
        }
        let what = match link.kind {
            LinkKind::Form => "a form posts to",
            LinkKind::Refresh => "the message redirects to",
            LinkKind::Frame => "a frame loads",
            LinkKind::Script => "a script points to",
            LinkKind::Base => "the base address is",
            _ => "a link goes to",
        };
        let place = match link.place {
            Place::Attachment(i) => facts
                .parts
                .get(i)
                .map(|p| format!("in the attachment {}, ", p.shown_name()))
                .unwrap_or_default(),
            Place::Body => String::new(),
        };
        let target = goes_to(link);
        let why = if link.host().is_some_and(hosts::user_content) {
            format!("{place}{what} {target}, a host that serves anyone's content, never {name}")
        } else {
            format!("{place}{what} {target}, off {name}'s own hosts")
        };
        if !out.iter().any(|(h, _)| *h == link.href) {
            out.push((link.href.clone(), why));
        }
    }
    for (i, part) in facts.parts.iter().enumerate() {
        let Some(h) = part.html.as_ref().filter(|_| part.attachment) else {
            continue;
        };
        let base = h
            .base_href
            .as_deref()
            .and_then(|b| url::Url::parse(b.trim()).ok());
        for input in h.inputs.iter().filter(|i| i.kind == "password") {
            let action = input
                .form
                .and_then(|f| h.forms.get(f))
                .and_then(|f| f.action.clone())
                .unwrap_or_default();
            let link = Link::new(
                &action,
                LinkKind::Form,
                Place::Attachment(i),
                "",
                base.as_ref(),
            );
            if link.url.is_some() && vendors::stays_home(vendor, facts, &link) {
                continue;
            }
            let to = if link.url.is_some() {
                goes_to(&link)
            } else {
                "somewhere else".to_owned()
            };
            out.push((
                link.href.clone(),
                format!(
                    "the attachment {} asks for a password and sends it to {to}, not {name}",
                    part.shown_name()
                ),
            ));
            break;
        }
    }
    out
}

/// For an organisation-hosted vendor: the sender's registrable domain when a link the verdict
/// accepted lives there (only `Authentication-Results` the user trusts can vouch for it).
fn relies_on_sender(facts: &Facts, vendor: Vendor) -> Option<String> {
    let home = vendors::home(vendor);
    let relies = facts
        .links
        .iter()
        .any(|l| l.url.is_some() && !home.is_own(l) && vendors::on_org_host(home, facts, l));
    relies.then(|| facts.from_domain.clone()).flatten()
}

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
    for (href, why) in off_home(facts, ev.vendor) {
        if !reasons.iter().any(|(h, _)| *h == href) {
            reasons.push((href, why));
        }
    }
    for link in &facts.links {
        // Enough to explain; a bound keeps thousands of mismatched links linear.
        if reasons.len() >= 2 * MAX_OFF_HOME {
            break;
        }
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
    let sender_domain = relies_on_sender(facts, ev.vendor).filter(|_| verdict == Verdict::Genuine);
    let mut vouched_by = Vec::new();
    let verdict = match &sender_domain {
        Some(domain) => {
            push_unique(
                &mut signals,
                &format!(
                    "unverified: the portal is on the sender's own domain {domain}, and no \
                     trusted Authentication-Results vouch for that sender"
                ),
            );
            vouched_by = auth::vouching_ids(&facts.headers, domain);
            Verdict::Unverified
        }
        None => verdict,
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
        readable_inline: ev.vendor == Vendor::Sealed && verdict == Verdict::Genuine,
        verdict: Some(verdict),
        links,
        signals,
        reason,
        sender_domain,
        vouched_by,
    }
}
