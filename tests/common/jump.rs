//! Chains of real sshd on 127.0.0.1 for the jump-host tests: a fixture home whose ssh_config
//! names every server (`Host NAME`, HostName 127.0.0.1, its port), one key authorized where a
//! test wants it, known_hosts holding every host key, and the real `ssh` run beside sshdoctor
//! with the same files. Everything ssh needs is in the config (absolute paths, BatchMode yes),
//! because the ssh that ProxyJump starts for a jump host gets only `-F`, not `-o`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::sshd::{KeyKind, Sshd};
use super::{sshdoctor, Home, Report};

/// The user the tests log in as (root on CI).
pub fn me() -> String {
    super::case::me()
}

/// A server with only an ed25519 host key and `extra` sshd config.
pub fn server(extra: &str) -> Sshd {
    Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(extra)
        .start()
}

/// A fixture home with one key and a config naming hosts.
pub struct Net {
    pub home: Home,
    pub key: PathBuf,
    /// `Host` blocks, in order, before the `Host *` block.
    blocks: String,
    /// known_hosts lines.
    known: Vec<String>,
}

impl Default for Net {
    fn default() -> Self {
        Net::new()
    }
}

impl Net {
    pub fn new() -> Net {
        let home = Home::new();
        let key = home.generate_key(KeyKind::Ed25519, "id_jump");
        Net {
            home,
            key,
            blocks: String::new(),
            known: Vec::new(),
        }
    }

    /// The key's public line.
    pub fn public_key(&self) -> String {
        self.home.public_key("id_jump")
    }

    /// `Host name` for `sshd` (its key known, the test key authorized), with `extra` lines.
    pub fn host(&mut self, name: &str, sshd: &Sshd, extra: &str) -> &mut Self {
        sshd.authorize(&me(), &self.public_key());
        self.known.push(sshd.known_hosts_line(KeyKind::Ed25519));
        self.block(name, sshd.port(), extra)
    }

    /// `Host name` on `port` with `extra` lines, nothing authorized or known.
    pub fn block(&mut self, name: &str, port: u16, extra: &str) -> &mut Self {
        let _ = writeln!(
            self.blocks,
            "Host {name}\n  HostName 127.0.0.1\n  Port {port}"
        );
        for line in extra.lines().filter(|l| !l.trim().is_empty()) {
            let _ = writeln!(self.blocks, "  {}", line.trim());
        }
        self
    }

    /// Add a known_hosts line.
    pub fn know(&mut self, line: &str) -> &mut Self {
        self.known.push(line.to_string());
        self
    }

    /// The known_hosts file.
    pub fn known_hosts(&self) -> PathBuf {
        self.home.known_hosts_path()
    }

    /// Write the config and known_hosts.
    pub fn write(&self) -> &Self {
        let kh = self.known_hosts();
        let config = format!(
            "{}Host *\n  User {}\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n  BatchMode yes\n  IdentitiesOnly yes\n  IdentityFile {}\n  ControlPath none\n  UpdateHostKeys no\n",
            self.blocks,
            me(),
            kh.display(),
            self.key.display()
        );
        self.home.write_config(&config);
        self.home
            .write_file(".ssh/known_hosts", &(self.known.join("\n") + "\n"));
        self
    }

    /// `sshdoctor --report json -F CONFIG ARGS`.
    pub fn diagnose(&self, args: &[&str]) -> Report {
        sshdoctor().home(&self.home).args(args).run_report()
    }

    /// The real `ssh -F CONFIG ARGS true` (BatchMode from the config), killed after `limit`.
    pub fn ssh(&self, args: &[&str], limit: Duration) -> Ssh {
        let mut command = Command::new("ssh");
        command
            .env("HOME", self.home.path())
            .env_remove("SSH_AUTH_SOCK")
            .arg("-F")
            .arg(self.home.config_path())
            .args(args)
            .arg("true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("run ssh");
        let started = Instant::now();
        let status = loop {
            if let Ok(Some(s)) = child.try_wait() {
                break Some(s);
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        if let Some(mut err) = child.stderr.take() {
            use std::io::Read;
            let _ = err.read_to_string(&mut stderr);
        }
        Ssh {
            works: status.is_some_and(|s| s.success()),
            finished: status.is_some(),
            stderr,
        }
    }
}

/// One run of the real ssh.
#[derive(Debug)]
pub struct Ssh {
    /// It logged in and ran `true`.
    pub works: bool,
    /// It ended by itself (not killed at the limit).
    pub finished: bool,
    /// What it printed.
    pub stderr: String,
}

/// The oracle agrees: ssh logs in exactly when sshdoctor says the login works.
pub fn assert_agrees(report: &Report, ssh: &Ssh) {
    assert_eq!(
        report.json()["ok"] == true,
        ssh.works,
        "sshdoctor and ssh disagree (ssh stderr: {})\n{}",
        ssh.stderr,
        report.dump()
    );
}
