//! The reader on a virtual screen: the same state, update and views as the real terminal,
//! drawn into ratatui's `TestBackend`. Screen tests and scripted runs drive it with keys and
//! source events and read back exactly what a person would see.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::app::key::Key;
use crate::app::msg::{Command, Msg};
use crate::app::state::AppState;
use crate::app::update;
use crossterm::event::{KeyEvent, KeyEventKind, KeyEventState};

pub struct Headless {
    pub state: AppState,
    terminal: Terminal<TestBackend>,
}

impl Headless {
    pub fn new(mut state: AppState, width: u16, height: u16) -> Headless {
        state.viewport = (width, height);
        // TestBackend never fails to draw.
        let terminal = match Terminal::new(TestBackend::new(width, height)) {
            Ok(t) => t,
            Err(e) => match e {},
        };
        Headless { state, terminal }
    }

    /// The commands that start the reader (list folders, open the inbox).
    pub fn start(&mut self) -> Vec<Command> {
        update::startup(&mut self.state)
    }

    pub fn resize(&mut self, width: u16, height: u16) -> Vec<Command> {
        self.terminal.backend_mut().resize(width, height);
        self.apply(Msg::Resize(width, height))
    }

    /// Applies a message. A message handed to the external editor is edited here and now,
    /// with no terminal (the editor's input is empty), and its answer applied.
    pub fn apply(&mut self, msg: Msg) -> Vec<Command> {
        let mut out = Vec::new();
        let mut waiting = std::collections::VecDeque::from([msg]);
        while let Some(msg) = waiting.pop_front() {
            for command in super::core::step(&mut self.state, msg) {
                match command {
                    Command::EditExternally(edit) => {
                        let result = super::editor::run(&edit, false);
                        waiting.push_back(Msg::Edited {
                            req: edit.req,
                            result,
                        });
                    }
                    other => out.push(other),
                }
            }
        }
        out
    }

    /// Presses one key given as the keymap writes it (`j`, `enter`, `ctrl-c`).
    pub fn press(&mut self, key: &str) -> Option<Vec<Command>> {
        let key = Key::parse(key)?;
        let event = KeyEvent {
            code: key.code,
            modifiers: key.mods,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        };
        Some(self.apply(Msg::Key(event)))
    }

    /// Types text into whatever has the keyboard, one character at a time.
    pub fn type_text(&mut self, text: &str) -> Vec<Command> {
        let mut commands = Vec::new();
        for c in text.chars() {
            let event = KeyEvent::new(
                crossterm::event::KeyCode::Char(c),
                crossterm::event::KeyModifiers::NONE,
            );
            commands.extend(self.apply(Msg::Key(event)));
        }
        commands
    }

    /// Draws the current state and returns the buffer.
    pub fn draw(&mut self) -> &Buffer {
        let state = &self.state;
        // Drawing into a TestBackend cannot fail.
        if let Err(e) = self.terminal.draw(|frame| crate::ui::draw(frame, state)) {
            match e {}
        }
        self.terminal.backend().buffer()
    }

    /// Draws and returns the screen as plain text, one line per row, trailing blanks trimmed.
    pub fn screen_text(&mut self) -> String {
        buffer_text(self.draw())
    }
}

/// A buffer as plain text: what a person sees, without styles.
pub fn buffer_text(buffer: &Buffer) -> String {
    let width = buffer.area.width as usize;
    let mut out = String::with_capacity(buffer.content.len() + buffer.area.height as usize);
    for cells in buffer.content.chunks(width.max(1)) {
        let mut line = String::with_capacity(width);
        let mut skip = 0u16;
        for cell in cells {
            if skip == 0 {
                line.push_str(cell.symbol());
            }
            skip = skip
                .max(unicode_width::UnicodeWidthStr::width(cell.symbol()) as u16)
                .saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
