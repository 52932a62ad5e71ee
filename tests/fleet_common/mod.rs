//! The fleet tests' fixture: one real sshd (MaxAuthTries 6) behind several aliases told apart
//! by HostKeyAlias (healthy, too many keys, changed host keys), a silent and a closing fake
//! server, a refused port, and a name only a Match block gives.
#![allow(dead_code)]

use std::process::Command;
use std::sync::OnceLock;

use crate::common::fake;
use crate::common::sshd::{KeyKind, Sshd};
use crate::common::Home;

/// The user the tests run as (the only account sure to exist).
pub fn user() -> &'static str {
    static USER: OnceLock<String> = OnceLock::new();
    USER.get_or_init(|| {
        let output = Command::new("id").arg("-un").output().expect("run id -un");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    })
}

/// `TYPE BLOB` of a public key line.
fn type_and_blob(line: &str) -> String {
    line.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The fleet's servers, the home whose config names them, and the aliases in config order.
pub struct Fixture {
    pub home: Home,
    _sshd: Sshd,
    _silent: fake::FakeServer,
    _closing: fake::FakeServer,
}

/// One sshd (MaxAuthTries 6) behind several aliases told apart by HostKeyAlias, a silent and a
/// closing fake server, a refused port, and a name only a Match block gives.
pub fn fixture() -> Fixture {
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config("MaxAuthTries 6")
        .start();
    let (silent, closing) = (fake::silent(), fake::closing());
    let home = Home::new();
    let good = home.generate_key(KeyKind::Ed25519, "good");
    sshd.authorize(user(), &home.public_key("good"));
    let mut many = String::new();
    for i in 1..=6 {
        let k = home.generate_key(KeyKind::Ed25519, &format!("k{i}"));
        many.push_str(&format!("    IdentityFile {}\n", k.display()));
    }
    many.push_str(&format!("    IdentityFile {}\n", good.display()));
    let other = home.generate_key(KeyKind::Ed25519, "other");
    let host_key = type_and_blob(&sshd.host_public_key(KeyKind::Ed25519));
    let wrong = type_and_blob(&std::fs::read_to_string(other.with_extension("pub")).unwrap());
    let kh = home.write_file(
        ".ssh/known_hosts",
        &format!("healthy {host_key}\ntoomany {host_key}\nchanged {wrong}\nchanged2 {wrong}\n"),
    );
    let (port, u) = (sshd.port(), user());
    let refused = fake::closed_port();
    home.write_config(&format!(
        "Host healthy\n    HostName 127.0.0.1\n    Port {port}\n    User {u}\n    HostKeyAlias healthy\n    IdentitiesOnly yes\n    IdentityFile {good}\n\
         Host toomany\n    HostName 127.0.0.1\n    Port {port}\n    User {u}\n    HostKeyAlias toomany\n    IdentitiesOnly yes\n{many}\
         Host changed\n    HostName 127.0.0.1\n    Port {port}\n    User {u}\n    HostKeyAlias changed\n    IdentitiesOnly yes\n    IdentityFile {good}\n\
         Host changed2\n    HostName 127.0.0.1\n    Port {port}\n    User {u}\n    HostKeyAlias changed2\n    IdentitiesOnly yes\n    IdentityFile {good}\n\
         Host refused\n    HostName 127.0.0.1\n    Port {refused}\n\
         Host silent\n    HostName 127.0.0.1\n    Port {silent_port}\n\
         Host closing\n    HostName 127.0.0.1\n    Port {closing_port}\n\
         Match host matchonly\n    HostName 127.0.0.1\n    Port {refused}\n\
         Host *\n    UserKnownHostsFile {kh}\n    GlobalKnownHostsFile /dev/null\n",
        good = good.display(),
        kh = kh.display(),
        silent_port = silent.port(),
        closing_port = closing.port(),
    ));
    Fixture {
        home,
        _sshd: sshd,
        _silent: silent,
        _closing: closing,
    }
}

/// The aliases in config order (the Match-only name last) and each one's expected root cause.
pub const HOSTS: [(&str, Option<&str>); 8] = [
    ("healthy", None),
    ("toomany", Some("auth.too_many_failures")),
    ("changed", Some("hostkey.changed")),
    ("changed2", Some("hostkey.changed")),
    ("refused", Some("tcp.refused")),
    ("silent", Some("banner.timeout")),
    ("closing", Some("banner.closed")),
    ("matchonly", Some("tcp.refused")),
];
