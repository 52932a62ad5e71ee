//! The masked prompt: why it asks (again), when there is more to say than its title, then one
//! mask character per character typed — the secret itself is never drawn.

use super::overlay::dialog;
use super::put;
use crate::console::labels::words;
use crate::console::theme::{Role, Theme};
use crate::console::wrap;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Draw the prompt titled `title`, with `note` wrapped above the masked box.
pub fn secret(
    theme: Theme,
    title: &str,
    note: Option<&str>,
    chars: usize,
    area: Rect,
    buf: &mut Buffer,
) {
    let width = area.width.saturating_sub(4).min(60);
    let text_w = usize::from(width.saturating_sub(2)).max(1);
    let notes: Vec<Line<'static>> = note.map_or_else(Vec::new, |n| {
        let style = theme.style(Role::Status(crate::event::Status::Warn));
        wrap::wrap(&[Span::styled(n.to_string(), style)], text_w, true)
    });
    let height = u16::try_from(notes.len() + 4).unwrap_or(u16::MAX);
    let inside = dialog(theme, title, width, height, area, buf);
    // The box and its keys first; the note gets the rows that are left.
    let room = usize::from(inside.height.saturating_sub(2));
    for (i, line) in notes.iter().take(room).enumerate() {
        put(buf, inside, u16::try_from(i).unwrap_or(u16::MAX), line);
    }
    let row = u16::try_from(notes.len().min(room)).unwrap_or(0);
    let mask = if theme.ascii() { "*" } else { "•" };
    let shown = mask.repeat(chars.min(usize::from(inside.width).saturating_sub(1)));
    put(
        buf,
        inside,
        row,
        &Line::from(vec![
            Span::raw(shown),
            Span::styled(" ", theme.style(Role::Selected)),
        ]),
    );
    let hint = Line::styled(words::prompt_hint(), theme.style(Role::Dim));
    put(buf, inside, inside.height.saturating_sub(1), &hint);
}
