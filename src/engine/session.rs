//! The session stage: after a login, open a session, run a harmless command, and look for a
//! refused shell, a noisy startup and a missing sftp subsystem.

use super::kex::ProbeHandle;
use super::{Cx, StageEnd};
use crate::engine::banner::sanitize;
use crate::event::{Level, Stage, Status};
use crate::findings::finding;
use russh::ChannelMsg;
use std::time::Duration;

/// The command run: does nothing, prints nothing, in any POSIX shell.
const PROBE_COMMAND: &str = "true";

/// What one command run produced.
#[derive(Debug, Default)]
pub(super) struct Run {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit: Option<u32>,
    pub refused: bool,
}

/// Run one fixed command (never text from the user) and collect at most 64 KiB of each stream.
pub(super) async fn run_command(
    handle: &ProbeHandle,
    command: &str,
    timeout: Duration,
) -> Result<Run, String> {
    let mut channel = handle
        .channel_open_session()
        .await
        .map_err(|e| format!("opening a session: {e}"))?;
    channel
        .exec(true, command)
        .await
        .map_err(|e| format!("exec: {e}"))?;
    let mut run = Run::default();
    let collect = async {
        while let Some(msg) = channel.wait().await {
            match msg {
                ChannelMsg::Data { data } => run.stdout.extend_from_slice(
                    &data[..data.len().min(65536 - run.stdout.len().min(65536))],
                ),
                ChannelMsg::ExtendedData { data, .. } => run.stderr.extend_from_slice(
                    &data[..data.len().min(65536 - run.stderr.len().min(65536))],
                ),
                ChannelMsg::ExitStatus { exit_status } => run.exit = Some(exit_status),
                ChannelMsg::Failure => run.refused = true,
                ChannelMsg::Close => break,
                _ => {}
            }
        }
    };
    tokio::time::timeout(timeout, collect).await.map_err(|_| {
        format!(
            "\"{command}\" did not finish within {}s",
            timeout.as_secs_f64()
        )
    })?;
    Ok(run)
}

async fn has_sftp(handle: &ProbeHandle, timeout: Duration) -> Result<bool, String> {
    let mut channel = handle
        .channel_open_session()
        .await
        .map_err(|e| format!("opening a session: {e}"))?;
    channel
        .request_subsystem(true, "sftp")
        .await
        .map_err(|e| e.to_string())?;
    let answer = async {
        while let Some(msg) = channel.wait().await {
            match msg {
                ChannelMsg::Success => return Ok(true),
                ChannelMsg::Failure | ChannelMsg::Close | ChannelMsg::Eof => return Ok(false),
                _ => {}
            }
        }
        Ok(false)
    };
    let result = tokio::time::timeout(timeout, answer)
        .await
        .map_err(|_| "no answer to the sftp request".to_string())?;
    let _ = channel.close().await;
    result
}

/// The stage; gives the connection back for the remote stage (also after a refused shell:
/// SFTP may still work).
pub(super) async fn session_stage(
    cx: &Cx,
    handle: ProbeHandle,
    timeout: Duration,
) -> ((bool, ProbeHandle), StageEnd) {
    cx.log(
        Stage::Session,
        Level::Debug1,
        format!("Sending command: {PROBE_COMMAND}"),
    )
    .await;
    let run = match run_command(&handle, PROBE_COMMAND, timeout).await {
        Ok(run) => run,
        Err(e) => {
            cx.log(Stage::Session, Level::Info, e.clone()).await;
            cx.finding(
                finding(
                    "session.no_shell",
                    Stage::Session,
                    format!("The server accepted the login but refused a session: {e}."),
                )
                .evidence(e),
            )
            .await;
            return (
                (false, handle),
                StageEnd::new(Status::Fail, "session refused"),
            );
        }
    };
    let out = sanitize(&run.stdout);
    let err = sanitize(&run.stderr);
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
    if run.refused || run.exit != Some(0) {
        let mut f = finding(
            "session.no_shell",
            Stage::Session,
            format!(
                "The login works, but the account cannot run commands: `{PROBE_COMMAND}` {}. The account's shell is /usr/sbin/nologin or /bin/false, or sshd forces a command (ForceCommand) — an account meant for sftp only or disabled.",
                match (run.refused, run.exit) {
                    (true, _) => "was refused".to_string(),
                    (false, Some(c)) => format!("exited with status {c}"),
                    (false, None) => "ended without an exit status".to_string(),
                }
            ),
        );
        for (what, text) in [("stdout", &out), ("stderr", &err)] {
            if !text.is_empty() {
                f = f.evidence(format!("remote {what}: {text}"));
            }
        }
        cx.finding(f).await;
        return ((false, handle), StageEnd::new(Status::Fail, "no shell"));
    }
    let mut status = Status::Pass;
    let mut notes = Vec::new();
    if !run.stdout.is_empty() {
        status = Status::Warn;
        notes.push("noisy startup");
        cx.finding(
            finding(
                "session.noisy_startup",
                Stage::Session,
                format!("Running `{PROBE_COMMAND}` printed {} byte(s): the shell's startup files write to stdout even for non-interactive commands, which breaks scp, sftp and rsync.", run.stdout.len()),
            )
            .evidence(format!("remote stdout: {out}")),
        )
        .await;
    }
    match has_sftp(&handle, timeout).await {
        Ok(true) => {
            cx.log(Stage::Session, Level::Debug1, "sftp subsystem available")
                .await
        }
        Ok(false) | Err(_) => {
            status = Status::Warn;
            notes.push("no sftp");
            cx.finding(finding(
                "session.no_sftp",
                Stage::Session,
                "The server has no sftp subsystem (Subsystem sftp in sshd_config): sftp, and scp on OpenSSH 9 or later, fail.",
            ))
            .await;
        }
    }
    let summary = if notes.is_empty() {
        format!("`{PROBE_COMMAND}` ran, exit status 0")
    } else {
        format!("commands run; {}", notes.join(", "))
    };
    ((true, handle), StageEnd::new(status, summary))
}
