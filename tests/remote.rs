//! The remote stage against a real sshd with StrictModes on, logging in as the dedicated test
//! account (see tests/common/user.rs): permissions sshd refuses (found, then fixed over SFTP
//! with `--fix remote.permissions.fix`), a key that is not installed, a line sshd cannot parse,
//! a full home filesystem, `sshd -T` where the account may run it, and the guided first login
//! offered when there is no key at all.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::sshd::{KeyKind, Sshd};
use common::user::{test_user, TestUser, NAME};
use common::{sshdoctor, Home, Report};

fn server(u: &TestUser) -> Sshd {
    Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(&u.sshd_config())
        .start()
}

fn known_hosts(sshd: &Sshd, home: &Home) -> PathBuf {
    home.write_file(
        ".ssh/known_hosts",
        &format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    )
}

/// The probe's arguments: the server's port, its host key known, no agent, these keys in order.
fn args(sshd: &Sshd, home: &Home, keys: &[&Path]) -> Vec<String> {
    let kh = known_hosts(sshd, home);
    let mut a: Vec<String> = vec![
        "-p".into(),
        sshd.port().to_string(),
        "-o".into(),
        format!("UserKnownHostsFile={}", kh.display()),
        "-o".into(),
        "GlobalKnownHostsFile=/dev/null".into(),
        "-o".into(),
        "IdentityAgent=none".into(),
    ];
    for k in keys {
        a.push("-i".into());
        a.push(k.display().to_string());
    }
    a.push(format!("{NAME}@127.0.0.1"));
    a
}

fn probe(sshd: &Sshd, home: &Home, keys: &[&Path]) -> Report {
    sshdoctor()
        .home(home)
        .args(&args(sshd, home, keys))
        .run_report()
}

/// `--fix remote.permissions.fix --yes` with the same arguments as [`probe`].
fn fix(sshd: &Sshd, home: &Home, keys: &[&Path]) -> Report {
    sshdoctor()
        .home(home)
        .args(&["--fix", "remote.permissions.fix", "--yes"])
        .args(&args(sshd, home, keys))
        .run()
}

/// A fresh key pair in the fixture home: (private path, public line).
fn key(home: &Home, name: &str) -> (PathBuf, String) {
    let path = home.generate_key(KeyKind::Ed25519, name);
    (path, home.public_key(name))
}

/// The real ssh, offering only `key`, runs `true` as the test account.
fn ssh_logs_in(sshd: &Sshd, home: &Home, key: &Path) -> bool {
    home.ssh_command()
        .args([
            "-p",
            &sshd.port().to_string(),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "IdentityAgent=none",
            "-i",
        ])
        .arg(key)
        .arg(format!("{NAME}@127.0.0.1"))
        .arg("true")
        .status()
        .expect("run ssh")
        .success()
}

#[test]
fn a_healthy_account_passes_the_remote_stage() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    let (k, line) = key(&home, "id_wanted");
    u.authorize(&line);
    let r = probe(&sshd, &home, &[&k]);
    r.assert_exit(0);
    r.assert_statuses(&[("auth", "pass"), ("session", "pass"), ("remote", "pass")]);
    for id in r.finding_ids() {
        assert!(!id.starts_with("remote."), "unexpected {id}\n{}", r.dump());
    }
    let log = r.log_text();
    assert!(
        log.contains("sftp: home /home/sshdoctor-test"),
        "{}",
        r.dump()
    );
    assert!(
        log.contains("/home/sshdoctor-test/.ssh/authorized_keys: 1 key(s)"),
        "{}",
        r.dump()
    );
}

#[test]
fn a_group_writable_ssh_dir_is_found_and_fixed_over_sftp() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    let (wanted, wanted_line) = key(&home, "id_wanted");
    let (rescue, rescue_line) = key(&home, "id_rescue");
    u.authorize(&wanted_line);
    u.chmod(&u.ssh_dir(), 0o775);
    u.chgrp_shared(&u.ssh_dir());
    u.authorize_outside(&rescue_line);
    assert!(
        !ssh_logs_in(&sshd, &home, &wanted),
        "sshd's StrictModes should refuse the key"
    );

    let r = probe(&sshd, &home, &[&wanted, &rescue]);
    r.assert_exit(1);
    r.assert_first_error("remote.ssh_dir_permissions");
    let evidence = r.evidence("remote.ssh_dir_permissions").join("\n");
    assert!(
        evidence.contains("/home/sshdoctor-test/.ssh: mode 0775"),
        "{}",
        r.dump()
    );
    assert!(
        evidence.contains(
            "id_wanted is in /home/sshdoctor-test/.ssh/authorized_keys line 1, yet sshd refused it"
        ),
        "{}",
        r.dump()
    );
    let actions = &r.finding("remote.ssh_dir_permissions")["actions"];
    assert_eq!(actions[0]["id"], "remote.permissions.fix", "{}", r.dump());
    assert!(
        actions[0]["preview"]
            .as_str()
            .unwrap()
            .contains("/home/sshdoctor-test/.ssh: mode 0775 -> 0755"),
        "{}",
        r.dump()
    );
    assert_eq!(u.mode(&u.ssh_dir()), 0o775, "a report changes nothing");

    let fixed = fix(&sshd, &home, &[&wanted, &rescue]);
    assert!(
        fixed
            .stderr
            .contains("Changed the mode of /home/sshdoctor-test/.ssh on the server: 0775 -> 0755"),
        "{}",
        fixed.dump()
    );
    assert_eq!(u.mode(&u.ssh_dir()), 0o755);
    assert!(
        ssh_logs_in(&sshd, &home, &wanted),
        "after the fix the real ssh logs in with the key"
    );
    let after = probe(&sshd, &home, &[&wanted, &rescue]);
    after.assert_exit(0);
    after.assert_statuses(&[("remote", "pass")]);
}

/// Debian's sshd accepts a path writable only by the user's own private group: a warning that
/// says so, not an error.
#[test]
fn a_private_group_writable_ssh_dir_is_a_warning_where_sshd_accepts_it() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    let (wanted, wanted_line) = key(&home, "id_wanted");
    u.authorize(&wanted_line);
    u.chmod(&u.ssh_dir(), 0o770);
    let sshd_accepts = ssh_logs_in(&sshd, &home, &wanted);
    let r = probe(&sshd, &home, &[&wanted]);
    let f = r.finding("remote.ssh_dir_permissions");
    assert_eq!(f["severity"], "warning", "{}", r.dump());
    if sshd_accepts {
        assert!(
            r.finding_text("remote.ssh_dir_permissions")
                .contains("private group"),
            "{}",
            r.dump()
        );
        r.assert_exit(0);
    }
}

/// A key logging in from authorized_keys proves nothing about authorized_keys2: a file sshd
/// refuses beside the one that works is still an error.
#[test]
fn a_refused_file_beside_the_one_that_logs_in_is_still_an_error() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    let (wanted, wanted_line) = key(&home, "id_wanted");
    let (_, other_line) = key(&home, "id_other");
    u.authorize(&wanted_line);
    let second = u.write(
        ".ssh/authorized_keys2",
        format!("{other_line}\n").as_bytes(),
        0o664,
    );
    u.chgrp_shared(&second);
    let r = probe(&sshd, &home, &[&wanted]);
    r.assert_statuses(&[("auth", "pass")]);
    let f = r.finding("remote.authorized_keys_permissions");
    assert_eq!(f["severity"], "error", "{}", r.dump());
    assert!(
        r.evidence("remote.authorized_keys_permissions")
            .join("\n")
            .contains("/home/sshdoctor-test/.ssh/authorized_keys2: mode 0664"),
        "{}",
        r.dump()
    );
    r.assert_exit(1);
}

/// A path the account does not own cannot be fixed by the account's chmod: reported, with no
/// chmod offered for it.
#[test]
fn a_root_owned_writable_ssh_dir_is_reported_but_not_offered_to_the_account() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    let (wanted, wanted_line) = key(&home, "id_wanted");
    let (rescue, rescue_line) = key(&home, "id_rescue");
    u.authorize(&wanted_line);
    std::os::unix::fs::chown(u.ssh_dir(), Some(0), Some(0)).unwrap();
    u.chmod(&u.ssh_dir(), 0o777);
    u.authorize_outside(&rescue_line);
    let r = probe(&sshd, &home, &[&wanted, &rescue]);
    r.assert_exit(1);
    let f = r.finding("remote.ssh_dir_permissions");
    assert_eq!(f["severity"], "error", "{}", r.dump());
    let offered = f["actions"].as_array().map_or(0, |a| {
        a.iter()
            .filter(|a| a["id"] == "remote.permissions.fix")
            .count()
    });
    assert_eq!(offered, 0, "{}", r.dump());
    let fixed = fix(&sshd, &home, &[&wanted, &rescue]);
    assert_ne!(fixed.code, Some(0), "{}", fixed.dump());
    assert_eq!(u.mode(&u.ssh_dir()), 0o777);
}

#[test]
fn a_world_writable_home_and_a_group_writable_file_are_found_and_fixed() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    let (wanted, wanted_line) = key(&home, "id_wanted");
    let (rescue, rescue_line) = key(&home, "id_rescue");
    let ak = u.write(
        ".ssh/authorized_keys",
        format!("{wanted_line}\n").as_bytes(),
        0o664,
    );
    u.chgrp_shared(&ak);
    u.chmod(&u.home, 0o777);
    u.authorize_outside(&rescue_line);

    let r = probe(&sshd, &home, &[&wanted, &rescue]);
    r.assert_exit(1);
    let ids = r.error_ids();
    assert!(
        ids.contains(&"remote.home_permissions".to_string()),
        "{}",
        r.dump()
    );
    assert!(
        ids.contains(&"remote.authorized_keys_permissions".to_string()),
        "{}",
        r.dump()
    );
    assert!(
        r.evidence("remote.home_permissions")
            .join("\n")
            .contains("/home/sshdoctor-test: mode 0777"),
        "{}",
        r.dump()
    );

    let fixed = fix(&sshd, &home, &[&wanted, &rescue]);
    fixed.assert_exit(0);
    assert_eq!(u.mode(&u.home), 0o755);
    assert_eq!(u.mode(&ak), 0o644);
    assert_eq!(u.mode(&u.ssh_dir()), 0o700, "only what was wrong changes");
    assert!(ssh_logs_in(&sshd, &home, &wanted));
}

#[test]
fn a_key_that_is_not_installed_is_named_when_another_key_logs_in() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    let (wanted, _) = key(&home, "id_wanted");
    let (rescue, rescue_line) = key(&home, "id_rescue");
    u.write(
        ".ssh/authorized_keys",
        format!("# keys\n{rescue_line}\n").as_bytes(),
        0o600,
    );
    let fp = fingerprint(&wanted);

    let r = probe(&sshd, &home, &[&wanted, &rescue]);
    let f = r.finding("remote.key_not_installed");
    assert_eq!(
        f["severity"],
        "warning",
        "another key logs in\n{}",
        r.dump()
    );
    let evidence = r.evidence("remote.key_not_installed").join("\n");
    assert!(evidence.contains(&fp), "{}", r.dump());
    assert!(
        evidence.contains("/home/sshdoctor-test/.ssh/authorized_keys: 1 key(s), none of them"),
        "{}",
        r.dump()
    );
    assert!(
        r.finding_text("remote.key_not_installed")
            .contains("ssh-copy-id"),
        "{}",
        r.dump()
    );
}

#[test]
fn a_key_pasted_with_line_breaks_is_reported_line_by_line() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    let (wanted, wanted_line) = key(&home, "id_wanted");
    let (rescue, rescue_line) = key(&home, "id_rescue");
    let (head, tail) = wanted_line.split_at(40);
    let content = format!("{rescue_line}\n{head}\n{tail}\n");
    let ak = u.write(".ssh/authorized_keys", content.as_bytes(), 0o600);

    let r = probe(&sshd, &home, &[&wanted, &rescue]);
    let evidence = r.evidence("remote.authorized_keys_malformed").join("\n");
    assert!(
        evidence.contains("/home/sshdoctor-test/.ssh/authorized_keys:2:"),
        "{}",
        r.dump()
    );
    assert!(
        evidence.contains("/home/sshdoctor-test/.ssh/authorized_keys:3:"),
        "{}",
        r.dump()
    );
    // sshd agrees: the broken key does not log in.
    assert!(!ssh_logs_in(&sshd, &home, &wanted));
    assert_eq!(fs::read(&ak).unwrap(), content.as_bytes(), "read-only");
}

/// A tmpfs mounted over the test account's home, filled up; unmounted on drop.
struct FullHome<'a> {
    u: &'a TestUser,
}

impl Drop for FullHome<'_> {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.u.home).status();
    }
}

#[test]
fn a_full_home_filesystem_is_reported() {
    let Some(u) = test_user() else { return };
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o"])
        .arg(format!("size=256k,mode=0755,uid={},gid={}", u.uid, u.gid))
        .arg("tmpfs")
        .arg(&u.home)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        assert!(
            std::env::var_os("SSHDOCTOR_TEST_TMPFS").is_none(),
            "mounting a tmpfs failed although .ci/run found it possible"
        );
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    }
    let _full = FullHome { u: &u };
    let sshd = server(&u);
    let home = Home::new();
    let (k, line) = key(&home, "id_wanted");
    u.authorize(&line);
    // Fill what is left.
    let filler = u.home.join("filler");
    let _ = fs::write(&filler, vec![0u8; 1 << 20]);
    let r = probe(&sshd, &home, &[&k]);
    let f = r.finding("remote.disk_full");
    assert!(
        r.evidence("remote.disk_full")
            .join("\n")
            .contains("statvfs /home/sshdoctor-test"),
        "{f}\n{}",
        r.dump()
    );
}

#[test]
fn sshd_t_of_the_system_sshd_is_shown_but_not_used_for_a_server_on_another_port() {
    // Logging in as root (the harness's own account setup), who may run `sshd -T`.
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let (k, line) = key(&home, "id_root");
    let me = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
    let me = me.trim();
    sshd.authorize(me, &line);
    let kh = known_hosts(&sshd, &home);
    let r = sshdoctor()
        .home(&home)
        .args(&[
            "-p",
            &sshd.port().to_string(),
            "-o",
            &format!("UserKnownHostsFile={}", kh.display()),
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "IdentityAgent=none",
            "-i",
            &k.display().to_string(),
            &format!("{me}@127.0.0.1"),
        ])
        .run_report();
    r.assert_exit(0);
    let sshd_t = Command::new("/usr/sbin/sshd").arg("-T").output().unwrap();
    let log = r.log_text();
    if me == "root" && sshd_t.status.success() {
        let expected = String::from_utf8_lossy(&sshd_t.stdout)
            .lines()
            .find(|l| l.starts_with("maxauthtries "))
            .unwrap()
            .to_string();
        assert!(log.contains(&format!("  {expected}")), "{}", r.dump());
        // That default sshd_config is the system sshd's (another port), not this test
        // server's: shown, but neither judged by nor reported as facts.
        assert!(
            log.contains(&format!(
                "AuthorizedKeysFile from sshd's default (sshd -T describes the sshd on port 22, not this one on {})",
                sshd.port()
            )),
            "{}",
            r.dump()
        );
        assert!(
            !r.json()["facts"].to_string().contains("sshd.maxauthtries"),
            "{}",
            r.dump()
        );
        // The files sshd -T names are not the ones this test server reads: nothing is judged.
        assert!(
            log.contains("this sshd takes keys from elsewhere"),
            "{}",
            r.dump()
        );
    } else {
        assert!(
            log.contains("sshd -T is not available to this account"),
            "{}",
            r.dump()
        );
    }
    for id in r.finding_ids() {
        assert!(!id.starts_with("remote."), "unexpected {id}\n{}", r.dump());
    }
}

fn fingerprint(private: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(private)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

/// No key at all, and a server that takes passwords: the report says only a password login is
/// possible (an error: a report sends no password, so the login fails as ssh's BatchMode does)
/// and offers the guided first login.
#[test]
fn with_no_key_the_guided_first_login_is_offered() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    let r = probe(&sshd, &home, &[]);
    let f = r.finding("auth.no_key");
    assert_eq!(f["severity"], "error", "{}", r.dump());
    assert!(
        r.evidence("auth.no_key")
            .join("\n")
            .contains("Authentications that can continue: publickey,password"),
        "{}",
        r.dump()
    );
    let actions = f["actions"].as_array().unwrap();
    assert_eq!(actions[0]["id"], "onboard", "{}", r.dump());
    // The same account, port and options as the run: it reaches this very destination.
    let command = actions[0]["command"].as_str().unwrap_or_default();
    assert!(
        command.starts_with(&format!(
            "sshdoctor onboard -F ~/.ssh/config -p {} -o UserKnownHostsFile=",
            sshd.port()
        )) && command.ends_with(&format!(" -o IdentityAgent=none {NAME}@127.0.0.1")),
        "{}",
        r.dump()
    );
    // The fix text's commands too (not only the action's).
    let fix = f["fix"].as_str().unwrap_or_default();
    assert!(fix.contains(&format!("`{command}`")), "{fix}");
    r.assert_statuses(&[("session", "skipped"), ("remote", "skipped")]);
}
