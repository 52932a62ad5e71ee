//! Repointing one `IdentityFile` line from a missing key to the one that exists, only the
//! value changed, verified by resolving the edited file.

use std::path::Path;

use super::text::{directive, first_word, render_word, split_lines, Line};
use super::verify::ensure_user_config;
use super::{absolute, config_text, order, shown_path, tilde_ok, ConfigEdit, Planner};
use crate::config::{ConfigInput, Origin, ResolvedConfig, Value};

/// Plan the edit that points the IdentityFile line at `origin_line` (1-based) of `path`
/// at `replacement` instead of the missing `stale` key.
///
/// Only the value changes: the keyword's spelling, indentation, separator (`=` or
/// whitespace), quoting style and anything after the value (a comment) stay; the new value
/// is written with `~/` when under home. Verified by re-resolving: `replacement` must take
/// `stale`'s place in the IdentityFile order. `Err` when the line is not an IdentityFile
/// line that supplies `stale` for this destination, or when the result does not verify
/// (e.g. `replacement` is already listed earlier).
pub fn identity_path(
    file_bytes: &[u8],
    path: &Path,
    input: &ConfigInput,
    stale: &Path,
    origin_line: usize,
    replacement: &Path,
) -> Result<ConfigEdit, String> {
    ensure_user_config(path, input)?;
    let home = input.home.as_path();
    let shown_file = shown_path(path, home);
    let stale = absolute(stale, home)?;
    let replacement = absolute(replacement, home)?;
    let lines = split_lines(file_bytes);
    let (content, new_line) =
        rewritten_line(&lines, origin_line, &shown_file, &replacement, input)?;

    let mut out: Vec<u8> = Vec::with_capacity(file_bytes.len() + new_line.len());
    for (i, l) in lines.iter().enumerate() {
        if i + 1 == origin_line {
            out.extend_from_slice(new_line.as_bytes());
        } else {
            out.extend_from_slice(l.content);
        }
        out.extend_from_slice(l.eol);
    }

    let p = Planner::new(file_bytes, path, input, replacement)?;
    let after = verify(&p, origin_line, &stale, &out)?;
    Ok(p.edit(
        out,
        crate::text!(
            "config_edit.line_becomes",
            line = origin_line,
            file = shown_file,
            new = new_line.trim(),
            old = content.trim(),
            order = order(&after, home)
        ),
    ))
}

/// Line `origin_line` as it is, and with its value replaced by `replacement` (as ssh_config
/// text, in the quoting style the line used); Err when it is no IdentityFile line.
fn rewritten_line<'a>(
    lines: &[Line<'a>],
    origin_line: usize,
    shown_file: &str,
    replacement: &Path,
    input: &ConfigInput,
) -> Result<(&'a str, String), String> {
    let idx = origin_line
        .checked_sub(1)
        .filter(|&i| i < lines.len())
        .ok_or_else(|| format!("{shown_file} has no line {origin_line}"))?;
    let content = std::str::from_utf8(lines[idx].content)
        .map_err(|_| format!("line {origin_line} of {shown_file} is not valid UTF-8"))?;
    let d = directive(content)
        .filter(|d| d.keyword == "identityfile")
        .ok_or_else(|| format!("line {origin_line} of {shown_file} is not an IdentityFile line"))?;
    let (end, style) = first_word(content, d.rest_start)
        .map_err(|e| format!("line {origin_line} of {shown_file}: {e}"))?;
    let word = render_word(
        &config_text(replacement, &input.home, tilde_ok(input))?,
        style,
    );
    let new_line = format!("{}{word}{}", &content[..d.rest_start], &content[end..]);
    Ok((content, new_line))
}

/// Resolve before and after the edit (`out`): line `origin_line` must supply `stale` before,
/// and the replacement (`p.key`) in the same place after. The resolved config after.
fn verify(
    p: &Planner<'_>,
    origin_line: usize,
    stale: &Path,
    out: &[u8],
) -> Result<ResolvedConfig, String> {
    let (home, shown_file) = (p.home(), &p.shown_file);
    let at_line = |v: &Value| matches!(&v.origin, Origin::File { path: f, line } if f == p.scratch.path() && *line == origin_line);
    let before = p.resolve(p.file_bytes)?;
    let before_list = before.get_all("identityfile");
    let pos = before_list.iter().position(at_line).ok_or_else(|| {
        format!(
            "line {origin_line} of {shown_file} does not supply an IdentityFile for {} \
             (its block does not apply, or it repeats an earlier line)",
            p.input.host
        )
    })?;
    if Path::new(&before_list[pos].value) != stale {
        return Err(format!(
            "line {origin_line} of {shown_file} names {}, not {}",
            shown_path(Path::new(&before_list[pos].value), home),
            shown_path(stale, home)
        ));
    }
    let after = p.resolve(out)?;
    let ok = after
        .get_all("identityfile")
        .get(pos)
        .is_some_and(|v| at_line(v) && Path::new(&v.value) == p.key);
    if !ok {
        return Err(format!(
            "rewriting line {origin_line} of {shown_file} would not put {} in place of {} \
             (IdentityFile order would be: {})",
            shown_path(&p.key, home),
            shown_path(stale, home),
            order(&after, home)
        ));
    }
    Ok(after)
}
