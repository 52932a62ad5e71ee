//! Time-to-report: `sshdoctor --report json` against `ssh -o BatchMode=yes ... true` on the same targets, interleaved in the same run.
//!
//! Rows: a healthy OpenSSH sshd on 127.0.0.1 (key login as the current user with a known host
//! key, then a command; sshdoctor's diagnosis also checks sftp and runs the `remote` stage),
//! the same without an sftp subsystem (no `Subsystem` line), a refused port (with the installed ssh's version
//! remembered, as on every run after the first, and with nothing remembered), and an
//! unresolvable name: one both tools look up alike, and one under `.invalid`, which sshdoctor
//! answers without a query (RFC 6761) while ssh asks the resolver. Each round runs both tools
//! once, in alternating order; medians; peak RSS from `/usr/bin/time`; the load average before
//! and after. Run with `cargo bench --bench time_to_report`; `BENCH_RUNS` sets the rounds
//! (default 20).

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/interleave.rs"]
mod interleave;

use common::{fake::closed_port, Home, KeyKind, Sshd, BIN};
use interleave::{current_user, interleaved, load_average, mib, ms, ratio, strings, Proc};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// CPU time of sshd's listener and every process it has waited for (the connections, their
/// sessions and the shells they ran), from `/proc/PID/stat`.
fn sshd_cpu(pid: u32, tick: f64) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("sshd's stat");
    let after = stat.rsplit_once(") ").expect("stat format").1;
    // Fields 14-17 (utime stime cutime cstime) are 12-15 after the state field.
    let ticks: f64 = after
        .split_whitespace()
        .skip(11)
        .take(4)
        .map(|f| f.parse::<f64>().expect("a number"))
        .sum();
    Duration::from_secs_f64(ticks / tick)
}

/// The server's CPU per run of `proc` (averaged over `runs`), for a healthy sshd.
fn server_cpu_per_run(sshd_dir: &Path, proc: &Proc, runs: usize) -> Duration {
    let pid: u32 = std::fs::read_to_string(sshd_dir.join("sshd.pid"))
        .expect("sshd's pid file")
        .trim()
        .parse()
        .expect("a pid");
    let out = Command::new("getconf").arg("CLK_TCK").output().unwrap();
    let tick: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    let settle = || std::thread::sleep(Duration::from_millis(300)); // sshd reaps the last one
    settle();
    let before = sshd_cpu(pid, tick);
    for _ in 0..runs {
        assert!(proc.succeeds());
    }
    settle();
    (sshd_cpu(pid, tick) - before) / runs as u32
}

/// What both tools are pointed at.
struct Target {
    label: &'static str,
    port: u16,
    host: String,
    /// Both must log in before they are timed.
    must_log_in: bool,
    /// Before each sshdoctor run, forget the remembered `ssh -V` answer.
    cold: bool,
}

fn main() {
    let runs = interleave::runs_from_env(20);
    let sshd = Sshd::start("");
    // No Subsystem line at all (the comment keeps the harness from adding its own), so the
    // sftp request is refused. `Subsystem sftp none` would not do: sshd 9.2 runs "none" through
    // the user's shell as the subsystem's command.
    let no_sftp = Sshd::start("# no Subsystem line: this sshd has no sftp\n");
    let home = Home::new();
    let cfg = home.config_path().display().to_string();
    let user = current_user();
    let key = home.generate_key(KeyKind::Ed25519, "bench_key");
    let public = home.public_key("bench_key");
    sshd.authorize(&user, &public);
    no_sftp.authorize(&user, &public);
    let known: String = [&sshd, &no_sftp]
        .iter()
        .map(|s| s.known_hosts_line(KeyKind::Ed25519) + "\n")
        .collect();
    let kh = home.write_file(".ssh/known_hosts_bench", &known);
    let common_opts: Vec<String> = [
        "-F".to_string(),
        cfg,
        "-o".into(),
        format!("UserKnownHostsFile={}", kh.display()),
        "-o".into(),
        "GlobalKnownHostsFile=/dev/null".into(),
        "-o".into(),
        "IdentitiesOnly=yes".into(),
        "-o".into(),
        "IdentityAgent=none".into(),
        "-i".into(),
        key.display().to_string(),
    ]
    .into();
    let refused = closed_port();
    let targets = [
        Target {
            label: "healthy sshd (key login + command)",
            port: sshd.port(),
            host: "127.0.0.1".into(),
            must_log_in: true,
            cold: false,
        },
        Target {
            label: "healthy sshd without sftp (no `Subsystem` line)",
            port: no_sftp.port(),
            host: "127.0.0.1".into(),
            must_log_in: true,
            cold: false,
        },
        Target {
            label: "refused port",
            port: refused,
            host: "127.0.0.1".into(),
            must_log_in: false,
            cold: false,
        },
        Target {
            label: "refused port, `ssh -V` not remembered (first run)",
            port: refused,
            host: "127.0.0.1".into(),
            must_log_in: false,
            cold: true,
        },
        Target {
            label: "unresolvable name, both look it up (`no-such-host.sshdoctor-bench.example`)",
            port: 22,
            host: "no-such-host.sshdoctor-bench.example".into(),
            must_log_in: false,
            cold: false,
        },
        Target {
            label: "unresolvable `.invalid` name (sshdoctor sends no query, ssh does)",
            port: 22,
            host: "no-such-host.invalid".into(),
            must_log_in: false,
            cold: false,
        },
    ];
    let load_before = load_average();
    println!("time to report, {runs} interleaved rounds (release build: cargo bench)\n");
    println!(
        "| target | sshdoctor | ssh -o BatchMode=yes | ratio | sshdoctor peak RSS | ssh peak RSS |"
    );
    println!("|---|---|---|---|---|---|");
    let cache = home.path().join(".cache");
    let forget = || {
        let _ = std::fs::remove_dir_all(&cache);
    };
    for t in &targets {
        let port = t.port.to_string();
        let dest = format!("{user}@{}", t.host);
        let mut doctor = strings(&[BIN, "--report", "json", "-p", &port]);
        doctor.extend(common_opts.iter().cloned());
        doctor.push(dest.clone());
        let mut ssh = strings(&["ssh", "-o", "BatchMode=yes", "-p", &port]);
        ssh.extend(common_opts.iter().cloned());
        ssh.extend([dest, "true".into()]);
        let mut doctor = Proc::new(doctor, home.path());
        if t.cold {
            doctor.before = Some(&forget);
        }
        let ssh = Proc::new(ssh, home.path());
        if t.must_log_in {
            assert!(doctor.succeeds(), "sshdoctor did not log in ({})", t.label);
            assert!(ssh.succeeds(), "ssh did not log in ({})", t.label);
        }
        let s = interleaved(&[doctor, ssh], runs, 3);
        println!(
            "| {} | {} | {} | **{}** | {} | {} |",
            t.label,
            ms(s[0].median()),
            ms(s[1].median()),
            ratio(s[0].median(), s[1].median()),
            mib(s[0].rss_kib),
            mib(s[1].rss_kib),
        );
    }
    let cpu_runs = runs.min(10);
    println!("\nThe server's CPU per run (sshd's listener and all it waited for, {cpu_runs} runs each):\n");
    println!("| target | sshdoctor | ssh |");
    println!("|---|---|---|");
    for (label, server) in [
        ("healthy sshd", &sshd),
        ("healthy sshd without sftp", &no_sftp),
    ] {
        let port = server.port().to_string();
        let dest = format!("{user}@127.0.0.1");
        let mut doctor = strings(&[BIN, "--report", "json", "-p", &port]);
        doctor.extend(common_opts.iter().cloned());
        doctor.push(dest.clone());
        let mut ssh = strings(&["ssh", "-o", "BatchMode=yes", "-p", &port]);
        ssh.extend(common_opts.iter().cloned());
        ssh.extend([dest, "true".into()]);
        let d = server_cpu_per_run(server.dir(), &Proc::new(doctor, home.path()), cpu_runs);
        let t = server_cpu_per_run(server.dir(), &Proc::new(ssh, home.path()), cpu_runs);
        println!("| {label} | {} | {} |", ms(d), ms(t));
    }
    println!(
        "\nload average before: {load_before}; after: {}",
        load_average()
    );
}
