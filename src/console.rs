//! The full-screen console: state and update ([`App`]), keys as data ([`keymap`]), and a pure view ([`draw`]).
//!
//! The console consumes the same [`crate::event::Event`] stream as the report. Input goes
//! to [`App::on_key`] / [`App::on_mouse`], which change state and return [`Command`]s for
//! the run loop (re-run the probe, apply a confirmed repair, quit); [`draw`] only reads the
//! state. Dangerous actions are a two-step round trip: Enter on an action opens a confirm
//! dialog holding that very [`ActionOffer`](crate::event::ActionOffer), and `y` hands it
//! back inside [`Command::Apply`].

mod app;
mod asking;
pub(crate) mod cmdwrap;
pub(crate) mod describe;
pub mod keymap;
pub mod labels;
mod logview;
pub mod picker;
mod record;
mod rows;
mod run;
pub mod theme;
mod update;
pub(crate) mod view;
pub(crate) mod wrap;

#[cfg(test)]
mod explain_tests;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod hop_tests;
#[cfg(test)]
mod i18n_snapshot_tests;
#[cfg(test)]
mod screen_tests;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod tests;

pub use app::{ActionRecord, App, Focus};
pub use run::{run, run_explain, run_server, run_within, Ending, Setup};
pub use view::draw;

/// How the console draws; decided by the caller from `--ascii` and `NO_COLOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConsoleOptions {
    /// ASCII borders and symbols (`[ok]`, `[FAIL]`) instead of box drawing and `✔ ✘`.
    pub ascii: bool,
    /// Colours on; false renders with modifiers only (bold, reversed), for `NO_COLOR`.
    pub color: bool,
}

/// What [`App::on_key`] and [`App::on_mouse`] ask the run loop to do.
#[derive(Clone, PartialEq)]
pub enum Command {
    /// Run the probe again: the loop calls [`App::reset_for_rerun`] and feeds the new events.
    Rerun,
    /// Run again past a first contact without trusting the key (from then on for this console):
    /// authentication and the later checks run, sending no secret to the unverified host.
    RerunUntrusted,
    /// Apply this confirmed repair with [`crate::repair::apply`], then report back through
    /// [`App::on_repair_result`] and re-run the probe.
    Apply(crate::event::ActionOffer),
    /// The user submitted a secret prompt (see [`App::prompt_secret`]); never logged.
    Secret(zeroize::Zeroizing<String>),
    /// Leave the console and give the terminal back.
    Quit,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Rerun => f.write_str("Rerun"),
            Command::RerunUntrusted => f.write_str("RerunUntrusted"),
            Command::Apply(a) => f.debug_tuple("Apply").field(a).finish(),
            Command::Secret(_) => f.write_str("Secret(<hidden>)"),
            Command::Quit => f.write_str("Quit"),
        }
    }
}
