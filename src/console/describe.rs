//! Confirm dialogs in words: a title that says what the action does, which file and which
//! lines change, and which copy of the file is kept — read from the action's repair and its
//! diff, so the console and the onboarding flow explain every write the same way.

use super::labels;
use crate::event::ActionOffer;
use crate::i18n::{t, tf};
use crate::repair::Repair;
use std::path::Path;

/// What a confirm dialog shows, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmText {
    /// The question in the dialog's border, e.g. "Remove the stale host key for h?".
    pub title: String,
    /// The action's own one-line description.
    pub what: String,
    /// Sentences: which file, which lines, what copy is kept.
    pub words: Vec<String>,
    /// A sentence that must be read before confirming (an unverified host key), if any.
    pub caution: Option<String>,
    /// The equivalent shell command.
    pub command: String,
    /// The exact change (a unified diff, or a list).
    pub preview: String,
}

/// The dialog text for `action`; paths under `home` are shown with `~`.
pub fn confirm_text(action: &ActionOffer, home: &Path) -> ConfirmText {
    let mut words = Vec::new();
    let changes = parse_diff(&action.preview);
    for c in &changes {
        words.push(change_sentence(c, home));
    }
    match &action.repair {
        Some(Repair::Permissions { .. }) => words.push(labels::only_modes().into()),
        Some(Repair::RemotePermissions { .. }) => words.push(labels::only_remote_modes().into()),
        _ => {}
    }
    let local_write = matches!(
        action.repair,
        Some(
            Repair::Replace(_) | Repair::KnownHostsRemove { .. } | Repair::KnownHostsAppend { .. }
        )
    );
    if local_write {
        for c in changes.iter().filter(|c| !c.created) {
            words.push(labels::backup_kept(&shown(&c.file, home)));
        }
    }
    ConfirmText {
        title: labels::confirm_title(action, home),
        what: action.title.clone(),
        words,
        caution: None,
        command: action.command.clone(),
        preview: action.preview.clone(),
    }
}

/// The changes one file gets, from a unified diff.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileChange {
    /// The file, as the diff names it (absolute, or starting with `~`).
    pub file: String,
    /// Whether the file is created.
    pub created: bool,
    /// Line numbers (in the old file) of the lines removed.
    pub removed: Vec<usize>,
    /// Line numbers (in the new file) of the lines added.
    pub added: Vec<usize>,
}

/// Every file a unified diff (as [`crate::fsedit::diff`] writes it) changes, with the line
/// numbers removed and added; text that is not a diff gives nothing.
pub fn parse_diff(diff: &str) -> Vec<FileChange> {
    let mut out: Vec<FileChange> = Vec::new();
    let (mut old_line, mut new_line) = (0usize, 0usize);
    let mut old_empty = false;
    for line in diff.lines() {
        if let Some(name) = line.strip_prefix("--- ") {
            old_empty = name == "/dev/null";
            continue;
        }
        if let Some(name) = line.strip_prefix("+++ ") {
            let name = name.strip_prefix("b/").map_or(name.to_string(), |rest| {
                if rest.starts_with('~') {
                    rest.to_string()
                } else {
                    format!("/{rest}")
                }
            });
            out.push(FileChange {
                file: name,
                created: old_empty,
                ..FileChange::default()
            });
            continue;
        }
        let Some(current) = out.last_mut() else {
            continue;
        };
        if let Some(h) = line.strip_prefix("@@ -") {
            let mut parts = h.split_whitespace();
            let start = |p: Option<&str>| {
                p.and_then(|r| r.trim_start_matches('+').split(',').next())
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(0)
            };
            old_line = start(parts.next());
            new_line = start(parts.next());
            // An empty range is written as the line before it.
            if h.starts_with("0,0") {
                current.created = true;
            }
            continue;
        }
        match line.as_bytes().first() {
            Some(b'-') => {
                current.removed.push(old_line.max(1));
                old_line += 1;
            }
            Some(b'+') => {
                current.added.push(new_line.max(1));
                new_line += 1;
            }
            Some(b' ') => {
                old_line += 1;
                new_line += 1;
            }
            _ => {}
        }
    }
    out
}

/// One sentence for a file's change: "In ~/.ssh/known_hosts, line 2 is removed."
fn change_sentence(c: &FileChange, home: &Path) -> String {
    let file = shown(&c.file, home);
    if c.created {
        return labels::file_created(&file, c.added.len());
    }
    let removed = (!c.removed.is_empty()).then(|| lines_in_words(&c.removed));
    let added = (!c.added.is_empty()).then(|| lines_in_words(&c.added));
    labels::file_changed(
        &file,
        removed.as_deref(),
        c.removed.len(),
        added.as_deref(),
        c.added.len(),
    )
}

/// "line 2", "lines 2 and 5", "lines 2–4", "lines 2–4 and 9".
pub fn lines_in_words(numbers: &[usize]) -> String {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &n in numbers {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => runs.push((n, n)),
        }
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }
        })
        .collect();
    let list = match parts.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => tf(
            "console.lines.and",
            &[("rest", &rest.join(t("console.lines.sep"))), ("last", last)],
        ),
        [] => String::new(),
    };
    match numbers.len() {
        1 => tf("console.lines.one", &[("list", &list)]),
        _ => tf("console.lines.many", &[("list", &list)]),
    }
}

fn shown(file: &str, home: &Path) -> String {
    if file.starts_with('~') {
        return file.to_string();
    }
    crate::config_edit::shown_path(Path::new(file), home)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removal_names_the_file_the_line_and_the_backup() {
        let old = b"# kept\n[h]:22 ssh-ed25519 AAAA\nother ssh-ed25519 BBBB\n";
        let new = b"# kept\nother ssh-ed25519 BBBB\n";
        let diff = crate::fsedit::diff(old, new, "/home/alice/.ssh/known_hosts");
        let changes = parse_diff(&diff);
        assert_eq!(
            changes,
            [FileChange {
                file: "/home/alice/.ssh/known_hosts".into(),
                created: false,
                removed: vec![2],
                added: vec![],
            }]
        );
        let action = ActionOffer {
            title_text: None,
            id: "known_hosts.remove".into(),
            title: "Remove the stale known_hosts entries for [h]:22".into(),
            preview: diff,
            command: "ssh-keygen -R '[h]:22'".into(),
            repair: Some(Repair::KnownHostsRemove {
                name: "[h]:22".into(),
                files: vec!["/home/alice/.ssh/known_hosts".into()],
            }),
        };
        let text = confirm_text(&action, Path::new("/home/alice"));
        assert_eq!(text.title, "Remove the stale host key for [h]:22?");
        assert_eq!(
            text.words,
            [
                "In ~/.ssh/known_hosts, line 2 is removed.",
                "The file as it is now is kept as ~/.ssh/known_hosts.sshdoctor-<UTC date and time>."
            ]
        );
    }

    #[test]
    fn additions_and_new_files_in_words() {
        let diff = crate::fsedit::diff(b"a\nb\n", b"a\nb\nc\n", "/h/.ssh/known_hosts");
        let c = &parse_diff(&diff)[0];
        assert_eq!((c.removed.clone(), c.added.clone()), (vec![], vec![3]));
        assert_eq!(
            change_sentence(c, Path::new("/h")),
            "In ~/.ssh/known_hosts, a line is added as line 3."
        );
        let diff = crate::fsedit::diff(b"", b"Host x\n  User y\n", "/h/.ssh/config");
        let c = &parse_diff(&diff)[0];
        assert!(c.created, "{diff}");
        assert_eq!(
            change_sentence(c, Path::new("/h")),
            "~/.ssh/config is created, with 2 lines."
        );
        assert_eq!(lines_in_words(&[2, 3, 4, 9]), "lines 2–4 and 9");
        assert_eq!(lines_in_words(&[1, 5]), "lines 1 and 5");
    }
}
