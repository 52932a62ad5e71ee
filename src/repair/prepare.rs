//! Making an offered action ready to confirm: `permissions.fix` gathers every permission
//! change the report offers into one, and an edit of a hard-linked file says that the other
//! links keep the old content.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{permissions_action, Repair};
use crate::event::{ActionOffer, Finding};
use crate::fsedit;
use crate::i18n::Text;
use crate::text;

/// The action to show, confirm and apply when the user picks `action` among `findings`'
/// offers. Every front end calls this before asking (`--fix`, the console, onboarding).
///
/// * `permissions.fix`: one action for every path any `permissions.fix` offer of the report
///   names (a key from the auth stage, the config file and `~/.ssh` from the config stage),
///   directories first, each with its mode as it is now; paths already right are left out.
/// * An edit of a file with other hard links: a note at the end of the preview that those
///   links keep the old content (the edit replaces the file by rename, see
///   [`crate::fsedit`]).
pub fn prepare(action: &ActionOffer, findings: &[Finding]) -> ActionOffer {
    let mut action = if action.id == "permissions.fix" {
        merge_permissions(action, findings)
    } else {
        action.clone()
    };
    for note in link_notes(action.repair.as_ref()) {
        if !action.preview.is_empty() && !action.preview.ends_with('\n') {
            action.preview.push('\n');
        }
        let note = text!("repair.note", note = note).render(crate::i18n::current());
        action.preview.push_str(&format!("{note}\n"));
    }
    action
}

/// Every path of every `permissions.fix` offer (the asked-for one first), each once with the
/// strictest mode asked for it.
fn merge_permissions(action: &ActionOffer, findings: &[Finding]) -> ActionOffer {
    let offers = std::iter::once(action).chain(
        findings
            .iter()
            .flat_map(|f| &f.actions)
            .filter(|a| a.id == "permissions.fix"),
    );
    let mut wanted: Vec<(PathBuf, u32)> = Vec::new();
    for offer in offers {
        let Some(Repair::Permissions { changes }) = &offer.repair else {
            continue;
        };
        for (path, mode) in changes {
            match wanted.iter_mut().find(|(p, _)| p == path) {
                Some((_, w)) => *w &= *mode,
                None => wanted.push((path.clone(), *mode)),
            }
        }
    }
    // A directory before the files in it (sort is stable).
    wanted.sort_by_key(|(p, _)| !p.is_dir());
    let items: Vec<(PathBuf, u32, u32)> = wanted
        .into_iter()
        .filter_map(|(path, want)| {
            let now = std::fs::metadata(&path).ok()?.mode() & 0o7777;
            (now != want).then_some((path, now, want))
        })
        .collect();
    let Some(mut merged) = permissions_action(&items) else {
        let mut unchanged = action.clone();
        let nothing = text!("repair.modes_already_right").render(crate::i18n::current());
        unchanged.preview = format!("{nothing}\n");
        unchanged.repair = Some(Repair::Permissions {
            changes: Vec::new(),
        });
        return unchanged;
    };
    if items.len() > 1 {
        let title = text!("repair.permissions_title_many", n = items.len());
        merged.title = title.english();
        merged.title_text = Some(Box::new(title));
    }
    merged
}

/// Notes for the files `repair` replaces that have other hard links.
fn link_notes(repair: Option<&Repair>) -> Vec<Text> {
    let files: Vec<&Path> = match repair {
        Some(Repair::KnownHostsRemove { files, .. }) => {
            files.iter().map(PathBuf::as_path).collect()
        }
        Some(Repair::KnownHostsAppend { file, .. }) => vec![file.as_path()],
        Some(Repair::Replace(edit) | Repair::SshdConfig { edit, .. }) => vec![edit.path.as_path()],
        _ => Vec::new(),
    };
    files
        .into_iter()
        .filter_map(|file| {
            let links = std::fs::metadata(file).ok()?.nlink();
            (links > 1).then(|| {
                text!(
                    "repair.hard_links",
                    path = file,
                    links = links,
                    others = links - 1,
                    quoted = fsedit::shell_quote(&file.display().to_string())
                )
            })
        })
        .collect()
}
