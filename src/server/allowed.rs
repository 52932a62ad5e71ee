//! sshd's own gatekeepers for an account, judged from `sshd -T -C user=…,addr=…`:
//! DenyUsers, AllowUsers, DenyGroups, AllowGroups (in sshd's order, `allowed_user()` in
//! auth.c) and PermitRootLogin. Patterns are OpenSSH's (`*`, `?`, `user@host`, CIDR).

use super::account::Account;
use super::Seen;
use crate::event::{Finding, Severity, Stage};
use crate::findings::keyed;
use crate::known_hosts::match_pattern;
use crate::text;
use std::net::IpAddr;

/// How a `user[@host]` pattern fares: matches, does not, or depends on a client address
/// that was not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// It matches.
    Yes,
    /// It does not.
    No,
    /// The user part matches; the host part decides, and no `--from` was given.
    Depends,
}

/// OpenSSH's `match_user`: the user part by wildcard, the host part against the client's
/// address (a CIDR or a wildcard; sshd compares names only with UseDNS yes).
pub(crate) fn match_user(user: &str, from: Option<&str>, pattern: &str) -> Fit {
    let (user_pat, host_pat) = match pattern.split_once('@') {
        Some((u, h)) => (u, Some(h)),
        None => (pattern, None),
    };
    if !match_pattern(user.as_bytes(), user_pat.as_bytes()) {
        return Fit::No;
    }
    let Some(host_pat) = host_pat else {
        return Fit::Yes;
    };
    let Some(from) = from else {
        return Fit::Depends;
    };
    if host_pat.split(',').any(|p| host_fits(from, p)) {
        Fit::Yes
    } else {
        Fit::No
    }
}

fn host_fits(addr: &str, pattern: &str) -> bool {
    if let Some((net, bits)) = pattern.split_once('/') {
        return match (
            addr.parse::<IpAddr>(),
            net.parse::<IpAddr>(),
            bits.parse::<u32>(),
        ) {
            (Ok(IpAddr::V4(a)), Ok(IpAddr::V4(n)), Ok(b)) if b <= 32 => {
                let mask = if b == 0 { 0 } else { u32::MAX << (32 - b) };
                u32::from(a) & mask == u32::from(n) & mask
            }
            (Ok(IpAddr::V6(a)), Ok(IpAddr::V6(n)), Ok(b)) if b <= 128 => {
                let mask = if b == 0 { 0 } else { u128::MAX << (128 - b) };
                u128::from(a) & mask == u128::from(n) & mask
            }
            _ => false,
        };
    }
    match_pattern(
        addr.to_ascii_lowercase().as_bytes(),
        pattern.to_ascii_lowercase().as_bytes(),
    )
}

/// What a refusal that depends on the client's address ends with.
const SOME_ADDRESSES: &str = " (for some client addresses)";

/// Why sshd's lists refuse `user` (with these groups, from this address): the sentence sshd
/// logs, or `None` when they let it in. A verdict that depends on the address says so.
pub(crate) fn refusal(
    user: &str,
    groups: &[String],
    from: Option<&str>,
    seen: &Seen,
) -> Option<(String, bool)> {
    let deny_users = seen.all("denyusers");
    let allow_users = seen.all("allowusers");
    let fits = |list: &[&str]| {
        list.iter()
            .map(|p| match_user(user, from, p))
            .fold(Fit::No, |acc, f| match (acc, f) {
                (Fit::Yes, _) | (_, Fit::Yes) => Fit::Yes,
                (Fit::Depends, _) | (_, Fit::Depends) => Fit::Depends,
                _ => Fit::No,
            })
    };
    match fits(&deny_users) {
        Fit::Yes => return Some(("listed in DenyUsers".into(), false)),
        Fit::Depends => {
            return Some((
                "listed in DenyUsers (for some client addresses)".into(),
                true,
            ))
        }
        Fit::No => {}
    }
    if !allow_users.is_empty() {
        match fits(&allow_users) {
            Fit::No => return Some(("not listed in AllowUsers".into(), false)),
            Fit::Depends => {
                return Some((
                    "not listed in AllowUsers (for some client addresses)".into(),
                    true,
                ))
            }
            Fit::Yes => {}
        }
    }
    let group_fits = |list: &[&str]| {
        groups.iter().any(|g| {
            list.iter()
                .any(|p| match_pattern(g.as_bytes(), p.as_bytes()))
        })
    };
    let (deny_groups, allow_groups) = (seen.all("denygroups"), seen.all("allowgroups"));
    if !deny_groups.is_empty() && group_fits(&deny_groups) {
        return Some(("a group is listed in DenyGroups".into(), false));
    }
    if !allow_groups.is_empty() && !group_fits(&allow_groups) {
        return Some((
            "none of user's groups are listed in AllowGroups".into(),
            false,
        ));
    }
    None
}

/// The findings for the account: sshd's lists, PermitRootLogin.
pub(crate) fn judge(
    acc: &Account,
    groups: &[String],
    from: Option<&str>,
    seen: &mut Seen,
) -> Vec<Finding> {
    let mut found = Vec::new();
    if let Some((why, depends)) = refusal(&acc.name, groups, from, seen) {
        let lists: Vec<String> = ["allowusers", "denyusers", "allowgroups", "denygroups"]
            .iter()
            .filter(|k| !seen.all(k).is_empty())
            .map(|k| format!("sshd -T: {k} {}", seen.all(k).join(" ")))
            .collect();
        let detail = match why.strip_suffix(SOME_ADDRESSES).filter(|_| depends) {
            Some(base) => text!(
                "server.allowed.depends_detail",
                user = &acc.name,
                why = base
            ),
            None => text!(
                "server.allowed.refused_detail",
                user = &acc.name,
                why = &why
            ),
        };
        let mut f = keyed("server.user_not_allowed", Stage::Account, detail)
            .evidence_all(lists)
            .evidence(format!("{}'s groups: {}", acc.name, groups.join(" ")));
        if depends {
            f.severity = Severity::Warning;
        }
        f.actions
            .extend(super::repairs::allow_user(seen, &acc.name, &why));
        seen.refused_by = Some(why);
        found.push(f);
    }
    if acc.uid == 0 {
        found.extend(root_login(seen));
    }
    found
}

fn root_login(seen: &Seen) -> Option<Finding> {
    let value = seen.get("permitrootlogin").unwrap_or("prohibit-password");
    let (detail, severity) = match value {
        "no" => (text!("server.allowed.root_no"), Severity::Error),
        "prohibit-password" | "without-password" => (
            text!("server.allowed.root_prohibit_password"),
            Severity::Info,
        ),
        "forced-commands-only" => (
            text!("server.allowed.root_forced_commands"),
            Severity::Warning,
        ),
        _ => return None,
    };
    let mut f = keyed("server.root_login_refused", Stage::Account, detail)
        .evidence(format!("sshd -T: permitrootlogin {value}"))
        .fix_text(text!("server.allowed.root_fix"));
    f.severity = severity;
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(lines: &[(&str, &str)]) -> Seen {
        Seen {
            settings: lines
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Seen::default()
        }
    }

    #[test]
    fn sshd_order_deny_first_then_allow_then_groups() {
        let g = vec!["bob".to_string(), "users".to_string()];
        let s = seen(&[("allowusers", "alice"), ("allowusers", "carol@10.0.0.0/8")]);
        assert_eq!(
            refusal("bob", &g, None, &s),
            Some(("not listed in AllowUsers".into(), false))
        );
        assert_eq!(refusal("alice", &g, None, &s), None);
        assert_eq!(refusal("carol", &g, Some("10.1.2.3"), &s), None);
        assert_eq!(
            refusal("carol", &g, Some("192.0.2.1"), &s).unwrap().0,
            "not listed in AllowUsers"
        );
        assert!(
            refusal("carol", &g, None, &s).unwrap().1,
            "depends on the address"
        );
        let s = seen(&[("denyusers", "b*"), ("allowusers", "bob")]);
        assert_eq!(
            refusal("bob", &g, None, &s).unwrap().0,
            "listed in DenyUsers"
        );
        let s = seen(&[("allowgroups", "wheel"), ("allowgroups", "admin")]);
        assert_eq!(
            refusal("bob", &g, None, &s).unwrap().0,
            "none of user's groups are listed in AllowGroups"
        );
        let s = seen(&[("denygroups", "user?")]);
        assert_eq!(
            refusal("bob", &g, None, &s).unwrap().0,
            "a group is listed in DenyGroups"
        );
    }

    #[test]
    fn host_parts_by_cidr_and_wildcard() {
        assert_eq!(
            match_user("u", Some("2001:db8::5"), "u@2001:db8::/32"),
            Fit::Yes
        );
        assert_eq!(match_user("u", Some("192.0.2.9"), "u@192.0.2.*"), Fit::Yes);
        assert_eq!(
            match_user("u", Some("192.0.3.9"), "u@192.0.2.*,10.*"),
            Fit::No
        );
        assert_eq!(match_user("v", Some("192.0.2.9"), "u@*"), Fit::No);
    }
}
