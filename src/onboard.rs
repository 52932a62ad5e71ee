//! `sshdoctor onboard DESTINATION`: a newcomer's first login, step by step — a key (existing or
//! new), the server's host key compared and recorded, one password login, the key installed,
//! the server-side permissions sshd's StrictModes wants, a fresh login with the key alone, and a
//! `Host` block so the next `ssh ALIAS` just works.
//!
//! [`state::Onboard`] holds the flow and turns keys and results into [`state::Cmd`]s; the loop
//! here carries them out ([`ops`]) and draws [`view::draw`]. Every write is previewed and
//! confirmed; every secret is typed in a masked box and never drawn, logged or kept.

mod alias;
pub(crate) mod ops;
pub mod state;
pub mod view;

#[cfg(test)]
mod tests;

use crate::config::ConfigInput;
use crate::console::theme::Theme;
use crate::console::ConsoleOptions;
use crate::event::{Event, Level};
use crate::term::{KeyReader, Signals, TerminalGuard};
use crossterm::event::{Event as TermEvent, KeyEventKind};
use state::{Cmd, Onboard, Outcome};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Build the flow's state for a destination (reads ~/.ssh; no network).
pub fn prepare(input: &ConfigInput, timeout: Option<Duration>) -> Onboard {
    let plan = crate::cli::make_plan(input, timeout);
    let get = |k: &str| {
        plan.config
            .get(k)
            .map(|v| v.value.clone())
            .unwrap_or_default()
    };
    let ssh_dir = input.home.join(".ssh");
    let keys = crate::keygen::list_keys(&ssh_dir);
    let new_key_path = crate::keygen::free_key_path(&ssh_dir);
    let (user, hostname) = (get("user"), get("hostname"));
    let port = get("port").parse().unwrap_or(22);
    let existing = alias::config_entries(input);
    let alias = alias::propose(&input.host, &hostname, &user, port, &existing);
    let mut ob = Onboard::new(
        input.host.clone(),
        user,
        hostname,
        port,
        input.home.clone(),
        keys,
        new_key_path,
        alias,
    );
    ob.comment = format!("{}@{}", input.local_user, input.local_hostname);
    ob.aliases = existing;
    ob.key_sel = preselect(&plan.config, &ob.keys).unwrap_or(ob.key_sel);
    ob.resume = crate::destination::command_args(input, timeout);
    ob
}

/// The key the destination's configuration already names (IdentityFile, `-i`), if listed.
fn preselect(
    config: &crate::config::ResolvedConfig,
    keys: &[crate::keygen::LocalKey],
) -> Option<usize> {
    let configured: Vec<std::path::PathBuf> = config
        .get_all("identityfile")
        .iter()
        .filter(|v| v.origin != crate::config::Origin::Default)
        .map(|v| std::path::PathBuf::from(&v.value))
        .collect();
    crate::keygen::preferred(keys, &configured)
}

/// One log line for an engine event, `None` for the ones the pane leaves out.
fn log_line(ev: &Event) -> Option<String> {
    match ev {
        Event::Log {
            level, stage, text, ..
        } if *level <= Level::Debug1 => Some(format!("{:<7} {text}", stage.name())),
        Event::StageFinished {
            stage,
            status,
            summary,
            ..
        } if *status != crate::event::Status::Skipped => {
            Some(format!("{:<7} {}: {summary}", stage.name(), status.word()))
        }
        Event::Finding(f) => Some(format!("finding {} — {}", f.id, f.title)),
        _ => None,
    }
}

/// Run the flow full-screen until it is finished or left; 0 when every step is done or skipped.
pub fn run(
    input: ConfigInput,
    timeout: Option<Duration>,
    options: ConsoleOptions,
) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut ob = prepare(&input, timeout);
    let (mut terminal, guard) = TerminalGuard::enter(false);
    let theme = Theme::new(options);
    let code = runtime.block_on(event_loop(&mut terminal, &mut ob, theme, input, timeout));
    drop(guard);
    // Left before the end: what was made, and how to go on (on the normal screen).
    if let Some(text) = ob.farewell() {
        eprint!("{text}");
    }
    // Finished: what to type from now on.
    if let Some(text) = ob.success_text() {
        print!("{text}");
    }
    code
}

/// Keys, results and log lines in, commands carried out, the screen drawn, until the flow
/// quits; then the connection is closed.
async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    ob: &mut Onboard,
    theme: Theme,
    input: ConfigInput,
    timeout: Option<Duration>,
) -> anyhow::Result<u8> {
    let (wake_tx, mut wake_rx) = mpsc::channel::<TermEvent>(64);
    let mut reader = KeyReader::spawn(wake_tx, |ev| ev);
    let mut signals = Signals::new()?;
    let (out_tx, mut out_rx) = mpsc::channel::<Outcome>(8);
    let (log_tx, mut log_rx) = mpsc::channel::<Event>(1024);
    let runner = Runner {
        out: out_tx,
        log: log_tx,
        session: Arc::new(tokio::sync::Mutex::new(None)),
        input,
        timeout,
    };
    let draw = |terminal: &mut ratatui::DefaultTerminal, ob: &Onboard| {
        terminal
            .draw(|f| view::draw(ob, theme, f.area(), f.buffer_mut()))
            .map(|_| ())
    };
    draw(terminal, ob)?;
    let code = loop {
        let commands = tokio::select! {
            wake = wake_rx.recv() => on_terminal(terminal, ob, wake)?,
            Some(outcome) = out_rx.recv() => ob.on_outcome(outcome),
            Some(ev) = log_rx.recv() => {
                if let Some(line) = log_line(&ev) {
                    ob.log.push(line);
                }
                Vec::new()
            }
            _ = signals.next() => vec![Cmd::Quit],
        };
        let mut quit = false;
        for cmd in commands {
            match cmd {
                Cmd::Quit => quit = true,
                cmd => runner.start(ob, cmd),
            }
        }
        draw(terminal, ob)?;
        if quit {
            break ob.exit_code();
        }
    };
    runner.close().await;
    reader.stop();
    Ok(code)
}

/// What the terminal sent (None: the key reader is gone, so the flow quits).
fn on_terminal(
    terminal: &mut ratatui::DefaultTerminal,
    ob: &mut Onboard,
    wake: Option<TermEvent>,
) -> anyhow::Result<Vec<Cmd>> {
    Ok(match wake {
        Some(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => ob.on_key(k),
        Some(TermEvent::Paste(text)) => {
            ob.on_paste(&text);
            Vec::new()
        }
        Some(TermEvent::Resize(..)) => {
            terminal.autoresize()?;
            Vec::new()
        }
        Some(_) => Vec::new(),
        None => vec![Cmd::Quit],
    })
}

/// What carrying out the flow's commands takes: where results and engine events go, the
/// logged-in session, and what a fresh probe plan is made of.
struct Runner {
    out: mpsc::Sender<Outcome>,
    log: mpsc::Sender<Event>,
    session: ops::SharedSession,
    input: ConfigInput,
    timeout: Option<Duration>,
}

impl Runner {
    /// A fresh plan for the destination.
    fn plan(&self) -> crate::engine::Plan {
        crate::cli::make_plan(&self.input, self.timeout)
    }

    /// Start one command in the background; its result comes back as an [`Outcome`].
    /// ([`Cmd::Quit`] is the loop's.)
    fn start(&self, ob: &Onboard, cmd: Cmd) {
        let tx = self.out.clone();
        let (s, log) = (self.session.clone(), self.log.clone());
        match cmd {
            Cmd::Quit => {}
            Cmd::Generate {
                path,
                comment,
                passphrase,
            } => blocking(tx, move || {
                Outcome::Generated(ops::generate(path, comment, passphrase))
            }),
            Cmd::Connect => {
                let plan = self.plan();
                ops::spawn(tx, async move {
                    Outcome::Connected(ops::verify(plan, log).await)
                });
            }
            Cmd::Apply(action) => blocking(tx, move || {
                Outcome::Applied(action.id.clone(), apply(&action))
            }),
            Cmd::Login { password } => {
                let (plan, key, key_pass) = (self.plan(), ob.chosen.clone(), ob.key_passphrase());
                ops::spawn(tx, async move {
                    Outcome::LoggedIn(ops::login(plan, log, key, key_pass, password, s).await)
                });
            }
            Cmd::Install => {
                let Some(key) = ob.chosen.clone() else { return };
                ops::spawn(
                    tx,
                    async move { Outcome::Installed(ops::install(s, key).await) },
                );
            }
            Cmd::Inspect => {
                let dest = ob.destination.clone();
                ops::spawn(tx, async move {
                    Outcome::Inspected(ops::inspect(s, &dest).await)
                });
            }
            Cmd::Chmod(action) => {
                let dest = ob.destination.clone();
                ops::spawn(tx, async move {
                    Outcome::Inspected(ops::chmod(s, log, action, &dest).await)
                });
            }
            Cmd::Prove { passphrase } => self.prove(ob, passphrase),
            Cmd::PlanConfig { alias } => self.plan_config(ob, alias),
        }
    }

    /// Log in with the chosen key alone.
    fn prove(&self, ob: &Onboard, passphrase: Option<zeroize::Zeroizing<String>>) {
        let Some(key) = ob.chosen.clone() else {
            return;
        };
        let (plan, log) = (self.plan(), self.log.clone());
        ops::spawn(self.out.clone(), async move {
            Outcome::Proved(ops::prove(plan, log, key, passphrase).await)
        });
    }

    /// Plan the `Host` block for `alias`.
    fn plan_config(&self, ob: &Onboard, alias: String) {
        let Some(key) = ob.chosen.clone() else {
            return;
        };
        let input = self.input.clone();
        let (user, host, port) = (ob.user.clone(), ob.hostname.clone(), ob.port);
        blocking(self.out.clone(), move || {
            Outcome::Planned(ops::plan_config(
                &input,
                &alias,
                &user,
                &host,
                port,
                &key.private,
            ))
        });
    }

    /// Close the logged-in session, if there is one.
    async fn close(&self) {
        if let Some(s) = self.session.lock().await.take() {
            let _ = s.account.sftp.close().await;
            ops::hang_up(&s.conn).await;
        }
    }
}

/// Run blocking work on tokio's blocking pool and hand its result to `tx`.
fn blocking<F>(tx: mpsc::Sender<Outcome>, work: F)
where
    F: FnOnce() -> Outcome + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let _ = tx.blocking_send(work());
    });
}

/// Apply a confirmed action's repair: what was done, file by file.
fn apply(action: &crate::event::ActionOffer) -> Result<String, String> {
    match &action.repair {
        Some(r) => crate::repair::apply(r)
            .map(|done| {
                done.iter()
                    .map(crate::fsedit::Applied::summary)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .map_err(|e| e.to_string()),
        None => Ok("nothing to change".into()),
    }
}
