//! `--record`: the transcript of a console session — every run's markdown report (marked when
//! it was interrupted), then every action taken with its result.

use super::app::App;
use super::labels;
use crate::event::Status;
use std::fmt::Write;

impl App {
    /// For `--record`: every run's markdown report (with its full log), then every action taken with its result.
    pub fn transcript(&self) -> String {
        let mut out = String::new();
        let runs = self.earlier_runs.len() + 1;
        for (n, md) in self
            .earlier_runs
            .iter()
            .chain(std::iter::once(&self.run_markdown()))
            .enumerate()
        {
            if runs > 1 {
                let _ = writeln!(out, "<!-- run {} of {runs} -->\n", n + 1);
            }
            out.push_str(md);
            out.push('\n');
        }
        if !self.actions.is_empty() {
            let _ = writeln!(out, "## Actions taken\n");
            for a in &self.actions {
                let _ = writeln!(
                    out,
                    "- `{}`: {} (equivalent: `{}`)",
                    a.id, a.title, a.command
                );
                match &a.result {
                    None => {
                        let _ = writeln!(out, "  - not finished");
                    }
                    Some(Ok(lines)) => {
                        for l in lines {
                            let _ = writeln!(out, "  - {l}");
                        }
                    }
                    Some(Err(e)) => {
                        let _ = writeln!(out, "  - failed: {e}");
                    }
                }
            }
        }
        out
    }

    /// One run's markdown; a run that did not finish (quit or restarted) says so, and names
    /// the destination as typed when it was not resolved yet.
    pub(super) fn run_markdown(&self) -> String {
        let mut report = self.report.clone();
        report.rerun = Some(self.rerun.clone()).filter(|r| !r.is_empty());
        let md = report.to_markdown();
        if self.done {
            return md;
        }
        let running = self
            .report
            .checks
            .iter()
            .find(|c| c.status == Status::Running)
            .map(|c| c.stage.title());
        // The heading and the verdict are the first two paragraphs.
        let mut parts = md.splitn(3, "\n\n");
        let heading = parts.next().unwrap_or_default();
        let _verdict = parts.next();
        let rest = parts.next().unwrap_or_default();
        let heading = if self.report.destination.is_empty() {
            format!("# sshdoctor: {}", self.target)
        } else {
            heading.to_string()
        };
        format!(
            "{heading}\n\n**{}**\n\n{rest}",
            labels::interrupted(running)
        )
    }
}
