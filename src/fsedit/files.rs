//! The files an edit creates beside the target: the temporary file that replaces it, the
//! backup that never overwrites an older one, and missing directories.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{DirBuilderExt, FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rustix::fs::{Gid, Mode, OFlags, RenameFlags, Uid, CWD};
use rustix::io::Errno;

use super::inspect::{parent_dir, Original};
use super::{io_err, EditError};

/// Most `.N` suffixes tried for a backup name within one second.
const MAX_BACKUP_SUFFIX: u32 = 1000;

/// Deletes a file it was given when dropped, unless [`RemoveOnDrop::keep`] is called.
#[derive(Debug)]
pub(super) struct RemoveOnDrop(Option<PathBuf>);

impl RemoveOnDrop {
    pub fn keep(mut self) -> PathBuf {
        self.0.take().expect("kept once")
    }

    pub fn path(&self) -> &Path {
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
#[derive(Debug, Default)]
pub(super) struct CreatedDirs(pub Vec<PathBuf>);

impl Drop for CreatedDirs {
    fn drop(&mut self) {
        for dir in self.0.drain(..).rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

pub(super) fn running_as_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Creates the missing directories up to `dir` with exactly `mode` (and, as root, the
/// owner of the directory they are created in), recording them in `created`.
pub(super) fn create_dirs(
    dir: &Path,
    mode: u32,
    created: &mut CreatedDirs,
) -> Result<(), EditError> {
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
pub(super) fn timestamp(now: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(now)
        .format("%Y%m%dT%H%M%S")
        .to_string()
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

/// A file this edit created, open for writing; deleted when dropped unless kept.
#[derive(Debug)]
pub(super) struct NewFile {
    pub file: File,
    pub guard: RemoveOnDrop,
}

/// Creates `path` exclusively with `mode` (`None` when the name is taken), opened in append
/// mode so that, once it is the target, what this edit adds never overwrites what another
/// program appends.
fn create_exclusive(path: &Path, mode: u32) -> Result<Option<NewFile>, EditError> {
    match OpenOptions::new()
        .append(true)
        .create_new(true)
        .mode(mode & 0o777)
        .custom_flags((OFlags::NOFOLLOW | OFlags::CLOEXEC).bits() as i32)
        .open(path)
    {
        Ok(file) => Ok(Some(NewFile {
            file,
            guard: RemoveOnDrop(Some(path.to_path_buf())),
        })),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(None),
        Err(e) => Err(io_err("create", path)(e)),
    }
}

/// Gives `file` the owner and group `owner`: fully as root; as another user only the
/// group, and only if allowed (best effort); then exactly `mode` (after chown, which may
/// clear set-id bits, and whatever the umask).
pub(super) fn set_owner_and_mode(
    file: &File,
    owner: Option<(u32, u32)>,
    mode: u32,
    path: &Path,
) -> Result<(), EditError> {
    if let Some((uid, gid)) = owner {
        let (uid, gid) = (Uid::from_raw(uid), Gid::from_raw(gid));
        if running_as_root() {
            rustix::fs::fchown(file.as_fd(), Some(uid), Some(gid))
                .map_err(|errno| io_err("set the owner of", path)(errno.into()))?;
        } else if rustix::process::getegid() != gid {
            let _ = rustix::fs::fchown(file.as_fd(), None, Some(gid));
        }
    }
    rustix::fs::fchmod(file.as_fd(), Mode::from_raw_mode(mode & 0o7777))
        .map_err(|errno| io_err("set the permissions of", path)(errno.into()))
}

/// Copies `len` bytes of `from` starting at `offset` to the end of `to`.
pub(super) fn copy_range(from: &File, mut offset: u64, len: u64, to: &mut File) -> io::Result<()> {
    let end = offset + len;
    let mut chunk = vec![0u8; (64 << 10).min(len as usize).max(1)];
    while offset < end {
        let want = ((end - offset) as usize).min(chunk.len());
        let n = match from.read_at(&mut chunk[..want], offset) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file became shorter while being copied",
                ))
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(&chunk[..n])?;
        offset += n as u64;
    }
    Ok(())
}

/// Saves the original as `<file>.sshdoctor-<stamp>[.N]` next to `target`: a second hard
/// link to it when it has only one (no copy; whatever is still appended to the old file
/// after the rename is then found in the backup), else a copy of its first `len` bytes with
/// its mode and owner, fsynced.
pub(super) fn make_backup(
    target: &Path,
    name: &OsStr,
    original: &Original,
    len: u64,
    now: SystemTime,
) -> Result<RemoveOnDrop, EditError> {
    let dir = parent_dir(target);
    let mut link = original.nlink == 1;
    for file_name in backup_names(name, now) {
        let path = dir.join(file_name);
        if link {
            match fs::hard_link(target, &path) {
                Ok(()) => {
                    let guard = RemoveOnDrop(Some(path.clone()));
                    if fs::symlink_metadata(&path).is_ok_and(|m| original.is(&m)) {
                        return Ok(guard);
                    }
                    // The target was replaced meanwhile: copy from the open original instead.
                    drop(guard);
                    link = false;
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                // No hard links here (or not allowed): copy.
                Err(_) => link = false,
            }
        }
        let mode = original.mode & 0o7777;
        let Some(mut copy) = create_exclusive(&path, mode)? else {
            continue;
        };
        copy_range(&original.file, 0, len, &mut copy.file).map_err(io_err("write", &path))?;
        set_owner_and_mode(&copy.file, Some((original.uid, original.gid)), mode, &path)?;
        copy.file.sync_all().map_err(io_err("sync", &path))?;
        return Ok(copy.guard);
    }
    Err(io_err("find a free backup name for", target)(
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{MAX_BACKUP_SUFFIX} backups made within one second"),
        ),
    ))
}

/// Creates a fresh hidden temporary file next to `target` for the new content.
pub(super) fn create_temp(
    target: &Path,
    name: &OsStr,
    mode: u32,
    owner: Option<(u32, u32)>,
) -> Result<NewFile, EditError> {
    let dir = parent_dir(target);
    for _ in 0..16 {
        let mut file_name = OsString::from(".");
        file_name.push(name);
        file_name.push(format!(".sshdoctor-tmp-{}", random_hex()));
        let path = dir.join(file_name);
        if let Some(temp) = create_exclusive(&path, mode)? {
            set_owner_and_mode(&temp.file, owner, mode, &path)?;
            return Ok(temp);
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
pub(super) fn rename_no_replace(temp: &Path, target: &Path) -> Result<bool, EditError> {
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
