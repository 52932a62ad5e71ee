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

mod host_block;
mod host_in_place;
#[cfg(test)]
mod host_tests;
mod identity_path;
mod in_place;
mod insert;
#[cfg(test)]
mod tests;

/// The config input of the edit tests: `host` resolved for user `me` on `box.local`, with
/// `home` as the home directory and no system config (what the planners' tests share).
#[cfg(test)]
pub(crate) fn test_input(home: &Path, host: &str) -> ConfigInput {
    ConfigInput {
        host: host.into(),
        options: Vec::new(),
        user_config: None,
        system_config: home.join("etc/ssh_config"),
        home: home.to_path_buf(),
        local_user: "me".into(),
        local_hostname: "box.local".into(),
        passwd_home: None,
    }
}
mod text;
mod verify;

use std::path::{Path, PathBuf};

use crate::config::{ConfigInput, Origin, ResolvedConfig, Value};
use crate::i18n::Text;

pub use host_block::{host_block, HostBlock, HOST_BLOCK_COMMENT};
pub use identity_path::identity_path;
use insert::insert_block;
use text::{detect_indent, render_word, split_lines};
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
    /// The summary in no language yet (see [`ConfigEdit::summary_text`]).
    pub said: Option<Text>,
}

impl ConfigEdit {
    /// The summary as a [`Text`], to show in the front end's language: what the planner wrote,
    /// while `summary` still holds its English (else `summary` as it is).
    pub fn summary_text(&self) -> Text {
        match &self.said {
            Some(t) if t.english() == self.summary => t.clone(),
            _ => Text::from(&self.summary),
        }
    }
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
    let value = key_value(&key, input)?;
    let p = Planner::new(file_bytes, path, input, key)?;
    let shown_file = &p.shown_file;

    let before = p.resolve(file_bytes)?;
    if p.goal_problem(&before).is_none() {
        return Ok(p.edit(
            file_bytes.to_vec(),
            crate::text!(
                "config_edit.nothing_to_change",
                file = shown_file,
                key = shown_path(&p.key, home),
                order = order(&before, home)
            ),
        ));
    }
    // This destination's own `Host` block, edited where it is, when that is enough.
    if let Some(edit) = own_block_edit(&p, host, &value, &before)? {
        return Ok(edit);
    }
    new_block_edit(&p, host, &value)
}

/// The edit of the destination's own `Host` block, when it has one and that achieves the goal.
fn own_block_edit(
    p: &Planner<'_>,
    host: &str,
    value: &str,
    before: &ResolvedConfig,
) -> Result<Option<ConfigEdit>, String> {
    let Some(planned) = in_place::plan(
        p.file_bytes,
        host,
        &p.key,
        value,
        before,
        p.scratch.path(),
        &p.shown_file,
    ) else {
        return Ok(None);
    };
    let after = p.resolve(&planned.out)?;
    if p.goal_problem(&after).is_some() {
        return Ok(None);
    }
    Ok(Some(p.edit(
        planned.out,
        crate::text!(
            "config_edit.then_offers",
            what = planned.what,
            order = order(&after, p.home())
        ),
    )))
}

/// A new `Host` block read before every other one, with `IdentitiesOnly yes` and the key.
fn new_block_edit(p: &Planner<'_>, host: &str, value: &str) -> Result<ConfigEdit, String> {
    let (home, shown_file) = (p.home(), &p.shown_file);
    let indent = detect_indent(&split_lines(p.file_bytes));
    let block = vec![
        IDENTITIES_ONLY_COMMENT.to_string(),
        format!("Host {host}"),
        format!("{indent}IdentitiesOnly yes"),
        format!("{indent}IdentityFile {value}"),
    ];
    let inserted = insert_block(
        p.file_bytes,
        block,
        &["identityfile", "identitiesonly", "include"],
    );

    let after = p.resolve(&inserted.out)?;
    if let Some(problem) = p.goal_problem(&after) {
        return Err(format!(
            "cannot make {} the first key for {} by editing {shown_file}: after the edit {problem}",
            shown_path(&p.key, home),
            p.input.host
        ));
    }
    let place = inserted.place(shown_file, global_reason);
    Ok(p.edit(
        inserted.out,
        crate::text!(
            "config_edit.add_block",
            host = host,
            value = value,
            place = place,
            order = order(&after, home)
        ),
    ))
}

/// What a planner works with: the file and its bytes, the destination (`input`, resolved
/// through a scratch copy of the file) and the key the edit is about.
struct Planner<'a> {
    file_bytes: &'a [u8],
    path: &'a Path,
    input: &'a ConfigInput,
    /// The key, absolute.
    key: PathBuf,
    scratch: Scratch,
    /// The file as shown to people.
    shown_file: String,
}

impl<'a> Planner<'a> {
    fn new(
        file_bytes: &'a [u8],
        path: &'a Path,
        input: &'a ConfigInput,
        key: PathBuf,
    ) -> Result<Self, String> {
        let scratch = Scratch::new()?;
        Ok(Planner {
            file_bytes,
            path,
            input,
            key,
            scratch,
            shown_file: shown_path(path, &input.home),
        })
    }

    fn home(&self) -> &Path {
        &self.input.home
    }

    /// The destination resolved as if the file held `bytes`.
    fn resolve(&self, bytes: &[u8]) -> Result<ResolvedConfig, String> {
        self.scratch.resolve(self.input, bytes)
    }

    /// Why `r` does not offer the key first with IdentitiesOnly, or `None` when it does.
    fn goal_problem(&self, r: &ResolvedConfig) -> Option<String> {
        goal_problem(r, &self.key, &self.scratch, self.path, self.home())
    }

    /// The edit giving the file `new_bytes`.
    fn edit(&self, new_bytes: Vec<u8>, summary: Text) -> ConfigEdit {
        ConfigEdit {
            path: self.path.to_path_buf(),
            new_bytes,
            summary: summary.english(),
            said: Some(summary),
        }
    }
}

/// The key as an `IdentityFile` value in a config file (see [`config_text`]), unquoted.
fn key_value(key: &Path, input: &ConfigInput) -> Result<String, String> {
    Ok(render_word(
        &config_text(key, &input.home, tilde_ok(input))?,
        text::Quoting::Bare,
    ))
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
fn global_reason(k: Option<&str>) -> Text {
    match k {
        Some("identityfile") => crate::text!("config_edit.sets_keyword", keyword = "IdentityFile"),
        Some("identitiesonly") => {
            crate::text!("config_edit.sets_keyword", keyword = "IdentitiesOnly")
        }
        _ => crate::text!("config_edit.include_may_set"),
    }
}
