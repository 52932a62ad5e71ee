//! Local permission checks that make ssh refuse to run or that weaken the client's files.
//!
//! OpenSSH's `readconf.c` refuses a user config file (`~/.ssh/config`, and every `Include`d
//! file) owned by someone other than the user or root, or writable by group or others
//! ("Bad owner or permissions on"); a `-F` file and the system file are not checked.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::config::ResolvedConfig;

/// What kind of local problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalProblemKind {
    /// ssh refuses to read this config file: "Bad owner or permissions on FILE".
    ConfigBadPermissions {
        /// Permission bits.
        mode: u32,
        /// Owner uid.
        owner: u32,
    },
    /// `~/.ssh` is writable by others.
    SshDirPermissions {
        /// Permission bits.
        mode: u32,
    },
}

/// A local permission problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalProblem {
    /// What is wrong.
    pub kind: LocalProblemKind,
    /// The file or directory.
    pub path: PathBuf,
}

/// ssh's config permission rule (`read_config_file_depth` with `SSHCONF_CHECKPERM`).
fn config_bad(path: &Path, uid: u32) -> Option<LocalProblem> {
    let meta = std::fs::metadata(path).ok()?;
    let mode = meta.mode() & 0o7777;
    let owner = meta.uid();
    ((owner != 0 && owner != uid) || mode & 0o022 != 0).then(|| LocalProblem {
        kind: LocalProblemKind::ConfigBadPermissions { mode, owner },
        path: path.to_path_buf(),
    })
}

/// Checks `~/.ssh/config` and the files it included (when read), and `~/.ssh` itself.
///
/// The first file read is the user file: it is checked only when it is `~/.ssh/config` (a `-F`
/// file is not). `/etc/ssh/ssh_config` is never checked; files it includes are.
pub(super) fn check(config: &ResolvedConfig, uid: u32) -> Vec<LocalProblem> {
    let mut out = Vec::new();
    let home = &config.home;
    let user_config = home.join(".ssh").join("config");
    for (i, path) in config.files_read.iter().enumerate() {
        let is_main = i == 0 || path == Path::new("/etc/ssh/ssh_config");
        if is_main && path != &user_config {
            continue;
        }
        out.extend(config_bad(path, uid));
    }
    let dir = home.join(".ssh");
    if let Ok(meta) = std::fs::metadata(&dir) {
        let mode = meta.mode() & 0o7777;
        if meta.is_dir() && mode & 0o002 != 0 {
            out.push(LocalProblem {
                kind: LocalProblemKind::SshDirPermissions { mode },
                path: dir,
            });
        }
    }
    out
}
