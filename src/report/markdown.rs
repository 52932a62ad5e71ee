//! The markdown report, for pasting into a ticket or a chat.

use super::{verdict, Report};
use crate::event::Finding;
use crate::i18n::{stage_title, t, tf};
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
        let _ = writeln!(out, "\n## {}", t("report.findings"));
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
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                t("report.table_stage"),
                t("report.table_status"),
                t("report.table_time"),
                t("report.table_summary")
            );
            let _ = writeln!(out, "|---|---|---|---|");
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            stage_title(c.stage),
            t(&format!("status.{}", c.status.word())),
            c.time_text(),
            cell(&c.summary)
        );
    }
}

/// One finding: a heading, the detail, the evidence and fix in code blocks, the actions.
fn finding(out: &mut String, r: &Report, f: &Finding) {
    let at = match r.hop_name(f.hop).filter(|_| r.has_jumps()) {
        Some(h) => format!(" {}", tf("report.at_hop", &[("hop", &cell(h))])),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "\n### `{}` ({}){at}: {}\n",
        f.id,
        t(&format!("severity.{}", f.severity.word())),
        f.title
    );
    let _ = writeln!(out, "{}\n", f.detail);
    if !f.evidence.is_empty() {
        let _ = writeln!(out, "{}\n\n```", t("report.evidence"));
        for e in &f.evidence {
            let _ = writeln!(out, "{e}");
        }
        let _ = writeln!(out, "```\n");
    }
    let _ = writeln!(out, "{}\n\n```\n{}\n```", t("report.fix"), f.fix);
    for a in &f.actions {
        let how = if a.repair.is_some() {
            format!(
                "`{}`; {}: `{}`",
                r.fix_command(&a.id),
                t("report.equivalent"),
                a.command
            )
        } else {
            format!("`{}`", a.command)
        };
        let _ = writeln!(
            out,
            "\n{} ({how})\n\n```diff\n{}```",
            tf(
                "report.action",
                &[("id", &format!("`{}`", a.id)), ("title", &a.title)]
            ),
            a.preview
        );
    }
}

/// The effective settings, folded away.
fn settings(out: &mut String, r: &Report) {
    let _ = writeln!(
        out,
        "\n<details><summary>{}</summary>\n",
        t("report.effective_settings")
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} |\n|---|---|---|",
        t("report.table_keyword"),
        t("report.table_value"),
        t("report.table_from")
    );
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
    let _ = writeln!(
        out,
        "\n<details><summary>{}</summary>\n\n```",
        t("report.handshake_log")
    );
    for l in &r.log {
        let _ = writeln!(out, "{}", l.printed(r));
    }
    let _ = writeln!(out, "```\n\n</details>");
}
