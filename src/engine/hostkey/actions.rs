//! The repairs the host-key stage offers: remove stale entries, trust a presented key.

use super::KnownHosts;
use crate::engine::kex::HostKeySeen;
use crate::engine::Cx;
use crate::event::ActionOffer;
use crate::fsedit;
use crate::known_hosts::{self, KnownHostsFile};
use crate::repair::Repair;
use std::path::Path;

/// The `known_hosts.remove` action: what would be removed, as a diff per file.
pub(crate) fn remove_action(kh: &KnownHosts, name: &str) -> Option<ActionOffer> {
    let mut preview = String::new();
    let mut commands = Vec::new();
    let mut notes = Vec::new();
    let mut files = Vec::new();
    let mut keeps_other_names = false;
    for f in &kh.files {
        let bytes = f.to_bytes();
        let plan = known_hosts::remove_host(&bytes, &[name]);
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
        preview.push_str(&fsedit::diff(
            &bytes,
            &plan.new_bytes,
            &f.path.display().to_string(),
        ));
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
    Some(ActionOffer {
        id: "known_hosts.remove".into(),
        title: format!("Remove the stale known_hosts entries for {name}"),
        preview,
        command,
        repair: Some(Repair::KnownHostsRemove {
            name: name.to_string(),
            files,
        }),
    })
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
    let old = kh
        .files
        .iter()
        .find(|f| f.path == file)
        .map(KnownHostsFile::to_bytes)
        .unwrap_or_default();
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
    Some(ActionOffer {
        id: "hostkey.trust".into(),
        title: format!(
            "Trust {} {} for {name} (only after comparing the fingerprint)",
            seen.algorithm(),
            seen.fingerprint()
        ),
        preview: fsedit::diff(&old, &new, &shown),
        command,
        repair: Some(Repair::KnownHostsAppend { file, line }),
    })
}
