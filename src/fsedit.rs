//! The one way sshdoctor writes the user's files: previewed, backed up, atomic, mode-keeping and safe against concurrent appends.
//!
//! Every repair of known_hosts, `~/.ssh/config` or key permissions goes through this
//! module:
//!
//! * [`diff`] renders the exact change as a unified diff (see [`diff`] for how CRLF and
//!   missing final newlines are shown); [`preview_edit`] computes it without writing.
//! * [`apply_edit`] edits a file's whole content (ssh_config changes, up to 16 MiB);
//!   [`apply_lines`] streams a file line by line through a [`LineEdit`] (known_hosts, up to
//!   1 GiB) in constant memory, its diff built from the changed lines only.
//! * Both resolve symlinks and edit the target, back up the original as
//!   `<file>.sshdoctor-<YYYYMMDDTHHMMSS>` (UTC, never overwriting an older backup), write a
//!   temporary file in the same directory with the original mode (and owner, as root),
//!   check the file just before renaming over it (see below), rename, carry over lines
//!   appended meanwhile, and sync the directory.
//! * [`set_mode`] repairs permissions; [`check_can_edit`] and [`check_can_chmod`] apply the
//!   same rules up front, so a change to several files can refuse before changing any;
//!   [`shell_quote`] renders arguments of equivalent shell commands shown to the user.
//!
//! # Concurrent writers
//!
//! ssh appends to known_hosts without any lock, so an edit must lose nothing another program
//! appends while it runs. The original stays open from the first read to the end:
//!
//! * Just before the rename the file is looked at again. It counts as *changed* when it
//!   disappeared, was replaced by another file (device or inode differs), is no longer a
//!   regular file, its mode, owner or group differ, or it became shorter; then the edit is
//!   made again from the start, at most [`EditOptions::max_attempts`] times. Bytes appended
//!   past what was read are, for a line edit, copied to the new file as they are (complete
//!   lines only); a whole-content edit is made again instead (so [`Edit::apply`] can refuse a
//!   file that changed since its preview). Timestamps alone do not count.
//! * After the rename nobody can open the old file by name any more; whatever processes that
//!   had it open still append to it is carried over to the new file, line by line, until no
//!   process has the old file open for writing (found in `/proc`; without `/proc`, until it
//!   has been quiet for 50 ms), at most 2 s. A writer still there after that is reported in
//!   [`Applied::warnings`]; when the file had one link, the backup *is* the old file (a hard
//!   link, no copy), so even those lines are not lost but land in the backup.
//! * Only whole lines are carried over, each in one `write` with `O_APPEND`. A line another
//!   program is in the middle of writing when the edit reads the end of the file is waited
//!   for (while that program has the file open for writing). A program that writes *one*
//!   line in several pieces while sshdoctor appends a carried line could see them
//!   interleaved, exactly as with any two unlocked writers; ssh writes each line at once.
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
//! Directories, FIFOs, sockets and devices are refused ([`EditError::NotRegularFile`],
//! never opened in a way that blocks), and so are files over the edit's size limit
//! ([`EditError::TooLarge`]).
//!
//! # Limits
//!
//! Replacing by rename gives the target a new inode: other hard links to it keep the old
//! content ([`Applied::other_links`] counts them; front ends say so before asking), and
//! extended attributes/ACLs are not copied. Editing a hard-linked file in place instead
//! could not be atomic: a crash or a concurrent reader would see a half-written file.

mod carry;
mod diff;
mod error;
mod error_text;
mod files;
mod hunks;
mod inspect;
mod lines;
mod procedure;
#[cfg(test)]
mod tests;

pub use diff::diff;
pub use error::EditError;
pub(crate) use files::backup_names;
pub use hunks::Hunks;
pub use lines::{diff_lines, LineChange, LineEdit};

use std::error::Error as StdError;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::i18n::Text;
use crate::text;
use error::io_err;
use inspect::{read_only_reason, Opened, Original};
use procedure::{edit_file, Output, Produced, Producer};
use rustix::fs::Mode;
use rustix::io::Errno;

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

/// The outcome of an edit or a permission change.
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
    /// For a permission change: the permission bits before and after.
    pub mode: Option<(u32, u32)>,
    /// Lines another program appended during the edit, copied to the new file as they were.
    pub carried_lines: usize,
    /// Other hard links to the old file: they kept the old content.
    pub other_links: u64,
    /// What the user should know beyond the change itself.
    pub warnings: Vec<String>,
}

impl Applied {
    /// Nothing was written to `path`.
    pub(crate) fn unchanged(path: PathBuf) -> Applied {
        Applied {
            path,
            backup: None,
            diff: String::new(),
            changed: false,
            created: false,
            mode: None,
            carried_lines: 0,
            other_links: 0,
            warnings: Vec::new(),
        }
    }

    /// One line saying what happened, e.g. `Changed ~/.ssh/known_hosts (backup: …)` or
    /// `/home/u/.ssh/id_ed25519: mode 0644 → 0600`, in the front end's language; every front
    /// end shows this.
    pub fn summary(&self) -> String {
        self.summary_text().render(crate::i18n::current())
    }

    /// [`Applied::summary`] in no language yet.
    pub fn summary_text(&self) -> Text {
        let path = self.path.as_path();
        let mode = |m: u32| format!("{m:04o}");
        let main = match (self.mode, self.changed, &self.backup) {
            (Some((old, new)), true, _) => {
                text!(
                    "fsedit.mode_changed",
                    path = path,
                    old = mode(old),
                    new = mode(new)
                )
            }
            (Some((old, _)), false, _) => {
                text!("fsedit.mode_already", path = path, old = mode(old))
            }
            (None, false, _) => text!("fsedit.nothing_to_change", path = path),
            (None, true, _) if self.created => text!("fsedit.created", path = path),
            (None, true, Some(b)) => text!("fsedit.changed_backup", path = path, backup = b),
            (None, true, None) => text!("fsedit.changed", path = path),
        };
        let mut parts = vec![main];
        if self.carried_lines > 0 {
            parts.push(text!("fsedit.carried", n = self.carried_lines));
        }
        if self.changed && self.other_links > 0 {
            parts.push(text!("fsedit.other_links", n = self.other_links));
        }
        parts.extend(self.warnings.iter().map(Text::from));
        Text::join(parts, "; ")
    }
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
        edit_file(
            &self.path,
            opts,
            SystemTime::now(),
            &mut Whole { f: &mut f },
        )
    }
}

/// Computes the new content from the current one (see [`apply_edit`]).
type ComputeFn<'a> = dyn FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>, EditError> + 'a;

/// The [`Producer`] of whole-content edits.
struct Whole<'f, 'a> {
    f: &'f mut ComputeFn<'a>,
}

impl Producer for Whole<'_, '_> {
    fn limit(&self) -> u64 {
        inspect::MAX_WHOLE_BYTES
    }

    fn produce(
        &mut self,
        original: Option<&Original>,
        out: &mut Output<'_>,
    ) -> Result<Option<Produced>, EditError> {
        let old = match original {
            Some(o) => Some(o.read_all(out.target(), inspect::MAX_WHOLE_BYTES)?),
            None => None,
        };
        let new = match (self.f)(old.as_deref())? {
            Some(new) if old.as_deref() != Some(&new[..]) => new,
            _ => return Ok(None),
        };
        out.start(0)?;
        out.write(&new)?;
        let label = out.target().to_string_lossy().into_owned();
        let old = old.unwrap_or_default();
        Ok(Some(Produced {
            consumed: old.len() as u64,
            diff: diff(&old, &new, &label),
            whole: Some(old),
        }))
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
    let target = inspect::resolve(path)?;
    let old = match inspect::open_original(&target, inspect::MAX_WHOLE_BYTES)? {
        Opened::File(o) => Some(o.read_all(&target, inspect::MAX_WHOLE_BYTES)?),
        Opened::Missing if opts.create_mode.is_some() => None,
        Opened::Missing => return Err(EditError::NotFound { path: target }),
        Opened::Raced => {
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

/// Edits `path` through `f`, which sees the whole content: the way small files (ssh_config)
/// are edited.
///
/// * A symlink is followed (whole chain; relative links relative to the link's
///   directory) and its final target is edited; the link itself stays untouched. A
///   dangling link's target is created when creating is allowed.
/// * `f` gets the current bytes (`None` when the file does not exist and
///   [`EditOptions::create_mode`] is set) and returns the new bytes, or `None` (or the
///   same bytes) when nothing is to change, in which case nothing is written.
/// * The original is saved as `<file>.sshdoctor-<YYYYMMDDTHHMMSS>` (UTC) in the same
///   directory, with `.1`, `.2`… appended when that exists; never over an older backup;
///   same mode and owner: a hard link to the original when it has no other link, else a
///   fsynced copy. No backup when the file is created.
/// * The new bytes go to a hidden temporary file in the same directory, created
///   exclusively with the original's mode (the create mode for a new file), the
///   original's owner and group when running as root (for a new file: the directory's),
///   fsynced, and renamed over the target after looking at it again: if it changed (see
///   the module documentation), `f` is called again on the fresh content. A new file is
///   put in place without replacing one created meanwhile. Lines appended to the old file
///   after that are carried over; the directory is then fsynced.
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
    edit_file(path, opts, SystemTime::now(), &mut Whole { f: &mut f })
}

/// Edits `path` line by line through the edit `make` returns (called again for each attempt,
/// see the module documentation), in constant memory: the way known_hosts files are edited.
/// Everything else is as in [`apply_edit`]; bytes appended by another program while the
/// edit runs are copied to the new file as they are, never edited. Returns what was done
/// and the edit of the attempt that was written (or that found nothing to change).
pub fn apply_lines<L: LineEdit>(
    path: &Path,
    opts: &EditOptions,
    mut make: impl FnMut() -> L,
) -> Result<(Applied, L), EditError> {
    let mut last = None;
    let mut producer = Remake {
        make: &mut make,
        last: &mut last,
    };
    let applied = edit_file(path, opts, SystemTime::now(), &mut producer)?;
    let edit = last.unwrap_or_else(make);
    Ok((applied, edit))
}

/// Makes a fresh [`LineEdit`] for each attempt and keeps the last one.
struct Remake<'m, L> {
    make: &'m mut dyn FnMut() -> L,
    last: &'m mut Option<L>,
}

impl<L: LineEdit> Producer for Remake<'_, L> {
    fn limit(&self) -> u64 {
        inspect::MAX_STREAM_BYTES
    }

    fn produce(
        &mut self,
        original: Option<&Original>,
        out: &mut Output<'_>,
    ) -> Result<Option<Produced>, EditError> {
        let edit = self.last.insert((self.make)());
        let target = out.target().to_path_buf();
        lines::Lines {
            edit,
            target,
            dry_run: false,
        }
        .produce(original, out)
    }
}

/// What [`apply_lines`] would change in `path` (existing files only), without writing:
/// the diff (empty when nothing would change) and the edit as it ran.
pub fn preview_lines<L: LineEdit>(path: &Path, mut edit: L) -> Result<(String, L), EditError> {
    let target = inspect::resolve(path)?;
    let original = match inspect::open_original(&target, inspect::MAX_STREAM_BYTES)? {
        Opened::File(o) => o,
        Opened::Missing => return Err(EditError::NotFound { path: target }),
        Opened::Raced => {
            return Err(EditError::TooManyConcurrentChanges {
                path: target,
                attempts: 1,
            })
        }
    };
    let opts = EditOptions::new();
    let mut dirs = files::CreatedDirs::default();
    let mut out = Output::new(&target, &opts, Some(&original), &mut dirs);
    let produced = lines::Lines {
        edit: &mut edit,
        target: target.clone(),
        dry_run: true,
    }
    .produce(Some(&original), &mut out)?;
    Ok((produced.map(|p| p.diff).unwrap_or_default(), edit))
}

/// Whether an edit of `path` with `opts` would be allowed: it resolves, is a regular file
/// (or is missing and may be created) and passes the read-only rule. Nothing is written;
/// used to check every file of a change before changing any.
pub fn check_can_edit(path: &Path, opts: &EditOptions) -> Result<(), EditError> {
    let target = inspect::resolve(path)?;
    match fs::symlink_metadata(&target) {
        Ok(meta) if meta.file_type().is_file() => {
            inspect::check_writable(&target, Some(meta.mode()))
        }
        Ok(meta) => Err(EditError::NotRegularFile {
            path: target,
            kind: inspect::kind_name(&meta.file_type()),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound && opts.create_mode.is_some() => {
            let dir = inspect::parent_dir(&target);
            if opts.create_dir_mode.is_none() && fs::symlink_metadata(dir).is_err() {
                return Err(EditError::MissingDirectory {
                    dir: dir.to_path_buf(),
                    path: target,
                });
            }
            inspect::check_writable(&target, None)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(EditError::NotFound { path: target }),
        Err(e) => Err(io_err("inspect", &target)(e)),
    }
}

/// Whether [`set_mode`] on `path` would succeed (see [`set_mode`]); nothing is changed.
pub fn check_can_chmod(path: &Path) -> Result<(), EditError> {
    inspect::check_chmod(path)
}

/// Sets the permission bits of `path` (following symlinks) to `mode`; returns
/// `Some((old, new))` when they changed and `None` when they already were `mode`. Refused
/// like an edit (see [`check_can_chmod`]) when the file belongs to someone else (unless
/// running as root), is on a read-only file system or is immutable.
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
    inspect::check_chmod(path)?;
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

/// Test hook: the next rename onto `target` (symlinks resolved) in this thread fails with
/// "No space left on device", a failure no check made beforehand can foresee.
#[cfg(test)]
pub(crate) fn fail_next_rename_onto(target: &Path) {
    procedure::FAIL_RENAME_ONTO.with(|f| *f.borrow_mut() = Some(target.to_path_buf()));
}
