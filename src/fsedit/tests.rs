//! Tests of the edit procedure on real files in temporary directories (they also run as root).

use super::files::{running_as_root, timestamp};
use super::inspect::check_writable;
use super::*;
use rustix::fs::CWD;
use std::cell::Cell;
use std::convert::Infallible;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::time::{Duration, UNIX_EPOCH};

mod lines;

/// Sorted names in `dir`.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).unwrap().mode() & 0o7777
}

fn write_mode(path: &Path, bytes: &[u8], mode: u32) {
    fs::write(path, bytes).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Appends `line` to `bytes`, keeping the file's line ending style.
fn append_line(bytes: &[u8], line: &str) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let eol: &[u8] = if bytes.windows(2).any(|w| w == b"\r\n") {
        b"\r\n"
    } else {
        b"\n"
    };
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(eol);
    }
    out.extend_from_slice(line.as_bytes());
    out.extend_from_slice(eol);
    out
}

fn add(line: &'static str) -> impl FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>, Infallible> {
    move |old| Ok(Some(append_line(old.unwrap_or_default(), line)))
}

fn is_backup_name(name: &str, file: &str) -> bool {
    let Some(rest) = name.strip_prefix(&format!("{file}.sshdoctor-")) else {
        return false;
    };
    let stamp = &rest[..rest.len().min(15)];
    stamp.len() == 15
        && stamp.as_bytes()[8] == b'T'
        && stamp
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 8 || b.is_ascii_digit())
}

#[test]
fn byte_exact_preservation_crlf_no_final_newline_comments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let original = b"# my config \xc3\xa9\r\nHost a\r\n\tUser b   # trailing\r\n\r\n  # indented comment\r\nHost c\r\n  Port 22";
    write_mode(&path, original, 0o600);

    let applied = apply_edit(&path, &EditOptions::new(), |old| {
        let old = old.unwrap();
        let mut new = old.to_vec();
        new.extend_from_slice(b"\r\n  User d\r\n");
        Ok::<_, Infallible>(Some(new))
    })
    .unwrap();

    let mut expected = original.to_vec();
    expected.extend_from_slice(b"\r\n  User d\r\n");
    assert_eq!(fs::read(&path).unwrap(), expected);
    let backup = applied.backup.clone().unwrap();
    assert_eq!(fs::read(&backup).unwrap(), original);
    assert!(applied.changed && !applied.created);
    assert_eq!(applied.path, path);
    let label = path.to_string_lossy();
    let label = label.trim_start_matches('/');
    assert_eq!(
        applied.diff,
        format!(
            "--- a/{label}\n+++ b/{label}\n@@ -4,4 +4,5 @@\n \r\n   # indented comment\r\n \
             Host c\r\n-  Port 22\n\\ No newline at end of file\n+  Port 22\r\n+  User d\r\n"
        )
    );
    assert_eq!(
        listing(dir.path()),
        vec![
            "config".to_owned(),
            backup.file_name().unwrap().to_string_lossy().into_owned()
        ]
    );
    assert!(is_backup_name(&listing(dir.path())[1], "config"));
}

#[test]
fn backups_never_overwrite_older_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    write_mode(&path, b"one\n", 0o600);
    // Same clock for all three edits: the names must still differ.
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let opts = EditOptions::new();
    let edit = |line: &'static str| {
        let mut f = add(line);
        let mut f = |old: Option<&[u8]>| Ok(f(old).unwrap());
        edit_file(&path, &opts, now, &mut Whole { f: &mut f }).unwrap()
    };
    let first = edit("two");
    let second = edit("three");
    let third = edit("four");

    let base = dir.path().join("known_hosts.sshdoctor-20231114T221320");
    assert_eq!(first.backup.as_deref(), Some(base.as_path()));
    assert_eq!(
        second.backup.unwrap(),
        dir.path().join("known_hosts.sshdoctor-20231114T221320.1")
    );
    assert_eq!(
        third.backup.unwrap(),
        dir.path().join("known_hosts.sshdoctor-20231114T221320.2")
    );
    assert_eq!(fs::read(&base).unwrap(), b"one\n");
    assert_eq!(
        fs::read(dir.path().join("known_hosts.sshdoctor-20231114T221320.1")).unwrap(),
        b"one\ntwo\n"
    );
    assert_eq!(
        fs::read(dir.path().join("known_hosts.sshdoctor-20231114T221320.2")).unwrap(),
        b"one\ntwo\nthree\n"
    );
    assert_eq!(fs::read(&path).unwrap(), b"one\ntwo\nthree\nfour\n");
    assert_eq!(listing(dir.path()).len(), 4);

    // With the real clock too: a second edit makes a second, distinct backup.
    let a = apply_edit(&path, &opts, add("five"))
        .unwrap()
        .backup
        .unwrap();
    let b = apply_edit(&path, &opts, add("six"))
        .unwrap()
        .backup
        .unwrap();
    assert_ne!(a, b);
    assert_eq!(fs::read(&a).unwrap(), b"one\ntwo\nthree\nfour\n");
    assert_eq!(fs::read(&b).unwrap(), b"one\ntwo\nthree\nfour\nfive\n");
    assert_eq!(listing(dir.path()).len(), 6);
}

#[test]
fn symlink_stays_a_symlink_and_its_target_is_edited() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("dotfiles");
    fs::create_dir(&real).unwrap();
    let target = real.join("ssh_config");
    write_mode(&target, b"Host a\n", 0o644);
    let ssh = dir.path().join("ssh");
    fs::create_dir(&ssh).unwrap();
    let link = ssh.join("config");
    symlink(&target, &link).unwrap(); // absolute

    let applied = apply_edit(&link, &EditOptions::new(), add("Host b")).unwrap();
    assert_eq!(applied.path, target);
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_link(&link).unwrap(), target);
    assert_eq!(fs::read(&target).unwrap(), b"Host a\nHost b\n");
    assert_eq!(mode_of(&target), 0o644);
    // Backup and temp files live next to the target, not the link.
    assert_eq!(listing(&ssh), vec!["config"]);
    let names = listing(&real);
    assert_eq!(names.len(), 2);
    assert!(is_backup_name(&names[1], "ssh_config"), "{names:?}");
    assert_eq!(fs::read(applied.backup.unwrap()).unwrap(), b"Host a\n");
}

#[test]
fn relative_symlink_chain() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b/c");
    fs::create_dir_all(&a).unwrap();
    fs::create_dir_all(&b).unwrap();
    let target = b.join("real");
    write_mode(&target, b"x\n", 0o600);
    // a/first -> ../b/c/second (relative to a/), b/c/second -> real (relative to b/c/).
    symlink("real", b.join("second")).unwrap();
    symlink("../b/c/second", a.join("first")).unwrap();

    let applied = apply_edit(&a.join("first"), &EditOptions::new(), add("y")).unwrap();
    assert_eq!(
        fs::canonicalize(&applied.path).unwrap(),
        fs::canonicalize(&target).unwrap()
    );
    assert_eq!(fs::read(&target).unwrap(), b"x\ny\n");
    assert_eq!(
        fs::read_link(a.join("first")).unwrap(),
        Path::new("../b/c/second")
    );
    assert_eq!(fs::read_link(b.join("second")).unwrap(), Path::new("real"));
    assert_eq!(listing(&a), vec!["first"]);
    assert_eq!(listing(&b).len(), 3); // real, second, backup
}

#[test]
fn symlink_loop_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    symlink("b", dir.path().join("a")).unwrap();
    symlink("a", dir.path().join("b")).unwrap();
    let err = apply_edit(&dir.path().join("a"), &EditOptions::new(), add("x")).unwrap_err();
    assert!(matches!(err, EditError::SymlinkLoop { .. }), "{err}");
    assert_eq!(listing(dir.path()), vec!["a", "b"]);
}

#[test]
fn dangling_symlink_target_is_created_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("config");
    symlink("real_config", &link).unwrap();
    let applied = apply_edit(&link, &EditOptions::new().create(0o600), add("Host x")).unwrap();
    assert!(applied.created);
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::read(dir.path().join("real_config")).unwrap(),
        b"Host x\n"
    );
    assert_eq!(mode_of(&dir.path().join("real_config")), 0o600);
}

#[test]
fn modes_0600_and_0644_are_kept_for_file_and_backup() {
    for mode in [0o600, 0o644, 0o640, 0o400 | 0o200] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write_mode(&path, b"a\n", mode);
        let ino_before = fs::metadata(&path).unwrap().ino();
        let applied = apply_edit(&path, &EditOptions::new(), add("b")).unwrap();
        assert_eq!(mode_of(&path), mode, "{mode:o}");
        assert_eq!(mode_of(&applied.backup.unwrap()), mode, "{mode:o}");
        // Really replaced (atomic rename), not rewritten in place.
        assert_ne!(fs::metadata(&path).unwrap().ino(), ino_before);
    }
}

#[test]
fn owner_and_group_are_kept_when_root() {
    if !running_as_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("authorized_keys");
    write_mode(&path, b"a\n", 0o600);
    std::os::unix::fs::chown(&path, Some(1234), Some(5678)).unwrap();
    let applied = apply_edit(&path, &EditOptions::new(), add("b")).unwrap();
    let meta = fs::metadata(&path).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (1234, 5678));
    let backup = fs::metadata(applied.backup.unwrap()).unwrap();
    assert_eq!((backup.uid(), backup.gid()), (1234, 5678));

    // A new file in a user's directory belongs to that user.
    let home = dir.path().join("home");
    fs::create_dir(&home).unwrap();
    std::os::unix::fs::chown(&home, Some(1234), Some(5678)).unwrap();
    let config = home.join(".ssh/config");
    let opts = EditOptions::new().create(0o644).create_dir(0o700);
    apply_edit(&config, &opts, add("Host a")).unwrap();
    for p in [home.join(".ssh"), config] {
        let meta = fs::metadata(&p).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (1234, 5678), "{}", p.display());
    }
}

#[test]
fn creating_a_missing_file_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    let ssh = dir.path().join("home/.ssh");
    let path = ssh.join("config");
    let opts = EditOptions::new().create(0o644).create_dir(0o700);
    let seen = Cell::new(None);
    let applied = apply_edit(&path, &opts, |old| {
        seen.set(Some(old.is_none()));
        Ok::<_, Infallible>(Some(b"Host *\n".to_vec()))
    })
    .unwrap();
    assert_eq!(seen.get(), Some(true));
    assert!(applied.created && applied.changed);
    assert_eq!(applied.backup, None);
    assert!(
        applied.diff.ends_with("@@ -0,0 +1 @@\n+Host *\n"),
        "{}",
        applied.diff
    );
    assert_eq!(fs::read(&path).unwrap(), b"Host *\n");
    assert_eq!(mode_of(&path), 0o644);
    assert_eq!(mode_of(&ssh), 0o700);
    assert_eq!(mode_of(&dir.path().join("home")), 0o700);
    assert_eq!(listing(&ssh), vec!["config"]);
}

#[test]
fn missing_file_or_directory_without_permission_to_create() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let err = apply_edit(&path, &EditOptions::new(), add("x")).unwrap_err();
    assert!(matches!(err, EditError::NotFound { .. }), "{err}");

    let deep = dir.path().join("missing/config");
    let err = apply_edit(&deep, &EditOptions::new().create(0o600), add("x")).unwrap_err();
    assert!(matches!(err, EditError::MissingDirectory { .. }), "{err}");
    assert!(err.to_string().contains("mkdir"), "{err}");
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn concurrent_append_between_read_and_rename_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    write_mode(&path, b"old.example ssh-ed25519 AAAA1\n", 0o600);
    let calls = Cell::new(0);
    let applied = apply_edit(&path, &EditOptions::new(), |old| {
        calls.set(calls.get() + 1);
        if calls.get() == 1 {
            // "ssh" appends a host key while we are computing.
            let mut f = OpenOptions::new().append(true).open(&path).unwrap();
            f.write_all(b"new.example ssh-ed25519 AAAA2\n").unwrap();
        }
        // Remove the old host's key.
        let old = String::from_utf8(old.unwrap().to_vec()).unwrap();
        let kept: String = old
            .split_inclusive('\n')
            .filter(|l| !l.starts_with("old.example "))
            .collect();
        Ok::<_, Infallible>(Some(kept.into_bytes()))
    })
    .unwrap();
    assert_eq!(calls.get(), 2);
    assert_eq!(fs::read(&path).unwrap(), b"new.example ssh-ed25519 AAAA2\n");
    // The backup holds what was replaced, appended line included; only one backup.
    let backup = applied.backup.unwrap();
    assert_eq!(
        fs::read(&backup).unwrap(),
        b"old.example ssh-ed25519 AAAA1\nnew.example ssh-ed25519 AAAA2\n"
    );
    assert_eq!(listing(dir.path()).len(), 2);
    assert!(applied.diff.contains("-old.example ssh-ed25519 AAAA1\n"));
    assert!(applied.diff.contains(" new.example ssh-ed25519 AAAA2\n"));
}

#[test]
fn a_file_that_keeps_changing_is_given_up_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    write_mode(&path, b"a\n", 0o600);
    let calls = Cell::new(0);
    let err = apply_edit(&path, &EditOptions::new(), |old| {
        calls.set(calls.get() + 1);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"more\n").unwrap();
        Ok::<_, Infallible>(Some(append_line(old.unwrap(), "mine")))
    })
    .unwrap_err();
    assert!(
        matches!(err, EditError::TooManyConcurrentChanges { attempts: 5, .. }),
        "{err}"
    );
    assert_eq!(calls.get(), 5);
    // Only the other writer's lines; no backup, no temporary file.
    assert_eq!(
        fs::read(&path).unwrap(),
        b"a\nmore\nmore\nmore\nmore\nmore\n"
    );
    assert_eq!(listing(dir.path()), vec!["known_hosts"]);
}

#[test]
fn read_only_file_is_refused_with_nothing_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    write_mode(&path, b"Host a\n", 0o444);
    let before = fs::metadata(&path).unwrap();
    let err = apply_edit(&path, &EditOptions::new(), add("Host b")).unwrap_err();
    match &err {
        EditError::ReadOnlyFile { path: p, reason } => {
            assert_eq!(p, &path);
            // As root the permission-bit rule applies; otherwise access(2) refuses.
            if running_as_root() {
                assert!(reason.contains("0444"), "{reason}");
            }
        }
        other => panic!("{other}"),
    }
    let message = err.to_string();
    assert!(message.contains(&*path.to_string_lossy()), "{message}");
    assert!(message.contains("nothing was changed"), "{message}");
    assert!(message.contains("chmod u+w"), "{message}");
    let after = fs::metadata(&path).unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"Host a\n");
    assert_eq!((after.ino(), after.mode()), (before.ino(), before.mode()));
    assert_eq!(listing(dir.path()), vec!["config"]);

    // Nothing to change is not an error, read-only or not.
    let applied = apply_edit(&path, &EditOptions::new(), |_| Ok::<_, Infallible>(None)).unwrap();
    assert!(!applied.changed);
}

#[test]
fn read_only_directory_is_refused_with_nothing_changed() {
    let dir = tempfile::tempdir().unwrap();
    let ssh = dir.path().join(".ssh");
    fs::create_dir(&ssh).unwrap();
    let path = ssh.join("known_hosts");
    write_mode(&path, b"a\n", 0o600);
    fs::set_permissions(&ssh, fs::Permissions::from_mode(0o555)).unwrap();
    let err = apply_edit(&path, &EditOptions::new(), add("b")).unwrap_err();
    assert!(
        matches!(&err, EditError::ReadOnlyDir { dir, .. } if dir == &ssh),
        "{err}"
    );
    // Creating a file below a read-only directory is refused before creating anything.
    let new = ssh.join("sub/config");
    let opts = EditOptions::new().create(0o600).create_dir(0o700);
    let err = apply_edit(&new, &opts, add("b")).unwrap_err();
    assert!(
        matches!(&err, EditError::ReadOnlyDir { dir, .. } if dir == &ssh),
        "{err}"
    );
    fs::set_permissions(&ssh, fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"a\n");
    assert_eq!(listing(&ssh), vec!["known_hosts"]);
}

#[test]
fn access_rule_is_used_for_non_root_style_denial() {
    // The access(2) half of the rule: a read-only bind/file system cannot be simulated
    // portably, but `check_writable` must accept a normal writable file and directory.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    write_mode(&path, b"", 0o200);
    check_writable(&path, Some(fs::metadata(&path).unwrap().mode())).unwrap();
}

#[test]
fn non_regular_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    let err = apply_edit(&sub, &EditOptions::new(), add("x")).unwrap_err();
    assert!(
        matches!(
            err,
            EditError::NotRegularFile {
                kind: "directory",
                ..
            }
        ),
        "{err}"
    );

    let fifo = dir.path().join("fifo");
    rustix::fs::mkfifoat(CWD, &fifo, Mode::from_raw_mode(0o600)).unwrap();
    // Must neither block nor write.
    let err = apply_edit(&fifo, &EditOptions::new(), add("x")).unwrap_err();
    assert!(
        matches!(err, EditError::NotRegularFile { kind: "FIFO", .. }),
        "{err}"
    );
    assert_eq!(listing(dir.path()), vec!["fifo", "sub"]);
}

#[test]
fn nothing_to_change_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    write_mode(&path, b"same\n", 0o600);
    let ino = fs::metadata(&path).unwrap().ino();
    for f in [
        &mut |_: Option<&[u8]>| Ok::<_, Infallible>(None) as Result<_, _>,
        &mut |old: Option<&[u8]>| Ok(old.map(<[u8]>::to_vec)),
    ] as [&mut dyn FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>, Infallible>; 2]
    {
        let applied = apply_edit(&path, &EditOptions::new(), f).unwrap();
        assert!(!applied.changed && !applied.created);
        assert_eq!(applied.backup, None);
        assert_eq!(applied.diff, "");
    }
    assert_eq!(fs::metadata(&path).unwrap().ino(), ino);
    assert_eq!(listing(dir.path()), vec!["config"]);
}

#[test]
fn compute_error_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new/config");
    let opts = EditOptions::new().create(0o600).create_dir(0o700);
    let err = apply_edit(&path, &opts, |_| Err::<Option<Vec<u8>>, _>("bad pattern")).unwrap_err();
    assert!(matches!(err, EditError::Compute { .. }));
    assert!(err.to_string().contains("bad pattern"), "{err}");
    assert!(listing(dir.path()).is_empty());

    let err = apply_edit(&path, &opts, |_| {
        Err::<Option<Vec<u8>>, _>(anyhow::anyhow!("anyhow works too"))
    })
    .unwrap_err();
    assert!(err.to_string().contains("anyhow works too"), "{err}");
}

#[test]
fn no_temp_files_after_failure_late_in_the_procedure() {
    // The file is replaced by a directory between the read and the rename: the
    // re-read fails, and the backup and temporary file must both be gone.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    write_mode(&path, b"a\n", 0o600);
    let err = apply_edit(&path, &EditOptions::new(), |old| {
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        Ok::<_, Infallible>(Some(append_line(old.unwrap(), "b")))
    })
    .unwrap_err();
    assert!(matches!(err, EditError::NotRegularFile { .. }), "{err}");
    assert_eq!(listing(dir.path()), vec!["config"]);
}

#[test]
fn file_created_concurrently_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let calls = Cell::new(0);
    let opts = EditOptions::new().create(0o600);
    let applied = apply_edit(&path, &opts, |old| {
        calls.set(calls.get() + 1);
        if calls.get() == 1 {
            assert!(old.is_none());
            write_mode(&path, b"theirs\n", 0o600);
        }
        Ok::<_, Infallible>(Some(append_line(old.unwrap_or_default(), "mine")))
    })
    .unwrap();
    assert_eq!(calls.get(), 2);
    assert!(!applied.created);
    assert_eq!(fs::read(&path).unwrap(), b"theirs\nmine\n");
    assert_eq!(fs::read(applied.backup.unwrap()).unwrap(), b"theirs\n");
}

#[test]
fn preview_then_apply() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    write_mode(&path, b"a\n", 0o600);
    let opts = EditOptions::new();
    let edit = preview_edit(&path, &opts, add("b")).unwrap().unwrap();
    assert_eq!(edit.old.as_deref(), Some(&b"a\n"[..]));
    assert!(
        edit.diff().ends_with("@@ -1 +1,2 @@\n a\n+b\n"),
        "{}",
        edit.diff()
    );
    assert_eq!(listing(dir.path()), vec!["config"]);
    assert_eq!(
        preview_edit(&path, &opts, |_| Ok::<_, Infallible>(None)).unwrap(),
        None
    );

    let applied = edit.apply(&opts).unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"a\nb\n");
    assert_eq!(applied.diff, edit.diff());
    // Applying again: the file no longer matches the preview.
    let err = edit.apply(&opts).unwrap_err();
    assert!(
        matches!(err, EditError::ChangedSincePreview { .. }),
        "{err}"
    );
    assert_eq!(fs::read(&path).unwrap(), b"a\nb\n");
    assert_eq!(listing(dir.path()).len(), 2);
}

#[test]
fn set_mode_repairs_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id_ed25519");
    write_mode(&key, b"secret\n", 0o644);
    assert_eq!(set_mode(&key, 0o600).unwrap(), Some((0o644, 0o600)));
    assert_eq!(mode_of(&key), 0o600);
    assert_eq!(set_mode(&key, 0o600).unwrap(), None);
    assert!(matches!(
        set_mode(&key, 0o100_600),
        Err(EditError::InvalidMode { .. })
    ));
    assert!(matches!(
        set_mode(&dir.path().join("missing"), 0o600),
        Err(EditError::NotFound { .. })
    ));
    // Through a symlink, the target's mode changes.
    let link = dir.path().join("link");
    symlink(&key, &link).unwrap();
    assert_eq!(set_mode(&link, 0o400).unwrap(), Some((0o600, 0o400)));
    assert_eq!(mode_of(&key), 0o400);
}

#[test]
fn shell_quoting() {
    assert_eq!(
        shell_quote("plain-word_1.2/x@y:z,%+="),
        "plain-word_1.2/x@y:z,%+="
    );
    assert_eq!(shell_quote(""), "''");
    assert_eq!(shell_quote("a b"), "'a b'");
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
    assert_eq!(shell_quote("~/.ssh"), "'~/.ssh'");
    assert_eq!(shell_quote("=ls"), "'=ls'");
    assert_eq!(shell_quote("$(rm -rf /)`x`\n*"), "'$(rm -rf /)`x`\n*'");
    assert_eq!(shell_quote("'"), r"''\'''");
    assert_eq!(shell_quote("é"), "'é'");
}

#[test]
fn shell_quote_round_trips_through_sh() {
    let Ok(out) = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "printf '%s\\0' {} {} {}",
            shell_quote("a'b\"c$d`e\\f g\nh"),
            shell_quote(""),
            shell_quote("--x")
        ))
        .output()
    else {
        return; // no sh
    };
    assert_eq!(out.stdout, b"a'b\"c$d`e\\f g\nh\0\0--x\0");
}

#[test]
fn timestamps_are_utc_civil_time() {
    assert_eq!(timestamp(UNIX_EPOCH), "19700101T000000");
    assert_eq!(
        timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)),
        "20000229T000000"
    );
    assert_eq!(
        timestamp(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
        "20231114T221320"
    );
    assert_eq!(
        timestamp(UNIX_EPOCH + Duration::from_secs(4_102_444_799)),
        "20991231T235959"
    );
}
