//! `%` tokens, `~` and `${VAR}` expansion, as OpenSSH's misc.c does them.

use std::path::Path;

/// OpenSSH's `percent_expand`: `%%` is `%`, `%X` is looked up in `keys`; an unknown token or
/// a trailing `%` is an error (ssh refuses to run).
pub(crate) fn percent_expand(s: &str, keys: &[(char, &str)]) -> Result<String, String> {
    expand(s, Some(keys), false)
}

/// OpenSSH's `percent_dollar_expand`: `%` tokens and `${VAR}` in one pass (the value of a
/// variable is not expanded again); a variable without a value is an error.
pub(crate) fn percent_dollar_expand(s: &str, keys: &[(char, &str)]) -> Result<String, String> {
    expand(s, Some(keys), true)
}

/// OpenSSH's `dollar_expand`: only `${VAR}`.
pub(crate) fn dollar_expand(s: &str) -> Result<String, String> {
    expand(s, None, true)
}

/// misc.c `vdollar_percent_expand`, with ssh's complaints.
fn expand(s: &str, keys: Option<&[(char, &str)]>, dollar: bool) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut missing = None;
    while let Some(c) = rest.chars().next() {
        if dollar && rest.starts_with("${") {
            let after = &rest[2..];
            let Some(end) = after.find('}') else {
                return Err(format!(
                    "environment variable '{after}' missing closing '}}'"
                ));
            };
            let name = &after[..end];
            if name.is_empty() {
                return Err("zero-length environment variable".into());
            }
            match std::env::var(name) {
                Ok(v) => out.push_str(&v),
                Err(_) => missing = Some(format!("env var ${{{name}}} has no value")),
            }
            rest = &after[end + 1..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        let Some(keys) = keys.filter(|_| c == '%') else {
            out.push(c);
            continue;
        };
        let Some(k) = rest.chars().next() else {
            return Err("invalid format".to_string());
        };
        rest = &rest[k.len_utf8()..];
        if k == '%' {
            out.push('%');
            continue;
        }
        match keys.iter().find(|(key, _)| *key == k) {
            Some((_, v)) => out.push_str(v),
            None => return Err(format!("unknown key %{k}")),
        }
    }
    match missing {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// OpenSSH's `tilde_expand`: `~`, `~/x` and `~//x` use `home` (the passwd entry's directory),
/// `~user/x` that user's; the directory always gets one `/` after it (`~` is `/root/`).
/// Other strings are unchanged. Err: ssh's "No such user".
pub(crate) fn tilde_expand(s: &str, home: &Path) -> Result<String, String> {
    let Some(after) = s.strip_prefix('~') else {
        return Ok(s.to_string());
    };
    let (user, path) = match after.find('/') {
        Some(0) => ("", after.trim_start_matches('/')),
        Some(i) => (&after[..i], after[i + 1..].trim_start_matches('/')),
        None => (after, ""),
    };
    let dir = if user.is_empty() {
        home.to_string_lossy().into_owned()
    } else {
        super::system::passwd_home(user).ok_or_else(|| format!("No such user {user}"))?
    };
    let slash = if dir.ends_with('/') { "" } else { "/" };
    Ok(format!("{dir}{slash}{path}"))
}

/// misc.c `valid_env_name`: letters, digits and `_`, not empty.
pub(crate) fn valid_env_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
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
        assert_eq!(percent_expand("${X}", &keys).unwrap(), "${X}");
    }

    #[test]
    fn tilde() {
        let home = PathBuf::from("/home/me");
        assert_eq!(
            tilde_expand("~/.ssh/id", &home).unwrap(),
            "/home/me/.ssh/id"
        );
        assert_eq!(tilde_expand("~", &home).unwrap(), "/home/me/");
        assert_eq!(tilde_expand("~//x", &home).unwrap(), "/home/me/x");
        assert_eq!(tilde_expand("/abs/~", &home).unwrap(), "/abs/~");
        assert_eq!(tilde_expand("rel", &home).unwrap(), "rel");
        assert_eq!(tilde_expand("~root/x", &home).unwrap(), "/root/x");
        assert_eq!(tilde_expand("~root", &home).unwrap(), "/root/");
        assert!(tilde_expand("~no-such-user-sshdoctor/x", &home).is_err());
        assert_eq!(tilde_expand("~/", &PathBuf::from("/")).unwrap(), "/");
    }

    #[test]
    fn dollar() {
        std::env::set_var("SSHDOCTOR_TOKENS_TEST", "v%h");
        assert_eq!(
            dollar_expand("a${SSHDOCTOR_TOKENS_TEST}b").unwrap(),
            "av%hb"
        );
        let keys = [('h', "host")];
        assert_eq!(
            percent_dollar_expand("%h${SSHDOCTOR_TOKENS_TEST}", &keys).unwrap(),
            "hostv%h"
        );
        assert_eq!(dollar_expand("$HOME").unwrap(), "$HOME");
        assert!(dollar_expand("${SSHDOCTOR_SURELY_UNSET_VAR}").is_err());
        assert!(dollar_expand("${open").is_err());
        assert!(dollar_expand("${}").is_err());
        assert!(valid_env_name("SSH_AUTH_SOCK") && !valid_env_name("A-B") && !valid_env_name(""));
    }
}
