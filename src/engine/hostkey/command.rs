//! Running the user's KnownHostsCommand the way ssh 9.2's `subprocess()` does, with a deadline.
//!
//! See `known_hosts::command` for how the argument vector is built. Here: the program must be
//! an absolute path that exists (ssh logs an error and goes on without it otherwise); it runs
//! directly (no shell) with stdin on /dev/null and sshdoctor's environment; stdout is read as
//! known_hosts lines (capped), stderr is kept for the log; the process is killed when the
//! deadline passes or the run is dropped. A non-zero exit or a signal is fatal to ssh.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use crate::engine::sanitize;
use crate::known_hosts::command::{build_argv, ClientTokens, Invocation, KeyTokens};
use crate::known_hosts::KnownHostsFile;
use ssh_key::public::KeyData;

/// At most this much of the command's stdout (and of its stderr) is read.
const OUTPUT_CAP: u64 = 16 * 1024 * 1024;

/// The configured command and what its tokens expand to.
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    /// The KnownHostsCommand value.
    pub template: String,
    /// The client tokens.
    pub tokens: ClientTokens,
    /// FingerprintHash md5 (`%f`).
    pub md5: bool,
}

/// How one run went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RunResult {
    /// Exit status 0.
    Ok,
    /// ssh would not run it and carries on without it (bad quotes, relative path, absent).
    NotRun(String),
    /// ssh exits: an unknown token or unset variable in the command.
    BadToken(String),
    /// A non-zero exit status (also: the program could not be executed, ssh's child exits 127).
    Failed(i32),
    /// Killed by a signal.
    Signaled(i32),
    /// Still running at the deadline (ssh has none: it would wait), killed.
    TimedOut(Duration),
}

/// One run of KnownHostsCommand.
#[derive(Clone, Debug)]
pub(crate) struct CommandRun {
    /// Why it ran.
    pub invocation: Invocation,
    /// The command as run (words joined by spaces), or the template when it never ran.
    pub command: String,
    /// The outcome.
    pub result: RunResult,
    /// Its stderr, line by line, made safe to print.
    pub stderr: Vec<String>,
    /// Its stdout parsed as known_hosts lines (named `KnownHostsCommand-HOSTNAME` as ssh does).
    pub output: Option<KnownHostsFile>,
}

impl CommandRun {
    /// Whether ssh stops here ("KnownHostsCommand failed", or a failed token expansion).
    pub fn fatal(&self) -> bool {
        !matches!(self.result, RunResult::Ok | RunResult::NotRun(_))
    }

    /// ssh's own words for what happened (for the log and the evidence).
    pub fn describe(&self) -> String {
        let tag = self.invocation.tag();
        match &self.result {
            RunResult::Ok => format!("{tag} {}: exit status 0", self.command),
            RunResult::NotRun(why) => format!("{tag} {why}"),
            RunResult::BadToken(why) => {
                format!("{tag}: percent_dollar_expand failed: {why} (ssh exits)")
            }
            RunResult::Failed(code) => format!("{tag} {} failed, status {code}", self.command),
            RunResult::Signaled(sig) => {
                format!("{tag} {} exited on signal {sig}", self.command)
            }
            RunResult::TimedOut(d) => format!(
                "{tag} {} was still running after {:.1}s and was killed (ssh would wait for it)",
                self.command,
                d.as_secs_f64()
            ),
        }
    }
}

/// Run the command for `invocation`, `name` being the name looked up (`%H`).
pub(crate) async fn run(
    spec: &Spec,
    invocation: Invocation,
    name: &str,
    key: Option<&KeyData>,
    deadline: Duration,
) -> CommandRun {
    let key_tokens = key.map_or_else(KeyTokens::none, |k| KeyTokens::of(k, spec.md5));
    let mut out = CommandRun {
        invocation,
        command: spec.template.clone(),
        result: RunResult::Ok,
        stderr: Vec::new(),
        output: None,
    };
    let argv = match build_argv(&spec.template, &spec.tokens, name, invocation, &key_tokens) {
        Ok(argv) => argv,
        Err(why) if why.starts_with('"') => {
            out.result = RunResult::NotRun(why);
            return out;
        }
        Err(why) => {
            out.result = RunResult::BadToken(why);
            return out;
        }
    };
    out.command = argv.join(" ");
    if let Err(why) = runnable(&argv[0]) {
        out.result = RunResult::NotRun(why);
        return out;
    }
    execute(&argv, deadline, &mut out).await;
    out
}

/// Whether ssh would start the program: an absolute path that exists; else what ssh logs.
fn runnable(program: &str) -> Result<(), String> {
    if !Path::new(program).is_absolute() {
        return Err("path is not absolute".into());
    }
    if let Err(e) = std::fs::metadata(program) {
        return Err(format!("Could not stat \"{program}\": {e}"));
    }
    Ok(())
}

/// Run the program with its arguments until it ends or `deadline` passes (then it is
/// killed), reading stdout and stderr (capped) into `out`.
async fn execute(argv: &[String], deadline: Duration, out: &mut CommandRun) {
    let child = tokio::process::Command::new(Path::new(&argv[0]))
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let Ok(mut child) = child else {
        // ssh's child cannot execv either and exits 127.
        out.result = RunResult::Failed(127);
        return;
    };
    let (mut stdout, mut stderr) = (child.stdout.take(), child.stderr.take());
    let work = async {
        let (mut o, mut e) = (Vec::new(), Vec::new());
        let read_out = async {
            if let Some(s) = stdout.as_mut() {
                let _ = s.take(OUTPUT_CAP).read_to_end(&mut o).await;
            }
        };
        let read_err = async {
            if let Some(s) = stderr.as_mut() {
                let _ = s.take(OUTPUT_CAP).read_to_end(&mut e).await;
            }
        };
        tokio::join!(read_out, read_err);
        (child.wait().await, o, e)
    };
    let finished = tokio::time::timeout(deadline, work).await;
    match finished {
        Err(_) => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            out.result = RunResult::TimedOut(deadline);
        }
        Ok((status, o, e)) => ended(out, status, &o, &e),
    }
}

/// How the program ended, into `out`: its stderr lines (made safe), its stdout read as
/// known_hosts lines, and whether it succeeded, failed with a code or died of a signal.
fn ended(
    out: &mut CommandRun,
    status: std::io::Result<std::process::ExitStatus>,
    o: &[u8],
    e: &[u8],
) {
    out.stderr = e
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(sanitize)
        .collect();
    out.output = Some(KnownHostsFile::parse(out.invocation.tag(), o));
    out.result = match status {
        Ok(s) if s.success() => RunResult::Ok,
        Ok(s) => match (s.code(), std::os::unix::process::ExitStatusExt::signal(&s)) {
            (Some(code), _) => RunResult::Failed(code),
            (None, Some(sig)) => RunResult::Signaled(sig),
            _ => RunResult::Failed(-1),
        },
        Err(_) => RunResult::Failed(-1),
    };
}
