//! The proxy stage: the user's ProxyCommand run as ssh runs it (`$SHELL -c "exec COMMAND"`,
//! its `%` tokens expanded), its standard input and output the transport, its standard error
//! in the log (bounded), and the process killed when the connection is dropped.

use super::transport::{Dialer, Prefixed, Transport};
use super::{Cx, StageEnd};
use crate::event::{Level, Stage, Status};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout};

/// Lines of a ProxyCommand's standard error kept in the log; the rest are counted.
const STDERR_LINES: usize = 200;
/// The longest stderr line kept (in bytes); longer lines are cut.
const STDERR_LINE_BYTES: usize = 1024;

/// A ProxyCommand ready to run.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    /// The shell (`$SHELL`, else `/bin/sh`, as ssh).
    pub shell: String,
    /// What the shell runs: `exec ` and the command with its tokens expanded.
    pub command: String,
    /// The ProxyCommand as configured.
    pub configured: String,
    /// Where it is configured (`~/.ssh/config line 3`).
    pub origin: Text,
}

/// ssh's `expand_proxy_command`: `exec COMMAND` with `%h` (HostName), `%k` (HostKeyAlias,
/// else the host as typed), `%n` (the host as typed), `%p`, `%r` and `%%` expanded; Err with
/// ssh's complaint for any other token.
pub(crate) fn expand(template: &str, tokens: &[(char, String)]) -> Result<String, String> {
    let keys: Vec<(char, &str)> = tokens.iter().map(|(k, v)| (*k, v.as_str())).collect();
    crate::config::percent_expand(&format!("exec {template}"), &keys)
}

/// The ProxyCommand's process: its standard output and input are the stream; dropping it
/// kills the process.
pub(crate) struct ProxyStream {
    _child: Child,
    out: ChildStdout,
    inp: ChildStdin,
}

/// Start the command; its standard error is handed back to be read.
pub(crate) fn spawn(spec: &Spec) -> Result<(ProxyStream, ChildStderr), String> {
    let mut child = tokio::process::Command::new(&spec.shell)
        .arg("-c")
        .arg(&spec.command)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{}: {e}", spec.shell))?;
    let (Some(out), Some(inp), Some(err)) =
        (child.stdout.take(), child.stdin.take(), child.stderr.take())
    else {
        return Err("the command's standard streams could not be set up".into());
    };
    Ok((
        ProxyStream {
            _child: child,
            out,
            inp,
        },
        err,
    ))
}

impl AsyncRead for ProxyStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.out).poll_read(cx, buf)
    }
}

impl AsyncWrite for ProxyStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inp).poll_shutdown(cx)
    }
}

/// Read a process's standard error line by line into the log at the proxy stage (bounded:
/// [`STDERR_LINES`] lines of [`STDERR_LINE_BYTES`], the rest counted), keeping the lines in
/// `kept` for evidence.
pub(crate) async fn log_stderr<R: AsyncRead + Unpin>(
    cx: &Cx,
    err: R,
    kept: Arc<Mutex<Vec<String>>>,
) {
    let mut lines = tokio::io::BufReader::new(err).split(b'\n');
    let mut seen = 0usize;
    while let Ok(Some(line)) = lines.next_segment().await {
        seen += 1;
        if seen > STDERR_LINES {
            continue;
        }
        let cut = &line[..line.len().min(STDERR_LINE_BYTES)];
        let text = crate::engine::banner::sanitize(cut.strip_suffix(b"\r").unwrap_or(cut));
        kept.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(text.clone());
        cx.log(Stage::Proxy, Level::Info, text).await;
    }
    if seen > STDERR_LINES {
        let more = text!("engine.proxy.more_stderr", n = seen - STDERR_LINES);
        cx.say(Stage::Proxy, Level::Info, more).await;
    }
}

/// Read and drop a standard error nobody logs (a command run again to reconnect), so the
/// process never blocks writing to it.
pub(crate) fn drain<R: AsyncRead + Unpin + Send + 'static>(mut err: R) {
    tokio::spawn(async move {
        let mut sink = tokio::io::sink();
        let _ = tokio::io::copy(&mut err, &mut sink).await;
    });
}

/// The proxy stage: start the command and wait (bounded) for its first output, which tells a
/// command that reached a server from one that exited.
pub(super) async fn proxy_stage(
    cx: &Cx,
    spec: Arc<Spec>,
    timeout: Duration,
) -> (Option<(Transport, Dialer)>, StageEnd) {
    cx.log(
        Stage::Proxy,
        Level::Debug1,
        format!("Executing proxy command: {}", spec.command),
    )
    .await;
    let (mut stream, err) = match spawn(&spec) {
        Ok(s) => s,
        Err(e) => {
            let why = text!("engine.proxy.could_not_start", error = e);
            return failed(cx, &spec, why, &[]).await;
        }
    };
    let said = Arc::new(Mutex::new(Vec::<String>::new()));
    let logger = cx.for_hop(cx.hop, cx.config.clone(), cx.stages.clone());
    let kept = said.clone();
    let reader = tokio::spawn(async move { log_stderr(&logger, err, kept).await });
    let mut first = vec![0u8; 4096];
    let read = tokio::time::timeout(timeout, stream.out.read(&mut first)).await;
    let dialer = Dialer::Command(spec.clone());
    match read {
        Ok(Ok(n)) if n > 0 => {
            first.truncate(n);
            let t: Transport = Box::new(Prefixed::new(first, stream));
            let summary = text!("engine.proxy.answered");
            (Some((t, dialer)), StageEnd::text(Status::Pass, summary))
        }
        Err(_) => {
            let secs = timeout.as_secs_f64().to_string();
            let said = text!("engine.proxy.nothing_yet_log", secs = secs);
            cx.say(Stage::Proxy, Level::Debug1, said).await;
            let t: Transport = Box::new(stream);
            let summary = text!("engine.proxy.nothing_yet");
            (Some((t, dialer)), StageEnd::text(Status::Pass, summary))
        }
        Ok(_) => {
            let status = tokio::time::timeout(Duration::from_secs(2), stream._child.wait()).await;
            let _ = tokio::time::timeout(Duration::from_secs(1), reader).await;
            let why = match status {
                Ok(Ok(s)) => describe_exit(s),
                _ => text!("engine.proxy.closed_output"),
            };
            let lines = said.lock().unwrap_or_else(|e| e.into_inner()).clone();
            failed(cx, &spec, why, &lines).await
        }
    }
}

/// "exited with status 127 (command not found)", "was killed by signal 9".
fn describe_exit(status: std::process::ExitStatus) -> Text {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(127), _) => text!("engine.proxy.exit_127"),
        (Some(126), _) => text!("engine.proxy.exit_126"),
        (Some(c), _) => text!("engine.proxy.exit_status", status = c),
        (None, Some(sig)) => text!("engine.proxy.killed", signal = sig),
        (None, None) => text!("engine.proxy.ended"),
    }
}

async fn failed(
    cx: &Cx,
    spec: &Spec,
    why: Text,
    stderr: &[String],
) -> (Option<(Transport, Dialer)>, StageEnd) {
    let said = text!("engine.proxy.failed_log", why = why.clone());
    cx.say(Stage::Proxy, Level::Info, said).await;
    let (command, origin) = (&spec.configured, spec.origin.clone());
    let detail = text!(
        "engine.proxy.failed_detail",
        command = command,
        origin = origin,
        why = why.clone()
    );
    let f = keyed("proxy.failed", Stage::Proxy, detail)
        .evidence(format!("{} -c {:?}", spec.shell, spec.command))
        .evidence_all(stderr.iter().map(|l| format!("its standard error: {l}")));
    cx.finding(f).await;
    let summary = text!("engine.proxy.failed_summary", why = why);
    (None, StageEnd::text(Status::Fail, summary))
}
