//! `sshdoctor explain` against the live probe, authentication and session: too many keys (in
//! the config and in an agent), a missing identity, an unprotected key, a key not authorized,
//! a passphrase needed, no usable method, a key accepted but the login refused, partial
//! success, an RSA key without a mutual signature algorithm, a nologin account, and a healthy
//! login — the real `ssh -vvv` on the same setup must give the probe's first error.

mod common;
mod explain_common;

use common::agent::Agent;
use common::case::me;
use common::sshd::{KeyKind, Sshd};
use common::Home;
use explain_common::{args, assert_explains, explain, known_hosts, noisy, p, Pair};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn server(extra: &str) -> Sshd {
    Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(extra)
        .start()
}

fn dest() -> String {
    format!("{}@127.0.0.1", me())
}

/// known_hosts with the server's key.
fn kh(sshd: &Sshd, home: &Home) -> PathBuf {
    known_hosts(
        home,
        "known_hosts_fixture",
        &[sshd.known_hosts_line(KeyKind::Ed25519)],
    )
}

/// A key authorized for the current user on `sshd`.
fn authorized(sshd: &Sshd, home: &Home, name: &str) -> PathBuf {
    let path = home.generate_key(KeyKind::Ed25519, name);
    sshd.authorize(&me(), &home.public_key(name));
    path
}

/// The usual pair: the server's key known, only `keys` offered.
fn pair<'a>(name: &'static str, sshd: &Sshd, home: &'a Home, keys: &[&Path]) -> Pair<'a> {
    Pair::new(
        name,
        home,
        &args(sshd.port(), &kh(sshd, home), keys),
        &dest(),
    )
}

#[test]
fn healthy_login() {
    let sshd = server("");
    let home = Home::new();
    let k = authorized(&sshd, &home, "id_ok");
    let o = pair("healthy", &sshd, &home, &[&k]).agree(None);
    assert_eq!(o.explained.code, Some(0), "{}", o.explained.dump());
    assert_eq!(o.explained.status("auth"), "pass");
    assert_eq!(o.explained.status("session"), "pass");
}

#[test]
fn too_many_keys_in_the_config() {
    let sshd = server("MaxAuthTries 6");
    let home = Home::new();
    let mut config = String::new();
    for i in 1..=7 {
        let name = format!("k{i}");
        let path = if i == 7 {
            authorized(&sshd, &home, &name)
        } else {
            home.generate_key(KeyKind::Ed25519, &name)
        };
        config.push_str(&format!("IdentityFile {}\n", path.display()));
    }
    home.write_config(&config);
    let o = pair("too-many-config", &sshd, &home, &[]).agree(Some("auth.too_many_failures"));
    let fix = common::flatten(&o.explained.finding("auth.too_many_failures")["fix"]);
    assert!(
        fix.contains("IdentitiesOnly yes") && fix.contains("/k7"),
        "the key ssh never reached: {fix}"
    );
}

#[test]
fn too_many_keys_in_the_agent() {
    let sshd = server("MaxAuthTries 6");
    let home = Home::new();
    let agent = Agent::start();
    for i in 1..=6 {
        let path = home.generate_key(KeyKind::Ed25519, &format!("agent{i}"));
        agent.add(&path);
    }
    let right = authorized(&sshd, &home, "right");
    home.write_config(&format!(
        "IdentityAgent {}\nIdentityFile {}\n",
        agent.socket().display(),
        right.display()
    ));
    pair("too-many-agent", &sshd, &home, &[]).agree(Some("auth.too_many_failures"));
}

#[test]
fn missing_identity_file() {
    let sshd = server("");
    let home = Home::new();
    let stale = home.ssh_dir().join("id_moved_away");
    home.write_config(&format!("IdentityFile {}\n", stale.display()));
    let kh = kh(&sshd, &home);
    let pair = Pair::new("key-missing", &home, &args(sshd.port(), &kh, &[]), &dest());
    let o = pair.agree(Some("key.missing"));
    assert!(o
        .explained
        .finding_text("key.missing")
        .contains("id_moved_away"));
}

#[test]
fn unprotected_key() {
    let sshd = server("");
    let home = Home::new();
    let k = authorized(&sshd, &home, "open_key");
    std::fs::set_permissions(&k, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = pair("key-unprotected", &sshd, &home, &[&k]).agree(Some("key.unprotected"));
    let text = o.explained.finding_text("key.unprotected");
    assert!(
        text.contains("0644") && text.contains(&format!("chmod 600 {}", p(&k))),
        "{text}"
    );
    // Someone else's transcript: the command, no repair of this machine's files.
    let theirs = explain(
        &home,
        "key-unprotected-theirs",
        &o.transcript,
        &["--not-mine"],
    );
    assert!(theirs.finding("key.unprotected")["actions"]
        .as_array()
        .unwrap()
        .is_empty());
    // This machine's user's (its paths are this home's, its ssh the installed one): the same
    // repair as the probe's, through the safe writer.
    let mine = &o.explained;
    let actions = mine.finding("key.unprotected")["actions"]
        .as_array()
        .cloned()
        .unwrap();
    assert!(
        actions.iter().any(|a| a["id"] == "permissions.fix"),
        "{}",
        mine.dump()
    );
}

#[test]
fn key_not_authorized() {
    let sshd = server("");
    let home = Home::new();
    let k = home.generate_key(KeyKind::Ed25519, "stranger");
    let o = pair("key-refused", &sshd, &home, &[&k]).agree(Some("auth.no_accepted_key"));
    assert!(o
        .explained
        .evidence("auth.no_accepted_key")
        .iter()
        .any(|e| e.contains("stranger")));
    let port = sshd.port();
    for (what, text) in noisy(&o.transcript, port, &dest()) {
        let r = explain(&home, what, &text, &[]);
        assert_explains(&r, &text, Some("auth.no_accepted_key"));
    }
}

#[test]
fn passphrase_needed() {
    let sshd = server("");
    let home = Home::new();
    let key = home.ssh_dir().join("locked");
    let out = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-C",
            "locked",
            "-N",
            "pass-7731-zq",
            "-f",
        ])
        .arg(&key)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success());
    sshd.authorize(&me(), &home.public_key("locked"));
    pair("passphrase", &sshd, &home, &[&key]).agree(Some("auth.key_passphrase_needed"));
}

#[test]
fn no_usable_method() {
    let sshd = server(
        "PubkeyAuthentication no\nPasswordAuthentication no\nKbdInteractiveAuthentication no",
    );
    let home = Home::new();
    let k = home.generate_key(KeyKind::Ed25519, "unused");
    pair("method-not-allowed", &sshd, &home, &[&k]).agree(Some("auth.method_not_allowed"));
}

#[test]
fn public_keys_disabled_with_passwords_left() {
    let sshd = server("PubkeyAuthentication no\nPasswordAuthentication yes");
    let home = Home::new();
    let k = authorized(&sshd, &home, "id_a");
    let o = pair("pubkey-off", &sshd, &home, &[&k]).agree(Some("auth.method_not_allowed"));
    assert!(o
        .explained
        .finding_text("auth.method_not_allowed")
        .contains("password"));
}

#[test]
fn key_accepted_then_login_refused() {
    if me() != "root" {
        eprintln!("skipped: PermitRootLogin needs the tests to run as root");
        return;
    }
    let sshd = server("PermitRootLogin no");
    let home = Home::new();
    let k = authorized(&sshd, &home, "id_root");
    let o = pair("login-refused", &sshd, &home, &[&k]).agree(Some("auth.login_refused"));
    assert!(o
        .explained
        .finding_text("auth.login_refused")
        .contains("PermitRootLogin"));
}

#[test]
fn partial_success_wants_a_second_factor() {
    let sshd = server("AuthenticationMethods publickey,password\nPasswordAuthentication yes");
    let home = Home::new();
    let k = authorized(&sshd, &home, "id_2fa");
    let o = pair("partial-success", &sshd, &home, &[&k]).agree(Some("auth.second_factor_required"));
    assert!(o
        .explained
        .finding_text("auth.second_factor_required")
        .contains("password"));
}

#[test]
fn rsa_key_without_a_mutual_signature_algorithm() {
    use common::fake_ssh::FakeSsh;
    let home = Home::new();
    let host_key = home.generate_key(KeyKind::Ed25519, "fake_host_key");
    let server = FakeSsh::sha1_rsa_only(&host_key);
    let host_pub = home.public_key("fake_host_key");
    let line = format!(
        "[127.0.0.1]:{} {}",
        server.port(),
        host_pub
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let kh = known_hosts(&home, "known_hosts_fake", &[line]);
    let key = home.generate_key(KeyKind::Rsa, "id_rsa_old");
    let mut a = args(server.port(), &kh, &[&key]);
    a.extend(["-o".into(), "IdentityAgent=none".into()]);
    Pair::new("no-mutual-signature", &home, &a, &dest()).agree(Some("auth.no_mutual_signature"));
}

#[test]
fn nologin_account() {
    let sshd = server("ForceCommand /usr/sbin/nologin");
    let home = Home::new();
    let k = authorized(&sshd, &home, "id_nologin");
    let o = pair("nologin", &sshd, &home, &[&k]).agree(Some("session.no_shell"));
    assert_eq!(o.explained.status("auth"), "pass", "{}", o.explained.dump());
}
