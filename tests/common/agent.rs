//! A real `ssh-agent -D` on a socket in a private fixture directory, killed on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long the agent gets to create its socket.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running `ssh-agent -D -a SOCKET`.
pub struct Agent {
    child: Child,
    socket: PathBuf,
    // Declared last so the directory is removed after the agent is stopped.
    _dir: TempDir,
}

impl Agent {
    /// Starts an agent and waits until its socket exists.
    pub fn start() -> Agent {
        let dir = super::fixture_dir("agent-");
        let socket = dir.path().join("agent.sock");
        let mut child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run ssh-agent (install openssh-client)");
        let deadline = Instant::now() + START_TIMEOUT;
        while !socket.exists() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("ssh-agent exited with {status} before creating its socket");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("ssh-agent did not create {} in time", socket.display());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Agent {
            child,
            socket,
            _dir: dir,
        }
    }

    /// Adds a private key (and its `-cert.pub`, as ssh-add does) with `ssh-add`.
    pub fn add(&self, key_path: &Path) {
        let output = Command::new("ssh-add")
            .arg(key_path)
            .env("SSH_AUTH_SOCK", &self.socket)
            .stdin(Stdio::null())
            .output()
            .expect("run ssh-add");
        assert!(
            output.status.success(),
            "ssh-add {} failed: {}",
            key_path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// The agent's socket (for `SSH_AUTH_SOCK`).
    pub fn socket(&self) -> &Path {
        &self.socket
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
