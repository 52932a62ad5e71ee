//! `sshdoctor server [OPTIONS]`: its own options, then the console, the report (with
//! `--watch`, one line per new attempt after it), or `--fix`.

use super::fix::{confirm, FixError};
use super::{exit, locale_is_utf8, print_report, Format};
use crate::event::Event;
use crate::report::Report;
use crate::server::Options;
use clap::{CommandFactory, Parser};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// sshd's side of a login, looked at on the server: config, files, the account, the log.
#[derive(Debug, Parser)]
#[command(name = "sshdoctor server", about)]
struct ServerCli {
    /// The account logging in: its shell, lock, expiry, AllowUsers/…, StrictModes, keys, and
    /// only its attempts in the log.
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// The client's address: Match blocks and allow lists as for it, and only its attempts.
    #[arg(long, value_name = "ADDRESS")]
    from: Option<String>,
    /// sshd's log file (e.g. the file of `sshd -E`) instead of journald or /var/log/auth.log.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// The sshd_config to check instead of /etc/ssh/sshd_config.
    #[arg(long = "sshd-config", value_name = "FILE")]
    sshd_config: Option<PathBuf>,
    /// After the checks, follow the log and explain each new attempt as it happens.
    #[arg(long)]
    watch: bool,
    /// Print a report instead of opening the console (text when stdout is not a terminal).
    #[arg(long, value_enum, value_name = "FORMAT")]
    report: Option<Format>,
    /// Apply a repair the report offers (permissions.fix, server.privsep.create,
    /// server.allow_user): preview, y/N, apply, check again.
    #[arg(long, value_name = "ACTION_ID")]
    fix: Option<String>,
    /// With --fix: apply without asking.
    #[arg(long, requires = "fix")]
    yes: bool,
    /// Console: ASCII borders and symbols only.
    #[arg(long)]
    ascii: bool,
    /// Console: write a transcript to FILE when it closes.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Language of the console and reports: en, zh-CN or ja (default: from LC_ALL,
    /// LC_MESSAGES or LANG, else English).
    #[arg(long, value_name = "LANG", value_parser = crate::cli::parse_lang)]
    lang: Option<crate::i18n::Lang>,
    /// More of the log: each attempt's own lines in text reports (-v).
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    verbose: u8,
}

/// `server`'s parser, its closing help text in the language in force.
pub(super) fn command() -> clap::Command {
    ServerCli::command().after_help(crate::i18n::t("cli.server_after_help"))
}

/// A usage error, pointing to `sshdoctor server --help`.
fn usage(msg: String) -> ExitCode {
    super::usage_of("server", msg)
}

/// `sshdoctor server ARGS` (the arguments after the word `server`).
pub(super) fn main(args: Vec<std::ffi::OsString>) -> ExitCode {
    let argv = std::iter::once("sshdoctor server".into()).chain(args);
    let cli: ServerCli = match super::clap_parse(command(), argv) {
        Ok((_, c)) => c,
        Err(e) => return e.map_or(ExitCode::SUCCESS, usage),
    };
    if let Some(lang) = cli.lang {
        crate::i18n::set(lang);
    }
    if let Some(u) = &cli.user {
        if u.is_empty() || u.contains([',', ' ', '\t', '\n', '=']) {
            return usage(crate::i18n::tf(
                "cli.server_user",
                &[("user", &format!("{u:?}"))],
            ));
        }
    }
    if let Some(a) = &cli.from {
        if a.parse::<std::net::IpAddr>().is_err() {
            return usage(crate::i18n::tf(
                "cli.server_from",
                &[("address", &format!("{a:?}"))],
            ));
        }
    }
    let options = Options {
        user: cli.user.clone(),
        from: cli.from.clone(),
        log: cli.log.clone(),
        sshd_config: cli.sshd_config.clone(),
        watch: cli.watch,
    };
    let interactive = cli.report.is_none()
        && cli.fix.is_none()
        && std::io::stdout().is_terminal()
        && std::io::stdin().is_terminal();
    let result = if interactive {
        console(&cli, options)
    } else if let Some(id) = &cli.fix {
        match fix(
            &options,
            id,
            cli.yes,
            cli.report.unwrap_or(Format::Text),
            cli.verbose,
        ) {
            Err(FixError::Usage(msg)) => return usage(msg),
            Err(FixError::Internal(e)) => Err(e),
            Ok(code) => Ok(code),
        }
    } else {
        report(options, cli.report.unwrap_or(Format::Text), cli.verbose)
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => super::internal_error(&e),
    }
}

fn console(cli: &ServerCli, options: Options) -> anyhow::Result<u8> {
    let setup = crate::console::Setup {
        target: "sshd".into(),
        options: crate::console::ConsoleOptions {
            ascii: cli.ascii || !locale_is_utf8(),
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        },
        record: cli.record.clone(),
        verbose: cli.verbose,
        rerun: options.rerun_args(),
        home: crate::config::home_dir(),
    };
    match crate::console::run_server(options, setup)? {
        crate::console::Ending::Exit(code) => Ok(code),
        crate::console::Ending::Onboard => Ok(exit::PROBLEMS),
    }
}

/// Run the checks headless until [`Event::Done`]; with `--watch`, `each` gets every later
/// event until the process is stopped.
fn collect(options: Options, mut each: impl FnMut(&Report, &Event)) -> anyhow::Result<Report> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(256);
        let rerun = options.rerun_args();
        let watch = options.watch;
        let task = tokio::spawn(crate::server::run(options, tx));
        let mut report = Report {
            rerun: Some(rerun),
            ..Report::default()
        };
        while let Some(ev) = rx.recv().await {
            report.apply(&ev);
            if matches!(ev, Event::Done { .. }) {
                break;
            }
        }
        if watch {
            each(
                &report,
                &Event::Done {
                    login_ok: report.login_ok,
                },
            );
            while let Some(ev) = rx.recv().await {
                each(&report, &ev);
            }
        }
        task.abort();
        Ok(report)
    })
}

fn report(options: Options, format: Format, verbose: u8) -> anyhow::Result<u8> {
    let watch = options.watch;
    let mut printed = false;
    let report = collect(options, |report, ev| {
        if !printed {
            let _ = print_report(report, format, verbose);
            printed = true;
        }
        print_live(ev, format);
    })?;
    if !watch {
        print_report(&report, format, verbose)?;
    }
    Ok(if report.ok() {
        exit::OK
    } else {
        exit::PROBLEMS
    })
}

/// `--watch` after the report: each new attempt as a line (one JSON object per line with
/// `--report json`), each new finding named.
fn print_live(ev: &Event, format: Format) {
    let line = match ev {
        Event::Fact { key, value, .. } if key == "attempt" => match format {
            Format::Json => value.clone(),
            _ => serde_json::from_str::<serde_json::Value>(value)
                .ok()
                .and_then(|v| {
                    let said = v["explanation"].as_str()?;
                    Some(crate::i18n::tf("cli.watch.attempt", &[("said", &said)]))
                })
                .unwrap_or_default(),
        },
        Event::Finding(f) => match format {
            Format::Json => serde_json::json!({"finding": {"id": f.id, "severity": f.severity.word(), "title": f.title, "detail": f.detail, "evidence": f.evidence, "fix": f.fix}}).to_string(),
            _ => crate::i18n::tf(
                "cli.watch.finding",
                &[
                    ("id", &f.id),
                    ("severity", &crate::i18n::t(&format!("severity.{}", f.severity.word()))),
                    ("title", &crate::i18n::localize(f).title),
                ],
            ),
        },
        Event::Log { text, level, .. } if *level == crate::event::Level::Info && text.starts_with("watching ") => text.to_string(),
        _ => return,
    };
    if line.is_empty() {
        return;
    }
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", crate::safe_text::for_terminal(&line));
    let _ = out.flush();
}

/// `--fix ACTION_ID`: check, confirm the action's preview, apply it, check again.
fn fix(
    options: &Options,
    id: &str,
    yes: bool,
    format: Format,
    verbose: u8,
) -> Result<u8, FixError> {
    let options = Options {
        watch: false,
        ..options.clone()
    };
    let report = collect(options.clone(), |_, _| {})?;
    let offered = report
        .findings
        .iter()
        .flat_map(|f| f.actions.iter().map(move |a| (f.id.as_str(), a)));
    let Some((finding_id, action)) = offered.clone().find(|(_, a)| a.id == id) else {
        let ids: Vec<&str> = offered.map(|(_, a)| a.id.as_str()).collect();
        return Err(FixError::Usage(crate::i18n::tf(
            "cli.fix.server_not_offered",
            &[
                ("id", &format!("{id:?}")),
                ("offered", &super::fix::offered_list(&ids)),
            ],
        )));
    };
    let action = crate::repair::prepare(action, &report.findings);
    let Some(repair) = &action.repair else {
        return Err(FixError::Usage(crate::i18n::tf(
            "cli.fix.not_here",
            &[("id", &id)],
        )));
    };
    if !confirm(finding_id, &action, yes)? {
        return Ok(exit::PROBLEMS);
    }
    let mut err = crate::safe_text::SafeStderr;
    if !super::fix::apply_and_say(repair) {
        return Ok(exit::PROBLEMS);
    }
    let _ = writeln!(err, "\n{}\n", crate::i18n::t("cli.fix.again"));
    let after = collect(options, |_, _| {})?;
    print_report(&after, format, verbose)?;
    Ok(if after.ok() { exit::OK } else { exit::PROBLEMS })
}
