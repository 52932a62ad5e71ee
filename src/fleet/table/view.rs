//! Drawing the table: a header, the progress bar and counts, the summary by root cause, the
//! rows (only those on screen are laid out), the selected host's detail, the status or search
//! line, the footer; dialogs on top. Reads state only.

use super::keys::{self, Context};
use super::state::{Overlay, Table};
use crate::console::theme::Role;
use crate::console::wrap::{pad_left, truncate, width};
use crate::event::{Severity, Status};
use crate::fleet::rows::{duration_text, Row, RowState};
use crate::fleet::summary::{first_finding, Verdict};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// Rows above and below the table.
const CHROME: u16 = 7;

/// The table rows that fit on a screen `height` rows tall.
pub fn page_rows(height: u16) -> usize {
    height.saturating_sub(CHROME).max(1) as usize
}

/// Draw the whole screen.
pub fn draw(t: &Table, frame: &mut Frame) {
    let [head, bar, summary, columns, body, detail, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    let w = frame.area().width as usize;
    frame.render_widget(Paragraph::new(header(t, w)), head);
    frame.render_widget(Paragraph::new(progress(t, w)), bar);
    frame.render_widget(Paragraph::new(summary_line(t, w)), summary);
    let cols = Columns::fit(t, w);
    frame.render_widget(Paragraph::new(cols.heading(t)), columns);
    let lines: Vec<Line> = t
        .shown()
        .iter()
        .skip(t.top)
        .take(body.height as usize)
        .map(|&i| cols.row(t, &t.rows[i], Some(i) == t.selected()))
        .collect();
    let empty = vec![Line::styled(
        format!("  {}", crate::i18n::t("fleet.no_match")),
        t.theme.style(Role::Dim),
    )];
    let shown = if lines.is_empty() && !t.rows.is_empty() {
        empty
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(shown), body);
    frame.render_widget(Paragraph::new(detail_line(t, w)), detail);
    frame.render_widget(Paragraph::new(status_line(t, w)), status);
    frame.render_widget(Paragraph::new(footer_line(t, w)), footer);
    if let Some(overlay) = &t.overlay {
        super::dialogs::draw(t, overlay, frame);
    }
}

fn header(t: &Table, w: usize) -> Line<'static> {
    let dot = if t.theme.ascii() { "-" } else { "·" };
    let mut text = format!(
        " sshdoctor fleet {dot} {} {dot} {} {dot} {}",
        crate::i18n::tf("fleet.hosts", &[("n", &t.rows.len())]),
        crate::i18n::tf("fleet.at_once", &[("n", &t.jobs)]),
        crate::i18n::tf("fleet.sort", &[("order", &t.sort.name())]),
    );
    if t.failing_only {
        text.push_str(&format!(" {dot} {}", crate::i18n::t("fleet.failing_only")));
    }
    if let Some(id) = &t.by_finding {
        text.push_str(&format!(
            " {dot} {}",
            crate::i18n::tf("fleet.with_id", &[("id", id)])
        ));
    }
    if !t.search.value().is_empty() {
        text.push_str(&format!(" {dot} /{}", t.search.value()));
    }
    let text = crate::safe_text::for_terminal(&text).into_owned();
    Line::styled(
        truncate(&text, w, t.theme.ellipsis()),
        t.theme.style(Role::Title),
    )
}

fn progress(t: &Table, w: usize) -> Line<'static> {
    let s = &t.summary;
    let (running, done) = crate::fleet::rows::progress(&t.rows);
    if let (Some(took), true) = (t.finished, done == s.total) {
        let text = format!(
            " {}",
            crate::i18n::tf(
                "fleet.all_checked",
                &[("n", &s.total), ("time", &duration_text(took))],
            )
        );
        return Line::styled(text, t.theme.style(Role::Dim));
    }
    let dot = if t.theme.ascii() { "-" } else { "·" };
    let counts = format!(
        " {done}/{} {dot} {}",
        s.total,
        crate::i18n::tf("fleet.running", &[("n", &running)])
    );
    let bar = w.saturating_sub(width(&counts) + 3).min(40);
    let filled = done * bar / s.total.max(1);
    let (full, empty) = if t.theme.ascii() {
        ("#", "-")
    } else {
        ("█", "░")
    };
    Line::from(vec![
        Span::raw(" ["),
        Span::styled(
            full.repeat(filled),
            t.theme.style(Role::Status(Status::Pass)),
        ),
        Span::styled(empty.repeat(bar - filled), t.theme.style(Role::Dim)),
        Span::raw("]"),
        Span::raw(counts),
    ])
}

fn summary_line(t: &Table, w: usize) -> Line<'static> {
    let text = format!(
        " {}",
        t.summary.fitted(t.theme.ascii(), w.saturating_sub(1))
    );
    let style = if t.summary.failing > 0 {
        t.theme.style(Role::Severity(Severity::Error))
    } else {
        t.theme.style(Role::Status(Status::Pass))
    };
    Line::styled(truncate(&text, w, t.theme.ellipsis()), style)
}

/// The widths of the columns at a screen width.
struct Columns {
    symbol: usize,
    host: usize,
    hop: usize,
    stage: usize,
    finding: usize,
    time: usize,
}

impl Columns {
    fn fit(t: &Table, w: usize) -> Columns {
        let symbol = if t.theme.ascii() { 7 } else { 2 };
        // At least as wide as the heading (a CJK heading is two cells a character).
        let heading = |key: &str| width(crate::i18n::t(key));
        let (stage, time) = (
            heading("fleet.col.stage").max(8),
            heading("fleet.col.time").max(8),
        );
        let longest = |f: &dyn Fn(&Row) -> usize| t.rows.iter().map(f).max().unwrap_or(0);
        let hop = longest(&|r| width(r.hop_text()))
            .max(heading("fleet.col.hop"))
            .clamp(6, 16);
        let rest = w.saturating_sub(1 + symbol + stage + time + hop + 4);
        let least = heading("fleet.col.host").max(4);
        let host = longest(&|r| width(&r.listed.alias)).clamp(least, (rest / 2).max(least));
        let finding = rest.saturating_sub(host);
        Columns {
            symbol,
            host,
            hop,
            stage,
            finding,
            time,
        }
    }

    fn heading(&self, t: &Table) -> Line<'static> {
        // Padded by display width: a CJK heading is two cells a character.
        let pad =
            |text: &str, w: usize| format!("{text}{}", " ".repeat(w.saturating_sub(width(text))));
        let text = format!(
            " {}{} {} {} {} {}",
            " ".repeat(self.symbol),
            pad(crate::i18n::t("fleet.col.host"), self.host),
            pad(crate::i18n::t("fleet.col.hop"), self.hop),
            pad(crate::i18n::t("fleet.col.stage"), self.stage),
            pad(crate::i18n::t("fleet.col.finding"), self.finding),
            pad_left(crate::i18n::t("fleet.col.time"), self.time),
        );
        Line::styled(text, t.theme.style(Role::Dim))
    }

    fn row(&self, t: &Table, row: &Row, selected: bool) -> Line<'static> {
        let theme = t.theme;
        let status = row_status(row);
        let cursor = if selected { theme.cursor() } else { " " };
        let symbol = theme.status_symbol(status, t.spinner);
        let cell = |text: &str, w: usize| {
            let cut = truncate(&crate::safe_text::for_terminal(text), w, theme.ellipsis());
            format!("{cut}{}", " ".repeat(w.saturating_sub(width(&cut))))
        };
        let stage = row
            .reached()
            .map_or(String::new(), |(s, _)| s.name().to_string());
        let finding = row
            .report()
            .and_then(first_finding)
            .map(crate::i18n::localize);
        let finding_style = finding.as_ref().map_or(theme.style(Role::Dim), |f| {
            theme.style(Role::Severity(f.severity))
        });
        // The id, then its title where there is room (wide terminals).
        let finding_text = finding.as_ref().map_or(String::new(), |f| {
            let with_title = format!("{}  {}", f.id, f.title);
            if width(&with_title) <= self.finding {
                with_title
            } else {
                f.id.clone()
            }
        });
        let time = row.elapsed().map(duration_text).unwrap_or_default();
        let line = Line::from(vec![
            Span::raw(cursor.to_string()),
            Span::styled(
                format!("{symbol:<w$}", w = self.symbol),
                theme.style(Role::Status(status)),
            ),
            Span::raw(cell(&row.listed.alias, self.host) + " "),
            Span::styled(cell(row.hop_text(), self.hop) + " ", theme.style(Role::Dim)),
            Span::raw(cell(&stage, self.stage) + " "),
            Span::styled(cell(&finding_text, self.finding) + " ", finding_style),
            Span::styled(pad_left(&time, self.time), theme.style(Role::Dim)),
        ]);
        if selected {
            line.patch_style(theme.style(Role::Selected))
        } else {
            line
        }
    }
}

/// The status a row's symbol shows.
fn row_status(row: &Row) -> Status {
    match (&row.state, row.verdict()) {
        (RowState::Queued, _) => Status::Pending,
        (RowState::Running { .. }, _) => Status::Running,
        (_, Some(Verdict::Failing)) => Status::Fail,
        (_, Some(Verdict::CouldNotTell)) => Status::Warn,
        (_, _)
            if row
                .report()
                .is_some_and(|r| r.findings.iter().any(|f| f.severity == Severity::Warning)) =>
        {
            Status::Warn
        }
        _ => Status::Pass,
    }
}

/// The selected host: where it goes, and its first finding's title (or its note).
fn detail_line(t: &Table, w: usize) -> Line<'static> {
    let Some(row) = t.selected().map(|i| &t.rows[i]) else {
        return Line::default();
    };
    let mut text = format!(" {}", row.listed.alias);
    if let Some(r) = row.report() {
        let arrow = if t.theme.ascii() { "->" } else { "→" };
        text.push_str(&format!(" {arrow} {}", r.target_line()));
        if let Some(f) = first_finding(r) {
            text.push_str(&format!(": {}", crate::i18n::localize(f).title));
        } else if r.ok() {
            text.push_str(&format!(": {}", crate::i18n::t("fleet.login_works")));
        }
    }
    if let Some(note) = &row.listed.note {
        text.push_str(&format!(" ({note})"));
    }
    let text = crate::safe_text::for_terminal(&text).into_owned();
    Line::styled(
        truncate(&text, w, t.theme.ellipsis()),
        t.theme.style(Role::Title),
    )
}

fn status_line(t: &Table, w: usize) -> Line<'static> {
    if t.searching {
        return Line::from(vec![
            Span::styled(" /", t.theme.style(Role::Key)),
            Span::raw(t.search.value().to_string()),
            Span::styled(
                format!("   ({})", crate::i18n::t("fleet.search_hint")),
                t.theme.style(Role::Dim),
            ),
        ]);
    }
    let text = t.status.clone().unwrap_or_default();
    let text = crate::safe_text::for_terminal(&text).into_owned();
    Line::styled(
        truncate(&format!(" {text}"), w, t.theme.ellipsis()),
        t.theme.style(Role::Dim),
    )
}

/// The keys of the current context that fit, most important first.
pub(super) fn footer_line(t: &Table, w: usize) -> Line<'static> {
    let context = match &t.overlay {
        None => Context::Table,
        Some(Overlay::Help { .. }) => Context::Help,
        Some(Overlay::Repairs { .. }) => Context::Repairs,
        Some(Overlay::Confirm { .. }) => Context::Confirm,
    };
    let essential = |label: &str| matches!(label, "?" | "q" | "Esc" | "n/Esc");
    let cost = |b: &keys::Binding| {
        width(&t.theme.label(b.label)) + width(b.footer_text().unwrap_or("")) + 3
    };
    // The ways out (`?`, `q`, Esc) always show; the others as room allows, in order.
    let mut room = w.saturating_sub(
        keys::footer(context)
            .filter(|b| essential(b.label))
            .map(cost)
            .sum(),
    );
    let mut spans = Vec::new();
    for b in keys::footer(context) {
        if !essential(b.label) {
            if cost(b) > room {
                continue;
            }
            room -= cost(b);
        }
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            t.theme.label(b.label).into_owned(),
            t.theme.style(Role::Key),
        ));
        spans.push(Span::raw(format!(" {} ", b.footer_text().unwrap_or(""))));
    }
    Line::from(spans)
}

/// A rectangle centred in `area`, at most `w` × `h`.
pub(super) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// A bordered, cleared box for a dialog.
pub(super) fn dialog_block(t: &Table, title: String, frame: &mut Frame, area: Rect) -> Rect {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(t.theme.border())
        .border_style(t.theme.style(Role::Focused))
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}
