//! What the non-OpenSSH test servers share: a process on 127.0.0.1 killed on drop, waiting for
//! its identification line, its host key as a known_hosts line, and the rule that a server the
//! machine cannot start skips a test locally but fails it under `.ci/run`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Under `.ci/run` (`SSHDOCTOR_TEST_SERVERS_REQUIRED=1`) every test server must start.
pub fn required() -> bool {
    std::env::var_os("SSHDOCTOR_TEST_SERVERS_REQUIRED").is_some_and(|v| v == "1")
}

/// A server that cannot be started: None with a note locally, a failure under `.ci/run`.
pub fn unavailable<T>(what: &str, why: &str) -> Option<T> {
    assert!(
        !required(),
        "{what} is required here (.ci/run installs it) but {why}"
    );
    eprintln!("skipped: {what} cannot be started: {why} (.ci/run installs it)");
    None
}

/// A running test server: its process (killed on drop), port and private directory.
pub struct Running {
    pub child: Child,
    pub port: u16,
    pub banner: String,
    pub log_path: std::path::PathBuf,
    pub dir: TempDir,
}

impl Running {
    /// A known_hosts line for its ed25519 host key, as `ssh-keyscan` reads it.
    pub fn known_hosts_line(&self) -> String {
        let out = Command::new("ssh-keyscan")
            .args(["-t", "ed25519", "-p", &self.port.to_string(), "127.0.0.1"])
            .stderr(Stdio::null())
            .output()
            .expect("run ssh-keyscan");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let line = text
            .lines()
            .find(|l| !l.starts_with('#') && l.contains("ssh-ed25519"))
            .unwrap_or_else(|| panic!("ssh-keyscan found no ed25519 key on port {}", self.port));
        line.to_string()
    }

    /// What the server logged (stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- server on 127.0.0.1:{} ---\n{}--- end of server log ---",
                self.port,
                self.log()
            );
        }
    }
}

/// Wait until `port` answers with an `SSH-2.0-` line; that line.
pub fn wait_ready(child: &mut Child, port: u16) -> Result<String, String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut last = String::from("no attempt");
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("it exited with {status}"));
        }
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(stream) => {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut writer = stream.try_clone().expect("clone stream");
                let mut line = String::new();
                let _ = BufReader::new(stream).take(1024).read_line(&mut line);
                let _ = writer.write_all(b"SSH-2.0-sshdoctor_harness_probe\r\n");
                if line.starts_with("SSH-") {
                    return Ok(line.trim_end().to_string());
                }
                last = format!("first line {line:?}");
            }
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("no SSH identification on port {port}: {last}"))
}

/// Whether an executable exists.
pub fn installed(path: &str) -> bool {
    Path::new(path).is_file()
}

/// Spawn `command` (stderr to `log`) and wait for it on `port`.
pub fn spawn(what: &str, mut command: Command, port: u16, dir: TempDir) -> Option<Running> {
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).expect("create server log");
    let mut child = match command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return unavailable(what, &e.to_string()),
    };
    match wait_ready(&mut child, port) {
        Ok(banner) => Some(Running {
            child,
            port,
            banner,
            log_path,
            dir,
        }),
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!("{what} did not start: {e}\n{log}");
        }
    }
}
