//! The view: `Widget for &App` draws the whole screen from state alone, without I/O.

mod checklist;
mod findings;
pub mod layout;
mod log;
pub(crate) mod overlay;
mod prompt;

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

/// How far the selected finding's detail can scroll at the console's size.
pub(crate) fn detail_max_scroll(app: &App) -> usize {
    let areas = layout::areas(Rect::new(0, 0, app.size.0, app.size.1), app);
    findings::max_scroll(app, &areas)
}

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
        footer(self, &areas, buf);
        match &self.overlay {
            Some(Overlay::Help { scroll }) => overlay::help(self.theme, *scroll, area, buf),
            Some(Overlay::Confirm { text, scroll, .. }) => {
                overlay::confirm(self.theme, text, *scroll, area, buf);
            }
            Some(Overlay::Secret { title, note, input }) => {
                prompt::secret(self.theme, title, note.as_deref(), input.chars(), area, buf);
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

/// The target and the verdict: the longest verdict that fits beside a target form that fits;
/// the verdict is shortened before the target is cut, and never cut itself.
fn header(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let (status, verdicts) = app.verdict();
    let sep = if t.ascii() { " | " } else { " │ " };
    let lead = if area.width >= layout::WIDE {
        format!(" sshdoctor{sep}")
    } else {
        " ".to_string()
    };
    // First contact asks a question: `?`, not a failure.
    let symbol = if app.done && app.waiting_for_trust() {
        "?"
    } else {
        t.status_symbol(status, app.spinner).trim_end()
    };
    let width = usize::from(area.width);
    let fixed = wrap::width(&lead) + wrap::width(sep) + wrap::width(symbol) + 1;
    let targets = app.target_forms();
    let fits = |v: &str, tg: &str| fixed + wrap::width(v) + wrap::width(tg) <= width;
    let (verdict, target) = verdicts
        .iter()
        .find_map(|v| {
            targets
                .iter()
                .find(|tg| fits(v, tg))
                .map(|tg| (v.clone(), tg.clone()))
        })
        .unwrap_or_else(|| {
            let v = verdicts.last().cloned().unwrap_or_default();
            let room = width.saturating_sub(fixed + wrap::width(&v));
            let tg = targets.last().cloned().unwrap_or_default();
            (v, wrap::truncate(&tg, room, t.ellipsis()))
        });
    let mut spans = Vec::new();
    if area.width >= layout::WIDE {
        spans.push(Span::styled(" sshdoctor", t.style(Role::Title)));
        spans.push(Span::styled(sep, t.style(Role::Dim)));
    } else {
        spans.push(Span::raw(" "));
    }
    spans.push(Span::raw(target));
    spans.push(Span::styled(sep, t.style(Role::Dim)));
    spans.push(Span::styled(
        format!("{symbol} {verdict}"),
        t.style(Role::Status(status)).add_modifier(Modifier::BOLD),
    ));
    put(buf, area, 0, &Line::from(spans));
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
        Some(Overlay::Confirm { action, .. }) if app.first_contact_stop(action) => {
            return vec![Context::Trust, Context::Confirm]
        }
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

/// The keys that do something now, as many as fit: the lowest priority go first at narrow
/// widths, help and quit always stay.
fn footer(app: &App, areas: &layout::Areas, buf: &mut Buffer) {
    let t = app.theme;
    let area = areas.footer;
    let contexts = active_contexts(app);
    let candidates: Vec<&keymap::Binding> = keymap::footer(&contexts)
        .filter(|b| !idle(app, areas, b))
        .collect();
    let cost =
        |b: &keymap::Binding| wrap::width(&t.label(b.label)) + wrap::width(&help_word(app, b)) + 3;
    let mut room = usize::from(area.width).saturating_sub(1);
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(candidates[i].footer));
    let mut shown = vec![false; candidates.len()];
    for i in order {
        let c = cost(candidates[i]);
        if c <= room {
            room -= c;
            shown[i] = true;
        }
    }
    let mut spans = vec![Span::raw(" ")];
    for (b, _) in candidates.iter().zip(&shown).filter(|(_, s)| **s) {
        spans.push(Span::styled(t.label(b.label), t.style(Role::Key)));
        spans.push(Span::raw(format!(" {}  ", help_word(app, b))));
    }
    put(buf, area, 0, &Line::from(spans));
}

/// The words after a key in the footer (the zoom key says which way it goes).
fn help_word(app: &App, b: &keymap::Binding) -> String {
    match b.action {
        keymap::Action::ToggleZoom if app.zoom => crate::i18n::t("console.all_panels").into(),
        _ => crate::i18n::phrase(b.short).to_string(),
    }
}

/// Whether a key would do nothing right now (so the footer leaves it out).
fn idle(app: &App, areas: &layout::Areas, b: &keymap::Binding) -> bool {
    use keymap::Action as A;
    let actions = app.selected_finding().map_or(0, |f| f.actions.len());
    match (b.context, b.action) {
        (Context::Global, A::Fix) => actions == 0 || app.focus == Focus::Findings,
        (Context::Findings, A::Fix) => actions == 0,
        (Context::Findings, A::NextAction | A::PrevAction) => actions < 2,
        (Context::Findings, A::Down | A::Up) => app.report.findings.len() < 2,
        (Context::Findings, A::PageUp) => app.detail_scroll == 0,
        (Context::Findings, A::PageDown) => !findings::detail_overflows(app, areas),
        _ => false,
    }
}
