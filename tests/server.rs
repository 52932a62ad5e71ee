//! `sshdoctor server` against real sshd instances on 127.0.0.1 that log with `-E FILE` at
//! LogLevel VERBOSE: each situation is provoked with the real `ssh` client, then
//! `sshdoctor server --log FILE --sshd-config FILE --user NAME --report json` must name the
//! cause of each attempt (and what the files say), with the finding it maps to.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::sshd::{KeyKind, Sshd};
use common::user::{test_user, NAME};
use common::{sshdoctor, Home, Report};
use serde_json::Value;

/// A server with an `-E` log, one ed25519 host key, these settings first.
fn server(extra: &str) -> Sshd {
    Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(extra)
        .log_file()
        .start()
}

/// A client home that knows the server's host key, with a key of its own: (home, key, line).
fn client(sshd: &Sshd) -> (Home, PathBuf, String) {
    let home = Home::new();
    home.write_file(
        ".ssh/known_hosts",
        &format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    );
    let key = home.generate_key(KeyKind::Ed25519, "id_test");
    let line = home.public_key("id_test");
    (home, key, line)
}

/// The real ssh logs in as `user` offering only these keys (BatchMode: no password asked),
/// with extra `-o` options; whether `true` ran.
fn ssh(sshd: &Sshd, home: &Home, user: &str, keys: &[&Path], options: &[&str]) -> bool {
    let mut cmd = home.ssh_command();
    cmd.args(["-p", &sshd.port().to_string(), "-o", "ConnectTimeout=10"]);
    for o in options {
        cmd.args(["-o", o]);
    }
    for k in keys {
        cmd.arg("-i").arg(k);
    }
    cmd.arg(format!("{user}@127.0.0.1"))
        .arg("true")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd.status().expect("run ssh").success()
}

/// Waits (bounded) until sshd's log holds `needle` `count` times: sshd may write the last
/// lines of a connection after the client has gone.
fn wait_log(sshd: &Sshd, needle: &str, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if sshd.log().matches(needle).count() >= count {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "sshd's log never showed {needle:?} ×{count}:\n{}",
        sshd.log()
    );
}

/// `sshdoctor server --log LOG --sshd-config CFG [--user NAME] --report json ARGS`.
fn diagnose(sshd: &Sshd, user: Option<&str>, extra: &[&str]) -> Report {
    let log = sshd.log_path().display().to_string();
    let config = sshd.config_path().display().to_string();
    let mut args = vec![
        "server",
        "--log",
        &log,
        "--sshd-config",
        &config,
        "--report",
        "json",
    ];
    if let Some(u) = user {
        args.extend(["--user", u]);
    }
    args.extend(extra);
    let r = sshdoctor().raw().args(&args).run();
    assert!(r.json.is_some(), "no JSON report:\n{}", r.dump());
    r
}

/// The report's attempts.
fn attempts(r: &Report) -> Vec<Value> {
    r.json()["attempts"].as_array().cloned().unwrap_or_default()
}

/// The causes of the attempts, in order (`logged_in` for a login that worked).
fn causes(r: &Report) -> Vec<String> {
    attempts(r)
        .iter()
        .map(|a| {
            if a["logged_in"] == true {
                "logged_in".to_string()
            } else {
                a["cause"].as_str().unwrap_or("none").to_string()
            }
        })
        .collect()
}

#[test]
fn allow_users_and_deny_users_name_the_list_that_refused() {
    let Some(u) = test_user() else { return };
    let sshd = server(&format!("{}DenyUsers daemon\n", u.sshd_config()));
    let (home, key, line) = client(&sshd);
    u.authorize(&line);
    // sshdoctor-test logs in; bin is not in AllowUsers; daemon is in DenyUsers.
    assert!(
        ssh(&sshd, &home, NAME, &[&key], &[]),
        "the allowed user logs in\n{}",
        sshd.log()
    );
    assert!(!ssh(&sshd, &home, "bin", &[&key], &[]));
    assert!(!ssh(&sshd, &home, "daemon", &[&key], &[]));
    wait_log(&sshd, "not allowed because", 2);
    wait_log(&sshd, "Connection closed by invalid user daemon", 1);

    let r = diagnose(&sshd, Some("bin"), &[]);
    assert_eq!(causes(&r), ["server.user_not_allowed"], "{}", r.dump());
    let a = &attempts(&r)[0];
    assert_eq!(a["user"], "bin");
    assert_eq!(a["address"], "127.0.0.1");
    assert!(
        a["explanation"]
            .as_str()
            .unwrap()
            .contains("not listed in AllowUsers"),
        "{a}"
    );
    // The files say the same without the log: sshd -T -C user=bin, and the repair it offers.
    let f = r.finding("server.user_not_allowed");
    assert!(
        f["detail"]
            .as_str()
            .unwrap()
            .contains("not listed in AllowUsers"),
        "{f}"
    );
    let actions: Vec<&str> = r
        .findings()
        .iter()
        .flat_map(|f| {
            f["actions"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|a| a["id"].as_str())
        })
        .collect();
    assert!(actions.contains(&"server.allow_user"), "{}", r.dump());
    r.assert_exit(1);

    let r = diagnose(&sshd, Some("daemon"), &[]);
    assert_eq!(causes(&r), ["server.user_not_allowed"], "{}", r.dump());
    assert!(
        attempts(&r)[0]["explanation"]
            .as_str()
            .unwrap()
            .contains("listed in DenyUsers"),
        "{}",
        r.dump()
    );

    let r = diagnose(&sshd, Some(NAME), &[]);
    assert_eq!(causes(&r), ["logged_in"], "{}", r.dump());
    assert!(r.error_ids().is_empty(), "{}", r.dump());
    r.assert_exit(0);
}

#[test]
fn root_login_refused_unknown_user_and_too_many_failures() {
    let sshd = server("PermitRootLogin no\nMaxAuthTries 2\n");
    let (home, key, line) = client(&sshd);
    sshd.authorize("root", &line);
    let others: Vec<PathBuf> = (1..=3)
        .map(|i| home.generate_key(KeyKind::Ed25519, &format!("id_other{i}")))
        .collect();
    assert!(!ssh(&sshd, &home, "root", &[&key], &[]));
    assert!(!ssh(&sshd, &home, "nosuchuser-sshdoctor", &[&key], &[]));
    let refs: Vec<&Path> = others.iter().map(PathBuf::as_path).collect();
    assert!(!ssh(&sshd, &home, "daemon", &refs, &[]));
    wait_log(&sshd, "ROOT LOGIN REFUSED", 1);
    wait_log(&sshd, "Too many authentication failures", 1);
    wait_log(
        &sshd,
        "Connection closed by invalid user nosuchuser-sshdoctor",
        1,
    );

    let r = diagnose(&sshd, Some("root"), &[]);
    assert_eq!(causes(&r), ["server.root_login_refused"], "{}", r.dump());
    r.assert_first_error("server.root_login_refused");
    let r = diagnose(&sshd, Some("nosuchuser-sshdoctor"), &[]);
    assert_eq!(causes(&r), ["server.invalid_user"], "{}", r.dump());
    assert!(
        r.finding_ids()
            .contains(&"server.account_missing".to_string()),
        "{}",
        r.dump()
    );
    let r = diagnose(&sshd, Some("daemon"), &[]);
    assert_eq!(causes(&r), ["server.too_many_failures"], "{}", r.dump());
    // Every attempt at once, with no filter: each named, none an error (anyone's, scanners').
    let r = diagnose(&sshd, None, &[]);
    // (The first is the harness's readiness probe: a bare connection closed before authenticating.)
    assert_eq!(
        causes(&r),
        [
            "server.preauth_closed",
            "server.root_login_refused",
            "server.invalid_user",
            "server.too_many_failures"
        ],
        "{}",
        r.dump()
    );
    assert!(r.error_ids().is_empty(), "{}", r.dump());
    r.assert_exit(0);
}

#[test]
fn a_legacy_client_kex_is_quoted_beside_what_sshd_offers() {
    let sshd = server("");
    let (home, key, _) = client(&sshd);
    assert!(!ssh(
        &sshd,
        &home,
        "daemon",
        &[&key],
        &["KexAlgorithms=diffie-hellman-group1-sha1"]
    ));
    wait_log(&sshd, "Unable to negotiate", 1);
    let r = diagnose(&sshd, Some("daemon"), &["--from", "127.0.0.1"]);
    assert_eq!(causes(&r), ["server.kex_mismatch"], "{}", r.dump());
    let f = r.finding_text("server.kex_mismatch");
    assert!(
        f.contains(
            "no matching key exchange method found; the client offered diffie-hellman-group1-sha1"
        ),
        "{f}"
    );
    assert!(
        f.contains("This sshd offers (KexAlgorithms): sntrup761x25519-sha512,"),
        "{f}"
    );
    assert!(
        f.contains("KexAlgorithms +diffie-hellman-group1-sha1"),
        "{f}"
    );
    r.assert_first_error("server.kex_mismatch");
}

#[test]
fn strict_modes_on_home_ssh_dir_and_authorized_keys() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u.sshd_config());
    let (home, key, line) = client(&sshd);
    let file = u.authorize(&line);
    assert!(ssh(&sshd, &home, NAME, &[&key], &[]), "{}", sshd.log());
    // Each path in turn writable by a shared group: sshd refuses the keys and says which.
    let paths = [u.home.clone(), u.ssh_dir(), file.clone()];
    for (i, path) in paths.iter().enumerate() {
        let mode = u.mode(path);
        u.chgrp_shared(path);
        u.chmod(path, mode | 0o020);
        assert!(!ssh(&sshd, &home, NAME, &[&key], &[]));
        wait_log(&sshd, "bad ownership or modes", i + 1);
        u.chmod(path, mode);
    }
    u.chmod(&u.ssh_dir(), 0o770);
    let r = diagnose(&sshd, Some(NAME), &[]);
    let c = causes(&r);
    assert_eq!(
        c,
        [
            "logged_in",
            "server.strict_modes",
            "server.strict_modes",
            "server.strict_modes"
        ],
        "{}",
        r.dump()
    );
    let named: Vec<String> = attempts(&r)
        .iter()
        .map(|a| a["explanation"].as_str().unwrap().to_string())
        .collect();
    for (path, text) in paths.iter().zip(&named[1..]) {
        assert!(
            text.contains(&path.display().to_string()),
            "{text} names {}",
            path.display()
        );
    }
    // The files, judged by the remote stage's rules: ~/.ssh is group-writable now.
    r.assert_first_error("remote.ssh_dir_permissions");
    let fix = r.finding("remote.ssh_dir_permissions")["actions"][0].clone();
    assert_eq!(fix["id"], "permissions.fix", "{fix}");
    // Applied (as root, confirmed with --yes): the mode is fixed and the real ssh logs in.
    let config = sshd.config_path().display().to_string();
    let log = sshd.log_path().display().to_string();
    let after = sshdoctor()
        .raw()
        .args(&[
            "server",
            "--fix",
            "permissions.fix",
            "--yes",
            "--user",
            NAME,
            "--sshd-config",
            &config,
            "--log",
            &log,
            "--report",
            "json",
        ])
        .run();
    assert!(
        after.stderr.contains("mode 0770 → 0750"),
        "{}",
        after.dump()
    );
    assert_eq!(u.mode(&u.ssh_dir()), 0o750);
    assert!(ssh(&sshd, &home, NAME, &[&key], &[]), "{}", sshd.log());
}

#[test]
fn a_missing_host_key_and_a_config_error() {
    let dir = common::fixture_dir("server-cfg-");
    let missing = dir.path().join("no_such_host_key");
    let sshd = server(&format!("HostKey {}\n", missing.display()));
    wait_log(&sshd, "Unable to load host key", 1);
    let r = diagnose(&sshd, None, &[]);
    let ids = r.finding_ids();
    assert!(
        ids.contains(&"server.hostkey_unloadable".to_string()),
        "{}",
        r.dump()
    );
    let f = r.finding_text("server.hostkey_missing");
    assert!(f.contains(&missing.display().to_string()), "{f}");
    assert_eq!(
        r.finding("server.hostkey_missing")["severity"],
        "warning",
        "another key loads"
    );

    // A config error: sshd -t names the file and line, quoted.
    let bad = dir.path().join("sshd_config");
    let text = fs::read_to_string(sshd.config_path()).unwrap();
    fs::write(&bad, format!("{text}Bogus yes\n")).unwrap();
    let line_no = text.lines().count() + 1;
    let log = sshd.log_path().display().to_string();
    let r = sshdoctor()
        .raw()
        .args(&[
            "server",
            "--sshd-config",
            &bad.display().to_string(),
            "--log",
            &log,
            "--report",
            "json",
        ])
        .run();
    r.assert_first_error("server.config_invalid");
    let f = r.finding_text("server.config_invalid");
    assert!(
        f.contains(&format!("line {line_no}"))
            && f.contains("Bad configuration option: Bogus")
            && f.contains("| Bogus yes"),
        "{f}"
    );
    r.assert_exit(1);
}

#[test]
fn the_listening_check_finds_the_running_sshd_of_this_config() {
    let sshd = server("");
    let r = diagnose(&sshd, None, &[]);
    let check = r.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "listen")
        .cloned()
        .unwrap();
    assert_eq!(check["status"], "pass", "{}", r.dump());
    assert!(
        check["summary"]
            .as_str()
            .unwrap()
            .contains(&format!("127.0.0.1:{}", sshd.port())),
        "{check}"
    );
    assert!(!r
        .finding_ids()
        .contains(&"server.not_listening".to_string()));
    // The same config with a port nothing listens on.
    let dir = common::fixture_dir("server-port-");
    let moved = dir.path().join("sshd_config");
    let port = common::fake::closed_port();
    let text = fs::read_to_string(sshd.config_path())
        .unwrap()
        .replace(&format!("Port {}", sshd.port()), &format!("Port {port}"));
    fs::write(&moved, text).unwrap();
    let r = sshdoctor()
        .raw()
        .args(&[
            "server",
            "--sshd-config",
            &moved.display().to_string(),
            "--log",
            &sshd.log_path().display().to_string(),
            "--report",
            "json",
        ])
        .run();
    r.assert_first_error("server.not_listening");
    assert!(
        r.finding_text("server.not_listening")
            .contains(&format!("127.0.0.1:{port}")),
        "{}",
        r.dump()
    );
}

#[test]
fn usage_errors_and_the_usage_line() {
    let r = sshdoctor()
        .raw()
        .args(&["server", "--from", "not-an-address", "--report", "json"])
        .run();
    r.assert_exit(2);
    let r = sshdoctor().raw().args(&["server", "--help"]).run();
    r.assert_exit(0);
    for option in [
        "--user",
        "--from",
        "--log",
        "--sshd-config",
        "--watch",
        "--report",
    ] {
        assert!(
            r.stdout.contains(option),
            "{option} in --help:\n{}",
            r.stdout
        );
    }
    let r = sshdoctor().raw().args(&["--help"]).run();
    assert!(
        r.stdout.contains("sshdoctor server [--user NAME]"),
        "{}",
        r.stdout
    );
}

#[test]
fn watch_explains_a_failing_login_as_it_happens() {
    use std::io::{BufRead, BufReader};
    let sshd = server("AllowUsers sshdoctor-test\n");
    let (home, key, _) = client(&sshd);
    let mut child = std::process::Command::new(common::BIN)
        .args([
            "server", "--watch", "--report", "text", "--user", "daemon", "--log",
        ])
        .arg(sshd.log_path())
        .arg("--sshd-config")
        .arg(sshd.config_path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run sshdoctor server --watch");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let wait_line = |what: &str, pred: &dyn Fn(&str) -> bool| -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if pred(&line) => return line,
                Ok(_) => {}
                Err(_) => panic!("--watch never printed {what}"),
            }
        }
    };
    // The report first (no attempt yet), then it follows the log.
    wait_line("the report's verdict", &|l| {
        l.starts_with("sshd refuses logins here")
    });
    wait_line("that it watches", &|l| {
        l.starts_with("watching ") && l.contains("sshd.log")
    });
    assert!(!ssh(&sshd, &home, "daemon", &[&key], &[]));
    let line = wait_line("the failed login", &|l| l.starts_with("attempt: "));
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.contains("daemon from 127.0.0.1 port"), "{line}");
    assert!(
        line.contains("not listed in AllowUsers → server.user_not_allowed"),
        "{line}"
    );
}
