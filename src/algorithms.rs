//! OpenSSH's default client algorithm proposals, the `+`/`-`/`^` list modifiers, KEXINIT parsing, and the bridge to russh.
//!
//! The question this module answers is "what would the user's real `ssh` put in its KEXINIT?".
//! The per-release default lists live in `assets/openssh-algorithms.toml` (compiled in), the
//! config-value semantics follow OpenSSH's `kex_assemble_names()` and readconf.c validation, and the
//! wire side ([`parse_kexinit`], [`take_packet`], [`negotiate`]) reads what a server offers so the
//! two can be compared the way RFC 4253 negotiation does.

mod assemble;
mod catalog;
mod installed;
mod russh_support;
mod wire;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use assemble::{apply_config, apply_config_for};
pub use installed::{installed_openssh, Installed, InstalledClient};
pub use russh_support::{russh_preferred, russh_supported};
pub use wire::{
    frame_packet, is_marker, negotiate, parse_kexinit, take_packet, without_markers, KexInit,
    KexInitError, PacketState, MAX_NAME_LIST_LEN, MAX_PACKET_LEN, SSH_MSG_KEXINIT,
};

/// One of the algorithm lists an ssh client configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AlgKind {
    /// Key exchange methods (`KexAlgorithms`).
    Kex,
    /// Server host key signature algorithms (`HostKeyAlgorithms`).
    HostKey,
    /// Symmetric ciphers (`Ciphers`).
    Cipher,
    /// Message authentication codes (`MACs`).
    Mac,
    /// Signature algorithms offered for public-key user authentication (`PubkeyAcceptedAlgorithms`).
    PubkeyAccepted,
}

impl AlgKind {
    /// Every kind, in ssh_config documentation order.
    pub const ALL: [AlgKind; 5] = [
        AlgKind::Kex,
        AlgKind::HostKey,
        AlgKind::Cipher,
        AlgKind::Mac,
        AlgKind::PubkeyAccepted,
    ];

    /// The ssh_config keyword, e.g. `KexAlgorithms`.
    ///
    /// `PubkeyAcceptedAlgorithms` was called `PubkeyAcceptedKeyTypes` before OpenSSH 8.5; newer
    /// releases still accept the old name (see [`AlgKind::legacy_keyword`]).
    pub fn keyword(self) -> &'static str {
        match self {
            AlgKind::Kex => "KexAlgorithms",
            AlgKind::HostKey => "HostKeyAlgorithms",
            AlgKind::Cipher => "Ciphers",
            AlgKind::Mac => "MACs",
            AlgKind::PubkeyAccepted => "PubkeyAcceptedAlgorithms",
        }
    }

    /// The older spelling of the keyword, where there is one (`PubkeyAcceptedKeyTypes`).
    pub fn legacy_keyword(self) -> Option<&'static str> {
        match self {
            AlgKind::PubkeyAccepted => Some("PubkeyAcceptedKeyTypes"),
            _ => None,
        }
    }

    /// The key `ssh -G` prints for this list (the keyword in lower case, e.g. `kexalgorithms`).
    pub fn ssh_g_key(self) -> &'static str {
        match self {
            AlgKind::Kex => "kexalgorithms",
            AlgKind::HostKey => "hostkeyalgorithms",
            AlgKind::Cipher => "ciphers",
            AlgKind::Mac => "macs",
            AlgKind::PubkeyAccepted => "pubkeyacceptedalgorithms",
        }
    }

    /// The `ssh -Q` query that lists what this keyword accepts (`kex`, `HostKeyAlgorithms`, ...).
    pub fn ssh_q_query(self) -> &'static str {
        match self {
            AlgKind::Kex => "kex",
            AlgKind::HostKey => "HostKeyAlgorithms",
            AlgKind::Cipher => "cipher",
            AlgKind::Mac => "mac",
            AlgKind::PubkeyAccepted => "PubkeyAcceptedAlgorithms",
        }
    }
}

impl fmt::Display for AlgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// An OpenSSH release number, `major.minor` (the portable `pN` suffix is ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OpenSshVersion {
    /// Major release, e.g. `9` in 9.2p1.
    pub major: u32,
    /// Minor release, e.g. `2` in 9.2p1.
    pub minor: u32,
}

impl OpenSshVersion {
    /// `OpenSshVersion { major, minor }`.
    pub const fn new(major: u32, minor: u32) -> Self {
        OpenSshVersion { major, minor }
    }
}

impl fmt::Display for OpenSshVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Finds the OpenSSH release in `ssh -V` output or an SSH identification string.
///
/// Accepts e.g. `OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 27 Jan 2026`,
/// `SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10`, `OpenSSH_10.0p2` and
/// `OpenSSH_for_Windows_9.5p1, LibreSSL 3.8.2`. Returns `None` when no `OpenSSH_<major>.<minor>`
/// is present (another implementation, or garbage).
pub fn parse_ssh_version(s: &str) -> Option<OpenSshVersion> {
    let mut rest = s;
    while let Some(pos) = rest.find("OpenSSH_") {
        let after = &rest[pos + "OpenSSH_".len()..];
        let after = after.strip_prefix("for_Windows_").unwrap_or(after);
        if let Some(v) = parse_major_minor(after) {
            return Some(v);
        }
        rest = after;
    }
    None
}

fn parse_major_minor(s: &str) -> Option<OpenSshVersion> {
    let major_len = s.bytes().take_while(u8::is_ascii_digit).count();
    if major_len == 0 || major_len > 4 {
        return None;
    }
    let rest = s[major_len..].strip_prefix('.')?;
    let minor_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if minor_len == 0 || minor_len > 4 {
        return None;
    }
    Some(OpenSshVersion {
        major: s[..major_len].parse().ok()?,
        minor: rest[..minor_len].parse().ok()?,
    })
}

/// A table list as owned names.
fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|name| (*name).to_string()).collect()
}

/// The releases the compiled-in table has entries for, oldest first.
pub fn covered_releases() -> Vec<OpenSshVersion> {
    catalog::releases().iter().map(|r| r.version).collect()
}

/// The table entry in force for `version`: the newest entry not newer than it.
///
/// `None` means "unknown client": the newest entry. A version older than every entry gets the
/// oldest entry (the closest thing known).
pub fn release_in_force(version: Option<OpenSshVersion>) -> OpenSshVersion {
    catalog::release_for(version).version
}

/// OpenSSH's default client list of `kind` for `version`, exactly as `ssh -G` prints it with no
/// configuration (see [`release_in_force`] for which entry is used).
///
/// With the default `HostKeyAlgorithms`, ssh additionally moves the algorithms of host keys it
/// already has in known_hosts to the front on the wire; that reordering is not applied here.
pub fn default_proposal(version: Option<OpenSshVersion>, kind: AlgKind) -> Vec<String> {
    strings(catalog::release_for(version).default(kind))
}

/// Everything `version` implements for `kind` (the `ssh -Q` list: `kex`, `HostKeyAlgorithms` for
/// both key kinds, `cipher`, `mac`), used to expand wildcards and validate configured names.
pub fn supported(version: Option<OpenSshVersion>, kind: AlgKind) -> Vec<String> {
    strings(catalog::release_for(version).supported(kind))
}

/// The effective list of `kind` for `version` given the configured value (if any), as `ssh -G`
/// would print it; `Err` with ssh's complaint when ssh would refuse the value.
///
/// Besides [`apply_config_for`]'s checks, this rejects prefixes the release does not understand:
/// `-` needs OpenSSH 7.5 and `^` needs 8.0.
pub fn effective(
    version: Option<OpenSshVersion>,
    kind: AlgKind,
    configured: Option<&str>,
) -> Result<Vec<String>, String> {
    let release = catalog::release_for(version);
    let Some(value) = configured else {
        return Ok(strings(release.default(kind)));
    };
    if let Some(v) = version {
        let trimmed = value.trim();
        let needs = match trimmed.chars().next() {
            Some('-') => Some(OpenSshVersion::new(7, 5)),
            Some('^') => Some(OpenSshVersion::new(8, 0)),
            _ => None,
        };
        if let Some(needed) = needs.filter(|needed| v < *needed) {
            return Err(format!(
                "{} '{}': OpenSSH {} does not understand the '{}' prefix (added in OpenSSH {})",
                kind.keyword(),
                trimmed,
                v,
                &trimmed[..1],
                needed
            ));
        }
    }
    apply_config_for(kind, release.default(kind), release.supported(kind), value)
}

/// The kex name-list `version`'s ssh actually sends: `kex` followed by the pseudo-algorithms ssh
/// appends on the wire (`ext-info-c` since 7.2, `kex-strict-c-v00@openssh.com` since 9.6 and in
/// Debian's patched 9.2), skipping any already present.
///
/// `kex` is normally [`effective`]`(version, AlgKind::Kex, ..)`, which like `ssh -G` omits them.
pub fn wire_kex_proposal(version: Option<OpenSshVersion>, kex: &[String]) -> Vec<String> {
    let mut out = kex.to_vec();
    for marker in catalog::release_for(version).wire_kex_suffix {
        if !out.iter().any(|name| name == marker) {
            out.push((*marker).to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    fn v(major: u32, minor: u32) -> OpenSshVersion {
        OpenSshVersion::new(major, minor)
    }

    fn strings(list: &str) -> Vec<String> {
        list.split(',').map(str::to_string).collect()
    }

    const DEB92_KEX: &str = "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,\
curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,\
ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,\
diffie-hellman-group18-sha512,diffie-hellman-group14-sha256";

    const DEB92_KEYS: &str = "ssh-ed25519-cert-v01@openssh.com,\
ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,\
ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,\
sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,\
rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,\
ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,\
rsa-sha2-512,rsa-sha2-256";

    #[test]
    fn keywords() {
        assert_eq!(AlgKind::Kex.keyword(), "KexAlgorithms");
        assert_eq!(AlgKind::HostKey.keyword(), "HostKeyAlgorithms");
        assert_eq!(AlgKind::Cipher.keyword(), "Ciphers");
        assert_eq!(AlgKind::Mac.keyword(), "MACs");
        assert_eq!(
            AlgKind::PubkeyAccepted.keyword(),
            "PubkeyAcceptedAlgorithms"
        );
        for kind in AlgKind::ALL {
            assert_eq!(kind.ssh_g_key(), kind.keyword().to_ascii_lowercase());
        }
    }

    #[test]
    fn parses_versions() {
        let cases = [
            (
                "OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 27 Jan 2026",
                Some(v(9, 2)),
            ),
            ("OpenSSH_10.0p2, OpenSSL 3.5.1 1 Jul 2025", Some(v(10, 0))),
            ("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10", Some(v(8, 9))),
            ("SSH-2.0-OpenSSH_7.4", Some(v(7, 4))),
            ("OpenSSH_for_Windows_9.5p1, LibreSSL 3.8.2", Some(v(9, 5))),
            ("OpenSSH_x OpenSSH_9.9p2", Some(v(9, 9))),
            ("SSH-2.0-dropbear_2022.83", None),
            ("OpenSSH_", None),
            ("OpenSSH_9", None),
            ("OpenSSH_9.", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_ssh_version(text), want, "{text:?}");
        }
        assert!(v(9, 10) > v(9, 9));
        assert!(v(10, 0) > v(9, 9));
        assert_eq!(v(9, 2).to_string(), "9.2");
    }

    #[test]
    fn required_releases_are_covered() {
        let covered = covered_releases();
        for (major, minor) in [
            (7, 4),
            (8, 2),
            (8, 5),
            (8, 8),
            (9, 0),
            (9, 2),
            (9, 5),
            (9, 9),
            (10, 0),
        ] {
            assert!(covered.contains(&v(major, minor)), "{major}.{minor}");
        }
    }

    #[test]
    fn picks_the_entry_in_force() {
        assert_eq!(release_in_force(Some(v(9, 2))), v(9, 2));
        assert_eq!(release_in_force(Some(v(9, 4))), v(9, 3));
        assert_eq!(release_in_force(Some(v(8, 9))), v(8, 8));
        assert_eq!(release_in_force(Some(v(11, 3))), v(10, 0));
        assert_eq!(release_in_force(Some(v(6, 6))), v(7, 4));
        assert_eq!(release_in_force(None), v(10, 0));

        assert_eq!(
            default_proposal(Some(v(9, 2)), AlgKind::Kex),
            strings(DEB92_KEX)
        );
        assert_eq!(
            default_proposal(None, AlgKind::Kex)[0],
            "mlkem768x25519-sha256"
        );
        assert_eq!(
            default_proposal(Some(v(9, 9)), AlgKind::Kex)[2],
            "mlkem768x25519-sha256"
        );
        assert_eq!(
            default_proposal(Some(v(9, 0)), AlgKind::Kex)[0],
            "sntrup761x25519-sha512@openssh.com"
        );
        // ssh-rsa left the defaults in 8.8.
        assert!(default_proposal(Some(v(8, 7)), AlgKind::HostKey).contains(&"ssh-rsa".into()));
        assert!(!default_proposal(Some(v(8, 8)), AlgKind::HostKey).contains(&"ssh-rsa".into()));
        assert!(
            !default_proposal(Some(v(8, 8)), AlgKind::PubkeyAccepted).contains(&"ssh-rsa".into())
        );
        // group14-sha1 left the client defaults in 8.2.
        assert!(default_proposal(Some(v(8, 1)), AlgKind::Kex)
            .contains(&"diffie-hellman-group14-sha1".into()));
        assert!(!default_proposal(Some(v(8, 2)), AlgKind::Kex)
            .contains(&"diffie-hellman-group14-sha1".into()));
        assert!(supported(Some(v(9, 2)), AlgKind::HostKey).contains(&"ssh-dss".into()));
        assert!(!supported(Some(v(10, 0)), AlgKind::HostKey).contains(&"ssh-dss".into()));
    }

    #[test]
    fn wire_form_appends_markers() {
        let kex = default_proposal(Some(v(9, 2)), AlgKind::Kex);
        let wire = wire_kex_proposal(Some(v(9, 2)), &kex);
        assert_eq!(&wire[..kex.len()], &kex[..]);
        assert_eq!(
            &wire[kex.len()..],
            &[
                "ext-info-c".to_string(),
                "kex-strict-c-v00@openssh.com".into()
            ]
        );
        assert_eq!(without_markers(&wire), kex);

        let old = wire_kex_proposal(Some(v(8, 2)), &kex);
        assert_eq!(old.last().map(String::as_str), Some("ext-info-c"));
        assert_eq!(old.len(), kex.len() + 1);

        // Already present: not repeated.
        let again = wire_kex_proposal(Some(v(9, 6)), &wire);
        assert_eq!(again, wire);
    }

    #[test]
    fn effective_combines_defaults_and_config() {
        let nine_two = Some(v(9, 2));
        assert_eq!(
            effective(nine_two, AlgKind::Kex, None).unwrap(),
            strings(DEB92_KEX)
        );
        assert_eq!(
            effective(nine_two, AlgKind::HostKey, Some("+ssh-rsa")).unwrap(),
            strings(&format!("{DEB92_KEYS},ssh-rsa"))
        );
        // Wildcards are not accepted in a plain KexAlgorithms list.
        assert!(effective(nine_two, AlgKind::Kex, Some("curve*")).is_err());
        // Old releases do not know the newer prefixes.
        let err = effective(Some(v(7, 4)), AlgKind::Cipher, Some("-aes128-cbc")).unwrap_err();
        assert!(err.contains("7.5"), "{err}");
        assert!(effective(Some(v(7, 9)), AlgKind::Cipher, Some("^aes128-ctr")).is_err());
        assert!(effective(Some(v(8, 0)), AlgKind::Cipher, Some("^aes128-ctr")).is_ok());
        // 7.4 did not know rsa-sha2-*-cert-v01 yet: its validation rejects the name.
        assert!(effective(
            Some(v(7, 4)),
            AlgKind::HostKey,
            Some("rsa-sha2-256-cert-v01@openssh.com")
        )
        .is_err());
    }

    // ---- checks against the installed OpenSSH client (skipped when it is absent) ----

    /// The installed ssh's release when the table has an entry for exactly that release.
    fn installed_covered() -> Option<OpenSshVersion> {
        let Some((banner, version)) = installed_openssh() else {
            eprintln!("note: ssh not found; skipping the comparison with the real client");
            return None;
        };
        if release_in_force(Some(version)) != version {
            eprintln!(
                "note: installed {banner:?} has no exact table entry; skipping the comparison"
            );
            return None;
        }
        Some(version)
    }

    /// `ssh -F /dev/null -G [-o keyword=value] x`: the printed value of `kind`, or `Err(stderr)`.
    fn ssh_g(kind: AlgKind, value: Option<&str>) -> Result<Vec<String>, String> {
        let mut cmd = Command::new("ssh");
        cmd.args(["-F", "/dev/null", "-G"]);
        if let Some(value) = value {
            cmd.arg("-o").arg(format!("{}={}", kind.keyword(), value));
        }
        let out = cmd
            .arg("sshdoctor-test.invalid")
            .stdin(Stdio::null())
            .output()
            .expect("run ssh -G");
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let prefix = format!("{} ", kind.ssh_g_key());
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("ssh -G printed no {prefix}"));
        Ok(line[prefix.len()..]
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect())
    }

    fn ssh_q(kind: AlgKind) -> Vec<String> {
        let out = Command::new("ssh")
            .args(["-Q", kind.ssh_q_query()])
            .stdin(Stdio::null())
            .output()
            .expect("run ssh -Q");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn installed_defaults_match_ssh_g_and_ssh_q() {
        let Some(version) = installed_covered() else {
            return;
        };
        for kind in AlgKind::ALL {
            assert_eq!(
                default_proposal(Some(version), kind),
                ssh_g(kind, None).unwrap(),
                "default {kind} for OpenSSH {version}"
            );
            assert_eq!(
                supported(Some(version), kind),
                ssh_q(kind),
                "supported {kind} for OpenSSH {version}"
            );
        }
    }

    #[test]
    fn installed_config_semantics_match_ssh_g() {
        let Some(version) = installed_covered() else {
            return;
        };
        let cases: &[(AlgKind, &str)] = &[
            (AlgKind::Kex, "curve25519-sha256,diffie-hellman-group1-sha1"),
            (
                AlgKind::Kex,
                "+diffie-hellman-group1-sha1,curve25519-sha256",
            ),
            (AlgKind::Kex, "-*sha1,ecdh*"),
            (
                AlgKind::Kex,
                "^diffie-hellman-group14-sha1,curve25519-sha256",
            ),
            (AlgKind::Kex, "curve25519-sha256,,bogus"),
            (AlgKind::Kex, "-bogus"),
            (AlgKind::Kex, "-*"),
            (AlgKind::Kex, "-"),
            (AlgKind::Kex, "bogus"),
            (AlgKind::Kex, "+bogus"),
            (AlgKind::Kex, "+"),
            (AlgKind::Kex, "curve*"),
            (AlgKind::Kex, "^curve*"),
            (AlgKind::Kex, "ext-info-c"),
            (AlgKind::Cipher, "aes*"),
            (AlgKind::Cipher, "-aes*"),
            (AlgKind::Cipher, "+3des-cbc"),
            (AlgKind::Cipher, "none"),
            (AlgKind::Cipher, "aes128-ctr,aes128-ctr"),
            (AlgKind::Cipher, "AES128-CTR"),
            (AlgKind::Cipher, "aes128-ctr,"),
            (
                AlgKind::Cipher,
                "^aes256-gcm@openssh.com,chacha20-poly1305@openssh.com",
            ),
            (AlgKind::Mac, "hmac-sha1,hmac-md5"),
            (AlgKind::Mac, "+hmac-*"),
            (AlgKind::Mac, "-*-etm@openssh.com"),
            (AlgKind::HostKey, "ssh-ed25519*,rsa-*"),
            (AlgKind::HostKey, "+ssh-rsa"),
            (AlgKind::HostKey, "+ssh-rsa*,ssh-ed25519"),
            (AlgKind::HostKey, "bogus"),
            (AlgKind::HostKey, "bogus*"),
            (AlgKind::HostKey, "!ssh-rsa"),
            (AlgKind::HostKey, "ssh-*,!ssh-rsa"),
            (AlgKind::HostKey, "-ssh-ed*,!rsa-sha2-512*"),
            (AlgKind::HostKey, "-*"),
            (AlgKind::HostKey, "ssh-ed25519,ssh-rsa-cert*"),
            (AlgKind::PubkeyAccepted, "+ssh-dss*"),
            (AlgKind::PubkeyAccepted, "^ssh-rsa,ssh-ed25519"),
            (AlgKind::PubkeyAccepted, "webauthn*"),
            (AlgKind::PubkeyAccepted, "^*-cert-v01@openssh.com"),
        ];
        for &(kind, value) in cases {
            let ours = effective(Some(version), kind, Some(value));
            match ssh_g(kind, Some(value)) {
                Ok(list) => assert_eq!(ours, Ok(list), "{}={value}", kind.keyword()),
                Err(stderr) => assert!(
                    ours.is_err(),
                    "{}={value}: ssh refused ({}) but we gave {ours:?}",
                    kind.keyword(),
                    stderr.trim()
                ),
            }
        }
    }

    /// Captures the installed client's own KEXINIT (ssh connects to a listener here) and checks it
    /// is exactly the wire form predicted from the table.
    #[test]
    fn installed_client_kexinit_matches_wire_form() {
        let Some(version) = installed_covered() else {
            return;
        };
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mut child = Command::new("ssh")
            .args([
                "-F",
                "/dev/null",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=5",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "GlobalKnownHostsFile=/dev/null",
                "-p",
                &port.to_string(),
                "127.0.0.1",
                "true",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ssh");
        let result = capture_client_kexinit(&listener);
        let _ = child.kill();
        let _ = child.wait();
        let kexinit = result.expect("capture the client's KEXINIT");

        let kex = default_proposal(Some(version), AlgKind::Kex);
        assert_eq!(kexinit.kex, wire_kex_proposal(Some(version), &kex));
        let keys = default_proposal(Some(version), AlgKind::HostKey);
        assert_eq!(kexinit.host_key, keys);
        let ciphers = default_proposal(Some(version), AlgKind::Cipher);
        assert_eq!(kexinit.ciphers_c2s, ciphers);
        assert_eq!(kexinit.ciphers_s2c, ciphers);
        let macs = default_proposal(Some(version), AlgKind::Mac);
        assert_eq!(kexinit.macs_c2s, macs);
        assert_eq!(kexinit.macs_s2c, macs);
        assert!(!kexinit.first_kex_follows);
    }

    fn capture_client_kexinit(listener: &TcpListener) -> Result<KexInit, String> {
        use std::io::{Read, Write};
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut stream = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if Instant::now() > deadline {
                        return Err("ssh never connected".into());
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(e.to_string()),
            }
        };
        stream.set_nonblocking(false).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        stream
            .write_all(b"SSH-2.0-OpenSSH_9.2p1 sshdoctor-test\r\n")
            .map_err(|e| e.to_string())?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = buf.iter().position(|&b| b == b'\n') {
                let rest = buf.split_off(end + 1);
                if buf.starts_with(b"SSH-") {
                    buf = rest;
                    break;
                }
                buf = rest;
                continue;
            }
            let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("eof before banner".into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        loop {
            match take_packet(&buf) {
                PacketState::Packet { payload, .. } => {
                    return parse_kexinit(&payload).map_err(|e| e.to_string())
                }
                PacketState::Invalid(e) => return Err(e),
                PacketState::NeedMore => {
                    let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
                    if n == 0 {
                        return Err("eof before KEXINIT".into());
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
            }
        }
    }
}
