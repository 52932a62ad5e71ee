//! The real `ssh` as the oracle for host-key verdicts: run sshdoctor and ssh on the same case
//! (server, name, known_hosts, `-o` options) and compare "would connect / prompt / refuse".
//!
//! ssh runs with a copy of the same known_hosts, stdin on /dev/null and
//! `SSH_ASKPASS_REQUIRE=force` pointing at a script that logs its prompt and answers "no": a
//! host-key prompt shows in that log ("would prompt"); "Permission denied" (no key is offered)
//! means ssh got past the host key ("would connect"); anything else is a refusal.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::sshd::{self, KeyKind, Sshd};
use super::{fixture_dir, sshdoctor, Home, Report};

pub const USER: &str = "sshdoctor-test";

/// What ssh (or sshdoctor, judging for it) does at the host key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Connect,
    Prompt,
    Refuse,
}

/// One run of the real ssh.
pub struct Oracle {
    pub verdict: Verdict,
    pub stderr: String,
    pub prompts: String,
}

/// A case: the server, the name to connect to, known_hosts, and `-o` options for both tools.
pub struct Case<'a> {
    pub sshd: &'a Sshd,
    pub host: String,
    pub known_hosts: String,
    pub options: Vec<String>,
}

/// Both runs of a case, and the known_hosts files each used.
pub struct Outcome {
    pub report: Report,
    pub oracle: Oracle,
    pub ours_file: PathBuf,
    pub ssh_file: PathBuf,
    /// The fixture home (kept alive while the outcome is inspected).
    pub home: Home,
}

impl<'a> Case<'a> {
    pub fn new(sshd: &'a Sshd, known_hosts: impl Into<String>) -> Case<'a> {
        Case {
            sshd,
            host: "127.0.0.1".into(),
            known_hosts: known_hosts.into(),
            options: Vec::new(),
        }
    }

    pub fn host(mut self, host: &str) -> Self {
        self.host = host.into();
        self
    }

    pub fn opt(mut self, option: &str) -> Self {
        self.options.push(option.into());
        self
    }

    /// Runs sshdoctor, then ssh (ssh may write its own copy of known_hosts).
    pub fn run(self) -> Outcome {
        let home = Home::new();
        let ours = home.write_file(".ssh/known_hosts", &self.known_hosts);
        let theirs = home.write_file(".ssh/known_hosts.ssh", &self.known_hosts);
        let mut args = vec![
            "-p".to_string(),
            self.sshd.port().to_string(),
            "-o".into(),
            format!("UserKnownHostsFile={}", ours.display()),
            "-o".into(),
            "GlobalKnownHostsFile=/dev/null".into(),
        ];
        for o in &self.options {
            args.extend(["-o".to_string(), o.clone()]);
        }
        args.push(format!("{USER}@{}", self.host));
        let report = sshdoctor().home(&home).args(&args).run_report();
        let before = fs::read(&ours).unwrap();
        assert_eq!(
            before,
            self.known_hosts.as_bytes(),
            "sshdoctor wrote known_hosts"
        );
        let oracle = oracle(&home, &self, &theirs);
        Outcome {
            report,
            oracle,
            ours_file: ours,
            ssh_file: theirs,
            home,
        }
    }
}

/// The askpass script: logs its prompt, answers "no".
pub fn askpass(home: &Home) -> (PathBuf, PathBuf) {
    let log = home.path().join("askpass.log");
    let script = home.write_file(
        "askpass.sh",
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\necho no\n",
            log.display()
        ),
    );
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    (script, log)
}

pub fn oracle(home: &Home, case: &Case<'_>, known_hosts: &Path) -> Oracle {
    let (script, log) = askpass(home);
    let mut cmd = Command::new("ssh");
    cmd.arg("-F")
        .arg(home.config_path())
        .args(["-p", &case.sshd.port().to_string()])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known_hosts.display()))
        .args(["-o", "GlobalKnownHostsFile=/dev/null"])
        .args(["-o", "ConnectTimeout=10"])
        .args(["-o", "ControlPath=none", "-o", "UpdateHostKeys=no"])
        .args([
            "-o",
            "PreferredAuthentications=publickey",
            "-o",
            "IdentitiesOnly=yes",
        ])
        .arg("-o")
        .arg(format!("IdentityFile={}/id_none", home.ssh_dir().display()));
    for o in &case.options {
        cmd.args(["-o", o]);
    }
    let out = cmd
        .arg(format!("{USER}@{}", case.host))
        .arg("true")
        .env("HOME", home.path())
        .env("SSH_ASKPASS", &script)
        .env("SSH_ASKPASS_REQUIRE", "force")
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .output()
        .expect("run ssh");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let prompts = fs::read_to_string(&log).unwrap_or_default();
    let verdict = if prompts.contains("continue connecting") {
        Verdict::Prompt
    } else if out.status.success() || stderr.contains("Permission denied") {
        Verdict::Connect
    } else {
        Verdict::Refuse
    };
    Oracle {
        verdict,
        stderr,
        prompts,
    }
}

/// A fact of the report.
pub fn fact(report: &Report, key: &str) -> Option<String> {
    report.json()["facts"]
        .as_array()?
        .iter()
        .find_map(|f| (f["key"] == key).then(|| f["value"].as_str().unwrap_or_default().to_owned()))
}

/// sshdoctor's verdict, from the `hostkey_outcome` fact, checked against the stage statuses.
pub fn ours(report: &Report) -> Verdict {
    let outcome = fact(report, "hostkey_outcome")
        .unwrap_or_else(|| panic!("no hostkey_outcome fact\n{}", report.dump()));
    let verdict = match outcome.as_str() {
        "connect" | "record" | "unsafe" => Verdict::Connect,
        "prompt" => Verdict::Prompt,
        "refuse" => Verdict::Refuse,
        other => panic!("unexpected hostkey_outcome {other:?}"),
    };
    match verdict {
        Verdict::Refuse => {
            assert_eq!(report.status("hostkey"), "fail", "{}", report.dump());
            report.assert_skipped_after("hostkey");
        }
        _ => assert_ne!(report.status("auth"), "skipped", "{}", report.dump()),
    }
    verdict
}

impl Outcome {
    /// Asserts sshdoctor and ssh agree and the verdict is `want`.
    pub fn agree(&self, want: Verdict) -> &Self {
        let (o, r) = (&self.oracle, &self.report);
        assert_eq!(
            o.verdict, want,
            "real ssh: {:?}\nstderr:\n{}\nprompts:\n{}",
            o.verdict, o.stderr, o.prompts
        );
        assert_eq!(
            ours(r),
            want,
            "sshdoctor disagrees with ssh ({:?}; ssh stderr:\n{})\n{}",
            o.verdict,
            o.stderr,
            r.dump()
        );
        self
    }

    pub fn severity(&self, id: &str) -> String {
        self.report.finding(id)["severity"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn policy(&self) -> String {
        fact(&self.report, "hostkey_policy").unwrap_or_default()
    }
}

pub fn server() -> Sshd {
    Sshd::builder().host_keys(&[KeyKind::Ed25519]).start()
}

pub fn key_of(line: &str) -> String {
    line.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn host_key(sshd: &Sshd) -> String {
    key_of(&sshd.host_public_key(KeyKind::Ed25519))
}

/// A fresh ed25519 key (not the server's): `TYPE BLOB`.
pub fn other_key(kind: KeyKind) -> String {
    let dir = fixture_dir("key-");
    let path = dir.path().join("k");
    sshd::keygen(kind, &path);
    key_of(&fs::read_to_string(path.with_extension("pub")).unwrap())
}

pub fn bracketed(sshd: &Sshd, host: &str) -> String {
    format!("[{host}]:{}", sshd.port())
}
