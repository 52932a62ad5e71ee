//! Installing a public key in the account's authorized_keys over SFTP (the onboarding flow):
//! appended, never rewritten, after a copy of the old file; read back to check.

use super::inspect::{absolute, read_capped};
use super::{chmod, stat, Account};
use crate::remote_rules::{plan_install, Install};
use russh_sftp::protocol::{FileAttributes, OpenFlags};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

/// Copies `old` (the file's content just read) to the first free backup name beside `path`
/// (fsedit's `<file>.sshdoctor-<UTC stamp>[.N]`), created 0600 and only if absent, so an older
/// backup is never overwritten. Returns the backup's path.
async fn backup_remote(acc: &Account, path: &str, old: &[u8]) -> Result<String, String> {
    let now = std::time::SystemTime::now();
    for name in crate::fsedit::backup_names(std::ffi::OsStr::new(path), now) {
        let name = name.to_string_lossy().into_owned();
        if stat(acc, &name).await?.is_some() {
            continue;
        }
        let attrs = FileAttributes {
            permissions: Some(0o600),
            ..FileAttributes::empty()
        };
        let mut file = acc
            .sftp
            .open_with_flags_and_attributes(
                name.clone(),
                OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::EXCLUDE,
                attrs,
            )
            .await
            .map_err(|e| format!("creating the backup {name}: {e}"))?;
        file.write_all(old)
            .await
            .map_err(|e| format!("writing the backup {name}: {e}"))?;
        file.shutdown()
            .await
            .map_err(|e| format!("closing the backup {name}: {e}"))?;
        return Ok(name);
    }
    Err(said(crate::text!(
        "engine.remote.no_backup_name",
        path = path
    )))
}

/// What installing a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Installed {
    /// The key was already there, on this line.
    AlreadyPresent { path: String, line: usize },
    /// Appended; whether ~/.ssh and the file were created, and where the file's old content
    /// was copied first (an existing file only).
    Appended {
        path: String,
        created_dir: bool,
        created_file: bool,
        backup: Option<String>,
    },
}

/// Add `public_line` to `~/.ssh/authorized_keys` unless that key is there: ~/.ssh created 0700
/// and the file 0600 when missing; an existing file is only appended to (every other byte kept).
pub(crate) async fn install_key(acc: &Account, public_line: &str) -> Result<Installed, String> {
    let dir = absolute(&acc.home, ".ssh");
    let path = absolute(&acc.home, ".ssh/authorized_keys");
    let created_dir = ensure_dir(acc, &dir).await?;
    let existing = match stat(acc, &path).await? {
        None => None,
        Some(_) => Some(read_capped(acc, &path).await?),
    };
    let created_file = existing.is_none();
    match plan_install(existing.as_deref(), public_line)? {
        Install::AlreadyPresent { line } => Ok(Installed::AlreadyPresent { path, line }),
        Install::Append { append, .. } => {
            let old = existing.unwrap_or_default();
            let backup = match created_file {
                true => None,
                false => Some(backup_remote(acc, &path, &old).await?),
            };
            write_at_end(acc, &path, old.len(), &append, created_file).await?;
            // Read back: the old bytes, then ours (something else appending meanwhile is
            // fine; anything else is reported, never repaired blindly).
            let now = read_capped(acc, &path).await?;
            let ours = |rest: &[u8]| {
                append.is_empty() || rest.windows(append.len()).any(|w| w == append.as_slice())
            };
            if !now.starts_with(&old) || !ours(&now[old.len()..]) {
                return Err(said(crate::text!(
                    "engine.remote.read_back_differs",
                    path = &path
                )));
            }
            Ok(Installed::Appended {
                path,
                created_dir,
                created_file,
                backup,
            })
        }
    }
}

/// A refusal in the front end's language (the onboarding shows it as it is; the install runs
/// in its process).
fn said(text: crate::i18n::Text) -> String {
    text.render(crate::i18n::current())
}

/// `dir` as a directory: created 0700 when missing (then true); Err when something else.
async fn ensure_dir(acc: &Account, dir: &str) -> Result<bool, String> {
    match stat(acc, dir).await? {
        Some(st) if st.mode & 0o170000 == 0o040000 => Ok(false),
        Some(_) => Err(said(crate::text!(
            "engine.remote.not_a_directory",
            dir = dir
        ))),
        None => {
            acc.sftp
                .create_dir(dir.to_string())
                .await
                .map_err(|e| format!("mkdir {dir}: {e}"))?;
            chmod(acc, dir, 0o700).await?;
            Ok(true)
        }
    }
}

/// Write `append` after the file's `old_len` bytes. A new file is created 0600 and only if
/// still absent; an existing one is opened for appending, and written at its end as well, so
/// a server that ignored APPEND would still not write over the first bytes.
async fn write_at_end(
    acc: &Account,
    path: &str,
    old_len: usize,
    append: &[u8],
    create: bool,
) -> Result<(), String> {
    let attrs = FileAttributes {
        permissions: Some(0o600),
        ..FileAttributes::empty()
    };
    let flags = if create {
        OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::EXCLUDE
    } else {
        OpenFlags::WRITE | OpenFlags::APPEND
    };
    let mut file = acc
        .sftp
        .open_with_flags_and_attributes(path.to_string(), flags, attrs)
        .await
        .map_err(|e| format!("opening {path}: {e}"))?;
    file.seek(std::io::SeekFrom::Start(old_len as u64))
        .await
        .map_err(|e| format!("seeking in {path}: {e}"))?;
    file.write_all(append)
        .await
        .map_err(|e| format!("writing {path}: {e}"))?;
    file.shutdown()
        .await
        .map_err(|e| format!("closing {path}: {e}"))?;
    if create {
        chmod(acc, path, 0o600).await?;
    }
    Ok(())
}
