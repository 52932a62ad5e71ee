//! Wrapping styled text into rows by display width (CJK-safe: never slices by byte index).

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Wrap `spans` into rows at most `width` cells wide. With `words`, rows break after the
/// last space when one exists; otherwise (logs) they break at the exact width, like a
/// terminal. With `words`, a newline starts a new row. Other control characters are dropped
/// (tabs become a space), so server-sent text cannot emit escape sequences. Always returns at
/// least one row.
pub fn wrap(spans: &[Span<'_>], width: usize, words: bool) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut rows: Vec<Vec<(String, Style)>> = vec![Vec::new()];
    let mut row_width = 0usize;
    let mut last_space: Option<usize> = None;
    for span in spans {
        let text = span.content.replace('\t', " ");
        // Prose keeps its line structure (a fix's Host block); logs never contain newlines.
        for (n, piece) in text.split('\n').enumerate() {
            if n > 0 && words {
                rows.push(Vec::new());
                row_width = 0;
                last_space = None;
            }
            let plain = Span::styled(piece, span.style);
            for g in plain.styled_graphemes(Style::default()) {
                let w = Span::raw(g.symbol).width();
                let row = rows.last().map_or(0, |r| r.len());
                if row_width + w > width && row > 0 {
                    let carry = match last_space {
                        Some(i) if words && i + 1 < row => rows
                            .last_mut()
                            .map(|r| r.split_off(i + 1))
                            .unwrap_or_default(),
                        _ => Vec::new(),
                    };
                    row_width = carry
                        .iter()
                        .map(|(s, _)| Span::raw(s.as_str()).width())
                        .sum();
                    rows.push(carry);
                    last_space = None;
                }
                if let Some(r) = rows.last_mut() {
                    if g.symbol == " " {
                        last_space = Some(r.len());
                    }
                    r.push((g.symbol.to_string(), g.style));
                }
                row_width += w;
            }
        }
    }
    rows.into_iter().map(coalesce).collect()
}

/// How many rows [`wrap`] would produce (log lines, so no word breaks).
pub fn height(spans: &[Span<'_>], width: usize) -> usize {
    let width = width.max(1);
    let mut rows = 1usize;
    let mut row_width = 0usize;
    for span in spans {
        let text = span.content.replace('\t', " ");
        for g in Span::raw(text.as_str()).styled_graphemes(Style::default()) {
            let w = Span::raw(g.symbol).width();
            if row_width + w > width && row_width > 0 {
                rows += 1;
                row_width = 0;
            }
            row_width += w;
        }
    }
    rows
}

/// Cut `text` to `width` cells, ending with `ellipsis` when something was cut.
pub fn truncate(text: &str, width: usize, ellipsis: &str) -> String {
    let total = Span::raw(text).width();
    if total <= width {
        return text.to_string();
    }
    let room = width.saturating_sub(Span::raw(ellipsis).width());
    let mut out = String::new();
    let mut used = 0;
    for g in Span::raw(text).styled_graphemes(Style::default()) {
        let w = Span::raw(g.symbol).width();
        if used + w > room {
            break;
        }
        used += w;
        out.push_str(g.symbol);
    }
    if width >= Span::raw(ellipsis).width() {
        out.push_str(ellipsis);
    }
    out
}

fn coalesce(row: Vec<(String, Style)>) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style: Option<Style> = None;
    for (s, st) in row {
        if style.is_some_and(|cur| cur != st) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(st);
        text.push_str(&s);
    }
    if let Some(st) = style {
        spans.push(Span::styled(text, st));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(rows: &[Line<'_>]) -> Vec<String> {
        rows.iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn prose_keeps_newlines_and_logs_drop_them() {
        let fix = [Span::raw("Add:\n\nHost web\n    IdentitiesOnly yes")];
        assert_eq!(
            text(&wrap(&fix, 40, true)),
            ["Add:", "", "Host web", "    IdentitiesOnly yes"]
        );
        assert_eq!(wrap(&[Span::raw("a\nb")], 40, false).len(), 1);
    }
}
