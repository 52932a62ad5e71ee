//! The one procedure every edit follows: open the original, produce the new content into a
//! temporary file, back up, check nothing but appends happened, rename, carry appends over.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::carry::{self, Carried};
use super::files::{self, CreatedDirs, NewFile};
use super::inspect::{self, check_writable, parent_dir, Opened, Original};
use super::{io_err, Applied, EditError, EditOptions};

/// How the new content is made from the original, for [`edit_file`].
pub(super) trait Producer {
    /// Largest original it reads ([`EditError::TooLarge`] beyond).
    fn limit(&self) -> u64;

    /// Reads the original (`None`: it does not exist) and writes the new content through
    /// `out`; `Ok(None)` when nothing is to change (then `out` must not have been started).
    fn produce(
        &mut self,
        original: Option<&Original>,
        out: &mut Output<'_>,
    ) -> Result<Option<Produced>, EditError>;
}

/// What [`Producer::produce`] made.
pub(super) struct Produced {
    /// How many bytes of the original the new content accounts for.
    pub consumed: u64,
    /// The unified diff of the change.
    pub diff: String,
    /// For a whole-content edit, the original bytes it was computed from: the file must
    /// still hold exactly these at the rename, or the edit is made again. `None` for a line
    /// edit, after which bytes appended before the rename are carried over as they are.
    pub whole: Option<Vec<u8>>,
}

/// Where the new content goes: the temporary file, created on the first write (after the
/// read-only rule was applied and missing directories were created).
pub(super) struct Output<'a> {
    target: &'a Path,
    opts: &'a EditOptions,
    original: Option<&'a Original>,
    dirs: &'a mut CreatedDirs,
    temp: Option<(BufWriter<File>, files::RemoveOnDrop)>,
}

impl<'a> Output<'a> {
    /// Output for an edit of `target` (`original`: its open original, if it exists).
    pub fn new(
        target: &'a Path,
        opts: &'a EditOptions,
        original: Option<&'a Original>,
        dirs: &'a mut CreatedDirs,
    ) -> Output<'a> {
        Output {
            target,
            opts,
            original,
            dirs,
            temp: None,
        }
    }

    /// The file being edited (symlinks resolved).
    pub fn target(&self) -> &'a Path {
        self.target
    }

    /// Checks the target can be written, creates the temporary file, and copies the first
    /// `prefix` bytes of the original into it.
    pub fn start(&mut self, prefix: u64) -> Result<(), EditError> {
        if self.temp.is_some() {
            return Ok(());
        }
        let target = self.target;
        let dir = parent_dir(target);
        let dir_missing = self.original.is_none() && fs::symlink_metadata(dir).is_err();
        if dir_missing && self.opts.create_dir_mode.is_none() {
            return Err(EditError::MissingDirectory {
                dir: dir.to_path_buf(),
                path: target.to_path_buf(),
            });
        }
        check_writable(target, self.original.map(|o| o.mode))?;
        let (mode, owner) = match self.original {
            Some(o) => (o.mode & 0o7777, Some((o.uid, o.gid))),
            None => {
                if let (true, Some(dir_mode)) = (dir_missing, self.opts.create_dir_mode) {
                    files::create_dirs(dir, dir_mode, self.dirs)?;
                }
                let owner = if files::running_as_root() {
                    use std::os::unix::fs::MetadataExt;
                    let meta = fs::metadata(dir).map_err(io_err("inspect", dir))?;
                    Some((meta.uid(), meta.gid()))
                } else {
                    None
                };
                (self.opts.create_mode.unwrap_or(0o600) & 0o7777, owner)
            }
        };
        let NewFile { mut file, guard } =
            files::create_temp(target, &file_name(target)?, mode, owner)?;
        if let (Some(o), true) = (self.original, prefix > 0) {
            files::copy_range(&o.file, 0, prefix, &mut file)
                .map_err(io_err("write", guard.path()))?;
        }
        self.temp = Some((BufWriter::with_capacity(64 << 10, file), guard));
        Ok(())
    }

    /// Appends `bytes` to the new content ([`Output::start`] must have been called).
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), EditError> {
        let (writer, guard) = self.temp.as_mut().expect("output started");
        writer
            .write_all(bytes)
            .map_err(io_err("write", guard.path()))
    }

    /// The temporary file, flushed.
    fn finish(self) -> Result<NewFile, EditError> {
        let (writer, guard) = self.temp.expect("output started");
        let file = writer
            .into_inner()
            .map_err(|e| io_err("write", guard.path())(e.into_error()))?;
        Ok(NewFile { file, guard })
    }
}

pub(super) fn file_name(target: &Path) -> Result<OsString, EditError> {
    target
        .file_name()
        .map(|n| n.to_os_string())
        .ok_or_else(|| EditError::NotRegularFile {
            path: target.to_path_buf(),
            kind: "path without a file name",
        })
}

/// The procedure behind every edit: see [`super::apply_edit`]; `now` names the backup.
pub(super) fn edit_file(
    path: &Path,
    opts: &EditOptions,
    now: SystemTime,
    producer: &mut dyn Producer,
) -> Result<Applied, EditError> {
    let mut dirs = CreatedDirs::default();
    let attempts = opts.max_attempts.max(1);
    let mut target = path.to_path_buf();
    for _ in 0..attempts {
        target = inspect::resolve(path)?;
        let original = match inspect::open_original(&target, producer.limit())? {
            Opened::File(o) => Some(o),
            Opened::Missing if opts.create_mode.is_some() => None,
            Opened::Missing => return Err(EditError::NotFound { path: target }),
            Opened::Raced => continue,
        };
        let mut out = Output::new(&target, opts, original.as_ref(), &mut dirs);
        let Some(produced) = producer.produce(original.as_ref(), &mut out)? else {
            return Ok(Applied::unchanged(target));
        };
        let temp = out.finish()?;
        if let Some(applied) = commit(&target, original.as_ref(), temp, produced, now)? {
            dirs.0.clear();
            return Ok(applied);
        }
    }
    Err(EditError::TooManyConcurrentChanges {
        path: target,
        attempts,
    })
}

/// How the target looks just before the rename, compared with the original.
enum Recheck {
    /// Exactly as read.
    Same,
    /// The same file, with bytes appended past what was read.
    Appended,
    /// Replaced, shrunk, rewritten, or its mode or owner changed: start again.
    Changed,
}

fn recheck(
    target: &Path,
    original: &Original,
    consumed: u64,
    whole: Option<&[u8]>,
) -> Result<Recheck, EditError> {
    let by_name = match fs::symlink_metadata(target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Recheck::Changed),
        Err(e) => return Err(io_err("inspect", target)(e)),
    };
    if !by_name.file_type().is_file() {
        return Err(EditError::NotRegularFile {
            path: target.to_path_buf(),
            kind: inspect::kind_name(&by_name.file_type()),
        });
    }
    let now = original
        .file
        .metadata()
        .map_err(io_err("inspect", target))?;
    if !original.is(&by_name) || original.attributes_differ(&now) || now.len() < consumed {
        return Ok(Recheck::Changed);
    }
    if now.len() > consumed {
        return Ok(Recheck::Appended);
    }
    if let Some(bytes) = whole {
        if original.read_all(target, inspect::MAX_WHOLE_BYTES)? != bytes {
            return Ok(Recheck::Changed);
        }
    }
    Ok(Recheck::Same)
}

#[cfg(test)]
thread_local! {
    /// Test hook: the next rename onto this path fails (an I/O error no permission check
    /// can foresee), to test how a failure halfway through several files is reported.
    pub(super) static FAIL_RENAME_ONTO: std::cell::RefCell<Option<PathBuf>> =
        const { std::cell::RefCell::new(None) };
}

fn rename(temp: &Path, target: &Path) -> Result<(), EditError> {
    #[cfg(test)]
    if FAIL_RENAME_ONTO.with(|f| f.borrow().as_deref() == Some(target)) {
        FAIL_RENAME_ONTO.with(|f| f.borrow_mut().take());
        let e = std::io::Error::from_raw_os_error(rustix::io::Errno::NOSPC.raw_os_error());
        return Err(io_err("replace", target)(e));
    }
    fs::rename(temp, target).map_err(io_err("replace", target))
}

/// Backs up, checks, renames and carries appends over; `Ok(None)` when the target changed
/// in a way that means the edit must be made again.
fn commit(
    target: &Path,
    original: Option<&Original>,
    mut temp: NewFile,
    produced: Produced,
    now: SystemTime,
) -> Result<Option<Applied>, EditError> {
    let name = file_name(target)?;
    let mut consumed = produced.consumed;
    let backup = match original {
        Some(o) => Some(files::make_backup(target, &name, o, consumed, now)?),
        None => None,
    };
    let mut carried = Carried::default();
    if let Some(o) = original {
        match recheck(target, o, consumed, produced.whole.as_deref())? {
            Recheck::Same => {}
            Recheck::Appended if produced.whole.is_none() => {
                carried += carry::carry_lines(&o.file, &mut consumed, &mut temp.file, false)
                    .map_err(io_err("read", target))?;
            }
            Recheck::Appended | Recheck::Changed => return Ok(None),
        }
    }
    temp.file
        .sync_all()
        .map_err(io_err("sync", temp.guard.path()))?;
    match original {
        Some(_) => rename(temp.guard.path(), target)?,
        None if !files::rename_no_replace(temp.guard.path(), target)? => return Ok(None),
        None => {}
    }
    let NewFile { mut file, guard } = temp;
    let _ = guard.keep();
    let backup = backup.map(files::RemoveOnDrop::keep);
    let mut warnings = Vec::new();
    if let Some(o) = original {
        let names = watched_names(target, backup.as_deref());
        match carry::settle(o, &mut consumed, &mut file, &names) {
            Ok(late) => carried += late,
            Err(e) => warnings.push(
                crate::text!("fsedit.carry_failed", error = e.to_string())
                    .render(crate::i18n::current()),
            ),
        }
        if carried.bytes > 0 {
            if let Err(e) = file.sync_all() {
                let said = crate::text!("fsedit.carry_not_synced", error = e.to_string());
                warnings.push(said.render(crate::i18n::current()));
            }
        }
    }
    let applied = Applied {
        path: target.to_path_buf(),
        backup,
        diff: produced.diff,
        changed: true,
        created: original.is_none(),
        mode: None,
        carried_lines: carried.lines,
        other_links: original.map_or(0, |o| o.nlink.saturating_sub(1)),
        warnings: late_writer_warning(carried, original)
            .into_iter()
            .chain(warnings)
            .collect(),
    };
    if let Err(source) = File::open(parent_dir(target)).and_then(|d| d.sync_all()) {
        return Err(EditError::NotSynced {
            path: applied.path,
            backup: applied.backup,
            source,
        });
    }
    Ok(Some(applied))
}

fn late_writer_warning(carried: Carried, original: Option<&Original>) -> Option<String> {
    let kept_as = match original {
        Some(o) if o.nlink == 1 => " (kept as the backup)",
        _ => "",
    };
    carried.writer_left.then(|| {
        format!("another program still had the old file open for writing when sshdoctor stopped waiting for it; what it writes now goes to the old file{kept_as}, not to the new one")
    })
}

/// The names by which the old file can show up in `/proc/*/fd` (absolute, as the kernel
/// prints them).
pub(super) fn watched_names(target: &Path, backup: Option<&Path>) -> Vec<PathBuf> {
    let canonical = |p: &Path| {
        fs::canonicalize(parent_dir(p))
            .ok()
            .zip(p.file_name())
            .map(|(dir, name)| dir.join(name))
    };
    [Some(target), backup]
        .into_iter()
        .flatten()
        .flat_map(|p| [Some(p.to_path_buf()), canonical(p)])
        .flatten()
        .collect()
}
