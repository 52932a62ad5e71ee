//! The command line turned into resolution input, in ssh's first-obtained-wins order, refusing what ssh refuses.

use super::{destination_error, Cli, Usage};
use crate::config::{self, ConfigInput};
use crate::destination;
use clap::ArgMatches;
use std::path::PathBuf;

/// One option from the command line: (position, keyword, value, how it was given).
type Given = (usize, String, String, String);

/// Turn the command line into resolution input, keeping ssh's first-obtained-wins order, and
/// refuse what ssh refuses before reading any file (a usage error here).
pub(super) fn config_input(cli: &Cli, m: &ArgMatches) -> Result<ConfigInput, Usage> {
    let Some(dest_arg) = cli.destination.as_deref() else {
        return Err(Usage(crate::i18n::t("cli.missing_destination").into()));
    };
    let dest = destination::parse(dest_arg).map_err(|e| Usage(destination_error(&e)))?;
    let mut ordered = flags(cli, m)?;
    let di = indices(m, "destination")
        .first()
        .copied()
        .unwrap_or(usize::MAX);
    if let Some(u) = &dest.user {
        ordered.push((
            di,
            "User".into(),
            config::command_line_word(u),
            dest_arg.to_string(),
        ));
    }
    if let Some(p) = dest.port {
        ordered.push((di, "Port".into(), p.to_string(), dest_arg.to_string()));
    }
    ordered.sort_by_key(|(i, ..)| *i);
    let ordered = drop_ignored_flags(ordered)?;
    jump_after_proxy_command(&ordered)?;
    let options: Vec<(String, String)> = ordered
        .iter()
        .map(|(_, k, v, _)| (k.clone(), v.clone()))
        .collect();
    if let Err((i, why)) = config::check_command_line(&options) {
        let given = ordered.get(i).map_or("", |(_, _, _, g)| g.as_str());
        return Err(Usage(crate::i18n::tf(
            "cli.ssh_refuses",
            &[("given", &given), ("why", &why)],
        )));
    }
    valid_user(&ordered)?;
    Ok(ConfigInput {
        host: dest.host,
        options,
        ..environment(cli)
    })
}

/// Where clap found each value of an argument on the line.
fn indices(m: &ArgMatches, id: &str) -> Vec<usize> {
    m.indices_of(id).map(Iterator::collect).unwrap_or_default()
}

/// The options given as flags (`-p`, `-l`, `-i`, `-J`, `-o`) with their positions, unsorted;
/// a second `-J` or an `-o` that is not Keyword=value is a usage error.
fn flags(cli: &Cli, m: &ArgMatches) -> Result<Vec<Given>, Usage> {
    let mut ordered: Vec<Given> = Vec::new();
    for (p, i) in cli.port.iter().zip(indices(m, "port")) {
        ordered.push((i, "Port".into(), p.clone(), format!("-p {p}")));
    }
    for (l, i) in cli.login.iter().zip(indices(m, "login")) {
        let given = format!("-l {l}");
        ordered.push((i, "User".into(), config::command_line_word(l), given));
    }
    for (f, i) in cli.identity.iter().zip(indices(m, "identity")) {
        let f = f.display().to_string();
        let given = format!("-i {f}");
        ordered.push((
            i,
            "IdentityFile".into(),
            config::command_line_word(&f),
            given,
        ));
    }
    if cli.jump.len() > 1 {
        return Err(Usage(crate::i18n::tf(
            "cli.as_ssh_says",
            &[(
                "message",
                &"Only a single -J option is permitted (use commas to separate multiple jump hops)",
            )],
        )));
    }
    for (j, i) in cli.jump.iter().zip(indices(m, "jump")) {
        ordered.push((i, "ProxyJump".into(), j.clone(), format!("-J {j}")));
    }
    for (o, i) in cli.option.iter().zip(indices(m, "option")) {
        let (k, v) = config::parse_option_arg(o).map_err(|e| Usage(format!("-o {o}: {e}")))?;
        ordered.push((i, k, v, format!("-o {o}")));
    }
    Ok(ordered)
}

/// ssh refuses `-J` when a ProxyCommand was given before it.
fn jump_after_proxy_command(ordered: &[Given]) -> Result<(), Usage> {
    if let Some(j) = ordered.iter().position(|(_, _, _, g)| g.starts_with("-J ")) {
        let proxy_first = ordered[..j]
            .iter()
            .any(|(_, k, _, _)| k.eq_ignore_ascii_case("proxycommand"));
        if proxy_first {
            return Err(Usage(crate::i18n::tf(
                "cli.as_ssh_says",
                &[("message", &"Cannot specify -J with ProxyCommand")],
            )));
        }
    }
    Ok(())
}

/// The first user given must be one ssh accepts.
fn valid_user(ordered: &[Given]) -> Result<(), Usage> {
    if let Some((_, _, _, given)) = ordered
        .iter()
        .find(|(_, k, _, _)| k.eq_ignore_ascii_case("user"))
        .filter(|(_, _, v, _)| !destination::valid_user(&config::command_line_unword(v)))
    {
        return Err(Usage(crate::i18n::tf("cli.bad_user", &[("given", &given)])));
    }
    Ok(())
}

/// ssh reads `-p` only while no port is set (a later `-p` is not even checked), and `-l` only
/// while no user is set; a `-p` it reads must be a port ("Bad port").
fn drop_ignored_flags(ordered: Vec<Given>) -> Result<Vec<Given>, Usage> {
    let mut out: Vec<Given> = Vec::new();
    for entry in ordered {
        let (_, k, v, given) = &entry;
        let is_flag = given.starts_with("-p ") || given.starts_with("-l ");
        let set = out.iter().any(|(_, k2, _, _)| k2.eq_ignore_ascii_case(k));
        if is_flag && set {
            continue;
        }
        if given.starts_with("-p ") && crate::config::parse_port(v).is_none() {
            return Err(Usage(crate::i18n::tf(
                "cli.ssh_refuses",
                &[
                    ("given", &format!("-p {v}")),
                    ("why", &format!("Bad port '{v}'")),
                ],
            )));
        }
        out.push(entry);
    }
    Ok(out)
}

/// What resolution needs from this machine and the command line besides the destination.
pub(super) fn environment(cli: &Cli) -> ConfigInput {
    ConfigInput {
        host: String::new(),
        options: Vec::new(),
        // As ssh, the last -F counts.
        user_config: cli.config.last().cloned(),
        system_config: PathBuf::from("/etc/ssh/ssh_config"),
        home: config::home_dir(),
        local_user: config::local_user(),
        local_hostname: config::local_hostname(),
        passwd_home: config::passwd_home_of_current_user().map(PathBuf::from),
    }
}
