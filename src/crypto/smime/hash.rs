//! The digests S/MIME names by OID, computed in one place.

use der::oid::ObjectIdentifier;
use sha2::Digest;

use super::oids;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Hash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub(super) fn from_oid(oid: ObjectIdentifier) -> Option<Hash> {
        Some(match oid {
            o if o == oids::SHA1 => Hash::Sha1,
            o if o == oids::SHA224 => Hash::Sha224,
            o if o == oids::SHA256 => Hash::Sha256,
            o if o == oids::SHA384 => Hash::Sha384,
            o if o == oids::SHA512 => Hash::Sha512,
            _ => return None,
        })
    }

    pub(super) fn oid(self) -> ObjectIdentifier {
        match self {
            Hash::Sha1 => oids::SHA1,
            Hash::Sha224 => oids::SHA224,
            Hash::Sha256 => oids::SHA256,
            Hash::Sha384 => oids::SHA384,
            Hash::Sha512 => oids::SHA512,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Hash::Sha1 => "SHA-1",
            Hash::Sha224 => "SHA-224",
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }

    /// The digest of the concatenated `parts`.
    pub(super) fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut d = D::new();
            parts.iter().for_each(|p| d.update(p));
            d.finalize().to_vec()
        }
        match self {
            Hash::Sha1 => run::<sha1::Sha1>(parts),
            Hash::Sha224 => run::<sha2::Sha224>(parts),
            Hash::Sha256 => run::<sha2::Sha256>(parts),
            Hash::Sha384 => run::<sha2::Sha384>(parts),
            Hash::Sha512 => run::<sha2::Sha512>(parts),
        }
    }
}
