//! Finding the file an edit is about and judging it: symlinks followed, special and oversized
//! files refused, write access checked before anything is written.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use rustix::fs::{Access, AtFlags, Mode, OFlags, CWD};
use rustix::io::Errno;

use super::{io_err, EditError};

/// Most symbolic links followed when resolving the file to edit (Linux's own limit).
const MAX_SYMLINKS: usize = 40;

/// Largest file an edit of the whole content reads into memory (ssh_config changes).
pub(crate) const MAX_WHOLE_BYTES: u64 = 16 << 20;

/// Largest file a line-by-line edit goes through (known_hosts): about eight million lines.
pub(crate) const MAX_STREAM_BYTES: u64 = 1 << 30;

/// Follows the symlink chain at `path` to the file to edit (which may not exist).
pub(super) fn resolve(path: &Path) -> Result<PathBuf, EditError> {
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

/// The file being edited, opened for reading and kept open until the edit is over: lines
/// another program appends to it meanwhile are carried over from this descriptor.
#[derive(Debug)]
pub(super) struct Original {
    /// Open read-only, never blocking.
    pub file: File,
    pub dev: u64,
    pub ino: u64,
    /// Full `st_mode` (type and permission bits).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Hard links to it when opened.
    pub nlink: u64,
}

impl Original {
    /// Whether `meta` describes this very file (same device and inode).
    pub fn is(&self, meta: &fs::Metadata) -> bool {
        meta.dev() == self.dev && meta.ino() == self.ino
    }

    /// Whether mode, owner or group differ from `meta`'s (the edit must keep them).
    pub fn attributes_differ(&self, meta: &fs::Metadata) -> bool {
        (meta.mode(), meta.uid(), meta.gid()) != (self.mode, self.uid, self.gid)
    }

    /// Reads the whole file from the start (at most `limit` bytes, else [`EditError::TooLarge`]).
    pub fn read_all(&self, path: &Path, limit: u64) -> Result<Vec<u8>, EditError> {
        let mut bytes = Vec::new();
        let mut at = 0u64;
        let mut chunk = vec![0u8; 64 << 10];
        loop {
            let n = match self.file.read_at(&mut chunk, at) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err("read", path)(e)),
            };
            if n == 0 {
                return Ok(bytes);
            }
            at += n as u64;
            if at > limit {
                return Err(too_large(path, at, limit));
            }
            bytes.extend_from_slice(&chunk[..n]);
        }
    }
}

/// [`EditError::TooLarge`] for `path`, at least `size` bytes long.
pub(super) fn too_large(path: &Path, size: u64, limit: u64) -> EditError {
    EditError::TooLarge {
        path: path.to_path_buf(),
        size,
        limit,
    }
}

/// What a path held when opened.
#[derive(Debug)]
pub(super) enum Opened {
    Missing,
    File(Original),
    /// It changed while being opened (e.g. became a symlink): try again.
    Raced,
}

pub(super) fn kind_name(file_type: &fs::FileType) -> &'static str {
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

/// Refuses what is not a regular file, and a file over `limit` bytes.
fn judge(target: &Path, meta: &fs::Metadata, limit: u64) -> Result<(), EditError> {
    if !meta.file_type().is_file() {
        return Err(EditError::NotRegularFile {
            path: target.to_path_buf(),
            kind: kind_name(&meta.file_type()),
        });
    }
    if meta.len() > limit {
        return Err(too_large(target, meta.len(), limit));
    }
    Ok(())
}

/// Opens `target` for reading without following a symlink and without blocking on special
/// files; refuses non-regular files and files over `limit` bytes.
pub(super) fn open_original(target: &Path, limit: u64) -> Result<Opened, EditError> {
    match fs::symlink_metadata(target) {
        Ok(meta) => judge(target, &meta, limit)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Opened::Missing),
        Err(e) => return Err(io_err("inspect", target)(e)),
    }
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY;
    let fd = match rustix::fs::open(target, flags | OFlags::CLOEXEC, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(Opened::Missing),
        Err(Errno::LOOP) => return Ok(Opened::Raced),
        Err(errno) => return Err(io_err("open", target)(errno.into())),
    };
    let file = File::from(fd);
    let meta = file.metadata().map_err(io_err("inspect", target))?;
    if !meta.file_type().is_file() {
        return Ok(Opened::Raced);
    }
    judge(target, &meta, limit)?;
    Ok(Opened::File(Original {
        file,
        dev: meta.dev(),
        ino: meta.ino(),
        mode: meta.mode(),
        uid: meta.uid(),
        gid: meta.gid(),
        nlink: meta.nlink(),
    }))
}

pub(super) fn read_only_reason(errno: Errno) -> String {
    match errno {
        Errno::ROFS => said(crate::text!("fsedit.on_read_only_fs")),
        Errno::ACCESS => said(crate::text!("fsedit.no_write_permission")),
        Errno::PERM => said(crate::text!("fsedit.not_permitted")),
        other => io::Error::from(other).to_string(),
    }
}

/// A reason in the front end's language (an [`EditError`]'s message carries it as it is).
fn said(text: crate::i18n::Text) -> String {
    text.render(crate::i18n::current())
}

pub(super) fn parent_dir(path: &Path) -> &Path {
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

/// Applies the module's read-only rule to the file (`mode`: its `st_mode`, when it exists)
/// and its directory.
pub(super) fn check_writable(target: &Path, mode: Option<u32>) -> Result<(), EditError> {
    if let Some(mode) = mode {
        if let Err(errno) = rustix::fs::accessat(CWD, target, Access::WRITE_OK, AtFlags::EACCESS) {
            return Err(EditError::ReadOnlyFile {
                path: target.to_path_buf(),
                reason: read_only_reason(errno),
            });
        }
        if mode & 0o222 == 0 {
            return Err(EditError::ReadOnlyFile {
                path: target.to_path_buf(),
                reason: said(crate::text!(
                    "fsedit.no_write_bit",
                    mode = format!("{:04o}", mode & 0o7777)
                )),
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

/// Whether `chmod` on `path` (symlinks followed) can succeed: it exists, belongs to the
/// effective user (or sshdoctor runs as root), is on a writable file system and is not
/// immutable. The same rule as editing, applied before any of several changes is made.
pub(super) fn check_chmod(path: &Path) -> Result<(), EditError> {
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => EditError::NotFound {
            path: path.to_path_buf(),
        },
        _ => io_err("inspect", path)(e),
    })?;
    let refuse = |reason: String| EditError::ReadOnlyFile {
        path: path.to_path_buf(),
        reason,
    };
    let euid = rustix::process::geteuid();
    if !euid.is_root() && meta.uid() != euid.as_raw() {
        return Err(refuse(said(crate::text!(
            "fsedit.not_the_owner",
            uid = meta.uid()
        ))));
    }
    if let Ok(vfs) = rustix::fs::statvfs(path) {
        if vfs.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY) {
            return Err(refuse(read_only_reason(Errno::ROFS)));
        }
    }
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    if let Ok(fd) = rustix::fs::open(path, flags, Mode::empty()) {
        if rustix::fs::ioctl_getflags(&fd).is_ok_and(|f| f.contains(rustix::fs::IFlags::IMMUTABLE))
        {
            return Err(refuse(read_only_reason(Errno::PERM)));
        }
    }
    Ok(())
}
