//! The checklist's rows: one per stage for a direct login; through jump hosts, each hop is a
//! group (a heading row, then its stages), collapsed to its heading while it is green or not
//! reached, expanded while it runs or when it warns or fails; Enter on a heading toggles it.

use super::app::App;
use crate::event::{Stage, Status};
use crate::report::Check;

/// One row of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// The heading of a hop (an index into the report's hops).
    Hop(usize),
    /// A stage (an index into the report's checks).
    Check(usize),
}

impl App {
    /// The rows shown, in order.
    pub(super) fn rows(&self) -> Vec<Row> {
        let checks = &self.report.checks;
        if !self.report.has_jumps() {
            return (0..checks.len()).map(Row::Check).collect();
        }
        let mut rows = Vec::new();
        for hop in 0..self.report.hops.len() {
            rows.push(Row::Hop(hop));
            if self.hop_open(hop) {
                let own = (checks.iter().enumerate()).filter(|(_, c)| c.hop == hop);
                rows.extend(own.map(|(i, _)| Row::Check(i)));
            }
        }
        rows
    }

    /// Whether a hop's stages are shown: as the person toggled it, else while it runs, warns
    /// or fails.
    pub(super) fn hop_open(&self, hop: usize) -> bool {
        match self.hop_toggled.get(&hop) {
            Some(open) => *open,
            None => matches!(
                self.report.hop_status(hop),
                Status::Fail | Status::Warn | Status::Running
            ),
        }
    }

    /// Show or hide a hop's stages.
    pub(super) fn toggle_hop(&mut self, hop: usize) {
        let open = !self.hop_open(hop);
        self.hop_toggled.insert(hop, open);
    }

    /// The selected row.
    pub(super) fn selected_row(&self) -> Option<Row> {
        let rows = self.rows();
        let last = rows.len().checked_sub(1)?;
        rows.get(self.stage_sel.min(last)).copied()
    }

    /// The check of the selected row; a hop's heading stands for its first stage that failed
    /// (else its first stage).
    pub(super) fn selected_check(&self) -> Option<&Check> {
        let checks = &self.report.checks;
        match self.selected_row()? {
            Row::Check(i) => checks.get(i),
            Row::Hop(hop) => (checks
                .iter()
                .find(|c| c.hop == hop && c.status == Status::Fail))
            .or_else(|| checks.iter().find(|c| c.hop == hop)),
        }
    }

    /// The stage selected in the checklist.
    pub(super) fn selected_stage(&self) -> Stage {
        self.selected_check().map_or(Stage::Config, |c| c.stage)
    }

    /// The hop selected in the checklist.
    pub(super) fn selected_hop(&self) -> usize {
        match self.selected_row() {
            Some(Row::Hop(hop)) => hop,
            _ => self.selected_check().map_or(0, |c| c.hop),
        }
    }

    /// The row of a stage of a hop (its hop's heading while the hop is collapsed).
    pub(super) fn row_of(&self, hop: usize, stage: Stage) -> usize {
        let checks = &self.report.checks;
        let rows = self.rows();
        let exact = rows.iter().position(|r| match r {
            Row::Check(i) => checks
                .get(*i)
                .is_some_and(|c| c.hop == hop && c.stage == stage),
            Row::Hop(_) => false,
        });
        exact
            .or_else(|| rows.iter().position(|r| *r == Row::Hop(hop)))
            .unwrap_or(0)
    }

    /// A hop's heading after its name: how it went ("all 7 checks pass, 41 ms"), then where it
    /// is and how it is reached.
    pub(super) fn hop_summary(&self, hop: usize) -> String {
        let Some(h) = self.report.hops.get(hop) else {
            return String::new();
        };
        let checks: Vec<&Check> = (self.report.checks.iter())
            .filter(|c| c.hop == hop)
            .collect();
        let how = match (hop, h.via) {
            (0, crate::event::Via::Tcp) => String::new(),
            (_, crate::event::Via::Proxy) => " via ProxyCommand".to_string(),
            _ => format!(" via {}", self.report.hop_name(hop - 1).unwrap_or("?")),
        };
        let ms: u128 = checks.iter().map(|c| c.elapsed_ms).sum();
        let state = match self.report.hop_status(hop) {
            Status::Pass => format!("all {} checks pass, {ms} ms", checks.len()),
            Status::Fail => match checks.iter().find(|c| c.status == Status::Fail) {
                Some(c) => format!("fails at {}: {}", c.stage.title(), c.summary),
                None => "fails".to_string(),
            },
            Status::Skipped => match checks.iter().find(|c| c.status == Status::Skipped) {
                Some(c) => c.summary.clone(),
                None => "skipped".to_string(),
            },
            other => other.word().to_string(),
        };
        format!("{state} · {}@{}:{}{how}", h.user, h.hostname, h.port)
    }
}
