//! The session stage: after a login, open a session, run a harmless command, and look for a
//! refused shell, a noisy startup and a missing sftp subsystem (judged by a real SFTP init
//! exchange). Every step has its own deadline and the stage a total budget; a refusal is
//! answered as soon as the server says it.

use super::link::{ChanError, Link, Opener};
use super::remote::early::Early;
use super::{Cx, StageEnd};
use crate::engine::banner::sanitize;
use crate::event::{Level, Stage, Status};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;
use russh::client::Msg;
use russh::{Channel, ChannelMsg};
use std::time::Duration;

#[cfg(test)]
mod i18n_tests;

/// The command run: does nothing, prints nothing, in any POSIX shell.
const PROBE_COMMAND: &str = "true";

/// How many per-step timeouts the whole stage may take (a fresh connection for a server that
/// allows one session per connection costs several steps).
pub(super) const BUDGET_STEPS: u32 = 4;

/// What one command run produced.
#[derive(Debug, Default)]
pub(crate) struct Run {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit: Option<u32>,
    /// The server refused the exec request (CHANNEL_FAILURE).
    pub refused: bool,
}

/// Keep at most 64 KiB of a stream.
fn keep(buf: &mut Vec<u8>, data: &[u8]) {
    let room = 65536usize.saturating_sub(buf.len());
    buf.extend_from_slice(&data[..data.len().min(room)]);
}

/// Run one fixed command (never text from the user) and collect at most 64 KiB of each stream.
/// A refused exec ends the wait at once; the whole run is bounded by `timeout`.
pub(crate) async fn run_command<O: Opener>(
    link: &O,
    command: &str,
    timeout: Duration,
) -> Result<Run, ChanError> {
    let (mut channel, _conn) = link.session(timeout).await?;
    let mut run = Run::default();
    let collect = async {
        channel
            .exec(true, command)
            .await
            .map_err(|e| ChanError::Gone(format!("exec: {e}")))?;
        while let Some(msg) = channel.wait().await {
            match msg {
                ChannelMsg::Data { data } => keep(&mut run.stdout, &data),
                ChannelMsg::ExtendedData { data, .. } => keep(&mut run.stderr, &data),
                ChannelMsg::ExitStatus { exit_status } => run.exit = Some(exit_status),
                ChannelMsg::Failure => {
                    run.refused = true;
                    break;
                }
                ChannelMsg::Close => break,
                _ => {}
            }
        }
        Ok(())
    };
    match tokio::time::timeout(timeout, collect).await {
        Err(_) => Err(ChanError::NoAnswer(format!(
            "\"{command}\" did not finish within {}s",
            timeout.as_secs_f64()
        ))),
        Ok(Err(e)) => Err(e),
        Ok(Ok(())) => Ok(run),
    }
}

/// How the sftp check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sftp {
    /// The server answered SSH_FXP_INIT with SSH_FXP_VERSION.
    Works,
    /// The subsystem request was refused (no `Subsystem sftp`).
    Refused,
    /// Accepted, but no SFTP server answered (dropbear without its sftp-server binary).
    Broken(String),
    /// No answer in time, or the session itself could not be had.
    Unknown(String),
}

/// Wait for the answer to a request sent with want_reply.
pub(crate) async fn request_answer(channel: &mut Channel<Msg>) -> Result<bool, String> {
    while let Some(msg) = channel.wait().await {
        match msg {
            ChannelMsg::Success => return Ok(true),
            ChannelMsg::Failure => return Ok(false),
            ChannelMsg::Close | ChannelMsg::Eof => {
                return Err("the server closed the channel".into())
            }
            _ => {}
        }
    }
    Err("the connection ended".into())
}

/// The stage, bounded by its budget: the server-side stage's SFTP session and script opened at
/// once (one round); the script, when it runs through, is also the session check (one command
/// for the server, as ssh's own), else the check's own command follows. Whether commands run,
/// and what was opened for the server-side stage.
pub(super) async fn session_stage(
    cx: &Cx,
    link: &Link,
    user: &str,
    timeout: Duration,
) -> ((bool, Option<Early>), StageEnd) {
    let budget = timeout * BUDGET_STEPS;
    let both = async {
        let said = text!("engine.session.sending_log", command = PROBE_COMMAND);
        cx.say(Stage::Session, Level::Debug1, said).await;
        let mut fetched =
            super::remote::early::fetch_checked(link, user, Some(Some(PROBE_COMMAND)), timeout)
                .await;
        let run = fetched
            .session_run
            .take()
            .unwrap_or_else(|| Err(ChanError::Gone("the session check was not run".into())));
        let (ok, end) = checks(cx, link, run, &fetched).await;
        ((ok, Some(fetched)), end)
    };
    match tokio::time::timeout(budget, both).await {
        Ok(done) => done,
        Err(_) => {
            let seconds = budget.as_secs_f64().to_string();
            let why = text!("engine.session.over_budget", seconds = seconds);
            cx.say(Stage::Session, Level::Info, why.clone()).await;
            let detail = text!("engine.session.over_budget_detail", why = why.clone());
            let f = keyed("session.no_answer", Stage::Session, detail);
            cx.finding(f.evidence(why.english())).await;
            let summary = text!("engine.session.no_answer_summary");
            ((false, None), StageEnd::text(Status::Fail, summary))
        }
    }
}

/// The session stage's checks on the probe command's run: whether a shell ran it (else
/// `session.no_shell`), whether startup files print, whether sftp answers; whether the
/// later stages go on, and how this one ends.
async fn checks(
    cx: &Cx,
    link: &Link,
    run: Result<Run, ChanError>,
    fetched: &Early,
) -> (bool, StageEnd) {
    let run = match run {
        Ok(run) => run,
        Err(e) => return (false, session_failed(cx, &e).await),
    };
    let out = sanitize(&run.stdout);
    let err = sanitize(&run.stderr);
    log_run(cx, &run, &err).await;
    if run.refused || run.exit != Some(0) {
        no_shell(cx, &run, &out, &err).await;
        let summary = text!("engine.session.no_shell_summary");
        return (false, StageEnd::text(Status::Fail, summary));
    }
    let noisy = !run.stdout.is_empty();
    if noisy {
        noisy_startup(cx, &run, &out).await;
    }
    let sftp = sftp_stage_check(cx, fetched).await;
    if link.one_per_connection() {
        let said = text!("engine.session.one_per_connection_log");
        cx.say(Stage::Session, Level::Info, said).await;
        cx.fact(Stage::Session, "one_session_per_connection", "yes")
            .await;
    }
    let summary = match (noisy, sftp) {
        (false, true) => text!("engine.session.ran", command = PROBE_COMMAND),
        (true, true) => text!("engine.session.run_noisy"),
        (false, false) => text!("engine.session.run_no_sftp"),
        (true, false) => text!("engine.session.run_noisy_no_sftp"),
    };
    let status = match noisy || !sftp {
        true => Status::Warn,
        false => Status::Pass,
    };
    (true, StageEnd::text(status, summary))
}

/// Log how the probe command ended: its exit status, and what it wrote to stderr if anything.
async fn log_run(cx: &Cx, run: &Run, err: &str) {
    cx.log(
        Stage::Session,
        Level::Debug1,
        format!(
            "Exit status {}",
            run.exit.map_or("none".to_string(), |c| c.to_string())
        ),
    )
    .await;
    if !err.is_empty() {
        cx.log(
            Stage::Session,
            Level::Debug1,
            format!("remote stderr: {err}"),
        )
        .await;
    }
}

/// The probe command was refused or failed: `session.no_shell`, saying which, with what it
/// printed as evidence.
async fn no_shell(cx: &Cx, run: &Run, out: &str, err: &str) {
    let outcome = match (run.refused, run.exit) {
        (true, _) => text!("engine.session.was_refused"),
        (false, Some(c)) => text!("engine.session.exited", code = c),
        (false, None) => text!("engine.session.no_exit_status"),
    };
    let detail = no_shell_detail_keyed(PROBE_COMMAND, outcome);
    let mut f = keyed("session.no_shell", Stage::Session, detail);
    for (what, text) in [("stdout", out), ("stderr", err)] {
        if !text.is_empty() {
            f = f.evidence(format!("remote {what}: {text}"));
        }
    }
    cx.finding(f).await;
}

/// The probe command printed on stdout: `session.noisy_startup`, with what it printed.
async fn noisy_startup(cx: &Cx, run: &Run, out: &str) {
    let n = run.stdout.len();
    let detail = text!(
        "engine.session.noisy_detail",
        command = PROBE_COMMAND,
        n = n
    );
    cx.finding(
        keyed("session.noisy_startup", Stage::Session, detail)
            .evidence(format!("remote stdout: {out}")),
    )
    .await;
}

/// The sftp check (the SFTP session opened for the server-side stage) with its log line or
/// finding; whether sftp works.
async fn sftp_stage_check(cx: &Cx, fetched: &Early) -> bool {
    let state = match &fetched.sftp {
        Ok(_) => Sftp::Works,
        Err(e) => e.clone(),
    };
    let detail = match state {
        Sftp::Works => {
            let said = text!("engine.session.sftp_available_log");
            cx.say(Stage::Session, Level::Debug1, said).await;
            cx.fact(Stage::Session, "sftp", "yes").await;
            return true;
        }
        Sftp::Refused => sftp_refused(),
        Sftp::Broken(why) => text!("engine.session.sftp_broken", why = why),
        Sftp::Unknown(why) => text!("engine.session.sftp_unknown", why = why),
    };
    cx.fact(Stage::Session, "sftp", "no").await;
    cx.say(Stage::Session, Level::Info, detail.clone()).await;
    cx.finding(keyed("session.no_sftp", Stage::Session, detail))
        .await;
    false
}

/// The English of [`no_shell_detail_keyed`] (for the tests).
#[cfg(test)]
pub(crate) fn no_shell_detail(command: &str, outcome: &str) -> String {
    no_shell_detail_keyed(command, Text::from(outcome)).english()
}

/// `session.no_shell`'s detail: `command` `outcome` ("exited with status 1"); shared with
/// `sshdoctor explain`.
pub(crate) fn no_shell_detail_keyed(command: &str, outcome: Text) -> Text {
    text!(
        "engine.session.no_shell_detail",
        command = command,
        outcome = outcome
    )
}

/// The English of [`sftp_refused`] as first written (a test checks they agree).
#[cfg(test)]
pub(crate) const SFTP_REFUSED: &str = "The server has no sftp subsystem (it refused the request): sftp, and scp on OpenSSH 9 or later, fail. OpenSSH needs `Subsystem sftp` in sshd_config, tinysshd `-x sftp=/usr/lib/openssh/sftp-server`, dropbear its sftp-server program.";

/// `session.no_sftp`'s detail when the server refuses the subsystem (shared with `sshdoctor
/// explain`).
pub(crate) fn sftp_refused() -> Text {
    text!("engine.session.sftp_refused")
}

/// The finding for a session that could not be had at all.
async fn session_failed(cx: &Cx, e: &ChanError) -> StageEnd {
    cx.log(Stage::Session, Level::Info, e.to_string()).await;
    let why = e.to_string();
    let (id, detail, summary) = match e {
        ChanError::NoAnswer(_) => (
            "session.no_answer",
            text!("engine.session.no_answer_detail", why = why),
            text!("engine.session.no_answer_short"),
        ),
        ChanError::Refused(_) => (
            "session.no_shell",
            text!("engine.session.refused_detail", why = why),
            text!("engine.session.refused_short"),
        ),
        ChanError::Gone(_) => (
            "session.no_shell",
            text!("engine.session.closed_detail", why = why),
            text!("engine.session.closed_short"),
        ),
    };
    cx.finding(keyed(id, Stage::Session, detail).evidence(e.to_string()))
        .await;
    StageEnd::text(Status::Fail, summary)
}
