//! `sshdoctor fleet`'s command line: ssh's options applied to every host, the host sources,
//! the concurrency bounds and the output.

use crate::cli::Format;
use clap::{ArgMatches, CommandFactory, Parser};
use std::path::PathBuf;
use std::time::Duration;

/// Every host of your ssh_config at once: which can you still log in to, and why not the others?
#[derive(Debug, Parser)]
#[command(name = "sshdoctor fleet")]
pub(super) struct FleetCli {
    /// Port for every host (as ssh -p; the first one given counts).
    #[arg(short = 'p', value_name = "PORT", allow_hyphen_values = true)]
    port: Vec<String>,
    /// User for every host (as ssh -l).
    #[arg(short = 'l', value_name = "USER", allow_hyphen_values = true)]
    login: Vec<String>,
    /// Identity file, tried first on every host (as ssh -i; repeatable).
    #[arg(short = 'i', value_name = "FILE")]
    identity: Vec<PathBuf>,
    /// Configuration file instead of ~/.ssh/config (as ssh -F).
    #[arg(short = 'F', value_name = "FILE")]
    config: Vec<PathBuf>,
    /// Jump host for every host (as ssh -J; recorded as ProxyJump).
    #[arg(short = 'J', value_name = "DESTINATION")]
    jump: Vec<String>,
    /// An ssh_config option for every host, Keyword=value (as ssh -o; repeatable).
    #[arg(short = 'o', value_name = "OPTION")]
    option: Vec<String>,
    /// Check the destinations listed in FILE (one a line) instead of the config's aliases.
    #[arg(long, value_name = "FILE")]
    pub hosts: Option<PathBuf>,
    /// Add the plain (not hashed) host names recorded in known_hosts.
    #[arg(long = "known-hosts")]
    pub known_hosts: bool,
    /// Hosts checked at once (default: sized for this machine and its file-descriptor limit).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Hosts checked at once through one jump host (ProxyJump's first hop).
    #[arg(long = "jump-jobs", value_name = "N", default_value_t = 4)]
    pub jump_jobs: usize,
    /// Time limit in seconds for each network step (default 10, or each host's ConnectTimeout).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Time limit in seconds for all of one host's checks (default 60, or 6 × --timeout).
    #[arg(long = "host-timeout", value_name = "SECONDS")]
    host_timeout: Option<f64>,
    /// Print a report instead of opening the table (text when stdout is not a terminal).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub report: Option<Format>,
    /// Table: ASCII borders and symbols only (automatic when the locale is not UTF-8).
    #[arg(long)]
    pub ascii: bool,
    /// Language of the table and reports: en, zh-CN or ja (default: from LC_ALL,
    /// LC_MESSAGES or LANG, else English).
    #[arg(long, value_name = "LANG", value_parser = crate::cli::parse_lang)]
    pub lang: Option<crate::i18n::Lang>,
    /// Text report: -v adds each failing host's own report.
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Keep only the hosts matching these patterns (`web-*`, `db?`; `!pattern` leaves out).
    #[arg(value_name = "PATTERN")]
    pub patterns: Vec<String>,
}

/// The parsed command line, with ssh's options kept in the order given (so each host's
/// resolution sees them exactly as `sshdoctor OPTIONS HOST` would).
pub(super) struct Parsed {
    /// The options themselves.
    pub cli: FleetCli,
    /// `-p 22 -o X=y ...` in the order typed, to put before each destination.
    pub ssh_args: Vec<String>,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--host-timeout`, or its default.
    pub host_timeout: Duration,
}

/// The longest a host's whole diagnosis may take when `--host-timeout` is not given.
const DEFAULT_HOST_TIMEOUT: Duration = Duration::from_secs(60);

/// `fleet`'s parser, its closing help text in the language in force.
pub(super) fn command() -> clap::Command {
    FleetCli::command().after_help(crate::i18n::t("cli.fleet_after_help"))
}

/// Parse `sshdoctor fleet ARGS`; `Err` holds the usage message (or help text, `Ok(None)`
/// meaning it was printed).
pub(super) fn parse(args: Vec<std::ffi::OsString>) -> Result<Option<Parsed>, String> {
    let argv = std::iter::once("sshdoctor fleet".into()).chain(args);
    let (matches, cli): (_, FleetCli) = match crate::cli::clap_parse(command(), argv) {
        Ok(parsed) => parsed,
        Err(None) => return Ok(None),
        Err(Some(line)) => return Err(line),
    };
    let timeout = seconds("--timeout", cli.timeout)?;
    let host_timeout = seconds("--host-timeout", cli.host_timeout)?.unwrap_or_else(|| {
        timeout.map_or(DEFAULT_HOST_TIMEOUT, |t| (t * 6).max(DEFAULT_HOST_TIMEOUT))
    });
    if cli.jobs == Some(0) || cli.jump_jobs == 0 {
        return Err(crate::i18n::t("cli.fleet_jobs").into());
    }
    let ssh_args = ssh_args(&cli, &matches);
    Ok(Some(Parsed {
        cli,
        ssh_args,
        timeout,
        host_timeout,
    }))
}

/// A number of seconds, as `--timeout` takes it.
fn seconds(flag: &str, value: Option<f64>) -> Result<Option<Duration>, String> {
    match value {
        None => Ok(None),
        Some(t) if t.is_finite() && t > 0.0 && t <= 86_400.0 => {
            Ok(Some(Duration::from_secs_f64(t)))
        }
        Some(t) => Err(crate::i18n::tf(
            "cli.seconds",
            &[("flag", &flag), ("value", &t)],
        )),
    }
}

/// ssh's options as arguments of a single run, in the order they were given.
fn ssh_args(cli: &FleetCli, m: &ArgMatches) -> Vec<String> {
    let idx =
        |id: &str| -> Vec<usize> { m.indices_of(id).map(Iterator::collect).unwrap_or_default() };
    let mut ordered: Vec<(usize, &str, String)> = Vec::new();
    let paths =
        |v: &[PathBuf]| -> Vec<String> { v.iter().map(|p| p.display().to_string()).collect() };
    let groups: [(&str, &str, Vec<String>); 6] = [
        ("port", "-p", cli.port.clone()),
        ("login", "-l", cli.login.clone()),
        ("identity", "-i", paths(&cli.identity)),
        ("config", "-F", paths(&cli.config)),
        ("jump", "-J", cli.jump.clone()),
        ("option", "-o", cli.option.clone()),
    ];
    for (id, flag, values) in groups {
        for (v, i) in values.into_iter().zip(idx(id)) {
            ordered.push((i, flag, v));
        }
    }
    ordered.sort_by_key(|(i, ..)| *i);
    ordered
        .into_iter()
        .flat_map(|(_, flag, v)| [flag.to_string(), v])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Parsed {
        parse(args.iter().map(Into::into).collect())
            .expect("parses")
            .expect("not help")
    }

    #[test]
    fn ssh_options_keep_their_order_and_fleet_options_stay_out() {
        let p = parsed(&[
            "-o",
            "Port=2",
            "--jobs",
            "3",
            "-F",
            "cfg",
            "-p",
            "4",
            "web*",
            "--known-hosts",
        ]);
        assert_eq!(p.ssh_args, ["-o", "Port=2", "-F", "cfg", "-p", "4"]);
        assert_eq!(p.cli.patterns, ["web*"]);
        assert_eq!(p.cli.jobs, Some(3));
        assert!(p.cli.known_hosts);
        assert_eq!(p.host_timeout, DEFAULT_HOST_TIMEOUT);
    }

    #[test]
    fn the_host_limit_follows_a_long_step_limit() {
        assert_eq!(
            parsed(&["--timeout", "20"]).host_timeout,
            Duration::from_secs(120)
        );
        assert_eq!(
            parsed(&["--timeout", "1", "--host-timeout", "5"]).host_timeout,
            Duration::from_secs(5)
        );
        assert!(parse(vec!["--jobs".into(), "0".into()]).is_err());
        assert!(parse(vec!["--timeout".into(), "-1".into()]).is_err());
    }
}
