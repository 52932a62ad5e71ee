//! The `host_keys` stage: each HostKey file sshd's config names — present, readable by root
//! only (sshd refuses a root-owned key others can read), loadable, and matching its `.pub`
//! (the file people read fingerprints from).

use super::emit::{End, Out};
use super::repairs::{chmod_action, Chmod};
use super::Seen;
use crate::event::{Finding, Level, Severity, Stage, Status};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// What was found of one host key file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyState {
    /// sshd can load it.
    Usable,
    /// The file does not exist.
    Missing,
    /// Root's, but group or others may read it: sshd refuses it.
    Exposed { mode: u32 },
    /// Another user's: sshd loads it, but that user holds the server's identity.
    OtherOwner { uid: u32, mode: u32 },
    /// It cannot be loaded (encrypted, unreadable, not a key), and why.
    Unloadable(Text),
}

/// Judge one host key file: `(state, what its .pub says)`.
pub(crate) fn inspect(path: &Path) -> (KeyState, Option<Text>) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(_) => return (KeyState::Missing, None),
    };
    let mode = meta.mode() & 0o7777;
    if meta.uid() == 0 && mode & 0o077 != 0 {
        return (KeyState::Exposed { mode }, None);
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) if t.len() < 64 * 1024 => t,
        Ok(_) => {
            return (
                KeyState::Unloadable(text!("server.hostkeys.too_large")),
                None,
            )
        }
        Err(e) => {
            let why = text!("server.hostkeys.unreadable", error = e.to_string());
            return (KeyState::Unloadable(why), None);
        }
    };
    let pub_note = match ssh_key::PrivateKey::from_openssh(&text) {
        Ok(key) if key.is_encrypted() => {
            return (
                KeyState::Unloadable(text!("server.hostkeys.encrypted")),
                None,
            )
        }
        Ok(key) => compare_pub(path, key.public_key()),
        Err(_) if text.contains("-----BEGIN") => None,
        Err(_) => {
            return (
                KeyState::Unloadable(text!("server.hostkeys.not_a_key")),
                None,
            )
        }
    };
    if meta.uid() != 0 {
        return (
            KeyState::OtherOwner {
                uid: meta.uid(),
                mode,
            },
            pub_note,
        );
    }
    (KeyState::Usable, pub_note)
}

/// `None` when `PATH.pub` matches the private key (or is absent); else what differs.
fn compare_pub(path: &Path, public: &ssh_key::PublicKey) -> Option<Text> {
    let pub_path = format!("{}.pub", path.display());
    let text = std::fs::read_to_string(&pub_path).ok()?;
    let line = text.lines().find(|l| !l.trim().is_empty())?;
    let fp = |k: &ssh_key::PublicKey| crate::known_hosts::sha256_fingerprint(k.key_data());
    match ssh_key::PublicKey::from_openssh(line) {
        Ok(p) if p.key_data() == public.key_data() => None,
        Ok(p) => Some(text!(
            "server.hostkeys.pub_differs",
            pub_path = &pub_path,
            pub_fp = fp(&p),
            fp = fp(public)
        )),
        Err(_) => Some(text!("server.hostkeys.pub_not_a_key", pub_path = pub_path)),
    }
}

/// Run the stage.
pub(super) async fn stage(out: &Out, seen: &mut Seen) {
    let since = out.started(Stage::HostKeys).await;
    let end = run(out, seen).await;
    out.finished(Stage::HostKeys, since, end).await;
}

async fn run(out: &Out, seen: &mut Seen) -> End {
    let files: Vec<String> = seen.all("hostkey").iter().map(|s| s.to_string()).collect();
    if files.is_empty() {
        let why = text!("server.hostkeys.none_configured");
        return End::text(Status::Skipped, text!("summary.skipped", why = why));
    }
    if !super::is_root() {
        let why = text!("server.hostkeys.root_only");
        return End::text(Status::Skipped, text!("summary.skipped", why = why));
    }
    let judged: Vec<(String, KeyState, Option<Text>)> = files
        .iter()
        .map(|f| {
            let (state, note) = inspect(Path::new(f));
            (f.clone(), state, note)
        })
        .collect();
    let usable = judged
        .iter()
        .filter(|(_, s, _)| matches!(s, KeyState::Usable | KeyState::OtherOwner { .. }))
        .count();
    let chmods: Vec<Chmod> = judged
        .iter()
        .filter_map(|(f, s, _)| match s {
            KeyState::Exposed { mode } => Some(Chmod {
                path: f.into(),
                from: *mode,
                to: 0o600,
            }),
            _ => None,
        })
        .collect();
    let mut findings = Vec::new();
    for (file, state, note) in &judged {
        let shown = match state {
            KeyState::Unloadable(why) => format!("Unloadable({:?})", why.english()),
            state => format!("{state:?}"),
        };
        out.log(Stage::HostKeys, Level::Debug1, format!("{file}: {shown}"))
            .await;
        findings.extend(judge(file, state, usable, &chmods));
        if let Some(n) = note {
            findings.push(pub_mismatch(file, n));
        }
    }
    seen.chmods.extend(chmods);
    let status = out.findings(findings).await;
    seen.now.usable_hostkeys = Some(usable);
    let summary = text!("server.hostkeys.usable", usable = usable, n = files.len());
    End::text(status, summary)
}

/// `server.hostkey_pub_mismatch`: the `.pub` beside `file` is not its public key.
fn pub_mismatch(file: &str, note: &Text) -> Finding {
    let detail = text!(
        "server.hostkeys.pub_mismatch_detail",
        note = note.clone(),
        file = file
    );
    keyed("server.hostkey_pub_mismatch", Stage::HostKeys, detail)
        .evidence(note.english())
        .fix_text(text!("server.hostkeys.pub_mismatch_fix", file = file))
}

/// The finding for one key's state; an error only when no key is usable (sshd then stops
/// with "no hostkeys available"), else a warning (clients that pinned that key type fail).
pub(super) fn judge(
    file: &str,
    state: &KeyState,
    usable: usize,
    chmods: &[Chmod],
) -> Option<Finding> {
    let and_then = if usable == 0 {
        text!("server.hostkeys.none_usable")
    } else {
        text!("server.hostkeys.others_usable")
    };
    let mut f = match state {
        KeyState::Usable => return None,
        KeyState::Missing => keyed(
            "server.hostkey_missing",
            Stage::HostKeys,
            text!(
                "server.hostkeys.missing_detail",
                file = file,
                and_then = and_then
            ),
        )
        .evidence(format!("{file}: no such file"))
        .fix_text(text!("server.hostkeys.missing_fix", file = file)),
        KeyState::Exposed { mode } => {
            let mode = format!("{mode:04o}");
            let detail = text!(
                "server.hostkeys.exposed_detail",
                file = file,
                mode = &mode,
                and_then = and_then
            );
            let mut f = keyed("server.hostkey_permissions", Stage::HostKeys, detail)
                .evidence(format!("{file}: mode {mode}, owner root"));
            f.actions.extend(chmod_action(chmods));
            f.fix_text(text!("server.hostkeys.exposed_fix", file = file))
        }
        KeyState::OtherOwner { uid, mode } => keyed(
            "server.hostkey_permissions",
            Stage::HostKeys,
            text!(
                "server.hostkeys.other_owner_detail",
                file = file,
                uid = *uid
            ),
        )
        .evidence(format!("{file}: mode {mode:04o}, owner uid {uid}"))
        .fix_text(text!("server.hostkeys.other_owner_fix", file = file)),
        KeyState::Unloadable(why) => keyed(
            "server.hostkey_unloadable",
            Stage::HostKeys,
            text!(
                "server.hostkeys.unloadable_detail",
                file = file,
                why = why.clone(),
                and_then = and_then
            ),
        )
        .evidence(format!("{file}: {}", why.english())),
    };
    f.severity = if usable == 0 {
        Severity::Error
    } else {
        Severity::Warning
    };
    if matches!(state, KeyState::OtherOwner { .. }) {
        f.severity = Severity::Warning;
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn missing_exposed_and_mismatched_keys() {
        let dir = std::env::temp_dir().join(format!("sshdoctor-hostkeys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("k");
        let ok = std::process::Command::new("ssh-keygen")
            .args(["-q", "-N", "", "-t", "ed25519", "-f"])
            .arg(&key)
            .status()
            .unwrap();
        assert!(ok.success());
        assert_eq!(inspect(&dir.join("nope")).0, KeyState::Missing);
        if crate::server::is_root() {
            assert_eq!(inspect(&key), (KeyState::Usable, None));
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert_eq!(inspect(&key).0, KeyState::Exposed { mode: 0o644 });
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
            let other = dir.join("o");
            std::process::Command::new("ssh-keygen")
                .args(["-q", "-N", "", "-t", "ed25519", "-f"])
                .arg(&other)
                .status()
                .unwrap();
            std::fs::copy(dir.join("o.pub"), dir.join("k.pub")).unwrap();
            let (state, note) = inspect(&key);
            assert_eq!(state, KeyState::Usable);
            assert!(note
                .unwrap()
                .english()
                .contains("but the private key is SHA256:"));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
