//! `--watch`: after the checks, follow sshd's log and explain each new attempt as it ends
//! (for pairing: one person watches, the other tries), until the front end goes away.

use super::emit::Out;
use super::explain;
use super::log::source::{FileFollower, Origin, JOURNAL_ARGS};
use super::log::Attempts;
use super::logstage::{explained, group, latest, local_accounts, report_attempt, short, Follow};
use super::{Options, Seen};
use crate::event::{Event, Level, Stage};
use std::time::Duration;

/// How often a file is looked at for new lines.
const POLL: Duration = Duration::from_millis(200);
/// An attempt with no new line for this long is explained as it is.
const QUIET: Duration = Duration::from_secs(2);

/// Follow the log until the receiver of the events is gone.
pub(crate) async fn follow(out: &Out, options: &Options, seen: &Seen, from: Follow) {
    let Some(origin) = from.origin.clone() else {
        let said = crate::text!("server.watch.no_log");
        out.say(Stage::Log, Level::Info, said).await;
        return;
    };
    let said = crate::text!("server.watch.watching", log = origin.describe());
    out.say(Stage::Log, Level::Info, said).await;
    let mut state = State {
        attempts: Attempts::new(),
        accounts: local_accounts(),
        reported: from.reported,
        quiet: Duration::ZERO,
        count: 0,
    };
    match origin {
        Origin::File(path) => {
            let mut follower = FileFollower::new(path, from.offset);
            while !out.closed() {
                tokio::time::sleep(POLL).await;
                let lines = follower.poll().unwrap_or_default();
                state.take(out, options, seen, &lines, POLL).await;
            }
        }
        Origin::Journal => journal(out, options, seen, &mut state).await,
    }
}

struct State {
    attempts: Attempts,
    accounts: Vec<String>,
    reported: Vec<String>,
    quiet: Duration,
    /// Attempts explained while watching.
    count: usize,
}

impl State {
    /// New lines (maybe none, after `waited`): explain the attempts that ended, and those
    /// quiet for [`QUIET`].
    async fn take(
        &mut self,
        out: &Out,
        options: &Options,
        seen: &Seen,
        lines: &[String],
        waited: Duration,
    ) {
        let mut ended = group(lines, &mut self.attempts);
        self.quiet = if lines.is_empty() {
            self.quiet + waited
        } else {
            Duration::ZERO
        };
        if self.quiet >= QUIET {
            ended.extend(self.attempts.finish());
            self.quiet = Duration::ZERO;
        }
        let (user, from) = (options.user.as_deref(), options.from.as_deref());
        let chosen = explained(ended, options, seen, &self.accounts);
        for e in &chosen {
            report_attempt(out, e).await;
        }
        for f in explain::findings(&chosen, user, from, seen) {
            if !self.reported.contains(&f.id) {
                self.reported.push(f.id.clone());
                out.finding(f).await;
            }
        }
        // The checklist's log row follows: how many came, how the latest went.
        if let Some(last) = latest(&chosen) {
            self.count += chosen.len();
            let status = crate::findings::stage_status(&explain::findings(
                std::slice::from_ref(last),
                user,
                from,
                seen,
            ));
            let summary =
                crate::text!("server.watch.summary", n = self.count, latest = short(last));
            out.send(Event::StageFinished {
                hop: 0,
                stage: Stage::Log,
                status,
                elapsed: Duration::ZERO,
                summary: summary.english(),
                said: Some(summary),
            })
            .await;
        }
    }
}

/// `journalctl -f -o json -n 0 -u ssh -u sshd`, read line by line.
async fn journal(out: &Out, options: &Options, seen: &Seen, state: &mut State) {
    use tokio::io::AsyncBufReadExt;
    let child = tokio::process::Command::new("journalctl")
        .args(JOURNAL_ARGS)
        .args(["-f", "-n", "0"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let Ok(mut child) = child else {
        let said = crate::text!("server.watch.no_journalctl");
        out.say(Stage::Log, Level::Info, said).await;
        return;
    };
    let Some(stdout) = child.stdout.take() else {
        return;
    };
    let mut reader = tokio::io::BufReader::new(stdout);
    let mut buf = Vec::new();
    while !out.closed() {
        // A read cut by the timeout keeps what it read in `buf` (tokio's guarantee).
        let read = tokio::time::timeout(POLL, reader.read_until(b'\n', &mut buf)).await;
        let lines = match read {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(_)) if buf.ends_with(b"\n") => {
                let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                buf.clear();
                vec![line]
            }
            _ => {
                if buf.len() > super::log::line::MAX_LINE * 8 {
                    buf.clear(); // no journal record is this long: drop it
                }
                Vec::new()
            }
        };
        state.take(out, options, seen, &lines, POLL).await;
    }
}
