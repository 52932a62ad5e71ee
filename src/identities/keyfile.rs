//! Reading one identity file the way OpenSSH 9.2's `authfile.c` does: the public key (from the
//! file itself, `FILE.pub`, or the private key's public part), the default certificate
//! (`FILE-cert`/`FILE-cert.pub`) and what the private key would need (permissions, passphrase).
//!
//! Private key material is decoded only to learn its public half and is dropped at once; it is
//! never logged or formatted.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use ssh_key::{Certificate, PublicKey};

use super::ProblemKind;

/// Everything learned about one `IdentityFile` without a passphrase.
#[derive(Debug, Default)]
pub(super) struct FileInfo {
    /// The public key ssh would load (`sshkey_load_public`), if any.
    pub public: Option<PublicKey>,
    /// The certificate `FILE-cert[.pub]`, if present and a certificate.
    pub certificate: Option<(Certificate, String)>,
    /// The private key file exists (ssh's `stat` before loading it).
    pub exists: bool,
    /// `FILE.pub` exists.
    pub pub_exists: bool,
    /// The private key needs a passphrase.
    pub encrypted: bool,
    /// Problems found (never `Missing`; the caller decides that from the origin).
    pub problems: Vec<ProblemKind>,
}

/// Appends `suffix` to a path's final component.
pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// `sshkey_try_load_public`: the first key line of a public key file (blank and `#` lines skipped).
pub(super) fn try_load_public(path: &Path) -> Option<PublicKey> {
    let text = fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&text);
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        return PublicKey::from_openssh(line).ok();
    }
    None
}

/// A certificate in a public key file (`sshkey_try_load_public` on a `-cert.pub` file),
/// with its comment.
pub(super) fn try_load_certificate(path: &Path) -> Option<(Certificate, String)> {
    let text = fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&text);
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let cert = Certificate::from_openssh(line).ok()?;
    let comment = line
        .split_whitespace()
        .nth(2)
        .unwrap_or_default()
        .to_string();
    Some((cert, comment))
}

/// `sshkey_load_public(filename)`: a certificate at `filename` or `filename.pub`.
pub(super) fn load_certificate(filename: &Path) -> Option<(Certificate, String)> {
    try_load_certificate(filename).or_else(|| try_load_certificate(&with_suffix(filename, ".pub")))
}

/// What the private key file says about itself without a passphrase.
pub(super) enum Private {
    /// Readable; its public half.
    Plain(PublicKey),
    /// Needs a passphrase; the public half when the format stores it in clear (new OpenSSH format).
    Encrypted(Option<PublicKey>),
    /// Not a private key ssh could read.
    Invalid(String),
}

/// Whether a legacy private key text is encrypted, judged from its armour.
fn legacy_encrypted(text: &str) -> bool {
    if text.trim_start().starts_with("PuTTY-User-Key-File-") {
        return text
            .lines()
            .find_map(|l| l.strip_prefix("Encryption:"))
            .is_some_and(|v| v.trim() != "none");
    }
    text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || text.lines().any(|l| l.trim() == "Proc-Type: 4,ENCRYPTED")
}

/// Decodes private key text with no passphrase, keeping only the public half.
pub(super) fn inspect_private(text: &str) -> Private {
    if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
        return match ssh_key::PrivateKey::from_openssh(text) {
            Ok(k) => {
                let public = k.public_key().clone();
                if k.is_encrypted() {
                    Private::Encrypted(Some(public))
                } else {
                    Private::Plain(public)
                }
            }
            Err(e) => Private::Invalid(super::words::invalid_openssh(e)),
        };
    }
    if legacy_encrypted(text) {
        return Private::Encrypted(None);
    }
    match russh::keys::decode_secret_key(text, None) {
        Ok(k) => Private::Plain(k.public_key().clone()),
        Err(russh::keys::Error::KeyIsEncrypted) => Private::Encrypted(None),
        Err(e) => Private::Invalid(super::words::unreadable_private(e)),
    }
}

/// OpenSSH's `sshkey_perm_ok`: a key owned by the current user must not be accessible by others.
pub(super) fn unprotected(meta: &fs::Metadata, uid: u32) -> Option<u32> {
    let mode = meta.mode() & 0o7777;
    (meta.uid() == uid && mode & 0o077 != 0).then_some(mode)
}

/// Reads one identity file.
pub(super) fn inspect(path: &Path, with_default_cert: bool, uid: u32) -> FileInfo {
    let pub_path = with_suffix(path, ".pub");
    let mut info = FileInfo {
        pub_exists: pub_path.exists(),
        ..FileInfo::default()
    };
    // sshkey_load_public: the file itself as a public key, then FILE.pub, then the private key.
    let from_pub = try_load_public(path).or_else(|| try_load_public(&pub_path));
    let meta = fs::metadata(path);
    let mut private_public = None;
    match &meta {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            info.exists = true;
            info.problems.push(ProblemKind::Unreadable(e.to_string()));
        }
        Ok(meta) => {
            info.exists = true;
            if let Some(mode) = unprotected(meta, uid) {
                info.problems.push(ProblemKind::Unprotected { mode });
            }
            match fs::read(path) {
                Err(e) => info.problems.push(ProblemKind::Unreadable(e.to_string())),
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes);
                    if try_load_public(path).is_some() {
                        info.problems.push(ProblemKind::Invalid(
                            "this is a public key file, not a private key".into(),
                        ));
                    } else {
                        match inspect_private(&text) {
                            Private::Plain(k) => private_public = Some((k, true)),
                            Private::Encrypted(k) => {
                                info.encrypted = true;
                                // Only the new format's clear public part is what ssh can load.
                                private_public = k.map(|k| (k, true));
                            }
                            Private::Invalid(msg) => info.problems.push(ProblemKind::Invalid(msg)),
                        }
                    }
                    // ssh loads a public key from a private file only for the new format.
                    if !text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
                        if let Some((_, usable)) = private_public.as_mut() {
                            *usable = false;
                        }
                    }
                }
            }
        }
    }
    if let (Some(pubkey), Some((private, _))) = (&from_pub, &private_public) {
        if info.pub_exists && pubkey.key_data() != private.key_data() {
            info.problems.push(ProblemKind::PubMismatch);
        }
    }
    info.public = from_pub.or_else(|| private_public.and_then(|(k, usable)| usable.then_some(k)));
    if with_default_cert {
        info.certificate = load_certificate(&with_suffix(path, "-cert"));
    }
    info
}
