//! The checklist panel: one row per stage (symbol, status word, title, elapsed, summary), then the selected stage's facts.

use super::layout::{inner, Areas};
use super::{panel, put};
use crate::console::app::{App, Focus};
use crate::console::theme::Role;
use crate::console::wrap;
use crate::event::Status;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Draw the checklist into `areas.checklist`.
pub fn render(app: &App, areas: &Areas, buf: &mut Buffer) {
    let t = app.theme;
    let focused = app.focus == Focus::Checklist && app.overlay.is_none();
    let title = Line::from(" Checklist ");
    panel(t, title, focused, areas.wide).render(areas.checklist, buf);
    let area = inner(areas.checklist, areas.wide);
    let width = usize::from(area.width);
    for (row, check) in app.report.checks.iter().enumerate() {
        let selected = row == app.stage_sel;
        let elapsed = match check.status {
            Status::Pass | Status::Warn | Status::Fail => format!("{} ms", check.elapsed_ms),
            _ => String::new(),
        };
        let marker = if selected { t.cursor() } else { " " };
        let filtered = app.log.filter == Some(check.stage);
        let lead = format!(
            "{marker}{} {:<7} {:<14} {elapsed:>8}  ",
            t.status_symbol(check.status, app.spinner),
            check.status.word(),
            check.stage.title(),
        );
        let room = width.saturating_sub(Span::raw(lead.as_str()).width());
        let mut spans = vec![
            Span::styled(lead, t.style(Role::Status(check.status))),
            Span::raw(wrap::truncate(&check.summary, room, t.ellipsis())),
        ];
        if filtered {
            spans[0].style = spans[0].style.add_modifier(Modifier::BOLD);
        }
        let mut line = Line::from(spans);
        if selected && focused {
            line = line.patch_style(t.style(Role::Selected));
        }
        put(buf, area, u16::try_from(row).unwrap_or(u16::MAX), &line);
    }
    let stage = app.selected_stage();
    let first = u16::try_from(app.report.checks.len()).unwrap_or(u16::MAX);
    let facts = app.report.facts.iter().filter(|(s, _, _)| *s == stage);
    for (i, (_, key, value)) in facts.enumerate() {
        let row = first.saturating_add(u16::try_from(i).unwrap_or(u16::MAX));
        if row >= area.height {
            break;
        }
        let text = format!("  {}: {key} = {value}", stage.name());
        let text = wrap::truncate(&text, width, t.ellipsis());
        put(buf, area, row, &Line::styled(text, t.style(Role::Dim)));
    }
}
