//! Every refusal on OpenSSH (issue 11): server policies that used to fail a stage without a
//! finding, algorithms only ssh speaks, remedies that work as printed. Each case names the
//! first error finding, is answered in well under the timeout and agrees with the real
//! `ssh -o BatchMode=yes` (tests/common/case.rs); every report keeps the invariant checked in
//! `Report::assert_well_formed`.

mod common;

use std::path::Path;
use std::process::Command;

use common::case::{fact, judge, key, me, Case, QUICK, TIMEOUT};
use common::sshd::{KeyKind, Sshd};
use common::{sshdoctor, Home};

fn openssh(extra: &str) -> Sshd {
    Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(extra)
        .start()
}

fn openssh_case<'a>(sshd: &Sshd, home: &'a Home, keys: &[&Path]) -> Case<'a> {
    Case::new(
        home,
        sshd.port(),
        &me(),
        &sshd.known_hosts_line(KeyKind::Ed25519),
        keys,
    )
}

// --- OpenSSH policies ----------------------------------------------------------------------

#[test]
fn openssh_without_public_keys_names_the_keys_never_tried() {
    let sshd = openssh("PubkeyAuthentication no\nPasswordAuthentication yes\n");
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_a");
    sshd.authorize(&me(), &home.public_key("id_a"));
    let case = openssh_case(&sshd, &home, &[&k]);
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("auth.method_not_allowed"),
    );
    let text = r.finding_text("auth.method_not_allowed");
    assert!(
        text.contains("password") && text.contains("id_a"),
        "{}",
        r.dump()
    );
}

#[test]
fn openssh_refusing_root_after_accepting_the_key_is_login_refused() {
    if me() != "root" {
        eprintln!("skipped: PermitRootLogin needs the tests to run as root");
        return;
    }
    let sshd = openssh("PermitRootLogin no\n");
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_root");
    sshd.authorize("root", &home.public_key("id_root"));
    let case = openssh_case(&sshd, &home, &[&k]);
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("auth.login_refused"),
    );
    assert!(
        r.finding_text("auth.login_refused")
            .contains("PermitRootLogin"),
        "{}",
        r.dump()
    );
}

#[test]
fn openssh_wanting_a_password_after_the_key_is_a_second_factor() {
    let sshd = openssh("AuthenticationMethods publickey,password\nPasswordAuthentication yes\n");
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_2fa");
    sshd.authorize(&me(), &home.public_key("id_2fa"));
    let case = openssh_case(&sshd, &home, &[&k]);
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("auth.second_factor_required"),
    );
    assert!(
        r.finding_text("auth.second_factor_required")
            .contains("password"),
        "{}",
        r.dump()
    );
}

#[test]
fn a_key_exchange_only_ssh_speaks_is_could_not_tell() {
    let sshd = openssh("KexAlgorithms sntrup761x25519-sha512@openssh.com\n");
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_pq");
    sshd.authorize(&me(), &home.public_key("id_pq"));
    let case = openssh_case(&sshd, &home, &[&k]);
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    assert!(case.ssh_works(&[], QUICK * 3), "ssh itself logs in");
    r.assert_exit(4);
    assert_eq!(r.first_error(), None, "{}", r.dump());
    assert!(r
        .finding_text("probe.unsupported_algorithm")
        .contains("sntrup761x25519-sha512@openssh.com"));
    r.assert_skipped_after("kex");
    assert!(took < QUICK, "{took:?}");
}

#[test]
fn a_mac_only_ssh_speaks_is_could_not_tell() {
    let sshd = openssh("Ciphers aes128-ctr\nMACs umac-128-etm@openssh.com\n");
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_umac");
    sshd.authorize(&me(), &home.public_key("id_umac"));
    let case = openssh_case(&sshd, &home, &[&k]);
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    assert!(case.ssh_works(&[], QUICK * 3), "ssh itself logs in");
    r.assert_exit(4);
    assert!(r
        .finding_text("probe.unsupported_algorithm")
        .contains("umac-128-etm@openssh.com"));
    assert!(took < QUICK, "{took:?}");
}

#[test]
fn another_shared_key_exchange_is_used_when_ssh_s_choice_is_unspeakable() {
    let sshd = openssh("KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256\n");
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_sub");
    sshd.authorize(&me(), &home.public_key("id_sub"));
    let case = openssh_case(&sshd, &home, &[&k]);
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(&r, took, case.ssh_works(&[], QUICK * 3), None);
    assert!(
        r.log_text().contains("the probe uses curve25519-sha256"),
        "{}",
        r.dump()
    );
}

#[test]
fn the_legacy_kex_fix_names_the_strongest_the_server_offers() {
    let sshd = openssh("KexAlgorithms diffie-hellman-group1-sha1,diffie-hellman-group14-sha1\n");
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_legacy");
    let case = openssh_case(&sshd, &home, &[&k]);
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(
        &r,
        took,
        case.ssh_works(&[], QUICK * 3),
        Some("kex.no_common_kex"),
    );
    let fix = r.finding("kex.no_common_kex")["fix"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(fix.contains("+diffie-hellman-group14-sha1"), "{fix}");
    assert!(!fix.contains("group1-sha1"), "{fix}");
}

#[test]
fn openssh_without_sftp_is_answered_at_once() {
    let sshd = openssh("Subsystem sftp none\n");
    let home = Home::new();
    let k = key(&home, KeyKind::Ed25519, "id_nosftp");
    sshd.authorize(&me(), &home.public_key("id_nosftp"));
    let case = openssh_case(&sshd, &home, &[&k]);
    let (r, took) = case.diagnose(TIMEOUT, &[]);
    judge(&r, took, case.ssh_works(&[], QUICK * 3), None);
    r.finding("session.no_sftp");
    assert_eq!(
        fact(&r, "server_implementation").as_deref(),
        Some("OpenSSH")
    );
}

// --- remedies that work as printed ------------------------------------------------------------

#[test]
fn the_too_many_keys_fix_for_an_agent_only_key_works_as_printed() {
    let sshd = openssh("MaxAuthTries 3\n");
    let home = Home::new();
    let agent = common::agent::Agent::start();
    for i in 1..=4 {
        let path = home.generate_key(KeyKind::Ed25519, &format!("ag{i}"));
        agent.add(&path);
        if i == 4 {
            sshd.authorize(&me(), &home.public_key("ag4"));
        }
        // The key lives in the agent only.
        std::fs::remove_file(&path).unwrap();
        std::fs::remove_file(path.with_extension("pub")).unwrap();
    }
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    );
    let agent_opt = format!("IdentityAgent={}", agent.socket().display());
    let r = sshdoctor()
        .home(&home)
        .args(&[
            "-p",
            &sshd.port().to_string(),
            "-o",
            &format!("UserKnownHostsFile={}", kh.display()),
            "-o",
            &agent_opt,
            &format!("{}@127.0.0.1", me()),
        ])
        .run_report();
    r.assert_first_error("auth.too_many_failures");
    let fix = r.finding("auth.too_many_failures")["fix"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!fix.contains("-i agent:"), "{fix}");
    // Run the printed export, then the printed one-liner's options against the server.
    let export = fix
        .lines()
        .find(|l| l.starts_with("printf "))
        .unwrap_or_else(|| panic!("no export command in {fix}"));
    let status = Command::new("sh")
        .arg("-c")
        .arg(export)
        .env("HOME", home.path())
        .status()
        .expect("run the export");
    assert!(status.success(), "{export}");
    let works = home
        .ssh_command()
        .args(["-p", &sshd.port().to_string(), "-o", &agent_opt, "-i"])
        .arg(home.ssh_dir().join("agent_key.pub"))
        .arg(format!("{}@127.0.0.1", me()))
        .arg("true")
        .status()
        .expect("run ssh")
        .success();
    assert!(
        works,
        "ssh -o IdentitiesOnly=yes -i ~/.ssh/agent_key.pub logs in\n{fix}"
    );
}
