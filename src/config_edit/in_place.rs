//! [`super::identities_only`]'s first choice: edit the existing `Host ALIAS` block that is
//! this destination's own (its `Host` line names exactly the alias typed) — `IdentitiesOnly
//! yes`, and the accepted key's `IdentityFile` line moved (or added) before the block's other
//! keys — instead of adding a second block for the same alias. The caller verifies the result
//! and falls back to a new block when an earlier line still wins.

use super::text::{
    detect_eol, detect_indent, directive, first_word, render_word, split_lines, Line,
};
use super::IDENTITIES_ONLY_COMMENT;
use crate::config::{Origin, ResolvedConfig};
use crate::i18n::Text;
use crate::text;
use std::path::Path;

/// The planned in-place edit: the new bytes, and a sentence saying what changed where.
pub(super) struct InPlace {
    /// The file's new content.
    pub out: Vec<u8>,
    /// What changes, e.g. "in the `Host web` block (line 4 of ~/.ssh/config): ...".
    pub what: Text,
}

/// Plan the in-place edit, or `None` when the file has no block of this alias's own.
/// `before` is `file_bytes` resolved for the destination through the scratch file
/// `scratch` (whose line numbers are those of `file_bytes`); `value` is the key as written
/// in a config file.
pub(super) fn plan(
    file_bytes: &[u8],
    host: &str,
    key: &Path,
    value: &str,
    before: &ResolvedConfig,
    scratch: &Path,
    shown_file: &str,
) -> Option<InPlace> {
    let block = Block::find(file_bytes, host)?;
    // The block's line that already names the key (the resolver knows where each value came from).
    let key_line = before
        .get_all("identityfile")
        .iter()
        .filter(|v| Path::new(&v.value) == key)
        .find_map(|v| match &v.origin {
            Origin::File { path, line } if path == scratch && block.contains(line - 1) => {
                Some(line - 1)
            }
            _ => None,
        });
    let mut edit = block.new_lines(key_line, value);
    let out = block.write(&mut edit, file_bytes.len())?;
    if edit.did.is_empty() {
        return None;
    }
    Some(InPlace {
        out,
        what: text!(
            "config_edit.in_block",
            host = host,
            line = block.host_line + 1,
            file = shown_file,
            did = join_words(edit.did)
        ),
    })
}

/// The file's lines and the destination's own `Host` block in it (indexes are 0-based).
struct Block<'a> {
    lines: Vec<Line<'a>>,
    /// Each line as text.
    texts: Vec<String>,
    /// The `Host` line, and the line after the block (the next `Host`/`Match`, or the end).
    host_line: usize,
    end: usize,
    /// The block's first `IdentityFile` and its `IdentitiesOnly`, if any.
    first_id: Option<usize>,
    only: Option<usize>,
    /// The indentation of the block's lines, and the file's line ending.
    indent: String,
    eol: &'static str,
}

/// What the edit inserts and moves, and the sentences saying so.
struct Edit {
    /// The lines inserted before the block's first key (or after the `Host` line).
    insert: Vec<String>,
    /// The line moved up among them, left out where it was.
    moved: Option<usize>,
    did: Vec<Text>,
}

impl<'a> Block<'a> {
    /// The block whose `Host` line names exactly `host`, if the file has one.
    fn find(file_bytes: &'a [u8], host: &str) -> Option<Self> {
        let lines = split_lines(file_bytes);
        let texts: Vec<String> = lines
            .iter()
            .map(|l| String::from_utf8_lossy(l.content).into_owned())
            .collect();
        let keywords: Vec<Option<String>> = texts
            .iter()
            .map(|t| directive(t).map(|d| d.keyword))
            .collect();
        let h = (0..lines.len()).find(|&i| own_host_line(&texts[i], host))?;
        let end = (h + 1..lines.len())
            .find(|&i| matches!(keywords[i].as_deref(), Some("host" | "match")))
            .unwrap_or(lines.len());
        let find = |word: &str| (h + 1..end).find(|&i| keywords[i].as_deref() == Some(word));
        let (first_id, only) = (find("identityfile"), find("identitiesonly"));
        let indent = (h + 1..end)
            .find(|&i| keywords[i].is_some())
            .map(|i| {
                let t = &texts[i];
                t[..t.len() - t.trim_start().len()].to_string()
            })
            .unwrap_or_else(|| detect_indent(&lines));
        let eol = detect_eol(&lines);
        Some(Block {
            lines,
            texts,
            host_line: h,
            end,
            first_id,
            only,
            indent,
            eol,
        })
    }

    /// Whether line `i` is inside the block (after its `Host` line).
    fn contains(&self, i: usize) -> bool {
        i > self.host_line && i < self.end
    }

    /// Where the new lines go: before the block's first key, else right after `Host`.
    fn insert_at(&self) -> usize {
        self.first_id.unwrap_or(self.host_line + 1)
    }

    /// The lines to insert: `IdentitiesOnly yes` when the block has none, and the key first
    /// (its line `key_line` moved up, or a new `IdentityFile value`).
    fn new_lines(&self, key_line: Option<usize>, value: &str) -> Edit {
        let indent = &self.indent;
        let mut edit = Edit {
            insert: Vec::new(),
            moved: None,
            did: Vec::new(),
        };
        if self.only.is_none() {
            edit.insert
                .push(format!("{indent}{IDENTITIES_ONLY_COMMENT}"));
            edit.insert.push(format!("{indent}IdentitiesOnly yes"));
            edit.did.push(text!("config_edit.adds_identities_only"));
        }
        match key_line {
            // Already the block's first key: the new lines go before it.
            Some(k) if Some(k) == self.first_id => {}
            Some(k) => {
                edit.insert.push(self.texts[k].clone());
                edit.did.push(text!(
                    "config_edit.moves_key_up",
                    line = k + 1,
                    text = self.texts[k].trim()
                ));
                edit.moved = Some(k);
            }
            None => {
                edit.insert.push(format!("{indent}IdentityFile {value}"));
                edit.did
                    .push(text!("config_edit.adds_key_first", value = value));
            }
        }
        edit
    }

    /// The file with the edit made, every other byte kept; `None` when the block's
    /// `IdentitiesOnly` line cannot be read.
    fn write(&self, edit: &mut Edit, size: usize) -> Option<Vec<u8>> {
        let (at, eol) = (self.insert_at(), self.eol);
        let mut out: Vec<u8> = Vec::with_capacity(size + 128);
        let insert = |out: &mut Vec<u8>| {
            for new in &edit.insert {
                out.extend_from_slice(new.as_bytes());
                out.extend_from_slice(eol.as_bytes());
            }
        };
        let mut set_yes = None;
        for (i, l) in self.lines.iter().enumerate() {
            if i == at {
                insert(&mut out);
            }
            if Some(i) == edit.moved {
                continue;
            }
            if Some(i) == self.only {
                if let Some(yes) = identities_only_yes(&self.texts[i])? {
                    out.extend_from_slice(yes.as_bytes());
                    out.extend_from_slice(l.eol);
                    set_yes = Some(i);
                    continue;
                }
            }
            out.extend_from_slice(l.content);
            // A line that had none gets an end before the lines inserted after it.
            if l.eol.is_empty() && i + 1 == at {
                out.extend_from_slice(eol.as_bytes());
            } else {
                out.extend_from_slice(l.eol);
            }
        }
        if at >= self.lines.len() {
            insert(&mut out);
        }
        if let Some(i) = set_yes {
            let did = text!("config_edit.sets_identities_only", line = i + 1);
            edit.did.insert(0, did);
        }
        Some(out)
    }
}

/// The `IdentitiesOnly` line `text` set to `yes` (its spelling and comment kept): `Some(None)`
/// when it already says yes, `None` when it cannot be read.
fn identities_only_yes(text: &str) -> Option<Option<String>> {
    let d = directive(text)?;
    let (word_end, style) = first_word(text, d.rest_start).ok()?;
    if text[d.rest_start..word_end].eq_ignore_ascii_case("yes") {
        return Some(None);
    }
    let yes = render_word("yes", style);
    Some(Some(format!(
        "{}{yes}{}",
        &text[..d.rest_start],
        &text[word_end..]
    )))
}

/// Whether `text` is a `Host` line naming exactly `host` (one pattern, no wildcard or negation).
pub(super) fn own_host_line(text: &str, host: &str) -> bool {
    let Some(d) = directive(text) else {
        return false;
    };
    if d.keyword != "host" {
        return false;
    }
    let rest = text[d.rest_start..].split('#').next().unwrap_or_default();
    let mut words = rest.split_whitespace();
    matches!((words.next(), words.next()), (Some(w), None) if w.eq_ignore_ascii_case(host))
}

/// "a", "a and b", "a, b and c" (in the language the text is shown in).
pub(super) fn join_words(mut parts: Vec<Text>) -> Text {
    let Some(last) = parts.pop() else {
        return Text::from("");
    };
    match parts
        .into_iter()
        .reduce(|a, b| text!("config_edit.comma", a = a, b = b))
    {
        Some(rest) => text!("config_edit.and", a = rest, b = last),
        None => last,
    }
}
