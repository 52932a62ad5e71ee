//! [`super::identities_only`]'s first choice: edit the existing `Host ALIAS` block that is
//! this destination's own (its `Host` line names exactly the alias typed) — `IdentitiesOnly
//! yes`, and the accepted key's `IdentityFile` line moved (or added) before the block's other
//! keys — instead of adding a second block for the same alias. The caller verifies the result
//! and falls back to a new block when an earlier line still wins.

use super::text::{detect_eol, detect_indent, directive, first_word, render_word, split_lines};
use super::IDENTITIES_ONLY_COMMENT;
use crate::config::{Origin, ResolvedConfig};
use std::path::Path;

/// The planned in-place edit: the new bytes, and a sentence saying what changed where.
pub(super) struct InPlace {
    /// The file's new content.
    pub out: Vec<u8>,
    /// What changes, e.g. "in the `Host web` block (line 4 of ~/.ssh/config): ...".
    pub what: String,
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
    let lines = split_lines(file_bytes);
    let texts: Vec<String> = lines
        .iter()
        .map(|l| String::from_utf8_lossy(l.content).into_owned())
        .collect();
    let kw: Vec<Option<String>> = texts
        .iter()
        .map(|t| directive(t).map(|d| d.keyword))
        .collect();
    let h = (0..lines.len()).find(|&i| own_host_line(&texts[i], host))?;
    let end = (h + 1..lines.len())
        .find(|&i| matches!(kw[i].as_deref(), Some("host" | "match")))
        .unwrap_or(lines.len());
    let in_block = |i: usize| i > h && i < end;
    let first_id = (h + 1..end).find(|&i| kw[i].as_deref() == Some("identityfile"));
    let only = (h + 1..end).find(|&i| kw[i].as_deref() == Some("identitiesonly"));
    // The block's line that already names the key (the resolver knows where each value came from).
    let key_line = before
        .get_all("identityfile")
        .iter()
        .filter(|v| Path::new(&v.value) == key)
        .find_map(|v| match &v.origin {
            Origin::File { path, line } if path == scratch && in_block(line - 1) => Some(line - 1),
            _ => None,
        });
    let indent = (h + 1..end)
        .find(|&i| kw[i].is_some())
        .map(|i| {
            let t = &texts[i];
            t[..t.len() - t.trim_start().len()].to_string()
        })
        .unwrap_or_else(|| detect_indent(&lines));
    let eol = detect_eol(&lines);
    let at = first_id.unwrap_or(h + 1);
    let mut insert: Vec<String> = Vec::new();
    let mut did: Vec<String> = Vec::new();
    if only.is_none() {
        insert.push(format!("{indent}{IDENTITIES_ONLY_COMMENT}"));
        insert.push(format!("{indent}IdentitiesOnly yes"));
        did.push("adds `IdentitiesOnly yes`".to_string());
    }
    let moved = match key_line {
        Some(k) if Some(k) == first_id => {
            // Already the block's first key: the new lines go before it.
            None
        }
        Some(k) => {
            insert.push(texts[k].clone());
            did.push(format!(
                "moves line {} (`{}`) up to be the block's first key",
                k + 1,
                texts[k].trim()
            ));
            Some(k)
        }
        None => {
            insert.push(format!("{indent}IdentityFile {value}"));
            did.push(format!(
                "adds `IdentityFile {value}` as the block's first key"
            ));
            None
        }
    };
    let mut out: Vec<u8> = Vec::with_capacity(file_bytes.len() + 128);
    for (i, l) in lines.iter().enumerate() {
        if i == at {
            for new in &insert {
                out.extend_from_slice(new.as_bytes());
                out.extend_from_slice(eol.as_bytes());
            }
        }
        if Some(i) == moved {
            continue;
        }
        if Some(i) == only {
            let text = &texts[i];
            let d = directive(text)?;
            let (word_end, style) = first_word(text, d.rest_start).ok()?;
            if !text[d.rest_start..word_end].eq_ignore_ascii_case("yes") {
                let yes = render_word("yes", style);
                out.extend_from_slice(
                    format!("{}{yes}{}", &text[..d.rest_start], &text[word_end..]).as_bytes(),
                );
                out.extend_from_slice(l.eol);
                did.insert(0, format!("sets line {} to `IdentitiesOnly yes`", i + 1));
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
    if at >= lines.len() {
        for new in &insert {
            out.extend_from_slice(new.as_bytes());
            out.extend_from_slice(eol.as_bytes());
        }
    }
    if did.is_empty() {
        return None;
    }
    Some(InPlace {
        out,
        what: format!(
            "In the existing `Host {host}` block (line {} of {shown_file}), this {}",
            h + 1,
            join_words(&did)
        ),
    })
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

/// "a", "a and b", "a, b and c".
pub(super) fn join_words(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
