//! Judging one attempt: each ssh's lines (the destination's and every jump host's) turned into
//! the probe's stages, findings and facts, with the transcript's line numbers as evidence.

mod auth;
mod banner;
mod hostkey;
mod net;
mod session;

use super::attempts::{Attempt, Item};
use super::classify::Msg;
use crate::algorithms::OpenSshVersion;
use crate::event::{Finding, Severity, Stage, Status};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;

/// What the judges need besides the lines.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The client's release, from the transcript (or the lowest its wording allows).
    pub version: Option<OpenSshVersion>,
    /// The client in words: `OpenSSH 9.2p1`, or `OpenSSH (version not shown)`.
    pub version_words: Text,
    /// The destination as typed (an alias or a host), for Host blocks and commands.
    pub alias: String,
    /// The user.
    pub user: String,
    /// Where the port came from, as a sentence.
    pub port_source: Text,
    /// The tool that ran ssh: `ssh`, `scp`, `git`, ...
    pub tool: String,
    /// The transcript is this machine's user's: local repairs may be offered.
    pub mine: bool,
    /// The `-o` options of the pasted command line (`Keyword=value`).
    pub options: Vec<String>,
    /// The destination's port.
    pub port: u16,
}

/// How one stage ended in the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The stage.
    pub stage: Stage,
    /// Its status.
    pub status: Status,
    /// One line, in no language yet (its English is what the report shows).
    pub summary: Text,
}

/// What one ssh's lines show.
#[derive(Debug, Clone, Default)]
pub struct LaneResult {
    /// The stages its lines show, in order, up to the first failure.
    pub steps: Vec<Step>,
    /// Its findings.
    pub findings: Vec<Finding>,
    /// Facts learned.
    pub facts: Vec<(Stage, String, String)>,
    /// It logged in.
    pub logged_in: bool,
    /// Its lines show how the login ended (authenticated, an exit status, a transfer), not only
    /// that one began.
    pub outcome_shown: bool,
}

impl LaneResult {
    fn step(&mut self, stage: Stage, status: Status, summary: impl Into<Text>) {
        self.steps.push(Step {
            stage,
            status,
            summary: summary.into(),
        });
    }

    fn fact(&mut self, stage: Stage, key: &str, value: impl Into<String>) {
        self.facts.push((stage, key.into(), value.into()));
    }

    /// The stage it failed at, if it did.
    pub fn failed(&self) -> Option<Stage> {
        self.steps
            .iter()
            .find(|s| s.status == Status::Fail)
            .map(|s| s.stage)
    }
}

/// One ssh's lines, for the judges.
pub(super) struct View<'a> {
    items: Vec<&'a Item>,
    /// The host this ssh connects to, in words.
    pub name: String,
    /// It is a jump host's ssh.
    pub jump: bool,
    /// The host it forwards to, for a jump host (the next hop, or the destination).
    pub next: Option<String>,
}

impl<'a> View<'a> {
    fn first(&self, f: impl Fn(&Msg) -> bool) -> Option<&'a Item> {
        self.items.iter().copied().find(|i| f(&i.msg))
    }

    fn last(&self, f: impl Fn(&Msg) -> bool) -> Option<&'a Item> {
        self.items.iter().rev().copied().find(|i| f(&i.msg))
    }

    fn all(&self, f: impl Fn(&Msg) -> bool) -> Vec<&'a Item> {
        self.items.iter().copied().filter(|i| f(&i.msg)).collect()
    }

    fn has(&self, f: impl Fn(&Msg) -> bool) -> bool {
        self.first(f).is_some()
    }

    /// Whether the line before `item` is one of ssh's debug lines (the paste is a debug run up
    /// to it, nothing left out there).
    fn debug_before(&self, item: &Item) -> bool {
        let at = self.items.iter().position(|i| std::ptr::eq(*i, item));
        at.and_then(|n| n.checked_sub(1))
            .is_some_and(|n| self.items[n].level != crate::event::Level::Info)
    }

    /// The core texts of a debug2 block (`local client KEXINIT proposal` and what follows).
    fn block_after(&self, heading: &str) -> Vec<&'a str> {
        let Some(at) = self.items.iter().position(|i| i.core == heading) else {
            return Vec::new();
        };
        self.items[at + 1..]
            .iter()
            .take(10)
            .map(|i| i.core.as_str())
            .collect()
    }
}

/// `line N: text`, the evidence form of a transcript line.
pub(super) fn ev(i: &Item) -> String {
    format!("line {}: {}", i.no, i.core)
}

/// The verdict on an attempt: one result per ssh, in hop order (first jump host first).
pub fn judge(a: &Attempt, cx: &Ctx) -> Vec<(String, LaneResult)> {
    let order = a.hop_order();
    let count = order.len();
    let name_of = |lane: usize| match &a.lanes[lane].jump {
        Some(j) => j.clone(),
        None => format!("{}:{}", cx.alias, cx.port),
    };
    order
        .iter()
        .enumerate()
        .map(|(n, &lane)| {
            let jump = lane != 0;
            let name = match &a.lanes[lane].jump {
                Some(j) => j.clone(),
                None => cx.alias.clone(),
            };
            let view = View {
                items: a.lane(lane).collect(),
                name: name.clone(),
                jump,
                next: order.get(n + 1).map(|&l| name_of(l)),
            };
            let mut r = judge_lane(&view, cx);
            if jump {
                r.findings = std::mem::take(&mut r.findings)
                    .into_iter()
                    .map(|f| on_jump_host(f, &name, n + 1, count))
                    .collect();
            }
            (name, r)
        })
        .collect()
}

/// A jump host's finding, its detail prefixed with the hop it is about.
fn on_jump_host(f: Finding, name: &str, hop: usize, count: usize) -> Finding {
    let detail = said_detail(&f);
    f.detail_text(text!(
        "explain.judge.on_jump_host",
        name = name,
        hop = hop,
        count = count,
        detail = detail
    ))
}

/// A finding's detail as a [`Text`]: the one it was written with, or its English as data.
pub(super) fn said_detail(f: &Finding) -> Text {
    f.said
        .detail
        .clone()
        .filter(|t| t.english() == f.detail)
        .unwrap_or_else(|| Text::from(&f.detail))
}

/// The stages one ssh's lines show, up to the first failure.
fn judge_lane(v: &View, cx: &Ctx) -> LaneResult {
    let mut r = LaneResult::default();
    type Judge = fn(&View, &Ctx, &mut LaneResult);
    let judges: [Judge; 8] = [
        net::config,
        net::dns,
        net::tcp,
        banner::banner,
        net::kex,
        hostkey::hostkey,
        auth::auth,
        session::session,
    ];
    for j in judges {
        j(v, cx, &mut r);
        if r.failed().is_some() {
            break;
        }
    }
    r
}

/// `transcript.cannot_tell`: a stage failed and the transcript does not say why; what it rules
/// out, and what settles it.
pub(super) fn cannot_tell(stage: Stage, what: Text, rules_out: Text, settle: Text) -> Finding {
    keyed(
        "transcript.cannot_tell",
        stage,
        text!(
            "explain.judge.cannot_tell",
            what = what,
            rules_out = rules_out
        ),
    )
    .fix_text(settle)
}

impl Ctx {
    /// The account as a command names it: `user@alias`, or the alias when no user is known.
    pub(super) fn account(&self) -> String {
        if self.user.is_empty() {
            self.alias.clone()
        } else {
            format!("{}@{}", self.user, self.alias)
        }
    }
}

/// What settles a question the transcript leaves open, for `alias` (`more`: what else to
/// include or try, from its leading `, `; empty for nothing).
pub(super) fn settle(cx: &Ctx, more: Text) -> Text {
    text!("explain.judge.settle", host = cx.account(), more = more)
}

/// Severity for a local problem: an error when it is why no login works.
pub(super) fn weight(f: Finding, root_cause: bool) -> Finding {
    let s = if root_cause {
        Severity::Error
    } else {
        Severity::Warning
    };
    f.severity(s)
}
