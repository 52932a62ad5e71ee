//! OpenSSH key revocation lists (KRL, `ssh-keygen -k`): parser and lookup, per PROTOCOL.krl.
//!
//! Facts from openssh-portable V_9_2_P1 (`PROTOCOL.krl`, `krl.c`): the file starts with the
//! 8 bytes `SSHKRL\n\0`, format version 1, then sections. A section ssh cannot parse makes
//! `ssh_krl_from_blob` fail, and ssh then refuses every host key ("Error checking host key ...
//! in revoked keys file"). A key is revoked when its plain blob, or the SHA1 or SHA256 of that
//! blob, is listed; a certificate also when its key ID or (non-zero) serial is listed for its
//! CA or for any CA; and both checks are made for a certificate's CA key too.
//! Signature sections are skipped here (ssh verifies them; sshdoctor says it did not).

use sha1::{Digest, Sha1};
use ssh_key::encoding::{Decode, Encode};
use ssh_key::public::KeyData;
use ssh_key::{Certificate, HashAlg};

/// The 8-byte magic a KRL starts with.
pub const KRL_MAGIC: &[u8; 8] = b"SSHKRL\n\0";

/// Why a KRL could not be used (ssh refuses every host key in each of these cases).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KrlError {
    /// The data ends inside a field.
    #[error("truncated {0}")]
    Truncated(&'static str),
    /// A format version other than 1.
    #[error("unsupported KRL format version {0}")]
    Version(u32),
    /// A section type ssh does not know.
    #[error("unsupported KRL section {0}")]
    Section(u8),
    /// A certificate subsection type ssh does not know.
    #[error("unsupported KRL certificate section {0}")]
    CertSection(u8),
    /// A section with bytes left over after its content.
    #[error("KRL section contains unparsed data")]
    Unparsed,
    /// A hash of the wrong length, a zero or reversed serial range, a bad bitmap, a NUL in a key ID.
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// A section after a signature section.
    #[error("KRL contains non-signature section after signature")]
    AfterSignature,
    /// A CA key blob that does not parse.
    #[error("bad CA key: {0}")]
    CaKey(String),
}

/// Certificates revoked for one CA (or for every CA).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertRevocations {
    /// The CA's public key blob; None for the wildcard section.
    pub ca: Option<Vec<u8>>,
    /// Revoked serial ranges, inclusive.
    pub serial_ranges: Vec<(u64, u64)>,
    /// Revoked serial bitmaps: (first serial, big-endian bitmap bytes).
    pub bitmaps: Vec<(u64, Vec<u8>)>,
    /// Revoked key IDs.
    pub key_ids: Vec<String>,
}

/// A parsed KRL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Krl {
    /// `krl_version`.
    pub version: u64,
    /// `generated_date` (seconds since the epoch).
    pub generated: u64,
    /// The comment.
    pub comment: String,
    /// Explicitly revoked plain key blobs.
    pub keys: Vec<Vec<u8>>,
    /// SHA1 hashes of revoked key blobs.
    pub sha1: Vec<Vec<u8>>,
    /// SHA256 hashes of revoked key blobs.
    pub sha256: Vec<Vec<u8>>,
    /// Certificate sections.
    pub certs: Vec<CertRevocations>,
    /// How many signature sections were present (not verified by sshdoctor).
    pub signatures: usize,
}

/// Why a key is revoked by a KRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KrlHit {
    /// The plain key is listed (explicit key, SHA1 or SHA256: the word says which).
    Key {
        /// `explicit key`, `SHA1 hash` or `SHA256 hash`.
        how: &'static str,
        /// The key was the certificate's CA key.
        ca: bool,
    },
    /// The certificate's serial is listed.
    Serial(u64),
    /// The certificate's key ID is listed.
    KeyId(String),
}

impl std::fmt::Display for KrlHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KrlHit::Key { how, ca: false } => write!(f, "the key is listed by {how}"),
            KrlHit::Key { how, ca: true } => {
                write!(f, "the certificate's CA key is listed by {how}")
            }
            KrlHit::Serial(s) => write!(f, "the certificate's serial {s} is listed"),
            KrlHit::KeyId(id) => write!(f, "the certificate's key ID {id:?} is listed"),
        }
    }
}

impl KrlHit {
    /// The same words as a text the front ends translate.
    pub fn text(&self) -> crate::i18n::Text {
        match self {
            KrlHit::Key { how, ca } => {
                let how = match *how {
                    "explicit key" => crate::text!("engine.hostkey.krl_explicit_key"),
                    "SHA1 hash" => crate::text!("engine.hostkey.krl_sha1_hash"),
                    "SHA256 hash" => crate::text!("engine.hostkey.krl_sha256_hash"),
                    other => crate::i18n::Text::from(other),
                };
                if *ca {
                    crate::text!("engine.hostkey.krl_ca_listed", how = how)
                } else {
                    crate::text!("engine.hostkey.krl_key_listed", how = how)
                }
            }
            KrlHit::Serial(s) => crate::text!("engine.hostkey.krl_serial_listed", serial = *s),
            KrlHit::KeyId(id) => {
                crate::text!("engine.hostkey.krl_key_id_listed", id = format!("{id:?}"))
            }
        }
    }
}

/// A cursor over SSH wire encoding.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], KrlError> {
        if self.0.len() < n {
            return Err(KrlError::Truncated(what));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, KrlError> {
        Ok(self.take(1, what)?[0])
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, KrlError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, KrlError> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }
    fn string(&mut self, what: &'static str) -> Result<&'a [u8], KrlError> {
        let n = self.u32(what)? as usize;
        self.take(n, what)
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Krl {
    /// Whether `bytes` start with the KRL magic (else ssh reads the file as a list of keys).
    pub fn is_krl(bytes: &[u8]) -> bool {
        bytes.starts_with(KRL_MAGIC)
    }

    /// Parse a KRL (the caller checked [`Krl::is_krl`]).
    pub fn parse(bytes: &[u8]) -> Result<Krl, KrlError> {
        let mut r = Reader(bytes.get(KRL_MAGIC.len()..).unwrap_or_default());
        let version = r.u32("header")?;
        if version != 1 {
            return Err(KrlError::Version(version));
        }
        let mut krl = Krl {
            version: r.u64("header")?,
            generated: r.u64("header")?,
            ..Krl::default()
        };
        let _flags = r.u64("header")?;
        r.string("header")?;
        krl.comment = cstring(r.string("header")?, "comment")?;
        while !r.is_empty() {
            let kind = r.u8("section")?;
            let body = r.string("section")?;
            if krl.signatures > 0 && kind != 4 {
                return Err(KrlError::AfterSignature);
            }
            match kind {
                1 => krl.certs.push(parse_certs(body)?),
                2 => blobs(body, 0, &mut krl.keys)?,
                3 => blobs(body, 20, &mut krl.sha1)?,
                4 => {
                    // Signature: key, then the signature string outside the section body.
                    r.string("signature")?;
                    krl.signatures += 1;
                }
                5 => blobs(body, 32, &mut krl.sha256)?,
                other => return Err(KrlError::Section(other)),
            }
        }
        Ok(krl)
    }

    /// Whether `key` (a plain key or a certificate) is revoked, as `ssh_krl_check_key` decides.
    pub fn check(&self, key: &KeyData) -> Option<KrlHit> {
        if let Some(hit) = self.check_one(key, false) {
            return Some(hit);
        }
        match key {
            KeyData::Certificate(c) => self.check_one(c.signature_key(), true),
            _ => None,
        }
    }

    fn check_one(&self, key: &KeyData, ca: bool) -> Option<KrlHit> {
        let plain = match key {
            KeyData::Certificate(c) => c.public_key(),
            other => other,
        };
        let blob = key_blob(plain);
        let sha1 = Sha1::digest(&blob).to_vec();
        let sha256 = plain.fingerprint(HashAlg::Sha256).as_bytes().to_vec();
        let hit = |how| Some(KrlHit::Key { how, ca });
        if self.sha1.contains(&sha1) {
            return hit("SHA1 hash");
        }
        if self.sha256.contains(&sha256) {
            return hit("SHA256 hash");
        }
        if self.keys.contains(&blob) {
            return hit("explicit key");
        }
        match key {
            KeyData::Certificate(c) => self.cert_revoked(c),
            _ => None,
        }
    }

    fn cert_revoked(&self, cert: &Certificate) -> Option<KrlHit> {
        let ca = key_blob(cert.signature_key());
        // The CA's own section first, then the wildcard one, as is_key_revoked does.
        let own = self.certs.iter().filter(|s| s.ca.as_ref() == Some(&ca));
        let any = self.certs.iter().filter(|s| s.ca.is_none());
        for s in own.chain(any) {
            if s.key_ids.iter().any(|id| id == cert.key_id()) {
                return Some(KrlHit::KeyId(cert.key_id().to_string()));
            }
            let serial = cert.serial();
            if serial != 0 && s.has_serial(serial) {
                return Some(KrlHit::Serial(serial));
            }
        }
        None
    }
}

impl CertRevocations {
    fn has_serial(&self, serial: u64) -> bool {
        self.serial_ranges
            .iter()
            .any(|&(lo, hi)| lo <= serial && serial <= hi)
            || self.bitmaps.iter().any(|(offset, bits)| {
                serial
                    .checked_sub(*offset)
                    .is_some_and(|i| bit_set(bits, i))
            })
    }
}

/// Bit `i` of a big-endian bitmap (bit 0 is the lowest bit of the last byte).
fn bit_set(bits: &[u8], i: u64) -> bool {
    let byte = i / 8;
    if byte >= bits.len() as u64 {
        return false;
    }
    let b = bits[bits.len() - 1 - byte as usize];
    b & (1 << (i % 8)) != 0
}

/// The SSH wire blob of a key.
pub(crate) fn key_blob(key: &KeyData) -> Vec<u8> {
    let mut out = Vec::new();
    // Encoding into a Vec cannot fail for a key that was decoded.
    let _ = key.encode(&mut out);
    out
}

fn cstring(bytes: &[u8], what: &'static str) -> Result<String, KrlError> {
    if bytes.contains(&0) {
        return Err(KrlError::Invalid(what));
    }
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

/// A section of strings, each `expected` bytes long (0: any length).
fn blobs(body: &[u8], expected: usize, out: &mut Vec<Vec<u8>>) -> Result<(), KrlError> {
    let mut r = Reader(body);
    while !r.is_empty() {
        let b = r.string("hash or key")?;
        if expected != 0 && b.len() != expected {
            return Err(KrlError::Invalid("hash length"));
        }
        out.push(b.to_vec());
    }
    Ok(())
}

/// `parse_revoked_certs`: the CA key (empty: any CA), a reserved string, then subsections.
fn parse_certs(body: &[u8]) -> Result<CertRevocations, KrlError> {
    let mut r = Reader(body);
    let ca = r.string("certificate section")?;
    r.string("certificate section")?;
    let mut out = CertRevocations::default();
    if !ca.is_empty() {
        let key = KeyData::decode(&mut &ca[..]).map_err(|e| KrlError::CaKey(e.to_string()))?;
        out.ca = Some(key_blob(&key));
    }
    while !r.is_empty() {
        let kind = r.u8("certificate subsection")?;
        let mut s = Reader(r.string("certificate subsection")?);
        match kind {
            0x20 => {
                while !s.is_empty() {
                    let serial = s.u64("serial")?;
                    out.serial_ranges.push(range(serial, serial)?);
                }
            }
            0x21 => {
                let (lo, hi) = (s.u64("serial range")?, s.u64("serial range")?);
                out.serial_ranges.push(range(lo, hi)?);
            }
            0x22 => out.bitmaps.push(bitmap(&mut s)?),
            0x23 => {
                while !s.is_empty() {
                    out.key_ids.push(cstring(s.string("key ID")?, "key ID")?);
                }
            }
            other => return Err(KrlError::CertSection(other)),
        }
        if !s.is_empty() {
            return Err(KrlError::Unparsed);
        }
    }
    Ok(out)
}

/// `ssh_krl_revoke_cert_by_serial_range` refuses serial 0 and reversed ranges.
fn range(lo: u64, hi: u64) -> Result<(u64, u64), KrlError> {
    if lo > hi || lo == 0 {
        return Err(KrlError::Invalid("serial range"));
    }
    Ok((lo, hi))
}

/// A bitmap subsection: first serial, then an mpint (non-negative, at most 16384 bits).
fn bitmap(s: &mut Reader<'_>) -> Result<(u64, Vec<u8>), KrlError> {
    let offset = s.u64("serial bitmap")?;
    let raw = s.string("serial bitmap")?;
    if raw.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(KrlError::Invalid("serial bitmap (negative)"));
    }
    if raw.len() > 2049 || (raw.len() == 2049 && raw[0] != 0) {
        return Err(KrlError::Invalid("serial bitmap (too large)"));
    }
    let start = raw.iter().position(|&b| b != 0).unwrap_or(raw.len());
    let bits = raw[start..].to_vec();
    // The highest set bit's serial must not wrap past 2^64 - 1 (krl.c: "bitmap wraps u64").
    if let Some(&top) = bits.first() {
        let nbits = (bits.len() as u64 - 1) * 8 + u64::from(8 - top.leading_zeros());
        if offset.checked_add(nbits - 1).is_none() {
            return Err(KrlError::Invalid("serial bitmap (wraps)"));
        }
    }
    if offset == 0 && bit_set(&bits, 0) {
        return Err(KrlError::Invalid("serial range"));
    }
    Ok((offset, bits))
}

#[cfg(test)]
mod tests;
