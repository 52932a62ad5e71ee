//! The onboarding's `Host ALIAS` block (HostName, User, Port, IdentityFile, `IdentitiesOnly
//! yes`), planned and verified like every other config edit.

use std::path::Path;

use super::host_in_place;
use super::insert::insert_block;
use super::text::{detect_indent, split_lines};
use super::verify::ensure_user_config;
use super::{absolute, host_pattern, key_value, shown_path, ConfigEdit, Planner};
use crate::config::{ConfigInput, ResolvedConfig};
use crate::i18n::Text;
use crate::text;

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
/// [`super::identities_only`]'s does (before every other block; at the top, followed by
/// `Host *`, when a global line sets one of its keywords). Verified by resolving `ssh ALIAS`
/// (no command-line options) afterwards; when that already gives these values nothing changes.
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
    plain("the host name", b.hostname)?;
    plain("the user name", b.user)?;
    let value = key_value(&key, input)?;
    let mut next = input.clone();
    next.host = alias.to_string();
    next.options.clear();
    let p = Planner::new(file_bytes, path, &next, key)?;
    let shown_file = &p.shown_file;
    let before = p.resolve(file_bytes)?;
    if problem(&p, b, &before).is_none() {
        return Ok(p.edit(
            file_bytes.to_vec(),
            text!("config_edit.host_nothing", file = shown_file, alias = alias),
        ));
    }
    if let Some(edit) = in_place(&p, b, alias, &value, &before)? {
        return Ok(edit);
    }
    let inserted = insert_block(
        file_bytes,
        block_lines(b, alias, &value, file_bytes),
        &[
            "hostname",
            "user",
            "port",
            "identityfile",
            "identitiesonly",
            "include",
        ],
    );
    let after = p.resolve(&inserted.out)?;
    if let Some(why) = problem(&p, b, &after) {
        return Err(format!(
            "cannot make `ssh {alias}` use these settings by editing {shown_file}: after the edit {why}"
        ));
    }
    let place = inserted.place(shown_file, |k| match k {
        Some(k) => text!("config_edit.sets_keyword", keyword = k),
        None => text!("config_edit.sets_a_setting"),
    });
    let add = text!("config_edit.add_host_block", alias = alias, place = place);
    Ok(p.edit(inserted.out, logs_in_as(add, b, alias, &p.key, home)))
}

/// The alias's own block, completed where it is, when that is enough (verified as the new
/// block is); `None` sends the caller on to insert a block.
fn in_place(
    p: &Planner<'_>,
    b: &HostBlock<'_>,
    alias: &str,
    value: &str,
    before: &ResolvedConfig,
) -> Result<Option<ConfigEdit>, String> {
    let goal = host_in_place::Goal {
        alias,
        settings: vec![
            ("HostName", b.hostname.to_string()),
            ("User", b.user.to_string()),
            ("Port", b.port.to_string()),
            ("IdentitiesOnly", "yes".to_string()),
        ],
        key: &p.key,
        key_value: value,
    };
    let Some(plan) =
        host_in_place::plan(p.file_bytes, &goal, before, p.scratch.path(), &p.shown_file)
    else {
        return Ok(None);
    };
    if problem(p, b, &p.resolve(&plan.out)?).is_some() {
        return Ok(None);
    }
    let summary = logs_in_as(plan.what, b, alias, &p.key, &p.input.home);
    Ok(Some(p.edit(plan.out, summary)))
}

/// "`what`; then `ssh ALIAS` logs in as USER on HOST port N with KEY only."
fn logs_in_as(what: Text, b: &HostBlock<'_>, alias: &str, key: &Path, home: &Path) -> Text {
    text!(
        "config_edit.then_logs_in",
        what = what,
        alias = alias,
        user = b.user,
        host = b.hostname,
        port = b.port,
        key = shown_path(key, home)
    )
}

/// Err when `v` cannot be written as a plain word in ssh_config.
fn plain(what: &str, v: &str) -> Result<(), String> {
    if v.is_empty()
        || v.chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'#%".contains(c))
    {
        Err(format!("cannot write {what} \"{v}\" in an ssh_config file"))
    } else {
        Ok(())
    }
}

/// Why `ssh ALIAS` resolved as `r` does not use the block's settings, or `None` when it does.
fn problem(p: &Planner<'_>, b: &HostBlock<'_>, r: &ResolvedConfig) -> Option<String> {
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
    p.goal_problem(r)
}

/// The block's lines, indented as the file's blocks are; `value` is the key as written.
fn block_lines(b: &HostBlock<'_>, alias: &str, value: &str, file_bytes: &[u8]) -> Vec<String> {
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
    block
}
