//! The table's dialogs: the help (from the key table), the list of repairs for many hosts,
//! and a repair's confirm dialog with its one combined diff.

use super::keys::{said, Context, BINDINGS};
use super::state::{Overlay, Table};
use super::view::{centered, dialog_block};
use crate::console::theme::Role;
use crate::console::wrap::{truncate, wrap};
use crate::i18n::tf;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draw `overlay` over the table.
pub fn draw(t: &Table, overlay: &Overlay, frame: &mut Frame) {
    let area = frame.area();
    let width = area.width.saturating_sub(4).max(20);
    let inner_width = width.saturating_sub(2) as usize;
    let (title, lines, scroll) = match overlay {
        Overlay::Help { scroll } => (
            format!(" {} ", crate::i18n::t("fleet.table.help_title")),
            help_lines(t, inner_width),
            *scroll,
        ),
        Overlay::Repairs { offers, selected } => (
            format!(" {} ", crate::i18n::t("fleet.table.repairs_title")),
            repair_lines(t, offers, *selected, inner_width),
            0,
        ),
        Overlay::Confirm { batch, scroll } => (
            truncate(
                &format!(
                    " {} ",
                    tf("fleet.table.confirm_title", &[("title", &batch.title)])
                ),
                inner_width,
                t.theme.ellipsis(),
            ),
            confirm_lines(t, batch, &t.rows, inner_width),
            *scroll,
        ),
    };
    // As tall as the text, at most the screen less a margin.
    let height = (lines.len() as u16 + 2)
        .min(area.height.saturating_sub(2))
        .max(3);
    let inner = dialog_block(t, title, frame, centered(area, width, height));
    let shown = scrolled(lines, scroll, inner.height as usize, t);
    frame.render_widget(Paragraph::new(shown), inner);
}

/// The repairs the results offer, the chosen one marked.
fn repair_lines(
    t: &Table,
    offers: &[(String, Vec<usize>)],
    selected: usize,
    width: usize,
) -> Vec<Line<'static>> {
    let prose = |text: &str, role: Role| {
        wrap(
            &[Span::styled(text.to_string(), t.theme.style(role))],
            width,
            true,
        )
    };
    let mut lines = prose(crate::i18n::t("fleet.table.repairs_intro"), Role::Dim);
    lines.push(Line::raw(""));
    for (i, (id, hosts)) in offers.iter().enumerate() {
        let marker = if i == selected { t.theme.cursor() } else { " " };
        let what = match id.as_str() {
            "known_hosts.remove" => crate::i18n::t("fleet.table.repair_known_hosts"),
            _ => crate::i18n::t("fleet.table.repair_permissions"),
        };
        let key = match hosts.len() {
            1 => "fleet.table.repair_offer_one",
            _ => "fleet.table.repair_offer_many",
        };
        let offer = tf(key, &[("id", id), ("what", &what), ("n", &hosts.len())]);
        let text = format!("{marker} {offer}");
        let line = Line::raw(truncate(&text, width, t.theme.ellipsis()));
        lines.push(if i == selected {
            line.patch_style(t.theme.style(Role::Selected))
        } else {
            line
        });
    }
    lines.push(Line::raw(""));
    lines.extend(prose(
        crate::i18n::t("fleet.table.never_in_bulk"),
        Role::Dim,
    ));
    lines
}

/// The contexts the help lists, with their names (English; [`said`] gives the language's).
pub(super) const CONTEXTS: [(Context, &str); 4] = [
    (Context::Table, "Table"),
    (Context::Repairs, "Repairs"),
    (Context::Confirm, "Confirm dialog"),
    (Context::Always, "Always"),
];

/// Every binding by context, from the key table.
fn help_lines(t: &Table, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (context, name) in CONTEXTS {
        lines.push(Line::styled(said(name), t.theme.style(Role::Title)));
        for b in BINDINGS.iter().filter(|b| b.context == context) {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<8}", t.theme.label(b.label)),
                    t.theme.style(Role::Key),
                ),
                Span::raw(b.help_text()),
            ]));
        }
    }
    lines.push(Line::raw(""));
    lines.extend(wrap(
        &[Span::raw(crate::i18n::t("fleet.table.help_end"))],
        width,
        true,
    ));
    lines
}

/// The confirm dialog's text: the question in words, the hosts, the command, the diff.
fn confirm_lines(
    t: &Table,
    batch: &crate::fleet::repair::Batch,
    rows: &[crate::fleet::rows::Row],
    width: usize,
) -> Vec<Line<'static>> {
    let names: Vec<&str> = batch
        .hosts
        .iter()
        .map(|&i| rows[i].listed.alias.as_str())
        .collect();
    let prose = |text: String| {
        wrap(
            &[Span::raw(
                crate::safe_text::for_terminal(&text).into_owned(),
            )],
            width,
            true,
        )
    };
    let mut lines = prose(tf(
        "fleet.table.confirm_hosts",
        &[("title", &batch.title), ("hosts", &names.join(", "))],
    ));
    lines.extend(prose(crate::i18n::t("fleet.table.confirm_backup").into()));
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        crate::i18n::t("fleet.table.equivalent_command"),
        t.theme.style(Role::Title),
    ));
    for l in wrap(
        &[Span::styled(
            batch.command.clone(),
            t.theme.style(Role::Command),
        )],
        width,
        false,
    ) {
        lines.push(l);
    }
    lines.push(Line::raw(""));
    for l in batch.preview.lines() {
        let role = if l.starts_with("+++")
            || l.starts_with("---")
            || l.starts_with("@@")
            || l.starts_with('#')
        {
            Role::DiffMeta
        } else if l.starts_with('+') {
            Role::DiffAdd
        } else if l.starts_with('-') {
            Role::DiffDel
        } else {
            Role::Dim
        };
        let text = crate::safe_text::for_terminal(l).into_owned();
        lines.push(Line::styled(
            truncate(&text, width, t.theme.ellipsis()),
            t.theme.style(role),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        crate::i18n::t("fleet.table.confirm_keys"),
        t.theme.style(Role::Key),
    ));
    lines
}

/// `lines` from row `scroll` on, `height` of them, with the position shown when cut.
fn scrolled(
    lines: Vec<Line<'static>>,
    scroll: usize,
    height: usize,
    t: &Table,
) -> Vec<Line<'static>> {
    let total = lines.len();
    if total <= height {
        return lines;
    }
    let top = scroll.min(total - height + 1);
    let mut out: Vec<Line> = lines.into_iter().skip(top).take(height - 1).collect();
    let last = top + out.len();
    out.push(Line::styled(
        crate::console::labels::more_below(top + 1, last, total, t.theme.ascii()),
        t.theme.style(Role::Dim),
    ));
    out
}
