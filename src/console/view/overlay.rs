//! Dialogs drawn over the panels: the help table (from the keymap), the confirm dialog, the masked prompt.

use super::put;
use crate::console::describe::ConfirmText;
use crate::console::keymap::{Context, BINDINGS};
use crate::console::labels::words;
use crate::console::theme::{Role, Theme};
use crate::console::wrap;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

/// A box of at most `width`×`height` centred in `area`, cleared, with a border and title;
/// returns the inside.
pub(super) fn dialog(
    theme: Theme,
    title: &str,
    width: u16,
    height: u16,
    area: Rect,
    buf: &mut Buffer,
) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(r, buf);
    let block = Block::bordered()
        .border_set(theme.border())
        .border_style(theme.style(Role::Focused))
        .title(Line::styled(format!(" {title} "), theme.style(Role::Title)));
    let inside = block.inner(r);
    block.render(r, buf);
    inside
}

/// Draw lines into `inside`, scrolled; the last row is kept for `hint` when it fits.
fn fill(lines: &[Line<'_>], scroll: usize, hint: Line<'_>, inside: Rect, buf: &mut Buffer) {
    let body = inside.height.saturating_sub(1);
    let scroll = scroll.min(lines.len().saturating_sub(usize::from(body)));
    for (i, line) in lines
        .iter()
        .skip(scroll)
        .take(usize::from(body))
        .enumerate()
    {
        put(buf, inside, u16::try_from(i).unwrap_or(u16::MAX), line);
    }
    put(buf, inside, inside.height.saturating_sub(1), &hint);
}

/// The help overlay: every binding of [`BINDINGS`], grouped by context.
pub fn help(theme: Theme, scroll: usize, area: Rect, buf: &mut Buffer) {
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut context: Option<Context> = None;
    for b in BINDINGS {
        if context != Some(b.context) {
            context = Some(b.context);
            lines.push(Line::styled(
                crate::i18n::phrase(b.context.title()),
                theme.style(Role::Title),
            ));
        }
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {:<8}", theme.label(b.label)),
                theme.style(Role::Key),
            ),
            Span::raw(crate::i18n::phrase(b.help)),
        ]));
    }
    let two = area.width >= 78 && usize::from(area.height.saturating_sub(3)) < lines.len();
    let cols: Vec<Vec<Line<'static>>> = if two {
        let half = lines.len().div_ceil(2);
        let right = lines.split_off(half);
        vec![lines, right]
    } else {
        vec![lines]
    };
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0);
    let width = if two { 82 } else { 44 };
    let height = u16::try_from(rows + 3).unwrap_or(u16::MAX);
    let inside = dialog(theme, words::keys(), width, height, area, buf);
    let body = usize::from(inside.height.saturating_sub(1));
    let mut hint = words::help_closes().to_string();
    if rows > body {
        let top = scroll.min(rows - body);
        let pos = crate::console::labels::position(top + 1, top + body, rows, theme.ascii());
        hint.push_str(&format!(
            " · {} · {pos}",
            crate::i18n::t("console.help_scroll")
        ));
    }
    let hint = Line::styled(hint, theme.style(Role::Dim));
    let col_w = inside.width / u16::try_from(cols.len()).unwrap_or(1).max(1);
    for (c, col) in cols.iter().enumerate() {
        let x = inside.x + col_w * u16::try_from(c).unwrap_or(0);
        let r = Rect::new(x, inside.y, col_w, inside.height);
        fill(col, scroll, Line::default(), r, buf);
    }
    put(buf, inside, inside.height.saturating_sub(1), &hint);
}

/// The confirm dialog: the question in its border, what the action does, which file and
/// lines change and what copy is kept (in words), the equivalent command, and the change as a
/// coloured diff; everything wraps at word boundaries, and a long one scrolls with its position
/// shown beside the keys.
pub fn confirm(theme: Theme, text: &ConfirmText, scroll: usize, area: Rect, buf: &mut Buffer) {
    let width = area.width.saturating_sub(4).min(100);
    let text_w = usize::from(width.saturating_sub(2));
    let title_fits = wrap::width(&text.title) + 4 <= usize::from(width);
    let lines = confirm_lines(theme, text, text_w, title_fits);
    let height = u16::try_from(lines.len() + 3)
        .unwrap_or(u16::MAX)
        .min(area.height.saturating_sub(2));
    let title = if title_fits {
        text.title.as_str()
    } else {
        words::confirm()
    };
    let inside = dialog(theme, title, width, height, area, buf);
    let body = usize::from(inside.height.saturating_sub(1));
    let scroll = scroll.min(lines.len().saturating_sub(body));
    let hint = confirm_hint(theme, scroll, body, lines.len());
    fill(&lines, scroll, hint, inside, buf);
}

/// The confirm dialog's text, wrapped at `text_w`: the title (when the border cannot hold
/// it), what the action does, the words, a caution, the command, the change.
fn confirm_lines(
    theme: Theme,
    text: &ConfirmText,
    text_w: usize,
    title_fits: bool,
) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut add = |spans: Vec<Span<'_>>| lines.extend(wrap::wrap(&spans, text_w, true));
    if !title_fits {
        add(vec![Span::styled(
            text.title.as_str(),
            theme.style(Role::Title),
        )]);
    }
    add(vec![Span::styled(
        text.what.as_str(),
        theme.style(Role::Title),
    )]);
    add(vec![Span::raw("")]);
    for w in &text.words {
        add(vec![Span::raw(w.as_str())]);
    }
    if let Some(c) = &text.caution {
        add(vec![Span::raw("")]);
        add(vec![Span::styled(
            c.as_str(),
            theme.style(Role::Status(crate::event::Status::Warn)),
        )]);
    }
    if !text.command.is_empty() {
        add(vec![Span::raw("")]);
        add(vec![Span::styled(
            words::same_as_running(),
            theme.style(Role::Dim),
        )]);
        let (cmd, dim) = (theme.style(Role::Command), theme.style(Role::Dim));
        for l in crate::console::cmdwrap::lines("", &text.command, text_w, 2, cmd, dim) {
            add(l.spans);
        }
    }
    if !text.preview.is_empty() {
        add(vec![Span::raw("")]);
        add(vec![Span::styled(
            words::the_change(),
            theme.style(Role::Dim),
        )]);
    }
    for l in text.preview.lines() {
        add(vec![diff_line(theme, l)]);
    }
    lines
}

/// One line of the change, coloured as a diff line: headers, added, removed, context.
fn diff_line(theme: Theme, l: &str) -> Span<'static> {
    let role = if l.starts_with("+++") || l.starts_with("---") || l.starts_with("@@") {
        Some(Role::DiffMeta)
    } else if l.starts_with('+') {
        Some(Role::DiffAdd)
    } else if l.starts_with('-') {
        Some(Role::DiffDel)
    } else {
        None
    };
    let style = role.map(|r| theme.style(r)).unwrap_or_default();
    Span::styled(format!("  {l}"), style)
}

/// The keys under the confirm dialog, with the scroll position when `total` lines do not fit
/// in `body`.
fn confirm_hint(theme: Theme, scroll: usize, body: usize, total: usize) -> Line<'static> {
    let mut hint = vec![
        Span::styled("y", theme.style(Role::Key)),
        Span::raw(format!(" {}  ", words::apply())),
        Span::styled("n/Esc", theme.style(Role::Key)),
        Span::raw(format!(" {}", words::cancel())),
    ];
    if total > body {
        let last = (scroll + body).min(total);
        hint.push(Span::styled("  j/k PgDn", theme.style(Role::Key)));
        hint.push(Span::raw(format!(" {}  ", words::scroll())));
        hint.push(Span::styled(
            crate::console::labels::position(scroll + 1, last, total, theme.ascii()),
            theme.style(Role::Dim),
        ));
    }
    Line::from(hint)
}

/// The masked prompt: one mask character per character typed; the secret is never drawn.
pub fn secret(theme: Theme, title: &str, chars: usize, area: Rect, buf: &mut Buffer) {
    let width = area.width.saturating_sub(4).min(60);
    let inside = dialog(theme, title, width, 4, area, buf);
    let mask = if theme.ascii() { "*" } else { "•" };
    let shown = mask.repeat(chars.min(usize::from(inside.width).saturating_sub(1)));
    put(
        buf,
        inside,
        0,
        &Line::from(vec![
            Span::raw(shown),
            Span::styled(" ", theme.style(Role::Selected)),
        ]),
    );
    let hint = Line::styled(words::prompt_hint(), theme.style(Role::Dim));
    put(buf, inside, inside.height.saturating_sub(1), &hint);
}
