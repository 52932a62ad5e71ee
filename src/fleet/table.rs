//! The fleet's live table.

use super::rows::{progress, summarize, Row};
use super::Fleet;

/// Run the table until the user quits.
pub fn run(_fleet: Fleet, _options: crate::console::ConsoleOptions) -> anyhow::Result<u8> {
    anyhow::bail!("not yet")
}

/// `[#####-----] 412/1000 · 37 running · 300 ok, 112 failing` in `width` bar cells.
pub fn progress_line(rows: &[Row], width: usize, ascii: bool) -> String {
    let (running, done) = progress(rows);
    let total = rows.len().max(1);
    let filled = done * width / total;
    let (full, empty, dot) = if ascii { ("#", "-", "-") } else { ("█", "░", "·") };
    let s = summarize(rows);
    format!(
        "[{}{}] {done}/{} {dot} {running} running {dot} {} ok, {} failing",
        full.repeat(filled),
        empty.repeat(width - filled),
        rows.len(),
        s.ok,
        s.failing + s.could_not_tell
    )
}
