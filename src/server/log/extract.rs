//! Reading the user, the client's address and port out of sshd's message formats, as the
//! format strings of every OpenSSH version put them (a user name may contain spaces, even
//! `from`: the address is the last `from A port P`, as sshd printed it last).

/// User, address and port found in a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Who {
    /// The account name as logged (`(empty)` names are an empty string).
    pub user: Option<String>,
    /// The client's address (or host name, as sshd logged it).
    pub addr: Option<String>,
    /// The client's port.
    pub port: Option<u16>,
}

impl Who {
    /// A client's address and port, with no user named.
    pub fn at((addr, port): (Option<String>, Option<u16>)) -> Who {
        Who {
            user: None,
            addr,
            port,
        }
    }
}

/// An address token as written: without a trailing `:` or `,` (but `::` stays).
pub fn address(token: &str) -> Option<String> {
    let mut t = token.trim_end_matches([',', ';']);
    // `1.2.3.4:11:` (an old `Received disconnect` without a space before the reason code).
    if let Some(i) = t.find(':') {
        let v4 = &t[..i];
        if v4.split('.').count() == 4
            && v4
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            t = v4;
        }
    }
    if t.ends_with(':') && !t.ends_with("::") {
        t = &t[..t.len() - 1];
    }
    let t = t.trim_matches(|c| c == '`' || c == '\'' || c == '"');
    (!t.is_empty()).then(|| t.to_string())
}

/// The digits at the start of `s`, as a port.
pub fn port(s: &str) -> Option<u16> {
    let digits: &str = &s[..s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len())];
    digits.parse().ok()
}

/// `A port P...` or `A ...`: the address, and the port when `port N` follows it.
pub fn addr_port(s: &str) -> (Option<String>, Option<u16>) {
    let mut words = s.split_whitespace();
    let addr = words.next().and_then(address);
    let port = match (words.next(), words.next()) {
        (Some("port"), Some(p)) => port(p),
        _ => None,
    };
    (addr, port)
}

/// Drop `[preauth]`, a trailing ` ssh2`/` ssh1`, and whatever follows `ssh2: ` (the key or
/// the extra information sshd appends).
fn cut_info(s: &str) -> &str {
    let mut s = s.trim_end();
    for marker in [" ssh2: ", " ssh1: ", " ssh2:", " ssh1:"] {
        if let Some(i) = s.find(marker) {
            s = &s[..i];
        }
    }
    let s = s.trim_end_matches("[preauth]").trim_end();
    s.strip_suffix(" ssh2")
        .or_else(|| s.strip_suffix(" ssh1"))
        .unwrap_or(s)
}

/// The name after `invalid user ` / `illegal user ` (which mean the same), or as it is.
pub fn strip_invalid(user: &str) -> &str {
    ["invalid user ", "illegal user "]
        .iter()
        .find_map(|p| user.strip_prefix(p))
        .unwrap_or(user)
}

/// `U from A port P ssh2[: info]` (what follows `for ` in `Failed password for ...`,
/// `maximum authentication attempts exceeded for ...`, `PAM: ... for U from A`).
pub fn user_from(rest: &str) -> Who {
    let rest = cut_info(rest);
    match rest.rfind(" from ") {
        Some(i) => {
            let (addr, port) = addr_port(&rest[i + 6..]);
            Who {
                user: Some(strip_invalid(&rest[..i]).to_string()),
                addr,
                port,
            }
        }
        None => Who {
            user: Some(strip_invalid(rest.trim()).to_string()),
            ..Who::default()
        },
    }
}

/// `[authenticating |invalid ]user U A port P` or `A port P` or `A` (what follows
/// `Connection closed by `, `Disconnected from `, `Disconnecting `): the user name may hold
/// spaces, the address is the word before the last ` port `.
pub fn user_addr(rest: &str) -> Who {
    let rest = rest.trim_end().trim_end_matches("[preauth]").trim_end();
    let named = ["authenticating user ", "invalid user ", "user "]
        .iter()
        .find_map(|p| rest.strip_prefix(p));
    let Some(named) = named else {
        return Who::at(addr_port(rest));
    };
    let (before, port) = match named.rfind(" port ") {
        Some(i) => (&named[..i], port(&named[i + 6..])),
        None => (named, None),
    };
    let (user, addr) = match before.rfind(' ') {
        Some(i) => (&before[..i], &before[i + 1..]),
        None => ("", before),
    };
    Who {
        user: Some(user.to_string()),
        addr: address(addr),
        port,
    }
}

/// The address after the first `from ` in `s` (`... from A port P`, `from [A]:P`).
pub fn after_from(s: &str) -> (Option<String>, Option<u16>) {
    let Some(i) = s.find("from ") else {
        return (None, None);
    };
    let rest = &s[i + 5..];
    if let Some(inner) = rest.strip_prefix('[') {
        if let Some(end) = inner.find(']') {
            let port = inner[end + 1..].strip_prefix(':').and_then(port);
            return (address(&inner[..end]), port);
        }
    }
    addr_port(rest)
}

/// The value of `key=` in PAM's `key=value key=value` lists (`user=`, `rhost=`), not part
/// of a longer key (`ruser=` is not `user=`).
pub fn pam_field(s: &str, key: &str) -> Option<String> {
    let pattern = format!("{key}=");
    let mut from = 0;
    while let Some(i) = s[from..].find(&pattern) {
        let at = from + i;
        if at == 0 || s.as_bytes()[at - 1] == b' ' || s.as_bytes()[at - 1] == b';' {
            let value = s[at + pattern.len()..].split_whitespace().next()?;
            return (value != "[preauth]").then(|| value.to_string());
        }
        from = at + pattern.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_name_holding_from_is_read_as_sshd_wrote_it() {
        let w = user_from("invalid user from 10.10.1.1 from 127.0.0.1 port 58946 ssh2");
        assert_eq!(w.user.as_deref(), Some("from 10.10.1.1"));
        assert_eq!(w.addr.as_deref(), Some("127.0.0.1"));
        assert_eq!(w.port, Some(58946));
        let w =
            user_from("invalid user test from 127.0.0.1 port 1 ssh2: from 10.10.1.2 port 5 ssh2");
        assert_eq!(
            (w.user.as_deref(), w.addr.as_deref()),
            (Some("test"), Some("127.0.0.1"))
        );
    }

    #[test]
    fn closing_lines_with_odd_names() {
        let w = user_addr(
            "authenticating user test 127.0.0.1 port 12345 192.0.2.11 port 46039 [preauth]",
        );
        assert_eq!(w.user.as_deref(), Some("test 127.0.0.1 port 12345"));
        assert_eq!(w.addr.as_deref(), Some("192.0.2.11"));
        let w = user_addr("invalid user  192.0.2.68 port 34916 [preauth]");
        assert_eq!(w.user.as_deref(), Some(""));
        let w = user_addr("2001:db8::1 port 22 [preauth]");
        assert_eq!((w.user, w.addr.as_deref()), (None, Some("2001:db8::1")));
    }

    #[test]
    fn addresses_in_their_forms() {
        assert_eq!(
            after_from("drop connection #1 from [192.0.2.5]:52352 on [127.0.0.1]:22"),
            (Some("192.0.2.5".into()), Some(52352))
        );
        assert_eq!(
            after_from("Received disconnect from 2001:db8::7ac0: 14: No"),
            (Some("2001:db8::7ac0".into()), None)
        );
        assert_eq!(
            after_from("Received disconnect from 10.0.0.1 port 7736:3: x"),
            (Some("10.0.0.1".into()), Some(7736))
        );
        assert_eq!(
            pam_field("ruser=rda rhost=192.0.2.113 [preauth]", "user"),
            None
        );
        assert_eq!(
            pam_field("ruser= rhost=192.0.2.112  user=root", "user").as_deref(),
            Some("root")
        );
    }
}
