//! Console speed: time from start to the first frame of the real binary (under a pseudo-terminal
//! made by `script`, against a refused port; ssh's error for the same port in the same kind of
//! terminal timed interleaved with it), and the time to draw a frame with an empty log, a
//! 1,000-line log and a 100,000-line log (the last two fill the log panel alike: only the
//! length differs).
//! Run with `cargo bench --bench console`; `BENCH_RUNS` sets the runs (default 20).

#[path = "../tests/common/mod.rs"]
mod common;

use common::{fake::closed_port, Home, BIN};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sshdoctor::console::{draw, App, ConsoleOptions};
use sshdoctor::event::{Event, Level, Stage};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The 1-, 5- and 15-minute load averages.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn median(mut t: Vec<Duration>) -> Duration {
    t.sort();
    t[t.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Starts `command` in a 120×40 pseudo-terminal (made by `script`) and returns the time until
/// its output satisfies `done`; then sends `q` and waits for it to end.
fn in_pty(command: &str, done: impl Fn(&str) -> bool) -> Duration {
    let command = format!("stty rows 40 cols 120; exec {command}");
    let start = Instant::now();
    let mut child = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script (util-linux) runs");
    let mut out = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let elapsed = loop {
        let n = out.read(&mut buf).expect("read the pty");
        assert!(
            n > 0,
            "it ended before the awaited output: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
        if done(&String::from_utf8_lossy(&seen)) {
            break start.elapsed();
        }
    };
    let _ = child.stdin.as_mut().map(|s| s.write_all(b"q"));
    let _ = child.wait();
    elapsed
}

/// The console's first frame (the checklist after the switch to the alternate screen).
fn first_frame(home: &Home, port: u16) -> Duration {
    let command = format!(
        "env HOME={} LANG=C.UTF-8 {BIN} -F {} -p {port} bench@127.0.0.1",
        home.path().display(),
        home.config_path().display()
    );
    in_pty(&command, |text| {
        text.find("\u{1b}[?1049h")
            .is_some_and(|at| text[at..].contains("Configuration"))
    })
}

/// ssh's answer to the same refused port, in the same kind of terminal.
fn ssh_refusal(home: &Home, port: u16) -> Duration {
    let command = format!(
        "env HOME={} ssh -F {} -o BatchMode=yes -p {port} bench@127.0.0.1 true",
        home.path().display(),
        home.config_path().display()
    );
    in_pty(&command, |text| text.contains("Connection refused"))
}

fn frame_time(lines: usize, runs: usize) -> Duration {
    let mut app = App::new(
        "bench@127.0.0.1 port 22".into(),
        ConsoleOptions {
            ascii: false,
            color: true,
        },
    );
    app.on_resize(120, 40);
    for i in 0..lines {
        app.on_engine(&Event::Log {
            hop: 0,
            at: Duration::from_millis(i as u64),
            level: Level::Debug1,
            stage: Stage::ALL[i % Stage::ALL.len()],
            said: None,
            text: format!("line {i}: Offering public key: /home/user/.ssh/id_ed25519 ED25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
        });
    }
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    median(
        (0..runs)
            .map(|_| {
                let s = Instant::now();
                terminal.draw(|f| draw(&app, f)).expect("draw");
                s.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let home = Home::new();
    let port = closed_port();
    let _warm = (first_frame(&home, port), ssh_refusal(&home, port));
    // Interleaved, so load on the machine hits both alike.
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        ours.push(first_frame(&home, port));
        theirs.push(ssh_refusal(&home, port));
    }
    let (start, ssh) = (median(ours), median(theirs));
    let empty = frame_time(0, runs * 10);
    let screenful = frame_time(1_000, runs * 10);
    let full = frame_time(100_000, runs * 10);
    println!(
        "console, median of {runs} starts / {} frames (120×40); load average {}\n",
        runs * 10,
        load_average()
    );
    println!("| measure | time |");
    println!("|---|---|");
    println!(
        "| start to first frame (real binary in a pty, refused port) | {} |",
        ms(start)
    );
    println!(
        "| ssh to the same refused port, start to its error (same pty) | {} |",
        ms(ssh)
    );
    println!(
        "| ratio first frame / ssh's error | {:.2}x |",
        start.as_secs_f64() / ssh.as_secs_f64()
    );
    println!("| frame, empty log | {} |", ms(empty));
    println!("| frame, 1,000-line log | {} |", ms(screenful));
    println!("| frame, 100,000-line log | {} |", ms(full));
    println!(
        "| ratio 100,000 lines / 1,000 lines | {:.2}x |",
        full.as_secs_f64() / screenful.as_secs_f64()
    );
}
