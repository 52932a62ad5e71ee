//! What the pinned russh (0.65.1, features `des` and `dsa`) implements, and building a russh `Preferred` from OpenSSH-style name lists.

use std::borrow::Cow;

use russh::keys::{Algorithm, EcdsaCurve, HashAlg};
use russh::{cipher, kex, mac, Preferred};

use super::{is_marker, AlgKind};

/// The plain host/user key algorithms russh can verify (ssh-key's `Verifier` covers all of
/// these with russh's features: ed25519, p256/p384/p521, rsa, dsa), in russh's default
/// preference order followed by the ones it implements but does not offer by default.
fn key_algorithms() -> Vec<Algorithm> {
    vec![
        Algorithm::Ed25519,
        Algorithm::Ecdsa {
            curve: EcdsaCurve::NistP256,
        },
        Algorithm::Ecdsa {
            curve: EcdsaCurve::NistP384,
        },
        Algorithm::Ecdsa {
            curve: EcdsaCurve::NistP521,
        },
        Algorithm::Rsa {
            hash: Some(HashAlg::Sha512),
        },
        Algorithm::Rsa {
            hash: Some(HashAlg::Sha256),
        },
        Algorithm::Rsa { hash: None },
        Algorithm::Dsa,
        Algorithm::SkEd25519,
        Algorithm::SkEcdsaSha2NistP256,
    ]
}

/// Cipher names russh implements that are not real ciphers to offer.
const NOT_CIPHERS: [&str; 2] = ["clear", "none"];

/// The algorithm names russh 0.65.1 implements for `kind`, from russh's own tables.
///
/// - `Kex`: `russh::kex::ALL_KEX_ALGORITHMS` without `none` (and without the `ext-info-*` /
///   `kex-strict-*` markers, which are not methods).
/// - `Cipher`: `russh::cipher::ALL_CIPHERS` without `clear`/`none` (3des-cbc thanks to `des`).
/// - `Mac`: `russh::mac::ALL_MAC_ALGORITHMS` without `none`.
/// - `HostKey` and `PubkeyAccepted`: the `russh::keys::Algorithm` names russh can verify and put
///   on the wire (ssh-dss thanks to `dsa`), then their OpenSSH certificate forms
///   (`*-cert-v01@openssh.com`), which russh negotiates through
///   `Preferred::host_key_certificates`.
pub fn russh_supported(kind: AlgKind) -> Vec<String> {
    match kind {
        AlgKind::Kex => kex::ALL_KEX_ALGORITHMS
            .iter()
            .map(|n| n.as_ref().to_string())
            .filter(|n| n != "none" && !is_marker(n))
            .collect(),
        AlgKind::Cipher => cipher::ALL_CIPHERS
            .iter()
            .map(|n| n.as_ref().to_string())
            .filter(|n| !NOT_CIPHERS.contains(&n.as_str()))
            .collect(),
        AlgKind::Mac => mac::ALL_MAC_ALGORITHMS
            .iter()
            .map(|n| n.as_ref().to_string())
            .filter(|n| n != "none")
            .collect(),
        AlgKind::HostKey | AlgKind::PubkeyAccepted => {
            let algs = key_algorithms();
            algs.iter()
                .map(|a| a.as_str().to_string())
                .chain(algs.iter().map(Algorithm::to_certificate_type))
                .collect()
        }
    }
}

/// The plain algorithm for a key name, and whether the name is its certificate form.
fn key_algorithm(name: &str) -> Option<(Algorithm, bool)> {
    key_algorithms().into_iter().find_map(|a| {
        if a.as_str() == name {
            Some((a, false))
        } else if a.to_certificate_type() == name {
            Some((a, true))
        } else {
            None
        }
    })
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Builds a russh proposal from OpenSSH-style name lists, keeping their order.
///
/// Names russh does not implement are dropped (as are `none`/`clear`). The kex list ends with the
/// `ext-info-*` and `kex-strict-*` markers exactly as `Preferred::DEFAULT` carries them (russh
/// sends the client-side ones); markers in `kex` itself are ignored. Certificate host key names
/// go to `host_key_certificates`, which russh advertises ahead of every plain `key` (so a list
/// that interleaves certificates and plain keys cannot be reproduced exactly); pass a list
/// without `*-cert-v01@openssh.com` names to keep russh from requesting host certificates.
/// Compression is russh's default.
pub fn russh_preferred(
    kex: &[String],
    host_key: &[String],
    cipher: &[String],
    mac: &[String],
) -> Preferred {
    let mut kex_names: Vec<kex::Name> = Vec::new();
    for name in kex.iter().filter(|n| !is_marker(n) && *n != "none") {
        if let Ok(k) = kex::Name::try_from(name.as_str()) {
            push_unique(&mut kex_names, k);
        }
    }
    for marker in Preferred::DEFAULT
        .kex
        .iter()
        .filter(|k| is_marker(k.as_ref()))
    {
        push_unique(&mut kex_names, *marker);
    }

    let mut keys: Vec<Algorithm> = Vec::new();
    let mut certificates: Vec<Algorithm> = Vec::new();
    for name in host_key {
        match key_algorithm(name) {
            Some((alg, true)) => push_unique(&mut certificates, alg),
            Some((alg, false)) => push_unique(&mut keys, alg),
            None => {}
        }
    }

    let mut ciphers: Vec<cipher::Name> = Vec::new();
    for name in cipher.iter().filter(|n| !NOT_CIPHERS.contains(&n.as_str())) {
        if let Ok(c) = cipher::Name::try_from(name.as_str()) {
            push_unique(&mut ciphers, c);
        }
    }

    let mut macs: Vec<mac::Name> = Vec::new();
    for name in mac.iter().filter(|n| *n != "none") {
        if let Ok(m) = mac::Name::try_from(name.as_str()) {
            push_unique(&mut macs, m);
        }
    }

    Preferred {
        kex: Cow::Owned(kex_names),
        key: Cow::Owned(keys),
        host_key_certificates: Cow::Owned(certificates),
        cipher: Cow::Owned(ciphers),
        mac: Cow::Owned(macs),
        compression: Preferred::DEFAULT.compression.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{default_proposal, OpenSshVersion};
    use super::*;

    fn names<T: AsRef<str>>(list: &[T]) -> Vec<String> {
        list.iter().map(|x| x.as_ref().to_string()).collect()
    }

    #[test]
    fn supported_sets_come_from_russh() {
        let kex = russh_supported(AlgKind::Kex);
        assert!(kex.contains(&"curve25519-sha256".into()));
        assert!(kex.contains(&"mlkem768x25519-sha256".into()));
        assert!(kex.contains(&"diffie-hellman-group1-sha1".into()));
        assert!(!kex.iter().any(|k| k == "none" || is_marker(k)));
        // russh does not implement sntrup761.
        assert!(!kex.iter().any(|k| k.starts_with("sntrup")));

        let ciphers = russh_supported(AlgKind::Cipher);
        assert!(ciphers.contains(&"3des-cbc".into()), "des feature");
        assert!(ciphers.contains(&"chacha20-poly1305@openssh.com".into()));
        assert!(!ciphers.iter().any(|c| c == "none" || c == "clear"));

        let macs = russh_supported(AlgKind::Mac);
        assert!(macs.contains(&"hmac-sha2-256-etm@openssh.com".into()));
        assert!(!macs.iter().any(|m| m.starts_with("umac")));

        let keys = russh_supported(AlgKind::HostKey);
        for k in [
            "ssh-ed25519",
            "ssh-rsa",
            "rsa-sha2-256",
            "rsa-sha2-512",
            "ssh-dss",
            "ecdsa-sha2-nistp521",
            "ssh-ed25519-cert-v01@openssh.com",
            "rsa-sha2-512-cert-v01@openssh.com",
        ] {
            assert!(keys.contains(&k.to_string()), "{k}");
        }
        assert_eq!(keys, russh_supported(AlgKind::PubkeyAccepted));
    }

    #[test]
    fn preferred_from_openssh_defaults() {
        let v = Some(OpenSshVersion::new(9, 2));
        let p = russh_preferred(
            &default_proposal(v, AlgKind::Kex),
            &default_proposal(v, AlgKind::HostKey),
            &default_proposal(v, AlgKind::Cipher),
            &default_proposal(v, AlgKind::Mac),
        );
        let kex = names(&p.kex);
        let markers: Vec<String> = names(&Preferred::DEFAULT.kex)
            .into_iter()
            .filter(|k| is_marker(k))
            .collect();
        assert_eq!(markers.len(), 4);
        // sntrup761 dropped; order kept; russh's markers at the end, as in its default.
        assert_eq!(
            kex,
            [
                "curve25519-sha256",
                "curve25519-sha256@libssh.org",
                "ecdh-sha2-nistp256",
                "ecdh-sha2-nistp384",
                "ecdh-sha2-nistp521",
                "diffie-hellman-group-exchange-sha256",
                "diffie-hellman-group16-sha512",
                "diffie-hellman-group18-sha512",
                "diffie-hellman-group14-sha256",
            ]
            .iter()
            .map(|s| s.to_string())
            .chain(markers)
            .collect::<Vec<_>>()
        );
        assert_eq!(
            p.key.iter().map(Algorithm::to_string).collect::<Vec<_>>(),
            [
                "ssh-ed25519",
                "ecdsa-sha2-nistp256",
                "ecdsa-sha2-nistp384",
                "ecdsa-sha2-nistp521",
                "sk-ssh-ed25519@openssh.com",
                "sk-ecdsa-sha2-nistp256@openssh.com",
                "rsa-sha2-512",
                "rsa-sha2-256",
            ]
        );
        assert_eq!(
            p.host_key_certificates
                .iter()
                .map(Algorithm::to_certificate_type)
                .collect::<Vec<_>>(),
            [
                "ssh-ed25519-cert-v01@openssh.com",
                "ecdsa-sha2-nistp256-cert-v01@openssh.com",
                "ecdsa-sha2-nistp384-cert-v01@openssh.com",
                "ecdsa-sha2-nistp521-cert-v01@openssh.com",
                "sk-ssh-ed25519-cert-v01@openssh.com",
                "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
                "rsa-sha2-512-cert-v01@openssh.com",
                "rsa-sha2-256-cert-v01@openssh.com",
            ]
        );
        assert_eq!(names(&p.cipher), default_proposal(v, AlgKind::Cipher));
        assert_eq!(
            names(&p.mac),
            [
                "hmac-sha2-256-etm@openssh.com",
                "hmac-sha2-512-etm@openssh.com",
                "hmac-sha1-etm@openssh.com",
                "hmac-sha2-256",
                "hmac-sha2-512",
                "hmac-sha1",
            ]
        );
        assert_eq!(
            names(&p.compression),
            names(&Preferred::DEFAULT.compression)
        );
    }

    #[test]
    fn preferred_drops_unknown_and_duplicate_names() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let p = russh_preferred(
            &s(&[
                "ext-info-c",
                "bogus",
                "none",
                "curve25519-sha256",
                "curve25519-sha256",
            ]),
            &s(&[
                "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
                "ssh-dss",
                "ssh-dss",
            ]),
            &s(&["none", "clear", "3des-cbc", "arcfour"]),
            &s(&["none", "umac-64@openssh.com", "hmac-sha1"]),
        );
        let kex = names(&p.kex);
        assert_eq!(kex[0], "curve25519-sha256");
        assert_eq!(kex.iter().filter(|k| *k == "curve25519-sha256").count(), 1);
        assert_eq!(kex.iter().filter(|k| *k == "ext-info-c").count(), 1);
        assert_eq!(kex.len(), 5);
        assert_eq!(p.key.to_vec(), vec![Algorithm::Dsa]);
        assert!(p.host_key_certificates.is_empty());
        assert_eq!(names(&p.cipher), ["3des-cbc"]);
        assert_eq!(names(&p.mac), ["hmac-sha1"]);
    }
}
