//! [`super::host_block`]'s first choice when the file already has the alias's own block (its
//! `Host` line names exactly the alias): HostName, User, Port and IdentitiesOnly set on the
//! block's own lines (or added after its `Host` line), and the key's IdentityFile line moved
//! (or added) before the block's other keys — one block per alias, never a second `Host ALIAS`
//! above the first. The caller verifies the result by resolving `ssh ALIAS` again.

use super::in_place::{join_words, own_host_line, InPlace};
use super::text::Quoting;
use super::text::{detect_eol, detect_indent, directive, first_word, render_word, split_lines};
use crate::config::{Origin, ResolvedConfig};
use crate::i18n::Text;
use crate::text;
use std::collections::BTreeMap;
use std::path::Path;

/// What the edit needs besides the file: the settings the block must have (keyword as
/// written, value in config syntax), and the key (absolute, and as written in a config file).
pub(super) struct Goal<'a> {
    /// The alias, as on the `Host` line.
    pub alias: &'a str,
    /// `("HostName", "10.0.0.5")`, ... in the order lines are added.
    pub settings: Vec<(&'static str, String)>,
    /// The private key, absolute.
    pub key: &'a Path,
    /// The key as an IdentityFile value.
    pub key_value: &'a str,
}

/// Plan the in-place edit, or `None` when the file has no block of the alias's own or it
/// already says everything. `before` is the file resolved for `ssh ALIAS` through `scratch`
/// (whose line numbers are those of `file_bytes`).
pub(super) fn plan(
    file_bytes: &[u8],
    goal: &Goal<'_>,
    before: &ResolvedConfig,
    scratch: &Path,
    shown_file: &str,
) -> Option<InPlace> {
    let lines = split_lines(file_bytes);
    let texts: Vec<String> = lines
        .iter()
        .map(|l| String::from_utf8_lossy(l.content).into_owned())
        .collect();
    let kw: Vec<Option<String>> = texts
        .iter()
        .map(|t| directive(t).map(|d| d.keyword))
        .collect();
    let h = (0..lines.len()).find(|&i| own_host_line(&texts[i], goal.alias))?;
    let end = (h + 1..lines.len())
        .find(|&i| matches!(kw[i].as_deref(), Some("host" | "match")))
        .unwrap_or(lines.len());
    let indent = (h + 1..end)
        .find(|&i| kw[i].is_some())
        .map(|i| {
            let t = &texts[i];
            t[..t.len() - t.trim_start().len()].to_string()
        })
        .unwrap_or_else(|| detect_indent(&lines));
    let mut edit = Edit::default();
    for (name, value) in &goal.settings {
        set_setting(&mut edit, &texts, &kw, (h, end), (name, value), &indent)?;
    }
    place_key(
        &mut edit,
        &texts,
        &kw,
        (h, end),
        goal,
        before,
        scratch,
        &indent,
    );
    if edit.did.is_empty() {
        return None;
    }
    let out = edit.apply(&lines, detect_eol(&lines));
    Some(InPlace {
        out,
        what: text!(
            "config_edit.in_block",
            host = goal.alias,
            line = h + 1,
            file = shown_file,
            did = join_words(edit.did)
        ),
    })
}

/// The changes planned, by line index.
#[derive(Default)]
struct Edit {
    /// Lines whose text is replaced.
    replace: BTreeMap<usize, String>,
    /// Lines inserted before the line at an index (the file's length: at its end).
    insert: BTreeMap<usize, Vec<String>>,
    /// A line removed (moved elsewhere).
    removed: Option<usize>,
    /// What changes, in words.
    did: Vec<Text>,
}

impl Edit {
    fn apply(&self, lines: &[super::text::Line<'_>], eol: &str) -> Vec<u8> {
        let mut out: Vec<u8> = Vec::new();
        let put_new = |out: &mut Vec<u8>, at: usize| {
            for new in self.insert.get(&at).into_iter().flatten() {
                out.extend_from_slice(new.as_bytes());
                out.extend_from_slice(eol.as_bytes());
            }
        };
        for (i, l) in lines.iter().enumerate() {
            put_new(&mut out, i);
            if Some(i) == self.removed {
                continue;
            }
            match self.replace.get(&i) {
                Some(text) => out.extend_from_slice(text.as_bytes()),
                None => out.extend_from_slice(l.content),
            }
            // A last line without an end gets one before lines added after it.
            if l.eol.is_empty() && self.insert.contains_key(&(i + 1)) {
                out.extend_from_slice(eol.as_bytes());
            } else {
                out.extend_from_slice(l.eol);
            }
        }
        put_new(&mut out, lines.len());
        out
    }
}

/// One single-valued setting: the block's line set to `value`, or a line added after the
/// `Host` line (Port 22, the default, is not added).
fn set_setting(
    edit: &mut Edit,
    texts: &[String],
    kw: &[Option<String>],
    (h, end): (usize, usize),
    (name, value): (&str, &str),
    indent: &str,
) -> Option<()> {
    let lower = name.to_ascii_lowercase();
    let Some(i) = (h + 1..end).find(|&i| kw[i].as_deref() == Some(lower.as_str())) else {
        if !(lower == "port" && value == "22") {
            let line = format!("{indent}{name} {}", render_word(value, Quoting::Bare));
            edit.insert.entry(h + 1).or_default().push(line);
            edit.did.push(text!(
                "config_edit.adds_setting",
                name = name,
                value = value
            ));
        }
        return Some(());
    };
    let t = &texts[i];
    let d = directive(t)?;
    let (word_end, style) = first_word(t, d.rest_start).ok()?;
    let current = unquote(&t[d.rest_start..word_end], style);
    let same = if lower == "identitiesonly" {
        current.eq_ignore_ascii_case(value)
    } else {
        current == value
    };
    if !same {
        let new = format!(
            "{}{}{}",
            &t[..d.rest_start],
            render_word(value, style),
            &t[word_end..]
        );
        edit.did.push(text!(
            "config_edit.sets_line",
            line = i + 1,
            name = name,
            value = value,
            was = t.trim()
        ));
        edit.replace.insert(i, new);
    }
    Some(())
}

/// The key first among the block's IdentityFile lines: its line moved up, or a line added.
#[allow(clippy::too_many_arguments)]
fn place_key(
    edit: &mut Edit,
    texts: &[String],
    kw: &[Option<String>],
    (h, end): (usize, usize),
    goal: &Goal<'_>,
    before: &ResolvedConfig,
    scratch: &Path,
    indent: &str,
) {
    let in_block = |i: usize| i > h && i < end;
    let first_id = (h + 1..end).find(|&i| kw[i].as_deref() == Some("identityfile"));
    let key_line = before
        .get_all("identityfile")
        .iter()
        .filter(|v| Path::new(&v.value) == goal.key)
        .find_map(|v| match &v.origin {
            Origin::File { path, line } if path == scratch && in_block(line - 1) => Some(line - 1),
            _ => None,
        });
    match (key_line, first_id) {
        (Some(k), Some(f)) if k == f => {}
        (Some(k), Some(f)) => {
            edit.insert.entry(f).or_default().push(texts[k].clone());
            edit.removed = Some(k);
            edit.did.push(text!(
                "config_edit.moves_key_up",
                line = k + 1,
                text = texts[k].trim()
            ));
        }
        _ => {
            let line = format!("{indent}IdentityFile {}", goal.key_value);
            edit.insert
                .entry(first_id.unwrap_or(h + 1))
                .or_default()
                .push(line);
            edit.did
                .push(text!("config_edit.adds_key_first", value = goal.key_value));
        }
    }
}

/// A value word without its enclosing quotes.
fn unquote(word: &str, style: Quoting) -> &str {
    match style {
        Quoting::Bare => word,
        Quoting::Double | Quoting::Single => &word[1..word.len().saturating_sub(1).max(1)],
    }
}
