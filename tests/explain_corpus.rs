//! `sshdoctor explain` on 93 real transcripts people pasted (tests/data/transcripts, each source
//! in SOURCES.md): the first error of each as expected.tsv says, and the same again with the
//! pasted noise of other places (CRLF, a terminal's timestamps, a markdown or VS Code quote).

mod common;

use sshdoctor::explain::{events, input, Options, Owner};
use sshdoctor::report::Report;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/transcripts")
}

/// `(file, expected)` rows of expected.tsv.
fn expected() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(corpus().join("expected.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            (
                cols.next().unwrap().to_string(),
                cols.next().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The explanation in-process (the binary's path, without the process).
fn explain(bytes: &[u8]) -> Report {
    let input = input::read(bytes).unwrap();
    let options = Options {
        name: "test".into(),
        owner: Owner::NotMine,
    };
    let mut r = Report::default();
    for ev in events(&input, &options) {
        r.apply(&ev);
    }
    r
}

/// `ok`, `incomplete`, or the first error's id.
fn verdict(r: &Report) -> String {
    match r.root_cause() {
        Some(f) => f.id.clone(),
        None if r.ok() => "ok".into(),
        None if r.could_not_tell() => "incomplete".into(),
        None => "none".into(),
    }
}

#[test]
fn every_transcript_gives_its_expected_first_error() {
    let rows = expected();
    assert_eq!(rows.len(), 93, "expected.tsv lists every transcript");
    let mut wrong = Vec::new();
    for (file, want) in &rows {
        let bytes = std::fs::read(corpus().join(file)).unwrap();
        let r = explain(&bytes);
        let got = verdict(&r);
        if &got != want {
            wrong.push(format!("{file}: {got} (expected {want})"));
        }
        // Every failed stage is explained by a finding of its own, as in a live report.
        for c in r
            .checks
            .iter()
            .filter(|c| c.status == sshdoctor::event::Status::Fail)
        {
            assert!(
                r.findings.iter().any(|f| f.stage == c.stage),
                "{file}: stage {} failed without a finding",
                c.stage
            );
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {}:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}

/// A way a transcript gets pasted: the text as it arrives.
type Paste = fn(&str) -> String;

#[test]
fn pasted_noise_from_elsewhere_changes_nothing() {
    let variants: [(&str, Paste); 3] = [
        ("crlf", |t| t.replace('\n', "\r\n")),
        ("timestamps", |t| {
            t.lines()
                .enumerate()
                .map(|(i, l)| format!("2024-03-01T12:{:02}:{:02}.000Z {l}\n", i / 60 % 60, i % 60))
                .collect()
        }),
        ("quoted", |t| {
            t.lines().map(|l| format!("> {l}\n")).collect()
        }),
    ];
    let mut wrong = Vec::new();
    for (file, want) in expected() {
        let text = std::fs::read_to_string(corpus().join(&file)).unwrap();
        for (name, f) in &variants {
            let got = verdict(&explain(f(&text).as_bytes()));
            if got != want {
                wrong.push(format!("{file} ({name}): {got} (expected {want})"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_binary_reads_stdin_and_writes_every_format() {
    let file = corpus().join("github-issue-vv-refused-ipv6-then-ipv4.txt");
    for format in ["json", "text", "markdown"] {
        let out = std::process::Command::new(common::BIN)
            .args(["explain", "--report", format])
            .stdin(std::fs::File::open(&file).unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("tcp.refused"), "{format}: {text}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["source"], "transcript");
            assert_eq!(v["destination"]["transcript"]["value"], "stdin");
        }
    }
}
