//! Input handling: keys and mouse become [`Action`]s through the keymap, the topmost element first.

use super::app::{ActionRecord, App, Focus, Overlay};
use super::keymap::{lookup, Action, Context};
use super::labels;
use super::rows::Row;
use super::view::layout;
use super::Command;
use crate::term::input::{edit_request, paste_into};
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};
use tui_input::Input;

/// Rows the mouse wheel scrolls.
const WHEEL: usize = 3;

impl App {
    /// Handle a key: dialogs first (they swallow every key), then the focused panel, then global keys.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        self.dirty = true;
        self.sync_viewport();
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return vec![Command::Quit];
        }
        match self.overlay {
            Some(Overlay::Secret { .. }) => return self.prompt_key(key),
            Some(Overlay::Confirm { .. }) => return self.confirm_key(key),
            Some(Overlay::Help { .. }) => {
                self.help_key(key);
                return Vec::new();
            }
            None => {}
        }
        if self.log.input.is_some() {
            self.search_key(key);
            return Vec::new();
        }
        if self.panel_key(&key) {
            return Vec::new();
        }
        self.global_key(&key)
    }

    /// Whether the focused panel has a binding for the key (then it acts on it).
    fn panel_key(&mut self, key: &KeyEvent) -> bool {
        let context = match self.focus {
            Focus::Checklist => Context::Checklist,
            Focus::Log => Context::Log,
            Focus::Findings => Context::Findings,
        };
        let Some(action) = lookup(context, key) else {
            return false;
        };
        self.touched = true;
        match self.focus {
            Focus::Checklist => self.checklist(action),
            Focus::Log => self.log_action(action),
            Focus::Findings => self.findings(action),
        }
        self.sync_viewport();
        true
    }

    /// Which global action the key is (quit, rerun, focus, help, fix, zoom), and the commands
    /// it gives; a key bound to nothing leaves the screen as it was (not redrawn).
    fn global_key(&mut self, key: &KeyEvent) -> Vec<Command> {
        let global = lookup(Context::Global, key);
        if matches!(
            global,
            Some(Action::FocusNext | Action::FocusPrev | Action::ToggleZoom)
        ) {
            self.touched = true;
        }
        match global {
            Some(Action::Quit) => {
                self.quit = true;
                vec![Command::Quit]
            }
            Some(Action::Rerun) => {
                self.status = Some(labels::rerunning().into());
                vec![Command::Rerun]
            }
            Some(Action::FocusNext) => {
                self.focus = self.focus.next();
                Vec::new()
            }
            Some(Action::FocusPrev) => {
                self.focus = self.focus.prev();
                Vec::new()
            }
            Some(Action::ToggleHelp) => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                Vec::new()
            }
            Some(Action::Fix) => {
                self.open_fix();
                Vec::new()
            }
            Some(Action::ToggleZoom) => {
                self.zoom = !self.zoom;
                self.sync_viewport();
                Vec::new()
            }
            _ => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    /// Handle the mouse: the wheel scrolls the panel under the pointer, a click focuses it.
    pub fn on_mouse(&mut self, mouse: MouseEvent) -> Vec<Command> {
        self.sync_viewport();
        let up = match mouse.kind {
            MouseEventKind::ScrollUp => true,
            MouseEventKind::ScrollDown => false,
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(focus) = self.panel_at(mouse.column, mouse.row) {
                    if self.overlay.is_none() {
                        self.focus = focus;
                        self.touched = true;
                        self.dirty = true;
                    }
                }
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        self.dirty = true;
        let action = if up { Action::Up } else { Action::Down };
        match &mut self.overlay {
            Some(Overlay::Help { scroll } | Overlay::Confirm { scroll, .. }) => {
                *scroll = step(*scroll, WHEEL, up);
                return Vec::new();
            }
            Some(Overlay::Secret { .. }) => return Vec::new(),
            None => {}
        }
        match self.panel_at(mouse.column, mouse.row).unwrap_or(Focus::Log) {
            Focus::Log if up => self.log.scroll_up(WHEEL, &self.report.log),
            Focus::Log => self.log.scroll_down(WHEEL, &self.report.log),
            Focus::Checklist => self.checklist(action),
            Focus::Findings => self.findings(action),
        }
        Vec::new()
    }

    /// The terminal's size changed (call once at start too): paging and the tail follow it.
    pub fn on_resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        self.sync_viewport();
        self.dirty = true;
    }

    /// Open a masked prompt; Enter returns [`Command::Secret`], Esc closes it without one.
    pub fn prompt_secret(&mut self, title: impl Into<String>) {
        self.overlay = Some(Overlay::Secret {
            title: title.into(),
            note: None,
            input: crate::secret_input::SecretInput::new(),
        });
        self.dirty = true;
    }

    /// Recompute what depends on the panels' sizes: the log's page, and the checklist's first
    /// row so that the selected stage stays in view.
    pub(super) fn sync_viewport(&mut self) {
        if self.size.0 == 0 || self.size.1 == 0 {
            return;
        }
        let areas = layout::areas(Rect::new(0, 0, self.size.0, self.size.1), self);
        let inner = layout::log_inner(&areas, self.log.input.is_some());
        self.log.viewport = (usize::from(inner.width), usize::from(inner.height));
        let rows = layout::stage_rows(&areas, self.rows().len());
        self.check_top = layout::keep_visible(self.check_top, self.stage_sel, rows);
    }

    /// Open the confirm dialog of the selected finding's chosen action, if it has one.
    fn open_fix(&mut self) {
        match self.selected_action().cloned() {
            // Trusting a host key: the dialog with every fingerprint form (and the paste box).
            Some(action) if action.id == "hostkey.trust" => {
                if let Some(f) = self.selected_finding().cloned() {
                    self.open_host_key_dialog(&f);
                }
            }
            Some(action) => self.open_confirm(action),
            None => {
                self.dirty = false;
            }
        }
    }

    fn panel_at(&self, column: u16, row: u16) -> Option<Focus> {
        if self.size.0 == 0 {
            return None;
        }
        let areas = layout::areas(Rect::new(0, 0, self.size.0, self.size.1), self);
        let p = Position::new(column, row);
        [
            (areas.checklist, Focus::Checklist),
            (areas.log, Focus::Log),
            (areas.findings, Focus::Findings),
        ]
        .into_iter()
        .find(|(r, _)| r.contains(p))
        .map(|(_, f)| f)
    }

    fn checklist(&mut self, action: Action) {
        let last = self.rows().len().saturating_sub(1);
        match action {
            Action::Up | Action::Down => {
                self.stage_touched = true;
                self.stage_sel = step(self.stage_sel, 1, action == Action::Up).min(last);
                if self.log.filter.is_some() || self.log.hop_filter.is_some() {
                    self.filter_to_selection();
                    self.log.rebuild(&self.report.log);
                }
            }
            // A hop's heading opens or closes its group and shows its lines; a stage, its own;
            // the same row again shows every line.
            Action::ToggleFilter => {
                if let Some(Row::Hop(h)) = self.selected_row() {
                    self.toggle_hop(h);
                    self.stage_touched = true;
                    self.stage_sel = self
                        .rows()
                        .iter()
                        .position(|r| *r == Row::Hop(h))
                        .unwrap_or(0);
                }
                let wanted = self.selection_filter();
                if (self.log.filter, self.log.hop_filter) == wanted {
                    (self.log.filter, self.log.hop_filter) = (None, None);
                } else {
                    (self.log.filter, self.log.hop_filter) = wanted;
                }
                self.log.rebuild(&self.report.log);
            }
            Action::Back => {
                self.log.filter = None;
                self.log.hop_filter = None;
                self.log.rebuild(&self.report.log);
            }
            _ => {}
        }
    }

    /// Filter the log to the selected row.
    fn filter_to_selection(&mut self) {
        (self.log.filter, self.log.hop_filter) = self.selection_filter();
    }

    /// The log filter for the selected row: a stage (of its hop through jump hosts), or a
    /// hop's every stage on its heading.
    fn selection_filter(&self) -> (Option<crate::event::Stage>, Option<usize>) {
        let hop = self.report.has_jumps().then(|| self.selected_hop());
        match self.selected_row() {
            Some(Row::Hop(_)) => (None, hop),
            _ => (Some(self.selected_stage()), hop),
        }
    }

    fn log_action(&mut self, action: Action) {
        let log = &self.report.log;
        let page = self.log.page();
        match action {
            Action::Up => self.log.scroll_up(1, log),
            Action::Down => self.log.scroll_down(1, log),
            Action::PageUp => self.log.scroll_up(page, log),
            Action::PageDown => self.log.scroll_down(page, log),
            Action::Home => self.log.home(log),
            Action::End => self.log.end(),
            Action::CycleVerbosity => {
                use crate::event::Level;
                self.log.verbosity = match self.log.verbosity {
                    Level::Info | Level::Debug3 => Level::Debug1,
                    Level::Debug1 => Level::Debug2,
                    Level::Debug2 => Level::Debug3,
                };
                self.log.rebuild(log);
            }
            Action::StartSearch => {
                let old = self.log.query.clone().unwrap_or_default();
                self.log.input = Some(Input::new(old));
            }
            Action::NextMatch | Action::PrevMatch
                if !self.log.jump(action == Action::NextMatch, log) =>
            {
                self.status = self.log.query.as_ref().map(|q| labels::no_match(q));
            }
            Action::Back => {
                self.log.query = None;
                self.log.current = None;
            }
            _ => {}
        }
    }

    fn findings(&mut self, action: Action) {
        let page = self.detail_page();
        let actions = self.selected_finding().map_or(0, |f| f.actions.len());
        match action {
            Action::Up | Action::Down => {
                let last = self.report.findings.len().saturating_sub(1);
                let next = step(self.finding_sel, 1, action == Action::Up).min(last);
                if next != self.finding_sel {
                    self.finding_sel = next;
                    self.action_sel = 0;
                    self.detail_scroll = 0;
                }
            }
            Action::NextAction if actions > 0 => {
                self.action_sel = (self.action_sel + 1) % actions;
            }
            Action::PrevAction if actions > 0 => {
                self.action_sel = (self.action_sel + actions - 1) % actions;
            }
            Action::Fix => self.open_fix(),
            Action::PageUp | Action::PageDown => {
                let max = super::view::detail_max_scroll(self);
                self.detail_scroll =
                    step(self.detail_scroll, page, action == Action::PageUp).min(max);
            }
            _ => {}
        }
    }

    /// Rows a page of the finding's detail scrolls.
    fn detail_page(&self) -> usize {
        if self.size.0 == 0 {
            return 4;
        }
        let areas = layout::areas(Rect::new(0, 0, self.size.0, self.size.1), self);
        usize::from(layout::inner(areas.findings, areas.wide).height)
            .saturating_sub(3)
            .max(1)
    }

    fn confirm_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let trust = matches!(&self.overlay, Some(Overlay::Confirm { action, .. }) if self.first_contact_stop(action));
        if trust && lookup(Context::Trust, &key) == Some(Action::GoOnUntrusted) {
            self.overlay = None;
            self.untrusted = true;
            self.status = Some(labels::going_on_untrusted().into());
            return vec![Command::RerunUntrusted];
        }
        match lookup(Context::Confirm, &key) {
            Some(Action::Confirm) => {
                if let Some(Overlay::Confirm { action, .. }) = self.overlay.take() {
                    self.status = Some(labels::applying(&action.id));
                    self.actions.push(ActionRecord {
                        id: action.id.clone(),
                        title: action.title.clone(),
                        command: action.command.clone(),
                        result: None,
                    });
                    return vec![Command::Apply(action)];
                }
            }
            Some(Action::Cancel) => {
                self.overlay = None;
                self.status = Some(labels::cancelled().into());
            }
            Some(a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown)) => {
                let page = usize::from(self.size.1 / 2).max(1);
                if let Some(Overlay::Confirm { scroll, .. }) = &mut self.overlay {
                    let n = if matches!(a, Action::Up | Action::Down) {
                        1
                    } else {
                        page
                    };
                    *scroll = step(*scroll, n, matches!(a, Action::Up | Action::PageUp));
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn help_key(&mut self, key: KeyEvent) {
        match lookup(Context::Help, &key) {
            Some(Action::Back) => self.overlay = None,
            Some(a @ (Action::Up | Action::Down)) => {
                if let Some(Overlay::Help { scroll }) = &mut self.overlay {
                    *scroll = step(*scroll, 1, a == Action::Up);
                }
            }
            _ => {}
        }
    }

    fn search_key(&mut self, key: KeyEvent) {
        match lookup(Context::Search, &key) {
            Some(Action::Confirm) => {
                self.log.confirm_search(&self.report.log);
                self.status = match (&self.log.query, self.log.current) {
                    (Some(q), None) => Some(labels::no_match(q)),
                    _ => None,
                };
            }
            Some(Action::Cancel) => self.log.input = None,
            _ => {
                if let (Some(input), Some(req)) = (&mut self.log.input, edit_request(&key)) {
                    input.handle(req);
                }
            }
        }
    }

    fn prompt_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match lookup(Context::Prompt, &key) {
            Some(Action::Confirm) => {
                if let Some(Overlay::Secret {
                    mut input, title, ..
                }) = self.overlay.take()
                {
                    self.answered = Some(title);
                    return vec![Command::Secret(input.take())];
                }
            }
            Some(Action::Cancel) => self.overlay = None,
            _ => {
                if let (Some(Overlay::Secret { input, .. }), Some(req)) =
                    (&mut self.overlay, edit_request(&key))
                {
                    input.handle(req);
                }
            }
        }
        Vec::new()
    }
}

impl App {
    /// Pasted text (bracketed paste) goes into the open text box, never anywhere else: outside
    /// a box it is dropped, so its letters and newlines cannot answer a dialog.
    pub fn on_paste(&mut self, text: &str) {
        match &mut self.overlay {
            Some(Overlay::Secret { input, .. }) => input.paste(text),
            Some(_) => {}
            None => {
                if let Some(input) = &mut self.log.input {
                    paste_into(input, text);
                }
            }
        }
    }
}

/// `n` steps up (towards zero) or down from `at`.
fn step(at: usize, n: usize, up: bool) -> usize {
    if up {
        at.saturating_sub(n)
    } else {
        at.saturating_add(n)
    }
}
