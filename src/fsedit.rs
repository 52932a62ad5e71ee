//! The one way sshdoctor writes the user's files: previewed, backed up, atomic, mode-keeping and safe against concurrent appends.
//!
//! Every repair of known_hosts, `~/.ssh/config` or key permissions goes through this
//! module:
//!
//! * [`diff`] renders the exact change as a unified diff (see [`diff`] for how CRLF and
//!   missing final newlines are shown); [`preview_edit`] computes it without writing.
//! * [`apply_edit`] resolves symlinks and edits the target, backs up the original to
//!   `<file>.sshdoctor-<YYYYMMDDTHHMMSS>` (UTC, never overwriting an older backup), writes
//!   a temporary file in the same directory with the original mode (and owner, as root),
//!   re-reads the file just before renaming over it and recomputes if it changed
//!   meanwhile, then renames and syncs the directory.
//! * [`set_mode`] repairs permissions; [`shell_quote`] renders arguments of equivalent
//!   shell commands shown to the user.
//!
//! # What counts as "changed" between the read and the rename
//!
//! The file is read again just before the rename. It counts as changed when it appeared
//! or disappeared, was replaced by another file (device or inode number differs), turned
//! into something else than a regular file, or its mode, owner, group or any byte of its
//! content differs. Timestamps alone do not count. On a change the temporary file and
//! the backup of this attempt are deleted and `f` is called again on the fresh content,
//! at most [`EditOptions::max_attempts`] times.
//!
//! # Read-only rule
//!
//! Before anything is written, the edit is refused with [`EditError::ReadOnlyFile`] or
//! [`EditError::ReadOnlyDir`] when
//! * `faccessat(2)` with the *effective* ids (`AT_EACCESS`) denies write access to the
//!   file, or write+search access to its directory (or, when directories are to be
//!   created, to the nearest existing ancestor). This catches missing permission for
//!   ordinary users, read-only file systems (`EROFS`, even for root) and immutable files
//!   (`EPERM`, even for root); or
//! * the file (or that directory) has no write permission bit at all (`mode & 0o222 == 0`).
//!   Root bypasses permission bits, so this second rule is what keeps a deliberately
//!   `chmod a-w` file read-only when sshdoctor runs as root.
//!
//! # Limits
//!
//! Replacing by rename gives the target a new inode: other hard links to it keep the
//! old content, and extended attributes/ACLs are not copied. There is no locking (ssh
//! takes none either): a write landing between the end of the final re-read and the
//! rename (a window of a few system calls) can still be lost.

mod diff;
#[cfg(test)]
mod tests;

pub use diff::diff;

use std::error::Error as StdError;
use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rustix::fs::{Access, AtFlags, Gid, Mode, OFlags, RenameFlags, Uid, CWD};
use rustix::io::Errno;

/// Most symbolic links followed when resolving the file to edit (Linux's own limit).
const MAX_SYMLINKS: usize = 40;

/// Most `.N` suffixes tried for a backup name within one second.
const MAX_BACKUP_SUFFIX: u32 = 1000;

/// An error from an edit or a permission repair.
///
/// Unless stated otherwise on the variant, nothing was changed on disk when one is
/// returned: no file, backup, temporary file or directory is left behind.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// The repair is not a local file edit (it is applied over ssh by a new run).
    #[error("{0}")]
    NotLocal(String),
    /// The file cannot or must not be written (see the module's read-only rule).
    #[error(
        "{path} is read-only ({reason}); nothing was changed. Make it writable \
         (chmod u+w) and run again, or make the change by hand"
    )]
    ReadOnlyFile {
        /// The file (symlinks resolved).
        path: PathBuf,
        /// Why it counts as read-only.
        reason: String,
    },
    /// The directory that would receive the backup, the temporary file and the new file
    /// is read-only (see the module's read-only rule).
    #[error(
        "cannot edit {path}: its directory {dir} is read-only ({reason}); nothing was \
         changed. Make the directory writable and run again, or make the change by hand"
    )]
    ReadOnlyDir {
        /// The directory (or nearest existing ancestor) that is not writable.
        dir: PathBuf,
        /// The file that was to be edited.
        path: PathBuf,
        /// Why it counts as read-only.
        reason: String,
    },
    /// The path (after following symlinks) is a directory, device, FIFO or socket.
    #[error(
        "refusing to edit {path}: it is a {kind}, not a regular file; nothing was \
         changed. Check the path"
    )]
    NotRegularFile {
        /// The offending path.
        path: PathBuf,
        /// What it is instead, e.g. "directory".
        kind: &'static str,
    },
    /// The file does not exist and the edit was not allowed to create it.
    #[error("{path} does not exist; nothing was changed. Create it, or check the path")]
    NotFound {
        /// The missing file.
        path: PathBuf,
    },
    /// The file's directory does not exist and creating directories was not requested.
    #[error(
        "cannot create {path}: directory {dir} does not exist; nothing was changed. \
         Create the directory (mkdir -m 700) and run again"
    )]
    MissingDirectory {
        /// The missing directory.
        dir: PathBuf,
        /// The file that was to be created.
        path: PathBuf,
    },
    /// The chain of symbolic links is too long or loops.
    #[error(
        "too many levels of symbolic links resolving {path}; nothing was changed. \
         Fix the link chain (ls -l) and run again"
    )]
    SymlinkLoop {
        /// The path as given.
        path: PathBuf,
    },
    /// The file kept changing between reading it and replacing it.
    #[error(
        "{path} kept changing while being edited ({attempts} attempts; another program, \
         e.g. ssh, is writing it); nothing was changed. Run again when it is idle"
    )]
    TooManyConcurrentChanges {
        /// The file (symlinks resolved).
        path: PathBuf,
        /// How many read–compute–write rounds were tried.
        attempts: u32,
    },
    /// [`Edit::apply`]: the file no longer has the content the preview was made from.
    #[error(
        "{path} changed since the change was previewed; nothing was changed. Preview \
         the change again"
    )]
    ChangedSincePreview {
        /// The file (symlinks resolved).
        path: PathBuf,
    },
    /// The caller's function computing the new content failed.
    #[error("could not compute the new content of {path}: {source}; nothing was changed")]
    Compute {
        /// The file (symlinks resolved).
        path: PathBuf,
        /// The caller's error.
        source: Box<dyn StdError + Send + Sync + 'static>,
    },
    /// [`set_mode`] was given more than permission bits (`0o7777`).
    #[error("invalid file mode {mode:#o}: only permission bits (at most 0o7777) can be set")]
    InvalidMode {
        /// The rejected mode.
        mode: u32,
    },
    /// An I/O operation failed.
    #[error("could not {action} {path}: {source}; nothing was changed")]
    Io {
        /// What was being done, e.g. "read".
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The exception to "nothing changed": the file *was* replaced (and backed up), but
    /// the directory could not be flushed to disk, so after a crash the old version
    /// might come back.
    #[error(
        "{path} was changed, but its directory could not be synced to disk ({source}); \
         run `sync` to make sure the change is durable"
    )]
    NotSynced {
        /// The file that was changed.
        path: PathBuf,
        /// The backup of the previous content, if one was made.
        backup: Option<PathBuf>,
        /// The underlying error.
        source: io::Error,
    },
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> EditError {
    let path = path.to_path_buf();
    move |source| EditError::Io {
        action,
        path,
        source,
    }
}

/// How [`apply_edit`] treats missing files and concurrent changes.
///
/// The default edits existing files only and tries 5 times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditOptions {
    /// When the file does not exist: `Some(mode)` creates it with exactly this mode
    /// (`f` then gets `None`); `None` makes that an [`EditError::NotFound`].
    pub create_mode: Option<u32>,
    /// When creating the file and its directory is missing: `Some(mode)` creates the
    /// missing directories with exactly this mode (e.g. `0o700` for `~/.ssh`); `None`
    /// makes that an [`EditError::MissingDirectory`].
    pub create_dir_mode: Option<u32>,
    /// Read–compute–write rounds before giving up with
    /// [`EditError::TooManyConcurrentChanges`] (at least one is always made).
    pub max_attempts: u32,
}

impl Default for EditOptions {
    fn default() -> Self {
        Self {
            create_mode: None,
            create_dir_mode: None,
            max_attempts: 5,
        }
    }
}

impl EditOptions {
    /// Edit existing files only (the default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Create the file with `mode` if it does not exist.
    pub fn create(mut self, mode: u32) -> Self {
        self.create_mode = Some(mode);
        self
    }

    /// Create missing parent directories with `mode` when creating the file.
    pub fn create_dir(mut self, mode: u32) -> Self {
        self.create_dir_mode = Some(mode);
        self
    }
}

/// The outcome of [`apply_edit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The file actually edited: the path given with symlinks resolved.
    pub path: PathBuf,
    /// Where the previous content was saved; `None` when nothing was written or the file
    /// was created.
    pub backup: Option<PathBuf>,
    /// Unified diff of what was written (empty when nothing changed).
    pub diff: String,
    /// Whether the file was written at all.
    pub changed: bool,
    /// Whether the file did not exist before.
    pub created: bool,
}

/// A change computed but not written, for showing to the user before applying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The file to edit (symlinks resolved).
    pub path: PathBuf,
    /// Its current content; `None` when it does not exist yet.
    pub old: Option<Vec<u8>>,
    /// The content it would get.
    pub new: Vec<u8>,
}

impl Edit {
    /// The unified diff of this change, labelled with the file's path.
    pub fn diff(&self) -> String {
        diff(
            self.old.as_deref().unwrap_or_default(),
            &self.new,
            &self.path.to_string_lossy(),
        )
    }

    /// Writes exactly the previewed content, following the same procedure as
    /// [`apply_edit`], provided the file still holds the content the preview was made
    /// from; otherwise fails with [`EditError::ChangedSincePreview`] and changes
    /// nothing. `opts` should be the options used for the preview.
    pub fn apply(&self, opts: &EditOptions) -> Result<Applied, EditError> {
        let mut f = |current: Option<&[u8]>| {
            if current == self.old.as_deref() {
                Ok(Some(self.new.clone()))
            } else {
                Err(EditError::ChangedSincePreview {
                    path: self.path.clone(),
                })
            }
        };
        edit_file(&self.path, opts, SystemTime::now(), &mut f)
    }
}

/// Computes the change `f` would make to `path` without writing anything; `None` when
/// there is nothing to change. `path` and `f` are treated as by [`apply_edit`].
pub fn preview_edit<E>(
    path: &Path,
    opts: &EditOptions,
    mut f: impl FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>, E>,
) -> Result<Option<Edit>, EditError>
where
    E: Into<Box<dyn StdError + Send + Sync + 'static>>,
{
    let target = resolve(path)?;
    let old = match read_state(&target)? {
        State::File(snapshot) => Some(snapshot.bytes),
        State::Missing if opts.create_mode.is_some() => None,
        State::Missing => return Err(EditError::NotFound { path: target }),
        State::Raced => {
            return Err(EditError::TooManyConcurrentChanges {
                path: target,
                attempts: 1,
            })
        }
    };
    let new = f(old.as_deref()).map_err(|e| EditError::Compute {
        path: target.clone(),
        source: e.into(),
    })?;
    Ok(match new {
        Some(new) if old.as_deref() != Some(&new[..]) => Some(Edit {
            path: target,
            old,
            new,
        }),
        _ => None,
    })
}

/// Edits `path` through `f`, the standard way every sshdoctor write is made.
///
/// * A symlink is followed (whole chain; relative links relative to the link's
///   directory) and its final target is edited; the link itself stays untouched. A
///   dangling link's target is created when creating is allowed.
/// * `f` gets the current bytes (`None` when the file does not exist and
///   [`EditOptions::create_mode`] is set) and returns the new bytes, or `None` (or the
///   same bytes) when nothing is to change, in which case nothing is written.
/// * The original is copied to `<file>.sshdoctor-<YYYYMMDDTHHMMSS>` (UTC) in the same
///   directory, with `.1`, `.2`… appended when that exists; never over an older backup;
///   same mode (and owner, as root), fsynced. No backup when the file is created.
/// * The new bytes go to a hidden temporary file in the same directory, created
///   exclusively with the original's mode (the create mode for a new file), the
///   original's owner and group when running as root (for a new file: the directory's),
///   fsynced, and renamed over the target after re-reading it: if it changed (see the
///   module documentation), `f` is called again on the fresh content. A new file is put
///   in place without replacing one created meanwhile. The directory is then fsynced.
///
/// `f` may therefore be called several times and must compute from its argument.
/// On error nothing is changed (except [`EditError::NotSynced`]).
pub fn apply_edit<E>(
    path: &Path,
    opts: &EditOptions,
    mut f: impl FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>, E>,
) -> Result<Applied, EditError>
where
    E: Into<Box<dyn StdError + Send + Sync + 'static>>,
{
    let mut f = |current: Option<&[u8]>| {
        f(current).map_err(|e| EditError::Compute {
            path: path.to_path_buf(),
            source: e.into(),
        })
    };
    edit_file(path, opts, SystemTime::now(), &mut f)
}

/// Sets the permission bits of `path` (following symlinks) to `mode`; returns
/// `Some((old, new))` when they changed and `None` when they already were `mode`.
pub fn set_mode(path: &Path, mode: u32) -> Result<Option<(u32, u32)>, EditError> {
    if mode & !0o7777 != 0 {
        return Err(EditError::InvalidMode { mode });
    }
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => EditError::NotFound {
            path: path.to_path_buf(),
        },
        _ => io_err("inspect", path)(e),
    })?;
    let old = meta.mode() & 0o7777;
    if old == mode {
        return Ok(None);
    }
    rustix::fs::chmod(path, Mode::from_raw_mode(mode)).map_err(|errno| match errno {
        Errno::ROFS | Errno::PERM | Errno::ACCESS => EditError::ReadOnlyFile {
            path: path.to_path_buf(),
            reason: read_only_reason(errno),
        },
        _ => io_err("change the permissions of", path)(errno.into()),
    })?;
    Ok(Some((old, mode)))
}

/// [`shell_quote`] for a path shown with `~/`: the tilde stays outside the quotes so the shell
/// still expands it.
pub fn shell_quote_path(s: &str) -> String {
    match s.strip_prefix("~/") {
        Some(rest) => format!("~/{}", shell_quote(rest)),
        None => shell_quote(s),
    }
}

/// Quotes `s` for a POSIX shell (sh, bash, zsh) so it is read back as exactly one word
/// equal to `s`; plain words (letters, digits, `_@%+=:,./-`) are returned unchanged,
/// anything else is wrapped in single quotes with each `'` written as `'\''`.
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.starts_with('=') // zsh expands a leading `=word` to a command path
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

// ---------------------------------------------------------------------------------
// Implementation.

/// Follows the symlink chain at `path` to the file to edit (which may not exist).
fn resolve(path: &Path) -> Result<PathBuf, EditError> {
    let mut current = path.to_path_buf();
    for _ in 0..=MAX_SYMLINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link =
                    fs::read_link(&current).map_err(io_err("read the symbolic link", &current))?;
                current = if link.is_absolute() {
                    link
                } else {
                    current.parent().unwrap_or(Path::new("")).join(link)
                };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(io_err("inspect", &current)(e)),
        }
    }
    Err(EditError::SymlinkLoop {
        path: path.to_path_buf(),
    })
}

/// The content and identity of a file as read.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    bytes: Vec<u8>,
    dev: u64,
    ino: u64,
    /// Full `st_mode` (type and permission bits).
    mode: u32,
    uid: u32,
    gid: u32,
}

/// What a path held when read.
#[derive(Debug)]
enum State {
    Missing,
    File(Snapshot),
    /// It changed under us while being read (e.g. became a symlink); equal to nothing.
    Raced,
}

impl State {
    fn same_as(&self, other: &State) -> bool {
        match (self, other) {
            (State::Missing, State::Missing) => true,
            (State::File(a), State::File(b)) => a == b,
            _ => false,
        }
    }
}

fn kind_name(file_type: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_dir() {
        "directory"
    } else if file_type.is_symlink() {
        "symbolic link"
    } else if file_type.is_fifo() {
        "FIFO"
    } else if file_type.is_socket() {
        "socket"
    } else if file_type.is_block_device() {
        "block device"
    } else if file_type.is_char_device() {
        "character device"
    } else {
        "special file"
    }
}

/// Reads `target` without following a symlink and without blocking on special files.
fn read_state(target: &Path) -> Result<State, EditError> {
    match fs::symlink_metadata(target) {
        Ok(meta) if meta.file_type().is_file() => {}
        Ok(meta) => {
            return Err(EditError::NotRegularFile {
                path: target.to_path_buf(),
                kind: kind_name(&meta.file_type()),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::Missing),
        Err(e) => return Err(io_err("inspect", target)(e)),
    }
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY;
    let fd = match rustix::fs::open(target, flags | OFlags::CLOEXEC, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(State::Missing),
        Err(Errno::LOOP) => return Ok(State::Raced),
        Err(errno) => return Err(io_err("open", target)(errno.into())),
    };
    let mut file = File::from(fd);
    let meta = file.metadata().map_err(io_err("inspect", target))?;
    if !meta.file_type().is_file() {
        return Ok(State::Raced);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes)
        .map_err(io_err("read", target))?;
    Ok(State::File(Snapshot {
        bytes,
        dev: meta.dev(),
        ino: meta.ino(),
        mode: meta.mode(),
        uid: meta.uid(),
        gid: meta.gid(),
    }))
}

fn read_only_reason(errno: Errno) -> String {
    match errno {
        Errno::ROFS => "it is on a read-only file system".to_owned(),
        Errno::ACCESS => "you do not have write permission".to_owned(),
        Errno::PERM => "writing is not permitted (immutable or append-only attribute?)".to_owned(),
        other => io::Error::from(other).to_string(),
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// `dir` itself if it exists, else its nearest existing ancestor.
fn nearest_existing(dir: &Path) -> Result<PathBuf, EditError> {
    let mut current = dir;
    loop {
        match fs::symlink_metadata(current) {
            Ok(_) => return Ok(current.to_path_buf()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => current = parent_dir(current),
            Err(e) => return Err(io_err("inspect", current)(e)),
        }
    }
}

/// Applies the module's read-only rule to the file (if it exists) and its directory.
fn check_writable(target: &Path, snapshot: Option<&Snapshot>) -> Result<(), EditError> {
    if let Some(snapshot) = snapshot {
        if let Err(errno) = rustix::fs::accessat(CWD, target, Access::WRITE_OK, AtFlags::EACCESS) {
            return Err(EditError::ReadOnlyFile {
                path: target.to_path_buf(),
                reason: read_only_reason(errno),
            });
        }
        if snapshot.mode & 0o222 == 0 {
            return Err(EditError::ReadOnlyFile {
                path: target.to_path_buf(),
                reason: format!(
                    "its mode {:04o} has no write permission bit",
                    snapshot.mode & 0o7777
                ),
            });
        }
    }
    let dir = nearest_existing(parent_dir(target))?;
    let read_only = |reason| EditError::ReadOnlyDir {
        dir: dir.clone(),
        path: target.to_path_buf(),
        reason,
    };
    let access = Access::WRITE_OK | Access::EXEC_OK;
    if let Err(errno) = rustix::fs::accessat(CWD, &dir, access, AtFlags::EACCESS) {
        return Err(read_only(read_only_reason(errno)));
    }
    let meta = fs::metadata(&dir).map_err(io_err("inspect", &dir))?;
    if !meta.is_dir() {
        return Err(EditError::NotRegularFile {
            path: dir.clone(),
            kind: "file where a directory is needed",
        });
    }
    if meta.mode() & 0o222 == 0 {
        return Err(read_only(format!(
            "its mode {:04o} has no write permission bit",
            meta.mode() & 0o7777
        )));
    }
    Ok(())
}

fn running_as_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Gives `file` the owner and group `owner`: fully as root; as another user only the
/// group, and only if allowed (best effort).
fn set_owner(file: &File, owner: Option<(u32, u32)>, path: &Path) -> Result<(), EditError> {
    let Some((uid, gid)) = owner else {
        return Ok(());
    };
    let (uid, gid) = (Uid::from_raw(uid), Gid::from_raw(gid));
    if running_as_root() {
        rustix::fs::fchown(file.as_fd(), Some(uid), Some(gid))
            .map_err(|errno| io_err("set the owner of", path)(errno.into()))
    } else {
        if rustix::process::getegid() != gid {
            let _ = rustix::fs::fchown(file.as_fd(), None, Some(gid));
        }
        Ok(())
    }
}

/// Deletes a file it was given when dropped, unless [`RemoveOnDrop::keep`] is called.
struct RemoveOnDrop(Option<PathBuf>);

impl RemoveOnDrop {
    fn keep(mut self) -> PathBuf {
        self.0.take().expect("kept once")
    }

    fn path(&self) -> &Path {
        self.0.as_deref().expect("not kept yet")
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_file(path);
        }
    }
}

/// Directories created for a new file; removed again (if still empty) unless kept.
struct CreatedDirs(Vec<PathBuf>);

impl Drop for CreatedDirs {
    fn drop(&mut self) {
        for dir in self.0.drain(..).rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Creates the missing directories up to `dir` with exactly `mode` (and, as root, the
/// owner of the directory they are created in), recording them in `created`.
fn create_dirs(dir: &Path, mode: u32, created: &mut CreatedDirs) -> Result<(), EditError> {
    let mut missing = Vec::new();
    let mut current = dir;
    loop {
        match fs::symlink_metadata(current) {
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                missing.push(current.to_path_buf());
                current = parent_dir(current);
            }
            Err(e) => return Err(io_err("inspect", current)(e)),
        }
    }
    for new_dir in missing.into_iter().rev() {
        match fs::DirBuilder::new().mode(mode & 0o777).create(&new_dir) {
            Ok(()) => created.0.push(new_dir.clone()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_err("create the directory", &new_dir)(e)),
        }
        // Exactly `mode`, whatever the umask.
        fs::set_permissions(&new_dir, fs::Permissions::from_mode(mode))
            .map_err(io_err("set the permissions of", &new_dir))?;
        if running_as_root() {
            let meta = fs::metadata(parent_dir(&new_dir))
                .map_err(io_err("inspect", parent_dir(&new_dir)))?;
            rustix::fs::chown(
                &new_dir,
                Some(Uid::from_raw(meta.uid())),
                Some(Gid::from_raw(meta.gid())),
            )
            .map_err(|errno| io_err("set the owner of", &new_dir)(errno.into()))?;
        }
    }
    Ok(())
}

/// An unpredictable 64-bit hex string for temporary file names.
fn random_hex() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    format!("{:016x}", hasher.finish())
}

/// `YYYYMMDDTHHMMSS` in UTC.
fn timestamp(now: SystemTime) -> String {
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Creates `path` exclusively with `mode`, writes `bytes`, sets owner then exact mode,
/// fsyncs. On error the file is removed again.
fn write_new_file(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    owner: Option<(u32, u32)>,
) -> Result<Option<RemoveOnDrop>, EditError> {
    let mut file = match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode & 0o777)
        .custom_flags((OFlags::NOFOLLOW | OFlags::CLOEXEC).bits() as i32)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(None),
        Err(e) => return Err(io_err("create", path)(e)),
    };
    let guard = RemoveOnDrop(Some(path.to_path_buf()));
    file.write_all(bytes).map_err(io_err("write", path))?;
    set_owner(&file, owner, path)?;
    // After chown (which may clear set-id bits) and exact, whatever the umask.
    rustix::fs::fchmod(file.as_fd(), Mode::from_raw_mode(mode & 0o7777))
        .map_err(|errno| io_err("set the permissions of", path)(errno.into()))?;
    file.sync_all().map_err(io_err("sync", path))?;
    Ok(Some(guard))
}

/// The names a backup of `name` may take, in the order to try them: `<name>.sshdoctor-<stamp>`
/// (UTC), then with `.1`, `.2`, ... — the first that does not exist yet is used, so an older
/// backup is never overwritten. Also used for backups made on a server.
pub(crate) fn backup_names(name: &OsStr, now: SystemTime) -> impl Iterator<Item = OsString> {
    let mut base = name.to_os_string();
    base.push(format!(".sshdoctor-{}", timestamp(now)));
    (0..MAX_BACKUP_SUFFIX).map(move |n| {
        let mut file_name = base.clone();
        if n > 0 {
            file_name.push(format!(".{n}"));
        }
        file_name
    })
}

/// Writes the backup `<file>.sshdoctor-<stamp>[.N]` next to `target`.
fn make_backup(
    target: &Path,
    name: &OsString,
    snapshot: &Snapshot,
    now: SystemTime,
) -> Result<RemoveOnDrop, EditError> {
    let dir = parent_dir(target);
    for file_name in backup_names(name, now) {
        let path = dir.join(file_name);
        let owner = Some((snapshot.uid, snapshot.gid));
        if let Some(guard) = write_new_file(&path, &snapshot.bytes, snapshot.mode, owner)? {
            return Ok(guard);
        }
    }
    Err(io_err("find a free backup name for", target)(
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{MAX_BACKUP_SUFFIX} backups made within one second"),
        ),
    ))
}

/// Writes the new content to a fresh hidden temporary file next to `target`.
fn write_temp(
    target: &Path,
    name: &OsString,
    bytes: &[u8],
    mode: u32,
    owner: Option<(u32, u32)>,
) -> Result<RemoveOnDrop, EditError> {
    let dir = parent_dir(target);
    for _ in 0..16 {
        let mut file_name = OsString::from(".");
        file_name.push(name);
        file_name.push(format!(".sshdoctor-tmp-{}", random_hex()));
        if let Some(guard) = write_new_file(&dir.join(file_name), bytes, mode, owner)? {
            return Ok(guard);
        }
    }
    Err(io_err("create a temporary file for", target)(
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            "every random name tried was taken",
        ),
    ))
}

/// Puts `temp` in place of a `target` that did not exist, never replacing one that
/// appeared meanwhile. `Ok(false)` when it did.
fn rename_no_replace(temp: &Path, target: &Path) -> Result<bool, EditError> {
    match rustix::fs::renameat_with(CWD, temp, CWD, target, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(true),
        Err(Errno::EXIST) => Ok(false),
        // The file system does not support the flag: a hard link never replaces either.
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => match fs::hard_link(temp, target) {
            Ok(()) => {
                let _ = fs::remove_file(temp);
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(io_err("create", target)(e)),
        },
        Err(errno) => Err(io_err("create", target)(errno.into())),
    }
}

/// Computes the new content from the current one (see [`apply_edit`]).
type ComputeFn<'a> = dyn FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>, EditError> + 'a;

/// The procedure behind [`apply_edit`] and [`Edit::apply`]; `now` names the backup.
fn edit_file(
    path: &Path,
    opts: &EditOptions,
    now: SystemTime,
    f: &mut ComputeFn<'_>,
) -> Result<Applied, EditError> {
    let mut created_dirs = CreatedDirs(Vec::new());
    let attempts = opts.max_attempts.max(1);
    let mut target = path.to_path_buf();
    for _ in 0..attempts {
        target = resolve(path)?;
        let state = read_state(&target)?;
        let snapshot = match &state {
            State::File(snapshot) => Some(snapshot),
            State::Missing if opts.create_mode.is_some() => None,
            State::Missing => return Err(EditError::NotFound { path: target }),
            State::Raced => continue,
        };
        let old = snapshot.map(|s| &s.bytes[..]);
        let new = match f(old)? {
            Some(new) if old != Some(&new[..]) => new,
            _ => {
                return Ok(Applied {
                    path: target,
                    backup: None,
                    diff: String::new(),
                    changed: false,
                    created: false,
                })
            }
        };
        let dir = parent_dir(&target);
        let dir_missing = snapshot.is_none() && fs::symlink_metadata(dir).is_err();
        if dir_missing && opts.create_dir_mode.is_none() {
            return Err(EditError::MissingDirectory {
                dir: dir.to_path_buf(),
                path: target,
            });
        }
        check_writable(&target, snapshot)?;
        let name = target
            .file_name()
            .ok_or_else(|| EditError::NotRegularFile {
                path: target.clone(),
                kind: "path without a file name",
            })?
            .to_os_string();

        let (mode, owner) = match snapshot {
            Some(s) => (s.mode & 0o7777, Some((s.uid, s.gid))),
            None => {
                if let (true, Some(dir_mode)) = (dir_missing, opts.create_dir_mode) {
                    create_dirs(dir, dir_mode, &mut created_dirs)?;
                }
                let owner = if running_as_root() {
                    let meta = fs::metadata(dir).map_err(io_err("inspect", dir))?;
                    Some((meta.uid(), meta.gid()))
                } else {
                    None
                };
                let mode = opts.create_mode.unwrap_or(0o600) & 0o7777;
                (mode, owner)
            }
        };

        let backup = match snapshot {
            Some(s) => Some(make_backup(&target, &name, s, now)?),
            None => None,
        };
        let temp = write_temp(&target, &name, &new, mode, owner)?;

        // Last look before replacing: recompute if anyone changed it meanwhile.
        if !read_state(&target)?.same_as(&state) {
            continue;
        }
        if snapshot.is_some() {
            fs::rename(temp.path(), &target).map_err(io_err("replace", &target))?;
        } else if !rename_no_replace(temp.path(), &target)? {
            continue;
        }
        let _ = temp.keep();
        let backup = backup.map(RemoveOnDrop::keep);
        created_dirs.0.clear();

        let label = target.to_string_lossy().into_owned();
        let diff = diff(old.unwrap_or_default(), &new, &label);
        if let Err(source) = File::open(dir).and_then(|d| d.sync_all()) {
            return Err(EditError::NotSynced {
                path: target,
                backup,
                source,
            });
        }
        return Ok(Applied {
            path: target,
            backup,
            diff,
            changed: true,
            created: snapshot.is_none(),
        });
    }
    Err(EditError::TooManyConcurrentChanges {
        path: target,
        attempts,
    })
}
