//! The repairs `sshdoctor server` offers that no other front end needs: creating sshd's
//! privilege separation directory, and an sshd_config edit written only after `sshd -t`
//! accepts the edited copy. Neither reloads nor restarts sshd.

use crate::fsedit::{self, Applied, EditError, EditOptions};
use crate::i18n::current;
use crate::text;
use std::path::Path;

/// Create a directory with exactly `mode`, owned by whoever runs this (root), refusing when
/// something already exists at the path.
pub(super) fn create_dir(path: &Path, mode: u32) -> Result<Applied, EditError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let io = |action: &'static str| {
        move |source: std::io::Error| EditError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    };
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.is_dir() {
            return Ok(Applied::unchanged(path.to_path_buf()));
        }
        return Err(EditError::NotRegularFile {
            path: path.to_path_buf(),
            kind: "file where a directory should be",
        });
    }
    std::fs::DirBuilder::new()
        .mode(mode)
        .create(path)
        .map_err(io("create"))?;
    // The umask may have cleared bits of `mode`.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(io("set the mode of"))?;
    let mut applied = Applied::unchanged(path.to_path_buf());
    applied.changed = true;
    applied.created = true;
    Ok(applied)
}

/// Write an sshd_config edit: first the edited content goes to a private temporary copy
/// that `sshd -t -f COPY` must accept, then the edit is made (atomic, backed up, refused when
/// the file changed since the preview). sshd keeps running with its old settings; the result
/// says how to make it read the new ones.
pub(super) fn sshd_config(edit: &fsedit::Edit, sshd: &Path) -> Result<Applied, EditError> {
    check_with_sshd(&edit.new, sshd).map_err(|why| EditError::Compute {
        path: edit.path.clone(),
        source: text!("repair.sshd_t_refuses", why = why)
            .render(current())
            .into(),
    })?;
    let mut applied = edit.apply(&EditOptions::new())?;
    applied
        .warnings
        .push(text!("repair.reload_note").render(current()));
    Ok(applied)
}

/// What is said after an sshd_config edit (in English; `repair.reload_note` in the catalogs).
pub const RELOAD_NOTE: &str = "sshd still runs with its old settings: sshdoctor does not reload or restart it; when ready, `systemctl reload ssh` (or `sshd`), or `kill -HUP` the listener (existing sessions stay)";

/// `sshd -t -f COPY` on `content` written to a 0600 file of our own in the temporary directory.
fn check_with_sshd(content: &[u8], sshd: &Path) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let copy = std::env::temp_dir().join(format!(
        "sshdoctor-sshd_config-{}-{nanos}",
        std::process::id()
    ));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&copy)
        .map_err(|e| text!("repair.cannot_write_copy", error = e.to_string()).render(current()))?;
    let written = file.write_all(content).and_then(|()| file.sync_all());
    drop(file);
    let result = written.map_err(|e| e.to_string()).and_then(|()| {
        std::process::Command::new(sshd)
            .arg("-t")
            .arg("-f")
            .arg(&copy)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| {
                let said = text!("repair.cannot_run", sshd = sshd, error = e.to_string());
                said.render(current())
            })
    });
    let _ = std::fs::remove_file(&copy);
    let out = result?;
    if out.status.success() {
        Ok(())
    } else {
        let text = String::from_utf8_lossy(&out.stderr)
            .replace(&copy.display().to_string(), "the edited copy");
        Err(text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no reason given")
            .trim()
            .to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_sshd_refuses_is_not_written_and_a_good_one_is_with_a_backup() {
        let sshd = Path::new("/usr/sbin/sshd");
        assert!(sshd.is_file(), "openssh-server is installed");
        let dir = std::env::temp_dir().join(format!("sshdoctor-sshdcfg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("hk");
        let ok = std::process::Command::new("ssh-keygen")
            .args(["-q", "-N", "", "-t", "ed25519", "-f"])
            .arg(&key)
            .status()
            .unwrap();
        assert!(ok.success());
        let config = dir.join("sshd_config");
        let old = format!("HostKey {}\nAllowUsers alice\n", key.display());
        std::fs::write(&config, &old).unwrap();
        let bad = fsedit::Edit {
            path: config.clone(),
            old: Some(old.clone().into_bytes()),
            new: format!("{old}Bogus yes\n").into_bytes(),
        };
        let err = sshd_config(&bad, sshd).unwrap_err().to_string();
        assert!(err.contains("Bad configuration option"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&config).unwrap(),
            old,
            "nothing written"
        );
        let good = fsedit::Edit {
            path: config.clone(),
            old: Some(old.clone().into_bytes()),
            new: format!("{old}AllowUsers bob\n").into_bytes(),
        };
        let applied = sshd_config(&good, sshd).unwrap();
        assert!(applied.changed && applied.backup.is_some());
        assert!(
            applied.summary().contains("does not reload or restart"),
            "{}",
            applied.summary()
        );
        assert!(std::fs::read_to_string(&config)
            .unwrap()
            .ends_with("AllowUsers bob\n"));
        let created = create_dir(&dir.join("privsep"), 0o755).unwrap();
        assert!(created.created);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(dir.join("privsep"))
                .unwrap()
                .permissions()
                .mode()
                & 0o7777,
            0o755
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
