//! Unit tests for `remove_host`, `format_entry` and `append_entry`.

use super::super::*;
use super::{key, ED_A, ED_B, HASHED_FOO};

fn plan(text: &str, names: &[&str]) -> RemovePlan {
    remove_host(text.as_bytes(), names)
}

fn text(p: &RemovePlan) -> String {
    String::from_utf8(p.new_bytes.clone()).unwrap()
}

#[test]
fn removes_single_name_and_hashed_lines_only() {
    let input = format!("# keep\nfoo.example.com {ED_A}\n{HASHED_FOO} {ED_A}\nother {ED_B}\n");
    let p = plan(&input, &["foo.example.com"]);
    assert_eq!(text(&p), format!("# keep\nother {ED_B}\n"));
    let lines: Vec<usize> = p.changes.iter().map(|c| c.line).collect();
    assert_eq!(lines, [2, 3]);
    assert!(p.changes.iter().all(|c| c.new_line.is_none()));
    assert_eq!(p.changes[0].old_line, format!("foo.example.com {ED_A}"));
}

#[test]
fn multi_name_lines_keep_the_other_names() {
    let input = format!("  Foo,[foo]:2222,10.0.0.1 {ED_A} comment\n");
    let p = plan(&input, &["[foo]:2222"]);
    assert_eq!(text(&p), format!("  Foo,10.0.0.1 {ED_A} comment\n"));
    assert_eq!(
        p.changes[0].new_line.as_deref(),
        Some(format!("  Foo,10.0.0.1 {ED_A} comment").as_str())
    );
    let p = plan(&input, &["foo", "[foo]:2222", "10.0.0.1"]);
    assert_eq!(text(&p), "");
    // Only negations left: the line would match nothing, so it goes.
    let p = plan(&format!("foo,!bar {ED_A}\n"), &["foo"]);
    assert_eq!(text(&p), "");
}

#[test]
fn markers_wildcards_negations_and_malformed_stay() {
    let input = format!(
        "@cert-authority foo {ED_A}\n@revoked foo {ED_A}\n*.example.com {ED_A}\nfoo.example.com,*.example.com {ED_A}\n*,!foo.example.com {ED_A}\nfoo.example.com ssh-foo AAAA\nfoo ssh-ed25519 !!!\n"
    );
    let p = plan(&input, &["foo", "foo.example.com"]);
    assert_eq!(p.kept_markers, [1, 2]);
    // Line 5 vetoes foo.example.com but "*" still matches "foo".
    assert_eq!(p.kept_wildcards, [3, 4, 5]);
    assert_eq!(p.kept_malformed, [6]);
    // Line 7's key type is valid, only its data is bad: ssh-keygen -R deletes it, so do we.
    assert_eq!(p.changes.len(), 2);
    assert_eq!(
        (p.changes[1].line, p.changes[1].new_line.as_deref()),
        (7, None)
    );
    assert_eq!(
        p.changes[0].new_line.as_deref(),
        Some(format!("*.example.com {ED_A}").as_str())
    );
    let nothing = plan(&input, &["unrelated"]);
    assert!(nothing.is_noop());
    assert_eq!(nothing.new_bytes, input.as_bytes());
}

#[test]
fn crlf_and_missing_final_newline_are_preserved() {
    let input = format!("# c\r\nfoo {ED_A}\r\n\r\nbar {ED_B}\r\nfoo,baz {ED_B}");
    let p = plan(&input, &["foo"]);
    assert_eq!(text(&p), format!("# c\r\n\r\nbar {ED_B}\r\nbaz {ED_B}"));
    let input = format!("bar {ED_B}\nfoo {ED_A}");
    assert_eq!(text(&plan(&input, &["foo"])), format!("bar {ED_B}\n"));
}

#[test]
fn non_utf8_bytes_survive() {
    let mut input = b"# \xff\xfe\n".to_vec();
    input.extend_from_slice(format!("foo {ED_A}\n").as_bytes());
    input.extend_from_slice(b"bar\xff ssh-ed25519 x\n");
    let p = remove_host(&input, &["foo"]);
    let mut want = b"# \xff\xfe\n".to_vec();
    want.extend_from_slice(b"bar\xff ssh-ed25519 x\n");
    assert_eq!(p.new_bytes, want);
}

#[test]
fn format_entry_like_openssh() {
    let a = key(ED_A);
    assert_eq!(
        format_entry("Foo.Example.COM", &a, false),
        format!("foo.example.com {ED_A}")
    );
    let salt = [7u8; 20];
    let line = format_entry_with_salt("[h]:2222", &a, Some(&salt));
    let f = KnownHostsFile::parse("x", line.as_bytes());
    let (_, e) = f.entries().next().unwrap();
    assert_eq!(match_host_field("[h]:2222", &e.hosts), HostMatch::Hashed);
    assert!(line.starts_with("|1|BwcHBwcHBwcHBwcHBwcHBwcHBwc=|"));
    let one = format_entry("h", &a, true);
    let two = format_entry("h", &a, true);
    assert_ne!(one, two);
    let f = KnownHostsFile::parse("x", one.as_bytes());
    let (_, e) = f.entries().next().unwrap();
    assert_eq!(match_host_field("h", &e.hosts), HostMatch::Hashed);
}

#[test]
fn append_entry_terminates_last_line() {
    assert_eq!(append_entry(b"", "x"), b"x\n");
    assert_eq!(append_entry(b"a\n", "x"), b"a\nx\n");
    assert_eq!(append_entry(b"a", "x"), b"a\nx\n");
    assert_eq!(append_entry(b"a\r\nb", "x"), b"a\r\nb\r\nx\r\n");
}
