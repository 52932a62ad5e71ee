//! Where each panel goes: side by side from 120 columns, stacked below, any size without panicking.

use crate::console::app::{App, Focus};
use crate::term::rows::{take_bottom, take_top};
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
    let (stage, hop) = (app.selected_stage(), app.selected_hop());
    let n = (app.report.facts.iter())
        .filter(|f| f.stage == stage && f.hop == hop)
        .count();
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// Split `area` for `app`.
pub fn areas(area: Rect, app: &App) -> Areas {
    let mut body = area;
    let header = take_top(&mut body, 1);
    let footer = take_bottom(&mut body, if area.height >= 3 { 1 } else { 0 });
    let status = (app.status.is_some() && area.height >= 12).then(|| take_top(&mut body, 1));
    let wide = area.width >= WIDE;
    if app.zoom {
        let none = Rect::new(body.x, body.y, 0, 0);
        let mut a = Areas {
            header,
            status,
            checklist: none,
            log: none,
            findings: none,
            footer,
            wide,
        };
        match app.focus {
            Focus::Checklist => a.checklist = body,
            Focus::Log => a.log = body,
            Focus::Findings => a.findings = body,
        }
        return a;
    }
    let facts = fact_rows(app);
    let stages = u16::try_from(app.rows().len()).unwrap_or(u16::MAX);
    if wide {
        let left_w = area.width / 2;
        let mut left = Rect::new(body.x, body.y, left_w, body.height);
        let log = Rect::new(body.x + left_w, body.y, body.width - left_w, body.height);
        let want = stages + 2 + facts.min(6);
        let rows = want
            .min(left.height.saturating_sub(6))
            .max(left.height.min(stages + 2).min(left.height / 2));
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
    let (check, find) = stacked(app, body.height, stages + 1, facts);
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

/// Rows of the checklist and of the findings when stacked in `h` rows (the log gets the
/// rest): the checklist whole when it fits (it scrolls otherwise), the findings enough for
/// the list and a detail, and the focused one of log and findings what is left.
fn stacked(app: &App, h: u16, check_full: u16, facts: u16) -> (u16, u16) {
    let none = app.report.findings.is_empty();
    let log_min = 3;
    let find_min = if none { 2 } else { 8 };
    if h < check_full + find_min + log_min {
        // Short: the findings first (what to do), then the checklist, which scrolls.
        let find = if none {
            2.min(h)
        } else {
            (h.saturating_sub(log_min) / 2).max(h.min(4))
        };
        let check = h.saturating_sub(find + log_min).clamp(h.min(3), check_full);
        return (check, find.min(h.saturating_sub(check)));
    }
    let spare = h - check_full - find_min - log_min;
    let facts = facts.min(spare / 3);
    let spare = spare - facts;
    let find_extra = match (none, app.focus) {
        (true, _) => 0,
        (false, Focus::Findings) => spare * 3 / 4,
        (false, Focus::Log) => spare / 4,
        (false, Focus::Checklist) => spare / 2,
    };
    (check_full + facts, find_min + find_extra)
}

/// Stage rows the checklist panel shows, of the run's `total`.
pub fn stage_rows(areas: &Areas, total: usize) -> usize {
    usize::from(inner(areas.checklist, areas.wide).height).min(total)
}

/// The first row to show so that row `sel` is among the `rows` shown, moving `top` as little
/// as possible.
pub fn keep_visible(top: usize, sel: usize, rows: usize) -> usize {
    if rows == 0 {
        return sel;
    }
    if sel < top {
        sel
    } else if sel >= top + rows {
        sel + 1 - rows
    } else {
        top
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
