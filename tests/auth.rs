//! End-to-end tests of the auth and session stages against a real sshd on 127.0.0.1, logging in
//! as the current user with fixture keys (and a real ssh-agent where the test is about agents).

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use common::agent::Agent;
use common::sshd::{self, KeyKind, Sshd};
use common::{sshdoctor, Home, Report};

/// The user the tests run as: the only account sure to exist on the test machine.
fn user() -> &'static str {
    static USER: OnceLock<String> = OnceLock::new();
    USER.get_or_init(|| {
        let output = Command::new("id").arg("-un").output().expect("run id -un");
        assert!(output.status.success(), "id -un failed");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    })
}

/// A server with only an ed25519 host key (fast to start) and `extra` sshd config (which wins).
fn server(extra: &str) -> Sshd {
    Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(extra)
        .start()
}

/// A known_hosts file in the fixture home holding the server's host key.
fn known_hosts(sshd: &Sshd, home: &Home) -> PathBuf {
    home.write_file(
        ".ssh/known_hosts_fixture",
        &format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    )
}

/// Probes `USER@127.0.0.1` on the server's port with its host key known, plus `extra`
/// arguments (before the destination).
fn probe(sshd: &Sshd, home: &Home, extra: &[&str]) -> Report {
    let kh = known_hosts(sshd, home);
    let mut args: Vec<String> = vec![
        "-p".into(),
        sshd.port().to_string(),
        "-o".into(),
        format!("UserKnownHostsFile={}", kh.display()),
        "-o".into(),
        "GlobalKnownHostsFile=/dev/null".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(format!("{}@127.0.0.1", user()));
    sshdoctor().home(home).args(&args).run_report()
}

/// A passphrase-less key `<home>/.ssh/<name>`, authorized on the server for the current user.
fn authorized_key(sshd: &Sshd, home: &Home, kind: KeyKind, name: &str) -> PathBuf {
    let path = home.generate_key(kind, name);
    sshd.authorize(user(), &home.public_key(name));
    path
}

/// How sshdoctor shows a path below the home: `~/...`.
fn shown(home: &Home, path: &Path) -> String {
    match path.strip_prefix(home.path()) {
        Ok(rest) => format!("~/{}", rest.display()),
        Err(_) => path.display().to_string(),
    }
}

/// The `SHA256:...` fingerprint `ssh-keygen -lf` prints for a key file.
fn fingerprint(path: &Path) -> String {
    let output = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(path)
        .output()
        .expect("run ssh-keygen -lf");
    assert!(output.status.success(), "ssh-keygen -lf {}", path.display());
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .nth(1)
        .expect("fingerprint field")
        .to_owned()
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// Asserts the login worked: exit 0, ok, auth and session passed (or `session` status), no error.
fn assert_login_ok(report: &Report, session: &str) {
    report.assert_exit(0);
    assert_eq!(report.json()["ok"], true, "ok\n{}", report.dump());
    assert_eq!(
        report.first_error(),
        None,
        "no error finding expected\n{}",
        report.dump()
    );
    report.assert_statuses(&[("auth", "pass"), ("session", session)]);
}

fn assert_contains(report: &Report, haystack: &str, needle: &str, what: &str) {
    assert!(
        haystack.contains(needle),
        "{what} should contain {needle:?}, got {haystack:?}\n{}",
        report.dump()
    );
}

/// A finding's `detail` field.
fn detail(report: &Report, id: &str) -> String {
    report.finding(id)["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A finding's `fix` field.
fn fix(report: &Report, id: &str) -> String {
    report.finding(id)["fix"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

// ---------------------------------------------------------------------------------------------

#[test]
fn healthy_rsa_login_through_host_alias() {
    let sshd = server("");
    let home = Home::new();
    let key = authorized_key(&sshd, &home, KeyKind::Rsa, "id_rsa_alias");
    let kh = known_hosts(&sshd, &home);
    home.write_config(&format!(
        "Host myalias\n    HostName 127.0.0.1\n    Port {}\n    User {}\n    IdentityFile {}\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n",
        sshd.port(),
        user(),
        key.display(),
        kh.display()
    ));
    let report = sshdoctor().home(&home).arg("myalias").run_report();
    assert_login_ok(&report, "pass");
    let (_, config_summary) = report.check("config");
    assert_contains(&report, &config_summary, "alias myalias", "config summary");
    let (_, auth_summary) = report.check("auth");
    assert_contains(&report, &auth_summary, &shown(&home, &key), "auth summary");
    assert!(
        report.findings().is_empty(),
        "a healthy login has no findings\n{}",
        report.dump()
    );
}

#[test]
fn seventh_configured_key_hits_max_auth_tries() {
    let sshd = server("MaxAuthTries 6");
    let home = Home::new();
    let mut config = String::new();
    let mut keys = Vec::new();
    for i in 1..=7 {
        let name = format!("k{i}");
        let path = if i == 7 {
            authorized_key(&sshd, &home, KeyKind::Ed25519, &name)
        } else {
            home.generate_key(KeyKind::Ed25519, &name)
        };
        config.push_str(&format!("IdentityFile {}\n", path.display()));
        keys.push(path);
    }
    home.write_config(&config);
    match real_ssh(&sshd, &home, &[]) {
        Err(e) if e.contains("Too many authentication failures") => {}
        other => panic!("premise: OpenSSH's ssh hits the limit, got {other:?}"),
    }
    let report = probe(&sshd, &home, &[]);
    report.assert_exit(1);
    report.assert_first_error("auth.too_many_failures");
    let right = &keys[6];
    let detail = detail(&report, "auth.too_many_failures");
    assert_contains(&report, &detail, &shown(&home, right), "detail");
    assert_contains(&report, &detail, "allows 6", "detail");
    assert_contains(&report, &detail, "key 7", "detail");
    let fix = fix(&report, "auth.too_many_failures");
    assert_contains(&report, &fix, "IdentitiesOnly yes", "fix");
    assert_contains(
        &report,
        &fix,
        &format!("IdentityFile {}", right.display()),
        "fix",
    );
    assert!(
        report
            .evidence("auth.too_many_failures")
            .iter()
            .any(|e| e.starts_with("accepted: ") && e.ends_with(&fingerprint(right))),
        "evidence names the accepted key\n{}",
        report.dump()
    );
    // The probe reconnected past the limit, logged in with the 7th key and went on.
    report.assert_statuses(&[("auth", "fail")]);
    assert_ne!(
        report.status("session"),
        "skipped",
        "the diagnosis continues past the limit\n{}",
        report.dump()
    );
}

#[test]
fn six_agent_keys_before_the_configured_key_hit_max_auth_tries() {
    let sshd = server("MaxAuthTries 6");
    let home = Home::new();
    let agent = Agent::start();
    for i in 1..=6 {
        let path = home.generate_key(KeyKind::Ed25519, &format!("agent{i}"));
        agent.add(&path);
    }
    let right = authorized_key(&sshd, &home, KeyKind::Ed25519, "right");
    home.write_config(&format!(
        "IdentityAgent {}\nIdentityFile {}\n",
        agent.socket().display(),
        right.display()
    ));
    let report = probe(&sshd, &home, &[]);
    report.assert_exit(1);
    report.assert_first_error("auth.too_many_failures");
    let detail = detail(&report, "auth.too_many_failures");
    assert_contains(&report, &detail, &shown(&home, &right), "detail");
    assert_contains(&report, &detail, "allows 6", "detail");
    let fix = fix(&report, "auth.too_many_failures");
    assert_contains(&report, &fix, "IdentitiesOnly yes", "fix");
}

#[test]
fn stale_identity_file_is_the_first_error() {
    let sshd = server("");
    let home = Home::new();
    let stale = home.ssh_dir().join("id_moved_away");
    home.write_config(&format!(
        "# the key moved\nIdentityFile {}\n",
        stale.display()
    ));
    let report = probe(&sshd, &home, &[]);
    report.assert_exit(1);
    report.assert_first_error("key.missing");
    let finding = report.finding("key.missing");
    assert_eq!(finding["severity"], "error", "{}", report.dump());
    let text = report.finding_text("key.missing");
    assert_contains(&report, &text, &stale.display().to_string(), "key.missing");
    assert_contains(&report, &text, "~/.ssh/config line 2", "key.missing");
    assert_eq!(report.status("auth"), "fail", "{}", report.dump());
}

#[test]
fn world_readable_key_is_unprotected() {
    let sshd = server("");
    let home = Home::new();
    let key = authorized_key(&sshd, &home, KeyKind::Ed25519, "open_key");
    chmod(&key, 0o644);
    let report = probe(&sshd, &home, &["-i", &arg(&key)]);
    report.assert_exit(1);
    report.assert_first_error("key.unprotected");
    let text = report.finding_text("key.unprotected");
    assert_contains(&report, &text, "0644", "key.unprotected");
    let actions = report.finding("key.unprotected")["actions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let action = actions
        .iter()
        .find(|a| a["id"] == "permissions.fix")
        .unwrap_or_else(|| panic!("no permissions.fix action\n{}", report.dump()));
    let command = action["command"].as_str().unwrap_or_default();
    assert_contains(&report, command, "chmod 600", "permissions.fix command");
    assert_contains(
        &report,
        command,
        &key.display().to_string(),
        "permissions.fix command",
    );
    assert_eq!(
        fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o644,
        "report mode must not change the key's mode"
    );
}

#[test]
fn group_writable_user_config_is_refused() {
    let sshd = server("");
    let home = Home::new();
    let key = authorized_key(&sshd, &home, KeyKind::Ed25519, "id_cfg");
    // ssh checks ~/.ssh/config and every included file, not a -F file (which the harness
    // passes): the setting lives in an included file, writable by another user's group
    // (daemon). Debian's ssh would accept only the user's own private group.
    let inc = home.write_file(
        ".ssh/inc.conf",
        &format!("IdentityFile {}\n", key.display()),
    );
    home.write_config(&format!("Include {}\n", inc.display()));
    std::os::unix::fs::chown(&inc, None, Some(1)).expect("chgrp daemon (the tests run as root)");
    chmod(&inc, 0o664);
    let report = probe(&sshd, &home, &[]);
    report.assert_exit(1);
    report.assert_first_error("config.bad_permissions");
    let text = report.finding_text("config.bad_permissions");
    assert_contains(&report, &text, "0664", "config.bad_permissions");
    assert_eq!(report.status("config"), "fail", "{}", report.dump());
}

#[test]
fn unauthorized_key_is_refused() {
    let sshd = server("");
    let home = Home::new();
    let key = home.generate_key(KeyKind::Ed25519, "stranger");
    let report = probe(&sshd, &home, &["-i", &arg(&key)]);
    report.assert_exit(1);
    report.assert_first_error("auth.no_accepted_key");
    let expected = format!("refused: {} {}", shown(&home, &key), fingerprint(&key));
    let evidence = report.evidence("auth.no_accepted_key");
    assert!(
        evidence.contains(&expected),
        "evidence should list {expected:?}\n{}",
        report.dump()
    );
    report.assert_statuses(&[("auth", "fail"), ("session", "skipped")]);
}

#[test]
fn encrypted_key_needs_its_passphrase() {
    const PASSPHRASE: &str = "secretpass-7731-zq";
    let sshd = server("");
    let home = Home::new();
    let key = home.ssh_dir().join("locked");
    let output = Command::new("ssh-keygen")
        .args([
            "-q", "-t", "ed25519", "-C", "locked", "-N", PASSPHRASE, "-f",
        ])
        .arg(&key)
        .stdin(Stdio::null())
        .output()
        .expect("run ssh-keygen");
    assert!(output.status.success(), "ssh-keygen -N failed");
    sshd.authorize(user(), &home.public_key("locked"));
    let report = probe(&sshd, &home, &["-i", &arg(&key)]);
    report.assert_exit(1);
    report.assert_first_error("auth.key_passphrase_needed");
    let text = report.finding_text("auth.key_passphrase_needed");
    assert_contains(
        &report,
        &text,
        &fingerprint(&key),
        "auth.key_passphrase_needed",
    );
    assert_contains(&report, &text, "ssh-add", "auth.key_passphrase_needed");
    assert!(
        !report.stdout.contains(PASSPHRASE) && !report.stderr.contains(PASSPHRASE),
        "the passphrase must never appear in the output\n{}",
        report.dump()
    );
}

#[test]
fn server_without_usable_methods() {
    let sshd = server(
        "PubkeyAuthentication no\nPasswordAuthentication no\nKbdInteractiveAuthentication no",
    );
    let home = Home::new();
    let key = home.generate_key(KeyKind::Ed25519, "unused");
    let report = probe(&sshd, &home, &["-i", &arg(&key)]);
    report.assert_exit(1);
    report.assert_first_error("auth.method_not_allowed");
    report.assert_statuses(&[("auth", "fail"), ("session", "skipped")]);
}

#[test]
fn nologin_account_has_no_shell() {
    let sshd = server("ForceCommand /usr/sbin/nologin");
    let home = Home::new();
    let key = authorized_key(&sshd, &home, KeyKind::Ed25519, "id_nologin");
    let report = probe(&sshd, &home, &["-i", &arg(&key)]);
    report.assert_exit(1);
    report.assert_first_error("session.no_shell");
    report.assert_statuses(&[("auth", "pass"), ("session", "fail")]);
    let text = report.finding_text("session.no_shell");
    assert_contains(&report, &text, "not available", "session.no_shell");
}

/// Runs the real OpenSSH client (confined to the fixture home, BatchMode) with extra
/// arguments: `Ok` when it logged in and ran `true`, else its stderr.
fn real_ssh(sshd: &Sshd, home: &Home, extra: &[&str]) -> Result<(), String> {
    // ssh_command pins UserKnownHostsFile to the home's known_hosts (the first -o wins).
    home.write_file(
        ".ssh/known_hosts",
        &format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    );
    let output = home
        .ssh_command()
        .args(extra)
        .arg("-p")
        .arg(sshd.port().to_string())
        .arg(format!("{}@127.0.0.1", user()))
        .arg("true")
        .output()
        .expect("run ssh (install openssh-client)");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// sshd 9.2 with `PubkeyAcceptedAlgorithms ssh-rsa` still advertises rsa-sha2-256/512 in
/// server-sig-algs, so ssh signs with rsa-sha2-512 and is refused ("signature algorithm
/// rsa-sha2-512 not in PubkeyAcceptedAlgorithms"): a refused key, not "no mutual signature
/// algorithm" — and `+ssh-rsa` does not help, because ssh still prefers rsa-sha2-512.
#[test]
fn sha1_only_rsa_server_refuses_the_sha2_signature_like_ssh() {
    let extra = "PubkeyAcceptedAlgorithms ssh-rsa";
    sshd::check_config(extra).expect("this sshd accepts PubkeyAcceptedAlgorithms ssh-rsa");
    let sshd = server(extra);
    let home = Home::new();
    let key = authorized_key(&sshd, &home, KeyKind::Rsa, "id_legacy");
    for options in [&[][..], &["-o", "PubkeyAcceptedAlgorithms=+ssh-rsa"][..]] {
        let mut ssh_args = vec!["-i", key.to_str().expect("UTF-8 path")];
        ssh_args.extend_from_slice(options);
        match real_ssh(&sshd, &home, &ssh_args) {
            Err(e) if e.contains("Permission denied") => {}
            other => panic!(
                "premise: OpenSSH's ssh {options:?} is refused by this server, got {other:?}"
            ),
        }
        let mut args = vec!["-i".to_owned(), arg(&key)];
        args.extend(options.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let report = probe(&sshd, &home, &args);
        report.assert_exit(1);
        report.assert_first_error("auth.no_accepted_key");
        report.assert_no_finding("auth.no_mutual_signature");
        let expected = format!("refused: {} {}", shown(&home, &key), fingerprint(&key));
        assert!(
            report.evidence("auth.no_accepted_key").contains(&expected),
            "evidence should list {expected:?}\n{}",
            report.dump()
        );
    }
}

/// With the client's PubkeyAcceptedAlgorithms reduced to `ssh-rsa`, ssh picks the first RSA
/// entry of its own list that the server's server-sig-algs names — `ssh-rsa` here, which this
/// server takes — and logs in.
#[test]
fn client_sha1_only_rsa_logs_in_when_the_server_lists_ssh_rsa() {
    let extra = "PubkeyAcceptedAlgorithms ssh-rsa";
    sshd::check_config(extra).expect("this sshd accepts PubkeyAcceptedAlgorithms ssh-rsa");
    let sshd = server(extra);
    let home = Home::new();
    let key = authorized_key(&sshd, &home, KeyKind::Rsa, "id_legacy");
    let options = ["-o", "PubkeyAcceptedAlgorithms=ssh-rsa"];
    if let Err(e) = real_ssh(&sshd, &home, &["-i", &arg(&key), options[0], options[1]]) {
        panic!("premise: OpenSSH's ssh logs in with ssh-rsa signatures, got {e}");
    }
    let report = probe(&sshd, &home, &["-i", &arg(&key), options[0], options[1]]);
    assert_login_ok(&report, "pass");
    report.assert_no_finding("auth.no_mutual_signature");
}

#[test]
fn forced_echo_is_a_noisy_startup() {
    let sshd = server("ForceCommand echo welcome");
    let home = Home::new();
    let key = authorized_key(&sshd, &home, KeyKind::Ed25519, "id_noisy");
    let report = probe(&sshd, &home, &["-i", &arg(&key)]);
    assert_login_ok(&report, "warn");
    let finding = report.finding("session.noisy_startup");
    assert_eq!(finding["severity"], "warning", "{}", report.dump());
    assert_contains(
        &report,
        &report.finding_text("session.noisy_startup"),
        "welcome",
        "session.noisy_startup",
    );
}

/// A forced command that prints, then runs what was asked: the server-side script runs through
/// (and stands in for the session check), so the noise before it is the noisy startup, as
/// `true` alone would show it, and the remote stage still gets the account.
#[test]
fn noisy_wrapper_running_the_command_is_a_noisy_startup() {
    let sshd =
        server("ForceCommand /bin/sh -c 'echo hello-from-rc; eval \"$SSH_ORIGINAL_COMMAND\"'");
    let home = Home::new();
    let key = authorized_key(&sshd, &home, KeyKind::Ed25519, "id_wrapped");
    let report = probe(&sshd, &home, &["-i", &arg(&key)]);
    assert_login_ok(&report, "warn");
    let text = report.finding_text("session.noisy_startup");
    assert_contains(&report, &text, "hello-from-rc", "session.noisy_startup");
    // Exactly what `true` would have printed: the wrapper's line, 14 bytes.
    assert_contains(
        &report,
        &text,
        "printed 14 byte(s)",
        "session.noisy_startup",
    );
    report.assert_no_finding("session.no_shell");
}

/// A forced command that runs what was asked and then fails: the script ran, but every command
/// ends with status 3, so the account cannot run commands, as with `true` alone.
#[test]
fn wrapper_failing_after_the_command_has_no_shell() {
    let sshd = server("ForceCommand /bin/sh -c 'eval \"$SSH_ORIGINAL_COMMAND\"; exit 3'");
    let home = Home::new();
    let key = authorized_key(&sshd, &home, KeyKind::Ed25519, "id_failing");
    let report = probe(&sshd, &home, &["-i", &arg(&key)]);
    report.assert_exit(1);
    report.assert_first_error("session.no_shell");
    let text = report.finding_text("session.no_shell");
    assert_contains(&report, &text, "exited with status 3", "session.no_shell");
}

#[test]
fn server_without_sftp_is_a_warning() {
    let sshd = server("Subsystem other /bin/true");
    let home = Home::new();
    let key = authorized_key(&sshd, &home, KeyKind::Ed25519, "id_nosftp");
    let report = probe(&sshd, &home, &["-i", &arg(&key)]);
    assert_login_ok(&report, "warn");
    let finding = report.finding("session.no_sftp");
    assert_eq!(finding["severity"], "warning", "{}", report.dump());
    report.assert_no_finding("session.no_shell");
}

/// An old server (russh stand-in) whose server-sig-algs names only `ssh-rsa` for RSA keys:
/// OpenSSH 9.2 skips the RSA key ("no mutual signature algorithm"), and so does sshdoctor's
/// model of it; allowing ssh-rsa for the host makes the key usable, for both.
#[test]
fn sha1_only_server_sig_algs_is_no_mutual_signature() {
    use common::fake_ssh::FakeSsh;
    let home = Home::new();
    let host_key = home.generate_key(KeyKind::Ed25519, "fake_host_key");
    let server = FakeSsh::sha1_rsa_only(&host_key);
    let host_pub = home.public_key("fake_host_key");
    let kh = home.write_file(
        ".ssh/known_hosts_fake",
        &format!(
            "[127.0.0.1]:{} {}\n",
            server.port(),
            host_pub
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        ),
    );
    let key = home.generate_key(KeyKind::Rsa, "id_rsa_old");
    let base = |extra: &[&str]| {
        let mut args: Vec<String> = vec![
            "-p".into(),
            server.port().to_string(),
            "-o".into(),
            format!("UserKnownHostsFile={}", kh.display()),
            "-o".into(),
            "GlobalKnownHostsFile=/dev/null".into(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
            "-i".into(),
            arg(&key),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push(format!("{}@127.0.0.1", user()));
        args
    };

    // The real client agrees: it will not sign with SHA-1.
    let out = Command::new("ssh")
        .args(["-F", "/dev/null"])
        .args(base(&[
            "-v",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentityAgent=none",
        ]))
        .arg("true")
        .env("HOME", home.path())
        .stdin(Stdio::null())
        .output()
        .expect("run ssh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no mutual signature algorithm"),
        "ssh -v says why it skips the key:\n{stderr}"
    );

    let report = sshdoctor().home(&home).args(&base(&[])).run_report();
    report.assert_first_error("auth.no_mutual_signature");
    assert_contains(
        &report,
        &report.finding_text("auth.no_mutual_signature"),
        "PubkeyAcceptedAlgorithms +ssh-rsa",
        "fix",
    );

    let allowed = sshdoctor()
        .home(&home)
        .args(&base(&["-o", "PubkeyAcceptedAlgorithms=+ssh-rsa"]))
        .run_report();
    assert_eq!(allowed.check("auth").0, "pass", "{}", allowed.dump());
    report_has_no(&allowed, "auth.no_mutual_signature");
}

fn report_has_no(report: &Report, id: &str) {
    assert!(
        !report.finding_ids().iter().any(|f| f == id),
        "{id} unexpected\n{}",
        report.dump()
    );
}
