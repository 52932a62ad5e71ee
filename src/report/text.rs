//! The plain-text report: readable in a terminal, stable for scripts and logs.

use super::{max_level, verdict, Report};
use crate::event::{Severity, Status};
use std::fmt::Write;

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "[ ok ]",
        Status::Warn => "[warn]",
        Status::Fail => "[FAIL]",
        Status::Skipped => "[skip]",
        Status::Running => "[ .. ]",
        Status::Pending => "[    ]",
    }
}

/// Render the report as plain text.
pub(super) fn render(r: &Report, verbosity: u8) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "sshdoctor: {}", r.target_line());
    let _ = writeln!(out);
    let _ = writeln!(out, "Checks");
    for c in &r.checks {
        let time = if matches!(c.status, Status::Skipped | Status::Pending) {
            String::new()
        } else {
            format!("{} ms", c.elapsed_ms)
        };
        let _ = writeln!(
            out,
            "  {} {:<15} {:>8}  {}",
            mark(c.status),
            c.stage.title(),
            time,
            c.summary
        );
    }
    let errors = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    if !r.findings.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Findings ({errors} error{}, {warnings} warning{})",
            plural(errors),
            plural(warnings)
        );
        for (i, f) in r.findings.iter().enumerate() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{}. {} [{}] {}",
                i + 1,
                f.id,
                f.severity.word(),
                f.title
            );
            for line in f.detail.lines() {
                let _ = writeln!(out, "   {line}");
            }
            if !f.evidence.is_empty() {
                let _ = writeln!(out, "   Evidence:");
                for e in &f.evidence {
                    let _ = writeln!(out, "     {e}");
                }
            }
            let _ = writeln!(out, "   Fix:");
            for line in f.fix.lines() {
                let _ = writeln!(out, "     {line}");
            }
            for a in &f.actions {
                let _ = writeln!(out, "   Action {}: {}", a.id, a.title);
                if a.repair.is_some() {
                    let _ = writeln!(out, "     Apply with: {}", r.fix_command(&a.id));
                }
                let _ = writeln!(out, "     Equivalent command: {}", a.command);
                for line in a.preview.lines() {
                    let _ = writeln!(out, "     | {line}");
                }
            }
        }
    }
    if verbosity > 0 && !r.facts.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Facts");
        for (stage, key, value) in &r.facts {
            let mut lines = value.lines();
            let _ = writeln!(
                out,
                "  {:<8} {key}: {}",
                stage.name(),
                lines.next().unwrap_or("")
            );
            for more in lines {
                let _ = writeln!(out, "  {:<8} {:width$}  {more}", "", "", width = key.len());
            }
        }
    }
    let shown: Vec<_> = r
        .log
        .iter()
        .filter(|l| l.level <= max_level(verbosity))
        .collect();
    if !shown.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Log");
        for l in shown {
            // A transcript's lines have no time of their own: their line numbers instead.
            let time = if r.is_transcript() {
                String::new()
            } else {
                format!("{:>6} ms ", l.t_ms)
            };
            let _ = writeln!(
                out,
                "  {time}{:<7} {:<7} {}",
                l.stage.name(),
                l.level.name(),
                l.text
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", verdict(r));
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
