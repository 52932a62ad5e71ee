//! Key bindings as data: one table drives key handling, the footer and the help overlay, so they cannot drift.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What a key asks for; [`crate::console::App::on_key`] carries it out in the current context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave the console.
    Quit,
    /// Run the probe again.
    Rerun,
    /// Move focus to the next panel (checklist → log → findings).
    FocusNext,
    /// Move focus to the previous panel.
    FocusPrev,
    /// Open or close the help overlay.
    ToggleHelp,
    /// Move the selection (or the log) up one row.
    Up,
    /// Move the selection (or the log) down one row.
    Down,
    /// Scroll up one page.
    PageUp,
    /// Scroll down one page.
    PageDown,
    /// Go to the first row.
    Home,
    /// Go to the last row; in the log, follow the tail again.
    End,
    /// Checklist: filter the log to the selected stage, or show all stages again.
    ToggleFilter,
    /// Log: cycle the verbosity -v → -vv → -vvv.
    CycleVerbosity,
    /// Log: open the search input.
    StartSearch,
    /// Log: jump to the next search match.
    NextMatch,
    /// Log: jump to the previous search match.
    PrevMatch,
    /// Open the confirm dialog for the selected finding's chosen action (its fix).
    Fix,
    /// Findings: choose the next of the selected finding's actions.
    NextAction,
    /// Findings: choose the previous action.
    PrevAction,
    /// Show the focused panel on the whole screen, or go back to all panels.
    ToggleZoom,
    /// Close a dialog, show every stage's log again, or clear a search.
    Back,
    /// Confirm dialog: apply the action it holds.
    Confirm,
    /// Confirm dialog: cancel.
    Cancel,
    /// Trust dialog on first contact: go on without trusting the key (checks that send no
    /// secret: public-key queries, a key login; never a password).
    GoOnUntrusted,
}

/// Where a binding applies; the topmost context that knows a key takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Everywhere, unless a dialog is open.
    Global,
    /// The checklist panel has focus.
    Checklist,
    /// The log panel has focus.
    Log,
    /// The findings panel has focus.
    Findings,
    /// The confirm dialog is open (it swallows every other key).
    Confirm,
    /// The trust dialog of a first contact is open (with the confirm dialog's keys).
    Trust,
    /// The help overlay is open.
    Help,
    /// The log's search input is open (other keys edit the text).
    Search,
    /// A password or passphrase prompt is open (other keys edit the masked text).
    Prompt,
}

impl Context {
    /// Every context, in the order the help overlay lists them.
    pub const ALL: [Context; 9] = [
        Context::Global,
        Context::Checklist,
        Context::Log,
        Context::Findings,
        Context::Confirm,
        Context::Trust,
        Context::Help,
        Context::Search,
        Context::Prompt,
    ];

    /// The heading used in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Checklist => "Checklist",
            Context::Log => "Log",
            Context::Findings => "Findings",
            Context::Confirm => "Confirm dialog",
            Context::Trust => "Trust dialog (first contact)",
            Context::Help => "Help",
            Context::Search => "Search input",
            Context::Prompt => "Password prompt",
        }
    }
}

/// One key: a code and the modifiers that must be held (Shift is ignored for characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key code.
    pub code: KeyCode,
    /// Required modifiers.
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}

const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

/// One binding: keys, the action, and the words the footer and help show.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// Where it applies.
    pub context: Context,
    /// Any of these keys triggers it.
    pub keys: &'static [Key],
    /// What it does.
    pub action: Action,
    /// How the keys are written in the footer and help, e.g. `j/↓`.
    pub label: &'static str,
    /// What it does, in a few words (the help overlay).
    pub help: &'static str,
    /// What it does in the footer, as short as it can be said.
    pub short: &'static str,
    /// The footer's priority when its context is active: 0 never shown; at narrow widths the
    /// lowest go first; [`ALWAYS`] always stays (help and quit).
    pub footer: u8,
}

/// The footer priority of the keys that must always show.
pub const ALWAYS: u8 = u8::MAX;

const fn b(
    context: Context,
    keys: &'static [Key],
    action: Action,
    label: &'static str,
    help: &'static str,
    footer: u8,
) -> Binding {
    Binding {
        context,
        keys,
        action,
        label,
        help,
        short: help,
        footer,
    }
}

/// [`b`] with a shorter word for the footer.
const fn bs(short: &'static str, binding: Binding) -> Binding {
    Binding { short, ..binding }
}

use Action as A;
use Context as C;

const UP: &[Key] = &[k('k'), code(KeyCode::Up)];
const DOWN: &[Key] = &[k('j'), code(KeyCode::Down)];
const PGUP: &[Key] = &[code(KeyCode::PageUp)];
const PGDN: &[Key] = &[code(KeyCode::PageDown)];
const HOME: &[Key] = &[code(KeyCode::Home), k('g')];
const END: &[Key] = &[code(KeyCode::End), k('G')];

/// Every binding, in the order the help overlay lists them.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    b(C::Global, &[code(KeyCode::Tab)], A::FocusNext, "Tab", "panel", 50),
    b(C::Global, &[code(KeyCode::BackTab)], A::FocusPrev, "S-Tab", "previous panel", 0),
    bs("fix", b(C::Global, &[k('f')], A::Fix, "f", "fix the selected finding", 90)),
    bs("zoom", b(C::Global, &[k('z')], A::ToggleZoom, "z", "zoom panel", 30)),
    b(C::Global, &[k('r')], A::Rerun, "r", "re-run", 40),
    b(C::Global, &[k('?')], A::ToggleHelp, "?", "help", ALWAYS),
    bs("quit", b(C::Global, &[k('q'), ctrl('c')], A::Quit, "q", "quit (also Ctrl-C)", ALWAYS)),
    b(C::Checklist, UP, A::Up, "k/↑", "previous stage", 0),
    bs("next", b(C::Checklist, DOWN, A::Down, "j/↓", "next stage", 60)),
    bs("stage log", b(C::Checklist, &[code(KeyCode::Enter)], A::ToggleFilter, "Enter", "log of this stage", 55)),
    b(C::Checklist, &[code(KeyCode::Esc)], A::Back, "Esc", "log: all stages", 0),
    b(C::Log, UP, A::Up, "k/↑", "scroll up", 0),
    bs("scroll", b(C::Log, DOWN, A::Down, "j/↓", "scroll down", 60)),
    b(C::Log, PGUP, A::PageUp, "PgUp", "page up", 0),
    bs("page", b(C::Log, PGDN, A::PageDown, "PgDn", "page down", 20)),
    b(C::Log, HOME, A::Home, "Home/g", "first line", 0),
    bs("end", b(C::Log, END, A::End, "End/G", "last line, follow", 25)),
    bs("verbosity", b(C::Log, &[k('v')], A::CycleVerbosity, "v", "verbosity -v/-vv/-vvv", 45)),
    b(C::Log, &[k('/')], A::StartSearch, "/", "search", 55),
    bs("next", b(C::Log, &[k('n')], A::NextMatch, "n", "next match", 35)),
    b(C::Log, &[k('N')], A::PrevMatch, "N", "previous match", 0),
    b(C::Log, &[code(KeyCode::Esc)], A::Back, "Esc", "clear search", 0),
    bs("fix", b(C::Findings, &[code(KeyCode::Enter)], A::Fix, "Enter", "fix (review first)", 100)),
    b(C::Findings, UP, A::Up, "k/↑", "previous finding", 0),
    bs("next", b(C::Findings, DOWN, A::Down, "j/↓", "next finding", 60)),
    bs("action", b(C::Findings, &[code(KeyCode::Right), k('l')], A::NextAction, "→", "next action", 70)),
    b(C::Findings, &[code(KeyCode::Left), k('h')], A::PrevAction, "←", "previous action", 0),
    bs("more", b(C::Findings, PGDN, A::PageDown, "PgDn", "scroll detail down", 80)),
    bs("back", b(C::Findings, PGUP, A::PageUp, "PgUp", "scroll detail up", 79)),
    bs("apply", b(C::Confirm, &[k('y')], A::Confirm, "y", "apply this change", ALWAYS)),
    b(C::Confirm, &[k('n'), code(KeyCode::Esc)], A::Cancel, "n/Esc", "cancel", ALWAYS),
    bs("scroll", b(C::Confirm, DOWN, A::Down, "j/↓", "scroll the change", 60)),
    b(C::Confirm, UP, A::Up, "k/↑", "scroll back", 0),
    b(C::Confirm, PGDN, A::PageDown, "PgDn", "page down", 50),
    b(C::Confirm, PGUP, A::PageUp, "PgUp", "page up", 0),
    bs("go on untrusted", b(C::Trust, &[k('g')], A::GoOnUntrusted, "g", "go on, not trusting it", 70)),
    b(C::Help, &[code(KeyCode::Esc), k('?'), k('q')], A::Back, "Esc/?", "close help", ALWAYS),
    b(C::Help, DOWN, A::Down, "j/↓", "scroll", 60),
    b(C::Help, UP, A::Up, "k/↑", "scroll back", 0),
    b(C::Search, &[code(KeyCode::Enter)], A::Confirm, "Enter", "search", ALWAYS),
    b(C::Search, &[code(KeyCode::Esc)], A::Cancel, "Esc", "cancel", ALWAYS),
    b(C::Prompt, &[code(KeyCode::Enter)], A::Confirm, "Enter", "submit", ALWAYS),
    b(C::Prompt, &[code(KeyCode::Esc)], A::Cancel, "Esc", "cancel", ALWAYS),
];

/// True when `event` is `key` (Shift is ignored for characters, whose case already says it).
pub fn key_match(key: &Key, event: &KeyEvent) -> bool {
    if event.kind == KeyEventKind::Release {
        return false;
    }
    let mods = match event.code {
        KeyCode::Char(_) | KeyCode::BackTab => event.modifiers - KeyModifiers::SHIFT,
        _ => event.modifiers,
    };
    key.code == event.code && key.mods == mods
}

/// The action bound to `event` in `context`, if any.
pub fn lookup(context: Context, event: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .filter(|b| b.context == context)
        .find(|b| b.keys.iter().any(|key| key_match(key, event)))
        .map(|b| b.action)
}

/// The bindings the footer may show for these contexts, in order.
pub fn footer(contexts: &[Context]) -> impl Iterator<Item = &'static Binding> + '_ {
    contexts.iter().flat_map(|c| {
        BINDINGS
            .iter()
            .filter(move |b| b.context == *c && b.footer > 0)
    })
}
