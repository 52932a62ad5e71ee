//! Pairs for `sshdoctor explain`: one setup on 127.0.0.1, the live probe's report, the real
//! `ssh -vvv` run against the very same setup (its stderr is the transcript), and the
//! explanation of that transcript, which must name the same first error.
#![allow(dead_code)]

use crate::common::{sshdoctor, Home, Report};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the real ssh may take (a hang fails the test).
const SSH_LIMIT: Duration = Duration::from_secs(40);

/// One situation: the fixture home, the arguments both tools get before the destination,
/// the destination, and the environment (an agent socket).
pub struct Pair<'a> {
    /// A name for the saved transcript.
    pub name: &'static str,
    /// The fixture home (`-F <home>/.ssh/config`, HOME).
    pub home: &'a Home,
    /// `-p`, `-o`, `-i` ... as ssh takes them.
    pub args: Vec<String>,
    /// `user@host`.
    pub dest: String,
    /// Extra environment for both tools.
    pub env: Vec<(String, String)>,
    /// sshdoctor's `--timeout` (and ssh's ConnectTimeout).
    pub timeout: u64,
}

/// What a pair produced.
pub struct Outcome {
    /// The live probe.
    pub probe: Report,
    /// The real ssh's stderr.
    pub transcript: String,
    /// The explanation of it.
    pub explained: Report,
}

impl<'a> Pair<'a> {
    /// A pair for `dest` with `args`, BatchMode on both sides (the probe's report never
    /// prompts either), and a 10 s step limit.
    pub fn new(name: &'static str, home: &'a Home, args: &[String], dest: &str) -> Pair<'a> {
        Pair {
            name,
            home,
            args: args.to_vec(),
            dest: dest.into(),
            env: Vec::new(),
            timeout: 10,
        }
    }

    /// The same arguments for both tools, plus BatchMode and the time limit.
    fn shared_args(&self) -> Vec<String> {
        let mut a = self.args.clone();
        a.extend([
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            format!("ConnectTimeout={}", self.timeout),
        ]);
        a
    }

    /// `sshdoctor --report json` on the setup.
    pub fn probe(&self) -> Report {
        let mut args = self.shared_args();
        args.extend([
            "--timeout".into(),
            self.timeout.to_string(),
            self.dest.clone(),
        ]);
        let mut inv = sshdoctor().home(self.home).args(&args);
        for (k, v) in &self.env {
            inv = inv.env(k, v);
        }
        inv.run()
    }

    /// The real `ssh -vvv ... true` on the setup: its stderr, also saved under target/tmp.
    pub fn ssh(&self) -> String {
        // stdout and stderr in one stream, as a terminal shows (and people paste) them.
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "exec ssh \"$@\" 2>&1", "sh"])
            .arg("-vvv")
            .arg("-F")
            .arg(self.home.config_path())
            .args(self.shared_args())
            .args(["-o", "ControlPath=none", "-o", "UpdateHostKeys=no"])
            .arg(&self.dest)
            .arg("true")
            .env("HOME", self.home.path())
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("SSH_ASKPASS")
            .env_remove("DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let text = run_bounded(cmd);
        save(self.name, &text);
        text
    }

    /// Run both tools and explain the transcript.
    pub fn run(&self) -> Outcome {
        let probe = self.probe();
        let transcript = self.ssh();
        let explained = explain(self.home, self.name, &transcript, &[]);
        Outcome {
            probe,
            transcript,
            explained,
        }
    }

    /// Run both, and assert they agree on the first error, which is `want`.
    pub fn agree(&self, want: Option<&str>) -> Outcome {
        let o = self.run();
        o.agree(want);
        o
    }
}

impl Outcome {
    /// The probe's first error is `want`, and so is the explanation's.
    pub fn agree(&self, want: Option<&str>) {
        assert_eq!(
            self.probe.first_error().as_deref(),
            want,
            "premise: the live probe's first error\n{}",
            self.probe.dump()
        );
        assert_explains(&self.explained, &self.transcript, want);
    }
}

/// The explanation is a well-formed transcript report whose first error is `want`.
pub fn assert_explains(r: &Report, transcript: &str, want: Option<&str>) {
    assert_eq!(
        r.first_error().as_deref(),
        want,
        "the explanation's first error\n--- transcript ---\n{transcript}\n{}",
        r.dump()
    );
    r.assert_well_formed();
    assert_eq!(r.json()["source"], "transcript", "{}", r.dump());
}

/// `sshdoctor explain --report json FILE` (the transcript written into the home first).
pub fn explain(home: &Home, name: &str, transcript: &str, extra: &[&str]) -> Report {
    let path = home.write_file(&format!("{name}.transcript"), transcript);
    let mut args = vec!["explain".to_string(), "--report".into(), "json".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(path.display().to_string());
    sshdoctor().home(home).raw().args(&args).run()
}

/// Run a command to its end within [`SSH_LIMIT`]; its output.
fn run_bounded(mut cmd: Command) -> String {
    let mut child = cmd.spawn().expect("run ssh");
    let mut err = child.stdout.take().expect("piped output");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + SSH_LIMIT;
    loop {
        if child.try_wait().expect("wait for ssh").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ssh did not end within {SSH_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    String::from_utf8_lossy(&reader.join().unwrap_or_default()).into_owned()
}

/// Keep a copy of each transcript for people reading a failure (never read by tests).
fn save(name: &str, text: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explain-transcripts");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("{name}.txt")), text);
}

/// `-p PORT -o UserKnownHostsFile=FILE -o GlobalKnownHostsFile=/dev/null [-o IdentitiesOnly=yes
/// -i KEY ...]`.
pub fn args(port: u16, known_hosts: &Path, keys: &[&Path]) -> Vec<String> {
    let mut a = vec![
        "-p".to_string(),
        port.to_string(),
        "-o".into(),
        format!("UserKnownHostsFile={}", known_hosts.display()),
        "-o".into(),
        "GlobalKnownHostsFile=/dev/null".into(),
    ];
    if !keys.is_empty() {
        a.extend(["-o".into(), "IdentitiesOnly=yes".into()]);
    }
    for k in keys {
        a.extend(["-i".into(), k.display().to_string()]);
    }
    a
}

/// Noise people paste around a transcript: a prompt and the command line, CRLF line ends,
/// a terminal's timestamps, and an earlier failed attempt before it.
pub fn noisy(transcript: &str, port: u16, dest: &str) -> Vec<(&'static str, String)> {
    let prompt = format!("alice@laptop:~$ ssh -vvv -p {port} {dest}\n");
    let crlf = transcript.replace('\n', "\r\n");
    let stamped: String = transcript
        .lines()
        .enumerate()
        .map(|(i, l)| format!("[12:00:{:02}.{:03}] {l}\n", i % 60, i % 1000))
        .collect();
    let vscode: String = transcript.lines().map(|l| format!("> {l}\n")).collect();
    let earlier = format!(
        "alice@laptop:~$ ssh -p 1 {dest}\nssh: connect to host 127.0.0.1 port 1: Connection refused\n{prompt}{transcript}alice@laptop:~$ \n"
    );
    vec![
        ("prompt", format!("{prompt}{transcript}alice@laptop:~$ \n")),
        ("crlf", crlf),
        ("timestamps", stamped),
        ("vscode", vscode),
        ("two-attempts", earlier),
    ]
}

/// The fixture path below the home, as a string.
pub fn p(path: &Path) -> String {
    path.display().to_string()
}

/// A known_hosts file in the home with these lines.
pub fn known_hosts(home: &Home, name: &str, lines: &[String]) -> PathBuf {
    home.write_file(&format!(".ssh/{name}"), &(lines.join("\n") + "\n"))
}
