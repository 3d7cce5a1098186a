//! What to tell the user about each portal vendor's mail: the service's name, how the
//! recipient gets in, and plain words on how to read the message from a terminal.

use crate::detect::Vendor;

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
}

const ADVICE: &[Advice] = &[
    Advice {
        vendor: Vendor::Sealed,
        name: "Sealed message",
        access: Access::Inline,
        how_in: "a passcode mailed to you, or a sign-in with your identity provider",
        tell: "sealmail can open this message here: choose how to sign in.",
        link_helps: false,
    },
    Advice {
        vendor: Vendor::MicrosoftOmeLegacy,
        name: "Microsoft 365 Message Encryption (classic)",
        access: Access::AccountOrPasscode,
        how_in: "a Microsoft, work or school account, or a one-time passcode",
        tell: "Save the attachment message.html and open it in a browser, then sign in or ask \
               for a one-time passcode.",
        link_helps: false,
    },
    Advice {
        vendor: Vendor::MicrosoftOme,
        name: "Microsoft Purview Message Encryption",
        access: Access::AccountOrPasscode,
        how_in: "a Microsoft, work or school, Google or Yahoo account, or a one-time passcode \
                 mailed to this address (valid 15 minutes)",
        tell: "Open the link in a browser and sign in, or choose the one-time passcode: it \
               arrives here as \u{201c}Your one-time passcode to view the message\u{201d}.",
        link_helps: true,
    },
    Advice {
        vendor: Vendor::MicrosoftRms,
        name: "Microsoft rights-protected message",
        access: Access::OutlookOnly,
        how_in: "nothing outside Microsoft Outlook",
        tell: "Only Microsoft Outlook or Outlook on the web can open this message; there is no \
               link to follow.",
        link_helps: false,
    },
    Advice {
        vendor: Vendor::Proofpoint,
        name: "Proofpoint Encryption",
        access: Access::RegisteredPassword,
        how_in: "a password you register with the sender's secure mail portal",
        tell: "Open the secure reader link (or the attachment SecureMessageAtt.html) in a \
               browser and sign in with your registered password.",
        link_helps: true,
    },
    Advice {
        vendor: Vendor::CiscoCres,
        name: "Cisco Secure Email Encryption",
        access: Access::RegisteredPassword,
        how_in: "a password registered with Cisco Registered Envelope Service",
        tell: "Save the securedoc attachment and open it in a browser, then enter your \
               registered password.",
        link_helps: false,
    },
    Advice {
        vendor: Vendor::Zix,
        name: "Zix secure message",
        access: Access::RegisteredPassword,
        how_in: "a registered password, or a Google or Microsoft sign-in",
        tell: "Open the link in a browser and sign in to the Zix portal.",
        link_helps: true,
    },
    Advice {
        vendor: Vendor::Virtru,
        name: "Virtru",
        access: Access::EmailedLink,
        how_in: "a verification link mailed to this address",
        tell: "Open the link in a browser and verify your address with the link Virtru mails \
               you.",
        link_helps: true,
    },
    Advice {
        vendor: Vendor::Mimecast,
        name: "Mimecast secure messaging",
        access: Access::RegisteredPassword,
        how_in: "a Mimecast password",
        tell: "Open the link in a browser and sign in with your Mimecast password.",
        link_helps: true,
    },
    Advice {
        vendor: Vendor::Egress,
        name: "Egress",
        access: Access::Registration,
        how_in: "an Egress account, registered on first use",
        tell: "Open the link in a browser and sign in to Egress (or register).",
        link_helps: true,
    },
    Advice {
        vendor: Vendor::Trendmicro,
        name: "Trend Micro Email Encryption",
        access: Access::Registration,
        how_in: "registration with Trend Micro on first use",
        tell: "Save the attachment Encrypted_Message.htm, open it in a browser and choose \
               \u{201c}Open my email\u{201d}.",
        link_helps: false,
    },
    Advice {
        vendor: Vendor::Voltage,
        name: "Voltage SecureMail",
        access: Access::Registration,
        how_in: "registration with the sender's SecureMail portal",
        tell: "Save the attachment message_zdm.html, open it in a browser and choose \
               \u{201c}Read Message\u{201d}.",
        link_helps: false,
    },
    Advice {
        vendor: Vendor::Proton,
        name: "Proton Mail password-protected message",
        access: Access::SharedPassword,
        how_in: "a password the sender gave you another way",
        tell: "Open the link in a browser and enter the password the sender shared with you; \
               the message expires after 28 days.",
        link_helps: true,
    },
    Advice {
        vendor: Vendor::GmailConfidential,
        name: "Gmail confidential mode",
        access: Access::PasscodeBySmsOrMail,
        how_in: "a passcode sent by SMS or mail",
        tell: "Open the link in a browser; Google sends a passcode to confirm it is you.",
        link_helps: true,
    },
];

/// The advice for a vendor.
pub fn advice(vendor: Vendor) -> Option<&'static Advice> {
    ADVICE.iter().find(|a| a.vendor == vendor)
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
        assert_eq!(ADVICE.len(), Vendor::ALL.len());
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
