//! The checklist panel: one row per stage (symbol, status word, title, elapsed, summary),
//! grouped under a heading per hop through jump hosts, scrolled to keep the selected row in
//! view, then the selected stage's facts when room.

use super::layout::{inner, keep_visible, stage_rows, Areas};
use super::{panel, put};
use crate::console::app::{App, Focus};
use crate::console::labels;
use crate::console::rows::Row;
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
    let all = app.rows();
    let total = all.len();
    let rows = stage_rows(areas, total);
    let top = keep_visible(app.check_top, app.stage_sel, rows).min(total.saturating_sub(rows));
    let mut title = format!(" {} ", labels::words::checklist());
    if rows < total && rows > 0 {
        let pos = labels::position(top + 1, (top + rows).min(total), total, t.ascii());
        title = format!(" {} {pos} ", labels::words::checklist());
    }
    panel(t, Line::from(title), focused, areas.wide).render(areas.checklist, buf);
    let area = inner(areas.checklist, areas.wide);
    let width = usize::from(area.width);
    for (row, (i, kind)) in all.iter().enumerate().skip(top).take(rows).enumerate() {
        let selected = i == app.stage_sel;
        let mut line = match *kind {
            Row::Check(c) => check_line(app, c, selected, width),
            Row::Hop(h) => hop_line(app, h, selected, width),
        };
        if selected && focused {
            line = line.patch_style(t.style(Role::Selected));
        }
        put(buf, area, u16::try_from(row).unwrap_or(u16::MAX), &line);
    }
    let (stage, hop) = (app.selected_stage(), app.selected_hop());
    let first = u16::try_from(rows).unwrap_or(u16::MAX);
    let facts = (app.report.facts.iter()).filter(|f| f.stage == stage && f.hop == hop);
    for (i, f) in facts.enumerate() {
        let row = first.saturating_add(u16::try_from(i).unwrap_or(u16::MAX));
        if row >= area.height {
            break;
        }
        let text = format!("  {}: {} = {}", stage.name(), f.key, f.value);
        let text = wrap::truncate(&text, width, t.ellipsis());
        put(buf, area, row, &Line::styled(text, t.style(Role::Dim)));
    }
}

/// A stage's row: symbol, status word, title, elapsed, summary (indented under its hop).
fn check_line(app: &App, i: usize, selected: bool, width: usize) -> Line<'static> {
    let t = app.theme;
    let Some(check) = app.report.checks.get(i) else {
        return Line::default();
    };
    let elapsed = match check.status {
        Status::Pass | Status::Warn | Status::Fail => format!("{} ms", check.elapsed_ms),
        _ => String::new(),
    };
    let marker = if selected { t.cursor() } else { " " };
    let filtered =
        app.log.filter == Some(check.stage) && app.log.hop_filter.is_none_or(|h| h == check.hop);
    let indent = if app.report.has_jumps() { "  " } else { "" };
    let lead = format!(
        "{marker}{indent}{} {} {} {elapsed:>8}  ",
        t.status_symbol(check.status, app.spinner),
        wrap::pad_right(
            crate::i18n::t(&format!("status.{}", check.status.word())),
            7
        ),
        wrap::pad_right(crate::i18n::stage_title(check.stage), 14),
    );
    let summary = match check.status {
        Status::Running => app.running_time(check.hop, check.stage).unwrap_or_default(),
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
    Line::from(spans)
}

/// A hop's heading: open or closed mark, symbol, status word, name, then how it went.
fn hop_line(app: &App, hop: usize, selected: bool, width: usize) -> Line<'static> {
    let t = app.theme;
    let status = app.report.hop_status(hop);
    let marker = if selected { t.cursor() } else { " " };
    let open = match (app.hop_open(hop), t.ascii()) {
        (true, false) => "▾",
        (false, false) => "▸",
        (true, true) => "-",
        (false, true) => "+",
    };
    let name = app.report.hop_name(hop).unwrap_or("?");
    let lead = format!(
        "{marker}{open}{} {:<7} {name}  ",
        t.status_symbol(status, app.spinner),
        status.word(),
    );
    let room = width.saturating_sub(wrap::width(&lead));
    let mut style = t.style(Role::Status(status)).add_modifier(Modifier::BOLD);
    if app.log.hop_filter == Some(hop) && app.log.filter.is_none() {
        style = style.add_modifier(Modifier::UNDERLINED);
    }
    Line::from(vec![
        Span::styled(lead, style),
        Span::raw(wrap::truncate(&app.hop_summary(hop), room, t.ellipsis())),
    ])
}
