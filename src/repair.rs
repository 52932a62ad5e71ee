//! Applying the repairs findings offer: every write goes through [`crate::fsedit`]
//! (previewed, atomic, every other byte kept, a backup that never overwrites an older one).

use crate::event::ActionOffer;
use crate::fsedit::{self, Applied, EditError, EditOptions};
use crate::known_hosts;
use std::path::PathBuf;

/// The change a repair makes, recomputed from the file's bytes at the moment of writing, so a
/// line appended meanwhile (an ssh recording a key) is never lost.
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

/// Apply a repair; returns what was written, file by file.
pub fn apply(repair: &Repair) -> Result<Vec<Applied>, EditError> {
    match repair {
        Repair::KnownHostsRemove { name, files } => files
            .iter()
            .map(|file| {
                fsedit::apply_edit(file, &EditOptions::new(), |old: Option<&[u8]>| {
                    let plan = known_hosts::remove_host(old.unwrap_or_default(), &[name.as_str()]);
                    Ok::<_, EditError>((!plan.is_noop()).then_some(plan.new_bytes))
                })
            })
            .collect(),
        Repair::Permissions { changes } => changes
            .iter()
            .map(|(path, mode)| {
                let changed = fsedit::set_mode(path, *mode)?;
                Ok(Applied {
                    path: path.clone(),
                    backup: None,
                    diff: changed.map_or_else(String::new, |(old, new)| {
                        format!("mode {old:04o} -> {new:04o}")
                    }),
                    changed: changed.is_some(),
                    created: false,
                })
            })
            .collect(),
        Repair::Replace(edit) => {
            Ok(vec![edit.apply(
                &EditOptions::new().create(0o600).create_dir(0o700),
            )?])
        }
        Repair::RemotePermissions { .. } => Err(EditError::NotLocal(
            "this repair is made on the server, by a new run of the checks".into(),
        )),
        Repair::KnownHostsAppend { file, line } => {
            let opts = EditOptions::new().create(0o644).create_dir(0o700);
            let applied = fsedit::apply_edit(file, &opts, |old: Option<&[u8]>| {
                let old = old.unwrap_or_default();
                let already = old
                    .split(|&b| b == b'\n')
                    .any(|l| l.strip_suffix(b"\r").unwrap_or(l) == line.as_bytes());
                Ok::<_, EditError>((!already).then(|| known_hosts::append_entry(old, line)))
            })?;
            Ok(vec![applied])
        }
    }
}

/// An action that edits the user's ssh_config as `edit` says (already verified by re-resolving).
pub fn config_action(
    id: &str,
    title: String,
    old: Option<Vec<u8>>,
    edit: crate::config_edit::ConfigEdit,
    command: String,
) -> ActionOffer {
    let replace = fsedit::Edit {
        path: edit.path,
        old,
        new: edit.new_bytes,
    };
    ActionOffer {
        id: id.into(),
        title: format!("{title} ({})", edit.summary),
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
        .map(|(p, now, want)| format!("{}: mode {now:04o} -> {want:04o}\n", p.display()))
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
    Some(ActionOffer {
        id: "permissions.fix".into(),
        title: "Set the permissions OpenSSH requires".into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_creates_and_is_idempotent_and_remove_keeps_other_names() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub").join("known_hosts");
        let line = "[h]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFSod2qGxYM4T/ZbDUm9HbZjQ3rmcQOYx4nIUsWVh6sx".to_string();
        let r = Repair::KnownHostsAppend {
            file: file.clone(),
            line: line.clone(),
        };
        apply(&r).unwrap();
        apply(&r).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), format!("{line}\n"));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o644
        );
        assert_eq!(
            std::fs::metadata(file.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
        std::fs::write(&file, format!("# keep\n[h]:2222,other {}\n", &line[9..])).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let applied = apply(&Repair::KnownHostsRemove {
            name: "[h]:2222".into(),
            files: vec![file.clone()],
        })
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            format!("# keep\nother {}\n", &line[9..])
        );
        let backup = applied[0].backup.as_ref().expect("a backup");
        assert!(std::fs::read_to_string(backup)
            .unwrap()
            .contains("[h]:2222,other"));
    }
}
