//! known_hosts at scale: lookup and removal in a 100,000-line hashed file, sshdoctor's code
//! against `ssh-keygen -F` / `ssh-keygen -R` on the same file in the same run.
//!
//! sshdoctor's side is timed in-process (read + parse + OpenSSH's verdict; read + edit + backup +
//! atomic write via the repair path), ssh-keygen's as whole processes; the cost of starting
//! ssh-keygen on an empty file is printed too so the ratio can be read both ways.
//! Run with `cargo bench --bench known_hosts`; `BENCH_RUNS` sets the runs (default 10).

use ssh_key::PublicKey;
use sshdoctor::known_hosts::{self, KnownHostsFile, PresentedKey};
use sshdoctor::repair::{self, Repair};
use std::path::Path;
use std::process::Command;
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

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("ssh-keygen runs");
    assert!(out.status.code().is_some(), "ssh-keygen was killed");
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path(), 4);
    let target = "[target.example.net]:2222";
    let mut text = String::with_capacity(LINES * 120);
    for i in 0..LINES {
        let name = if i == LINES * 9 / 10 {
            target.to_string()
        } else {
            format!("host{i}.example.net")
        };
        text.push_str(&known_hosts::format_entry(&name, &keys[i % 3], true));
        text.push('\n');
    }
    let file = dir.path().join("known_hosts");
    std::fs::write(&file, &text).unwrap();
    let presented = &keys[3]; // a changed key: the verdict must find the recorded one
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();

    let ours_lookup = time(runs, || {
        let bytes = std::fs::read(&file).unwrap();
        let kh = [KnownHostsFile::parse(&file, &bytes)];
        let check = known_hosts::check_host_key(
            &kh,
            "target.example.net",
            2222,
            None,
            PresentedKey::Key(presented),
        );
        assert!(matches!(
            check.verdict,
            known_hosts::Verdict::Changed { .. }
        ));
    });
    let keygen_lookup = time(runs, || {
        run(Command::new("ssh-keygen")
            .args(["-F", target, "-f"])
            .arg(&file))
    });
    let keygen_startup = time(runs, || {
        run(Command::new("ssh-keygen")
            .args(["-F", target, "-f"])
            .arg(&empty))
    });

    let work = dir.path().join("work");
    let ours_remove = time(runs, || {
        std::fs::write(&work, &text).unwrap();
        let applied = repair::apply(&Repair::KnownHostsRemove {
            name: target.into(),
            files: vec![work.clone()],
        })
        .unwrap();
        assert!(applied[0].changed);
        std::fs::remove_file(applied[0].backup.as_ref().unwrap()).unwrap();
    });
    let copy_only = time(runs, || std::fs::write(&work, &text).unwrap());
    let keygen_remove = time(runs, || {
        std::fs::write(&work, &text).unwrap();
        run(Command::new("ssh-keygen")
            .args(["-R", target, "-f"])
            .arg(&work));
        let _ = std::fs::remove_file(work.with_extension("old"));
    });
    let ours_remove = ours_remove.saturating_sub(copy_only);
    let keygen_remove = keygen_remove.saturating_sub(copy_only);

    println!(
        "known_hosts with {LINES} hashed lines ({} MiB), median of {runs} runs\n",
        text.len() / (1 << 20)
    );
    println!("| work | sshdoctor | ssh-keygen | ratio sshdoctor/ssh-keygen |");
    println!("|---|---|---|---|");
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "| lookup (`-F`) | {} | {} | {:.2}x |",
        ms(ours_lookup),
        ms(keygen_lookup),
        ratio(ours_lookup, keygen_lookup)
    );
    println!(
        "| removal (`-R`) | {} | {} | {:.2}x |",
        ms(ours_remove),
        ms(keygen_remove),
        ratio(ours_remove, keygen_remove)
    );
    println!(
        "\nssh-keygen process start on an empty file: {}",
        ms(keygen_startup)
    );
    println!(
        "removal times exclude writing the fresh copy before each run ({})",
        ms(copy_only)
    );
}
