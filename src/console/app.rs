//! The console's state, folded from engine events; rendering only reads it.

use super::logview::LogView;
use super::theme::Theme;
use super::ConsoleOptions;
use crate::event::{ActionOffer, Event, Finding, Stage, Status};
use crate::report::{self, Report};
use std::fmt::Write;

/// The status line while a re-run is under way (cleared when it ends).
pub(super) const RERUNNING: &str = "Re-running the probe";

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
        /// Rows of the preview scrolled.
        scroll: usize,
    },
    /// A masked prompt for a password or passphrase.
    Secret {
        /// What is asked, e.g. "Passphrase for ~/.ssh/id_ed25519".
        title: String,
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
    pub(super) action_sel: Option<usize>,
    pub(super) detail_scroll: usize,
    pub(super) overlay: Option<Overlay>,
    pub(super) spinner: usize,
    pub(super) ticks: usize,
    pub(super) actions: Vec<ActionRecord>,
    pub(super) status: Option<String>,
    pub(super) earlier_runs: Vec<String>,
    pub(super) size: (u16, u16),
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
            action_sel: None,
            detail_scroll: 0,
            overlay: None,
            spinner: 0,
            ticks: 0,
            actions: Vec::new(),
            status: None,
            earlier_runs: Vec::new(),
            size: (0, 0),
            dirty: true,
            quit: false,
        }
    }

    /// Fold one engine event.
    pub fn on_engine(&mut self, event: &Event) {
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
                if self.status.as_deref() == Some(RERUNNING) {
                    self.status = None;
                }
            }
            Event::Finding(f) => {
                self.clamp_findings();
                if f.id == "hostkey.unknown" && self.overlay.is_none() {
                    self.open_host_key_dialog(f);
                }
            }
            _ => {}
        }
        self.dirty = true;
    }

    /// First contact: open the trust dialog at once, with the fingerprint in every form people
    /// compare against (SHA256, the legacy MD5 and the randomart); `y` trusts, Esc decides later.
    fn open_host_key_dialog(&mut self, f: &crate::event::Finding) {
        let Some(trust) = f.actions.iter().find(|a| a.id == "hostkey.trust") else {
            return;
        };
        let fact = |key: &str| {
            self.report
                .facts
                .iter()
                .rev()
                .find(|(stage, k, _)| *stage == crate::event::Stage::Hostkey && k == key)
                .map(|(_, _, v)| v.clone())
        };
        let mut preview = String::from(
            "Compare this fingerprint with one obtained another way (the provider's console, the\nserver's admin, `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the server).\n\n",
        );
        for key in ["fingerprint_sha256", "fingerprint_md5"] {
            if let Some(v) = fact(key) {
                preview.push_str(&format!("  {v}\n"));
            }
        }
        if let Some(art) = fact("randomart") {
            preview.push('\n');
            for line in art.lines() {
                preview.push_str(&format!("  {line}\n"));
            }
        }
        preview.push_str("\nThe line to add:\n");
        let mut action = crate::repair::prepare(trust, &self.report.findings);
        preview.push_str(&action.preview);
        action.preview = preview;
        self.overlay = Some(Overlay::Confirm { action, scroll: 0 });
    }

    /// Call once per frame tick (~33 ms): the spinner moves every third tick (~10 frames a
    /// second); true when it moved, so a redraw is needed.
    pub fn on_tick(&mut self) -> bool {
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
            Ok(lines) if lines.is_empty() => format!("{action_id}: nothing to change"),
            Ok(lines) => format!("{action_id}: {}", lines.join("; ")),
            Err(e) => format!("{action_id} failed: {e}"),
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
        self.action_sel = None;
        self.detail_scroll = 0;
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

    fn run_markdown(&self) -> String {
        self.report.to_markdown()
    }

    /// The header's target: as typed, plus what it resolved to when that differs.
    pub(super) fn target_line(&self) -> String {
        if self.report.destination.is_empty() {
            return self.target.clone();
        }
        let resolved = self.report.target_line();
        if resolved == self.target {
            resolved
        } else {
            format!("{} → {resolved}", self.target)
        }
    }

    /// The verdict so far, with the status it reflects.
    pub(super) fn verdict(&self) -> (Status, String) {
        if self.done {
            let status = if self.report.ok() {
                Status::Pass
            } else {
                Status::Fail
            };
            return (status, report::verdict(&self.report));
        }
        if let Some(f) = self.report.root_cause() {
            return (Status::Fail, format!("failing so far: {}", f.id));
        }
        let running = self
            .report
            .checks
            .iter()
            .find(|c| c.status == Status::Running)
            .map(|c| c.stage.title());
        let finished = self
            .report
            .checks
            .iter()
            .filter(|c| !matches!(c.status, Status::Pending | Status::Running))
            .count();
        let what = running.map_or_else(|| "checking".to_string(), |t| format!("checking {t}"));
        (
            Status::Running,
            format!("{what} ({finished}/8 stages done)"),
        )
    }

    /// The stage selected in the checklist.
    pub(super) fn selected_stage(&self) -> Stage {
        Stage::ALL[self.stage_sel.min(Stage::ALL.len() - 1)]
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
        if actions == 0 {
            self.action_sel = None;
        } else if let Some(a) = self.action_sel {
            self.action_sel = Some(a.min(actions - 1));
        }
    }
}
