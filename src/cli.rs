//! The command line: ssh's letters and meanings, the report formats, and the exit codes.

use crate::config::{self, ConfigInput};
use crate::destination;
use crate::engine::{self, Plan};
use crate::report::Report;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

mod fix;
mod server;

/// The exit codes (kept here by name for the callers that use `cli::exit`).
pub use crate::exit;

const EXIT_CODES: &str = "Guided first login (make and install a key, verify the host key, fix the server's\npermissions, write a Host block):\n  sshdoctor onboard DESTINATION\n\nOn the server, why sshd refuses logins (config, files, account, log; see --help there):\n  sshdoctor server [--user NAME] [--from ADDRESS] [--log FILE] [--sshd-config FILE] [--watch]\n\nExit codes:\n  0  the login would work\n  1  problems found\n  2  usage error\n  3  internal error";

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Plain text.
    Text,
    /// One JSON object.
    Json,
    /// Markdown, for tickets and chat.
    Markdown,
}

/// Why can't I ssh to this host, and what exactly do I do about it?
#[derive(Debug, Parser)]
#[command(name = "sshdoctor", version, about, after_help = EXIT_CODES)]
struct Cli {
    /// Port to connect to on the remote host (as ssh -p).
    #[arg(short = 'p', value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    port: Option<u16>,
    /// User to log in as (as ssh -l).
    #[arg(short = 'l', value_name = "USER")]
    login: Option<String>,
    /// Identity (private key) file; repeatable, tried first (as ssh -i).
    #[arg(short = 'i', value_name = "FILE")]
    identity: Vec<PathBuf>,
    /// Per-user configuration file instead of ~/.ssh/config; the system file is then not read (as ssh -F).
    #[arg(short = 'F', value_name = "FILE")]
    config: Option<PathBuf>,
    /// Jump host, as ssh -J (recorded as ProxyJump).
    #[arg(short = 'J', value_name = "DESTINATION")]
    jump: Option<String>,
    /// An ssh_config option, Keyword=value; repeatable (as ssh -o).
    #[arg(short = 'o', value_name = "OPTION")]
    option: Vec<String>,
    /// Time limit in seconds for each network step (default 10, or ConnectTimeout).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Run every check without the console and print a report.
    #[arg(long, value_enum, value_name = "FORMAT")]
    report: Option<Format>,
    /// Apply a repair the report offers (e.g. known_hosts.remove, hostkey.trust): show its
    /// preview, ask y/N, apply it, then run the checks again.
    #[arg(long, value_name = "ACTION_ID")]
    fix: Option<String>,
    /// With --fix: apply without asking (for scripts).
    #[arg(long, requires = "fix")]
    yes: bool,
    /// Console: ASCII borders and symbols only (automatic when the locale is not UTF-8).
    #[arg(long)]
    ascii: bool,
    /// Console: write a transcript (the markdown report, the full log, every action taken) to
    /// FILE when the console closes.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Show more of the handshake log: in text reports -v adds debug2, -vv debug3; the console
    /// starts at ssh's level (-v debug1, the default; -vv debug2; -vvv debug3).
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    verbose: u8,
    /// [user@]host[:port], ssh://[user@]host[:port], or a Host alias from ssh_config.
    /// `sshdoctor onboard DESTINATION` starts the guided first login instead.
    destination: Option<String>,
    /// The destination of `onboard DESTINATION`.
    #[arg(hide = true)]
    onboard_destination: Option<String>,
}

/// A usage error: one line, exit 2.
struct Usage(String);

/// Run the command line and return the process exit code.
pub fn main() -> ExitCode {
    // `sshdoctor server [OPTIONS]`: sshd's side, with options of its own.
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|a| a == "server") {
        return server::main(args.collect());
    }
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            return usage(first_line(&e.to_string()));
        }
    };
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return usage(first_line(&e.to_string())),
    };
    // `sshdoctor onboard DESTINATION`: the first positional is the word, the second the host.
    let mut onboard = false;
    if let Some(target) = cli.onboard_destination.take() {
        if cli.destination.as_deref() != Some("onboard") {
            return usage(format!("unexpected argument {target:?}"));
        }
        cli.destination = Some(target);
        onboard = true;
    }
    use std::io::IsTerminal;
    let interactive = cli.report.is_none()
        && cli.fix.is_none()
        && std::io::stdout().is_terminal()
        && std::io::stdin().is_terminal();
    let console_options = crate::console::ConsoleOptions {
        ascii: cli.ascii || !locale_is_utf8(),
        color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    // No destination at a terminal: pick one of the config's Host aliases, or type one.
    if cli.destination.is_none() && interactive {
        let entries = config::host_entries(&environment(&cli));
        match crate::console::picker::pick(entries, console_options) {
            Ok(Some(chosen)) => cli.destination = Some(chosen),
            Ok(None) => return ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("sshdoctor: internal error: {e:#}");
                return ExitCode::from(exit::INTERNAL);
            }
        }
    }
    let input = match config_input(&cli, &matches) {
        Ok(i) => i,
        Err(Usage(msg)) => return usage(msg),
    };
    let timeout = match cli.timeout {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 && t <= 86_400.0 => Some(Duration::from_secs_f64(t)),
        Some(t) => {
            return usage(format!(
                "--timeout {t}: expected a number of seconds greater than 0"
            ))
        }
    };
    if onboard {
        if !interactive {
            return usage(
                "onboard is a guided full-screen flow: run it at a terminal, without --report or --fix"
                    .into(),
            );
        }
        return match crate::onboard::run(input, timeout, console_options) {
            Ok(code) => ExitCode::from(code),
            Err(e) => {
                eprintln!("sshdoctor: internal error: {e:#}");
                ExitCode::from(exit::INTERNAL)
            }
        };
    }
    // The console when a person is at a terminal and no report was asked for.
    if interactive {
        let setup = crate::console::Setup {
            target: input.host.clone(),
            options: console_options,
            record: cli.record.clone(),
            verbose: cli.verbose,
            rerun: destination::command_args(&input, timeout),
            home: input.home.clone(),
        };
        let console_input = input.clone();
        let plan = move || make_plan(&console_input, timeout);
        return match crate::console::run(plan, setup) {
            Ok(crate::console::Ending::Exit(code)) => ExitCode::from(code),
            // Chosen from the console: the guided flow for the same destination and options.
            Ok(crate::console::Ending::Onboard) => {
                match crate::onboard::run(input, timeout, console_options) {
                    Ok(code) => ExitCode::from(code),
                    Err(e) => {
                        eprintln!("sshdoctor: internal error: {e:#}");
                        ExitCode::from(exit::INTERNAL)
                    }
                }
            }
            Err(e) => {
                eprintln!("sshdoctor: internal error: {e:#}");
                ExitCode::from(exit::INTERNAL)
            }
        };
    }
    let format = cli.report.unwrap_or(Format::Text);
    if let Some(action) = &cli.fix {
        return match fix::run(&input, timeout, action, cli.yes, format, cli.verbose) {
            Ok(code) => ExitCode::from(code),
            Err(fix::FixError::Usage(msg)) => usage(msg),
            Err(fix::FixError::Internal(e)) => {
                eprintln!("sshdoctor: internal error: {e:#}");
                ExitCode::from(exit::INTERNAL)
            }
        };
    }
    match run(input, timeout, format, cli.verbose) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("sshdoctor: internal error: {e:#}");
            ExitCode::from(exit::INTERNAL)
        }
    }
}

/// Whether the locale (LC_ALL, else LC_CTYPE, else LANG) names UTF-8, as terminals expect.
fn locale_is_utf8() -> bool {
    let value = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
        .to_ascii_lowercase();
    value.contains("utf-8") || value.contains("utf8")
}

fn usage(msg: String) -> ExitCode {
    crate::safe_text::eprint(&format!("sshdoctor: {msg} (see sshdoctor --help)\n"));
    ExitCode::from(exit::USAGE)
}

fn first_line(s: &str) -> String {
    let line = s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s);
    line.trim_start_matches("error: ").trim().to_string()
}

/// Turn the command line into resolution input, keeping ssh's first-obtained-wins order.
fn config_input(cli: &Cli, m: &ArgMatches) -> Result<ConfigInput, Usage> {
    let Some(dest_arg) = cli.destination.as_deref() else {
        return Err(Usage("missing DESTINATION ([user@]host[:port])".into()));
    };
    let dest = destination::parse(dest_arg).map_err(|e| Usage(e.to_string()))?;
    let mut ordered: Vec<(usize, String, String)> = Vec::new();
    let idx =
        |id: &str| -> Vec<usize> { m.indices_of(id).map(Iterator::collect).unwrap_or_default() };
    if let (Some(p), Some(&i)) = (cli.port, idx("port").first()) {
        ordered.push((i, "Port".into(), p.to_string()));
    }
    if let (Some(l), Some(&i)) = (&cli.login, idx("login").first()) {
        ordered.push((i, "User".into(), l.clone()));
    }
    for (f, i) in cli.identity.iter().zip(idx("identity")) {
        ordered.push((i, "IdentityFile".into(), f.display().to_string()));
    }
    if let (Some(j), Some(&i)) = (&cli.jump, idx("jump").first()) {
        ordered.push((i, "ProxyJump".into(), j.clone()));
    }
    for (o, i) in cli.option.iter().zip(idx("option")) {
        let (k, v) = config::parse_option_arg(o).map_err(|e| Usage(format!("-o {o}: {e}")))?;
        ordered.push((i, k, v));
    }
    let di = idx("destination").first().copied().unwrap_or(usize::MAX);
    if let Some(u) = &dest.user {
        ordered.push((di, "User".into(), u.clone()));
    }
    if let Some(p) = dest.port {
        ordered.push((di, "Port".into(), p.to_string()));
    }
    ordered.sort_by_key(|(i, _, _)| *i);
    Ok(ConfigInput {
        host: dest.host,
        options: ordered.into_iter().map(|(_, k, v)| (k, v)).collect(),
        ..environment(cli)
    })
}

/// What resolution needs from this machine and the command line besides the destination.
fn environment(cli: &Cli) -> ConfigInput {
    ConfigInput {
        host: String::new(),
        options: Vec::new(),
        user_config: cli.config.clone(),
        system_config: PathBuf::from("/etc/ssh/ssh_config"),
        home: config::home_dir(),
        local_user: config::local_user(),
        local_hostname: config::local_hostname(),
        passwd_home: config::passwd_home_of_current_user().map(PathBuf::from),
    }
}

fn run(
    input: ConfigInput,
    timeout: Option<Duration>,
    format: Format,
    verbose: u8,
) -> anyhow::Result<u8> {
    let mut report = diagnose(&input, timeout)?;
    report.rerun = Some(destination::command_args(&input, timeout));
    print_report(&report, format, verbose)?;
    Ok(if report.ok() {
        exit::OK
    } else {
        exit::PROBLEMS
    })
}

/// Resolve the configuration into what the engine runs.
pub(crate) fn make_plan(input: &ConfigInput, timeout: Option<Duration>) -> Plan {
    Plan {
        config: config::resolve(input),
        timeout,
        openssh: crate::algorithms::installed_openssh(),
        input: input.clone(),
        secrets: None,
        remote_fix: None,
    }
}

/// Resolve the configuration and run every check, headless.
pub(crate) fn diagnose(input: &ConfigInput, timeout: Option<Duration>) -> anyhow::Result<Report> {
    diagnose_plan(make_plan(input, timeout))
}

/// Run a prepared plan headless.
pub(crate) fn diagnose_plan(plan: Plan) -> anyhow::Result<Report> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    Ok(runtime.block_on(collect(plan)))
}

/// Print a report to stdout in a format.
pub(crate) fn print_report(report: &Report, format: Format, verbose: u8) -> anyhow::Result<()> {
    let out = match format {
        Format::Json => serde_json::to_string_pretty(&report.to_json())? + "\n",
        // Text for people: whatever a server or a file put in the strings is shown escaped.
        Format::Text => crate::safe_text::for_terminal(&report.to_text(verbose)).into_owned(),
        Format::Markdown => crate::safe_text::for_terminal(&report.to_markdown()).into_owned(),
    };
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an internal error.
    let _ = stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush());
    Ok(())
}

/// Run the engine and fold its events into a report: the headless consumer.
pub async fn collect(plan: Plan) -> Report {
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let engine = tokio::spawn(engine::run(plan, tx));
    let mut report = Report::default();
    while let Some(ev) = rx.recv().await {
        report.apply(&ev);
    }
    if let Err(e) = engine.await {
        report.log.push(crate::report::LogLine {
            t_ms: 0,
            level: crate::event::Level::Info,
            stage: crate::event::Stage::Config,
            text: format!("internal error: the probe task failed: {e}"),
        });
    }
    report
}
