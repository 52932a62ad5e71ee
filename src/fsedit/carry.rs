//! Lines another program appends while a file is being replaced (ssh records host keys without
//! any lock): carried over from the old file to the new one, before and after the rename,
//! until no other process still has the old file open for writing.
//!
//! After the rename nobody can open the old file by its name any more, so the only writers
//! left are processes that opened it before. They are found in `/proc/*/fd` (compared by
//! device and inode, only descriptors opened for writing count); while there is one, the
//! old file is watched and every complete line it gains is appended to the new file. When
//! `/proc` cannot tell, the old file must stay unchanged for [`QUIET`] instead.

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::inspect::Original;

/// How long the old file is watched at most after the rename.
const MAX_WAIT: Duration = Duration::from_secs(2);

/// Without `/proc`: how long the old file must stay unchanged to be taken as settled.
const QUIET: Duration = Duration::from_millis(50);

/// Pause between two looks at the old file.
const POLL: Duration = Duration::from_millis(1);

/// What was carried over from the old file.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Carried {
    /// Bytes appended to the new file.
    pub bytes: u64,
    /// Lines among them.
    pub lines: usize,
    /// A process still had the old file open for writing when watching stopped.
    pub writer_left: bool,
}

impl std::ops::AddAssign for Carried {
    fn add_assign(&mut self, other: Carried) {
        self.bytes += other.bytes;
        self.lines += other.lines;
        self.writer_left |= other.writer_left;
    }
}

/// Appends what `from` holds past `*offset` to `to` and advances `*offset`: complete lines
/// only, unless `all` (then an unterminated tail too).
pub(super) fn carry_lines(
    from: &File,
    offset: &mut u64,
    to: &mut File,
    all: bool,
) -> io::Result<Carried> {
    let size = from.metadata()?.len();
    if size <= *offset {
        return Ok(Carried::default());
    }
    let mut bytes = vec![0u8; (size - *offset) as usize];
    let mut got = 0;
    while got < bytes.len() {
        match from.read_at(&mut bytes[got..], *offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(got);
    let end = if all {
        bytes.len()
    } else {
        bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
    };
    if end == 0 {
        return Ok(Carried::default());
    }
    // One write: with O_APPEND it lands whole at the end, never inside another's line.
    to.write_all(&bytes[..end])?;
    *offset += end as u64;
    Ok(Carried {
        bytes: end as u64,
        lines: bytes[..end].iter().filter(|&&b| b == b'\n').count(),
        writer_left: false,
    })
}

/// After the rename: carries over whatever reaches the old file until no other process has
/// it open for writing (two looks in a row), or it stayed unchanged for [`QUIET`] when
/// `/proc` cannot tell; at most [`MAX_WAIT`]. `names` are the paths the old file may have
/// been opened by (the target, the backup), to find its descriptors cheaply.
pub(super) fn settle(
    original: &Original,
    offset: &mut u64,
    to: &mut File,
    names: &[PathBuf],
) -> io::Result<Carried> {
    let start = Instant::now();
    let mut carried = Carried::default();
    let mut quiet_since = Instant::now();
    let mut clear = 0;
    loop {
        let step = carry_lines(&original.file, offset, to, false)?;
        if step.bytes > 0 {
            quiet_since = Instant::now();
        }
        carried += step;
        match writers(original, names) {
            Some(true) => clear = 0,
            Some(false) => clear += 1,
            None if quiet_since.elapsed() >= QUIET => clear = 2,
            None => {}
        }
        if clear >= 2 {
            break;
        }
        if start.elapsed() >= MAX_WAIT {
            carried.writer_left = true;
            break;
        }
        std::thread::sleep(POLL);
    }
    carried += carry_lines(&original.file, offset, to, true)?;
    Ok(carried)
}

/// While reading: whether an unterminated end of `original` (now `size` bytes) may be a line
/// another program is still writing. Waits until the file grows (`true`: read on) or no other
/// process has it open for writing (`false`: it is a last line without newline), at most
/// [`MAX_WAIT`]; without `/proc`, until it stayed the same size for [`QUIET`].
pub(super) fn wait_for_more(original: &Original, size: u64, names: &[PathBuf]) -> io::Result<bool> {
    let start = Instant::now();
    loop {
        if original.file.metadata()?.len() > size {
            return Ok(true);
        }
        let settled = match writers(original, names) {
            Some(found) => !found,
            None => start.elapsed() >= QUIET,
        };
        if settled || start.elapsed() >= MAX_WAIT {
            // A writer may have finished between the two looks.
            return Ok(original.file.metadata()?.len() > size);
        }
        std::thread::sleep(POLL);
    }
}

/// Whether another descriptor open for writing refers to `original`; `None` when `/proc`
/// cannot be read.
fn writers(original: &Original, names: &[PathBuf]) -> Option<bool> {
    let wanted: Vec<Vec<u8>> = names
        .iter()
        .flat_map(|n| {
            let plain = n.as_os_str().as_encoded_bytes().to_vec();
            let mut deleted = plain.clone();
            deleted.extend_from_slice(b" (deleted)");
            [plain, deleted]
        })
        .collect();
    let mut saw_any = false;
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let pid = entry.file_name();
        if !pid.as_encoded_bytes().iter().all(u8::is_ascii_digit) {
            continue;
        }
        let Ok(fds) = fs::read_dir(entry.path().join("fd")) else {
            continue; // another user's process, or gone
        };
        saw_any = true;
        for fd in fds.flatten() {
            if writes_to(
                &entry.path(),
                &fd.path(),
                &fd.file_name(),
                original,
                &wanted,
            ) {
                return Some(true);
            }
        }
    }
    saw_any.then_some(false)
}

/// Whether the descriptor `fd_link` (`/proc/PID/fd/N`) is `original` opened for writing.
/// Only descriptors whose link text names one of `wanted` are looked at further, so no
/// other file (a hung network mount) is ever touched.
fn writes_to(
    proc_dir: &Path,
    fd_link: &Path,
    fd_name: &std::ffi::OsStr,
    original: &Original,
    wanted: &[Vec<u8>],
) -> bool {
    let Ok(target) = fs::read_link(fd_link) else {
        return false;
    };
    if !wanted.contains(&target.into_os_string().into_encoded_bytes()) {
        return false;
    }
    if !fs::metadata(fd_link).is_ok_and(|m| m.dev() == original.dev && m.ino() == original.ino) {
        return false;
    }
    let Ok(info) = fs::read_to_string(proc_dir.join("fdinfo").join(fd_name)) else {
        return true; // cannot tell how it was opened: assume the worst
    };
    let flags = info
        .lines()
        .find_map(|l| l.strip_prefix("flags:"))
        .and_then(|v| u32::from_str_radix(v.trim(), 8).ok());
    // O_ACCMODE: 0 is read-only.
    flags.is_none_or(|f| f & 0o3 != 0)
}
