//! tinysshd under `tcpserver 127.0.0.1 PORT tinysshd -v KEYDIR` (ucspi-tcp), keys from
//! tinysshd-makekey; killed on drop. tinysshd takes ed25519 user keys only, sends no software
//! version, answers "yes" to every unsigned key query and allows one session per connection.

use std::process::{Command, Stdio};

use super::servers::{installed, spawn, unavailable, Running};

const TINYSSHD: &str = "/usr/sbin/tinysshd";
const MAKEKEY: &str = "/usr/sbin/tinysshd-makekey";
const TCPSERVER: &str = "/usr/bin/tcpserver";

/// Start tinysshd; None where it is not installed (a failure under .ci/run).
pub fn start() -> Option<Running> {
    if !installed(TINYSSHD) || !installed(MAKEKEY) {
        return unavailable("tinysshd", "tinysshd is not installed");
    }
    if !installed(TCPSERVER) {
        return unavailable("tinysshd", "tcpserver (ucspi-tcp) is not installed");
    }
    let dir = super::fixture_dir("tinysshd-");
    let keys = dir.path().join("keys");
    let made = Command::new(MAKEKEY)
        .arg(&keys)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run tinysshd-makekey");
    assert!(made.success(), "tinysshd-makekey failed");
    let port = super::fake::closed_port();
    let mut command = Command::new(TCPSERVER);
    command
        .args(["-HRDl0", "127.0.0.1", &port.to_string(), TINYSSHD, "-v"])
        .arg(&keys);
    spawn("tinysshd", command, port, dir)
}
