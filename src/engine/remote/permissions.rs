//! The `remote.permissions.fix` repair: the action offered for the StrictModes violations the
//! account can fix itself, and the confirmed chmods carried out over SFTP.

use super::{stat, Account};
use crate::event::ActionOffer;
use crate::i18n::Text;
use crate::remote_rules::Violation;
use crate::repair::{RemoteChmod, Repair};
use crate::text;
use russh_sftp::protocol::FileAttributes;

/// chmod one path on the server (SFTP setstat; only the permission bits are sent).
pub(crate) async fn chmod(acc: &Account, path: &str, mode: u32) -> Result<(), String> {
    let attrs = FileAttributes {
        permissions: Some(mode & 0o7777),
        ..FileAttributes::empty()
    };
    acc.sftp
        .set_metadata(path.to_string(), attrs)
        .await
        .map_err(|e| format!("chmod {mode:04o} {path}: {e}"))
}

/// The `remote.permissions.fix` action for every violation a chmod by the account repairs:
/// paths it owns (a chmod of someone else's file, or root's, fails with EPERM; those need the
/// administrator, as the finding says).
pub(crate) fn permissions_action(
    host: &str,
    uid: Option<u32>,
    violations: &[Violation],
) -> Option<ActionOffer> {
    let changes: Vec<RemoteChmod> = violations
        .iter()
        .filter(|v| Some(v.uid) == uid)
        .filter_map(|v| {
            v.fixed_mode.map(|to| RemoteChmod {
                path: v.path.clone(),
                from: v.mode & 0o7777,
                to,
            })
        })
        .collect();
    if changes.is_empty() {
        return None;
    }
    let preview = changes
        .iter()
        .map(|c| format!("{}: mode {:04o} -> {:04o}", c.path, c.from, c.to))
        .collect::<Vec<_>>()
        .join("\n");
    // Two shells read this: the local one takes the remote command as one word, the remote
    // one splits it into quoted paths.
    let remote_command = format!(
        "chmod go-w {}",
        changes
            .iter()
            .map(|c| crate::fsedit::shell_quote(&c.path))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let title = crate::text!("engine.remote.permissions_title");
    Some(ActionOffer {
        id: "remote.permissions.fix".into(),
        title: title.english(),
        title_text: Some(Box::new(title)),
        preview,
        command: format!(
            "ssh {} {}",
            crate::fsedit::shell_quote(host),
            crate::fsedit::shell_quote(&remote_command)
        ),
        repair: Some(Repair::RemotePermissions { changes }),
    })
}

/// The confirmed chmods, each only where the path still has the mode that was shown (looked
/// at again just before; else it is left alone); one failing does not stop the others.
/// Whether any changed, and a line for each path saying what happened.
pub(crate) async fn apply_chmods(acc: &Account, wanted: &[RemoteChmod]) -> (bool, Vec<String>) {
    let (changed, notes) = apply_chmods_text(acc, wanted).await;
    (changed, notes.iter().map(Text::english).collect())
}

/// [`apply_chmods`], its lines in no language yet.
pub(crate) async fn apply_chmods_text(acc: &Account, wanted: &[RemoteChmod]) -> (bool, Vec<Text>) {
    let mut changed = false;
    let mut notes = Vec::new();
    for c in wanted {
        let still = matches!(stat(acc, &c.path).await, Ok(Some(st)) if st.mode & 0o7777 == c.from);
        let (from, to) = (format!("{:04o}", c.from), format!("{:04o}", c.to));
        if !still {
            notes.push(text!(
                "engine.remote.mode_moved",
                path = &c.path,
                from = from
            ));
            continue;
        }
        match chmod(acc, &c.path, c.to).await {
            Ok(()) => {
                changed = true;
                notes.push(text!(
                    "engine.remote.mode_changed",
                    path = &c.path,
                    from = from,
                    to = to
                ));
            }
            Err(e) => notes.push(Text::from(e)),
        }
    }
    (changed, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote_rules::{PathRole, ViolationKind};
    #[test]
    fn the_suggested_chmod_survives_both_shells_and_skips_others_paths() {
        let v = |path: &str, uid: u32| Violation {
            path: path.into(),
            role: PathRole::SshDir,
            uid,
            mode: 0o040775,
            kinds: vec![ViolationKind::WritableByOthers],
            fixed_mode: Some(0o755),
        };
        let action = permissions_action(
            "web",
            Some(1001),
            &[v("/home/a b/.ssh", 1001), v("/srv/shared", 0)],
        )
        .unwrap();
        assert_eq!(
            action.command,
            r#"ssh web 'chmod go-w '\''/home/a b/.ssh'\'''"#
        );
        let Some(Repair::RemotePermissions { changes }) = &action.repair else {
            panic!("no repair")
        };
        assert_eq!(changes.len(), 1, "root's path is not offered");
        assert!(permissions_action("web", Some(1001), &[v("/srv/shared", 0)]).is_none());
        assert!(permissions_action("web", None, &[v("/home/a/.ssh", 1001)]).is_none());
    }
}
