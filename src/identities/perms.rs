//! Local permission checks that make ssh refuse to run or that weaken the client's files.
//!
//! OpenSSH's `readconf.c` refuses a user config file (`~/.ssh/config`, and every `Include`d
//! file) owned by someone other than the user or root, or writable by group or others
//! ("Bad owner or permissions on"); a `-F` file and the system file are not checked.
//! Debian's and Ubuntu's ssh (patch `user-group-modes`, `secure_permissions` in misc.c) also
//! accept group write when the group is the user's own private group: nobody else has it as
//! primary group or is listed in it. That patch does not touch private keys: a key any group
//! can read is refused everywhere ("UNPROTECTED PRIVATE KEY FILE").

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::config::ResolvedConfig;

/// Whose rule judges the config file's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermRules {
    /// Upstream OpenSSH: no group or other write.
    Upstream,
    /// Debian's and Ubuntu's client: group write allowed for the user's private group.
    Debian,
}

impl PermRules {
    /// The rules of the installed client, from its `ssh -V` line (None: upstream).
    pub fn for_client(version_line: Option<&str>) -> PermRules {
        match version_line {
            Some(v) if v.contains("Debian") || v.contains("Ubuntu") => PermRules::Debian,
            _ => PermRules::Upstream,
        }
    }
}

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
    /// Not a problem for the installed client: a group-writable config file whose group is
    /// the user's private group, which Debian's ssh accepts (upstream OpenSSH would not).
    ConfigGroupWritableAccepted {
        /// Permission bits.
        mode: u32,
        /// The group's id.
        gid: u32,
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

/// ssh's config permission rule (`read_config_file_depth` with `SSHCONF_CHECKPERM`), with
/// Debian's `secure_permissions` when `rules` says so.
fn config_verdict(path: &Path, uid: u32, rules: PermRules) -> Option<LocalProblem> {
    let meta = std::fs::metadata(path).ok()?;
    let mode = meta.mode() & 0o7777;
    let owner = meta.uid();
    let bad_owner = owner != 0 && owner != uid;
    let problem = |kind| {
        Some(LocalProblem {
            kind,
            path: path.to_path_buf(),
        })
    };
    if !bad_owner && mode & 0o022 == 0 {
        return None;
    }
    let group_only = !bad_owner && mode & 0o002 == 0;
    if group_only && rules == PermRules::Debian && private_group(meta.gid(), owner, uid) {
        return problem(LocalProblemKind::ConfigGroupWritableAccepted {
            mode,
            gid: meta.gid(),
        });
    }
    problem(LocalProblemKind::ConfigBadPermissions { mode, owner })
}

/// Debian's test for a group-writable file: the group exists, everyone with it as primary
/// group is the user, its member list names at most the file's owner, and it has a member.
fn private_group(gid: u32, owner: u32, uid: u32) -> bool {
    let (Some((primary, members)), Some(owner_name)) = (
        crate::config::group_facts(gid),
        crate::config::user_name(owner),
    ) else {
        return false;
    };
    let members: Vec<&str> = members.iter().map(String::as_str).collect();
    crate::remote_rules::debian_tolerates_group_write(uid, &owner_name, &primary, &members)
}

/// Checks the config files ssh checks (`~/.ssh/config` unless `-F`, every included file),
/// and `~/.ssh` itself.
pub(super) fn check(config: &ResolvedConfig, uid: u32, rules: PermRules) -> Vec<LocalProblem> {
    let mut out: Vec<LocalProblem> = config
        .checked_files
        .iter()
        .filter_map(|path| config_verdict(path, uid, rules))
        .collect();
    let dir = config.home.join(".ssh");
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
