//! The errors of edits and permission repairs: each says what happened, to which file, whether
//! anything was changed, and what to do.

use std::error::Error as StdError;
use std::io;
use std::path::{Path, PathBuf};

use super::Applied;

/// An error from an edit or a permission repair; it reads in the front end's language
/// (see [`EditError::text`]).
///
/// Unless stated otherwise on the variant ([`EditError::NotSynced`], [`EditError::Partial`]),
/// nothing was changed on disk when one is returned: no file, backup, temporary file or
/// directory is left behind.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// The repair is not a local file edit (it is applied over ssh by a new run).
    NotLocal(String),
    /// The file cannot or must not be written (see the module's read-only rule).
    ReadOnlyFile {
        /// The file (symlinks resolved).
        path: PathBuf,
        /// Why it counts as read-only.
        reason: String,
    },
    /// The directory that would receive the backup, the temporary file and the new file
    /// is read-only (see the module's read-only rule).
    ReadOnlyDir {
        /// The directory (or nearest existing ancestor) that is not writable.
        dir: PathBuf,
        /// The file that was to be edited.
        path: PathBuf,
        /// Why it counts as read-only.
        reason: String,
    },
    /// The path (after following symlinks) is a directory, device, FIFO or socket.
    NotRegularFile {
        /// The offending path.
        path: PathBuf,
        /// What it is instead, e.g. "directory".
        kind: &'static str,
    },
    /// The file does not exist and the edit was not allowed to create it.
    NotFound {
        /// The missing file.
        path: PathBuf,
    },
    /// The file's directory does not exist and creating directories was not requested.
    MissingDirectory {
        /// The missing directory.
        dir: PathBuf,
        /// The file that was to be created.
        path: PathBuf,
    },
    /// The chain of symbolic links is too long or loops.
    SymlinkLoop {
        /// The path as given.
        path: PathBuf,
    },
    /// The file kept changing between reading it and replacing it.
    TooManyConcurrentChanges {
        /// The file (symlinks resolved).
        path: PathBuf,
        /// How many read–compute–write rounds were tried.
        attempts: u32,
    },
    /// [`Edit::apply`]: the file no longer has the content the preview was made from.
    ChangedSincePreview {
        /// The file (symlinks resolved).
        path: PathBuf,
    },
    /// The caller's function computing the new content failed.
    Compute {
        /// The file (symlinks resolved).
        path: PathBuf,
        /// The caller's error.
        source: Box<dyn StdError + Send + Sync + 'static>,
    },
    /// [`set_mode`] was given more than permission bits (`0o7777`).
    InvalidMode {
        /// The rejected mode.
        mode: u32,
    },
    /// An I/O operation failed.
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
    Partial {
        /// The files changed before the failure, each with its backup.
        done: Vec<Applied>,
        /// The failure, about a file that was not changed.
        error: Box<EditError>,
    },
    /// The exception to "nothing changed": the file *was* replaced (and backed up), but
    /// the directory could not be flushed to disk, so after a crash the old version
    /// might come back.
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
