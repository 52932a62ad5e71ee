//! Line-based unified diffs (`diff -u` format) of two byte buffers, used to preview every write.
//!
//! Lines are split on LF and compared byte for byte *including* their terminator, so a
//! CRLF line and the same text with LF are different lines, and a last line without a
//! newline differs from the same line with one (shown with `\ No newline at end of file`,
//! exactly like diff(1)). Line contents are emitted **as is**: a CR before the LF stays in
//! the output, so the diff is a faithful, `patch`-applicable rendering of the change (the
//! same choice diff(1) and git make). Bytes that are not valid UTF-8 are replaced with
//! U+FFFD because the result is a `String`. Front ends that print the diff to a terminal
//! must escape control characters (CR, ESC, ...) themselves, as they must for any file
//! content.

use std::fmt::Write as _;

/// Lines of context around each change, as in `diff -u`.
pub(super) const CONTEXT: usize = 3;

/// Largest edit distance (lines removed + added, after trimming the common prefix and
/// suffix) searched for a minimal diff. Beyond it the differing middle is shown as one
/// block removed and one block added: still exact, just not minimal. Memory for the
/// search is about `MAX_EDIT_DISTANCE²` × 4 bytes (16 MiB).
const MAX_EDIT_DISTANCE: usize = 2048;

/// One step of an edit script, per line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// The line is in both inputs.
    Equal,
    /// The line is only in the old input.
    Delete,
    /// The line is only in the new input.
    Insert,
}

/// Unified diff of `old` → `new`, headed `--- a/<label>` / `+++ b/<label>`, with hunks
/// of 3 lines of context; the empty string when the inputs are identical.
///
/// A leading `/` in `label` is dropped (as git does for absolute paths), so the diff of
/// `/home/u/.ssh/config` is headed `--- a/home/u/.ssh/config` and applies with
/// `patch -p1` from `/`. CRLF lines are shown as is (see the module documentation).
/// Creating a file is the diff from an empty `old`.
///
/// Runs in O((N + M) + D²) time after trimming the common prefix and suffix, where D is
/// the number of changed lines, so a handful of changes in a 100,000-line file is fast.
pub fn diff(old: &[u8], new: &[u8], label: &str) -> String {
    if old == new {
        return String::new();
    }
    let a = split_lines(old);
    let b = split_lines(new);
    let ops = edit_script(&a, &b);
    render(&a, &b, &ops, label.trim_start_matches('/'))
}

/// Splits into lines, each keeping its `\n`; the last one may lack it.
fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' {
            lines.push(&bytes[start..=i]);
            start = i + 1;
        }
    }
    if start < bytes.len() {
        lines.push(&bytes[start..]);
    }
    lines
}

/// A shortest edit script turning `a` into `b` (within [`MAX_EDIT_DISTANCE`]), with the
/// deletions of each change placed before its insertions.
fn edit_script(a: &[&[u8]], b: &[&[u8]]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mid_a = &a[prefix..a.len() - suffix];
    let mid_b = &b[prefix..b.len() - suffix];

    let mut ops = Vec::with_capacity(a.len().max(b.len()) + 16);
    ops.extend(std::iter::repeat_n(Op::Equal, prefix));
    match myers(mid_a, mid_b) {
        Some(middle) => ops.extend(middle),
        None => {
            ops.extend(std::iter::repeat_n(Op::Delete, mid_a.len()));
            ops.extend(std::iter::repeat_n(Op::Insert, mid_b.len()));
        }
    }
    ops.extend(std::iter::repeat_n(Op::Equal, suffix));
    deletions_first(&mut ops);
    ops
}

/// Myers' O(ND) greedy algorithm; `None` when the distance exceeds [`MAX_EDIT_DISTANCE`].
fn myers(a: &[&[u8]], b: &[&[u8]]) -> Option<Vec<Op>> {
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 {
        let mut ops = vec![Op::Delete; n];
        ops.extend(std::iter::repeat_n(Op::Insert, m));
        return Some(ops);
    }
    let (d_final, trace) = furthest_reaching(a, b)?;
    Some(walk_back(&trace, d_final, n, m))
}

/// The forward search: the edit distance, and for each round `d` the furthest points of
/// the diagonals `-(d-1)..=(d-1)` as they were before it (compact: O(D²) in total).
fn furthest_reaching(a: &[&[u8]], b: &[&[u8]]) -> Option<(isize, Vec<Vec<u32>>)> {
    let (n, m) = (a.len(), b.len());
    let max_d = (n + m).min(MAX_EDIT_DISTANCE);
    let offset = max_d as isize + 1;
    let idx = |k: isize| (k + offset) as usize;
    // v[k] = furthest x reached on diagonal k = x - y.
    let mut v = vec![0usize; 2 * max_d + 3];
    let mut trace: Vec<Vec<u32>> = Vec::new();
    for d in 0..=max_d as isize {
        trace.push(if d == 0 {
            Vec::new()
        } else {
            v[idx(-(d - 1))..=idx(d - 1)]
                .iter()
                .map(|&x| x as u32)
                .collect()
        });
        let mut k = -d;
        while k <= d {
            let mut x = if k == -d || (k != d && v[idx(k - 1)] < v[idx(k + 1)]) {
                v[idx(k + 1)]
            } else {
                v[idx(k - 1)] + 1
            };
            let mut y = (x as isize - k) as usize;
            while x < n && y < m && a[x] == b[y] {
                x += 1;
                y += 1;
            }
            v[idx(k)] = x;
            if x >= n && y >= m {
                return Some((d, trace));
            }
            k += 2;
        }
    }
    None
}

/// Walk back from (n, m) to (0, 0) through the rounds of `trace`, collecting the operations.
fn walk_back(trace: &[Vec<u32>], d_final: isize, n: usize, m: usize) -> Vec<Op> {
    let mut rev = Vec::with_capacity(n + m);
    let (mut x, mut y) = (n as isize, m as isize);
    for d in (1..=d_final).rev() {
        let prev = &trace[d as usize];
        let at = |k: isize| prev[(k + d - 1) as usize] as isize;
        let k = x - y;
        let prev_k = if k == -d || (k != d && at(k - 1) < at(k + 1)) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = at(prev_k);
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            rev.push(Op::Equal);
            x -= 1;
            y -= 1;
        }
        if prev_k == k + 1 {
            rev.push(Op::Insert);
        } else {
            rev.push(Op::Delete);
        }
        x = prev_x;
        y = prev_y;
    }
    while x > 0 && y > 0 {
        rev.push(Op::Equal);
        x -= 1;
        y -= 1;
    }
    debug_assert!(x == 0 && y == 0);
    rev.reverse();
    rev
}

/// Within every run of non-equal operations, put the deletions before the insertions
/// (the order diff(1) prints them in). The result is an equally valid script.
fn deletions_first(ops: &mut [Op]) {
    let mut i = 0;
    while i < ops.len() {
        if ops[i] == Op::Equal {
            i += 1;
            continue;
        }
        let start = i;
        while i < ops.len() && ops[i] != Op::Equal {
            i += 1;
        }
        let deletes = ops[start..i].iter().filter(|&&op| op == Op::Delete).count();
        ops[start..start + deletes].fill(Op::Delete);
        ops[start + deletes..i].fill(Op::Insert);
    }
}

/// Formats a hunk range like diff(1): `start` alone for one line, `start,0` (the line
/// before) for none.
pub(super) fn range(start0: usize, count: usize) -> String {
    match count {
        0 => format!("{start0},0"),
        1 => format!("{}", start0 + 1),
        _ => format!("{},{}", start0 + 1, count),
    }
}

pub(super) fn push_line(out: &mut String, marker: char, line: &[u8]) {
    out.push(marker);
    out.push_str(&String::from_utf8_lossy(line));
    if !line.ends_with(b"\n") {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

fn render(a: &[&[u8]], b: &[&[u8]], ops: &[Op], label: &str) -> String {
    // Position in `a` and `b` before each operation.
    let mut pos = Vec::with_capacity(ops.len() + 1);
    let (mut i, mut j) = (0usize, 0usize);
    for op in ops {
        pos.push((i, j));
        match op {
            Op::Equal => {
                i += 1;
                j += 1;
            }
            Op::Delete => i += 1,
            Op::Insert => j += 1,
        }
    }
    pos.push((i, j));

    let changes: Vec<usize> = (0..ops.len()).filter(|&n| ops[n] != Op::Equal).collect();
    let mut out = String::new();
    if changes.is_empty() {
        return out;
    }
    let _ = writeln!(out, "--- a/{label}");
    let _ = writeln!(out, "+++ b/{label}");
    let mut c = 0;
    while c < changes.len() {
        let mut last = c;
        while last + 1 < changes.len() && changes[last + 1] - changes[last] - 1 <= 2 * CONTEXT {
            last += 1;
        }
        let start = changes[c].saturating_sub(CONTEXT);
        let end = (changes[last] + 1 + CONTEXT).min(ops.len());
        let hunk = &ops[start..end];
        let old_count = hunk.iter().filter(|&&op| op != Op::Insert).count();
        let new_count = hunk.iter().filter(|&&op| op != Op::Delete).count();
        let (old_start, new_start) = pos[start];
        let _ = writeln!(
            out,
            "@@ -{} +{} @@",
            range(old_start, old_count),
            range(new_start, new_count)
        );
        for (n, op) in hunk.iter().enumerate() {
            let (i, j) = pos[start + n];
            match op {
                Op::Equal => push_line(&mut out, ' ', a[i]),
                Op::Delete => push_line(&mut out, '-', a[i]),
                Op::Insert => push_line(&mut out, '+', b[j]),
            }
        }
        c = last + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_inputs_give_empty_diff() {
        assert_eq!(diff(b"a\nb\n", b"a\nb\n", "f"), "");
        assert_eq!(diff(b"", b"", "f"), "");
    }

    #[test]
    fn small_change_with_context() {
        let old = b"1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = b"1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(
            diff(old, new, "/root/.ssh/config"),
            "--- a/root/.ssh/config\n+++ b/root/.ssh/config\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn separate_and_merged_hunks() {
        let old: String = (1..=20).map(|n| format!("{n}\n")).collect();
        let new = old
            .replacen("2\n", "two\n", 1)
            .replace("\n19\n", "\nnineteen\n");
        let d = diff(old.as_bytes(), new.as_bytes(), "f");
        assert_eq!(
            d,
            "--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n\
             @@ -16,5 +16,5 @@\n 16\n 17\n 18\n-19\n+nineteen\n 20\n"
        );
        // Changes 6 lines apart share one hunk.
        let new = old
            .replace("\n3\n", "\nthree\n")
            .replace("\n10\n", "\nten\n");
        let d = diff(old.as_bytes(), new.as_bytes(), "f");
        assert_eq!(d.matches("@@ -").count(), 1, "{d}");
        assert!(d.contains("@@ -1,13 +1,13 @@"), "{d}");
    }

    #[test]
    fn no_newline_at_end_of_file() {
        assert_eq!(
            diff(b"a\nb", b"a\nb\n", "f"),
            "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
        );
        assert_eq!(
            diff(b"a\n", b"a\nc", "f"),
            "--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n a\n+c\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn crlf_lines_are_shown_as_is() {
        let d = diff(b"a\r\nb\r\n", b"a\r\nb\n", "f");
        assert_eq!(d, "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+b\n");
    }

    #[test]
    fn creation_and_deletion_of_all_lines() {
        assert_eq!(
            diff(b"", b"x\ny\n", "f"),
            "--- a/f\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n"
        );
        assert_eq!(
            diff(b"x\n", b"", "f"),
            "--- a/f\n+++ b/f\n@@ -1 +0,0 @@\n-x\n"
        );
    }

    #[test]
    fn deletions_come_before_insertions() {
        let d = diff(b"a\nb\nc\n", b"x\ny\nz\n", "f");
        assert_eq!(
            d,
            "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n-a\n-b\n-c\n+x\n+y\n+z\n"
        );
    }

    /// Applies a unified diff produced by [`diff`] to `old` (test oracle).
    fn patch(old: &[u8], d: &str) -> Vec<u8> {
        let a = split_lines(old);
        let mut out: Vec<u8> = Vec::new();
        let mut next = 0usize; // next unconsumed line of `a`
        let mut lines = d.split_inclusive('\n').skip(2).peekable();
        while let Some(line) = lines.next() {
            if let Some(rest) = line.strip_prefix("@@ -") {
                let old_range = rest.split(' ').next().unwrap();
                let mut it = old_range.split(',');
                let start: usize = it.next().unwrap().parse().unwrap();
                let count: usize = it.next().map_or(1, |c| c.parse().unwrap());
                let start0 = if count == 0 { start } else { start - 1 };
                for l in &a[next..start0] {
                    out.extend_from_slice(l);
                }
                next = start0;
                continue;
            }
            let mut text = line.as_bytes()[1..].to_vec();
            if lines.peek() == Some(&"\\ No newline at end of file\n") {
                lines.next();
                text.pop();
            }
            match &line[..1] {
                " " => {
                    assert_eq!(a[next], &text[..]);
                    out.extend_from_slice(&text);
                    next += 1;
                }
                "-" => {
                    assert_eq!(a[next], &text[..]);
                    next += 1;
                }
                "+" => out.extend_from_slice(&text),
                other => panic!("bad line {other:?}"),
            }
        }
        for l in &a[next..] {
            out.extend_from_slice(l);
        }
        out
    }

    #[test]
    fn hundred_thousand_lines_with_a_few_changes() {
        let old: String = (0..100_000)
            .map(|n| format!("host{n} ssh-ed25519 AAAA{n}\n"))
            .collect();
        let mut new_lines: Vec<String> = old.lines().map(str::to_owned).collect();
        new_lines[10] = "changed near the start".into();
        new_lines.remove(50_000);
        new_lines.insert(70_000, "inserted in the middle".into());
        new_lines[99_990] = "changed near the end".into();
        let new: String = new_lines.iter().map(|l| format!("{l}\n")).collect();

        let d = diff(old.as_bytes(), new.as_bytes(), "known_hosts");
        assert_eq!(d.matches("@@ -").count(), 4, "{d}");
        assert_eq!(
            d.lines()
                .filter(|l| l.starts_with('-') && !l.starts_with("---"))
                .count(),
            3
        );
        assert_eq!(
            d.lines()
                .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
                .count(),
            3
        );
        assert!(d.contains("@@ -8,7 +8,7 @@\n host7 "), "{d}");
        assert!(d.contains("-host50000 ssh-ed25519 AAAA50000\n"), "{d}");
        assert!(d.contains("+inserted in the middle\n"), "{d}");
        assert_eq!(patch(old.as_bytes(), &d), new.as_bytes());
    }

    #[test]
    fn large_rewrite_falls_back_to_block_replacement() {
        let old: String = (0..5000).map(|n| format!("a{n}\n")).collect();
        let new: String = (0..5000).map(|n| format!("b{n}\n")).collect();
        let d = diff(old.as_bytes(), new.as_bytes(), "f");
        assert!(d.starts_with("--- a/f\n+++ b/f\n@@ -1,5000 +1,5000 @@\n-a0\n"));
        assert_eq!(patch(old.as_bytes(), &d), new.as_bytes());
    }

    #[test]
    fn randomised_round_trips() {
        // Small deterministic pseudo-random edits, checked by re-applying the diff.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..300 {
            let len = rnd(30) as usize;
            let old: Vec<String> = (0..len).map(|_| format!("l{}", rnd(6))).collect();
            let mut new = old.clone();
            for _ in 0..rnd(6) {
                match rnd(3) {
                    0 if !new.is_empty() => {
                        let at = rnd(new.len() as u64) as usize;
                        new.remove(at);
                    }
                    1 => {
                        let at = rnd(new.len() as u64 + 1) as usize;
                        new.insert(at, format!("n{}", rnd(6)));
                    }
                    _ if !new.is_empty() => {
                        let at = rnd(new.len() as u64) as usize;
                        new[at] = format!("c{}", rnd(6));
                    }
                    _ => {}
                }
            }
            let join = |v: &[String], final_nl: bool| {
                let mut s = v.join("\n");
                if final_nl && !v.is_empty() {
                    s.push('\n');
                }
                s.into_bytes()
            };
            let (o, n) = (join(&old, rnd(2) == 0), join(&new, rnd(2) == 0));
            let d = diff(&o, &n, "f");
            assert_eq!(patch(&o, &d), n, "old {o:?} new {n:?}\n{d}");
        }
    }
}
