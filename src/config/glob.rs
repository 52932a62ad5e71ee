//! `Include` patterns as glibc's glob(3) expands them for ssh (`GLOB_TILDE`): `*`, `?` and
//! `[...]` within one path component (so `**` is just `*`, never recursive), a leading `.`
//! only matched literally, `\` escaping, `~` from `$HOME`, results sorted bytewise.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Expand `pattern`; `home` is what `~` means (glibc takes `$HOME`). Directories that cannot
/// be read are skipped, as glob(3) does without `GLOB_ERR`.
pub(crate) fn glob(pattern: &str, home: &Path) -> Vec<PathBuf> {
    let pattern = expand_tilde(pattern, home);
    let absolute = pattern.starts_with('/');
    let components: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    let mut found: Vec<Vec<u8>> = vec![if absolute { b"/".to_vec() } else { Vec::new() }];
    for (i, component) in components.iter().enumerate() {
        let last = i + 1 == components.len();
        let mut next = Vec::new();
        for prefix in &found {
            if has_magic(component) {
                next.extend(matching_entries(prefix, component));
            } else {
                next.push(join(prefix, &unescape(component)));
            }
        }
        if !last {
            next.retain(|p| is_dir(p));
        }
        found = next;
        if found.is_empty() {
            return Vec::new();
        }
    }
    found.retain(|p| std::fs::symlink_metadata(Path::new(std::ffi::OsStr::from_bytes(p))).is_ok());
    found.sort();
    found
        .into_iter()
        .map(|p| PathBuf::from(std::ffi::OsStr::from_bytes(&p)))
        .collect()
}

/// glibc's `GLOB_TILDE`: `~` and `~/...` are `home`; `~user/...` that user's home directory;
/// an unknown user leaves the pattern as it is.
fn expand_tilde(pattern: &str, home: &Path) -> String {
    let Some(after) = pattern.strip_prefix('~') else {
        return pattern.to_string();
    };
    let (user, rest) = after.split_at(after.find('/').unwrap_or(after.len()));
    let dir = if user.is_empty() {
        Some(home.to_string_lossy().into_owned())
    } else {
        super::system::passwd_home(user)
    };
    match dir {
        Some(d) => format!("{d}{rest}"),
        None => pattern.to_string(),
    }
}

fn has_magic(component: &str) -> bool {
    let mut escaped = false;
    for c in component.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if matches!(c, '*' | '?' | '[') {
            return true;
        }
    }
    false
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn join(prefix: &[u8], name: &str) -> Vec<u8> {
    let mut p = prefix.to_vec();
    if !p.is_empty() && !p.ends_with(b"/") {
        p.push(b'/');
    }
    p.extend_from_slice(name.as_bytes());
    p
}

fn is_dir(p: &[u8]) -> bool {
    Path::new(std::ffi::OsStr::from_bytes(p)).is_dir()
}

fn matching_entries(prefix: &[u8], component: &str) -> Vec<Vec<u8>> {
    let dir = if prefix.is_empty() {
        Path::new(".")
    } else {
        Path::new(std::ffi::OsStr::from_bytes(prefix))
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let pattern: Vec<char> = component.chars().collect();
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            let chars: Vec<char> = name.chars().collect();
            fnmatch(&pattern, &chars).then(|| join(prefix, &name))
        })
        .collect()
}

/// fnmatch(3) with `FNM_PERIOD` for one component: `*`, `?`, `[...]` (`!`/`^` negates, ranges),
/// `\` escapes; a leading `.` is matched only by a literal `.`.
pub(crate) fn fnmatch(p: &[char], s: &[char]) -> bool {
    if s.first() == Some(&'.') && p.first() != Some(&'.') {
        return false;
    }
    let (mut pi, mut si) = (0usize, 0usize);
    let mut back: Option<(usize, usize)> = None;
    while si < s.len() {
        let step = match p.get(pi) {
            Some('*') => {
                back = Some((pi + 1, si));
                pi += 1;
                continue;
            }
            Some('?') => Some(1),
            Some('[') => class(&p[pi..], s[si]),
            Some('\\') if pi + 1 < p.len() => (p[pi + 1] == s[si]).then_some(2),
            Some(c) => (*c == s[si]).then_some(1),
            None => None,
        };
        match step {
            Some(n) => {
                pi += n;
                si += 1;
            }
            None => match back {
                Some((bp, bs)) => {
                    pi = bp;
                    si = bs + 1;
                    back = Some((bp, bs + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// A bracket expression at the start of `p` against `c`: Some(pattern length) on a match.
/// An unterminated `[` is a literal `[`.
fn class(p: &[char], c: char) -> Option<usize> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let Some(&lo) = p.get(i) else {
            return (c == '[').then_some(1);
        };
        if lo == ']' && !first {
            break;
        }
        first = false;
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|h| *h != ']') {
            matched |= lo <= c && c <= p[i + 2];
            i += 3;
        } else {
            matched |= lo == c;
            i += 1;
        }
    }
    (matched != negate).then_some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        let p: Vec<char> = p.chars().collect();
        let s: Vec<char> = s.chars().collect();
        fnmatch(&p, &s)
    }

    #[test]
    fn component_matching() {
        assert!(m("*.conf", "a.conf"));
        assert!(!m("*.conf", ".hidden.conf"));
        assert!(m(".*", ".hidden"));
        assert!(m("**.conf", "a.conf"));
        assert!(m("a?c", "abc"));
        assert!(m("[ab]x", "bx"));
        assert!(m("[!ab]x", "cx"));
        assert!(!m("[!ab]x", "ax"));
        assert!(m("[a-c]", "b"));
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "x"));
        assert!(m("[", "["));
    }

    #[test]
    fn double_star_is_one_level_and_results_sort_bytewise() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "x.conf",
            "b/y.conf",
            "c/z.conf",
            "b/deep/w.conf",
            "b-x/v.conf",
        ] {
            let p = d.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "").unwrap();
        }
        let got: Vec<String> = glob(&format!("{}/**/*.conf", d.display()), d)
            .iter()
            .map(|p| p.strip_prefix(d).unwrap().display().to_string())
            .collect();
        // strcmp order of whole paths: "b-x/..." before "b/..." ('-' < '/'), where a
        // directory-by-directory walk would give b/ first.
        assert_eq!(got, ["b-x/v.conf", "b/y.conf", "c/z.conf"]);
        assert!(glob(&format!("{}/*.none", d.display()), d).is_empty());
        assert_eq!(glob("~/x.conf", d), vec![d.join("x.conf")]);
        assert!(glob(&format!("{}/nope/x", d.display()), d).is_empty());
    }
}
