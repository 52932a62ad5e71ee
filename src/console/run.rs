//! Terminal setup and the event loop: keys from a reader thread, engine events over a bounded
//! channel drained once per frame, repairs run as tasks, at most ~30 frames a second, and the
//! terminal given back on every way out (quit, error, Ctrl-C, SIGTERM, SIGHUP, a panic).

use super::{draw, App, Command, ConsoleOptions};
use crate::engine::{self, Plan, SecretRequest};
use crate::event::{Event, Level, Stage};
use crate::term::{KeyReader, Signals, TerminalGuard};
use crossterm::event::{Event as TermEvent, KeyEventKind};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;
use zeroize::Zeroizing;

/// One frame every 33 ms at most.
const FRAME: Duration = Duration::from_millis(33);
/// Engine events buffered between frames; the engine waits when the console falls behind.
const ENGINE_QUEUE: usize = 1024;

/// What the loop waits on besides keys.
enum Wake {
    Terminal(TermEvent),
    Repaired(String, Result<Vec<String>, String>),
}

/// How the console ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The user quit: the exit code of the last diagnosis.
    Exit(u8),
    /// The user chose the guided first login (`onboard`) for this destination.
    Onboard,
}

/// What the console starts with besides the plan.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The destination as typed (a host or an alias).
    pub target: String,
    /// How it draws.
    pub options: ConsoleOptions,
    /// `--record FILE`: where the transcript goes when the console closes.
    pub record: Option<PathBuf>,
    /// `-v` given this many times: the log's level (`-vv` shows debug2).
    pub verbose: u8,
    /// The arguments that diagnose this destination again (`-F FILE host`).
    pub rerun: String,
    /// The home directory, for `~` in paths shown.
    pub home: PathBuf,
}

/// Where the console's events come from.
enum Source {
    /// The login probe, planned afresh for each run.
    Probe(Box<dyn Fn() -> Plan + Send>),
    /// `sshdoctor server` (its `--watch` keeps the log live).
    Server(crate::server::Options),
    /// `sshdoctor explain`: a transcript, read once, explained again on each run.
    Explain(crate::explain::Transcript, crate::explain::Options),
}

/// Run the console until the user quits (or chooses the onboarding flow).
pub fn run(plan: impl Fn() -> Plan + Send + 'static, setup: Setup) -> anyhow::Result<Ending> {
    let limit = step_limit(&plan());
    run_source(Source::Probe(Box::new(plan)), setup, Some(limit))
}

/// The console over `sshdoctor server`'s checks (and, with `--watch`, its live log).
pub fn run_server(options: crate::server::Options, setup: Setup) -> anyhow::Result<Ending> {
    run_source(Source::Server(options), setup, None)
}

/// The console over a transcript (`sshdoctor explain`): its lines as the log.
pub fn run_explain(
    transcript: crate::explain::Transcript,
    options: crate::explain::Options,
    setup: Setup,
) -> anyhow::Result<Ending> {
    run_source(Source::Explain(transcript, options), setup, None)
}

/// The console for one destination inside a full-screen session that is already running (the
/// fleet table's): the same loop on the caller's terminal and tokio runtime, which are neither
/// set up nor given back here; the caller redraws its own screen afterwards.
pub async fn run_within(
    terminal: &mut ratatui::DefaultTerminal,
    plan: impl Fn() -> Plan + Send + 'static,
    setup: Setup,
) -> anyhow::Result<Ending> {
    let limit = step_limit(&plan());
    let mut app = new_app(&setup, Some(limit));
    let result = event_loop(terminal, &mut app, Source::Probe(Box::new(plan))).await;
    write_record(&setup, &app)?;
    result
}

fn new_app(setup: &Setup, limit: Option<Duration>) -> App {
    let mut app = App::new(setup.target.clone(), setup.options);
    app.set_home(setup.home.clone());
    app.set_rerun(setup.rerun.clone());
    app.set_verbosity(setup.verbose);
    app.set_limit(limit);
    app
}

fn run_source(source: Source, setup: Setup, limit: Option<Duration>) -> anyhow::Result<Ending> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut app = new_app(&setup, limit);
    let (mut terminal, guard) = TerminalGuard::enter(true);
    let result = runtime.block_on(event_loop(&mut terminal, &mut app, source));
    drop(guard);
    write_record(&setup, &app)?;
    result
}

/// `--record FILE`: the transcript, written when the console closes.
fn write_record(setup: &Setup, app: &App) -> anyhow::Result<()> {
    if let Some(path) = &setup.record {
        std::fs::write(
            path,
            crate::safe_text::for_terminal(&app.transcript()).as_bytes(),
        )
        .map_err(|e| anyhow::anyhow!("writing the transcript to {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Where a secret typed at the prompt goes: the engine's request, waiting for the answer.
type Reply = tokio::sync::oneshot::Sender<Option<Zeroizing<String>>>;

/// The console's loop: frames, keys, the engine's prompts and signals, until the person quits
/// or chooses the guided flow.
async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    source: Source,
) -> anyhow::Result<Ending> {
    let (wake_tx, mut wake_rx) = mpsc::channel::<Wake>(256);
    let mut reader = KeyReader::spawn(wake_tx.clone(), Wake::Terminal);
    let mut signals = Signals::new()?;
    // The engine asks for passphrases and passwords here; the prompt never shows what is typed.
    let (secret_tx, mut secret_rx) = mpsc::channel::<SecretRequest>(1);
    let mut pending: Option<Reply> = None;
    let mut engine = Engine::start(&source, secret_tx);
    let size = terminal.size()?;
    app.on_resize(size.width, size.height);
    let mut tick = tokio::time::interval(FRAME);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let outcome = loop {
        let commands = tokio::select! {
            _ = tick.tick() => {
                frame(terminal, app, &mut engine.rx)?;
                continue;
            }
            wake = wake_rx.recv() => on_wake(terminal, app, wake)?,
            Some(request) = secret_rx.recv() => {
                app.ask_secret(request.prompt);
                pending = Some(request.reply);
                continue;
            }
            _ = signals.next() => break Ending::Exit(exit_code(app)),
        };
        if let Some(ending) = carry_out(app, &mut engine, &mut pending, &wake_tx, commands) {
            break ending;
        }
    };
    engine.task.abort();
    reader.stop();
    Ok(outcome)
}

/// The engine run in progress, and what starting another needs.
struct Engine<'s> {
    /// What a run probes.
    source: &'s Source,
    /// Where the engine asks for secrets.
    secret_tx: mpsc::Sender<SecretRequest>,
    /// `g` in the trust dialog: from then on, runs go on without trusting a new host key.
    untrusted: bool,
    /// The run's events.
    rx: mpsc::Receiver<Event>,
    /// The run's task.
    task: tokio::task::AbortHandle,
}

impl<'s> Engine<'s> {
    /// The first run: a new host key is decided before anything is sent.
    fn start(source: &'s Source, secret_tx: mpsc::Sender<SecretRequest>) -> Self {
        let (rx, task) = start_run(source, &secret_tx, None, engine::FirstContact::Decide);
        Engine {
            source,
            secret_tx,
            untrusted: false,
            rx,
            task,
        }
    }

    /// A new run (making `fix` on the server first when given), in place of the last one.
    fn restart(&mut self, fix: Option<Vec<crate::repair::RemoteChmod>>) {
        let first_contact = if self.untrusted {
            engine::FirstContact::GoOn
        } else {
            engine::FirstContact::Decide
        };
        (self.rx, self.task) = start_run(self.source, &self.secret_tx, fix, first_contact);
    }
}

/// Carry out the commands a key or a finished repair gave, and whether the console ends
/// (quit, or the guided flow).
fn carry_out(
    app: &mut App,
    engine: &mut Engine<'_>,
    pending: &mut Option<Reply>,
    wake_tx: &mpsc::Sender<Wake>,
    commands: Vec<Command>,
) -> Option<Ending> {
    let mut quit = false;
    let mut onboard = false;
    for command in commands {
        match command {
            Command::Quit => quit = true,
            Command::RerunUntrusted => {
                engine.untrusted = true;
                engine.task.abort();
                app.reset_for_rerun();
                engine.restart(None);
            }
            Command::Rerun => {
                engine.task.abort();
                app.reset_for_rerun();
                engine.restart(None);
            }
            // Straight to the engine, wiped from memory when it is dropped there.
            Command::Secret(secret) => {
                if let Some(reply) = pending.take() {
                    let _ = reply.send(Some(secret));
                }
            }
            // A chmod on the server: a new run logs in again (asking for the password
            // again if that is how it logs in) and makes it, then looks again.
            Command::Apply(action) if action.repair.as_ref().is_some_and(|r| r.is_remote()) => {
                let Some(crate::repair::Repair::RemotePermissions { changes }) = action.repair
                else {
                    continue;
                };
                engine.task.abort();
                app.reset_for_rerun();
                app.remote_fix_started(&action.id);
                engine.restart(Some(changes));
            }
            Command::Apply(action) if action.id == "onboard" => onboard = true,
            Command::Apply(action) => apply(action, wake_tx.clone()),
        }
    }
    // The prompt was closed without an answer (Esc): the engine goes on without it.
    if pending.is_some() && !matches!(app.overlay, Some(super::app::Overlay::Secret { .. })) {
        if let Some(reply) = pending.take() {
            let _ = reply.send(None);
        }
    }
    if onboard {
        return Some(Ending::Onboard);
    }
    quit.then(|| Ending::Exit(exit_code(app)))
}

/// One frame: fold what the engine sent since the last one, then draw if anything changed.
fn frame(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    engine_rx: &mut mpsc::Receiver<Event>,
) -> std::io::Result<()> {
    while let Ok(ev) = engine_rx.try_recv() {
        app.on_engine(&ev);
    }
    let spinner = app.on_tick();
    if spinner || app.needs_redraw() {
        terminal.draw(|f| draw(app, f))?;
        app.drawn();
    }
    Ok(())
}

/// A key, mouse, resize or repair result: what the app asks for in return.
fn on_wake(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    wake: Option<Wake>,
) -> std::io::Result<Vec<Command>> {
    Ok(match wake {
        Some(Wake::Terminal(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => {
            app.on_key(key)
        }
        Some(Wake::Terminal(TermEvent::Mouse(mouse))) => app.on_mouse(mouse),
        Some(Wake::Terminal(TermEvent::Paste(text))) => {
            app.on_paste(&text);
            Vec::new()
        }
        Some(Wake::Terminal(TermEvent::Resize(width, height))) => {
            terminal.autoresize()?;
            app.on_resize(width, height);
            Vec::new()
        }
        Some(Wake::Terminal(_)) => Vec::new(),
        Some(Wake::Repaired(id, result)) => {
            app.on_repair_result(&id, result);
            vec![Command::Rerun]
        }
        None => vec![Command::Quit],
    })
}

/// Apply a confirmed repair off the loop (file I/O), reporting back as a wake-up.
fn apply(action: crate::event::ActionOffer, tx: mpsc::Sender<Wake>) {
    tokio::task::spawn_blocking(move || {
        let result = match &action.repair {
            Some(repair) => crate::repair::apply(repair)
                .map(|applied| applied.iter().map(describe).collect())
                .map_err(|e| e.to_string()),
            None => Err(format!(
                "action {} cannot be applied from the console",
                action.id
            )),
        };
        let _ = tx.blocking_send(Wake::Repaired(action.id.clone(), result));
    });
}

/// The limit of each network step, as the engine sets it: `--timeout`, else ConnectTimeout,
/// else the default.
fn step_limit(plan: &Plan) -> Duration {
    plan.timeout
        .or_else(|| {
            plan.config
                .get("connecttimeout")
                .and_then(|v| v.value.parse::<u64>().ok())
                .filter(|s| *s > 0)
                .map(Duration::from_secs)
        })
        .unwrap_or(engine::DEFAULT_TIMEOUT)
}

/// The exit code of the console: as the report's (0 only when the login works).
fn exit_code(app: &App) -> u8 {
    crate::exit::for_report(app.report())
}

fn describe(a: &crate::fsedit::Applied) -> String {
    a.summary()
}

/// Start a run (the probe, with the chmods on the server a person confirmed, or the server
/// checks); a panic in it is reported in the log instead of taking the console down.
fn start_run(
    source: &Source,
    secrets: &mpsc::Sender<SecretRequest>,
    remote_fix: Option<Vec<crate::repair::RemoteChmod>>,
    first_contact: engine::FirstContact,
) -> (mpsc::Receiver<Event>, tokio::task::AbortHandle) {
    let (tx, rx) = mpsc::channel(ENGINE_QUEUE);
    let task = match source {
        Source::Probe(plan) => {
            let plan = Plan {
                secrets: Some(secrets.clone()),
                remote_fix,
                first_contact,
                ..plan()
            };
            tokio::spawn(engine::run(plan, tx.clone()))
        }
        Source::Server(options) => tokio::spawn(crate::server::run(options.clone(), tx.clone())),
        Source::Explain(transcript, options) => tokio::spawn(crate::explain::run(
            transcript.clone(),
            options.clone(),
            tx.clone(),
        )),
    };
    let abort = task.abort_handle();
    tokio::spawn(async move {
        if let Err(e) = task.await {
            if e.is_panic() {
                let _ = tx
                    .send(Event::Log {
                        said: None,
                        hop: 0,
                        at: Duration::ZERO,
                        level: Level::Info,
                        stage: Stage::Config,
                        text: format!("internal error: the probe task failed: {e}"),
                    })
                    .await;
            }
        }
    });
    (rx, abort)
}
