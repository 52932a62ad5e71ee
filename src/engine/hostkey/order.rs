//! Which host key algorithms ssh proposes first: `order_hostkeyalgs` of OpenSSH 9.2.
//!
//! Facts from openssh-portable V_9_2_P1 (`sshconnect2.c`): only when HostKeyAlgorithms is
//! unset or starts with `+` or `-`. The keys recorded for the lookup name (HostKeyAlias or
//! `[host]:port`; no portless retry) in every known_hosts file, plus KnownHostsCommand's `ORDER`
//! output matched against the bare host name, decide: when a plain key of the first algorithm's
//! type (and curve) is recorded, the list is used verbatim; otherwise algorithms whose key type
//! is recorded move to the front (and every certificate algorithm when a `@cert-authority` line
//! matches), keeping their order.

use ssh_key::public::KeyData;
use ssh_key::EcdsaCurve;

use crate::known_hosts::{KeyKind, KnownHostsFile, Marker};

/// The plain key type (and ECDSA curve) an algorithm name stands for.
fn alg_type(alg: &str) -> (KeyKind, Option<EcdsaCurve>, bool) {
    let (plain, cert) = match alg.strip_suffix("-cert-v01@openssh.com") {
        Some(p) => (p, true),
        None => (alg, false),
    };
    let (kind, curve) = match plain {
        "ssh-ed25519" => (KeyKind::Ed25519, None),
        "ssh-rsa" | "rsa-sha2-256" | "rsa-sha2-512" => (KeyKind::Rsa, None),
        "ssh-dss" => (KeyKind::Dsa, None),
        "ecdsa-sha2-nistp256" => (KeyKind::Ecdsa, Some(EcdsaCurve::NistP256)),
        "ecdsa-sha2-nistp384" => (KeyKind::Ecdsa, Some(EcdsaCurve::NistP384)),
        "ecdsa-sha2-nistp521" => (KeyKind::Ecdsa, Some(EcdsaCurve::NistP521)),
        "sk-ecdsa-sha2-nistp256@openssh.com" | "sk-ecdsa-sha2-nistp256" => (KeyKind::EcdsaSk, None),
        "sk-ssh-ed25519@openssh.com" | "sk-ssh-ed25519" => (KeyKind::Ed25519Sk, None),
        _ => (KeyKind::Other, None),
    };
    (kind, curve, cert)
}

/// What known_hosts records for the name, as the ordering needs it.
#[derive(Default)]
pub(crate) struct Recorded {
    /// Plain (non-certificate) keys of plain entries: type and curve.
    keys: Vec<(KeyKind, Option<EcdsaCurve>)>,
    /// A `@cert-authority` line matches.
    ca: bool,
}

impl Recorded {
    /// Collect from `files` the entries whose host field matches `name`.
    pub(crate) fn collect<'f>(
        &mut self,
        files: impl Iterator<Item = &'f KnownHostsFile>,
        name: &str,
    ) {
        for f in files {
            for (line, e) in f.entries() {
                if !f.host_match(line, name, &e.hosts).is_match() {
                    continue;
                }
                match (e.marker, &e.key) {
                    (Marker::CertAuthority, _) => self.ca = true,
                    (Marker::None, KeyData::Certificate(_)) | (Marker::Revoked, _) => {}
                    (Marker::None, key) => {
                        let curve = match key {
                            KeyData::Ecdsa(k) => Some(k.curve()),
                            _ => None,
                        };
                        self.keys.push((KeyKind::of(key), curve));
                    }
                }
            }
        }
    }

    fn has(&self, kind: KeyKind, curve: Option<EcdsaCurve>) -> bool {
        self.keys
            .iter()
            .any(|(k, c)| *k == kind && (kind != KeyKind::Ecdsa || *c == curve))
    }

    /// The algorithms in the order ssh proposes them.
    pub(crate) fn order(&self, algs: &[String]) -> Vec<String> {
        let Some(best) = algs.first() else {
            return Vec::new();
        };
        let (kind, curve, _) = alg_type(best);
        if self.has(kind, curve) {
            return algs.to_vec();
        }
        let first = |a: &String| {
            let (kind, curve, cert) = alg_type(a);
            (cert && self.ca) || self.has(kind, curve)
        };
        let mut out: Vec<String> = algs.iter().filter(|a| first(a)).cloned().collect();
        out.extend(algs.iter().filter(|a| !first(a)).cloned());
        out
    }
}

/// Whether ssh reorders at all: HostKeyAlgorithms unset, or `+list` / `-list`.
pub(crate) fn uses_known_hosts_order(configured: Option<&str>) -> bool {
    configured.is_none_or(|v| v.starts_with('+') || v.starts_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn algs(s: &str) -> Vec<String> {
        s.split(',').map(String::from).collect()
    }
    const DEFAULT: &str = "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,rsa-sha2-512,rsa-sha2-256";

    fn recorded(text: &str) -> Recorded {
        let f = KnownHostsFile::parse("kh", text.as_bytes());
        let mut r = Recorded::default();
        r.collect([&f].into_iter(), "host");
        r
    }
    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    const EC: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBO+n3Aw02iC394CLiI+SHzWhi9+0z7/wTyJ0v9MyabdUJR+1UDpJyH1bTt5Fnyh6oG3ypVkKon/zg/7xxsCcZq0=";

    #[test]
    fn best_type_recorded_keeps_the_list() {
        let r = recorded(&format!("host {ED}\n"));
        assert_eq!(r.order(&algs(DEFAULT)), algs(DEFAULT));
    }

    #[test]
    fn recorded_type_moves_to_the_front_with_its_certificate() {
        let r = recorded(&format!("host {EC}\nother {ED}\n"));
        let got = r.order(&algs(DEFAULT));
        assert_eq!(
            &got[..2],
            [
                "ecdsa-sha2-nistp256-cert-v01@openssh.com",
                "ecdsa-sha2-nistp256"
            ]
        );
        assert_eq!(got.len(), algs(DEFAULT).len());
        assert_eq!(got[2], "ssh-ed25519-cert-v01@openssh.com");
    }

    #[test]
    fn cert_authority_prefers_every_certificate() {
        let r = recorded(&format!("@cert-authority host {ED}\n"));
        let got = r.order(&algs("ssh-ed25519,ecdsa-sha2-nistp256,ssh-ed25519-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com"));
        assert_eq!(
            got,
            algs("ssh-ed25519-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256")
        );
    }

    #[test]
    fn nothing_recorded_keeps_the_list_and_config_decides_whether_to_reorder() {
        assert_eq!(recorded("").order(&algs(DEFAULT)), algs(DEFAULT));
        assert!(uses_known_hosts_order(None));
        assert!(uses_known_hosts_order(Some("+ssh-rsa")));
        assert!(uses_known_hosts_order(Some("-ssh-rsa")));
        assert!(!uses_known_hosts_order(Some("^ssh-rsa")));
        assert!(!uses_known_hosts_order(Some("ssh-ed25519")));
    }
}
