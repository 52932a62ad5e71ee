//! The command line: ssh's letters and meanings, the report formats, and the exit codes.

use crate::config::{self, ConfigInput};
use crate::destination;
use crate::engine::{self, Plan};
use crate::report::Report;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use input::{config_input, environment};

mod explain;
mod fix;
mod help;
mod input;
mod server;

/// The exit codes (kept here by name for the callers that use `cli::exit`).
pub use crate::exit;

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
#[command(name = "sshdoctor", version, about)]
struct Cli {
    /// Port to connect to on the remote host (as ssh -p; the first one given counts).
    #[arg(short = 'p', value_name = "PORT", allow_hyphen_values = true)]
    port: Vec<String>,
    /// User to log in as (as ssh -l; the first one given counts).
    #[arg(short = 'l', value_name = "USER", allow_hyphen_values = true)]
    login: Vec<String>,
    /// Identity (private key) file; repeatable, tried first (as ssh -i).
    #[arg(short = 'i', value_name = "FILE")]
    identity: Vec<PathBuf>,
    /// Per-user configuration file instead of ~/.ssh/config; the system file is then not read (as ssh -F).
    #[arg(short = 'F', value_name = "FILE")]
    config: Vec<PathBuf>,
    /// Jump host, as ssh -J (recorded as ProxyJump).
    #[arg(short = 'J', value_name = "DESTINATION")]
    jump: Vec<String>,
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
    /// Language of the console and reports: en, zh-CN or ja (default: from LC_ALL,
    /// LC_MESSAGES or LANG, else English). Finding ids, commands and JSON keys never change.
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    lang: Option<crate::i18n::Lang>,
    /// Show more of the handshake log, counted as ssh counts: debug1 always, -vv debug2, -vvv
    /// debug3 (the console starts there; the text report also lists the facts from -v on).
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    verbose: u8,
    /// [user@]host, ssh://[user@]host[:port], or a Host alias from ssh_config (as ssh 9.2,
    /// `host:2222` is a host named so: give a port with -p or ssh://).
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
    if let Some(code) = subcommand() {
        return code;
    }
    let (matches, mut cli) = match parse() {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    if let Some(lang) = cli.lang {
        crate::i18n::set(lang);
    }
    let onboard = match onboard_word(&mut cli) {
        Ok(onboard) => onboard,
        Err(code) => return code,
    };
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
        if let Some(code) = pick_destination(&mut cli, console_options) {
            return code;
        }
    }
    let input = match config_input(&cli, &matches) {
        Ok(i) => i,
        Err(Usage(msg)) => return usage(msg),
    };
    let timeout = match timeout_of(&cli) {
        Ok(t) => t,
        Err(code) => return code,
    };
    if onboard {
        if !interactive {
            return usage(crate::i18n::t("cli.onboard_terminal").into());
        }
        return onboard_flow(input, timeout, console_options);
    }
    // The console when a person is at a terminal and no report was asked for.
    if interactive {
        return console(&cli, input, timeout, console_options);
    }
    headless(&cli, input, timeout)
}

/// Which subcommand owns the line, after the language is set from the environment: `Some` with
/// its exit code for `server`, `fleet` and `explain`, `None` for the diagnosis of one host.
fn subcommand() -> Option<ExitCode> {
    // The language first, from the environment (`--lang` below overrides it for this command).
    // A `--lang` anywhere on the line counts before clap reads it, so that `--help` and the
    // usage errors are already in that language (clap's own words stay English).
    let argv: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let flag = lang_in_args(&argv);
    crate::i18n::set(crate::i18n::detect(flag, |k| std::env::var(k).ok()));
    // `sshdoctor server [OPTIONS]`: sshd's side, with options of its own.
    let mut args = argv.into_iter();
    match args.next() {
        Some(a) if a == "server" => Some(server::main(args.collect())),
        // `sshdoctor fleet [OPTIONS] [PATTERN...]`: every host of the config at once.
        Some(a) if a == "fleet" => Some(crate::fleet::main(args.collect())),
        // `sshdoctor explain [FILE]`: an ssh transcript, diagnosed offline.
        Some(a) if a == "explain" => Some(explain::main(args.collect())),
        _ => None,
    }
}

/// Whether clap accepts the line: the matches and the options, or the exit code of `--help`,
/// `--version` (success) or a usage error.
fn parse() -> Result<(ArgMatches, Cli), ExitCode> {
    clap_parse(command(), std::env::args_os()).map_err(|e| e.map_or(ExitCode::SUCCESS, usage))
}

/// What clap makes of `argv` (the program's name first) for `command`, the command of `T`
/// (the main one or a subcommand's): the matches and the options; `Err(None)` when it printed
/// `--help` or `--version`; `Err(Some(line))`, the first line of clap's usage error.
pub(crate) fn clap_parse<T: FromArgMatches>(
    command: clap::Command,
    argv: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<(ArgMatches, T), Option<String>> {
    use clap::error::ErrorKind;
    let matches = help::localized(command)
        .try_get_matches_from(argv)
        .map_err(|e| {
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return None;
            }
            Some(help::error_line(&e).unwrap_or_else(|| first_line(&e.to_string())))
        })?;
    let options = T::from_arg_matches(&matches).map_err(|e| Some(first_line(&e.to_string())))?;
    Ok((matches, options))
}

/// Whether the line is `sshdoctor onboard DESTINATION`: the first positional is the word, the
/// second the host (moved into the destination); a second positional after any other word is
/// a usage error.
fn onboard_word(cli: &mut Cli) -> Result<bool, ExitCode> {
    let Some(target) = cli.onboard_destination.take() else {
        return Ok(false);
    };
    if cli.destination.as_deref() != Some("onboard") {
        return Err(usage(crate::i18n::tf(
            "cli.unexpected_argument",
            &[("arg", &format!("{target:?}"))],
        )));
    }
    cli.destination = Some(target);
    Ok(true)
}

/// Whether the picker chose a destination (`None`: go on with it) or ended the command (its
/// exit code: success when the person left without choosing).
fn pick_destination(
    cli: &mut Cli,
    console_options: crate::console::ConsoleOptions,
) -> Option<ExitCode> {
    let entries = config::host_entries(&environment(cli));
    match crate::console::picker::pick(entries, console_options) {
        Ok(Some(chosen)) => {
            cli.destination = Some(chosen);
            None
        }
        Ok(None) => Some(ExitCode::SUCCESS),
        Err(e) => Some(internal_error(&e)),
    }
}

/// Whether `--timeout` is a usable number of seconds (more than 0, at most a day), or the
/// usage error that says it is not.
fn timeout_of(cli: &Cli) -> Result<Option<Duration>, ExitCode> {
    match cli.timeout {
        None => Ok(None),
        Some(t) if t.is_finite() && t > 0.0 && t <= 86_400.0 => {
            Ok(Some(Duration::from_secs_f64(t)))
        }
        Some(t) => Err(usage(crate::i18n::tf(
            "cli.seconds",
            &[("flag", &"--timeout"), ("value", &t)],
        ))),
    }
}

/// The guided first login, and its exit code.
fn onboard_flow(
    input: ConfigInput,
    timeout: Option<Duration>,
    console_options: crate::console::ConsoleOptions,
) -> ExitCode {
    match crate::onboard::run(input, timeout, console_options) {
        Ok(code) => ExitCode::from(code),
        Err(e) => internal_error(&e),
    }
}

/// The console, and how it ended: an exit code, or the guided flow for the same destination
/// and options when chosen from the console.
fn console(
    cli: &Cli,
    input: ConfigInput,
    timeout: Option<Duration>,
    console_options: crate::console::ConsoleOptions,
) -> ExitCode {
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
    match crate::console::run(plan, setup) {
        Ok(crate::console::Ending::Exit(code)) => ExitCode::from(code),
        // Chosen from the console: the guided flow for the same destination and options.
        Ok(crate::console::Ending::Onboard) => onboard_flow(input, timeout, console_options),
        Err(e) => internal_error(&e),
    }
}

/// Without a terminal or with `--report`/`--fix`: apply the repair asked for, else print the
/// report; the exit code either way.
fn headless(cli: &Cli, input: ConfigInput, timeout: Option<Duration>) -> ExitCode {
    let format = cli.report.unwrap_or(Format::Text);
    if let Some(action) = &cli.fix {
        return match fix::run(&input, timeout, action, cli.yes, format, cli.verbose) {
            Ok(code) => ExitCode::from(code),
            Err(fix::FixError::Usage(msg)) => usage(msg),
            Err(fix::FixError::Internal(e)) => internal_error(&e),
        };
    }
    match run(input, timeout, format, cli.verbose) {
        Ok(code) => ExitCode::from(code),
        Err(e) => internal_error(&e),
    }
}

/// Say an internal error on stderr, in the language in force; its exit code.
pub(crate) fn internal_error(e: &anyhow::Error) -> ExitCode {
    let line = crate::i18n::tf("cli.errors.internal", &[("error", &format!("{e:#}"))]);
    crate::safe_text::eprint(&format!("sshdoctor: {line}\n"));
    ExitCode::from(exit::INTERNAL)
}

/// Whether the locale (LC_ALL, else LC_CTYPE, else LANG) names UTF-8, as terminals expect.
pub(crate) fn locale_is_utf8() -> bool {
    let value = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
        .to_ascii_lowercase();
    value.contains("utf-8") || value.contains("utf8")
}

/// A `--lang` value: en, zh-CN or ja.
pub(crate) fn parse_lang(s: &str) -> Result<crate::i18n::Lang, String> {
    crate::i18n::Lang::from_code(s)
        .ok_or_else(|| crate::i18n::tf("cli.errors.lang", &[("given", &format!("{s:?}"))]))
}

/// The language a `--lang VALUE` or `--lang=VALUE` among `args` names (before `--`), when it
/// names one; clap checks the value itself later.
pub(crate) fn lang_in_args(args: &[std::ffi::OsString]) -> Option<crate::i18n::Lang> {
    let args: Vec<&str> = args.iter().map(|a| a.to_str().unwrap_or("")).collect();
    let end = args.iter().position(|a| *a == "--").unwrap_or(args.len());
    args[..end].iter().enumerate().find_map(|(i, a)| {
        let value = match a.strip_prefix("--lang") {
            Some("") => args.get(i + 1).copied()?,
            Some(rest) => rest.strip_prefix('=')?,
            None => return None,
        };
        crate::i18n::Lang::from_code(value)
    })
}

/// The command line's parser, its closing help text in the language in force.
pub(crate) fn command() -> clap::Command {
    Cli::command().after_help(crate::i18n::t("cli.after_help"))
}

/// A destination ssh refuses, said in the language in force (the destination as given).
fn destination_error(e: &destination::DestinationError) -> String {
    use destination::DestinationError as E;
    let (key, dest) = match e {
        E::Empty => return crate::i18n::t("cli.dest.empty").into(),
        E::MissingHost(d) => ("cli.dest.missing_host", d),
        E::EmptyUser(d) => ("cli.dest.empty_user", d),
        E::BadHost(d) => ("cli.dest.bad_host", d),
        E::BadUser(d) => {
            return crate::i18n::tf("cli.bad_user", &[("given", &format!("{d:?}"))]);
        }
        E::BadUri(d) => ("cli.dest.bad_uri", d),
    };
    crate::i18n::tf(key, &[("dest", &format!("{d:?}", d = dest))])
}

fn usage(msg: String) -> ExitCode {
    let line = crate::i18n::tf("cli.usage", &[("message", &msg)]);
    crate::safe_text::eprint(&format!("sshdoctor: {line}\n"));
    ExitCode::from(exit::USAGE)
}

/// A usage error of a subcommand (`explain`, `server`), pointing to its own `--help`: one
/// line, exit 2.
fn usage_of(subcommand: &str, msg: String) -> ExitCode {
    let key = format!("cli.see.{subcommand}");
    let line = crate::i18n::tf(&key, &[("message", &msg)]);
    crate::safe_text::eprint(&format!("sshdoctor: {line}\n"));
    ExitCode::from(exit::USAGE)
}

pub(crate) fn first_line(s: &str) -> String {
    let line = s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s);
    line.trim_start_matches("error: ").trim().to_string()
}

/// The resolution input that `sshdoctor ARGS` (without the program name) resolves, or the
/// usage error it prints: the path the command line takes, for tests that compare it with ssh.
pub fn resolution_input(args: &[String]) -> Result<ConfigInput, String> {
    let argv = std::iter::once("sshdoctor".to_string()).chain(args.iter().cloned());
    let matches = command()
        .try_get_matches_from(argv)
        .map_err(|e| first_line(&e.to_string()))?;
    let cli = Cli::from_arg_matches(&matches).map_err(|e| first_line(&e.to_string()))?;
    config_input(&cli, &matches).map_err(|Usage(m)| m)
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
    Ok(exit::for_report(&report))
}

/// Resolve the configuration into what the engine runs.
pub(crate) fn make_plan(input: &ConfigInput, timeout: Option<Duration>) -> Plan {
    // Remembered per ssh binary; when not, `ssh -V` runs while the configuration is resolved.
    let openssh = crate::algorithms::InstalledClient::start();
    let config = config::resolve(input);
    plan_from(input, config, timeout, openssh.finish())
}

/// [`make_plan`] with the installed OpenSSH already known (`sshdoctor fleet` asks once for
/// all its hosts).
pub(crate) fn plan_with(
    input: &ConfigInput,
    timeout: Option<Duration>,
    openssh: crate::algorithms::Installed,
) -> Plan {
    plan_from(input, config::resolve(input), timeout, openssh)
}

fn plan_from(
    input: &ConfigInput,
    config: config::ResolvedConfig,
    timeout: Option<Duration>,
    openssh: crate::algorithms::Installed,
) -> Plan {
    Plan {
        config,
        timeout,
        openssh,
        input: input.clone(),
        secrets: None,
        remote_fix: None,
        first_contact: engine::FirstContact::GoOn,
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
            hop: 0,
            level: crate::event::Level::Info,
            stage: crate::event::Stage::Config,
            text: format!("internal error: the probe task failed: {e}"),
        });
    }
    report
}
