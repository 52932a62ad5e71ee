//! SHA-1 hex digests for the `%C` connection-hash token (over the RustCrypto `sha1` crate).

use ::sha1::{Digest, Sha1};

/// Lowercase hex SHA-1 of `data`, as ssh prints `%C`.
pub(crate) fn hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_vectors() {
        assert_eq!(
            super::hex(b"abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(super::hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    }
}
