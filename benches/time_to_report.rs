//! Time-to-report: `sshdoctor --report json` against `ssh -o BatchMode=yes ... true` on the same targets, interleaved in the same run.
//!
//! Rows: a healthy OpenSSH sshd on 127.0.0.1 (key login as the current user with a known host
//! key, then a command; sshdoctor's diagnosis also checks sftp and runs the `remote` stage),
//! the same without an sftp subsystem, a refused port (with the installed ssh's version
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
    let no_sftp = Sshd::start("Subsystem sftp none\n");
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
            label: "healthy sshd without sftp (`Subsystem sftp none`)",
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
    println!(
        "\nload average before: {load_before}; after: {}",
        load_average()
    );
}
