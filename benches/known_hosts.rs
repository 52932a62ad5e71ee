//! known_hosts at scale: sshdoctor's code against `ssh-keygen -F` / `ssh-keygen -R` on the same
//! hashed files in the same run.
//!
//! * Lookup in a 100,000-line file, timed in-process as the diagnosis does it (one streamed scan
//!   keeping the lines for the names looked up, then OpenSSH's verdict) against
//!   `ssh-keygen -F` as a whole process.
//! * Removal of one host (the edit `--fix known_hosts.remove` makes: read, edit, backup, atomic
//!   write, appends carried over) from 100,000- and 1,000,000-line hashed files and a
//!   1,000,000-line plain one: this bench runs itself
//!   again as a child process doing only that edit, so the child's wall time and peak RSS
//!   (from `/usr/bin/time`, when present) compare with `ssh-keygen -R`'s, process for process.
//!   Each run starts from a fresh copy of the file; the copy is not timed.
//! * The whole `sshdoctor --fix known_hosts.remove --yes` run on a real sshd whose recorded
//!   key (one of 1,000,000 hashed lines) is stale: the diagnosis, the edit, the diagnosis
//!   after it (a key login), against `ssh-keygen -R` on the same file.
//!
//! The processes are timed interleaved (each round runs both tools once, alternating which goes
//! first). Run with `cargo bench --bench known_hosts`; `BENCH_RUNS` sets the runs (default 10;
//! the 1,000,000-line rows use a third as many).

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/interleave.rs"]
mod interleave;

use common::{Home, KeyKind, Sshd, BIN};
use interleave::{current_user, interleaved, load_average, mib, ms, ratio, strings, Proc};
use ssh_key::PublicKey;
use sshdoctor::known_hosts::{self, KnownHostsFile, PresentedKey};
use sshdoctor::repair::{self, Repair};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Set in the child process: `NAME<TAB>FILE` to remove.
const CHILD: &str = "SSHDOCTOR_BENCH_REMOVE";

const TARGET: &str = "[target.example.net]:2222";

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

/// A known_hosts of `lines` lines (names hashed or not), the target host at 90%.
fn known_hosts_file(keys: &[PublicKey], lines: usize, hashed: bool) -> String {
    let mut text = String::with_capacity(lines * 130);
    for i in 0..lines {
        let name = if i == lines * 9 / 10 {
            TARGET.to_string()
        } else {
            format!("host{i}.example.net")
        };
        text.push_str(&known_hosts::format_entry(&name, &keys[i % 3], hashed));
        text.push('\n');
    }
    text
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

/// The child: only the edit, through the repair path the front ends use.
fn child(spec: &str) {
    let (name, file) = spec.split_once('\t').expect("NAME<TAB>FILE");
    let applied = repair::apply(&Repair::KnownHostsRemove {
        name: name.into(),
        files: vec![PathBuf::from(file)],
    })
    .expect("the removal succeeds");
    assert!(applied[0].changed, "the target host was removed");
}

/// Removal of the target host from a `lines`-line copy of `text`: sshdoctor's edit and
/// `ssh-keygen -R` in one table row.
fn removal(dir: &Path, text: &str, lines: usize, kind: &str, runs: usize) {
    let pristine = dir.join(format!("pristine{lines}"));
    std::fs::write(&pristine, text).unwrap();
    let work = dir.join(format!("work{lines}"));
    let reset = || {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&format!("work{lines}.")) {
                let _ = std::fs::remove_file(entry.path()); // backups of the last run
            }
        }
        std::fs::copy(&pristine, &work).unwrap();
    };
    let me = std::env::current_exe().unwrap().display().to_string();
    let spec = format!("{TARGET}\t{}", work.display());
    let ours = Proc {
        argv: vec![me],
        envs: vec![(CHILD.into(), spec)],
        before: Some(&reset),
    };
    let mut keygen = strings(&["ssh-keygen", "-R", TARGET, "-f"]);
    keygen.push(work.display().to_string());
    let theirs = Proc {
        argv: keygen,
        envs: Vec::new(),
        before: Some(&reset),
    };
    assert!(ours.succeeds(), "the removal failed");
    let s = interleaved(&[ours, theirs], runs, 1);
    println!(
        "| {lines} {kind} lines ({} MiB) | {} | {} | {} | {} | {} |",
        text.len() >> 20,
        ms(s[0].median()),
        mib(s[0].rss_kib),
        ms(s[1].median()),
        mib(s[1].rss_kib),
        ratio(s[0].median(), s[1].median())
    );
    reset();
    let _ = std::fs::remove_file(&work);
    let _ = std::fs::remove_file(&pristine);
}

/// The whole `--fix known_hosts.remove --yes` run (diagnosis, edit, diagnosis again) on a real
/// sshd whose recorded key, at 90% of `lines` hashed lines, is stale, against `ssh-keygen -R`.
fn full_fix(dir: &Path, keys: &[PublicKey], lines: usize, runs: usize) {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let user = current_user();
    let key = home.generate_key(KeyKind::Ed25519, "bench_key");
    sshd.authorize(&user, &home.public_key("bench_key"));
    let name = format!("[127.0.0.1]:{}", sshd.port());
    let mut text = String::with_capacity(lines * 130);
    for i in 0..lines {
        let (host, key) = if i == lines * 9 / 10 {
            (name.clone(), &keys[3]) // not the server's key: hostkey.changed
        } else {
            (format!("host{i}.example.net"), &keys[i % 3])
        };
        text.push_str(&known_hosts::format_entry(&host, key, true));
        text.push('\n');
    }
    let pristine = dir.join("fix-pristine");
    std::fs::write(&pristine, &text).unwrap();
    let work = home.path().join(".ssh/known_hosts_big");
    let reset = || {
        for entry in std::fs::read_dir(home.path().join(".ssh"))
            .unwrap()
            .flatten()
        {
            let file = entry.file_name().to_string_lossy().into_owned();
            if file.starts_with("known_hosts_big.") {
                let _ = std::fs::remove_file(entry.path()); // the last run's backup
            }
        }
        std::fs::copy(&pristine, &work).unwrap();
    };
    let mut doctor = strings(&[
        BIN,
        "--fix",
        "known_hosts.remove",
        "--yes",
        "--report",
        "json",
    ]);
    doctor.extend(strings(&[
        "-F",
        &home.config_path().display().to_string(),
        "-p",
        &sshd.port().to_string(),
        "-o",
        &format!("UserKnownHostsFile={}", work.display()),
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "IdentityAgent=none",
        "-i",
        &key.display().to_string(),
        &format!("{user}@127.0.0.1"),
    ]));
    let mut doctor = Proc::new(doctor, home.path());
    doctor.before = Some(&reset);
    let mut keygen = strings(&["ssh-keygen", "-R", &name, "-f"]);
    keygen.push(work.display().to_string());
    let mut keygen = Proc::new(keygen, home.path());
    keygen.before = Some(&reset);
    // The run must find the stale key, remove it and then log in.
    assert!(
        doctor.succeeds(),
        "the --fix run did not end in a working login"
    );
    let after = std::fs::read_to_string(&work).unwrap();
    assert_eq!(after.lines().count(), lines - 1, "one line removed");
    let s = interleaved(&[doctor, keygen], runs, 1);
    println!(
        "| whole `--fix known_hosts.remove` run, {lines} hashed lines ({} MiB) | {} | {} | {} | {} | {} |",
        text.len() >> 20,
        ms(s[0].median()),
        mib(s[0].rss_kib),
        ms(s[1].median()),
        mib(s[1].rss_kib),
        ratio(s[0].median(), s[1].median())
    );
    let _ = std::fs::remove_file(&pristine);
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        return child(&spec);
    }
    let runs = interleave::runs_from_env(10);
    let load_before = load_average();
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path(), 4);
    let text = known_hosts_file(&keys, 100_000, true);
    let file = dir.path().join("known_hosts");
    std::fs::write(&file, &text).unwrap();
    let presented = &keys[3]; // a changed key: the verdict must find the recorded one
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();

    // As the diagnosis does it: stream the file once, keeping the lines for the names ssh
    // looks up for target.example.net port 2222, then OpenSSH's verdict.
    let names = [TARGET.to_string(), "target.example.net".to_string()];
    let ours_lookup = time(runs, || {
        let f = std::fs::File::open(&file).unwrap();
        let scanned = KnownHostsFile::scan(&file, BufReader::with_capacity(1 << 16, f), &names);
        let kh = [scanned.unwrap()];
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
            .args(["-F", TARGET, "-f"])
            .arg(&file))
    });
    let keygen_startup = time(runs, || {
        run(Command::new("ssh-keygen")
            .args(["-F", TARGET, "-f"])
            .arg(&empty))
    });
    println!(
        "known_hosts with 100000 hashed lines ({} MiB), median of {runs} runs\n",
        text.len() >> 20
    );
    println!("| work | sshdoctor | ssh-keygen | ratio sshdoctor/ssh-keygen |");
    println!("|---|---|---|---|");
    println!(
        "| lookup (`-F`) | {} | {} | {:.2}x |",
        ms(ours_lookup),
        ms(keygen_lookup),
        ours_lookup.as_secs_f64() / keygen_lookup.as_secs_f64()
    );
    println!(
        "\nssh-keygen process start on an empty file: {}\n",
        ms(keygen_startup)
    );

    println!("Removing one host (`--fix known_hosts.remove`'s edit against `ssh-keygen -R`), whole processes, median wall time and peak RSS\n");
    println!(
        "| file | sshdoctor | sshdoctor peak RSS | ssh-keygen -R | ssh-keygen peak RSS | ratio |"
    );
    println!("|---|---|---|---|---|---|");
    removal(dir.path(), &text, 100_000, "hashed", runs);
    drop(text);
    let few = runs.div_ceil(3).max(1);
    let big = known_hosts_file(&keys, 1_000_000, true);
    removal(dir.path(), &big, 1_000_000, "hashed", few);
    drop(big);
    let plain = known_hosts_file(&keys, 1_000_000, false);
    removal(dir.path(), &plain, 1_000_000, "plain", few);
    drop(plain);
    full_fix(dir.path(), &keys, 1_000_000, few);
    println!(
        "\nload average before: {load_before}; after: {}",
        load_average()
    );
}
