//! Time-to-report: sshdoctor against `ssh -o BatchMode=yes` on the same targets in the same run.
//!
//! Targets: a closed port (refused) and a healthy OpenSSH sshd on 127.0.0.1. Prints a markdown
//! table (median and mean wall time, peak RSS via /usr/bin/time when present) and the ratio.
//! Run with `cargo bench --bench time_to_report`; `BENCH_RUNS` sets the runs per cell (default 20).

#[path = "../tests/common/mod.rs"]
mod common;

use common::{fake::closed_port, Home, KeyKind, Sshd, BIN};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Sample {
    times: Vec<Duration>,
    max_rss_kb: Option<u64>,
}

impl Sample {
    fn median(&self) -> Duration {
        let mut t = self.times.clone();
        t.sort();
        t[t.len() / 2]
    }
    fn mean(&self) -> Duration {
        self.times.iter().sum::<Duration>() / self.times.len() as u32
    }
}

/// Run `argv` `runs` times; measure wall time; read peak RSS from /usr/bin/time on one extra run.
fn measure(argv: &[String], home: &Path, runs: usize) -> Sample {
    let run = |wrap: bool| {
        let mut cmd = if wrap {
            let mut c = Command::new("/usr/bin/time");
            c.args(["-f", "%M"]).args(argv);
            c
        } else {
            let mut c = Command::new(&argv[0]);
            c.args(&argv[1..]);
            c
        };
        cmd.env("HOME", home)
            .env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let out = cmd.output().expect("run the command");
        (start.elapsed(), out)
    };
    let _warm_up = run(false);
    let times = (0..runs).map(|_| run(false).0).collect();
    let max_rss_kb = Path::new("/usr/bin/time").exists().then(|| {
        let (_, out) = run(true);
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
    });
    Sample {
        times,
        max_rss_kb: max_rss_kb.flatten(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let sshd = Sshd::start("");
    let refused = closed_port();
    let home = Home::new();
    let cfg = home.config_path().display().to_string();
    // The same work for both tools on the healthy server: key login as the current user with a
    // known host key, then a command (sshdoctor also checks sftp).
    let user = current_user();
    let key = home.generate_key(KeyKind::Ed25519, "bench_key");
    sshd.authorize(&user, &home.public_key("bench_key"));
    let kh = home.write_file(
        ".ssh/known_hosts_bench",
        &format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    );
    let (key, kh) = (key.display().to_string(), kh.display().to_string());
    let common_opts = [
        "-o".to_string(),
        format!("UserKnownHostsFile={kh}"),
        "-o".into(),
        "GlobalKnownHostsFile=/dev/null".into(),
        "-o".into(),
        "IdentitiesOnly=yes".into(),
        "-o".into(),
        "IdentityAgent=none".into(),
        "-i".into(),
        key.clone(),
    ];
    println!("time to report, {runs} runs each (release build recommended: cargo bench)\n");
    println!("| target | tool | median | mean | peak RSS |");
    println!("|---|---|---|---|---|");
    for (name, port) in [
        ("refused port", refused),
        ("healthy sshd (key login + command)", sshd.port()),
    ] {
        let port = port.to_string();
        let dest = format!("{user}@127.0.0.1");
        let mut doctor: Vec<String> = [BIN, "--report", "json", "-F", &cfg, "-p", &port]
            .iter()
            .map(|s| s.to_string())
            .collect();
        doctor.extend(common_opts.iter().cloned());
        doctor.push(dest.clone());
        let mut ssh: Vec<String> = ["ssh", "-F", &cfg, "-o", "BatchMode=yes", "-p", &port]
            .iter()
            .map(|s| s.to_string())
            .collect();
        ssh.extend(common_opts.iter().cloned());
        ssh.extend([dest, "true".into()]);
        if port == sshd.port().to_string() {
            // Measure successful logins only: both must get in before they are timed.
            for argv in [&doctor, &ssh] {
                let status = Command::new(&argv[0])
                    .args(&argv[1..])
                    .env("HOME", home.path())
                    .env_remove("SSH_AUTH_SOCK")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .expect("run");
                assert!(status.success(), "{} did not log in", argv[0]);
            }
        }
        let d = measure(&doctor, home.path(), runs);
        let s = measure(&ssh, home.path(), runs);
        let rss = |x: &Sample| {
            x.max_rss_kb
                .map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
        };
        println!(
            "| {name} | sshdoctor | {} | {} | {} |",
            ms(d.median()),
            ms(d.mean()),
            rss(&d)
        );
        println!(
            "| {name} | ssh -o BatchMode=yes | {} | {} | {} |",
            ms(s.median()),
            ms(s.mean()),
            rss(&s)
        );
        println!(
            "| {name} | ratio sshdoctor/ssh | {:.2}x | {:.2}x | |",
            d.median().as_secs_f64() / s.median().as_secs_f64(),
            d.mean().as_secs_f64() / s.mean().as_secs_f64()
        );
    }
}
