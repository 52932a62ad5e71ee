//! The fleet's live table: the run loop (checks' updates drained once per frame, keys from a
//! reader thread, repairs off the loop), the terminal given back on every way out; Enter opens
//! a host's full console on the same terminal and runtime ([`crate::console::run_within`]),
//! and the table comes back when it is left.

mod dialogs;
#[cfg(test)]
mod i18n_tests;
pub mod keys;
pub mod state;
#[cfg(test)]
mod tests;
pub mod view;

use super::repair::Batch;
use super::rows::{progress, summarize, Row, RowState};
use super::Fleet;
use crate::console::{ConsoleOptions, Ending};
use crate::term::{KeyReader, Signals, TerminalGuard};
use crossterm::event::{Event as TermEvent, KeyEventKind};
use state::{Command, Table};
use std::time::Duration;
use tokio::sync::mpsc;

/// One frame every 33 ms at most.
const FRAME: Duration = Duration::from_millis(33);

/// What the loop wakes up for besides its clock.
enum Wake {
    Terminal(TermEvent),
    Prepared(String, Option<Batch>),
    Repaired(Box<Batch>, Result<Vec<String>, String>),
}

/// Run the table until the user quits; the exit code is the fleet's.
pub fn run(fleet: Fleet, options: ConsoleOptions) -> anyhow::Result<u8> {
    let runtime = super::runtime()?;
    let rows: Vec<Row> = fleet.hosts.iter().cloned().map(Row::new).collect();
    let mut table = Table::new(rows, fleet.facts.jobs, options);
    let (mut terminal, guard) = TerminalGuard::enter(true);
    let result = runtime.block_on(event_loop(&mut terminal, &mut table, &fleet, options));
    drop(guard);
    // Checks still running are dropped with the runtime.
    runtime.shutdown_background();
    result.map(|()| super::exit_code(&table.rows))
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    table: &mut Table,
    fleet: &Fleet,
    options: ConsoleOptions,
) -> anyhow::Result<()> {
    let (wake_tx, mut wake_rx) = mpsc::channel::<Wake>(256);
    let mut reader = KeyReader::spawn(wake_tx.clone(), Wake::Terminal);
    let mut signals = Signals::new()?;
    let (tx, mut updates) = mpsc::unbounded_channel();
    for (index, input) in fleet.inputs.iter().enumerate() {
        super::start_one(fleet, index, input.clone(), tx.clone());
    }
    let mut tick = tokio::time::interval(FRAME);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let commands = tokio::select! {
            _ = tick.tick() => {
                frame(terminal, table, &mut updates)?;
                continue;
            }
            wake = wake_rx.recv() => on_wake(terminal, table, wake)?,
            () = signals.next() => break,
        };
        for command in commands {
            match command {
                Command::Quit => {
                    reader.stop();
                    return Ok(());
                }
                Command::Open(index) => {
                    reader.stop();
                    let ending = open_console(terminal, fleet, index, options).await;
                    terminal.clear()?;
                    table.touch();
                    reader = KeyReader::spawn(wake_tx.clone(), Wake::Terminal);
                    after_console(table, fleet, index, ending, &tx);
                }
                Command::Recheck(rows) => {
                    for i in rows {
                        super::start_one(fleet, i, fleet.inputs[i].clone(), tx.clone());
                    }
                }
                Command::Prepare(id) => {
                    let pending = super::repair::collect(&table.rows, &id);
                    let wake = wake_tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let _ = wake.blocking_send(Wake::Prepared(id, pending.build()));
                    });
                }
                Command::Apply(batch) => {
                    let wake = wake_tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let result = super::repair::apply(&batch)
                            .map(|done| done.iter().map(|a| a.summary()).collect())
                            .map_err(|e| e.to_string());
                        let _ = wake.blocking_send(Wake::Repaired(batch, result));
                    });
                }
            }
        }
    }
    reader.stop();
    Ok(())
}

/// One frame: fold what the checks sent since the last one, then draw if anything changed.
fn frame(
    terminal: &mut ratatui::DefaultTerminal,
    table: &mut Table,
    updates: &mut mpsc::UnboundedReceiver<super::probe::Update>,
) -> std::io::Result<()> {
    let mut batch = Vec::new();
    while let Ok(u) = updates.try_recv() {
        batch.push(u);
    }
    table.on_updates(batch);
    let size = terminal.size()?;
    table.set_page(view::page_rows(size.height));
    if table.on_tick() {
        terminal.draw(|f| view::draw(table, f))?;
        table.drawn();
    }
    Ok(())
}

/// A key, paste, resize, prepared repair or repair result.
fn on_wake(
    terminal: &mut ratatui::DefaultTerminal,
    table: &mut Table,
    wake: Option<Wake>,
) -> std::io::Result<Vec<Command>> {
    Ok(match wake {
        Some(Wake::Terminal(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => {
            table.on_key(key)
        }
        Some(Wake::Terminal(TermEvent::Paste(text))) => {
            table.on_paste(&text);
            Vec::new()
        }
        Some(Wake::Terminal(TermEvent::Resize(..))) => {
            terminal.autoresize()?;
            table.touch();
            Vec::new()
        }
        Some(Wake::Terminal(_)) => Vec::new(),
        Some(Wake::Prepared(_, Some(batch))) => {
            table.open_confirm(batch);
            Vec::new()
        }
        Some(Wake::Prepared(id, None)) => {
            table.set_status(crate::i18n::tf("fleet.table.nothing_left", &[("id", &id)]));
            Vec::new()
        }
        Some(Wake::Repaired(batch, result)) => on_repaired(table, &batch, result),
        None => vec![Command::Quit],
    })
}

/// Say what the repair did; on success check its hosts again.
fn on_repaired(
    table: &mut Table,
    batch: &Batch,
    result: Result<Vec<String>, String>,
) -> Vec<Command> {
    match result {
        Ok(done) => {
            let key = match batch.hosts.len() {
                1 => "fleet.table.repaired_one",
                _ => "fleet.table.repaired_many",
            };
            table.set_status(crate::i18n::tf(
                key,
                &[
                    ("id", &batch.id),
                    ("done", &done.join("; ")),
                    ("n", &batch.hosts.len()),
                ],
            ));
            let rows: Vec<usize> = batch
                .hosts
                .iter()
                .copied()
                .filter(|&i| matches!(table.rows[i].state, RowState::Done(_)))
                .collect();
            table.requeue(&rows);
            vec![Command::Recheck(rows)]
        }
        Err(e) => {
            table.set_status(format!("{}: {e}", batch.id));
            Vec::new()
        }
    }
}

/// The host's full console, on this terminal and runtime, until the user leaves it.
async fn open_console(
    terminal: &mut ratatui::DefaultTerminal,
    fleet: &Fleet,
    index: usize,
    options: ConsoleOptions,
) -> anyhow::Result<Ending> {
    let input = fleet.inputs[index].clone();
    let timeout = fleet.shared.timeout;
    let openssh = fleet.shared.openssh.clone();
    let setup = crate::console::Setup {
        target: input.host.clone(),
        options,
        record: None,
        verbose: 0,
        rerun: crate::destination::command_args(&input, timeout),
        home: input.home.clone(),
    };
    let plan = move || crate::cli::plan_with(&input, timeout, openssh.clone());
    crate::console::run_within(terminal, plan, setup).await
}

/// Back from a host's console: check it again (something may have been fixed there), and say
/// how to go on when onboarding was chosen or the console failed.
fn after_console(
    table: &mut Table,
    fleet: &Fleet,
    index: usize,
    ending: anyhow::Result<Ending>,
    tx: &mpsc::UnboundedSender<super::probe::Update>,
) {
    let alias = table.rows[index].listed.alias.clone();
    match ending {
        Ok(Ending::Exit(_)) => table.set_status(crate::i18n::tf(
            "fleet.table.back_from",
            &[("alias", &alias)],
        )),
        Ok(Ending::Onboard) => {
            let args = crate::destination::command_args(&fleet.inputs[index], fleet.shared.timeout);
            table.set_status(crate::i18n::tf("fleet.table.onboard", &[("args", &args)]));
        }
        Err(e) => table.set_status(crate::i18n::tf(
            "fleet.table.console_failed",
            &[("alias", &alias), ("error", &format!("{e:#}"))],
        )),
    }
    if matches!(table.rows[index].state, RowState::Done(_)) {
        table.requeue(&[index]);
        super::start_one(fleet, index, fleet.inputs[index].clone(), tx.clone());
    }
}

/// `[#####-----] 412/1000 · 37 running · 300 ok, 112 failing` in `width` bar cells.
pub fn progress_line(rows: &[Row], width: usize, ascii: bool) -> String {
    let (running, done) = progress(rows);
    let total = rows.len().max(1);
    let filled = done * width / total;
    let (full, empty, dot) = if ascii {
        ("#", "-", "-")
    } else {
        ("█", "░", "·")
    };
    let s = summarize(rows);
    let counts = crate::i18n::tf(
        "fleet.ok_failing",
        &[("ok", &s.ok), ("failing", &(s.failing + s.could_not_tell))],
    );
    format!(
        "[{}{}] {done}/{} {dot} {} {dot} {counts}",
        full.repeat(filled),
        empty.repeat(width - filled),
        rows.len(),
        crate::i18n::tf("fleet.running", &[("n", &running)]),
    )
}
