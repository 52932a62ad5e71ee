//! The identities ssh would try, in the order it would try them, and what is wrong with them.
//!
//! [`plan`] reproduces OpenSSH 9.2's client: `ssh.c` `load_public_identity_files` (every
//! `IdentityFile` with its public key from the file, `FILE.pub` or the new-format private key, plus
//! the default certificate `FILE-cert.pub` when no `CertificateFile` is configured) and
//! `sshconnect2.c` `pubkey_prepare` (certificates first; then, in agent order, the files whose
//! key the agent holds; then the agent's other keys unless `IdentitiesOnly`; then the remaining
//! files; then the `PubkeyAcceptedAlgorithms` and `RequiredRSASize` filters). The result is checked against `ssh -v`'s `Will attempt key:` lines.
//!
//! It also reports per-file problems ([`KeyProblem`]) and the local permission problems that make
//! ssh refuse to run ([`LocalProblem`]). Private keys are decoded only without a passphrase and
//! only to learn their public half; key material is never logged.

mod keyfile;
mod perms;
#[cfg(test)]
mod tests;
mod words;

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use russh::keys::agent::client::AgentClient;
use russh::keys::agent::AgentIdentity;
use ssh_key::public::KeyData;
use ssh_key::{Certificate, PublicKey};

use crate::algorithms::{AlgKind, OpenSshVersion};
use crate::config::{Origin, ResolvedConfig};
use crate::known_hosts::{key_bits, sha256_fingerprint};

pub use perms::{LocalProblem, LocalProblemKind, PermRules};
pub use words::invalid_text;

/// How long listing the agent's keys may take.
const AGENT_TIMEOUT: Duration = Duration::from_secs(3);

/// How ssh would produce the signature for an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// The private key file (loaded at attempt time; may need a passphrase).
    File,
    /// A key only the agent holds.
    Agent,
    /// A configured file whose key the agent also holds: the agent signs.
    FileInAgent,
}

/// One identity in ssh's attempt order.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The public key (for a certificate, the certified key); `None` when ssh cannot know it
    /// before loading the private key (a legacy-format key without `.pub`).
    pub key: Option<PublicKey>,
    /// The certificate offered instead of the plain key.
    pub certificate: Option<Certificate>,
    /// The file ssh names it by (private key, or the `CertificateFile`); `None` for agent keys.
    pub file: Option<PathBuf>,
    /// Where the `IdentityFile`/`CertificateFile` came from; `None` for agent keys.
    pub origin: Option<Origin>,
    /// Who signs.
    pub backing: Backing,
    /// The private key file needs a passphrase (irrelevant when the agent signs).
    pub encrypted: bool,
    /// The key's comment (the agent's comment for agent keys).
    pub comment: String,
    /// The file as shown to people (`~/.ssh/id_ed25519`).
    shown: Option<String>,
}

impl Identity {
    /// The file path (with `~` for the home directory), or `agent: COMMENT`.
    pub fn label(&self) -> String {
        match (&self.shown, &self.file) {
            (Some(s), _) => s.clone(),
            (None, Some(f)) => f.display().to_string(),
            (None, None) => format!("agent: {}", self.comment),
        }
    }

    /// `SHA256:...` of the (certified) key, as ssh prints it.
    pub fn fingerprint(&self) -> Option<String> {
        self.key.as_ref().map(|k| sha256_fingerprint(k.key_data()))
    }

    /// ssh's name for the key type (`sshkey_ssh_name`): e.g. `ssh-ed25519`,
    /// `ssh-ed25519-cert-v01@openssh.com` for a certificate.
    pub fn algorithm(&self) -> Option<String> {
        if let Some(c) = &self.certificate {
            return Some(c.algorithm().to_certificate_type().to_string());
        }
        self.key
            .as_ref()
            .map(|k| k.algorithm().as_str().to_string())
    }

    /// Key size in bits, as `ssh-keygen -l` prints it.
    pub fn bits(&self) -> Option<u32> {
        self.key.as_ref().map(|k| key_bits(k.key_data()))
    }

    /// Whether ssh took this identity from the configuration (`-i`, `IdentityFile` or
    /// `CertificateFile` written by the user, not OpenSSH's default list) — ssh's "explicit".
    pub fn explicit(&self) -> bool {
        matches!(
            self.origin,
            Some(Origin::CommandLine) | Some(Origin::File { .. })
        )
    }
}

/// The agent ssh would ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentStatus {
    /// Neither `IdentityAgent` nor `SSH_AUTH_SOCK` names one.
    NotConfigured,
    /// `IdentityAgent none`.
    Disabled,
    /// Named but could not be listed.
    Unreachable {
        /// The socket.
        path: PathBuf,
        /// Why.
        error: String,
    },
    /// Listed.
    Listed {
        /// The socket.
        path: PathBuf,
        /// How many identities it holds.
        keys: usize,
    },
}

/// What is wrong with one identity file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// Configured explicitly, but neither the file nor `FILE.pub` exists.
    Missing,
    /// It exists but could not be read.
    Unreadable(String),
    /// The private key is accessible by others; ssh refuses it ("UNPROTECTED PRIVATE KEY FILE").
    Unprotected {
        /// The file's permission bits.
        mode: u32,
    },
    /// The private key needs a passphrase (not a problem by itself: ssh asks, unless BatchMode).
    Encrypted,
    /// `FILE.pub` is not the public half of the private key.
    PubMismatch,
    /// Not a key ssh can use.
    Invalid(String),
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::Missing => f.write_str("no such file"),
            ProblemKind::Unreadable(e) => write!(f, "cannot be read: {e}"),
            ProblemKind::Unprotected { mode } => write!(
                f,
                "permissions {mode:04o} are too open; ssh ignores this private key (UNPROTECTED PRIVATE KEY FILE)"
            ),
            ProblemKind::Encrypted => f.write_str("needs a passphrase"),
            ProblemKind::PubMismatch => f.write_str("the .pub file does not match the private key"),
            ProblemKind::Invalid(m) => f.write_str(m),
        }
    }
}

/// A problem with one configured identity or certificate file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProblem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// The file.
    pub file: PathBuf,
    /// Where the `IdentityFile`/`CertificateFile` came from.
    pub origin: Option<Origin>,
}

/// Everything ssh would do with identities for one destination.
#[derive(Debug, Clone)]
pub struct IdentityPlan {
    /// The identities in attempt order (ssh's `Will attempt key:` list, without files that
    /// do not exist and so are never attempted).
    pub offered: Vec<Identity>,
    /// Problems with configured files.
    pub problems: Vec<KeyProblem>,
    /// The agent.
    pub agent: AgentStatus,
    /// `IdentitiesOnly yes`.
    pub identities_only: bool,
}

fn show(path: &Path, home: &Path) -> String {
    match path.strip_prefix(home) {
        Ok(rest) if !home.as_os_str().is_empty() => format!("~/{}", rest.display()),
        _ => path.display().to_string(),
    }
}

/// The agent socket ssh would use (ssh.c): `IdentityAgent none`, `SSH_AUTH_SOCK`, a `$NAME`
/// to take from the environment, or a path; without it `$SSH_AUTH_SOCK`.
fn agent_socket(config: &ResolvedConfig) -> Result<Option<PathBuf>, ()> {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    match config.get("identityagent").map(|v| v.value.as_str()) {
        Some("none") => Err(()),
        Some("SSH_AUTH_SOCK") | None => Ok(from_env("SSH_AUTH_SOCK")),
        Some(v) if v.starts_with('$') && !v.starts_with("${") => Ok(from_env(&v[1..])),
        Some(path) => Ok(Some(PathBuf::from(path))),
    }
}

async fn list_agent(path: &Path) -> Result<Vec<AgentIdentity>, String> {
    let work = async {
        let mut client = AgentClient::connect_uds(path)
            .await
            .map_err(|e| e.to_string())?;
        client.request_identities().await.map_err(|e| e.to_string())
    };
    match tokio::time::timeout(AGENT_TIMEOUT, work).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "no answer within {} seconds",
            AGENT_TIMEOUT.as_secs()
        )),
    }
}

/// `sshkey_equal(agent_key, file_key)`: same plain type and key; when the agent's key is a
/// certificate, the file's must be the same certificate.
fn agent_matches(agent: &AgentKey, id: &Identity) -> bool {
    let Some(key) = &id.key else { return false };
    if let Some(cert) = &agent.1 {
        if id.certificate.as_ref() != Some(cert) {
            return false;
        }
    }
    key.key_data() == agent.0.key_data()
}

/// Whether `PubkeyAcceptedAlgorithms` allows the identity (`key_type_allowed_by_config`).
fn allowed(id: &Identity, accepted: &[String]) -> bool {
    let Some(name) = id.algorithm() else {
        return true;
    };
    let has = |n: &str| accepted.iter().any(|a| a == n);
    if has(&name) {
        return true;
    }
    let is_rsa = id
        .key
        .as_ref()
        .is_some_and(|k| matches!(k.key_data(), KeyData::Rsa(_)));
    if is_rsa {
        if id.certificate.is_some() {
            return has("rsa-sha2-512-cert-v01@openssh.com")
                || has("rsa-sha2-256-cert-v01@openssh.com");
        }
        return has("rsa-sha2-512") || has("rsa-sha2-256");
    }
    false
}

/// Whether an RSA key is shorter than `RequiredRSASize` (`sshkey_check_rsa_length`).
fn rsa_too_small(key: Option<&PublicKey>, required: u32) -> bool {
    key.is_some_and(|k| {
        matches!(k.key_data(), KeyData::Rsa(_)) && key_bits(k.key_data()) < required
    })
}

/// Builds the identity list exactly as OpenSSH 9.2's client would, listing the agent.
pub async fn plan(config: &ResolvedConfig, openssh: Option<OpenSshVersion>) -> IdentityPlan {
    let identities_only = config
        .get("identitiesonly")
        .is_some_and(|v| v.value.eq_ignore_ascii_case("yes"));
    let required_rsa: u32 = config
        .get("requiredrsasize")
        .and_then(|v| v.value.parse().ok())
        .unwrap_or(1024);
    let mut problems = Vec::new();

    // ssh.c load_public_identity_files.
    let cert_files = config.get_all("certificatefile");
    let mut files = identity_files(config, cert_files.is_empty(), &mut problems);

    // pubkey_prepare: CertificateFile certificates first.
    let mut preferred = certificate_files(cert_files, &config.home, &mut problems);

    // Agent keys, in agent order: those matching a file are promoted at once; the others
    // follow all of them (pubkey_prepare's separate `agent` list).
    let (agent, mut agent_only) = agent_keys(
        config,
        required_rsa,
        identities_only,
        &mut files,
        &mut preferred,
    )
    .await;
    preferred.append(&mut agent_only);
    preferred.append(&mut files);
    retain_accepted(config, openssh, required_rsa, &mut preferred);

    IdentityPlan {
        offered: preferred,
        problems,
        agent,
        identities_only,
    }
}

/// The agent's keys, in agent order: those matching one of `files` are moved to `preferred`;
/// the others (none with `IdentitiesOnly`) are returned, to follow all of them.
async fn agent_keys(
    config: &ResolvedConfig,
    required_rsa: u32,
    identities_only: bool,
    files: &mut Vec<Identity>,
    preferred: &mut Vec<Identity>,
) -> (AgentStatus, Vec<Identity>) {
    let mut agent_only: Vec<Identity> = Vec::new();
    let path = match agent_socket(config) {
        Err(()) => return (AgentStatus::Disabled, agent_only),
        Ok(None) => return (AgentStatus::NotConfigured, agent_only),
        Ok(Some(path)) => path,
    };
    let list = match list_agent(&path).await {
        Err(error) => return (AgentStatus::Unreachable { path, error }, agent_only),
        Ok(list) => list,
    };
    let keys = list.len();
    for entry in list {
        let agent_key = agent_entry(entry);
        if rsa_too_small(Some(&agent_key.0), required_rsa) {
            continue;
        }
        if let Some(i) = files.iter().position(|id| agent_matches(&agent_key, id)) {
            let mut id = files.remove(i);
            id.backing = Backing::FileInAgent;
            preferred.push(id);
        } else if !identities_only {
            agent_only.push(agent_identity(agent_key));
        }
    }
    (AgentStatus::Listed { path, keys }, agent_only)
}

/// The `IdentityFile`s ssh loads (`load_public_identity_files`), each with the certificate
/// beside it; their problems go to `problems`.
fn identity_files(
    config: &ResolvedConfig,
    no_cert_files: bool,
    problems: &mut Vec<KeyProblem>,
) -> Vec<Identity> {
    let uid = crate::config::local_uid();
    let mut files: Vec<Identity> = Vec::new();
    for v in config.get_all("identityfile") {
        if v.value.eq_ignore_ascii_case("none") {
            continue;
        }
        let path = PathBuf::from(&v.value);
        let explicit = !matches!(v.origin, Origin::Default);
        let info = keyfile::inspect(&path, no_cert_files, uid);
        let problem = |kind| KeyProblem {
            kind,
            file: path.clone(),
            origin: Some(v.origin.clone()),
        };
        if !info.exists && !info.pub_exists {
            if explicit {
                problems.push(problem(ProblemKind::Missing));
            }
            // "no such identity": ssh skips it at attempt time.
            continue;
        }
        if !info.exists && explicit {
            // Only FILE.pub: ssh offers it but can never sign with a file.
            problems.push(problem(ProblemKind::Missing));
        }
        if info.encrypted {
            problems.push(problem(ProblemKind::Encrypted));
        }
        problems.extend(info.problems.iter().cloned().map(problem));
        files.extend(file_identities(info, &path, &v.origin, &config.home));
    }
    files
}

/// The identities one existing `IdentityFile` gives: its key, then its user certificate.
fn file_identities(
    info: keyfile::FileInfo,
    path: &Path,
    origin: &Origin,
    home: &Path,
) -> Vec<Identity> {
    let comment = info
        .public
        .as_ref()
        .map(|k| k.comment().to_string())
        .unwrap_or_default();
    let shown = Some(show(path, home));
    let mut out = vec![Identity {
        key: info.public,
        certificate: None,
        file: Some(path.to_path_buf()),
        origin: Some(origin.clone()),
        backing: Backing::File,
        encrypted: info.encrypted,
        comment,
        shown: shown.clone(),
    }];
    if let Some((cert, comment)) = info.certificate {
        if cert.cert_type().is_user() {
            out.push(certificate_identity(
                (cert, comment),
                path,
                origin,
                info.encrypted,
                shown,
            ));
        }
    }
    out
}

/// A user certificate read from `path` (its comment beside it), offered as a file identity.
fn certificate_identity(
    (cert, comment): (Certificate, String),
    path: &Path,
    origin: &Origin,
    encrypted: bool,
    shown: Option<String>,
) -> Identity {
    Identity {
        key: Some(PublicKey::from(cert.public_key().clone())),
        certificate: Some(cert),
        file: Some(path.to_path_buf()),
        origin: Some(origin.clone()),
        backing: Backing::File,
        encrypted,
        comment,
        shown,
    }
}

/// The `CertificateFile` certificates (pubkey_prepare puts them first); files that are no
/// user certificate go to `problems`.
fn certificate_files(
    cert_files: &[crate::config::Value],
    home: &Path,
    problems: &mut Vec<KeyProblem>,
) -> Vec<Identity> {
    let mut preferred: Vec<Identity> = Vec::new();
    for v in cert_files {
        let path = PathBuf::from(&v.value);
        let problem = |kind| KeyProblem {
            kind,
            file: path.clone(),
            origin: Some(v.origin.clone()),
        };
        match keyfile::load_certificate(&path) {
            Some((cert, comment)) if cert.cert_type().is_user() => {
                preferred.push(certificate_identity(
                    (cert, comment),
                    &path,
                    &v.origin,
                    false,
                    Some(show(&path, home)),
                ))
            }
            Some(_) => problems.push(problem(ProblemKind::Invalid(
                "a host certificate, not a user certificate".into(),
            ))),
            None if !path.exists() && !keyfile::with_suffix(&path, ".pub").exists() => {
                problems.push(problem(ProblemKind::Missing))
            }
            None => problems.push(problem(ProblemKind::Invalid("not a certificate".into()))),
        }
    }
    preferred
}

/// An agent's key: the plain key (a certificate's certified key), the certificate, the comment.
type AgentKey = (PublicKey, Option<Certificate>, String);

/// One identity the agent lists, taken apart.
fn agent_entry(entry: AgentIdentity) -> AgentKey {
    match entry {
        AgentIdentity::PublicKey { key, comment } => (key, None, comment),
        AgentIdentity::Certificate {
            certificate,
            comment,
        } => (
            PublicKey::from(certificate.public_key().clone()),
            Some(certificate),
            comment,
        ),
    }
}

/// An agent key no file matches, offered as the agent's own.
fn agent_identity((key, certificate, comment): AgentKey) -> Identity {
    Identity {
        key: Some(key),
        certificate,
        file: None,
        origin: None,
        backing: Backing::Agent,
        encrypted: false,
        comment,
        shown: None,
    }
}

/// Finally, `PubkeyAcceptedAlgorithms` and `RequiredRSASize`: the identities ssh will not
/// offer are dropped.
fn retain_accepted(
    config: &ResolvedConfig,
    openssh: Option<OpenSshVersion>,
    required_rsa: u32,
    identities: &mut Vec<Identity>,
) {
    let configured = config
        .get("pubkeyacceptedalgorithms")
        .filter(|v| !matches!(v.origin, Origin::Default))
        .map(|v| v.value.as_str());
    let accepted = crate::algorithms::effective(openssh, AlgKind::PubkeyAccepted, configured)
        .or_else(|_| crate::algorithms::effective(openssh, AlgKind::PubkeyAccepted, None))
        .unwrap_or_default();
    identities.retain(|id| {
        id.key.is_none()
            || (allowed(id, &accepted) && !rsa_too_small(id.key.as_ref(), required_rsa))
    });
}

/// Local permission problems ssh itself cares about, judged by `rules` (the installed
/// client's): a user config file it refuses to read, and a `~/.ssh` writable by others.
pub fn local_problems(config: &ResolvedConfig, rules: PermRules) -> Vec<LocalProblem> {
    perms::check(config, crate::config::local_uid(), rules)
}

/// Loads an unencrypted private key for a real login, as ssh would at attempt time: refuses a
/// file others can read ("UNPROTECTED PRIVATE KEY FILE") and never asks for a passphrase.
///
/// The error text never contains key material.
pub fn load_unencrypted_private(file: &Path) -> Result<ssh_key::PrivateKey, String> {
    load_private(file, None)
}

/// Loads a private key for a real login, decrypting it with `passphrase` when given (typed at
/// the console; never logged); refuses an unprotected file like ssh.
pub fn load_private(file: &Path, passphrase: Option<&str>) -> Result<ssh_key::PrivateKey, String> {
    let meta = fs::metadata(file).map_err(|e| format!("{}: {e}", file.display()))?;
    if let Some(mode) = keyfile::unprotected(&meta, crate::config::local_uid()) {
        return Err(format!(
            "{}: permissions {mode:04o} are too open (UNPROTECTED PRIVATE KEY FILE)",
            file.display()
        ));
    }
    let bytes = fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let encrypted = matches!(
        keyfile::inspect_private(&text),
        keyfile::Private::Encrypted(_)
    );
    if encrypted && passphrase.is_none() {
        return Err(format!("{}: the key needs a passphrase", file.display()));
    }
    let key = if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
        let key = ssh_key::PrivateKey::from_openssh(text.as_bytes()).map_err(|e| e.to_string())?;
        match passphrase {
            Some(p) if key.is_encrypted() => key
                .decrypt(p)
                .map_err(|_| "incorrect passphrase".to_string()),
            _ => Ok(key),
        }
    } else {
        russh::keys::decode_secret_key(&text, passphrase).map_err(|e| e.to_string())
    };
    key.map_err(|e| format!("{}: not a usable private key: {e}", file.display()))
}
