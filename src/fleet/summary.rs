//! What a fleet's results add up to: each host's verdict, the stage it reached and its first
//! finding, and the hosts grouped by root cause ("12 × hostkey.changed, 3 × tcp.timeout").

use crate::event::{Finding, Severity, Stage, Status};
use crate::report::Report;

/// A finished host's verdict, as its single run's exit code says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Problems found (exit 1).
    Failing,
    /// No problem found, but the login could not be checked (exit 4).
    CouldNotTell,
    /// The login works (exit 0).
    Ok,
}

impl Verdict {
    /// The verdict of a host's report.
    pub fn of(report: &Report) -> Verdict {
        match crate::exit::for_report(report) {
            crate::exit::OK => Verdict::Ok,
            crate::exit::COULD_NOT_TELL => Verdict::CouldNotTell,
            _ => Verdict::Failing,
        }
    }
}

/// The finding a table shows for a host: the root cause (first error), else the first warning
/// or note.
pub fn first_finding(report: &Report) -> Option<&Finding> {
    report.root_cause().or_else(|| report.findings.first())
}

/// The id a failing host is grouped under: its root cause, else its failed stage.
pub fn cause_id(report: &Report) -> String {
    match report.root_cause() {
        Some(f) => f.id.clone(),
        None => report
            .checks
            .iter()
            .find(|c| c.status == Status::Fail)
            .map_or_else(|| "no finding".into(), |c| format!("{} failed", c.stage)),
    }
}

/// The last stage the run got to (not pending or skipped), with how it ended.
pub fn reached(report: &Report) -> Option<(Stage, Status)> {
    report
        .checks
        .iter()
        .rev()
        .find(|c| !matches!(c.status, Status::Pending | Status::Skipped))
        .map(|c| (c.stage, c.status))
}

/// Counts over the hosts, and the failing ones grouped by root cause.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Hosts in the run.
    pub total: usize,
    /// Hosts whose check finished.
    pub done: usize,
    /// Hosts whose login works.
    pub ok: usize,
    /// Hosts with problems.
    pub failing: usize,
    /// Hosts that could not be checked (no problem found).
    pub could_not_tell: usize,
    /// Each root cause id with the indexes of its hosts, most hosts first, then by id.
    pub causes: Vec<(String, Vec<usize>)>,
    /// Each warning id (on any host) with how many hosts have it, most first.
    pub warnings: Vec<(String, usize)>,
}

impl Summary {
    /// Sum up `total` hosts from the reports of those finished: `(index, report)`.
    pub fn of<'a>(
        total: usize,
        finished: impl IntoIterator<Item = (usize, &'a Report)>,
    ) -> Summary {
        let mut s = Summary {
            total,
            ..Summary::default()
        };
        let mut causes: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
        let mut warnings: std::collections::BTreeMap<String, usize> = Default::default();
        for (index, report) in finished {
            s.done += 1;
            match Verdict::of(report) {
                Verdict::Ok => s.ok += 1,
                Verdict::CouldNotTell => s.could_not_tell += 1,
                Verdict::Failing => {
                    s.failing += 1;
                    causes.entry(cause_id(report)).or_default().push(index);
                }
            }
            let mut ids: Vec<&str> = report
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Warning)
                .map(|f| f.id.as_str())
                .collect();
            ids.dedup();
            for id in ids {
                *warnings.entry(id.to_string()).or_default() += 1;
            }
        }
        s.causes = causes.into_iter().collect();
        s.causes
            .sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        s.warnings = warnings.into_iter().collect();
        s.warnings.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        s
    }

    /// `2 ok, 4 failing: 2 × hostkey.changed, 1 × tcp.refused` (and `1 could not tell`);
    /// `×` is `x` in ASCII.
    pub fn line(&self, ascii: bool) -> String {
        self.line_with(ascii, self.causes.len())
    }

    /// The line with only the `shown` most common causes, then `+N more`.
    fn line_with(&self, ascii: bool, shown: usize) -> String {
        let times = if ascii { "x" } else { "×" };
        let mut out = crate::i18n::tf(
            "fleet.ok_failing",
            &[("ok", &self.ok), ("failing", &self.failing)],
        );
        if !self.causes.is_empty() {
            let mut causes: Vec<String> = self
                .causes
                .iter()
                .take(shown)
                .map(|(id, hosts)| format!("{} {times} {}", hosts.len(), cause_label(id)))
                .collect();
            if shown < self.causes.len() {
                let n = self.causes.len() - shown;
                causes.push(crate::i18n::tf("fleet.more", &[("n", &n)]));
            }
            let sep = crate::i18n::t("fleet.table.list_sep");
            out = crate::i18n::tf(
                "fleet.table.with_causes",
                &[("counts", &out), ("causes", &causes.join(sep))],
            );
        }
        if self.could_not_tell > 0 {
            out.push_str(&crate::i18n::tf(
                "fleet.could_not_tell",
                &[("n", &self.could_not_tell)],
            ));
        }
        out
    }

    /// [`Summary::line`] in at most `width` cells (a CJK character is two): the least common
    /// causes give way to `+N more` (cut with an ellipsis only when even one cause does not fit).
    pub fn fitted(&self, ascii: bool, width: usize) -> String {
        use crate::console::wrap::{truncate, width as cells};
        for shown in (1..=self.causes.len()).rev() {
            let line = self.line_with(ascii, shown);
            if cells(&line) <= width {
                return line;
            }
        }
        let line = self.line_with(ascii, self.causes.len().min(1));
        if cells(&line) <= width {
            return line;
        }
        // As before CJK: the cut leaves three cells for the ellipsis, whichever it is.
        let (ellipsis, spare) = if ascii { ("...", 0) } else { ("…", 2) };
        truncate(&line, width.saturating_sub(spare), ellipsis)
    }
}

/// A root cause as the summary line shows it: a finding id as it is; a failed stage without
/// one (`auth failed`) in the language in force.
fn cause_label(id: &str) -> String {
    match id.strip_suffix(" failed") {
        Some(stage) if !id.contains('.') => {
            crate::i18n::tf("fleet.table.stage_failed", &[("stage", &stage)])
        }
        _ if id == "no finding" => crate::i18n::t("fleet.table.no_finding").into(),
        _ => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::findings::finding;

    fn failing(id: &str, stage: Stage) -> Report {
        let mut r = Report::default();
        r.apply(&Event::Finding(finding(id, stage, "x")));
        r.apply(&Event::Done { login_ok: false });
        r
    }

    #[test]
    fn hosts_are_grouped_by_root_cause_most_first() {
        let mut ok = Report::default();
        ok.apply(&Event::Finding(finding(
            "hostkey.unknown",
            Stage::Hostkey,
            "x",
        )));
        ok.apply(&Event::Done { login_ok: true });
        let reports = [
            failing("tcp.refused", Stage::Tcp),
            failing("hostkey.changed", Stage::Hostkey),
            ok,
            failing("hostkey.changed", Stage::Hostkey),
        ];
        let s = Summary::of(5, reports.iter().enumerate());
        assert_eq!((s.total, s.done, s.ok, s.failing), (5, 4, 1, 3));
        assert_eq!(
            s.causes,
            [
                ("hostkey.changed".to_string(), vec![1, 3]),
                ("tcp.refused".to_string(), vec![0])
            ]
        );
        assert_eq!(s.warnings, [("hostkey.unknown".to_string(), 1)]);
        assert_eq!(
            s.line(false),
            "1 ok, 3 failing: 2 × hostkey.changed, 1 × tcp.refused"
        );
        let cut = s.fitted(true, 30);
        assert!(cut.len() == 30 && cut.ends_with("..."), "{cut}");
        assert_eq!(
            s.fitted(true, 46),
            "1 ok, 3 failing: 2 x hostkey.changed, +1 more"
        );
        assert_eq!(reached(&reports[0]), None, "no stage ran");
        assert_eq!(first_finding(&reports[2]).unwrap().id, "hostkey.unknown");
    }
}
