//! Runs a parsed script against the headless reader and a live source.

use std::path::PathBuf;
use std::time::Duration;

use tokio::time::Instant;

use super::parse::{Line, Step, WaitFor};
use crate::app::msg::Command;
use crate::tui::core::{Core, FlowLink, Recorded, SourceLink};
use crate::tui::headless::{Headless, buffer_text};

/// Where snapshots go and come from.
#[derive(Clone, Debug)]
pub struct ScriptOptions {
    /// `snapshot` writes here; a failed `expect` writes the actual screen here too.
    pub out: PathBuf,
    /// `expect NAME` compares against `NAME.txt` in this folder.
    pub expected: PathBuf,
    /// Also write `NAME.ansi` with colours.
    pub ansi: bool,
    /// `expect` records the screen as the new expectation instead of comparing.
    pub update: bool,
}

/// How a script ended.
#[derive(Debug)]
pub enum Outcome {
    /// Every step ran and every `expect` matched.
    Passed,
    /// Every step ran; these `expect`s did not match (readable diffs).
    Mismatched(Vec<String>),
    /// A step failed or timed out: the message names the line and what the screen showed.
    Failed(String),
}

impl Outcome {
    /// 0 passed, 1 an `expect` did not match, 2 a script error or timeout.
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Passed => 0,
            Outcome::Mismatched(_) => 1,
            Outcome::Failed(_) => 2,
        }
    }
}

struct Runner {
    reader: Headless,
    /// The links to the source and the flow worker, the ordered outbox, the recorded effects
    /// (a virtual screen has no clipboard and no browser): the terminal's core.
    core: Core<Recorded>,
    options: ScriptOptions,
    /// Values typed with `type-env`: masked in every screen the runner writes or prints.
    secrets: Vec<crate::secret::SecretString>,
}

impl Runner {
    /// Sends commands; what an effect answers is applied at once, as the terminal does.
    fn dispatch(&mut self, commands: Vec<Command>) {
        let mut answer = self.core.dispatch(commands);
        while let Some(msg) = answer.take() {
            let commands = self.reader.apply(msg);
            answer = self.core.dispatch(commands);
        }
    }

    /// Applies every event that has already arrived.
    fn drain(&mut self) {
        while let Some(msg) = self.core.try_next() {
            let commands = self.reader.apply(msg);
            self.dispatch(commands);
        }
    }

    /// A decrypted sealed message is on screen: its text must not be written to disk.
    fn decrypted_on_screen(&self) -> bool {
        use crate::app::state::{PortalPane, SealedStage};
        matches!(
            self.reader.state.pane.as_ref().and_then(|p| p.portal.as_ref()),
            Some(PortalPane::Sealed(s)) if matches!(s.stage, SealedStage::Decrypted { .. })
        )
    }

    /// A sealed message's pane is waiting for a passcode.
    fn waiting_for_passcode(&self) -> bool {
        use crate::app::state::{PortalPane, SealedStage};
        matches!(
            self.reader.state.pane.as_ref().and_then(|p| p.portal.as_ref()),
            Some(PortalPane::Sealed(s)) if matches!(s.stage, SealedStage::Passcode { .. })
        )
    }

    fn condition_met(&mut self, what: &WaitFor) -> bool {
        match what {
            WaitFor::PasscodeInput => self.waiting_for_passcode(),
            WaitFor::PasscodeArrived => {
                use crate::app::state::PortalPane;
                matches!(
                    self.reader.state.pane.as_ref().and_then(|p| p.portal.as_ref()),
                    Some(PortalPane::Sealed(s)) if s.arrived.is_some()
                )
            }
            WaitFor::Text(text) => self.reader.screen_text().contains(text.as_str()),
            WaitFor::Idle => !self.reader.state.busy(),
            WaitFor::MailSubject(subject) => self
                .reader
                .state
                .folder
                .rows
                .all()
                .iter()
                .any(|r| r.subject().contains(subject.as_str())),
        }
    }

    async fn wait(&mut self, what: &WaitFor, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.drain();
            if self.condition_met(what) {
                return true;
            }
            if !self.core.source_open() {
                return false;
            }
            match tokio::time::timeout_at(deadline, self.core.next()).await {
                Ok(Some(msg)) => {
                    let commands = self.reader.apply(msg);
                    self.dispatch(commands);
                }
                Ok(None) => {}
                Err(_) => return false,
            }
        }
    }

    fn write(&self, name: &str, text: &str, ansi: Option<String>) -> Result<(), String> {
        std::fs::create_dir_all(&self.options.out)
            .map_err(|e| format!("cannot create {}: {e}", self.options.out.display()))?;
        let path = self.options.out.join(format!("{name}.txt"));
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        if let Some(ansi) = ansi {
            let path = self.options.out.join(format!("{name}.ansi"));
            std::fs::write(&path, ansi)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(())
    }

    fn screen(&mut self) -> (String, Option<String>) {
        let ansi = self.options.ansi;
        let buffer = self.reader.draw();
        let (mut text, mut colored) = (
            buffer_text(buffer),
            ansi.then(|| super::ansi::buffer_ansi(buffer)),
        );
        for secret in &self.secrets {
            let mask = "•".repeat(secret.expose().chars().count());
            text = text.replace(secret.expose(), &mask);
            colored = colored.map(|c| c.replace(secret.expose(), &mask));
        }
        (text, colored)
    }
}

/// What `snapshot` writes instead of a screen that shows a decrypted sealed message.
pub const DECRYPTED_NOT_WRITTEN: &str = "The screen showed a decrypted sealed message: decrypted text is never written to disk.\nUse `wait text` or `expect` to assert on it.\n";

/// A readable, line-numbered diff of two screens.
pub fn screen_diff(name: &str, expected: &str, actual: &str) -> String {
    let mut out = format!("expect {name}: the screen differs (- expected, + actual)\n");
    let diff = similar::TextDiff::from_lines(expected, actual);
    for change in diff.iter_all_changes() {
        let (sign, line) = match change.tag() {
            similar::ChangeTag::Equal => continue,
            similar::ChangeTag::Delete => ('-', change.old_index()),
            similar::ChangeTag::Insert => ('+', change.new_index()),
        };
        out.push_str(&format!(
            "{sign} line {:>3}: {}",
            line.map_or(0, |l| l + 1),
            change.value()
        ));
        if !change.value().ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

fn failure(line: &Line, why: &str, screen: &str) -> Outcome {
    Outcome::Failed(format!(
        "line {}: `{}` {why}\nthe screen showed:\n{screen}",
        line.number, line.text
    ))
}

/// Runs every step in order.
pub async fn run(
    lines: &[Line],
    reader: Headless,
    source: SourceLink,
    flow: FlowLink,
    options: ScriptOptions,
    several: Option<(usize, usize, crate::tui::core::Starter)>,
    sender: Option<crate::tui::core::Sender>,
) -> Outcome {
    let mut core = Core::new(source, flow, Recorded::default()).with_sender(sender);
    if let Some((count, first, starter)) = several {
        core = core.with_accounts(count, first, starter);
    }
    let mut runner = Runner {
        reader,
        core,
        options,
        secrets: Vec::new(),
    };
    let commands = runner.reader.start();
    runner.dispatch(commands);
    let mut mismatches = Vec::new();
    for line in lines {
        if runner.core.quit() {
            return failure(line, "comes after the reader quit", "");
        }
        runner.drain();
        match &line.step {
            Step::Size { width, height } => {
                let commands = runner.reader.resize(*width, *height);
                runner.dispatch(commands);
            }
            Step::Key(key) => match runner.reader.press(key) {
                Some(commands) => runner.dispatch(commands),
                None => return failure(line, "names an unknown key", ""),
            },
            Step::Keys(keys) => {
                for c in keys.chars() {
                    let key = c.to_string();
                    let commands = runner.reader.press(&key).unwrap_or_default();
                    runner.dispatch(commands);
                }
            }
            Step::Type(text) => {
                let commands = runner.reader.type_text(text);
                runner.dispatch(commands);
            }
            Step::TypeEnv(var) => {
                let Ok(value) = std::env::var(var) else {
                    return failure(
                        line,
                        &format!("needs the environment variable {var}, which is not set"),
                        "",
                    );
                };
                let value = crate::secret::SecretString::from(value);
                let commands = runner.reader.type_text(value.expose());
                runner.dispatch(commands);
                if !value.is_empty() {
                    runner.secrets.push(value);
                }
            }
            Step::Wait { what, timeout } => {
                if !runner.wait(what, *timeout).await {
                    let screen = runner.screen().0;
                    let why = if runner.core.source_open() {
                        format!("timed out after {:.1} s", timeout.as_secs_f64())
                    } else {
                        "can never be met: the mail source stopped".into()
                    };
                    return failure(line, &why, &screen);
                }
            }
            Step::Snapshot(name) => {
                let (text, ansi) = if runner.decrypted_on_screen() {
                    (DECRYPTED_NOT_WRITTEN.to_owned(), None)
                } else {
                    runner.screen()
                };
                if let Err(e) = runner.write(name, &text, ansi) {
                    return failure(line, &e, "");
                }
            }
            Step::Expect(name) => {
                let (actual, ansi) = runner.screen();
                let path = runner.options.expected.join(format!("{name}.txt"));
                if runner.options.update {
                    if let Err(e) = std::fs::write(&path, &actual) {
                        return failure(line, &format!("cannot write {}: {e}", path.display()), "");
                    }
                    continue;
                }
                match std::fs::read_to_string(&path) {
                    Ok(expected) if expected == actual => {}
                    Ok(expected) => {
                        mismatches.push(format!(
                            "line {}: {}",
                            line.number,
                            screen_diff(name, &expected, &actual)
                        ));
                        // The diff went to standard output; a decrypted screen is not kept on disk.
                        if !runner.decrypted_on_screen()
                            && let Err(e) = runner.write(name, &actual, ansi)
                        {
                            return failure(line, &e, "");
                        }
                    }
                    Err(e) => {
                        return failure(
                            line,
                            &format!("cannot read the expected screen {}: {e}", path.display()),
                            &actual,
                        );
                    }
                }
            }
            Step::PasscodeFromInbox => {
                if !runner
                    .wait(&WaitFor::PasscodeInput, super::parse::DEFAULT_TIMEOUT)
                    .await
                {
                    let screen = runner.screen().0;
                    return failure(
                        line,
                        "found no sealed message waiting for a passcode on this screen",
                        &screen,
                    );
                }
                if !runner
                    .wait(&WaitFor::PasscodeArrived, super::parse::DEFAULT_TIMEOUT * 3)
                    .await
                {
                    let screen = runner.screen().0;
                    return failure(
                        line,
                        "timed out: no passcode mail with the pending reference arrived",
                        &screen,
                    );
                }
                let key = runner
                    .reader
                    .state
                    .keymap
                    .within(crate::app::context::Context::Passcode)
                    .keys_for(crate::app::action::Action::FillPasscode)
                    .into_iter()
                    .next();
                match key.and_then(|k| runner.reader.press(&k)) {
                    Some(commands) => runner.dispatch(commands),
                    None => return failure(line, "needs a key bound to fill_passcode", ""),
                }
            }
        }
    }
    runner.core.shutdown(Duration::from_secs(2)).await;
    if mismatches.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Mismatched(mismatches)
    }
}
