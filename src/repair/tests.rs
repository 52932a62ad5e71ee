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
