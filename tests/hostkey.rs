//! End-to-end tests of the hostkey stage: known_hosts lookups against a real sshd on 127.0.0.1.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::sshd::{self, KeyKind, Sshd};
use common::{fixture_dir, sshdoctor, Home, Report};

/// A user name that exists nowhere, so no probe can log in anywhere.
const USER: &str = "sshdoctor-test";

/// A server with only an ed25519 host key (fast to start, one deterministic presented key).
fn server() -> Sshd {
    Sshd::builder().host_keys(&[KeyKind::Ed25519]).start()
}

/// Probes `host` on the server's port with the given UserKnownHostsFile list, no global file,
/// and extra arguments (before the destination).
fn probe_host(
    sshd: &Sshd,
    home: &Home,
    host: &str,
    user_files: &[&Path],
    extra: &[&str],
) -> Report {
    let files: Vec<String> = user_files.iter().map(|p| p.display().to_string()).collect();
    let mut args: Vec<String> = vec![
        "-p".into(),
        sshd.port().to_string(),
        "-o".into(),
        format!("UserKnownHostsFile={}", files.join(" ")),
        "-o".into(),
        "GlobalKnownHostsFile=/dev/null".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(format!("{USER}@{host}"));
    sshdoctor().home(home).args(&args).run_report()
}

fn probe(sshd: &Sshd, home: &Home, user_files: &[&Path], extra: &[&str]) -> Report {
    probe_host(sshd, home, "127.0.0.1", user_files, extra)
}

/// `TYPE BLOB` of a public key line (without the comment).
fn type_and_blob(public_key_line: &str) -> String {
    public_key_line
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `SHA256:...` fingerprint `ssh-keygen -lf` prints for a public key file.
fn fingerprint(pub_path: &Path) -> String {
    let output = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(pub_path)
        .output()
        .expect("run ssh-keygen -lf");
    assert!(
        output.status.success(),
        "ssh-keygen -lf {}",
        pub_path.display()
    );
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .nth(1)
        .expect("fingerprint field")
        .to_owned()
}

/// A fresh key of this kind in the fixture home (not the server's): `TYPE BLOB`.
fn other_key(home: &Home, kind: KeyKind, name: &str) -> String {
    home.generate_key(kind, name);
    type_and_blob(&home.public_key(name))
}

fn host_key(sshd: &Sshd, kind: KeyKind) -> String {
    type_and_blob(&sshd.host_public_key(kind))
}

fn bracketed(sshd: &Sshd) -> String {
    format!("[127.0.0.1]:{}", sshd.port())
}

/// Asserts the hostkey check passed (or `status`) and its summary is `known (FILE:LINE)`.
fn assert_known(report: &Report, status: &str, file: &Path, line: usize) {
    let (got_status, summary) = report.check("hostkey");
    assert_eq!(got_status, status, "hostkey status\n{}", report.dump());
    assert_eq!(
        summary,
        format!("known ({}:{line})", file.display()),
        "hostkey summary\n{}",
        report.dump()
    );
    for id in [
        "hostkey.changed",
        "hostkey.unknown",
        "hostkey.revoked",
        "hostkey.other_type_known",
    ] {
        report.assert_no_finding(id);
    }
}

/// Asserts `hostkey.changed` is the first error, the hostkey stage failed, and the evidence
/// records `FILE:LINE` with the recorded fingerprint and the presented one.
fn assert_changed(report: &Report, sshd: &Sshd, file: &Path, line: usize, recorded_fp: &str) {
    report.assert_exit(1);
    report.assert_first_error("hostkey.changed");
    report.assert_statuses(&[
        ("tcp", "pass"),
        ("banner", "pass"),
        ("kex", "pass"),
        ("hostkey", "fail"),
        ("auth", "skipped"),
    ]);
    let evidence = report.evidence("hostkey.changed");
    let recorded = format!("recorded at {}:{line}: ", file.display());
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with(&recorded) && e.ends_with(recorded_fp)),
        "evidence should have {recorded:?}...{recorded_fp}\n{}",
        report.dump()
    );
    let presented = fingerprint(&sshd.host_key_path(KeyKind::Ed25519).with_extension("pub"));
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("presented: ") && e.ends_with(&presented)),
        "evidence should have the presented {presented}\n{}",
        report.dump()
    );
}

/// The `known_hosts.remove` action of a finding: `(preview, command)`.
fn remove_action(report: &Report, id: &str) -> (String, String) {
    let actions = report.finding(id)["actions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let action = actions
        .iter()
        .find(|a| a["id"] == "known_hosts.remove")
        .unwrap_or_else(|| panic!("no known_hosts.remove action on {id}\n{}", report.dump()));
    (
        action["preview"].as_str().unwrap_or_default().to_owned(),
        action["command"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The `-`/`+` lines of a diff preview (without the `---`/`+++` headers).
fn diff_lines(preview: &str, sign: char) -> Vec<String> {
    preview
        .lines()
        .filter(|l| l.starts_with(sign) && !l.starts_with("---") && !l.starts_with("+++"))
        .map(|l| l[1..].to_owned())
        .collect()
}

fn pub_fingerprint(home: &Home, name: &str) -> String {
    fingerprint(&home.ssh_dir().join(format!("{name}.pub")))
}

// ---------------------------------------------------------------------------------------------

#[test]
fn known_plain_entry_passes_and_names_file_and_line() {
    let sshd = server();
    let home = Home::new();
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!("# comment\n\n{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    );
    let report = probe(&sshd, &home, &[&kh], &[]);
    assert_known(&report, "pass", &kh, 3);
    assert!(
        !report
            .finding_ids()
            .iter()
            .any(|id| id.starts_with("hostkey.") || id.starts_with("known_hosts.")),
        "no hostkey finding expected\n{}",
        report.dump()
    );
}

#[test]
fn changed_plain_entry_is_reported_with_line_and_remove_action() {
    let sshd = server();
    let home = Home::new();
    let wrong = other_key(&home, KeyKind::Ed25519, "wrong");
    let kept = format!("otherhost {}", host_key(&sshd, KeyKind::Ed25519));
    let stale = format!("{} {wrong}", bracketed(&sshd));
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!("# first\n{kept}\n\n# the stale one\n{stale}\n"),
    );
    let report = probe(&sshd, &home, &[&kh], &[]);
    assert_changed(&report, &sshd, &kh, 5, &pub_fingerprint(&home, "wrong"));

    let (preview, command) = remove_action(&report, "hostkey.changed");
    assert_eq!(
        diff_lines(&preview, '-'),
        vec![stale.clone()],
        "preview\n{preview}"
    );
    assert!(diff_lines(&preview, '+').is_empty(), "preview\n{preview}");
    assert!(!preview.contains(&format!("-{kept}")), "preview\n{preview}");
    assert!(command.contains("ssh-keygen -R"), "command {command:?}");
    assert!(
        command.contains(&kh.display().to_string()),
        "command {command:?}"
    );
    assert!(command.contains(&bracketed(&sshd)), "command {command:?}");
}

#[test]
fn changed_hashed_entry_is_reported() {
    let sshd = server();
    let home = Home::new();
    let wrong = other_key(&home, KeyKind::Ed25519, "wrong");
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!("otherhost {wrong}\n{} {wrong}\n", bracketed(&sshd)),
    );
    let status = Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&kh)
        .output()
        .expect("run ssh-keygen -H");
    assert!(status.status.success(), "ssh-keygen -H failed");
    let text = std::fs::read_to_string(&kh).unwrap();
    assert!(
        text.lines().all(|l| l.starts_with("|1|")),
        "ssh-keygen -H should hash every line:\n{text}"
    );
    let report = probe(&sshd, &home, &[&kh], &[]);
    assert_changed(&report, &sshd, &kh, 2, &pub_fingerprint(&home, "wrong"));
    let (preview, _) = remove_action(&report, "hostkey.changed");
    let removed = diff_lines(&preview, '-');
    assert_eq!(
        removed,
        vec![text.lines().nth(1).unwrap().to_owned()],
        "preview\n{preview}"
    );
}

#[test]
fn changed_multi_name_entry_keeps_the_other_name_in_the_preview() {
    let sshd = server();
    let home = Home::new();
    let wrong = other_key(&home, KeyKind::Ed25519, "wrong");
    let line = format!("{},otherhost {wrong}", bracketed(&sshd));
    let kh = home.write_file(".ssh/known_hosts", &format!("# c\n{line}\n"));
    let report = probe(&sshd, &home, &[&kh], &[]);
    assert_changed(&report, &sshd, &kh, 2, &pub_fingerprint(&home, "wrong"));
    let (preview, _) = remove_action(&report, "hostkey.changed");
    assert_eq!(diff_lines(&preview, '-'), vec![line], "preview\n{preview}");
    assert_eq!(
        diff_lines(&preview, '+'),
        vec![format!("otherhost {wrong}")],
        "preview\n{preview}"
    );
}

#[test]
fn wildcard_entry_with_the_right_key_is_known() {
    let sshd = server();
    let home = Home::new();
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!(
            "# c\n[127.0.0.*]:{} {}\n",
            sshd.port(),
            host_key(&sshd, KeyKind::Ed25519)
        ),
    );
    let report = probe(&sshd, &home, &[&kh], &[]);
    assert_known(&report, "pass", &kh, 2);
}

#[test]
fn star_entry_with_the_right_key_is_known() {
    let sshd = server();
    let home = Home::new();
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!("* {}\n", host_key(&sshd, KeyKind::Ed25519)),
    );
    let report = probe(&sshd, &home, &[&kh], &[]);
    assert_known(&report, "pass", &kh, 1);
}

#[test]
fn wildcard_entry_with_a_wrong_key_is_changed() {
    let sshd = server();
    let home = Home::new();
    let wrong = other_key(&home, KeyKind::Ed25519, "wrong");
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!("# c\n\n[127.0.0.*]:{} {wrong}\n", sshd.port()),
    );
    let report = probe(&sshd, &home, &[&kh], &[]);
    assert_changed(&report, &sshd, &kh, 3, &pub_fingerprint(&home, "wrong"));
}

#[test]
fn revoked_key_is_an_error_and_stops_before_auth() {
    let sshd = server();
    let home = Home::new();
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!(
            "# c\n{}\n@revoked {}\n",
            sshd.known_hosts_line(KeyKind::Ed25519),
            sshd.known_hosts_line(KeyKind::Ed25519)
        ),
    );
    let report = probe(&sshd, &home, &[&kh], &[]);
    report.assert_exit(1);
    report.assert_first_error("hostkey.revoked");
    report.assert_statuses(&[("kex", "pass"), ("hostkey", "fail")]);
    report.assert_skipped_after("hostkey");
    let evidence = report.evidence("hostkey.revoked");
    let at = format!("@revoked at {}:3", kh.display());
    assert!(
        evidence.contains(&at),
        "evidence should have {at:?}\n{}",
        report.dump()
    );
    report.assert_no_finding("hostkey.changed");
}

/// A host certificate signed by a CA trusted with `@cert-authority`.
#[test]
fn host_certificate_signed_by_a_trusted_ca_is_known() {
    let keys = fixture_dir("hostcert-");
    let host_key_path = keys.path().join("cert_host_ed25519_key");
    sshd::keygen(KeyKind::Ed25519, &host_key_path);
    let ca = keys.path().join("ca");
    sshd::keygen(KeyKind::Ed25519, &ca);
    let output = Command::new("ssh-keygen")
        .args(["-q", "-s"])
        .arg(&ca)
        .args(["-I", "host", "-h", "-n", "127.0.0.1", "-V", "-5m:+1h"])
        .arg(host_key_path.with_extension("pub"))
        .output()
        .expect("run ssh-keygen -s");
    assert!(
        output.status.success(),
        "ssh-keygen -s: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cert: PathBuf = keys.path().join("cert_host_ed25519_key-cert.pub");
    assert!(cert.is_file());
    // The harness key is ECDSA only, so the only ed25519 host key is the certified one.
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ecdsa])
        .extra_config(&format!(
            "HostKey {}\nHostCertificate {}\n",
            host_key_path.display(),
            cert.display()
        ))
        .start();
    let home = Home::new();
    let ca_pub = type_and_blob(&std::fs::read_to_string(ca.with_extension("pub")).unwrap());
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!("# c\n@cert-authority {} {ca_pub}\n", bracketed(&sshd)),
    );
    let report = probe(&sshd, &home, &[&kh], &[]);
    assert_known(&report, "pass", &kh, 2);
    assert!(
        report
            .log_text()
            .contains("certificate signed by a trusted CA"),
        "{}",
        report.dump()
    );
}

#[test]
fn host_key_alias_entry_is_known() {
    let sshd = server();
    let home = Home::new();
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!("# c\n{} {}\n", "myalias", host_key(&sshd, KeyKind::Ed25519)),
    );
    let report = probe(&sshd, &home, &[&kh], &["-o", "HostKeyAlias=myalias"]);
    assert_known(&report, "pass", &kh, 2);
}

#[test]
fn key_only_in_the_second_user_file_is_known_from_there() {
    let sshd = server();
    let home = Home::new();
    let first = home.write_file(".ssh/first_hosts", "otherhost ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n");
    let second = home.write_file(
        ".ssh/second_hosts",
        &format!("# c\n{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    );
    let report = probe(&sshd, &home, &[&first, &second], &[]);
    assert_known(&report, "pass", &second, 2);
}

#[test]
fn key_only_in_known_hosts2_is_known_from_there() {
    let sshd = server();
    let home = Home::new();
    let first = home.write_file(".ssh/known_hosts", "# nothing here\n");
    let second = home.write_file(
        ".ssh/known_hosts2",
        &format!("\n\n{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    );
    let report = probe(&sshd, &home, &[&first, &second], &[]);
    assert_known(&report, "pass", &second, 3);
}

#[test]
fn user_known_hosts_files_from_the_config_file() {
    let sshd = server();
    let home = Home::new();
    let first = home.write_file(".ssh/known_hosts", "");
    let second = home.write_file(
        ".ssh/known_hosts2",
        &format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    );
    home.write_config(&format!(
        "UserKnownHostsFile {} {}\nGlobalKnownHostsFile /dev/null\n",
        first.display(),
        second.display()
    ));
    let port = sshd.port().to_string();
    let report = sshdoctor()
        .home(&home)
        .args(&["-p", &port, &format!("{USER}@127.0.0.1")])
        .run_report();
    assert_known(&report, "pass", &second, 1);
}

#[test]
fn malformed_line_for_this_host_warns_but_the_good_line_is_used() {
    let sshd = server();
    let home = Home::new();
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!(
            "# c\n{} ssh-ed25519 not*base64\n{}\n",
            bracketed(&sshd),
            sshd.known_hosts_line(KeyKind::Ed25519)
        ),
    );
    let report = probe(&sshd, &home, &[&kh], &[]);
    assert_known(&report, "warn", &kh, 3);
    let finding = report.finding("known_hosts.malformed");
    assert_eq!(finding["severity"], "warning", "{}", report.dump());
    let at = format!("{}:2", kh.display());
    assert!(
        report
            .evidence("known_hosts.malformed")
            .iter()
            .any(|e| e.starts_with(&at)),
        "evidence should start with {at:?}\n{}",
        report.dump()
    );
    // No exit-code assertion: until auth is implemented no login completes, so every probe exits 1.
    assert!(
        report.error_ids().iter().all(|id| id.starts_with("auth.")),
        "{}",
        report.dump()
    );
}

#[test]
fn malformed_line_for_another_host_is_not_reported() {
    let sshd = server();
    let home = Home::new();
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!(
            "otherhost ssh-ed25519 not*base64\n{}\n",
            sshd.known_hosts_line(KeyKind::Ed25519)
        ),
    );
    let report = probe(&sshd, &home, &[&kh], &[]);
    assert_known(&report, "pass", &kh, 2);
    report.assert_no_finding("known_hosts.malformed");
}

#[test]
fn no_entry_is_unknown_with_the_fingerprint() {
    let sshd = server();
    let home = Home::new();
    let kh = home.write_file(".ssh/known_hosts", "# empty\n");
    let report = probe(&sshd, &home, &[&kh], &[]);
    let finding = report.finding("hostkey.unknown");
    assert_eq!(finding["severity"], "warning", "{}", report.dump());
    assert_eq!(report.status("hostkey"), "warn", "{}", report.dump());
    assert!(
        report.error_ids().iter().all(|id| id.starts_with("auth.")),
        "{}",
        report.dump()
    );
    let fp = fingerprint(&sshd.host_key_path(KeyKind::Ed25519).with_extension("pub"));
    assert!(
        report
            .evidence("hostkey.unknown")
            .contains(&format!("presented: ssh-ed25519 {fp}")),
        "evidence should have the fingerprint {fp}\n{}",
        report.dump()
    );
    assert!(
        report
            .evidence("hostkey.unknown")
            .iter()
            .any(|e| e.contains(&kh.display().to_string())),
        "evidence should name the searched file\n{}",
        report.dump()
    );
}

#[test]
fn missing_known_hosts_file_is_unknown() {
    let sshd = server();
    let home = Home::new();
    let kh = home.known_hosts_path();
    let report = probe(&sshd, &home, &[&kh], &[]);
    report.finding("hostkey.unknown");
    assert!(
        report
            .evidence("hostkey.unknown")
            .iter()
            .any(|e| e.contains(&format!("{} (absent)", kh.display()))),
        "{}",
        report.dump()
    );
}

#[test]
fn only_another_key_type_recorded_is_other_type_known() {
    let sshd = server();
    let home = Home::new();
    let rsa = other_key(&home, KeyKind::Rsa, "rsa");
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!("# c\n{} {rsa}\n", bracketed(&sshd)),
    );
    let report = probe(&sshd, &home, &[&kh], &[]);
    // OpenSSH 9.2 itself treats this as a changed key ("REMOTE HOST IDENTIFICATION HAS
    // CHANGED") and refuses, so the stage fails and the finding is an error (issue 10;
    // tests/hostkey_policy.rs checks it against the real ssh).
    report.assert_exit(1);
    let finding = report.finding("hostkey.other_type_known");
    assert_eq!(finding["severity"], "error", "{}", report.dump());
    report.assert_no_finding("hostkey.changed");
    assert_eq!(report.status("hostkey"), "fail", "{}", report.dump());
    report.assert_skipped_after("hostkey");
    let at = format!("recorded at {}:2: ssh-rsa ", kh.display());
    assert!(
        report
            .evidence("hostkey.other_type_known")
            .iter()
            .any(|e| e.starts_with(&at)),
        "evidence should have {at:?}\n{}",
        report.dump()
    );
}

/// ssh turns CheckHostIP off for a loopback address (sshconnect.c: `local`), so another key
/// recorded for 127.0.0.1 is not reported (tests/hostkey_policy.rs compares with the real ssh).
#[test]
fn check_host_ip_is_skipped_for_a_loopback_address() {
    let sshd = server();
    let home = Home::new();
    let wrong = other_key(&home, KeyKind::Ed25519, "wrong");
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!(
            "[localhost]:{port} {}\n# c\n[127.0.0.1]:{port} {wrong}\n",
            host_key(&sshd, KeyKind::Ed25519),
            port = sshd.port()
        ),
    );
    let report = probe_host(
        &sshd,
        &home,
        "localhost",
        &[&kh],
        &["-o", "CheckHostIP=yes", "-o", "AddressFamily=inet"],
    );
    report.assert_no_finding("hostkey.ip_mismatch");
    assert_eq!(report.status("hostkey"), "pass", "{}", report.dump());
    assert!(
        report
            .log_text()
            .contains("CheckHostIP: not checked, as ssh does: the address is a loopback address"),
        "{}",
        report.dump()
    );
}

/// Runs `sshdoctor --report json` with exactly these extra arguments (e.g. `--fix ID --yes`)
/// against the server, with `kh` as the only known_hosts file.
fn fix_run(sshd: &Sshd, home: &Home, kh: &Path, extra: &[&str]) -> Report {
    let mut args = vec![
        "--report".to_string(),
        "json".into(),
        "-F".into(),
        home.config_path().display().to_string(),
        "-p".into(),
        sshd.port().to_string(),
        "-o".into(),
        format!("UserKnownHostsFile={}", kh.display()),
        "-o".into(),
        "GlobalKnownHostsFile=/dev/null".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(format!("{USER}@127.0.0.1"));
    sshdoctor().home(home).raw().args(&args).run()
}

/// Backups the repair left beside `file`.
fn backups_of(file: &Path) -> Vec<PathBuf> {
    let prefix = format!("{}.sshdoctor-", file.file_name().unwrap().to_string_lossy());
    let mut found: Vec<PathBuf> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// The `--fix` path end to end: a changed key is removed (backup kept, other names kept), the
/// new key is trusted, and the same server is then clean; without a terminal and without
/// `--yes` nothing changes; an action the report does not offer is a usage error.
#[test]
fn fix_remove_then_trust_makes_the_server_clean() {
    let sshd = server();
    let home = Home::new();
    let kh = home.path().join("kh_fix");
    let wrong = other_key(&home, KeyKind::Ed25519, "stale");
    let original = format!(
        "# mine\n{},otherhost {}\n",
        bracketed(&sshd),
        type_and_blob(&wrong)
    );
    std::fs::write(&kh, &original).unwrap();
    let run = |extra: &[&str]| fix_run(&sshd, &home, &kh, extra);

    // No terminal, no --yes: refused, file untouched.
    let refused = run(&["--fix", "known_hosts.remove"]);
    assert_eq!(refused.code, Some(2), "{}", refused.dump());
    assert_eq!(std::fs::read_to_string(&kh).unwrap(), original);
    // Not offered: usage error naming what is offered.
    let not_offered = run(&["--fix", "hostkey.trust", "--yes"]);
    assert_eq!(not_offered.code, Some(2), "{}", not_offered.dump());
    assert!(
        not_offered.stderr.contains("known_hosts.remove"),
        "{}",
        not_offered.dump()
    );

    let removed = run(&["--fix", "known_hosts.remove", "--yes"]);
    assert_eq!(removed.code, Some(1), "{}", removed.dump());
    assert_eq!(
        std::fs::read_to_string(&kh).unwrap(),
        format!("# mine\notherhost {}\n", type_and_blob(&wrong))
    );
    let backups = backups_of(&kh);
    assert_eq!(backups.len(), 1);
    assert_eq!(std::fs::read_to_string(&backups[0]).unwrap(), original);
    // The re-run after the fix now sees first contact.
    assert!(
        removed
            .finding_ids()
            .contains(&"hostkey.unknown".to_string()),
        "{}",
        removed.dump()
    );

    let trusted = run(&["--fix", "hostkey.trust", "--yes"]);
    assert_eq!(trusted.code, Some(1), "{}", trusted.dump());
    let after = probe(&sshd, &home, &[&kh], &[]);
    assert_eq!(after.check("hostkey").0, "pass", "{}", after.dump());
    assert!(
        after.error_ids().iter().all(|id| id.starts_with("auth.")),
        "{}",
        after.dump()
    );
    assert!(
        !after
            .finding_ids()
            .iter()
            .any(|id| id.starts_with("hostkey.")),
        "{}",
        after.dump()
    );
}

/// A repair through a symlink edits the target, keeps the link, the target's mode and every
/// other byte (comments, blank lines, CRLF, no final newline), and keeps the original as backup.
#[test]
fn fix_remove_keeps_other_bytes_the_symlink_and_the_mode() {
    use std::os::unix::fs::PermissionsExt;
    let sshd = server();
    let home = Home::new();
    let real = home.path().join("real_known_hosts");
    let link = home.path().join("kh_link");
    let wrong = other_key(&home, KeyKind::Ed25519, "stale");
    let keep = other_key(&home, KeyKind::Ed25519, "keep");
    let stale_line = format!("{} {}\r\n", bracketed(&sshd), type_and_blob(&wrong));
    let before = format!("# top\r\n\r\nfirst.example {keep}\r\n");
    let after = format!("  # indented comment\nlast.example {keep}");
    let original = format!("{before}{stale_line}{after}");
    std::fs::write(&real, &original).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("real_known_hosts", &link).unwrap();

    let report = fix_run(
        &sshd,
        &home,
        &link,
        &["--fix", "known_hosts.remove", "--yes"],
    );
    assert_eq!(report.code, Some(1), "{}", report.dump());
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(&real).unwrap(),
        format!("{before}{after}")
    );
    assert_eq!(
        std::fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o640
    );
    let backups = backups_of(&real);
    assert_eq!(backups.len(), 1, "one backup beside the target");
    assert_eq!(std::fs::read_to_string(&backups[0]).unwrap(), original);
    assert!(backups_of(&link).is_empty(), "no backup beside the link");
}

/// A read-only known_hosts is refused with a clear message and nothing changes.
#[test]
fn fix_refuses_a_read_only_known_hosts_and_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let sshd = server();
    let home = Home::new();
    let kh = home.path().join("kh_ro");
    let wrong = other_key(&home, KeyKind::Ed25519, "stale");
    let original = format!("{} {}\n", bracketed(&sshd), type_and_blob(&wrong));
    std::fs::write(&kh, &original).unwrap();
    std::fs::set_permissions(&kh, std::fs::Permissions::from_mode(0o444)).unwrap();

    let report = fix_run(&sshd, &home, &kh, &["--fix", "known_hosts.remove", "--yes"]);
    assert_eq!(report.code, Some(1), "{}", report.dump());
    assert!(
        report.stderr.to_lowercase().contains("read-only"),
        "{}",
        report.dump()
    );
    assert!(
        report.stderr.contains("nothing was changed"),
        "{}",
        report.dump()
    );
    assert_eq!(std::fs::read_to_string(&kh).unwrap(), original);
    assert!(backups_of(&kh).is_empty());
}

/// With HashKnownHosts yes the trusted key is written hashed, and both ssh-keygen and the next
/// run find it; the missing file and its directory are created with OpenSSH's modes.
#[test]
fn fix_trust_writes_a_hashed_entry_when_hash_known_hosts_is_yes() {
    use std::os::unix::fs::PermissionsExt;
    let sshd = server();
    let home = Home::new();
    let kh = home.path().join("newdir").join("known_hosts");
    let report = fix_run(
        &sshd,
        &home,
        &kh,
        &[
            "-o",
            "HashKnownHosts=yes",
            "--fix",
            "hostkey.trust",
            "--yes",
        ],
    );
    assert_eq!(report.code, Some(1), "{}", report.dump());
    let written = std::fs::read_to_string(&kh).unwrap();
    assert!(written.starts_with("|1|"), "hashed entry: {written}");
    assert!(
        written.contains(&host_key(&sshd, KeyKind::Ed25519)),
        "{written}"
    );
    assert_eq!(
        std::fs::metadata(&kh).unwrap().permissions().mode() & 0o777,
        0o644
    );
    assert_eq!(
        std::fs::metadata(kh.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    let found = Command::new("ssh-keygen")
        .args(["-F", &bracketed(&sshd), "-f"])
        .arg(&kh)
        .output()
        .unwrap();
    assert!(
        found.status.success(),
        "ssh-keygen -F finds the hashed entry"
    );
    let after = probe(&sshd, &home, &[&kh], &[]);
    assert_known(&after, "pass", &kh, 1);
}

/// A key recorded only in the GlobalKnownHostsFile is known from there.
#[test]
fn key_only_in_the_global_file_is_known() {
    let sshd = server();
    let home = Home::new();
    let user = home.path().join("user_kh");
    let global = home.path().join("global_kh");
    std::fs::write(&user, "# nothing for this host\n").unwrap();
    let entry = format!(
        "# global\n{} {}\n",
        bracketed(&sshd),
        host_key(&sshd, KeyKind::Ed25519)
    );
    std::fs::write(&global, entry).unwrap();
    let report = sshdoctor()
        .home(&home)
        .args(&[
            "-p".to_string(),
            sshd.port().to_string(),
            "-o".into(),
            format!("UserKnownHostsFile={}", user.display()),
            "-o".into(),
            format!("GlobalKnownHostsFile={}", global.display()),
            format!("{USER}@127.0.0.1"),
        ])
        .run_report();
    assert_known(&report, "pass", &global, 2);
}
