//! OpenSSH's handling of an algorithm-list config value: readconf.c validation plus `kex_assemble_names()`.
//!
//! Ported behaviour (OpenSSH 8.0+, checked against 9.2's `ssh -G`):
//! - a plain list replaces the default; each entry is matched against the supported names and
//!   expanded in the supported list's order, duplicates dropped, the list's own order kept;
//! - `+list` appends to the default (entries already present skipped), `^list` prepends, then
//!   the same expansion runs; `-list` removes every default entry matching any of its patterns
//!   and is never validated;
//! - before that, readconf.c rejects unknown names: KexAlgorithms, Ciphers and MACs must name
//!   real algorithms exactly (no wildcards outside `-` lists), HostKeyAlgorithms and
//!   PubkeyAcceptedAlgorithms accept wildcards that match at least one key type. Validation,
//!   like ssh's, stops at the first empty entry.

use super::AlgKind;
use std::borrow::Borrow;

/// OpenSSH's `match_pattern()`: `*` matches any run, `?` any single character, no escapes.
fn match_pattern(s: &[u8], pattern: &[u8]) -> bool {
    // Iterative glob with single-star backtracking (linear-ish, no recursion).
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < pattern.len() && (pattern[pi] == b'?' || pattern[pi] == s[si]) {
            si += 1;
            pi += 1;
        } else if pi < pattern.len() && pattern[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((star_pi, star_si)) = star {
            pi = star_pi + 1;
            si = star_si + 1;
            star = Some((star_pi, star_si + 1));
        } else {
            return false;
        }
    }
    pattern[pi..].iter().all(|&c| c == b'*')
}

/// OpenSSH's `match_pattern_list()`: 1 if a positive sub-pattern matches, -1 if a negated
/// (`!`) one does (checked left to right, first negative wins), else 0.
fn match_pattern_list(name: &str, patterns: &str) -> i8 {
    let mut positive = false;
    for sub in patterns.split(',') {
        let (negated, sub) = match sub.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, sub),
        };
        // OpenSSH gives up (no match) on sub-patterns of 1 KiB or more.
        if sub.len() >= 1023 {
            return 0;
        }
        if match_pattern(name.as_bytes(), sub.as_bytes()) {
            if negated {
                return -1;
            }
            positive = true;
        }
    }
    i8::from(positive)
}

/// Entries of a comma list up to (not including) the first empty one, as `strsep` loops in
/// OpenSSH that test `*p != '\0'` see them.
fn until_empty(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').take_while(|s| !s.is_empty())
}

/// OpenSSH's `kex_names_cat()`: `a` verbatim, then each entry of `b` not already in the result.
fn names_cat(a: &str, b: &str) -> String {
    if a.is_empty() {
        return b.to_string();
    }
    if b.is_empty() {
        return a.to_string();
    }
    let mut out = a.to_string();
    for name in until_empty(b) {
        if !out.split(',').any(|have| have == name) {
            out.push(',');
            out.push_str(name);
        }
    }
    out
}

/// OpenSSH's `match_filter_allowlist()`/`match_filter_denylist()` over a comma list.
fn filter_list(list: &str, patterns: &str, deny: bool) -> String {
    let kept: Vec<&str> = until_empty(list)
        .filter(|name| {
            let r = match_pattern_list(name, patterns);
            if deny {
                r != 1
            } else {
                r == 1
            }
        })
        .collect();
    kept.join(",")
}

/// How strictly a keyword validates names before assembling (readconf.c).
#[derive(Clone, Copy)]
enum Validation {
    /// `kex_names_valid`/`ciphers_valid`/`mac_valid`: exact names only.
    Exact,
    /// `sshkey_names_valid2(.., allow_wildcard=1, ..)`: names, or patterns matching some key type.
    Patterns,
}

/// Applies an ssh_config value (`KexAlgorithms`, `Ciphers`, ...) to `defaults`, exactly as
/// OpenSSH's `kex_assemble_names()` does with `supported` as the "all" list.
///
/// Plain lists replace the defaults (wildcard entries expand in `supported` order, names that are
/// not supported are dropped, duplicates removed); `+list` appends, `^list` prepends, `-list`
/// removes every match. A `-list` may leave nothing: `Ok(vec![])`, which ssh accepts and which
/// fails at negotiation. `Err` when ssh refuses the value: missing value, names that match no
/// supported algorithm, `!negation` outside a `-list`, or a plain/`+`/`^` list that ends empty.
///
/// This applies the HostKeyAlgorithms/PubkeyAcceptedAlgorithms validation rule (wildcards
/// allowed). Use [`apply_config_for`] for the keyword's exact rule: KexAlgorithms, Ciphers and
/// MACs reject wildcards outside a `-list`.
pub fn apply_config<S: Borrow<str>>(
    defaults: &[S],
    supported: &[S],
    value: &str,
) -> Result<Vec<String>, String> {
    assemble(None, Validation::Patterns, defaults, supported, value)
}

/// [`apply_config`] with the validation `ssh` applies to `kind`'s keyword (readconf.c), and
/// ssh's wording for errors (`Bad SSH2 KexAlgorithms 'x'`, `Bad SSH2 cipher spec 'x'`,
/// `Bad SSH2 MAC spec 'x'`, `Bad key types 'x'`).
pub fn apply_config_for<S: Borrow<str>>(
    kind: AlgKind,
    defaults: &[S],
    supported: &[S],
    value: &str,
) -> Result<Vec<String>, String> {
    let validation = match kind {
        AlgKind::Kex | AlgKind::Cipher | AlgKind::Mac => Validation::Exact,
        AlgKind::HostKey | AlgKind::PubkeyAccepted => Validation::Patterns,
    };
    assemble(Some(kind), validation, defaults, supported, value)
}

fn is_pattern(name: &str) -> bool {
    name.contains(['*', '?'])
}

fn assemble<S: Borrow<str>>(
    kind: Option<AlgKind>,
    validation: Validation,
    defaults: &[S],
    supported: &[S],
    value: &str,
) -> Result<Vec<String>, String> {
    let value = value.trim();
    let keyword = kind.map_or("algorithm list", AlgKind::keyword);
    if value.is_empty() {
        return Err(format!("no argument after keyword \"{keyword}\""));
    }
    let def = defaults.join(",");
    let all = supported.join(",");

    let (prefix, body) = match value.as_bytes()[0] {
        c @ (b'+' | b'-' | b'^') => (Some(c), &value[1..]),
        _ => (None, value),
    };

    if prefix == Some(b'-') {
        // Removal: no validation, patterns (and negations) applied to the defaults.
        return Ok(split(&filter_list(&def, body, true)));
    }

    validate(kind, validation, supported, value, body)?;

    let list = match prefix {
        Some(b'+') => names_cat(&def, body),
        Some(b'^') => names_cat(body, &def),
        _ => body.to_string(),
    };

    let mut assembled = String::new();
    for entry in list.split(',') {
        if entry.starts_with('!') {
            return Err(format!(
                "{keyword} '{value}': negated entry '{entry}' is only allowed in a '-' list \
                 (ssh fails with \"invalid argument\")"
            ));
        }
        let matching = filter_list(&all, entry, false);
        assembled = names_cat(&assembled, &matching);
    }
    if assembled.is_empty() {
        return Err(format!(
            "{keyword} '{value}': no supported algorithm matches (ssh fails with \"invalid argument\")"
        ));
    }
    Ok(split(&assembled))
}

/// readconf.c's per-keyword check of a plain/`+`/`^` list (`body` is the list after the prefix).
fn validate<S: Borrow<str>>(
    kind: Option<AlgKind>,
    validation: Validation,
    supported: &[S],
    value: &str,
    body: &str,
) -> Result<(), String> {
    let complaint = match kind {
        Some(AlgKind::Kex) => format!("Bad SSH2 KexAlgorithms '{value}'"),
        Some(AlgKind::Cipher) => format!("Bad SSH2 cipher spec '{value}'"),
        Some(AlgKind::Mac) => format!("Bad SSH2 MAC spec '{value}'"),
        Some(AlgKind::HostKey | AlgKind::PubkeyAccepted) | None => {
            format!("Bad key types '{value}'")
        }
    };
    if body.is_empty() {
        return Err(format!("{complaint}: empty list"));
    }
    for name in until_empty(body) {
        let known = supported.iter().any(|s| s.borrow() == name);
        if known {
            continue;
        }
        match validation {
            Validation::Exact => {
                let why = if is_pattern(name) || name.starts_with('!') {
                    format!("\"{name}\" is a pattern; patterns are only allowed in a '-' list")
                } else {
                    format!("unsupported algorithm \"{name}\"")
                };
                return Err(format!("{complaint}: {why}"));
            }
            Validation::Patterns => {
                if !supported
                    .iter()
                    .any(|s| match_pattern_list(s.borrow(), name) != 0)
                {
                    return Err(format!(
                        "{complaint}: \"{name}\" is not a key type and matches none"
                    ));
                }
            }
        }
    }
    Ok(())
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &str) -> Vec<String> {
        split(list)
    }

    #[test]
    fn glob_matching() {
        let m = |s: &str, p: &str| match_pattern(s.as_bytes(), p.as_bytes());
        assert!(m("ssh-ed25519", "ssh-ed25519"));
        assert!(m("ssh-ed25519", "ssh-*"));
        assert!(m("ssh-ed25519", "*25519"));
        assert!(m("ssh-ed25519", "*"));
        assert!(m("ssh-ed25519", "ssh-ed2551?"));
        assert!(m("a-b-c", "*-*-*"));
        assert!(m("", "*"));
        assert!(m("", ""));
        assert!(!m("a", ""));
        assert!(!m("ssh-ed25519", "ssh-ed25519?"));
        assert!(!m("ssh-rsa", "ssh-ed*"));
        assert!(m("diffie-hellman-group14-sha1", "*sha1"));
        assert!(!m("diffie-hellman-group14-sha1x", "*sha1"));
        assert_eq!(match_pattern_list("ssh-rsa", "ssh-*,!ssh-rsa"), -1);
        assert_eq!(match_pattern_list("ssh-dss", "ssh-*,!ssh-rsa"), 1);
        assert_eq!(match_pattern_list("ecdsa", "ssh-*,!ssh-rsa"), 0);
        assert_eq!(match_pattern_list("x", ""), 0);
    }

    #[test]
    fn names_cat_matches_openssh() {
        assert_eq!(names_cat("a,b", "b,c"), "a,b,c");
        assert_eq!(names_cat("", "b,b"), "b,b");
        assert_eq!(names_cat("a", ""), "a");
        assert_eq!(names_cat("a", "b,,c"), "a,b");
    }

    // Expected values below are `ssh -F /dev/null -G -o Keyword=value x` from Debian's
    // OpenSSH 9.2p1 (the same cases run live in algorithms::tests when ssh is installed).
    const KEX: &str = "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,\
curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,\
ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,\
diffie-hellman-group18-sha512,diffie-hellman-group14-sha256";
    const ALL_KEX: &str = "diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,\
diffie-hellman-group14-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,\
diffie-hellman-group-exchange-sha1,diffie-hellman-group-exchange-sha256,ecdh-sha2-nistp256,\
ecdh-sha2-nistp384,ecdh-sha2-nistp521,curve25519-sha256,curve25519-sha256@libssh.org,\
sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com";
    const CIPHERS: &str = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,\
aes128-gcm@openssh.com,aes256-gcm@openssh.com";
    const ALL_CIPHERS: &str = "3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc,aes128-ctr,aes192-ctr,\
aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com";
    const KEYS: &str = "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,\
ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,\
sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,\
rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,\
ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,\
sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256";
    const ALL_KEYS: &str =
        "ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,sk-ssh-ed25519@openssh.com,\
sk-ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp256-cert-v01@openssh.com,\
ecdsa-sha2-nistp384,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521,\
ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,\
sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,\
ssh-dss,ssh-dss-cert-v01@openssh.com,ssh-rsa,ssh-rsa-cert-v01@openssh.com,rsa-sha2-256,\
rsa-sha2-256-cert-v01@openssh.com,rsa-sha2-512,rsa-sha2-512-cert-v01@openssh.com";

    fn kex(value: &str) -> Result<Vec<String>, String> {
        apply_config_for(AlgKind::Kex, &strings(KEX), &strings(ALL_KEX), value)
    }
    fn cipher(value: &str) -> Result<Vec<String>, String> {
        apply_config_for(
            AlgKind::Cipher,
            &strings(CIPHERS),
            &strings(ALL_CIPHERS),
            value,
        )
    }
    fn keys(value: &str) -> Result<Vec<String>, String> {
        apply_config_for(AlgKind::HostKey, &strings(KEYS), &strings(ALL_KEYS), value)
    }

    #[test]
    fn plain_list_replaces() {
        assert_eq!(
            kex("curve25519-sha256,diffie-hellman-group1-sha1").unwrap(),
            strings("curve25519-sha256,diffie-hellman-group1-sha1")
        );
        assert_eq!(
            cipher("aes128-ctr,aes128-ctr").unwrap(),
            strings("aes128-ctr")
        );
        assert_eq!(cipher("aes128-ctr,").unwrap(), strings("aes128-ctr"));
        // Validation stops at the first empty entry, and the unknown name after it is dropped.
        assert_eq!(
            kex("curve25519-sha256,,bogus").unwrap(),
            strings("curve25519-sha256")
        );
    }

    #[test]
    fn plus_appends_skipping_present() {
        assert_eq!(
            kex("+diffie-hellman-group1-sha1,curve25519-sha256").unwrap(),
            strings(&format!("{KEX},diffie-hellman-group1-sha1"))
        );
        assert_eq!(
            cipher("+3des-cbc").unwrap(),
            strings(&format!("{CIPHERS},3des-cbc"))
        );
        assert_eq!(
            keys("+ssh-rsa").unwrap(),
            strings(&format!("{KEYS},ssh-rsa"))
        );
        assert_eq!(
            apply_config_for(
                AlgKind::PubkeyAccepted,
                &strings(KEYS),
                &strings(ALL_KEYS),
                "+ssh-dss*"
            )
            .unwrap(),
            strings(&format!("{KEYS},ssh-dss,ssh-dss-cert-v01@openssh.com"))
        );
    }

    #[test]
    fn minus_removes_patterns() {
        assert_eq!(
            kex("-*sha1,ecdh*").unwrap(),
            strings(
                "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,\
curve25519-sha256@libssh.org,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,\
diffie-hellman-group18-sha512,diffie-hellman-group14-sha256"
            )
        );
        assert_eq!(
            cipher("-aes*").unwrap(),
            strings("chacha20-poly1305@openssh.com")
        );
        assert_eq!(kex("-bogus").unwrap(), strings(KEX));
        assert_eq!(kex("-").unwrap(), strings(KEX));
        assert_eq!(kex("-*").unwrap(), Vec::<String>::new());
        // A negated pattern in a removal list protects the names it matches.
        let kept = keys("-ssh-ed*,!rsa-sha2-512*").unwrap();
        assert!(!kept.iter().any(|k| k.starts_with("ssh-ed")));
        assert!(kept.contains(&"rsa-sha2-512".to_string()));
    }

    #[test]
    fn caret_prepends() {
        assert_eq!(
            kex("^diffie-hellman-group14-sha1,curve25519-sha256").unwrap(),
            strings(
                "diffie-hellman-group14-sha1,curve25519-sha256,sntrup761x25519-sha512,\
sntrup761x25519-sha512@openssh.com,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,\
ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,\
diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256"
            )
        );
        let got = apply_config_for(
            AlgKind::PubkeyAccepted,
            &strings(KEYS),
            &strings(ALL_KEYS),
            "^ssh-rsa,ssh-ed25519",
        )
        .unwrap();
        assert_eq!(
            &got[..3],
            &strings("ssh-rsa,ssh-ed25519,ssh-ed25519-cert-v01@openssh.com")
        );
        assert_eq!(got.len(), 17);
    }

    #[test]
    fn wildcards_expand_in_supported_order() {
        assert_eq!(
            keys("ssh-ed25519*,rsa-*").unwrap(),
            strings(
                "ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,rsa-sha2-256,\
rsa-sha2-256-cert-v01@openssh.com,rsa-sha2-512,rsa-sha2-512-cert-v01@openssh.com"
            )
        );
        assert_eq!(
            keys("webauthn*").unwrap(),
            strings("webauthn-sk-ecdsa-sha2-nistp256@openssh.com")
        );
        // The generic entry point uses the key-type rule, so wildcards are accepted anywhere.
        assert_eq!(
            apply_config(&strings(KEX), &strings(ALL_KEX), "curve*").unwrap(),
            strings("curve25519-sha256,curve25519-sha256@libssh.org")
        );
    }

    #[test]
    fn refusals() {
        for bad in [
            "bogus",
            "+bogus",
            "+",
            "curve*",
            "^curve*",
            "ext-info-c",
            "!curve25519-sha256",
        ] {
            let err = kex(bad).unwrap_err();
            assert!(err.starts_with("Bad SSH2 KexAlgorithms"), "{bad}: {err}");
        }
        for bad in ["aes*", "none", "AES128-CTR"] {
            let err = cipher(bad).unwrap_err();
            assert!(err.starts_with("Bad SSH2 cipher spec"), "{bad}: {err}");
        }
        let err =
            apply_config_for(AlgKind::Mac, &[], &strings("hmac-sha1"), "+hmac-*").unwrap_err();
        assert!(err.starts_with("Bad SSH2 MAC spec"), "{err}");
        for bad in ["bogus", "bogus*", "+"] {
            let err = keys(bad).unwrap_err();
            assert!(err.starts_with("Bad key types"), "{bad}: {err}");
        }
        // Accepted by readconf.c but refused when the list is assembled.
        assert!(keys("!ssh-rsa").unwrap_err().contains("invalid argument"));
        assert!(keys("ssh-*,!ssh-rsa")
            .unwrap_err()
            .contains("invalid argument"));
        assert!(kex("").unwrap_err().contains("no argument"));
        assert!(kex("   ").is_err());
    }
}
