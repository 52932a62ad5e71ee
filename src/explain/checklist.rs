//! The probe's checklist from what each ssh of an attempt showed: the first hop that failed
//! decides, stages the transcript passes over silently are implied by later lines, and a
//! transcript that stops before any outcome says so (`transcript.incomplete`).

use super::judge::{Ctx, LaneResult, Step};
use crate::event::{Finding, Severity, Stage, Status};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;

/// The whole verdict on an attempt.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// One step per probe stage, in order.
    pub steps: Vec<Step>,
    /// Every finding, hops first.
    pub findings: Vec<Finding>,
    /// Facts (the destination's; a jump host's under its name).
    pub facts: Vec<(Stage, String, String)>,
    /// The destination's login worked.
    pub login_ok: bool,
}

/// Put the hops' results together (first jump host first, the destination last).
pub fn assemble(results: Vec<(String, LaneResult)>, cx: &Ctx) -> Outcome {
    let last = results.len().saturating_sub(1);
    let failing = results.iter().position(|(_, r)| r.failed().is_some());
    let mut out = Outcome::default();
    for (i, (name, r)) in results.iter().enumerate() {
        // Past the hop that failed, errors are its consequences (the next ssh's closed
        // connection): they are left out; warnings stay.
        let consequence = failing.is_some_and(|f| i > f);
        out.findings.extend(
            r.findings
                .iter()
                .filter(|f| !consequence || f.severity != Severity::Error)
                .cloned(),
        );
        for (stage, key, value) in &r.facts {
            let key = if i == last {
                key.clone()
            } else {
                format!("jump {name} {key}")
            };
            out.facts.push((*stage, key, value.clone()));
        }
    }
    let Some((_, dest)) = results.last() else {
        return out;
    };
    out.steps = match failing {
        Some(i) if i != last => hop_steps(&results[i].0, &results[i].1),
        _ => dest_steps(dest, cx),
    };
    out.login_ok = dest.logged_in && dest.outcome_shown && failing.is_none();
    let has_error = out.findings.iter().any(|f| f.severity == Severity::Error);
    if !has_error && !out.login_ok && failing.is_none() {
        out.findings.push(incomplete(&out.steps, cx));
    }
    out
}

/// A jump host failed at some stage: the destination's checklist shows that hop's steps up to
/// it, and skips the rest.
fn hop_steps(hop: &str, r: &LaneResult) -> Vec<Step> {
    let failed = r.failed().unwrap_or(Stage::Tcp);
    let on_hop = |what: Text| text!("explain.checklist.jump_host_said", hop = hop, what = what);
    Stage::ALL
        .iter()
        .map(|&stage| {
            let own = r.steps.iter().find(|s| s.stage == stage);
            let (status, summary) = if stage < failed {
                (
                    Status::Pass,
                    own.map_or(text!("explain.checklist.jump_host", hop = hop), |s| {
                        on_hop(s.summary.clone())
                    }),
                )
            } else if stage == failed {
                let s = r.steps.iter().find(|s| s.status == Status::Fail);
                (
                    Status::Fail,
                    on_hop(s.map_or(text!("explain.checklist.failed"), |s| s.summary.clone())),
                )
            } else {
                (
                    Status::Skipped,
                    skipped(text!("explain.checklist.jump_host_failed", hop = hop)),
                )
            };
            Step {
                stage,
                status,
                summary,
            }
        })
        .collect()
}

/// `skipped: {why}`, as every front end words a skipped stage.
fn skipped(why: Text) -> Text {
    text!("summary.skipped", why = why)
}

/// A stage's title, in no language yet.
fn stage_title(stage: Stage) -> Text {
    let key = match stage {
        Stage::Config => "stage.config",
        Stage::Dns => "stage.dns",
        Stage::Tcp => "stage.tcp",
        Stage::Forward => "stage.forward",
        Stage::Proxy => "stage.proxy",
        Stage::Banner => "stage.banner",
        Stage::Kex => "stage.kex",
        Stage::Hostkey => "stage.hostkey",
        Stage::Auth => "stage.auth",
        Stage::Session => "stage.session",
        Stage::Remote => "stage.remote",
        _ => return Text::from(stage.title()),
    };
    Text::Key(key, Vec::new())
}

fn dest_steps(r: &LaneResult, cx: &Ctx) -> Vec<Step> {
    let reached = r
        .steps
        .iter()
        .map(|s| s.stage)
        .filter(|s| *s != Stage::Remote)
        .max();
    let failed = r.failed();
    Stage::ALL
        .iter()
        .map(|&stage| {
            if let Some(s) = r.steps.iter().find(|s| s.stage == stage) {
                return s.clone();
            }
            let (status, summary) = match (reached, failed) {
                (Some(last), _) if stage < last => {
                    (Status::Pass, text!("explain.checklist.implied"))
                }
                (_, Some(f)) => (
                    Status::Skipped,
                    skipped(text!(
                        "explain.checklist.stage_failed",
                        stage = stage_title(f)
                    )),
                ),
                _ if stage == Stage::Remote => (
                    Status::Skipped,
                    text!(
                        "explain.checklist.remote_not_visible",
                        user = if cx.user.is_empty() { "USER" } else { &cx.user }
                    ),
                ),
                _ if r.logged_in => (Status::Skipped, text!("explain.checklist.not_shown")),
                _ => (Status::Skipped, text!("explain.checklist.ends_before")),
            };
            Step {
                stage,
                status,
                summary,
            }
        })
        .collect()
}

/// The transcript stops without an outcome: what it rules out, and what would settle it.
fn incomplete(steps: &[Step], cx: &Ctx) -> Finding {
    let passed: Vec<Text> = steps
        .iter()
        .filter(|s| matches!(s.status, Status::Pass | Status::Warn))
        .map(|s| stage_title(s.stage))
        .collect();
    let last = steps
        .iter()
        .rev()
        .find(|s| s.status != Status::Skipped)
        .map_or(Stage::Config, |s| s.stage);
    let rules_out = if passed.is_empty() {
        text!("explain.checklist.nothing_yet")
    } else {
        text!(
            "explain.checklist.a_failure_at",
            stages = Text::join(passed, ", ")
        )
    };
    keyed(
        "transcript.incomplete",
        last,
        text!(
            "explain.checklist.incomplete",
            stage = stage_title(last),
            rules_out = rules_out
        ),
    )
    .fix_text(super::judge::settle(
        cx,
        text!("explain.judge.settle_all_of_it"),
    ))
}
