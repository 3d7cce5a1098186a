//! OpenPGP decrypted in memory through the real `gpg` (`crypto::gpg`): keys made in private
//! GnuPG homes, messages encrypted and signed by gpg itself, and the results checked against
//! the original text: a signed and encrypted message, one for another key, a tampered one,
//! one signed by a key not in the keyring, and a gpg that does not answer in time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sealmail::crypto::gpg::{self, GpgError, GpgSettings, Integrity, Signature};

const TEXT: &[u8] =
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe numbers for Q4. Gr\xc3\xbc\xc3\x9fe.\r\n";

/// A private GnuPG home below `dir` with a key for `who`; the agent is stopped on drop.
pub(super) struct Home(pub(super) PathBuf);

impl Home {
    pub(super) fn new(dir: &Path, name: &str, who: &str) -> Home {
        let home = dir.join(name);
        std::fs::create_dir(&home).unwrap();
        std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .unwrap();
        let home = Home(home);
        home.gpg(
            &[
                "--passphrase",
                "",
                "--quick-gen-key",
                who,
                "default",
                "default",
                "never",
            ],
            b"",
        );
        home
    }

    pub(super) fn gpg(&self, args: &[&str], input: &[u8]) -> Vec<u8> {
        let mut all = vec!["--batch", "--trust-model", "always"];
        all.extend(args);
        super::fixtures::run_tool(&self.0, &self.0, "gpg", &all, input)
    }

    pub(super) fn settings(&self) -> GpgSettings {
        GpgSettings {
            home: Some(self.0.clone()),
            ..GpgSettings::default()
        }
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", &self.0)
            .status();
    }
}

#[test]
fn gpg_decrypts_and_says_who_signed_and_what_failed() {
    let dir = tempfile::tempdir().unwrap();
    let alice = Home::new(dir.path(), "alice", "Alice <alice@example.test>");
    let bob = Home::new(dir.path(), "bob", "Bob <bob@example.test>");
    let carol = Home::new(dir.path(), "carol", "Carol <carol@example.test>");
    // Carol and Bob know Alice's public key; Alice knows neither of theirs.
    let alice_public = alice.gpg(&["--armor", "--export", "alice@example.test"], b"");
    bob.gpg(&["--import"], &alice_public);
    carol.gpg(&["--import"], &alice_public);

    // Signed by Alice and encrypted to her: the text, integrity-checked, her good signature.
    let own = alice.gpg(
        &["--armor", "--sign", "--encrypt", "-r", "alice@example.test"],
        TEXT,
    );
    let opened = gpg::decrypt(&alice.settings(), &own).expect("decrypted");
    assert_eq!(opened.plaintext.as_slice(), TEXT);
    assert_eq!(opened.integrity, Integrity::Protected);
    assert!(
        matches!(
            &opened.signatures[..],
            [Signature::Good { uid, fingerprint: Some(_), .. }] if uid == "Alice <alice@example.test>"
        ),
        "{:?}",
        opened.signatures
    );

    // Binary, from Bob, unsigned: the text, no signature.
    let binary = bob.gpg(&["--encrypt", "-r", "alice@example.test"], TEXT);
    let opened = gpg::decrypt(&alice.settings(), &binary).expect("decrypted");
    assert_eq!(opened.plaintext.as_slice(), TEXT);
    assert!(opened.signatures.is_empty());

    // Signed by Carol, whose key Alice does not have: decrypted, the signature unchecked.
    let unknown = carol.gpg(&["--sign", "--encrypt", "-r", "alice@example.test"], TEXT);
    let opened = gpg::decrypt(&alice.settings(), &unknown).expect("decrypted");
    assert!(
        matches!(&opened.signatures[..], [Signature::Unchecked { .. }]),
        "{:?}",
        opened.signatures
    );

    // For Bob only: Alice has no key for it.
    let for_bob = bob.gpg(&["--encrypt", "-r", "bob@example.test"], TEXT);
    assert!(matches!(
        gpg::decrypt(&alice.settings(), &for_bob),
        Err(GpgError::NoSecretKey(_))
    ));

    // Altered in the encrypted data: refused, nothing of it released.
    let mut tampered = binary.clone();
    let at = tampered.len() - 20;
    tampered[at] ^= 0x40;
    let refused = gpg::decrypt(&alice.settings(), &tampered).unwrap_err();
    assert!(
        matches!(refused, GpgError::Tampered | GpgError::Corrupt),
        "{refused:?}"
    );

    // Not OpenPGP at all.
    assert_eq!(
        gpg::decrypt(&alice.settings(), b"hello").unwrap_err(),
        GpgError::Corrupt
    );
}

#[test]
fn a_gpg_that_hangs_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let slow = dir.path().join("slow-gpg");
    std::fs::write(&slow, "#!/bin/sh\nexec sleep 30\n").unwrap();
    std::fs::set_permissions(&slow, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let settings = GpgSettings {
        program: Some(slow),
        timeout: Some(Duration::from_millis(300)),
        ..GpgSettings::default()
    };
    let started = std::time::Instant::now();
    assert_eq!(
        gpg::decrypt(&settings, b"x").unwrap_err(),
        GpgError::Timeout(0)
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped, not waited for"
    );
    let missing = GpgSettings {
        program: Some(dir.path().join("no-such-gpg")),
        ..GpgSettings::default()
    };
    assert!(matches!(
        gpg::decrypt(&missing, b"x"),
        Err(GpgError::NotRunnable(_))
    ));
}
