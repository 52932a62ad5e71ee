//! Telling a ProxyCommand that is itself an ssh to a jump host — `ssh [OPTIONS] -W %h:%p
//! HOST`, `-W [%h]:%p`, or `ssh [OPTIONS] HOST nc %h %p` — from any other command, and the
//! configuration input of that jump host (its options as ssh's command line reads them).

use crate::config::{self, ConfigInput};
use std::path::PathBuf;

/// A ProxyCommand found to be an ssh to a jump host.
#[derive(Debug, Clone)]
pub(crate) struct Recognised {
    /// The jump host as written in the command (`[user@]host`).
    pub label: String,
    /// Its configuration input (the ssh in the command reads ~/.ssh/config unless `-F`).
    pub input: ConfigInput,
    /// The command it runs there instead of `-W` (`nc %h %p`, expanded).
    pub netcat: Option<String>,
}

/// ssh's options that take an argument (ssh.c's getopt string, OpenSSH 9.2).
const WITH_ARG: &str = "bceilmopBDEFIJLOPQRSwW";
/// Flags that change nothing about reaching the jump host, or that map to a keyword below.
const FLAGS: &str = "1246aAkKqCfgMnNsTtvxXYy";

/// The options the command sets, and its host and remote command.
#[derive(Default)]
struct Parsed {
    options: Vec<(String, String)>,
    user_config: Option<PathBuf>,
    forward: Option<String>,
    host: Option<String>,
    command: Vec<String>,
}

/// Recognise `command` (as configured), expanded with ssh's ProxyCommand `tokens`; `dest` is
/// the input of the hop the command reaches (its environment is the jump host's too).
pub(crate) fn recognise(
    command: &str,
    tokens: &[(char, String)],
    dest: &ConfigInput,
) -> Option<Recognised> {
    let mut words = config::command_words(command, tokens).ok()?;
    if words.first().is_some_and(|w| w == "exec") {
        words.remove(0);
    }
    let program = words.first()?;
    if program != "ssh" && !program.ends_with("/ssh") {
        return None;
    }
    let parsed = parse(&words[1..])?;
    let value = |k: char| {
        tokens
            .iter()
            .find(|(t, _)| *t == k)
            .map(|(_, v)| v.as_str())
    };
    let (h, p) = (value('h')?, value('p')?);
    let netcat = match (&parsed.forward, parsed.command.as_slice()) {
        (Some(w), []) if w == &format!("{h}:{p}") || w == &format!("[{h}]:{p}") => None,
        (None, [nc, .., host, port]) if is_netcat(nc) && host == h && port == p => {
            Some(parsed.command.join(" "))
        }
        _ => return None,
    };
    let dest_word = parsed.host?;
    let d = crate::destination::parse(&dest_word).ok()?;
    let mut options = parsed.options;
    if let Some(u) = &d.user {
        options.push(("User".into(), config::command_line_word(u)));
    }
    if let Some(port) = d.port {
        options.push(("Port".into(), port.to_string()));
    }
    config::check_command_line(&options).ok()?;
    Some(Recognised {
        label: dest_word,
        input: ConfigInput {
            host: d.host,
            options,
            user_config: parsed.user_config,
            ..dest.clone()
        },
        netcat,
    })
}

/// `nc`, `ncat`, `netcat`, by name or path.
fn is_netcat(program: &str) -> bool {
    let name = program.rsplit('/').next().unwrap_or(program);
    matches!(name, "nc" | "ncat" | "netcat")
}

/// ssh's command line after the program name: options, the host, options again (ssh reads
/// options after the host too), then the remote command. None for an option that is not a
/// plain connection (`-O`, `-G`, `-V`, `-Q`) or unknown.
fn parse(args: &[String]) -> Option<Parsed> {
    let mut out = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let Some(letters) = arg.strip_prefix('-').filter(|l| !l.is_empty()) else {
            if out.host.is_none() {
                out.host = Some(arg.clone());
                continue;
            }
            out.command = args[i - 1..].to_vec();
            break;
        };
        if letters == "-" {
            // `--` ends the options.
            continue;
        }
        for (pos, c) in letters.char_indices() {
            if WITH_ARG.contains(c) {
                let rest = &letters[pos + c.len_utf8()..];
                let value = if rest.is_empty() {
                    i += 1;
                    args.get(i - 1)?.clone()
                } else {
                    rest.to_string()
                };
                option(&mut out, c, value)?;
                break;
            }
            if !FLAGS.contains(c) {
                return None;
            }
            flag(&mut out, c);
        }
    }
    Some(out)
}

/// An option with a value, as ssh's command line sets it.
fn option(out: &mut Parsed, c: char, value: String) -> Option<()> {
    let kw = match c {
        'l' => "User",
        'p' => "Port",
        'i' => "IdentityFile",
        'J' => "ProxyJump",
        'c' => "Ciphers",
        'm' => "MACs",
        'b' => "BindAddress",
        'B' => "BindInterface",
        'S' => "ControlPath",
        'o' => {
            out.options.push(config::parse_option_arg(&value).ok()?);
            return Some(());
        }
        'F' => {
            out.user_config = Some(PathBuf::from(value));
            return Some(());
        }
        'W' => {
            out.forward = Some(value);
            return Some(());
        }
        // Log file, escape character, forwardings: nothing to do with reaching the host.
        'E' | 'e' | 'D' | 'L' | 'R' => return Some(()),
        _ => return None,
    };
    let value = match c {
        'l' | 'i' => config::command_line_word(&value),
        _ => value,
    };
    out.options.push((kw.to_string(), value));
    Some(())
}

/// A flag that sets a keyword.
fn flag(out: &mut Parsed, c: char) {
    let set = match c {
        '4' => Some(("AddressFamily", "inet")),
        '6' => Some(("AddressFamily", "inet6")),
        'A' => Some(("ForwardAgent", "yes")),
        'a' => Some(("ForwardAgent", "no")),
        'C' => Some(("Compression", "yes")),
        'M' => Some(("ControlMaster", "yes")),
        'K' => Some(("GSSAPIAuthentication", "yes")),
        'k' => Some(("GSSAPIDelegateCredentials", "no")),
        _ => None,
    };
    if let Some((k, v)) = set {
        out.options.push((k.to_string(), v.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Vec<(char, String)> {
        vec![
            ('h', "10.0.0.5".into()),
            ('k', "web".into()),
            ('n', "web".into()),
            ('p', "22".into()),
            ('r', "alice".into()),
        ]
    }

    fn got(command: &str) -> Option<Recognised> {
        recognise(command, &tokens(), &ConfigInput::default())
    }

    #[test]
    fn ssh_w_forms_are_jumps() {
        for c in [
            "ssh -W %h:%p bastion",
            "ssh -q -W [%h]:%p bastion",
            "exec ssh bastion -W %h:%p",
            "/usr/bin/ssh -qW %h:%p bastion",
            "ssh -W '[%h]:%p' bastion",
        ] {
            let r = got(c).unwrap_or_else(|| panic!("{c}"));
            assert_eq!(r.label, "bastion", "{c}");
            assert_eq!(r.input.host, "bastion");
            assert_eq!(r.netcat, None);
        }
        let r = got("ssh -l ops -p 2222 -i ~/.ssh/j -F /etc/j.conf -o ConnectTimeout=3 -W %h:%p jump.example").unwrap();
        assert_eq!(r.input.user_config, Some(PathBuf::from("/etc/j.conf")));
        let kws: Vec<&str> = r.input.options.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kws, ["User", "Port", "IdentityFile", "ConnectTimeout"]);
        let r = got("ssh -J first ops@jump -W %h:%p").unwrap();
        assert_eq!(r.label, "ops@jump");
        assert_eq!(r.input.options[0], ("ProxyJump".into(), "first".into()));
        assert_eq!(r.input.options[1].0, "User");
    }

    #[test]
    fn nc_through_ssh_is_a_jump_that_runs_nc() {
        let r = got("ssh bastion nc %h %p").unwrap();
        assert_eq!(r.netcat.as_deref(), Some("nc 10.0.0.5 22"));
        let r = got("ssh -q bastion nc -w 5 %h %p").unwrap();
        assert_eq!(r.netcat.as_deref(), Some("nc -w 5 10.0.0.5 22"));
    }

    #[test]
    fn other_commands_are_run_as_they_are() {
        for c in [
            "nc %h %p",
            "ssh -W otherhost:22 bastion",
            "ssh -O check bastion",
            "ssh bastion socat - TCP:%h:%p",
            "corkscrew proxy 8080 %h %p",
            "ssh -W %h:%p",
        ] {
            assert!(got(c).is_none(), "{c}");
        }
    }
}
