//! `sshdoctor explain` against the live probe, connection side: for each situation the probe's
//! tests set up (refused, DNS, banner closed / not SSH / SSH-1 / timeout, each key-exchange
//! mismatch, changed / hashed / other-type / revoked / unknown host keys), the real `ssh -vvv`
//! runs on the same setup and its transcript must give the probe's first error — also with
//! pasted noise around it.

mod common;
mod explain_common;

use common::fake::{self, closed_port};
use common::sshd::{KeyKind, Sshd};
use common::Home;
use explain_common::{args, assert_explains, explain, known_hosts, noisy, Pair};
use std::process::Command;

const USER: &str = "sshdoctor-test";

fn dest() -> String {
    format!("{USER}@127.0.0.1")
}

/// A pair against a port with no known_hosts of interest.
fn plain<'a>(name: &'static str, home: &'a Home, port: u16) -> Pair<'a> {
    let kh = known_hosts(home, "known_hosts", &[]);
    Pair::new(name, home, &args(port, &kh, &[]), &dest())
}

#[test]
fn refused_port() {
    let home = Home::new();
    let port = closed_port();
    let o = plain("refused", &home, port).agree(Some("tcp.refused"));
    for (what, text) in noisy(&o.transcript, port, &dest()) {
        let r = explain(&home, what, &text, &[]);
        assert_explains(&r, &text, Some("tcp.refused"));
        assert_eq!(
            r.destination("port").unwrap().0,
            port.to_string(),
            "{what}\n{}",
            r.dump()
        );
    }
}

#[test]
fn unresolvable_name() {
    let home = Home::new();
    let kh = known_hosts(&home, "known_hosts", &[]);
    let pair = Pair::new(
        "dns",
        &home,
        &args(22, &kh, &[]),
        &format!("{USER}@no-such-host.invalid"),
    );
    pair.agree(Some("dns.unresolvable"));
}

#[test]
fn banner_closed_and_reset() {
    let home = Home::new();
    for (name, server) in [("closed", fake::closing()), ("reset", fake::reset())] {
        plain(name, &home, server.port()).agree(Some("banner.closed"));
    }
}

#[test]
fn not_ssh_servers() {
    let home = Home::new();
    for (name, server) in [("http", fake::http()), ("tls", fake::tls())] {
        let o = plain(name, &home, server.port()).agree(Some("banner.not_ssh"));
        assert!(
            o.explained
                .finding_text("banner.not_ssh")
                .contains(if name == "http" {
                    "HTTP"
                } else {
                    "SSH identification"
                }),
            "{}",
            o.explained.dump()
        );
    }
}

#[test]
fn ssh1_server() {
    let home = Home::new();
    let server = fake::ssh1();
    plain("ssh1", &home, server.port()).agree(Some("banner.protocol_1"));
}

#[test]
fn silent_server_is_banner_timeout() {
    let home = Home::new();
    let server = fake::silent();
    let mut pair = plain("banner-timeout", &home, server.port());
    pair.timeout = 2;
    pair.agree(Some("banner.timeout"));
}

#[test]
fn each_key_exchange_mismatch() {
    let cases: [(&str, &str, &[KeyKind], &str, &str); 4] = [
        (
            "kex",
            "KexAlgorithms diffie-hellman-group1-sha1",
            &[KeyKind::Ed25519],
            "kex.no_common_kex",
            "diffie-hellman-group1-sha1",
        ),
        (
            "hostkey-type",
            "HostKeyAlgorithms ssh-rsa",
            &[KeyKind::Rsa],
            "kex.no_common_hostkey",
            "ssh-rsa",
        ),
        (
            "cipher",
            "Ciphers aes128-cbc",
            &[KeyKind::Ed25519],
            "kex.no_common_cipher",
            "aes128-cbc",
        ),
        (
            "mac",
            "Ciphers aes128-ctr\nMACs hmac-md5",
            &[KeyKind::Ed25519],
            "kex.no_common_mac",
            "hmac-md5",
        ),
    ];
    for (name, config, keys, id, alg) in cases {
        let sshd = Sshd::builder().host_keys(keys).extra_config(config).start();
        let home = Home::new();
        let o = plain(name, &home, sshd.port()).agree(Some(id));
        let fix = common::flatten(&o.explained.finding(id)["fix"]);
        assert!(
            fix.contains(&format!("+{alg}")),
            "the fix enables {alg}: {fix}\n{}",
            o.explained.dump()
        );
    }
}

/// A server with one ed25519 host key, and a home whose known_hosts holds `lines`.
fn hostkey_pair<'a>(
    name: &'static str,
    home: &'a Home,
    sshd: &Sshd,
    lines: &[String],
    extra: &[&str],
) -> Pair<'a> {
    let kh = known_hosts(home, "known_hosts", lines);
    let mut a = args(sshd.port(), &kh, &[]);
    a.extend(extra.iter().map(|s| s.to_string()));
    Pair::new(name, home, &a, &dest())
}

fn key_only(line: &str) -> String {
    line.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn other_key(home: &Home, kind: KeyKind) -> String {
    let path = home.generate_key(kind, "other_host_key");
    key_only(&std::fs::read_to_string(path.with_extension("pub")).unwrap())
}

#[test]
fn changed_host_key_plain_and_hashed() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let name = format!("[127.0.0.1]:{}", sshd.port());
    let line = format!("{name} {}", other_key(&home, KeyKind::Ed25519));
    let pair = hostkey_pair(
        "hostkey-changed",
        &home,
        &sshd,
        std::slice::from_ref(&line),
        &[],
    );
    let o = pair.agree(Some("hostkey.changed"));
    let fix = common::flatten(&o.explained.finding("hostkey.changed")["fix"]);
    assert!(
        fix.contains("ssh-keygen -R") && fix.contains(&name),
        "{fix}"
    );
    // The same with the entry hashed (`ssh-keygen -H`).
    let hashed_home = Home::new();
    let kh = known_hosts(&hashed_home, "known_hosts", &[line]);
    let out = Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&kh)
        .output()
        .unwrap();
    assert!(out.status.success());
    let pair = Pair::new(
        "hostkey-hashed",
        &hashed_home,
        &args(sshd.port(), &kh, &[]),
        &dest(),
    );
    pair.agree(Some("hostkey.changed"));
}

#[test]
fn only_another_key_type_known() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let line = format!(
        "[127.0.0.1]:{} {}",
        sshd.port(),
        other_key(&home, KeyKind::Ecdsa)
    );
    hostkey_pair("hostkey-other-type", &home, &sshd, &[line], &[])
        .agree(Some("hostkey.other_type_known"));
}

#[test]
fn revoked_host_key() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let key = key_only(&sshd.host_public_key(KeyKind::Ed25519));
    let lines = [
        format!("@revoked [127.0.0.1]:{} {key}", sshd.port()),
        format!("[127.0.0.1]:{} {key}", sshd.port()),
    ];
    hostkey_pair("hostkey-revoked", &home, &sshd, &lines, &[]).agree(Some("hostkey.revoked"));
}

#[test]
fn unknown_host_key_under_strict_checking() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let pair = hostkey_pair(
        "hostkey-unknown-strict",
        &home,
        &sshd,
        &[],
        &["-o", "StrictHostKeyChecking=yes"],
    );
    let o = pair.agree(Some("hostkey.unknown"));
    let fp = o.probe.json()["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "fingerprint_sha256")
        .and_then(|f| f["value"].as_str())
        .unwrap()
        .to_string();
    assert!(
        o.explained.finding_text("hostkey.unknown").contains(&fp),
        "the fingerprint ssh showed\n{}",
        o.explained.dump()
    );
}

/// A host certificate a trusted CA signed for another name: ssh says "Certificate invalid",
/// checks the plain key, which is unknown, and BatchMode refuses it. The probe's verdict, and
/// its warning about the certificate, come out of the transcript.
#[test]
fn host_certificate_for_another_name() {
    let home = Home::new();
    let key = home.ssh_dir().join("host_ed25519_key");
    common::sshd::keygen(KeyKind::Ed25519, &key);
    let ca = home.ssh_dir().join("host_ca");
    common::sshd::keygen(KeyKind::Ed25519, &ca);
    let signed = Command::new("ssh-keygen")
        .args(["-q", "-s"])
        .arg(&ca)
        .args([
            "-I",
            "host-id",
            "-h",
            "-n",
            "other.example",
            "-V",
            "-5m:+1h",
        ])
        .arg(key.with_extension("pub"))
        .output()
        .unwrap();
    assert!(signed.status.success(), "{signed:?}");
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ecdsa])
        .extra_config(&format!(
            "HostKey {}\nHostCertificate {}-cert.pub\n",
            key.display(),
            key.display()
        ))
        .start();
    let ca_pub = key_only(&std::fs::read_to_string(ca.with_extension("pub")).unwrap());
    let lines = [format!(
        "@cert-authority [127.0.0.1]:{} {ca_pub}",
        sshd.port()
    )];
    let o = hostkey_pair("hostkey-cert-principal", &home, &sshd, &lines, &[])
        .agree(Some("hostkey.unknown"));
    for r in [&o.probe, &o.explained] {
        assert_eq!(
            r.finding("hostkey.cert_invalid")["severity"],
            "warning",
            "{}",
            r.dump()
        );
    }
    assert!(o
        .explained
        .evidence("hostkey.cert_invalid")
        .iter()
        .any(|e| e.contains("Certificate invalid: name is not a listed principal")));
}

/// An unknown key under BatchMode: ssh refuses without printing its question, so the transcript
/// shows the key and the refusal only — still the probe's `hostkey.unknown`.
#[test]
fn unknown_host_key_under_batch_mode() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let o = hostkey_pair("hostkey-unknown-batch", &home, &sshd, &[], &[])
        .agree(Some("hostkey.unknown"));
    assert!(!o.transcript.contains("authenticity"), "{}", o.transcript);
    assert!(o
        .explained
        .finding_text("hostkey.unknown")
        .contains("without asking"));
}
