//! Parsing DESTINATION as the installed ssh (OpenSSH 9.2, Debian) does: `ssh://[user@]host[:port]`,
//! or `[user@]host` where everything after the last `@` is the host: `h:2049` and `[h]:2049`
//! are host names to ssh 9.2, not a host and a port (check with `ssh -G h:2049`).

use thiserror::Error;

/// A destination as typed, split into its parts. `host` may be a Host alias from ssh_config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The user before `@`, if given.
    pub user: Option<String>,
    /// The host (or alias); for `ssh://` URIs without brackets.
    pub host: String,
    /// The port of an `ssh://` URI, if given.
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
    #[error("destination {0:?} has an empty user name before '@' (ssh prints its usage)")]
    EmptyUser(String),
    /// Characters ssh refuses in a host name ("hostname contains invalid characters").
    #[error("destination {0:?}: hostname contains invalid characters (as ssh says)")]
    BadHost(String),
    /// Characters ssh refuses in a user name ("remote username contains invalid characters").
    #[error("{0:?}: remote username contains invalid characters (as ssh says)")]
    BadUser(String),
    /// An `ssh://` URI ssh does not take: a path, port 0 or out of range, an empty user, a
    /// host that is not a domain name or address (ssh prints its usage).
    #[error("destination {0:?} is not an ssh:// URI ssh accepts (ssh://[user@]host[:port], host a name or IPv4 address, port 1-65535, no path; ssh prints its usage)")]
    BadUri(String),
}

/// Parse a destination argument.
pub fn parse(arg: &str) -> Result<Destination, DestinationError> {
    if arg.is_empty() {
        return Err(DestinationError::Empty);
    }
    let dest = if let Some(uri) = arg.strip_prefix("ssh://") {
        let (user, host, port) = crate::config::parse_ssh_uri(uri)
            .ok_or_else(|| DestinationError::BadUri(arg.into()))?;
        Destination { user, host, port }
    } else {
        match arg.rfind('@') {
            Some(0) => return Err(DestinationError::EmptyUser(arg.into())),
            Some(at) => Destination {
                user: Some(arg[..at].to_string()),
                host: arg[at + 1..].to_string(),
                port: None,
            },
            None => Destination {
                user: None,
                host: arg.to_string(),
                port: None,
            },
        }
    };
    if dest.host.is_empty() {
        return Err(DestinationError::MissingHost(arg.into()));
    }
    if !valid_hostname(&dest.host) {
        return Err(DestinationError::BadHost(arg.into()));
    }
    if let Some(u) = &dest.user {
        if !valid_user(u) {
            return Err(DestinationError::BadUser(arg.into()));
        }
    }
    Ok(dest)
}

/// ssh.c `valid_hostname` (OpenSSH 9.6, in Debian's 9.2 as a security fix): no leading `-`,
/// no shell metacharacter, blank or control character.
pub fn valid_hostname(h: &str) -> bool {
    !h.starts_with('-')
        && h.chars()
            .all(|c| !"'`\"$\\;&<>|(){}".contains(c) && !c.is_ascii_whitespace() && !c.is_control())
}

/// ssh.c `valid_ruser`: for a user given on the command line (`user@`, `-l`, `-o User`): no
/// leading `-`, no `'`, `` ` ``, `"`, `;`, `&`, `<`, `>`, `|`, `(`, `)`, `{`, `}`, no blank
/// followed by `-`, no `\` at the end.
pub fn valid_user(u: &str) -> bool {
    let b = u.as_bytes();
    !u.starts_with('-')
        && !u.chars().any(|c| "'`\";&<>|(){}".contains(c))
        && !b
            .windows(2)
            .any(|w| w[0].is_ascii_whitespace() && w[1] == b'-')
        && !u.ends_with('\\')
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
            // -i and -l values are kept as one quoted config word (see command_line_word).
            Some("-i") => {
                let file = crate::config::command_line_unword(v);
                format!("-i {}", path(std::path::Path::new(&file)))
            }
            Some("-l") => format!("-l {}", shell_quote(&crate::config::command_line_unword(v))),
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

/// The options and destination after `ssh`, `ssh-copy-id` or `sshdoctor onboard` that reach
/// the same account as a run for `input` resolved to `user` and `port`: `-F FILE` when given,
/// `-p PORT` (unless 22 and not set on the command line), every other command-line option as
/// `-o KEYWORD=VALUE` (all three take `-F`, `-p` and `-o`; `-l`, `-i` and `-J` differ), then
/// `user@HOST` with the host as typed (so an alias's own settings still apply), shell-quoted.
pub fn ssh_args(input: &crate::config::ConfigInput, user: &str, port: u16) -> String {
    use crate::fsedit::{shell_quote, shell_quote_path};
    let mut args: Vec<String> = Vec::new();
    if let Some(f) = &input.user_config {
        let shown = crate::config_edit::shown_path(f, &input.home);
        args.push(format!("-F {}", shell_quote_path(&shown)));
    }
    let port_given = input
        .options
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("port"));
    if port != 22 || port_given {
        args.push(format!("-p {port}"));
    }
    for (k, v) in &input.options {
        let key = k.to_ascii_lowercase();
        if key == "port" || key == "user" {
            continue;
        }
        // The value as one config word (how -i and -o values are stored), as -o reads it.
        args.push(format!("-o {}", shell_quote(&format!("{k}={v}"))));
    }
    args.push(shell_quote(&format!("{user}@{}", input.host)));
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
        // Each expectation is `ssh -G DEST` from Debian's OpenSSH 9.2p1.
        assert_eq!(parse("host").unwrap(), d(None, "host", None));
        assert_eq!(parse("bob@host").unwrap(), d(Some("bob"), "host", None));
        assert_eq!(parse("h:2049").unwrap(), d(None, "h:2049", None));
        assert_eq!(parse("[h]:2049").unwrap(), d(None, "[h]:2049", None));
        assert_eq!(parse("u@h:22").unwrap(), d(Some("u"), "h:22", None));
        assert_eq!(parse("ssh://h:2049").unwrap(), d(None, "h", Some(2049)));
        assert_eq!(
            parse("ssh://u@h:2049/").unwrap(),
            d(Some("u"), "h", Some(2049))
        );
        assert_eq!(parse("ssh://h/").unwrap(), d(None, "h", None));
        assert_eq!(
            parse("ssh://bob;fingerprint=SHA256:x@host").unwrap(),
            d(Some("bob"), "host", None)
        );
        assert_eq!(parse("ssh://%75ser@h").unwrap(), d(Some("user"), "h", None));
        assert_eq!(parse("ssh://h:ssh").unwrap(), d(None, "h", Some(22)));
        assert_eq!(parse("ssh://[h]:22").unwrap(), d(None, "h", Some(22)));
        assert_eq!(parse("::1").unwrap(), d(None, "::1", None));
        assert_eq!(parse("[::1]:22").unwrap(), d(None, "[::1]:22", None));
        assert_eq!(parse("h/x").unwrap(), d(None, "h/x", None));
        assert_eq!(parse("u$x@h").unwrap(), d(Some("u$x"), "h", None));
        // The last '@' splits, as in ssh: user names may contain '@'.
        assert_eq!(parse("a@b.c@host").unwrap(), d(Some("a@b.c"), "host", None));
    }

    #[test]
    fn rejects_what_ssh_rejects() {
        use DestinationError as E;
        let err = |s: &str| parse(s).unwrap_err();
        assert_eq!(parse(""), Err(E::Empty));
        assert!(matches!(err("user@"), E::MissingHost(_)));
        assert!(matches!(err("@host"), E::EmptyUser(_)));
        for bad_host in [
            "-oProxyCommand=x",
            "ho st",
            "h;rm",
            "h$x",
            "h|x",
            "h\\x",
            "h{x}",
        ] {
            assert!(matches!(err(bad_host), E::BadHost(_)), "{bad_host}");
        }
        for bad_user in ["`x`@h", "u'@h", "u\\@h", "u{@h", "a -b@h"] {
            assert!(matches!(err(bad_user), E::BadUser(_)), "{bad_user}");
        }
        for bad_uri in [
            "ssh://h/path",
            "ssh://h:0",
            "ssh://h:99999",
            "ssh://[::1]:22",
            "ssh://@h",
        ] {
            assert!(matches!(err(bad_uri), E::BadUri(_)), "{bad_uri}");
        }
    }

    #[test]
    fn command_args_reach_the_same_destination() {
        let input = crate::config::ConfigInput {
            host: "web".into(),
            options: vec![
                ("Port".into(), "2222".into()),
                // -l and -i values arrive quoted as one word, as the command line stores them.
                ("User".into(), crate::config::command_line_word("bob")),
                (
                    "IdentityFile".into(),
                    crate::config::command_line_word("/home/a/.ssh/id key"),
                ),
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

    /// A fix's `ssh`/`ssh-copy-id`/`sshdoctor onboard` arguments reach the account the run
    /// reached: the real `ssh -G` on them gives the same user, host name and port (the
    /// command line's -p and -l over the alias's own, -F kept).
    #[test]
    fn ssh_args_reach_the_same_account_as_ssh_g_says() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("my config");
        std::fs::write(
            &cfg,
            "Host web\n  HostName 127.0.0.1\n  Port 24101\n  User root\n",
        )
        .unwrap();
        let input = crate::config::ConfigInput {
            host: "web".into(),
            options: vec![
                ("Port".into(), "24106".into()),
                (
                    "User".into(),
                    crate::config::command_line_word("sshdoctor-test"),
                ),
                (
                    "IdentityFile".into(),
                    crate::config::command_line_word("/keys/id key"),
                ),
            ],
            user_config: Some(cfg.clone()),
            system_config: dir.path().join("none"),
            home: "/nonexistent-home".into(),
            local_user: "root".into(),
            local_hostname: "vm".into(),
            passwd_home: None,
        };
        let r = crate::config::resolve(&input);
        let args = ssh_args(&input, &r.user().value, r.port().0);
        assert!(
            args.ends_with("sshdoctor-test@web") && args.contains("-p 24106 -o "),
            "{args}"
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("ssh -G {args}"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let g = String::from_utf8_lossy(&out.stdout).into_owned();
        for want in [
            "user sshdoctor-test",
            "hostname 127.0.0.1",
            "port 24106",
            "identityfile /keys/id key",
        ] {
            assert!(g.lines().any(|l| l == want), "{want} in\n{g}");
        }
        // Port 22 given on the command line stays explicit (an alias's own Port would win).
        let mut with_22 = input.clone();
        with_22.options = vec![("Port".into(), "22".into())];
        let r = crate::config::resolve(&with_22);
        assert!(ssh_args(&with_22, &r.user().value, r.port().0).contains("-p 22 root@web"));
    }
}
