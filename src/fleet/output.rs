//! The fleet's report: one JSON object (`{"hosts": [...], "summary": {...}}`, each host the
//! single-run report plus `"alias"`), or the table and the root causes as text or markdown.

use super::rows::{duration_text, summarize, Row};
use super::summary::{Summary, Verdict};
use crate::i18n::{t, tf};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::time::Duration;

/// How the run went, for the summary.
#[derive(Debug, Clone, Copy)]
pub struct RunFacts {
    /// Hosts checked at once.
    pub jobs: usize,
    /// Hosts checked at once through one jump host.
    pub jump_jobs: usize,
    /// The whole run.
    pub elapsed: Duration,
}

/// The JSON report as a value (for tests and small fleets; [`write_json`] streams it).
pub fn to_json(rows: &[Row], facts: RunFacts) -> Value {
    let mut out = Vec::new();
    write_json(&mut out, rows, facts).expect("writing to memory");
    serde_json::from_slice(&out).expect("valid JSON")
}

/// Write the JSON report, pretty-printed, one host at a time: only one host's JSON value is
/// in memory at once, whatever the fleet's size.
pub fn write_json(
    out: &mut impl std::io::Write,
    rows: &[Row],
    facts: RunFacts,
) -> std::io::Result<()> {
    use serde::Serialize;
    let summary = summary_json(&summarize(rows), rows, facts);
    let report = FleetJson { rows, summary };
    let mut ser = serde_json::Serializer::pretty(out);
    report.serialize(&mut ser).map_err(std::io::Error::other)
}

/// `{"hosts": [...], "summary": {...}}`, each host serialized as it is reached.
struct FleetJson<'a> {
    rows: &'a [Row],
    summary: Value,
}

impl serde::Serialize for FleetJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("hosts", &Hosts(self.rows))?;
        map.serialize_entry("summary", &self.summary)?;
        map.end()
    }
}

/// The finished hosts, each the single-run report plus `alias` (and `note` when listed so).
struct Hosts<'a>(&'a [Row]);

impl serde::Serialize for Hosts<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(None)?;
        for row in self.0 {
            let Some(report) = row.report() else { continue };
            let mut entry = report.to_json();
            entry["alias"] = row.listed.alias.clone().into();
            if let Some(note) = &row.listed.note {
                entry["note"] = note.clone().into();
            }
            seq.serialize_element(&entry)?;
        }
        seq.end()
    }
}

fn summary_json(s: &Summary, rows: &[Row], facts: RunFacts) -> Value {
    let alias = |i: &usize| rows[*i].listed.alias.clone();
    json!({
        "hosts": s.total,
        "ok": s.ok,
        "failing": s.failing,
        "could_not_tell": s.could_not_tell,
        "root_causes": s.causes.iter().map(|(id, hosts)| json!({
            "id": id,
            "count": hosts.len(),
            "hosts": hosts.iter().map(alias).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "warnings": s.warnings.iter().map(|(id, n)| json!({"id": id, "count": n})).collect::<Vec<_>>(),
        "jobs": facts.jobs,
        "jump_jobs": facts.jump_jobs,
        "elapsed_ms": facts.elapsed.as_millis() as u64,
    })
}

/// The cells of one row: status word, host, hop, stage reached, first finding, time.
fn cells(row: &Row) -> [String; 6] {
    let status = match row.verdict() {
        Some(Verdict::Ok) => "[ ok ]",
        Some(Verdict::Failing) => "[FAIL]",
        Some(Verdict::CouldNotTell) => "[ ?? ]",
        None => "[    ]",
    };
    let reached = row
        .reached()
        .map_or_else(String::new, |(s, st)| format!("{s} {}", st.word()));
    [
        status.to_string(),
        row.listed.alias.clone(),
        row.hop_text().to_string(),
        reached,
        row.finding_id().unwrap_or("-").to_string(),
        row.elapsed().map(duration_text).unwrap_or_default(),
    ]
}

/// The text report: a heading with the summary line, the table, the root causes with their
/// hosts, the notes; with `verbose` ≥ 1 each failing host's own report after it.
pub fn to_text(rows: &[Row], facts: RunFacts, verbose: u8) -> String {
    let summary = summarize(rows);
    let mut out = tf(
        "fleet.report.heading",
        &[
            ("hosts", &hosts_counted(summary.total)),
            ("facts", &run_facts(&summary, facts)),
        ],
    ) + "\n\n";
    let header = [
        "",
        t("fleet.col.host"),
        t("fleet.col.hop"),
        t("fleet.report.reached"),
        t("fleet.col.finding"),
        t("fleet.col.time"),
    ]
    .map(String::from);
    let table: Vec<[String; 6]> = std::iter::once(header)
        .chain(rows.iter().map(cells))
        .collect();
    let widths: Vec<usize> = (0..6)
        .map(|c| {
            table
                .iter()
                .map(|r| crate::console::wrap::width(&r[c]))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in &table {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            // Padded by display width: a CJK heading is two cells a character.
            let pad = widths[c].saturating_sub(crate::console::wrap::width(cell));
            let _ = write!(line, "{cell}{}  ", " ".repeat(pad));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    causes_text(&mut out, &summary, rows);
    let notes: Vec<&Row> = rows.iter().filter(|r| r.listed.note.is_some()).collect();
    if !notes.is_empty() {
        let _ = write!(out, "\n{}\n", t("fleet.report.notes"));
        for r in notes {
            let _ = writeln!(
                out,
                "  {}: {}",
                r.listed.alias,
                r.listed.note.as_deref().unwrap_or("")
            );
        }
    }
    if verbose > 0 {
        for row in rows
            .iter()
            .filter(|r| r.verdict() == Some(Verdict::Failing))
        {
            let _ = write!(out, "\n=== {} ===\n", row.listed.alias);
            out.push_str(
                &row.report()
                    .map(|r| r.to_text(verbose - 1))
                    .unwrap_or_default(),
            );
        }
    }
    out
}

/// The hosts of each root cause, with the cause's title and one host's fix command.
fn causes_text(out: &mut String, summary: &Summary, rows: &[Row]) {
    if summary.causes.is_empty() {
        return;
    }
    let _ = write!(out, "\n{}\n", t("fleet.report.root_causes"));
    for (id, hosts) in &summary.causes {
        let report = rows[hosts[0]].report();
        let title = report
            .and_then(|r| r.root_cause())
            .map_or(String::new(), |f| crate::i18n::localize(f).title);
        let _ = writeln!(out, "  {} × {id}  {title}", hosts.len());
        let _ = writeln!(out, "      {}", host_list(hosts, rows, 20));
        if let Some(action) = report
            .and_then(|r| r.root_cause())
            .and_then(|f| f.actions.iter().find(|a| a.repair.is_some()))
        {
            let fix = report
                .map(|r| r.fix_command(&action.id))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "      {}",
                tf("fleet.report.fix_one", &[("fix", &fix)])
            );
            if super::repair::batchable(&action.id) && hosts.len() > 1 {
                let all = tf("fleet.report.fix_all", &[("n", &hosts.len())]);
                let _ = writeln!(out, "      {all}");
            }
        }
    }
}

/// Up to `max` aliases, then how many more.
fn host_list(hosts: &[usize], rows: &[Row], max: usize) -> String {
    let names: Vec<&str> = hosts
        .iter()
        .take(max)
        .map(|&i| rows[i].listed.alias.as_str())
        .collect();
    let more = hosts.len().saturating_sub(max);
    let mut text = names.join(", ");
    if more > 0 {
        text.push_str(&tf("fleet.report.and_more", &[("n", &more)]));
    }
    text
}

/// `1 host`, `12 hosts`, in the language in force.
fn hosts_counted(n: usize) -> String {
    let key = if n == 1 {
        "fleet.repair.hosts_one"
    } else {
        "fleet.repair.hosts_many"
    };
    tf(key, &[("n", &n)])
}

/// `1 ok, 3 failing: 2 × hostkey.changed, 1 × tcp.refused (128 at once, 4.2 s)`.
fn run_facts(summary: &Summary, facts: RunFacts) -> String {
    tf(
        "fleet.report.facts",
        &[
            ("summary", &summary.line(false)),
            ("jobs", &facts.jobs),
            ("time", &duration_text(facts.elapsed)),
        ],
    )
}

/// The markdown report: the table and the root causes, for tickets and chat.
pub fn to_markdown(rows: &[Row], facts: RunFacts) -> String {
    let summary = summarize(rows);
    let mut out = format!(
        "## sshdoctor fleet: {}\n\n{}\n\n",
        hosts_counted(summary.total),
        run_facts(&summary, facts)
    );
    let _ = writeln!(out, "{}", t("fleet.report.md_columns"));
    out.push_str("|---|---|---|---|---|---|\n");
    for row in rows {
        let c = cells(row).map(|s| s.replace('|', "\\|"));
        let id = if c[4] == "-" {
            String::new()
        } else {
            format!("`{}`", c[4])
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {id} | {} |",
            c[0].trim_matches(['[', ']', ' ']),
            c[1],
            c[2],
            c[3],
            c[5]
        );
    }
    if !summary.causes.is_empty() {
        let _ = write!(out, "\n### {}\n\n", t("fleet.report.root_causes"));
        for (id, hosts) in &summary.causes {
            let title = rows[hosts[0]]
                .report()
                .and_then(|r| r.root_cause())
                .map_or(String::new(), |f| {
                    crate::i18n::localize(f).title.replace('|', "\\|")
                });
            let _ = writeln!(
                out,
                "- **{} × `{id}`** {title}: {}",
                hosts.len(),
                host_list(hosts, rows, 50)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, Stage};
    use crate::fleet::hosts::Listed;
    use crate::fleet::probe::{Outcome, Update};
    use crate::i18n::{with_lang, Lang};
    use crate::report::Report;

    /// Two hosts refused, one of them listed with a note.
    fn rows() -> Vec<Row> {
        let mut rows: Vec<Row> = ["web", "db"]
            .iter()
            .map(|a| {
                let note = (*a == "db").then(|| "from ~/.ssh/known_hosts:3".to_string());
                Row::new(Listed {
                    alias: a.to_string(),
                    args: vec![a.to_string()],
                    note,
                })
            })
            .collect();
        for index in 0..2 {
            let mut report = Report::default();
            let refused = crate::findings::finding("tcp.refused", Stage::Tcp, "refused");
            report.apply(&Event::Finding(refused));
            report.apply(&Event::Done { login_ok: false });
            let outcome = Box::new(Outcome {
                report,
                elapsed: Duration::from_millis(5),
            });
            super::super::rows::apply(&mut rows, Update::Done { index, outcome });
        }
        rows
    }

    const FACTS: RunFacts = RunFacts {
        jobs: 4,
        jump_jobs: 4,
        elapsed: Duration::from_millis(7),
    };

    #[test]
    fn the_text_and_markdown_reports_in_each_language() {
        let rows = rows();
        let en = to_text(&rows, FACTS, 0);
        assert!(
            en.starts_with(
                "sshdoctor fleet: 2 hosts, 0 ok, 2 failing: 2 × tcp.refused (4 at once, 7 ms)\n\n"
            ),
            "{en}"
        );
        assert!(
            en.contains("\nRoot causes\n  2 × tcp.refused  Connection refused"),
            "{en}"
        );
        assert!(en.contains("REACHED") && en.contains("\nNotes\n"), "{en}");
        let ja = with_lang(Lang::Ja, || to_text(&rows, FACTS, 0));
        assert!(
            ja.starts_with(
                "sshdoctor fleet: 2 ホスト、正常 0、失敗 2: 2 × tcp.refused（同時 4、7 ms）"
            ),
            "{ja}"
        );
        assert!(
            ja.contains("根本原因") && ja.contains("接続が拒否されました"),
            "{ja}"
        );
        assert!(ja.contains("到達段階") && ja.contains("注記"), "{ja}");
        let zh = with_lang(Lang::ZhCn, || to_markdown(&rows, FACTS));
        assert!(zh.starts_with("## sshdoctor fleet: 2 台主机\n"), "{zh}");
        assert!(
            zh.contains("| | 主机 | 跳板 | 到达阶段 | 首个问题 | 用时 |"),
            "{zh}"
        );
        assert!(zh.contains("### 根本原因"), "{zh}");
        assert!(
            !zh.contains("Root causes") && !zh.contains("Connection refused"),
            "{zh}"
        );
    }
}
