//! Parsing DESTINATION as ssh accepts it: `[user@]host[:port]`, `ssh://[user@]host[:port]`, or an alias.

use thiserror::Error;

/// A destination as typed, split into its parts. `host` may be a Host alias from ssh_config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The user before `@`, if given.
    pub user: Option<String>,
    /// The host (or alias), without brackets for IPv6 literals.
    pub host: String,
    /// The port after `:`, if given.
    pub port: Option<u16>,
}

/// Why a destination could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DestinationError {
    /// Nothing was given.
    #[error("the destination is empty")]
    Empty,
    /// `user@` with nothing after it.
    #[error("destination {0:?} has no host after '@'")]
    MissingHost(String),
    /// `@host`.
    #[error("destination {0:?} has an empty user name before '@'")]
    EmptyUser(String),
    /// `host:` or `host:abc` or `host:99999`.
    #[error("destination {0:?} has an invalid port {1:?} (expected 1-65535)")]
    BadPort(String, String),
    /// Characters ssh refuses in a host name (whitespace, shell metacharacters, a leading '-').
    #[error("destination {0:?} has a host name with characters ssh does not accept")]
    BadHost(String),
    /// Characters ssh refuses in a user name.
    #[error("destination {0:?} has a user name with characters ssh does not accept")]
    BadUser(String),
    /// `ssh://host/path` or a URI with parts ssh does not take.
    #[error("destination {0:?} is not a valid ssh:// URI ({1})")]
    BadUri(String, &'static str),
    /// `[::1` without the closing bracket.
    #[error("destination {0:?} has an unclosed '[' around an IPv6 address")]
    UnclosedBracket(String),
}

/// Parse a destination argument.
pub fn parse(arg: &str) -> Result<Destination, DestinationError> {
    if arg.is_empty() {
        return Err(DestinationError::Empty);
    }
    if let Some(rest) = arg.strip_prefix("ssh://") {
        if rest.contains('/') && !rest.ends_with('/') {
            return Err(DestinationError::BadUri(
                arg.into(),
                "a path is not allowed",
            ));
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('?') || rest.contains('#') {
            return Err(DestinationError::BadUri(
                arg.into(),
                "a query or fragment is not allowed",
            ));
        }
        // A URI user may carry ";fingerprint=..." parameters; ssh ignores them.
        return parse_authority(arg, rest, true);
    }
    parse_authority(arg, arg, false)
}

fn parse_authority(whole: &str, s: &str, uri: bool) -> Result<Destination, DestinationError> {
    let (user, hostport) = match s.rfind('@') {
        Some(at) => {
            let mut user = &s[..at];
            if uri {
                user = user.split(';').next().unwrap_or(user);
            }
            if user.is_empty() {
                return Err(DestinationError::EmptyUser(whole.into()));
            }
            (Some(user.to_string()), &s[at + 1..])
        }
        None => (None, s),
    };
    if hostport.is_empty() {
        return Err(DestinationError::MissingHost(whole.into()));
    }
    let (host, port) = split_host_port(whole, hostport)?;
    if host.is_empty() {
        return Err(DestinationError::MissingHost(whole.into()));
    }
    if !valid_host(&host) {
        return Err(DestinationError::BadHost(whole.into()));
    }
    if let Some(u) = &user {
        if !valid_user(u) {
            return Err(DestinationError::BadUser(whole.into()));
        }
    }
    Ok(Destination { user, host, port })
}

fn split_host_port(whole: &str, s: &str) -> Result<(String, Option<u16>), DestinationError> {
    if let Some(inner) = s.strip_prefix('[') {
        let close = inner
            .find(']')
            .ok_or_else(|| DestinationError::UnclosedBracket(whole.into()))?;
        let host = &inner[..close];
        let after = &inner[close + 1..];
        if after.is_empty() {
            return Ok((host.to_string(), None));
        }
        let port = after
            .strip_prefix(':')
            .ok_or_else(|| DestinationError::BadHost(whole.into()))?;
        return Ok((host.to_string(), Some(parse_port(whole, port)?)));
    }
    match s.matches(':').count() {
        0 => Ok((s.to_string(), None)),
        // A bare IPv6 address (several colons) has no port, as with ssh.
        1 => {
            let (h, p) = s.split_once(':').unwrap_or((s, ""));
            Ok((h.to_string(), Some(parse_port(whole, p)?)))
        }
        _ => Ok((s.to_string(), None)),
    }
}

fn parse_port(whole: &str, p: &str) -> Result<u16, DestinationError> {
    match p.parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) && !p.starts_with('+') => Ok(n as u16),
        _ => Err(DestinationError::BadPort(whole.into(), p.into())),
    }
}

/// ssh (since 9.6) refuses shell metacharacters and a leading '-' in names from the command line.
fn valid_host(h: &str) -> bool {
    !h.starts_with('-')
        && h.chars().all(|c| {
            !c.is_whitespace()
                && !c.is_control()
                && !matches!(
                    c,
                    '\'' | '"'
                        | '`'
                        | '$'
                        | ';'
                        | '&'
                        | '|'
                        | '<'
                        | '>'
                        | '('
                        | ')'
                        | '\\'
                        | '@'
                        | '/'
                )
        })
}

fn valid_user(u: &str) -> bool {
    !u.starts_with('-')
        && u.chars().all(|c| {
            !c.is_whitespace()
                && !c.is_control()
                && !matches!(
                    c,
                    '\'' | '"' | '`' | '$' | ';' | '&' | '|' | '<' | '>' | '(' | ')' | '\\'
                )
        })
}

/// The arguments after `sshdoctor` (or `sshdoctor onboard`) that reach this destination again
/// with the same options — `-F`, `-p`, `-l`, `-i`, `-J`, each `-o`, `--timeout` — shell-quoted
/// (a `~/` path keeps its tilde outside the quotes), e.g. `-F ~/cfg -p 2222 web`.
pub fn command_args(
    input: &crate::config::ConfigInput,
    timeout: Option<std::time::Duration>,
) -> String {
    use crate::fsedit::{shell_quote, shell_quote_path};
    let path =
        |p: &std::path::Path| shell_quote_path(&crate::config_edit::shown_path(p, &input.home));
    let mut args: Vec<String> = Vec::new();
    if let Some(f) = &input.user_config {
        args.push(format!("-F {}", path(f)));
    }
    let mut seen: Vec<String> = Vec::new();
    for (k, v) in &input.options {
        let key = k.to_ascii_lowercase();
        let flag = match key.as_str() {
            "port" => Some("-p"),
            "user" => Some("-l"),
            "proxyjump" => Some("-J"),
            "identityfile" => Some("-i"),
            _ => None,
        };
        // The first value wins (as in ssh): later ones of a single-valued flag change nothing.
        if key != "identityfile" && flag.is_some() && seen.contains(&key) {
            continue;
        }
        seen.push(key.clone());
        args.push(match flag {
            Some("-i") => format!("-i {}", path(std::path::Path::new(v))),
            Some(flag) => format!("{flag} {}", shell_quote(v)),
            None => format!("-o {}", shell_quote(&format!("{k}={v}"))),
        });
    }
    if let Some(t) = timeout {
        args.push(format!("--timeout {}", t.as_secs_f64()));
    }
    let host = if input.host.contains(':') {
        format!("[{}]", input.host)
    } else {
        input.host.clone()
    };
    args.push(shell_quote(&host));
    args.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(user: Option<&str>, host: &str, port: Option<u16>) -> Destination {
        Destination {
            user: user.map(Into::into),
            host: host.into(),
            port,
        }
    }

    #[test]
    fn accepts_the_forms_ssh_takes() {
        assert_eq!(parse("host").unwrap(), d(None, "host", None));
        assert_eq!(parse("bob@host").unwrap(), d(Some("bob"), "host", None));
        assert_eq!(
            parse("bob@host:2222").unwrap(),
            d(Some("bob"), "host", Some(2222))
        );
        assert_eq!(
            parse("ssh://bob@host:2222").unwrap(),
            d(Some("bob"), "host", Some(2222))
        );
        assert_eq!(parse("ssh://host/").unwrap(), d(None, "host", None));
        assert_eq!(
            parse("ssh://bob;fingerprint=SHA256:x@host").unwrap(),
            d(Some("bob"), "host", None)
        );
        assert_eq!(parse("[::1]:22").unwrap(), d(None, "::1", Some(22)));
        assert_eq!(
            parse("me@[fe80::1]").unwrap(),
            d(Some("me"), "fe80::1", None)
        );
        assert_eq!(parse("::1").unwrap(), d(None, "::1", None));
        // The last '@' splits, as in ssh: user names may contain '@'.
        assert_eq!(parse("a@b.c@host").unwrap(), d(Some("a@b.c"), "host", None));
    }

    #[test]
    fn rejects_malformed_destinations_with_the_reason() {
        assert_eq!(parse(""), Err(DestinationError::Empty));
        assert!(matches!(
            parse("user@"),
            Err(DestinationError::MissingHost(_))
        ));
        assert!(matches!(
            parse("@host"),
            Err(DestinationError::EmptyUser(_))
        ));
        assert!(matches!(
            parse("host:99999"),
            Err(DestinationError::BadPort(..))
        ));
        assert!(matches!(
            parse("host:0"),
            Err(DestinationError::BadPort(..))
        ));
        assert!(matches!(parse("host:"), Err(DestinationError::BadPort(..))));
        assert!(matches!(
            parse("host:ssh"),
            Err(DestinationError::BadPort(..))
        ));
        assert!(matches!(
            parse("-oProxyCommand=x"),
            Err(DestinationError::BadHost(_))
        ));
        assert!(matches!(parse("ho st"), Err(DestinationError::BadHost(_))));
        assert!(matches!(parse("h;rm"), Err(DestinationError::BadHost(_))));
        assert!(matches!(
            parse("[::1"),
            Err(DestinationError::UnclosedBracket(_))
        ));
        assert!(matches!(
            parse("ssh://host/path"),
            Err(DestinationError::BadUri(..))
        ));
        assert!(matches!(
            parse("`x`@host"),
            Err(DestinationError::BadUser(_))
        ));
    }

    #[test]
    fn command_args_reach_the_same_destination() {
        let input = crate::config::ConfigInput {
            host: "web".into(),
            options: vec![
                ("Port".into(), "2222".into()),
                ("User".into(), "bob".into()),
                ("IdentityFile".into(), "/home/a/.ssh/id key".into()),
                ("Port".into(), "22".into()),
                ("ServerAliveInterval".into(), "5".into()),
            ],
            user_config: Some("/home/a/.ssh/my config".into()),
            system_config: "/etc/ssh/ssh_config".into(),
            home: "/home/a".into(),
            local_user: "a".into(),
            local_hostname: "l".into(),
            passwd_home: None,
        };
        assert_eq!(
            command_args(&input, Some(std::time::Duration::from_millis(2500))),
            "-F ~/'.ssh/my config' -p 2222 -l bob -i ~/'.ssh/id key' -o ServerAliveInterval=5 --timeout 2.5 web"
        );
    }
}
