//! What an attempt says about its client and destination: the OpenSSH release (its version
//! line, its identification string, or the lowest release its wording allows), the host, port
//! and user ssh used, and the destination as typed on a pasted command line.

use super::attempts::Attempt;
use super::classify::Msg;
use super::clean::{CommandLine, Line};
use crate::algorithms::{parse_ssh_version, OpenSshVersion};

/// The client's release and how to name it: from the attempt's version line or identification
/// string, another version line in the transcript, or the wording (a lower bound).
pub fn of(a: &Attempt, lines: &[Line]) -> (Option<OpenSshVersion>, crate::i18n::Text) {
    let shown = a
        .version()
        .map(str::to_string)
        .or_else(|| {
            a.items.iter().find_map(|i| match &i.msg {
                Msg::LocalVersion(v) if i.lane == 0 => {
                    Some(v.trim_start_matches("SSH-2.0-").to_string())
                }
                _ => None,
            })
        })
        .or_else(|| {
            lines
                .iter()
                .find(|l| l.core.starts_with("OpenSSH_") && parse_ssh_version(&l.core).is_some())
                .map(|l| l.core.clone())
        });
    if let Some(text) = shown {
        if let Some(v) = parse_ssh_version(&text) {
            let words = text.split(',').next().unwrap_or(&text).replace('_', " ");
            return (Some(v), words.into());
        }
    }
    match wording_floor(a) {
        Some((v, said)) => (
            Some(v),
            crate::text!(
                "explain.version.floor",
                version = v.to_string(),
                said = said
            ),
        ),
        None => (None, crate::text!("explain.version.unknown")),
    }
}

/// The lowest release whose wording the attempt uses, and the words (quoted) that show it.
fn wording_floor(a: &Attempt) -> Option<(OpenSshVersion, &'static str)> {
    let mut best: Option<(OpenSshVersion, &'static str)> = None;
    let mut raise = |v: OpenSshVersion, why: &'static str| {
        if best.is_none_or(|(b, _)| v > b) {
            best = Some((v, why));
        }
    };
    for i in &a.items {
        let c = &i.core;
        if c.starts_with("Authenticated using ") {
            raise(OpenSshVersion::new(8, 7), "\"Authenticated using\"");
        } else if c.starts_with("Host key for ") && c.contains("has changed") {
            raise(OpenSshVersion::new(8, 5), "\"Host key for … has changed\"");
        } else if c.starts_with("compat_banner:") {
            raise(OpenSshVersion::new(8, 5), "\"compat_banner\"");
        } else if c.starts_with("kex_exchange_identification") {
            raise(OpenSshVersion::new(8, 0), "\"kex_exchange_identification\"");
        } else if c.starts_with("Will attempt key") {
            raise(OpenSshVersion::new(7, 9), "\"Will attempt key\"");
        } else if matches!(&i.msg, Msg::PermissionDenied { who: Some(_), .. }) {
            raise(
                OpenSshVersion::new(7, 6),
                "\"user@host: Permission denied\"",
            );
        } else if c.starts_with("Unable to negotiate with ") && c.contains(" port ") {
            raise(
                OpenSshVersion::new(7, 2),
                "\"Unable to negotiate with … port\"",
            );
        }
    }
    best
}

/// The destination's host and port as ssh used them (22 when not shown).
pub fn host_port(a: &Attempt) -> (String, u16) {
    let mut host = None;
    let mut port = None;
    for i in a.lane(0) {
        match &i.msg {
            Msg::AuthenticatingTo {
                host: h, port: p, ..
            } => {
                host = Some(h.clone());
                port = port.or(*p);
            }
            Msg::Connecting {
                host: h, port: p, ..
            } => {
                host = host.or_else(|| Some(h.clone()));
                port = port.or(*p);
            }
            Msg::ConnectFailed {
                host: h, port: p, ..
            } => {
                host = host.or_else(|| Some(h.clone()));
                port = port.or(*p);
            }
            Msg::ResolveFailed { host: h, .. } => host = host.or_else(|| Some(h.clone())),
            Msg::NoMatch { peer, .. } => {
                if let Some((h, p)) = peer.split_once(" port ") {
                    host = host.or_else(|| Some(h.to_string()));
                    port = port.or(p.parse().ok());
                }
            }
            Msg::PermissionDenied { who: Some(w), .. } => {
                host = host.or_else(|| w.rsplit_once('@').map(|(_, h)| h.to_string()));
            }
            Msg::ExecutingProxy(cmd) => {
                // `-W '[host]:port'` names the destination the jump host forwards to.
                let words = super::clean::shell_words(cmd);
                let target = words
                    .iter()
                    .position(|w| w == "-W")
                    .and_then(|i| words.get(i + 1));
                if let Some((h, p)) = target.and_then(|t| t.rsplit_once(':')) {
                    host = host.or_else(|| Some(h.trim_matches(['[', ']']).to_string()));
                    port = port.or(p.parse().ok());
                }
            }
            _ => {}
        }
    }
    let from_command = a.command.as_ref().and_then(command_destination);
    let host = host.or(from_command).unwrap_or_else(|| "the server".into());
    (host, port.unwrap_or(22))
}

/// The user ssh logged in as, when the attempt shows it.
pub fn user(a: &Attempt) -> Option<String> {
    for i in a.lane(0) {
        match &i.msg {
            Msg::AuthenticatingTo { user, .. } if !user.is_empty() => return Some(user.clone()),
            Msg::PermissionDenied { who: Some(w), .. } => {
                if let Some((u, _)) = w.rsplit_once('@') {
                    return Some(u.to_string());
                }
            }
            _ => {}
        }
    }
    let c = a.command.as_ref()?;
    let login = c
        .args
        .iter()
        .position(|w| w == "-l")
        .and_then(|i| c.args.get(i + 1));
    login.cloned().or_else(|| {
        command_destination_word(c).and_then(|d| d.rsplit_once('@').map(|(u, _)| u.to_string()))
    })
}

/// The destination host a command line names (`ssh -p 2 alice@host cmd` → `host`).
pub fn command_destination(c: &CommandLine) -> Option<String> {
    let word = command_destination_word(c)?;
    let host = word.rsplit_once('@').map_or(word.as_str(), |(_, h)| h);
    let host = host.strip_prefix("ssh://").unwrap_or(host);
    // scp/git `host:path`, `ssh://host:port/path`.
    let host = host.split(['/', ':']).next().unwrap_or(host);
    (!host.is_empty()).then(|| host.to_string())
}

fn command_destination_word(c: &CommandLine) -> Option<String> {
    let takes_value = "BbcDEeFIiJLlmOoPpQRSWw";
    let mut skip = false;
    let mut candidates = Vec::new();
    for w in &c.args {
        if skip {
            skip = false;
            continue;
        }
        if let Some(opt) = w.strip_prefix('-') {
            skip = opt.len() == 1 && takes_value.contains(opt);
            continue;
        }
        candidates.push(w.clone());
    }
    match c.tool.as_str() {
        // The remote side of a copy holds a ':' (`host:path`).
        "scp" | "rsync" | "sftp" | "git" => candidates
            .iter()
            .find(|w| w.contains(':') || w.contains('@'))
            .cloned()
            .or_else(|| {
                (c.tool == "sftp")
                    .then(|| candidates.first().cloned())
                    .flatten()
            }),
        "sshpass" => {
            let at = c.args.iter().position(|w| w == "ssh" || w == "scp")?;
            command_destination_word(&CommandLine {
                tool: c.args[at].clone(),
                args: c.args[at + 1..].to_vec(),
            })
        }
        _ => candidates.first().cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(tool: &str, args: &[&str]) -> CommandLine {
        CommandLine {
            tool: tool.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn destinations_from_command_lines() {
        assert_eq!(
            command_destination(&cmd("ssh", &["-p", "2222", "-v", "alice@web", "uptime"]))
                .as_deref(),
            Some("web")
        );
        assert_eq!(
            command_destination(&cmd("scp", &["f.txt", "alice@files.example.com:/tmp/"]))
                .as_deref(),
            Some("files.example.com")
        );
        assert_eq!(
            command_destination(&cmd("git", &["clone", "git@github.com:a/b.git"])).as_deref(),
            Some("github.com")
        );
        assert_eq!(
            command_destination(&cmd("sshpass", &["-p", "x", "ssh", "-o", "A=b", "root@h"]))
                .as_deref(),
            Some("h")
        );
        assert_eq!(
            command_destination(&cmd("ssh", &["-J", "bastion", "ssh://bob@inner:2200"])).as_deref(),
            Some("inner")
        );
    }
}
