//! The repairs the host-key stage offers: remove stale entries, trust a presented key.

use super::KnownHosts;
use crate::engine::kex::HostKeySeen;
use crate::engine::Cx;
use crate::event::ActionOffer;
use crate::fsedit;
use crate::known_hosts::{self, KnownHostsFile, LineKind};
use crate::localfile;
use crate::repair::Repair;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// The `known_hosts.remove` action: what would be removed, as a diff per file.
pub(crate) fn remove_action(kh: &KnownHosts, name: &str) -> Option<ActionOffer> {
    let mut preview = String::new();
    let mut commands = Vec::new();
    let mut notes = Vec::new();
    let mut files = Vec::new();
    let mut keeps_other_names = false;
    for f in kh.files.iter().filter(|f| mentions(f, name)) {
        // The scan kept only a few lines: the preview streams the file as it is now, through
        // the very edit the repair will make (constant memory, whatever the file's size).
        let Ok((diff, plan)) =
            fsedit::preview_lines(&f.path, known_hosts::RemoveEdit::new(&[name]))
        else {
            continue;
        };
        if !plan.kept_markers.is_empty() {
            notes.push(format!(
                "{}: @cert-authority/@revoked lines {:?} are never removed",
                f.path.display(),
                plan.kept_markers
            ));
        }
        if plan.is_noop() {
            continue;
        }
        preview.push_str(&diff);
        files.push(f.path.clone());
        commands.push(format!(
            "ssh-keygen -R {} -f {}",
            fsedit::shell_quote(name),
            fsedit::shell_quote(&f.path.display().to_string())
        ));
        // ssh-keygen -R drops a multi-name line whole; this action keeps the other names.
        for c in plan.changes.iter().filter(|c| c.new_line.is_some()) {
            keeps_other_names = true;
            notes.push(format!(
                "{}:{}: the other names on this line are kept; `ssh-keygen -R` would delete the whole line",
                f.path.display(),
                c.line
            ));
        }
    }
    if commands.is_empty() {
        return None;
    }
    for n in notes {
        preview.push_str(&format!("# {n}\n"));
    }
    let mut command = commands.join(" && ");
    if keeps_other_names {
        command.push_str("  # beware: ssh-keygen -R also deletes the other names sharing the line");
    }
    let title = crate::text!("engine.hostkey.remove_title", name = name);
    Some(ActionOffer {
        title: title.english(),
        title_text: Some(Box::new(title)),
        id: "known_hosts.remove".into(),
        preview,
        command,
        repair: Some(Repair::KnownHostsRemove {
            name: name.to_string(),
            files,
        }),
    })
}

/// Whether any kept line of `f` (an entry, a marker line, a malformed line with a readable host
/// field) is for `name`: only such files can change when `name` is removed.
fn mentions(f: &KnownHostsFile, name: &str) -> bool {
    f.lines.iter().any(|l| match &l.kind {
        LineKind::Entry(e) => f.host_match(l, name, &e.hosts).is_match(),
        LineKind::Malformed { hosts: Some(h), .. } => f.host_match(l, name, h).is_match(),
        _ => false,
    })
}

/// How many lines a preview of an append keeps from the end of the file (diff context is 3).
const TAIL_LINES: usize = 4;

/// The last [`TAIL_LINES`] lines of a file (bytes, with their terminators) and how many lines
/// came before them, read in one pass without holding the file.
fn tail(path: &Path) -> (Vec<u8>, usize) {
    let Ok((file, _)) = localfile::open_regular(path, localfile::DEFAULT_CAP) else {
        return (Vec::new(), 0);
    };
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut ring: VecDeque<Vec<u8>> = VecDeque::with_capacity(TAIL_LINES + 1);
    let mut total = 0usize;
    let mut line = Vec::new();
    while let Ok(n) = reader.read_until(b'\n', &mut line) {
        if n == 0 {
            break;
        }
        total += 1;
        let spare = if ring.len() == TAIL_LINES {
            ring.pop_front()
        } else {
            None
        };
        ring.push_back(std::mem::replace(&mut line, spare.unwrap_or_default()));
        line.clear();
    }
    let skipped = total - ring.len();
    (ring.into_iter().flatten().collect(), skipped)
}

/// Add `offset` to the line numbers of a unified diff's hunk headers (`@@ -a,b +c,d @@`).
fn shift_hunks(diff: &str, offset: usize) -> String {
    if offset == 0 {
        return diff.to_string();
    }
    let shift = |range: &str| -> String {
        let (start, count) = match range.split_once(',') {
            Some((s, c)) => (s, Some(c)),
            None => (range, None),
        };
        let start = start
            .parse::<usize>()
            .map_or(start.to_string(), |n| (n + offset).to_string());
        match count {
            Some(c) => format!("{start},{c}"),
            None => start,
        }
    };
    diff.lines()
        .map(|l| {
            let parts: Vec<&str> = l.split(' ').collect();
            match parts.as_slice() {
                ["@@", old, new, "@@", ..] if old.starts_with('-') && new.starts_with('+') => {
                    format!(
                        "@@ -{} +{} @@{}\n",
                        shift(&old[1..]),
                        shift(&new[1..]),
                        &l[l.rfind("@@").map_or(l.len(), |i| i + 2)..]
                    )
                }
                _ => format!("{l}\n"),
            }
        })
        .collect()
}

/// The `hostkey.trust` action: append the presented key the way OpenSSH records it.
pub(crate) fn trust_action(
    cx: &Cx,
    kh: &KnownHosts,
    name: &str,
    seen: &HostKeySeen,
) -> Option<ActionOffer> {
    let HostKeySeen::Key(key) = seen else {
        return None; // a certificate is trusted through its CA, not recorded as a key
    };
    let file = kh
        .first_user_file
        .clone()
        .filter(|f| f != Path::new("/dev/null"))?;
    let hash = cx
        .config
        .get("hashknownhosts")
        .is_some_and(|v| v.value == "yes");
    let line = known_hosts::format_entry(name, key, hash);
    // Only the file's end is needed to preview an append (the scan did not keep its bytes).
    let (old, skipped) = tail(&file);
    let new = known_hosts::append_entry(&old, &line);
    let shown = file.display().to_string();
    let plain = known_hosts::format_entry(name, key, false);
    let mut command = format!(
        "echo {} >> {}",
        fsedit::shell_quote(&plain),
        fsedit::shell_quote(&shown)
    );
    if hash {
        command.push_str(&format!(
            " && ssh-keygen -H -f {}",
            fsedit::shell_quote(&shown)
        ));
    }
    let title = crate::text!(
        "engine.hostkey.trust_title",
        algorithm = seen.algorithm(),
        fingerprint = seen.fingerprint(),
        name = name,
    );
    Some(ActionOffer {
        title: title.english(),
        title_text: Some(Box::new(title)),
        id: "hostkey.trust".into(),
        preview: shift_hunks(&fsedit::diff(&old, &new, &shown), skipped),
        command,
        repair: Some(Repair::KnownHostsAppend { file, line }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The preview of an append made from the file's tail equals the diff of the whole file.
    #[test]
    fn tail_preview_equals_the_full_diff() {
        let dir = tempfile::tempdir().unwrap();
        for text in [
            "",
            "a\n",
            "a\nb\nc\nd\ne\nf\ng\n",
            "1\n2\n3\n4\n5\n6\nno newline",
            "x\r\ny\r\n",
        ] {
            let path = dir.path().join("kh");
            std::fs::write(&path, text).unwrap();
            let full_new = known_hosts::append_entry(text.as_bytes(), "host ssh-ed25519 AAAA");
            let full = fsedit::diff(text.as_bytes(), &full_new, "kh");
            let (old, skipped) = tail(&path);
            let new = known_hosts::append_entry(&old, "host ssh-ed25519 AAAA");
            assert_eq!(
                shift_hunks(&fsedit::diff(&old, &new, "kh"), skipped),
                full,
                "{text:?}"
            );
        }
    }
}
