//! KRL unit tests on files made by OpenSSH 9.2's `ssh-keygen -k` (see testdata/README) and on
//! hand-built sections for what ssh-keygen does not write (serial ranges, the any-CA section).

use super::*;
use ssh_key::PublicKey;

fn key(text: &str) -> KeyData {
    match PublicKey::from_openssh(text.trim()) {
        Ok(k) => k.key_data().clone(),
        Err(_) => KeyData::Certificate(Box::new(Certificate::from_openssh(text.trim()).unwrap())),
    }
}
fn host() -> KeyData {
    key(include_str!("../testdata/host.pub"))
}
fn other() -> KeyData {
    key(include_str!("../testdata/other.pub"))
}
/// The host key certified by `ca` with key ID `hostid`, serial 7.
fn cert() -> KeyData {
    key(include_str!("../testdata/host_window-cert.pub"))
}
fn krl(bytes: &[u8]) -> Krl {
    assert!(Krl::is_krl(bytes));
    Krl::parse(bytes).unwrap()
}

#[test]
fn explicit_key_section_revokes_the_key_and_its_certificates() {
    let k = krl(include_bytes!("../testdata/krl_key"));
    let hit = Some(KrlHit::Key {
        how: "explicit key",
        ca: false,
    });
    assert_eq!(k.check(&host()), hit);
    assert_eq!(k.check(&cert()), hit);
    assert_eq!(k.check(&other()), None);
}

#[test]
fn sha1_and_sha256_sections() {
    let k = krl(include_bytes!("../testdata/krl_sha1"));
    assert_eq!(
        k.check(&host()),
        Some(KrlHit::Key {
            how: "SHA1 hash",
            ca: false
        })
    );
    assert_eq!(k.check(&other()), None);
    let k = krl(include_bytes!("../testdata/krl_sha256"));
    assert_eq!(
        k.check(&host()),
        Some(KrlHit::Key {
            how: "SHA256 hash",
            ca: false
        })
    );
    assert_eq!(k.check(&other()), None);
}

#[test]
fn certificate_serial_list_bitmap_and_key_id() {
    assert_eq!(
        krl(include_bytes!("../testdata/krl_serial")).check(&cert()),
        Some(KrlHit::Serial(7))
    );
    assert_eq!(
        krl(include_bytes!("../testdata/krl_range")).check(&cert()),
        Some(KrlHit::Serial(7))
    );
    let bitmap = krl(include_bytes!("../testdata/krl_bitmap"));
    assert_eq!(bitmap.check(&cert()), Some(KrlHit::Serial(7)));
    let s = &bitmap.certs[0];
    assert!(s.has_serial(1) && s.has_serial(3) && s.has_serial(64));
    assert!(!s.has_serial(2) && !s.has_serial(65) && !s.has_serial(0));
    assert_eq!(
        krl(include_bytes!("../testdata/krl_id")).check(&cert()),
        Some(KrlHit::KeyId("hostid".into()))
    );
    // Certificate sections never revoke a plain key.
    assert_eq!(
        krl(include_bytes!("../testdata/krl_id")).check(&host()),
        None
    );
    assert_eq!(
        krl(include_bytes!("../testdata/krl_other")).check(&cert()),
        None
    );
}

#[test]
fn the_certificates_ca_key_is_checked_too() {
    let ca = key(include_str!("../testdata/ca.pub"));
    let mut k = Krl::default();
    k.keys.push(key_blob(&ca));
    assert_eq!(
        k.check(&cert()),
        Some(KrlHit::Key {
            how: "explicit key",
            ca: true
        })
    );
    assert_eq!(k.check(&host()), None);
}

/// A KRL header followed by `sections`.
fn build(sections: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut b = KRL_MAGIC.to_vec();
    b.extend(1u32.to_be_bytes());
    b.extend(3u64.to_be_bytes());
    b.extend(0u64.to_be_bytes());
    b.extend(0u64.to_be_bytes());
    b.extend(string(b""));
    b.extend(string(b"a comment"));
    for (kind, body) in sections {
        b.push(*kind);
        b.extend(string(body));
    }
    b
}
fn string(s: &[u8]) -> Vec<u8> {
    let mut v = (s.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(s);
    v
}
/// A certificate section for any CA with one subsection.
fn any_ca(kind: u8, body: Vec<u8>) -> (u8, Vec<u8>) {
    let mut s = string(b"");
    s.extend(string(b""));
    s.push(kind);
    s.extend(string(&body));
    (1, s)
}

#[test]
fn hand_built_range_and_any_ca_sections() {
    let mut range = 5u64.to_be_bytes().to_vec();
    range.extend(9u64.to_be_bytes());
    let k = krl(&build(&[any_ca(0x21, range)]));
    assert_eq!(k.comment, "a comment");
    assert_eq!(k.version, 3);
    assert_eq!(k.check(&cert()), Some(KrlHit::Serial(7)));
    let k = krl(&build(&[any_ca(0x23, string(b"hostid"))]));
    assert_eq!(k.check(&cert()), Some(KrlHit::KeyId("hostid".into())));
    let k = krl(&build(&[any_ca(0x23, string(b"someone-else"))]));
    assert_eq!(k.check(&cert()), None);
}

#[test]
fn what_ssh_refuses_is_an_error() {
    let e = |b: Vec<u8>| Krl::parse(&b).unwrap_err();
    assert_eq!(e(build(&[(9, vec![])])), KrlError::Section(9));
    assert_eq!(
        e(build(&[any_ca(0x30, vec![])])),
        KrlError::CertSection(0x30)
    );
    assert_eq!(
        e(build(&[(3, string(b"short"))])),
        KrlError::Invalid("hash length")
    );
    let mut reversed = 9u64.to_be_bytes().to_vec();
    reversed.extend(5u64.to_be_bytes());
    assert_eq!(
        e(build(&[any_ca(0x21, reversed)])),
        KrlError::Invalid("serial range")
    );
    assert_eq!(
        e(build(&[any_ca(0x20, 0u64.to_be_bytes().to_vec())])),
        KrlError::Invalid("serial range")
    );
    let mut extra = 5u64.to_be_bytes().to_vec();
    extra.extend(9u64.to_be_bytes());
    extra.push(0);
    assert_eq!(e(build(&[any_ca(0x21, extra)])), KrlError::Unparsed);
    let mut truncated = build(&[(2, string(b"x"))]);
    truncated.pop();
    assert!(matches!(e(truncated), KrlError::Truncated(_)));
    let mut v2 = build(&[]);
    v2[8..12].copy_from_slice(&2u32.to_be_bytes());
    assert_eq!(e(v2), KrlError::Version(2));
    let mut signed = build(&[]);
    signed.push(4);
    signed.extend(string(b"key"));
    signed.extend(string(b"sig"));
    signed.push(2);
    signed.extend(string(b""));
    assert_eq!(e(signed), KrlError::AfterSignature);
    assert!(!Krl::is_krl(b"ssh-ed25519 AAAA"));
}
