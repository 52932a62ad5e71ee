//! `--fix ACTION_ID`: diagnose, show the action's preview, confirm on the terminal (or `--yes`),
//! apply it through the safe writer, then run the checks again and print the new result.

use super::{diagnose, exit, print_report, Format};
use crate::config::ConfigInput;
use crate::event::ActionOffer;
use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal};
use std::time::Duration;

/// Why `--fix` stopped.
pub(crate) enum FixError {
    /// The request cannot be carried out as given (exit 2).
    Usage(String),
    /// sshdoctor failed (exit 3).
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for FixError {
    fn from(e: anyhow::Error) -> Self {
        FixError::Internal(e)
    }
}

pub(crate) fn run(
    input: &ConfigInput,
    timeout: Option<Duration>,
    action_id: &str,
    yes: bool,
    format: Format,
    verbose: u8,
) -> Result<u8, FixError> {
    let report = diagnose(input, timeout)?;
    let offered: Vec<(&str, &ActionOffer)> = report
        .findings
        .iter()
        .flat_map(|f| f.actions.iter().map(move |a| (f.id.as_str(), a)))
        .collect();
    let Some((finding_id, action)) = offered.iter().find(|(_, a)| a.id == action_id).copied()
    else {
        let ids: Vec<&str> = offered.iter().map(|(_, a)| a.id.as_str()).collect();
        return Err(FixError::Usage(crate::i18n::tf(
            "cli.fix.not_offered",
            &[
                ("id", &format!("{action_id:?}")),
                ("offered", &offered_list(&ids)),
            ],
        )));
    };
    // permissions.fix covers every permission problem listed; hard links are pointed out.
    let action = &crate::repair::prepare(action, &report.findings);
    let Some(repair) = &action.repair else {
        return Err(FixError::Usage(crate::i18n::tf(
            "cli.fix.not_here",
            &[("id", &action_id)],
        )));
    };
    if !confirm(finding_id, action, yes)? {
        return Ok(exit::PROBLEMS);
    }
    let mut err = crate::safe_text::SafeStderr;
    if let crate::repair::Repair::RemotePermissions { changes } = repair {
        // Made on the server by a new run, which logs in the same way, makes each chmod whose
        // path still has the mode shown, looks again and reports.
        let _ = writeln!(err, "{}\n", crate::i18n::t("cli.fix.logging_in_again"));
        let mut plan = super::make_plan(input, timeout);
        plan.remote_fix = Some(changes.clone());
        let mut after = super::diagnose_plan(plan)?;
        after.rerun = Some(crate::destination::command_args(input, timeout));
        for line in after
            .log
            .iter()
            .filter(|l| l.text.starts_with("Changed the mode of"))
        {
            let _ = writeln!(err, "{}", line.text);
        }
        let _ = writeln!(err);
        print_report(&after, format, verbose)?;
        return Ok(exit::for_report(&after));
    }
    if !apply_and_say(repair) {
        return Ok(exit::PROBLEMS);
    }
    let _ = writeln!(err, "\n{}\n", crate::i18n::t("cli.fix.again"));
    let mut after = diagnose(input, timeout)?;
    after.rerun = Some(crate::destination::command_args(input, timeout));
    print_report(&after, format, verbose)?;
    Ok(exit::for_report(&after))
}

/// Show the action (its preview and equivalent command, made safe for the terminal) and ask
/// y/N on the terminal unless `yes`; `Ok(false)` when the person declines (nothing changed).
pub(super) fn confirm(finding_id: &str, action: &ActionOffer, yes: bool) -> Result<bool, FixError> {
    // The preview quotes file contents: shown made safe for the terminal.
    let mut err = crate::safe_text::SafeStderr;
    let _ = writeln!(
        err,
        "{finding_id}: {}\n\n{}\n{}\n",
        crate::i18n::action_title(action),
        action.preview,
        crate::i18n::tf("cli.fix.equivalent", &[("command", &action.command)])
    );
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(FixError::Usage(
                crate::i18n::t("cli.fix_needs_terminal").into(),
            ));
        }
        let question = if action.preview.contains("# note: ") {
            crate::i18n::t("cli.fix.ask_note")
        } else {
            crate::i18n::t("cli.fix.ask")
        };
        let _ = write!(err, "{question} ");
        err.flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            let _ = writeln!(err, "{}", crate::i18n::t("cli.fix.nothing_changed"));
            return Ok(false);
        }
    }
    Ok(true)
}

/// The action ids offered, for a refusal: `a, b`, or `none` in the language in force.
pub(super) fn offered_list(ids: &[&str]) -> String {
    match ids {
        [] => crate::i18n::t("cli.fix.none").into(),
        _ => ids.join(", "),
    }
}

/// Apply a confirmed repair, saying on standard error what it changed (or why it failed);
/// false when it failed.
pub(crate) fn apply_and_say(repair: &crate::repair::Repair) -> bool {
    let mut err = crate::safe_text::SafeStderr;
    match crate::repair::apply(repair) {
        Ok(applied) => {
            for a in &applied {
                let _ = writeln!(err, "{}", a.summary());
            }
            true
        }
        Err(e) => {
            let _ = writeln!(err, "sshdoctor: {e}");
            false
        }
    }
}
