//! A new `Host` block put where ssh reads it before every other block: after the global
//! lines, or at the top followed by `Host *` when a global line would otherwise win.

use super::text::{detect_eol, keyword, split_lines, Line};
use super::RESTORE_COMMENT;
use crate::i18n::Text;
use crate::text;

/// The file with a new block inserted where it is read before every other block.
pub(super) struct Inserted {
    pub out: Vec<u8>,
    /// The global line (index) that forced the block to the top, followed by `Host *`.
    global_conflict: Option<usize>,
    /// The 1-based line of the block's `Host` line, when not at the top.
    host_line: usize,
    /// Each line's keyword.
    keywords: Vec<Option<String>>,
}

impl Inserted {
    /// Where the block went, for the summary; `reason` says what the global line that forced
    /// it to the top does (from its keyword).
    pub fn place(&self, shown_file: &str, reason: impl Fn(Option<&str>) -> Text) -> Text {
        match self.global_conflict {
            Some(i) => text!(
                "config_edit.place_top",
                file = shown_file,
                line = i + 1,
                reason = reason(self.keywords[i].as_deref())
            ),
            None => text!(
                "config_edit.place_line",
                line = self.host_line,
                file = shown_file
            ),
        }
    }
}

/// Insert `block` (its first line a comment, its second the `Host` line) right before the
/// first `Host`/`Match` line, after the global lines — or at line 1, followed by `Host *`,
/// when a global line sets one of `conflicting` (first value wins: the global line would
/// otherwise beat the block). Every other byte is kept.
pub(super) fn insert_block(
    file_bytes: &[u8],
    mut block: Vec<String>,
    conflicting: &[&str],
) -> Inserted {
    let lines = split_lines(file_bytes);
    let keywords: Vec<Option<String>> = lines.iter().map(|l| keyword(l.content)).collect();
    let global_end = keywords
        .iter()
        .position(|k| matches!(k.as_deref(), Some("host" | "match")))
        .unwrap_or(lines.len());
    let global_conflict = keywords[..global_end]
        .iter()
        .position(|k| k.as_deref().is_some_and(|k| conflicting.contains(&k)));
    let at = match global_conflict {
        Some(_) => {
            block.push(RESTORE_COMMENT.to_string());
            block.push("Host *".to_string());
            0
        }
        None => global_end,
    };
    let (out, host_line) = write(
        file_bytes.len(),
        &lines,
        at,
        &block,
        global_conflict.is_none(),
    );
    Inserted {
        out,
        global_conflict,
        host_line,
        keywords,
    }
}

/// The lines with `block` before line `at` (a blank line around it where there was none;
/// after it only when `blank_after`), and the 1-based line of its `Host` line.
fn write(
    size: usize,
    lines: &[Line<'_>],
    at: usize,
    block: &[String],
    blank_after: bool,
) -> (Vec<u8>, usize) {
    let eol = detect_eol(lines);
    let mut out: Vec<u8> = Vec::with_capacity(size + 256);
    for l in &lines[..at] {
        out.extend_from_slice(l.content);
        out.extend_from_slice(l.eol);
    }
    let blank = |l: &Line<'_>| l.content.iter().all(|b| b.is_ascii_whitespace());
    let mut host_line = at + 2;
    if at > 0 {
        let prev = &lines[at - 1];
        if prev.eol.is_empty() {
            out.extend_from_slice(eol.as_bytes());
        }
        if !blank(prev) {
            out.extend_from_slice(eol.as_bytes());
            host_line += 1;
        }
    }
    if at < lines.len() {
        for b in block {
            out.extend_from_slice(b.as_bytes());
            out.extend_from_slice(eol.as_bytes());
        }
        if blank_after && !blank(&lines[at]) {
            out.extend_from_slice(eol.as_bytes());
        }
        for l in &lines[at..] {
            out.extend_from_slice(l.content);
            out.extend_from_slice(l.eol);
        }
    } else {
        // Appending: keep a missing final newline missing.
        let final_eol = lines.last().is_none_or(|l| !l.eol.is_empty());
        out.extend_from_slice(block.join(eol).as_bytes());
        if final_eol {
            out.extend_from_slice(eol.as_bytes());
        }
    }
    (out, host_line)
}
