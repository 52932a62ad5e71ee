//! The table's key bindings as data: one list drives key handling, the footer and the help,
//! so they cannot drift apart.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks the table for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave the table.
    Quit,
    /// Select the previous row (or scroll up in a dialog).
    Up,
    /// Select the next row (or scroll down).
    Down,
    /// One page up.
    PageUp,
    /// One page down.
    PageDown,
    /// The first row.
    Home,
    /// The last row.
    End,
    /// Open the selected host's full single-host console.
    Open,
    /// Next sort order: failing first → host → finding → time.
    CycleSort,
    /// Show only failing hosts, or all again.
    FailingOnly,
    /// Show only the hosts having the selected host's finding id, or all again.
    ByFinding,
    /// Open the search line.
    Search,
    /// Clear the search and the filters.
    Clear,
    /// Check the selected host again.
    Recheck,
    /// Check every shown (finished) host again.
    RecheckAll,
    /// Open the list of repairs for many hosts at once.
    Repairs,
    /// Open or close the help.
    Help,
    /// In a dialog: go on (review the chosen repair; apply the reviewed one).
    Confirm,
    /// Close a dialog without doing anything.
    Cancel,
}

/// Where a binding applies: a dialog takes every key first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Everywhere, dialogs included.
    Always,
    /// The table, no dialog open.
    Table,
    /// The help.
    Help,
    /// The list of repairs.
    Repairs,
    /// The confirm dialog of a repair.
    Confirm,
}

/// A key: a character, a special key, or Ctrl with a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum K {
    /// A character (case matters).
    C(char),
    /// A special key.
    Code(KeyCode),
    /// Ctrl and a character.
    Ctrl(char),
}

/// One binding.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// Where it applies.
    pub context: Context,
    /// The keys.
    pub keys: &'static [K],
    /// How the footer and help name the keys.
    pub label: &'static str,
    /// What it does.
    pub action: Action,
    /// What it does, in words (help and footer).
    pub help: &'static str,
    /// The footer's word for it, when it is shown there (in the order of the list: the most
    /// important first); the rest only in the help.
    pub footer: Option<&'static str>,
}

impl Binding {
    /// What it does, in the language in force.
    pub fn help_text(&self) -> &'static str {
        said(self.help)
    }

    /// The footer's word for it, in the language in force.
    pub fn footer_text(&self) -> Option<&'static str> {
        self.footer.map(said)
    }
}

/// A word of the key table (what a key does, a context's name) in the language in force:
/// `[fleet.keys]` in the catalogs, keyed by the English; itself in English.
pub fn said(english: &'static str) -> &'static str {
    match crate::i18n::current() {
        crate::i18n::Lang::En => english,
        _ => crate::i18n::t(&format!("fleet.keys.{english}")),
    }
}

use Action as A;
use Context as X;
use KeyCode as C;

const fn b(
    context: Context,
    keys: &'static [K],
    label: &'static str,
    action: Action,
    help: &'static str,
    footer: Option<&'static str>,
) -> Binding {
    Binding {
        context,
        keys,
        label,
        action,
        help,
        footer,
    }
}

/// Every binding; the first that matches in the current context wins.
pub const BINDINGS: &[Binding] = &[
    b(X::Always, &[K::Ctrl('c')], "Ctrl-C", A::Quit, "quit", None),
    b(
        X::Table,
        &[K::Code(C::Enter)],
        "Enter",
        A::Open,
        "open the host's full console (q there comes back here)",
        Some("open"),
    ),
    b(
        X::Table,
        &[K::C('a')],
        "a",
        A::Repairs,
        "repairs for many hosts at once (one diff, confirmed once)",
        Some("repairs"),
    ),
    b(
        X::Table,
        &[K::C('/')],
        "/",
        A::Search,
        "search hosts, hops and finding ids",
        Some("search"),
    ),
    b(
        X::Table,
        &[K::C('f')],
        "f",
        A::FailingOnly,
        "failing hosts only, or all",
        Some("failing"),
    ),
    b(
        X::Table,
        &[K::C('s')],
        "s",
        A::CycleSort,
        "sort: failing first, host, finding, time",
        Some("sort"),
    ),
    b(
        X::Table,
        &[K::C('i')],
        "i",
        A::ByFinding,
        "only the hosts with the selected host's finding id, or all",
        Some("by finding"),
    ),
    b(X::Table, &[K::C('?')], "?", A::Help, "help", Some("help")),
    b(X::Table, &[K::C('q')], "q", A::Quit, "quit", Some("quit")),
    b(
        X::Table,
        &[K::C('r')],
        "r",
        A::Recheck,
        "check the selected host again",
        None,
    ),
    b(
        X::Table,
        &[K::C('R')],
        "R",
        A::RecheckAll,
        "check every shown host again",
        None,
    ),
    b(
        X::Table,
        &[K::Code(C::Esc)],
        "Esc",
        A::Clear,
        "clear the search and the filters",
        None,
    ),
    b(
        X::Table,
        &[K::C('j'), K::Code(C::Down)],
        "j/↓",
        A::Down,
        "next host",
        None,
    ),
    b(
        X::Table,
        &[K::C('k'), K::Code(C::Up)],
        "k/↑",
        A::Up,
        "previous host",
        None,
    ),
    b(
        X::Table,
        &[K::Code(C::PageDown)],
        "PgDn",
        A::PageDown,
        "a page down",
        None,
    ),
    b(
        X::Table,
        &[K::Code(C::PageUp)],
        "PgUp",
        A::PageUp,
        "a page up",
        None,
    ),
    b(
        X::Table,
        &[K::C('g'), K::Code(C::Home)],
        "g/Home",
        A::Home,
        "first host",
        None,
    ),
    b(
        X::Table,
        &[K::C('G'), K::Code(C::End)],
        "G/End",
        A::End,
        "last host",
        None,
    ),
    b(
        X::Help,
        &[K::Code(C::Esc), K::C('?'), K::C('q')],
        "Esc",
        A::Cancel,
        "close the help",
        Some("close"),
    ),
    b(
        X::Help,
        &[K::C('j'), K::Code(C::Down)],
        "j/↓",
        A::Down,
        "scroll",
        Some("scroll"),
    ),
    b(
        X::Help,
        &[K::C('k'), K::Code(C::Up)],
        "k/↑",
        A::Up,
        "scroll",
        None,
    ),
    b(
        X::Repairs,
        &[K::Code(C::Enter)],
        "Enter",
        A::Confirm,
        "review the chosen repair",
        Some("review"),
    ),
    b(
        X::Repairs,
        &[K::C('j'), K::Code(C::Down)],
        "j/↓",
        A::Down,
        "next repair",
        Some("next"),
    ),
    b(
        X::Repairs,
        &[K::C('k'), K::Code(C::Up)],
        "k/↑",
        A::Up,
        "previous repair",
        None,
    ),
    b(
        X::Repairs,
        &[K::Code(C::Esc), K::C('q')],
        "Esc",
        A::Cancel,
        "close",
        Some("close"),
    ),
    b(
        X::Confirm,
        &[K::C('y')],
        "y",
        A::Confirm,
        "apply",
        Some("apply"),
    ),
    b(
        X::Confirm,
        &[K::C('n'), K::Code(C::Esc)],
        "n/Esc",
        A::Cancel,
        "cancel",
        Some("cancel"),
    ),
    b(
        X::Confirm,
        &[K::C('j'), K::Code(C::Down)],
        "j/↓",
        A::Down,
        "scroll",
        Some("scroll"),
    ),
    b(
        X::Confirm,
        &[K::C('k'), K::Code(C::Up)],
        "k/↑",
        A::Up,
        "scroll",
        None,
    ),
    b(
        X::Confirm,
        &[K::Code(C::PageDown)],
        "PgDn",
        A::PageDown,
        "scroll a page",
        Some("page"),
    ),
    b(
        X::Confirm,
        &[K::Code(C::PageUp)],
        "PgUp",
        A::PageUp,
        "scroll a page",
        None,
    ),
];

/// Whether `key` is the key `k`.
fn key_match(k: K, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match k {
        K::Ctrl(c) => ctrl && key.code == KeyCode::Char(c),
        K::C(c) => !ctrl && key.code == KeyCode::Char(c),
        K::Code(code) => key.code == code,
    }
}

/// The action `key` asks for in `context` (the `Always` bindings first).
pub fn action_for(context: Context, key: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .filter(|b| b.context == Context::Always || b.context == context)
        .find(|b| b.keys.iter().any(|k| key_match(*k, key)))
        .map(|b| b.action)
}

/// The footer's bindings for a context, most important first.
pub fn footer(context: Context) -> impl Iterator<Item = &'static Binding> {
    BINDINGS
        .iter()
        .filter(move |b| b.context == context && b.footer.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn a_dialog_takes_its_keys_and_ctrl_c_always_quits() {
        assert_eq!(
            action_for(Context::Table, &key(KeyCode::Char('q'))),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for(Context::Help, &key(KeyCode::Char('q'))),
            Some(Action::Cancel)
        );
        assert_eq!(action_for(Context::Confirm, &key(KeyCode::Char('q'))), None);
        assert_eq!(
            action_for(Context::Confirm, &key(KeyCode::Char('y'))),
            Some(Action::Confirm)
        );
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(Context::Confirm, &ctrl_c), Some(Action::Quit));
        assert_eq!(
            action_for(Context::Table, &key(KeyCode::Char('R'))),
            Some(Action::RecheckAll)
        );
    }

    #[test]
    fn every_word_of_the_key_table_is_in_the_catalog() {
        let english = crate::i18n::catalog(crate::i18n::Lang::En);
        let words = BINDINGS
            .iter()
            .flat_map(|b| [Some(b.help), b.footer])
            .flatten()
            .chain(
                super::super::dialogs::CONTEXTS
                    .iter()
                    .map(|(_, name)| *name),
            );
        for word in words {
            let key = format!("fleet.keys.{word}");
            assert_eq!(english.get(&key).copied(), Some(word), "{key}");
        }
    }

    #[test]
    fn every_context_names_its_way_out_in_the_footer() {
        for (ctx, way_out) in [
            (Context::Table, Action::Quit),
            (Context::Help, Action::Cancel),
            (Context::Repairs, Action::Cancel),
            (Context::Confirm, Action::Cancel),
        ] {
            assert!(footer(ctx).any(|b| b.action == way_out), "{ctx:?}");
        }
    }
}
