//! Shell completions and the man page, generated from the clap definitions: each shell's
//! script names every subcommand (bash's parses with `bash -n`), and the man pages carry every
//! subcommand and option, one page per subcommand with `--dir`.

use std::process::{Command, Stdio};

const SUBCOMMANDS: &[&str] = &["inspect", "seal", "portal", "script", "completions", "man"];

fn sealmail(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_sealmail"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("sealmail runs");
    assert!(
        output.status.success(),
        "sealmail {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

#[test]
fn bash_completions_parse_and_name_every_subcommand() {
    let script = sealmail(&["completions", "bash"]);
    for sub in SUBCOMMANDS {
        assert!(script.contains(sub), "bash completions lack {sub}");
    }
    assert!(script.contains("--demo") && script.contains("--maildir"));
    let mut bash = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .spawn()
        .expect("bash runs");
    std::io::Write::write_all(&mut bash.stdin.take().expect("stdin"), script.as_bytes())
        .expect("script written");
    assert!(
        bash.wait().expect("bash ends").success(),
        "bash -n refused the script"
    );
}

#[test]
fn zsh_and_fish_completions_name_every_subcommand() {
    let zsh = sealmail(&["completions", "zsh"]);
    assert!(
        zsh.starts_with("#compdef sealmail"),
        "{}",
        &zsh[..zsh.len().min(80)]
    );
    let fish = sealmail(&["completions", "fish"]);
    assert!(fish.contains("complete -c sealmail"));
    for sub in SUBCOMMANDS {
        assert!(zsh.contains(sub) && fish.contains(sub), "{sub}");
    }
}

#[test]
fn the_man_page_describes_the_reader_and_lists_its_subcommands() {
    let page = sealmail(&["man"]);
    assert!(page.contains(".TH sealmail 1"), "{page}");
    assert!(page.contains("\\-\\-demo") && page.contains("\\-\\-metrics"));
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!("sealmail\\-{sub}(1)")),
            "no {sub} in SUBCOMMANDS"
        );
    }
}

#[test]
fn man_dir_writes_one_page_per_subcommand() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let listed = sealmail(&["man", "--dir", &dir.path().display().to_string()]);
    for name in std::iter::once("sealmail.1".to_owned())
        .chain(SUBCOMMANDS.iter().map(|s| format!("sealmail-{s}.1")))
    {
        let path = dir.path().join(&name);
        assert!(path.is_file(), "{name} not written");
        assert!(listed.contains(&name), "{name} not listed");
        let page = std::fs::read_to_string(&path).expect("a page");
        assert!(page.contains(".TH"), "{name} is not a man page");
    }
    let seal = std::fs::read_to_string(dir.path().join("sealmail-seal.1")).expect("seal page");
    assert!(
        seal.contains("\\-\\-smtp"),
        "the seal page lacks its options"
    );
}
