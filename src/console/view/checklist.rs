//! The checklist panel: one row per stage (symbol, status word, title, elapsed, summary),
//! scrolled to keep the selected stage in view, then the selected stage's facts when room.

use super::layout::{inner, keep_visible, stage_rows, Areas};
use super::{panel, put};
use crate::console::app::{App, Focus};
use crate::console::labels;
use crate::console::theme::Role;
use crate::console::wrap;
use crate::event::Status;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Draw the checklist into `areas.checklist`.
pub fn render(app: &App, areas: &Areas, buf: &mut Buffer) {
    if areas.checklist.is_empty() {
        return;
    }
    let t = app.theme;
    let focused = app.focus == Focus::Checklist && app.overlay.is_none();
    let total = app.report.checks.len();
    let rows = stage_rows(areas, total);
    let top = keep_visible(app.check_top, app.stage_sel, rows).min(total.saturating_sub(rows));
    let mut title = format!(" {} ", labels::words::CHECKLIST);
    if rows < total && rows > 0 {
        let pos = labels::position(top + 1, (top + rows).min(total), total, t.ascii());
        title = format!(" {} {pos} ", labels::words::CHECKLIST);
    }
    panel(t, Line::from(title), focused, areas.wide).render(areas.checklist, buf);
    let area = inner(areas.checklist, areas.wide);
    let width = usize::from(area.width);
    for (row, (i, check)) in app
        .report
        .checks
        .iter()
        .enumerate()
        .skip(top)
        .take(rows)
        .enumerate()
    {
        let selected = i == app.stage_sel;
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
        let summary = match check.status {
            Status::Running => app.running_time(check.stage).unwrap_or_default(),
            _ => check.summary.clone(),
        };
        let room = width.saturating_sub(wrap::width(&lead));
        let mut spans = vec![
            Span::styled(lead, t.style(Role::Status(check.status))),
            Span::raw(wrap::truncate(&summary, room, t.ellipsis())),
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
    let first = u16::try_from(rows).unwrap_or(u16::MAX);
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
