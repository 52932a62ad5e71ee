//! The destination picker shown when sshdoctor starts with no DESTINATION: the Host aliases
//! of the user's ssh_config (with HostName, User and Port) and a line to type a destination.

use super::theme::{Role, Theme};
use super::ConsoleOptions;
use crate::config::HostEntry;
use crate::term::input::edit_request;
use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use tui_input::Input;

/// The picker's state: the entries, the typed text (which also filters), the selection.
pub struct Picker {
    entries: Vec<HostEntry>,
    input: Input,
    selected: usize,
    theme: Theme,
}

/// What a key did.
#[derive(Debug, PartialEq, Eq)]
pub enum Picked {
    /// Keep going.
    Nothing,
    /// Diagnose this destination.
    Destination(String),
    /// Leave without choosing.
    Quit,
}

impl Picker {
    /// A picker over these entries.
    pub fn new(entries: Vec<HostEntry>, options: ConsoleOptions) -> Picker {
        Picker {
            entries,
            input: Input::default(),
            selected: 0,
            theme: Theme::new(options),
        }
    }

    /// The entries matching the typed text (alias, host name or user contain it).
    pub fn visible(&self) -> Vec<&HostEntry> {
        let needle = self.input.value().to_lowercase();
        self.entries
            .iter()
            .filter(|e| {
                needle.is_empty()
                    || e.alias.to_lowercase().contains(&needle)
                    || e.hostname.to_lowercase().contains(&needle)
                    || e.user.to_lowercase().contains(&needle)
            })
            .collect()
    }

    /// Handle a key: arrows move, typing filters, Enter picks the selected alias — or the typed
    /// text when nothing matches it — and Esc or Ctrl-C leave.
    pub fn on_key(&mut self, key: KeyEvent) -> Picked {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('c') if ctrl => return Picked::Quit,
            KeyCode::Esc => return Picked::Quit,
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down => {
                self.selected = (self.selected + 1).min(self.visible().len().saturating_sub(1))
            }
            KeyCode::Enter => {
                let typed = self.input.value().trim().to_string();
                return match self.visible().get(self.selected) {
                    Some(e) => Picked::Destination(e.alias.clone()),
                    None if !typed.is_empty() => Picked::Destination(typed),
                    None => Picked::Nothing,
                };
            }
            _ => {
                if let Some(request) = edit_request(&key) {
                    self.input.handle(request);
                    self.selected = 0;
                }
            }
        }
        Picked::Nothing
    }

    /// Draw the picker; reads state only.
    pub fn draw(&self, frame: &mut Frame) {
        let t = self.theme;
        let [list_area, input_area, help_area] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(3),
            Constraint::Length(1),
        ])
        .areas(frame.area());
        let rows: Vec<Line> = self
            .visible()
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let marker = if i == self.selected { t.cursor() } else { " " };
                let line = Line::from(vec![
                    Span::raw(format!("{marker}{:<24} ", e.alias)),
                    Span::styled(
                        crate::i18n::tf(
                            "report.target.login",
                            &[("user", &e.user), ("host", &e.hostname), ("port", &e.port)],
                        ),
                        t.style(Role::Dim),
                    ),
                ]);
                if i == self.selected {
                    line.patch_style(t.style(Role::Selected))
                } else {
                    line
                }
            })
            .collect();
        let empty = rows.is_empty();
        let list = Paragraph::new(if empty {
            vec![Line::from(
                "no Host alias matches; Enter diagnoses what you typed",
            )]
        } else {
            rows
        })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_set(t.border())
                .title(" Hosts from your ssh_config "),
        );
        frame.render_widget(list, list_area);
        let typed = Paragraph::new(self.input.value()).block(
            Block::default()
                .borders(Borders::ALL)
                .border_set(t.border())
                .title(" Destination: [user@]host[:port] or an alias (typing filters) "),
        );
        frame.render_widget(typed, input_area);
        let help = Line::from(vec![
            Span::styled("Up/Down", t.style(Role::Key)),
            Span::raw(" choose  "),
            Span::styled("Enter", t.style(Role::Key)),
            Span::raw(" diagnose  "),
            Span::styled("Esc", t.style(Role::Key)),
            Span::raw(" quit"),
        ]);
        frame.render_widget(Paragraph::new(help), help_area);
    }
}

/// Run the picker full screen until a destination is chosen (Some) or the user leaves (None).
pub fn pick(entries: Vec<HostEntry>, options: ConsoleOptions) -> anyhow::Result<Option<String>> {
    let (mut terminal, guard) = crate::term::TerminalGuard::enter(false);
    let mut picker = Picker::new(entries, options);
    let outcome = loop {
        if let Err(e) = terminal.draw(|f| picker.draw(f)) {
            break Err(e.into());
        }
        match event::read() {
            Ok(TermEvent::Key(key)) if key.kind != KeyEventKind::Release => {
                match picker.on_key(key) {
                    Picked::Nothing => {}
                    Picked::Destination(d) => break Ok(Some(d)),
                    Picked::Quit => break Ok(None),
                }
            }
            Ok(TermEvent::Paste(text)) => {
                crate::term::input::paste_into(&mut picker.input, &text);
                picker.selected = 0;
            }
            Ok(_) => {}
            Err(e) => break Err(e.into()),
        }
    };
    drop(guard);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    fn entry(alias: &str, host: &str) -> HostEntry {
        HostEntry {
            alias: alias.into(),
            hostname: host.into(),
            user: "deploy".into(),
            port: 22,
        }
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_filters_arrows_choose_and_enter_picks() {
        let mut p = Picker::new(
            vec![
                entry("web", "10.0.0.5"),
                entry("db", "10.0.0.6"),
                entry("web-alt", "10.0.0.7"),
            ],
            ConsoleOptions::default(),
        );
        assert_eq!(p.on_key(key(KeyCode::Down)), Picked::Nothing);
        assert_eq!(
            p.on_key(key(KeyCode::Enter)),
            Picked::Destination("db".into())
        );
        for c in "web".chars() {
            p.on_key(key(KeyCode::Char(c)));
        }
        assert_eq!(p.visible().len(), 2);
        p.on_key(key(KeyCode::Down));
        assert_eq!(
            p.on_key(key(KeyCode::Enter)),
            Picked::Destination("web-alt".into())
        );
        for c in "x@new:2222".chars() {
            p.on_key(key(KeyCode::Char(c)));
        }
        assert!(p.visible().is_empty());
        assert_eq!(
            p.on_key(key(KeyCode::Enter)),
            Picked::Destination("webx@new:2222".into())
        );
        assert_eq!(p.on_key(key(KeyCode::Esc)), Picked::Quit);
    }

    #[test]
    fn renders_entries_with_their_settings() {
        let p = Picker::new(
            vec![entry("web", "10.0.0.5")],
            ConsoleOptions {
                ascii: true,
                color: false,
            },
        );
        let mut terminal = Terminal::new(TestBackend::new(80, 10)).unwrap();
        terminal.draw(|f| p.draw(f)).unwrap();
        let screen = format!("{}", terminal.backend());
        assert!(
            screen.contains("web") && screen.contains("deploy@10.0.0.5 port 22"),
            "{screen}"
        );
        assert!(screen.contains("Destination"), "{screen}");
    }
}
