//! The issue-4 repairs end to end against a real sshd: each `--fix` turns the next run green,
//! and the real OpenSSH client agrees afterwards.

mod common;

use common::sshd::{KeyKind, Sshd};
use common::{sshdoctor, Home, Report};
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A server allowing 6 attempts, a fixture home whose config has a `Host target` block for it
/// (known host key, no agent) followed by `extra` lines inside the block.
fn setup(extra: &str) -> (Sshd, Home, String) {
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config("MaxAuthTries 6\n")
        .start();
    let home = Home::new();
    let kh = home.write_file(
        ".ssh/known_hosts_test",
        &format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    );
    let user = current_user();
    home.write_config(&format!(
        "Host target\n    HostName 127.0.0.1\n    Port {}\n    User {user}\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n    IdentityAgent none\n{extra}",
        sshd.port(),
        kh.display()
    ));
    (sshd, home, user)
}

fn run(home: &Home, extra: &[&str]) -> Report {
    let mut args = vec![
        "--report".to_string(),
        "json".into(),
        "-F".into(),
        home.config_path().display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push("target".into());
    sshdoctor().home(home).raw().args(&args).run()
}

fn action_ids(report: &Report, finding: &str) -> Vec<String> {
    report.json()["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["id"] == finding)
        .flat_map(|f| f["actions"].as_array().cloned().unwrap_or_default())
        .map(|a| a["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The real ssh, with the fixture config, logs in and runs a command.
fn real_ssh_logs_in(home: &Home) -> bool {
    let out = Command::new("ssh")
        .args(["-F"])
        .arg(home.config_path())
        .args(["-o", "BatchMode=yes", "target", "echo LOGIN-OK"])
        .env("HOME", home.path())
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .expect("run ssh");
    String::from_utf8_lossy(&out.stdout).contains("LOGIN-OK")
}

fn assert_green(report: &Report) {
    assert_eq!(
        report.code,
        Some(0),
        "the run after the fix is green\n{}",
        report.dump()
    );
    assert!(report.error_ids().is_empty(), "{}", report.dump());
}

#[test]
fn seven_keys_then_identities_only_fix_logs_in() {
    let (sshd, home, user) = setup("");
    let mut lines = String::new();
    let mut key_lines = Vec::new();
    for i in 1..=7 {
        let path = home.generate_key(KeyKind::Ed25519, &format!("k{i}"));
        key_lines.push(format!("    IdentityFile {}\n", path.display()));
        lines.push_str(&key_lines[i - 1]);
    }
    sshd.authorize(&user, &home.public_key("k7"));
    let config = std::fs::read_to_string(home.config_path()).unwrap() + &lines;
    home.write_config(&config);
    assert!(!real_ssh_logs_in(&home), "ssh itself fails before the fix");

    let before = run(&home, &[]);
    before.assert_first_error("auth.too_many_failures");
    let text = before.finding_text("auth.too_many_failures");
    assert!(
        text.contains("allows 6") && text.contains("k7"),
        "{}",
        before.dump()
    );
    assert_eq!(
        action_ids(&before, "auth.too_many_failures"),
        ["config.identities_only"]
    );

    let fixed = run(&home, &["--fix", "config.identities_only", "--yes"]);
    assert_green(&fixed);
    // The `Host target` block is edited where it is: IdentitiesOnly yes and k7's line moved
    // before the other keys; every other byte kept, no second block, no key listed twice.
    let after = std::fs::read_to_string(home.config_path()).unwrap();
    let head = config.strip_suffix(&lines).unwrap();
    let want = format!(
        "{head}    # added by sshdoctor: offer only the key the server accepts\n    IdentitiesOnly yes\n{}{}",
        key_lines[6],
        key_lines[..6].concat()
    );
    assert_eq!(after, want);
    assert!(
        real_ssh_logs_in(&home),
        "the real ssh logs in after the fix"
    );
}

#[test]
fn unprotected_key_then_permissions_fix_logs_in() {
    let (sshd, home, user) = setup("");
    let key = home.generate_key(KeyKind::Ed25519, "id_test");
    sshd.authorize(&user, &home.public_key("id_test"));
    let config = std::fs::read_to_string(home.config_path()).unwrap()
        + &format!("    IdentityFile {}\n", key.display());
    home.write_config(&config);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();

    let before = run(&home, &[]);
    before.assert_first_error("key.unprotected");
    assert_eq!(action_ids(&before, "key.unprotected"), ["permissions.fix"]);

    let fixed = run(&home, &["--fix", "permissions.fix", "--yes"]);
    assert_green(&fixed);
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(real_ssh_logs_in(&home));
}

#[test]
fn stale_identity_file_then_identity_path_fix_logs_in() {
    let (sshd, home, user) = setup("");
    let moved = home.generate_key(KeyKind::Ed25519, "id_moved");
    sshd.authorize(&user, &home.public_key("id_moved"));
    let stale = home.ssh_dir().join("id_old_location");
    let config = std::fs::read_to_string(home.config_path()).unwrap()
        + &format!("    IdentityFile {}\n", stale.display());
    home.write_config(&config);

    let before = run(&home, &[]);
    before.assert_first_error("key.missing");
    let text = before.finding_text("key.missing");
    assert!(
        text.contains(".ssh/config line 8"),
        "the finding quotes the config line:\n{}",
        before.dump()
    );
    assert_eq!(action_ids(&before, "key.missing"), ["config.identity_path"]);

    let fixed = run(&home, &["--fix", "config.identity_path", "--yes"]);
    assert_green(&fixed);
    let after = std::fs::read_to_string(home.config_path()).unwrap();
    assert!(
        !after.contains("id_old_location") && after.contains(&moved.display().to_string()),
        "{after}"
    );
    assert!(real_ssh_logs_in(&home));
}
