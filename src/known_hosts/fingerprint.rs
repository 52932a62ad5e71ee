//! Key fingerprints (SHA256 and legacy MD5) and the randomart box, as `ssh-keygen -l[v]` prints them.

use ssh_key::encoding::Encode;
use ssh_key::public::KeyData;
use ssh_key::{EcdsaCurve, HashAlg, Mpint};

use super::{plain_key, KeyKind};

/// Which digest a fingerprint uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FingerprintHash {
    /// `SHA256:base64` (OpenSSH's default).
    Sha256,
    /// `MD5:aa:bb:...` (`ssh-keygen -E md5`).
    Md5,
}

impl FingerprintHash {
    fn label(self) -> &'static str {
        match self {
            FingerprintHash::Sha256 => "SHA256",
            FingerprintHash::Md5 => "MD5",
        }
    }
}

/// The plain key's wire blob (OpenSSH fingerprints a certificate by its certified key).
fn blob(key: &KeyData) -> Vec<u8> {
    plain_key(key).encode_vec().unwrap_or_default()
}

/// `SHA256:<base64 without padding>` of the key blob.
pub fn sha256_fingerprint(key: &KeyData) -> String {
    plain_key(key).fingerprint(HashAlg::Sha256).to_string()
}

/// `MD5:aa:bb:...` of the key blob (lowercase hex, colon separated).
pub fn md5_fingerprint(key: &KeyData) -> String {
    let digest = md5::compute(blob(key));
    let hex: Vec<String> = digest.0.iter().map(|b| format!("{b:02x}")).collect();
    format!("MD5:{}", hex.join(":"))
}

fn raw_digest(key: &KeyData, hash: FingerprintHash) -> Vec<u8> {
    match hash {
        FingerprintHash::Md5 => md5::compute(blob(key)).0.to_vec(),
        FingerprintHash::Sha256 => plain_key(key)
            .fingerprint(HashAlg::Sha256)
            .as_bytes()
            .to_vec(),
    }
}

fn mpint_bits(m: &Mpint) -> u32 {
    match m.as_positive_bytes() {
        Some(bytes) => match bytes.iter().position(|&b| b != 0) {
            Some(i) => {
                let rest = u32::try_from(bytes.len() - i - 1).unwrap_or(u32::MAX / 16);
                rest.saturating_mul(8) + (8 - bytes[i].leading_zeros())
            }
            None => 0,
        },
        None => 0,
    }
}

/// Key size in bits as `sshkey_size` reports it (RSA modulus, DSA p, ECDSA curve, 256 for Ed25519).
pub fn key_bits(key: &KeyData) -> u32 {
    match plain_key(key) {
        KeyData::Rsa(k) => mpint_bits(k.n()),
        KeyData::Dsa(k) => mpint_bits(k.p()),
        KeyData::Ecdsa(k) => match k.curve() {
            EcdsaCurve::NistP256 => 256,
            EcdsaCurve::NistP384 => 384,
            EcdsaCurve::NistP521 => 521,
        },
        KeyData::Ed25519(_) | KeyData::SkEd25519(_) | KeyData::SkEcdsaSha2NistP256(_) => 256,
        _ => 0,
    }
}

/// OpenSSH's `sshkey_type` label: `ED25519`, `RSA`, ..., with `-CERT` for certificates.
fn type_label(key: &KeyData) -> String {
    let base = KeyKind::of(key).label();
    if matches!(key, KeyData::Certificate(_)) {
        format!("{base}-CERT")
    } else {
        base.to_string()
    }
}

/// The fingerprint string in the requested hash.
fn fingerprint(key: &KeyData, hash: FingerprintHash) -> String {
    match hash {
        FingerprintHash::Sha256 => sha256_fingerprint(key),
        FingerprintHash::Md5 => md5_fingerprint(key),
    }
}

/// One line as `ssh-keygen -l [-E md5] -f file` prints it: `256 SHA256:... comment (ED25519)`.
/// An empty comment prints as `no comment`, as ssh-keygen does.
pub fn fingerprint_line(key: &KeyData, comment: &str, hash: FingerprintHash) -> String {
    let comment = if comment.is_empty() {
        "no comment"
    } else {
        comment
    };
    format!(
        "{} {} {} ({})",
        key_bits(key),
        fingerprint(key, hash),
        comment,
        type_label(key)
    )
}

const FLDBASE: usize = 8;
const FLDSIZE_Y: usize = FLDBASE + 1;
const FLDSIZE_X: usize = FLDBASE * 2 + 1;
const AUGMENT: &[u8] = b" .o+=*BOX@%&#/^SE";

/// Centre `label` in a 17-wide border as OpenSSH does (title truncated to 16 bytes).
fn border(label: &str) -> String {
    let mut label = label.as_bytes().to_vec();
    label.truncate(FLDSIZE_X - 1);
    let left = (FLDSIZE_X - label.len()) / 2;
    let mut s = String::from("+");
    s.push_str(&"-".repeat(left));
    s.push_str(&String::from_utf8_lossy(&label));
    s.push_str(&"-".repeat(FLDSIZE_X - left - label.len()));
    s.push('+');
    s
}

/// The "drunken bishop" randomart box exactly as `ssh-keygen -lv` prints it
/// (lines joined by `\n`, no trailing newline).
pub fn randomart(key: &KeyData, hash: FingerprintHash) -> String {
    let digest = raw_digest(key, hash);
    let len = AUGMENT.len() - 1;
    let mut field = [[0usize; FLDSIZE_Y]; FLDSIZE_X];
    let (mut x, mut y) = (FLDSIZE_X / 2, FLDSIZE_Y / 2);
    for &byte in &digest {
        let mut input = byte;
        for _ in 0..4 {
            x = if input & 1 != 0 {
                (x + 1).min(FLDSIZE_X - 1)
            } else {
                x.saturating_sub(1)
            };
            y = if input & 2 != 0 {
                (y + 1).min(FLDSIZE_Y - 1)
            } else {
                y.saturating_sub(1)
            };
            if field[x][y] < len - 2 {
                field[x][y] += 1;
            }
            input >>= 2;
        }
    }
    field[FLDSIZE_X / 2][FLDSIZE_Y / 2] = len - 1;
    field[x][y] = len;

    let label = type_label(key);
    let mut title = format!("[{} {}]", label, key_bits(key));
    if title.len() > FLDSIZE_X {
        title = format!("[{label}]");
    }
    let mut out = border(&title);
    for row in 0..FLDSIZE_Y {
        out.push_str("\n|");
        for col in field.iter() {
            out.push(char::from(AUGMENT[col[row].min(len)]));
        }
        out.push('|');
    }
    out.push('\n');
    out.push_str(&border(&format!("[{}]", hash.label())));
    out
}

#[cfg(test)]
mod unit {
    use super::*;
    use ssh_key::PublicKey;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPqQrWf7uph908u78qtA6BpMxs8Cx8ZafNewVXyEcotb";

    #[test]
    fn box_shape() {
        let key = PublicKey::from_openssh(ED).unwrap();
        let art = randomart(key.key_data(), FingerprintHash::Sha256);
        let lines: Vec<&str> = art.lines().collect();
        assert_eq!(lines.len(), 11);
        assert_eq!(lines[0], "+--[ED25519 256]--+");
        assert_eq!(lines[10], "+----[SHA256]-----+");
        assert!(lines.iter().all(|l| l.len() == 19));
        assert!(art.contains('E'));
    }

    #[test]
    fn fingerprints_and_bits() {
        let key = PublicKey::from_openssh(ED).unwrap();
        let kd = key.key_data();
        assert_eq!(key_bits(kd), 256);
        assert!(sha256_fingerprint(kd).starts_with("SHA256:"));
        let md5 = md5_fingerprint(kd);
        assert_eq!(md5.len(), 4 + 16 * 3 - 1);
        assert!(fingerprint_line(kd, "", FingerprintHash::Md5).ends_with("no comment (ED25519)"));
    }

    #[test]
    fn long_titles_are_truncated_like_openssh() {
        assert_eq!(border("[ED25519-SK 256]"), "+[ED25519-SK 256]-+");
        assert_eq!(border("[ECDSA-SK-CERT 256]").len(), 19);
    }
}
