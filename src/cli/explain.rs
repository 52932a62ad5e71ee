//! `sshdoctor explain [FILE]`: its own options, then the console or the report over a
//! transcript read once (stdin when no FILE or `-`), or `--fix` for a repair it offers.

use super::fix::{confirm, FixError};
use super::{exit, locale_is_utf8, print_report, Format};
use crate::explain::{Options, Owner, Transcript};
use crate::report::Report;
use clap::{CommandFactory, Parser};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Explain an OpenSSH client transcript (`ssh -v` output) like a live probe, offline.
#[derive(Debug, Parser)]
#[command(name = "sshdoctor explain", about)]
struct ExplainCli {
    /// The transcript; stdin when absent or `-`.
    file: Option<PathBuf>,
    /// Print a report instead of opening the console (text when stdout is not a terminal).
    #[arg(long, value_enum, value_name = "FORMAT")]
    report: Option<Format>,
    /// The transcript is this machine's user's: offer the repairs that change local files (by
    /// default decided from its paths and client version).
    #[arg(long, conflicts_with = "not_mine")]
    mine: bool,
    /// The transcript is someone else's: show repairs as commands for them to run.
    #[arg(long = "not-mine")]
    not_mine: bool,
    /// Apply a local repair the explanation offers (only for this machine's user's transcript).
    #[arg(long, value_name = "ACTION_ID")]
    fix: Option<String>,
    /// With --fix: apply without asking.
    #[arg(long, requires = "fix")]
    yes: bool,
    /// Console: ASCII borders and symbols only.
    #[arg(long)]
    ascii: bool,
    /// Console: write a transcript of the session to FILE when it closes.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Language of the console and reports: en, zh-CN or ja (default: from LC_ALL,
    /// LC_MESSAGES or LANG, else English).
    #[arg(long, value_name = "LANG", value_parser = crate::cli::parse_lang)]
    lang: Option<crate::i18n::Lang>,
    /// More of the log in text reports (-v debug2, -vv debug3; the console starts there).
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    verbose: u8,
}

/// `explain`'s parser, its closing help text in the language in force.
pub(super) fn command() -> clap::Command {
    ExplainCli::command().after_help(crate::i18n::t("cli.explain_after_help"))
}

/// A usage error, pointing to `sshdoctor explain --help`.
fn usage(msg: String) -> ExitCode {
    super::usage_of("explain", msg)
}

/// `sshdoctor explain ARGS` (the arguments after the word `explain`).
pub(super) fn main(args: Vec<std::ffi::OsString>) -> ExitCode {
    let argv = std::iter::once("sshdoctor explain".into()).chain(args);
    let cli: ExplainCli = match super::clap_parse(command(), argv) {
        Ok((_, c)) => c,
        Err(e) => return e.map_or(ExitCode::SUCCESS, usage),
    };
    if let Some(lang) = cli.lang {
        crate::i18n::set(lang);
    }
    let stdin = cli.file.as_ref().is_none_or(|f| f.as_os_str() == "-");
    let (transcript, name) = match read(&cli, stdin) {
        Ok(t) => t,
        Err(msg) => return usage(msg),
    };
    let owner = match (cli.mine, cli.not_mine) {
        (true, _) => Owner::Mine,
        (_, true) => Owner::NotMine,
        _ => Owner::Auto,
    };
    let options = Options { name, owner };
    // Stdin holds the transcript: the console needs the terminal on both sides.
    let interactive = cli.report.is_none()
        && cli.fix.is_none()
        && std::io::stdout().is_terminal()
        && (!stdin || std::io::stdin().is_terminal());
    let result = if interactive {
        console(&cli, transcript, options)
    } else if let Some(id) = &cli.fix {
        let format = cli.report.unwrap_or(Format::Text);
        match fix(&transcript, &options, id, cli.yes, format, cli.verbose) {
            Err(FixError::Usage(msg)) => return usage(msg),
            Err(FixError::Internal(e)) => Err(e),
            Ok(code) => Ok(code),
        }
    } else {
        let report = collect(&transcript, &options);
        print_report(&report, cli.report.unwrap_or(Format::Text), cli.verbose)
            .map(|()| exit::for_report(&report))
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => super::internal_error(&e),
    }
}

/// The transcript, read once and bounded, and its name for headings.
fn read(cli: &ExplainCli, stdin: bool) -> Result<(Transcript, String), String> {
    if stdin {
        if std::io::stdin().is_terminal() {
            return Err(crate::i18n::t("cli.explain_needs_transcript").into());
        }
        let input = crate::explain::input::read(std::io::stdin().lock()).map_err(|e| {
            crate::i18n::tf("cli.errors.reading", &[("what", &"stdin"), ("error", &e)])
        })?;
        return Ok((Transcript::new(input), "stdin".into()));
    }
    let path = cli.file.clone().unwrap_or_default();
    // Never block on a FIFO a user named by mistake, never read a device without end: the
    // transcript is a regular file (stdin takes anything else).
    let (file, _) = crate::localfile::open_regular(&path, u64::MAX)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let input = crate::explain::input::read(file).map_err(|e| {
        crate::i18n::tf(
            "cli.errors.reading",
            &[("what", &path.display()), ("error", &e)],
        )
    })?;
    Ok((Transcript::new(input), path.display().to_string()))
}

/// The report: every event folded, headless.
fn collect(transcript: &Transcript, options: &Options) -> Report {
    let mut report = Report::default();
    for ev in crate::explain::events(transcript, options) {
        report.apply(&ev);
    }
    report
}

fn console(cli: &ExplainCli, transcript: Transcript, options: Options) -> anyhow::Result<u8> {
    let setup = crate::console::Setup {
        target: crate::i18n::tf("cli.explain.target", &[("name", &options.name)]),
        options: crate::console::ConsoleOptions {
            ascii: cli.ascii || !locale_is_utf8(),
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        },
        record: cli.record.clone(),
        verbose: cli.verbose,
        rerun: options.name.clone(),
        home: crate::config::home_dir(),
    };
    match crate::console::run_explain(transcript, options, setup)? {
        crate::console::Ending::Exit(code) => Ok(code),
        crate::console::Ending::Onboard => Ok(exit::PROBLEMS),
    }
}

/// `--fix ACTION_ID`: explain, confirm the action's preview, apply it, explain again (the
/// transcript does not change; the repair is checked by running ssh or `sshdoctor HOST` again).
fn fix(
    transcript: &Transcript,
    options: &Options,
    id: &str,
    yes: bool,
    format: Format,
    verbose: u8,
) -> Result<u8, FixError> {
    let report = collect(transcript, options);
    let offered = report
        .findings
        .iter()
        .flat_map(|f| f.actions.iter().map(move |a| (f.id.as_str(), a)));
    let Some((finding_id, action)) = offered.clone().find(|(_, a)| a.id == id) else {
        let ids: Vec<&str> = offered.map(|(_, a)| a.id.as_str()).collect();
        return Err(FixError::Usage(crate::i18n::tf(
            "cli.fix.explain_not_offered",
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
    match crate::repair::apply(repair) {
        Ok(applied) => {
            for a in &applied {
                let _ = writeln!(err, "{}", a.summary());
            }
        }
        Err(e) => {
            let _ = writeln!(err, "sshdoctor: {e}");
            return Ok(exit::PROBLEMS);
        }
    }
    let _ = writeln!(err, "\n{}", crate::i18n::t("cli.fix.explain_done"));
    print_report(&report, format, verbose)?;
    Ok(exit::PROBLEMS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse() {
        let cli =
            ExplainCli::try_parse_from(["x", "--report", "json", "--not-mine", "t.txt"]).unwrap();
        assert_eq!(cli.report, Some(Format::Json));
        assert!(cli.not_mine);
        assert!(ExplainCli::try_parse_from(["x", "--mine", "--not-mine"]).is_err());
        let _ = PathBuf::new();
    }
}
