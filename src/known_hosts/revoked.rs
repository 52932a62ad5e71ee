//! RevokedHostKeys: a KRL or a file of public keys, checked as OpenSSH 9.2's `sshkey_check_revoked`.
//!
//! Facts from openssh-portable V_9_2_P1 (`authfile.c`, `sshconnect.c:verify_host_key`): the
//! file is tried as a KRL first; without the KRL magic it is read as one public key per line
//! (`sshkey_in_file(key, file, 0, 1)`: blank and `#` lines skipped, an RSA key under 1024 bits
//! skipped, any other unreadable line an error). A key matches when its public part equals the
//! line's (certificates compare their certified key), and a certificate also when its CA key is
//! listed. A file that cannot be read or parsed makes ssh refuse every host key.

use crate::i18n::Text;
use ssh_key::public::KeyData;

use super::krl::Krl;
use super::parse::{read_key_checked, skip_blank, KeyReadError};
use super::plain_key;

/// The outcome of checking a presented host key against RevokedHostKeys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevokedCheck {
    /// The key is not listed.
    NotRevoked {
        /// What the file was, for the log (`KRL version 3 ...` or `list of N keys`).
        described: String,
    },
    /// The key (or its CA) is listed; ssh refuses it.
    Revoked {
        /// Why, e.g. `listed at line 4` or `the certificate's serial 7 is listed (KRL)`.
        why: Text,
    },
    /// ssh cannot use the file and refuses every host key.
    Unusable {
        /// Why, in words.
        why: Text,
    },
}

/// Check `key` (a plain key or certificate) against the bytes of a RevokedHostKeys file.
pub fn check_revoked(bytes: &[u8], key: &KeyData) -> RevokedCheck {
    if Krl::is_krl(bytes) {
        return match Krl::parse(bytes) {
            Ok(krl) => match krl.check(key) {
                Some(hit) => RevokedCheck::Revoked {
                    why: crate::text!("engine.hostkey.krl_hit", hit = hit.text()),
                },
                None => RevokedCheck::NotRevoked {
                    described: describe(&krl),
                },
            },
            Err(e) => RevokedCheck::Unusable {
                why: crate::text!("engine.hostkey.krl_unparsable", error = e.to_string()),
            },
        };
    }
    check_key_list(bytes, key)
}

fn describe(krl: &Krl) -> String {
    let mut s = format!(
        "KRL version {}: {} key(s), {} SHA1 and {} SHA256 hash(es), {} certificate section(s)",
        krl.version,
        krl.keys.len(),
        krl.sha1.len(),
        krl.sha256.len(),
        krl.certs.len()
    );
    if krl.signatures > 0 {
        s.push_str(&format!(
            "; {} signature(s) NOT verified by sshdoctor (ssh verifies them and refuses every host key if one is bad)",
            krl.signatures
        ));
    }
    s
}

/// `sshkey_in_file` with `strict_type = 0`, `check_ca = 1`.
fn check_key_list(bytes: &[u8], key: &KeyData) -> RevokedCheck {
    let plain = plain_key(key);
    let ca = match key {
        KeyData::Certificate(c) => Some(c.signature_key()),
        _ => None,
    };
    let mut count = 0;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        // C string semantics: a NUL byte ends the line.
        let line = &line[..line.iter().position(|&b| b == 0).unwrap_or(line.len())];
        let start = skip_blank(line, 0);
        if start == line.len() || line[start] == b'#' {
            continue;
        }
        let listed = match read_key_checked(&line[start..]) {
            Ok((_, listed, _)) => listed,
            Err(KeyReadError::TooShort(_)) => continue,
            Err(KeyReadError::Invalid(why)) => {
                return RevokedCheck::Unusable {
                    why: crate::text!("engine.hostkey.list_bad_line", n = i + 1, why = why),
                }
            }
        };
        count += 1;
        let listed = plain_key(&listed);
        if listed == plain {
            return RevokedCheck::Revoked {
                why: crate::text!("engine.hostkey.list_key_at", n = i + 1),
            };
        }
        if ca.is_some_and(|c| c == listed) {
            return RevokedCheck::Revoked {
                why: crate::text!("engine.hostkey.list_ca_at", n = i + 1),
            };
        }
    }
    RevokedCheck::NotRevoked {
        described: format!("a list of {count} public key(s)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssh_key::{Certificate, PublicKey};

    fn key(text: &str) -> KeyData {
        PublicKey::from_openssh(text.trim())
            .unwrap()
            .key_data()
            .clone()
    }
    const HOST: &str = include_str!("testdata/host.pub");
    const OTHER: &str = include_str!("testdata/other.pub");
    const CA: &str = include_str!("testdata/ca.pub");

    fn cert() -> KeyData {
        let text = include_str!("testdata/host_window-cert.pub");
        KeyData::Certificate(Box::new(Certificate::from_openssh(text.trim()).unwrap()))
    }

    #[test]
    fn key_list_matches_plain_key_certified_key_and_ca() {
        let list = format!("# revoked\n\n  {}\n{}", OTHER.trim(), HOST.trim());
        let revoked = |c: RevokedCheck| match c {
            RevokedCheck::Revoked { why } => why.english(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            revoked(check_revoked(list.as_bytes(), &key(HOST))),
            "the key is listed at line 4"
        );
        assert_eq!(
            revoked(check_revoked(list.as_bytes(), &cert())),
            "the key is listed at line 4"
        );
        let ca_list = format!("{CA}\n");
        let why = revoked(check_revoked(ca_list.as_bytes(), &cert()));
        assert_eq!(why, "the certificate's CA key is listed at line 1");
        assert_eq!(
            check_revoked(ca_list.as_bytes(), &key(HOST)),
            RevokedCheck::NotRevoked {
                described: "a list of 1 public key(s)".into()
            }
        );
    }

    #[test]
    fn a_bad_line_makes_the_whole_file_unusable() {
        let list = format!("{}\nnot-a-key AAAA\n{}", OTHER.trim(), HOST.trim());
        assert!(matches!(
            check_revoked(list.as_bytes(), &key(HOST)),
            RevokedCheck::Unusable { why } if why.english() == "line 2: unknown key type \"not-a-key\""
        ));
    }

    #[test]
    fn krl_files_are_recognised_by_their_magic() {
        let krl = include_bytes!("testdata/krl_key");
        assert!(matches!(
            check_revoked(krl, &key(HOST)),
            RevokedCheck::Revoked { why } if why.english() == "the key is listed by explicit key (KRL)"
        ));
        assert!(matches!(
            check_revoked(krl, &key(OTHER)),
            RevokedCheck::NotRevoked { .. }
        ));
        let mut broken = krl.to_vec();
        broken.truncate(30);
        assert!(matches!(
            check_revoked(&broken, &key(OTHER)),
            RevokedCheck::Unusable { why } if why.english().starts_with("the KRL cannot be parsed")
        ));
    }
}
