//! Shared by the benches: whole processes timed interleaved (each round runs every tool once, in alternating order, so load hits them alike), medians, peak RSS from `/usr/bin/time`, the load average.

#![allow(dead_code)] // each bench uses part of it

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One command to time.
pub struct Proc<'a> {
    /// The program and its arguments.
    pub argv: Vec<String>,
    /// Environment set for it (HOME, XDG_CACHE_HOME, ...); SSH_AUTH_SOCK is always removed.
    pub envs: Vec<(String, String)>,
    /// Run, untimed, before every run (a fresh copy of a file the run changes).
    pub before: Option<&'a dyn Fn()>,
}

impl<'a> Proc<'a> {
    /// `argv` with `HOME` (and the cache under it) set to `home`.
    pub fn new(argv: Vec<String>, home: &Path) -> Proc<'a> {
        Proc {
            argv,
            envs: vec![
                ("HOME".into(), home.display().to_string()),
                (
                    "XDG_CACHE_HOME".into(),
                    home.join(".cache").display().to_string(),
                ),
            ],
            before: None,
        }
    }

    /// Runs it once; wall time and the last line of its stderr.
    fn run(&self, rss: bool) -> (Duration, Option<u64>) {
        if let Some(before) = self.before {
            before();
        }
        let mut cmd = if rss {
            let mut c = Command::new("/usr/bin/time");
            c.args(["-f", "%M"]).args(&self.argv);
            c
        } else {
            let mut c = Command::new(&self.argv[0]);
            c.args(&self.argv[1..]);
            c
        };
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd.env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(if rss { Stdio::piped() } else { Stdio::null() });
        let start = Instant::now();
        let out = cmd.output().expect("run the command");
        let took = start.elapsed();
        let kib = String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok());
        (took, kib)
    }

    /// Whether a run exits 0 (for checking a login works before it is timed).
    pub fn succeeds(&self) -> bool {
        if let Some(before) = self.before {
            before();
        }
        let mut cmd = Command::new(&self.argv[0]);
        cmd.args(&self.argv[1..]);
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd.env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run the command")
            .success()
    }
}

/// The wall times of one command and its peak RSS.
pub struct Sample {
    /// Every timed run.
    pub times: Vec<Duration>,
    /// Median peak RSS in KiB over the `/usr/bin/time` runs, when it is installed.
    pub rss_kib: Option<u64>,
}

impl Sample {
    /// The median wall time.
    pub fn median(&self) -> Duration {
        let mut t = self.times.clone();
        t.sort();
        t[t.len() / 2]
    }
}

/// Times every command `runs` times, interleaved (after one untimed warm-up each), then reads
/// each one's peak RSS from `rss_runs` more runs under `/usr/bin/time`.
pub fn interleaved(procs: &[Proc], runs: usize, rss_runs: usize) -> Vec<Sample> {
    for p in procs {
        p.run(false);
    }
    let mut times = vec![Vec::with_capacity(runs); procs.len()];
    for round in 0..runs {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..procs.len()).collect()
        } else {
            (0..procs.len()).rev().collect()
        };
        for i in order {
            times[i].push(procs[i].run(false).0);
        }
    }
    let has_time = Path::new("/usr/bin/time").exists();
    procs
        .iter()
        .zip(times)
        .map(|(p, times)| {
            let mut kib: Vec<u64> = if has_time {
                (0..rss_runs).filter_map(|_| p.run(true).1).collect()
            } else {
                Vec::new()
            };
            kib.sort_unstable();
            Sample {
                times,
                rss_kib: kib.get(kib.len() / 2).copied(),
            }
        })
        .collect()
}

/// The runs per cell from `BENCH_RUNS`, else `default`.
pub fn runs_from_env(default: usize) -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The 1-, 5- and 15-minute load averages (`/proc/loadavg`).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Peak RSS in MiB, or `n/a`.
pub fn mib(kib: Option<u64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

/// `a / b` of two durations, as `0.84x`.
pub fn ratio(a: Duration, b: Duration) -> String {
    format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64())
}

/// The user the benches log in as (the one running them).
pub fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Strings from string slices.
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
