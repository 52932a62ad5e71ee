//! Host certificate checks OpenSSH 9.2 makes once a `@cert-authority` line matched the signing CA.
//!
//! Facts from openssh-portable V_9_2_P1: `sshconnect.c:check_host_key` calls
//! `sshkey_cert_check_host(key, HostKeyAlias or the lowercased HostName, 0,
//! CASignatureAlgorithms, ...)`, which (`sshkey.c`) checks in this order: a host certificate,
//! `now < valid_after` ("not yet valid"), `now >= valid_before` ("expired"), the name among the
//! principals by exact comparison (an empty principal list accepts any name), no critical
//! options, and the CA's signature algorithm allowed by CASignatureAlgorithms (default
//! `SSH_ALLOWED_CA_SIGALGS` of `myproposal.h`). On failure ssh logs the reason and retries with
//! the plain key.

use std::fmt;

use ssh_key::Certificate;

use super::pattern::match_pattern_list;

/// OpenSSH 9.2's default CASignatureAlgorithms (`SSH_ALLOWED_CA_SIGALGS`).
pub const DEFAULT_CA_SIGNATURE_ALGORITHMS: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
];

/// Why ssh finds a host certificate invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertProblem {
    /// A user certificate presented as a host certificate.
    NotHostCertificate,
    /// `now` is before the start of its validity window.
    NotYetValid {
        /// Start of validity (seconds since the epoch).
        valid_after: u64,
    },
    /// `now` is at or after the end of its validity window.
    Expired {
        /// End of validity (seconds since the epoch).
        valid_before: u64,
    },
    /// The name ssh checks is not one of the principals.
    Principal {
        /// The name ssh compares (HostKeyAlias, else the lowercased HostName).
        name: String,
        /// The certificate's principals.
        principals: Vec<String>,
    },
    /// The certificate carries critical options (ssh supports none for hosts).
    CriticalOptions(Vec<String>),
    /// The CA signed with an algorithm CASignatureAlgorithms does not allow.
    CaAlgorithm {
        /// The signature algorithm of the certificate.
        algorithm: String,
    },
}

impl CertProblem {
    /// A short word for the kind of problem (`principal`, `expired`, ...), for facts and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            CertProblem::NotHostCertificate => "wrong type",
            CertProblem::NotYetValid { .. } => "not yet valid",
            CertProblem::Expired { .. } => "expired",
            CertProblem::Principal { .. } => "principal",
            CertProblem::CriticalOptions(_) => "critical options",
            CertProblem::CaAlgorithm { .. } => "CA algorithm",
        }
    }
}

impl fmt::Display for CertProblem {
    /// ssh's own wording, then the detail.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertProblem::NotHostCertificate => {
                f.write_str("Certificate invalid: not a host certificate")
            }
            CertProblem::NotYetValid { valid_after } => write!(
                f,
                "Certificate invalid: not yet valid (valid from {})",
                utc(*valid_after)
            ),
            CertProblem::Expired { valid_before } => write!(
                f,
                "Certificate invalid: expired (valid until {})",
                utc(*valid_before)
            ),
            CertProblem::Principal { name, principals } => write!(
                f,
                "Certificate invalid: name is not a listed principal ({name:?} not in {})",
                principals.join(",")
            ),
            CertProblem::CriticalOptions(names) => write!(
                f,
                "Certificate contains unsupported critical options ({})",
                names.join(",")
            ),
            CertProblem::CaAlgorithm { algorithm } => write!(
                f,
                "Certificate signed with disallowed algorithm ({algorithm})"
            ),
        }
    }
}

/// `sshkey_cert_check_host` for `cert`, checked for `name` at `now` (seconds since the epoch)
/// with the CASignatureAlgorithms value `ca_algorithms` (None: the default).
pub fn check_host_cert(
    cert: &Certificate,
    name: &str,
    now: u64,
    ca_algorithms: Option<&str>,
) -> Result<(), CertProblem> {
    if !cert.cert_type().is_host() {
        return Err(CertProblem::NotHostCertificate);
    }
    if now < cert.valid_after() {
        return Err(CertProblem::NotYetValid {
            valid_after: cert.valid_after(),
        });
    }
    if now >= cert.valid_before() {
        return Err(CertProblem::Expired {
            valid_before: cert.valid_before(),
        });
    }
    let principals = cert.valid_principals();
    if !principals.is_empty() && !principals.iter().any(|p| p == name) {
        return Err(CertProblem::Principal {
            name: name.to_string(),
            principals: principals.to_vec(),
        });
    }
    if !cert.critical_options().is_empty() {
        return Err(CertProblem::CriticalOptions(
            cert.critical_options().keys().cloned().collect(),
        ));
    }
    let algorithm = cert.signature().algorithm().as_str().to_string();
    if !ca_algorithm_allowed(&algorithm, ca_algorithms) {
        return Err(CertProblem::CaAlgorithm { algorithm });
    }
    Ok(())
}

/// Whether a CA signature algorithm is in the CASignatureAlgorithms list ssh assembles from
/// `configured` (`kex_assemble_names`: a plain list replaces the default, `+`/`^` add to it,
/// `-` removes every matching default entry).
pub fn ca_algorithm_allowed(algorithm: &str, configured: Option<&str>) -> bool {
    let in_default = DEFAULT_CA_SIGNATURE_ALGORITHMS.contains(&algorithm);
    let matches =
        |list: &str| match_pattern_list(algorithm.as_bytes(), list.as_bytes(), false) == 1;
    match configured {
        None => in_default,
        Some(v) => match v.as_bytes().first() {
            Some(b'+' | b'^') => in_default || matches(&v[1..]),
            Some(b'-') => in_default && !matches(&v[1..]),
            _ => matches(v),
        },
    }
}

/// A UTC time as `YYYY-MM-DDTHH:MM:SS` (ssh prints certificate times like this in `-L`).
pub fn utc(secs: u64) -> String {
    if secs == u64::MAX {
        return "forever".into();
    }
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map_or_else(
            || format!("@{secs}"),
            |t| t.format("%Y-%m-%dT%H:%M:%S").to_string(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ca_algorithms_refuse_sha1_rsa() {
        assert!(ca_algorithm_allowed("ssh-ed25519", None));
        assert!(ca_algorithm_allowed("rsa-sha2-512", None));
        assert!(!ca_algorithm_allowed("ssh-rsa", None));
        assert!(ca_algorithm_allowed("ssh-rsa", Some("+ssh-rsa")));
        assert!(ca_algorithm_allowed("ssh-rsa", Some("^ssh-*")));
        assert!(!ca_algorithm_allowed("ssh-ed25519", Some("-ssh-ed*")));
        assert!(ca_algorithm_allowed("rsa-sha2-256", Some("-ssh-ed*")));
        assert!(!ca_algorithm_allowed("ssh-ed25519", Some("rsa-sha2-*")));
        assert!(ca_algorithm_allowed("rsa-sha2-256", Some("rsa-sha2-*")));
    }

    fn cert(name: &str) -> Certificate {
        let text = match name {
            "window" => include_str!("testdata/host_window-cert.pub"),
            "user" => include_str!("testdata/user-cert.pub"),
            "none" => include_str!("testdata/noprincipals-cert.pub"),
            "sha1" => include_str!("testdata/sha1ca-cert.pub"),
            _ => include_str!("testdata/sha512ca-cert.pub"),
        };
        Certificate::from_openssh(text.trim()).unwrap()
    }

    #[test]
    fn validity_window_is_half_open() {
        let c = cert("window");
        let (from, to) = (c.valid_after(), c.valid_before());
        assert_eq!(check_host_cert(&c, "host.example", from, None), Ok(()));
        assert_eq!(
            check_host_cert(&c, "host.example", from - 1, None),
            Err(CertProblem::NotYetValid { valid_after: from })
        );
        assert_eq!(check_host_cert(&c, "host.example", to - 1, None), Ok(()));
        assert_eq!(
            check_host_cert(&c, "host.example", to, None),
            Err(CertProblem::Expired { valid_before: to })
        );
    }

    #[test]
    fn principal_is_compared_exactly_and_empty_list_accepts_any_name() {
        let c = cert("window");
        let now = c.valid_after() + 1;
        assert_eq!(check_host_cert(&c, "alias.example", now, None), Ok(()));
        let err = check_host_cert(&c, "Host.example", now, None).unwrap_err();
        assert_eq!(err.kind(), "principal");
        assert!(err
            .to_string()
            .starts_with("Certificate invalid: name is not a listed principal"));
        assert_eq!(
            check_host_cert(&c, "*.example", now, None)
                .unwrap_err()
                .kind(),
            "principal"
        );
        let any = cert("none");
        assert_eq!(
            check_host_cert(&any, "whatever", any.valid_after(), None),
            Ok(())
        );
    }

    #[test]
    fn user_certificate_is_not_a_host_certificate() {
        let c = cert("user");
        assert_eq!(
            check_host_cert(&c, "host.example", c.valid_after(), None),
            Err(CertProblem::NotHostCertificate)
        );
    }

    #[test]
    fn sha1_rsa_ca_signature_is_refused_by_default_only() {
        let c = cert("sha1");
        let now = c.valid_after();
        assert_eq!(
            check_host_cert(&c, "host.example", now, None),
            Err(CertProblem::CaAlgorithm {
                algorithm: "ssh-rsa".into()
            })
        );
        assert_eq!(
            check_host_cert(&c, "host.example", now, Some("+ssh-rsa")),
            Ok(())
        );
        let c = cert("sha512");
        assert_eq!(check_host_cert(&c, "host.example", now, None), Ok(()));
    }

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01T00:00:00");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(utc(1_700_000_000), "2023-11-14T22:13:20");
        assert_eq!(utc(u64::MAX), "forever");
    }
}
