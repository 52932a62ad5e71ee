//! The fleet's results as rows, folded from the checks' updates: the one data path both the
//! table and the report read.

use super::hosts::Listed;
use super::probe::{Outcome, Update};
use super::summary::{self, Summary, Verdict};
use crate::event::{Stage, Status};
use crate::report::Report;
use std::time::{Duration, Instant};

/// Where a host's check is.
#[derive(Debug, Clone)]
pub enum RowState {
    /// Waiting for a turn.
    Queued,
    /// Running since `since`, in `stage` once one began.
    Running {
        /// The stage it is in.
        stage: Option<Stage>,
        /// When its turn came.
        since: Instant,
    },
    /// Finished.
    Done(Box<Outcome>),
}

/// One host of the fleet.
#[derive(Debug, Clone)]
pub struct Row {
    /// The host as listed.
    pub listed: Listed,
    /// Its first hop, once known (None: direct).
    pub hop: Option<String>,
    /// Where its check is.
    pub state: RowState,
}

impl Row {
    /// A queued row for a listed host.
    pub fn new(listed: Listed) -> Row {
        Row {
            listed,
            hop: None,
            state: RowState::Queued,
        }
    }

    /// The finished report, if the check is over.
    pub fn report(&self) -> Option<&Report> {
        match &self.state {
            RowState::Done(o) => Some(&o.report),
            _ => None,
        }
    }

    /// The verdict, once finished.
    pub fn verdict(&self) -> Option<Verdict> {
        self.report().map(Verdict::of)
    }

    /// The id the table shows: the root cause, else the first warning or note.
    pub fn finding_id(&self) -> Option<&str> {
        self.report()
            .and_then(summary::first_finding)
            .map(|f| f.id.as_str())
    }

    /// The stage reached and how it ended (a running stage shows as running).
    pub fn reached(&self) -> Option<(Stage, Status)> {
        match &self.state {
            RowState::Queued => None,
            RowState::Running { stage, .. } => stage.map(|s| (s, Status::Running)),
            RowState::Done(o) => summary::reached(&o.report),
        }
    }

    /// The time the check took, or has taken so far.
    pub fn elapsed(&self) -> Option<Duration> {
        match &self.state {
            RowState::Queued => None,
            RowState::Running { since, .. } => Some(since.elapsed()),
            RowState::Done(o) => Some(o.elapsed),
        }
    }

    /// The first hop as shown: the jump host, or `direct` in the language in force (nothing while
    /// queued: not known yet).
    pub fn hop_text(&self) -> &str {
        match (&self.hop, &self.state) {
            (Some(hop), _) => hop,
            (None, RowState::Queued) => "",
            (None, _) => crate::i18n::t("fleet.table.direct"),
        }
    }
}

/// Fold one update into the rows.
pub fn apply(rows: &mut [Row], update: Update) {
    match update {
        Update::Started { index, hop } => {
            if let Some(row) = rows.get_mut(index) {
                row.hop = hop;
                row.state = RowState::Running {
                    stage: None,
                    since: Instant::now(),
                };
            }
        }
        Update::Stage { index, stage } => {
            if let Some(RowState::Running { stage: s, .. }) =
                rows.get_mut(index).map(|r| &mut r.state)
            {
                *s = Some(stage);
            }
        }
        Update::Done { index, outcome } => {
            if let Some(row) = rows.get_mut(index) {
                row.state = RowState::Done(outcome);
            }
        }
    }
}

/// The summary of the rows as they are.
pub fn summarize(rows: &[Row]) -> Summary {
    Summary::of(
        rows.len(),
        rows.iter()
            .enumerate()
            .filter_map(|(i, r)| r.report().map(|rep| (i, rep))),
    )
}

/// How many rows are running and how many are finished.
pub fn progress(rows: &[Row]) -> (usize, usize) {
    rows.iter()
        .fold((0, 0), |(running, done), r| match r.state {
            RowState::Queued => (running, done),
            RowState::Running { .. } => (running + 1, done),
            RowState::Done(_) => (running, done + 1),
        })
}

/// A duration as the table shows it: `312 ms`, `4.2 s`.
pub fn duration_text(d: Duration) -> String {
    if d < Duration::from_secs(10) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}
