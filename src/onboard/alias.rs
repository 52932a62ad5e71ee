//! The name proposed for the `Host` block: never the bare host when that is an address or
//! would take over a plain `ssh HOST`, and never a name the config already gives another
//! destination.

use crate::config::HostEntry;

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
    if let Some(e) = existing
        .iter()
        .find(|e| e.hostname == hostname && e.user == user && e.port == port)
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
}
