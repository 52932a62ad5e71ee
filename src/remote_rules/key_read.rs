//! `sshkey_read` on one piece of a line: the key type, OpenSSH's base64, the blob's fields.
use ssh_key::public::KeyData;
use ssh_key::PublicKey;

use crate::known_hosts::{key_bits, skip_blank, token_end, KeyKind};

/// The suffix of a certificate's key type name.
pub(super) const CERT_SUFFIX: &str = "-cert-v01@openssh.com";

/// Base64 as OpenSSH's `b64_pton` reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum B64Error {
    /// A character outside the alphabet.
    BadChar(u8),
    /// The data stops in the middle of a 4-character group (no padding).
    Incomplete,
    /// Misplaced `=` or stray bits.
    BadPadding,
}

pub(super) fn b64_value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Decode like `b64_pton`: whitespace is skipped, a final partial group must
/// be padded with `=`, and the padding's unused bits must be zero.
pub(super) fn b64_decode(s: &[u8]) -> Result<Vec<u8>, B64Error> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut n = 0usize;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if is_space(c) {
            continue;
        }
        if c == b'=' {
            // Padding: allowed after 2 or 3 characters of a group.
            let pads_needed = match n {
                2 => 2,
                3 => 1,
                _ => return Err(B64Error::BadPadding),
            };
            let mut pads = 1;
            while pads < pads_needed {
                while i < s.len() && is_space(s[i]) {
                    i += 1;
                }
                if i < s.len() && s[i] == b'=' {
                    pads += 1;
                    i += 1;
                } else {
                    return Err(B64Error::BadPadding);
                }
            }
            if s[i..].iter().any(|&c| !is_space(c)) {
                return Err(B64Error::BadPadding);
            }
            let (bits, keep) = if n == 2 { (12, 1) } else { (18, 2) };
            let unused = 24 - bits;
            let value = acc << unused;
            if (value >> (8 * (3 - keep))) << (8 * (3 - keep)) != value {
                return Err(B64Error::BadPadding);
            }
            for k in 0..keep {
                out.push((value >> (16 - 8 * k)) as u8);
            }
            return Ok(out);
        }
        let v = b64_value(c).ok_or(B64Error::BadChar(c))?;
        acc = (acc << 6) | v;
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    if n == 0 {
        Ok(out)
    } else {
        Err(B64Error::Incomplete)
    }
}

/// A key type name as `sshkey_read` knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TypeName {
    kind: KeyKind,
    cert: bool,
    /// For ECDSA: the curve the name fixes.
    curve: Option<&'static str>,
}

/// `peek_type_nid`: only the full names are accepted, exactly (not the short
/// names such as `ED25519` that `sshkey_type_from_name` also knows).
fn type_from_name(name: &[u8]) -> Option<TypeName> {
    use KeyKind::*;
    let name = std::str::from_utf8(name).ok()?;
    let (base, cert) = match name.strip_suffix(CERT_SUFFIX) {
        Some(base) => (base, true),
        None => (name, false),
    };
    let (kind, curve) = match (base, cert) {
        ("ssh-ed25519", _) => (Ed25519, None),
        ("sk-ssh-ed25519@openssh.com", false) | ("sk-ssh-ed25519", true) => (Ed25519Sk, None),
        ("ecdsa-sha2-nistp256", _) => (Ecdsa, Some("nistp256")),
        ("ecdsa-sha2-nistp384", _) => (Ecdsa, Some("nistp384")),
        ("ecdsa-sha2-nistp521", _) => (Ecdsa, Some("nistp521")),
        ("sk-ecdsa-sha2-nistp256@openssh.com", false) | ("sk-ecdsa-sha2-nistp256", true) => {
            (EcdsaSk, None)
        }
        ("ssh-rsa" | "rsa-sha2-256" | "rsa-sha2-512", _) => (Rsa, None),
        ("ssh-dss", _) => (Dsa, None),
        _ => return None,
    };
    Some(TypeName { kind, cert, curve })
}

/// How many length-prefixed fields a plain key blob holds (type name included).
fn expected_fields(kind: KeyKind) -> usize {
    match kind {
        KeyKind::Ed25519 => 2,
        KeyKind::Rsa | KeyKind::Ecdsa | KeyKind::Ed25519Sk => 3,
        KeyKind::EcdsaSk => 4,
        KeyKind::Dsa => 5,
        KeyKind::Other => 1,
    }
}

/// Walk the blob's SSH strings: `Some(count)` of complete fields, or `None`
/// when a length runs past the end (the data was cut).
fn count_fields(blob: &[u8]) -> Option<usize> {
    let mut rest = blob;
    let mut count = 0;
    while !rest.is_empty() {
        if rest.len() < 4 {
            return None;
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len > rest.len() - 4 {
            return None;
        }
        rest = &rest[4 + len..];
        count += 1;
    }
    Some(count)
}

/// The type name a blob starts with, if it starts with a complete string.
fn blob_type(blob: &[u8]) -> Option<&[u8]> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    blob.get(4..4usize.checked_add(len)?)
}

/// Why `sshkey_read` failed on a piece of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum KeyError {
    /// The first token is not a key type name.
    UnknownType,
    /// A known key type with nothing after it.
    MissingData,
    /// The data stops early (incomplete base64, or a blob shorter than its fields say).
    CutShort,
    /// Any other fault of a line whose key type is known.
    Bad(String),
}

impl KeyError {
    /// The key type was recognised, so the fault is in what follows it.
    pub(super) fn type_known(&self) -> bool {
        !matches!(self, KeyError::UnknownType)
    }

    pub(super) fn is_cut(&self) -> bool {
        matches!(self, KeyError::MissingData | KeyError::CutShort)
    }
}

/// A key read off a line: type as written, key (None for an undecodable
/// certificate), and the comment.
pub(super) type ReadKey = (String, Option<KeyData>, String);

/// `sshkey_read` on `type base64 [comment]` (with `KEY_UNSPEC`).
pub(super) fn read_key(s: &[u8]) -> Result<ReadKey, KeyError> {
    let tend = token_end(s, 0);
    let type_name = type_from_name(&s[..tend]).ok_or(KeyError::UnknownType)?;
    let name = String::from_utf8_lossy(&s[..tend]).into_owned();
    let b = skip_blank(s, tend);
    if b == s.len() {
        return Err(KeyError::MissingData);
    }
    let bend = token_end(s, b);
    let blob = decode_blob(&s[b..bend])?;
    let c = skip_blank(s, bend);
    let comment = String::from_utf8_lossy(&s[c..]).into_owned();

    let fields = count_fields(&blob);
    let data_type_name = check_blob_type(&blob, fields, &name, type_name)?;
    if type_name.cert {
        return read_certificate(&blob, fields).map(|key| (name, key, comment));
    }
    let key = read_plain_key(&blob, fields, type_name, &data_type_name)?;
    check_plain_key(&key, &name, type_name)?;
    Ok((name, Some(key), comment))
}

/// The key data's base64, decoded; a fault as sshd's reading reports it.
fn decode_blob(data: &[u8]) -> Result<Vec<u8>, KeyError> {
    match b64_decode(data) {
        Ok(blob) => Ok(blob),
        Err(B64Error::Incomplete) => Err(KeyError::CutShort),
        Err(B64Error::BadChar(c)) => {
            let what = if c.is_ascii_graphic() {
                format!("{:?}", char::from(c))
            } else {
                format!("the byte 0x{c:02x}")
            };
            Err(KeyError::Bad(format!(
                "the key data is not valid base64 (it contains {what})"
            )))
        }
        Err(B64Error::BadPadding) => Err(KeyError::Bad(
            "the key data is not valid base64 (bad padding)".into(),
        )),
    }
}

/// The type name inside the blob, which must be the one the line states (`name`).
fn check_blob_type(
    blob: &[u8],
    fields: Option<usize>,
    name: &str,
    type_name: TypeName,
) -> Result<String, KeyError> {
    let Some(data_type) = blob_type(blob) else {
        return Err(if blob.len() < 4 || fields.is_none() {
            KeyError::CutShort
        } else {
            KeyError::Bad("the key data is damaged".into())
        });
    };
    let data_type_name = String::from_utf8_lossy(data_type).into_owned();
    let Some(data_kind) = type_from_name(data_type) else {
        return Err(KeyError::Bad(format!(
            "the key data holds a key of unknown type {data_type_name:?}"
        )));
    };
    if data_kind.kind != type_name.kind
        || data_kind.cert != type_name.cert
        || data_kind.curve != type_name.curve
    {
        return Err(KeyError::Bad(format!(
            "the line says {name:?} but the key data is a {data_type_name:?} key"
        )));
    }
    Ok(data_type_name)
}

/// Certificates are taken as they come: decoded when this crate can, otherwise recorded
/// without a key unless the data is plainly cut.
fn read_certificate(blob: &[u8], fields: Option<usize>) -> Result<Option<KeyData>, KeyError> {
    match PublicKey::from_bytes(blob) {
        Ok(k) if k.key_data().is_certificate() => Ok(Some(k.key_data().clone())),
        _ if fields.is_none() => Err(KeyError::CutShort),
        _ => Ok(None),
    }
}

/// A plain key's blob decoded, once it holds all the fields its type has.
fn read_plain_key(
    blob: &[u8],
    fields: Option<usize>,
    type_name: TypeName,
    data_type_name: &str,
) -> Result<KeyData, KeyError> {
    match fields {
        None => return Err(KeyError::CutShort),
        Some(n) if n < expected_fields(type_name.kind) => return Err(KeyError::CutShort),
        Some(_) => {}
    }
    match PublicKey::from_bytes(blob) {
        Ok(k) => Ok(k.key_data().clone()),
        Err(e) => Err(KeyError::Bad(format!(
            "the {data_type_name} key data is damaged ({e})"
        ))),
    }
}

/// What sshd checks of a decoded plain key: the type and curve the line states, and RSA's
/// minimum size.
fn check_plain_key(key: &KeyData, name: &str, type_name: TypeName) -> Result<(), KeyError> {
    if KeyKind::of(key) != type_name.kind || key.is_certificate() {
        return Err(KeyError::Bad(format!(
            "the line says {name:?} but the key data is a {:?} key",
            key.algorithm().as_str()
        )));
    }
    if let (Some(curve), KeyData::Ecdsa(k)) = (type_name.curve, key) {
        if k.curve().as_str() != curve {
            return Err(KeyError::Bad(format!(
                "the line says {name:?} but the key is on curve {}",
                k.curve().as_str()
            )));
        }
    }
    if type_name.kind == KeyKind::Rsa && key_bits(key) < 1024 {
        return Err(KeyError::Bad(format!(
            "the RSA key has only {} bits; sshd refuses RSA keys under 1024 bits",
            key_bits(key)
        )));
    }
    Ok(())
}
