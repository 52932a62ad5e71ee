//! Facts about the local machine ssh uses: home directory, user, uid, host name, services.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::Command;

/// One parsed `/etc/passwd` line.
struct PasswdEntry {
    name: String,
    uid: u32,
    gid: u32,
    dir: String,
}

fn passwd_entries() -> Vec<PasswdEntry> {
    let Ok(text) = std::fs::read_to_string("/etc/passwd") else {
        return Vec::new();
    };
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 6 {
                return None;
            }
            Some(PasswdEntry {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                dir: f[5].to_string(),
            })
        })
        .collect()
}

fn command_output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The uid this process runs as (the owner of `/proc/self`, else `id -u`).
pub fn local_uid() -> u32 {
    if let Ok(meta) = std::fs::metadata("/proc/self") {
        return meta.uid();
    }
    command_output("id", &["-u"])
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The home directory of a named user from the passwd file (for `~user` paths).
pub(crate) fn passwd_home(user: &str) -> Option<String> {
    passwd_entries()
        .into_iter()
        .find(|e| e.name == user)
        .map(|e| e.dir)
}

/// The environment variable that stands in for the passwd entry's home directory, for test
/// suites and sandboxes that cannot give the process a passwd entry of its own (as
/// nss_wrapper would). ssh itself never reads it: where it is set, pin ssh's files with `-o`.
pub const PASSWD_HOME_OVERRIDE: &str = "SSHDOCTOR_PASSWD_HOME";

/// The current uid's home directory from the passwd file: where ssh expands `~` and `%d`
/// and finds `~/.ssh/config` (see [`PASSWD_HOME_OVERRIDE`]).
pub fn passwd_home_of_current_user() -> Option<String> {
    if let Some(h) = non_empty_env(PASSWD_HOME_OVERRIDE) {
        return Some(h);
    }
    let uid = local_uid();
    passwd_entries()
        .into_iter()
        .find(|e| e.uid == uid)
        .map(|e| e.dir)
}

/// The home directory: `$HOME` if set, else the passwd entry of the current uid, else `/`.
pub fn home_dir() -> PathBuf {
    if let Some(h) = non_empty_env("HOME") {
        return PathBuf::from(h);
    }
    let uid = local_uid();
    passwd_entries()
        .into_iter()
        .find(|e| e.uid == uid)
        .map(|e| PathBuf::from(e.dir))
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// The local user name as ssh sees it: the passwd entry of the current uid, else `$USER`,
/// `$LOGNAME`, `id -un`.
pub fn local_user() -> String {
    let uid = local_uid();
    if let Some(e) = passwd_entries().into_iter().find(|e| e.uid == uid) {
        return e.name;
    }
    non_empty_env("USER")
        .or_else(|| non_empty_env("LOGNAME"))
        .or_else(|| command_output("id", &["-un"]))
        .unwrap_or_else(|| uid.to_string())
}

/// The local host name (`gethostname`): `/proc/sys/kernel/hostname`, else `uname -n`.
pub fn local_hostname() -> String {
    if let Ok(s) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        let s = s.trim();
        if !s.is_empty() {
            return s.to_string();
        }
    }
    command_output("uname", &["-n"]).unwrap_or_else(|| "localhost".to_string())
}

/// What Debian's `secure_permissions` asks of a group: the uids whose primary group it is,
/// and its member list; None when the group does not exist. Read from /etc/passwd and
/// /etc/group (Debian's client enumerates NSS, which these files are on a default system).
pub(crate) fn group_facts(gid: u32) -> Option<(Vec<u32>, Vec<String>)> {
    let text = std::fs::read_to_string("/etc/group").ok()?;
    let members = text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 4 && f[2].parse() == Ok(gid)).then(|| {
            f[3].split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
    })?;
    let primary = passwd_entries()
        .into_iter()
        .filter(|e| e.gid == gid)
        .map(|e| e.uid)
        .collect();
    Some((primary, members))
}

/// The user name of a uid from the passwd file.
pub(crate) fn user_name(uid: u32) -> Option<String> {
    passwd_entries()
        .into_iter()
        .find(|e| e.uid == uid)
        .map(|e| e.name)
}

/// A TCP service name from `/etc/services` (ssh accepts `Port ssh`).
pub(crate) fn service_port(name: &str) -> Option<u16> {
    // Read once per process: a config may name many ports, and the file does not change.
    static SERVICES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let text =
        SERVICES.get_or_init(|| std::fs::read_to_string("/etc/services").unwrap_or_default());
    text.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let first = words.next()?;
        let (port, proto) = words.next()?.split_once('/')?;
        if proto != "tcp" {
            return None;
        }
        (first == name || words.any(|alias| alias == name)).then(|| port.parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_facts_are_plausible() {
        assert!(!local_user().is_empty());
        assert!(!local_hostname().is_empty());
        assert!(home_dir().is_absolute());
        let _ = local_uid();
    }

    #[test]
    fn passwd_and_services() {
        assert_eq!(passwd_home("root").as_deref(), Some("/root"));
        assert_eq!(passwd_home("no-such-user-sshdoctor"), None);
        if std::path::Path::new("/etc/services").exists() {
            assert_eq!(service_port("ssh"), Some(22));
        }
        assert_eq!(service_port("no-such-service-sshdoctor"), None);
    }
}
