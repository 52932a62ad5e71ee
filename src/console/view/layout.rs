//! Where each panel goes: side by side from 120 columns, stacked below, any size without panicking.

use crate::console::app::App;
use ratatui::layout::Rect;

/// Width from which the checklist and findings sit left of the log.
pub const WIDE: u16 = 120;

/// The rectangles of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Target and verdict.
    pub header: Rect,
    /// The last action's outcome, when there is one and room for it.
    pub status: Option<Rect>,
    /// Stage checklist and the selected stage's facts.
    pub checklist: Rect,
    /// Handshake log.
    pub log: Rect,
    /// Findings and actions.
    pub findings: Rect,
    /// Keys of the focused panel.
    pub footer: Rect,
    /// Side by side (full borders) rather than stacked (a top rule per panel).
    pub wide: bool,
}

/// Rows of facts the checklist panel would like for the selected stage.
pub fn fact_rows(app: &App) -> u16 {
    let stage = app.selected_stage();
    let n = app
        .report
        .facts
        .iter()
        .filter(|(s, _, _)| *s == stage)
        .count();
    u16::try_from(n).unwrap_or(u16::MAX)
}

fn take_top(area: &mut Rect, rows: u16) -> Rect {
    let rows = rows.min(area.height);
    let top = Rect::new(area.x, area.y, area.width, rows);
    area.y += rows;
    area.height -= rows;
    top
}

fn take_bottom(area: &mut Rect, rows: u16) -> Rect {
    let rows = rows.min(area.height);
    area.height -= rows;
    Rect::new(area.x, area.y + area.height, area.width, rows)
}

/// Split `area` for `app`.
pub fn areas(area: Rect, app: &App) -> Areas {
    let mut body = area;
    let header = take_top(&mut body, 1);
    let footer = take_bottom(&mut body, if area.height >= 3 { 1 } else { 0 });
    let status = (app.status.is_some() && area.height >= 12).then(|| take_top(&mut body, 1));
    let facts = fact_rows(app);
    let stages = u16::try_from(crate::event::Stage::ALL.len()).unwrap_or(8);
    if area.width >= WIDE {
        let left_w = area.width / 2;
        let mut left = Rect::new(body.x, body.y, left_w, body.height);
        let log = Rect::new(body.x + left_w, body.y, body.width - left_w, body.height);
        let want = stages + 2 + facts.min(6);
        let rows = want
            .min(left.height.saturating_sub(6))
            .max(left.height.min(stages + 2));
        let checklist = take_top(&mut left, rows);
        return Areas {
            header,
            status,
            checklist,
            log,
            findings: left,
            footer,
            wide: true,
        };
    }
    let h = body.height;
    // With no findings yet, their panel needs one line; the log gets the rest.
    let none = app.report.findings.is_empty();
    let (check_base, find_min, log_min) = (stages + 1, if none { 2 } else { 6 }, 5);
    let (check, find) = if h < check_base + find_min + log_min {
        let check = (h * 2 / 5).min(check_base);
        (check, ((h - check) / 2).min(find_min))
    } else {
        let spare = h - check_base - find_min - log_min;
        let facts = facts.min(spare / 2);
        let extra = if none { 0 } else { (spare - facts) / 3 };
        (check_base + facts, find_min + extra)
    };
    let checklist = take_top(&mut body, check);
    let findings = take_bottom(&mut body, find);
    Areas {
        header,
        status,
        checklist,
        log: body,
        findings,
        footer,
        wide: false,
    }
}

/// The log panel's text area (inside its border, above the search input when one is open).
pub fn log_inner(areas: &Areas, searching: bool) -> Rect {
    let mut r = inner(areas.log, areas.wide);
    if searching && r.height > 0 {
        r.height -= 1;
    }
    r
}

/// A panel's area inside its border: all four sides when wide, the top rule when stacked.
pub fn inner(area: Rect, wide: bool) -> Rect {
    if wide {
        Rect::new(
            area.x.saturating_add(1),
            area.y.saturating_add(1),
            area.width.saturating_sub(2),
            area.height.saturating_sub(2),
        )
    } else {
        Rect::new(
            area.x,
            area.y.saturating_add(1),
            area.width,
            area.height.saturating_sub(1),
        )
    }
}
