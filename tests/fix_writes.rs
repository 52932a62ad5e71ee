//! `--fix` writes end to end against a real sshd: nothing another program appends is lost, a
//! change to several files is all or nothing (or says exactly what it did), hard links are
//! pointed out, and `permissions.fix` repairs every listed path at once.

mod common;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::sshd::{KeyKind, Sshd};
use common::{sshdoctor, Home, Report};

/// A user name that exists nowhere, so no probe can log in.
const USER: &str = "sshdoctor-test";

fn server() -> Sshd {
    Sshd::builder().host_keys(&[KeyKind::Ed25519]).start()
}

/// `TYPE BLOB` of a fresh key (not the server's): recorded for the server, it is a changed key.
fn stale_key(home: &Home, name: &str) -> String {
    home.generate_key(KeyKind::Ed25519, name);
    home.public_key(name)
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `sshdoctor --report json` against the server with these known_hosts files, then `extra`.
fn fix_run(sshd: &Sshd, home: &Home, files: &[&Path], extra: &[&str]) -> Report {
    let files: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let mut args = vec![
        "--report".to_string(),
        "json".into(),
        "-F".into(),
        home.config_path().display().to_string(),
        "-p".into(),
        sshd.port().to_string(),
        "-o".into(),
        format!("UserKnownHostsFile={}", files.join(" ")),
        "-o".into(),
        "GlobalKnownHostsFile=/dev/null".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(format!("{USER}@127.0.0.1"));
    sshdoctor().home(home).raw().args(&args).run()
}

/// Files in `dir` whose names start with `prefix`.
fn named(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// The reproduction at the binary level: a program appends a known_hosts line every
/// 4–5 ms (opening the file in append mode each time, as ssh does) while
/// `--fix known_hosts.remove --yes` removes a changed key from a 2,000-line file, 20 times.
/// Every appended line must survive, exactly once.
#[test]
fn fix_remove_loses_no_line_appended_meanwhile() {
    let sshd = server();
    let home = Home::new();
    let kh = home.path().join("known_hosts");
    let stale = format!(
        "[127.0.0.1]:{} {}\n",
        sshd.port(),
        stale_key(&home, "stale")
    );
    let other = stale_key(&home, "other");
    let mut text: String = (0..2000)
        .map(|i| format!("host{i}.example {other}\n"))
        .collect();
    text.push_str(&stale);
    fs::write(&kh, &text).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (kh, other, stop) = (kh.clone(), other.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let mut f = OpenOptions::new().append(true).open(&kh).unwrap();
                f.write_all(format!("appended{n}.example {other}\n").as_bytes())
                    .unwrap();
                drop(f);
                n += 1;
                std::thread::sleep(Duration::from_micros(4000 + (n as u64 * 97) % 1000));
            }
            n
        })
    };
    for trial in 0..20 {
        if trial > 0 {
            // The changed key is back (appended like everything else) for the next trial.
            let mut f = OpenOptions::new().append(true).open(&kh).unwrap();
            f.write_all(stale.as_bytes()).unwrap();
        }
        let report = fix_run(
            &sshd,
            &home,
            &[&kh],
            &["--fix", "known_hosts.remove", "--yes"],
        );
        assert!(
            report.stderr.contains(&format!("Changed {}", kh.display())),
            "trial {trial}\n{}",
            report.dump()
        );
        assert!(
            !fs::read_to_string(&kh).unwrap().contains(stale.trim()),
            "trial {trial}"
        );
    }
    stop.store(true, Ordering::Relaxed);
    let appended = writer.join().unwrap();
    let after = fs::read_to_string(&kh).unwrap();
    let lines: Vec<&str> = after.lines().collect();
    for n in 0..appended {
        let line = format!("appended{n}.example {other}");
        let found = lines.iter().filter(|l| **l == line).count();
        assert_eq!(found, 1, "{line:?} is in the file {found} times");
    }
    assert_eq!(lines.len(), 2000 + appended, "no line vanished or appeared");
    assert!(
        appended > 20,
        "the writer ran during the fixes ({appended} lines)"
    );
}

/// Two UserKnownHostsFile files hold the changed key and the second is read-only: nothing is
/// changed (not even the first file) and the message says so; no backup is left.
#[test]
fn fix_remove_with_a_read_only_second_file_changes_nothing() {
    let sshd = server();
    let home = Home::new();
    let (first, second) = (home.path().join("kh_one"), home.path().join("kh_two"));
    let stale = format!(
        "[127.0.0.1]:{} {}\n",
        sshd.port(),
        stale_key(&home, "stale")
    );
    fs::write(&first, &stale).unwrap();
    fs::write(&second, format!("# second\n{stale}")).unwrap();
    // No write permission bit: fsedit's read-only rule holds for root too (root ignores the
    // bits, so access(2) alone would let it write; a read-only mount needs privileges a test
    // may not have, and `chattr +i` does not work on every file system the tests run on).
    fs::set_permissions(&second, fs::Permissions::from_mode(0o444)).unwrap();

    let report = fix_run(
        &sshd,
        &home,
        &[&first, &second],
        &["--fix", "known_hosts.remove", "--yes"],
    );
    assert_eq!(report.code, Some(1), "{}", report.dump());
    assert!(
        report
            .stderr
            .contains(&format!("{} is read-only", second.display())),
        "{}",
        report.dump()
    );
    assert!(
        report.stderr.contains("nothing was changed"),
        "{}",
        report.dump()
    );
    assert!(!report.stderr.contains("Changed "), "{}", report.dump());
    assert_eq!(fs::read_to_string(&first).unwrap(), stale);
    assert!(named(home.path(), "kh_one.sshdoctor-").is_empty());
    assert!(named(home.path(), "kh_two.sshdoctor-").is_empty());
}

/// A hard-linked known_hosts: the preview (printed before the question) says the other link
/// keeps the old content, the result says so again, and it is true.
#[test]
fn fix_remove_on_a_hard_linked_file_says_the_other_link_keeps_the_old_content() {
    let sshd = server();
    let home = Home::new();
    let kh = home.path().join("known_hosts");
    let other = home.path().join("known_hosts.other_link");
    let stale = format!(
        "[127.0.0.1]:{} {}\n",
        sshd.port(),
        stale_key(&home, "stale")
    );
    let text = format!("# mine\n{stale}");
    fs::write(&kh, &text).unwrap();
    fs::hard_link(&kh, &other).unwrap();

    let report = fix_run(
        &sshd,
        &home,
        &[&kh],
        &["--fix", "known_hosts.remove", "--yes"],
    );
    let stderr = &report.stderr;
    let note = stderr
        .find("# note: ")
        .unwrap_or_else(|| panic!("no note\n{}", report.dump()));
    let changed = stderr.find("Changed ").expect("a result line");
    assert!(
        note < changed,
        "the note comes with the preview\n{}",
        report.dump()
    );
    assert!(stderr.contains("has 2 hard links"), "{}", report.dump());
    assert!(
        stderr.contains("1 other hard link(s) still have the old content"),
        "{}",
        report.dump()
    );
    assert_eq!(fs::read_to_string(&kh).unwrap(), "# mine\n");
    assert_eq!(fs::read_to_string(&other).unwrap(), text);
    assert_eq!(fs::metadata(&other).unwrap().nlink(), 1);
}

/// A private key (0644), `~/.ssh/config` (0666: writable by others; Debian's ssh accepts a
/// config writable by the user's own private group, so 0664 would not do) and `~/.ssh` (0777)
/// all wrong: one
/// `--fix permissions.fix --yes` repairs all three, says what it did, the next run is clean
/// and the real ssh logs in with the key.
#[test]
fn permissions_fix_repairs_key_config_and_ssh_dir_in_one_run() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_owned();
    let key = home.generate_key(KeyKind::Ed25519, "id_fix");
    sshd.authorize(&user, &home.public_key("id_fix"));
    let kh = home.write_file(
        ".ssh/known_hosts_test",
        &format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    );
    let config = home.write_config(&format!(
        "Host target\n    HostName 127.0.0.1\n    Port {}\n    User {user}\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n    IdentityAgent none\n    IdentitiesOnly yes\n    IdentityFile {}\n",
        sshd.port(),
        kh.display(),
        key.display()
    ));
    let ssh = home.ssh_dir();
    let chmod = |p: &Path, m| fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().mode() & 0o7777;
    chmod(&key, 0o644);
    chmod(&config, 0o666);
    chmod(&ssh, 0o777);
    // No -F: the user config is read from ~/.ssh/config, whose permissions ssh checks.
    let run = |extra: &[&str]| {
        let mut args = vec!["--report", "json"];
        args.extend_from_slice(extra);
        args.push("target");
        sshdoctor().home(&home).raw().args(&args).run()
    };

    let before = run(&[]);
    for id in [
        "config.bad_permissions",
        "local.ssh_dir_permissions",
        "key.unprotected",
    ] {
        assert!(
            before.finding_ids().contains(&id.to_string()),
            "{id}\n{}",
            before.dump()
        );
    }
    let fixed = run(&["--fix", "permissions.fix", "--yes"]);
    for (path, line) in [
        (&ssh, "0777 → 0700"),
        (&config, "0666 → 0600"),
        (&key, "0644 → 0600"),
    ] {
        let shown = format!("{}: mode {line}", path.display());
        assert!(fixed.stderr.contains(&shown), "{shown}\n{}", fixed.dump());
    }
    assert!(
        !fixed.stderr.contains("no backup needed"),
        "{}",
        fixed.dump()
    );
    assert_eq!(
        (mode(&ssh), mode(&config), mode(&key)),
        (0o700, 0o600, 0o600)
    );
    assert_eq!(
        fixed.code,
        Some(0),
        "the re-run after the fix is green\n{}",
        fixed.dump()
    );

    let after = run(&[]);
    assert_eq!(after.code, Some(0), "{}", after.dump());
    assert!(after.error_ids().is_empty(), "{}", after.dump());
    assert!(
        !after
            .finding_ids()
            .iter()
            .any(|id| id.contains("permissions") || id == "key.unprotected"),
        "{}",
        after.dump()
    );
    // The real client agrees: it reads the config and accepts the key.
    let g = Command::new("ssh")
        .arg("-G")
        .arg("-F")
        .arg(&config)
        .arg("target")
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    let out = Command::new("ssh")
        .arg("-F")
        .arg(&config)
        .args(["-o", "BatchMode=yes", "target", "echo LOGIN-OK"])
        .env("HOME", home.path())
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("LOGIN-OK"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
