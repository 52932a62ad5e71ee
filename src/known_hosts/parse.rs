//! Byte-exact known_hosts parsing, following OpenSSH's `hostkeys_foreach` and `sshkey_read`.

use std::io::{self, BufRead};
use std::path::PathBuf;

use ssh_key::public::KeyData;
use ssh_key::{EcdsaCurve, PublicKey};

use super::fingerprint::key_bits;
use super::pattern::{decode_b64, match_host_field, HashedField, HostMatch};
use super::{KeyKind, LineEnding, Marker};

/// One parsed known_hosts file. From [`KnownHostsFile::parse`] it holds every line and
/// [`KnownHostsFile::to_bytes`] gives back the exact input; from [`KnownHostsFile::scan`] it
/// holds only the lines for the names scanned for.
#[derive(Clone, Debug)]
pub struct KnownHostsFile {
    /// Where the bytes came from (used in reports only).
    pub path: PathBuf,
    /// Every line, in order, including blank and comment lines (only matching lines when scanned).
    pub lines: Vec<Line>,
    /// Set by [`KnownHostsFile::scan`]: what was kept.
    pub scanned: Option<Scanned>,
}

/// What [`KnownHostsFile::scan`] kept and skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scanned {
    /// The names lines were kept for (bit `i` of [`Line::matched`] is `names[i]`).
    pub names: Vec<String>,
    /// Lines read.
    pub lines_read: usize,
    /// Lines skipped whose marker or host field is malformed (so they match no name).
    pub other_malformed: usize,
    /// Malformed lines for the scanned names beyond the first [`MALFORMED_KEPT`], counted only
    /// (ssh ignores them; they cannot change a verdict).
    pub malformed_dropped: usize,
}

/// How many malformed lines for the scanned names [`KnownHostsFile::scan`] keeps per file.
pub const MALFORMED_KEPT: usize = 100;

/// One physical line of a known_hosts file.
#[derive(Clone, Debug)]
pub struct Line {
    /// True 1-based line number.
    pub number: usize,
    /// The line's bytes without its terminator.
    pub raw: Vec<u8>,
    /// How the line was terminated.
    pub ending: LineEnding,
    /// What the line is.
    pub kind: LineKind,
    /// For a scanned file: bit `i` set when the host field matches [`Scanned::names`]`[i]`.
    pub matched: u64,
}

/// Classification of a line.
#[derive(Clone, Debug)]
pub enum LineKind {
    /// Empty or whitespace only.
    Blank,
    /// Starts (after whitespace) with `#`.
    Comment,
    /// A well-formed host key line.
    Entry(Box<Entry>),
    /// A line OpenSSH would ignore as unparsable.
    Malformed {
        /// Why the line is unusable.
        reason: String,
        /// The marker, when it was valid.
        marker: Option<Marker>,
        /// The host field, when it was reached and valid (so it can still be matched).
        hosts: Option<HostField>,
        /// Only the key data is bad: the key type is known and something follows it.
        /// `ssh-keygen -F`/`-R` without `-l` check only this much, so they treat
        /// such a line as an entry (and `-R` deletes it).
        key_type_ok: bool,
        /// Byte range of the host field within [`Line::raw`] (empty when not reached).
        host_range: (usize, usize),
    },
}

/// A well-formed known_hosts entry.
#[derive(Clone, Debug)]
pub struct Entry {
    /// `@cert-authority`, `@revoked` or none.
    pub marker: Marker,
    /// The host field.
    pub hosts: HostField,
    /// Byte range of the host field within [`Line::raw`].
    pub host_range: (usize, usize),
    /// The key type name as written on the line (e.g. `ssh-ed25519`, `rsa-sha2-256`).
    pub key_type: String,
    /// The parsed key.
    pub key: KeyData,
    /// Whatever follows the key (lossily decoded), possibly empty.
    pub comment: String,
}

/// The host field of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostField {
    /// `|1|salt|hash`: the raw field and its decoded 20-byte salt.
    Hashed {
        /// The field exactly as written.
        raw: Vec<u8>,
        /// The decoded HMAC-SHA1 key.
        salt: Vec<u8>,
    },
    /// A comma-separated pattern list, exactly as written.
    Patterns(Vec<u8>),
}

impl KnownHostsFile {
    /// Parse a file's bytes. Never fails: bad lines become [`LineKind::Malformed`].
    pub fn parse(path: impl Into<PathBuf>, bytes: &[u8]) -> KnownHostsFile {
        let mut lines = Vec::new();
        let mut rest = bytes;
        let mut number = 0;
        while !rest.is_empty() {
            number += 1;
            let (raw, ending, next) = match rest.iter().position(|&b| b == b'\n') {
                Some(nl) if nl > 0 && rest[nl - 1] == b'\r' => {
                    (&rest[..nl - 1], LineEnding::CrLf, &rest[nl + 1..])
                }
                Some(nl) => (&rest[..nl], LineEnding::Lf, &rest[nl + 1..]),
                None => (rest, LineEnding::None, &rest[rest.len()..]),
            };
            lines.push(Line {
                number,
                raw: raw.to_vec(),
                ending,
                kind: parse_line(raw),
                matched: 0,
            });
            rest = next;
        }
        KnownHostsFile {
            path: path.into(),
            lines,
            scanned: None,
        }
    }

    /// Read a file line by line and keep only the lines whose host field matches one of
    /// `names` (at most 64), as ssh's `load_hostkeys` does for the names it looks up: a hashed
    /// field is hashed once per name, a key is parsed only on a matching line, and memory stays
    /// proportional to the kept lines. Lookups of other names in the result find nothing.
    pub fn scan(
        path: impl Into<PathBuf>,
        mut reader: impl BufRead,
        names: &[String],
    ) -> io::Result<KnownHostsFile> {
        assert!(names.len() <= 64, "at most 64 names per scan");
        let mut file = KnownHostsFile {
            path: path.into(),
            lines: Vec::new(),
            scanned: Some(Scanned {
                names: names.to_vec(),
                ..Scanned::default()
            }),
        };
        let mut stats = Scanned::default();
        let mut kept_malformed = 0;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            if reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            stats.lines_read += 1;
            let (raw, ending) = match buf.strip_suffix(b"\n") {
                Some(r) => match r.strip_suffix(b"\r") {
                    Some(r) => (r, LineEnding::CrLf),
                    None => (r, LineEnding::Lf),
                },
                None => (&buf[..], LineEnding::None),
            };
            let matched = match host_mask(raw, names) {
                Some(0) => continue,
                Some(mask) => mask,
                None => {
                    stats.other_malformed += 1;
                    continue;
                }
            };
            let kind = parse_line(raw);
            if matches!(kind, LineKind::Malformed { .. }) {
                if kept_malformed == MALFORMED_KEPT {
                    stats.malformed_dropped += 1;
                    continue;
                }
                kept_malformed += 1;
            }
            file.lines.push(Line {
                number: stats.lines_read,
                raw: raw.to_vec(),
                ending,
                kind,
                matched,
            });
        }
        if let Some(s) = file.scanned.as_mut() {
            s.lines_read = stats.lines_read;
            s.other_malformed = stats.other_malformed;
            s.malformed_dropped = stats.malformed_dropped;
        }
        Ok(file)
    }

    /// How `line`'s host field matches `name`: from the scan when `name` was scanned for
    /// (no hashing again), else computed.
    pub fn host_match(&self, line: &Line, name: &str, hosts: &HostField) -> HostMatch {
        let scanned = self
            .scanned
            .as_ref()
            .and_then(|s| s.names.iter().position(|n| n == name));
        match (scanned, hosts) {
            (Some(i), _) if line.matched & (1 << i) == 0 => HostMatch::No,
            (Some(_), HostField::Hashed { .. }) => HostMatch::Hashed,
            _ => match_host_field(name, hosts),
        }
    }

    /// The file's bytes, identical to what was parsed.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for line in &self.lines {
            out.extend_from_slice(&line.raw);
            out.extend_from_slice(line.ending.as_bytes());
        }
        out
    }

    /// Every well-formed entry with its line.
    pub fn entries(&self) -> impl Iterator<Item = (&Line, &Entry)> {
        self.lines.iter().filter_map(|l| match &l.kind {
            LineKind::Entry(e) => Some((l, e.as_ref())),
            _ => None,
        })
    }

    /// Lines that make `ssh-keygen -R` (and `-H`) refuse to rewrite the file
    /// ("not a valid known_hosts file"): malformed lines other than those whose
    /// only fault is the key data, which ssh-keygen does not parse.
    pub fn keygen_invalid_lines(&self) -> Vec<usize> {
        let invalid = |l: &&Line| {
            matches!(
                l.kind,
                LineKind::Malformed {
                    key_type_ok: false,
                    ..
                }
            )
        };
        self.lines
            .iter()
            .filter(invalid)
            .map(|l| l.number)
            .collect()
    }

    /// Every malformed line with its reason.
    pub fn malformed(&self) -> impl Iterator<Item = (&Line, &str)> {
        self.lines.iter().filter_map(|l| match &l.kind {
            LineKind::Malformed { reason, .. } => Some((l, reason.as_str())),
            _ => None,
        })
    }
}

/// OpenSSH's line blanks (`skip_space`, `strspn(" \t")`): space and tab only. Shared with the
/// authorized_keys parser, which reads keys the same way.
pub(crate) fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The first non-blank at or after `i`.
pub(crate) fn skip_blank(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_blank(s[i]) {
        i += 1;
    }
    i
}

/// The end of the token starting at `i` (the next blank, or the end).
pub(crate) fn token_end(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && !is_blank(s[i]) {
        i += 1;
    }
    i
}

/// Which of `names` a line's host field matches (bit `i` for `names[i]`): `Some(0)` for blank,
/// comment and non-matching lines, `None` when the marker or host field is malformed.
fn host_mask(raw: &[u8], names: &[String]) -> Option<u64> {
    let s = &raw[..raw.iter().position(|&b| b == 0).unwrap_or(raw.len())];
    let mut i = skip_blank(s, 0);
    if i == s.len() || s[i] == b'#' {
        return Some(0);
    }
    check_markers(s, &mut i).ok()?;
    let raw_field = &s[i..token_end(s, i)];
    let mut mask = 0u64;
    // The common case first, without allocating: a canonical hashed field.
    if let Some(h) = HashedField::new(raw_field) {
        for (bit, name) in names.iter().enumerate() {
            if h.matches(name) {
                mask |= 1 << bit;
            }
        }
        return Some(mask);
    }
    let field = parse_host_field(raw_field).ok()?;
    match &field {
        // Hashed but not canonical: ssh's comparison of the re-encoded string never matches.
        HostField::Hashed { .. } => {}
        HostField::Patterns(_) => {
            for (bit, name) in names.iter().enumerate() {
                if match_host_field(name, &field).is_match() {
                    mask |= 1 << bit;
                }
            }
        }
    }
    Some(mask)
}

/// Classify one line (without terminator) the way `hostkeys_foreach` does.
pub(crate) fn parse_line(raw: &[u8]) -> LineKind {
    // C string semantics: a NUL byte ends the line.
    let s = &raw[..raw.iter().position(|&b| b == 0).unwrap_or(raw.len())];
    let mut i = skip_blank(s, 0);
    if i == s.len() {
        return LineKind::Blank;
    }
    if s[i] == b'#' {
        return LineKind::Comment;
    }
    let bad = |reason: String, marker, hosts| LineKind::Malformed {
        reason,
        marker,
        hosts,
        key_type_ok: false,
        host_range: (0, 0),
    };
    let marker = match check_markers(s, &mut i) {
        Ok(m) => m,
        Err(reason) => return bad(reason, None, None),
    };
    let host_end = token_end(s, i);
    let hosts = match parse_host_field(&s[i..host_end]) {
        Ok(h) => h,
        Err(reason) => return bad(reason, Some(marker), None),
    };
    let host_range = (i, host_end);
    let k = skip_blank(s, host_end);
    if k == s.len() || s[k] == b'#' {
        return LineKind::Malformed {
            reason: "truncated before key type".into(),
            marker: Some(marker),
            hosts: Some(hosts),
            key_type_ok: false,
            host_range,
        };
    }
    match read_key(&s[k..]) {
        Ok((key_type, key, comment)) => LineKind::Entry(Box::new(Entry {
            marker,
            hosts,
            host_range,
            key_type,
            key,
            comment,
        })),
        Err(reason) => LineKind::Malformed {
            reason,
            marker: Some(marker),
            hosts: Some(hosts),
            key_type_ok: key_type_ok(&s[k..]),
            host_range,
        },
    }
}

/// The shallow check `hostkeys_foreach` does without `HKF_WANT_PARSE_KEY`:
/// a known key type name followed by something other than a comment.
fn key_type_ok(s: &[u8]) -> bool {
    let l = token_end(s, 0);
    if l <= 1 || l >= 128 || l == s.len() || type_from_name(&s[..l]).is_none() {
        return false;
    }
    let rest = skip_blank(s, l);
    rest < s.len() && s[rest] != b'#'
}

/// OpenSSH's `check_markers`: at most one marker, terminated by whitespace.
fn check_markers(s: &[u8], i: &mut usize) -> Result<Marker, String> {
    let mut ret = Marker::None;
    while *i < s.len() && s[*i] == b'@' {
        if ret != Marker::None {
            return Err("more than one marker".into());
        }
        let rest = &s[*i..];
        // strchr(cp, ' ') first, and only if there is no space at all, '\t'.
        let sp = rest
            .iter()
            .position(|&b| b == b' ')
            .or_else(|| rest.iter().position(|&b| b == b'\t'))
            .ok_or_else(|| "marker not followed by whitespace".to_string())?;
        let name = &rest[..sp];
        if sp <= 1 || sp >= 32 {
            return Err(format!(
                "invalid marker {:?}",
                String::from_utf8_lossy(name)
            ));
        }
        ret = match name {
            b"@cert-authority" => Marker::CertAuthority,
            b"@revoked" => Marker::Revoked,
            _ => {
                return Err(format!(
                    "unknown marker {:?}",
                    String::from_utf8_lossy(name)
                ))
            }
        };
        *i = skip_blank(s, *i + sp);
    }
    Ok(ret)
}

/// A host field is hashed when it starts with `|`; its salt must decode (`extract_salt`).
fn parse_host_field(field: &[u8]) -> Result<HostField, String> {
    if field.first() != Some(&b'|') {
        return Ok(HostField::Patterns(field.to_vec()));
    }
    let body = field
        .strip_prefix(b"|1|")
        .ok_or_else(|| "bad host hash: invalid magic identifier".to_string())?;
    let end = body
        .iter()
        .position(|&b| b == b'|')
        .ok_or_else(|| "bad host hash: missing salt terminator".to_string())?;
    if end == 0 || end > 1024 {
        return Err("bad host hash: bad encoded salt length".into());
    }
    let salt = decode_b64(&body[..end]).ok_or("bad host hash: salt is not valid base64")?;
    if salt.len() != 20 {
        return Err(format!(
            "bad host hash: salt is {} bytes, expected 20",
            salt.len()
        ));
    }
    Ok(HostField::Hashed {
        raw: field.to_vec(),
        salt,
    })
}

/// The key type a name denotes (`sshkey_type_from_name`): kind, certificate flag, curve.
fn type_from_name(name: &[u8]) -> Option<(KeyKind, bool, Option<EcdsaCurve>)> {
    use KeyKind::*;
    let n = std::str::from_utf8(name).ok()?;
    let (base, cert) = match n.strip_suffix("-cert-v01@openssh.com") {
        Some(b) => (b, true),
        None => (n, false),
    };
    let full = match base {
        "ssh-ed25519" => Some((Ed25519, None)),
        "sk-ssh-ed25519" if cert => Some((Ed25519Sk, None)),
        "sk-ssh-ed25519@openssh.com" if !cert => Some((Ed25519Sk, None)),
        "ecdsa-sha2-nistp256" => Some((Ecdsa, Some(EcdsaCurve::NistP256))),
        "ecdsa-sha2-nistp384" => Some((Ecdsa, Some(EcdsaCurve::NistP384))),
        "ecdsa-sha2-nistp521" => Some((Ecdsa, Some(EcdsaCurve::NistP521))),
        "sk-ecdsa-sha2-nistp256" if cert => Some((EcdsaSk, None)),
        "sk-ecdsa-sha2-nistp256@openssh.com" if !cert => Some((EcdsaSk, None)),
        "ssh-dss" => Some((Dsa, None)),
        "ssh-rsa" | "rsa-sha2-256" | "rsa-sha2-512" => Some((Rsa, None)),
        _ => None,
    };
    if let Some((kind, curve)) = full {
        return Some((kind, cert, curve));
    }
    // Short names ("RSA", "ed25519", ...) are accepted case-insensitively for plain keys.
    [Rsa, Dsa, Ecdsa, Ed25519, EcdsaSk, Ed25519Sk]
        .into_iter()
        .find(|k| k.label().eq_ignore_ascii_case(n))
        .map(|k| (k, false, None))
}

/// OpenSSH's `sshkey_read` on `type base64 [comment]`.
fn read_key(s: &[u8]) -> Result<(String, KeyData, String), String> {
    read_key_checked(s).map_err(|e| match e {
        KeyReadError::TooShort(m) | KeyReadError::Invalid(m) => m,
    })
}

/// Why `sshkey_read` refused a key.
#[derive(Debug)]
pub(crate) enum KeyReadError {
    /// `SSH_ERR_KEY_LENGTH`: an RSA key under 1024 bits (some callers skip such lines).
    TooShort(String),
    /// Any other error.
    Invalid(String),
}

/// [`read_key`] telling a too-short key apart from other errors, as `sshkey_in_file` must.
pub(crate) fn read_key_checked(s: &[u8]) -> Result<(String, KeyData, String), KeyReadError> {
    let (name, key, rest) = read_key_data(s).map_err(KeyReadError::Invalid)?;
    if KeyKind::of(&key) == KeyKind::Rsa && key_bits(&key) < 1024 {
        return Err(KeyReadError::TooShort(format!(
            "RSA key is {} bits, OpenSSH refuses keys under 1024",
            key_bits(&key)
        )));
    }
    Ok((name, key, rest))
}

/// The key of `type base64 [comment]`, without the length check.
fn read_key_data(s: &[u8]) -> Result<(String, KeyData, String), String> {
    let tend = token_end(s, 0);
    let name = String::from_utf8_lossy(&s[..tend]).into_owned();
    if tend == s.len() {
        return Err(format!("no key after key type {name:?}"));
    }
    let (kind, cert, curve) =
        type_from_name(&s[..tend]).ok_or_else(|| format!("unknown key type {name:?}"))?;
    if kind == KeyKind::Ecdsa && curve.is_none() {
        return Err(format!("key type {name:?} does not name an ECDSA curve"));
    }
    let b = skip_blank(s, tend);
    if b == s.len() {
        return Err("missing key data".into());
    }
    let bend = token_end(s, b);
    let blob = decode_b64(&s[b..bend]).ok_or("key data is not valid base64")?;
    let key = PublicKey::from_bytes(&blob)
        .map_err(|e| format!("invalid {name} key data: {e}"))?
        .key_data()
        .clone();
    let is_cert = matches!(key, KeyData::Certificate(_));
    if KeyKind::of(&key) != kind || is_cert != cert {
        return Err(format!(
            "key type {name:?} does not match the key data ({})",
            key.algorithm().as_str()
        ));
    }
    if let (Some(want), KeyData::Ecdsa(k)) = (curve, super::plain_key(&key)) {
        if k.curve() != want {
            return Err(format!("key type {name:?} does not match the key's curve"));
        }
    }
    let c = skip_blank(s, bend);
    let comment = String::from_utf8_lossy(&s[c..]).into_owned();
    Ok((name, key, comment))
}
