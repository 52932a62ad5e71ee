//! Re-resolving candidate config content through [`crate::config::resolve`] via a private scratch file.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::{self, ConfigInput, ResolvedConfig};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A private (0700) temporary directory holding one scratch config file; removed on drop.
pub(super) struct Scratch {
    dir: PathBuf,
    file: PathBuf,
}

impl Scratch {
    /// Create the scratch directory under the system temporary directory.
    pub(super) fn new() -> Result<Scratch, String> {
        let base = std::env::temp_dir();
        for _ in 0..32 {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir = base.join(format!(
                "sshdoctor-verify-{}-{n}-{nanos}",
                std::process::id()
            ));
            match fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => {
                    let file = dir.join("config");
                    return Ok(Scratch { dir, file });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(format!(
                        "cannot create a scratch directory in {} to verify the edit: {e}",
                        base.display()
                    ))
                }
            }
        }
        Err("cannot create a scratch directory to verify the edit".to_string())
    }

    /// The scratch file's path (as it appears in resolved origins).
    pub(super) fn path(&self) -> &Path {
        &self.file
    }

    /// Resolve `input` as if the user's config file held `bytes`.
    pub(super) fn resolve(
        &self,
        input: &ConfigInput,
        bytes: &[u8],
    ) -> Result<ResolvedConfig, String> {
        let _ = fs::remove_file(&self.file);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&self.file)
            .map_err(|e| format!("cannot write {}: {e}", self.file.display()))?;
        std::io::Write::write_all(&mut f, bytes)
            .map_err(|e| format!("cannot write {}: {e}", self.file.display()))?;
        drop(f);
        let mut input = input.clone();
        input.user_config = Some(self.file.clone());
        Ok(config::resolve(&input))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.file);
        let _ = fs::remove_dir(&self.dir);
    }
}

/// The file ssh reads as the user configuration for `input`: `-F FILE`, else
/// `~/.ssh/config`; `None` for `-F none`.
pub(super) fn user_config_path(input: &ConfigInput) -> Option<PathBuf> {
    match &input.user_config {
        Some(p) if p.as_os_str() == "none" => None,
        Some(p) if p.is_absolute() => Some(p.clone()),
        Some(p) => Some(
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.clone()),
        ),
        None => Some(input.home.join(".ssh").join("config")),
    }
}

/// Refuse files other than the user configuration: only that file can be re-resolved
/// with new content (included files and the system file cannot be substituted).
pub(super) fn ensure_user_config(path: &Path, input: &ConfigInput) -> Result<(), String> {
    let Some(user) = user_config_path(input) else {
        return Err(
            "ssh runs with -F none here, so no config file is read; an edit cannot help"
                .to_string(),
        );
    };
    let same = user == path
        || matches!(
            (fs::canonicalize(&user), fs::canonicalize(path)),
            (Ok(a), Ok(b)) if a == b
        );
    if same {
        Ok(())
    } else {
        Err(format!(
            "{} is not the user config file ssh reads here ({}); sshdoctor can only verify edits to that file",
            path.display(),
            user.display()
        ))
    }
}
