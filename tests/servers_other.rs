//! Every server (issue 11): dropbear, tinysshd and a Python (paramiko) server, each started by
//! the test on 127.0.0.1. Each case names the first error finding, is answered in well under
//! the timeout and agrees with the real `ssh -o BatchMode=yes` (tests/common/case.rs).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::case::{fact, judge, key, Case, QUICK, TIMEOUT};
use common::servers::Running;
use common::sshd::KeyKind;
use common::{dropbear, pyserver, tinysshd, user, Home};

// --- dropbear --------------------------------------------------------------------------------

#[test]
fn dropbear_healthy_login_is_identified() {
    let Some(u) = user::test_user() else { return };
    let Some(server) = dropbear::start(&[]) else {
        return;
    };
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_db");
    u.authorize(&home.public_key("id_db"));
    let case = Case::new(
        &home,
        server.port,
        user::NAME,
        &server.known_hosts_line(),
        &[&k],
    );
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(&r, took, case.ssh_works(&[], QUICK * 3), None);
    assert_eq!(
        fact(&r, "server_implementation").as_deref(),
        Some("Dropbear"),
        "{}",
        r.dump()
    );
}

#[test]
fn dropbear_two_factor_wants_the_password_after_the_key() {
    let Some(u) = user::test_user() else { return };
    let Some(server) = dropbear::start(&["-t"]) else {
        return;
    };
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_db2");
    u.authorize(&home.public_key("id_db2"));
    let case = Case::new(
        &home,
        server.port,
        user::NAME,
        &server.known_hosts_line(),
        &[&k],
    );
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("auth.second_factor_required"),
    );
    assert!(
        r.finding_text("auth.second_factor_required").contains("-t"),
        "{}",
        r.dump()
    );
}

#[test]
fn dropbear_refusing_a_key_gets_dropbear_s_remedy() {
    let Some(_u) = user::test_user() else { return };
    let Some(server) = dropbear::start(&["-s"]) else {
        return;
    };
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_db3");
    let case = Case::new(
        &home,
        server.port,
        user::NAME,
        &server.known_hosts_line(),
        &[&k],
    );
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("auth.no_accepted_key"),
    );
    let text = r.finding_text("auth.no_accepted_key");
    assert!(text.contains("/etc/dropbear/authorized_keys"), "{text}");
    assert!(
        !text.contains("journalctl") && !text.contains("sshd_config"),
        "{text}"
    );
}

// --- tinysshd --------------------------------------------------------------------------------

#[test]
fn tinysshd_goes_on_past_a_refused_signature_like_ssh() {
    let Some(u) = user::test_user() else { return };
    let Some(server) = tinysshd::start() else {
        return;
    };
    let home = Home::new();
    let stranger = key(&home, KeyKind::Ed25519, "id_stranger");
    let good = key(&home, KeyKind::Ed25519, "id_good");
    u.authorize(&home.public_key("id_good"));
    let case = Case::new(
        &home,
        server.port,
        user::NAME,
        &server.known_hosts_line(),
        &[&stranger, &good],
    );
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(&r, took, case.ssh_works(&[], QUICK * 3), None);
    assert_eq!(
        fact(&r, "server_implementation").as_deref(),
        Some("tinysshd")
    );
    assert_eq!(
        fact(&r, "accepts_any_key_query").as_deref(),
        Some("yes"),
        "{}",
        r.dump()
    );
    assert!(r.check("auth").1.contains("id_good"), "{}", r.dump());
}

#[test]
fn tinysshd_with_an_rsa_key_is_told_to_use_ed25519() {
    let Some(u) = user::test_user() else { return };
    let Some(server) = tinysshd::start() else {
        return;
    };
    let home = Home::new();
    let rsa = key(&home, KeyKind::Rsa, "id_rsa_tiny");
    u.authorize(&home.public_key("id_rsa_tiny"));
    let case = Case::new(
        &home,
        server.port,
        user::NAME,
        &server.known_hosts_line(),
        &[&rsa],
    );
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("auth.no_mutual_signature"),
    );
    let text = r.finding_text("auth.no_mutual_signature");
    assert!(text.contains("ed25519"), "{text}");
    assert!(!text.contains("PubkeyAcceptedAlgorithms"), "{text}");
}

#[test]
fn tinysshd_saying_yes_to_a_stranger_is_no_accepted_key() {
    let Some(_u) = user::test_user() else { return };
    let Some(server) = tinysshd::start() else {
        return;
    };
    let home = Home::new();
    let stranger = key(&home, KeyKind::Ed25519, "id_only_stranger");
    let case = Case::new(
        &home,
        server.port,
        user::NAME,
        &server.known_hosts_line(),
        &[&stranger],
    );
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("auth.no_accepted_key"),
    );
}

// --- the Python server -------------------------------------------------------------------

/// A Python server taking `authorized` keys, with `flags`; the case for it.
fn py<'a>(
    home: &'a Home,
    keys: &[&Path],
    authorized: &[&str],
    flags: &[&str],
) -> Option<(Running, Case<'a>)> {
    let lines: Vec<String> = authorized.iter().map(|n| home.public_key(n)).collect();
    let server = pyserver::start(&lines, flags)?;
    let case = Case::new(
        home,
        server.port,
        "tester",
        &server.known_hosts_line(),
        keys,
    );
    Some((server, case))
}

#[test]
fn python_server_refusing_exec_is_answered_at_once() {
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_py1");
    let Some((_s, case)) = py(&home, &[&k], &["id_py1"], &["--refuse-exec"]) else {
        return;
    };
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("session.no_shell"),
    );
    assert_eq!(
        fact(&r, "server_implementation").as_deref(),
        Some("paramiko")
    );
}

#[test]
fn python_server_refusing_sftp_is_answered_at_once() {
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_py2");
    let Some((_s, case)) = py(&home, &[&k], &["id_py2"], &["--refuse-sftp"]) else {
        return;
    };
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(&r, took, case.ssh_works(&[], QUICK * 3), None);
    r.finding("session.no_sftp");
}

#[test]
fn an_accepted_sftp_request_without_an_sftp_server_is_no_sftp() {
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_py3");
    let Some((_s, case)) = py(&home, &[&k], &["id_py3"], &["--sftp-dead"]) else {
        return;
    };
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(&r, took, case.ssh_works(&[], QUICK * 3), None);
    assert!(
        r.finding_text("session.no_sftp")
            .contains("accepts the sftp subsystem"),
        "{}",
        r.dump()
    );
}

#[test]
fn a_server_that_never_answers_channel_open_but_sends_ignore_is_bounded() {
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_py4");
    let Some((_s, case)) = py(&home, &[&k], &["id_py4"], &["--silent-channels"]) else {
        return;
    };
    let started = Instant::now();
    let (r, _) = case.diagnose("1", &[]);
    let took = started.elapsed();
    assert!(
        !case.ssh_works(&[], Duration::from_secs(3)),
        "ssh hangs (killed) too"
    );
    r.assert_first_error("session.no_answer");
    // The per-step deadline (1 s), not a hang: well under the session stage's budget.
    assert!(took < Duration::from_secs(4), "took {took:?}\n{}", r.dump());
}

#[test]
fn a_server_closing_the_connection_at_the_session_request_is_answered_at_once() {
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_py10");
    let Some((_s, case)) = py(&home, &[&k], &["id_py10"], &["--close-on-channel"]) else {
        return;
    };
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("session.no_shell"),
    );
    assert!(
        r.finding_text("session.no_shell")
            .contains("closed the connection"),
        "{}",
        r.dump()
    );
}

#[test]
fn python_server_hanging_up_after_two_failures_is_too_many() {
    let home = Home::new();
    let a = key(&home, KeyKind::Ed25519, "id_py5a");
    let b = key(&home, KeyKind::Ed25519, "id_py5b");
    let c = key(&home, KeyKind::Ed25519, "id_py5c");
    let Some((_s, case)) = py(&home, &[&a, &b, &c], &["id_py5c"], &["--max-failures", "2"]) else {
        return;
    };
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("auth.too_many_failures"),
    );
}

#[test]
fn python_server_saying_yes_to_every_query_logs_in_with_the_right_key() {
    let home = Home::new();
    let a = key(&home, KeyKind::Ed25519, "id_py6a");
    let b = key(&home, KeyKind::Ed25519, "id_py6b");
    let Some((_s, case)) = py(&home, &[&a, &b], &["id_py6b"], &["--accept-any-query"]) else {
        return;
    };
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(&r, took, case.ssh_works(&[], QUICK * 3), None);
    assert!(r.check("auth").1.contains("id_py6b"), "{}", r.dump());
}

#[test]
fn python_server_wanting_a_password_after_the_key() {
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_py7");
    let Some((_s, case)) = py(
        &home,
        &[&k],
        &["id_py7"],
        &["--partial", "--password", "pw"],
    ) else {
        return;
    };
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("auth.second_factor_required"),
    );
}

#[test]
fn python_server_hanging_up_during_authentication_is_disconnected() {
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_py9");
    let Some((_s, case)) = py(&home, &[&k], &["id_py9"], &["--hang-up"]) else {
        return;
    };
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("auth.disconnected"),
    );
}

#[test]
fn python_server_taking_only_passwords_names_the_unused_keys() {
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_py8");
    let Some((_s, case)) = py(
        &home,
        &[&k],
        &["id_py8"],
        &["--methods", "password", "--password", "pw"],
    ) else {
        return;
    };
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("auth.method_not_allowed"),
    );
    assert!(
        r.finding_text("auth.method_not_allowed").contains("id_py8"),
        "{}",
        r.dump()
    );
}
