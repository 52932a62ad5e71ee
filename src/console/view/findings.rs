//! The findings panel: findings root cause first, then the selected one's detail, evidence,
//! fix and actions, each with the shell command it equals (the screen teaches); the fix the
//! Enter key opens stays pinned at the bottom, and a scrolled detail says where it is.

use super::layout::{inner, Areas};
use super::{panel, put};
use crate::console::app::{App, Focus};
use crate::console::labels;
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
    if areas.findings.is_empty() {
        return;
    }
    let t = app.theme;
    let focused = app.focus == Focus::Findings && app.overlay.is_none();
    let n = app.report.findings.len();
    let area = inner(areas.findings, areas.wide);
    let list_rows = n.min((usize::from(area.height) / 3).max(1));
    let first = app.finding_sel.saturating_sub(list_rows.saturating_sub(1));
    let mut title = labels::findings_title(n);
    if list_rows < n {
        let pos = labels::position(first + 1, first + list_rows, n, t.ascii());
        title.push_str(&format!("{pos} "));
    }
    panel(t, Line::from(title), focused, areas.wide).render(areas.findings, buf);
    if area.is_empty() {
        return;
    }
    if n == 0 {
        let (status, text) = if app.done && app.report.ok() {
            (Status::Pass, labels::no_problems())
        } else if app.done {
            (Status::Pass, labels::no_findings())
        } else {
            (Status::Running, labels::no_findings_yet())
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
            "{marker}{} {} ",
            t.severity_symbol(f.severity),
            severity_word(f.severity)
        );
        let rest = format!("{}  {}", f.id, f.title);
        let room = width.saturating_sub(wrap::width(&lead));
        let mut line = Line::from(vec![
            Span::styled(lead, t.style(Role::Severity(f.severity))),
            Span::raw(wrap::truncate(&rest, room, t.ellipsis())),
        ]);
        if selected && focused {
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
        render_detail(app, f, detail, buf);
    }
}

/// The selected finding's text as rows at `width`.
pub fn detail_rows(app: &App, f: &Finding, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let mut rows: Vec<Line<'static>> = Vec::new();
    let add = |rows: &mut Vec<Line<'static>>, spans: Vec<Span<'_>>| {
        rows.extend(wrap::wrap(&spans, width, true));
    };
    // The list row shows the title; repeat it only when the row had to cut it.
    let list_width = wrap::width(&format!(
        " {} {} {}  {}",
        t.severity_symbol(f.severity),
        severity_word(f.severity),
        f.id,
        f.title
    ));
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
            vec![Span::styled(
                labels::words::evidence(),
                t.style(Role::Title),
            )],
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
            Span::styled(labels::words::fix(), t.style(Role::Title)),
            Span::raw(f.fix.as_str()),
        ],
    );
    for (i, a) in f.actions.iter().enumerate() {
        let chosen = app.action_sel == i && f.actions.len() > 1;
        let marker = if chosen { t.cursor() } else { " " };
        add(
            &mut rows,
            vec![
                Span::styled(labels::action_head(marker, &a.id), t.style(Role::Key)),
                Span::raw(a.title.clone()),
            ],
        );
        rows.extend(crate::console::cmdwrap::lines(
            labels::words::same_as(),
            &a.command,
            width,
            3,
            t.style(Role::Command),
            t.style(Role::Dim),
        ));
        if let Some(record) = app.record(&a.id) {
            let text = labels::action_result(record.result.as_ref());
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
    rows
}

/// The pinned line naming the fix Enter opens.
fn fix_bar(app: &App, f: &Finding) -> Option<Line<'static>> {
    let a = f.actions.get(app.action_sel)?;
    let t = app.theme;
    let what = labels::confirm_title(a, &app.home);
    let mut spans = vec![
        Span::styled(
            format!("{} {}", t.cursor(), labels::words::enter_fix()),
            t.style(Role::Key),
        ),
        Span::raw(format!(
            " {} {}",
            labels::words::fix_verb(),
            what.trim_end_matches('?')
        )),
    ];
    if f.actions.len() > 1 {
        spans.push(Span::styled(
            labels::action_of(app.action_sel + 1, f.actions.len()),
            t.style(Role::Dim),
        ));
    }
    Some(Line::from(spans))
}

/// Whether the detail of the selected finding is longer than its panel (PgUp/PgDn matter).
pub fn detail_overflows(app: &App, areas: &Areas) -> bool {
    max_scroll(app, areas) > 0
}

/// How far the detail can scroll: rows beyond what its panel shows (0 when it fits).
pub fn max_scroll(app: &App, areas: &Areas) -> usize {
    let area = inner(areas.findings, areas.wide);
    let Some(f) = app.selected_finding() else {
        return 0;
    };
    let n = app.report.findings.len();
    let list_rows = n.min((usize::from(area.height) / 3).max(1));
    let pinned = usize::from(!f.actions.is_empty() && area.height >= 2);
    let height = usize::from(area.height).saturating_sub(list_rows + pinned);
    let rows = detail_rows(app, f, usize::from(area.width)).len();
    if rows <= height {
        return 0;
    }
    // One row goes to the position line.
    rows.saturating_sub(height.saturating_sub(1).max(1))
}

fn render_detail(app: &App, f: &Finding, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let rows = detail_rows(app, f, usize::from(area.width));
    let mut height = usize::from(area.height);
    if let Some(bar) = fix_bar(app, f).filter(|_| height >= 2) {
        height -= 1;
        let bar = wrap::truncate_line(&bar, usize::from(area.width), t.ellipsis());
        put(buf, area, u16::try_from(height).unwrap_or(u16::MAX), &bar);
    }
    let overflow = rows.len() > height;
    let text_h = if overflow && height >= 2 {
        height - 1
    } else {
        height
    };
    let max_top = rows.len().saturating_sub(text_h);
    let top = app.detail_scroll.min(max_top);
    for (i, line) in rows.iter().skip(top).take(text_h).enumerate() {
        put(buf, area, u16::try_from(i).unwrap_or(u16::MAX), line);
    }
    if overflow && height >= 2 {
        let last = (top + text_h).min(rows.len());
        let more = labels::more_below(top + 1, last, rows.len(), t.ascii());
        let line = Line::styled(
            wrap::pad_left(&more, usize::from(area.width)),
            t.style(Role::Dim),
        );
        put(buf, area, u16::try_from(text_h).unwrap_or(u16::MAX), &line);
    }
}

/// A severity's word in the current language, padded to 7 cells.
fn severity_word(s: crate::event::Severity) -> String {
    wrap::pad_right(crate::i18n::t(&format!("severity.{}", s.word())), 7)
}
