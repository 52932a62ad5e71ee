//! The server's side of a login, judged the way sshd (OpenSSH 9.x) judges it.
//!
//! Everything here is pure: callers gather the facts on the server (`stat`,
//! the bytes of `authorized_keys`, `df -Pk`, `sshd -T`) and these functions
//! say what sshd makes of them.
//!
//! * [`strict_modes_chain`] and [`check_strict_modes`] follow sshd's
//!   `auth_secure_path` (`safe_path` in `misc.c`): which paths `StrictModes`
//!   looks at, and which of them make sshd ignore `authorized_keys`.
//! * [`parse_authorized_keys`] reads `authorized_keys` as
//!   `auth_check_authkeys_file` / `auth_check_authkey_line` do, including the
//!   "skip the options and try again" retry and `sshauthopt_parse`'s option
//!   checks; [`find_key`] finds the line sshd would accept a key from.
//! * [`plan_install`] appends a key without disturbing a byte of the file.
//! * [`parse_df`] and [`parse_sshd_t`] read `df -Pk` and `sshd -T` output.

use ssh_key::public::KeyData;
use ssh_key::PublicKey;

use crate::known_hosts::{is_blank, key_bits, skip_blank, token_end, KeyKind};

#[cfg(test)]
mod tests;

// ---------------------------------------------------------------------------
// 1. StrictModes
// ---------------------------------------------------------------------------

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

/// What a file type is called in a sentence.
fn file_type_name(mode: u32) -> &'static str {
    match mode & S_IFMT {
        S_IFDIR => "a directory",
        S_IFREG => "a regular file",
        S_IFLNK => "a symbolic link",
        0o020_000 => "a character device",
        0o060_000 => "a block device",
        0o010_000 => "a FIFO",
        0o140_000 => "a socket",
        _ => "of an unknown file type",
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

    /// The mode as octal permission bits and `ls -l` text: `0775 (drwxrwxr-x)`.
    pub fn mode_text(&self) -> String {
        format!("{:04o} ({})", self.mode & 0o7777, symbolic_mode(self.mode))
    }

    /// One sentence: what sshd logs, and why. For example
    /// `bad ownership or modes for directory /home/alice/.ssh: mode 0775 lets the group write`.
    pub fn explanation(&self) -> String {
        if self.kinds.contains(&ViolationKind::NotRegularFile) {
            return format!(
                "{} is not a regular file: it is {}, and sshd reads authorized keys only from a regular file",
                self.path,
                file_type_name(self.mode)
            );
        }
        if self.kinds.contains(&ViolationKind::NotDirectory) {
            return format!(
                "{} is not a directory: it is {}; sshd checks the directories of the resolved path",
                self.path,
                file_type_name(self.mode)
            );
        }
        let what = if self.role == PathRole::AuthorizedKeys {
            "file"
        } else {
            "directory"
        };
        let mut reasons = Vec::new();
        for kind in &self.kinds {
            match kind {
                ViolationKind::BadOwner { owner } => reasons.push(format!(
                    "it is owned by uid {owner}, which is neither root nor the user"
                )),
                ViolationKind::WritableByOthers => {
                    let who = match (self.mode & 0o020 != 0, self.mode & 0o002 != 0) {
                        (true, true) => "the group and others",
                        (true, false) => "the group",
                        _ => "others",
                    };
                    reasons.push(format!("mode {:04o} lets {who} write", self.mode & 0o7777));
                }
                ViolationKind::NotRegularFile | ViolationKind::NotDirectory => {}
            }
        }
        format!(
            "bad ownership or modes for {what} {}: {}",
            self.path,
            reasons.join(" and ")
        )
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

// ---------------------------------------------------------------------------
// 2. authorized_keys
// ---------------------------------------------------------------------------

/// One usable line of `authorized_keys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedKey {
    /// 1-based line number.
    pub line: usize,
    /// The options field exactly as written (lossily decoded), if any.
    pub options: Option<String>,
    /// The key type as written on the line (`ssh-ed25519`, `rsa-sha2-512`, ...).
    pub algorithm: String,
    /// The key; `None` only for a certificate line this crate cannot decode
    /// (a certificate in `authorized_keys` never authenticates anything anyway).
    pub key: Option<KeyData>,
    /// Whatever follows the key (lossily decoded), possibly empty.
    pub comment: String,
}

impl AuthorizedKey {
    /// Whether the line carries the `cert-authority` option: sshd then trusts
    /// the key only as a CA for user certificates, never for a plain key login.
    pub fn is_cert_authority(&self) -> bool {
        self.options
            .as_deref()
            .and_then(|o| parse_options(o.as_bytes()).ok())
            .is_some_and(|o| o.cert_authority)
    }

    /// Whether the line is a certificate rather than a key.
    pub fn is_certificate(&self) -> bool {
        self.algorithm.ends_with(CERT_SUFFIX)
    }

    /// The options that limit what this key may do (`restrict`, `from=`, `command=`,
    /// `expiry-time=`), as `sshauthopt_parse` reads them.
    pub fn restrictions(&self) -> Restrictions {
        self.options
            .as_deref()
            .and_then(|o| parse_options(o.as_bytes()).ok())
            .map(|o| o.limits)
            .unwrap_or_default()
    }
}

/// The options of an `authorized_keys` line that limit the key (values dequoted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restrictions {
    /// `restrict`: no forwarding, no pty, no `~/.ssh/rc`.
    pub restrict: bool,
    /// `from="pattern-list"`: the client addresses or names the key is accepted from.
    pub from: Option<String>,
    /// `command="..."`: the only command the key runs.
    pub command: Option<String>,
    /// `expiry-time="YYYYMMDD[HHMM[SS]][Z]"`: when the key stops being accepted.
    pub expiry_time: Option<String>,
}

/// A line sshd skips.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedLine {
    /// 1-based line number.
    pub line: usize,
    /// The start of the line: at most 60 characters, control characters
    /// replaced, ending in `…` when cut.
    pub preview: String,
    /// Why sshd cannot use the line, for a human.
    pub reason: String,
}

/// What sshd makes of an `authorized_keys` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthorizedKeys {
    /// Usable lines, in file order.
    pub keys: Vec<AuthorizedKey>,
    /// Lines sshd skips, in file order (blank and comment lines are not listed).
    pub malformed: Vec<MalformedLine>,
}

const CERT_SUFFIX: &str = "-cert-v01@openssh.com";
const PREVIEW_CHARS: usize = 60;

/// Quote a piece of a line for a message, shortened when long.
fn quoted(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(160)]);
    let mut short: String = text.chars().take(40).collect();
    if text.chars().count() > 40 || bytes.len() > 160 {
        short.push('…');
    }
    format!("{short:?}")
}

fn preview(raw: &[u8]) -> String {
    // Enough bytes for 60 characters of any width, plus one to know if we cut.
    let head = &raw[..raw.len().min(PREVIEW_CHARS * 4 + 4)];
    let text = String::from_utf8_lossy(head);
    let clean: Vec<char> = text
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect();
    if clean.len() <= PREVIEW_CHARS && head.len() == raw.len() {
        return clean.into_iter().collect();
    }
    let mut out: String = clean.into_iter().take(PREVIEW_CHARS - 1).collect();
    out.push('…');
    out
}

/// Base64 as OpenSSH's `b64_pton` reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum B64Error {
    /// A character outside the alphabet.
    BadChar(u8),
    /// The data stops in the middle of a 4-character group (no padding).
    Incomplete,
    /// Misplaced `=` or stray bits.
    BadPadding,
}

fn b64_value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Decode like `b64_pton`: whitespace is skipped, a final partial group must
/// be padded with `=`, and the padding's unused bits must be zero.
fn b64_decode(s: &[u8]) -> Result<Vec<u8>, B64Error> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut n = 0usize;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if is_space(c) {
            continue;
        }
        if c == b'=' {
            // Padding: allowed after 2 or 3 characters of a group.
            let pads_needed = match n {
                2 => 2,
                3 => 1,
                _ => return Err(B64Error::BadPadding),
            };
            let mut pads = 1;
            while pads < pads_needed {
                while i < s.len() && is_space(s[i]) {
                    i += 1;
                }
                if i < s.len() && s[i] == b'=' {
                    pads += 1;
                    i += 1;
                } else {
                    return Err(B64Error::BadPadding);
                }
            }
            if s[i..].iter().any(|&c| !is_space(c)) {
                return Err(B64Error::BadPadding);
            }
            let (bits, keep) = if n == 2 { (12, 1) } else { (18, 2) };
            let unused = 24 - bits;
            let value = acc << unused;
            if (value >> (8 * (3 - keep))) << (8 * (3 - keep)) != value {
                return Err(B64Error::BadPadding);
            }
            for k in 0..keep {
                out.push((value >> (16 - 8 * k)) as u8);
            }
            return Ok(out);
        }
        let v = b64_value(c).ok_or(B64Error::BadChar(c))?;
        acc = (acc << 6) | v;
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    if n == 0 {
        Ok(out)
    } else {
        Err(B64Error::Incomplete)
    }
}

/// A key type name as `sshkey_read` knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TypeName {
    kind: KeyKind,
    cert: bool,
    /// For ECDSA: the curve the name fixes.
    curve: Option<&'static str>,
}

/// `peek_type_nid`: only the full names are accepted, exactly (not the short
/// names such as `ED25519` that `sshkey_type_from_name` also knows).
fn type_from_name(name: &[u8]) -> Option<TypeName> {
    use KeyKind::*;
    let name = std::str::from_utf8(name).ok()?;
    let (base, cert) = match name.strip_suffix(CERT_SUFFIX) {
        Some(base) => (base, true),
        None => (name, false),
    };
    let (kind, curve) = match (base, cert) {
        ("ssh-ed25519", _) => (Ed25519, None),
        ("sk-ssh-ed25519@openssh.com", false) | ("sk-ssh-ed25519", true) => (Ed25519Sk, None),
        ("ecdsa-sha2-nistp256", _) => (Ecdsa, Some("nistp256")),
        ("ecdsa-sha2-nistp384", _) => (Ecdsa, Some("nistp384")),
        ("ecdsa-sha2-nistp521", _) => (Ecdsa, Some("nistp521")),
        ("sk-ecdsa-sha2-nistp256@openssh.com", false) | ("sk-ecdsa-sha2-nistp256", true) => {
            (EcdsaSk, None)
        }
        ("ssh-rsa" | "rsa-sha2-256" | "rsa-sha2-512", _) => (Rsa, None),
        ("ssh-dss", _) => (Dsa, None),
        _ => return None,
    };
    Some(TypeName { kind, cert, curve })
}

/// How many length-prefixed fields a plain key blob holds (type name included).
fn expected_fields(kind: KeyKind) -> usize {
    match kind {
        KeyKind::Ed25519 => 2,
        KeyKind::Rsa | KeyKind::Ecdsa | KeyKind::Ed25519Sk => 3,
        KeyKind::EcdsaSk => 4,
        KeyKind::Dsa => 5,
        KeyKind::Other => 1,
    }
}

/// Walk the blob's SSH strings: `Some(count)` of complete fields, or `None`
/// when a length runs past the end (the data was cut).
fn count_fields(blob: &[u8]) -> Option<usize> {
    let mut rest = blob;
    let mut count = 0;
    while !rest.is_empty() {
        if rest.len() < 4 {
            return None;
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len > rest.len() - 4 {
            return None;
        }
        rest = &rest[4 + len..];
        count += 1;
    }
    Some(count)
}

/// The type name a blob starts with, if it starts with a complete string.
fn blob_type(blob: &[u8]) -> Option<&[u8]> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    blob.get(4..4usize.checked_add(len)?)
}

/// Why `sshkey_read` failed on a piece of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyError {
    /// The first token is not a key type name.
    UnknownType,
    /// A known key type with nothing after it.
    MissingData,
    /// The data stops early (incomplete base64, or a blob shorter than its fields say).
    CutShort,
    /// Any other fault of a line whose key type is known.
    Bad(String),
}

impl KeyError {
    /// The key type was recognised, so the fault is in what follows it.
    fn type_known(&self) -> bool {
        !matches!(self, KeyError::UnknownType)
    }

    fn is_cut(&self) -> bool {
        matches!(self, KeyError::MissingData | KeyError::CutShort)
    }
}

/// A key read off a line: type as written, key (None for an undecodable
/// certificate), and the comment.
type ReadKey = (String, Option<KeyData>, String);

/// `sshkey_read` on `type base64 [comment]` (with `KEY_UNSPEC`).
fn read_key(s: &[u8]) -> Result<ReadKey, KeyError> {
    let tend = token_end(s, 0);
    let type_name = type_from_name(&s[..tend]).ok_or(KeyError::UnknownType)?;
    let name = String::from_utf8_lossy(&s[..tend]).into_owned();
    let b = skip_blank(s, tend);
    if b == s.len() {
        return Err(KeyError::MissingData);
    }
    let bend = token_end(s, b);
    let blob = match b64_decode(&s[b..bend]) {
        Ok(blob) => blob,
        Err(B64Error::Incomplete) => return Err(KeyError::CutShort),
        Err(B64Error::BadChar(c)) => {
            let what = if c.is_ascii_graphic() {
                format!("{:?}", char::from(c))
            } else {
                format!("the byte 0x{c:02x}")
            };
            return Err(KeyError::Bad(format!(
                "the key data is not valid base64 (it contains {what})"
            )));
        }
        Err(B64Error::BadPadding) => {
            return Err(KeyError::Bad(
                "the key data is not valid base64 (bad padding)".into(),
            ))
        }
    };
    let c = skip_blank(s, bend);
    let comment = String::from_utf8_lossy(&s[c..]).into_owned();

    let fields = count_fields(&blob);
    let Some(data_type) = blob_type(&blob) else {
        return Err(if blob.len() < 4 || fields.is_none() {
            KeyError::CutShort
        } else {
            KeyError::Bad("the key data is damaged".into())
        });
    };
    let data_type_name = String::from_utf8_lossy(data_type).into_owned();
    let Some(data_kind) = type_from_name(data_type) else {
        return Err(KeyError::Bad(format!(
            "the key data holds a key of unknown type {data_type_name:?}"
        )));
    };
    if data_kind.kind != type_name.kind
        || data_kind.cert != type_name.cert
        || data_kind.curve != type_name.curve
    {
        return Err(KeyError::Bad(format!(
            "the line says {name:?} but the key data is a {data_type_name:?} key"
        )));
    }

    if type_name.cert {
        // Certificates are taken as they come: decoded when this crate can,
        // otherwise recorded without a key unless the data is plainly cut.
        return match PublicKey::from_bytes(&blob) {
            Ok(k) if k.key_data().is_certificate() => {
                Ok((name, Some(k.key_data().clone()), comment))
            }
            _ if fields.is_none() => Err(KeyError::CutShort),
            _ => Ok((name, None, comment)),
        };
    }

    match fields {
        None => return Err(KeyError::CutShort),
        Some(n) if n < expected_fields(type_name.kind) => return Err(KeyError::CutShort),
        Some(_) => {}
    }
    let key = match PublicKey::from_bytes(&blob) {
        Ok(k) => k.key_data().clone(),
        Err(e) => {
            return Err(KeyError::Bad(format!(
                "the {data_type_name} key data is damaged ({e})"
            )))
        }
    };
    if KeyKind::of(&key) != type_name.kind || key.is_certificate() {
        return Err(KeyError::Bad(format!(
            "the line says {name:?} but the key data is a {:?} key",
            key.algorithm().as_str()
        )));
    }
    if let (Some(curve), KeyData::Ecdsa(k)) = (type_name.curve, &key) {
        if k.curve().as_str() != curve {
            return Err(KeyError::Bad(format!(
                "the line says {name:?} but the key is on curve {}",
                k.curve().as_str()
            )));
        }
    }
    if type_name.kind == KeyKind::Rsa && key_bits(&key) < 1024 {
        return Err(KeyError::Bad(format!(
            "the RSA key has only {} bits; sshd refuses RSA keys under 1024 bits",
            key_bits(&key)
        )));
    }
    Ok((name, Some(key), comment))
}

/// `sshkey_advance_past_options`: the end of the options field (an unquoted
/// blank or the end of the line), or `None` for an unterminated quote.
fn advance_past_options(s: &[u8]) -> Option<usize> {
    let mut quoted = false;
    let mut i = 0;
    while i < s.len() && (quoted || !is_blank(s[i])) {
        if s[i] == b'\\' && s.get(i + 1) == Some(&b'"') {
            i += 1;
        } else if s[i] == b'"' {
            quoted = !quoted;
        }
        i += 1;
    }
    (!quoted || i < s.len()).then_some(i)
}

/// What `sshauthopt_parse` keeps that matters here.
#[derive(Debug, Default)]
struct ParsedOptions {
    cert_authority: bool,
    limits: Restrictions,
}

/// `opt_flag`: a case-insensitive prefix match of `name` (or `no-name`).
fn opt_flag(s: &[u8], i: &mut usize, name: &str, allow_negate: bool) -> Option<bool> {
    let mut j = *i;
    let mut negate = false;
    if allow_negate && s.len() >= j + 3 && s[j..j + 3].eq_ignore_ascii_case(b"no-") {
        j += 3;
        negate = true;
    }
    let n = name.len();
    if s.len() >= j + n && s[j..j + n].eq_ignore_ascii_case(name.as_bytes()) {
        *i = j + n;
        return Some(!negate);
    }
    None
}

/// `opt_match`: `name=` case-insensitively.
fn opt_match(s: &[u8], i: &mut usize, name: &str) -> bool {
    let n = name.len();
    if s.len() > *i + n && s[*i..*i + n].eq_ignore_ascii_case(name.as_bytes()) && s[*i + n] == b'='
    {
        *i += n + 1;
        return true;
    }
    false
}

/// `opt_dequote`: a double-quoted value with `\"` escapes.
fn opt_dequote(s: &[u8], i: &mut usize) -> Result<Vec<u8>, String> {
    if s.get(*i) != Some(&b'"') {
        return Err("missing start quote".into());
    }
    let mut j = *i + 1;
    let mut out = Vec::new();
    while j < s.len() && s[j] != b'"' {
        if s[j] == b'\\' && s.get(j + 1) == Some(&b'"') {
            j += 1;
        }
        out.push(s[j]);
        j += 1;
    }
    if j == s.len() {
        return Err("missing end quote".into());
    }
    *i = j + 1;
    Ok(out)
}

fn all_digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

fn parse_decimal(s: &[u8]) -> Option<u64> {
    if !all_digits(s) || s.len() > 19 {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// `parse_absolute_time`: `YYYYMMDD[HHMM[SS]]`, optionally followed by `Z` or
/// `UTC`; times before 1970 are refused, and so is the epoch itself (an
/// expiry of 0 means none). Local times near the epoch depend on the
/// server's time zone and are given the benefit of the doubt.
fn valid_expiry(s: &[u8]) -> bool {
    let mut body = s;
    let mut utc = false;
    if body.len() > 1 && body[body.len() - 1].eq_ignore_ascii_case(&b'z') {
        body = &body[..body.len() - 1];
        utc = true;
    } else if body.len() > 3 && body[body.len() - 3..].eq_ignore_ascii_case(b"utc") {
        body = &body[..body.len() - 3];
        utc = true;
    }
    if !matches!(body.len(), 8 | 12 | 14) || !all_digits(body) {
        return false;
    }
    let num = |a: usize, b: usize| parse_decimal(&body[a..b]).unwrap_or(u64::MAX);
    let (year, month, day) = (num(0, 4), num(4, 6), num(6, 8));
    let (hour, minute, second) = match body.len() {
        8 => (0, 0, 0),
        12 => (num(8, 10), num(10, 12), 0),
        _ => (num(8, 10), num(10, 12), num(12, 14)),
    };
    let in_range = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 61;
    let epoch = year == 1970 && month == 1 && day == 1 && hour == 0 && minute == 0 && second == 0;
    in_range && year >= 1970 && !(utc && epoch)
}

/// `hpdelim2` then the port check of `handle_permit`.
fn valid_permit(value: &[u8], allow_bare_port: bool) -> Result<(), String> {
    let mut value = value.to_vec();
    if allow_bare_port && !value.contains(&b':') {
        value.splice(0..0, b"*:".iter().copied());
    }
    let host_end = if value.first() == Some(&b'[') {
        match value.iter().position(|&b| b == b']') {
            Some(p) => p + 1,
            None => return Err("invalid permission hostname".into()),
        }
    } else {
        value
            .iter()
            .position(|&b| b == b':' || b == b'/')
            .unwrap_or(value.len())
    };
    let port = match value.get(host_end) {
        None => return Err("invalid permission port".into()),
        Some(b':' | b'/') => &value[host_end + 1..],
        Some(_) => return Err("invalid permission hostname".into()),
    };
    if host_end >= 1025 {
        return Err("invalid permission hostname".into());
    }
    if port == b"*" {
        return Ok(());
    }
    if all_digits(port) {
        return match parse_decimal(port) {
            Some(p) if (1..=65535).contains(&p) => Ok(()),
            _ => Err("invalid permission port".into()),
        };
    }
    // A service name (looked up in the server's /etc/services): accept names
    // that could be one.
    let service_like = !port.is_empty()
        && port
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+'));
    if service_like {
        Ok(())
    } else {
        Err("invalid permission port".into())
    }
}

/// An option `sshauthopt_parse` rejects: why, and where that option starts.
type OptionError = (String, usize);

/// `sshauthopt_parse` (OpenSSH 9.x), on the line from the options onwards.
fn parse_options(s: &[u8]) -> Result<ParsedOptions, OptionError> {
    let mut start = 0;
    parse_options_at(s, &mut start).map_err(|why| (why, start))
}

fn parse_options_at(s: &[u8], start: &mut usize) -> Result<ParsedOptions, String> {
    let mut out = ParsedOptions::default();
    let (mut command, mut principals, mut from) = (false, false, false);
    let mut i = 0;
    while i < s.len() && !is_blank(s[i]) {
        *start = i;
        if opt_flag(s, &mut i, "restrict", false).is_some() {
            out.limits.restrict = true;
        } else if let Some(on) = opt_flag(s, &mut i, "cert-authority", false) {
            out.cert_authority = on;
        } else if opt_flag(s, &mut i, "port-forwarding", true).is_some()
            || opt_flag(s, &mut i, "agent-forwarding", true).is_some()
            || opt_flag(s, &mut i, "x11-forwarding", true).is_some()
            || opt_flag(s, &mut i, "touch-required", true).is_some()
            || opt_flag(s, &mut i, "verify-required", true).is_some()
            || opt_flag(s, &mut i, "pty", true).is_some()
            || opt_flag(s, &mut i, "user-rc", true).is_some()
        {
        } else if opt_match(s, &mut i, "command") {
            if command {
                return Err("multiple \"command\" clauses".into());
            }
            command = true;
            out.limits.command =
                Some(String::from_utf8_lossy(&opt_dequote(s, &mut i)?).into_owned());
        } else if opt_match(s, &mut i, "principals") {
            if principals {
                return Err("multiple \"principals\" clauses".into());
            }
            principals = true;
            opt_dequote(s, &mut i)?;
        } else if opt_match(s, &mut i, "from") {
            if from {
                return Err("multiple \"from\" clauses".into());
            }
            from = true;
            out.limits.from = Some(String::from_utf8_lossy(&opt_dequote(s, &mut i)?).into_owned());
        } else if opt_match(s, &mut i, "expiry-time") {
            let value = opt_dequote(s, &mut i)?;
            if !valid_expiry(&value) {
                return Err("invalid expires time".into());
            }
            out.limits.expiry_time = Some(String::from_utf8_lossy(&value).into_owned());
        } else if opt_match(s, &mut i, "environment") {
            let value = opt_dequote(s, &mut i)?;
            let Some(eq) = value.iter().position(|&b| b == b'=') else {
                return Err("invalid environment string".into());
            };
            let name = &value[..eq];
            if name.is_empty() || !name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                return Err("invalid environment string".into());
            }
        } else if opt_match(s, &mut i, "permitopen") {
            valid_permit(&opt_dequote(s, &mut i)?, false)?;
        } else if opt_match(s, &mut i, "permitlisten") {
            valid_permit(&opt_dequote(s, &mut i)?, true)?;
        } else if opt_match(s, &mut i, "tunnel") {
            let value = opt_dequote(s, &mut i)?;
            let ok = value.eq_ignore_ascii_case(b"any")
                || parse_decimal(&value).is_some_and(|n| n <= 0x7fff_fffd);
            if !ok {
                return Err("invalid tun device".into());
            }
        }
        if i == s.len() || is_blank(s[i]) {
            break;
        }
        if s[i] != b',' {
            return Err("unknown key option".into());
        }
        i += 1;
        if i == s.len() {
            return Err("unexpected end-of-options".into());
        }
    }
    Ok(out)
}

/// The name of the option at the start of `s` (for messages).
fn option_at(s: &[u8]) -> &[u8] {
    let end = s
        .iter()
        .position(|&b| matches!(b, b',' | b'=' | b' ' | b'\t'))
        .unwrap_or(s.len());
    &s[..end]
}

/// A line of the file with what it turned out to be.
enum LineOutcome {
    Key(AuthorizedKey),
    Bad(KeyError, Option<String>),
}

/// Is this (already trimmed) line a piece of base64, possibly ending a key
/// with its comment?
fn base64_piece(s: &[u8]) -> Option<(&[u8], bool)> {
    let end = token_end(s, 0);
    let token = &s[..end];
    let ok = !token.is_empty() && token.iter().all(|&b| b64_value(b).is_some() || b == b'=');
    let has_more = skip_blank(s, end) < s.len();
    ok.then_some((token, has_more))
}

/// Classify one line (without its terminator).
fn classify(number: usize, s: &[u8]) -> Option<LineOutcome> {
    let start = skip_blank(s, 0);
    if start == s.len() || s[start] == b'#' {
        return None;
    }
    let s = &s[start..];
    let first = match read_key(s) {
        Ok((algorithm, key, comment)) => {
            return Some(LineOutcome::Key(AuthorizedKey {
                line: number,
                options: None,
                algorithm,
                key,
                comment,
            }))
        }
        Err(e) => e,
    };
    let Some(opt_end) = advance_past_options(s) else {
        let reason = if first.type_known() {
            None
        } else {
            Some("the options have an unterminated double quote".to_string())
        };
        return Some(LineOutcome::Bad(first, reason));
    };
    let k = skip_blank(s, opt_end);
    let second = match read_key(&s[k..]) {
        Ok((algorithm, key, comment)) => {
            if let Err((why, at)) = parse_options(s) {
                let name = option_at(&s[at..]);
                let which = if name.is_empty() {
                    String::new()
                } else {
                    format!(" (at {})", quoted(name))
                };
                return Some(LineOutcome::Bad(
                    KeyError::Bad(String::new()),
                    Some(format!(
                        "sshd rejects the key options: {why}{which}, so it ignores the {algorithm} key on this line"
                    )),
                ));
            }
            return Some(LineOutcome::Key(AuthorizedKey {
                line: number,
                options: Some(String::from_utf8_lossy(&s[..opt_end]).into_owned()),
                algorithm,
                key,
                comment,
            }));
        }
        Err(e) => e,
    };
    // Both readings failed: report the one whose key type was recognised.
    if first.type_known() {
        return Some(LineOutcome::Bad(first, None));
    }
    if second.type_known() {
        return Some(LineOutcome::Bad(second, None));
    }
    // No key type anywhere. If something looks like key data ("AAAA..."),
    // the word before it is a key type sshd does not know.
    let first_end = token_end(s, 0);
    let after_first = skip_blank(s, first_end);
    let after_opts_end = token_end(s, k);
    let after_opts = skip_blank(s, after_opts_end);
    let looks_like_data = |i: usize| s[i..].starts_with(b"AAAA");
    let reason = if after_first < s.len() && looks_like_data(after_first) {
        format!("unknown key type {}", quoted(&s[..first_end]))
    } else if k < s.len() && after_opts < s.len() && looks_like_data(after_opts) {
        format!("unknown key type {}", quoted(&s[k..after_opts_end]))
    } else {
        "not a key: no key type found".to_string()
    };
    Some(LineOutcome::Bad(KeyError::UnknownType, Some(reason)))
}

/// The message for a key error whose key type was recognised.
fn key_error_text(e: &KeyError) -> String {
    match e {
        KeyError::UnknownType => "not a key: no key type found".into(),
        KeyError::MissingData => "the key type has no key data after it".into(),
        KeyError::CutShort => "the key data is cut short — a key pasted with line breaks?".into(),
        KeyError::Bad(text) => text.clone(),
    }
}

fn line_list(lines: &[usize]) -> String {
    match lines {
        [one] => format!("line {one}"),
        [first, .., last] => format!("lines {first}–{last}"),
        [] => String::new(),
    }
}

/// Read `authorized_keys` as sshd does (`auth_check_authkeys_file`).
///
/// Lines end at `\n`; a trailing `\r` is dropped and a NUL byte ends the line
/// (sshd works on C strings). Blank lines and lines starting with `#` (after
/// spaces and tabs) are ignored. Each other line is read as a key; if that
/// fails, the options field is skipped (respecting double quotes) and the rest
/// is read as a key; a line failing both ways, or whose options sshd rejects
/// (`sshauthopt_parse`), is listed in [`AuthorizedKeys::malformed`]. A key
/// pasted with line breaks is recognised: its first line is "cut short" and
/// the lines of bare base64 after it are its continuation.
pub fn parse_authorized_keys(bytes: &[u8]) -> AuthorizedKeys {
    let mut out = AuthorizedKeys::default();
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        lines.pop();
    }
    // The line a run of continuation lines belongs to.
    let mut cut_from: Option<(usize, usize)> = None; // (line number, index in malformed)
    let mut continuation: Vec<usize> = Vec::new();
    let flush = |out: &mut AuthorizedKeys, cut: Option<(usize, usize)>, cont: &mut Vec<usize>| {
        if let Some((_, idx)) = cut {
            if !cont.is_empty() {
                out.malformed[idx].reason = format!(
                    "the key data is cut short: the key was pasted with line breaks and continues on {}",
                    line_list(cont)
                );
            }
        }
        cont.clear();
    };
    for (index, raw) in lines.into_iter().enumerate() {
        let number = index + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let s = &raw[..raw.iter().position(|&b| b == 0).unwrap_or(raw.len())];

        if let Some((cut_line, _)) = cut_from {
            let trimmed = &s[skip_blank(s, 0)..];
            if let Some((_, has_comment)) = base64_piece(trimmed) {
                // A key line would have matched as a key; bare base64 cannot.
                if !matches!(classify(number, s), Some(LineOutcome::Key(_))) {
                    out.malformed.push(MalformedLine {
                        line: number,
                        preview: preview(raw),
                        reason: format!(
                            "continuation of the key on line {cut_line}: the key was pasted with line breaks"
                        ),
                    });
                    continuation.push(number);
                    if has_comment {
                        flush(&mut out, cut_from.take(), &mut continuation);
                    }
                    continue;
                }
            }
            flush(&mut out, cut_from.take(), &mut continuation);
        }

        match classify(number, s) {
            None => {}
            Some(LineOutcome::Key(key)) => out.keys.push(key),
            Some(LineOutcome::Bad(error, text)) => {
                let reason = text.unwrap_or_else(|| key_error_text(&error));
                if error.is_cut() {
                    cut_from = Some((number, out.malformed.len()));
                }
                out.malformed.push(MalformedLine {
                    line: number,
                    preview: preview(raw),
                    reason,
                });
            }
        }
    }
    flush(&mut out, cut_from.take(), &mut continuation);
    out
}

/// The 1-based line holding this key, the first one sshd would accept it
/// from: the key data is compared (not comments or options), and lines marked
/// `cert-authority` are skipped, since sshd never accepts a plain key from one.
pub fn find_key(keys: &AuthorizedKeys, key: &KeyData) -> Option<usize> {
    keys.keys
        .iter()
        .find(|k| k.key.as_ref() == Some(key) && !k.is_cert_authority())
        .map(|k| k.line)
}

// ---------------------------------------------------------------------------
// 3. Installing a key
// ---------------------------------------------------------------------------

/// What installing a key into `authorized_keys` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Install {
    /// sshd already accepts the key from this line (1-based); nothing to do.
    AlreadyPresent {
        /// The line.
        line: usize,
    },
    /// Append one line.
    Append {
        /// Exactly the bytes to append to the end of the file: a leading `\n`
        /// when the file is not empty and does not end with one, the key line,
        /// and a final `\n`.
        append: Vec<u8>,
        /// The whole new content (the old bytes untouched, then `append`).
        new_content: Vec<u8>,
    },
}

/// Plan adding `public_line` (an OpenSSH one-line public key such as
/// `ssh-ed25519 AAAA... comment`) to `authorized_keys` with content
/// `existing` (`None`: the file does not exist).
///
/// A key already present counts even with another comment or with options
/// (the key data is compared), except on a `cert-authority` line, from which
/// sshd would not accept it. Every byte of the existing content is kept.
///
/// # Errors
///
/// When `public_line` is not a single valid public key line (without options).
pub fn plan_install(existing: Option<&[u8]>, public_line: &str) -> Result<Install, String> {
    let line = public_line.trim();
    if line.is_empty() {
        return Err("the public key is empty".into());
    }
    if line.contains(['\n', '\r']) {
        return Err("the public key must be a single line".into());
    }
    let parsed = parse_authorized_keys(line.as_bytes());
    if let Some(bad) = parsed.malformed.first() {
        return Err(format!("not a valid public key: {}", bad.reason));
    }
    let Some(entry) = parsed.keys.first() else {
        return Err("not a valid public key: the line is a comment".into());
    };
    if entry.options.is_some() {
        return Err("not a plain public key: the line starts with authorized_keys options".into());
    }
    let Some(key) = entry.key.as_ref().filter(|k| !k.is_certificate()) else {
        return Err(
            "a certificate cannot log in from authorized_keys; install the plain public key".into(),
        );
    };
    let old = existing.unwrap_or_default();
    if let Some(found) = find_key(&parse_authorized_keys(old), key) {
        return Ok(Install::AlreadyPresent { line: found });
    }
    let mut append = Vec::with_capacity(line.len() + 2);
    if !old.is_empty() && !old.ends_with(b"\n") {
        append.push(b'\n');
    }
    append.extend_from_slice(line.as_bytes());
    append.push(b'\n');
    let mut new_content = Vec::with_capacity(old.len() + append.len());
    new_content.extend_from_slice(old);
    new_content.extend_from_slice(&append);
    Ok(Install::Append {
        append,
        new_content,
    })
}

// ---------------------------------------------------------------------------
// 4. df -P and sshd -T
// ---------------------------------------------------------------------------

/// One filesystem's space, from `df -Pk PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskUse {
    /// The filesystem (device) name.
    pub filesystem: String,
    /// Total size in KiB.
    pub size_kib: u64,
    /// Space available to unprivileged users in KiB.
    pub available_kib: u64,
    /// The capacity column (used / (used + available), rounded up).
    pub use_percent: u8,
    /// Where it is mounted.
    pub mount: String,
}

impl DiskUse {
    /// Full: less than 1 MiB available, or the capacity column says 100% or more.
    pub fn is_full(&self) -> bool {
        self.available_kib < 1024 || self.use_percent >= 100
    }
}

/// `(start, end)` byte ranges of the whitespace-separated fields of `line`.
fn field_spans(line: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, line.len()));
    }
    spans
}

/// A data line: filesystem, then blocks, used, available, `N%`, mount point.
/// The first run of three numbers followed by a percentage is taken, so the
/// filesystem name and the mount point may both contain spaces.
fn parse_df_line(line: &str, block_kib_halves: u64) -> Option<DiskUse> {
    let spans = field_spans(line);
    let field = |k: usize| &line[spans[k].0..spans[k].1];
    let number = |k: usize| parse_decimal(field(k).as_bytes());
    for k in 1..spans.len().saturating_sub(4) {
        let (Some(size), Some(_used), Some(avail)) = (number(k), number(k + 1), number(k + 2))
        else {
            continue;
        };
        let Some(pct) = field(k + 3).strip_suffix('%') else {
            continue;
        };
        let Some(pct) = parse_decimal(pct.as_bytes()) else {
            continue;
        };
        let use_percent = u8::try_from(pct).unwrap_or(u8::MAX);
        let filesystem = line[spans[0].0..spans[k - 1].1].to_string();
        let mount = line[spans[k + 4].0..].trim_end().to_string();
        let kib = |blocks: u64| blocks.saturating_mul(block_kib_halves) / 2;
        return Some(DiskUse {
            filesystem,
            size_kib: kib(size),
            available_kib: kib(avail),
            use_percent,
            mount,
        });
    }
    None
}

/// Parse POSIX `df -Pk PATH` output (a header line, then one data line).
///
/// The numbers are taken as 1024-byte blocks unless the header says
/// `512-blocks` (`df -P` without `-k`). A filesystem name printed on a line of
/// its own is joined with the next line. Returns `None` on anything
/// unparseable, including a capacity of `-` (a filesystem of size 0).
pub fn parse_df(output: &str) -> Option<DiskUse> {
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    let halves = if lines.first().is_some_and(|h| {
        h.split_whitespace()
            .any(|w| w.eq_ignore_ascii_case("512-blocks"))
    }) {
        1
    } else {
        2
    };
    if let Some(d) = lines.iter().find_map(|l| parse_df_line(l, halves)) {
        return Some(d);
    }
    // A long filesystem name on a line of its own (never the header).
    lines
        .windows(2)
        .skip(1)
        .find_map(|w| parse_df_line(&format!("{} {}", w[0].trim_end(), w[1]), halves))
}

/// The `sshd -T` keywords that bear on logging in, in report order.
const SSHD_LOGIN_KEYWORDS: [&str; 13] = [
    "authorizedkeysfile",
    "pubkeyauthentication",
    "passwordauthentication",
    "kbdinteractiveauthentication",
    "maxauthtries",
    "permitrootlogin",
    "strictmodes",
    "allowusers",
    "denyusers",
    "allowgroups",
    "denygroups",
    "authenticationmethods",
    "usepam",
];

/// The settings in `sshd -T` output that bear on logging in, in this order
/// when present: `authorizedkeysfile`, `pubkeyauthentication`,
/// `passwordauthentication`, `kbdinteractiveauthentication`, `maxauthtries`,
/// `permitrootlogin`, `strictmodes`, `allowusers`, `denyusers`, `allowgroups`,
/// `denygroups`, `authenticationmethods`, `usepam`.
///
/// Keywords are matched case-insensitively and returned in lowercase; a
/// keyword printed on several lines (`allowusers` prints one per user) has
/// its values joined with a space.
pub fn parse_sshd_t(output: &str) -> Vec<(String, String)> {
    let mut values: Vec<Vec<&str>> = vec![Vec::new(); SSHD_LOGIN_KEYWORDS.len()];
    for line in output.lines() {
        let line = line.trim();
        let (keyword, value) = match line.find(|c: char| c.is_whitespace()) {
            Some(i) => (&line[..i], line[i..].trim()),
            None => (line, ""),
        };
        if let Some(k) = SSHD_LOGIN_KEYWORDS
            .iter()
            .position(|w| w.eq_ignore_ascii_case(keyword))
        {
            values[k].push(value);
        }
    }
    SSHD_LOGIN_KEYWORDS
        .iter()
        .zip(values)
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| ((*k).to_string(), v.join(" ")))
        .collect()
}
