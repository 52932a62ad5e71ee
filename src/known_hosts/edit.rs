//! Pure known_hosts edits: removing one host's entries byte-exactly and formatting new entries.

use ssh_key::encoding::base64::{Base64, Encoding};
use ssh_key::encoding::Encode;
use ssh_key::PublicKey;

use super::parse::{HostField, KnownHostsFile, LineKind};
use super::pattern::{hash_with_salt, is_wildcard, item_pattern, match_host_field, split_items};
use super::{HostMatch, Marker};

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
pub fn remove_host(file_bytes: &[u8], names: &[&str]) -> RemovePlan {
    let file = KnownHostsFile::parse("", file_bytes);
    let mut plan = RemovePlan {
        new_bytes: Vec::with_capacity(file_bytes.len()),
        changes: Vec::new(),
        kept_markers: Vec::new(),
        kept_wildcards: Vec::new(),
        kept_malformed: Vec::new(),
    };
    for line in &file.lines {
        let mut new_raw: Option<Option<Vec<u8>>> = None;
        let target = match &line.kind {
            LineKind::Entry(e) => Some((e.marker, &e.hosts, e.host_range)),
            // ssh-keygen -R checks only the key type name, so it deletes such lines too.
            LineKind::Malformed {
                marker: Some(m),
                hosts: Some(h),
                key_type_ok: true,
                host_range,
                ..
            } => Some((*m, h, *host_range)),
            LineKind::Malformed { hosts: Some(h), .. } => {
                if names.iter().any(|n| match_host_field(n, h).is_match()) {
                    plan.kept_malformed.push(line.number);
                }
                None
            }
            _ => None,
        };
        if let Some((marker, hosts, (a, b))) = target {
            let hits: Vec<(&str, HostMatch)> = names
                .iter()
                .map(|n| (*n, match_host_field(n, hosts)))
                .filter(|(_, m)| m.is_match())
                .collect();
            if hits.is_empty() {
                // not this host
            } else if marker != Marker::None {
                plan.kept_markers.push(line.number);
            } else if let HostField::Patterns(list) = hosts {
                let literal: Vec<String> = hits
                    .iter()
                    .filter(|(_, m)| *m == HostMatch::Literal)
                    .map(|(n, _)| n.to_ascii_lowercase())
                    .collect();
                if literal.is_empty() {
                    plan.kept_wildcards.push(line.number);
                } else if let Some(field) = strip_names(list, &literal) {
                    let raw = [&line.raw[..a], &field[..], &line.raw[b..]].concat();
                    let still = HostField::Patterns(field);
                    if names.iter().any(|n| match_host_field(n, &still).is_match()) {
                        plan.kept_wildcards.push(line.number);
                    }
                    new_raw = Some(Some(raw));
                } else {
                    new_raw = Some(None);
                }
            } else {
                new_raw = Some(None);
            }
        }
        match new_raw {
            None => {
                plan.new_bytes.extend_from_slice(&line.raw);
                plan.new_bytes.extend_from_slice(line.ending.as_bytes());
            }
            Some(replacement) => {
                if let Some(raw) = &replacement {
                    plan.new_bytes.extend_from_slice(raw);
                    plan.new_bytes.extend_from_slice(line.ending.as_bytes());
                }
                plan.changes.push(Change {
                    line: line.number,
                    old_line: String::from_utf8_lossy(&line.raw).into_owned(),
                    new_line: replacement.map(|r| String::from_utf8_lossy(&r).into_owned()),
                });
            }
        }
    }
    plan
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
