//! The errors of edits and permission repairs: each says what happened, to which file, whether
//! anything was changed, and what to do.

use std::error::Error as StdError;
use std::io;
use std::path::{Path, PathBuf};

use super::Applied;

/// An error from an edit or a permission repair.
///
/// Unless stated otherwise on the variant ([`EditError::NotSynced`], [`EditError::Partial`]),
/// nothing was changed on disk when one is returned: no file, backup, temporary file or
/// directory is left behind.
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
    /// The file is larger than this kind of edit handles (a known_hosts or ssh_config file
    /// never is; something else is at that path).
    #[error(
        "refusing to edit {path}: it is {size} bytes or more, over the {limit}-byte limit for \
         this edit; nothing was changed. Check the path"
    )]
    TooLarge {
        /// The file (symlinks resolved).
        path: PathBuf,
        /// Its size (at least this).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The second exception to "nothing changed": a change to several files failed after
    /// some of them were changed (every file is checked before the first is changed, so only
    /// an error no check can foresee, such as a full disk, ends here).
    #[error("{}", partial_message(done, error))]
    Partial {
        /// The files changed before the failure, each with its backup.
        done: Vec<Applied>,
        /// The failure, about a file that was not changed.
        error: Box<EditError>,
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

pub(super) fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> EditError {
    let path = path.to_path_buf();
    move |source| EditError::Io {
        action,
        path,
        source,
    }
}

/// [`EditError::Partial`]'s message: what was changed (and where its backup is) first, then
/// the failure, worded for the one file it concerns.
fn partial_message(done: &[Applied], error: &EditError) -> String {
    let changed: Vec<String> = done.iter().map(Applied::summary).collect();
    let failure = error
        .to_string()
        .replace("; nothing was changed", "; that file was not changed");
    format!(
        "only part of the change was made. Changed: {}. Then: {failure}",
        changed.join("; ")
    )
}
