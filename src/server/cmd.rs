//! Running the few read-only commands server mode needs (`sshd -t`, `sshd -T`, `getent`),
//! each with a deadline, its output capped.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// How long one command may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Output kept per stream.
const MAX_OUTPUT: usize = 1 << 20;

/// What a command printed and how it ended.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// Exit status 0.
    pub ok: bool,
    /// stdout (lossy UTF-8, capped).
    pub stdout: String,
    /// stderr (lossy UTF-8, capped), without sshd's CRs.
    pub stderr: String,
}

/// Run `program args` (no shell, stdin closed, environment's locale C); an error says why it
/// could not run or that it took longer than [`TIMEOUT`].
pub async fn run(program: &Path, args: &[&str]) -> Result<Output, crate::i18n::Text> {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let shown = format!("{} {}", program.display(), args.join(" "));
    let out = match tokio::time::timeout(TIMEOUT, cmd.output()).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => {
            let error = e.to_string();
            return Err(crate::text!(
                "server.cmd.cannot_run",
                command = shown,
                error = error
            ));
        }
        Err(_) => {
            let secs = TIMEOUT.as_secs();
            return Err(crate::text!(
                "server.cmd.too_long",
                command = shown,
                secs = secs
            ));
        }
    };
    let text = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(MAX_OUTPUT)]).replace('\r', "");
    Ok(Output {
        ok: out.status.success(),
        stdout: text(&out.stdout),
        stderr: text(&out.stderr),
    })
}
