//! Every server, every refusal (issue 11): OpenSSH policies, dropbear, tinysshd and a Python
//! (paramiko) server, each started by the test on 127.0.0.1. Each case names the first error
//! finding, is answered in well under the timeout, and agrees with the real
//! `ssh -o BatchMode=yes` run against the same server (the oracle). Every report also keeps
//! the invariant checked in `Report::assert_well_formed`: a failed stage has its finding.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::servers::Running;
use common::sshd::{KeyKind, Sshd};
use common::{dropbear, pyserver, sshdoctor, tinysshd, user, Home, Report};

/// The per-step timeout the cases run with; answers must come much sooner.
const TIMEOUT: &str = "10";
/// "Answered in well under the timeout".
const QUICK: Duration = Duration::from_secs(3);

/// The user the tests run as (root on CI): the account OpenSSH and the Python server log in.
fn me() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// One destination: port, user, known_hosts file and the keys offered (in order).
struct Case<'a> {
    home: &'a Home,
    port: u16,
    user: String,
    known_hosts: PathBuf,
    keys: Vec<PathBuf>,
}

impl<'a> Case<'a> {
    fn new(home: &'a Home, port: u16, user: &str, known_hosts_line: &str, keys: &[&Path]) -> Self {
        let known_hosts = home.write_file(".ssh/known_hosts", &format!("{known_hosts_line}\n"));
        Case {
            home,
            port,
            user: user.to_string(),
            known_hosts,
            keys: keys.iter().map(|k| k.to_path_buf()).collect(),
        }
    }

    fn common_args(&self) -> Vec<String> {
        let mut args = vec![
            "-p".to_string(),
            self.port.to_string(),
            "-o".into(),
            format!("UserKnownHostsFile={}", self.known_hosts.display()),
            "-o".into(),
            "GlobalKnownHostsFile=/dev/null".into(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
        ];
        for k in &self.keys {
            args.push("-i".into());
            args.push(k.display().to_string());
        }
        args
    }

    /// sshdoctor --report json with `--timeout`, and how long it took.
    fn diagnose(&self, timeout: &str, extra: &[&str]) -> (Report, Duration) {
        let mut args = self.common_args();
        args.extend(["--timeout".to_string(), timeout.to_string()]);
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push(format!("{}@127.0.0.1", self.user));
        let started = Instant::now();
        let report = sshdoctor().home(self.home).args(&args).run_report();
        (report, started.elapsed())
    }

    /// The oracle: does `ssh -o BatchMode=yes ... true` succeed (killed after `limit`)?
    fn ssh_works(&self, extra: &[&str], limit: Duration) -> bool {
        let mut command = self.home.ssh_command();
        command
            .args(self.common_args())
            .args(extra)
            .arg(format!("{}@127.0.0.1", self.user))
            .arg("true")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("run ssh");
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = child.try_wait().expect("wait for ssh") {
                if !status.success() {
                    let mut err = String::new();
                    let _ =
                        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err);
                    eprintln!("oracle ssh failed ({status}): {err}");
                }
                return status.success();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The verdict agrees with ssh's, the first error is `first_error`, and it came quickly.
fn judge(report: &Report, took: Duration, ssh_ok: bool, first_error: Option<&str>) {
    assert_eq!(
        report.first_error().as_deref(),
        first_error,
        "first error finding\n{}",
        report.dump()
    );
    let ok = report.json()["ok"] == true;
    assert_eq!(
        ok,
        ssh_ok,
        "sshdoctor's verdict (ok={ok}) against ssh's\n{}",
        report.dump()
    );
    assert!(
        took < QUICK,
        "answered in {took:?}, not well under the timeout\n{}",
        report.dump()
    );
}

fn key(home: &Home, kind: KeyKind, name: &str) -> PathBuf {
    home.generate_key(kind, name)
}

fn fact(report: &Report, key: &str) -> Option<String> {
    report.json()["facts"]
        .as_array()?
        .iter()
        .find(|f| f["key"] == key)
        .and_then(|f| f["value"].as_str().map(str::to_string))
}

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
