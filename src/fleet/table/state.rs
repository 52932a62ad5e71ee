//! The table's state and its update: the checks' updates and the keys come in, commands for
//! the run loop go out (open a host's console, check again, prepare or apply a repair).

use super::keys::{self, Action, Context};
use crate::console::theme::Theme;
use crate::console::ConsoleOptions;
use crate::fleet::probe::Update;
use crate::fleet::repair::{self, Batch};
use crate::fleet::rows::{self, Row, RowState};
use crate::fleet::summary::{Summary, Verdict};
use crossterm::event::KeyEvent;
use std::time::{Duration, Instant};
use tui_input::Input;

/// The order of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Failing hosts first (grouped by root cause), then running, queued, and the good ones.
    FailingFirst,
    /// By host name.
    Host,
    /// By finding id (hosts without one last).
    Finding,
    /// The slowest first.
    Time,
}

impl Sort {
    fn next(self) -> Sort {
        match self {
            Sort::FailingFirst => Sort::Host,
            Sort::Host => Sort::Finding,
            Sort::Finding => Sort::Time,
            Sort::Time => Sort::FailingFirst,
        }
    }

    /// How the header names it.
    pub fn name(self) -> &'static str {
        match self {
            Sort::FailingFirst => crate::i18n::t("fleet.sort_by.failing_first"),
            Sort::Host => crate::i18n::t("fleet.sort_by.host"),
            Sort::Finding => crate::i18n::t("fleet.sort_by.finding"),
            Sort::Time => crate::i18n::t("fleet.sort_by.time"),
        }
    }
}

/// A dialog over the table; it takes every key first.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// The key table.
    Help {
        /// Rows scrolled.
        scroll: usize,
    },
    /// The repairs for many hosts the results offer: action id and its rows.
    Repairs {
        /// The offers.
        offers: Vec<(String, Vec<usize>)>,
        /// The chosen one.
        selected: usize,
    },
    /// "Apply this repair to these hosts?", holding the very batch `y` applies.
    Confirm {
        /// The repair.
        batch: Box<Batch>,
        /// Rows of the preview scrolled.
        scroll: usize,
    },
}

/// What the run loop is asked to do.
#[derive(Debug)]
pub enum Command {
    /// Open this row's host in the full single-host console.
    Open(usize),
    /// Check these rows again (each was finished).
    Recheck(Vec<usize>),
    /// Compute the batch repair with this action id, then show its confirm dialog.
    Prepare(String),
    /// Apply this confirmed batch repair, then check its hosts again.
    Apply(Box<Batch>),
    /// Leave the table.
    Quit,
}

/// All state of the table.
#[derive(Debug)]
pub struct Table {
    /// Every host, in list order.
    pub rows: Vec<Row>,
    pub(super) theme: Theme,
    /// Hosts checked at once.
    pub jobs: usize,
    pub(super) sort: Sort,
    pub(super) failing_only: bool,
    pub(super) by_finding: Option<String>,
    /// The search text; `searching` while its line takes the keys.
    pub(super) search: Input,
    pub(super) searching: bool,
    /// The rows shown, in order (indexes into `rows`).
    pub(super) shown: Vec<usize>,
    /// The selected row (an index into `rows`, so it stays on its host as rows move).
    pub(super) selected: Option<usize>,
    /// The person moved the selection: it no longer follows the top row.
    pub(super) touched: bool,
    /// The first shown row on screen.
    pub(super) top: usize,
    /// Rows of the table on screen (set by the view's layout).
    pub(super) page: usize,
    pub(super) overlay: Option<Overlay>,
    pub(super) status: Option<String>,
    pub(super) summary: Summary,
    pub(super) started: Instant,
    pub(super) finished: Option<Duration>,
    pub(super) spinner: usize,
    dirty: bool,
}

impl Table {
    /// A table over these rows, before any result.
    pub fn new(rows: Vec<Row>, jobs: usize, options: ConsoleOptions) -> Table {
        let mut t = Table {
            rows,
            theme: Theme::new(options),
            jobs,
            sort: Sort::FailingFirst,
            failing_only: false,
            by_finding: None,
            search: Input::default(),
            searching: false,
            shown: Vec::new(),
            selected: None,
            touched: false,
            top: 0,
            page: 10,
            overlay: None,
            status: None,
            summary: Summary::default(),
            started: Instant::now(),
            finished: None,
            spinner: 0,
            dirty: true,
        };
        t.refresh();
        t.selected = t.shown.first().copied();
        t
    }

    /// Fold a batch of the checks' updates (one frame's worth).
    pub fn on_updates(&mut self, updates: impl IntoIterator<Item = Update>) {
        let mut any = false;
        for u in updates {
            rows::apply(&mut self.rows, u);
            any = true;
        }
        if any {
            self.refresh();
        }
    }

    /// A tick of the clock: animates running rows. True when a redraw is due.
    pub fn on_tick(&mut self) -> bool {
        self.spinner = self.spinner.wrapping_add(1);
        let (running, _) = rows::progress(&self.rows);
        self.dirty || running > 0
    }

    /// Whether the state changed since the last draw.
    pub fn needs_redraw(&self) -> bool {
        self.dirty
    }

    /// The view was drawn.
    pub fn drawn(&mut self) {
        self.dirty = false;
    }

    /// Something outside changed what is on screen (a console was shown over the table).
    pub fn touch(&mut self) {
        self.dirty = true;
    }

    /// A line for the status bar (repair results, notes).
    pub fn set_status(&mut self, text: impl Into<String>) {
        self.status = Some(text.into());
        self.dirty = true;
    }

    /// Show the confirm dialog of a prepared batch repair.
    pub fn open_confirm(&mut self, batch: Batch) {
        self.overlay = Some(Overlay::Confirm {
            batch: Box::new(batch),
            scroll: 0,
        });
        self.dirty = true;
    }

    /// Mark rows as queued for another check; the loop starts them.
    pub fn requeue(&mut self, rows: &[usize]) {
        for &i in rows {
            if let Some(r) = self.rows.get_mut(i) {
                r.state = RowState::Queued;
            }
        }
        self.refresh();
    }

    /// The shown rows (indexes into [`Table::rows`]), in order.
    pub fn shown(&self) -> &[usize] {
        &self.shown
    }

    /// The selected row's index into [`Table::rows`].
    pub fn selected(&self) -> Option<usize> {
        self.selected
    }

    /// Recompute the summary, the shown rows and their order; keep the selection on its host.
    fn refresh(&mut self) {
        self.summary = rows::summarize(&self.rows);
        if self.finished.is_none() && self.summary.done == self.rows.len() {
            self.finished = Some(self.started.elapsed());
        }
        let needle = self.search.value().to_lowercase();
        let mut shown: Vec<usize> = (0..self.rows.len())
            .filter(|&i| self.keeps(&self.rows[i], &needle))
            .collect();
        let rows = &self.rows;
        // Failing hosts grouped by root cause, the most common cause first (as the summary).
        let mut group = vec![usize::MAX; rows.len()];
        for (g, (_, hosts)) in self.summary.causes.iter().enumerate() {
            hosts.iter().for_each(|&i| group[i] = g);
        }
        match self.sort {
            Sort::FailingFirst => shown.sort_by_key(|&i| (rank(&rows[i]), group[i], i)),
            Sort::Host => shown.sort_by_key(|&i| (rows[i].listed.alias.to_lowercase(), i)),
            Sort::Finding => shown.sort_by_key(|&i| {
                (
                    rows[i].finding_id().is_none(),
                    rows[i].finding_id().map(str::to_string),
                    rank(&rows[i]),
                    i,
                )
            }),
            Sort::Time => shown.sort_by_key(|&i| (std::cmp::Reverse(rows[i].elapsed()), i)),
        }
        self.shown = shown;
        if !self.touched || self.selected.is_none_or(|s| !self.shown.contains(&s)) {
            self.selected = self.shown.first().copied();
        }
        self.keep_in_view();
        self.dirty = true;
    }

    /// Whether the filters and the search keep `row`.
    fn keeps(&self, row: &Row, needle: &str) -> bool {
        let failing = matches!(
            row.verdict(),
            Some(Verdict::Failing | Verdict::CouldNotTell)
        );
        if self.failing_only && !failing {
            return false;
        }
        if let Some(id) = &self.by_finding {
            let has = row
                .report()
                .is_some_and(|r| r.findings.iter().any(|f| &f.id == id));
            if !has {
                return false;
            }
        }
        needle.is_empty()
            || row.listed.alias.to_lowercase().contains(needle)
            || row.hop_text().to_lowercase().contains(needle)
            || row
                .report()
                .is_some_and(|r| r.findings.iter().any(|f| f.id.contains(needle)))
    }

    /// Where the table is, for key handling.
    fn context(&self) -> Context {
        match &self.overlay {
            None => Context::Table,
            Some(Overlay::Help { .. }) => Context::Help,
            Some(Overlay::Repairs { .. }) => Context::Repairs,
            Some(Overlay::Confirm { .. }) => Context::Confirm,
        }
    }

    /// Handle a key; returns what the run loop must do.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        self.dirty = true;
        if self.searching {
            return self.on_search_key(key);
        }
        let Some(action) = keys::action_for(self.context(), &key) else {
            return Vec::new();
        };
        match self.overlay.take() {
            None => self.on_table_action(action),
            Some(overlay) => self.on_overlay_action(overlay, action),
        }
    }

    fn on_search_key(&mut self, key: KeyEvent) -> Vec<Command> {
        use crossterm::event::{KeyCode, KeyModifiers};
        match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return vec![Command::Quit]
            }
            KeyCode::Enter => self.searching = false,
            KeyCode::Esc => {
                self.searching = false;
                self.search = Input::default();
            }
            _ => {
                if let Some(request) = crate::term::input::edit_request(&key) {
                    self.search.handle(request);
                }
            }
        }
        self.refresh();
        Vec::new()
    }

    /// Pasted text goes into the search line when it is open.
    pub fn on_paste(&mut self, text: &str) {
        if self.searching {
            crate::term::input::paste_into(&mut self.search, text);
            self.refresh();
        }
    }

    fn on_table_action(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Quit => return vec![Command::Quit],
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(self.page.max(1) as isize)),
            Action::PageDown => self.move_by(self.page.max(1) as isize),
            Action::Home => self.move_by(isize::MIN / 2),
            Action::End => self.move_by(isize::MAX / 2),
            Action::Open => return self.selected.map(Command::Open).into_iter().collect(),
            Action::CycleSort => {
                self.sort = self.sort.next();
                self.status = Some(crate::i18n::tf(
                    "fleet.sorted_by",
                    &[("order", &self.sort.name())],
                ));
            }
            Action::FailingOnly => self.failing_only = !self.failing_only,
            Action::ByFinding => self.toggle_by_finding(),
            Action::Search => self.searching = true,
            Action::Clear => {
                self.failing_only = false;
                self.by_finding = None;
                self.search = Input::default();
            }
            Action::Recheck => return self.recheck(self.selected.into_iter().collect()),
            Action::RecheckAll => return self.recheck(self.shown.clone()),
            Action::Repairs => self.open_repairs(),
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::Confirm | Action::Cancel => {}
        }
        self.refresh();
        Vec::new()
    }

    fn toggle_by_finding(&mut self) {
        if self.by_finding.take().is_some() {
            return;
        }
        let id = self
            .selected
            .and_then(|i| self.rows[i].finding_id())
            .map(str::to_string);
        match id {
            Some(id) => self.by_finding = Some(id),
            None => self.status = Some(crate::i18n::t("fleet.table.no_finding_to_filter").into()),
        }
    }

    /// Check again the finished rows among `rows` (a running check is left to finish).
    fn recheck(&mut self, rows: Vec<usize>) -> Vec<Command> {
        let done: Vec<usize> = rows
            .into_iter()
            .filter(|&i| matches!(self.rows[i].state, RowState::Done(_)))
            .collect();
        if done.is_empty() {
            self.status = Some(crate::i18n::t("fleet.table.nothing_finished").into());
            return Vec::new();
        }
        self.requeue(&done);
        vec![Command::Recheck(done)]
    }

    fn open_repairs(&mut self) {
        let offers = repair::offers(&self.rows);
        if offers.is_empty() {
            self.status = Some(crate::i18n::t("fleet.table.no_batch_repair").into());
            return;
        }
        self.overlay = Some(Overlay::Repairs {
            offers,
            selected: 0,
        });
    }

    fn on_overlay_action(&mut self, overlay: Overlay, action: Action) -> Vec<Command> {
        let step = |scroll: usize, action: Action, page: usize| match action {
            Action::Up => scroll.saturating_sub(1),
            Action::Down => scroll + 1,
            Action::PageUp => scroll.saturating_sub(page),
            Action::PageDown => scroll + page,
            _ => scroll,
        };
        match (overlay, action) {
            (_, Action::Quit) => return vec![Command::Quit],
            (_, Action::Cancel) => {}
            (Overlay::Help { scroll }, a) => {
                self.overlay = Some(Overlay::Help {
                    scroll: step(scroll, a, self.page),
                })
            }
            (Overlay::Repairs { offers, selected }, Action::Confirm) => {
                let id = offers.get(selected).map(|(id, _)| id.clone());
                return id.map(Command::Prepare).into_iter().collect();
            }
            (Overlay::Repairs { offers, selected }, a) => {
                let last = offers.len().saturating_sub(1);
                let selected = step(selected, a, 1).min(last);
                self.overlay = Some(Overlay::Repairs { offers, selected });
            }
            (Overlay::Confirm { batch, .. }, Action::Confirm) => {
                self.status = Some(crate::i18n::tf(
                    "fleet.table.applying",
                    &[("id", &batch.id)],
                ));
                return vec![Command::Apply(batch)];
            }
            (Overlay::Confirm { batch, scroll }, a) => {
                self.overlay = Some(Overlay::Confirm {
                    batch,
                    scroll: step(scroll, a, self.page),
                })
            }
        }
        Vec::new()
    }

    fn move_by(&mut self, delta: isize) {
        self.touched = true;
        let Some(pos) = self.position() else { return };
        let last = self.shown.len().saturating_sub(1) as isize;
        let to = (pos as isize).saturating_add(delta).clamp(0, last) as usize;
        self.selected = self.shown.get(to).copied();
        self.keep_in_view();
    }

    /// The selected row's place among the shown rows.
    pub(super) fn position(&self) -> Option<usize> {
        self.selected
            .and_then(|s| self.shown.iter().position(|&i| i == s))
    }

    /// Scroll so the selected row is on screen.
    fn keep_in_view(&mut self) {
        let page = self.page.max(1);
        let pos = self.position().unwrap_or(0);
        if pos < self.top {
            self.top = pos;
        } else if pos >= self.top + page {
            self.top = pos + 1 - page;
        }
        self.top = self.top.min(self.shown.len().saturating_sub(page));
    }

    /// The view's layout tells how many table rows fit.
    pub fn set_page(&mut self, rows: usize) {
        if rows != self.page {
            self.page = rows.max(1);
            self.keep_in_view();
        }
    }
}

/// The order of [`Sort::FailingFirst`]: failing, could not tell, running, queued, ok with
/// warnings, ok.
fn rank(row: &Row) -> u8 {
    match (&row.state, row.verdict()) {
        (_, Some(Verdict::Failing)) => 0,
        (_, Some(Verdict::CouldNotTell)) => 1,
        (RowState::Running { .. }, _) => 2,
        (RowState::Queued, _) => 3,
        _ if row.finding_id().is_some() => 4,
        _ => 5,
    }
}
