//! Host-key policy against a real sshd, each case with the real `ssh` as the oracle: the
//! StrictHostKeyChecking × BatchMode matrix, NoHostAuthenticationForLocalhost, CheckHostIP on
//! loopback, host certificates, RevokedHostKeys (key list and KRL) and KnownHostsCommand.
//!
//! The oracle runs `ssh` with the same options and a copy of the same known_hosts, stdin on
//! /dev/null and `SSH_ASKPASS_REQUIRE=force` pointing at a script that logs its prompt and
//! answers "no": a host-key prompt shows in that log ("would prompt"); "Permission denied" (no
//! key is offered) means ssh got past the host key ("would connect"); anything else is a refusal.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::sshd::{self, KeyKind, Sshd};
use common::{fixture_dir, sshdoctor, Home, Report};

const USER: &str = "sshdoctor-test";

/// What ssh (or sshdoctor, judging for it) does at the host key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Connect,
    Prompt,
    Refuse,
}

/// One run of the real ssh.
struct Oracle {
    verdict: Verdict,
    stderr: String,
    prompts: String,
}

/// A case: the server, the name to connect to, known_hosts, and `-o` options for both tools.
struct Case<'a> {
    sshd: &'a Sshd,
    host: String,
    known_hosts: String,
    options: Vec<String>,
}

/// Both runs of a case, and the known_hosts files each used.
struct Outcome {
    report: Report,
    oracle: Oracle,
    ours_file: PathBuf,
    ssh_file: PathBuf,
    _home: Home,
}

impl<'a> Case<'a> {
    fn new(sshd: &'a Sshd, known_hosts: impl Into<String>) -> Case<'a> {
        Case {
            sshd,
            host: "127.0.0.1".into(),
            known_hosts: known_hosts.into(),
            options: Vec::new(),
        }
    }

    fn host(mut self, host: &str) -> Self {
        self.host = host.into();
        self
    }

    fn opt(mut self, option: &str) -> Self {
        self.options.push(option.into());
        self
    }

    /// Runs sshdoctor, then ssh (ssh may write its own copy of known_hosts).
    fn run(self) -> Outcome {
        let home = Home::new();
        let ours = home.write_file(".ssh/known_hosts", &self.known_hosts);
        let theirs = home.write_file(".ssh/known_hosts.ssh", &self.known_hosts);
        let mut args = vec![
            "-p".to_string(),
            self.sshd.port().to_string(),
            "-o".into(),
            format!("UserKnownHostsFile={}", ours.display()),
            "-o".into(),
            "GlobalKnownHostsFile=/dev/null".into(),
        ];
        for o in &self.options {
            args.extend(["-o".to_string(), o.clone()]);
        }
        args.push(format!("{USER}@{}", self.host));
        let report = sshdoctor().home(&home).args(&args).run_report();
        let before = fs::read(&ours).unwrap();
        assert_eq!(
            before,
            self.known_hosts.as_bytes(),
            "sshdoctor wrote known_hosts"
        );
        let oracle = oracle(&home, &self, &theirs);
        Outcome {
            report,
            oracle,
            ours_file: ours,
            ssh_file: theirs,
            _home: home,
        }
    }
}

/// The askpass script: logs its prompt, answers "no".
fn askpass(home: &Home) -> (PathBuf, PathBuf) {
    let log = home.path().join("askpass.log");
    let script = home.write_file(
        "askpass.sh",
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\necho no\n",
            log.display()
        ),
    );
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    (script, log)
}

fn oracle(home: &Home, case: &Case<'_>, known_hosts: &Path) -> Oracle {
    let (script, log) = askpass(home);
    let mut cmd = Command::new("ssh");
    cmd.arg("-F")
        .arg(home.config_path())
        .args(["-p", &case.sshd.port().to_string()])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known_hosts.display()))
        .args(["-o", "GlobalKnownHostsFile=/dev/null"])
        .args(["-o", "ConnectTimeout=10"])
        .args(["-o", "ControlPath=none", "-o", "UpdateHostKeys=no"])
        .args([
            "-o",
            "PreferredAuthentications=publickey",
            "-o",
            "IdentitiesOnly=yes",
        ])
        .arg("-o")
        .arg(format!("IdentityFile={}/id_none", home.ssh_dir().display()));
    for o in &case.options {
        cmd.args(["-o", o]);
    }
    let out = cmd
        .arg(format!("{USER}@{}", case.host))
        .arg("true")
        .env("HOME", home.path())
        .env("SSH_ASKPASS", &script)
        .env("SSH_ASKPASS_REQUIRE", "force")
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .output()
        .expect("run ssh");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let prompts = fs::read_to_string(&log).unwrap_or_default();
    let verdict = if prompts.contains("continue connecting") {
        Verdict::Prompt
    } else if out.status.success() || stderr.contains("Permission denied") {
        Verdict::Connect
    } else {
        Verdict::Refuse
    };
    Oracle {
        verdict,
        stderr,
        prompts,
    }
}

/// A fact of the report.
fn fact(report: &Report, key: &str) -> Option<String> {
    report.json()["facts"]
        .as_array()?
        .iter()
        .find_map(|f| (f["key"] == key).then(|| f["value"].as_str().unwrap_or_default().to_owned()))
}

/// sshdoctor's verdict, from the `hostkey_outcome` fact, checked against the stage statuses.
fn ours(report: &Report) -> Verdict {
    let outcome = fact(report, "hostkey_outcome")
        .unwrap_or_else(|| panic!("no hostkey_outcome fact\n{}", report.dump()));
    let verdict = match outcome.as_str() {
        "connect" | "record" | "unsafe" => Verdict::Connect,
        "prompt" => Verdict::Prompt,
        "refuse" => Verdict::Refuse,
        other => panic!("unexpected hostkey_outcome {other:?}"),
    };
    match verdict {
        Verdict::Refuse => {
            assert_eq!(report.status("hostkey"), "fail", "{}", report.dump());
            report.assert_skipped_after("hostkey");
        }
        _ => assert_ne!(report.status("auth"), "skipped", "{}", report.dump()),
    }
    verdict
}

impl Outcome {
    /// Asserts sshdoctor and ssh agree and the verdict is `want`.
    fn agree(&self, want: Verdict) -> &Self {
        let (o, r) = (&self.oracle, &self.report);
        assert_eq!(
            o.verdict, want,
            "real ssh: {:?}\nstderr:\n{}\nprompts:\n{}",
            o.verdict, o.stderr, o.prompts
        );
        assert_eq!(
            ours(r),
            want,
            "sshdoctor disagrees with ssh ({:?}; ssh stderr:\n{})\n{}",
            o.verdict,
            o.stderr,
            r.dump()
        );
        self
    }

    fn severity(&self, id: &str) -> String {
        self.report.finding(id)["severity"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn policy(&self) -> String {
        fact(&self.report, "hostkey_policy").unwrap_or_default()
    }
}

fn server() -> Sshd {
    Sshd::builder().host_keys(&[KeyKind::Ed25519]).start()
}

fn key_of(line: &str) -> String {
    line.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn host_key(sshd: &Sshd) -> String {
    key_of(&sshd.host_public_key(KeyKind::Ed25519))
}

/// A fresh ed25519 key (not the server's): `TYPE BLOB`.
fn other_key(kind: KeyKind) -> String {
    let dir = fixture_dir("key-");
    let path = dir.path().join("k");
    sshd::keygen(kind, &path);
    key_of(&fs::read_to_string(path.with_extension("pub")).unwrap())
}

fn bracketed(sshd: &Sshd, host: &str) -> String {
    format!("[{host}]:{}", sshd.port())
}

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

// --- host certificates --------------------------------------------------------------------

/// A server whose only ed25519 key is certified by a fresh CA with these `ssh-keygen -s` options.
struct CertServer {
    sshd: Sshd,
    ca_pub: String,
    plain: String,
    _dir: tempfile::TempDir,
}

fn cert_server(sign: &[&str]) -> CertServer {
    cert_server_with_ca(KeyKind::Ed25519, sign)
}

fn cert_server_with_ca(ca_kind: KeyKind, sign: &[&str]) -> CertServer {
    let dir = fixture_dir("hostcert-");
    let key = dir.path().join("host_ed25519_key");
    sshd::keygen(KeyKind::Ed25519, &key);
    let ca = dir.path().join("ca");
    sshd::keygen(ca_kind, &ca);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-s"])
        .arg(&ca)
        .args(["-I", "host-id", "-z", "7"])
        .args(sign)
        .arg(key.with_extension("pub"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ecdsa])
        .extra_config(&format!(
            "HostKey {}\nHostCertificate {}\n",
            key.display(),
            dir.path().join("host_ed25519_key-cert.pub").display()
        ))
        .start();
    CertServer {
        sshd,
        ca_pub: key_of(&fs::read_to_string(ca.with_extension("pub")).unwrap()),
        plain: key_of(&fs::read_to_string(key.with_extension("pub")).unwrap()),
        _dir: dir,
    }
}

impl CertServer {
    fn ca_line(&self) -> String {
        format!(
            "@cert-authority {} {}\n",
            bracketed(&self.sshd, "127.0.0.1"),
            self.ca_pub
        )
    }

    /// With only the CA line and BatchMode: ssh connects iff the certificate is valid.
    fn check(&self, valid: bool, problem: Option<&str>) -> Outcome {
        let run = Case::new(&self.sshd, self.ca_line())
            .opt("BatchMode=yes")
            .run();
        match problem {
            None => {
                run.agree(Verdict::Connect);
                run.report.assert_no_finding("hostkey.cert_invalid");
            }
            Some(kind) => {
                assert!(!valid);
                run.agree(Verdict::Refuse);
                assert!(
                    run.oracle.stderr.contains("Certificate invalid")
                        || run
                            .oracle
                            .stderr
                            .contains("Certificate signed with disallowed"),
                    "{}",
                    run.oracle.stderr
                );
                assert_eq!(fact(&run.report, "cert_invalid").as_deref(), Some(kind));
                assert_eq!(run.severity("hostkey.cert_invalid"), "warning");
                let ev = run.report.evidence("hostkey.cert_invalid");
                assert!(
                    ev.iter().any(|e| e.starts_with("@cert-authority at ")),
                    "{ev:?}"
                );
                // The plain key decides: unknown, and BatchMode refuses it.
                assert_eq!(run.severity("hostkey.unknown"), "error");
            }
        }
        run
    }
}

#[test]
fn valid_host_certificate_is_accepted() {
    let s = cert_server(&["-h", "-n", "127.0.0.1", "-V", "-5m:+1h"]);
    s.check(true, None);
}

#[test]
fn certificate_with_another_principal_falls_back_to_the_plain_key() {
    let s = cert_server(&["-h", "-n", "other.example", "-V", "-5m:+1h"]);
    let run = s.check(false, Some("principal"));
    assert!(run
        .report
        .finding_text("hostkey.cert_invalid")
        .contains("127.0.0.1"));
    // With the plain key recorded too, both connect through it.
    let both = format!(
        "{}{} {}\n",
        s.ca_line(),
        bracketed(&s.sshd, "127.0.0.1"),
        s.plain
    );
    let run = Case::new(&s.sshd, both).opt("BatchMode=yes").run();
    run.agree(Verdict::Connect);
    assert_eq!(run.severity("hostkey.cert_invalid"), "warning");
}

#[test]
fn expired_certificate_is_invalid() {
    let s = cert_server(&["-h", "-n", "127.0.0.1", "-V", "20200101:20210101"]);
    s.check(false, Some("expired"));
}

#[test]
fn not_yet_valid_certificate_is_invalid() {
    let s = cert_server(&["-h", "-n", "127.0.0.1", "-V", "+1d:+2d"]);
    s.check(false, Some("not yet valid"));
}

#[test]
fn user_certificate_presented_as_host_certificate_is_invalid() {
    let s = cert_server(&["-n", "127.0.0.1", "-V", "-5m:+1h"]);
    s.check(false, Some("wrong type"));
}

/// OpenSSH 9.2's default CASignatureAlgorithms leaves out ssh-rsa (RSA/SHA-1).
#[test]
fn certificate_signed_with_sha1_rsa_is_refused_unless_allowed() {
    let s = cert_server_with_ca(
        KeyKind::Rsa,
        &["-t", "ssh-rsa", "-h", "-n", "127.0.0.1", "-V", "-5m:+1h"],
    );
    s.check(false, Some("CA algorithm"));
    let run = Case::new(&s.sshd, s.ca_line())
        .opt("BatchMode=yes")
        .opt("CASignatureAlgorithms=+ssh-rsa")
        .run();
    run.agree(Verdict::Connect);
    run.report.assert_no_finding("hostkey.cert_invalid");
}

#[test]
fn certificate_without_principals_is_valid_for_any_name() {
    let s = cert_server(&["-h", "-V", "-5m:+1h"]);
    s.check(true, None);
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
