//! The view: `Widget for &App` draws the whole screen from state alone, without I/O.

mod checklist;
mod findings;
pub mod layout;
mod log;
pub(crate) mod overlay;

use super::app::{App, Focus, Overlay};
use super::keymap::{self, Context};
use super::theme::{Role, Theme};
use super::wrap;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};
use ratatui::Frame;

/// Draw the console into a frame.
pub fn draw(app: &App, frame: &mut Frame) {
    frame.render_widget(app, frame.area());
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let areas = layout::areas(area, self);
        header(self, areas.header, buf);
        if let Some(r) = areas.status {
            status(self, r, buf);
        }
        checklist::render(self, &areas, buf);
        log::render(self, &areas, buf);
        findings::render(self, &areas, buf);
        footer(self, areas.footer, buf);
        match &self.overlay {
            Some(Overlay::Help { scroll }) => overlay::help(self.theme, *scroll, area, buf),
            Some(Overlay::Confirm { action, scroll }) => {
                overlay::confirm(self.theme, action, *scroll, area, buf);
            }
            Some(Overlay::Secret { title, input }) => {
                overlay::secret(self.theme, title, input.chars(), area, buf);
            }
            None => {}
        }
        if self.theme.ascii() {
            asciify(area, buf);
        }
    }
}

/// In ASCII mode, swap the few non-ASCII marks the console itself writes (hints, arrows,
/// ellipses) for ASCII ones; text from the engine (CJK summaries) is left alone.
pub(crate) fn asciify(area: Rect, buf: &mut Buffer) {
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if let Some(cell) = buf.cell_mut((x, y)) {
                let ascii = match cell.symbol() {
                    "·" | "│" => "|",
                    "…" => ".",
                    "→" | "▶" => ">",
                    "•" => "*",
                    _ => continue,
                };
                cell.set_symbol(ascii);
            }
        }
    }
}

/// A panel's frame: full borders when wide, a top rule when stacked; the focused one is
/// marked by a reversed title (visible without colour) and a coloured border.
pub(super) fn panel<'a>(theme: Theme, title: Line<'a>, focused: bool, wide: bool) -> Block<'a> {
    let borders = if wide { Borders::ALL } else { Borders::TOP };
    let (border_style, title_style) = if focused {
        let s = theme.style(Role::Focused);
        (s, s.add_modifier(Modifier::REVERSED))
    } else {
        (theme.style(Role::Dim), theme.style(Role::Title))
    };
    Block::new()
        .borders(borders)
        .border_set(theme.border())
        .border_style(border_style)
        .title(title.style(title_style))
}

/// Write one row, clipped to `area`'s width; rows outside `area` are ignored.
pub(crate) fn put(buf: &mut Buffer, area: Rect, row: u16, line: &Line<'_>) {
    if row < area.height {
        buf.set_line(area.x, area.y + row, line, area.width);
    }
}

fn header(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let (status, verdict) = app.verdict();
    let sep = if t.ascii() { " | " } else { " │ " };
    let mut spans = Vec::new();
    if area.width >= layout::WIDE {
        spans.push(Span::styled(" sshdoctor", t.style(Role::Title)));
        spans.push(Span::styled(sep, t.style(Role::Dim)));
    } else {
        spans.push(Span::raw(" "));
    }
    spans.push(Span::raw(app.target_line()));
    spans.push(Span::styled(sep, t.style(Role::Dim)));
    let used: usize = spans.iter().map(Span::width).sum();
    let verdict = format!(
        "{} {verdict}",
        t.status_symbol(status, app.spinner).trim_end()
    );
    let room = usize::from(area.width).saturating_sub(used);
    spans.push(Span::styled(
        wrap::truncate(&verdict, room, t.ellipsis()),
        t.style(Role::Status(status)).add_modifier(Modifier::BOLD),
    ));
    let line = Line::from(spans);
    put(buf, area, 0, &line);
}

fn status(app: &App, area: Rect, buf: &mut Buffer) {
    if let Some(text) = &app.status {
        let text = wrap::truncate(
            text,
            usize::from(area.width.saturating_sub(1)),
            app.theme.ellipsis(),
        );
        put(
            buf,
            area,
            0,
            &Line::styled(
                format!(" {text}"),
                Style::default().add_modifier(Modifier::BOLD),
            ),
        );
    }
}

/// The contexts whose keys the footer shows now (topmost first).
pub(super) fn active_contexts(app: &App) -> Vec<Context> {
    match &app.overlay {
        Some(Overlay::Help { .. }) => return vec![Context::Help],
        Some(Overlay::Confirm { .. }) => return vec![Context::Confirm],
        Some(Overlay::Secret { .. }) => return vec![Context::Prompt],
        None => {}
    }
    if app.log.input.is_some() {
        return vec![Context::Search];
    }
    let panel = match app.focus {
        Focus::Checklist => Context::Checklist,
        Focus::Log => Context::Log,
        Focus::Findings => Context::Findings,
    };
    vec![panel, Context::Global]
}

fn footer(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let contexts = active_contexts(app);
    let mut spans = vec![Span::raw(" ")];
    for b in keymap::footer(&contexts) {
        if app.focus == Focus::Findings && b.context == Context::Findings {
            // Only the keys that do something right now.
            let in_actions = app.action_sel.is_some();
            let has_actions = app
                .selected_finding()
                .is_some_and(|f| !f.actions.is_empty());
            let idle = match b.action {
                keymap::Action::Back => !in_actions,
                keymap::Action::Enter => !in_actions && !has_actions,
                _ => false,
            };
            if idle {
                continue;
            }
        }
        spans.push(Span::styled(t.label(b.label), t.style(Role::Key)));
        spans.push(Span::raw(format!(" {}  ", b.help)));
    }
    put(buf, area, 0, &Line::from(spans));
}
