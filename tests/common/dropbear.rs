//! Dropbear (`dropbear -F -E -p 127.0.0.1:PORT -r KEY`), as on routers and OpenWrt, started by
//! the test itself with an ed25519 host key from dropbearkey; killed on drop.

use std::process::{Command, Stdio};

use super::servers::{installed, spawn, unavailable, Running};

const DROPBEAR: &str = "/usr/sbin/dropbear";
const DROPBEARKEY: &str = "/usr/bin/dropbearkey";

/// Start dropbear with extra flags (`-s`, `-t`, `-T N`, `-w`, ...); None where it is not
/// installed (a failure under .ci/run).
pub fn start(flags: &[&str]) -> Option<Running> {
    if !installed(DROPBEAR) || !installed(DROPBEARKEY) {
        return unavailable("dropbear", "dropbear-bin is not installed");
    }
    let dir = super::fixture_dir("dropbear-");
    let key = dir.path().join("hostkey");
    let made = Command::new(DROPBEARKEY)
        .args(["-t", "ed25519", "-f"])
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run dropbearkey");
    assert!(made.success(), "dropbearkey failed");
    let port = super::fake::closed_port();
    let mut command = Command::new(DROPBEAR);
    command
        .args(["-F", "-E", "-p", &format!("127.0.0.1:{port}"), "-r"])
        .arg(&key)
        .arg("-P")
        .arg(dir.path().join("dropbear.pid"))
        .args(flags);
    spawn("dropbear", command, port, dir)
}
