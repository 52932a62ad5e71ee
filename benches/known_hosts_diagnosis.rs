//! A whole diagnosis against a 100,000-line hashed known_hosts: `sshdoctor --report json`
//! against `ssh -o BatchMode=yes ... true` on a real sshd with that file, and both again with a
//! one-line file, in the same run; wall time and peak RSS (from /usr/bin/time) of whole processes.
//! The difference between the two files is what the big file costs each tool.
//! Run with `cargo bench --bench known_hosts_diagnosis`; `BENCH_RUNS` sets the runs (default 10).

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Home, KeyKind, Sshd, BIN};
use ssh_key::PublicKey;
use sshdoctor::known_hosts;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LINES: usize = 100_000;

fn keygen(dir: &Path, n: usize) -> Vec<PublicKey> {
    (0..n)
        .map(|i| {
            let path = dir.join(format!("k{i}"));
            let ok = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(&path)
                .status()
                .expect("ssh-keygen runs")
                .success();
            assert!(ok, "ssh-keygen failed");
            let text = std::fs::read_to_string(path.with_extension("pub")).unwrap();
            PublicKey::from_openssh(text.trim()).unwrap()
        })
        .collect()
}

fn median(mut t: Vec<Duration>) -> Duration {
    t.sort();
    t[t.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    median(
        (0..runs)
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

/// `LINES` hashed entries for other hosts with `target` (a full `name key` line, hashed here)
/// at 90% of the file.
fn big_file(keys: &[PublicKey], target: (&str, &PublicKey)) -> String {
    let mut text = String::with_capacity(LINES * 120);
    for i in 0..LINES {
        let line = if i == LINES * 9 / 10 {
            known_hosts::format_entry(target.0, target.1, true)
        } else {
            known_hosts::format_entry(&format!("host{i}.example.net"), &keys[i % 3], true)
        };
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// Median wall time of `runs` runs of `argv`, and the peak RSS (KiB) of one more run.
fn process(argv: &[String], home: &Path, runs: usize) -> (Duration, Option<u64>) {
    let go = |wrap: bool| {
        let mut cmd = if wrap {
            let mut c = Command::new("/usr/bin/time");
            c.args(["-f", "%M"]).args(argv);
            c
        } else {
            let mut c = Command::new(&argv[0]);
            c.args(&argv[1..]);
            c
        };
        let out = cmd
            .env("HOME", home)
            .env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("run");
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
    };
    let t = time(runs, || {
        go(false);
    });
    let rss = Path::new("/usr/bin/time")
        .exists()
        .then(|| go(true))
        .flatten();
    (t, rss)
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A whole diagnosis of a healthy host whose entry is one of 100,000 hashed lines, against ssh,
/// and the same with a one-line known_hosts: the difference is what the big file costs each.
fn full_diagnosis(keys: &[PublicKey], runs: usize) {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let user = current_user();
    let key = home.generate_key(KeyKind::Ed25519, "bench_key");
    sshd.authorize(&user, &home.public_key("bench_key"));
    let host_key = PublicKey::from_openssh(sshd.host_public_key(KeyKind::Ed25519).trim()).unwrap();
    let name = format!("[127.0.0.1]:{}", sshd.port());
    let big = home.write_file(".ssh/known_hosts_big", &big_file(keys, (&name, &host_key)));
    let small = home.write_file(
        ".ssh/known_hosts_small",
        &format!("{}\n", known_hosts::format_entry(&name, &host_key, true)),
    );
    println!("\nFull diagnosis of a healthy host (key login + command), median of {runs} runs\n");
    println!("| known_hosts | tool | median | peak RSS |");
    println!("|---|---|---|---|");
    let mut medians = Vec::new();
    for (label, kh) in [("100k hashed lines", &big), ("1 hashed line", &small)] {
        let opts: Vec<String> = [
            "-F",
            &home.config_path().display().to_string(),
            "-p",
            &sshd.port().to_string(),
            "-o",
            &format!("UserKnownHostsFile={}", kh.display()),
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "IdentityAgent=none",
            "-i",
            &key.display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let dest = format!("{user}@127.0.0.1");
        let mut doctor = vec![BIN.to_string(), "--report".into(), "json".into()];
        doctor.extend(opts.iter().cloned());
        doctor.push(dest.clone());
        let mut ssh = vec!["ssh".to_string(), "-o".into(), "BatchMode=yes".into()];
        ssh.extend(opts.iter().cloned());
        ssh.extend([dest, "true".into()]);
        for argv in [&doctor, &ssh] {
            let ok = Command::new(&argv[0])
                .args(&argv[1..])
                .env("HOME", home.path())
                .env_remove("SSH_AUTH_SOCK")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("run")
                .success();
            assert!(ok, "{} did not log in", argv[0]);
        }
        let (d, d_rss) = process(&doctor, home.path(), runs);
        let (s, s_rss) = process(&ssh, home.path(), runs);
        let mib =
            |k: Option<u64>| k.map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
        println!(
            "| {label} | sshdoctor --report json | {} | {} |",
            ms(d),
            mib(d_rss)
        );
        println!(
            "| {label} | ssh -o BatchMode=yes ... true | {} | {} |",
            ms(s),
            mib(s_rss)
        );
        println!(
            "| {label} | **ratio sshdoctor/ssh** | **{:.2}x** | |",
            ratio(d, s)
        );
        medians.push((d, s));
    }
    let cost = |big: Duration, small: Duration| ms(big.saturating_sub(small));
    println!(
        "\nWhat the 100k-line file adds: sshdoctor {}, ssh {}",
        cost(medians[0].0, medians[1].0),
        cost(medians[0].1, medians[1].1)
    );
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path(), 3);
    full_diagnosis(&keys, runs);
}
