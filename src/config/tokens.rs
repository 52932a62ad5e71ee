//! `%` tokens, `~` and `${VAR}` expansion, and time values, as OpenSSH's misc.c does them.

use std::path::Path;

/// OpenSSH's `percent_expand`: `%%` is `%`, `%X` is looked up in `keys`; an unknown token or
/// a trailing `%` is an error (ssh refuses to run).
pub(crate) fn percent_expand(s: &str, keys: &[(char, &str)]) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(k) => match keys.iter().find(|(key, _)| *key == k) {
                Some((_, v)) => out.push_str(v),
                None => return Err(format!("unknown token %{k} in \"{s}\"")),
            },
            None => return Err(format!("invalid format (trailing %) in \"{s}\"")),
        }
    }
    Ok(out)
}

/// OpenSSH's `tilde_expand_filename`: `~` and `~/x` use `home`; `~user/x` uses that user's
/// home directory from the passwd file. Other strings are unchanged.
pub(crate) fn tilde_expand(s: &str, home: &Path) -> Result<String, String> {
    let Some(after) = s.strip_prefix('~') else {
        return Ok(s.to_string());
    };
    let (user, path) = match after.find('/') {
        Some(i) => (&after[..i], &after[i + 1..]),
        None => (after, ""),
    };
    let dir = if user.is_empty() {
        home.to_string_lossy().into_owned()
    } else {
        match super::system::passwd_home(user) {
            Some(d) => d,
            None => return Err(format!("no such user \"{user}\" in \"{s}\"")),
        }
    };
    let dir = dir.trim_end_matches('/');
    if path.is_empty() && !after.contains('/') {
        return Ok(if dir.is_empty() {
            "/".to_string()
        } else {
            dir.to_string()
        });
    }
    Ok(format!("{dir}/{path}"))
}

/// OpenSSH's `dollar_expand`: `${NAME}` is replaced by the environment variable; a missing
/// variable or an unterminated `${` is an error. A bare `$` is left alone.
pub(crate) fn dollar_expand(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            return Err(format!("unterminated ${{ in \"{s}\""));
        };
        let name = &after[..end];
        let valid = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(format!(
                "invalid environment variable name \"{name}\" in \"{s}\""
            ));
        }
        match std::env::var(name) {
            Ok(v) => out.push_str(&v),
            Err(_) => return Err(format!("environment variable ${{{name}}} has no value")),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// OpenSSH's `convtime`: `90`, `1m30s`, `2h`, `1w`... to seconds; `None` if malformed.
pub(crate) fn convtime(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            if chars.peek().is_none() {
                total = total.checked_add(num.parse::<u64>().ok()?)?;
                num.clear();
            }
            continue;
        }
        if num.is_empty() {
            return None;
        }
        let mult: u64 = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 604_800,
            _ => return None,
        };
        total = total.checked_add(num.parse::<u64>().ok()?.checked_mul(mult)?)?;
        num.clear();
    }
    if total > i32::MAX as u64 {
        return None;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn percent() {
        let keys = [('h', "host"), ('p', "22")];
        assert_eq!(percent_expand("%h:%p %%h", &keys).unwrap(), "host:22 %h");
        assert_eq!(percent_expand("plain", &keys).unwrap(), "plain");
        assert!(percent_expand("%x", &keys).is_err());
        assert!(percent_expand("abc%", &keys).is_err());
        assert_eq!(percent_expand("é%hé", &keys).unwrap(), "éhosté");
    }

    #[test]
    fn tilde() {
        let home = PathBuf::from("/home/me");
        assert_eq!(
            tilde_expand("~/.ssh/id", &home).unwrap(),
            "/home/me/.ssh/id"
        );
        assert_eq!(tilde_expand("~", &home).unwrap(), "/home/me");
        assert_eq!(tilde_expand("/abs/~", &home).unwrap(), "/abs/~");
        assert_eq!(tilde_expand("rel", &home).unwrap(), "rel");
        assert_eq!(tilde_expand("~root/x", &home).unwrap(), "/root/x");
        assert!(tilde_expand("~no-such-user-sshdoctor/x", &home).is_err());
        assert_eq!(tilde_expand("~/", &PathBuf::from("/")).unwrap(), "/");
    }

    #[test]
    fn dollar() {
        std::env::set_var("SSHDOCTOR_TOKENS_TEST", "v");
        assert_eq!(dollar_expand("a${SSHDOCTOR_TOKENS_TEST}b").unwrap(), "avb");
        assert_eq!(dollar_expand("$HOME").unwrap(), "$HOME");
        assert!(dollar_expand("${SSHDOCTOR_SURELY_UNSET_VAR}").is_err());
        assert!(dollar_expand("${open").is_err());
        assert!(dollar_expand("${}").is_err());
    }

    #[test]
    fn times() {
        assert_eq!(convtime("90"), Some(90));
        assert_eq!(convtime("1m5"), Some(65));
        assert_eq!(convtime("1h30M"), Some(5400));
        assert_eq!(convtime("1w"), Some(604_800));
        assert_eq!(convtime("0"), Some(0));
        assert_eq!(convtime(""), None);
        assert_eq!(convtime("m"), None);
        assert_eq!(convtime("5x"), None);
        assert_eq!(convtime("-5"), None);
        assert_eq!(convtime("99999999999999999999999"), None);
    }
}
