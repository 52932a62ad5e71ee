//! The `log` stage: sshd's log (`--log FILE`, else journald, else the system's auth log),
//! its last attempts for `--user`/`--from`, each explained in the log pane and as an entry of
//! the report's `attempts`, and the findings they add up to.

use super::emit::{End, Out};
use super::explain::{self, Explained};
use super::log::source::{self, Origin};
use super::log::Attempts;
use super::{Options, Seen};
use crate::event::{Level, Stage, Status};
use crate::i18n::Text;
use crate::text;
use std::path::PathBuf;
use std::time::Duration;

/// Attempts explained (the most recent).
pub const MAX_ATTEMPTS: usize = 40;

/// Where `--watch` goes on reading.
#[derive(Debug, Clone)]
pub(crate) struct Follow {
    /// The log.
    pub origin: Option<Origin>,
    /// For a file: where the stage stopped reading.
    pub offset: u64,
    /// The finding ids already reported.
    pub reported: Vec<String>,
}

/// Run the stage; returns where `--watch` follows on.
pub(super) async fn stage(out: &Out, options: &Options, seen: &mut Seen) -> Follow {
    let since = out.started(Stage::Log).await;
    let (end, mut follow, found) = run(out, options, seen).await;
    // What the files said about the account, with the attempts of the log that show it.
    let mut held = std::mem::take(&mut seen.pending);
    for f in found {
        match held.iter_mut().find(|h| h.id == f.id) {
            Some(h) => {
                h.severity = h.severity.min(f.severity);
                h.evidence.push(format!("sshd's log: {}", f.detail));
                h.evidence.extend(f.evidence);
            }
            None => held.push(f),
        }
    }
    follow.reported = held.iter().map(|f| f.id.clone()).collect();
    for f in held {
        out.finding(f).await;
    }
    out.finished(Stage::Log, since, end).await;
    follow
}

/// The log's last lines and where they came from.
async fn read(options: &Options) -> Result<(Origin, source::Tail), Text> {
    if let Some(path) = &options.log {
        let tail = source::read_tail(path).map_err(|e| {
            text!(
                "server.logstage.cannot_read",
                path = path,
                error = e.to_string()
            )
        })?;
        return Ok((Origin::File(path.clone()), tail));
    }
    if let Some(lines) = source::journal_tail(Duration::from_secs(10)).await {
        return Ok((
            Origin::Journal,
            source::Tail {
                lines,
                cut: false,
                end: 0,
            },
        ));
    }
    for file in source::LOG_FILES {
        if let Ok(tail) = source::read_tail(std::path::Path::new(file)) {
            return Ok((Origin::File(PathBuf::from(file)), tail));
        }
    }
    let files = source::LOG_FILES.join(", ");
    Err(text!("server.logstage.no_log", files = files))
}

/// The names of the local accounts (to tell "no such user" from a refused one).
pub(crate) fn local_accounts() -> Vec<String> {
    std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split(':').next().map(str::to_string))
        .collect()
}

/// Group lines into attempts (lines of other programs skipped).
pub(crate) fn group(lines: &[String], attempts: &mut Attempts) -> Vec<super::log::Attempt> {
    let mut done = Vec::new();
    for line in lines {
        if !super::log::line::is_other_program(line) {
            done.extend(attempts.push(line));
        }
    }
    done
}

/// Read the log, explain the attempts wanted (the most recent [`MAX_ATTEMPTS`]), and judge
/// them; the findings go back to the caller, to be merged with those the files held.
async fn run(
    out: &Out,
    options: &Options,
    seen: &Seen,
) -> (End, Follow, Vec<crate::event::Finding>) {
    let mut follow = Follow {
        origin: None,
        offset: 0,
        reported: Vec::new(),
    };
    let (origin, tail) = match read(options).await {
        Ok(r) => r,
        Err(why) => {
            out.say(Stage::Log, Level::Info, why.clone()).await;
            return (
                End::text(Status::Skipped, text!("summary.skipped", why = why)),
                follow,
                Vec::new(),
            );
        }
    };
    follow.origin = Some(origin.clone());
    follow.offset = tail.end;
    let (log, lines) = (origin.describe(), tail.lines.len());
    let said = if tail.cut {
        let mib = source::TAIL_BYTES >> 20;
        text!(
            "server.logstage.reading_tail",
            log = log,
            mib = mib,
            lines = lines
        )
    } else {
        text!("server.logstage.reading", log = log, lines = lines)
    };
    out.say(Stage::Log, Level::Info, said).await;
    let mut attempts = Attempts::new();
    let mut all = group(&tail.lines, &mut attempts);
    all.extend(attempts.finish());
    let mut chosen = explained(all, options, seen, &local_accounts());
    dedupe_daemon(&mut chosen);
    if chosen.len() > MAX_ATTEMPTS {
        chosen.drain(..chosen.len() - MAX_ATTEMPTS);
    }
    for e in &chosen {
        report_attempt(out, e).await;
    }
    let (user, from) = (options.user.as_deref(), options.from.as_deref());
    let findings = explain::findings(&chosen, user, from, seen);
    let summary = summary(&chosen, user, from, &origin);
    let status = crate::findings::stage_status(&findings);
    (End::text(status, summary), follow, findings)
}

/// The attempts for `--user`/`--from`, explained.
pub(crate) fn explained(
    attempts: Vec<super::log::Attempt>,
    options: &Options,
    seen: &Seen,
    accounts: &[String],
) -> Vec<Explained> {
    let (user, from) = (options.user.as_deref(), options.from.as_deref());
    attempts
        .into_iter()
        .filter(|a| explain::wanted(a, user, from))
        .map(|a| explain::explain(a, seen, accounts))
        .collect()
}

/// The attempt a summary speaks of: the latest by a client, else the latest.
pub(crate) fn latest(chosen: &[Explained]) -> Option<&Explained> {
    chosen
        .iter()
        .rev()
        .find(|e| !e.attempt.daemon)
        .or(chosen.last())
}

/// "N attempt(s) for USER from ADDR; the latest: …", or that there was none.
fn summary(chosen: &[Explained], user: Option<&str>, from: Option<&str>, origin: &Origin) -> Text {
    let whose = match (user, from) {
        (Some(u), Some(a)) => text!("server.logstage.for_user_from", user = u, addr = a),
        (Some(u), None) => text!("server.logstage.for_user", user = u),
        (None, Some(a)) => text!("server.logstage.from", addr = a),
        (None, None) => Text::from(""),
    };
    match latest(chosen) {
        None => text!(
            "server.logstage.no_attempt",
            whose = whose,
            log = origin.describe()
        ),
        Some(last) => text!(
            "server.logstage.attempts",
            n = chosen.len(),
            whose = whose,
            latest = short(last)
        ),
    }
}

/// One attempt in the log pane (with its lines at -v) and in the report's `attempts`.
pub(crate) async fn report_attempt(out: &Out, e: &Explained) {
    // Its lines first (at -v), then what they mean: the meaning stays at the tail of a
    // following log pane.
    for line in &e.attempt.lines {
        out.log(Stage::Log, Level::Debug1, format!("  | {line}"))
            .await;
    }
    out.say(Stage::Log, Level::Info, e.line_text()).await;
    out.fact(Stage::Log, "attempt", e.json().to_string()).await;
}

/// sshd repeats its complaints about itself (each connection's process logs again that a
/// host key cannot be loaded): one entry each, the last, saying how often.
fn dedupe_daemon(chosen: &mut Vec<Explained>) {
    let mut seen: Vec<(Option<String>, usize)> = Vec::new();
    for e in chosen.iter() {
        if e.attempt.daemon {
            let key = e.attempt.cause_line.clone();
            match seen.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => seen.push((key, 1)),
            }
        }
    }
    let mut left: Vec<(Option<String>, usize)> = seen.clone();
    chosen.retain_mut(|e| {
        if !e.attempt.daemon {
            return true;
        }
        let Some(entry) = left.iter_mut().find(|(k, _)| *k == e.attempt.cause_line) else {
            return true;
        };
        entry.1 -= 1;
        if entry.1 > 0 {
            return false;
        }
        let total = seen
            .iter()
            .find(|(k, _)| *k == e.attempt.cause_line)
            .map_or(1, |(_, n)| *n);
        if total > 1 {
            let why = e.why.clone().unwrap_or_else(|| Text::from(""));
            e.why = Some(crate::text!(
                "server.logstage.logged_times",
                why = why,
                total = total
            ));
        }
        true
    });
}

/// The outcome of an attempt in a few words (for the stage's summary).
pub(crate) fn short(e: &Explained) -> Text {
    match (e.attempt.accepted, e.cause) {
        (true, _) => text!("server.explain.logged_in"),
        (false, Some(c)) => c.id().into(),
        (false, None) => text!("server.logstage.no_problem"),
    }
}
