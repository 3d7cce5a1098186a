//! Where each vendor's mail may point: its portal (exact host and path), its own help, privacy
//! and product pages, and whether it lives on the sending organisation's host; and the hosts
//! that serve user content, which never count as any vendor's. Each vendor's file in
//! `vendors/` holds its [`VendorHosts`] value; every rule reads them through [`of`].

use super::Vendor;
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
    pub vendor: Vendor,
    /// Where the vendor's portal is (on the vendor's hosts).
    pub portals: &'static [Portal],
    /// The portal lives on the sending organisation's own host (Proofpoint, Voltage): links
    /// on the registrable domain of `From:` stay home, but only a trusted
    /// `Authentication-Results` makes such mail `genuine`.
    pub org_hosted: bool,
    /// The vendor's help, privacy and product pages that its notifications link to.
    pub pages: &'static [HostMatch],
}

/// A portal on exactly this host.
pub const fn exact(host: &'static str, path: PathMatch) -> Portal {
    Portal {
        host: HostMatch::Exact(host),
        path,
    }
}

use HostMatch::{Exact, Under};

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
pub fn of(vendor: Vendor) -> Option<&'static VendorHosts> {
    super::vendors::RULES
        .iter()
        .map(|r| &r.hosts)
        .find(|v| v.vendor == vendor)
}

/// True when anyone can publish on this host.
pub fn user_content(host: &str) -> bool {
    USER_CONTENT.iter().any(|m| m.matches(host))
}

fn host_of(link: &Link) -> Option<&str> {
    link.host().filter(|h| !user_content(h))
}

impl VendorHosts {
    /// The vendor's portal, by exact host and path over https on the default port (a query
    /// is never looked at).
    pub fn is_portal(&self, link: &Link) -> bool {
        let Some(host) = host_of(link) else {
            return false;
        };
        let plain_https = link
            .url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https" && u.port().is_none());
        if !plain_https {
            return false;
        }
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
        let ome = of(Vendor::MicrosoftOme).expect("ome");
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
            "https://outlook.office365.com:8443/Encryption/retrieve.ashx",
            "http://outlook.office365.com/Encryption/retrieve.ashx",
            "https://outlook.office365.com@evil.example/Encryption/retrieve.ashx",
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
        for vendor in Vendor::ALL.into_iter().filter(|v| *v != Vendor::Sealed) {
            assert!(of(vendor).is_some(), "{vendor}");
        }
    }
}
