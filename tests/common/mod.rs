//! Shared integration-test harness: isolated fixture homes, running `sshdoctor --report json`, and reading its report.
#![allow(dead_code)]

pub mod agent;
pub mod case;
pub mod dropbear;
pub mod english;
pub mod fake;
pub mod fake_ssh;
pub mod jump;
pub mod oracle;
pub mod pyserver;
pub mod servers;
pub mod sshd;
pub mod tinysshd;
pub mod tmux;
pub mod user;

use std::fmt::Write as _;
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

#[allow(unused_imports)]
pub use sshd::{KeyKind, Sshd};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_sshdoctor");

/// The safety bound on one run of the binary: a hang fails the test instead of blocking the suite.
pub const SAFETY_TIMEOUT: Duration = Duration::from_secs(60);

/// The stages in report order.
pub const STAGES: [&str; 9] = [
    "config", "dns", "tcp", "banner", "kex", "hostkey", "auth", "session", "remote",
];

/// A fresh private directory under `target/tmp` (not /tmp: sshd's StrictModes refuses files
/// below a world-writable directory); removed when dropped.
pub fn fixture_dir(prefix: &str) -> TempDir {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(root).expect("create CARGO_TARGET_TMPDIR");
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(root)
        .expect("create a fixture directory under CARGO_TARGET_TMPDIR")
}

/// A fixture home directory: `HOME` for every process a test runs, with `.ssh/` (0700) and an
/// empty `.ssh/config` (0600) that is passed with `-F`, so the machine's ssh configs never interfere.
pub struct Home {
    dir: TempDir,
}

impl Default for Home {
    fn default() -> Self {
        Home::new()
    }
}

impl Home {
    pub fn new() -> Home {
        let dir = fixture_dir("home-");
        let ssh = dir.path().join(".ssh");
        fs::create_dir(&ssh).expect("create .ssh");
        fs::set_permissions(&ssh, fs::Permissions::from_mode(0o700)).expect("chmod .ssh");
        let home = Home { dir };
        home.write_config("");
        home
    }

    /// The home directory itself.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `<home>/.ssh`.
    pub fn ssh_dir(&self) -> PathBuf {
        self.path().join(".ssh")
    }

    /// `<home>/.ssh/config`, the file every run gets with `-F`.
    pub fn config_path(&self) -> PathBuf {
        self.ssh_dir().join("config")
    }

    /// `<home>/.ssh/known_hosts` (not created until written).
    pub fn known_hosts_path(&self) -> PathBuf {
        self.ssh_dir().join("known_hosts")
    }

    /// Replaces `<home>/.ssh/config` (mode 0600).
    pub fn write_config(&self, text: &str) -> PathBuf {
        let path = self.config_path();
        fs::write(&path, text).expect("write .ssh/config");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod .ssh/config");
        path
    }

    /// Writes a file at `relative` below the home (creating parent directories); mode 0600.
    pub fn write_file(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.path().join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent directories");
        }
        fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod fixture file");
        path
    }

    /// Generates a user key pair `<home>/.ssh/<name>` (+ `.pub`) without a passphrase; returns the private key path.
    pub fn generate_key(&self, kind: KeyKind, name: &str) -> PathBuf {
        let path = self.ssh_dir().join(name);
        sshd::keygen(kind, &path);
        path
    }

    /// The public key line of a key made by [`Home::generate_key`].
    pub fn public_key(&self, name: &str) -> String {
        let path = self.ssh_dir().join(format!("{name}.pub"));
        fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
            .trim()
            .to_owned()
    }

    /// An OpenSSH `ssh` command confined to this home. OpenSSH takes `~` from the password
    /// database, not `HOME`, so known_hosts, identities and multiplexing are all pinned here too.
    pub fn ssh_command(&self) -> Command {
        let mut command = Command::new("ssh");
        isolate_env(&mut command, self);
        command
            .arg("-F")
            .arg(self.config_path())
            .arg("-o")
            .arg(format!(
                "UserKnownHostsFile={}",
                self.known_hosts_path().display()
            ))
            .args(["-o", "GlobalKnownHostsFile=/dev/null"])
            .args(["-o", "BatchMode=yes"])
            .args(["-o", "ControlPath=none"])
            .args(["-o", "ControlMaster=no"])
            .args(["-o", "UpdateHostKeys=no"])
            .args(["-o", "IdentitiesOnly=yes"])
            .arg("-o")
            .arg(format!("IdentityFile={}/id_none", self.ssh_dir().display()))
            .stdin(Stdio::null());
        command
    }
}

/// Points a command's environment at the fixture home and away from the real user's agent and configs.
fn isolate_env(command: &mut Command, home: &Home) {
    command
        .env("HOME", home.path())
        // sshdoctor takes ~ from the passwd entry, as ssh does; this stands in for it (ssh
        // itself is pinned to the fixture with -o options, see Home::ssh_command).
        .env("SSHDOCTOR_PASSWD_HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("XDG_DATA_HOME", home.path().join(".local/share"))
        .env("XDG_STATE_HOME", home.path().join(".local/state"))
        .env("XDG_CACHE_HOME", home.path().join(".cache"))
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("SSH_AGENT_PID")
        .env_remove("SSH_ASKPASS")
        .env_remove("DISPLAY")
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "1");
    english(command);
}

/// The tests read English texts: whatever locale the developer runs them in, sshdoctor speaks
/// English (tests/languages.rs sets the locale variables itself, after this).
pub fn english(command: &mut Command) -> &mut Command {
    command
        .env("LC_ALL", "")
        .env("LC_MESSAGES", "")
        .env("LANG", "C.UTF-8")
}

/// One run of the binary, built up then started with [`Invocation::run`] or [`Invocation::run_report`].
pub struct Invocation<'a> {
    home: Option<&'a Home>,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    timeout: Duration,
    report_json: bool,
}

/// Starts describing a run of the binary: `--report json -F <home>/.ssh/config` come first.
pub fn sshdoctor() -> Invocation<'static> {
    Invocation {
        home: None,
        args: Vec::new(),
        envs: Vec::new(),
        timeout: SAFETY_TIMEOUT,
        report_json: true,
    }
}

impl<'a> Invocation<'a> {
    /// Uses this home (and its `.ssh/config`) instead of a fresh empty one.
    pub fn home<'b>(self, home: &'b Home) -> Invocation<'b> {
        Invocation {
            home: Some(home),
            args: self.args,
            envs: self.envs,
            timeout: self.timeout,
            report_json: self.report_json,
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<S: AsRef<str>>(mut self, args: &[S]) -> Self {
        self.args.extend(args.iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Replaces the safety bound (not an assertion: exceeding it fails as a hang).
    pub fn safety_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Leaves out `--report json` (and `-F`): exactly the given arguments.
    pub fn raw(mut self) -> Self {
        self.report_json = false;
        self
    }

    /// Runs the binary; the report's JSON is parsed if stdout holds JSON, never asserted on.
    pub fn run(self) -> Report {
        let fresh;
        let home = match self.home {
            Some(home) => home,
            None => {
                fresh = Home::new();
                &fresh
            }
        };
        let mut full_args: Vec<String> = Vec::new();
        if self.report_json {
            full_args.extend(["--report".to_owned(), "json".to_owned(), "-F".to_owned()]);
            full_args.push(home.config_path().display().to_string());
        }
        full_args.extend(self.args.iter().cloned());

        let mut command = Command::new(BIN);
        isolate_env(&mut command, home);
        command
            .args(&full_args)
            .envs(self.envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let (code, stdout_bytes, stderr) = run_bounded(command, self.timeout, &full_args);
        let stdout_utf8 = std::str::from_utf8(&stdout_bytes).is_ok();
        let stdout = String::from_utf8_lossy(&stdout_bytes).into_owned();
        let json = serde_json::from_str::<Value>(&stdout).ok();
        Report {
            args: full_args,
            code,
            stdout,
            stdout_utf8,
            stderr,
            json,
        }
    }

    /// Runs the binary and insists on a well-formed report (see [`Report::assert_well_formed`]).
    pub fn run_report(self) -> Report {
        let report = self.run();
        report.assert_well_formed();
        report
    }
}

/// `sshdoctor --report json -F <fresh home>/.ssh/config ARGS...`, asserting the report is well-formed.
pub fn run_report(args: &[&str]) -> Report {
    sshdoctor().args(args).run_report()
}

/// `sshdoctor ARGS...` exactly as given (fresh home), nothing asserted.
pub fn run_raw(args: &[&str]) -> Report {
    sshdoctor().raw().args(args).run()
}

/// Runs a command to completion within `timeout`, reading its output as it goes; panics on a hang.
fn run_bounded(
    mut command: Command,
    timeout: Duration,
    args: &[String],
) -> (Option<i32>, Vec<u8>, String) {
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("could not run {BIN}: {e}"));
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("waiting for {BIN}: {e}"),
        }
    };
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
        let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
        panic!(
            "sshdoctor {} did not finish within the safety bound of {timeout:?} (killed)\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
            args.join(" ")
        );
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    (status.code(), stdout, stderr)
}

/// What one run produced: exit code, output, and the parsed report (if stdout was JSON).
#[derive(Debug, Clone)]
pub struct Report {
    /// The arguments the binary got.
    pub args: Vec<String>,
    /// The exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// stdout (lossily decoded: see `stdout_utf8`).
    pub stdout: String,
    /// Whether stdout was valid UTF-8 as written.
    pub stdout_utf8: bool,
    pub stderr: String,
    /// stdout parsed as JSON, if it was JSON.
    pub json: Option<Value>,
}

impl Report {
    /// Everything about the run, for failure messages.
    pub fn dump(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(text, "sshdoctor {}", self.args.join(" "));
        let _ = writeln!(text, "exit code: {:?}", self.code);
        let _ = writeln!(text, "--- stdout ---");
        match &self.json {
            Some(json) => {
                let _ = writeln!(
                    text,
                    "{}",
                    serde_json::to_string_pretty(json).unwrap_or_default()
                );
            }
            None => {
                let _ = writeln!(text, "{}", self.stdout);
            }
        }
        let _ = writeln!(text, "--- stderr ---\n{}", self.stderr);
        text
    }

    /// The parsed report; panics (with the output) if stdout was not JSON.
    pub fn json(&self) -> &Value {
        match &self.json {
            Some(json) => json,
            None => panic!("stdout is not JSON\n{}", self.dump()),
        }
    }

    /// `findings`, as an array.
    pub fn findings(&self) -> &[Value] {
        self.json()["findings"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every finding id in report order.
    pub fn finding_ids(&self) -> Vec<String> {
        self.findings().iter().map(|f| str_field(f, "id")).collect()
    }

    /// The ids of the findings of severity `error`, in report order.
    pub fn error_ids(&self) -> Vec<String> {
        self.findings()
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| str_field(f, "id"))
            .collect()
    }

    /// The id of the first `error` finding, if any.
    pub fn first_error(&self) -> Option<String> {
        self.error_ids().into_iter().next()
    }

    /// The finding with this id, if any.
    pub fn try_finding(&self, id: &str) -> Option<&Value> {
        self.findings().iter().find(|f| f["id"] == id)
    }

    /// The finding with this id; panics (with the report) if absent.
    pub fn finding(&self, id: &str) -> &Value {
        self.try_finding(id).unwrap_or_else(|| {
            panic!(
                "no finding {id:?} (have {:?})\n{}",
                self.finding_ids(),
                self.dump()
            )
        })
    }

    /// A finding's title, detail, evidence, fix and actions as one text, for "mentions" checks.
    pub fn finding_text(&self, id: &str) -> String {
        let finding = self.finding(id);
        let mut text = String::new();
        for key in ["title", "detail", "evidence", "fix", "actions"] {
            text.push_str(&flatten(&finding[key]));
            text.push('\n');
        }
        text
    }

    /// A finding's evidence lines.
    pub fn evidence(&self, id: &str) -> Vec<String> {
        self.finding(id)["evidence"]
            .as_array()
            .map(|items| items.iter().map(flatten).collect())
            .unwrap_or_default()
    }

    /// The `(status, summary)` of a stage's check; panics if the stage is missing.
    pub fn check(&self, stage: &str) -> (String, String) {
        let checks = self.json()["checks"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let check = checks
            .iter()
            .find(|c| c["id"] == stage)
            .unwrap_or_else(|| panic!("no check {stage:?}\n{}", self.dump()));
        (str_field(check, "status"), str_field(check, "summary"))
    }

    /// A stage's status.
    pub fn status(&self, stage: &str) -> String {
        self.check(stage).0
    }

    /// Asserts the statuses of the given stages.
    pub fn assert_statuses(&self, expected: &[(&str, &str)]) {
        for (stage, status) in expected {
            assert_eq!(
                self.status(stage),
                *status,
                "stage {stage} should be {status}\n{}",
                self.dump()
            );
        }
    }

    /// Asserts every stage after `stage` was skipped.
    pub fn assert_skipped_after(&self, stage: &str) {
        let at = STAGES
            .iter()
            .position(|s| *s == stage)
            .expect("known stage");
        for later in &STAGES[at + 1..] {
            assert_eq!(
                self.status(later),
                "skipped",
                "stage {later} should be skipped after {stage} failed\n{}",
                self.dump()
            );
        }
    }

    /// Every `log[].text`, in order.
    pub fn log_lines(&self) -> Vec<String> {
        self.json()["log"]
            .as_array()
            .map(|entries| entries.iter().map(|e| flatten(&e["text"])).collect())
            .unwrap_or_default()
    }

    /// The log texts joined by newlines.
    pub fn log_text(&self) -> String {
        self.log_lines().join("\n")
    }

    /// `destination.<keyword>` as `(value, origin)`, the keyword matched case-insensitively.
    pub fn destination(&self, keyword: &str) -> Option<(String, String)> {
        let destination = self.json()["destination"].as_object()?;
        let (_, entry) = destination
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(keyword))?;
        Some((flatten(&entry["value"]), flatten(&entry["origin"])))
    }

    /// Asserts the exit code.
    pub fn assert_exit(&self, code: i32) {
        assert_eq!(self.code, Some(code), "exit code\n{}", self.dump());
    }

    /// Asserts the first error finding is `id`.
    pub fn assert_first_error(&self, id: &str) {
        assert_eq!(
            self.first_error().as_deref(),
            Some(id),
            "first error finding (all findings: {:?})\n{}",
            self.finding_ids(),
            self.dump()
        );
    }

    /// Asserts no finding has this id.
    pub fn assert_no_finding(&self, id: &str) {
        assert!(
            self.try_finding(id).is_none(),
            "unexpected finding {id:?}\n{}",
            self.dump()
        );
    }

    /// Asserts the report keeps the JSON contract: exit code 0 or 1 agreeing with `ok`, all nine
    /// checks in order with known statuses, findings well-typed and errors first, log entries typed.
    pub fn assert_well_formed(&self) {
        let dump = || self.dump();
        let could_not_tell = self.code == Some(4);
        assert!(
            matches!(self.code, Some(0) | Some(1) | Some(4)),
            "a probe must exit 0 (login works), 1 (problems found) or 4 (could not tell)\n{}",
            dump()
        );
        assert!(
            self.stdout_utf8,
            "the JSON report must be valid UTF-8\n{}",
            dump()
        );
        let json = self.json();
        assert!(
            json["destination"].is_object(),
            "destination must be an object\n{}",
            dump()
        );
        for (keyword, entry) in json["destination"].as_object().into_iter().flatten() {
            // Multi-valued keywords (identityfile, certificatefile, ...) are lists of entries.
            let entries = match entry.as_array() {
                Some(list) => list.iter().collect::<Vec<_>>(),
                None => vec![entry],
            };
            for e in entries {
                assert!(
                    e["value"].is_string() && e["origin"].is_string(),
                    "destination.{keyword} must have string value and origin\n{}",
                    dump()
                );
            }
        }
        let ok = json["ok"]
            .as_bool()
            .unwrap_or_else(|| panic!("ok must be a bool\n{}", dump()));
        assert_eq!(
            ok,
            self.code == Some(0),
            "ok must be true exactly when the exit code is 0\n{}",
            dump()
        );

        let checks = json["checks"]
            .as_array()
            .unwrap_or_else(|| panic!("checks must be an array\n{}", dump()));
        self.assert_hops_well_formed(checks);
        for check in checks {
            let status = check["status"].as_str().unwrap_or("?");
            assert!(
                ["pass", "warn", "fail", "skipped"].contains(&status),
                "bad status {status:?}\n{}",
                dump()
            );
            assert!(
                check["elapsed_ms"].is_u64(),
                "elapsed_ms must be a whole number\n{}",
                dump()
            );
            assert!(
                check["summary"].is_string(),
                "summary must be a string\n{}",
                dump()
            );
            if status == "fail" {
                assert!(!ok, "a failed check means ok is false\n{}", dump());
            }
        }

        let findings = json["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("findings must be an array\n{}", dump()));
        let mut seen_non_error = false;
        for finding in findings {
            for key in ["id", "title", "detail"] {
                assert!(
                    finding[key].is_string(),
                    "finding {key} must be a string\n{}",
                    dump()
                );
            }
            assert!(
                finding["fix"].is_string() || finding["fix"].is_null(),
                "finding fix must be a string or null\n{}",
                dump()
            );
            for key in ["evidence", "actions"] {
                assert!(
                    finding[key].is_array(),
                    "finding {key} must be an array\n{}",
                    dump()
                );
            }
            let severity = finding["severity"].as_str().unwrap_or("?");
            assert!(
                ["error", "warning", "info"].contains(&severity),
                "bad severity {severity:?}\n{}",
                dump()
            );
            if severity == "error" {
                assert!(
                    !seen_non_error,
                    "findings must list errors first\n{}",
                    dump()
                );
                assert!(!ok, "an error finding means ok is false\n{}", dump());
            } else {
                seen_non_error = true;
            }
        }

        self.assert_failures_explained(could_not_tell);

        let log = json["log"]
            .as_array()
            .unwrap_or_else(|| panic!("log must be an array\n{}", dump()));
        for entry in log {
            assert!(
                entry["t_ms"].is_u64(),
                "log t_ms must be a whole number\n{}",
                dump()
            );
            for key in ["level", "stage", "text"] {
                assert!(
                    entry[key].is_string(),
                    "log {key} must be a string\n{}",
                    dump()
                );
            }
        }
    }
}

impl Report {
    /// The hops (`hops`: at least one, the destination last) and the checks: a direct login
    /// lists the nine stages in order; through jump hosts each check names its hop (`host`),
    /// the hops in order, each hop's stages in order.
    fn assert_hops_well_formed(&self, checks: &[Value]) {
        let dump = || self.dump();
        let hops = self.hops();
        assert!(
            !hops.is_empty(),
            "hops must list at least the destination\n{}",
            dump()
        );
        let ids: Vec<&str> = checks
            .iter()
            .map(|c| c["id"].as_str().unwrap_or("?"))
            .collect();
        if hops.len() == 1 {
            let mut expected = STAGES.to_vec();
            if self.json()["hops"][0]["via"] == "proxycommand" {
                // A ProxyCommand carries the connection: no DNS, no TCP.
                expected.splice(1..3, ["proxy"]);
            }
            assert_eq!(
                ids,
                expected,
                "checks must list the stages in order\n{}",
                dump()
            );
            return;
        }
        let mut at = 0;
        for c in checks {
            let host = c["host"].as_str().unwrap_or("?");
            let pos = hops[at..].iter().position(|h| h == host);
            let pos = pos.unwrap_or_else(|| panic!("check of {host} out of hop order\n{}", dump()));
            at += pos;
        }
        let last: Vec<&str> = (checks.iter())
            .filter(|c| c["host"] == hops[hops.len() - 1].as_str())
            .map(|c| c["id"].as_str().unwrap_or("?"))
            .collect();
        assert_eq!(
            last.last(),
            Some(&"remote"),
            "the destination ends with remote\n{}",
            dump()
        );
    }

    /// The hops' names (`hops[].host`), first jump host first.
    pub fn hops(&self) -> Vec<String> {
        self.json()["hops"]
            .as_array()
            .map(|h| h.iter().map(|h| str_field(h, "host")).collect())
            .unwrap_or_default()
    }

    /// The hop (`host`) of the first error finding.
    pub fn first_error_host(&self) -> Option<String> {
        self.findings()
            .iter()
            .find(|f| f["severity"] == "error")
            .map(|f| str_field(f, "host"))
    }

    /// The `(status, summary)` of a stage of one hop; panics if missing.
    pub fn check_at(&self, host: &str, stage: &str) -> (String, String) {
        let checks = self.json()["checks"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let check = checks
            .iter()
            .find(|c| c["id"] == stage && c["host"] == host)
            .unwrap_or_else(|| panic!("no check {stage:?} of {host:?}\n{}", self.dump()));
        (str_field(check, "status"), str_field(check, "summary"))
    }

    /// The invariant every run keeps (issue 11): when `ok` is false an error finding explains
    /// it (or, exit 4, `probe.unsupported_algorithm` says the probe could not tell); every stage
    /// marked `fail` has a finding of its own stage.
    pub fn assert_failures_explained(&self, could_not_tell: bool) {
        let json = self.json();
        let findings = json["findings"].as_array().cloned().unwrap_or_default();
        if json["ok"] == false {
            let has_error = findings.iter().any(|f| f["severity"] == "error");
            let cannot_tell = findings
                .iter()
                .any(|f| f["id"] == "probe.unsupported_algorithm");
            assert!(
                has_error || (could_not_tell && cannot_tell),
                "ok is false but no error finding explains it\n{}",
                self.dump()
            );
            assert_eq!(
                could_not_tell,
                !has_error && cannot_tell,
                "exit 4 exactly when the probe could not tell and found no error\n{}",
                self.dump()
            );
        }
        for check in json["checks"].as_array().into_iter().flatten() {
            if check["status"] == "fail" {
                let stage = check["id"].as_str().unwrap_or("?");
                assert!(
                    findings.iter().any(|f| f["stage"] == stage),
                    "stage {stage} failed without a finding of its own\n{}",
                    self.dump()
                );
            }
        }
    }
}

fn str_field(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

/// Any JSON value as plain text (strings unquoted, arrays and objects flattened line by line).
pub fn flatten(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(flatten).collect::<Vec<_>>().join("\n"),
        Value::Object(map) => map.values().map(flatten).collect::<Vec<_>>().join("\n"),
        other => other.to_string(),
    }
}
