//! The transcript parser never panics and its output stays bounded, whatever it is given: many
//! thousands of inputs made by mutating the real corpus (bytes flipped, inserted and deleted,
//! lines duplicated, dropped, swapped and spliced across files, ssh's own words dropped in at
//! random places, line ends changed, very long lines), plus binary garbage and a 100 MB
//! transcript through the binary (bounded time and memory, with a finding). No text of any
//! event holds a character that could drive a terminal (escape sequences, C1, bidi controls).
//!
//! The seed and the count can be changed for a longer run:
//! `SSHDOCTOR_MUTATIONS=200000 SSHDOCTOR_SEED=7 cargo test --test explain_mutations`.

mod common;

use sshdoctor::event::{Event, Stage};
use sshdoctor::explain::{events, input, Options, Owner};
use sshdoctor::safe_text;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// A small deterministic generator (xorshift64*), so a failure can be replayed by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Words the parser looks for: dropped in at random, they reach every branch of it.
const WORDS: [&str; 27] = [
    "debug1: ",
    "Permission denied (",
    "Offering public key: ",
    "Server accepts key: ",
    "Authentications that can continue: ",
    "Executing proxy command: exec ssh -W '[h]:1' j",
    "channel 0: open failed: ",
    "stdio forwarding failed",
    "kex_exchange_identification: banner line 0: ",
    "Unable to negotiate with h port 2: no matching cipher found. Their offer: ",
    "Connection closed by UNKNOWN port 65535",
    "Remote protocol version 1.5, remote software version ",
    "OpenSSH_9.2p1, OpenSSL",
    "Offending ECDSA key in /x:",
    "Host key for h has changed and you have",
    "Received disconnect from h port 1:2: Too many authentication failures",
    "channel_connect_stdio_fwd ",
    "Authenticated to ",
    "Exit status ",
    "$ ssh -p ",
    "```",
    "\\r\\n",
    "│",
    "\u{0}\u{1b}[31m\u{ff}",
    "\u{1b}]0;title\u{7}",
    "\u{9b}2J\u{1b}[H",
    "\u{202e}\u{2066}",
];

fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/transcripts");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// One mutation of `data` (a few of them applied in a row make an input).
fn mutate(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    let len = data.len();
    match rng.below(10) {
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        1 => {
            let i = rng.below(len + 1);
            let n = rng.below(16) + 1;
            let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            data.splice(i..i, bytes);
        }
        2 if len > 0 => {
            let i = rng.below(len);
            let n = rng.below(64).min(len - i);
            data.drain(i..i + n);
        }
        3 => {
            let i = rng.below(len + 1);
            let w = WORDS[rng.below(WORDS.len())].as_bytes().to_vec();
            data.splice(i..i, w);
        }
        4 | 5 => lines(rng, data),
        6 => {
            let other = &corpus[rng.below(corpus.len())];
            let (a, b) = (rng.below(other.len() + 1), rng.below(other.len() + 1));
            let (a, b) = (a.min(b), a.max(b));
            let i = rng.below(len + 1);
            data.splice(i..i, other[a..b].to_vec());
        }
        7 => {
            let text = String::from_utf8_lossy(data).replace('\n', "\r\n");
            *data = text.into_bytes();
        }
        8 => {
            let i = rng.below(len + 1);
            let n = rng.below(20_000);
            data.splice(i..i, std::iter::repeat_n(b'x', n));
        }
        _ => data.truncate(rng.below(len + 1)),
    }
}

/// Line-level mutations: duplicate, drop or swap lines.
fn lines(rng: &mut Rng, data: &mut Vec<u8>) {
    let mut ls: Vec<Vec<u8>> = data.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    if ls.is_empty() {
        return;
    }
    let i = rng.below(ls.len());
    match rng.below(3) {
        0 => {
            let l = ls[i].clone();
            ls.insert(rng.below(ls.len() + 1), l);
        }
        1 => {
            ls.remove(i);
        }
        _ => {
            let j = rng.below(ls.len());
            ls.swap(i, j);
        }
    }
    *data = ls.join(&b'\n');
}

/// The properties every explanation keeps.
fn check(bytes: &[u8], seed: u64, n: usize) {
    let input = input::read(bytes).unwrap();
    let options = Options {
        name: "fuzz".into(),
        owner: Owner::NotMine,
    };
    let evs = std::panic::catch_unwind(|| events(&input, &options))
        .unwrap_or_else(|_| panic!("panic on input {n} of seed {seed} ({} bytes)", bytes.len()));
    assert!(
        matches!(evs.first(), Some(Event::Stages(_))),
        "input {n}: Stages first"
    );
    assert!(
        matches!(evs.last(), Some(Event::Done { .. })),
        "input {n}: Done last"
    );
    let lines = bytes.iter().filter(|b| **b == b'\n').count() + 1;
    let logs = evs
        .iter()
        .filter(|e| matches!(e, Event::Log { .. }))
        .count();
    let findings: Vec<_> = evs
        .iter()
        .filter_map(|e| match e {
            Event::Finding(f) => Some(f),
            _ => None,
        })
        .collect();
    // One log line per piece of an input line (a flattened paste splits), attempts named.
    assert!(
        logs <= 8 * lines + 64,
        "input {n}: {logs} log lines for {lines} lines"
    );
    assert!(
        findings.len() <= lines + 16,
        "input {n}: {} findings",
        findings.len()
    );
    for t in evs.iter().flat_map(texts) {
        assert!(
            safe_text::for_terminal(t) == t,
            "input {n}: text that could drive a terminal: {t:?}"
        );
    }
    let finished = evs
        .iter()
        .filter(|e| matches!(e, Event::StageFinished { .. }))
        .count();
    assert_eq!(finished, Stage::ALL.len(), "input {n}: one end per stage");
    for f in findings {
        for e in &f.evidence {
            if let Some(no) = e.strip_prefix("line ").and_then(|r| r.split(':').next()) {
                let no: usize = no.parse().expect("evidence line number");
                assert!(
                    no >= 1 && no <= lines,
                    "input {n}: evidence line {no} of {lines}"
                );
            }
        }
    }
}

/// Every text an event carries to a front end.
fn texts(ev: &Event) -> Vec<&str> {
    match ev {
        Event::Log { text, .. } => vec![text],
        Event::StageFinished { summary, .. } => vec![summary],
        Event::Fact { key, value, .. } => vec![key, value],
        Event::Destination(settings) => settings
            .iter()
            .flat_map(|s| [&s.keyword, &s.value, &s.origin])
            .map(String::as_str)
            .collect(),
        Event::Finding(f) => [&f.title, &f.detail, &f.fix]
            .into_iter()
            .chain(&f.evidence)
            .chain(
                f.actions
                    .iter()
                    .flat_map(|a| [&a.title, &a.preview, &a.command]),
            )
            .map(String::as_str)
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn mutated_corpus_never_panics_and_stays_bounded() {
    let count: usize = std::env::var("SSHDOCTOR_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let seed: u64 = std::env::var("SSHDOCTOR_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x005e_ed15);
    let corpus = corpus();
    assert_eq!(corpus.len(), 93);
    let mut rng = Rng(seed | 1);
    for n in 0..count {
        let mut data = corpus[rng.below(corpus.len())].clone();
        for _ in 0..rng.below(6) + 1 {
            mutate(&mut rng, &mut data, &corpus);
        }
        check(&data, seed, n);
    }
}

#[test]
fn binary_garbage_is_a_finding() {
    let mut rng = Rng(99);
    let garbage: Vec<u8> = (0..1 << 20).map(|_| rng.next() as u8).collect();
    let out = run_binary(garbage, "json");
    let v: serde_json::Value = serde_json::from_str(&out.0).unwrap();
    assert_eq!(
        v["findings"][0]["id"], "transcript.no_ssh_output",
        "{}",
        out.0
    );
    assert_eq!(out.1, Some(1));
}

/// A 100 MB transcript: noise, then a real failure at its end. The explanation reads it in
/// bounded memory, says it read only the end, and still finds the failure.
#[test]
fn a_100_mb_transcript_is_explained_from_its_end_in_bounded_memory() {
    let mut data = Vec::with_capacity(100 << 20);
    let filler = b"debug3: receive packet: type 94\ndebug2: channel 0: rcvd adjust 65536\n";
    while data.len() < (100 << 20) - 4096 {
        data.extend_from_slice(filler);
    }
    data.extend_from_slice(b"ssh: connect to host example.com port 2222: Connection refused\n");
    let (json, code, peak_kib) = run_binary(data, "json");
    assert_eq!(code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert_eq!(ids.first(), Some(&"tcp.refused"), "{ids:?}");
    assert!(ids.contains(&"transcript.truncated"), "{ids:?}");
    if Path::new("/usr/bin/time").exists() {
        // The input is 100 MiB; sshdoctor keeps its last 1 MiB (and the report made of it).
        let kib = peak_kib.expect("/usr/bin/time reports the peak RSS");
        assert!(kib < 128 * 1024, "peak RSS {kib} KiB");
    }
}

/// A transcript whose lines try to drive the terminal (a window title, clearing the screen by a
/// C1 CSI, a bidi override hiding a file's real name): the text and markdown reports show them
/// escaped, as the console does (it shows the same event texts, checked above).
#[test]
fn hostile_lines_reach_no_terminal() {
    let text = "debug1: Connecting to h\u{1b}]0;owned\u{7} [192.0.2.1] port 22.\n\
        Permission denied (publickey\u{9b}2J).\n\
        Load key \"/home/u/.ssh/id_\u{202e}asr\": invalid format\n\
        ssh: connect to host h\u{1b}[2J port 22: Connection refused\n";
    for format in ["text", "markdown"] {
        let (out, code, _) = run_binary(text.as_bytes().to_vec(), format);
        assert_eq!(code, Some(1), "{out}");
        assert!(out.contains("owned"), "{format}: the line is shown: {out}");
        for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
            assert!(!out.contains(bad), "{format}: {bad:?} in {out:?}");
        }
    }
}

/// `sshdoctor explain --report FORMAT` with `bytes` on stdin: stdout, the exit code, and the
/// peak RSS in KiB (from /usr/bin/time, when the machine has it).
fn run_binary(bytes: Vec<u8>, format: &str) -> (String, Option<i32>, Option<u64>) {
    let time = Path::new("/usr/bin/time").exists();
    // Tests run in parallel in one process: each run has a file of its own.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let report = std::env::temp_dir().join(format!(
        "sshdoctor-explain-rss-{}-{run}",
        std::process::id()
    ));
    let mut cmd = if time {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&report)
            .arg(common::BIN);
        c
    } else {
        Command::new(common::BIN)
    };
    let mut child = cmd
        .args(["explain", "--report", format])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let peak = std::fs::read_to_string(&report)
        .ok()
        .and_then(|s| s.trim().lines().last()?.trim().parse().ok());
    let _ = std::fs::remove_file(&report);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code(),
        peak,
    )
}
