//! Rights-managed Microsoft mail (`message.rpmsg`) with no portal: only Outlook opens it.
//! The vendor's rule value: its hosts, its notification sentences and brands, its evidence, its
//! cheap check for the list and its advice.

use super::microsoft::*;
use super::*;

pub const RULE: Rule = Rule {
    hosts: VendorHosts {
        vendor: Vendor::MicrosoftRms,
        portals: &[],
        org_hosted: false,
        pages: MICROSOFT_PAGES,
    },
    claims: &[],
    brands: super::microsoft::BRANDS,
    evidence,
    cheap,
    notices: &[],
    advice: Advice {
        vendor: Vendor::MicrosoftRms,
        name: "Microsoft rights-protected message",
        access: Access::OutlookOnly,
        how_in: "nothing outside Microsoft Outlook",
        tell: "Only Microsoft Outlook or Outlook on the web can open this message; there is no \
               link to follow.",
        link_helps: false,
        attachment_opens: false,
    },
};

/// Rights-managed mail (`message.rpmsg`) with no portal link: only Outlook or Outlook on the web
/// can open it.
fn evidence(facts: &Facts, earlier: &[Evidence]) -> Evidence {
    let absent = Evidence::new(Vendor::MicrosoftOme, &[]);
    let ome = earlier
        .iter()
        .find(|e| e.vendor == Vendor::MicrosoftOme)
        .unwrap_or(&absent);
    let mut ev = Evidence::new(Vendor::MicrosoftRms, &[Class::Attachment]);
    let parts = rpmsg_parts(facts);
    let content_class = facts
        .header("content-class")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("rpmsg.message"));
    if ome.present || (parts.is_empty() && !content_class) {
        return ev;
    }
    ev.present = true;
    if content_class {
        ev.signal(Class::Header, "Content-Class: rpmsg.message");
    }
    for p in &parts {
        let name = p.shown_name();
        let typed = p.mime == RPMSG_TYPE;
        let magic = p.head.starts_with(&RPMSG_MAGIC);
        if typed && is_rpmsg_name(&p.name_lower()) {
            ev.signal(
                Class::Attachment,
                format!("attachment {name} ({RPMSG_TYPE})"),
            );
        } else {
            ev.claim(format!("attachment {name} ({})", p.mime));
        }
        if magic {
            ev.signal(Class::Markup, "attachment starts with the rpmsg signature");
        } else if let Some(kind) = other_file_kind(&p.head) {
            let link = Link::new("", LinkKind::Text, Place::Body, "", None);
            ev.elsewhere(
                &link,
                format!("the attachment {name} is {kind}, not a rights-protected message"),
            );
        }
    }
    if parts.is_empty() {
        let link = Link::new("", LinkKind::Text, Place::Body, "", None);
        ev.elsewhere(
            &link,
            "Content-Class says rpmsg but there is no message.rpmsg",
        );
    }
    ev.wording(
        facts,
        &[
            "you can open it using microsoft outlook",
            "microsoft information protection",
        ],
    );
    // Rights-managed mail has no portal: any call to action leads somewhere else.
    call_to_action_rules(facts, MICROSOFT, &mut ev, false);
    ev
}

/// An rpmsg attachment or `Content-Class: rpmsg.message`. Purview Message Encryption mail
/// is sent by Exchange Online, and a rights-managed message may be too, so the Message-ID only
/// hints at which: opening the message decides.
fn cheap(s: &CheapSignals) -> Option<Cheap> {
    let rpmsg = named(s, |_| true)
        .into_iter()
        .filter(|(n, m)| m.eq_ignore_ascii_case(RPMSG_TYPE) || is_rpmsg_name(&n.to_lowercase()))
        .collect::<Vec<_>>();
    let content_class =
        header(s, "content-class").is_some_and(|v| v.trim().eq_ignore_ascii_case("rpmsg.message"));
    if rpmsg.is_empty() && !content_class {
        return None;
    }
    let exo = s
        .message_id
        .as_deref()
        .is_some_and(|id| id.to_ascii_lowercase().ends_with(".prod.outlook.com"));
    let typed_wrong = rpmsg.iter().any(|(n, m)| {
        is_rpmsg_name(&n.to_lowercase())
            && !m.eq_ignore_ascii_case(RPMSG_TYPE)
            && !m.eq_ignore_ascii_case("application/octet-stream")
    });
    Some(Cheap {
        vendor: if exo && !content_class {
            Vendor::MicrosoftOme
        } else {
            Vendor::MicrosoftRms
        },
        contradiction: typed_wrong || rpmsg.is_empty(),
    })
}
