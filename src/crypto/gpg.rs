//! OpenPGP through `gpg`'s machine interface: the ciphertext on stdin, the plaintext read from
//! stdout into zeroizing memory, and what happened from the `[GNUPG:]` status lines
//! (`--status-fd`, doc/DETAILS in GnuPG's sources), never from its human messages. gpg runs
//! with `--batch` (a passphrase comes from the agent's pinentry, a card from the agent),
//! without fetching keys from a network, and is stopped after a deadline. The status parser
//! is total on any bytes.
//!
//! Why gpg and not a Rust OpenPGP library: the keys users have are in their GnuPG keyring,
//! often behind gpg-agent or on a smartcard, which only GnuPG can use without exporting them.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use zeroize::Zeroizing;

/// How the plaintext was protected against change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integrity {
    /// A modification detection code or AEAD checked out.
    Protected,
    /// No integrity protection: the plaintext is not released (gpg refuses it too).
    Missing,
}

/// One signature gpg checked, in its words reduced to what a verdict needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signature {
    /// Good, by a key of the keyring; `uid` is the primary user id gpg names (untrusted text),
    /// `fingerprint` when gpg said it (VALIDSIG), `trusted` when the key's validity is full or
    /// ultimate.
    Good {
        uid: String,
        fingerprint: Option<String>,
        trusted: bool,
    },
    /// Good but by an expired or revoked key, or expired itself.
    Stale { uid: String, why: &'static str },
    /// The signature does not match the data.
    Bad { uid: String },
    /// Cannot be checked: usually the key is not in the keyring (its id).
    Unchecked { key_id: String },
}

/// A decrypted message.
pub struct Decrypted {
    pub plaintext: Zeroizing<Vec<u8>>,
    pub integrity: Integrity,
    pub signatures: Vec<Signature>,
}

impl std::fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decrypted")
            .field("size", &self.plaintext.len())
            .field("integrity", &self.integrity)
            .field("signatures", &self.signatures.len())
            .finish()
    }
}

/// Why nothing was decrypted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GpgError {
    #[error("no secret key here opens it (it is for {0})")]
    NoSecretKey(String),
    #[error("the passphrase was not given or was wrong")]
    Passphrase,
    #[error(
        "it fails its integrity check: it was altered, or damaged on the way; nothing of it is shown"
    )]
    Tampered,
    #[error("it is not integrity-protected (an old or altered message); nothing of it is shown")]
    NotIntegrityProtected,
    #[error("it is not a readable OpenPGP message")]
    Corrupt,
    #[error("gpg did not finish within {0} s")]
    Timeout(u64),
    #[error("gpg cannot be run: {0}")]
    NotRunnable(String),
    #[error("no usable public key for {0} (not in the keyring, expired, or not trusted)")]
    NoPublicKey(String),
    #[error("no usable secret key to sign as {0}")]
    NoSigningKey(String),
    #[error("gpg could not do it: {0}")]
    Failed(String),
}

/// Where gpg is and which keyring it uses.
#[derive(Clone, Debug, Default)]
pub struct GpgSettings {
    /// The program (default `gpg`).
    pub program: Option<PathBuf>,
    /// `GNUPGHOME` (default: gpg's own, `~/.gnupg`).
    pub home: Option<PathBuf>,
    /// How long gpg may take, a pinentry included (default 120 s).
    pub timeout: Option<Duration>,
}

/// The status lines of one run, as they matter here.
#[derive(Debug, Default, PartialEq, Eq)]
struct Status {
    decryption_okay: bool,
    decryption_failed: bool,
    no_seckey: Vec<String>,
    bad_passphrase: bool,
    missing_passphrase: bool,
    /// `DECRYPTION_INFO <mdc_method> <sym_algo> [<aead_algo>]`: protected when either is set.
    integrity: Option<Integrity>,
    no_data: bool,
    signatures: Vec<Signature>,
}

/// Reads `[GNUPG:]` lines; anything else (gpg's messages to people) is ignored.
fn parse_status(text: &str) -> Status {
    let mut status = Status::default();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("[GNUPG:] ") else {
            continue;
        };
        let mut words = rest.split(' ');
        let keyword = words.next().unwrap_or_default();
        let args: Vec<&str> = words.collect();
        let arg = |i: usize| args.get(i).copied().unwrap_or_default().to_owned();
        let uid = || args.get(1..).map(|a| a.join(" ")).unwrap_or_default();
        match keyword {
            "DECRYPTION_OKAY" => status.decryption_okay = true,
            "DECRYPTION_FAILED" => status.decryption_failed = true,
            "NO_SECKEY" => status.no_seckey.push(arg(0)),
            "BAD_PASSPHRASE" => status.bad_passphrase = true,
            "MISSING_PASSPHRASE" => status.missing_passphrase = true,
            "NODATA" => status.no_data = true,
            "DECRYPTION_INFO" => {
                let mdc = arg(0) != "0" && !arg(0).is_empty();
                let aead = !arg(2).is_empty() && arg(2) != "0";
                status.integrity = Some(if mdc || aead {
                    Integrity::Protected
                } else {
                    Integrity::Missing
                });
            }
            "GOODSIG" => status.signatures.push(Signature::Good {
                uid: uid(),
                fingerprint: None,
                trusted: false,
            }),
            "EXPSIG" => status.signatures.push(Signature::Stale {
                uid: uid(),
                why: "the signature has expired",
            }),
            "EXPKEYSIG" => status.signatures.push(Signature::Stale {
                uid: uid(),
                why: "the signing key has expired",
            }),
            "REVKEYSIG" => status.signatures.push(Signature::Stale {
                uid: uid(),
                why: "the signing key was revoked",
            }),
            "BADSIG" => status.signatures.push(Signature::Bad { uid: uid() }),
            "ERRSIG" => status
                .signatures
                .push(Signature::Unchecked { key_id: arg(0) }),
            "VALIDSIG" => {
                if let Some(Signature::Good { fingerprint, .. }) = status.signatures.last_mut() {
                    *fingerprint = Some(arg(0));
                }
            }
            // The key's validity, said after its signature: only full or ultimate counts.
            "TRUST_FULLY" | "TRUST_ULTIMATE" => {
                if let Some(Signature::Good { trusted, .. }) = status.signatures.last_mut() {
                    *trusted = true;
                }
            }
            _ => {}
        }
    }
    status
}

/// Decrypts `ciphertext` (armoured or binary) with the user's keyring. The plaintext comes
/// back only when gpg decrypted it whole and its integrity was checked.
pub fn decrypt(settings: &GpgSettings, ciphertext: &[u8]) -> Result<Decrypted, GpgError> {
    let (plaintext, status_text) = run(settings, &["--decrypt"], ciphertext)?;
    let status = parse_status(&status_text);
    if !status.no_seckey.is_empty() && !status.decryption_okay {
        return Err(GpgError::NoSecretKey(status.no_seckey.join(", ")));
    }
    if status.bad_passphrase || status.missing_passphrase {
        return Err(GpgError::Passphrase);
    }
    if status.integrity == Some(Integrity::Missing) {
        return Err(GpgError::NotIntegrityProtected);
    }
    if status.decryption_failed || (status.integrity.is_some() && !status.decryption_okay) {
        return Err(GpgError::Tampered);
    }
    if !status.decryption_okay {
        return Err(GpgError::Corrupt);
    }
    Ok(Decrypted {
        plaintext,
        integrity: Integrity::Protected,
        signatures: status.signatures,
    })
}

/// Verifies a detached signature (`signature`: armoured or binary packets) over `data`, the
/// signed bytes exactly as signed (RFC 3156: the MIME entity with CRLF line ends). The two go
/// to gpg as one signed message on stdin, so nothing is written to disk.
pub fn verify_detached(
    settings: &GpgSettings,
    data: &[u8],
    signature: &[u8],
) -> Result<Vec<Signature>, GpgError> {
    let packets = if signature.starts_with(b"-----") || signature.contains(&b'\n') {
        super::armor::dearmor(signature).ok_or(GpgError::Corrupt)?
    } else {
        signature.to_vec()
    };
    // The signed data may be decrypted text: it is only ever copied into zeroizing memory.
    let mut input = Zeroizing::new(Vec::with_capacity(packets.len() + data.len() + 12));
    input.extend_from_slice(&packets);
    super::armor::push_literal_packet(&mut input, data).ok_or(GpgError::Corrupt)?;
    let (_, status_text) = run(settings, &["--verify"], &input)?;
    let status = parse_status(&status_text);
    if status.signatures.is_empty() {
        return Err(GpgError::Corrupt);
    }
    Ok(status.signatures)
}

/// Reads a clear-signed text (`-----BEGIN PGP SIGNED MESSAGE-----`): the signed text, as gpg
/// gives it back (dash-escaping undone), and its signatures.
pub fn verify_clearsigned(
    settings: &GpgSettings,
    text: &[u8],
) -> Result<(Zeroizing<Vec<u8>>, Vec<Signature>), GpgError> {
    let (plaintext, status_text) = run(settings, &["--decrypt"], text)?;
    let status = parse_status(&status_text);
    if status.signatures.is_empty() {
        return Err(GpgError::Corrupt);
    }
    Ok((plaintext, status.signatures))
}

/// The addresses of the user ids of the key with `fingerprint` in the keyring (lowercase), to
/// match a signer against the sender; empty when gpg does not know the key.
pub fn key_addresses(settings: &GpgSettings, fingerprint: &str) -> Vec<String> {
    if fingerprint.is_empty() || !fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Vec::new();
    }
    let Ok((listing, _)) = run(
        settings,
        &[
            "--with-colons",
            "--fixed-list-mode",
            "--list-keys",
            fingerprint,
        ],
        b"",
    ) else {
        return Vec::new();
    };
    let listing = String::from_utf8_lossy(&listing);
    listing
        .lines()
        .filter(|line| line.starts_with("uid:"))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            // Field 2 is the validity: revoked (r) and expired (e) user ids do not count.
            let validity = fields.get(1).copied().unwrap_or_default();
            if validity == "r" || validity == "e" {
                return None;
            }
            address_of_uid(&unescape_colons(fields.get(9).copied().unwrap_or_default()))
        })
        .collect()
}

/// `\xNN` escapes in a `--with-colons` field, undone.
fn unescape_colons(field: &str) -> String {
    let mut out = Vec::with_capacity(field.len());
    let bytes = field.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'\\'
            && bytes.get(i + 1) == Some(&b'x')
            && let Some(hex) = field.get(i + 2..i + 4)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 4;
            continue;
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The address in a user id ("Alice <alice@example.org>" or a bare address), lowercase.
pub fn address_of_uid(uid: &str) -> Option<String> {
    let inner = match (uid.rfind('<'), uid.rfind('>')) {
        (Some(open), Some(close)) if open < close => uid.get(open + 1..close)?,
        _ => uid.trim(),
    };
    let inner = inner.trim();
    (inner.contains('@') && !inner.contains(char::is_whitespace)).then(|| inner.to_lowercase())
}

/// An address fit to hand gpg as a user id: `<address>` (an exact match on the address).
fn exact_user_id(address: &str) -> Option<String> {
    let address = address.trim();
    let fit = !address.is_empty()
        && address.contains('@')
        && !address.starts_with('-')
        && address
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && c != '<' && c != '>');
    fit.then(|| format!("<{address}>"))
}

/// Encrypts `data` to every address in `recipients` (each must have a valid key in the
/// keyring), signed as `signer` when given: armoured OpenPGP.
pub fn encrypt(
    settings: &GpgSettings,
    data: &[u8],
    recipients: &[String],
    signer: Option<&str>,
) -> Result<Vec<u8>, GpgError> {
    let mut args: Vec<String> = vec!["--armor".into(), "--encrypt".into()];
    for address in recipients {
        let id = exact_user_id(address).ok_or_else(|| GpgError::NoPublicKey(address.clone()))?;
        args.push("--recipient".into());
        args.push(id);
    }
    if let Some(signer) = signer {
        let id = exact_user_id(signer).ok_or_else(|| GpgError::NoSigningKey(signer.into()))?;
        args.extend(["--sign".into(), "--local-user".into(), id]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (out, status_text) = run(settings, &args, data)?;
    check_produced(&status_text, recipients, signer)?;
    Ok(out.to_vec())
}

/// A detached, armoured signature over `data` by `signer`, and the `micalg` of RFC 3156
/// (`pgp-sha256`).
pub fn detach_sign(
    settings: &GpgSettings,
    data: &[u8],
    signer: &str,
) -> Result<(Vec<u8>, String), GpgError> {
    let id = exact_user_id(signer).ok_or_else(|| GpgError::NoSigningKey(signer.into()))?;
    let (out, status_text) = run(
        settings,
        &["--armor", "--detach-sign", "--local-user", &id],
        data,
    )?;
    check_produced(&status_text, &[], Some(signer))?;
    // SIG_CREATED <type> <pk_algo> <hash_algo> <class> <timestamp> <fpr>
    let hash = status_text
        .lines()
        .filter_map(|l| l.strip_prefix("[GNUPG:] SIG_CREATED "))
        .find_map(|rest| rest.split(' ').nth(2).map(str::to_owned))
        .unwrap_or_default();
    let micalg = match hash.as_str() {
        "2" => "pgp-sha1",
        "8" => "pgp-sha256",
        "9" => "pgp-sha384",
        "10" => "pgp-sha512",
        "11" => "pgp-sha224",
        _ => return Err(GpgError::Failed("gpg made no signature".into())),
    };
    Ok((out.to_vec(), micalg.to_owned()))
}

/// What a run that produces something said went wrong: a recipient or the signer unusable.
fn check_produced(
    status_text: &str,
    recipients: &[String],
    signer: Option<&str>,
) -> Result<(), GpgError> {
    for line in status_text.lines() {
        let Some(rest) = line.strip_prefix("[GNUPG:] ") else {
            continue;
        };
        let mut words = rest.split(' ');
        match words.next().unwrap_or_default() {
            "INV_RECP" => {
                let who = words.nth(1).unwrap_or_default();
                let who = recipients
                    .iter()
                    .find(|r| who.contains(r.trim()))
                    .cloned()
                    .unwrap_or_else(|| who.trim_matches(['<', '>']).to_owned());
                return Err(GpgError::NoPublicKey(who));
            }
            "INV_SGNR" | "NO_SGNR" => {
                return Err(GpgError::NoSigningKey(
                    signer.unwrap_or_default().to_owned(),
                ));
            }
            "BAD_PASSPHRASE" | "MISSING_PASSPHRASE" => return Err(GpgError::Passphrase),
            "FAILURE" => {
                return Err(GpgError::Failed(words.collect::<Vec<_>>().join(" ")));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Everything `reader` gives, in zeroizing memory that is never reallocated in place: a
/// buffer that is outgrown is copied and the old one wiped, so no copy of the plaintext is
/// left behind in freed memory. `hint` is the size expected.
fn read_zeroizing(reader: &mut impl std::io::Read, hint: usize) -> Zeroizing<Vec<u8>> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(hint.clamp(4096, 256 * 1024 * 1024)));
    let mut chunk = Zeroizing::new([0u8; 64 * 1024]);
    loop {
        match reader.read(chunk.as_mut_slice()) {
            Ok(0) => return bytes,
            Ok(n) => {
                let got = chunk.get(..n).unwrap_or_default();
                if bytes.len() + got.len() > bytes.capacity() {
                    let mut larger =
                        Zeroizing::new(Vec::with_capacity((bytes.len() + got.len()) * 2));
                    larger.extend_from_slice(&bytes);
                    bytes = larger;
                }
                bytes.extend_from_slice(got);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return bytes,
        }
    }
}

/// Runs gpg with `args` and `input` on stdin: its stdout (zeroizing) and its status text.
fn run(
    settings: &GpgSettings,
    args: &[&str],
    input: &[u8],
) -> Result<(Zeroizing<Vec<u8>>, String), GpgError> {
    let program = settings
        .program
        .clone()
        .unwrap_or_else(|| PathBuf::from("gpg"));
    let mut command = Command::new(&program);
    command
        .args([
            "--batch",
            "--no-tty",
            "--status-fd",
            "2",
            "--no-auto-key-retrieve",
            "--no-auto-key-locate",
            "--output",
            "-",
        ])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(home) = &settings.home {
        command.env("GNUPGHOME", home);
    }
    let mut child = command
        .spawn()
        .map_err(|e| GpgError::NotRunnable(format!("{}: {e}", program.display())))?;
    // stdin fed and stdout and stderr read on threads of their own: gpg may write before it
    // has read everything, and either pipe may fill. Scoped, so the input is not copied.
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let timeout = settings.timeout.unwrap_or(Duration::from_secs(120));
    let deadline = std::time::Instant::now() + timeout;
    let (finished, plaintext, status) = std::thread::scope(|scope| {
        scope.spawn(move || {
            if let Some(stdin) = stdin.as_mut() {
                let _ = stdin.write_all(input);
            }
        });
        let out = scope.spawn(move || match stdout.as_mut() {
            Some(out) => read_zeroizing(out, input.len()),
            None => Zeroizing::new(Vec::new()),
        });
        let err = scope.spawn(move || {
            let mut bytes = Vec::new();
            if let Some(err) = stderr.as_mut() {
                let _ = std::io::Read::read_to_end(err, &mut bytes);
            }
            bytes
        });
        // Killed at the deadline, gpg's pipes close and the threads end.
        let finished = crate::process::wait_until(&mut child, deadline, |_| {}).is_some();
        let plaintext = out.join().unwrap_or_default();
        let status = err.join().unwrap_or_default();
        (finished, plaintext, status)
    });
    if !finished {
        return Err(GpgError::Timeout(timeout.as_secs()));
    }
    Ok((plaintext, String::from_utf8_lossy(&status).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_say_what_happened() {
        let text = "gpg: encrypted with rsa3072 key\n\
[GNUPG:] ENC_TO 0123456789ABCDEF 1 0\n\
[GNUPG:] DECRYPTION_INFO 2 9 0\n\
[GNUPG:] NEWSIG\n\
[GNUPG:] GOODSIG 0123456789ABCDEF Alice <alice@example.test>\n\
[GNUPG:] VALIDSIG AAAABBBBCCCCDDDDEEEEFFFF0000111122223333 2026-12-06 0 4 0 1 8 00 AAAA\n\
[GNUPG:] TRUST_ULTIMATE 0 pgp\n\
[GNUPG:] DECRYPTION_OKAY\n\
[GNUPG:] GOODMDC\n\
[GNUPG:] END_DECRYPTION\n";
        let status = parse_status(text);
        assert!(status.decryption_okay);
        assert_eq!(status.integrity, Some(Integrity::Protected));
        assert_eq!(
            status.signatures,
            [Signature::Good {
                uid: "Alice <alice@example.test>".into(),
                fingerprint: Some("AAAABBBBCCCCDDDDEEEEFFFF0000111122223333".into()),
                trusted: true,
            }]
        );
        let plain = parse_status("[GNUPG:] DECRYPTION_INFO 0 7\n[GNUPG:] DECRYPTION_FAILED\n");
        assert_eq!(plain.integrity, Some(Integrity::Missing));
        assert!(
            parse_status("[GNUPG:] ERRSIG 99AA 1 8 00 1700000000 9\n").signatures
                == [Signature::Unchecked {
                    key_id: "99AA".into()
                }]
        );
    }

    #[test]
    fn user_ids_give_their_address() {
        assert_eq!(
            address_of_uid("Alice A. <Alice@Example.org>").as_deref(),
            Some("alice@example.org")
        );
        assert_eq!(address_of_uid("bob@x.test").as_deref(), Some("bob@x.test"));
        assert_eq!(address_of_uid("Carol (no address)"), None);
        assert_eq!(unescape_colons("a\\x3ab"), "a:b");
        assert_eq!(unescape_colons("a\\x3"), "a\\x3");
    }

    #[test]
    fn any_status_text_parses() {
        let mut seed = 7u32;
        for len in 0..400 {
            let mut text = String::from("[GNUPG:] ");
            for _ in 0..len {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                text.push(char::from_u32(seed >> 16 & 0x7f).unwrap_or(' '));
            }
            let _ = parse_status(&text);
        }
        for keyword in [
            "GOODSIG",
            "VALIDSIG",
            "DECRYPTION_INFO",
            "ERRSIG",
            "NO_SECKEY",
        ] {
            let _ = parse_status(&format!("[GNUPG:] {keyword}"));
        }
    }
}
