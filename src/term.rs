//! Terminal plumbing shared by the full-screen front ends (console, picker, onboarding): the
//! guard that gives the terminal back, the key reader thread, the signals that end a session,
//! (in [`input`]) the mapping of keys and pastes to text edits, and (in [`rows`]) the cutting
//! of screen areas both layouts use.

pub mod input;
pub mod rows;

use crossterm::event::{self as term, Event as TermEvent};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a stopping key reader is waited for before it is left behind.
const READER_STOP: Duration = Duration::from_millis(500);

/// Raw mode and the alternate screen, given back when dropped, whatever the way out.
pub struct TerminalGuard {
    mouse: bool,
}

impl TerminalGuard {
    /// Enter raw mode and the alternate screen (`ratatui::init`, whose panic hook restores the
    /// terminal before a panic message prints), with bracketed paste (a paste arrives as one
    /// event, so its newlines never act as Enter in a dialog) and, when asked, the mouse.
    pub fn enter(mouse: bool) -> (ratatui::DefaultTerminal, TerminalGuard) {
        let terminal = ratatui::init();
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste);
        if mouse {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
        }
        (terminal, TerminalGuard { mouse })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if self.mouse {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        }
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
        ratatui::restore();
    }
}

/// The thread that reads keys, mouse, paste and resize events (crossterm's reader blocks);
/// stopped when dropped.
pub struct KeyReader {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl KeyReader {
    /// Start reading; each terminal event is sent as `wrap(event)` until the receiver is gone
    /// or the reader is stopped.
    pub fn spawn<T: Send + 'static>(tx: mpsc::Sender<T>, wrap: fn(TermEvent) -> T) -> KeyReader {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match term::poll(Duration::from_millis(50)) {
                    Ok(true) => match term::read() {
                        Ok(ev) => {
                            if tx.blocking_send(wrap(ev)).is_err() {
                                return;
                            }
                        }
                        Err(_) => return,
                    },
                    Ok(false) => {}
                    Err(_) => return,
                }
            }
        });
        KeyReader {
            stop,
            thread: Some(thread),
        }
    }

    /// Stop before the terminal is handed on (to the onboarding flow or the shell): the thread
    /// notices within one poll. With the terminal gone (a closed tmux pane) crossterm can stay
    /// inside a read that never returns; then the thread is left behind rather than waited
    /// for, so the process still ends.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let Some(thread) = self.thread.take() else {
            return;
        };
        let deadline = std::time::Instant::now() + READER_STOP;
        while !thread.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if thread.is_finished() {
            let _ = thread.join();
        }
    }
}

impl Drop for KeyReader {
    fn drop(&mut self) {
        self.stop();
    }
}

/// SIGTERM, SIGHUP (a tmux pane or ssh session closed) and SIGINT: each ends a session cleanly.
pub struct Signals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    /// Listen for the three signals (inside a tokio runtime).
    pub fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Wait for the next one.
    pub async fn next(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}
