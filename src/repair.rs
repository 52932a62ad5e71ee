//! Applying the repairs findings offer: every write goes through [`crate::fsedit`]
//! (previewed, atomic, every other byte kept, a backup that never overwrites an older one);
//! [`prepare`] readies an offer for confirmation, [`apply`] carries it out.

#[cfg(test)]
mod i18n_tests;
mod prepare;
mod server;
#[cfg(test)]
mod tests;

pub use server::RELOAD_NOTE;

pub use prepare::prepare;

use crate::event::ActionOffer;
use crate::fsedit::{self, Applied, EditError, EditOptions};
use crate::i18n::Text;
use crate::known_hosts;
use crate::text;
use std::path::{Path, PathBuf};

/// The change a repair makes, computed from the file as it is at the moment of writing (known_hosts
/// edits stream through the file and carry over lines an ssh appends meanwhile, see
/// [`crate::fsedit`]), so nothing written since the diagnosis is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// Remove this host's name (hashed or plain, `[host]:port` form) from these known_hosts files.
    KnownHostsRemove {
        /// The lookup name, e.g. `[127.0.0.1]:2222`.
        name: String,
        /// Files holding it.
        files: Vec<PathBuf>,
    },
    /// Set the permission bits OpenSSH requires (private keys 0600, ~/.ssh 0700, config 0600).
    Permissions {
        /// Each path and the mode it gets.
        changes: Vec<(PathBuf, u32)>,
    },
    /// Replace a file's content with an edit that was previewed (ssh_config changes); refused
    /// when the file changed since the preview. Created 0600 in a 0700 directory when missing.
    Replace(fsedit::Edit),
    /// chmod paths on the server (sshd's StrictModes); applied over SFTP by a new run of the
    /// engine (`Plan::remote_fix`), which checks each path still has the mode shown.
    RemotePermissions {
        /// Each path, its mode when previewed and the mode it gets.
        changes: Vec<RemoteChmod>,
    },
    /// Create a directory (sshd's privilege separation directory) with this mode.
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Its mode.
        mode: u32,
    },
    /// Edit sshd_config as previewed, only once `sshd -t` accepts the edited copy; sshd is
    /// neither reloaded nor restarted.
    SshdConfig {
        /// The previewed edit (refused when the file changed since).
        edit: fsedit::Edit,
        /// The sshd binary that checks the edited copy.
        sshd: PathBuf,
    },
    /// Append one known_hosts line (created 0644, in a 0700 directory, when missing).
    KnownHostsAppend {
        /// The first UserKnownHostsFile.
        file: PathBuf,
        /// The exact line, as OpenSSH would write it.
        line: String,
    },
}

/// One chmod on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteChmod {
    /// The absolute path on the server.
    pub path: String,
    /// Its permission bits when the action was offered.
    pub from: u32,
    /// The permission bits it gets.
    pub to: u32,
}

impl Repair {
    /// Whether this repair is carried out on the server (by a new run), not on local files.
    pub fn is_remote(&self) -> bool {
        matches!(self, Repair::RemotePermissions { .. })
    }
}

/// Apply a repair; returns what was done, file by file.
///
/// A repair touching several files first checks that every one of them can be changed
/// ([`fsedit::check_can_edit`], [`fsedit::check_can_chmod`]) and changes none when one
/// cannot. When a change fails after others were made (an error no check foresees, such as
/// a full disk), the error is [`EditError::Partial`], listing what was changed.
pub fn apply(repair: &Repair) -> Result<Vec<Applied>, EditError> {
    match repair {
        Repair::KnownHostsRemove { name, files } => {
            let opts = EditOptions::new();
            for file in files {
                fsedit::check_can_edit(file, &opts)?;
            }
            each(files, |file| {
                let (applied, _) = fsedit::apply_lines(file, &opts, || {
                    known_hosts::RemoveEdit::new(&[name.as_str()])
                })?;
                Ok(applied)
            })
        }
        Repair::Permissions { changes } => {
            for (path, mode) in changes {
                if !mode_is(path, *mode) {
                    fsedit::check_can_chmod(path)?;
                }
            }
            each(changes, |(path, mode)| {
                let changed = fsedit::set_mode(path, *mode)?;
                let mut applied = Applied::unchanged(path.clone());
                applied.changed = changed.is_some();
                applied.mode = Some(changed.unwrap_or((*mode, *mode)));
                Ok(applied)
            })
        }
        Repair::Replace(edit) => {
            Ok(vec![edit.apply(
                &EditOptions::new().create(0o600).create_dir(0o700),
            )?])
        }
        Repair::RemotePermissions { .. } => Err(EditError::NotLocal(
            text!("repair.not_local").render(crate::i18n::current()),
        )),
        Repair::CreateDir { path, mode } => Ok(vec![server::create_dir(path, *mode)?]),
        Repair::SshdConfig { edit, sshd } => Ok(vec![server::sshd_config(edit, sshd)?]),
        Repair::KnownHostsAppend { file, line } => {
            let opts = EditOptions::new().create(0o644).create_dir(0o700);
            let (applied, _) =
                fsedit::apply_lines(file, &opts, || known_hosts::AppendEdit::new(line))?;
            Ok(vec![applied])
        }
    }
}

/// Whether `path` already has exactly the permission bits `mode`.
fn mode_is(path: &Path, mode: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).is_ok_and(|m| m.mode() & 0o7777 == mode)
}

/// Runs `step` on each item in order; a failure after some steps changed something becomes
/// [`EditError::Partial`], so the error never hides what was done.
fn each<T>(
    items: &[T],
    mut step: impl FnMut(&T) -> Result<Applied, EditError>,
) -> Result<Vec<Applied>, EditError> {
    let mut done = Vec::new();
    for item in items {
        match step(item) {
            Ok(applied) => done.push(applied),
            Err(error) => {
                done.retain(|a: &Applied| a.changed);
                return Err(if done.is_empty() {
                    error
                } else {
                    EditError::Partial {
                        done,
                        error: Box::new(error),
                    }
                });
            }
        }
    }
    Ok(done)
}

/// An action that edits the user's ssh_config as `edit` says (already verified by re-resolving).
pub fn config_action(
    id: &str,
    title: String,
    old: Option<Vec<u8>>,
    edit: crate::config_edit::ConfigEdit,
    command: String,
) -> ActionOffer {
    config_action_text(id, Text::from(title), old, edit, command)
}

/// [`config_action`] with its title in no language yet: the action's title is shown in the
/// front end's language, the edit's summary with it.
pub fn config_action_text(
    id: &str,
    title: Text,
    old: Option<Vec<u8>>,
    edit: crate::config_edit::ConfigEdit,
    command: String,
) -> ActionOffer {
    let summary = edit.summary_text();
    let replace = fsedit::Edit {
        path: edit.path,
        old,
        new: edit.new_bytes,
    };
    let title = text!("repair.config_title", title = title, summary = summary);
    ActionOffer {
        id: id.into(),
        title: title.english(),
        title_text: Some(Box::new(title)),
        preview: replace.diff(),
        command,
        repair: Some(Repair::Replace(replace)),
    }
}

/// The `permissions.fix` action for files whose modes OpenSSH rejects: `(path, current, wanted)`.
pub fn permissions_action(items: &[(PathBuf, u32, u32)]) -> Option<ActionOffer> {
    if items.is_empty() {
        return None;
    }
    let preview = items
        .iter()
        .map(|(p, now, want)| format!("{}: mode {now:04o} → {want:04o}\n", p.display()))
        .collect();
    let command = items
        .iter()
        .map(|(p, _, want)| {
            format!(
                "chmod {want:o} {}",
                fsedit::shell_quote(&p.display().to_string())
            )
        })
        .collect::<Vec<_>>()
        .join(" && ");
    let title = text!("repair.permissions_title");
    Some(ActionOffer {
        id: "permissions.fix".into(),
        title: title.english(),
        title_text: Some(Box::new(title)),
        preview,
        command,
        repair: Some(Repair::Permissions {
            changes: items
                .iter()
                .map(|(p, _, want)| (p.clone(), *want))
                .collect(),
        }),
    })
}
