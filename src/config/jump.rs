//! ProxyJump: readconf.c's `parse_jump` (every hop checked, the last one stored) and the form
//! `ssh -G` prints it in (`extra,user@[10.0.0.1]:2`).

use super::lexer::Directive;
use super::reader::{Source, State};
use super::values::{a2port, hpdelim};
use super::Value;

/// One hop: user, host, port (as ssh's `parse_ssh_uri` or `parse_user_host_port` splits it).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Hop {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl State<'_> {
    /// ProxyJump: ignored once ProxyCommand or ProxyJump is set; a real jump host also
    /// sets ProxyCommand to `none` (hidden later), as readconf.c's `parse_jump` does.
    pub(crate) fn jump(&mut self, d: &Directive, src: &Source, active: bool) {
        let raw = d.rest.trim_start_matches([' ', '\t', '\r', '\n', '=']);
        let raw = raw.split('#').next().unwrap_or("").trim_end();
        let none = raw.eq_ignore_ascii_case("none");
        let hops: Option<Vec<Hop>> = if none {
            Some(Vec::new())
        } else {
            raw.split(',').map(parse_hop).collect()
        };
        let Some(hops) = hops.filter(|_| !raw.is_empty()) else {
            return self.bad(src, format!("Invalid ProxyJump \"{raw}\""));
        };
        let blocked = self.out.values.contains_key("proxycommand")
            || self.out.values.contains_key("proxyjump");
        if !active || blocked {
            return;
        }
        let origin = src.origin();
        let shown = match hops.last() {
            None => "none".to_string(),
            Some(last) => {
                self.out.values.insert(
                    "proxycommand".into(),
                    vec![Value {
                        value: "none".into(),
                        origin: origin.clone(),
                    }],
                );
                let extra = raw
                    .rsplit_once(',')
                    .map(|(e, _)| e)
                    .filter(|e| !e.is_empty());
                display(extra, last)
            }
        };
        self.out.values.insert(
            "proxyjump".into(),
            vec![Value {
                value: shown,
                origin,
            }],
        );
    }
}

/// The stored ProxyJump as `ssh -G` prints it: the hops before the last as written, then the
/// last as user@host:port, the host in brackets when numeric or with a `:`.
fn display(extra: Option<&str>, last: &Hop) -> String {
    let numeric =
        last.host.contains(':') || last.host.bytes().all(|c| c.is_ascii_digit() || c == b'.');
    let mut out = String::new();
    if let Some(e) = extra {
        out.push_str(e);
        out.push(',');
    }
    if let Some(u) = &last.user {
        out.push_str(u);
        out.push('@');
    }
    if numeric {
        out.push_str(&format!("[{}]", last.host));
    } else {
        out.push_str(&last.host);
    }
    if let Some(p) = last.port {
        out.push_str(&format!(":{p}"));
    }
    out
}

/// One hop: an `ssh://` URI (misc.c `parse_uri`) or `[user@]host[:port]`
/// (`parse_user_host_port`); None where ssh says "Invalid ProxyJump".
pub(crate) fn parse_hop(hop: &str) -> Option<Hop> {
    if let Some(uri) = hop.strip_prefix("ssh://") {
        return parse_uri(uri);
    }
    let (user, rest) = match hop.rsplit_once('@') {
        Some(("", _)) => return None,
        Some((u, r)) => (Some(u.to_string()), r),
        None => (None, hop),
    };
    let (host, port) = hpdelim(rest)?;
    let host = clean_host(host);
    if host.is_empty() {
        return None;
    }
    let port = match port.filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(a2port(p).filter(|p| *p > 0)?),
    };
    Some(Hop {
        user,
        host: host.to_string(),
        port,
    })
}

/// misc.c `parse_uri("ssh", ...)` after the scheme: `[user[;params]@]host[:port][/]`; the
/// user is URL-decoded, the host must pass `valid_domain`, a path is refused.
pub(crate) fn parse_uri(uri: &str) -> Option<Hop> {
    let (user, rest) = match uri.split_once('@') {
        Some((info, rest)) => {
            let name = info.split(';').next().unwrap_or("");
            if name.is_empty() {
                return None;
            }
            (Some(urldecode(name)?), rest)
        }
        None => (None, uri),
    };
    let end = if rest.starts_with('[') {
        rest.find(']')? + 1
    } else {
        rest.find([':', '/']).unwrap_or(rest.len())
    };
    let host = clean_host(&rest[..end]);
    if host.is_empty() || super::values::valid_domain(host).is_err() {
        return None;
    }
    let mut port = None;
    let mut tail = &rest[end..];
    if let Some(after) = tail.strip_prefix(':') {
        let (p, t) = after.split_at(after.find('/').unwrap_or(after.len()));
        port = Some(a2port(p).filter(|p| *p > 0)?);
        tail = t;
    } else if !tail.is_empty() && !tail.starts_with('/') {
        return None;
    }
    // Whatever follows the first '/' is a path, which ssh does not take.
    if tail.len() > 1 {
        return None;
    }
    Some(Hop {
        user,
        host: host.to_string(),
        port,
    })
}

/// misc.c `cleanhostname`: `[host]` without its brackets.
fn clean_host(h: &str) -> &str {
    match h.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        Some(inner) => inner,
        None => h,
    }
}

/// misc.c `urldecode`: `+` is a space, `%XX` a byte; a bad escape is an error.
fn urldecode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(raw: &str) -> Option<String> {
        let hops: Option<Vec<Hop>> = raw.split(',').map(parse_hop).collect();
        let hops = hops?;
        let extra = raw.rsplit_once(',').map(|(e, _)| e);
        Some(display(extra, hops.last()?))
    }

    #[test]
    fn hops_as_ssh_g_prints_them() {
        // Expected values from `ssh -G` (OpenSSH 9.2p1).
        assert_eq!(shown("a,u@10.0.0.1:2").unwrap(), "a,u@[10.0.0.1]:2");
        assert_eq!(shown("ssh://u@j:2/").unwrap(), "u@j:2");
        assert_eq!(
            shown("jump1,juser@jump2:2200").unwrap(),
            "jump1,juser@jump2:2200"
        );
        assert_eq!(shown("[::1]:22").unwrap(), "[::1]:22");
        assert!(shown("10.0.0.1,ssh://u@[::1]:22").is_none());
        for bad in [
            "u@",
            "@h",
            "h:notaport",
            "h:0",
            "[::1",
            "ssh://h/path",
            "ssh://h:0",
        ] {
            assert!(parse_hop(bad).is_none(), "{bad}");
        }
        assert_eq!(
            parse_uri("%75ser;fp=x@h:+22").unwrap(),
            Hop {
                user: Some("user".into()),
                host: "h".into(),
                port: Some(22)
            }
        );
    }
}
