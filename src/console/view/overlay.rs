//! Dialogs drawn over the panels: the help table (from the keymap), the confirm dialog, the masked prompt.

use super::put;
use crate::console::keymap::{Context, BINDINGS};
use crate::console::theme::{Role, Theme};
use crate::console::wrap;
use crate::event::ActionOffer;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

/// A box of at most `width`×`height` centred in `area`, cleared, with a border and title;
/// returns the inside.
fn dialog(
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
            lines.push(Line::styled(b.context.title(), theme.style(Role::Title)));
        }
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {:<8}", theme.label(b.label)),
                theme.style(Role::Key),
            ),
            Span::raw(b.help),
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
    let inside = dialog(theme, "Keys", width, height, area, buf);
    let hint = Line::styled("Esc or ? closes · j/k scroll", theme.style(Role::Dim));
    let col_w = inside.width / u16::try_from(cols.len()).unwrap_or(1).max(1);
    for (c, col) in cols.iter().enumerate() {
        let x = inside.x + col_w * u16::try_from(c).unwrap_or(0);
        let r = Rect::new(x, inside.y, col_w, inside.height);
        fill(col, scroll, Line::default(), r, buf);
    }
    put(buf, inside, inside.height.saturating_sub(1), &hint);
}

/// The confirm dialog: what the action does, the equivalent command, and the change as a coloured diff.
pub fn confirm(theme: Theme, action: &ActionOffer, scroll: usize, area: Rect, buf: &mut Buffer) {
    let width = area.width.saturating_sub(4).min(100);
    let text_w = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut add =
        |spans: Vec<Span<'_>>, words: bool| lines.extend(wrap::wrap(&spans, text_w, words));
    add(
        vec![Span::styled(
            action.title.as_str(),
            theme.style(Role::Title),
        )],
        true,
    );
    add(vec![Span::raw("")], true);
    add(
        vec![Span::styled("Same as running:", theme.style(Role::Dim))],
        true,
    );
    add(
        vec![Span::styled(
            format!("  {}", action.command),
            theme.style(Role::Command),
        )],
        false,
    );
    add(vec![Span::raw("")], true);
    add(
        vec![Span::styled("The change:", theme.style(Role::Dim))],
        true,
    );
    for l in action.preview.lines() {
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
        add(vec![Span::styled(format!("  {l}"), style)], false);
    }
    let height = u16::try_from(lines.len() + 3)
        .unwrap_or(u16::MAX)
        .min(area.height.saturating_sub(2));
    let inside = dialog(
        theme,
        &format!("Apply {}?", action.id),
        width,
        height,
        area,
        buf,
    );
    let hint = Line::from(vec![
        Span::styled("y", theme.style(Role::Key)),
        Span::raw(" apply  "),
        Span::styled("n/Esc", theme.style(Role::Key)),
        Span::raw(" cancel  "),
        Span::styled("j/k", theme.style(Role::Key)),
        Span::raw(" scroll"),
    ]);
    fill(&lines, scroll, hint, inside, buf);
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
    let hint = Line::styled("Enter submit · Esc cancel", theme.style(Role::Dim));
    put(buf, inside, inside.height.saturating_sub(1), &hint);
}
