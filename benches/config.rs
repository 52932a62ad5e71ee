//! Config resolution at scale: sshdoctor's resolver and verdict against `ssh -G` on the same
//! generated files, in the same run.
//!
//! Inputs: 40,000 unknown keywords (ssh reads them all, then stops with "terminating, 40000
//! bad configuration options"); an Include fan-out (three files each including all three:
//! ssh stops at depth 16 at once); 20,000 Host blocks (a large valid config); one line of
//! 130,000 CanonicalDomains (sshdoctor only: ssh 9.2 needs tens of seconds and gigabytes for
//! it before refusing past 32). sshdoctor is timed in-process (read, resolve, verdict), ssh -G
//! as a whole process (the cost of `ssh -G -F /dev/null` is printed too).
//! Run with `cargo bench --bench config`; `BENCH_RUNS` sets the runs (default 10).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sshdoctor::config::{self, ConfigInput};

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

fn write(path: &Path, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path.to_path_buf()
}

/// The inputs: (name, config file, whether to run ssh -G on it).
fn inputs(dir: &Path) -> Vec<(&'static str, PathBuf, bool)> {
    let unknown: String = (0..40_000)
        .map(|i| format!("UnknownKeyword{i} value{i}\n"))
        .collect();
    let fan = dir.join("fan");
    let include = format!("Include {}/*\n", fan.display());
    for f in ["a", "b", "c"] {
        write(&fan.join(f), &include);
    }
    let hosts: String = (0..20_000)
        .map(|i| {
            format!(
                "Host h{i}\n  HostName 10.0.{}.{}\n  User u{i}\n  Port {}\n",
                i / 256 % 256,
                i % 256,
                1000 + i % 5000
            )
        })
        .collect();
    let domains: Vec<String> = (0..130_000).map(|i| format!("d{i}.example")).collect();
    vec![
        (
            "40,000 unknown keywords",
            write(&dir.join("unknown.conf"), &unknown),
            true,
        ),
        (
            "Include fan-out (3 files x Include fan/*)",
            write(&dir.join("fan.conf"), &include),
            true,
        ),
        (
            "20,000 Host blocks",
            write(&dir.join("hosts.conf"), &hosts),
            true,
        ),
        (
            "130,000 CanonicalDomains on one line",
            write(
                &dir.join("domains.conf"),
                &format!("CanonicalDomains {}\n", domains.join(" ")),
            ),
            false,
        ),
    ]
}

fn ssh_g(home: &Path, file: &Path) {
    let out = Command::new("ssh")
        .arg("-G")
        .arg("-F")
        .arg(file)
        .arg("h19999")
        .env("HOME", home)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("ssh runs");
    assert!(out.status.code().is_some(), "ssh was killed");
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let version = sshdoctor::algorithms::installed_openssh().map(|(_, v)| v);
    let has_ssh = Command::new("ssh").arg("-V").output().is_ok();
    let empty = time(runs, || ssh_g(home, Path::new("/dev/null")));
    println!(
        "config resolution, median of {runs} runs (ssh -G -F /dev/null: {})",
        ms(empty)
    );
    println!("| input | sshdoctor (resolve + verdict) | ssh -G | ratio |");
    println!("|---|---|---|---|");
    for (name, file, run_ssh) in inputs(home) {
        let input = ConfigInput {
            host: "h19999".into(),
            user_config: Some(file.clone()),
            home: home.to_path_buf(),
            local_user: "me".into(),
            local_hostname: "box".into(),
            ..ConfigInput::default()
        };
        let ours = time(runs, || {
            let r = config::resolve(&input);
            let v = sshdoctor::config_verdict::judge(&r, &input, version, &|o| o.to_string());
            std::hint::black_box((r, v));
        });
        if run_ssh && has_ssh {
            let theirs = time(runs, || ssh_g(home, &file));
            let ratio = ours.as_secs_f64() / theirs.as_secs_f64();
            println!("| {name} | {} | {} | {ratio:.2}x |", ms(ours), ms(theirs));
        } else {
            println!("| {name} | {} | (not run) | |", ms(ours));
        }
    }
}
