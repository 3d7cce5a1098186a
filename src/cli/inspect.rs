//! `sealmail inspect FILE.eml...`: classify portal mail from files, and say which standard
//! protection (S/MIME, OpenPGP) a message carries, as text or JSON lines.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::detect::advice::advice;
use crate::detect::crypto::{Protection, Scheme};
use crate::detect::{self, Classification, Vendor, Verdict};
use crate::sanitize;

#[derive(Debug, Clone, clap::Args)]
pub struct InspectArgs {
    /// Message files (RFC 5322, .eml).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The JSON form of one result, fields in this order.
#[derive(serde::Serialize)]
struct JsonResult<'a> {
    file: String,
    portal: bool,
    vendor: Option<Vendor>,
    verdict: Option<Verdict>,
    readable_inline: bool,
    links: &'a [String],
    signals: &'a [String],
    /// `encrypted` or `signed` (S/MIME, OpenPGP), else null.
    protection: Option<&'static str>,
    scheme: Option<Scheme>,
}

/// What one file was found to be.
struct Found {
    classification: Classification,
    protection: Option<Protection>,
}

fn json_line(file: &str, found: &Found) -> anyhow::Result<String> {
    let c = &found.classification;
    Ok(serde_json::to_string(&JsonResult {
        file: file.to_owned(),
        portal: c.portal,
        vendor: c.vendor,
        verdict: c.verdict,
        readable_inline: c.readable_inline,
        links: &c.links,
        signals: &c.signals,
        protection: found.protection.map(|p| match p {
            Protection::Encrypted(_) => "encrypted",
            Protection::Signed(_) => "signed",
        }),
        scheme: found.protection.map(Protection::scheme),
    })?)
}

fn text_block(file: &str, found: &Found) -> String {
    let c = &found.classification;
    let file = sanitize::line(file);
    let protection = found
        .protection
        .map(|p| format!("  {}\n", p.describe()))
        .unwrap_or_default();
    let Some(vendor) = c.vendor.filter(|_| c.portal) else {
        return format!("{file}: not portal mail\n{protection}");
    };
    let name = advice(vendor).map_or(vendor.as_str(), |a| a.name);
    let verdict = c.verdict.map_or("", Verdict::label);
    let mut out = format!("{file}: {name} ({vendor}), {verdict}\n");
    let not_genuine = c.verdict != Some(Verdict::Genuine);
    for w in c.signals.iter().filter(|s| s.starts_with("warning: ")) {
        out.push_str(&format!("  {}\n", sanitize::line(w)));
    }
    if c.verdict == Some(Verdict::Genuine)
        && let Some(a) = advice(vendor)
    {
        out.push_str(&format!("  how to get in: {}\n", a.how_in));
        out.push_str(&format!("  {}\n", a.tell));
    }
    let link_words = if not_genuine {
        "link (do not follow)"
    } else {
        "link"
    };
    for l in &c.links {
        out.push_str(&format!("  {link_words}: {}\n", sanitize::line(l)));
    }
    for s in c.signals.iter().filter(|s| !s.starts_with("warning: ")) {
        out.push_str(&format!("  seen: {}\n", sanitize::line(s)));
    }
    out.push_str(&protection);
    out
}

/// One file's result, or why it has none.
fn inspect_file(raw: &[u8]) -> Result<Found, String> {
    if !detect::is_message(raw) {
        return Err("not a mail message (RFC 5322)".to_owned());
    }
    // Classification is total by design; a defect in it must not end the whole run.
    std::panic::catch_unwind(|| {
        let (classification, protection) = detect::classify_and_protection(raw);
        Found {
            classification,
            protection,
        }
    })
    .map_err(|_| "could not be classified (an internal error)".to_owned())
}

/// The JSON line for a file that has no result.
fn json_error_line(file: &str, error: &str) -> anyhow::Result<String> {
    #[derive(serde::Serialize)]
    struct JsonError<'a> {
        file: &'a str,
        error: &'a str,
    }
    Ok(serde_json::to_string(&JsonError { file, error })?)
}

/// Every file is inspected, whatever happens to the ones before it (like `grep` and `file`):
/// a file that cannot be read or is not a message gets its error (on stderr, or as a JSON
/// object with an `error` field) and the exit status is 2 at the end.
pub async fn run(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    let stdout = std::io::stdout();
    for path in &args.files {
        let shown = path.to_string_lossy().into_owned();
        let result = match tokio::fs::read(path).await {
            Ok(raw) => inspect_file(&raw),
            Err(e) => Err(format!("cannot read it: {e}")),
        };
        if let Err(error) = &result {
            eprintln!(
                "sealmail: {}: {}",
                sanitize::line(&shown),
                sanitize::line(error)
            );
        }
        let out = match (&result, args.json) {
            (Ok(c), true) => format!("{}\n", sanitize::json_escaped(&json_line(&shown, c)?)),
            (Ok(c), false) => text_block(&shown, c),
            (Err(error), true) => {
                format!(
                    "{}\n",
                    sanitize::json_escaped(&json_error_line(&shown, error)?)
                )
            }
            (Err(_), false) => String::new(),
        };
        failed |= result.is_err();
        stdout.lock().write_all(out.as_bytes())?;
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
