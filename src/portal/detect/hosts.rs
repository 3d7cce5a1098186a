//! Where each vendor's mail may point: its portal (exact host and path), its own help, privacy
//! and product pages, and whether it lives on the sending organisation's host; and the hosts
//! that serve user content, which never count as any vendor's. One [`VendorHosts`] value per
//! vendor; every rule reads these tables, none lists hosts of its own.

use super::links::Link;

/// How a host name is matched: exactly, never by substring or query.
#[derive(Clone, Copy, Debug)]
pub enum HostMatch {
    /// This host name only.
    Exact(&'static str),
    /// Any name under this vendor-run domain (`web1.zixmail.net`): only for domains that
    /// serve nothing but the vendor's portal.
    Under(&'static str),
}

impl HostMatch {
    fn matches(self, host: &str) -> bool {
        match self {
            HostMatch::Exact(h) => host.eq_ignore_ascii_case(h),
            HostMatch::Under(d) => {
                host.eq_ignore_ascii_case(d)
                    || host.len() > d.len()
                        && host
                            .get(host.len() - d.len()..)
                            .is_some_and(|tail| tail.eq_ignore_ascii_case(d))
                        && host.as_bytes().get(host.len() - d.len() - 1) == Some(&b'.')
            }
        }
    }
}

/// How a path is matched (lowercase).
#[derive(Clone, Copy, Debug)]
pub enum PathMatch {
    Exact(&'static str),
    Prefix(&'static str),
    Any,
}

impl PathMatch {
    fn matches(self, path: &str) -> bool {
        match self {
            PathMatch::Exact(p) => path == p,
            PathMatch::Prefix(p) => path.starts_with(p),
            PathMatch::Any => true,
        }
    }
}

/// A vendor's portal: a host and a path.
#[derive(Clone, Copy, Debug)]
pub struct Portal {
    pub host: HostMatch,
    pub path: PathMatch,
}

/// Everything one vendor's mail may point to.
#[derive(Clone, Copy, Debug)]
pub struct VendorHosts {
    pub vendor: &'static str,
    /// Where the vendor's portal is (on the vendor's hosts).
    pub portals: &'static [Portal],
    /// The portal lives on the sending organisation's own host (Proofpoint, Voltage): links
    /// on the registrable domain of `From:` stay home, but only a trusted
    /// `Authentication-Results` makes such mail `genuine`.
    pub org_hosted: bool,
    /// The vendor's help, privacy and product pages that its notifications link to.
    pub pages: &'static [HostMatch],
}

const fn exact(host: &'static str, path: PathMatch) -> Portal {
    Portal {
        host: HostMatch::Exact(host),
        path,
    }
}

use HostMatch::{Exact, Under};
use PathMatch::{Any, Prefix};

/// Microsoft's help, privacy and product pages (what real Message Encryption wrappers carry).
const MICROSOFT_PAGES: &[HostMatch] = &[
    Exact("go.microsoft.com"),
    Exact("aka.ms"),
    Exact("privacy.microsoft.com"),
    Exact("support.microsoft.com"),
    Exact("learn.microsoft.com"),
    Exact("docs.microsoft.com"),
    Exact("www.microsoft.com"),
    Exact("support.office.com"),
];

const OME_PORTALS: &[Portal] = &[
    exact(
        "outlook.office365.com",
        PathMatch::Exact("/encryption/retrieve.ashx"),
    ),
    exact(
        "outlook.office.com",
        PathMatch::Exact("/encryption/retrieve.ashx"),
    ),
];

const OME_LEGACY_PORTALS: &[Portal] = &[
    exact("outlook.com", PathMatch::Exact("/encryption/store.ashx")),
    exact(
        "outlook.office365.com",
        PathMatch::Exact("/encryption/store.ashx"),
    ),
    exact(
        "outlook.office.com",
        PathMatch::Exact("/encryption/store.ashx"),
    ),
];

/// Every vendor, in the order of `VENDOR_IDS` (without `sealed`, whose trust is its envelope).
pub const VENDORS: &[VendorHosts] = &[
    VendorHosts {
        vendor: "microsoft-ome-legacy",
        portals: OME_LEGACY_PORTALS,
        org_hosted: false,
        pages: MICROSOFT_PAGES,
    },
    VendorHosts {
        vendor: "microsoft-ome",
        portals: OME_PORTALS,
        org_hosted: false,
        pages: MICROSOFT_PAGES,
    },
    VendorHosts {
        vendor: "microsoft-rms",
        portals: &[],
        org_hosted: false,
        pages: MICROSOFT_PAGES,
    },
    VendorHosts {
        vendor: "proofpoint",
        portals: &[],
        org_hosted: true,
        pages: &[Exact("www.proofpoint.com"), Exact("proofpoint.com")],
    },
    VendorHosts {
        vendor: "cisco-cres",
        portals: &[exact("res.cisco.com", Any)],
        org_hosted: false,
        pages: &[Exact("www.cisco.com"), Exact("cisco.com")],
    },
    VendorHosts {
        vendor: "zix",
        portals: &[
            Portal {
                host: Under("zixmail.net"),
                path: Any,
            },
            Portal {
                host: Under("zixport.com"),
                path: Any,
            },
        ],
        org_hosted: false,
        pages: &[
            Exact("www.zixcorp.com"),
            Exact("zixcorp.com"),
            Exact("www.zix.com"),
        ],
    },
    VendorHosts {
        vendor: "virtru",
        portals: &[exact("secure.virtru.com", Prefix("/start"))],
        org_hosted: false,
        pages: &[
            Exact("www.virtru.com"),
            Exact("virtru.com"),
            Exact("support.virtru.com"),
        ],
    },
    VendorHosts {
        vendor: "mimecast",
        portals: MIMECAST_PORTALS,
        org_hosted: false,
        pages: &[Exact("www.mimecast.com"), Exact("community.mimecast.com")],
    },
    VendorHosts {
        vendor: "egress",
        portals: &[
            exact("switch.egress.com", Any),
            exact("reader.egress.com", Any),
        ],
        org_hosted: false,
        pages: &[Exact("www.egress.com"), Exact("support.egress.com")],
    },
    VendorHosts {
        vendor: "trendmicro",
        portals: &[
            exact("encryption.trendmicro.com", Any),
            exact("encryption.trendmicro.eu", Any),
        ],
        org_hosted: false,
        pages: &[Exact("www.trendmicro.com"), Exact("success.trendmicro.com")],
    },
    VendorHosts {
        vendor: "voltage",
        portals: &[],
        org_hosted: true,
        pages: &[Exact("www.voltage.com"), Exact("voltage.com")],
    },
    VendorHosts {
        vendor: "proton",
        portals: &[
            exact("mail.proton.me", Prefix("/eo/")),
            exact("mail.protonmail.com", Prefix("/eo/")),
        ],
        org_hosted: false,
        pages: &[
            Exact("proton.me"),
            Exact("www.proton.me"),
            Exact("protonmail.com"),
        ],
    },
    VendorHosts {
        vendor: "gmail-confidential",
        portals: &[exact("confidential-mail.google.com", Any)],
        org_hosted: false,
        pages: &[Exact("support.google.com"), Exact("policies.google.com")],
    },
];

/// Mimecast's regional login and webmail hosts (`login-us.mimecast.com`).
const MIMECAST_PORTALS: &[Portal] = &[
    exact("login.mimecast.com", Any),
    exact("login-us.mimecast.com", Any),
    exact("login-uk.mimecast.com", Any),
    exact("login-eu.mimecast.com", Any),
    exact("login-de.mimecast.com", Any),
    exact("login-ca.mimecast.com", Any),
    exact("login-za.mimecast.com", Any),
    exact("login-au.mimecast.com", Any),
    exact("login-je.mimecast.com", Any),
    exact("webmail-us.mimecast.com", Any),
    exact("webmail-uk.mimecast.com", Any),
    exact("webmail-eu.mimecast.com", Any),
    exact("webmail-de.mimecast.com", Any),
    exact("webmail-ca.mimecast.com", Any),
    exact("webmail-za.mimecast.com", Any),
    exact("webmail-au.mimecast.com", Any),
];

/// Hosts where anyone can publish a page or a form, on any vendor's domain: never a portal,
/// never a vendor's page.
const USER_CONTENT: &[HostMatch] = &[
    // Microsoft
    Exact("forms.office.com"),
    Exact("forms.microsoft.com"),
    Exact("forms.office365.com"),
    Exact("forms.cloud.microsoft"),
    Exact("sway.office.com"),
    Exact("sway.com"),
    Exact("www.sway.com"),
    Exact("sway.cloud.microsoft"),
    Exact("onedrive.live.com"),
    Exact("1drv.ms"),
    Exact("onenote.com"),
    Exact("www.onenote.com"),
    Exact("onenote.office.com"),
    Exact("loop.cloud.microsoft"),
    Exact("whiteboard.office.com"),
    Under("sharepoint.com"),
    Under("sharepoint-df.com"),
    Under("onmicrosoft.com"),
    Under("blob.core.windows.net"),
    Under("web.core.windows.net"),
    Under("azurewebsites.net"),
    Under("azureedge.net"),
    Under("azurefd.net"),
    Under("azurestaticapps.net"),
    Under("trafficmanager.net"),
    Under("cloudapp.azure.com"),
    // Google
    Exact("sites.google.com"),
    Exact("docs.google.com"),
    Exact("drive.google.com"),
    Exact("forms.google.com"),
    Exact("script.google.com"),
    Exact("storage.googleapis.com"),
    Exact("firebasestorage.googleapis.com"),
    Exact("forms.gle"),
    Exact("g.co"),
    Under("googleusercontent.com"),
    Under("appspot.com"),
    Under("firebaseapp.com"),
    Under("web.app"),
    Under("page.link"),
    Under("blogspot.com"),
    // Other hosting
    Under("amazonaws.com"),
    Under("cloudfront.net"),
    Under("github.io"),
    Under("githubusercontent.com"),
    Under("gitlab.io"),
    Under("netlify.app"),
    Under("vercel.app"),
    Under("pages.dev"),
    Under("workers.dev"),
    Under("r2.dev"),
    Under("herokuapp.com"),
    Under("glitch.me"),
    Under("ngrok.io"),
    Under("ngrok-free.app"),
    Under("dropbox.com"),
    Under("dropboxusercontent.com"),
    Under("box.com"),
    Under("wixsite.com"),
    Under("weebly.com"),
    Under("webflow.io"),
    Under("notion.site"),
    Under("godaddysites.com"),
    Under("squarespace.com"),
    Under("ipfs.io"),
    Under("typeform.com"),
    Under("jotform.com"),
];

/// The table entry of a vendor.
pub fn of(vendor: &str) -> Option<&'static VendorHosts> {
    VENDORS.iter().find(|v| v.vendor == vendor)
}

/// True when anyone can publish on this host.
pub fn user_content(host: &str) -> bool {
    USER_CONTENT.iter().any(|m| m.matches(host))
}

fn host_of(link: &Link) -> Option<&str> {
    link.host().filter(|h| !user_content(h))
}

impl VendorHosts {
    /// The vendor's portal, by exact host and path (a query is never looked at).
    pub fn is_portal(&self, link: &Link) -> bool {
        let Some(host) = host_of(link) else {
            return false;
        };
        let path = link.path();
        self.portals
            .iter()
            .any(|p| p.host.matches(host) && p.path.matches(&path))
    }

    /// One of the vendor's help, privacy or product pages.
    pub fn is_page(&self, link: &Link) -> bool {
        host_of(link).is_some_and(|h| self.pages.iter().any(|m| m.matches(h)))
    }

    /// The vendor's own hosts: portal or page.
    pub fn is_own(&self, link: &Link) -> bool {
        self.is_portal(link) || self.is_page(link)
    }
}

#[cfg(test)]
mod tests {
    use super::super::links::{LinkKind, Place};
    use super::*;

    fn link(href: &str) -> Link {
        Link::new(href, LinkKind::Anchor, Place::Body, "", None)
    }

    #[test]
    fn portals_are_exact_host_and_path_never_query() {
        let ome = of("microsoft-ome").expect("ome");
        assert!(ome.is_portal(&link(
            "https://outlook.office365.com/Encryption/retrieve.ashx?InternetMessageID=a"
        )));
        for h in [
            "https://forms.office.com/Pages/ResponsePage.aspx?id=X&internetmessageid=x",
            "https://outlook.office365.com/owa/?InternetMessageID=a",
            "https://eu.outlook.office365.com/Encryption/retrieve.ashx",
            "https://outlook.office365.com/Encryption/retrieve.ashx/../x",
            "https://contoso.sharepoint.com/Encryption/retrieve.ashx",
            "https://x.blob.core.windows.net/Encryption/retrieve.ashx",
        ] {
            assert!(!ome.is_portal(&link(h)), "{h}");
        }
    }

    #[test]
    fn under_matches_at_a_label_boundary() {
        assert!(Under("zixmail.net").matches("web1.zixmail.net"));
        assert!(Under("zixmail.net").matches("zixmail.net"));
        assert!(!Under("zixmail.net").matches("evilzixmail.net"));
        assert!(!Under("zixmail.net").matches("zixmail.net.evil.example"));
        assert!(user_content("phish.web.app"));
        assert!(user_content("forms.office.com"));
        assert!(!user_content("outlook.office365.com"));
    }

    #[test]
    fn every_vendor_has_an_entry() {
        for id in super::super::VENDOR_IDS.iter().filter(|v| **v != "sealed") {
            assert!(of(id).is_some(), "{id}");
        }
    }
}
