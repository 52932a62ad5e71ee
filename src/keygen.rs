//! The user's own key pairs: listing the private keys in `~/.ssh`, making a new Ed25519 key
//! exactly as `ssh-keygen -t ed25519` would, and comparing a fingerprint the user obtained
//! another way (the provider's console, a colleague) with the key a server presented.
//!
//! Private key material is decoded only to learn its public half (listing) or written straight
//! into a file created with mode 0600 (generating); it is never logged or formatted, and the
//! buffers that held it are zeroized.

#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use ssh_key::encoding::base64::{Base64Unpadded, Encoding};
use ssh_key::private::{Ed25519Keypair, KeypairData};
use ssh_key::public::KeyData;
use ssh_key::{Certificate, LineEnding, PrivateKey, PublicKey};
use zeroize::Zeroizing;

use crate::fsedit::shell_quote;
use crate::known_hosts::{key_bits, md5_fingerprint, plain_key, sha256_fingerprint};

/// Files larger than this are not key files and are not read.
const MAX_KEY_FILE: u64 = 1 << 20;

/// The file name [`free_key_path`] starts from (`ssh-keygen -t ed25519`'s default).
const DEFAULT_NAME: &str = "id_ed25519";

/// One key pair found in `~/.ssh`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalKey {
    /// The private key file.
    pub private: PathBuf,
    /// The `.pub` file beside it, if present.
    pub public: Option<PathBuf>,
    /// ssh's name for the key type (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, ...). For
    /// an encrypted legacy PEM key without `.pub` only what its armour tells: `ssh-rsa`,
    /// `ssh-dss`, `ecdsa` or `unknown`.
    pub algorithm: String,
    /// Key size in bits as `ssh-keygen -l` prints it; `None` when the public half is unknown.
    pub bits: Option<u32>,
    /// `SHA256:...`; `None` when the public half cannot be read (an encrypted legacy PEM key
    /// without `.pub`).
    pub fingerprint: Option<String>,
    /// The key's comment: the private key's own, else the `.pub` file's, else empty (an
    /// encrypted key keeps its comment inside the encrypted part).
    pub comment: String,
    /// The private key needs a passphrase.
    pub encrypted: bool,
    /// `type base64 comment`, made from the private key's own public half (the `.pub` only
    /// where the private file hides it): what to install, so the key installed is the key
    /// shown, even beside a stale `.pub`. `None` when the public half is unknown.
    pub public_line: Option<String>,
}

/// A key made by [`generate_ed25519`].
#[derive(Debug, Clone)]
pub struct NewKey {
    /// The private key file (mode 0600).
    pub private: PathBuf,
    /// The public key file (`private` + `.pub`).
    pub public: PathBuf,
    /// The public key line, `ssh-ed25519 AAAA... comment`, without a newline: what goes into
    /// the server's `authorized_keys`.
    pub public_line: String,
    /// `SHA256:...` of the key.
    pub fingerprint: String,
    /// The public key, with its comment.
    pub key: PublicKey,
}

/// Why [`generate_ed25519`] made no key.
#[derive(Debug, thiserror::Error)]
pub enum KeygenError {
    /// The private key file or its `.pub` already exists (possibly as a dangling symbolic
    /// link); nothing was written.
    #[error("{} already exists; it was left untouched", .0.display())]
    Exists(PathBuf),
    /// A file or directory could not be created, written or synced.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The key could not be made or encoded (or the comment was not a single line).
    #[error("cannot make the key: {0}")]
    Key(String),
}

/// The result of comparing a fingerprint the user got another way with the key the server
/// presented ([`compare_fingerprint`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FingerprintMatch {
    /// The pasted value identifies the presented key.
    Match {
        /// What was compared: `"SHA256"`, `"MD5"` or `"public key"`.
        how: &'static str,
    },
    /// The pasted value is a well-formed fingerprint or key, but of another key.
    Mismatch {
        /// What was compared: `"SHA256"`, `"MD5"` or `"public key"`.
        how: &'static str,
        /// The pasted value normalised for display: `SHA256:<base64 without padding>`,
        /// `MD5:<lowercase hex>`, or `<type> <base64>` for a public key (no host, no comment).
        pasted: String,
    },
    /// Neither a fingerprint nor a public key could be found in the pasted text.
    Unrecognised,
}

// ---------------------------------------------------------------------------------
// Listing.

/// Appends `suffix` to a path's final component (`id_ed25519` → `id_ed25519.pub`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// File names in `~/.ssh` that are never private keys: public keys and certificates,
/// known_hosts, the client config, authorized_keys, and sshdoctor's own backups and
/// temporary files.
fn never_a_key(name: &str) -> bool {
    name.ends_with(".pub")
        || name.starts_with("known_hosts")
        || name.starts_with("authorized_keys")
        || name == "config"
        || name.contains(".sshdoctor-")
}

/// Reads a small regular file (following symbolic links), zeroized when dropped.
fn read_small(path: &Path) -> Option<Zeroizing<Vec<u8>>> {
    let meta = fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_KEY_FILE {
        return None;
    }
    fs::read(path).ok().map(Zeroizing::new)
}

/// The first key line of a public key file (blank and `#` lines skipped), as ssh reads it.
fn read_public(path: &Path) -> Option<PublicKey> {
    let bytes = read_small(path)?;
    let text = String::from_utf8_lossy(&bytes);
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    PublicKey::from_openssh(line).ok()
}

/// Whether the text carries private key armour (OpenSSH, PEM or PKCS#8).
fn has_private_armour(text: &str) -> bool {
    text.lines().map(str::trim).any(|l| {
        (l.starts_with("-----BEGIN ") && l.ends_with(" PRIVATE KEY-----"))
            || l == "-----BEGIN PRIVATE KEY-----"
    })
}

/// Whether legacy (PEM or PKCS#8) private key text is encrypted, judged from its armour.
fn legacy_encrypted(text: &str) -> bool {
    text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || text.lines().any(|l| l.trim() == "Proc-Type: 4,ENCRYPTED")
}

/// The key type a legacy PEM armour names (all an encrypted one tells without its passphrase).
fn armour_algorithm(text: &str) -> &'static str {
    if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
        "ssh-rsa"
    } else if text.contains("-----BEGIN DSA PRIVATE KEY-----") {
        "ssh-dss"
    } else if text.contains("-----BEGIN EC PRIVATE KEY-----") {
        "ecdsa"
    } else {
        "unknown"
    }
}

/// What a private key file says about itself without a passphrase: its public half when it can
/// be known (always for the OpenSSH format, which stores it in clear) and whether it is
/// encrypted. `None` when it is not a private key ssh could read.
fn inspect_private(text: &str) -> Option<(Option<PublicKey>, bool)> {
    if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
        let key = PrivateKey::from_openssh(text).ok()?;
        return Some((Some(key.public_key().clone()), key.is_encrypted()));
    }
    if legacy_encrypted(text) {
        return Some((None, true));
    }
    match russh::keys::decode_secret_key(text, None) {
        Ok(key) => Some((Some(key.public_key().clone()), false)),
        Err(russh::keys::Error::KeyIsEncrypted) => Some((None, true)),
        Err(_) => None,
    }
}

/// One directory entry as a [`LocalKey`], if it is a private key.
fn local_key(path: PathBuf, name: &str) -> Option<LocalKey> {
    if never_a_key(name) {
        return None;
    }
    let bytes = read_small(&path)?;
    let text = std::str::from_utf8(&bytes).ok()?;
    if !has_private_armour(text) {
        return None;
    }
    let (half, encrypted) = inspect_private(text)?;
    let armour = armour_algorithm(text);
    drop(bytes);

    let pub_path = with_suffix(&path, ".pub");
    let from_pub = read_public(&pub_path);
    let comment = [half.as_ref(), from_pub.as_ref()]
        .into_iter()
        .flatten()
        .map(|k| k.comment().as_str_lossy())
        .find(|c| !c.is_empty())
        .unwrap_or_default()
        .to_string();
    // The private key's own public half is the truth; the .pub only stands in for it.
    let key = half.or(from_pub);
    let public_line = key.as_ref().and_then(|k| {
        PublicKey::new(k.key_data().clone(), comment.as_str())
            .to_openssh()
            .ok()
    });
    Some(LocalKey {
        public_line,
        public: pub_path.is_file().then_some(pub_path),
        algorithm: key.as_ref().map_or_else(
            || armour.to_string(),
            |k| k.algorithm().as_str().to_string(),
        ),
        bits: key.as_ref().map(|k| key_bits(k.key_data())),
        fingerprint: key.as_ref().map(|k| sha256_fingerprint(k.key_data())),
        comment,
        encrypted,
        private: path,
    })
}

/// The private keys in `ssh_dir`: regular files (or links to them) whose content is an
/// OpenSSH, PEM or PKCS#8 private key, sorted by file name. Public keys and certificates
/// (`*.pub`), `known_hosts*`, `config`, `authorized_keys*` and sshdoctor's backups
/// (`*.sshdoctor-*`) are skipped without being read; unreadable files and files that are not
/// private keys are skipped. Never fails: a missing or unreadable directory gives an empty list.
pub fn list_keys(ssh_dir: &Path) -> Vec<LocalKey> {
    let Ok(entries) = fs::read_dir(ssh_dir) else {
        return Vec::new();
    };
    let mut names: Vec<OsString> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|name| {
            let shown = name.to_string_lossy().into_owned();
            local_key(ssh_dir.join(&name), &shown)
        })
        .collect()
}

// ---------------------------------------------------------------------------------
// Generating.

/// Whether anything (even a dangling symbolic link) is at `path`.
fn occupied(path: &Path) -> Result<bool, KeygenError> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(KeygenError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// A free path for a new key: `ssh_dir/id_ed25519` if neither it nor its `.pub` exists (a
/// dangling symbolic link counts as existing), else `id_ed25519_2`, `id_ed25519_3`, ...
pub fn free_key_path(ssh_dir: &Path) -> PathBuf {
    let taken = |p: &Path| {
        fs::symlink_metadata(p).is_ok() || fs::symlink_metadata(with_suffix(p, ".pub")).is_ok()
    };
    let mut candidate = ssh_dir.join(DEFAULT_NAME);
    let mut n: u64 = 2;
    while taken(&candidate) {
        candidate = ssh_dir.join(format!("{DEFAULT_NAME}_{n}"));
        n += 1;
    }
    candidate
}

/// The directory a file is created in (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> KeygenError + '_ {
    move |source| KeygenError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn key_error(e: impl std::fmt::Display) -> KeygenError {
    KeygenError::Key(e.to_string())
}

/// fsyncs a directory so the entries just made in it survive a crash.
/// Some filesystems cannot fsync a directory (EINVAL, ENOTSUP): the files are written and
/// synced all the same, so that is no reason to remove them again.
fn sync_dir(dir: &Path) -> Result<(), KeygenError> {
    match File::open(dir).and_then(|d| d.sync_all()) {
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
            ) =>
        {
            Ok(())
        }
        r => r.map_err(io_error(dir)),
    }
}

/// Makes sure `dir` exists, creating it (only it, not its parents) with mode 0700.
fn ensure_dir(dir: &Path) -> Result<(), KeygenError> {
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(_) => {
            return Err(KeygenError::Io {
                path: dir.to_path_buf(),
                source: io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
            })
        }
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_error(dir)(e)),
        Err(_) => {}
    }
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => sync_dir(parent_dir(dir)),
        // Made meanwhile by someone else: as good.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(io_error(dir)(e)),
    }
}

/// A file this call created, removed again unless [`Created::keep`] is called.
#[derive(Debug)]
struct Created(Option<PathBuf>);

impl Created {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Created {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_file(path);
        }
    }
}

/// Creates `path` exclusively with `mode` from the start (the umask can only remove bits),
/// writes `bytes` and fsyncs. A file already there (or appearing meanwhile) is `Exists`.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<Created, KeygenError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => KeygenError::Exists(path.to_path_buf()),
            _ => io_error(path)(e),
        })?;
    let created = Created(Some(path.to_path_buf()));
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io_error(path))?;
    Ok(created)
}

/// Generates a new Ed25519 key like `ssh-keygen -t ed25519 -C comment -f path [-N passphrase]`:
///
/// * refuses ([`KeygenError::Exists`], writing nothing) when `path` or `path.pub` exists — both
///   are checked before anything is written, and both files are created exclusively, so a file
///   appearing meanwhile is refused too;
/// * creates the parent directory with mode 0700 when it is missing (only the last component;
///   an error if its own parent is missing);
/// * creates the private key file with mode 0600 from its first byte and writes it in the
///   OpenSSH format, encrypted (aes256-ctr with bcrypt-pbkdf, OpenSSH's default) when
///   `passphrase` is given and not empty; fsyncs it;
/// * creates `path.pub` (mode 0644 less the umask, as ssh-keygen does) with the public key line
///   and a newline; fsyncs it, then the directory.
///
/// On any error after the private key file was created, the files created are removed again,
/// so nothing half-written is left (a directory created stays). A comment spanning several
/// lines is refused, as it would break the `.pub` line.
pub fn generate_ed25519(
    path: &Path,
    comment: &str,
    passphrase: Option<&str>,
) -> Result<NewKey, KeygenError> {
    if comment.contains(['\n', '\r']) {
        return Err(KeygenError::Key(
            "the comment must be a single line".to_string(),
        ));
    }
    let pub_path = with_suffix(path, ".pub");
    for p in [path, pub_path.as_path()] {
        if occupied(p)? {
            return Err(KeygenError::Exists(p.to_path_buf()));
        }
    }
    let dir = parent_dir(path);
    ensure_dir(dir)?;

    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut())
        .map_err(|e| KeygenError::Key(format!("the system's random generator failed: {e}")))?;
    let keypair = Ed25519Keypair::from_seed(&seed);
    let mut private = PrivateKey::new(KeypairData::Ed25519(keypair), comment).map_err(key_error)?;
    let key = private.public_key().clone();
    if let Some(passphrase) = passphrase.filter(|p| !p.is_empty()) {
        private = private
            .encrypt(&mut getrandom::SysRng, passphrase)
            .map_err(key_error)?;
    }
    let pem = private.to_openssh(LineEnding::LF).map_err(key_error)?;
    drop(private);
    let public_line = key.to_openssh().map_err(key_error)?;
    let fingerprint = sha256_fingerprint(key.key_data());

    let private_file = write_new(path, pem.as_bytes(), 0o600)?;
    drop(pem);
    let public_file = write_new(&pub_path, format!("{public_line}\n").as_bytes(), 0o644)?;
    sync_dir(dir)?;
    public_file.keep();
    private_file.keep();

    Ok(NewKey {
        private: path.to_path_buf(),
        public: pub_path,
        public_line,
        fingerprint,
        key,
    })
}

/// `path` as a shell word, with the home directory shortened to `~` (left unquoted so the
/// shell expands it).
fn shell_path(path: &Path, home: Option<&Path>) -> String {
    match home {
        Some(home) => crate::fsedit::shell_quote_path(&crate::config_edit::shown_path(path, home)),
        None => shell_quote(&path.to_string_lossy()),
    }
}

/// The key to preselect: the first of `keys` that the destination's configuration names
/// (`configured`, in ssh's order: IdentityFile lines and `-i`, not ssh's default names).
pub fn preferred(keys: &[LocalKey], configured: &[PathBuf]) -> Option<usize> {
    configured
        .iter()
        .find_map(|c| keys.iter().position(|k| &k.private == c))
}

/// The shell command doing what [`generate_ed25519`] does, to show the user, e.g.
/// `ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519 -C alice@laptop`. Arguments are quoted with
/// [`shell_quote`]; `home` shortens the path to `~`. A passphrase is never part of it: without
/// `-N` ssh-keygen asks for one (the text around the command says so; no shell comment, so
/// that the command pastes as it is).
pub fn keygen_command(path: &Path, comment: &str, home: Option<&Path>) -> String {
    format!(
        "ssh-keygen -t ed25519 -f {} -C {}",
        shell_path(path, home),
        shell_quote(comment)
    )
}

// ---------------------------------------------------------------------------------
// Comparing fingerprints.

/// A fingerprint found in pasted text, normalised.
enum Pasted {
    /// The unpadded base64 of a 32-byte digest.
    Sha256(String),
    /// Lowercase colon-separated hex of a 16-byte digest.
    Md5(String),
}

/// Quote pairs users paste fingerprints in.
const QUOTES: [(char, char); 5] = [
    ('"', '"'),
    ('\'', '\''),
    ('`', '`'),
    ('\u{201c}', '\u{201d}'),
    ('\u{2018}', '\u{2019}'),
];

/// Trims whitespace and surrounding quotes (repeatedly: `" 'x' "`).
fn unquote(text: &str) -> &str {
    let mut s = text.trim();
    loop {
        let inner = QUOTES.iter().find_map(|&(open, close)| {
            s.strip_prefix(open)
                .and_then(|rest| rest.strip_suffix(close))
        });
        match inner {
            Some(inner) => s = inner.trim(),
            None => return s,
        }
    }
}

/// A public key (or certificate) in a key line (`type base64 [comment]`), a known_hosts line
/// (`hosts type base64`, optionally with a marker) or an authorized_keys line (options first).
fn pasted_key(text: &str) -> Option<KeyData> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    tokens.windows(2).find_map(|pair| {
        // A key blob starts with a small big-endian length: base64 "AAAA".
        if !pair[1].starts_with("AAAA") {
            return None;
        }
        let line = format!("{} {}", pair[0], pair[1]);
        PublicKey::from_openssh(&line)
            .map(|k| k.key_data().clone())
            .or_else(|_| Certificate::from_openssh(&line).map(KeyData::from))
            .ok()
    })
}

/// The base64 of a SHA256 digest, padded or not; `None` unless it decodes to 32 bytes.
fn sha256_value(s: &str) -> Option<String> {
    let s = s.trim_end_matches('=');
    let bytes = Base64Unpadded::decode_vec(s).ok()?;
    (bytes.len() == 32).then(|| s.to_string())
}

/// `aa:bb:...` with 16 hex bytes (any case), lowercased.
fn md5_value(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.split(':').collect();
    let valid = parts.len() == 16
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()));
    valid.then(|| s.to_ascii_lowercase())
}

/// One word as a fingerprint. A bare base64 value is taken only when it is all that was pasted
/// (in a sentence a 43-character word could be anything).
fn fingerprint_token(token: &str, alone: bool) -> Option<Pasted> {
    // `ssh` ends "key fingerprint is SHA256:...." with a period; none of these is base64 or hex.
    let token = token
        .trim_start_matches(['(', '[', '<'])
        .trim_end_matches(['.', ',', ';', ')', ']', '>']);
    if let Some((label, value)) = token.split_once(':') {
        if label.eq_ignore_ascii_case("SHA256") {
            return sha256_value(value).map(Pasted::Sha256);
        }
        if label.eq_ignore_ascii_case("MD5") {
            return md5_value(value).map(Pasted::Md5);
        }
    }
    md5_value(token).map(Pasted::Md5).or_else(|| {
        alone
            .then(|| sha256_value(token).map(Pasted::Sha256))
            .flatten()
    })
}

/// The fingerprints in pasted text: the whole text, or the words of `ssh-keygen -l` lines
/// (`256 SHA256:... comment (ED25519)`) or of ssh's message.
fn pasted_fingerprints(text: &str) -> Vec<Pasted> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    match tokens.as_slice() {
        [only] => fingerprint_token(only, true).into_iter().collect(),
        many => many
            .iter()
            .filter_map(|t| fingerprint_token(t, false))
            .collect(),
    }
}

/// Compares a fingerprint or public key the user got another way with the key the server
/// presented. Accepted, after trimming whitespace and surrounding quotes:
///
/// * `SHA256:<base64>` with or without `=` padding, or the bare 43-character base64 — compared
///   case-sensitively (it is base64) but padding-insensitively;
/// * `MD5:aa:bb:...:ff` or the bare 16 colon-separated hex bytes, in any case;
/// * a whole `ssh-keygen -l [-E md5]` line (`256 SHA256:... comment (ED25519)`) or ssh's
///   `... key fingerprint is SHA256:....` sentence — the fingerprint word is taken; of
///   several such lines (every host key of the server), one must match;
/// * a public key line `ssh-ed25519 AAAA... [comment]`, a known_hosts line `host ssh-ed25519
///   AAAA...` or an authorized_keys line — the key itself is compared.
///
/// A certificate on either side is compared by the key it certifies, as its fingerprint is.
pub fn compare_fingerprint(pasted: &str, key: &KeyData) -> FingerprintMatch {
    let text = unquote(pasted);
    if let Some(other) = pasted_key(text) {
        let how = "public key";
        if plain_key(&other) == plain_key(key) {
            return FingerprintMatch::Match { how };
        }
        let shown = PublicKey::new(plain_key(&other).clone(), "");
        return FingerprintMatch::Mismatch {
            how,
            pasted: shown.to_openssh().unwrap_or_default(),
        };
    }
    // Several (every host key's, `ssh-keyscan HOST | ssh-keygen -lf -`): one must match.
    let mut first_mismatch = None;
    for fingerprint in pasted_fingerprints(text) {
        let (how, pasted, actual) = match fingerprint {
            Pasted::Sha256(value) => ("SHA256", format!("SHA256:{value}"), sha256_fingerprint(key)),
            Pasted::Md5(value) => ("MD5", format!("MD5:{value}"), md5_fingerprint(key)),
        };
        if pasted == actual {
            return FingerprintMatch::Match { how };
        }
        first_mismatch.get_or_insert(FingerprintMatch::Mismatch { how, pasted });
    }
    first_mismatch.unwrap_or(FingerprintMatch::Unrecognised)
}
