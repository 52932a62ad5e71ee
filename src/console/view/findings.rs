//! The findings panel: findings root cause first, then the selected one's detail, evidence,
//! fix and actions, each with the shell command it equals (the screen teaches).

use super::layout::{inner, Areas};
use super::{panel, put};
use crate::console::app::{App, Focus};
use crate::console::theme::Role;
use crate::console::wrap;
use crate::event::{Finding, Status};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Draw the findings into `areas.findings`.
pub fn render(app: &App, areas: &Areas, buf: &mut Buffer) {
    let t = app.theme;
    let focused = app.focus == Focus::Findings && app.overlay.is_none();
    let n = app.report.findings.len();
    let title = match n {
        0 => " Findings ".to_string(),
        1 => " Findings (1) ".to_string(),
        n => format!(" Findings ({n}, root cause first) "),
    };
    panel(t, Line::from(title), focused, areas.wide).render(areas.findings, buf);
    let area = inner(areas.findings, areas.wide);
    if area.is_empty() {
        return;
    }
    if n == 0 {
        let (status, text) = if app.done && app.report.ok() {
            (Status::Pass, "No problems found: the login works.")
        } else if app.done {
            (Status::Pass, "No findings.")
        } else {
            (Status::Running, "No findings yet; the checks are running.")
        };
        let sym = t.status_symbol(status, app.spinner).trim_end();
        put(
            buf,
            area,
            0,
            &Line::styled(format!("{sym} {text}"), t.style(Role::Status(status))),
        );
        return;
    }
    let list_rows = n.min((usize::from(area.height) / 3).max(1));
    let first = app.finding_sel.saturating_sub(list_rows - 1);
    let width = usize::from(area.width);
    for (row, (i, f)) in app
        .report
        .findings
        .iter()
        .enumerate()
        .skip(first)
        .take(list_rows)
        .enumerate()
    {
        let selected = i == app.finding_sel;
        let marker = if selected { t.cursor() } else { " " };
        let lead = format!(
            "{marker}{} {:<7} ",
            t.severity_symbol(f.severity),
            f.severity.word()
        );
        let rest = format!("{}  {}", f.id, f.title);
        let room = width.saturating_sub(Span::raw(lead.as_str()).width());
        let mut line = Line::from(vec![
            Span::styled(lead, t.style(Role::Severity(f.severity))),
            Span::raw(wrap::truncate(&rest, room, t.ellipsis())),
        ]);
        if selected && focused && app.action_sel.is_none() {
            line = line.patch_style(t.style(Role::Selected));
        }
        put(buf, area, u16::try_from(row).unwrap_or(u16::MAX), &line);
    }
    let list_h = u16::try_from(list_rows).unwrap_or(u16::MAX);
    let detail = Rect::new(
        area.x,
        area.y + list_h.min(area.height),
        area.width,
        area.height.saturating_sub(list_h),
    );
    if let Some(f) = app.selected_finding() {
        render_detail(app, f, focused, detail, buf);
    }
}

fn render_detail(app: &App, f: &Finding, focused: bool, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let width = usize::from(area.width);
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut action_rows = Vec::new();
    let add = |rows: &mut Vec<Line<'static>>, spans: Vec<Span<'_>>| {
        rows.extend(wrap::wrap(&spans, width, true));
    };
    // The list row shows the title; repeat it only when the row had to cut it.
    let list_width = Span::raw(format!(
        "  {} {:<7} {}  {}",
        t.severity_symbol(f.severity),
        f.severity.word(),
        f.id,
        f.title
    ))
    .width();
    if list_width > width {
        add(
            &mut rows,
            vec![Span::styled(f.title.clone(), t.style(Role::Title))],
        );
    }
    add(&mut rows, vec![Span::raw(f.detail.as_str())]);
    if !f.evidence.is_empty() {
        add(
            &mut rows,
            vec![Span::styled("Evidence:", t.style(Role::Title))],
        );
        for e in &f.evidence {
            add(
                &mut rows,
                vec![Span::styled(format!("  {e}"), t.style(Role::Dim))],
            );
        }
    }
    add(
        &mut rows,
        vec![
            Span::styled("Fix: ", t.style(Role::Title)),
            Span::raw(f.fix.as_str()),
        ],
    );
    for (i, a) in f.actions.iter().enumerate() {
        let selected = app.action_sel == Some(i);
        action_rows.push(rows.len());
        let marker = if selected { t.cursor() } else { " " };
        let mut head = Line::from(vec![
            Span::styled(format!("{marker}Action {}: ", a.id), t.style(Role::Key)),
            Span::raw(a.title.clone()),
        ]);
        if selected && focused {
            head = head.patch_style(t.style(Role::Selected));
        }
        rows.extend(wrap::wrap(&head.spans, width, true));
        add(
            &mut rows,
            vec![
                Span::styled("   same as: ", t.style(Role::Dim)),
                Span::styled(a.command.as_str(), t.style(Role::Command)),
            ],
        );
        if let Some(record) = app.record(&a.id) {
            let text = match &record.result {
                None => "   applying".to_string(),
                Some(Ok(lines)) if lines.is_empty() => "   applied: nothing to change".to_string(),
                Some(Ok(lines)) => format!("   applied: {}", lines.join("; ")),
                Some(Err(e)) => format!("   failed: {e}"),
            };
            let style = t.style(Role::Status(match &record.result {
                Some(Err(_)) => Status::Fail,
                _ => Status::Pass,
            }));
            add(
                &mut rows,
                vec![Span::styled(text, style.add_modifier(Modifier::BOLD))],
            );
        }
    }
    if !f.actions.is_empty() && app.action_sel.is_none() && focused {
        add(
            &mut rows,
            vec![Span::styled(
                "Enter: choose an action to apply (you confirm first)",
                t.style(Role::Dim),
            )],
        );
    }
    let height = usize::from(area.height);
    let max_top = rows.len().saturating_sub(height);
    // With an action selected, scroll just enough to show it whole (title, command, result).
    let top = match app
        .action_sel
        .and_then(|a| action_rows.get(a).map(|r| (a, *r)))
    {
        Some((a, row)) => {
            let end = action_rows.get(a + 1).copied().unwrap_or(rows.len());
            if height < 8 {
                row
            } else {
                end.saturating_sub(height).min(row)
            }
        }
        None => app.detail_scroll.min(max_top),
    };
    for (i, line) in rows.iter().skip(top).take(height).enumerate() {
        put(buf, area, u16::try_from(i).unwrap_or(u16::MAX), line);
    }
}
