//! `sshdoctor fleet`: every host of the user's ssh_config (or a list, or known_hosts) checked
//! at once by the same engine and rules as a single run, concurrently within bounds; shown
//! as a live table or printed as one report.
//!
//! The data path is one for both front ends: [`probe::check`] runs a host and sends
//! [`probe::Update`]s, [`rows::apply`] folds them into [`rows::Row`]s, and the table
//! ([`table`]) or the report ([`output`]) reads the rows.

mod args;
pub mod hosts;
pub mod limit;
pub mod output;
pub mod probe;
pub mod repair;
pub mod rows;
pub mod summary;
pub mod table;

use crate::cli::{self, Format};
use crate::config::ConfigInput;
use crate::exit;
use hosts::Listed;
use probe::Shared;
use rows::Row;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// The placeholder destination used to read the options and files common to every host.
const PLACEHOLDER: &str = "sshdoctor-fleet.invalid";

/// What a fleet run checks and how.
pub struct Fleet {
    /// The hosts, in list order.
    pub hosts: Vec<Listed>,
    /// Each host's resolution input, as `sshdoctor OPTIONS HOST` makes it.
    pub inputs: Vec<ConfigInput>,
    /// What every check shares (bounds, the installed OpenSSH, the limits).
    pub shared: Arc<Shared>,
    /// The run's bounds, for the summary.
    pub facts: output::RunFacts,
    /// ssh's options as typed, for the commands shown (`sshdoctor OPTIONS HOST`).
    pub ssh_args: Vec<String>,
}

/// `sshdoctor fleet ARGS` (the arguments after the word `fleet`).
pub fn main(args: Vec<std::ffi::OsString>) -> ExitCode {
    let parsed = match args::parse(args) {
        Ok(Some(p)) => p,
        Ok(None) => return ExitCode::SUCCESS,
        Err(msg) => return usage(msg),
    };
    if let Some(lang) = parsed.cli.lang {
        crate::i18n::set(lang);
    }
    let fleet = match prepare(&parsed) {
        Ok(f) => f,
        Err(msg) => return usage(msg),
    };
    let interactive = parsed.cli.report.is_none()
        && std::io::stdout().is_terminal()
        && std::io::stdin().is_terminal();
    let result = if interactive {
        let options = crate::console::ConsoleOptions {
            ascii: parsed.cli.ascii || !cli::locale_is_utf8(),
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        table::run(fleet, options)
    } else {
        report(
            fleet,
            parsed.cli.report.unwrap_or(Format::Text),
            parsed.cli.verbose,
        )
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => cli::internal_error(&e),
    }
}

/// `fleet`'s parser (for the tests of the help in each language).
#[cfg(test)]
pub(crate) fn command() -> clap::Command {
    args::command()
}

/// A usage error: one line, exit 2.
fn usage(msg: String) -> ExitCode {
    let line = crate::i18n::tf("cli.fleet_usage", &[("message", &msg)]);
    crate::safe_text::eprint(&format!("sshdoctor fleet: {line}\n"));
    ExitCode::from(exit::USAGE)
}

/// The hosts and each one's input, or a usage error naming what is wrong.
fn prepare(parsed: &args::Parsed) -> Result<Fleet, String> {
    let input_for = |extra: &[String]| -> Result<ConfigInput, String> {
        let mut argv = parsed.ssh_args.clone();
        argv.extend(extra.iter().cloned());
        cli::resolution_input(&argv)
    };
    let base = input_for(&[PLACEHOLDER.to_string()])?;
    let mut listed = match &parsed.cli.hosts {
        Some(file) => hosts::from_file(file)?,
        None => hosts::from_config(&base),
    };
    if parsed.cli.known_hosts {
        let cfg = crate::config::resolve(&base);
        listed.extend(hosts::from_known_hosts(&cfg, &base.home));
    }
    let listed = hosts::select(listed, &parsed.cli.patterns);
    // A name ssh itself would refuse as a destination is left out, saying why (the options
    // common to every host were checked above, with the placeholder).
    let mut inputs = Vec::with_capacity(listed.len());
    let mut kept = Vec::with_capacity(listed.len());
    for host in listed {
        match input_for(&host.args) {
            Ok(input) => {
                inputs.push(input);
                kept.push(host);
            }
            Err(e) => crate::safe_text::eprint(&format!(
                "sshdoctor fleet: {}\n",
                crate::i18n::tf(
                    "fleet.hosts.leaving_out",
                    &[("alias", &host.alias), ("why", &e)]
                )
            )),
        }
    }
    let listed = kept;
    if listed.is_empty() {
        return Err(no_hosts(parsed));
    }
    let (jobs, _) = match parsed.cli.jobs {
        Some(n) => {
            let nofile = limit::raise_nofile(n as u64 * limit::FDS_PER_PROBE + 64);
            (limit::jobs_for(n, nofile), nofile)
        }
        None => limit::default_jobs(),
    };
    let shared = Shared::new(
        crate::algorithms::installed_openssh(),
        parsed.timeout,
        parsed.host_timeout,
        jobs,
        parsed.cli.jump_jobs,
    );
    Ok(Fleet {
        hosts: listed,
        inputs,
        shared: Arc::new(shared),
        facts: output::RunFacts {
            jobs,
            jump_jobs: parsed.cli.jump_jobs,
            elapsed: std::time::Duration::ZERO,
        },
        ssh_args: parsed.ssh_args.clone(),
    })
}

/// Why there is nothing to check.
fn no_hosts(parsed: &args::Parsed) -> String {
    let source = match &parsed.cli.hosts {
        Some(f) => crate::i18n::tf("cli.fleet_file_empty", &[("file", &f.display())]),
        None => crate::i18n::t("cli.fleet_config_empty").into(),
    };
    if parsed.cli.patterns.is_empty() {
        crate::i18n::tf("cli.fleet_no_hosts", &[("source", &source)])
    } else {
        crate::i18n::tf(
            "cli.fleet_no_match",
            &[("patterns", &parsed.cli.patterns.join(" "))],
        )
    }
}

/// The runtime every probe of the run shares: one worker per core.
pub(crate) fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores.max(2))
        .enable_all()
        .build()
}

/// Start checking every host; updates arrive on the returned channel.
pub(crate) fn start_all(fleet: &Fleet) -> mpsc::UnboundedReceiver<probe::Update> {
    let (tx, rx) = mpsc::unbounded_channel();
    for (index, input) in fleet.inputs.iter().enumerate() {
        start_one(fleet, index, input.clone(), tx.clone());
    }
    rx
}

/// Start checking one host (again). A check that panics still ends its row, with the
/// panic in its log (as a single run reports a failed probe task).
pub(crate) fn start_one(
    fleet: &Fleet,
    index: usize,
    input: ConfigInput,
    tx: mpsc::UnboundedSender<probe::Update>,
) {
    let task = tokio::spawn(probe::check(fleet.shared.clone(), index, input, tx.clone()));
    tokio::spawn(async move {
        if let Err(e) = task.await {
            let outcome =
                probe::Outcome::failed(format!("internal error: the probe task failed: {e}"));
            let _ = tx.send(probe::Update::Done {
                index,
                outcome: Box::new(outcome),
            });
        }
    });
}

/// The exit code of a run: 0 when every host's login works, 1 when any host has problems,
/// 4 when some could not be told and none failed.
pub fn exit_code(rows: &[Row]) -> u8 {
    let s = rows::summarize(rows);
    if s.ok == s.total {
        exit::OK
    } else if s.failing > 0 || s.done < s.total {
        exit::PROBLEMS
    } else {
        exit::COULD_NOT_TELL
    }
}

/// Check every host headless and print the report (progress on stderr when it is a terminal).
fn report(mut fleet: Fleet, format: Format, verbose: u8) -> anyhow::Result<u8> {
    let runtime = runtime()?;
    let started = Instant::now();
    let mut rows: Vec<Row> = fleet.hosts.iter().cloned().map(Row::new).collect();
    let progress = std::io::stderr().is_terminal();
    runtime.block_on(async {
        let mut rx = start_all(&fleet);
        let mut shown = Instant::now();
        while let Some(update) = rx.recv().await {
            rows::apply(&mut rows, update);
            if progress && shown.elapsed().as_millis() >= 100 {
                shown = Instant::now();
                eprint!("\r{}", table::progress_line(&rows, 30, true));
            }
        }
    });
    if progress {
        eprint!("\r\x1b[2K");
    }
    fleet.facts.elapsed = started.elapsed();
    use std::io::Write;
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    // A closed pipe (`| head`) is not an internal error.
    let _ = match format {
        Format::Json => output::write_json(&mut stdout, &rows, fleet.facts)
            .and_then(|()| stdout.write_all(b"\n")),
        Format::Text => stdout.write_all(
            crate::safe_text::for_terminal(&output::to_text(&rows, fleet.facts, verbose))
                .as_bytes(),
        ),
        Format::Markdown => stdout.write_all(
            crate::safe_text::for_terminal(&output::to_markdown(&rows, fleet.facts)).as_bytes(),
        ),
    }
    .and_then(|()| stdout.flush());
    Ok(exit_code(&rows))
}
