//! Host matching as OpenSSH's `match.c` and `match_maybe_hashed` do it, including hashed names.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use ssh_key::encoding::base64::{Base64, Encoding};

use super::parse::HostField;

/// OpenSSH's `match_pattern`: `*` matches any run, `?` any one byte, the rest literally.
pub fn match_pattern(s: &[u8], pattern: &[u8]) -> bool {
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match pattern.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if c == b'?' || c == s[si] => {
                si += 1;
                pi += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    pattern[pi.min(pattern.len())..].iter().all(|&c| c == b'*')
}

/// One comma-separated item of a pattern list: byte range (including any `!`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Item {
    pub start: usize,
    pub end: usize,
    pub negated: bool,
}

/// Split a pattern list exactly as `match_pattern_list` walks it.
/// Returns `None` when an item is too long (OpenSSH then reports no match at all).
pub(crate) fn split_items(list: &[u8]) -> Option<Vec<Item>> {
    let mut items = Vec::new();
    let mut i = 0;
    while i < list.len() {
        let start = i;
        let negated = list[i] == b'!';
        if negated {
            i += 1;
        }
        let sub_start = i;
        while i < list.len() && list[i] != b',' {
            i += 1;
        }
        if i - sub_start >= 1023 {
            return None;
        }
        items.push(Item {
            start,
            end: i,
            negated,
        });
        if i < list.len() {
            i += 1;
        }
    }
    Some(items)
}

/// The sub-pattern of an item, lowercased as `match_pattern_list(.., dolower=1)` does.
pub(crate) fn item_pattern(list: &[u8], item: Item) -> Vec<u8> {
    let from = if item.negated {
        item.start + 1
    } else {
        item.start
    };
    list[from..item.end].to_ascii_lowercase()
}

/// OpenSSH's `match_pattern_list` with `dolower`: 1 on a positive match, 0 on
/// none, -1 when a negated item matched (which vetoes the whole list).
pub fn match_pattern_list(s: &[u8], list: &[u8], dolower: bool) -> i32 {
    let Some(items) = split_items(list) else {
        return 0;
    };
    let mut positive = false;
    for item in items {
        let from = if item.negated {
            item.start + 1
        } else {
            item.start
        };
        let pat = if dolower {
            list[from..item.end].to_ascii_lowercase()
        } else {
            list[from..item.end].to_vec()
        };
        if match_pattern(s, &pat) {
            if item.negated {
                return -1;
            }
            positive = true;
        }
    }
    i32::from(positive)
}

/// How a host field matched a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostMatch {
    /// No match (or a negated pattern vetoed the line).
    No,
    /// The hashed name equals HMAC-SHA1(salt, name).
    Hashed,
    /// A pattern without `*`/`?` equals the name (case-insensitively).
    Literal,
    /// Only wildcard patterns matched.
    Wildcard,
}

impl HostMatch {
    /// Whether OpenSSH considers the line to match.
    pub fn is_match(self) -> bool {
        self != HostMatch::No
    }
}

/// Match a lookup name against a host field as `match_maybe_hashed` does:
/// plain lists compare the lowercased name (`match_hostname`), hashed names
/// hash the name exactly as given.
pub fn match_host_field(name: &str, field: &HostField) -> HostMatch {
    match field {
        HostField::Hashed { raw, salt } => {
            if hash_with_salt(name, salt).as_bytes() == raw.as_slice() {
                HostMatch::Hashed
            } else {
                HostMatch::No
            }
        }
        HostField::Patterns(list) => {
            let lower = name.to_ascii_lowercase();
            if match_pattern_list(lower.as_bytes(), list, true) != 1 {
                return HostMatch::No;
            }
            let literal = split_items(list).unwrap_or_default().into_iter().any(|it| {
                let pat = item_pattern(list, it);
                !it.negated && !is_wildcard(&pat) && pat == lower.as_bytes()
            });
            if literal {
                HostMatch::Literal
            } else {
                HostMatch::Wildcard
            }
        }
    }
}

/// Whether a pattern contains a wildcard character.
pub(crate) fn is_wildcard(pattern: &[u8]) -> bool {
    pattern.iter().any(|&c| c == b'*' || c == b'?')
}

/// A hashed host field prepared for matching many names: the HMAC keyed with its salt (the
/// key schedule is computed once) and the digest it records. `None` from [`HashedField::new`]
/// means no name can match (the field is not the canonical `|1|salt|hash` ssh compares with).
#[derive(Clone)]
pub(crate) struct HashedField {
    mac: Hmac<Sha1>,
    digest: [u8; 20],
}

impl HashedField {
    /// Prepare `raw` (`|1|base64(salt)|base64(hash)`), without allocating: both parts must be
    /// the canonical 28-character encodings of 20 bytes, else `None` (then nothing matches it,
    /// or the field is malformed: the full host-field parser tells which).
    pub(crate) fn new(raw: &[u8]) -> Option<HashedField> {
        let body = raw.strip_prefix(b"|1|")?;
        let bar = body.iter().position(|&b| b == b'|')?;
        let salt = decode20(&body[..bar])?;
        let digest = decode20(&body[bar + 1..])?;
        let mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&salt).ok()?;
        Some(HashedField { mac, digest })
    }

    /// Whether HMAC-SHA1(salt, name) is the recorded hash.
    pub(crate) fn matches(&self, name: &str) -> bool {
        let mut mac = self.mac.clone();
        mac.update(name.as_bytes());
        mac.finalize().into_bytes().as_slice() == self.digest.as_slice()
    }
}

/// The 20 bytes whose canonical base64 is exactly `s` (28 characters with one `=`).
fn decode20(s: &[u8]) -> Option<[u8; 20]> {
    if s.len() != 28 {
        return None;
    }
    let mut out = [0u8; 20];
    if Base64::decode(s, &mut out).ok()?.len() != 20 {
        return None;
    }
    let mut again = [0u8; 28];
    (Base64::encode(&out, &mut again).ok()?.as_bytes() == s).then_some(out)
}

/// OpenSSH's `host_hash` against an existing hashed field: `Some("|1|salt|hash")`
/// computed with the field's salt, or `None` if the field's salt is unusable.
pub fn host_hash(name: &str, hashed_field: &str) -> Option<String> {
    let body = hashed_field.strip_prefix("|1|")?;
    let end = body.find('|')?;
    if end == 0 || end > 1024 {
        return None;
    }
    let salt = decode_b64(&body.as_bytes()[..end])?;
    (salt.len() == 20).then(|| hash_with_salt(name, &salt))
}

/// `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
pub(crate) fn hash_with_salt(name: &str, salt: &[u8]) -> String {
    let digest = hmac_sha1(salt, name.as_bytes());
    format!(
        "|1|{}|{}",
        Base64::encode_string(salt),
        Base64::encode_string(&digest)
    )
}

fn hmac_sha1(key: &[u8], msg: &[u8]) -> Vec<u8> {
    match <Hmac<Sha1> as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(msg);
            mac.finalize().into_bytes().to_vec()
        }
        // HMAC accepts keys of any length; this arm is unreachable in practice.
        Err(_) => Vec::new(),
    }
}

/// Base64 as `b64_pton` reads it: whitespace skipped, padding required.
pub(crate) fn decode_b64(s: &[u8]) -> Option<Vec<u8>> {
    let clean: Vec<u8> = s
        .iter()
        .copied()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
        .collect();
    let text = std::str::from_utf8(&clean).ok()?;
    Base64::decode_vec(text).ok()
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn glob_semantics() {
        assert!(match_pattern(b"foo.example.com", b"*.example.com"));
        assert!(match_pattern(b"a", b"?"));
        assert!(!match_pattern(b"", b"?"));
        assert!(match_pattern(b"", b"*"));
        assert!(match_pattern(b"abcbd", b"a*b?"));
        assert!(!match_pattern(b"abc", b"a*b"));
        assert!(match_pattern(b"[h]:22", b"[h]:2?"));
    }

    #[test]
    fn list_negation_and_limit() {
        assert_eq!(match_pattern_list(b"foo", b"bar,FOO", true), 1);
        assert_eq!(match_pattern_list(b"foo", b"*,!foo", true), -1);
        assert_eq!(match_pattern_list(b"foo", b"bar", true), 0);
        let long = vec![b'a'; 1023];
        assert_eq!(
            match_pattern_list(b"foo", &[&long[..], b",foo"].concat(), true),
            0
        );
    }

    #[test]
    fn prepared_hashed_field_matches_like_the_string_comparison() {
        let salt = [7u8; 20];
        let field = hash_with_salt("host.example", &salt);
        let h = HashedField::new(field.as_bytes()).unwrap();
        assert!(h.matches("host.example"));
        assert!(!h.matches("Host.example"));
        assert!(!h.matches("other"));
        // Not canonical (padding removed, a space inside): ssh's string comparison never
        // matches them.
        let trimmed = field.trim_end_matches('=');
        assert!(HashedField::new(trimmed.as_bytes()).is_none());
        let spaced = field.replacen('|', "| ", 3);
        assert!(HashedField::new(spaced.as_bytes()).is_none());
    }

    #[test]
    fn rfc2202_hmac_sha1_vector() {
        let mac = hmac_sha1(&[0x0b; 20], b"Hi There");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "b617318655057264e28bc0b6fb378c8ef146be00");
    }
}
