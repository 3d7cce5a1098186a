//! The vendors the classifier knows, as a type: a vendor missing from a table (its rule, its
//! hosts, its advice) is a compile error or a failing test, not a silent fallback.

use std::fmt;

/// A vendor of encrypted-portal mail (and our own sealed format), in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Vendor {
    Sealed,
    MicrosoftOmeLegacy,
    MicrosoftOme,
    MicrosoftRms,
    Proofpoint,
    CiscoCres,
    Zix,
    Virtru,
    Mimecast,
    Egress,
    Trendmicro,
    Voltage,
    Proton,
    GmailConfidential,
}

impl Vendor {
    /// Every vendor, in table order.
    pub const ALL: [Vendor; 14] = [
        Vendor::Sealed,
        Vendor::MicrosoftOmeLegacy,
        Vendor::MicrosoftOme,
        Vendor::MicrosoftRms,
        Vendor::Proofpoint,
        Vendor::CiscoCres,
        Vendor::Zix,
        Vendor::Virtru,
        Vendor::Mimecast,
        Vendor::Egress,
        Vendor::Trendmicro,
        Vendor::Voltage,
        Vendor::Proton,
        Vendor::GmailConfidential,
    ];

    /// The id `sealmail inspect` prints and the metrics label carry (`microsoft-ome`).
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Sealed => "sealed",
            Vendor::MicrosoftOmeLegacy => "microsoft-ome-legacy",
            Vendor::MicrosoftOme => "microsoft-ome",
            Vendor::MicrosoftRms => "microsoft-rms",
            Vendor::Proofpoint => "proofpoint",
            Vendor::CiscoCres => "cisco-cres",
            Vendor::Zix => "zix",
            Vendor::Virtru => "virtru",
            Vendor::Mimecast => "mimecast",
            Vendor::Egress => "egress",
            Vendor::Trendmicro => "trendmicro",
            Vendor::Voltage => "voltage",
            Vendor::Proton => "proton",
            Vendor::GmailConfidential => "gmail-confidential",
        }
    }

    /// The vendor with this id, if there is one.
    pub fn from_id(id: &str) -> Option<Vendor> {
        Vendor::ALL.into_iter().find(|v| v.as_str() == id)
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_read_back() {
        for v in Vendor::ALL {
            assert_eq!(Vendor::from_id(v.as_str()), Some(v));
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
        assert_eq!(Vendor::from_id("yahoo"), None);
    }
}
