//! Host certificates against a real sshd, with the real `ssh` as the oracle: valid, another
//! principal, expired, not yet valid, a user certificate, a SHA-1 RSA CA, no principals.

mod common;

use std::fs;
use std::process::Command;

use common::fixture_dir;
use common::oracle::*;
use common::sshd::{self, KeyKind, Sshd};

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
