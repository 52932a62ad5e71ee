//! Unit tests of applying repairs: appends, removals, several files, permissions.
use super::*;

#[test]
fn append_creates_and_is_idempotent_and_remove_keeps_other_names() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sub").join("known_hosts");
    let line =
        "[h]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFSod2qGxYM4T/ZbDUm9HbZjQ3rmcQOYx4nIUsWVh6sx"
            .to_string();
    let r = Repair::KnownHostsAppend {
        file: file.clone(),
        line: line.clone(),
    };
    apply(&r).unwrap();
    apply(&r).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), format!("{line}\n"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o644
    );
    assert_eq!(
        std::fs::metadata(file.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    std::fs::write(&file, format!("# keep\n[h]:2222,other {}\n", &line[9..])).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let applied = apply(&Repair::KnownHostsRemove {
        name: "[h]:2222".into(),
        files: vec![file.clone()],
    })
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("# keep\nother {}\n", &line[9..])
    );
    let backup = applied[0].backup.as_ref().expect("a backup");
    assert!(std::fs::read_to_string(backup)
        .unwrap()
        .contains("[h]:2222,other"));
}

/// A known_hosts file holding `[h]:2222` (to be removed) and another host.
fn known_hosts_with_stale_entry(path: &std::path::Path) -> String {
    let text = "[h]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFSod2qGxYM4T/ZbDUm9HbZjQ3rmcQOYx4nIUsWVh6sx\nother ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFSod2qGxYM4T/ZbDUm9HbZjQ3rmcQOYx4nIUsWVh6sx\n".to_string();
    std::fs::write(path, &text).unwrap();
    text
}

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_read_only_second_file_stops_the_change_before_any_file_is_touched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("kh1"), dir.path().join("kh2"));
    let text = known_hosts_with_stale_entry(&first);
    known_hosts_with_stale_entry(&second);
    // No write permission bit: read-only for root too (fsedit's read-only rule).
    std::fs::set_permissions(&second, std::fs::Permissions::from_mode(0o444)).unwrap();
    let err = apply(&Repair::KnownHostsRemove {
        name: "[h]:2222".into(),
        files: vec![first.clone(), second.clone()],
    })
    .unwrap_err();
    assert!(
        matches!(err, EditError::ReadOnlyFile { ref path, .. } if *path == second),
        "{err}"
    );
    assert!(err.to_string().contains("nothing was changed"), "{err}");
    assert_eq!(std::fs::read_to_string(&first).unwrap(), text);
    assert_eq!(
        names_in(dir.path()),
        ["kh1", "kh2"],
        "no backup, no temporary file"
    );
}

#[test]
fn a_failure_after_the_first_file_was_changed_says_exactly_what_was_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("kh1"), dir.path().join("kh2"));
    let text = known_hosts_with_stale_entry(&first);
    known_hosts_with_stale_entry(&second);
    // A full disk at the second file's rename: no check made beforehand can foresee it.
    fsedit::fail_next_rename_onto(&second);
    let err = apply(&Repair::KnownHostsRemove {
        name: "[h]:2222".into(),
        files: vec![first.clone(), second.clone()],
    })
    .unwrap_err();
    let EditError::Partial { done, error } = &err else {
        panic!("{err}");
    };
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].path, first);
    assert!(matches!(**error, EditError::Io { .. }), "{error}");
    let message = err.to_string();
    let backup = done[0].backup.clone().unwrap();
    assert!(
        message.contains(&format!(
            "Changed {} (backup: {})",
            first.display(),
            backup.display()
        )),
        "{message}"
    );
    assert!(message.contains(&second.display().to_string()), "{message}");
    assert!(message.contains("No space left on device"), "{message}");
    assert!(
        !message.contains("nothing was changed"),
        "never the opposite of the truth: {message}"
    );
    // What the message says is what happened.
    assert!(!std::fs::read_to_string(&first)
        .unwrap()
        .contains("[h]:2222"));
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), text);
    assert_eq!(std::fs::read_to_string(&second).unwrap(), text);
    assert_eq!(
        names_in(dir.path()).len(),
        3,
        "kh1, its backup, kh2: no temporary file"
    );
}

/// A finding offering `permissions.fix` for one path.
fn permission_finding(
    id: &str,
    path: &std::path::Path,
    now: u32,
    want: u32,
) -> crate::event::Finding {
    let mut f = crate::findings::finding(id, crate::event::Stage::Config, "test");
    f.actions
        .extend(permissions_action(&[(path.to_path_buf(), now, want)]));
    f
}

#[test]
fn permissions_fix_covers_every_listed_path_in_one_change() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ssh = dir.path().join(".ssh");
    std::fs::create_dir(&ssh).unwrap();
    let (key, config) = (ssh.join("id_ed25519"), ssh.join("config"));
    std::fs::write(&key, "key").unwrap();
    std::fs::write(&config, "Host *\n").unwrap();
    let chmod = |p: &std::path::Path, m| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    chmod(&key, 0o644);
    chmod(&config, 0o664);
    chmod(&ssh, 0o777);
    let findings = vec![
        permission_finding("config.bad_permissions", &config, 0o664, 0o600),
        permission_finding("local.ssh_dir_permissions", &ssh, 0o777, 0o700),
        permission_finding("key.unprotected", &key, 0o644, 0o600),
    ];
    // Picked from the key's finding, it still covers all three: ~/.ssh first, then the key.
    let action = prepare(&findings[2].actions[0], &findings);
    let shown: Vec<&str> = action.preview.lines().collect();
    assert_eq!(
        shown,
        [
            format!("{}: mode 0777 → 0700", ssh.display()),
            format!("{}: mode 0644 → 0600", key.display()),
            format!("{}: mode 0664 → 0600", config.display()),
        ]
    );
    assert!(action.title.ends_with("(3 paths)"), "{}", action.title);
    assert_eq!(
        action.command.matches("chmod ").count(),
        3,
        "{}",
        action.command
    );
    let applied = apply(action.repair.as_ref().unwrap()).unwrap();
    assert_eq!(
        (mode(&ssh), mode(&config), mode(&key)),
        (0o700, 0o600, 0o600)
    );
    let summaries: Vec<String> = applied.iter().map(|a| a.summary()).collect();
    assert_eq!(summaries[1], format!("{}: mode 0644 → 0600", key.display()));
    assert!(applied.iter().all(|a| a.backup.is_none() && a.changed));
    // Offered again now: nothing left to change.
    let again = prepare(&findings[0].actions[0], &findings);
    assert!(
        again.preview.contains("nothing to change"),
        "{}",
        again.preview
    );
    assert!(apply(again.repair.as_ref().unwrap()).unwrap().is_empty());
}

#[test]
fn an_edit_of_a_hard_linked_file_says_so_before_and_after() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("known_hosts");
    let other = dir.path().join("elsewhere");
    let text = known_hosts_with_stale_entry(&file);
    std::fs::hard_link(&file, &other).unwrap();
    let offer = ActionOffer {
        title_text: None,
        id: "known_hosts.remove".into(),
        title: "Remove".into(),
        preview: "--- a/x\n".into(),
        command: String::new(),
        repair: Some(Repair::KnownHostsRemove {
            name: "[h]:2222".into(),
            files: vec![file.clone()],
        }),
    };
    let action = prepare(&offer, &[]);
    assert!(
        action.preview.starts_with("--- a/x\n# note: "),
        "{}",
        action.preview
    );
    assert!(
        action.preview.contains("has 2 hard links"),
        "{}",
        action.preview
    );
    assert!(
        action
            .preview
            .contains("the other 1 link(s) keep the old content"),
        "{}",
        action.preview
    );
    let applied = apply(action.repair.as_ref().unwrap()).unwrap();
    assert_eq!(std::fs::read_to_string(&other).unwrap(), text);
    assert!(applied[0]
        .summary()
        .contains("1 other hard link(s) still have the old content"));
    // A file with one link gets no note.
    assert_eq!(prepare(&offer, &[]).preview, "--- a/x\n");
}
