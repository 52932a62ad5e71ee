//! Symbols, words and styles in one place: Unicode or ASCII, colour or `NO_COLOR`.

use super::ConsoleOptions;
use crate::event::{Severity, Stage, Status};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

/// What a piece of text is, so the theme can style it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A stage status.
    Status(Status),
    /// A finding severity.
    Severity(Severity),
    /// A stage tag in the log.
    Stage(Stage),
    /// The border and title of the focused panel.
    Focused,
    /// Secondary text: debug lines, hints, elapsed times.
    Dim,
    /// Headings.
    Title,
    /// The selected row.
    Selected,
    /// A search match.
    Match,
    /// The search match the user jumped to.
    CurrentMatch,
    /// An added line in a diff.
    DiffAdd,
    /// A removed line in a diff.
    DiffDel,
    /// A hunk header or file name in a diff.
    DiffMeta,
    /// A key name in the footer or help.
    Key,
    /// A shell command the user could type instead.
    Command,
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The look of the console, from [`ConsoleOptions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    ascii: bool,
    color: bool,
}

impl Theme {
    /// The theme for these options.
    pub fn new(options: ConsoleOptions) -> Theme {
        Theme {
            ascii: options.ascii,
            color: options.color,
        }
    }

    /// Whether ASCII-only output was asked for.
    pub fn ascii(self) -> bool {
        self.ascii
    }

    /// Box-drawing borders, or `+ - |`.
    pub fn border(self) -> border::Set<'static> {
        if self.ascii {
            border::Set {
                top_left: "+",
                top_right: "+",
                bottom_left: "+",
                bottom_right: "+",
                vertical_left: "|",
                vertical_right: "|",
                horizontal_top: "-",
                horizontal_bottom: "-",
            }
        } else {
            border::PLAIN
        }
    }

    /// The symbol before a status word; `frame` animates the running spinner.
    /// Padded to one width so the columns after it line up.
    pub fn status_symbol(self, status: Status, frame: usize) -> &'static str {
        if self.ascii {
            return match status {
                Status::Pending => "[ ]   ",
                Status::Running => "[..]  ",
                Status::Pass => "[ok]  ",
                Status::Warn => "[warn]",
                Status::Fail => "[FAIL]",
                Status::Skipped => "[skip]",
            };
        }
        match status {
            Status::Pending => "○",
            Status::Running => SPINNER[frame % SPINNER.len()],
            Status::Pass => "✔",
            Status::Warn => "⚠",
            Status::Fail => "✘",
            Status::Skipped => "↷",
        }
    }

    /// The symbol before a severity word.
    pub fn severity_symbol(self, severity: Severity) -> &'static str {
        match (self.ascii, severity) {
            (true, Severity::Error) => "[FAIL]",
            (true, Severity::Warning) => "[warn]",
            (true, Severity::Info) => "[info]",
            (false, Severity::Error) => "✘",
            (false, Severity::Warning) => "⚠",
            (false, Severity::Info) => "ℹ",
        }
    }

    /// The marker before the selected row (so selection shows without colour too).
    pub fn cursor(self) -> &'static str {
        if self.ascii {
            ">"
        } else {
            "▶"
        }
    }

    /// A key label as shown: arrows spelled out in ASCII mode (`j/↓` → `j/Down`).
    pub fn label(self, label: &'static str) -> std::borrow::Cow<'static, str> {
        if self.ascii && !label.is_ascii() {
            label
                .replace('↑', "Up")
                .replace('↓', "Down")
                .replace('←', "Left")
                .replace('→', "Right")
                .into()
        } else {
            label.into()
        }
    }

    /// The ellipsis for cut text.
    pub fn ellipsis(self) -> &'static str {
        if self.ascii {
            "..."
        } else {
            "…"
        }
    }

    /// The style for a role; without colour only modifiers remain.
    pub fn style(self, role: Role) -> Style {
        let (fg, bg, modifier) = match role {
            Role::Status(s) => (status_color(s), None, Modifier::empty()),
            Role::Severity(Severity::Error) => (Some(Color::Red), None, Modifier::BOLD),
            Role::Severity(Severity::Warning) => (Some(Color::Yellow), None, Modifier::empty()),
            Role::Severity(Severity::Info) => (Some(Color::Blue), None, Modifier::empty()),
            Role::Stage(s) => (Some(stage_color(s)), None, Modifier::empty()),
            Role::Focused => (Some(Color::Cyan), None, Modifier::BOLD),
            Role::Dim => (Some(Color::DarkGray), None, Modifier::empty()),
            Role::Title => (None, None, Modifier::BOLD),
            Role::Selected => (None, None, Modifier::REVERSED),
            Role::Match => (
                Some(Color::Black),
                Some(Color::Yellow),
                Modifier::UNDERLINED,
            ),
            Role::CurrentMatch => (
                Some(Color::Black),
                Some(Color::LightYellow),
                Modifier::REVERSED,
            ),
            Role::DiffAdd => (Some(Color::Green), None, Modifier::empty()),
            Role::DiffDel => (Some(Color::Red), None, Modifier::empty()),
            Role::DiffMeta => (Some(Color::Cyan), None, Modifier::empty()),
            Role::Key => (Some(Color::Cyan), None, Modifier::BOLD),
            Role::Command => (Some(Color::Green), None, Modifier::empty()),
        };
        let mut style = Style::default().add_modifier(modifier);
        if self.color {
            if let Some(fg) = fg {
                style = style.fg(fg);
            }
            if let Some(bg) = bg {
                style = style.bg(bg);
            }
        }
        style
    }
}

fn status_color(s: Status) -> Option<Color> {
    match s {
        Status::Pending => Some(Color::DarkGray),
        Status::Running => Some(Color::Cyan),
        Status::Pass => Some(Color::Green),
        Status::Warn => Some(Color::Yellow),
        Status::Fail => Some(Color::Red),
        Status::Skipped => Some(Color::DarkGray),
    }
}

fn stage_color(s: Stage) -> Color {
    match s {
        Stage::Config => Color::Gray,
        Stage::Dns => Color::Blue,
        Stage::Tcp => Color::Cyan,
        Stage::Banner => Color::Magenta,
        Stage::Kex => Color::Yellow,
        Stage::Hostkey => Color::LightRed,
        Stage::Auth => Color::Green,
        Stage::Session => Color::LightBlue,
        Stage::Remote => Color::LightGreen,
        Stage::Forward | Stage::Proxy => Color::LightCyan,
        Stage::Sshd => Color::Gray,
        Stage::Listen => Color::Cyan,
        Stage::HostKeys => Color::LightRed,
        Stage::Account => Color::Green,
        Stage::AuthorizedKeys => Color::LightGreen,
        Stage::Log => Color::Magenta,
    }
}
