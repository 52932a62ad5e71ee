//! Looking at the account over SFTP: the AuthorizedKeysFile locations, each one's StrictModes
//! chain (with Debian's private-group rule), the files read and parsed, the disk.

use super::super::link::Opener;
use super::super::session::run_command;
use super::{join_ports, Account};
use crate::i18n::Text;
use crate::remote_rules::{
    check_strict_modes, find_key, parse_authorized_keys, parse_df, strict_modes_chain,
    AuthorizedKeys, DiskUse, PathRole, RemoteStat, Violation,
};
use russh::keys::ssh_key::public::KeyData;
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::protocol::StatusCode;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The largest authorized_keys file read (sshd itself reads any size; a larger one is reported).
const MAX_READ: u64 = 4 << 20;

/// sshd's default AuthorizedKeysFile.
const DEFAULT_AKF: &str = ".ssh/authorized_keys .ssh/authorized_keys2";

/// The most path components followed up from a file to the home directory.
const MAX_COMPONENTS: usize = 64;

/// The most AuthorizedKeysFile locations looked at.
const MAX_KEY_FILES: usize = 16;

/// Debian's rule in full, as far as the group database tells (`getent group GID`, the gid a
/// number): the group's member list names nobody but the user. Other accounts having it as
/// their primary group are not enumerated (that would list every account).
async fn private_group_is_alone<O: Opener>(handle: &O, acc: &Account, timeout: Duration) -> bool {
    let (Some(gid), Some(uid), Some(name)) = (acc.private_gid, acc.uid, acc.user_name.as_deref())
    else {
        return false;
    };
    let Ok(run) = run_command(handle, &format!("getent group {gid}"), timeout).await else {
        return false;
    };
    if run.exit != Some(0) {
        return false;
    }
    let text = String::from_utf8_lossy(&run.stdout);
    group_members(&text, gid).is_some_and(|members| {
        crate::remote_rules::debian_tolerates_group_write(uid, name, &[uid], &members)
    })
}

/// The member list of `getent group GID` output (`name:x:gid:a,b`), if it is that group's.
fn group_members(output: &str, gid: u32) -> Option<Vec<&str>> {
    let fields: Vec<&str> = output.lines().next()?.split(':').collect();
    if fields.len() < 4 || fields[2].trim() != gid.to_string() {
        return None;
    }
    Some(
        fields[3]
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .collect(),
    )
}

fn not_found(e: &SftpError) -> bool {
    matches!(e, SftpError::Status(s) if s.status_code == StatusCode::NoSuchFile)
}

/// stat (following symlinks, as sshd does); None when the path does not exist.
pub(crate) async fn stat(acc: &Account, path: &str) -> Result<Option<RemoteStat>, String> {
    acc.spend()?;
    match acc.sftp.metadata(path.to_string()).await {
        Ok(m) => Ok(Some(RemoteStat {
            path: path.to_string(),
            uid: m.uid.unwrap_or(u32::MAX),
            mode: m.permissions.unwrap_or(0),
        })),
        Err(e) if not_found(&e) => Ok(None),
        Err(e) => Err(format!("stat {path}: {e}")),
    }
}

/// `path` relative to the home directory, as an absolute path.
pub(super) fn absolute(home: &str, path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else if home == "/" {
        format!("/{path}")
    } else {
        format!("{home}/{path}")
    }
}

/// Expand sshd's AuthorizedKeysFile tokens (%% %h %u %U, through the same `percent_expand`
/// the client config uses) and make each path absolute. An unknown uid leaves `%U` as written;
/// a path with a token sshd does not know (sshd refuses it) is shown as written.
pub(crate) fn authorized_keys_files(
    value: &str,
    home: &str,
    user: &str,
    uid: Option<u32>,
) -> Vec<String> {
    if value.trim() == "none" {
        return Vec::new();
    }
    let uid = uid.map_or("%U".to_string(), |u| u.to_string());
    let keys = [('h', home), ('u', user), ('U', uid.as_str())];
    value
        .split_whitespace()
        .map(|p| {
            absolute(
                home,
                &crate::config::percent_expand(p, &keys).unwrap_or_else(|_| p.to_string()),
            )
        })
        .collect()
}

/// One AuthorizedKeysFile location.
pub(crate) struct AkFile {
    pub path: String,
    pub state: AkState,
    /// The paths sshd's StrictModes checks for this file (the file, then each directory up to
    /// home), as far as they could be looked at.
    pub chain: Vec<String>,
}

pub(crate) enum AkState {
    /// The file does not exist.
    Missing,
    /// Read and parsed; `real` is its realpath (what sshd checks).
    Read { real: String, keys: AuthorizedKeys },
    /// It exists but could not be read (the reason).
    Unreadable(Text),
}

/// What the remote stage saw.
pub(crate) struct Inspection {
    pub home: String,
    pub uid: Option<u32>,
    /// `sshd -T` settings, when the account may run it.
    pub sshd: Option<Vec<(String, String)>>,
    /// `sshd -T` describes an sshd on other ports (`sshd_ports`) than the one connected to.
    pub sshd_elsewhere: bool,
    pub sshd_ports: Vec<u16>,
    /// Where the AuthorizedKeysFile list came from.
    pub akf_source: Text,
    pub files: Vec<AkFile>,
    /// StrictModes violations on the chains of the existing files, each path once.
    pub violations: Vec<Violation>,
    /// Violation paths that are only group-writable by the user's private group, which
    /// Debian's and Ubuntu's sshd accept (upstream OpenSSH refuses them).
    pub private_group_only: Vec<String>,
    pub disk: Option<DiskUse>,
    /// Free inodes for unprivileged users, when known.
    pub inodes_avail: Option<(u64, u64)>,
}

impl Inspection {
    fn setting(&self, key: &str) -> Option<&str> {
        if self.sshd_elsewhere {
            return None;
        }
        self.sshd
            .as_ref()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Where this key is installed: (file, line).
    pub fn find(&self, key: &KeyData) -> Option<(&str, usize)> {
        self.files.iter().find_map(|f| match &f.state {
            AkState::Read { keys, .. } => find_key(keys, key).map(|line| (f.path.as_str(), line)),
            _ => None,
        })
    }

    /// Whether StrictModes is in force (sshd's default is yes).
    pub fn strict_modes(&self) -> bool {
        self.setting("strictmodes") != Some("no")
    }
}

/// Look at the account: sshd -T, the AuthorizedKeysFile locations, their StrictModes chains, the disk.
pub(crate) async fn inspect<O: Opener>(
    handle: &O,
    acc: &Account,
    user: &str,
    timeout: Duration,
) -> Inspection {
    let (akf, akf_source) = akf_setting(acc);
    let mut found = Found {
        handle,
        acc,
        timeout,
        violations: Vec::new(),
        private_group_only: Vec::new(),
        group_alone: None,
    };
    let mut files = Vec::new();
    for path in authorized_keys_files(&akf, &acc.home, user, acc.uid)
        .into_iter()
        .take(MAX_KEY_FILES)
    {
        files.push(look_at(acc, path, &mut found).await);
    }
    let (disk, inodes_avail) = disk_use(handle, acc, timeout).await;
    Inspection {
        home: acc.home.clone(),
        uid: acc.uid,
        sshd: acc.sshd.clone(),
        akf_source,
        sshd_elsewhere: acc.sshd_elsewhere(),
        sshd_ports: acc.sshd_ports.clone(),
        files,
        violations: found.violations,
        private_group_only: found.private_group_only,
        disk,
        inodes_avail,
    }
}

/// The AuthorizedKeysFile setting, and where it came from: `sshd -T` when it describes this
/// sshd, else sshd's default.
fn akf_setting(acc: &Account) -> (String, Text) {
    let from_sshd = acc
        .sshd
        .as_ref()
        .filter(|_| !acc.sshd_elsewhere())
        .and_then(|s| s.iter().find(|(k, _)| k == "authorizedkeysfile"))
        .map(|(_, v)| v.clone());
    match from_sshd {
        Some(v) => (v, Text::from("sshd -T")),
        None if acc.sshd_elsewhere() => (
            DEFAULT_AKF.to_string(),
            crate::text!(
                "engine.remote.akf_default_elsewhere",
                ports = join_ports(&acc.sshd_ports),
                port = acc.port
            ),
        ),
        None => (
            DEFAULT_AKF.to_string(),
            crate::text!("engine.remote.akf_default"),
        ),
    }
}

/// One location: missing, not a file, or its StrictModes chain judged (into `found`) and its
/// content read.
async fn look_at<O: Opener>(acc: &Account, path: String, found: &mut Found<'_, O>) -> AkFile {
    let mut checked = Vec::new();
    let state = match stat(acc, &path).await {
        Ok(None) => AkState::Missing,
        Err(e) => AkState::Unreadable(Text::from(e)),
        Ok(Some(st)) if st.mode & 0o170000 == 0o040000 => {
            AkState::Unreadable(crate::text!("engine.remote.is_a_directory"))
        }
        Ok(Some(st)) => {
            let real = match acc.spend() {
                Ok(()) => acc
                    .sftp
                    .canonicalize(path.clone())
                    .await
                    .unwrap_or_else(|_| path.clone()),
                Err(_) => path.clone(),
            };
            let mut chain = Vec::new();
            for (p, role) in strict_modes_chain(&real, &acc.home)
                .into_iter()
                .take(MAX_COMPONENTS)
            {
                if let Ok(Some(s)) = stat(acc, &p).await {
                    checked.push(p.clone());
                    chain.push((s, role));
                }
            }
            if let Some(uid) = acc.uid {
                found.judge(uid, &chain).await;
            }
            read_state(acc, &path, real, st.mode).await
        }
    };
    AkFile {
        path,
        state,
        chain: checked,
    }
}

/// An existing file's content: read and parsed when it is a regular file.
async fn read_state(acc: &Account, path: &str, real: String, mode: u32) -> AkState {
    if mode & 0o170000 != 0o100000 {
        return AkState::Unreadable(crate::text!("engine.remote.not_regular_file"));
    }
    match read_capped(acc, path).await {
        Ok(bytes) => AkState::Read {
            real,
            keys: parse_authorized_keys(&bytes),
        },
        Err(e) => AkState::Unreadable(Text::from(e)),
    }
}

/// The StrictModes violations found so far (each path once), and which of them Debian's
/// private-group rule accepts.
struct Found<'a, O> {
    handle: &'a O,
    acc: &'a Account,
    timeout: Duration,
    violations: Vec<Violation>,
    private_group_only: Vec<String>,
    /// Whether the private group has no member but the user (asked once, when needed).
    group_alone: Option<bool>,
}

impl<O: Opener> Found<'_, O> {
    /// Judge one chain of stats for the account `uid`, adding the violations not seen yet.
    async fn judge(&mut self, uid: u32, chain: &[(RemoteStat, PathRole)]) {
        for v in check_strict_modes(uid, chain) {
            if self.violations.iter().any(|o| o.path == v.path) {
                continue;
            }
            if self.private_group_accepts(&v).await {
                self.private_group_only.push(v.path.clone());
            }
            self.violations.push(v);
        }
    }

    /// Whether only the user's private group may write the path, and that group has nobody
    /// else in it (Debian's and Ubuntu's sshd then accept it).
    async fn private_group_accepts(&mut self, v: &Violation) -> bool {
        let acc = self.acc;
        if !v.group_write_only() || acc.private_gid.is_none() {
            return false;
        }
        let gid = acc
            .sftp
            .metadata(v.path.clone())
            .await
            .ok()
            .and_then(|m| m.gid);
        if gid != acc.private_gid {
            return false;
        }
        if self.group_alone.is_none() {
            self.group_alone = Some(private_group_is_alone(self.handle, acc, self.timeout).await);
        }
        self.group_alone == Some(true)
    }
}

/// The whole file, refusing one larger than [`MAX_READ`] (whatever size the server states).
pub(super) async fn read_capped(acc: &Account, path: &str) -> Result<Vec<u8>, String> {
    let too_large = || format!("{path} is larger than {} MiB", MAX_READ >> 20);
    acc.spend()?;
    if let Ok(m) = acc.sftp.metadata(path.to_string()).await {
        if m.size.unwrap_or(0) > MAX_READ {
            return Err(too_large());
        }
    }
    let file = acc
        .sftp
        .open(path.to_string())
        .await
        .map_err(|e| format!("reading {path}: {e}"))?;
    let mut bytes = Vec::new();
    let mut limited = file.take(MAX_READ + 1);
    limited
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| format!("reading {path}: {e}"))?;
    let _ = limited.into_inner().shutdown().await;
    if bytes.len() as u64 > MAX_READ {
        return Err(too_large());
    }
    Ok(bytes)
}

/// statvfs@openssh.com on the home directory; `df -Pk .` when the server lacks the extension.
async fn disk_use<O: Opener>(
    handle: &O,
    acc: &Account,
    timeout: Duration,
) -> (Option<DiskUse>, Option<(u64, u64)>) {
    // A server stating no blocks at all says nothing (some virtual filesystems): then `df`.
    if let Ok(Some(v)) = acc
        .sftp
        .fs_info(acc.home.clone())
        .await
        .map(|v| v.filter(|v| v.blocks > 0))
    {
        let unit = if v.fragment_size > 0 {
            v.fragment_size
        } else {
            v.block_size
        };
        // The server's numbers, in u128: no overflow whatever it says.
        let used = u128::from(v.blocks.saturating_sub(v.blocks_free));
        let avail = v.blocks_avail.min(v.blocks);
        let total = used + u128::from(avail);
        let percent = if total == 0 {
            0
        } else {
            (used * 100).div_ceil(total).min(100) as u8
        };
        let disk = DiskUse {
            filesystem: String::new(),
            size_kib: v.blocks.saturating_mul(unit) / 1024,
            available_kib: avail.saturating_mul(unit) / 1024,
            use_percent: percent,
            mount: acc.home.clone(),
        };
        let inodes = (v.inodes > 0).then_some((v.inodes_avail, v.inodes));
        return (Some(disk), inodes);
    }
    if let Some(df) = &acc.df {
        return (parse_df(df), None);
    }
    if !acc.exec {
        return (None, None);
    }
    match run_command(handle, "df -Pk .", timeout).await {
        Ok(run) if run.exit == Some(0) => (parse_df(&String::from_utf8_lossy(&run.stdout)), None),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorized_keys_file_tokens_as_sshd_expands_them() {
        assert_eq!(
            authorized_keys_files(
                ".ssh/authorized_keys /etc/ssh/keys/%u %h/k_%U 100%%",
                "/home/alice",
                "alice",
                Some(1001)
            ),
            [
                "/home/alice/.ssh/authorized_keys",
                "/etc/ssh/keys/alice",
                "/home/alice/k_1001",
                "/home/alice/100%",
            ]
        );
        assert_eq!(
            authorized_keys_files("%h/k_%U", "/", "root", None),
            ["//k_%U"]
        );
        assert!(authorized_keys_files(" none ", "/home/alice", "alice", None).is_empty());
    }

    #[test]
    fn getent_group_members() {
        assert_eq!(group_members("alice:x:1001:\n", 1001), Some(vec![]));
        assert_eq!(
            group_members("alice:x:1001:alice, bob\n", 1001),
            Some(vec!["alice", "bob"])
        );
        assert_eq!(group_members("alice:x:1002:\n", 1001), None);
        assert_eq!(group_members("garbage", 1001), None);
        assert_eq!(group_members("", 1001), None);
    }
}
