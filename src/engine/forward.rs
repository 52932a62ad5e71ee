//! The forward stage: a later hop reached through the jump host before it, as ssh reaches it
//! — a direct-tcpip channel (ProxyJump, `-J`, `ssh -W`), or `nc HOST PORT` run on the jump
//! host (`ProxyCommand ssh JUMP nc %h %p`) — and why the jump host would not or could not.

use super::forward_report::{netcat_failure, open_failure, timed_out};
use super::transport::{Dialer, Jump, Prefixed, Transport, ORIGINATOR};
use super::{Cx, StageEnd, Target};
use crate::event::{Level, Stage, Status};
use crate::text;
use russh::ChannelMsg;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

/// What `nc` on the jump host said and how it ended.
#[derive(Debug, Default, Clone)]
pub(crate) struct NetcatEnd {
    /// Its standard error, line by line (bounded).
    pub stderr: Vec<String>,
    /// Its exit status.
    pub exit: Option<u32>,
    /// The jump host refused to run it (a forced command, no shell).
    pub refused: bool,
}

/// The forward stage through a direct-tcpip channel to the target's HostName and Port.
pub(super) async fn forward_stage(
    cx: &Cx,
    via: &Jump,
    t: &Target,
    timeout: Duration,
) -> (Option<(Transport, Dialer)>, StageEnd) {
    let (host, port) = (t.hostname.clone(), t.port);
    let said = text!(
        "engine.forward.opening",
        host = &host,
        port = port,
        jump = &via.name
    );
    cx.say(Stage::Forward, Level::Debug1, said).await;
    let opened = tokio::time::timeout(
        timeout,
        via.handle.channel_open_direct_tcpip(
            host.clone(),
            u32::from(port),
            ORIGINATOR.0,
            ORIGINATOR.1,
        ),
    )
    .await;
    match opened {
        Ok(Ok(channel)) => {
            let said = text!(
                "engine.forward.opened",
                jump = &via.name,
                host = &host,
                port = port
            );
            cx.say(Stage::Forward, Level::Debug1, said).await;
            let dialer = Dialer::Forward {
                via: via.clone(),
                host: host.clone(),
                port,
            };
            let summary = text!(
                "engine.forward.forwards",
                jump = &via.name,
                host = &host,
                port = port
            );
            let stream: Transport = Box::new(channel.into_stream());
            (
                Some((stream, dialer)),
                StageEnd::text(Status::Pass, summary),
            )
        }
        Ok(Err(e)) => {
            let said = super::kex::seen(&via.cell).open_failure.clone();
            (None, open_failure(cx, via, t, &e, said).await)
        }
        Err(_) => (None, timed_out(cx, via, t, timeout).await),
    }
}

/// The forward stage through `nc` run on the jump host: it passes once something comes back
/// (an SSH server speaks first), fails with what `nc` said when it ends first.
pub(super) async fn netcat_stage(
    cx: &Cx,
    via: &Jump,
    t: &Target,
    command: &str,
    timeout: Duration,
) -> (Option<(Transport, Dialer)>, StageEnd) {
    let said = text!(
        "engine.forward.running",
        command = command,
        jump = &via.name
    );
    cx.say(Stage::Forward, Level::Debug1, said).await;
    let (mut stream, end) = match netcat(via, command, timeout).await {
        Ok(s) => s,
        Err(why) => {
            let end = NetcatEnd {
                stderr: vec![why],
                exit: None,
                refused: true,
            };
            return (None, netcat_failure(cx, via, t, command, &end).await);
        }
    };
    let dialer = Dialer::Netcat {
        via: via.clone(),
        command: command.to_string(),
    };
    let mut first = vec![0u8; 4096];
    match tokio::time::timeout(timeout, stream.read(&mut first)).await {
        Ok(Ok(n)) if n > 0 => {
            first.truncate(n);
            let summary = text!(
                "engine.forward.netcat_answered",
                command = command,
                jump = &via.name
            );
            let t: Transport = Box::new(Prefixed::new(first, stream));
            (Some((t, dialer)), StageEnd::text(Status::Pass, summary))
        }
        Err(_) => {
            let summary = text!(
                "engine.forward.netcat_waiting",
                command = command,
                jump = &via.name
            );
            let t: Transport = Box::new(stream);
            (Some((t, dialer)), StageEnd::text(Status::Pass, summary))
        }
        Ok(_) => {
            // The pump records the exit status and standard error before it closes the stream.
            let end = end.lock().unwrap_or_else(|e| e.into_inner()).clone();
            (None, netcat_failure(cx, via, t, command, &end).await)
        }
    }
}

/// Run `command` on the jump host: a session channel whose standard output and input are the
/// stream; its standard error and exit status are recorded in the [`NetcatEnd`].
pub(crate) async fn netcat(
    via: &Jump,
    command: &str,
    timeout: Duration,
) -> Result<(DuplexStream, Arc<Mutex<NetcatEnd>>), String> {
    let mut channel = super::link::open_session(&via.handle, timeout)
        .await
        .map_err(|e| e.to_string())?;
    channel
        .exec(true, command)
        .await
        .map_err(|e| format!("running \"{command}\": {e}"))?;
    let answer = tokio::time::timeout(timeout, async {
        loop {
            match channel.wait().await {
                Some(ChannelMsg::Success) => return Ok(()),
                Some(ChannelMsg::Failure) | None => return Err(()),
                Some(_) => continue,
            }
        }
    })
    .await;
    match answer {
        Ok(Ok(())) => {}
        Ok(Err(())) => return Err(format!("{} refused to run \"{command}\"", via.name)),
        Err(_) => {
            return Err(format!(
                "{} did not answer the request to run \"{command}\"",
                via.name
            ))
        }
    }
    let (ours, theirs) = tokio::io::duplex(64 * 1024);
    let end = Arc::new(Mutex::new(NetcatEnd::default()));
    pump(channel, theirs, end.clone());
    Ok((ours, end))
}

/// Copy between the channel and one end of a pipe, both ways, until either side ends;
/// standard error and the exit status go to `end` before the pipe is closed.
fn pump(
    channel: russh::Channel<russh::client::Msg>,
    pipe: DuplexStream,
    end: Arc<Mutex<NetcatEnd>>,
) {
    let (mut rx, tx) = channel.split();
    let (mut from_pipe, mut to_pipe) = tokio::io::split(pipe);
    let mut writer = tx.make_writer();
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut from_pipe, &mut writer).await;
        let _ = tx.eof().await;
    });
    tokio::spawn(async move {
        let mut partial = Vec::new();
        while let Some(msg) = rx.wait().await {
            match msg {
                ChannelMsg::Data { data } => {
                    let gone = to_pipe.write_all(&data).await.is_err();
                    if gone {
                        break;
                    }
                }
                ChannelMsg::ExtendedData { data, .. } => {
                    partial.extend_from_slice(&data);
                    record_lines(&end, &mut partial);
                }
                ChannelMsg::ExitStatus { exit_status } => {
                    end.lock().unwrap_or_else(|e| e.into_inner()).exit = Some(exit_status);
                }
                // The exit status comes after EOF: read on until the channel closes.
                ChannelMsg::Close => break,
                _ => {}
            }
        }
        partial.push(b'\n');
        record_lines(&end, &mut partial);
        let _ = to_pipe.shutdown().await;
    });
}

/// Move the complete lines of `partial` into `end.stderr` (at most 50, each cut at 512 bytes).
fn record_lines(end: &Mutex<NetcatEnd>, partial: &mut Vec<u8>) {
    while let Some(nl) = partial.iter().position(|&b| b == b'\n') {
        let line: Vec<u8> = partial.drain(..=nl).collect();
        let line = &line[..line.len() - 1];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut e = end.lock().unwrap_or_else(|e| e.into_inner());
        if !line.is_empty() && e.stderr.len() < 50 {
            e.stderr
                .push(super::banner::sanitize(&line[..line.len().min(512)]));
        }
    }
}
