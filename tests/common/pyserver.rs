//! The Python test server (tests/pyserver.py, paramiko) in a virtualenv under the target
//! directory: `.ci/run` creates it (`target/tmp/pyserver-venv`, paramiko from PyPI); where it is
//! missing the harness creates it once (a lock keeps parallel tests from racing). Killed on drop.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::servers::{unavailable, wait_ready, Running};

/// The script.
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pyserver.py");

/// The virtualenv: `SSHDOCTOR_PYSERVER_VENV`, else `<target>/tmp/pyserver-venv`.
pub fn venv() -> PathBuf {
    std::env::var_os("SSHDOCTOR_PYSERVER_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pyserver-venv"))
}

/// The venv's python with paramiko importable, creating the venv if needed.
fn python() -> Result<PathBuf, String> {
    let venv = venv();
    let python = venv.join("bin/python");
    let works = |p: &PathBuf| {
        Command::new(p)
            .args(["-c", "import paramiko"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if works(&python) {
        return Ok(python);
    }
    std::fs::create_dir_all(env!("CARGO_TARGET_TMPDIR")).map_err(|e| e.to_string())?;
    let lock = std::fs::File::create(venv.with_extension("lock")).map_err(|e| e.to_string())?;
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| e.to_string())?;
    if works(&python) {
        return Ok(python);
    }
    let base = ["/usr/bin/python3", "python3"]
        .into_iter()
        .find(|p| Command::new(p).arg("--version").output().is_ok())
        .ok_or("no python3")?;
    let made = Command::new(base)
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .map_err(|e| format!("python3 -m venv: {e}"))?;
    if !made.success() {
        return Err("python3 -m venv failed (install python3-venv)".into());
    }
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "-q", "paramiko"])
        .status()
        .map_err(|e| format!("pip: {e}"))?;
    if !pip.success() || !works(&python) {
        return Err("pip install paramiko failed".into());
    }
    Ok(python)
}

/// Start the server with these flags (see tests/pyserver.py), its host key made with
/// ssh-keygen; `authorized` public key lines are accepted. None where Python or paramiko is
/// missing (a failure under .ci/run).
pub fn start(authorized: &[String], flags: &[&str]) -> Option<Running> {
    let python = match python() {
        Ok(p) => p,
        Err(e) => return unavailable("the Python test server", &e),
    };
    let dir = super::fixture_dir("pyserver-");
    let key = dir.path().join("hostkey");
    super::sshd::keygen(super::KeyKind::Ed25519, &key);
    let auth = dir.path().join("authorized");
    std::fs::write(&auth, authorized.join("\n") + "\n").expect("write authorized");
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).expect("create log");
    let mut child = Command::new(python)
        .arg(SCRIPT)
        .arg("--host-key")
        .arg(&key)
        .arg("--authorized")
        .arg(&auth)
        .args(flags)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("start the Python test server");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
    let Some(port) = line
        .strip_prefix("PORT ")
        .and_then(|p| p.trim().parse::<u16>().ok())
    else {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "the Python test server did not start: {line:?}\n{}",
            std::fs::read_to_string(&log_path).unwrap_or_default()
        );
    };
    let banner = wait_ready(&mut child, port).expect("the Python test server answers");
    Some(Running {
        child,
        port,
        banner,
        log_path,
        dir,
    })
}
