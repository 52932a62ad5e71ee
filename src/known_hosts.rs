//! OpenSSH known_hosts engine: parsing, host matching, lookup verdicts, fingerprints and edits.
//!
//! The behaviour follows OpenSSH's `hostfile.c`, `match.c` and `sshconnect.c`
//! (OpenSSH 9.x) and is checked against `ssh-keygen -F`, `-R`, `-l` and `-lv`.
//!
//! * [`KnownHostsFile::parse`] keeps every line's bytes, ending and true line
//!   number; malformed lines are recorded and never hide other lines.
//!   [`KnownHostsFile::scan`] streams a file and keeps only the lines for the names
//!   a diagnosis looks up (what the probe uses: memory stays flat, each hashed entry
//!   is hashed once per name).
//! * [`policy`], [`cert`], [`revoked`], [`krl`] and [`command`]: the rest of ssh's
//!   host-key decision (StrictHostKeyChecking × BatchMode, host certificates,
//!   RevokedHostKeys, KnownHostsCommand), as pure code.
//! * [`lookup`] returns every entry matching one lookup name, and [`verdict`]
//!   / [`check_host_key`] give OpenSSH's decision for a presented key.
//! * [`remove_host`] and [`format_entry`] are pure edits producing new bytes.
//! * [`sha256_fingerprint`], [`md5_fingerprint`] and [`randomart`] reproduce
//!   what `ssh-keygen -l [-E md5] [-v]` prints.

pub mod cert;
pub mod command;
mod edit;
mod fingerprint;
pub mod krl;
mod lookup;
mod parse;
mod pattern;
pub mod policy;
pub mod revoked;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;

use ssh_key::public::KeyData;

pub use edit::{
    append_entry, format_entry, format_entry_with_salt, remove_host, AppendEdit, Change,
    RemoveEdit, RemovePlan,
};
pub use fingerprint::{
    fingerprint_line, key_bits, md5_fingerprint, randomart, sha256_fingerprint, FingerprintHash,
};
pub use lookup::{
    check_host_key, check_host_key_with, lookup, lookup_with, verdict, HostKeyCheck, KnownVia,
    Lookup, MalformedHit, Match, PresentedKey, Verdict,
};
pub(crate) use parse::{is_blank, skip_blank, token_end};
pub use parse::{Entry, HostField, KnownHostsFile, Line, LineKind, Scanned, MALFORMED_KEPT};
pub use pattern::{host_hash, match_host_field, match_pattern, match_pattern_list, HostMatch};

/// How a known_hosts line was terminated in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEnding {
    /// `\n`.
    Lf,
    /// `\r\n`.
    CrLf,
    /// Last line of a file without a final newline.
    None,
}

impl LineEnding {
    /// The terminator bytes.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Lf => b"\n",
            LineEnding::CrLf => b"\r\n",
            LineEnding::None => b"",
        }
    }
}

/// The optional marker at the start of a known_hosts line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// A plain host key line.
    None,
    /// `@cert-authority`: the key is a CA trusted for host certificates.
    CertAuthority,
    /// `@revoked`: the key must never be accepted.
    Revoked,
}

impl fmt::Display for Marker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Marker::None => "",
            Marker::CertAuthority => "@cert-authority",
            Marker::Revoked => "@revoked",
        })
    }
}

/// OpenSSH's plain key type (`sshkey_type_plain`): RSA variants are one type,
/// ECDSA curves are one type, certificates count as their underlying key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// `ssh-rsa`, `rsa-sha2-256`, `rsa-sha2-512`.
    Rsa,
    /// `ssh-dss`.
    Dsa,
    /// `ecdsa-sha2-nistp256/384/521`.
    Ecdsa,
    /// `ssh-ed25519`.
    Ed25519,
    /// `sk-ecdsa-sha2-nistp256@openssh.com`.
    EcdsaSk,
    /// `sk-ssh-ed25519@openssh.com`.
    Ed25519Sk,
    /// Anything OpenSSH does not know.
    Other,
}

impl KeyKind {
    /// Kind of a key (a certificate counts as its certified key).
    pub fn of(key: &KeyData) -> KeyKind {
        match plain_key(key) {
            KeyData::Rsa(_) => KeyKind::Rsa,
            KeyData::Dsa(_) => KeyKind::Dsa,
            KeyData::Ecdsa(_) => KeyKind::Ecdsa,
            KeyData::Ed25519(_) => KeyKind::Ed25519,
            KeyData::SkEcdsaSha2NistP256(_) => KeyKind::EcdsaSk,
            KeyData::SkEd25519(_) => KeyKind::Ed25519Sk,
            _ => KeyKind::Other,
        }
    }

    /// OpenSSH's short name (`sshkey_type`), as shown by `ssh-keygen -l`.
    pub fn label(self) -> &'static str {
        match self {
            KeyKind::Rsa => "RSA",
            KeyKind::Dsa => "DSA",
            KeyKind::Ecdsa => "ECDSA",
            KeyKind::Ed25519 => "ED25519",
            KeyKind::EcdsaSk => "ECDSA-SK",
            KeyKind::Ed25519Sk => "ED25519-SK",
            KeyKind::Other => "unknown",
        }
    }
}

/// The key a certificate certifies, or the key itself.
pub(crate) fn plain_key(key: &KeyData) -> &KeyData {
    match key {
        KeyData::Certificate(cert) => cert.public_key(),
        other => other,
    }
}

/// A reference to one line of one known_hosts file, displayed as `file:line`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryRef {
    /// The file, as given to [`KnownHostsFile::parse`].
    pub file: PathBuf,
    /// True 1-based line number (blank and comment lines count).
    pub line: usize,
}

impl fmt::Display for EntryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// The name OpenSSH looks up in known_hosts (`get_hostfile_hostname_ipaddr`):
/// the lowercased HostKeyAlias if given (never with a port), else the
/// lowercased host for port 22 (or 0), else `[host]:port`.
pub fn lookup_name(host: &str, port: u16, host_key_alias: Option<&str>) -> String {
    if let Some(alias) = host_key_alias {
        return alias.to_ascii_lowercase();
    }
    put_host_port(&host.to_ascii_lowercase(), port)
}

/// OpenSSH's `put_host_port`: `host` for port 0 or 22, `[host]:port` otherwise.
pub fn put_host_port(host: &str, port: u16) -> String {
    if port == 0 || port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}
