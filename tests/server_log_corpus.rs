//! The log parser against a corpus of real sshd log lines (many OpenSSH versions,
//! distributions and log formats; see tests/data/sshd_logs/SOURCES.md): every line maps to
//! the cause `expected.tsv` gives it (or to none: not an authentication problem), with the
//! user and client address it names.

use sshdoctor::server::log::parse;
use std::path::Path;

fn corpus() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sshd_logs"))
}

/// The lines of a corpus file, decoded as the reader decodes them (lossy UTF-8).
fn lines(file: &str) -> Vec<String> {
    let bytes = std::fs::read(corpus().join(file)).expect("corpus file");
    String::from_utf8_lossy(&bytes)
        .split('\n')
        .map(str::to_string)
        .collect()
}

/// A label's text as the parser sees it: `-` is none, `(empty)` an empty name, `\xHH` a byte
/// that is not UTF-8 (decoded as U+FFFD).
fn label(s: &str) -> Option<String> {
    match s {
        "-" => None,
        "(empty)" => Some(String::new()),
        s => {
            let mut out = String::new();
            let mut rest = s;
            while let Some(i) = rest.find("\\x") {
                out.push_str(&rest[..i]);
                out.push('\u{FFFD}');
                rest = &rest[i + 4..];
            }
            out.push_str(rest);
            Some(out)
        }
    }
}

#[test]
fn every_corpus_line_maps_to_its_labelled_cause_user_and_address() {
    let tsv = std::fs::read_to_string(corpus().join("expected.tsv")).expect("expected.tsv");
    let mut files: std::collections::HashMap<String, Vec<String>> = Default::default();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        assert_eq!(f.len(), 5, "malformed row {row:?}");
        let (file, n, cause, user, addr) = (f[0], f[1], f[2], f[3], f[4]);
        let text = files.entry(file.to_string()).or_insert_with(|| lines(file));
        let n: usize = n.parse().expect("line number");
        let raw = &text[n - 1];
        let (_, parsed) = parse(raw);
        let got = parsed.cause.map_or("none", |c| c.id());
        checked += 1;
        if got != cause {
            wrong.push(format!(
                "{file}:{n}: cause {got}, expected {cause}\n    {raw}"
            ));
            continue;
        }
        if cause == "none" {
            continue;
        }
        let (u, a) = (parsed.who.user.clone(), parsed.who.addr.clone());
        if u != label(user) || a != label(addr) {
            wrong.push(format!(
                "{file}:{n}: {cause} user {u:?} address {a:?}, expected {user} {addr}\n    {raw}"
            ));
        }
    }
    assert!(
        checked > 1000,
        "the whole corpus is checked ({checked} lines)"
    );
    assert!(
        wrong.is_empty(),
        "{} of {checked} lines differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_corpus_line_is_labelled() {
    let tsv = std::fs::read_to_string(corpus().join("expected.tsv")).expect("expected.tsv");
    for entry in std::fs::read_dir(corpus()).expect("corpus dir") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name == "expected.tsv" || name == "SOURCES.md" {
            continue;
        }
        let count = lines(&name).iter().filter(|l| !l.is_empty()).count();
        let labelled = tsv
            .lines()
            .filter(|r| r.starts_with(&format!("{name}\t")))
            .count();
        assert_eq!(count, labelled, "{name}: every line has a label");
        assert!(
            std::fs::read_to_string(corpus().join("SOURCES.md"))
                .expect("SOURCES.md")
                .contains(&format!("`{name}`")),
            "SOURCES.md names where {name} comes from"
        );
    }
}
