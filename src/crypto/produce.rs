//! Outgoing mail signed, or signed and encrypted: with OpenPGP (RFC 3156) the entity the
//! composer built goes to the user's own gpg and comes back as `multipart/signed` with a
//! detached signature or `multipart/encrypted`; with S/MIME (RFC 8551) it is signed and
//! encrypted in memory. Encrypted to every recipient and the sender, so that the Sent copy
//! stays readable. Implements [`Protector`] for `submit`.

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

/// S/MIME with the user's certificate and key (RFC 8551): signed with a detached signature
/// (`multipart/signed`, readable by any client), or signed inside and encrypted
/// (`application/pkcs7-mime`, enveloped data with AES-256-CBC, which every client reads; the
/// signature inside is what protects it against change) to every recipient's certificate and
/// the user's own.
pub struct SmimeProtector {
    pub identity: std::sync::Arc<super::smime::Identity>,
    pub correspondents: std::sync::Arc<Vec<x509_cert::Certificate>>,
}

/// Base64 in lines of 76, CRLF-ended, as MIME carries it.
fn base64_lines(bytes: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = Vec::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    for line in encoded.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

impl SmimeProtector {
    /// The certificate for `address`: the user's own, or a correspondent's.
    fn certificate_for(&self, address: &str) -> Option<x509_cert::Certificate> {
        let wanted = address.trim().to_lowercase();
        std::iter::once(&self.identity.certificate)
            .chain(self.correspondents.iter())
            .find(|cert| super::smime::addresses(cert).contains(&wanted))
            .cloned()
    }
}

impl Protector for SmimeProtector {
    fn wrap(
        &self,
        entity: &[u8],
        _signer: &str,
        recipients: &[String],
        encrypt: bool,
    ) -> Result<Wrapped, String> {
        use super::smime;
        let entity = zeroize::Zeroizing::new(canonical_crlf(entity));
        if encrypt {
            let mut certificates = vec![self.identity.certificate.clone()];
            for address in recipients {
                let cert = self.certificate_for(address).ok_or_else(|| {
                    format!("no S/MIME certificate for {address} (see smime_certificates)")
                })?;
                certificates.push(cert);
            }
            let signed = smime::sign(&self.identity, &entity, false).map_err(|e| e.to_string())?;
            let mut inner = zeroize::Zeroizing::new(
                b"Content-Type: application/pkcs7-mime; smime-type=signed-data; name=\"smime.p7m\"\r\n\
                  Content-Transfer-Encoding: base64\r\n\
                  Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n"
                    .to_vec(),
            );
            inner.extend_from_slice(&base64_lines(&signed));
            let der = smime::encrypt(&certificates, &inner, smime::ContentCipher::Aes256Cbc)
                .map_err(|e| e.to_string())?;
            return Ok(Wrapped {
                content_type: "application/pkcs7-mime; smime-type=enveloped-data; name=\"smime.p7m\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7m\"".to_owned(),
                body: base64_lines(&der),
            });
        }
        let signature = smime::sign(&self.identity, &entity, true).map_err(|e| e.to_string())?;
        let b = boundary(&signature);
        let mut body = b"This is an S/MIME signed message\r\n".to_vec();
        body.extend_from_slice(format!("--{b}\r\n").as_bytes());
        body.extend_from_slice(&entity);
        body.extend_from_slice(
            format!(
                "\r\n--{b}\r\nContent-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n\
                 Content-Transfer-Encoding: base64\r\n\
                 Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&base64_lines(&signature));
        body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
        Ok(Wrapped {
            content_type: format!(
                "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"{b}\""
            ),
            body,
        })
    }
}
