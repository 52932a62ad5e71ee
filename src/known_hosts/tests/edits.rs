//! Unit tests for `remove_host`, `format_entry` and `append_entry`.

use super::super::*;
use super::{key, ED_A, ED_B, HASHED_FOO};
use crate::fsedit::{LineChange, LineEdit};

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

#[test]
fn the_host_field_filter_never_skips_a_line_the_full_parse_would_touch() {
    let hashed_other = "|1|BwcHBwcHBwcHBwcHBwcHBwcHBwc=|AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let lines = [
        format!("foo {ED_A}"),
        format!("  FOO.example.com\t{ED_A} comment"),
        format!("{HASHED_FOO} {ED_A}"),
        format!("{hashed_other} {ED_A}"),
        format!("|1|bad|salt {ED_A}"),
        format!("|2|x|y {ED_A}"),
        format!("*.example.com,!bar {ED_A}"),
        format!("*,!foo {ED_A}"),
        format!("[foo]:2222,foo {ED_A}"),
        format!("@cert-authority foo {ED_A}"),
        format!("@revoked\t*.example.com {ED_A}"),
        format!("@bogus foo {ED_A}"),
        "foo ssh-ed25519 !!!".to_string(),
        "foo ssh-foo AAAA".to_string(),
        "foo".to_string(),
        "foo\0bar ssh-ed25519 AAAA".to_string(),
        format!("bar\0foo {ED_A}"),
        "# foo".to_string(),
        "   ".to_string(),
        String::new(),
        format!("f?o {ED_A}"),
        format!("{} {ED_A}", "x,".repeat(600) + "foo"),
    ];
    let names: [&[&str]; 4] = [
        &["foo"],
        &["foo.example.com"],
        &["[foo]:2222", "127.0.0.1"],
        &["bar", "FOO"],
    ];
    for line in &lines {
        for names in names {
            let edit = RemoveEdit::new(names);
            if edit.may_match(line.as_bytes()) {
                continue;
            }
            let mut full = RemoveEdit::new(names);
            assert_eq!(full.decide(1, line.as_bytes()), None, "{line:?} {names:?}");
            assert!(
                full.kept_markers.is_empty()
                    && full.kept_wildcards.is_empty()
                    && full.kept_malformed.is_empty(),
                "{line:?} {names:?}"
            );
        }
    }
    // And it does let through what matters.
    assert!(
        RemoveEdit::new(&["foo.example.com"]).may_match(format!("{HASHED_FOO} {ED_A}").as_bytes())
    );
    assert!(RemoveEdit::new(&["FOO"]).may_match(b"*,!bar x"));
}

#[test]
fn the_streamed_removal_writes_what_remove_host_computes() {
    let input = format!(
        "# keep\r\nfoo.example.com {ED_A}\r\n{HASHED_FOO} {ED_A}\nother,foo.example.com {ED_B}\n@revoked foo.example.com {ED_B}\nlast {ED_B}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    std::fs::write(&path, &input).unwrap();
    let expected = remove_host(input.as_bytes(), &["foo.example.com"]);
    let (applied, edit) =
        crate::fsedit::apply_lines(&path, &crate::fsedit::EditOptions::new(), || {
            RemoveEdit::new(&["foo.example.com"])
        })
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), expected.new_bytes);
    assert_eq!(edit.changes, expected.changes);
    assert_eq!(edit.kept_markers, [5]);
    let label = path.to_string_lossy();
    assert_eq!(
        applied.diff,
        crate::fsedit::diff(input.as_bytes(), &expected.new_bytes, &label)
    );
    let mut preview = RemoveEdit::new(&["foo.example.com"]);
    assert_eq!(
        crate::fsedit::diff_lines(input.as_bytes(), &mut preview, &label),
        applied.diff
    );
}

#[test]
fn append_edit_appends_like_append_entry() {
    let line = format!("h {ED_A}");
    for old in [
        "".to_string(),
        "a\n".into(),
        "a".into(),
        "a\r\nb".into(),
        "a\r\nb\n".into(),
        format!("{line}\n"),
        format!("x\n{line}"),
        format!("x\r\n{line}\r\n"),
    ] {
        let mut edit = AppendEdit::new(&line);
        let mut new = Vec::new();
        for (i, l) in old.as_bytes().split_inclusive(|&b| b == b'\n').enumerate() {
            match edit.line(i + 1, l) {
                LineChange::Keep => new.extend_from_slice(l),
                LineChange::Drop => {}
                LineChange::Replace(r) => new.extend_from_slice(&r),
            }
        }
        new.extend(edit.finish().unwrap_or_default());
        let already = old.split('\n').any(|l| l.trim_end_matches('\r') == line);
        let expected = if already {
            old.as_bytes().to_vec()
        } else {
            append_entry(old.as_bytes(), &line)
        };
        assert_eq!(
            String::from_utf8(new).unwrap(),
            String::from_utf8(expected).unwrap(),
            "{old:?}"
        );
        assert_eq!(edit.already, already, "{old:?}");
    }
}
