//! The repairs server mode offers, as actions on its findings: chmods (StrictModes, host
//! keys; the shared `permissions.fix`), creating the privilege separation directory, and an
//! sshd_config edit shown as a diff with its command. All are applied only when confirmed,
//! as root, through [`crate::repair`]; none reloads or restarts sshd.

use super::Seen;
use crate::event::{ActionOffer, Finding};
use crate::fsedit::{self, shell_quote};
use crate::repair::Repair;
use crate::text;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One chmod to offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chmod {
    /// The path.
    pub path: PathBuf,
    /// Its mode now.
    pub from: u32,
    /// The mode it gets.
    pub to: u32,
}

/// `permissions.fix` for these chmods (the id every front end merges into one change).
pub(crate) fn chmod_action(chmods: &[Chmod]) -> Option<ActionOffer> {
    let items: Vec<(PathBuf, u32, u32)> = chmods
        .iter()
        .map(|c| (c.path.clone(), c.from, c.to))
        .collect();
    crate::repair::permissions_action(&items)
}

/// `server.privsep.create` on a `server.privsep_missing` finding.
pub(crate) fn privsep_create(f: Finding, dir: &Path) -> Finding {
    let q = shell_quote(&dir.display().to_string());
    let mut f = f.fix_text(text!("server.repairs.privsep_create_fix", q = &q));
    let title = text!("server.repairs.privsep_create_title", dir = dir);
    f.actions.push(ActionOffer {
        title: title.english(),
        title_text: Some(Box::new(title)),
        id: "server.privsep.create".into(),
        preview: format!("mkdir {}: mode 0755, owner root\n# sshd is not restarted: new connections use the directory at once\n", dir.display()),
        command: format!("mkdir -m 0755 {q}"),
        repair: Some(Repair::CreateDir { path: dir.to_path_buf(), mode: 0o755 }),
    });
    f
}

/// The fix of a privilege separation directory with bad modes (a chmod when root owns it).
pub(crate) fn privsep_fix(mut f: Finding, dir: &Path, meta: &std::fs::Metadata) -> Finding {
    let q = shell_quote(&dir.display().to_string());
    if meta.is_dir() && meta.uid() == 0 {
        let chmod = Chmod {
            path: dir.to_path_buf(),
            from: meta.mode() & 0o7777,
            to: meta.mode() & 0o7755,
        };
        f.actions.extend(chmod_action(&[chmod]));
        f.fix_text(text!("server.repairs.privsep_chmod_fix", q = q))
    } else {
        f.fix_text(text!("server.repairs.privsep_remake_fix", q = q))
    }
}

/// `server.allow_user`: add `AllowUsers NAME` right after the config file's last AllowUsers
/// line (sshd adds up every AllowUsers line, so the others keep their meaning). Offered only
/// when that line is in the main config file, outside of an Include; the edit is written
/// only after `sshd -t` accepts the edited copy.
pub(crate) fn allow_user(seen: &Seen, user: &str, why: &str) -> Option<ActionOffer> {
    let portable = !user.is_empty()
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if why != "not listed in AllowUsers" || !portable {
        return None;
    }
    let path = std::fs::canonicalize(&seen.config_path).ok()?;
    let old = std::fs::read(&path).ok().filter(|b| b.len() < 16 << 20)?;
    let (new, line) = insert_allow_user(&old, user)?;
    let edit = fsedit::Edit {
        path: path.clone(),
        old: Some(old),
        new,
    };
    let mut preview = edit.diff();
    preview.push_str(&format!(
        "# written only after `sshd -t` accepts the edited copy; a backup is kept\n# {}\n",
        crate::repair::RELOAD_NOTE
    ));
    let title = text!("server.repairs.allow_user_title", user = user, path = &path);
    Some(ActionOffer {
        title: title.english(),
        title_text: Some(Box::new(title)),
        id: "server.allow_user".into(),
        preview,
        command: format!(
            "cp -p {f} {f}.bak && sed -i '{line}a AllowUsers {user}' {f} && sshd -t -f {f}   # then: systemctl reload ssh",
            f = shell_quote(&path.display().to_string())
        ),
        repair: Some(Repair::SshdConfig { edit, sshd: seen.binary.clone()? }),
    })
}

/// The content with `AllowUsers USER` inserted after the last AllowUsers line (same
/// indentation and line ending), and that line's number; `None` when the file has none.
pub(crate) fn insert_allow_user(old: &[u8], user: &str) -> Option<(Vec<u8>, usize)> {
    let mut offset = 0;
    let mut after: Option<(usize, Vec<u8>, &[u8], usize)> = None;
    for (number, line) in old.split_inclusive(|&b| b == b'\n').enumerate() {
        offset += line.len();
        let text = String::from_utf8_lossy(line);
        let trimmed = text.trim_start();
        let keyword = trimmed
            .split(|c: char| c.is_whitespace() || c == '=')
            .next()
            .unwrap_or("");
        if keyword.eq_ignore_ascii_case("match") && after.is_some() {
            break; // a Match block starts: the global AllowUsers line is the one before it
        }
        if keyword.eq_ignore_ascii_case("allowusers") {
            let indent = line[..line.len() - trimmed.len().min(line.len())].to_vec();
            let ending: &[u8] = if line.ends_with(b"\r\n") {
                b"\r\n"
            } else {
                b"\n"
            };
            after = Some((offset, indent, ending, number + 1));
        }
    }
    let (at, indent, ending, number) = after?;
    let mut new = old[..at].to_vec();
    if !new.ends_with(b"\n") {
        new.extend_from_slice(ending);
    }
    new.extend_from_slice(&indent);
    new.extend_from_slice(format!("AllowUsers {user}").as_bytes());
    new.extend_from_slice(ending);
    new.extend_from_slice(&old[at..]);
    Some((new, number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_users_goes_after_the_last_global_line_keeping_bytes() {
        let old = b"Port 22\r\nAllowUsers alice\r\n  allowusers carol\r\nMatch User x\r\n  AllowUsers y\r\n";
        let (new, line) = insert_allow_user(old, "bob").unwrap();
        assert_eq!(new, b"Port 22\r\nAllowUsers alice\r\n  allowusers carol\r\n  AllowUsers bob\r\nMatch User x\r\n  AllowUsers y\r\n");
        assert_eq!(line, 3);
        assert_eq!(
            insert_allow_user(b"AllowUsers a", "b").unwrap().0,
            b"AllowUsers a\nAllowUsers b\n"
        );
        assert_eq!(insert_allow_user(b"Port 22\n", "b"), None);
    }
}
