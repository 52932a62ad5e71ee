//! sshd's StrictModes rule (`auth_secure_path`): which paths it looks at, and which of them
//! make sshd ignore `authorized_keys`.

use crate::i18n::Text;
use crate::text;

/// File type mask of `st_mode`.
const S_IFMT: u32 = 0o170_000;
/// Directory.
const S_IFDIR: u32 = 0o040_000;
/// Regular file.
const S_IFREG: u32 = 0o100_000;
/// Symbolic link.
const S_IFLNK: u32 = 0o120_000;
/// Group and other write bits: what `StrictModes` forbids.
const GROUP_OTHER_WRITE: u32 = 0o022;

/// The role a path plays in sshd's `StrictModes` check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRole {
    /// The user's home directory (the last directory checked when the file is under it).
    Home,
    /// A directory between the home directory (exclusive) and the file, e.g. `~/.ssh`.
    SshDir,
    /// A directory on the way up to `/` when the file is not under the home directory.
    OutsideHome,
    /// The `authorized_keys` file itself.
    AuthorizedKeys,
}

impl PathRole {
    /// The finding a violation in this role is reported as (`remote.home_permissions`,
    /// `remote.ssh_dir_permissions`, `remote.authorized_keys_permissions`), by the remote
    /// stage and by `sshdoctor server` alike.
    pub fn finding_id(self) -> &'static str {
        match self {
            PathRole::Home => "remote.home_permissions",
            PathRole::SshDir | PathRole::OutsideHome => "remote.ssh_dir_permissions",
            PathRole::AuthorizedKeys => "remote.authorized_keys_permissions",
        }
    }
}

/// What `stat` said of one remote path (numbers as the server reports them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteStat {
    /// The path that was stat'ed.
    pub path: String,
    /// Owner uid.
    pub uid: u32,
    /// The full `st_mode`, file type bits included (`S_IFDIR` 0o040000,
    /// `S_IFREG` 0o100000, `S_IFLNK` 0o120000, ...).
    pub mode: u32,
}

/// Collapse repeated slashes, drop `.` components and trailing slashes.
/// (`..` is kept: only the server's `realpath` can resolve it.)
fn normalise(path: &str) -> String {
    let absolute = path.starts_with('/');
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// POSIX `dirname` of a normalised path: `/a/b` → `/a`, `/a` → `/`, `a` → `.`.
fn dirname(path: &str) -> String {
    match path.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => path[..i].to_string(),
        None => ".".to_string(),
    }
}

/// Is `path` strictly below `dir`?
fn is_under(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return path.starts_with('/') && path != "/";
    }
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.starts_with('/') && rest.len() > 1)
}

/// The paths sshd checks, in order: the file itself, then each parent up to
/// and including `home` when `file` is under `home`, otherwise up to and
/// including `/`.
///
/// Both paths should be absolute and already resolved (sshd runs `realpath`
/// on both first, so symbolic links never appear in the chain); repeated and
/// trailing slashes and `.` components are tidied here. `home` of `/` is
/// allowed: the walk then ends at `/`, which plays the [`PathRole::Home`] role.
pub fn strict_modes_chain(file: &str, home: &str) -> Vec<(String, PathRole)> {
    let file = normalise(file);
    let home = normalise(home);
    let under_home = is_under(&file, &home);
    let mut chain = vec![(file.clone(), PathRole::AuthorizedKeys)];
    let mut current = file;
    loop {
        let dir = dirname(&current);
        let role = if dir == home {
            PathRole::Home
        } else if under_home {
            PathRole::SshDir
        } else {
            PathRole::OutsideHome
        };
        chain.push((dir.clone(), role));
        // sshd: stop once the home directory has been checked, or at the root.
        if dir == home || dir == "/" || dir == "." {
            break;
        }
        current = dir;
    }
    chain
}

/// One reason sshd refuses a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    /// The `authorized_keys` path is not a regular file (sshd checks this even
    /// with `StrictModes no`).
    NotRegularFile,
    /// A directory in the chain is not a directory, typically a symbolic link
    /// stat'ed without following it: sshd checks the resolved path instead.
    NotDirectory,
    /// Owned by neither root nor the user.
    BadOwner {
        /// The actual owner uid.
        owner: u32,
    },
    /// Writable by the group and/or others (`mode & 0o022 != 0`).
    WritableByOthers,
}

/// A path that makes sshd ignore `authorized_keys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The path.
    pub path: String,
    /// Its role in the chain.
    pub role: PathRole,
    /// Its owner uid.
    pub uid: u32,
    /// Its full `st_mode`.
    pub mode: u32,
    /// Everything wrong with it (never empty).
    pub kinds: Vec<ViolationKind>,
    /// The permission bits (`mode & 0o7777`) with the group/other write bits
    /// cleared, when a chmod would fix the mode; `None` when only ownership or
    /// the file type is wrong. Set-id and sticky bits are kept. When the owner
    /// is wrong too, a chown is needed as well.
    pub fixed_mode: Option<u32>,
}

/// The `ls -l` style text of a mode: `drwxrwxr-x`.
fn symbolic_mode(mode: u32) -> String {
    let kind = match mode & S_IFMT {
        S_IFDIR => 'd',
        S_IFREG => '-',
        S_IFLNK => 'l',
        0o020_000 => 'c',
        0o060_000 => 'b',
        0o010_000 => 'p',
        0o140_000 => 's',
        _ => '?',
    };
    let bit = |mask: u32, c: char| if mode & mask != 0 { c } else { '-' };
    let exec =
        |x: u32, special: u32, set: char, unset: char| match (mode & x != 0, mode & special != 0) {
            (true, true) => set,
            (false, true) => unset,
            (true, false) => 'x',
            (false, false) => '-',
        };
    [
        kind,
        bit(0o400, 'r'),
        bit(0o200, 'w'),
        exec(0o100, 0o4000, 's', 'S'),
        bit(0o040, 'r'),
        bit(0o020, 'w'),
        exec(0o010, 0o2000, 's', 'S'),
        bit(0o004, 'r'),
        bit(0o002, 'w'),
        exec(0o001, 0o1000, 't', 'T'),
    ]
    .into_iter()
    .collect()
}

/// What a file type is called in a sentence (`a directory`, `a symbolic link`).
fn file_type_name(mode: u32) -> Text {
    match mode & S_IFMT {
        S_IFDIR => text!("remote_rules.type_directory"),
        S_IFREG => text!("remote_rules.type_regular_file"),
        S_IFLNK => text!("remote_rules.type_symlink"),
        0o020_000 => text!("remote_rules.type_char_device"),
        0o060_000 => text!("remote_rules.type_block_device"),
        0o010_000 => text!("remote_rules.type_fifo"),
        0o140_000 => text!("remote_rules.type_socket"),
        _ => text!("remote_rules.type_unknown"),
    }
}

impl Violation {
    /// Whether the only fault is group write (no write for others, owner
    /// fine, right file type). Debian and Ubuntu's sshd tolerates exactly
    /// this when the group is the user's private group; see
    /// [`debian_tolerates_group_write`].
    pub fn group_write_only(&self) -> bool {
        self.kinds == [ViolationKind::WritableByOthers] && self.mode & 0o002 == 0
    }

    /// Whether the path's owner is wrong (neither root nor the user): only root can fix it.
    pub fn bad_owner(&self) -> bool {
        self.kinds
            .iter()
            .any(|k| matches!(k, ViolationKind::BadOwner { .. }))
    }

    /// The mode as octal permission bits and `ls -l` text: `0775 (drwxrwxr-x)`.
    pub fn mode_text(&self) -> String {
        format!("{:04o} ({})", self.mode & 0o7777, symbolic_mode(self.mode))
    }

    /// One sentence: what sshd logs, and why. For example
    /// `bad ownership or modes for directory /home/alice/.ssh: mode 0775 lets the group write`.
    pub fn explanation(&self) -> String {
        self.explanation_text().english()
    }

    /// [`Violation::explanation`] in no language yet.
    pub fn explanation_text(&self) -> Text {
        let (path, kind) = (self.path.as_str(), file_type_name(self.mode));
        if self.kinds.contains(&ViolationKind::NotRegularFile) {
            return text!("remote_rules.not_regular_file", path = path, kind = kind);
        }
        if self.kinds.contains(&ViolationKind::NotDirectory) {
            return text!("remote_rules.not_directory", path = path, kind = kind);
        }
        let reasons = self
            .kinds
            .iter()
            .filter_map(|kind| self.reason(kind))
            .reduce(|a, b| text!("remote_rules.and", a = a, b = b))
            .unwrap_or(Text::from(""));
        if self.role == PathRole::AuthorizedKeys {
            text!(
                "remote_rules.bad_modes_file",
                path = path,
                reasons = reasons
            )
        } else {
            text!("remote_rules.bad_modes_dir", path = path, reasons = reasons)
        }
    }

    /// Why one kind of fault makes sshd refuse the path (None for the file-type faults, which
    /// have a sentence of their own).
    fn reason(&self, kind: &ViolationKind) -> Option<Text> {
        match kind {
            ViolationKind::BadOwner { owner } => {
                Some(text!("remote_rules.bad_owner", owner = *owner))
            }
            ViolationKind::WritableByOthers => {
                let who = match (self.mode & 0o020 != 0, self.mode & 0o002 != 0) {
                    (true, true) => text!("remote_rules.who_group_and_others"),
                    (true, false) => text!("remote_rules.who_group"),
                    _ => text!("remote_rules.who_others"),
                };
                let mode = format!("{:04o}", self.mode & 0o7777);
                Some(text!("remote_rules.writable", mode = mode, who = who))
            }
            ViolationKind::NotRegularFile | ViolationKind::NotDirectory => None,
        }
    }
}

/// Judge the chain, as sshd's `safe_path` does with `StrictModes yes`.
///
/// `chain` holds the stats in the order of [`strict_modes_chain`]; a path
/// missing from it does not exist, which the caller reports. Ownership by root
/// (uid 0) or by `user_uid` is fine; so is any mode without group/other write.
///
/// Every bad path is returned, in chain order: sshd stops at (and logs) the
/// first one, but fixing only that one would just reveal the next.
///
/// This is upstream OpenSSH's rule. Debian and Ubuntu patch sshd to accept
/// group write when the group is the user's private group; a violation for
/// which [`Violation::group_write_only`] holds may be harmless there, see
/// [`debian_tolerates_group_write`].
pub fn check_strict_modes(user_uid: u32, chain: &[(RemoteStat, PathRole)]) -> Vec<Violation> {
    let mut out = Vec::new();
    for (stat, role) in chain {
        let file_type = stat.mode & S_IFMT;
        let mut kinds = Vec::new();
        if *role == PathRole::AuthorizedKeys {
            if file_type != S_IFREG {
                kinds.push(ViolationKind::NotRegularFile);
            }
        } else if file_type != S_IFDIR {
            kinds.push(ViolationKind::NotDirectory);
        }
        if kinds.is_empty() {
            if stat.uid != 0 && stat.uid != user_uid {
                kinds.push(ViolationKind::BadOwner { owner: stat.uid });
            }
            if stat.mode & GROUP_OTHER_WRITE != 0 {
                kinds.push(ViolationKind::WritableByOthers);
            }
        }
        if kinds.is_empty() {
            continue;
        }
        let fixed_mode = kinds
            .contains(&ViolationKind::WritableByOthers)
            .then_some(stat.mode & 0o7777 & !GROUP_OTHER_WRITE);
        out.push(Violation {
            path: stat.path.clone(),
            role: *role,
            uid: stat.uid,
            mode: stat.mode,
            kinds,
            fixed_mode,
        });
    }
    out
}

/// Debian's and Ubuntu's sshd (patch `user-group-modes`) accept a
/// group-writable path when its group has exactly one member and that member
/// is the user: every account whose primary group it is must be the user
/// (`primary_uids`), and the group's member list (`members`, as in
/// `/etc/group`) may only name the path's owner (`owner_name`). A group
/// nobody belongs to does not count. Upstream OpenSSH never tolerates group
/// write.
pub fn debian_tolerates_group_write(
    user_uid: u32,
    owner_name: &str,
    primary_uids: &[u32],
    members: &[&str],
) -> bool {
    if primary_uids.iter().any(|&uid| uid != user_uid) {
        return false;
    }
    let mut count = primary_uids.len();
    if let Some(first) = members.first() {
        if *first != owner_name || members.len() > 1 {
            return false;
        }
        count += 1;
    }
    count > 0
}
