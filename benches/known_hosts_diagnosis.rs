//! A whole diagnosis against a 100,000-line hashed known_hosts: `sshdoctor --report json`
//! against `ssh -o BatchMode=yes ... true` on a real sshd with that file, and both again with a
//! one-line file, interleaved in the same run; wall time and peak RSS (from /usr/bin/time) of
//! whole processes. The difference between the two files is what the big file costs each tool.
//! Run with `cargo bench --bench known_hosts_diagnosis`; `BENCH_RUNS` sets the rounds (default 10).

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/interleave.rs"]
mod interleave;

use common::{Home, KeyKind, Sshd, BIN};
use interleave::{current_user, interleaved, load_average, mib, ms, ratio, Proc};
use ssh_key::PublicKey;
use sshdoctor::known_hosts;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

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
    println!(
        "\nFull diagnosis of a healthy host (key login + command), {runs} interleaved rounds\n"
    );
    println!("| known_hosts | sshdoctor --report json | ssh -o BatchMode=yes ... true | ratio | sshdoctor peak RSS | ssh peak RSS |");
    println!("|---|---|---|---|---|---|");
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
        let procs = [Proc::new(doctor, home.path()), Proc::new(ssh, home.path())];
        for p in &procs {
            assert!(p.succeeds(), "{} did not log in", p.argv[0]);
        }
        let s = interleaved(&procs, runs, 3);
        let (d, t) = (s[0].median(), s[1].median());
        println!(
            "| {label} | {} | {} | **{}** | {} | {} |",
            ms(d),
            ms(t),
            ratio(d, t),
            mib(s[0].rss_kib),
            mib(s[1].rss_kib)
        );
        medians.push((d, t));
    }
    let cost = |big: Duration, small: Duration| ms(big.saturating_sub(small));
    println!(
        "\nWhat the 100k-line file adds: sshdoctor {}, ssh {}",
        cost(medians[0].0, medians[1].0),
        cost(medians[0].1, medians[1].1)
    );
}

fn main() {
    let runs = interleave::runs_from_env(10);
    let load_before = load_average();
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path(), 3);
    full_diagnosis(&keys, runs);
    println!(
        "\nload average before: {load_before}; after: {}",
        load_average()
    );
}
