//! Tests of line-by-line edits: the streamed diff, appends by other programs during the edit
//! (many trials), hard links, refusals.

use super::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Drops the lines starting with a prefix.
#[derive(Debug)]
struct DropPrefix(Vec<u8>);

impl LineEdit for DropPrefix {
    fn line(&mut self, _number: usize, line: &[u8]) -> LineChange {
        if line.starts_with(&self.0) {
            LineChange::Drop
        } else {
            LineChange::Keep
        }
    }
}

fn drop_prefix(prefix: &str) -> impl FnMut() -> DropPrefix + '_ {
    move || DropPrefix(prefix.as_bytes().to_vec())
}

/// A scripted edit: line number → change, plus bytes to add at the end.
struct Script {
    changes: Vec<(usize, LineChange)>,
    tail: Option<Vec<u8>>,
}

impl LineEdit for Script {
    fn line(&mut self, number: usize, _line: &[u8]) -> LineChange {
        self.changes
            .iter()
            .find(|(n, _)| *n == number)
            .map_or(LineChange::Keep, |(_, c)| c.clone())
    }

    fn finish(&mut self) -> Option<Vec<u8>> {
        self.tail.take()
    }
}

/// What `script` turns `bytes` into, computed the simple way.
fn apply_script(bytes: &[u8], script: &Script) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        match script.changes.iter().find(|(n, _)| *n == i + 1) {
            None | Some((_, LineChange::Keep)) => out.extend_from_slice(line),
            Some((_, LineChange::Drop)) => {}
            Some((_, LineChange::Replace(new))) => out.extend_from_slice(new),
        }
    }
    out.extend_from_slice(script.tail.as_deref().unwrap_or_default());
    out
}

#[test]
fn streamed_diff_equals_the_whole_file_diff() {
    // A small deterministic generator (no dependency): many shapes of edits.
    let mut seed = 0x2545_f491_u64;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) % n
    };
    for case in 0..400 {
        let lines = 1 + next(40) as usize;
        let crlf = next(4) == 0;
        let mut bytes = Vec::new();
        for i in 1..=lines {
            bytes.extend_from_slice(format!("line-{i}").as_bytes());
            bytes.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
        let unterminated = next(3) == 0;
        if unterminated {
            let trimmed = bytes.len() - if crlf { 2 } else { 1 };
            bytes.truncate(trimmed); // no final newline
        }
        let mut changes = Vec::new();
        for i in 1..=lines {
            match next(6) {
                0 => changes.push((i, LineChange::Drop)),
                1 => changes.push((i, LineChange::Replace(format!("new-{i}\n").into_bytes()))),
                _ => {}
            }
        }
        // (Bytes added after an unterminated last line would join it: LineEdit's contract.)
        let tail = (next(4) == 0 && !unterminated).then(|| b"added\nmore".to_vec());
        let mut script = Script { changes, tail };
        let expected_new = apply_script(&bytes, &script);
        let expected = diff(&bytes, &expected_new, "/x/f");
        assert_eq!(
            diff_lines(&bytes, &mut script, "/x/f"),
            expected,
            "case {case}"
        );
    }
}

#[test]
fn line_edit_writes_only_what_changes_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    let original = b"# top\r\nkeep one\nstale two\r\n\nkeep three\nstale four";
    write_mode(&path, original, 0o640);
    let ino = fs::metadata(&path).unwrap().ino();
    let (applied, _) = apply_lines(&path, &EditOptions::new(), drop_prefix("stale")).unwrap();
    assert_eq!(
        fs::read(&path).unwrap(),
        b"# top\r\nkeep one\n\nkeep three\n"
    );
    assert_eq!(mode_of(&path), 0o640);
    assert!(applied.changed && !applied.created);
    assert_eq!(
        applied.diff,
        diff(
            original,
            b"# top\r\nkeep one\n\nkeep three\n",
            &path.to_string_lossy()
        )
    );
    // The backup is the old file itself: a second link, no copy.
    let backup = applied.backup.unwrap();
    assert_eq!(fs::read(&backup).unwrap(), original);
    assert_eq!(fs::metadata(&backup).unwrap().ino(), ino);
    assert_eq!(fs::metadata(&backup).unwrap().nlink(), 1);

    // Nothing to change: nothing written, no backup.
    let ino = fs::metadata(&path).unwrap().ino();
    let (applied, _) = apply_lines(&path, &EditOptions::new(), drop_prefix("stale")).unwrap();
    assert!(!applied.changed && applied.backup.is_none());
    assert_eq!(fs::metadata(&path).unwrap().ino(), ino);
    assert_eq!(listing(dir.path()).len(), 2);
}

#[test]
fn preview_lines_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    write_mode(&path, b"a\nstale\nb\n", 0o600);
    let (preview, _) = preview_lines(&path, DropPrefix(b"stale".to_vec())).unwrap();
    assert!(
        preview.ends_with("@@ -1,3 +1,2 @@\n a\n-stale\n b\n"),
        "{preview}"
    );
    assert_eq!(listing(dir.path()), vec!["known_hosts"]);
}

#[test]
fn a_hard_linked_file_is_split_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    let other = dir.path().join("other_link");
    write_mode(&path, b"a\nstale\n", 0o600);
    fs::hard_link(&path, &other).unwrap();
    let (applied, _) = apply_lines(&path, &EditOptions::new(), drop_prefix("stale")).unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"a\n");
    assert_eq!(
        fs::read(&other).unwrap(),
        b"a\nstale\n",
        "the other link kept the old content"
    );
    assert_eq!(applied.other_links, 1);
    assert!(applied
        .summary()
        .contains("1 other hard link(s) still have the old content"));
    // The backup is a copy: editing the other link later does not change it.
    let backup = applied.backup.unwrap();
    assert_ne!(
        fs::metadata(&backup).unwrap().ino(),
        fs::metadata(&other).unwrap().ino()
    );
    assert_eq!(fs::read(&backup).unwrap(), b"a\nstale\n");
}

#[test]
fn special_and_oversized_files_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    rustix::fs::mkfifoat(CWD, &fifo, Mode::from_raw_mode(0o600)).unwrap();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    let dev_link = dir.path().join("to_dev_null");
    symlink("/dev/null", &dev_link).unwrap();
    for (path, kind) in [
        (&fifo, "FIFO"),
        (&sub, "directory"),
        (&dev_link, "character device"),
    ] {
        let err = apply_lines(path, &EditOptions::new(), drop_prefix("x")).unwrap_err();
        assert!(
            matches!(&err, EditError::NotRegularFile { kind: k, .. } if *k == kind),
            "{err}"
        );
        assert!(err.to_string().contains("nothing was changed"), "{err}");
        let err = apply_edit(path, &EditOptions::new(), add("x")).unwrap_err();
        assert!(matches!(err, EditError::NotRegularFile { .. }), "{err}");
    }
    // Sparse files over each limit (no disk space used).
    let big = dir.path().join("big");
    let f = fs::File::create(&big).unwrap();
    f.set_len(inspect::MAX_STREAM_BYTES + 1).unwrap();
    let err = apply_lines(&big, &EditOptions::new(), drop_prefix("x")).unwrap_err();
    assert!(matches!(err, EditError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("nothing was changed"), "{err}");
    f.set_len(inspect::MAX_WHOLE_BYTES + 1).unwrap();
    let err = apply_edit(&big, &EditOptions::new(), add("x")).unwrap_err();
    assert!(matches!(err, EditError::TooLarge { .. }), "{err}");
    assert_eq!(
        fs::metadata(&big).unwrap().len(),
        inspect::MAX_WHOLE_BYTES + 1
    );
    assert_eq!(
        listing(dir.path()),
        vec!["big", "fifo", "sub", "to_dev_null"]
    );
    assert_eq!(fs::read(&dev_link).unwrap(), b"");
}

/// Waits (at most 5 s) until `path` is another file than inode `ino`.
fn wait_for_replacement(path: &Path, ino: u64) {
    for _ in 0..5000 {
        if fs::metadata(path).is_ok_and(|m| m.ino() != ino) {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("{} was never replaced", path.display());
}

#[test]
fn a_writer_holding_the_old_file_is_waited_for_and_its_lines_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    write_mode(&path, b"a\nstale\n", 0o600);
    let ino = fs::metadata(&path).unwrap().ino();
    // Like ssh: opened before the edit, written after the rename, in two pieces.
    let mut writer = OpenOptions::new().append(true).open(&path).unwrap();
    let watched = path.clone();
    let thread = std::thread::spawn(move || {
        wait_for_replacement(&watched, ino);
        std::thread::sleep(Duration::from_millis(20));
        writer.write_all(b"late one\nlate ").unwrap();
        std::thread::sleep(Duration::from_millis(20));
        writer.write_all(b"two\n").unwrap();
    });
    let (applied, _) = apply_lines(&path, &EditOptions::new(), drop_prefix("stale")).unwrap();
    thread.join().unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "a\nlate one\nlate two\n"
    );
    assert_eq!(applied.carried_lines, 2);
    assert!(applied
        .summary()
        .contains("kept 2 line(s) another program appended"));
    assert!(applied.warnings.is_empty(), "{:?}", applied.warnings);
}

#[test]
fn a_line_being_written_when_the_edit_reads_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    write_mode(&path, b"a\nstale\n", 0o600);
    // Half a line is there when the edit reads; the rest comes 30 ms later.
    let mut writer = OpenOptions::new().append(true).open(&path).unwrap();
    writer.write_all(b"stale but not ").unwrap();
    let thread = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        writer.write_all(b"yet complete\n").unwrap();
    });
    let (applied, edit) = apply_lines(&path, &EditOptions::new(), || Script {
        changes: vec![(2, LineChange::Drop), (3, LineChange::Drop)],
        tail: None,
    })
    .unwrap();
    thread.join().unwrap();
    // Line 3 was read whole (and dropped whole), never half of it.
    assert_eq!(fs::read_to_string(&path).unwrap(), "a\n");
    assert!(
        applied.diff.contains("-stale but not yet complete\n"),
        "{}",
        applied.diff
    );
    assert!(edit.changes.len() == 2);
}

/// A thread appending lines until `stop`, returning how many: each time it opens the file in
/// append mode, waits `hold_ms` (a slow ssh between opening and writing: across a rename the
/// line then lands in the old file), writes one whole line in one `write` (as ssh does),
/// closes it and pauses about `pause_ms`.
fn writer(
    path: PathBuf,
    tag: &'static str,
    hold_ms: u64,
    pause_ms: u64,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut n = 0;
        while !stop.load(Ordering::Relaxed) {
            let mut f = OpenOptions::new().append(true).open(&path).unwrap();
            std::thread::sleep(Duration::from_millis(hold_ms));
            let line = format!("{tag}-{n} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA{n:08}\n");
            f.write_all(line.as_bytes()).unwrap();
            drop(f);
            n += 1;
            std::thread::sleep(Duration::from_micros(
                pause_ms * 1000 + (n as u64 * 137) % 700,
            ));
        }
        n
    })
}

/// The scenario, many times: programs appending to a 2,000-line known_hosts every
/// few milliseconds (one right after opening the file, one holding it open 2 ms first) while
/// 250 edits each remove one line. Every appended line must be in the final file exactly
/// once, intact.
#[test]
fn appends_during_hundreds_of_edits_are_never_lost() {
    const TRIALS: usize = 250;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    let mut original = String::new();
    for i in 0..2000 {
        original.push_str(&format!(
            "host{i}.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA{i:08}\n"
        ));
        if i % 8 == 0 && i / 8 < TRIALS {
            original.push_str(&format!(
                "stale-{} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAstale\n",
                i / 8
            ));
        }
    }
    write_mode(&path, original.as_bytes(), 0o600);
    let stop = Arc::new(AtomicBool::new(false));
    let quick = writer(path.clone(), "quick", 0, 3, stop.clone());
    let slow = writer(path.clone(), "slow", 2, 2, stop.clone());
    let mut carried = 0;
    for k in 0..TRIALS {
        let prefix = format!("stale-{k} ");
        let (applied, _) = apply_lines(&path, &EditOptions::new(), drop_prefix(&prefix)).unwrap();
        assert!(applied.changed, "trial {k}");
        assert!(applied.warnings.is_empty(), "{:?}", applied.warnings);
        carried += applied.carried_lines;
        // Keep the directory small: this trial's backup is not needed.
        fs::remove_file(applied.backup.unwrap()).unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let (quick, slow) = (quick.join().unwrap(), slow.join().unwrap());
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(!text.contains("stale-"), "every stale line removed");
    for (tag, count) in [("quick", quick), ("slow", slow)] {
        for n in 0..count {
            let line = format!("{tag}-{n} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA{n:08}");
            let found = lines.iter().filter(|l| **l == line).count();
            assert_eq!(
                found, 1,
                "{line:?} found {found} times ({carried} carried over in all)"
            );
        }
    }
    assert_eq!(
        lines.len(),
        2000 + quick + slow,
        "no other line appeared or vanished"
    );
    assert!(
        quick + slow > 100,
        "the writers ran during the edits ({quick} + {slow})"
    );
}
