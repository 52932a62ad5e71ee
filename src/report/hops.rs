//! The report through jump hosts: each hop's name and how it ended, the order ssh meets the
//! stages of several hops in, and how the text forms tag a hop's lines.

use super::{Check, Report};
use crate::event::{Stage, Status};

impl Report {
    /// When ssh meets a stage of a hop: every configuration is read before anything is
    /// connected (the destination's first, then each jump host's, from the last one back, as
    /// each ssh started for a hop reads its own), then the hops are reached in order.
    pub(super) fn met_at(&self, hop: usize, stage: Stage) -> (bool, usize, Stage) {
        let last = self.hops.len().saturating_sub(1);
        match stage {
            Stage::Config => (false, last.saturating_sub(hop), stage),
            _ => (true, hop, stage),
        }
    }

    /// The hop as the user wrote it (None for a run that announced no hops).
    pub fn hop_name(&self, hop: usize) -> Option<&str> {
        self.hops.get(hop).map(|h| h.host.as_str())
    }

    /// Whether the login goes through jump hosts or a ProxyCommand's `ssh` (several hops).
    pub fn has_jumps(&self) -> bool {
        self.hops.len() > 1
    }

    /// How a hop ended as a whole: failed if a stage failed, else running, skipped when it was
    /// not reached (its first stage after the configuration was skipped), pending, warned,
    /// passed.
    pub fn hop_status(&self, hop: usize) -> Status {
        let own: Vec<&Check> = self.checks.iter().filter(|c| c.hop == hop).collect();
        let any = |s: Status| own.iter().any(|c| c.status == s);
        let reached = (own.iter())
            .find(|c| c.stage != Stage::Config)
            .is_none_or(|c| c.status != Status::Skipped);
        if any(Status::Fail) {
            Status::Fail
        } else if any(Status::Running) {
            Status::Running
        } else if !reached {
            Status::Skipped
        } else if any(Status::Pending) {
            Status::Pending
        } else if any(Status::Warn) {
            Status::Warn
        } else {
            Status::Pass
        }
    }
}

/// A log line's stage as the text forms show it: `kex`, or `bastion:kex` through jump hosts.
pub(crate) fn stage_tag(r: &Report, hop: usize, stage: Stage) -> String {
    match r.hop_name(hop).filter(|_| r.has_jumps()) {
        Some(h) => format!("{h}:{}", stage.name()),
        None => stage.name().to_string(),
    }
}
