//! Wrapping styled text into rows by display width (CJK-safe: never slices by byte index or
//! counts chars), at word boundaries.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// One cell of a row being built: a grapheme and its style.
type Cell = (String, Style);

/// Wrap `spans` into rows at most `width` cells wide, breaking after the last space that
/// fits; a word longer than the row breaks after its last `/` that fits (a path), else at
/// the width. With `prose`, a newline starts a new row and the rows a long line wraps into
/// are indented like the line itself (so an indented command or path reads as one block);
/// without it (log lines) newlines are dropped. Other control characters are dropped (tabs
/// become a space), so server-sent text cannot emit escape sequences. Always returns at
/// least one row.
pub fn wrap(spans: &[Span<'_>], width: usize, prose: bool) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut row = Row::new(0);
    for span in spans {
        let text = span.content.replace('\t', " ");
        for (n, piece) in text.split('\n').enumerate() {
            if n > 0 && prose {
                rows.push(std::mem::take(&mut row.cells));
                row = Row::new(0);
            }
            for g in Span::styled(piece, span.style).styled_graphemes(Style::default()) {
                if g.symbol.chars().any(char::is_control) {
                    continue;
                }
                if prose && row.at_line_start && g.symbol == " " {
                    row.hang += 1;
                } else {
                    row.at_line_start = false;
                }
                let w = Span::raw(g.symbol).width();
                if g.symbol == " " && !row.at_line_start && row.width + w > width {
                    // A space at the edge ends the row and is not carried.
                    let hang = if prose { row.hang.min(width / 2) } else { 0 };
                    let mut next = Row::new(row.hang);
                    next.at_line_start = false;
                    next.cells = vec![(" ".to_string(), Style::default()); hang];
                    next.width = hang;
                    next.hang_cells = hang;
                    rows.push(std::mem::replace(&mut row, next).cells);
                    continue;
                }
                if row.width + w > width && row.cells.len() > row.hang_cells {
                    let hang = if prose { row.hang.min(width / 2) } else { 0 };
                    let carry = row.split(hang, g.symbol);
                    rows.push(std::mem::replace(&mut row.cells, carry.cells));
                    row.width = carry.width;
                    row.hang_cells = hang;
                    row.breaks_reset();
                }
                row.push(g.symbol, g.style, w);
            }
        }
    }
    rows.push(row.cells);
    rows.into_iter().map(coalesce).collect()
}

/// The row being filled and where it may break.
struct Row {
    cells: Vec<Cell>,
    width: usize,
    /// Leading spaces of the current line (the indent its continuation rows get).
    hang: usize,
    /// Cells at the start of this row that are continuation indent, not text.
    hang_cells: usize,
    at_line_start: bool,
    /// Index after the last space in the row (text only).
    space: Option<usize>,
    /// Index after the last `/` in the row.
    slash: Option<usize>,
    /// Index before the last grapheme next to a wide (CJK) one: text without spaces may
    /// break between its characters.
    wide: Option<usize>,
    /// The last grapheme pushed was wide.
    last_wide: bool,
}

impl Row {
    fn new(hang: usize) -> Row {
        Row {
            cells: Vec::new(),
            width: 0,
            hang,
            hang_cells: 0,
            at_line_start: true,
            space: None,
            slash: None,
            wide: None,
            last_wide: false,
        }
    }

    fn push(&mut self, symbol: &str, style: Style, w: usize) {
        self.cells.push((symbol.to_string(), style));
        self.width += w;
        let after_wide = std::mem::replace(&mut self.last_wide, w > 1);
        if self.at_line_start {
            return;
        }
        match symbol {
            " " => self.space = Some(self.cells.len()),
            "/" => self.slash = Some(self.cells.len()),
            _ if w > 1 || after_wide => self.wide = Some(self.cells.len() - 1),
            _ => {}
        }
    }

    fn breaks_reset(&mut self) {
        self.space = None;
        self.slash = None;
        self.wide = None;
        // Break points inside the carried text.
        let mut after_wide = false;
        for (i, (s, _)) in self.cells.iter().enumerate().skip(self.hang_cells) {
            let w = Span::raw(s.as_str()).width();
            match s.as_str() {
                " " => self.space = Some(i + 1),
                "/" => self.slash = Some(i + 1),
                _ if (w > 1 || after_wide) && i > self.hang_cells => self.wide = Some(i),
                _ => {}
            }
            after_wide = w > 1;
        }
        self.last_wide = after_wide;
    }

    /// Cut the row at its best break; returns the carried rest, indented by `hang` spaces.
    /// The row keeps its text up to the break, without trailing spaces. `next` is the
    /// grapheme that did not fit: when the carried row would start with a mark that may not
    /// begin a line (kinsoku, see [`no_line_start`]), the character before it goes along.
    fn split(&mut self, hang: usize, next: &str) -> Row {
        let len = self.cells.len();
        let fits = |i: &usize| *i > self.hang_cells && *i <= len;
        // The last space, or the last place between CJK characters, whichever fills the row
        // more; else after a `/` (a path); else at the width. Before a wide grapheme that did
        // not fit is such a place too.
        let before_next = (Span::raw(next).width() > 1 || self.last_wide).then_some(len);
        let mut at = [self.space, self.wide, before_next]
            .into_iter()
            .flatten()
            .filter(fits)
            .max()
            .or(self.slash.filter(fits))
            .unwrap_or(len);
        let starts = |at: usize| self.cells.get(at).map_or(next, |c| c.0.as_str());
        while at > self.hang_cells + 1 && no_line_start(starts(at)) && self.cells[at - 1].0 != " " {
            at -= 1;
        }
        let rest = self.cells.split_off(at);
        while self.cells.len() > self.hang_cells && self.cells.last().is_some_and(|c| c.0 == " ") {
            self.cells.pop();
        }
        let mut cells: Vec<Cell> = vec![(" ".to_string(), Style::default()); hang];
        cells.extend(rest);
        let width = cells
            .iter()
            .map(|(s, _)| Span::raw(s.as_str()).width())
            .sum();
        Row {
            cells,
            width,
            hang: self.hang,
            hang_cells: hang,
            at_line_start: false,
            space: None,
            slash: None,
            wide: None,
            last_wide: false,
        }
    }
}

/// Whether `grapheme` may not begin a row in CJK text (kinsoku shori): closing punctuation
/// and brackets, the prolonged sound mark. None of these is ASCII, so English wraps as before.
fn no_line_start(grapheme: &str) -> bool {
    matches!(
        grapheme,
        "。" | "、"
            | "，"
            | "．"
            | "）"
            | "」"
            | "』"
            | "】"
            | "》"
            | "："
            | "；"
            | "！"
            | "？"
            | "ー"
    )
}

/// How many rows [`wrap`] gives a log line (no newlines) at `width`.
pub fn height(spans: &[Span<'_>], width: usize) -> usize {
    wrap(spans, width, false).len()
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

/// Cut a styled line to `width` cells, ending with `ellipsis` when something was cut.
pub fn truncate_line(line: &Line<'_>, width: usize, ellipsis: &str) -> Line<'static> {
    if line.width() <= width {
        return Line::from(
            line.spans
                .iter()
                .map(|s| Span::styled(s.content.to_string(), s.style))
                .collect::<Vec<_>>(),
        );
    }
    let room = width.saturating_sub(Span::raw(ellipsis).width());
    let mut spans = Vec::new();
    let mut used = 0;
    for span in &line.spans {
        let left = room.saturating_sub(used);
        let cut = truncate(&span.content, left, "");
        used += Span::raw(cut.as_str()).width();
        let last = cut.len() < span.content.len();
        spans.push(Span::styled(cut, span.style));
        if last {
            break;
        }
    }
    if width >= Span::raw(ellipsis).width() {
        spans.push(Span::raw(ellipsis.to_string()));
    }
    Line::from(spans)
}

/// `text` right-aligned in `width` cells (padded by display width).
pub fn pad_left(text: &str, width: usize) -> String {
    let w = Span::raw(text).width();
    format!("{}{text}", " ".repeat(width.saturating_sub(w)))
}

/// `text` left-aligned in `width` cells (padded by display width, so CJK lines up).
pub fn pad_right(text: &str, width: usize) -> String {
    format!(
        "{text}{}",
        " ".repeat(width.saturating_sub(self::width(text)))
    )
}

/// The display width of `text` (cells, so CJK counts double).
pub fn width(text: &str) -> usize {
    Span::raw(text).width()
}

fn coalesce(row: Vec<Cell>) -> Line<'static> {
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

    #[test]
    fn breaks_at_words_never_inside_one() {
        let s = [Span::raw(
            "Compare this fingerprint with one from the provider's console or known_hosts",
        )];
        let rows = text(&wrap(&s, 20, true));
        assert_eq!(
            rows,
            [
                "Compare this",
                "fingerprint with one",
                "from the provider's",
                "console or",
                "known_hosts"
            ]
        );
        for r in &rows {
            assert!(width(r) <= 20, "{r}");
        }
    }

    #[test]
    fn indented_lines_hang_and_long_paths_break_after_a_slash() {
        let s = [Span::raw(
            "  ssh-keygen -R '[127.0.0.1]:22101' -f /home/alice/.ssh/known_hosts_console",
        )];
        assert_eq!(
            text(&wrap(&s, 30, true)),
            [
                "  ssh-keygen -R",
                "  '[127.0.0.1]:22101' -f",
                "  /home/alice/.ssh/",
                "  known_hosts_console"
            ]
        );
        // A word without a break point is cut at the width; CJK counts double.
        let rows = text(&wrap(&[Span::raw("鍵交換鍵交換鍵交換")], 7, false));
        assert_eq!(rows, ["鍵交換", "鍵交換", "鍵交換"]);
    }

    #[test]
    fn a_row_full_up_to_a_space_breaks_there_not_at_an_earlier_slash() {
        let s = [Span::raw("ab /c/d efgh ij")];
        assert_eq!(text(&wrap(&s, 12, true)), ["ab /c/d efgh", "ij"]);
        assert_eq!(text(&wrap(&s, 13, true)), ["ab /c/d efgh", "ij"]);
        assert_eq!(text(&wrap(&s, 6, true)), ["ab", "/c/d", "efgh", "ij"]);
    }

    #[test]
    fn cjk_rows_never_start_with_closing_punctuation() {
        // Cut at the width, "。" would open the second row: the character before it goes along.
        let rows = text(&wrap(&[Span::raw("主机密钥已更改。请核对")], 14, true));
        assert_eq!(rows, ["主机密钥已更", "改。请核对"]);
        // Two marks in a row ("」。") move together with the word before them.
        let rows = text(&wrap(&[Span::raw("「ホスト鍵」。次へ")], 10, true));
        assert_eq!(rows, ["「ホスト", "鍵」。次へ"]);
        // The prolonged sound mark stays with its syllable.
        let rows = text(&wrap(&[Span::raw("サーバーです")], 6, true));
        assert_eq!(rows, ["サー", "バーで", "す"]);
        for lang_text in ["服务器提供的主机密钥是：请将指纹与其他途径获得的指纹核对，确认无误后再继续。", "初めての接続です。フィンガープリントを照合してください、サーバーの管理者に確認します！"] {
            for w in 4..40 {
                for (i, r) in text(&wrap(&[Span::raw(lang_text)], w, true)).iter().enumerate() {
                    assert!(width(r) <= w, "{w}: {r}");
                    let first = r.chars().next().map(String::from).unwrap_or_default();
                    assert!(i == 0 || !no_line_start(&first), "{w}: row {i} starts with {first}: {r}");
                }
            }
        }
    }

    #[test]
    fn cjk_text_breaks_between_its_characters_not_only_at_spaces() {
        // A run of CJK characters after a space fills the row instead of moving whole.
        let rows = text(&wrap(
            &[Span::raw("サーバが known_hosts に記録された鍵")],
            24,
            true,
        ));
        assert_eq!(rows, ["サーバが known_hosts に", "記録された鍵"]);
        let rows = text(&wrap(
            &[Span::raw("主机密钥与 known_hosts 中记录的不同")],
            20,
            true,
        ));
        assert_eq!(rows, ["主机密钥与", "known_hosts 中记录的", "不同"]);
        // Latin words next to CJK text stay whole.
        let rows = text(&wrap(&[Span::raw("用ssh-keygen删除")], 12, true));
        assert_eq!(rows, ["用ssh-keygen", "删除"]);
        let rows = text(&wrap(&[Span::raw("用ssh-keygen删除")], 10, true));
        assert_eq!(rows, ["用", "ssh-keygen", "删除"]);
    }

    #[test]
    fn control_characters_never_reach_the_screen() {
        let rows = text(&wrap(&[Span::raw("a\u{1b}[31mb\rc")], 40, false));
        assert_eq!(rows, ["a[31mbc"]);
    }
}
