//! The log panel: only the visible window is formatted, whatever the log's length.

use super::layout::{log_inner, Areas};
use super::{panel, put};
use crate::console::app::{App, Focus};
use crate::console::labels;
use crate::console::logview::{evidence_lines, find_all, parts, transcript_line, Scroll};
use crate::console::theme::Role;
use crate::console::wrap;
use crate::event::Level;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Draw the log into `areas.log`.
pub fn render(app: &App, areas: &Areas, buf: &mut Buffer) {
    if areas.log.is_empty() {
        return;
    }
    let t = app.theme;
    let v = &app.log;
    let focused = app.focus == Focus::Log && app.overlay.is_none();
    let verbosity = match v.verbosity {
        Level::Info | Level::Debug1 => "-v",
        Level::Debug2 => "-vv",
        Level::Debug3 => "-vvv",
    };
    let area = log_inner(areas, v.input.is_some());
    let (width, height) = (usize::from(area.width), usize::from(area.height));
    let rows = if height > 0 && width > 0 {
        visible_rows(app, width, height)
    } else {
        (Vec::new(), 0, 0)
    };
    let following = match v.scroll {
        Scroll::Tail => format!(" {}", labels::words::following()),
        Scroll::Top(_) => String::new(),
    };
    let position = if v.len() == 0 {
        String::new()
    } else {
        format!(
            " · {}{following}",
            labels::position(rows.1 + 1, rows.2, v.len(), t.ascii())
        )
    };
    let hop = v.hop_filter.and_then(|h| v.hops.get(h));
    let scope = match (hop, v.filter) {
        (Some(hop), Some(s)) => Some(format!("{hop} {}", s.name())),
        (Some(hop), None) => Some(hop.clone()),
        (None, s) => s.map(|s| s.name().to_string()),
    };
    let mut title = labels::log_title(scope.as_deref(), verbosity, &position, v.query.as_deref());
    if t.ascii() {
        title = title.replace('·', "|");
    }
    panel(t, Line::from(title), focused, areas.wide).render(areas.log, buf);
    if height > 0 && width > 0 {
        for (i, line) in rows.0.iter().enumerate() {
            put(buf, area, u16::try_from(i).unwrap_or(u16::MAX), line);
        }
        if v.len() == 0 {
            let hint = if app.report.log.is_empty() {
                labels::log_empty()
            } else {
                labels::log_filtered()
            };
            put(buf, area, 0, &Line::styled(hint, t.style(Role::Dim)));
        }
    }
    if let Some(input) = &v.input {
        let full = super::layout::log_inner(areas, false);
        if full.height > 0 {
            let row = full.y + full.height - 1;
            let value = input.value();
            let width = usize::from(full.width).saturating_sub(2);
            let scroll = input.visual_scroll(width);
            let shown: String = value.chars().skip(scroll).collect();
            let line = Line::from(vec![
                Span::styled("/", t.style(Role::Key)),
                Span::raw(shown),
                Span::styled(" ", t.style(Role::Selected)),
            ]);
            buf.set_line(full.x, row, &line, full.width);
        }
    }
}

/// The rows on screen — from the scroll position down, or from the tail up (bottom-aligned)
/// — with the first line shown and the line after the last one shown whole.
fn visible_rows(app: &App, width: usize, height: usize) -> (Vec<Line<'static>>, usize, usize) {
    let v = &app.log;
    let n = v.len();
    match v.scroll {
        Scroll::Top(top) => {
            let first = top.min(n.saturating_sub(1));
            let mut rows = Vec::new();
            let mut i = first;
            let mut end = first;
            while i < n && rows.len() < height {
                rows.extend(styled(app, i, width));
                i += 1;
                if rows.len() <= height {
                    end = i;
                }
            }
            rows.truncate(height);
            (rows, first, end)
        }
        Scroll::Tail => {
            let mut rows: Vec<Line<'static>> = Vec::new();
            let mut i = n;
            let mut first = n;
            while i > 0 && rows.len() < height {
                i -= 1;
                let mut line = styled(app, i, width);
                line.append(&mut rows);
                rows = line;
                if rows.len() <= height {
                    first = i;
                }
            }
            let cut = rows.len().saturating_sub(height);
            (rows.split_off(cut), first, n)
        }
    }
}

/// One log line, styled (stage tag colour, dim debug text, search matches) and wrapped.
fn styled(app: &App, i: usize, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let Some(line) = app.log.line(i, &app.report.log) else {
        return Vec::new();
    };
    let [tag, level, text] = parts(line, &app.log.hops);
    // A transcript's line that is evidence of the selected finding stands out.
    let evidence = transcript_line(&line.text).is_some_and(|(n, _)| {
        app.report
            .findings
            .get(app.finding_sel)
            .is_some_and(|f| evidence_lines(&f.evidence).contains(&n))
    });
    let base = if evidence {
        t.style(Role::Match)
    } else if line.level == Level::Info {
        ratatui::style::Style::default()
    } else {
        t.style(Role::Dim)
    };
    let mut spans = vec![
        tag.style(
            t.style(Role::Stage(line.stage))
                .add_modifier(Modifier::BOLD),
        ),
        level.style(t.style(Role::Dim)),
    ];
    let ranges = app
        .log
        .query
        .as_deref()
        .map(|q| find_all(&text.content, q))
        .unwrap_or_default();
    let current = app.log.current == Some(i);
    let hit = if current {
        t.style(Role::CurrentMatch)
    } else {
        t.style(Role::Match)
    };
    let mut at = 0;
    for r in ranges {
        spans.push(Span::styled(&text.content[at..r.start], base));
        spans.push(Span::styled(&text.content[r.start..r.end], hit));
        at = r.end;
    }
    spans.push(Span::styled(&text.content[at..], base));
    wrap::wrap(&spans, width, false)
}
