//! Whether a transcript is this machine's user's (then the repairs that change local files are
//! offered, through the same safe writer as the probe's), and those repairs.

use crate::event::ActionOffer;
use crate::known_hosts::KnownHostsFile;
use std::path::{Path, PathBuf};

/// Who ran the ssh of a transcript, as the command line says or as the transcript shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Owner {
    /// Decide from the transcript: its paths are under this user's home and exist here, and its
    /// OpenSSH is the installed one (when it says which).
    #[default]
    Auto,
    /// `--mine`: this machine's user ran it.
    Mine,
    /// `--not-mine`: someone else did (repairs are shown as commands for them).
    NotMine,
}

/// The local paths a transcript names (config files, identities, known_hosts, keys).
pub fn paths(cores: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for core in cores {
        for word in core.split(['"', '\'', ' ']) {
            let w = word.trim_end_matches([',', '.', ':']);
            let w = w
                .rsplit_once(':')
                .filter(|(_, n)| n.parse::<usize>().is_ok())
                .map_or(w, |(p, _)| p);
            if (w.starts_with('/') || w.starts_with("~/")) && w.contains("/.ssh") && out.len() < 64
            {
                out.push(w.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether the transcript is this user's: every home path it names is under `home` and at least
/// one of them exists here, and its client version (when shown) is the installed one.
pub fn decide(owner: Owner, paths: &[String], home: &Path, version: Option<&str>) -> bool {
    match owner {
        Owner::Mine => return true,
        Owner::NotMine => return false,
        Owner::Auto => {}
    }
    let home = home.display().to_string();
    let mine = |p: &str| p.starts_with("~/") || p.starts_with(&format!("{home}/"));
    let homes: Vec<&String> = paths.iter().filter(|p| p.contains("/.ssh")).collect();
    if homes.is_empty() || !homes.iter().all(|p| mine(p)) {
        return false;
    }
    let exists = homes.iter().any(|p| expand(p, Path::new(&home)).exists());
    let same_client = match (version, installed()) {
        (Some(v), Some(installed)) => first_word(v) == first_word(installed),
        _ => true,
    };
    exists && same_client
}

/// The installed ssh's version line (`ssh -V`, run once per process).
fn installed() -> Option<&'static str> {
    static INSTALLED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    INSTALLED
        .get_or_init(|| crate::algorithms::installed_openssh().map(|(text, _)| text))
        .as_deref()
}

fn first_word(s: &str) -> &str {
    s.split([' ', ',']).next().unwrap_or(s)
}

fn expand(p: &str, home: &Path) -> PathBuf {
    match p.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => PathBuf::from(p),
    }
}

/// `permissions.fix` for a local file named in the transcript, when it exists here with
/// another mode.
pub fn chmod_action(path: &str, wanted: u32) -> Option<ActionOffer> {
    use std::os::unix::fs::PermissionsExt;
    let path = expand(path, &crate::config::home_dir());
    let meta = std::fs::symlink_metadata(&path).ok()?;
    let mode = meta.permissions().mode() & 0o7777;
    (meta.is_file() && mode != wanted)
        .then(|| crate::repair::permissions_action(&[(path, mode, wanted)]))
        .flatten()
}

/// `known_hosts.remove` for `name` in a local known_hosts file the transcript names.
pub fn remove_action(file: &str, name: &str) -> Option<ActionOffer> {
    let path = expand(file, &crate::config::home_dir());
    let (f, _) = crate::localfile::open_regular(&path, crate::localfile::DEFAULT_CAP).ok()?;
    let reader = std::io::BufReader::with_capacity(64 * 1024, f);
    let scanned = KnownHostsFile::scan(path.clone(), reader, &[name.to_string()]).ok()?;
    let kh = crate::engine::shared::KnownHosts {
        files: vec![scanned],
        first_user_file: None,
        missing: Vec::new(),
        unreadable: Vec::new(),
    };
    crate::engine::shared::remove_action(&kh, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_found_and_judged() {
        let found = paths(&[
            "identity file /home/alice/.ssh/id_rsa type 0",
            "Offending ECDSA key in /home/alice/.ssh/known_hosts:3",
            "Reading configuration data /etc/ssh/ssh_config",
        ]);
        assert_eq!(
            found,
            ["/home/alice/.ssh/id_rsa", "/home/alice/.ssh/known_hosts"]
        );
        assert!(!decide(Owner::Auto, &found, Path::new("/home/bob"), None));
        assert!(decide(Owner::Mine, &found, Path::new("/home/bob"), None));
        assert!(!decide(Owner::Auto, &[], Path::new("/home/bob"), None));
    }
}
