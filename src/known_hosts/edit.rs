//! known_hosts edits: removing one host's entries byte-exactly (whole or line by line) and formatting and appending new entries.

use ssh_key::encoding::base64::{Base64, Encoding};
use ssh_key::encoding::Encode;
use ssh_key::PublicKey;

use super::parse::{parse_line, skip_blank, token_end, HostField, LineKind};
use super::pattern::{
    decode_b64, hash_with_salt, is_wildcard, item_pattern, match_host_field, match_pattern_list,
    split_items,
};
use super::{HostMatch, Marker};
use crate::fsedit::{LineChange, LineEdit};

/// One line changed by [`remove_host`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// True 1-based line number in the original file.
    pub line: usize,
    /// The original line (lossily decoded, without terminator).
    pub old_line: String,
    /// The rewritten line, or `None` when the line is deleted.
    pub new_line: Option<String>,
}

/// The outcome of [`remove_host`]; apply `new_bytes` with the safe writer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemovePlan {
    /// The whole new file. Every untouched byte is identical to the input.
    pub new_bytes: Vec<u8>,
    /// Deleted or rewritten lines, in file order.
    pub changes: Vec<Change>,
    /// `@cert-authority` / `@revoked` lines matching the host, never removed.
    pub kept_markers: Vec<usize>,
    /// Lines that (still) match the host only through a wildcard pattern, not removed.
    pub kept_wildcards: Vec<usize>,
    /// Malformed lines whose host field matches, kept as ssh-keygen -R keeps them.
    pub kept_malformed: Vec<usize>,
}

impl RemovePlan {
    /// Whether the plan changes anything.
    pub fn is_noop(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Remove what matches this host's lookup `names` (e.g. `[host]:2222` and the
/// address form), and nothing else.
///
/// Differences from `ssh-keygen -R`, on purpose: on a plain line listing other
/// names too only this host's names are removed and the line is kept for the
/// others; lines matching only through wildcards are kept (ssh-keygen deletes
/// them) and reported. Like ssh-keygen, marker lines stay, and so do malformed
/// lines, except those whose key type name is valid (ssh-keygen -R deletes
/// those, as it never parses the key data).
/// Names are matched as in [`super::lookup`]: plain names case-insensitively,
/// hashed names exactly as given.
///
/// This builds the whole new file in memory; [`RemoveEdit`] makes the same edit line by
/// line through [`crate::fsedit::apply_lines`] (the repair) or
/// [`crate::fsedit::diff_lines`] (a preview), in constant memory.
pub fn remove_host(file_bytes: &[u8], names: &[&str]) -> RemovePlan {
    let mut edit = RemoveEdit::new(names);
    let mut new_bytes = Vec::with_capacity(file_bytes.len());
    for (i, line) in file_bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        match edit.line(i + 1, line) {
            LineChange::Keep => new_bytes.extend_from_slice(line),
            LineChange::Drop => {}
            LineChange::Replace(bytes) => new_bytes.extend_from_slice(&bytes),
        }
    }
    RemovePlan {
        new_bytes,
        changes: edit.changes,
        kept_markers: edit.kept_markers,
        kept_wildcards: edit.kept_wildcards,
        kept_malformed: edit.kept_malformed,
    }
}

/// [`remove_host`] as a [`LineEdit`]: decides line by line, recording what it did in the
/// same fields as [`RemovePlan`] (everything but the new bytes, which it streams).
///
/// Most lines are judged from their host field alone (a pattern list, or a hashed name
/// tested against each name); only lines that may be this host's are parsed whole.
#[derive(Clone, Debug)]
pub struct RemoveEdit {
    names: Vec<String>,
    /// The names lowercased, as plain pattern lists compare them.
    lower: Vec<Vec<u8>>,
    /// Deleted or rewritten lines, in file order.
    pub changes: Vec<Change>,
    /// `@cert-authority` / `@revoked` lines matching the host, never removed.
    pub kept_markers: Vec<usize>,
    /// Lines that (still) match the host only through a wildcard pattern, not removed.
    pub kept_wildcards: Vec<usize>,
    /// Malformed lines whose host field matches, kept as ssh-keygen -R keeps them.
    pub kept_malformed: Vec<usize>,
}

impl RemoveEdit {
    /// An edit removing the host known by these lookup names.
    pub fn new(names: &[&str]) -> RemoveEdit {
        RemoveEdit {
            names: names.iter().map(|n| n.to_string()).collect(),
            lower: names
                .iter()
                .map(|n| n.to_ascii_lowercase().into_bytes())
                .collect(),
            changes: Vec::new(),
            kept_markers: Vec::new(),
            kept_wildcards: Vec::new(),
            kept_malformed: Vec::new(),
        }
    }

    /// Whether the edit changes anything.
    pub fn is_noop(&self) -> bool {
        self.changes.is_empty()
    }

    /// False only when the line certainly does not match any name: its host field (as
    /// `hostkeys_foreach` reads it) is a pattern list none of the names matches, or a
    /// well-formed hashed name none of them hashes to. Marker lines are always looked at.
    pub(super) fn may_match(&self, raw: &[u8]) -> bool {
        let s = &raw[..raw.iter().position(|&b| b == 0).unwrap_or(raw.len())];
        let i = skip_blank(s, 0);
        if i == s.len() || s[i] == b'#' {
            return false;
        }
        if s[i] == b'@' {
            return true;
        }
        let field = &s[i..token_end(s, i)];
        if field.first() == Some(&b'|') {
            return self.hashed_match(field);
        }
        self.lower
            .iter()
            .any(|name| match_pattern_list(name, field, true) == 1)
    }

    /// Whether a hashed host field is one of the names (a malformed one never is).
    fn hashed_match(&self, field: &[u8]) -> bool {
        let Some(body) = field.strip_prefix(b"|1|") else {
            return false;
        };
        let Some(end) = body.iter().position(|&b| b == b'|') else {
            return false;
        };
        match decode_b64(&body[..end]) {
            Some(salt) if salt.len() == 20 => self
                .names
                .iter()
                .any(|n| hash_with_salt(n, &salt).as_bytes() == field),
            _ => false,
        }
    }

    /// What becomes of line `number` (`raw`: without terminator): `None` to keep it,
    /// `Some(None)` to delete it, `Some(Some(bytes))` to rewrite it.
    pub(super) fn decide(&mut self, number: usize, raw: &[u8]) -> Option<Option<Vec<u8>>> {
        let names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        let kind = parse_line(raw);
        let (marker, hosts, (a, b)) = match &kind {
            LineKind::Entry(e) => (e.marker, &e.hosts, e.host_range),
            // ssh-keygen -R checks only the key type name, so it deletes such lines too.
            LineKind::Malformed {
                marker: Some(m),
                hosts: Some(h),
                key_type_ok: true,
                host_range,
                ..
            } => (*m, h, *host_range),
            LineKind::Malformed { hosts: Some(h), .. } => {
                if names.iter().any(|n| match_host_field(n, h).is_match()) {
                    self.kept_malformed.push(number);
                }
                return None;
            }
            _ => return None,
        };
        let hits: Vec<(&str, HostMatch)> = names
            .iter()
            .map(|n| (*n, match_host_field(n, hosts)))
            .filter(|(_, m)| m.is_match())
            .collect();
        if hits.is_empty() {
            return None;
        }
        if marker != Marker::None {
            self.kept_markers.push(number);
            return None;
        }
        let HostField::Patterns(list) = hosts else {
            return Some(None);
        };
        let literal: Vec<String> = hits
            .iter()
            .filter(|(_, m)| *m == HostMatch::Literal)
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        if literal.is_empty() {
            self.kept_wildcards.push(number);
            return None;
        }
        let Some(field) = strip_names(list, &literal) else {
            return Some(None);
        };
        let still = HostField::Patterns(field.clone());
        if names.iter().any(|n| match_host_field(n, &still).is_match()) {
            self.kept_wildcards.push(number);
        }
        Some(Some([&raw[..a], &field[..], &raw[b..]].concat()))
    }
}

impl LineEdit for RemoveEdit {
    fn line(&mut self, number: usize, line: &[u8]) -> LineChange {
        let (raw, ending) = split_ending(line);
        if !self.may_match(raw) {
            return LineChange::Keep;
        }
        let Some(replacement) = self.decide(number, raw) else {
            return LineChange::Keep;
        };
        self.changes.push(Change {
            line: number,
            old_line: String::from_utf8_lossy(raw).into_owned(),
            new_line: replacement
                .as_ref()
                .map(|r| String::from_utf8_lossy(r).into_owned()),
        });
        match replacement {
            None => LineChange::Drop,
            Some(raw) => LineChange::Replace([&raw[..], ending].concat()),
        }
    }
}

/// A line's bytes and its terminator (`\r\n`, `\n` or none), as the parser splits them.
fn split_ending(line: &[u8]) -> (&[u8], &[u8]) {
    if let Some(raw) = line.strip_suffix(b"\r\n") {
        (raw, b"\r\n")
    } else if let Some(raw) = line.strip_suffix(b"\n") {
        (raw, b"\n")
    } else {
        (line, b"")
    }
}

/// Appends one known_hosts line (see [`append_entry`]) unless the file already has it, line
/// by line: the repair behind `hostkey.trust`.
#[derive(Clone, Debug)]
pub struct AppendEdit {
    line: Vec<u8>,
    /// The file already holds the line (then nothing changes).
    pub already: bool,
    /// The last terminated line ended with CRLF.
    crlf: bool,
}

impl AppendEdit {
    /// An edit appending `line` (without terminator).
    pub fn new(line: &str) -> AppendEdit {
        AppendEdit {
            line: line.as_bytes().to_vec(),
            already: false,
            crlf: false,
        }
    }

    fn eol(&self) -> &'static [u8] {
        if self.crlf {
            b"\r\n"
        } else {
            b"\n"
        }
    }
}

impl LineEdit for AppendEdit {
    fn line(&mut self, _number: usize, line: &[u8]) -> LineChange {
        let (raw, _) = split_ending(line);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        self.already |= raw == self.line.as_slice();
        if line.ends_with(b"\n") {
            self.crlf = line.ends_with(b"\r\n");
            LineChange::Keep
        } else if self.already {
            LineChange::Keep
        } else {
            // An unterminated last line: OpenSSH would glue the entry onto it.
            LineChange::Replace([line, self.eol()].concat())
        }
    }

    fn finish(&mut self) -> Option<Vec<u8>> {
        (!self.already).then(|| [&self.line[..], self.eol()].concat())
    }
}

/// Drop the literal, non-negated items equal to one of `names` (lowercase).
/// `None` when no positive pattern remains (the line should go).
fn strip_names(list: &[u8], names: &[String]) -> Option<Vec<u8>> {
    let items = split_items(list)?;
    let kept: Vec<_> = items
        .into_iter()
        .filter(|&it| {
            let pat = item_pattern(list, it);
            it.negated || is_wildcard(&pat) || !names.iter().any(|n| n.as_bytes() == pat)
        })
        .collect();
    let positive = kept.iter().any(|&it| !it.negated && it.end > it.start);
    if !positive {
        return None;
    }
    let parts: Vec<&[u8]> = kept.iter().map(|it| &list[it.start..it.end]).collect();
    Some(parts.join(&b","[..]))
}

/// A known_hosts line for `lookup_name` and `key` the way OpenSSH writes it
/// (`write_host_entry`): lowercased name, hashed as `|1|salt|hash` with a
/// fresh 20-byte salt when `hash` is set, then `type base64` (no comment).
/// The returned line has no terminator; see [`append_entry`].
pub fn format_entry(lookup_name: &str, key: &PublicKey, hash: bool) -> String {
    if hash {
        format_entry_with_salt(lookup_name, key, Some(&random_salt()))
    } else {
        format_entry_with_salt(lookup_name, key, None)
    }
}

/// [`format_entry`] with a caller-chosen salt (`None`: not hashed); deterministic.
pub fn format_entry_with_salt(lookup_name: &str, key: &PublicKey, salt: Option<&[u8]>) -> String {
    let lhost = lookup_name.to_ascii_lowercase();
    let host = match salt {
        Some(salt) => hash_with_salt(&lhost, salt),
        None => lhost,
    };
    let blob = key.key_data().encode_vec().unwrap_or_default();
    format!(
        "{host} {} {}",
        key.algorithm().as_str(),
        Base64::encode_string(&blob)
    )
}

/// Append `line` to a file's bytes, first terminating an unterminated last
/// line (OpenSSH would glue the entry onto it) and using CRLF if the file does.
pub fn append_entry(file_bytes: &[u8], line: &str) -> Vec<u8> {
    let crlf = file_bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .is_some_and(|i| i > 0 && file_bytes[i - 1] == b'\r');
    let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let mut out = file_bytes.to_vec();
    if !out.is_empty() && out.last() != Some(&b'\n') {
        out.extend_from_slice(eol);
    }
    out.extend_from_slice(line.as_bytes());
    out.extend_from_slice(eol);
    out
}

/// 20 random bytes for a hashed-host salt, from the operating system's random source.
fn random_salt() -> [u8; 20] {
    let mut out = [0u8; 20];
    // The OS random source, as OpenSSH's arc4random; failure to reach it is not recoverable.
    getrandom::fill(&mut out).expect("the operating system's random source is available");
    out
}
