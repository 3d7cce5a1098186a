//! The vendor rules: one file per vendor, each exporting one [`Rule`] value (its hosts, its
//! notification sentences and brands, its evidence function, its cheap check for the list, its
//! advice), from the facts in
//! `docs/portal-detection.md`; and the rules they share. `verdict` turns the evidence into a
//! classification.

mod cisco_cres;
mod egress;
mod gmail_confidential;
mod microsoft;
mod microsoft_ome;
mod microsoft_ome_legacy;
mod microsoft_rms;
mod mimecast;
mod proofpoint;
mod proton;
mod trendmicro;
mod virtru;
mod voltage;
mod zix;

use super::advice::{Access, Advice};
use super::cheap::{Cheap, header, html_vendor, named};
use super::evidence::{
    Class, Evidence, clickable, goes_to, in_body, is_call_to_action, lookalike, shown_host,
};
use super::facts::{Facts, Part};
use super::hosts::{
    self, HostMatch, HostMatch::Exact, HostMatch::Under, PathMatch, PathMatch::Any,
    PathMatch::Prefix, Portal, VendorHosts, exact,
};
use super::links::{Link, LinkKind, Place};
use super::{CheapSignals, Vendor};

/// One vendor: everything the classifier knows of it.
pub struct Rule {
    /// Where its mail may point (`hosts::VendorHosts`), with its vendor id.
    pub hosts: VendorHosts,
    /// Sentences of its notification that claim a message is one (lowercase). Product names
    /// are not here: mail that talks about a product is not portal mail.
    pub claims: &'static [&'static str],
    /// Its brand names (lowercase): wording that names other vendors' brands too talks about
    /// products.
    pub brands: &'static [&'static str],
    /// What the message shows of the vendor; `earlier` holds the evidence of the rules before
    /// it in [`RULES`].
    pub evidence: fn(&Facts, &[Evidence]) -> Evidence,
    /// What the list's cheap facts (attachment names and types, a few header fields) say of
    /// the vendor before any body is read.
    pub cheap: fn(&CheapSignals) -> Option<Cheap>,
    /// The subjects of its notifications (lowercase), which the list reads as its claim.
    pub notices: &'static [&'static str],
    /// What the pane tells the user about its mail.
    pub advice: Advice,
}

/// The cheap check of a vendor whose mail shows nothing cheaply.
fn no_cheap(_: &CheapSignals) -> Option<Cheap> {
    None
}

/// Every vendor, in the order of [`Vendor::ALL`] (without `sealed`, whose rules are its own).
pub const RULES: &[&Rule] = &[
    &microsoft_ome_legacy::RULE,
    &microsoft_ome::RULE,
    &microsoft_rms::RULE,
    &proofpoint::RULE,
    &cisco_cres::RULE,
    &zix::RULE,
    &virtru::RULE,
    &mimecast::RULE,
    &egress::RULE,
    &trendmicro::RULE,
    &voltage::RULE,
    &proton::RULE,
    &gmail_confidential::RULE,
];

/// Runs every vendor's rules.
pub fn all(facts: &Facts) -> Vec<Evidence> {
    let mut out: Vec<Evidence> = Vec::with_capacity(RULES.len());
    for rule in RULES {
        let ev = (rule.evidence)(facts, &out);
        out.push(ev);
    }
    out
}

/// The vendor whose notification the wording claims to be. None when several vendors are
/// claimed, or when other vendors' brands are named too: such a text talks about products.
fn claimed_by_wording(facts: &Facts) -> Option<Vendor> {
    let mut claimed = RULES
        .iter()
        .filter(|r| r.claims.iter().any(|p| facts.says(p)));
    let first = claimed.next()?;
    if claimed.next().is_some() {
        return None;
    }
    let other_brands = RULES
        .iter()
        .flat_map(|r| r.brands.iter())
        .filter(|b| !first.brands.contains(b))
        .any(|b| facts.says(b));
    (!other_brands).then_some(first.hosts.vendor)
}

/// The vendor's host table entry (an empty one for `sealed`, whose rules are its own).
pub fn home(vendor: Vendor) -> &'static VendorHosts {
    const NONE: VendorHosts = VendorHosts {
        vendor: Vendor::Sealed,
        portals: &[],
        org_hosted: false,
        pages: &[],
    };
    hosts::of(vendor).unwrap_or(&NONE)
}

/// True when a link stays on the vendor's own hosts (its portal, help, privacy and product
/// pages), or, for a vendor whose portal is on the sending organisation's host, on the
/// registrable domain of `From:` (which only a trusted `Authentication-Results` makes genuine).
pub fn stays_home(vendor: Vendor, facts: &Facts, link: &Link) -> bool {
    let home = home(vendor);
    home.is_own(link) || on_org_host(home, facts, link)
}

/// A link on the sender's own registrable domain, for an organisation-hosted vendor.
pub fn on_org_host(home: &VendorHosts, facts: &Facts, link: &Link) -> bool {
    home.org_hosted
        && link.host().is_some_and(|h| !hosts::user_content(h))
        && facts
            .from_domain
            .as_deref()
            .is_some_and(|d| link.on_domain(&[d]))
}

/// How a vendor whose way in is a link is recognised; its portal and pages are in `hosts`.
struct LinkSpec {
    domains: &'static [&'static str],
    tokens: &'static [&'static str],
    /// The vendor's path or query on a host that is not its portal: an imitation.
    pattern: fn(&Link) -> bool,
    /// Wording that agrees with the vendor.
    phrases: &'static [&'static str],
}

fn never(_: &Link) -> bool {
    false
}

/// The shared link rules: portal links on the vendor's domain, imitations elsewhere (vendor path
/// on a foreign host, look-alike host, an address shown in the text that the href does not go
/// to), and, once the message claims the vendor, calls to action that go elsewhere.
fn link_rules(facts: &Facts, spec: &LinkSpec, ev: &mut Evidence) {
    let domains = spec.domains;
    let main = domains.first().copied().unwrap_or("");
    let home = home(ev.vendor);
    for link in facts.links.iter().filter(|l| clickable(l)) {
        if home.is_portal(link) {
            ev.portal(link);
            ev.signal(Class::Link, format!("portal link to {}", goes_to(link)));
            continue;
        }
        if home.is_page(link) {
            continue;
        }
        let host = link.host().unwrap_or_default().to_owned();
        if (spec.pattern)(link) {
            ev.claim(format!("{} imitates the portal's address", goes_to(link)));
            let why = if hosts::user_content(&host) {
                format!(
                    "the portal link goes to {}, a host that serves anyone's content, not \
                     {main}'s portal",
                    goes_to(link)
                )
            } else {
                format!("the portal link goes to {}, not {main}", goes_to(link))
            };
            ev.elsewhere(link, why);
        } else if link.on_domain(domains) {
            // Another host of the vendor's domain (Forms, Sway, SharePoint…): never the
            // portal; once the vendor is present, `verdict` counts it as pointing elsewhere.
            continue;
        } else if !host.is_empty() && lookalike(&host, domains, spec.tokens) {
            ev.claim(format!("look-alike host {host}"));
            let why = match super::evidence::as_read(&host) {
                Some(read) => format!("{host} reads as {read} but is another domain"),
                None => format!("{host} only looks like {main}; it is another domain"),
            };
            ev.elsewhere(link, why);
        } else if let Some(shown) = shown_host(link) {
            let shown_is_vendor = super::links::registrable(&shown)
                .is_some_and(|d| domains.iter().any(|x| d == *x))
                || lookalike(&shown, domains, spec.tokens);
            if shown_is_vendor {
                ev.claim(format!("link text shows {shown}"));
                ev.elsewhere(
                    link,
                    format!("a link shows {shown} but goes to {}", goes_to(link)),
                );
            }
        }
    }
    ev.wording(facts, spec.phrases);
    let claimed = claimed_by_wording(facts) == Some(ev.vendor);
    ev.present |= !ev.portal_links.is_empty() || !ev.elsewhere.is_empty();
    if ev.present || claimed {
        let wording_only = !ev.present;
        call_to_action_rules(facts, domains, ev, wording_only);
    }
}

/// In a message that claims a vendor: any call to action or form going off the vendor's domain.
/// When only the wording claims the vendor (`any_link`), every link going elsewhere counts:
/// the claim points somewhere else.
fn call_to_action_rules(facts: &Facts, domains: &[&str], ev: &mut Evidence, any_link: bool) {
    for link in facts.links.iter().filter(|l| in_body(l) && clickable(l)) {
        if stays_home(ev.vendor, facts, link)
            || !(link.url.is_some() || dangerous_scheme(&link.href))
        {
            continue;
        }
        let cta = match link.kind {
            LinkKind::Anchor | LinkKind::Text => any_link || is_call_to_action(&link.label),
            LinkKind::Form | LinkKind::Refresh => true,
            _ => false,
        };
        if cta {
            let what = match link.kind {
                LinkKind::Form => "a form posts to".to_owned(),
                LinkKind::Refresh => "the message redirects to".to_owned(),
                _ => match label_words(&link.label) {
                    Some(words) => format!("\u{201c}{words}\u{201d} goes to"),
                    None => "a link goes to".to_owned(),
                },
            };
            ev.elsewhere(
                link,
                format!(
                    "{what} {}, not {}",
                    goes_to(link),
                    domains.first().copied().unwrap_or("the vendor")
                ),
            );
            ev.present = true;
        }
    }
}

/// Schemes that run code or hide content instead of going to a web page.
pub fn dangerous_scheme(href: &str) -> bool {
    let h = href.trim_start().to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:", "file:"]
        .iter()
        .any(|s| h.starts_with(s))
}

/// The call-to-action words of a label (vendor button texts only: no message content).
fn label_words(label: &str) -> Option<&'static str> {
    super::evidence::CALL_WORDS
        .iter()
        .find(|c| super::links::has_phrase(label, c))
        .copied()
}

/// Links, forms and frames inside an attachment that go off the expected domains, and
/// password fields the vendor's attachment never has.
fn attachment_rules(
    facts: &Facts,
    index: usize,
    part: &Part,
    domains: &[&str],
    passwords_allowed: bool,
    vendor_name: &str,
    ev: &mut Evidence,
) {
    let name = part.shown_name();
    for link in facts.links_in(Place::Attachment(index)) {
        if link.url.is_none() && !matches!(link.kind, LinkKind::Form) {
            continue;
        }
        // Plain text in the page is not a link a browser follows.
        let active =
            (clickable(link) && link.kind != LinkKind::Text) || matches!(link.kind, LinkKind::Base);
        if active && !stays_home(ev.vendor, facts, link) {
            let what = match link.kind {
                LinkKind::Form => "posts its form to",
                LinkKind::Base => "sets its base address to",
                _ => "links to",
            };
            ev.elsewhere(
                link,
                format!(
                    "the attachment {name} {what} {}, not {}",
                    goes_to(link),
                    domains.first().copied().unwrap_or(vendor_name)
                ),
            );
        }
    }
    if !passwords_allowed
        && let Some(h) = &part.html
        && let Some(i) = h.inputs.iter().find(|i| i.kind == "password")
    {
        let href = i
            .form
            .and_then(|f| h.forms.get(f))
            .and_then(|f| f.action.clone())
            .unwrap_or_default();
        let link = Link::new(&href, LinkKind::Form, Place::Attachment(index), "", None);
        ev.elsewhere(
            &link,
            format!("the attachment {name} asks for a password itself; {vendor_name} never does"),
        );
    }
}

fn is_html_attachment(p: &Part) -> bool {
    p.attachment && p.html.is_some()
}

fn path_is(link: &Link, path: &str) -> bool {
    link.path() == path
}

/// Domains on which an organisation-hosted portal may live: the sender's and the vendor's.
fn org_domains<'a>(facts: &'a Facts, vendor: &'static str) -> Vec<&'a str> {
    let mut v: Vec<&str> = facts.from_domain.as_deref().into_iter().collect();
    v.push(vendor);
    v
}
