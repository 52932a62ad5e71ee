//! The plain-text report: readable in a terminal, stable for scripts and logs.

use super::{max_level, verdict, Report};
use crate::event::{Finding, Severity, Status, Via};
use crate::i18n::{stage_title, t, tf};
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
    checks(&mut out, r);
    if !r.findings.is_empty() {
        findings(&mut out, r);
    }
    if verbosity > 0 && !r.facts.is_empty() {
        facts(&mut out, r);
    }
    log(&mut out, r, verbosity);
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", verdict(r));
    out
}

/// "Checks": a line per stage.
fn checks(out: &mut String, r: &Report) {
    let _ = writeln!(out, "{}", t("report.checks"));
    let mut hop = None;
    for c in &r.checks {
        // Through jump hosts, the checks are grouped under each hop's heading.
        let indent = if r.has_jumps() { "    " } else { "  " };
        if r.has_jumps() && hop != Some(c.hop) {
            hop = Some(c.hop);
            let _ = writeln!(out, "  {}", hop_heading(r, c.hop));
        }
        let _ = writeln!(
            out,
            "{indent}{} {} {:>8}  {}",
            mark(c.status),
            crate::console::wrap::pad_right(stage_title(c.stage), 15),
            c.time_text(),
            c.summary
        );
    }
}

/// "Findings (N errors, M warnings)", then each one numbered.
fn findings(out: &mut String, r: &Report) {
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let _ = writeln!(out);
    let count = |key: &str, n: usize| match n {
        1 => t(&format!("report.{key}_one")).to_string(),
        n => tf(&format!("report.{key}_many"), &[("n", &n)]),
    };
    let (errors, warnings) = (count("errors", errors), count("warnings", warnings));
    let _ = writeln!(
        out,
        "{}",
        tf(
            "report.findings_counts",
            &[("errors", &errors), ("warnings", &warnings)]
        )
    );
    for (i, f) in r.findings.iter().enumerate() {
        let _ = writeln!(out);
        finding(out, r, i + 1, f);
    }
}

/// One finding: id, severity and title, the detail, the evidence, the fix, the actions.
fn finding(out: &mut String, r: &Report, number: usize, f: &Finding) {
    let at = match r.hop_name(f.hop).filter(|_| r.has_jumps()) {
        Some(h) => format!(" {}:", tf("report.at_hop", &[("hop", &h)])),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "{number}. {} [{}]{at} {}",
        f.id,
        t(&format!("severity.{}", f.severity.word())),
        f.title
    );
    for line in f.detail.lines() {
        let _ = writeln!(out, "   {line}");
    }
    if !f.evidence.is_empty() {
        let _ = writeln!(out, "   {}", t("report.evidence"));
        for e in &f.evidence {
            let _ = writeln!(out, "     {e}");
        }
    }
    let _ = writeln!(out, "   {}", t("report.fix"));
    for line in f.fix.lines() {
        let _ = writeln!(out, "     {line}");
    }
    for a in &f.actions {
        let action = tf("report.action", &[("id", &a.id), ("title", &a.title)]);
        let _ = writeln!(out, "   {action}");
        if a.repair.is_some() {
            let command = r.fix_command(&a.id);
            let _ = writeln!(
                out,
                "     {}",
                tf("report.apply_with", &[("command", &command)])
            );
        }
        let command = &a.command;
        let _ = writeln!(
            out,
            "     {}",
            tf("report.equivalent_command", &[("command", command)])
        );
        for line in a.preview.lines() {
            let _ = writeln!(out, "     | {line}");
        }
    }
}

/// "Facts": one per line, a value's further lines aligned under its first.
fn facts(out: &mut String, r: &Report) {
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", t("report.facts"));
    for f in &r.facts {
        let (stage, key) = (f.stage, &f.key);
        let mut lines = f.value.lines();
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

/// "Log": the lines at or below the verbosity's level, when there are any.
fn log(out: &mut String, r: &Report, verbosity: u8) {
    let shown: Vec<_> = r
        .log
        .iter()
        .filter(|l| l.level <= max_level(verbosity))
        .collect();
    if shown.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", t("report.log"));
    for l in shown {
        let _ = writeln!(out, "  {}", l.printed(r));
    }
}

/// "bastion: root@127.0.0.1 port 2222, over TCP", "target: ... through bastion".
pub(super) fn hop_heading(r: &Report, hop: usize) -> String {
    let Some(h) = r.hops.get(hop) else {
        return String::new();
    };
    let how = match h.via {
        Via::Tcp => "over TCP".to_string(),
        Via::Proxy => "through the ProxyCommand".to_string(),
        Via::Forward | Via::Netcat => {
            format!("through {}", r.hop_name(hop.wrapping_sub(1)).unwrap_or("?"))
        }
    };
    format!(
        "{} ({}@{} port {}, {how}): {}",
        h.host,
        h.user,
        h.hostname,
        h.port,
        r.hop_status(hop).word()
    )
}
