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

#[cfg(test)]
mod tests {
    use crate::event::{Event, HopPlan, Stage, Status, Via};
    use crate::findings::finding;
    use crate::report::Report;
    use std::time::Duration;

    fn hop(host: &str, via: Via, stages: &[Stage]) -> HopPlan {
        HopPlan {
            host: host.into(),
            user: "u".into(),
            hostname: "10.0.0.9".into(),
            port: 22,
            via,
            stages: stages.to_vec(),
        }
    }

    fn through_a_bastion() -> Report {
        use Stage::*;
        let mut r = Report::default();
        r.apply(&Event::Hops(vec![
            hop("bastion", Via::Tcp, &[Config, Dns, Tcp, Auth]),
            hop(
                "db",
                Via::Forward,
                &[Config, Forward, Auth, Session, Remote],
            ),
        ]));
        r.apply(&Event::StageFinished {
            said: None,
            hop: 1,
            stage: Forward,
            status: Status::Fail,
            elapsed: Duration::ZERO,
            summary: "refused".into(),
        });
        let mut f = finding("jump.forward_refused", Forward, "nothing listens");
        f.hop = 1;
        r.apply(&Event::Finding(f));
        let mut w = finding("config.parse_error", Config, "odd line");
        w.hop = 0;
        r.apply(&Event::Finding(w));
        r
    }

    #[test]
    fn every_form_names_the_hops() {
        let r = through_a_bastion();
        let j = r.to_json();
        assert_eq!(j["hops"][0]["host"], "bastion");
        assert_eq!(j["hops"][1]["via"], "forward");
        assert_eq!(j["hops"][1]["status"], "fail");
        assert_eq!(j["checks"][4]["host"], "db");
        assert_eq!(j["checks"][4]["id"], "config");
        assert_eq!(j["findings"][0]["host"], "db");
        let text = r.to_text(0);
        assert!(
            text.contains("  bastion (u@10.0.0.9 port 22, over TCP): pending"),
            "{text}"
        );
        assert!(
            text.contains("  db (u@10.0.0.9 port 22, through bastion): fail"),
            "{text}"
        );
        assert!(text.contains("    [FAIL] Forwarding"), "{text}");
        assert!(
            text.contains("jump.forward_refused [error] at db:"),
            "{text}"
        );
        assert!(text.contains("The login would fail at db."), "{text}");
        let md = r.to_markdown();
        assert!(
            md.contains("**db (u@10.0.0.9 port 22, through bastion): fail**"),
            "{md}"
        );
        assert_eq!(
            md.matches("| Stage | Status | Time | Summary |").count(),
            2,
            "{md}"
        );
    }

    #[test]
    fn configurations_come_before_connections_destination_first() {
        let mut r = through_a_bastion();
        let mut e = finding("config.invalid_value", Stage::Config, "refused");
        e.hop = 1;
        r.apply(&Event::Finding(e));
        let ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "config.invalid_value",
                "jump.forward_refused",
                "config.parse_error"
            ]
        );
        let mut e = finding("config.invalid_value", Stage::Config, "the bastion's");
        e.hop = 0;
        r.apply(&Event::Finding(e));
        assert_eq!(
            r.findings[1].hop, 0,
            "the destination's config is read first"
        );
    }
}
