//! One destination on a test server, diagnosed by sshdoctor and tried with the real
//! `ssh -o BatchMode=yes` (the oracle), and the judgement every server test makes: the first
//! error finding, the verdict agreeing with ssh's, and an answer in well under the timeout.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::sshd::KeyKind;
use super::{sshdoctor, Home, Report};

/// The per-step timeout the cases run with; answers must come much sooner.
pub const TIMEOUT: &str = "10";
/// "Answered in well under the timeout".
pub const QUICK: Duration = Duration::from_secs(3);

/// The user the tests run as (root on CI): the account OpenSSH and the Python server log in.
pub fn me() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// One destination: port, user, known_hosts file and the keys offered (in order).
pub struct Case<'a> {
    pub home: &'a Home,
    pub port: u16,
    pub user: String,
    pub known_hosts: PathBuf,
    pub keys: Vec<PathBuf>,
}

impl<'a> Case<'a> {
    pub fn new(
        home: &'a Home,
        port: u16,
        user: &str,
        known_hosts_line: &str,
        keys: &[&Path],
    ) -> Self {
        let known_hosts = home.write_file(".ssh/known_hosts", &format!("{known_hosts_line}\n"));
        Case {
            home,
            port,
            user: user.to_string(),
            known_hosts,
            keys: keys.iter().map(|k| k.to_path_buf()).collect(),
        }
    }

    pub fn common_args(&self) -> Vec<String> {
        let mut args = vec![
            "-p".to_string(),
            self.port.to_string(),
            "-o".into(),
            format!("UserKnownHostsFile={}", self.known_hosts.display()),
            "-o".into(),
            "GlobalKnownHostsFile=/dev/null".into(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
        ];
        for k in &self.keys {
            args.push("-i".into());
            args.push(k.display().to_string());
        }
        args
    }

    /// sshdoctor --report json with `--timeout`, and how long it took.
    pub fn diagnose(&self, timeout: &str, extra: &[&str]) -> (Report, Duration) {
        let mut args = self.common_args();
        args.extend(["--timeout".to_string(), timeout.to_string()]);
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push(format!("{}@127.0.0.1", self.user));
        let started = Instant::now();
        let report = sshdoctor().home(self.home).args(&args).run_report();
        (report, started.elapsed())
    }

    /// The oracle: does `ssh -o BatchMode=yes ... true` succeed (killed after `limit`)?
    pub fn ssh_works(&self, extra: &[&str], limit: Duration) -> bool {
        let mut command = self.home.ssh_command();
        command
            .args(self.common_args())
            .args(extra)
            .arg(format!("{}@127.0.0.1", self.user))
            .arg("true")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("run ssh");
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = child.try_wait().expect("wait for ssh") {
                if !status.success() {
                    let mut err = String::new();
                    let _ =
                        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err);
                    eprintln!("oracle ssh failed ({status}): {err}");
                }
                return status.success();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The verdict agrees with ssh's, the first error is `first_error`, and it came quickly.
pub fn judge(report: &Report, took: Duration, ssh_ok: bool, first_error: Option<&str>) {
    assert_eq!(
        report.first_error().as_deref(),
        first_error,
        "first error finding\n{}",
        report.dump()
    );
    let ok = report.json()["ok"] == true;
    assert_eq!(
        ok,
        ssh_ok,
        "sshdoctor's verdict (ok={ok}) against ssh's\n{}",
        report.dump()
    );
    assert!(
        took < QUICK,
        "answered in {took:?}, not well under the timeout\n{}",
        report.dump()
    );
}

pub fn key(home: &Home, kind: KeyKind, name: &str) -> PathBuf {
    home.generate_key(kind, name)
}

pub fn fact(report: &Report, key: &str) -> Option<String> {
    report.json()["facts"]
        .as_array()?
        .iter()
        .find(|f| f["key"] == key)
        .and_then(|f| f["value"].as_str().map(str::to_string))
}
