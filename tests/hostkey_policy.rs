//! Host-key policy against a real sshd, each case with the real `ssh` as the oracle
//! (`common::oracle`): the StrictHostKeyChecking × BatchMode matrix, `@revoked`,
//! NoHostAuthenticationForLocalhost, CheckHostIP on loopback, RevokedHostKeys (key list and
//! KRL) and KnownHostsCommand. Host certificates are in tests/hostkey_certs.rs.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::fixture_dir;
use common::oracle::*;
use common::sshd::{KeyKind, Sshd};

const MATRIX: [(&str, &str); 8] = [
    ("yes", "no"),
    ("yes", "yes"),
    ("ask", "no"),
    ("ask", "yes"),
    ("accept-new", "no"),
    ("accept-new", "yes"),
    ("no", "no"),
    ("off", "yes"),
];

#[test]
fn unknown_key_matrix_agrees_with_ssh() {
    let sshd = server();
    for (strict, batch) in MATRIX {
        let run = Case::new(&sshd, "# nothing yet\n")
            .opt(&format!("StrictHostKeyChecking={strict}"))
            .opt(&format!("BatchMode={batch}"))
            .run();
        let (want, severity) = match (strict, batch) {
            ("yes", _) | ("ask", "yes") => (Verdict::Refuse, "error"),
            ("ask", _) => (Verdict::Prompt, "warning"),
            ("accept-new", _) => (Verdict::Connect, "info"),
            _ => (Verdict::Connect, "warning"),
        };
        run.agree(want);
        assert_eq!(
            run.severity("hostkey.unknown"),
            severity,
            "{strict} {batch}"
        );
        let policy = run.policy();
        assert!(
            policy.contains(&format!("BatchMode {batch} (the command line)")),
            "{policy}"
        );
        if want == Verdict::Connect {
            // ssh recorded the key in its copy; sshdoctor wrote nothing (checked in run()).
            let theirs = fs::read_to_string(&run.ssh_file).unwrap();
            assert!(theirs.contains(&host_key(&sshd)), "{theirs}");
            assert!(run.oracle.stderr.contains("Permanently added"));
            assert!(!fs::read_to_string(&run.ours_file)
                .unwrap()
                .contains(&host_key(&sshd)));
        }
    }
}

#[test]
fn default_policy_without_batch_mode_would_prompt_and_says_so() {
    let sshd = server();
    let run = Case::new(&sshd, "").run();
    run.agree(Verdict::Prompt);
    assert_eq!(run.severity("hostkey.unknown"), "warning");
    assert_eq!(
        run.policy(),
        "StrictHostKeyChecking ask (OpenSSH's default), BatchMode no (OpenSSH's default)"
    );
    assert!(run
        .report
        .log_text()
        .contains("Host key policy: StrictHostKeyChecking ask (OpenSSH's default), BatchMode no (OpenSSH's default): ssh would ask"));
}

#[test]
fn changed_key_matrix_agrees_with_ssh() {
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config("PasswordAuthentication yes\nKbdInteractiveAuthentication yes\n")
        .start();
    let stale = format!(
        "{} {}\n",
        bracketed(&sshd, "127.0.0.1"),
        other_key(KeyKind::Ed25519)
    );
    for (strict, batch) in MATRIX {
        let run = Case::new(&sshd, stale.clone())
            .opt(&format!("StrictHostKeyChecking={strict}"))
            .opt(&format!("BatchMode={batch}"))
            .run();
        if matches!(strict, "no" | "off") {
            run.agree(Verdict::Connect);
            assert_eq!(run.severity("hostkey.changed"), "warning");
            let text = run.report.finding_text("hostkey.changed");
            assert!(text.contains("password and keyboard-interactive"), "{text}");
            assert!(run.oracle.stderr.contains(
                "Password authentication is disabled to avoid man-in-the-middle attacks."
            ));
            let log = run.report.log_text();
            assert!(log.contains("Password authentication is disabled"), "{log}");
            // The auth stage neither offers nor tries password or keyboard-interactive.
            let (_, summary) = run.report.check("auth");
            assert!(!summary.contains("password"), "{}", run.report.dump());
            assert!(
                log.lines()
                    .filter(|l| l.starts_with("Authentications that can continue"))
                    .all(|l| !l.contains("password") && !l.contains("keyboard")),
                "{log}"
            );
        } else {
            run.agree(Verdict::Refuse);
            assert_eq!(run.severity("hostkey.changed"), "error");
        }
    }
}

#[test]
fn only_another_key_type_recorded_is_refused_like_ssh() {
    let sshd = server();
    let kh = format!(
        "{} {}\n",
        bracketed(&sshd, "127.0.0.1"),
        other_key(KeyKind::Ecdsa)
    );
    for batch in ["yes", "no"] {
        let run = Case::new(&sshd, kh.clone())
            .opt(&format!("BatchMode={batch}"))
            .run();
        run.agree(Verdict::Refuse);
        assert!(run
            .oracle
            .stderr
            .contains("REMOTE HOST IDENTIFICATION HAS CHANGED"));
        assert_eq!(run.severity("hostkey.other_type_known"), "error");
    }
}

/// A key marked `@revoked`: refused, except under StrictHostKeyChecking no, where 9.2 goes on
/// without trusting it (sshconnect.c: `HOST_REVOKED` ... `goto continue_unsafe`).
#[test]
fn revoked_marker_is_refused_unless_strict_checking_is_off() {
    let sshd = server();
    let kh = format!(
        "@revoked {} {}\n",
        bracketed(&sshd, "127.0.0.1"),
        host_key(&sshd)
    );
    for (strict, want, severity) in [
        ("yes", Verdict::Refuse, "error"),
        ("accept-new", Verdict::Refuse, "error"),
        ("no", Verdict::Connect, "warning"),
    ] {
        let run = Case::new(&sshd, kh.clone())
            .opt(&format!("StrictHostKeyChecking={strict}"))
            .opt("BatchMode=yes")
            .run();
        run.agree(want);
        assert_eq!(run.severity("hostkey.revoked"), severity, "{strict}");
    }
}

#[test]
fn no_host_authentication_for_localhost_skips_the_check_on_loopback() {
    let sshd = server();
    let stale = format!(
        "{} {}\n",
        bracketed(&sshd, "127.0.0.1"),
        other_key(KeyKind::Ed25519)
    );
    let run = Case::new(&sshd, stale.clone())
        .opt("NoHostAuthenticationForLocalhost=yes")
        .opt("StrictHostKeyChecking=yes")
        .opt("BatchMode=yes")
        .run();
    run.agree(Verdict::Connect);
    run.report.assert_no_finding("hostkey.changed");
    assert_eq!(
        run.report.check("hostkey").1,
        "not checked: NoHostAuthenticationForLocalhost (loopback address)"
    );
    assert!(run
        .policy()
        .contains("NoHostAuthenticationForLocalhost yes"));
    // With HostKeyAlias set, ssh checks again.
    let aliased = format!("myalias {}\n", other_key(KeyKind::Ed25519));
    let run = Case::new(&sshd, aliased)
        .opt("NoHostAuthenticationForLocalhost=yes")
        .opt("HostKeyAlias=myalias")
        .opt("BatchMode=yes")
        .run();
    run.agree(Verdict::Refuse);
    assert_eq!(run.severity("hostkey.changed"), "error");
}

#[test]
fn check_host_ip_is_off_for_loopback_like_ssh() {
    let sshd = server();
    let kh = format!(
        "{} {}\n{} {}\n",
        bracketed(&sshd, "localhost"),
        host_key(&sshd),
        bracketed(&sshd, "127.0.0.1"),
        other_key(KeyKind::Ed25519)
    );
    let run = Case::new(&sshd, kh)
        .host("localhost")
        .opt("CheckHostIP=yes")
        .opt("AddressFamily=inet")
        .opt("StrictHostKeyChecking=yes")
        .opt("BatchMode=yes")
        .run();
    run.agree(Verdict::Connect);
    run.report.assert_no_finding("hostkey.ip_mismatch");
    assert!(run.policy().contains("CheckHostIP yes"));
}

// --- RevokedHostKeys ----------------------------------------------------------------------

fn known_line(sshd: &Sshd) -> String {
    format!("{} {}\n", bracketed(sshd, "127.0.0.1"), host_key(sshd))
}

#[test]
fn revoked_host_keys_as_a_key_list() {
    let sshd = server();
    let dir = fixture_dir("revoked-");
    let list = dir.path().join("revoked_keys");
    fs::write(&list, format!("# revoked\n{}\n", host_key(&sshd))).unwrap();
    let run = Case::new(&sshd, known_line(&sshd))
        .opt(&format!("RevokedHostKeys={}", list.display()))
        .run();
    run.agree(Verdict::Refuse);
    assert!(
        run.oracle.stderr.contains("revoked by file"),
        "{}",
        run.oracle.stderr
    );
    assert_eq!(run.severity("hostkey.revoked"), "error");
    let text = run.report.finding_text("hostkey.revoked");
    assert!(text.contains(&list.display().to_string()), "{text}");
    assert!(text.contains("listed at line 2"), "{text}");
    // Another key listed: connects.
    fs::write(&list, format!("{}\n", other_key(KeyKind::Ed25519))).unwrap();
    Case::new(&sshd, known_line(&sshd))
        .opt(&format!("RevokedHostKeys={}", list.display()))
        .run()
        .agree(Verdict::Connect);
}

#[test]
fn revoked_host_keys_as_a_krl_from_ssh_keygen() {
    let sshd = server();
    let dir = fixture_dir("krl-");
    let krl = dir.path().join("krl");
    let pubkey = sshd.host_key_path(KeyKind::Ed25519).with_extension("pub");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-k", "-f"])
        .arg(&krl)
        .arg(&pubkey)
        .status()
        .unwrap();
    assert!(made.success());
    let run = Case::new(&sshd, known_line(&sshd))
        .opt(&format!("RevokedHostKeys={}", krl.display()))
        .run();
    run.agree(Verdict::Refuse);
    let text = run.report.finding_text("hostkey.revoked");
    assert!(
        text.contains("(KRL)") && text.contains(&krl.display().to_string()),
        "{text}"
    );
    // A KRL of another key: connects, and the log says what the KRL held.
    let other = dir.path().join("other.pub");
    fs::write(&other, format!("{}\n", other_key(KeyKind::Ed25519))).unwrap();
    let made = Command::new("ssh-keygen")
        .args(["-q", "-k", "-f"])
        .arg(&krl)
        .arg(&other)
        .status()
        .unwrap();
    assert!(made.success());
    let run = Case::new(&sshd, known_line(&sshd))
        .opt(&format!("RevokedHostKeys={}", krl.display()))
        .run();
    run.agree(Verdict::Connect);
    assert!(
        run.report.log_text().contains("not listed (KRL version"),
        "{}",
        run.report.dump()
    );
}

#[test]
fn revoked_host_keys_naming_a_missing_file_refuses_everything() {
    let sshd = server();
    let run = Case::new(&sshd, known_line(&sshd))
        .opt("RevokedHostKeys=~/no-such-revoked-file")
        .run();
    run.agree(Verdict::Refuse);
    assert_eq!(run.severity("hostkey.revoked_file_unusable"), "error");
    assert!(run
        .report
        .finding_text("hostkey.revoked_file_unusable")
        .contains("does not expand `~`"));
}

// --- KnownHostsCommand --------------------------------------------------------------------

/// An executable script in `dir` printing `out` to stdout and `err` to stderr, exiting `code`,
/// and logging its arguments to `<dir>/args.log`.
fn script(dir: &Path, out: &str, code: i32) -> PathBuf {
    let path = dir.join("khcmd.sh");
    let log = dir.join("args.log");
    fs::write(
        &path,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\necho 'a note on stderr' >&2\nprintf '%s' '{out}'\nexit {code}\n",
            log.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn known_hosts_command_printing_the_key_is_trusted() {
    let sshd = server();
    let dir = fixture_dir("khcmd-");
    let cmd = script(dir.path(), &known_line(&sshd), 0);
    let run = Case::new(&sshd, "")
        .opt(&format!("KnownHostsCommand={} %I %H %t %f", cmd.display()))
        .opt("BatchMode=yes")
        .run();
    run.agree(Verdict::Connect);
    let (_, summary) = run.report.check("hostkey");
    assert!(
        summary.starts_with("known (KnownHostsCommand-HOSTNAME:1)"),
        "{summary}"
    );
    let log = run.report.log_text();
    assert!(
        log.contains("KnownHostsCommand-HOSTNAME stderr: a note on stderr"),
        "{log}"
    );
    // Both tools ran it for ORDER and HOSTNAME with the same expanded arguments.
    let args = fs::read_to_string(dir.path().join("args.log")).unwrap();
    let fp = fact(&run.report, "fingerprint_sha256").unwrap();
    let hostname = format!(
        "HOSTNAME {} ssh-ed25519 {fp}",
        bracketed(&sshd, "127.0.0.1")
    );
    assert_eq!(args.matches(&hostname).count(), 2, "{args}");
    assert_eq!(
        args.matches("ORDER 127.0.0.1 NONE NONE").count(),
        2,
        "{args}"
    );
}

#[test]
fn known_hosts_command_printing_nothing_leaves_the_key_unknown() {
    let sshd = server();
    let dir = fixture_dir("khcmd-");
    let cmd = script(dir.path(), "", 0);
    let run = Case::new(&sshd, "")
        .opt(&format!("KnownHostsCommand={}", cmd.display()))
        .opt("BatchMode=yes")
        .run();
    run.agree(Verdict::Refuse);
    assert_eq!(run.severity("hostkey.unknown"), "error");
}

#[test]
fn failing_known_hosts_command_is_fatal_like_ssh() {
    let sshd = server();
    let dir = fixture_dir("khcmd-");
    let cmd = script(dir.path(), &known_line(&sshd), 3);
    let run = Case::new(&sshd, known_line(&sshd))
        .opt(&format!("KnownHostsCommand={} %I", cmd.display()))
        .run();
    run.agree(Verdict::Refuse);
    assert!(
        run.oracle.stderr.contains("KnownHostsCommand failed"),
        "{}",
        run.oracle.stderr
    );
    assert_eq!(run.severity("hostkey.command_failed"), "error");
    let ev = run.report.evidence("hostkey.command_failed");
    assert!(ev.iter().any(|e| e.contains("failed, status 3")), "{ev:?}");
}

#[test]
fn relative_known_hosts_command_is_skipped_like_ssh() {
    let sshd = server();
    let run = Case::new(&sshd, known_line(&sshd))
        .opt("KnownHostsCommand=khcmd.sh %H")
        .opt("BatchMode=yes")
        .run();
    run.agree(Verdict::Connect);
    assert!(
        run.oracle.stderr.contains("path is not absolute"),
        "{}",
        run.oracle.stderr
    );
    assert_eq!(run.severity("hostkey.command_failed"), "warning");
}
