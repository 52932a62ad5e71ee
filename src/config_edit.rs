//! Pure, verified edit planners for the user's ssh_config: they take the file's bytes and return new bytes.
//!
//! Each planner changes only the lines it must (comments, indentation, CRLF line ends and a
//! missing final newline are kept), then **re-resolves** the result with
//! [`config::resolve`](crate::config::resolve) — the new content is written to a private
//! scratch file that stands in for the user's config (`-F scratch`, same home, user,
//! hostname and command-line options) — and returns `Err` unless the goal is achieved.
//! Nothing here writes the user's files; apply a [`ConfigEdit`] with [`crate::fsedit`].
//!
//! Only the user configuration file (`-F FILE`, else `~/.ssh/config`) can be edited:
//! included files and the system file cannot be substituted during verification, so
//! edits to them are refused.
//!
//! # Strategy of [`identities_only`]
//!
//! ssh reads IdentityFile lines in order (they accumulate) and keeps the first value of
//! IdentitiesOnly. When the file has this destination's **own block** (`Host web` naming
//! exactly the alias typed), the planner edits it in place: `IdentitiesOnly yes` (added, or
//! the block's line set to yes) and the accepted key's IdentityFile line moved up (or added)
//! before the block's other keys — one block per alias, no key listed twice. When that does
//! not achieve the goal (an earlier block or a global line still wins), or there is no such
//! block, it adds a **new block** instead:
//!
//! ```text
//! # added by sshdoctor: offer only the key the server accepts
//! Host web
//!     IdentitiesOnly yes
//!     IdentityFile ~/.ssh/id_web
//! ```
//!
//! * Normally it goes right before the first `Host`/`Match` line, after the global lines,
//!   so it is read before every block (including a `Host *` that says `IdentitiesOnly no`
//!   and a `Host web` block that lists other keys).
//! * When a global line (before the first `Host`/`Match`) sets IdentityFile or
//!   IdentitiesOnly, or is an `Include` (whose files may), the block goes at line 1, followed
//!   by `Host *` so that the former global lines still apply to every host.
//!
//! A new block never changes what applies to other hosts (an existing `Host web db`
//! block is shared), is easy to review and to remove, and does not depend on where the
//! existing blocks are. Keys already listed elsewhere stay; ssh ignores the repeated line.

mod host_in_place;
#[cfg(test)]
mod host_tests;
mod in_place;
#[cfg(test)]
mod tests;
mod text;
mod verify;

use std::path::{Path, PathBuf};

use crate::config::{ConfigInput, Origin, ResolvedConfig, Value};

use text::{detect_eol, detect_indent, directive, first_word, keyword, render_word, split_lines};
use verify::{ensure_user_config, Scratch};

/// The comment line that precedes the block [`identities_only`] adds.
pub const IDENTITIES_ONLY_COMMENT: &str =
    "# added by sshdoctor: offer only the key the server accepts";

/// The comment before the `Host *` line that keeps former global lines global.
const RESTORE_COMMENT: &str =
    "# added by sshdoctor: the lines below apply to every host, as before";

/// A planned change to one config file: apply `new_bytes` to `path` with [`crate::fsedit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEdit {
    /// The file to change (as given to the planner).
    pub path: PathBuf,
    /// Its complete new content.
    pub new_bytes: Vec<u8>,
    /// One or two sentences for the user: what changes and the resulting IdentityFile order.
    pub summary: String,
}

/// `path` for display: `~/...` when under `home`, else as is.
pub fn shown_path(path: &Path, home: &Path) -> String {
    if home.as_os_str().is_empty() || home == Path::new("/") {
        return path.display().to_string();
    }
    match path.strip_prefix(home) {
        Ok(rest) if rest.as_os_str().is_empty() => "~".to_string(),
        Ok(rest) => format!("~/{}", rest.display()),
        Err(_) => path.display().to_string(),
    }
}

/// Plan the edit that makes `key` the first key ssh offers to `input`'s destination, with
/// no agent key before it: afterwards the effective config has `IdentitiesOnly yes` and
/// `key` as its first IdentityFile (see the module docs for where the lines go).
///
/// `file_bytes` is the current content of `path` (empty when the file does not exist);
/// `path` must be the user config file ssh reads for `input`. `key` is absolute or starts
/// with `~/`. When the goal already holds, the returned edit has unchanged bytes.
/// `Err` when the edit cannot be made or would not achieve the goal (for example because
/// `-i` or `-o IdentitiesOnly=no` on the command line takes precedence).
pub fn identities_only(
    file_bytes: &[u8],
    path: &Path,
    input: &ConfigInput,
    key: &Path,
) -> Result<ConfigEdit, String> {
    ensure_user_config(path, input)?;
    let home = input.home.as_path();
    let key = absolute(key, home)?;
    let host = host_pattern(&input.host)?;
    let value = render_word(
        &config_text(&key, home, tilde_ok(input))?,
        text::Quoting::Bare,
    );
    let scratch = Scratch::new()?;
    let shown_file = shown_path(path, home);

    let before = scratch.resolve(input, file_bytes)?;
    if goal_problem(&before, &key, &scratch, path, home).is_none() {
        return Ok(ConfigEdit {
            path: path.to_path_buf(),
            new_bytes: file_bytes.to_vec(),
            summary: format!(
                "Nothing to change in {shown_file}: IdentitiesOnly is already yes and {} is \
                 already the first key; IdentityFile order: {}.",
                shown_path(&key, home),
                order(&before, home)
            ),
        });
    }

    // This destination's own `Host` block, edited where it is, when that is enough.
    if let Some(p) = in_place::plan(
        file_bytes,
        host,
        &key,
        &value,
        &before,
        scratch.path(),
        &shown_file,
    ) {
        let after = scratch.resolve(input, &p.out)?;
        if goal_problem(&after, &key, &scratch, path, home).is_none() {
            return Ok(ConfigEdit {
                path: path.to_path_buf(),
                new_bytes: p.out,
                summary: format!(
                    "{}. ssh will then offer only these keys, in this order: {}.",
                    p.what,
                    order(&after, home)
                ),
            });
        }
    }

    let indent = detect_indent(&split_lines(file_bytes));
    let block = vec![
        IDENTITIES_ONLY_COMMENT.to_string(),
        format!("Host {host}"),
        format!("{indent}IdentitiesOnly yes"),
        format!("{indent}IdentityFile {value}"),
    ];
    let inserted = insert_block(
        file_bytes,
        block,
        &["identityfile", "identitiesonly", "include"],
    );

    let after = scratch.resolve(input, &inserted.out)?;
    if let Some(problem) = goal_problem(&after, &key, &scratch, path, home) {
        return Err(format!(
            "cannot make {} the first key for {} by editing {shown_file}: after the edit {problem}",
            shown_path(&key, home),
            input.host
        ));
    }
    let place = inserted.place(&shown_file, |k| global_reason(k).to_string());
    Ok(ConfigEdit {
        path: path.to_path_buf(),
        new_bytes: inserted.out,
        summary: format!(
            "Add a `Host {host}` block with IdentitiesOnly yes and IdentityFile {value} {place}. \
             ssh will then offer only these keys, in this order: {}.",
            order(&after, home)
        ),
    })
}

/// The file with a new block inserted where it is read before every other block.
struct Inserted {
    out: Vec<u8>,
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
    fn place(&self, shown_file: &str, reason: impl Fn(Option<&str>) -> String) -> String {
        match self.global_conflict {
            Some(i) => format!(
                "at the top of {shown_file} (line {} {} for every host), followed by `Host *` \
                 so the lines that were global stay global",
                i + 1,
                reason(self.keywords[i].as_deref())
            ),
            None => format!(
                "at line {} of {shown_file}, before every other block",
                self.host_line
            ),
        }
    }
}

/// Insert `block` (its first line a comment, its second the `Host` line) right before the
/// first `Host`/`Match` line, after the global lines — or at line 1, followed by `Host *`,
/// when a global line sets one of `conflicting` (first value wins: the global line would
/// otherwise beat the block). Every other byte is kept.
fn insert_block(file_bytes: &[u8], mut block: Vec<String>, conflicting: &[&str]) -> Inserted {
    let lines = split_lines(file_bytes);
    let eol = detect_eol(&lines);
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

    let mut out: Vec<u8> = Vec::with_capacity(file_bytes.len() + 256);
    for l in &lines[..at] {
        out.extend_from_slice(l.content);
        out.extend_from_slice(l.eol);
    }
    let blank = |l: &text::Line<'_>| l.content.iter().all(|b| b.is_ascii_whitespace());
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
        for b in &block {
            out.extend_from_slice(b.as_bytes());
            out.extend_from_slice(eol.as_bytes());
        }
        if global_conflict.is_none() && !blank(&lines[at]) {
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
    Inserted {
        out,
        global_conflict,
        host_line,
        keywords,
    }
}

/// The comment line that precedes the block [`host_block`] adds.
pub const HOST_BLOCK_COMMENT: &str = "# added by sshdoctor onboard";

/// What the onboarding's `Host` block says.
#[derive(Debug, Clone)]
pub struct HostBlock<'a> {
    /// The alias typed after `ssh`.
    pub alias: &'a str,
    /// The real name or address.
    pub hostname: &'a str,
    /// The remote user.
    pub user: &'a str,
    /// The port (written when not 22).
    pub port: u16,
    /// The private key (absolute, or starting with `~/`).
    pub key: &'a Path,
}

/// Plan adding `Host ALIAS` with HostName, User, Port, IdentityFile and `IdentitiesOnly yes`
/// to the user's config, so that a plain `ssh ALIAS` uses exactly these. The block goes where
/// [`identities_only`]'s does (before every other block; at the top, followed by `Host *`, when
/// a global line sets one of its keywords). Verified by resolving `ssh ALIAS` (no command-line
/// options) afterwards; when that already gives these values nothing changes.
pub fn host_block(
    file_bytes: &[u8],
    path: &Path,
    input: &ConfigInput,
    b: &HostBlock<'_>,
) -> Result<ConfigEdit, String> {
    ensure_user_config(path, input)?;
    let home = input.home.as_path();
    let alias = host_pattern(b.alias)?;
    let key = absolute(b.key, home)?;
    let plain = |what: &str, v: &str| {
        if v.is_empty()
            || v.chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"'#%".contains(c))
        {
            Err(format!("cannot write {what} \"{v}\" in an ssh_config file"))
        } else {
            Ok(())
        }
    };
    plain("the host name", b.hostname)?;
    plain("the user name", b.user)?;
    let value = render_word(
        &config_text(&key, home, tilde_ok(input))?,
        text::Quoting::Bare,
    );
    let mut next = input.clone();
    next.host = alias.to_string();
    next.options.clear();
    let scratch = Scratch::new()?;
    let shown_file = shown_path(path, home);
    let problem = |r: &ResolvedConfig| -> Option<String> {
        let get = |k: &str| r.get(k).map(|v| v.value.clone()).unwrap_or_default();
        if get("hostname") != b.hostname {
            return Some(format!("HostName would be {}", get("hostname")));
        }
        if get("user") != b.user {
            return Some(format!("User would be {}", get("user")));
        }
        if get("port") != b.port.to_string() {
            return Some(format!("Port would be {}", get("port")));
        }
        goal_problem(r, &key, &scratch, path, home)
    };
    let before = scratch.resolve(&next, file_bytes)?;
    if problem(&before).is_none() {
        return Ok(ConfigEdit {
            path: path.to_path_buf(),
            new_bytes: file_bytes.to_vec(),
            summary: format!(
                "Nothing to change in {shown_file}: `ssh {alias}` already uses these settings."
            ),
        });
    }
    // The alias's own block, completed where it is, when that is enough.
    let goal = host_in_place::Goal {
        alias,
        settings: vec![
            ("HostName", b.hostname.to_string()),
            ("User", b.user.to_string()),
            ("Port", b.port.to_string()),
            ("IdentitiesOnly", "yes".to_string()),
        ],
        key: &key,
        key_value: &value,
    };
    if let Some(p) = host_in_place::plan(file_bytes, &goal, &before, scratch.path(), &shown_file) {
        if problem(&scratch.resolve(&next, &p.out)?).is_none() {
            return Ok(ConfigEdit {
                path: path.to_path_buf(),
                new_bytes: p.out,
                summary: format!(
                    "{}; then `ssh {alias}` logs in as {} on {} port {} with {} only.",
                    p.what,
                    b.user,
                    b.hostname,
                    b.port,
                    shown_path(&key, home)
                ),
            });
        }
    }
    let indent = detect_indent(&split_lines(file_bytes));
    let mut block = vec![
        HOST_BLOCK_COMMENT.to_string(),
        format!("Host {alias}"),
        format!("{indent}HostName {}", b.hostname),
        format!("{indent}User {}", b.user),
    ];
    if b.port != 22 {
        block.push(format!("{indent}Port {}", b.port));
    }
    block.push(format!("{indent}IdentityFile {value}"));
    block.push(format!("{indent}IdentitiesOnly yes"));
    let inserted = insert_block(
        file_bytes,
        block,
        &[
            "hostname",
            "user",
            "port",
            "identityfile",
            "identitiesonly",
            "include",
        ],
    );
    let after = scratch.resolve(&next, &inserted.out)?;
    if let Some(p) = problem(&after) {
        return Err(format!(
            "cannot make `ssh {alias}` use these settings by editing {shown_file}: after the edit {p}"
        ));
    }
    let place = inserted.place(&shown_file, |k| {
        format!("sets {}", k.unwrap_or("a setting"))
    });
    Ok(ConfigEdit {
        path: path.to_path_buf(),
        new_bytes: inserted.out,
        summary: format!("Add a `Host {alias}` block {place}; then `ssh {alias}` logs in as {} on {} port {} with {} only.", b.user, b.hostname, b.port, shown_path(&key, home)),
    })
}

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
    let idx = origin_line
        .checked_sub(1)
        .filter(|&i| i < lines.len())
        .ok_or_else(|| format!("{shown_file} has no line {origin_line}"))?;
    let line = lines[idx];
    let content = std::str::from_utf8(line.content)
        .map_err(|_| format!("line {origin_line} of {shown_file} is not valid UTF-8"))?;
    let d = directive(content)
        .filter(|d| d.keyword == "identityfile")
        .ok_or_else(|| format!("line {origin_line} of {shown_file} is not an IdentityFile line"))?;
    let (end, style) = first_word(content, d.rest_start)
        .map_err(|e| format!("line {origin_line} of {shown_file}: {e}"))?;
    let word = render_word(&config_text(&replacement, home, tilde_ok(input))?, style);
    let new_line = format!("{}{word}{}", &content[..d.rest_start], &content[end..]);

    let mut out: Vec<u8> = Vec::with_capacity(file_bytes.len() + word.len());
    for (i, l) in lines.iter().enumerate() {
        if i == idx {
            out.extend_from_slice(new_line.as_bytes());
        } else {
            out.extend_from_slice(l.content);
        }
        out.extend_from_slice(l.eol);
    }

    let scratch = Scratch::new()?;
    let at_line = |v: &Value| matches!(&v.origin, Origin::File { path: p, line } if p == scratch.path() && *line == origin_line);
    let before = scratch.resolve(input, file_bytes)?;
    let before_list = before.get_all("identityfile");
    let pos = before_list.iter().position(at_line).ok_or_else(|| {
        format!(
            "line {origin_line} of {shown_file} does not supply an IdentityFile for {} \
             (its block does not apply, or it repeats an earlier line)",
            input.host
        )
    })?;
    if Path::new(&before_list[pos].value) != stale {
        return Err(format!(
            "line {origin_line} of {shown_file} names {}, not {}",
            shown_path(Path::new(&before_list[pos].value), home),
            shown_path(&stale, home)
        ));
    }
    let after = scratch.resolve(input, &out)?;
    let after_list = after.get_all("identityfile");
    let ok = after_list
        .get(pos)
        .is_some_and(|v| at_line(v) && Path::new(&v.value) == replacement);
    if !ok {
        return Err(format!(
            "rewriting line {origin_line} of {shown_file} would not put {} in place of {} \
             (IdentityFile order would be: {})",
            shown_path(&replacement, home),
            shown_path(&stale, home),
            order(&after, home)
        ));
    }
    Ok(ConfigEdit {
        path: path.to_path_buf(),
        new_bytes: out,
        summary: format!(
            "Line {origin_line} of {shown_file} becomes `{}` (was `{}`). IdentityFile order: {}.",
            new_line.trim(),
            content.trim(),
            order(&after, home)
        ),
    })
}

/// `key` as an absolute path (`~/` expanded with `home`).
fn absolute(key: &Path, home: &Path) -> Result<PathBuf, String> {
    let s = key.to_string_lossy();
    let p = if s == "~" {
        home.to_path_buf()
    } else if let Some(rest) = s.strip_prefix("~/") {
        home.join(rest)
    } else {
        key.to_path_buf()
    };
    if p.is_absolute() {
        Ok(p)
    } else {
        Err(format!("{} is not an absolute path", key.display()))
    }
}

/// The key path as ssh_config text: `~/` when under home, `%` doubled (IdentityFile
/// values are `%`-expanded). `Err` for paths ssh_config cannot express.
/// Whether `~` in a written path means `input.home` to ssh too.
fn tilde_ok(input: &ConfigInput) -> bool {
    // With SSHDOCTOR_PASSWD_HOME standing in for the passwd entry, ssh's own `~` is elsewhere:
    // write absolute paths, which mean the same to both.
    std::env::var_os(crate::config::PASSWD_HOME_OVERRIDE).is_none()
        && input.passwd_home.as_deref().is_none_or(|p| p == input.home)
}

fn config_text(key: &Path, home: &Path, tilde_ok: bool) -> Result<String, String> {
    if key.to_str().is_none() || home.to_str().is_none() {
        return Err(format!("{} is not valid UTF-8", key.display()));
    }
    // ssh expands `~` from the passwd entry, not $HOME: write `~/` only where both agree.
    let shown = if tilde_ok {
        shown_path(key, home)
    } else {
        key.display().to_string()
    };
    if shown.contains("${") || shown.contains(['\n', '\r']) {
        return Err(format!("{shown} cannot be written in an ssh_config file"));
    }
    Ok(shown.replace('%', "%%"))
}

/// The host as a `Host` pattern that matches exactly it.
fn host_pattern(host: &str) -> Result<&str, String> {
    let bad = host.is_empty()
        || host.starts_with(['!', '#'])
        || host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "*?\"'\\".contains(c));
    if bad {
        Err(format!(
            "cannot write a Host block that matches exactly \"{host}\""
        ))
    } else {
        Ok(host)
    }
}

/// Why `r` does not offer `key` first with IdentitiesOnly, or `None` when it does.
fn goal_problem(
    r: &ResolvedConfig,
    key: &Path,
    scratch: &Scratch,
    real: &Path,
    home: &Path,
) -> Option<String> {
    let origin = |v: &Value| describe(&v.origin, scratch, real, home);
    match r.get("identitiesonly") {
        Some(v) if v.value == "yes" => {}
        Some(v) => {
            return Some(format!(
                "IdentitiesOnly would be {} (from {})",
                v.value,
                origin(v)
            ))
        }
        None => return Some("IdentitiesOnly would not be set".to_string()),
    }
    match r.get_all("identityfile").first() {
        Some(v) if Path::new(&v.value) == key => None,
        Some(v) => Some(format!(
            "the first IdentityFile would be {} (from {})",
            shown_path(Path::new(&v.value), home),
            origin(v)
        )),
        None => Some("no IdentityFile would be set".to_string()),
    }
}

/// An origin for messages, with the scratch file shown as the real file.
fn describe(origin: &Origin, scratch: &Scratch, real: &Path, home: &Path) -> String {
    match origin {
        Origin::File { path, line } if path == scratch.path() => Origin::File {
            path: real.to_path_buf(),
            line: *line,
        }
        .describe(home),
        o => o.describe(home),
    }
}

/// The resolved IdentityFile order, numbered, with `~`; a key listed twice is offered once
/// (ssh skips the repeat), so it is shown once.
fn order(r: &ResolvedConfig, home: &Path) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for v in r.get_all("identityfile") {
        if !seen.contains(&v.value.as_str()) {
            seen.push(&v.value);
        }
    }
    seen.iter()
        .enumerate()
        .map(|(i, v)| format!("{}. {}", i + 1, shown_path(Path::new(v), home)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a global line forces the block to the top.
fn global_reason(k: Option<&str>) -> &'static str {
    match k {
        Some("identityfile") => "sets IdentityFile",
        Some("identitiesonly") => "sets IdentitiesOnly",
        _ => "is an Include that may set IdentityFile or IdentitiesOnly",
    }
}
