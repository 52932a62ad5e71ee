//! known_hosts files that are not regular files, against a real sshd and (where it finishes)
//! the real ssh: a directory, a FIFO, a symlink to /dev/zero, a path that cannot be opened.
//!
//! We run as root here, so a mode-000 file is still readable: "cannot be read" is exercised
//! with a path below a regular file (`open` fails with ENOTDIR, which ssh skips exactly as it
//! skips EACCES: `load_hostkeys: fopen ...` at debug level, no keys from it).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::sshd::{KeyKind, Sshd};
use common::{sshdoctor, Home, Report};

const USER: &str = "sshdoctor-test";

fn server() -> Sshd {
    Sshd::builder().host_keys(&[KeyKind::Ed25519]).start()
}

/// A regular known_hosts file holding the server's key.
fn good_file(home: &Home, sshd: &Sshd) -> std::path::PathBuf {
    home.write_file(
        ".ssh/good_hosts",
        &format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    )
}

fn args(sshd: &Sshd, files: &[&Path]) -> Vec<String> {
    let list: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    vec![
        "-p".into(),
        sshd.port().to_string(),
        "-o".into(),
        format!("UserKnownHostsFile={}", list.join(" ")),
        "-o".into(),
        "GlobalKnownHostsFile=/dev/null".into(),
        "-o".into(),
        "BatchMode=yes".into(),
    ]
}

fn diagnose(home: &Home, sshd: &Sshd, files: &[&Path]) -> (Report, Duration) {
    let mut a = args(sshd, files);
    a.push(format!("{USER}@127.0.0.1"));
    let start = Instant::now();
    let report = sshdoctor().home(home).args(&a).run_report();
    (report, start.elapsed())
}

/// The real ssh with the same files: `Some(connected)`, or None when it was still running
/// after `patience` (then it is killed).
fn ssh(home: &Home, sshd: &Sshd, files: &[&Path], patience: Duration) -> Option<bool> {
    let mut child = Command::new("ssh")
        .arg("-F")
        .arg(home.config_path())
        .args(args(sshd, files))
        .args([
            "-o",
            "ConnectTimeout=10",
            "-o",
            "PreferredAuthentications=publickey",
        ])
        .args([
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "IdentityFile=/nonexistent",
        ])
        .arg(format!("{USER}@127.0.0.1"))
        .arg("true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ssh");
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            return Some(String::from_utf8_lossy(&out.stderr).contains("Permission denied"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn outcome(report: &Report) -> String {
    report.json()["facts"]
        .as_array()
        .and_then(|facts| facts.iter().find(|f| f["key"] == "hostkey_outcome"))
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no hostkey_outcome\n{}", report.dump()))
        .to_owned()
}

#[test]
fn a_directory_is_skipped_like_ssh_and_reported() {
    let sshd = server();
    let home = Home::new();
    let dir = home.ssh_dir().join("known_hosts.d");
    std::fs::create_dir(&dir).unwrap();
    let good = good_file(&home, &sshd);
    let (report, _) = diagnose(&home, &sshd, &[&dir, &good]);
    assert_eq!(
        ssh(&home, &sshd, &[&dir, &good], Duration::from_secs(20)),
        Some(true)
    );
    assert_eq!(outcome(&report), "connect", "{}", report.dump());
    let f = report.finding("known_hosts.unreadable");
    assert_eq!(f["severity"], "warning");
    assert!(report
        .finding_text("known_hosts.unreadable")
        .contains("is a directory"));
}

#[test]
fn a_path_that_cannot_be_opened_is_skipped_like_ssh_and_reported() {
    let sshd = server();
    let home = Home::new();
    let good = good_file(&home, &sshd);
    let below_a_file = good.join("x");
    let (report, _) = diagnose(&home, &sshd, &[&below_a_file, &good]);
    assert_eq!(
        ssh(
            &home,
            &sshd,
            &[&below_a_file, &good],
            Duration::from_secs(20)
        ),
        Some(true)
    );
    assert_eq!(outcome(&report), "connect", "{}", report.dump());
    assert_eq!(
        report.finding("known_hosts.unreadable")["severity"],
        "warning"
    );
    assert!(report
        .finding_text("known_hosts.unreadable")
        .contains("Not a directory"));
}

#[test]
fn a_fifo_hangs_ssh_but_not_sshdoctor() {
    let sshd = server();
    let home = Home::new();
    let fifo = home.ssh_dir().join("known_hosts");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let good = good_file(&home, &sshd);
    let (report, took) = diagnose(&home, &sshd, &[&fifo, &good]);
    // A refusal answered well under the 10 s timeout: nothing waited on the FIFO.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // ssh opens the FIFO for reading and blocks until a writer comes: still there after 2 s.
    assert_eq!(
        ssh(&home, &sshd, &[&fifo, &good], Duration::from_secs(2)),
        None
    );
    assert_eq!(outcome(&report), "refuse", "{}", report.dump());
    assert_eq!(report.status("hostkey"), "fail");
    report.assert_first_error("known_hosts.unreadable");
    assert!(report
        .finding_text("known_hosts.unreadable")
        .contains("FIFO (named pipe)"));
}

/// ssh reads a symlink to /dev/zero with getline(3) until memory runs out, so the oracle is not
/// run here (it would eat the machine's memory); sshdoctor refuses the device at once.
#[test]
fn a_symlink_to_dev_zero_is_refused_without_reading() {
    let sshd = server();
    let home = Home::new();
    let zero = home.ssh_dir().join("known_hosts");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let (report, took) = diagnose(&home, &sshd, &[&zero]);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(outcome(&report), "refuse", "{}", report.dump());
    let text = report.finding_text("known_hosts.unreadable");
    assert!(text.contains("character device"), "{text}");
    assert_eq!(
        report.finding("known_hosts.unreadable")["severity"],
        "error"
    );
}

#[test]
fn dev_null_is_an_empty_file() {
    let sshd = server();
    let home = Home::new();
    let good = good_file(&home, &sshd);
    let (report, _) = diagnose(&home, &sshd, &[Path::new("/dev/null"), &good]);
    assert_eq!(outcome(&report), "connect", "{}", report.dump());
    report.assert_no_finding("known_hosts.unreadable");
}
