//! Outgoing mail signed, or signed and encrypted, with OpenPGP (RFC 3156): the entity the
//! composer built goes to the user's own gpg, and comes back as `multipart/signed` with a
//! detached signature or `multipart/encrypted` (encrypted to every recipient and the sender,
//! so that the Sent copy stays readable). Implements [`Protector`] for `submit`.

use sha2::{Digest, Sha256};

use super::armor::canonical_crlf;
use super::gpg::{self, GpgSettings};
use crate::mail::outgoing::{Protector, Wrapped};

/// OpenPGP with the user's GnuPG.
pub struct OpenPgpProtector(pub GpgSettings);

/// A boundary that cannot occur in `body` (armour and MIME parts never hold it).
fn boundary(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("=-sealmail-{hex}")
}

impl Protector for OpenPgpProtector {
    fn wrap(
        &self,
        entity: &[u8],
        signer: &str,
        recipients: &[String],
        encrypt: bool,
    ) -> Result<Wrapped, String> {
        let entity = zeroize::Zeroizing::new(canonical_crlf(entity));
        if encrypt {
            let mut to: Vec<String> = recipients.to_vec();
            if !to.iter().any(|r| r.eq_ignore_ascii_case(signer)) {
                to.push(signer.to_owned());
            }
            let armoured =
                gpg::encrypt(&self.0, &entity, &to, Some(signer)).map_err(|e| e.to_string())?;
            let b = boundary(&armoured);
            let mut body = format!(
                "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n--{b}\r\n\
                 Content-Type: application/pgp-encrypted\r\n\
                 Content-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n\r\n\
                 --{b}\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\
                 Content-Description: OpenPGP encrypted message\r\n\
                 Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n"
            )
            .into_bytes();
            body.extend_from_slice(&canonical_crlf(&armoured));
            body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
            return Ok(Wrapped {
                content_type: format!(
                    "multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"{b}\""
                ),
                body,
            });
        }
        let (signature, micalg) =
            gpg::detach_sign(&self.0, &entity, signer).map_err(|e| e.to_string())?;
        let b = boundary(&signature);
        let mut body =
            format!("This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n--{b}\r\n")
                .into_bytes();
        body.extend_from_slice(&entity);
        body.extend_from_slice(
            format!(
                "\r\n--{b}\r\nContent-Type: application/pgp-signature; name=\"signature.asc\"\r\n\
                 Content-Description: OpenPGP digital signature\r\n\
                 Content-Disposition: attachment; filename=\"signature.asc\"\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&canonical_crlf(&signature));
        body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        Ok(Wrapped {
            content_type: format!(
                "multipart/signed; micalg={micalg}; protocol=\"application/pgp-signature\"; boundary=\"{b}\""
            ),
            body,
        })
    }
}
