//! Config file permissions judged by the installed client's rules, with the real ssh as the
//! oracle: Debian's ssh (patch user-group-modes) accepts an included config file writable by
//! the user's own private group, and refuses other groups, empty groups and world write;
//! keys are not covered by that patch. Run as root (files are given other groups with chown);
//! skipped otherwise or without ssh.

use std::os::unix::fs::{chown, PermissionsExt};
use std::path::Path;
use std::process::Command;

use sshdoctor::config::{self, ConfigInput};
use sshdoctor::identities::{local_problems, LocalProblemKind, PermRules};

fn gid_of(group: &str) -> Option<u32> {
    std::fs::read_to_string("/etc/group")
        .ok()?
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 2 && f[0] == group).then(|| f[2].parse().ok())?
        })
}

fn ssh_accepts(home: &Path, cfg: &Path) -> (bool, String) {
    let out = Command::new("ssh")
        .args(["-G", "-F"])
        .arg(cfg)
        .arg("h")
        .env("HOME", home)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run ssh");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn installed_rules() -> PermRules {
    PermRules::for_client(
        sshdoctor::algorithms::installed_openssh()
            .map(|(t, _)| t)
            .as_deref(),
    )
}

#[test]
fn group_writable_config_follows_the_installed_client() {
    let root = config::local_uid() == 0;
    if !root || Command::new("ssh").arg("-V").output().is_err() {
        println!("note: needs root and ssh; skipped");
        return;
    }
    let rules = installed_rules();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let inc = home.join("inc.conf");
    let cfg = home.join("main.conf");
    std::fs::write(&cfg, format!("Include {}\n", inc.display())).unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(&inc, "Port 2222\n").unwrap();
    // (group, mode): root's group is root's private group (only root has it, no members);
    // daemon is another user's primary group; staff has nobody.
    let cases: Vec<(&str, u32)> = vec![
        ("root", 0o660),
        ("root", 0o662),
        ("daemon", 0o660),
        ("staff", 0o660),
        ("root", 0o600),
    ];
    let mut compared = 0;
    for (group, mode) in cases {
        let Some(gid) = gid_of(group) else { continue };
        chown(&inc, Some(0), Some(gid)).unwrap();
        std::fs::set_permissions(&inc, std::fs::Permissions::from_mode(mode)).unwrap();
        let (ssh_ok, stderr) = ssh_accepts(home, &cfg);
        let input = ConfigInput {
            host: "h".into(),
            user_config: Some(cfg.clone()),
            home: home.to_path_buf(),
            local_user: "root".into(),
            local_hostname: "box".into(),
            ..ConfigInput::default()
        };
        let r = config::resolve(&input);
        let problems = local_problems(&r, rules);
        let refused = problems
            .iter()
            .any(|p| matches!(p.kind, LocalProblemKind::ConfigBadPermissions { .. }));
        let accepted_group_write = problems
            .iter()
            .any(|p| matches!(p.kind, LocalProblemKind::ConfigGroupWritableAccepted { .. }));
        assert_eq!(
            refused, !ssh_ok,
            "group {group} mode {mode:o}: ssh says {stderr:?}, sshdoctor {problems:?}"
        );
        if !ssh_ok {
            assert!(stderr.contains("Bad owner or permissions"), "{stderr}");
        }
        if ssh_ok && mode & 0o020 != 0 {
            assert!(accepted_group_write, "{problems:?}");
        }
        compared += 1;
    }
    assert!(compared >= 4);
    // Upstream OpenSSH refuses any group write.
    let gid = gid_of("root").unwrap();
    chown(&inc, Some(0), Some(gid)).unwrap();
    std::fs::set_permissions(&inc, std::fs::Permissions::from_mode(0o660)).unwrap();
    let input = ConfigInput {
        host: "h".into(),
        user_config: Some(cfg.clone()),
        home: home.to_path_buf(),
        ..ConfigInput::default()
    };
    let problems = local_problems(&config::resolve(&input), PermRules::Upstream);
    assert!(matches!(
        problems[0].kind,
        LocalProblemKind::ConfigBadPermissions { mode: 0o660, .. }
    ));
}

#[test]
fn a_private_key_readable_by_the_private_group_is_still_refused() {
    if Command::new("ssh-keygen").arg("-?").output().is_err() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id");
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    // Debian's patch does not touch sshkey_perm_ok: ssh-keygen (and ssh) refuse the key.
    let out = Command::new("ssh-keygen")
        .arg("-y")
        .arg("-f")
        .arg(&key)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("UNPROTECTED PRIVATE KEY FILE"));
    let err = sshdoctor::identities::load_unencrypted_private(&key).unwrap_err();
    assert!(err.contains("UNPROTECTED PRIVATE KEY FILE"), "{err}");
}
