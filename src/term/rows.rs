//! Cutting rows off the top or bottom of a screen area, for both front ends' layouts.

use ratatui::layout::Rect;

/// The first `rows` rows of `area` (at most its height); `area` keeps the rest.
pub fn take_top(area: &mut Rect, rows: u16) -> Rect {
    let rows = rows.min(area.height);
    let top = Rect::new(area.x, area.y, area.width, rows);
    area.y += rows;
    area.height -= rows;
    top
}

/// The last `rows` rows of `area` (at most its height); `area` keeps the rest.
pub fn take_bottom(area: &mut Rect, rows: u16) -> Rect {
    let rows = rows.min(area.height);
    area.height -= rows;
    Rect::new(area.x, area.y + area.height, area.width, rows)
}
