//! Reading local files safely: regular files only, opened without blocking, size-capped.
//!
//! A FIFO opened for reading blocks until a writer appears, and `/dev/zero` never ends: any
//! path a user's configuration names (known_hosts, RevokedHostKeys, ...) is opened with
//! `O_NONBLOCK`, checked with `fstat` on the open descriptor (no race with a rename), refused
//! unless it is a regular file, and read up to a cap.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

/// The default cap on a file's size: far above any real known_hosts (a million hashed lines
/// are ~120 MiB), low enough that a mistake cannot exhaust memory.
pub const DEFAULT_CAP: u64 = 512 * 1024 * 1024;

/// Why a local file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LocalFileError {
    /// The path does not exist (or a symlink points nowhere).
    #[error("No such file or directory")]
    Missing,
    /// The path is a directory.
    #[error("is a directory")]
    Directory,
    /// The path is a FIFO, device or socket.
    #[error("is a {0}, not a regular file")]
    NotRegular(&'static str),
    /// The file is larger than the cap.
    #[error("is larger than the {limit}-byte limit sshdoctor reads ({size} bytes)")]
    TooLarge {
        /// Its size, as far as known.
        size: u64,
        /// The cap.
        limit: u64,
    },
    /// Another error (permission denied, I/O error).
    #[error("{0}")]
    Io(io::Error),
}

impl LocalFileError {
    /// Whether the error only says the file is absent (ssh skips absent known_hosts silently).
    pub fn is_missing(&self) -> bool {
        matches!(self, LocalFileError::Missing)
    }
}

/// Open `path` for reading if it is a regular file of at most `cap` bytes (or /dev/null, which
/// reads as empty); the file and its size.
pub fn open_regular(path: &Path, cap: u64) -> Result<(File, u64), LocalFileError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => LocalFileError::Missing,
            _ => LocalFileError::Io(e),
        })?;
    let meta = file.metadata().map_err(LocalFileError::Io)?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(LocalFileError::Directory);
    }
    if kind.is_char_device() && is_dev_null(meta.rdev()) {
        // /dev/null reads as an empty file (GlobalKnownHostsFile /dev/null is common).
        return Ok((file, 0));
    }
    if !kind.is_file() {
        let what = if kind.is_fifo() {
            "FIFO (named pipe)"
        } else if kind.is_char_device() {
            "character device"
        } else if kind.is_block_device() {
            "block device"
        } else if kind.is_socket() {
            "socket"
        } else {
            "special file"
        };
        return Err(LocalFileError::NotRegular(what));
    }
    if meta.len() > cap {
        return Err(LocalFileError::TooLarge {
            size: meta.len(),
            limit: cap,
        });
    }
    Ok((file, meta.len()))
}

/// Whether a character device number is /dev/null's (major 1, minor 3 on Linux).
fn is_dev_null(rdev: u64) -> bool {
    rustix::fs::major(rdev) == 1 && rustix::fs::minor(rdev) == 3
}

/// Whether the error means ssh would block or read without end on this file (a FIFO or a
/// device other than /dev/null): ssh opens such files without a timeout.
pub fn blocks_ssh(e: &LocalFileError) -> bool {
    matches!(
        e,
        LocalFileError::NotRegular("FIFO (named pipe)" | "character device" | "block device")
    )
}

/// Read a whole regular file (or /dev/null) of at most `cap` bytes (see [`open_regular`]).
pub fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, LocalFileError> {
    let (file, size) = open_regular(path, cap)?;
    let mut bytes = Vec::with_capacity(size as usize);
    // A file growing while it is read is still cut at the cap.
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(LocalFileError::Io)?;
    if bytes.len() as u64 > cap {
        return Err(LocalFileError::TooLarge {
            size: bytes.len() as u64,
            limit: cap,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn regular_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(read_regular(&p, 10).unwrap(), b"abc");
        assert!(matches!(
            read_regular(&p, 2),
            Err(LocalFileError::TooLarge { size: 3, limit: 2 })
        ));
        assert!(read_regular(&dir.path().join("absent"), 10)
            .unwrap_err()
            .is_missing());
    }

    #[test]
    fn directory_fifo_and_devices_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_regular(dir.path(), DEFAULT_CAP),
            Err(LocalFileError::Directory)
        ));
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let start = Instant::now();
        let err = read_regular(&fifo, DEFAULT_CAP).unwrap_err();
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "blocked on a FIFO"
        );
        assert_eq!(
            err.to_string(),
            "is a FIFO (named pipe), not a regular file"
        );
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert_eq!(
            read_regular(&zero, DEFAULT_CAP).unwrap_err().to_string(),
            "is a character device, not a regular file"
        );
        assert_eq!(read_regular(Path::new("/dev/null"), 10).unwrap(), b"");
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(read_regular(&dangling, 10).unwrap_err().is_missing());
    }
}
