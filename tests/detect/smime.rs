//! S/MIME decrypted, verified and produced in memory (`crypto::smime`) against the real
//! `openssl`: a test root and intermediate CA, RSA and P-256 user certificates, an expired, an
//! untrusted and another sender's certificate, all made by `openssl` in a temporary directory;
//! messages made by `openssl cms` and `openssl smime`, and the results checked against the
//! original text; what sealmail makes is decrypted and verified by `openssl cms`.

use std::path::{Path, PathBuf};

use sealmail::crypto::smime::{self, ContentCipher, Identity, Integrity, KeyError, SmimeError};
use sealmail::secret::SecretString;

const BODY: &[u8] =
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe numbers for Q4. Gr\xc3\xbc\xc3\x9fe.\r\n";

/// A test PKI in a temporary directory, made by `openssl`.
pub(super) struct Pki {
    dir: tempfile::TempDir,
}

const CA_EXT: &str = "basicConstraints=critical,CA:TRUE\n\
keyUsage=critical,keyCertSign,cRLSign\n\
subjectKeyIdentifier=hash\n\
authorityKeyIdentifier=keyid\n";

fn user_ext(address: &str, usage: &str) -> String {
    format!(
        "basicConstraints=CA:FALSE\n\
keyUsage=critical,{usage}\n\
extendedKeyUsage=emailProtection\n\
subjectAltName=email:{address}\n\
subjectKeyIdentifier=hash\n\
authorityKeyIdentifier=keyid\n"
    )
}

const RSA_USAGE: &str = "digitalSignature,nonRepudiation,keyEncipherment";
const EC_USAGE: &str = "digitalSignature,keyAgreement";

impl Pki {
    pub(super) fn new() -> Pki {
        let pki = Pki {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::write(pki.path("body.txt"), BODY).unwrap();
        std::fs::write(pki.path("ca.ext"), CA_EXT).unwrap();
        pki.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "root.key",
            "-out",
            "root.pem",
            "-days",
            "30",
            "-subj",
            "/CN=Test Root CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        pki.issue(
            "int",
            "rsa:2048",
            "/CN=Test Intermediate CA",
            "root",
            CA_EXT,
        );
        pki.issue(
            "alice",
            "rsa:2048",
            "/CN=Alice/emailAddress=alice@example.test",
            "int",
            &user_ext("alice@example.test", RSA_USAGE),
        );
        pki.issue(
            "bob",
            "rsa:2048",
            "/CN=Bob",
            "int",
            &user_ext("bob@example.test", RSA_USAGE),
        );
        pki.issue(
            "ivan",
            "ec384",
            "/CN=Ivan",
            "int",
            &user_ext("ivan@example.test", EC_USAGE),
        );
        pki.issue(
            "erin",
            "ec",
            "/CN=Erin",
            "int",
            &user_ext("erin@example.test", EC_USAGE),
        );
        // Self-signed, in no trust store.
        pki.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "mallory.key",
            "-out",
            "mallory.pem",
            "-days",
            "30",
            "-subj",
            "/CN=Mallory",
            "-addext",
            "extendedKeyUsage=emailProtection",
            "-addext",
            "subjectAltName=email:alice@example.test",
        ]);
        pki.expired();
        pki
    }

    pub(super) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn d(&self) -> &Path {
        self.dir.path()
    }

    pub(super) fn openssl(&self, args: &[&str]) -> Vec<u8> {
        self.openssl_in(args, b"")
    }

    pub(super) fn openssl_in(&self, args: &[&str], input: &[u8]) -> Vec<u8> {
        super::fixtures::run_tool(self.d(), self.d(), "openssl", args, input)
    }

    /// `name.key`, `name.pem`: a certificate for `subject` issued by `issuer` with `ext`.
    fn issue(&self, name: &str, kind: &str, subject: &str, issuer: &str, ext: &str) {
        let ext_file = format!("{name}.ext");
        std::fs::write(self.path(&ext_file), ext).unwrap();
        let (key, csr, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        let mut req = vec!["req", "-new", "-newkey"];
        match kind {
            "ec" => req.extend(["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
            "ec384" => req.extend(["ec", "-pkeyopt", "ec_paramgen_curve:P-384"]),
            _ => req.push(kind),
        }
        req.extend(["-nodes", "-keyout", &key, "-out", &csr, "-subj", subject]);
        self.openssl(&req);
        let (ca, ca_key) = (format!("{issuer}.pem"), format!("{issuer}.key"));
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-out",
            &pem,
            "-days",
            "30",
            "-sha256",
            "-extfile",
            &ext_file,
        ]);
    }

    /// `old.pem`: valid in 2020 only (`openssl ca` sets the dates, `x509 -days` cannot).
    fn expired(&self) {
        let config = format!(
            "[ca]\ndefault_ca = here\n[here]\ndir = .\ndatabase = index.txt\n\
new_certs_dir = .\nserial = serial.txt\ndefault_md = sha256\npolicy = any\n\
unique_subject = no\n[any]\ncommonName = supplied\n[usr]\n{}",
            user_ext("old@example.test", RSA_USAGE)
        );
        std::fs::write(self.path("ca.cnf"), config).unwrap();
        std::fs::write(self.path("index.txt"), "").unwrap();
        std::fs::write(self.path("serial.txt"), "1000\n").unwrap();
        self.openssl(&[
            "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "old.key", "-out",
            "old.csr", "-subj", "/CN=Old",
        ]);
        self.openssl(&[
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-cert",
            "int.pem",
            "-keyfile",
            "int.key",
            "-in",
            "old.csr",
            "-out",
            "old.pem",
            "-startdate",
            "20200101000000Z",
            "-enddate",
            "20210101000000Z",
            "-extensions",
            "usr",
            "-notext",
        ]);
    }

    fn identity(&self, name: &str) -> Identity {
        Identity::from_files(
            &self.path(&format!("{name}.pem")),
            Some(&self.path(&format!("{name}.key"))),
            None,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// `openssl cms -encrypt` of the body with `args`, as DER.
    fn encrypt(&self, args: &[&str]) -> Vec<u8> {
        let mut all = vec!["cms", "-encrypt", "-in", "body.txt", "-outform", "DER"];
        all.extend(args);
        self.openssl(&all)
    }
}

fn opened(identity: &Identity, der: &[u8]) -> smime::Decrypted {
    smime::decrypt(identity, der).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn openssl_encrypted_messages_are_decrypted() {
    let pki = Pki::new();
    let alice = pki.identity("alice");
    let erin = pki.identity("erin");
    assert_eq!(
        alice.addresses(),
        ["alice@example.test".to_owned()],
        "the SAN and the subject's emailAddress, once"
    );

    for (flag, cipher) in [
        ("-aes128", ContentCipher::Aes128Cbc),
        ("-aes192", ContentCipher::Aes192Cbc),
        ("-aes256", ContentCipher::Aes256Cbc),
    ] {
        let der = pki.encrypt(&[flag, "-recip", "alice.pem"]);
        let out = opened(&alice, &der);
        assert_eq!(out.plaintext.as_slice(), BODY, "{flag}");
        assert_eq!(out.cipher, cipher);
        assert_eq!(
            out.integrity,
            Integrity::CbcOnly,
            "CBC is not integrity-protected"
        );
    }
    let gcm = pki.encrypt(&["-aes-256-gcm", "-recip", "alice.pem"]);
    let out = opened(&alice, &gcm);
    assert_eq!(out.plaintext.as_slice(), BODY);
    assert_eq!(
        (out.cipher, out.integrity),
        (ContentCipher::Aes256Gcm, Integrity::Protected)
    );
    let gcm128 = pki.encrypt(&["-aes-128-gcm", "-recip", "alice.pem"]);
    assert_eq!(opened(&alice, &gcm128).cipher, ContentCipher::Aes128Gcm);

    // RSA-OAEP key transport, with its default (SHA-1) and with SHA-256 parameters.
    let oaep = pki.encrypt(&[
        "-aes256",
        "-recip",
        "alice.pem",
        "-keyopt",
        "rsa_padding_mode:oaep",
    ]);
    assert_eq!(opened(&alice, &oaep).plaintext.as_slice(), BODY);
    let oaep256 = pki.encrypt(&[
        "-aes256",
        "-recip",
        "alice.pem",
        "-keyopt",
        "rsa_padding_mode:oaep",
        "-keyopt",
        "rsa_oaep_md:sha256",
        "-keyopt",
        "rsa_mgf1_md:sha256",
    ]);
    assert_eq!(opened(&alice, &oaep256).plaintext.as_slice(), BODY);

    // Matched by subject key identifier; one of two recipients.
    let keyid = pki.encrypt(&["-aes256", "-keyid", "-recip", "alice.pem"]);
    assert_eq!(opened(&alice, &keyid).plaintext.as_slice(), BODY);
    let two = pki.encrypt(&["-aes256", "-recip", "bob.pem", "-recip", "alice.pem"]);
    assert_eq!(opened(&alice, &two).plaintext.as_slice(), BODY);

    // ECDH key agreement to a P-256 certificate, CBC and GCM, and by key identifier.
    for args in [
        &["-aes128", "-recip", "erin.pem"][..],
        &["-aes256", "-recip", "erin.pem"],
        &["-aes-256-gcm", "-recip", "erin.pem"],
        &["-aes256", "-keyid", "-recip", "erin.pem"],
    ] {
        let der = pki.encrypt(args);
        assert_eq!(opened(&erin, &der).plaintext.as_slice(), BODY, "{args:?}");
    }
    // P-384.
    let ivan = pki.identity("ivan");
    let der = pki.encrypt(&["-aes256", "-recip", "ivan.pem"]);
    assert_eq!(opened(&ivan, &der).plaintext.as_slice(), BODY);
    // One message to an RSA and an EC recipient: each opens it.
    let mixed = pki.encrypt(&["-aes256", "-recip", "alice.pem", "-recip", "erin.pem"]);
    assert_eq!(opened(&alice, &mixed).plaintext.as_slice(), BODY);
    assert_eq!(opened(&erin, &mixed).plaintext.as_slice(), BODY);

    // As mail: the whole smime.p7m message (base64), streamed BER, and `openssl smime`.
    let mail = pki.openssl(&[
        "cms",
        "-encrypt",
        "-aes256",
        "-in",
        "body.txt",
        "-recip",
        "alice.pem",
        "-from",
        "bob@example.test",
        "-to",
        "alice@example.test",
        "-subject",
        "Q4",
    ]);
    let der = smime::der_from_mime(&mail).expect("the pkcs7-mime part");
    assert_eq!(opened(&alice, &der).plaintext.as_slice(), BODY);
    let pem = pki.openssl(&[
        "cms",
        "-encrypt",
        "-aes256",
        "-in",
        "body.txt",
        "-recip",
        "alice.pem",
        "-outform",
        "PEM",
    ]);
    let der = smime::der_from_mime(&pem).expect("the PEM block");
    assert_eq!(opened(&alice, &der).plaintext.as_slice(), BODY);
    let streamed = pki.encrypt(&["-stream", "-aes256", "-recip", "alice.pem"]);
    assert_eq!(opened(&alice, &streamed).plaintext.as_slice(), BODY);
    let old_tool = pki.openssl(&[
        "smime",
        "-encrypt",
        "-aes256",
        "-in",
        "body.txt",
        "-outform",
        "DER",
        "alice.pem",
    ]);
    assert_eq!(opened(&alice, &old_tool).plaintext.as_slice(), BODY);
    let old_mail = pki.openssl(&[
        "smime",
        "-encrypt",
        "-aes128",
        "-in",
        "body.txt",
        "alice.pem",
    ]);
    let der = smime::der_from_mime(&old_mail).expect("the pkcs7-mime part");
    assert_eq!(opened(&alice, &der).plaintext.as_slice(), BODY);
}

#[test]
fn what_cannot_be_decrypted_says_why() {
    let pki = Pki::new();
    let alice = pki.identity("alice");
    let erin = pki.identity("erin");

    // For Bob only: it names Bob's certificate (its serial, its issuer).
    let for_bob = pki.encrypt(&["-aes256", "-recip", "bob.pem"]);
    match smime::decrypt(&alice, &for_bob) {
        Err(SmimeError::NoMatchingRecipient(who)) => {
            assert!(who.contains("Test Intermediate CA"), "{who}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        smime::decrypt(&erin, &for_bob),
        Err(SmimeError::NoMatchingRecipient(_))
    ));

    // CBC: the padding byte changed (through the block before it): refused as tampered.
    let cbc = pki.encrypt(&["-aes256", "-recip", "alice.pem"]);
    let mut tampered = cbc.clone();
    let at = tampered.len() - 17;
    tampered[at] ^= 0x40;
    assert_eq!(
        smime::decrypt(&alice, &tampered).unwrap_err(),
        SmimeError::Tampered
    );
    // GCM: any changed byte of the ciphertext fails the tag.
    let gcm = pki.encrypt(&["-aes-256-gcm", "-recip", "alice.pem"]);
    let mut tampered = gcm.clone();
    let at = tampered.len() - 30;
    tampered[at] ^= 0x01;
    assert_eq!(
        smime::decrypt(&alice, &tampered).unwrap_err(),
        SmimeError::Tampered
    );
    // The wrapped key changed: the key does not open it.
    let mut bad_key = cbc.clone();
    let key_at = bad_key
        .windows(4)
        .position(|w| w == [0x04, 0x82, 0x01, 0x00])
        .expect("the 256-byte encrypted key")
        + 10;
    bad_key[key_at] ^= 0x01;
    assert!(matches!(
        smime::decrypt(&alice, &bad_key),
        Err(SmimeError::WrongKey | SmimeError::Tampered)
    ));

    // Truncated, empty, or not encrypted at all.
    for cut in [cbc.len() / 2, 10, 1, 0] {
        assert_eq!(
            smime::decrypt(&alice, &cbc[..cut]).unwrap_err(),
            SmimeError::Corrupt,
            "cut at {cut}"
        );
    }
    let signed = pki.openssl(&[
        "cms",
        "-sign",
        "-nodetach",
        "-in",
        "body.txt",
        "-signer",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-outform",
        "DER",
    ]);
    assert!(matches!(
        smime::decrypt(&alice, &signed),
        Err(SmimeError::NotThisKind(_))
    ));
    // 3DES content: named as unsupported.
    let des = pki.encrypt(&["-des3", "-recip", "alice.pem"]);
    match smime::decrypt(&alice, &des) {
        Err(SmimeError::UnsupportedCipher(name)) => assert!(name.contains("3DES"), "{name}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn keys_load_from_pem_and_pkcs12() {
    let pki = Pki::new();
    let pass = SecretString::from("correct horse");
    let wrong = SecretString::from("wrong horse");
    let gcm = pki.encrypt(&["-aes-256-gcm", "-recip", "alice.pem"]);
    let ec = pki.encrypt(&["-aes256", "-recip", "erin.pem"]);

    // One file with both, the key first.
    let mut both = std::fs::read(pki.path("alice.key")).unwrap();
    both.extend(std::fs::read(pki.path("alice.pem")).unwrap());
    both.extend(std::fs::read(pki.path("int.pem")).unwrap());
    let id = Identity::from_pem(&both, None).unwrap();
    assert_eq!(opened(&id, &gcm).plaintext.as_slice(), BODY);
    assert_eq!(id.chain.len(), 1, "the intermediate comes along");

    // Encrypted PKCS#8, PKCS#1 and SEC1.
    pki.openssl(&[
        "pkcs8",
        "-topk8",
        "-v2",
        "aes-256-cbc",
        "-in",
        "alice.key",
        "-out",
        "alice.enc.key",
        "-passout",
        "pass:correct horse",
    ]);
    let enc = |p: Option<&SecretString>| {
        Identity::from_files(&pki.path("alice.pem"), Some(&pki.path("alice.enc.key")), p)
    };
    assert_eq!(
        opened(&enc(Some(&pass)).unwrap(), &gcm)
            .plaintext
            .as_slice(),
        BODY
    );
    assert!(matches!(enc(Some(&wrong)), Err(KeyError::WrongPassphrase)));
    assert!(matches!(enc(None), Err(KeyError::PassphraseNeeded)));
    pki.openssl(&[
        "rsa",
        "-in",
        "alice.key",
        "-traditional",
        "-out",
        "alice.rsa.key",
    ]);
    let id = Identity::from_files(
        &pki.path("alice.pem"),
        Some(&pki.path("alice.rsa.key")),
        None,
    )
    .unwrap();
    assert_eq!(opened(&id, &gcm).plaintext.as_slice(), BODY);
    pki.openssl(&["ec", "-in", "erin.key", "-out", "erin.sec1.key"]);
    let id = Identity::from_files(
        &pki.path("erin.pem"),
        Some(&pki.path("erin.sec1.key")),
        None,
    )
    .unwrap();
    assert_eq!(opened(&id, &ec).plaintext.as_slice(), BODY);

    // A key that is not the certificate's.
    assert!(matches!(
        Identity::from_files(&pki.path("alice.pem"), Some(&pki.path("bob.key")), None),
        Err(KeyError::KeyDoesNotMatch)
    ));
    assert!(matches!(
        Identity::from_files(&pki.path("nowhere.pem"), None, None),
        Err(KeyError::Unreadable { .. })
    ));

    // PKCS#12 as OpenSSL 3 writes it (PBES2, PBKDF2, AES-256-CBC, a SHA-256 MAC).
    for (name, cert, key) in [
        ("alice", "alice.pem", "alice.key"),
        ("erin", "erin.pem", "erin.key"),
    ] {
        let p12 = format!("{name}.p12");
        pki.openssl(&[
            "pkcs12",
            "-export",
            "-in",
            cert,
            "-inkey",
            key,
            "-certfile",
            "int.pem",
            "-out",
            &p12,
            "-passout",
            "pass:correct horse",
        ]);
        let id = Identity::from_files(&pki.path(&p12), None, Some(&pass)).unwrap();
        let der = if name == "alice" { &gcm } else { &ec };
        assert_eq!(opened(&id, der).plaintext.as_slice(), BODY);
        assert_eq!(id.chain.len(), 1);
        assert!(matches!(
            Identity::from_files(&pki.path(&p12), None, Some(&wrong)),
            Err(KeyError::WrongPassphrase)
        ));
    }
    // The legacy encryption older tools write: said to be unsupported.
    pki.openssl(&[
        "pkcs12",
        "-export",
        "-in",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-out",
        "legacy.p12",
        "-passout",
        "pass:correct horse",
        "-keypbe",
        "PBE-SHA1-3DES",
        "-certpbe",
        "PBE-SHA1-3DES",
    ]);
    pki.openssl(&[
        "pkcs12",
        "-export",
        "-in",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-out",
        "legacy-key.p12",
        "-passout",
        "pass:correct horse",
        "-keypbe",
        "PBE-SHA1-3DES",
    ]);
    for file in ["legacy.p12", "legacy-key.p12"] {
        match Identity::from_files(&pki.path(file), None, Some(&pass)) {
            Err(KeyError::Unsupported(what)) => assert!(what.contains("legacy"), "{what}"),
            other => panic!("{file}: {other:?}"),
        }
    }
    // Nothing secret in Debug.
    let shown = format!("{:?}", pki.identity("alice"));
    assert!(shown.contains("[redacted]"), "{shown}");
}

#[test]
fn garbage_never_panics() {
    let pki = Pki::new();
    let alice = pki.identity("alice");
    let good = pki.encrypt(&["-aes-256-gcm", "-recip", "alice.pem"]);
    let mut seed = 99u32;
    let mut next = || {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (seed >> 16) as usize
    };
    for round in 0..400 {
        let mut bytes = good.clone();
        for _ in 0..(round % 7) + 1 {
            let at = next() % bytes.len();
            bytes[at] = next() as u8;
        }
        if round % 5 == 0 {
            bytes.truncate(next() % bytes.len());
        }
        let _ = smime::decrypt(&alice, &bytes);
        let random: Vec<u8> = (0..next() % 600).map(|_| next() as u8).collect();
        let _ = smime::decrypt(&alice, &random);
        let _ = smime::der_from_mime(&random);
    }
}

/// The trust store of the test root only.
fn test_roots(pki: &Pki) -> smime::TrustStore {
    smime::TrustStore::from_paths(&[pki.path("root.pem")]).unwrap()
}

/// `openssl cms -sign` of the body by `who` (its certificate and key), with the intermediate.
fn signed(pki: &Pki, who: &str, extra: &[&str]) -> Vec<u8> {
    let (cert, key) = (format!("{who}.pem"), format!("{who}.key"));
    let mut args = vec![
        "cms",
        "-sign",
        "-in",
        "body.txt",
        "-signer",
        &cert,
        "-inkey",
        &key,
        "-certfile",
        "int.pem",
    ];
    args.extend(extra);
    pki.openssl(&args)
}

/// The first part of a `multipart/signed` as sent (headers and all) and the signature DER.
fn split_signed(mail: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let text = String::from_utf8_lossy(mail);
    let boundary = text
        .split("boundary=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a boundary");
    let open = format!("--{boundary}\n");
    let start = text.find(&open).expect("the first part") + open.len();
    let end = start
        + text[start..]
            .find(&format!("\n--{boundary}"))
            .expect("its end");
    let part = mail[start..end].to_vec();
    let signature = smime::der_from_mime(mail).expect("the signature part");
    (part, signature)
}

fn only(verified: &smime::Verified) -> &smime::SignerVerdict {
    assert_eq!(verified.signers.len(), 1, "{:?}", verified.signers);
    &verified.signers[0]
}

#[test]
fn openssl_signatures_are_verified() {
    let pki = Pki::new();
    let roots = test_roots(&pki);

    // Opaque (RSA, then P-256 ECDSA): the content comes out, the signer verified.
    for who in ["alice", "erin"] {
        let der = signed(&pki, who, &["-nodetach", "-outform", "DER"]);
        let verified = smime::verify_opaque(&der, &roots).unwrap();
        assert_eq!(verified.content.as_slice(), BODY);
        let signer = only(&verified);
        assert_eq!(signer.status, smime::SignerStatus::Verified, "{who}");
        assert_eq!(signer.addresses, [format!("{who}@example.test")]);
        assert_eq!(signer.checked_at, smime::CheckedAt::SigningTime);
        let age = std::time::SystemTime::now()
            .duration_since(signer.signing_time.expect("a signing time"))
            .unwrap();
        assert!(age.as_secs() < 600, "signed just now");
    }

    // Detached, as mail: the first part as sent, and the signature part.
    let mail = signed(&pki, "alice", &[]);
    let (part, signature) = split_signed(&mail);
    assert_eq!(part, BODY, "openssl signs the part as it is");
    let verified = smime::verify_detached(&part, &signature, &roots).unwrap();
    assert_eq!(only(&verified).status, smime::SignerStatus::Verified);
    assert!(smime::signer_matches(
        &only(&verified).addresses,
        "Alice@Example.test"
    ));
    assert!(!smime::signer_matches(
        &only(&verified).addresses,
        "alice@example.test.evil"
    ));
    assert!(!smime::signer_matches(
        &only(&verified).addresses,
        "lice@example.test"
    ));
    assert!(!smime::signer_matches(&only(&verified).addresses, ""));
    // The same part as a Maildir stores it, with bare LF line ends.
    let lf = String::from_utf8(part.clone())
        .unwrap()
        .replace("\r\n", "\n");
    let verified = smime::verify_detached(lf.as_bytes(), &signature, &roots).unwrap();
    assert_eq!(only(&verified).status, smime::SignerStatus::Verified);
    assert_eq!(
        verified.content.as_slice(),
        BODY,
        "the canonical form that was signed"
    );

    // Other shapes: streamed BER (`openssl smime`), SHA-512, RSA-PSS, no signed attributes.
    let old_tool = pki.openssl(&[
        "smime",
        "-sign",
        "-nodetach",
        "-in",
        "body.txt",
        "-signer",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-certfile",
        "int.pem",
        "-outform",
        "DER",
    ]);
    let verified = smime::verify_opaque(&old_tool, &roots).unwrap();
    assert_eq!(verified.content.as_slice(), BODY);
    assert_eq!(only(&verified).status, smime::SignerStatus::Verified);
    for extra in [
        &["-md", "sha512"][..],
        &["-keyopt", "rsa_padding_mode:pss"],
        &["-noattr"],
        &["-stream"],
    ] {
        let mut args = vec!["-nodetach", "-outform", "DER"];
        args.extend(extra);
        let der = signed(&pki, "alice", &args);
        let verified = smime::verify_opaque(&der, &roots).unwrap();
        assert_eq!(verified.content.as_slice(), BODY, "{extra:?}");
        assert_eq!(
            only(&verified).status,
            smime::SignerStatus::Verified,
            "{extra:?}"
        );
    }
    let no_attrs = signed(&pki, "alice", &["-nodetach", "-outform", "DER", "-noattr"]);
    let verified = smime::verify_opaque(&no_attrs, &roots).unwrap();
    assert_eq!(only(&verified).checked_at, smime::CheckedAt::Now);

    // Signed, then encrypted: decrypted, the inner entity is the signed data.
    let inner = signed(&pki, "bob", &["-nodetach"]);
    std::fs::write(pki.path("inner.txt"), &inner).unwrap();
    let both = pki.openssl(&[
        "cms",
        "-encrypt",
        "-aes-256-gcm",
        "-in",
        "inner.txt",
        "-recip",
        "alice.pem",
        "-outform",
        "DER",
    ]);
    let opened = smime::decrypt(&pki.identity("alice"), &both).unwrap();
    let der = smime::der_from_mime(&opened.plaintext).expect("the signed-data entity");
    let verified = smime::verify_opaque(&der, &roots).unwrap();
    assert_eq!(verified.content.as_slice(), BODY);
    let signer = only(&verified);
    assert_eq!(signer.status, smime::SignerStatus::Verified);
    // Bob signed it: a message from Alice that Bob signed is not signed by its sender.
    assert!(!smime::signer_matches(
        &signer.addresses,
        "alice@example.test"
    ));
    assert!(smime::signer_matches(&signer.addresses, "bob@example.test"));
}

#[test]
fn bad_signatures_and_certificates_are_named() {
    let pki = Pki::new();
    let roots = test_roots(&pki);

    // The content changed after signing.
    let mail = signed(&pki, "alice", &[]);
    let (part, signature) = split_signed(&mail);
    let mut changed = part.clone();
    let at = changed.len() - 4;
    changed[at] ^= 0x20;
    let verified = smime::verify_detached(&changed, &signature, &roots).unwrap();
    assert_eq!(only(&verified).status, smime::SignerStatus::BadSignature);
    // The signature itself changed (its last byte, inside the signature value).
    let mut bad = signature.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x01;
    let verified = smime::verify_detached(&part, &bad, &roots).unwrap();
    assert_eq!(only(&verified).status, smime::SignerStatus::BadSignature);
    // Opaque content changed inside the message.
    let der = signed(&pki, "alice", &["-nodetach", "-outform", "DER"]);
    let mut tampered = der.clone();
    let at = tampered
        .windows(9)
        .position(|w| w == b"numbers f")
        .expect("the content in the clear");
    tampered[at] = b'N';
    let verified = smime::verify_opaque(&tampered, &roots).unwrap();
    assert_eq!(
        verified.signers[0].status,
        smime::SignerStatus::BadSignature
    );

    // Expired: valid in 2020 only, signed now.
    let old = signed(&pki, "old", &["-nodetach", "-outform", "DER"]);
    let verified = smime::verify_opaque(&old, &roots).unwrap();
    assert_eq!(only(&verified).status, smime::SignerStatus::Expired);

    // Self-signed and unknown, though it claims Alice's address.
    let mallory = pki.openssl(&[
        "cms",
        "-sign",
        "-nodetach",
        "-in",
        "body.txt",
        "-signer",
        "mallory.pem",
        "-inkey",
        "mallory.key",
        "-outform",
        "DER",
    ]);
    let verified = smime::verify_opaque(&mallory, &roots).unwrap();
    assert!(
        matches!(only(&verified).status, smime::SignerStatus::Untrusted(_)),
        "{:?}",
        verified.signers
    );
    // Good, but nobody is trusted: untrusted; trusted through the system store it is not.
    let good = signed(&pki, "alice", &["-nodetach", "-outform", "DER"]);
    let verified = smime::verify_opaque(&good, &smime::TrustStore::default()).unwrap();
    assert!(matches!(
        only(&verified).status,
        smime::SignerStatus::Untrusted(_)
    ));
    let verified = smime::verify_opaque(&good, &smime::TrustStore::system()).unwrap();
    assert!(matches!(
        only(&verified).status,
        smime::SignerStatus::Untrusted(_)
    ));
    // Without the intermediate in the message, the path is broken.
    let bare = pki.openssl(&[
        "cms",
        "-sign",
        "-nodetach",
        "-in",
        "body.txt",
        "-signer",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-outform",
        "DER",
    ]);
    let verified = smime::verify_opaque(&bare, &roots).unwrap();
    assert!(matches!(
        only(&verified).status,
        smime::SignerStatus::Untrusted(_)
    ));

    // Thirty certificates that share a name and a key: the path search gives up in time.
    pki.openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "loop.key",
    ]);
    let mut loops = Vec::new();
    for i in 1..=30 {
        let serial = i.to_string();
        loops.extend(pki.openssl(&[
            "req",
            "-x509",
            "-key",
            "loop.key",
            "-subj",
            "/CN=Loop",
            "-days",
            "30",
            "-set_serial",
            &serial,
        ]));
    }
    std::fs::write(pki.path("loops.pem"), &loops).unwrap();
    std::fs::write(
        pki.path("looped.ext"),
        user_ext("loop@example.test", EC_USAGE),
    )
    .unwrap();
    pki.openssl(&[
        "req",
        "-new",
        "-key",
        "loop.key",
        "-subj",
        "/CN=Looped",
        "-out",
        "looped.csr",
    ]);
    std::fs::write(
        pki.path("loop1.pem"),
        pki.openssl(&[
            "req",
            "-x509",
            "-key",
            "loop.key",
            "-subj",
            "/CN=Loop",
            "-days",
            "30",
            "-set_serial",
            "99",
        ]),
    )
    .unwrap();
    pki.openssl(&[
        "x509",
        "-req",
        "-in",
        "looped.csr",
        "-CA",
        "loop1.pem",
        "-CAkey",
        "loop.key",
        "-set_serial",
        "7",
        "-out",
        "looped.pem",
        "-days",
        "30",
        "-extfile",
        "looped.ext",
    ]);
    let looped = pki.openssl(&[
        "cms",
        "-sign",
        "-nodetach",
        "-in",
        "body.txt",
        "-signer",
        "looped.pem",
        "-inkey",
        "loop.key",
        "-certfile",
        "loops.pem",
        "-outform",
        "DER",
    ]);
    let started = std::time::Instant::now();
    let verified = smime::verify_opaque(&looped, &roots).unwrap();
    assert!(matches!(
        only(&verified).status,
        smime::SignerStatus::Untrusted(_)
    ));
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());

    // Not signed data, truncated, detached given as opaque.
    let enveloped = pki.encrypt(&["-aes256", "-recip", "alice.pem"]);
    assert!(matches!(
        smime::verify_opaque(&enveloped, &roots),
        Err(SmimeError::NotThisKind(_))
    ));
    assert_eq!(
        smime::verify_opaque(&good[..good.len() / 2], &roots).unwrap_err(),
        SmimeError::Corrupt
    );
    assert!(matches!(
        smime::verify_opaque(&signature, &roots),
        Err(SmimeError::NotThisKind(_))
    ));

    // Garbage never panics.
    let mut seed = 5u32;
    let mut next = || {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (seed >> 16) as usize
    };
    for round in 0..300 {
        let mut bytes = good.clone();
        for _ in 0..(round % 5) + 1 {
            let at = next() % bytes.len();
            bytes[at] = next() as u8;
        }
        let _ = smime::verify_opaque(&bytes, &roots);
        let _ = smime::verify_detached(&part, &bytes, &roots);
    }
}

/// An identity with its intermediate, from one PEM bundle.
pub(super) fn with_chain(pki: &Pki, who: &str) -> Identity {
    let mut pem = std::fs::read(pki.path(&format!("{who}.pem"))).unwrap();
    pem.extend(std::fs::read(pki.path(&format!("{who}.key"))).unwrap());
    pem.extend(std::fs::read(pki.path("int.pem")).unwrap());
    Identity::from_pem(&pem, None).unwrap()
}

#[test]
fn what_sealmail_makes_openssl_reads() {
    let pki = Pki::new();
    let alice = pki.identity("alice");
    let erin = pki.identity("erin");
    let ivan = pki.identity("ivan");
    let certs = [
        alice.certificate.clone(),
        erin.certificate.clone(),
        ivan.certificate.clone(),
    ];

    // Encrypted to an RSA and an EC recipient, CBC and GCM: openssl decrypts it for each.
    for (cipher, name) in [
        (ContentCipher::Aes256Cbc, "cbc.der"),
        (ContentCipher::Aes256Gcm, "gcm.der"),
    ] {
        let der = smime::encrypt(&certs, BODY, cipher).unwrap();
        std::fs::write(pki.path(name), &der).unwrap();
        for who in ["alice", "erin", "ivan"] {
            let (cert, key) = (format!("{who}.pem"), format!("{who}.key"));
            let out = pki.openssl(&[
                "cms", "-decrypt", "-inform", "DER", "-in", name, "-recip", &cert, "-inkey", &key,
                "-binary",
            ]);
            assert_eq!(out, BODY, "{cipher:?} for {who}");
        }
        let back = smime::decrypt(&alice, &der).unwrap();
        assert_eq!((back.plaintext.as_slice(), back.cipher), (BODY, cipher));
        assert_eq!(
            smime::decrypt(&erin, &der).unwrap().plaintext.as_slice(),
            BODY
        );
    }
    // Not to Bob: he cannot read it.
    let der = smime::encrypt(&certs, BODY, ContentCipher::Aes256Gcm).unwrap();
    assert!(matches!(
        smime::decrypt(&pki.identity("bob"), &der),
        Err(SmimeError::NoMatchingRecipient(_))
    ));
    assert!(matches!(
        smime::encrypt(&[], BODY, ContentCipher::Aes256Gcm),
        Err(SmimeError::Produce(_))
    ));

    // Signed by Alice (RSA) and Erin (ECDSA), opaque and detached: openssl verifies it.
    let roots = test_roots(&pki);
    for who in ["alice", "erin", "ivan"] {
        let id = with_chain(&pki, who);
        let opaque = smime::sign(&id, BODY, false).unwrap();
        std::fs::write(pki.path("opaque.der"), &opaque).unwrap();
        let out = pki.openssl(&[
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            "opaque.der",
            "-CAfile",
            "root.pem",
            "-binary",
        ]);
        assert_eq!(out, BODY, "{who}, opaque");
        let detached = smime::sign(&id, BODY, true).unwrap();
        std::fs::write(pki.path("detached.der"), &detached).unwrap();
        pki.openssl(&[
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            "detached.der",
            "-content",
            "body.txt",
            "-CAfile",
            "root.pem",
            "-binary",
            "-purpose",
            "smimesign",
        ]);
        // And sealmail's own verifier agrees.
        let verified = smime::verify_opaque(&opaque, &roots).unwrap();
        assert_eq!(verified.content.as_slice(), BODY);
        assert_eq!(only(&verified).status, smime::SignerStatus::Verified);
        let verified = smime::verify_detached(BODY, &detached, &roots).unwrap();
        assert_eq!(only(&verified).status, smime::SignerStatus::Verified);
        assert!(smime::signer_matches(
            &only(&verified).addresses,
            &format!("{who}@example.test")
        ));
    }
}
