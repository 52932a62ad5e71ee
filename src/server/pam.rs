//! sshd's PAM stacks (read-only): the `account` and `auth` lines of `/etc/pam.d/sshd`, with
//! `@include`, `include` and `substack` followed, naming the modules that can refuse a login.

use std::path::Path;

/// Modules known to refuse logins by policy (beyond a wrong password).
const REFUSERS: [&str; 14] = [
    "pam_access",
    "pam_nologin",
    "pam_time",
    "pam_listfile",
    "pam_succeed_if",
    "pam_faillock",
    "pam_tally2",
    "pam_tally",
    "pam_shells",
    "pam_securetty",
    "pam_sepermit",
    "pam_sss",
    "pam_ldap",
    "pam_wheel",
];

/// The `account`/`auth` lines of sshd's stack that use a module of [`REFUSERS`], as
/// `account required pam_nologin.so (common-account)`; each at most once.
pub(crate) fn refusers(pam_dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    walk(pam_dir, "sshd", 0, &mut found);
    found
}

fn walk(dir: &Path, service: &str, depth: usize, found: &mut Vec<String>) {
    if depth > 8 || service.contains('/') && !service.starts_with('/') {
        return;
    }
    let path = if service.starts_with('/') {
        Path::new(service).to_path_buf()
    } else {
        dir.join(service)
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    for line in text.lines().take(2000) {
        let line = line.split('#').next().unwrap_or("").trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["@include", file, ..] => walk(dir, file, depth + 1, found),
            [kind, "include" | "substack", file, ..]
                if matches!(kind.trim_start_matches('-'), "account" | "auth") =>
            {
                walk(dir, file, depth + 1, found)
            }
            [kind, rest @ ..] if matches!(kind.trim_start_matches('-'), "account" | "auth") => {
                let module_at = if rest.first().is_some_and(|c| c.starts_with('[')) {
                    rest.iter().position(|w| w.ends_with(']')).map(|i| i + 1)
                } else {
                    Some(1)
                };
                let Some(module) = module_at.and_then(|i| rest.get(i)) else {
                    continue;
                };
                let name = Path::new(module)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or(module);
                let name = name.trim_end_matches(".so");
                if REFUSERS.contains(&name) {
                    let entry = format!("{line} ({service})");
                    if !found.contains(&entry) {
                        found.push(entry);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_are_followed_and_only_refusing_modules_named() {
        let dir = std::env::temp_dir().join(format!("sshdoctor-pam-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("sshd"), "@include common-auth\naccount    required     pam_nologin.so\n# account required pam_time.so\naccount include common-account\nsession required pam_limits.so\n").unwrap();
        std::fs::write(dir.join("common-auth"), "auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\nauth required pam_faillock.so authfail\n").unwrap();
        std::fs::write(
            dir.join("common-account"),
            "account required /lib/security/pam_access.so\naccount required pam_unix.so\n",
        )
        .unwrap();
        let found = refusers(&dir);
        assert_eq!(
            found,
            [
                "auth required pam_faillock.so authfail (common-auth)",
                "account    required     pam_nologin.so (sshd)",
                "account required /lib/security/pam_access.so (common-account)",
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
