//! The account seen from the inside, over SFTP (no shell needed, no user text through a shell):
//! sshd's StrictModes rules on home, ~/.ssh and authorized_keys, whether the wanted key is
//! installed, lines sshd cannot parse, a full disk, and `sshd -T` where the account may run it.
//! Read-only, except for the chmods of `remote.permissions.fix` the person confirmed, and the
//! key install of the onboarding flow.

use super::kex::ProbeHandle;
use super::link::{Link, Opener};
use super::session::run_command;

pub(crate) mod early;
mod install;
mod judge;
mod sftp_init;

pub(crate) use install::{install_key, Installed};

use super::{Cx, Plan, StageEnd, Target};
use crate::event::{ActionOffer, Level, Stage, Status};
use crate::remote_rules::{
    check_strict_modes, find_key, parse_authorized_keys, parse_df, strict_modes_chain,
    AuthorizedKeys, DiskUse, RemoteStat, Violation, ViolationKind,
};
use crate::repair::{RemoteChmod, Repair};
use judge::report;
use russh::keys::ssh_key::public::KeyData;
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::client::SftpSession;
use russh_sftp::protocol::{FileAttributes, StatusCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The largest authorized_keys file read (sshd itself reads any size; a larger one is reported).
const MAX_READ: u64 = 4 << 20;

/// The command asking sshd for its effective configuration. Most accounts may not run it (it
/// needs the host keys); then the defaults are assumed. With `-C user=NAME` sshd applies the
/// `Match User`/`Group` blocks for this account; the name goes in only when it is a portable
/// account name (letters, digits, `.`, `_`, `-`, not starting with `-`), so nothing but fixed
/// text and such a name reaches the remote shell. An sshd refusing the partial `-C` spec (old
/// versions wanted user, host and addr) is asked without it.
pub(crate) fn sshd_t_command(user: &str) -> String {
    let portable = !user.is_empty()
        && !user.starts_with('-')
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let plain = "/usr/sbin/sshd -T 2>/dev/null || sshd -T 2>/dev/null";
    if portable {
        format!("/usr/sbin/sshd -T -C user={user} 2>/dev/null || {plain}")
    } else {
        plain.to_string()
    }
}

/// sshd's default AuthorizedKeysFile.
const DEFAULT_AKF: &str = ".ssh/authorized_keys .ssh/authorized_keys2";

/// An SFTP session on a logged-in connection, with the account's home and uid.
pub(crate) struct Account {
    pub sftp: SftpSession,
    /// The connection the SFTP session lives on, when it is not the caller's.
    _conn: Option<std::sync::Arc<ProbeHandle>>,
    /// SFTP requests made so far (at most [`MAX_SFTP_REQUESTS`]).
    requests: AtomicUsize,
    /// `df -Pk .` output from the script, when it ran.
    df: Option<String>,
    /// The home directory (where sftp-server starts).
    pub home: String,
    /// The account's uid (`id`; else the owner of the home directory).
    pub uid: Option<u32>,
    /// The primary group's gid, when it is the user's private group (same name as the user)
    /// and the server's sshd is Debian's or Ubuntu's.
    pub private_gid: Option<u32>,
    /// The account's name, from `id`.
    pub user_name: Option<String>,
    /// Commands run on this account (no forced command or nologin shell seen): else only
    /// SFTP is used.
    pub exec: bool,
    /// `sshd -T` settings, when the account may run it.
    pub sshd: Option<Vec<(String, String)>>,
    /// The ports that `sshd -T` says its sshd listens on, and the one connected to: `sshd -T`
    /// reads the default sshd_config, which may belong to another sshd than this one.
    pub sshd_ports: Vec<u16>,
    pub port: u16,
}

/// The most SFTP requests the server-side stage makes (stat, realpath, reads): a server
/// answering with endless paths cannot keep it busy.
const MAX_SFTP_REQUESTS: usize = 400;

/// The most path components followed up from a file to the home directory.
const MAX_COMPONENTS: usize = 64;

/// The most AuthorizedKeysFile locations looked at.
const MAX_KEY_FILES: usize = 16;

impl Account {
    /// Count one SFTP request; Err once the cap is reached.
    fn spend(&self) -> Result<(), String> {
        if self.requests.fetch_add(1, Ordering::Relaxed) >= MAX_SFTP_REQUESTS {
            return Err(format!(
                "sshdoctor stopped after {MAX_SFTP_REQUESTS} SFTP requests"
            ));
        }
        Ok(())
    }

    /// `sshd -T` described another sshd (it listens elsewhere; a NAT mapping ports would look
    /// the same, so its settings are then shown, not used to judge).
    pub fn sshd_elsewhere(&self) -> bool {
        self.sshd.is_some() && !self.sshd_ports.is_empty() && !self.sshd_ports.contains(&self.port)
    }
}

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

/// The `port N` lines of `sshd -T` output.
pub(crate) fn sshd_t_ports(output: &str) -> Vec<u16> {
    output
        .lines()
        .filter_map(|l| l.trim().strip_prefix("port "))
        .filter_map(|p| p.trim().parse().ok())
        .collect()
}

fn join_ports(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What `id` says of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Id {
    pub uid: u32,
    gid: Option<u32>,
    /// The user's and the primary group's names, when they have one.
    user: Option<String>,
    group: Option<String>,
}

/// `id`'s "uid=1001(alice) gid=1001(alice) groups=..." (a uid or gid without an entry in the
/// user or group database has no name in parentheses).
pub(crate) fn parse_id(text: &str) -> Option<Id> {
    let field = |key: &str| -> Option<(u32, Option<String>)> {
        let rest = text.split_whitespace().find_map(|w| w.strip_prefix(key))?;
        let (num, name) = match rest.split_once('(') {
            Some((num, name)) => (num, Some(name.trim_end_matches(')').to_string())),
            None => (rest, None),
        };
        Some((num.parse().ok()?, name))
    };
    let (uid, user) = field("uid=")?;
    let (gid, group) = match field("gid=") {
        Some((gid, group)) => (Some(gid), group),
        None => (None, None),
    };
    Some(Id {
        uid,
        gid,
        user,
        group,
    })
}

/// Open SFTP on a logged-in connection and learn the home directory, the uid and (where the
/// account may ask) sshd's effective settings for `user`. `server_ident` (the server's
/// identification line) tells whether Debian's private-group rule applies. Everything goes
/// out together ([`early::fetch`]).
pub(crate) async fn open_account<O: Opener>(
    handle: &O,
    (user, port): (&str, u16),
    server_ident: &str,
    exec: bool,
    timeout: Duration,
) -> Result<Account, String> {
    let fetched = early::fetch(handle, user, exec, timeout).await;
    account(fetched, port, server_ident, exec).await
}

/// The account from what was fetched at once after the login.
pub(crate) async fn account(
    fetched: early::Early,
    port: u16,
    server_ident: &str,
    exec: bool,
) -> Result<Account, String> {
    let early::Early { sftp, info, .. } = fetched;
    let early::SftpOpen { sftp, home, conn } = sftp.map_err(|e| match e {
        super::session::Sftp::Refused => "the server refused the sftp subsystem".to_string(),
        super::session::Sftp::Broken(why) | super::session::Sftp::Unknown(why) => why,
        super::session::Sftp::Works => "sftp".to_string(),
    })?;
    let (id, sshd, df) = if exec {
        (info.id, info.sshd, info.df)
    } else {
        (None, None, None)
    };
    // sshd -T always prints these; output without them came from something else (a forced
    // command answering every request).
    let (sshd, sshd_ports) = match sshd.filter(|(s, _)| {
        ["authorizedkeysfile", "strictmodes"]
            .iter()
            .all(|k| s.iter().any(|(key, _)| key == k))
    }) {
        Some((settings, ports)) => (Some(settings), ports),
        None => (None, Vec::new()),
    };
    let uid = match &id {
        Some(id) => Some(id.uid),
        None => sftp.metadata(home.clone()).await.ok().and_then(|m| m.uid),
    };
    // Debian's and Ubuntu's sshd only (patch user-group-modes): a path writable by the user's
    // own private group (named as the user) is accepted; upstream OpenSSH refuses it.
    let debian = server_ident.contains("Debian") || server_ident.contains("Ubuntu");
    let user_name = id.as_ref().and_then(|id| id.user.clone());
    let private_gid = id.and_then(|id| match (id.gid, id.user, id.group) {
        (Some(gid), Some(user), Some(group)) if debian && user == group => Some(gid),
        _ => None,
    });
    Ok(Account {
        sftp,
        _conn: conn,
        requests: AtomicUsize::new(0),
        home,
        user_name,
        uid,
        private_gid,
        exec,
        sshd,
        sshd_ports,
        port,
        df,
    })
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
fn absolute(home: &str, path: &str) -> String {
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
    Unreadable(String),
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
    pub akf_source: String,
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
    let sshd = acc.sshd.clone();
    let from_sshd = sshd
        .as_ref()
        .filter(|_| !acc.sshd_elsewhere())
        .and_then(|s| s.iter().find(|(k, _)| k == "authorizedkeysfile"))
        .map(|(_, v)| v.clone());
    let (akf, akf_source) = match from_sshd {
        Some(v) => (v, "sshd -T".to_string()),
        None if acc.sshd_elsewhere() => (
            DEFAULT_AKF.to_string(),
            format!(
                "sshd's default (sshd -T describes the sshd on port {}, not this one on {})",
                join_ports(&acc.sshd_ports),
                acc.port
            ),
        ),
        None => (
            DEFAULT_AKF.to_string(),
            "sshd's default (sshd -T is not available to this account)".to_string(),
        ),
    };
    let mut files = Vec::new();
    let mut violations: Vec<Violation> = Vec::new();
    let mut private_group_only = Vec::new();
    let mut group_alone: Option<bool> = None;
    for path in authorized_keys_files(&akf, &acc.home, user, acc.uid)
        .into_iter()
        .take(MAX_KEY_FILES)
    {
        let mut checked = Vec::new();
        let state = match stat(acc, &path).await {
            Ok(None) => AkState::Missing,
            Err(e) => AkState::Unreadable(e),
            Ok(Some(st)) if st.mode & 0o170000 == 0o040000 => {
                AkState::Unreadable("it is a directory".to_string())
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
                    for v in check_strict_modes(uid, &chain) {
                        if violations.iter().any(|o| o.path == v.path) {
                            continue;
                        }
                        let only_group =
                            v.kinds == [ViolationKind::WritableByOthers] && v.mode & 0o002 == 0;
                        if only_group && acc.private_gid.is_some() {
                            let gid = acc
                                .sftp
                                .metadata(v.path.clone())
                                .await
                                .ok()
                                .and_then(|m| m.gid);
                            if gid == acc.private_gid {
                                if group_alone.is_none() {
                                    group_alone =
                                        Some(private_group_is_alone(handle, acc, timeout).await);
                                }
                                if group_alone == Some(true) {
                                    private_group_only.push(v.path.clone());
                                }
                            }
                        }
                        violations.push(v);
                    }
                }
                if st.mode & 0o170000 != 0o100000 {
                    AkState::Unreadable("not a regular file".to_string())
                } else {
                    match read_capped(acc, &path).await {
                        Ok(bytes) => AkState::Read {
                            real,
                            keys: parse_authorized_keys(&bytes),
                        },
                        Err(e) => AkState::Unreadable(e),
                    }
                }
            }
        };
        files.push(AkFile {
            path,
            state,
            chain: checked,
        });
    }
    let (disk, inodes_avail) = disk_use(handle, acc, timeout).await;
    Inspection {
        home: acc.home.clone(),
        uid: acc.uid,
        sshd,
        akf_source,
        sshd_elsewhere: acc.sshd_elsewhere(),
        sshd_ports: acc.sshd_ports.clone(),
        files,
        violations,
        private_group_only,
        disk,
        inodes_avail,
    }
}

/// The whole file, refusing one larger than [`MAX_READ`] (whatever size the server states).
async fn read_capped(acc: &Account, path: &str) -> Result<Vec<u8>, String> {
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

/// chmod one path on the server (SFTP setstat; only the permission bits are sent).
pub(crate) async fn chmod(acc: &Account, path: &str, mode: u32) -> Result<(), String> {
    let attrs = FileAttributes {
        permissions: Some(mode & 0o7777),
        ..FileAttributes::empty()
    };
    acc.sftp
        .set_metadata(path.to_string(), attrs)
        .await
        .map_err(|e| format!("chmod {mode:04o} {path}: {e}"))
}

/// How the diagnosis logged in, and what it learnt of each key, for the remote findings.
#[derive(Debug, Clone, Default)]
pub(crate) struct LoginFacts {
    /// The key that logged in (None: password or "none").
    pub by_key: Option<KeyData>,
    /// The keys ssh would offer: label, key, set in IdentityFile, the server's answer (None: not asked).
    pub keys: Vec<KeyAsked>,
}

#[derive(Debug, Clone)]
pub(crate) struct KeyAsked {
    pub label: String,
    pub key: KeyData,
    pub explicit: bool,
    pub accepted: Option<bool>,
}

/// The `remote.permissions.fix` action for every violation a chmod by the account repairs:
/// paths it owns (a chmod of someone else's file, or root's, fails with EPERM; those need the
/// administrator, as the finding says).
pub(crate) fn permissions_action(
    host: &str,
    uid: Option<u32>,
    violations: &[Violation],
) -> Option<ActionOffer> {
    let changes: Vec<RemoteChmod> = violations
        .iter()
        .filter(|v| Some(v.uid) == uid)
        .filter_map(|v| {
            v.fixed_mode.map(|to| RemoteChmod {
                path: v.path.clone(),
                from: v.mode & 0o7777,
                to,
            })
        })
        .collect();
    if changes.is_empty() {
        return None;
    }
    let preview = changes
        .iter()
        .map(|c| format!("{}: mode {:04o} -> {:04o}", c.path, c.from, c.to))
        .collect::<Vec<_>>()
        .join("\n");
    // Two shells read this: the local one takes the remote command as one word, the remote
    // one splits it into quoted paths.
    let remote_command = format!(
        "chmod go-w {}",
        changes
            .iter()
            .map(|c| crate::fsedit::shell_quote(&c.path))
            .collect::<Vec<_>>()
            .join(" ")
    );
    Some(ActionOffer {
        id: "remote.permissions.fix".into(),
        title: "Remove the group and other write bits sshd's StrictModes refuses, on the server"
            .into(),
        preview,
        command: format!(
            "ssh {} {}",
            crate::fsedit::shell_quote(host),
            crate::fsedit::shell_quote(&remote_command)
        ),
        repair: Some(Repair::RemotePermissions { changes }),
    })
}

/// The confirmed chmods, each only where the path still has the mode that was shown (looked
/// at again just before; else it is left alone); one failing does not stop the others.
/// Whether any changed, and a line for each path saying what happened.
pub(crate) async fn apply_chmods(acc: &Account, wanted: &[RemoteChmod]) -> (bool, Vec<String>) {
    let mut changed = false;
    let mut notes = Vec::new();
    for c in wanted {
        let still = matches!(stat(acc, &c.path).await, Ok(Some(st)) if st.mode & 0o7777 == c.from);
        if !still {
            notes.push(format!(
                "{}: no longer mode {:04o}, left as it is",
                c.path, c.from
            ));
            continue;
        }
        match chmod(acc, &c.path, c.to).await {
            Ok(()) => {
                changed = true;
                notes.push(format!(
                    "Changed the mode of {} on the server: {:04o} -> {:04o}",
                    c.path, c.from, c.to
                ));
            }
            Err(e) => notes.push(e),
        }
    }
    (changed, notes)
}

/// How many per-step timeouts the whole server-side stage may take.
const BUDGET_STEPS: u32 = 6;

/// The stage: look, apply a confirmed `remote.permissions.fix` if one was asked for, report;
/// bounded by its budget whatever the server sends.
pub(super) async fn remote_stage(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    (link, server_ident, exec, fetched): (&Link, &str, bool, early::Early),
    facts: &LoginFacts,
    timeout: Duration,
) -> StageEnd {
    let budget = timeout * BUDGET_STEPS;
    let body = look(
        cx,
        plan,
        t,
        (link, server_ident, exec, fetched),
        facts,
        timeout,
    );
    match tokio::time::timeout(budget, body).await {
        Ok(end) => end,
        Err(_) => {
            let why = format!(
                "the server side was not looked at in full: the stage's budget of {}s ran out",
                budget.as_secs_f64()
            );
            cx.log(Stage::Remote, Level::Info, why.clone()).await;
            StageEnd::new(Status::Skipped, why)
        }
    }
}

async fn look(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    (link, server_ident, exec, fetched): (&Link, &str, bool, early::Early),
    facts: &LoginFacts,
    timeout: Duration,
) -> StageEnd {
    let acc = match account(fetched, t.port, server_ident, exec).await {
        Ok(acc) => acc,
        Err(e) => {
            cx.log(
                Stage::Remote,
                Level::Info,
                format!("cannot look at the server side: {e}"),
            )
            .await;
            return StageEnd::new(Status::Skipped, format!("not looked at: {e}"));
        }
    };
    cx.log(
        Stage::Remote,
        Level::Debug1,
        format!(
            "sftp: home {}, uid {}",
            acc.home,
            acc.uid.map_or("unknown".to_string(), |u| u.to_string())
        ),
    )
    .await;
    cx.fact(Stage::Remote, "home", acc.home.clone()).await;
    let mut seen = inspect(link, &acc, &t.user, timeout).await;
    if let Some(wanted) = &plan.remote_fix {
        let (changed, notes) = apply_chmods(&acc, wanted).await;
        for note in notes {
            cx.log(Stage::Remote, Level::Info, note).await;
        }
        if changed {
            seen = inspect(link, &acc, &t.user, timeout).await;
        }
    }
    let end = report(cx, t, &seen, facts).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), acc.sftp.close()).await;
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote_rules::PathRole;

    #[test]
    fn id_output_with_and_without_names() {
        assert_eq!(
            parse_id("uid=1001(alice) gid=1001(alice) groups=1001(alice),100(users)\n"),
            Some(Id {
                uid: 1001,
                gid: Some(1001),
                user: Some("alice".into()),
                group: Some("alice".into()),
            })
        );
        // A uid and gid with no entry in the user and group databases (containers).
        assert_eq!(
            parse_id("uid=4242 gid=4242 groups=4242\n"),
            Some(Id {
                uid: 4242,
                gid: Some(4242),
                user: None,
                group: None,
            })
        );
        assert_eq!(parse_id("This account is for sftp only.\n"), None);
        assert_eq!(parse_id("uid=x(alice)"), None);
    }

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

    #[test]
    fn sshd_t_takes_only_a_portable_account_name() {
        assert_eq!(
            sshd_t_command("alice.b_c-1"),
            "/usr/sbin/sshd -T -C user=alice.b_c-1 2>/dev/null || /usr/sbin/sshd -T 2>/dev/null || sshd -T 2>/dev/null"
        );
        for odd in [
            "", "-oops", "a b", "a;reboot", "$(id)", "al'ice", "a,host=x", "ü",
        ] {
            assert_eq!(
                sshd_t_command(odd),
                "/usr/sbin/sshd -T 2>/dev/null || sshd -T 2>/dev/null",
                "{odd:?}"
            );
        }
    }

    #[test]
    fn the_suggested_chmod_survives_both_shells_and_skips_others_paths() {
        let v = |path: &str, uid: u32| Violation {
            path: path.into(),
            role: PathRole::SshDir,
            uid,
            mode: 0o040775,
            kinds: vec![ViolationKind::WritableByOthers],
            fixed_mode: Some(0o755),
        };
        let action = permissions_action(
            "web",
            Some(1001),
            &[v("/home/a b/.ssh", 1001), v("/srv/shared", 0)],
        )
        .unwrap();
        assert_eq!(
            action.command,
            r#"ssh web 'chmod go-w '\''/home/a b/.ssh'\'''"#
        );
        let Some(Repair::RemotePermissions { changes }) = &action.repair else {
            panic!("no repair")
        };
        assert_eq!(changes.len(), 1, "root's path is not offered");
        assert!(permissions_action("web", Some(1001), &[v("/srv/shared", 0)]).is_none());
        assert!(permissions_action("web", None, &[v("/home/a/.ssh", 1001)]).is_none());
    }
}
