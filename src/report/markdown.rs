//! The markdown report, for pasting into a ticket or a chat.

use super::{verdict, Report};
use crate::event::Finding;
use std::fmt::Write;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Render the report as markdown.
pub(super) fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# sshdoctor: {}\n", cell(&r.target_line()));
    let _ = writeln!(out, "**{}**\n", verdict(r));
    checks(&mut out, r);
    if !r.findings.is_empty() {
        let _ = writeln!(out, "\n## Findings");
        for f in &r.findings {
            finding(&mut out, r, f);
        }
    }
    if !r.destination.is_empty() {
        settings(&mut out, r);
    }
    if !r.log.is_empty() {
        log(&mut out, r);
    }
    out
}

/// The table of stages.
fn checks(out: &mut String, r: &Report) {
    let mut hop = None;
    for c in &r.checks {
        // One table per hop through jump hosts, under the hop's heading.
        if hop != Some(c.hop) {
            if r.has_jumps() {
                let heading = super::text::hop_heading(r, c.hop);
                let gap = if hop.is_some() { "\n" } else { "" };
                let _ = writeln!(out, "{gap}**{}**\n", cell(&heading));
            }
            hop = Some(c.hop);
            let _ = writeln!(out, "| Stage | Status | Time | Summary |");
            let _ = writeln!(out, "|---|---|---|---|");
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            c.stage.title(),
            c.status.word(),
            c.time_text(),
            cell(&c.summary)
        );
    }
}

/// One finding: a heading, the detail, the evidence and fix in code blocks, the actions.
fn finding(out: &mut String, r: &Report, f: &Finding) {
    let at = match r.hop_name(f.hop).filter(|_| r.has_jumps()) {
        Some(h) => format!(" at {}", cell(h)),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "\n### `{}` ({}){at}: {}\n",
        f.id,
        f.severity.word(),
        f.title
    );
    let _ = writeln!(out, "{}\n", f.detail);
    if !f.evidence.is_empty() {
        let _ = writeln!(out, "Evidence:\n\n```");
        for e in &f.evidence {
            let _ = writeln!(out, "{e}");
        }
        let _ = writeln!(out, "```\n");
    }
    let _ = writeln!(out, "Fix:\n\n```\n{}\n```", f.fix);
    for a in &f.actions {
        let how = if a.repair.is_some() {
            format!("`{}`; equivalent: `{}`", r.fix_command(&a.id), a.command)
        } else {
            format!("`{}`", a.command)
        };
        let _ = writeln!(
            out,
            "\nAction `{}`: {} ({how})\n\n```diff\n{}```",
            a.id, a.title, a.preview
        );
    }
}

/// The effective settings, folded away.
fn settings(out: &mut String, r: &Report) {
    let _ = writeln!(out, "\n<details><summary>Effective settings</summary>\n");
    let _ = writeln!(out, "| Keyword | Value | From |\n|---|---|---|");
    for s in &r.destination {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} |",
            s.keyword,
            cell(&s.value),
            cell(&s.origin)
        );
    }
    let _ = writeln!(out, "\n</details>");
}

/// The handshake log, folded away.
fn log(out: &mut String, r: &Report) {
    let _ = writeln!(out, "\n<details><summary>Handshake log</summary>\n\n```");
    for l in &r.log {
        let _ = writeln!(out, "{}", l.printed(r));
    }
    let _ = writeln!(out, "```\n\n</details>");
}
