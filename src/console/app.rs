//! The console's state, folded from engine events; rendering only reads it.

use super::describe::{confirm_text, ConfirmText};
use super::labels;
use super::logview::LogView;
use super::theme::Theme;
use super::ConsoleOptions;
use crate::event::{ActionOffer, Event, Finding, Severity, Stage, Status};
use crate::report::{self, Report};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The panel that receives keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The stage checklist.
    Checklist,
    /// The handshake log.
    Log,
    /// Findings and their actions.
    Findings,
}

impl Focus {
    /// The next panel in Tab order.
    pub fn next(self) -> Focus {
        match self {
            Focus::Checklist => Focus::Log,
            Focus::Log => Focus::Findings,
            Focus::Findings => Focus::Checklist,
        }
    }

    /// The previous panel in Tab order.
    pub fn prev(self) -> Focus {
        self.next().next()
    }
}

/// A dialog on top of the panels; it takes every key first.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// The key table, scrolled by this many rows.
    Help {
        /// Rows scrolled.
        scroll: usize,
    },
    /// "Apply this change?", holding the very action `y` applies.
    Confirm {
        /// The action to apply.
        action: ActionOffer,
        /// What the dialog says about it, in words.
        text: Box<ConfirmText>,
        /// Rows of the preview scrolled.
        scroll: usize,
    },
    /// A masked prompt for a password or passphrase.
    Secret {
        /// What is asked, e.g. "Passphrase for ~/.ssh/id_ed25519".
        title: String,
        /// Why it is asked (again), in a sentence above the box, if there is more to say.
        note: Option<String>,
        /// The secret typed so far; rendered only as one mask character per char.
        input: crate::secret_input::SecretInput,
    },
}

/// A repair the user applied, and what came of it (for the status line and `--record`).
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRecord {
    /// The action id, e.g. `known_hosts.remove`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The equivalent shell command.
    pub command: String,
    /// `None` while it is being applied; then what was written, or the error.
    pub result: Option<Result<Vec<String>, String>>,
}

/// All state of the console.
#[derive(Debug, Clone)]
pub struct App {
    pub(super) target: String,
    pub(super) theme: Theme,
    pub(super) report: Report,
    pub(super) done: bool,
    pub(super) focus: Focus,
    pub(super) stage_sel: usize,
    pub(super) log: LogView,
    pub(super) finding_sel: usize,
    /// Which of the selected finding's actions Enter (or `f`) opens.
    pub(super) action_sel: usize,
    pub(super) detail_scroll: usize,
    /// The person moved the focus or a selection: no more automatic moves until a re-run.
    pub(super) touched: bool,
    /// The person moved the checklist selection: it no longer follows the running stage.
    pub(super) stage_touched: bool,
    /// The first stage row shown when the checklist is too short for all of them.
    pub(super) check_top: usize,
    /// The focused panel fills the screen.
    pub(super) zoom: bool,
    /// The home directory, for showing paths with `~`.
    pub(super) home: PathBuf,
    /// The limit of each network step, shown beside a running stage.
    pub(super) limit: Option<Duration>,
    /// When each stage (of each hop) started, since the run began.
    pub(super) started: HashMap<(usize, Stage), Duration>,
    /// Hops the person opened or closed in the checklist (through jump hosts).
    pub(super) hop_toggled: HashMap<usize, bool>,
    /// Time since the run began, as of the last tick.
    pub(super) clock: Duration,
    pub(super) epoch: Instant,
    /// The arguments that diagnose this destination again (`-F FILE host`), for commands shown.
    pub(super) rerun: String,
    pub(super) overlay: Option<Overlay>,
    pub(super) spinner: usize,
    pub(super) ticks: usize,
    pub(super) actions: Vec<ActionRecord>,
    pub(super) status: Option<String>,
    pub(super) earlier_runs: Vec<String>,
    pub(super) size: (u16, u16),
    /// A confirmed change on the server the current run makes (its action id): it is reported
    /// done only when the run says so.
    pub(super) remote_fix: Option<String>,
    /// The prompt last answered, to tell a refused answer (the same prompt again).
    pub(super) answered: Option<String>,
    /// The person chose to go on without trusting the host key (`g`): the trust dialog no
    /// longer opens by itself (Enter on the finding still opens it).
    pub(super) untrusted: bool,
    pub(super) dirty: bool,
    pub(super) quit: bool,
}

impl App {
    /// A console for `target` (`user@host port N` or the alias as typed), before any event.
    pub fn new(target: String, options: ConsoleOptions) -> App {
        App {
            target,
            theme: Theme::new(options),
            report: Report::default(),
            done: false,
            focus: Focus::Checklist,
            stage_sel: 0,
            log: LogView::default(),
            finding_sel: 0,
            action_sel: 0,
            detail_scroll: 0,
            touched: false,
            stage_touched: false,
            check_top: 0,
            zoom: false,
            home: crate::config::home_dir(),
            limit: None,
            started: HashMap::new(),
            hop_toggled: HashMap::new(),
            clock: Duration::ZERO,
            epoch: Instant::now(),
            rerun: String::new(),
            overlay: None,
            spinner: 0,
            ticks: 0,
            actions: Vec::new(),
            status: None,
            earlier_runs: Vec::new(),
            size: (0, 0),
            remote_fix: None,
            answered: None,
            untrusted: false,
            dirty: true,
            quit: false,
        }
    }

    /// Fold one engine event.
    pub fn on_engine(&mut self, event: &Event) {
        let selected = self
            .selected_finding()
            .map(|f| (f.id.clone(), f.title.clone()));
        self.report.apply(event);
        match event {
            Event::Log { .. } => {
                let pos = self.report.log.len().saturating_sub(1);
                if let Some(line) = self.report.log.get(pos) {
                    self.log.push(pos, line);
                }
            }
            Event::Done { .. } => {
                self.done = true;
                self.remote_fix_done();
                if self.status.as_deref() == Some(labels::rerunning()) {
                    self.status = None;
                }
                self.follow_stage(None);
            }
            Event::Hops(hops) => {
                self.log.hops = match hops.len() {
                    0 | 1 => Vec::new(),
                    _ => hops.iter().map(|h| h.host.clone()).collect(),
                };
            }
            Event::StageStarted { hop, stage, at } => {
                self.started.insert((*hop, *stage), *at);
                self.follow_stage(Some((*hop, *stage)));
            }
            Event::StageFinished {
                hop,
                stage,
                status: Status::Fail,
                ..
            } => self.follow_stage(Some((*hop, *stage))),
            Event::Finding(f) => {
                self.on_finding(selected);
                if f.id == "hostkey.unknown" && self.overlay.is_none() && !self.untrusted {
                    self.open_host_key_dialog(f);
                }
            }
            _ => {}
        }
        self.dirty = true;
    }

    /// A finding arrived (inserted in order): until the person moves, the focus goes to the
    /// one to fix first — the root cause, else a warning that offers an action — so its fix
    /// is one key away; otherwise the selection stays on the finding it was on.
    fn on_finding(&mut self, selected: Option<(String, String)>) {
        if !self.touched {
            let best = self
                .report
                .findings
                .iter()
                .position(|f| f.severity == Severity::Error)
                .or_else(|| {
                    self.report
                        .findings
                        .iter()
                        .position(|f| f.severity == Severity::Warning && !f.actions.is_empty())
                });
            if let Some(i) = best {
                if i != self.finding_sel || self.focus != Focus::Findings {
                    self.action_sel = 0;
                    self.detail_scroll = 0;
                }
                self.finding_sel = i;
                self.focus = Focus::Findings;
            }
        } else if let Some((id, title)) = selected {
            if let Some(i) = self
                .report
                .findings
                .iter()
                .position(|f| f.id == id && f.title == title)
            {
                self.finding_sel = i;
            }
        }
        self.clamp_findings();
    }

    /// Until the person moves it, the checklist selection follows the running stage, then
    /// stays on the first failed one (so a short checklist scrolls to what matters).
    fn follow_stage(&mut self, stage: Option<(usize, Stage)>) {
        if self.stage_touched {
            return;
        }
        let failed = (self.report.checks.iter())
            .find(|c| c.status == Status::Fail)
            .map(|c| (c.hop, c.stage));
        let at = match (failed, stage) {
            (Some((hop, s)), _) | (None, Some((hop, s))) => self.row_of(hop, s),
            (None, None) => return,
        };
        self.stage_sel = at;
        self.sync_viewport();
    }

    /// First contact: open the trust dialog at once, with the fingerprint in every form people
    /// compare against (SHA256, the legacy MD5 and the randomart); `y` trusts, Esc decides later.
    pub(super) fn open_host_key_dialog(&mut self, f: &crate::event::Finding) {
        let Some(trust) = f.actions.iter().find(|a| a.id == "hostkey.trust") else {
            return;
        };
        let fact = |key: &str| {
            (self.report.facts.iter().rev())
                .find(|x| x.hop == f.hop && x.stage == Stage::Hostkey && x.key == key)
                .map(|x| x.value.clone())
        };
        // Prepared as `--fix` prepares it: hard-link notes and the current state of the file.
        let trust = crate::repair::prepare(trust, &self.report.findings);
        let mut text = confirm_text(&trust, &self.home);
        let mut shown = vec![labels::compare_with().to_string()];
        for key in ["fingerprint_sha256", "fingerprint_md5"] {
            if let Some(v) = fact(key) {
                shown.push(format!("  {v}"));
            }
        }
        if let Some(art) = fact("randomart") {
            shown.push(
                art.lines()
                    .map(|l| format!("  {l}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        shown.append(&mut text.words);
        text.words = shown;
        text.caution = Some(labels::not_compared().into());
        self.overlay = Some(Overlay::Confirm {
            action: trust,
            text: Box::new(text),
            scroll: 0,
        });
    }

    /// Whether `action` is the trust offer of a run that stopped at a new host key so the
    /// person decides first (the engine's `waiting_for_trust` fact).
    pub(super) fn first_contact_stop(&self, action: &ActionOffer) -> bool {
        action.id == "hostkey.trust" && self.waiting_for_trust()
    }

    /// Whether the run stopped at a new host key for the person to decide (the engine's
    /// `waiting_for_trust` fact): nothing failed, nothing was sent yet.
    pub(super) fn waiting_for_trust(&self) -> bool {
        self.report
            .facts
            .iter()
            .any(|f| f.key == "waiting_for_trust" && f.value == "yes")
    }

    /// Open the confirm dialog for `action`.
    pub(super) fn open_confirm(&mut self, action: ActionOffer) {
        // Every permissions.fix of the report merged into one, hard-link notes, current modes.
        let action = crate::repair::prepare(&action, &self.report.findings);
        let text = Box::new(confirm_text(&action, &self.home));
        self.overlay = Some(Overlay::Confirm {
            action,
            text,
            scroll: 0,
        });
    }

    /// Show paths under this home directory with `~` (the default is `$HOME`).
    pub fn set_home(&mut self, home: PathBuf) {
        self.home = home;
    }

    /// The limit of each network step, shown beside a running stage ("2.1 s / 10 s").
    pub fn set_limit(&mut self, limit: Option<Duration>) {
        self.limit = limit;
    }

    /// The arguments that diagnose this destination again (e.g. `-F ~/cfg web`), used in the
    /// `sshdoctor --fix ID ARGS` commands of the transcript.
    pub fn set_rerun(&mut self, args: String) {
        self.rerun = args;
    }

    /// The log's level from the command line, as ssh counts it: `-v` (the default), `-vv`, `-vvv`.
    pub fn set_verbosity(&mut self, count: u8) {
        use crate::event::Level;
        self.log.verbosity = match count {
            0 | 1 => Level::Debug1,
            2 => Level::Debug2,
            _ => Level::Debug3,
        };
        self.log.rebuild(&self.report.log);
    }

    /// Call once per frame tick (~33 ms): the spinner moves every third tick (~10 frames a
    /// second); true when it moved, so a redraw is needed.
    pub fn on_tick(&mut self) -> bool {
        self.clock = self.epoch.elapsed();
        let running = !self.done
            && self
                .report
                .checks
                .iter()
                .any(|c| c.status == Status::Running);
        if !running {
            return false;
        }
        self.ticks = self.ticks.wrapping_add(1);
        if !self.ticks.is_multiple_of(3) {
            return false;
        }
        self.spinner = self.spinner.wrapping_add(1);
        self.dirty = true;
        true
    }

    /// Record what applying `action_id` did: lines like `Changed FILE (backup: ...)`, or an error.
    pub fn on_repair_result(&mut self, action_id: &str, result: Result<Vec<String>, String>) {
        self.status = Some(match &result {
            Ok(_) if action_id == "hostkey.trust" => labels::trusted_uncompared().to_string(),
            _ => labels::repair_status(action_id, &result),
        });
        match self
            .actions
            .iter_mut()
            .rev()
            .find(|a| a.id == action_id && a.result.is_none())
        {
            Some(record) => record.result = Some(result),
            None => self.actions.push(ActionRecord {
                id: action_id.to_string(),
                title: String::new(),
                command: String::new(),
                result: Some(result),
            }),
        }
        self.dirty = true;
    }

    /// Clear the run's checks, findings and log before a re-run; keep focus, verbosity,
    /// filter, search and the history of actions.
    pub fn reset_for_rerun(&mut self) {
        self.earlier_runs.push(self.run_markdown());
        self.report = Report::default();
        self.done = false;
        self.log.clear();
        self.finding_sel = 0;
        self.action_sel = 0;
        self.detail_scroll = 0;
        self.touched = false;
        self.started.clear();
        self.hop_toggled.clear();
        self.epoch = Instant::now();
        self.clock = Duration::ZERO;
        if matches!(self.overlay, Some(Overlay::Confirm { .. })) {
            self.overlay = None;
        }
        self.dirty = true;
    }

    /// Whether state changed since the last [`App::drawn`].
    pub fn needs_redraw(&self) -> bool {
        self.dirty
    }

    /// The frame was drawn.
    pub fn drawn(&mut self) {
        self.dirty = false;
    }

    /// Whether the user asked to quit.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The report built so far.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The focused panel.
    pub fn focus(&self) -> Focus {
        self.focus
    }

    /// Every action applied so far, oldest first.
    pub fn action_history(&self) -> &[ActionRecord] {
        &self.actions
    }

    /// The header's target in every length, longest first: the destination as resolved
    /// (`user@host port N`), preceded by the name typed only when that is another name (an
    /// alias), never repeating the same host.
    pub(super) fn target_forms(&self) -> Vec<String> {
        if self.report.destination.is_empty() {
            return vec![self.target.clone()];
        }
        if self.report.is_server() {
            return vec![self.report.target_line(), "sshd".to_string()];
        }
        if self.report.is_transcript() {
            return vec![self.report.target_line(), self.target.clone()];
        }
        let get = |k: &str| self.report.setting(k).map_or("?", |s| s.value.as_str());
        let (user, host, port) = (get("user"), get("hostname"), get("port"));
        // One format everywhere: the alias (when one was typed) only ever in front of it.
        let full = if port == "22" {
            format!("{user}@{host}")
        } else {
            self.report.target_line()
        };
        // Through jump hosts: "via bastion" (the jump hosts in order) in the longer forms.
        let jumps: Vec<&str> = (self.report.hops.iter().rev().skip(1).rev())
            .map(|h| h.host.as_str())
            .collect();
        let via = match jumps.is_empty() {
            true => String::new(),
            false => crate::i18n::tf("report.target.via", &[("hosts", &jumps.join(", "))]),
        };
        if self.target == host || self.target == full {
            vec![format!("{full}{via}"), full]
        } else {
            vec![
                format!("{} → {full}{via}", self.target),
                format!("{} → {full}", self.target),
                full,
            ]
        }
    }

    /// The verdict so far in every length (longest first), with the status it reflects.
    pub(super) fn verdict(&self) -> (Status, Vec<String>) {
        if self.done {
            if self.waiting_for_trust() {
                return (Status::Warn, labels::first_contact_forms());
            }
            if self.report.ok() {
                return (
                    Status::Pass,
                    labels::works_forms(&report::verdict(&self.report)),
                );
            }
            let failed = (self.report.checks.iter())
                .find(|c| c.status == Status::Fail)
                .map(|c| self.hop_title(c.hop, c.stage));
            let root = self.report.root_cause();
            if root.is_none() && failed.is_none() {
                // Nothing failed: the checks stopped before the end (not a ✘).
                let stopped = (self.report.checks.iter())
                    .find(|c| c.status == Status::Skipped)
                    .map(|c| self.hop_title(c.hop, c.stage));
                let full = report::verdict(&self.report);
                return (
                    Status::Warn,
                    labels::stopped_forms(&full, stopped.as_deref()),
                );
            }
            let mut forms = labels::verdict_forms(
                &report::verdict(&self.report),
                root.map(|f| f.id.as_str()),
                failed.as_deref(),
                root.and_then(|f| self.jump_hop_name(f.hop)),
            );
            if self.report.is_server() {
                for form in &mut forms {
                    *form = form.replace(labels::login_would_fail(), labels::sshd_refuses());
                }
            }
            if self.report.is_transcript() {
                for form in &mut forms {
                    *form = form.replace(labels::login_would_fail(), labels::login_failed());
                }
            }
            return (Status::Fail, forms);
        }
        if let Some(f) = self.report.root_cause() {
            return (
                Status::Fail,
                labels::failing_so_far(&f.id, self.jump_hop_name(f.hop)),
            );
        }
        let running = (self.report.checks.iter())
            .find(|c| c.status == Status::Running)
            .map(|c| {
                (
                    self.hop_title(c.hop, c.stage),
                    self.running_time(c.hop, c.stage),
                )
            });
        let running = running.as_ref().map(|(t, time)| (t.as_str(), time.clone()));
        let finished = self
            .report
            .checks
            .iter()
            .filter(|c| !matches!(c.status, Status::Pending | Status::Running))
            .count();
        let forms = labels::running_forms(running, finished, self.report.checks.len());
        (Status::Running, forms)
    }

    /// A running stage's time so far and its limit ("2.1 s / 10 s"); the limit only for the
    /// network steps it bounds.
    pub(super) fn running_time(&self, hop: usize, stage: Stage) -> Option<String> {
        let at = *self.started.get(&(hop, stage))?;
        let limited = matches!(
            stage,
            Stage::Dns | Stage::Tcp | Stage::Forward | Stage::Proxy | Stage::Banner | Stage::Kex
        );
        let elapsed = self.clock.saturating_sub(at);
        Some(labels::running_time(
            elapsed,
            self.limit.filter(|_| limited),
        ))
    }

    /// The hop's name, through jump hosts only (a direct login names no hop).
    pub(super) fn jump_hop_name(&self, hop: usize) -> Option<&str> {
        self.report
            .hop_name(hop)
            .filter(|_| self.report.has_jumps())
    }

    /// A stage's title, after its hop's name through jump hosts ("bastion: Authentication").
    pub(super) fn hop_title(&self, hop: usize, stage: Stage) -> String {
        match self.jump_hop_name(hop) {
            Some(name) => format!("{name}: {}", stage.title()),
            None => stage.title().to_string(),
        }
    }

    /// The finding selected in the findings panel.
    pub(super) fn selected_finding(&self) -> Option<&Finding> {
        self.report.findings.get(self.finding_sel)
    }

    /// The latest record of an action, if the user applied it.
    pub(super) fn record(&self, id: &str) -> Option<&ActionRecord> {
        self.actions.iter().rev().find(|a| a.id == id)
    }

    pub(super) fn clamp_findings(&mut self) {
        let n = self.report.findings.len();
        self.finding_sel = self.finding_sel.min(n.saturating_sub(1));
        let actions = self.selected_finding().map_or(0, |f| f.actions.len());
        self.action_sel = self.action_sel.min(actions.saturating_sub(1));
    }

    /// The selected finding's chosen action, if it has one.
    pub(super) fn selected_action(&self) -> Option<&ActionOffer> {
        self.selected_finding()
            .and_then(|f| f.actions.get(self.action_sel))
    }
}
