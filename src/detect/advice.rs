//! What to tell the user about each portal vendor's mail: the service's name, how the
//! recipient gets in, and plain words on how to read the message from a terminal. Each
//! vendor's advice is part of its rule (`vendors/<vendor>.rs`); a sealed message's is here.

use super::Vendor;
use super::vendors::RULES;

/// How the recipient proves who they are to the vendor's portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// sealmail signs in and decrypts in the pane.
    Inline,
    /// A Microsoft, work or school account, a Google or Yahoo account, or a one-time passcode.
    AccountOrPasscode,
    /// A password registered once with the vendor's portal.
    RegisteredPassword,
    /// A verification link mailed to the recipient.
    EmailedLink,
    /// Registration with the vendor's portal on first use.
    Registration,
    /// A password the sender shared by another channel.
    SharedPassword,
    /// A passcode sent by SMS or mail.
    PasscodeBySmsOrMail,
    /// Nothing outside Microsoft Outlook and Outlook on the web.
    OutlookOnly,
}

/// The advice for one vendor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Advice {
    pub vendor: Vendor,
    /// The service's name as people know it.
    pub name: &'static str,
    pub access: Access,
    /// How the recipient gets in, in a few words.
    pub how_in: &'static str,
    /// What to do, in one or two sentences.
    pub tell: &'static str,
    /// Whether the portal link can usefully be opened in a browser or on a phone.
    pub link_helps: bool,
    /// Whether the way in is the mail's HTML attachment, opened in a browser (the pane then
    /// offers to save and open it).
    pub attachment_opens: bool,
}

/// A sealed message's advice (sealed mail has no vendor rule: its rules are its own).
const SEALED: Advice = Advice {
    vendor: Vendor::Sealed,
    name: "Sealed message",
    access: Access::Inline,
    how_in: "a passcode mailed to you, or a sign-in with your identity provider",
    tell: "sealmail can open this message here: choose how to sign in.",
    link_helps: false,
    attachment_opens: false,
};

/// The advice for a vendor: its rule's (`vendors/`), or a sealed message's.
pub fn advice(vendor: Vendor) -> Option<&'static Advice> {
    if vendor == Vendor::Sealed {
        return Some(&SEALED);
    }
    RULES
        .iter()
        .find(|rule| rule.hosts.vendor == vendor)
        .map(|rule| &rule.advice)
}

/// The words shown for a suspicious message, before the reason.
pub const SUSPICIOUS_WARNING: &str = "This message imitates encrypted-portal mail. Do not follow \
                                      its links or open its attachments.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendor_has_advice() {
        for vendor in Vendor::ALL {
            let a = advice(vendor);
            assert!(a.is_some(), "no advice for {vendor}");
            assert!(a.is_some_and(|a| !a.name.is_empty() && !a.tell.is_empty()));
        }
        for rule in RULES {
            assert_eq!(
                rule.advice.vendor, rule.hosts.vendor,
                "{}",
                rule.hosts.vendor
            );
        }
    }

    #[test]
    fn rms_says_only_outlook_can_open_it() {
        let a = advice(Vendor::MicrosoftRms);
        assert_eq!(a.map(|a| a.access), Some(Access::OutlookOnly));
        assert!(a.is_some_and(|a| {
            a.tell
                .contains("Only Microsoft Outlook or Outlook on the web")
                && !a.link_helps
        }));
    }
}
