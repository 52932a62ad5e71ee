//! The name proposed for the `Host` block: never the bare host when that is an address or
//! would take over a plain `ssh HOST`, and never a name the config already gives another
//! destination (each alias resolved from the config alone, as `ssh -G ALIAS` would).

use crate::config::{ConfigInput, HostEntry};

/// The config's plain aliases, each resolved from the config files alone — as `ssh -G ALIAS`
/// would, without the command line's `-p`, `-l` or `-o` (which would make every alias look
/// like this destination).
pub fn config_entries(input: &ConfigInput) -> Vec<HostEntry> {
    crate::config::host_entries(&config_only(input, &input.host))
}

/// `input` for `ssh -G NAME`: the same files, home and user, no command-line options.
fn config_only(input: &ConfigInput, name: &str) -> ConfigInput {
    ConfigInput {
        host: name.to_string(),
        options: Vec::new(),
        ..input.clone()
    }
}

/// When `ssh NAME` already reaches another destination than `user@hostname:port` through
/// the config (a `Host` line names it, or a block gives it a HostName): a sentence saying
/// where it goes today and why the name is refused; `None` when the name is free or already
/// names this very destination.
pub fn taken_by_other(
    input: &ConfigInput,
    name: &str,
    user: &str,
    hostname: &str,
    port: u16,
) -> Option<String> {
    let r = crate::config::resolve(&config_only(input, name));
    let (h, u, p) = (r.hostname(), r.user(), r.port().0);
    if h.value == hostname && u.value == user && p == port {
        return None;
    }
    let named = config_entries(input).iter().any(|e| e.alias == name);
    if !named && h.value == name {
        return None;
    }
    let from = match &h.origin {
        crate::config::Origin::File { .. } => {
            format!(" (HostName from {})", h.origin.describe(&input.home))
        }
        _ => String::new(),
    };
    Some(format!(
        "`ssh {name}` already logs in as {} on {} port {p}{from}: a block for this server under that name would change what `ssh {name}` does",
        u.value, h.value
    ))
}

/// The alias to propose for `user@hostname:port`, reached as `typed`, given the config's
/// existing aliases: one that already names this very destination; else the name typed when
/// it is an alias; else a short name (`web` for `web.example.org`, `alice-192-0-2-1` for an
/// address, `box-alice` for a bare `box`), made unique with `-2`, `-3`, ...
pub fn propose(
    typed: &str,
    hostname: &str,
    user: &str,
    port: u16,
    existing: &[HostEntry],
) -> String {
    let same = |e: &&HostEntry| e.hostname == hostname && e.user == user && e.port == port;
    // The alias typed first (its own block is then completed), else the first that matches.
    if let Some(e) = existing
        .iter()
        .filter(same)
        .find(|e| e.alias == typed)
        .or_else(|| existing.iter().find(same))
    {
        return e.alias.clone();
    }
    let base = if !typed.eq_ignore_ascii_case(hostname) && !typed.is_empty() {
        typed.to_string()
    } else if hostname.parse::<std::net::IpAddr>().is_ok() {
        format!("{user}-{}", dashed(hostname))
    } else {
        match hostname.split_once('.') {
            Some((first, _)) if !first.is_empty() => first.to_string(),
            _ => format!("{hostname}-{user}"),
        }
    };
    let taken = |name: &str| {
        name.eq_ignore_ascii_case(hostname) || existing.iter().any(|e| e.alias == name)
    };
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|name| !taken(name))
        .unwrap_or(base)
}

/// Letters and digits kept, every other run of characters one `-`.
fn dashed(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(alias: &str, hostname: &str, user: &str) -> HostEntry {
        HostEntry {
            alias: alias.into(),
            hostname: hostname.into(),
            user: user.into(),
            port: 22,
        }
    }

    #[test]
    fn never_the_bare_host_when_it_is_an_address_or_a_plain_name() {
        assert_eq!(
            propose("web.example.org", "web.example.org", "alice", 22, &[]),
            "web"
        );
        assert_eq!(
            propose("192.0.2.1", "192.0.2.1", "alice", 22, &[]),
            "alice-192-0-2-1"
        );
        assert_eq!(
            propose("2001:db8::1", "2001:db8::1", "al", 22, &[]),
            "al-2001-db8-1"
        );
        assert_eq!(propose("box", "box", "alice", 22, &[]), "box-alice");
        // An alias typed is kept.
        assert_eq!(propose("web", "192.0.2.1", "alice", 22, &[]), "web");
    }

    #[test]
    fn an_alias_of_this_destination_is_reused_and_another_is_not_taken_over() {
        let existing = [
            entry("web", "10.0.0.9", "bob"),
            entry("mine", "192.0.2.1", "alice"),
        ];
        assert_eq!(
            propose("192.0.2.1", "192.0.2.1", "alice", 22, &existing),
            "mine"
        );
        assert_eq!(
            propose("web.example.org", "web.example.org", "alice", 22, &existing),
            "web-2"
        );
    }

    fn config_input(dir: &std::path::Path, host: &str, options: &[(&str, &str)]) -> ConfigInput {
        ConfigInput {
            host: host.into(),
            options: options
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            user_config: Some(dir.join("config")),
            system_config: dir.join("none"),
            home: dir.to_path_buf(),
            local_user: "root".into(),
            local_hostname: "vm".into(),
            passwd_home: None,
        }
    }

    /// The tester's case: `Host web` → root@127.0.0.1 port 24101, and onboarding
    /// `-p 24106 sshdoctor-test@127.0.0.1`: the command line's port and user must not make
    /// `web` look like this destination.
    #[test]
    fn another_destinations_alias_is_never_proposed_nor_accepted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config"),
            "Host web\n  HostName 127.0.0.1\n  Port 24101\n  User root\n",
        )
        .unwrap();
        let input = config_input(
            dir.path(),
            "127.0.0.1",
            &[("port", "24106"), ("user", "sshdoctor-test")],
        );
        let entries = config_entries(&input);
        assert_eq!(
            entries,
            [HostEntry {
                alias: "web".into(),
                hostname: "127.0.0.1".into(),
                user: "root".into(),
                port: 24101
            }]
        );
        let dest = ("sshdoctor-test", "127.0.0.1", 24106);
        assert_eq!(
            propose("127.0.0.1", dest.1, dest.0, dest.2, &entries),
            "sshdoctor-test-127-0-0-1"
        );
        let why = taken_by_other(&input, "web", dest.0, dest.1, dest.2).unwrap();
        assert!(
            why.starts_with("`ssh web` already logs in as root on 127.0.0.1 port 24101 (HostName from ~/config line 2)"),
            "{why}"
        );
        // The same destination's alias is fine; a name the config does not know is free.
        assert_eq!(
            taken_by_other(&input, "web", "root", "127.0.0.1", 24101),
            None
        );
        assert_eq!(
            taken_by_other(&input, "mybox", dest.0, dest.1, dest.2),
            None
        );
        // Given as the alias itself: reused (its own block is completed in place).
        let typed = config_input(dir.path(), "web", &[]);
        assert_eq!(
            propose("web", "127.0.0.1", "root", 24101, &config_entries(&typed)),
            "web"
        );
    }
}
