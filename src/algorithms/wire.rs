//! The clear-text SSH transport: binary packet framing, SSH_MSG_KEXINIT parsing, and RFC 4253 algorithm negotiation.

use thiserror::Error;

/// SSH_MSG_KEXINIT.
pub const SSH_MSG_KEXINIT: u8 = 20;

/// Largest `packet_length` accepted (OpenSSH's `PACKET_MAX_SIZE`, 256 KiB).
pub const MAX_PACKET_LEN: usize = 256 * 1024;

/// Largest single name-list accepted in a KEXINIT (64 KiB; real ones are a few hundred bytes).
pub const MAX_NAME_LIST_LEN: usize = 64 * 1024;

/// The ten name-lists of a KEXINIT, in wire order (used in error messages).
const FIELDS: [&str; 10] = [
    "kex_algorithms",
    "server_host_key_algorithms",
    "encryption_algorithms_client_to_server",
    "encryption_algorithms_server_to_client",
    "mac_algorithms_client_to_server",
    "mac_algorithms_server_to_client",
    "compression_algorithms_client_to_server",
    "compression_algorithms_server_to_client",
    "languages_client_to_server",
    "languages_server_to_client",
];

/// A parsed SSH_MSG_KEXINIT (RFC 4253 §7.1). Name-lists keep the sender's order; empty names
/// (`a,,b`) are skipped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KexInit {
    /// Key exchange methods, including pseudo-algorithms such as `ext-info-s` and
    /// `kex-strict-s-v00@openssh.com` (see [`without_markers`]).
    pub kex: Vec<String>,
    /// Host key (signature) algorithms the sender can use.
    pub host_key: Vec<String>,
    /// Ciphers, client to server.
    pub ciphers_c2s: Vec<String>,
    /// Ciphers, server to client.
    pub ciphers_s2c: Vec<String>,
    /// MACs, client to server.
    pub macs_c2s: Vec<String>,
    /// MACs, server to client.
    pub macs_s2c: Vec<String>,
    /// Compression, client to server.
    pub compression_c2s: Vec<String>,
    /// Compression, server to client.
    pub compression_s2c: Vec<String>,
    /// Languages, client to server (normally empty).
    pub languages_c2s: Vec<String>,
    /// Languages, server to client (normally empty).
    pub languages_s2c: Vec<String>,
    /// `first_kex_packet_follows`: the sender already sent a guessed first kex packet.
    pub first_kex_follows: bool,
}

impl KexInit {
    fn lists(&self) -> [&Vec<String>; 10] {
        [
            &self.kex,
            &self.host_key,
            &self.ciphers_c2s,
            &self.ciphers_s2c,
            &self.macs_c2s,
            &self.macs_s2c,
            &self.compression_c2s,
            &self.compression_s2c,
            &self.languages_c2s,
            &self.languages_s2c,
        ]
    }

    /// Encodes this KEXINIT as a packet payload (message number, `cookie`, the ten name-lists,
    /// `first_kex_packet_follows`, reserved zero). [`parse_kexinit`] reads it back.
    pub fn encode(&self, cookie: [u8; 16]) -> Vec<u8> {
        let mut out = vec![SSH_MSG_KEXINIT];
        out.extend_from_slice(&cookie);
        for list in self.lists() {
            let joined = list.join(",");
            // Name-lists longer than u32::MAX cannot be produced from real data; saturate rather
            // than panic.
            let len = u32::try_from(joined.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(joined.as_bytes());
        }
        out.push(u8::from(self.first_kex_follows));
        out.extend_from_slice(&0u32.to_be_bytes());
        out
    }
}

/// Why a KEXINIT payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KexInitError {
    /// The payload is empty.
    #[error("empty packet payload")]
    Empty,
    /// The payload is another message.
    #[error("expected SSH_MSG_KEXINIT (20), got message {0}")]
    NotKexInit(u8),
    /// The payload ends inside a field.
    #[error("KEXINIT truncated in {0}")]
    Truncated(&'static str),
    /// A name-list is longer than [`MAX_NAME_LIST_LEN`].
    #[error("KEXINIT {field} is {len} bytes long (limit {MAX_NAME_LIST_LEN})")]
    NameListTooLong {
        /// The name-list's field name.
        field: &'static str,
        /// Its declared length.
        len: usize,
    },
    /// A name-list holds bytes that are not printable US-ASCII (RFC 4251 §5).
    #[error("KEXINIT {0} contains bytes that are not printable US-ASCII")]
    InvalidNameList(&'static str),
}

/// Parses an SSH_MSG_KEXINIT payload: message number 20, 16-byte cookie, ten name-lists
/// (uint32 length + comma-separated ASCII), `first_kex_packet_follows`, uint32 reserved.
///
/// Bounded and panic-free on any input. Bytes after the reserved field are ignored, as OpenSSH
/// ignores them.
pub fn parse_kexinit(payload: &[u8]) -> Result<KexInit, KexInitError> {
    let (&msg, rest) = payload.split_first().ok_or(KexInitError::Empty)?;
    if msg != SSH_MSG_KEXINIT {
        return Err(KexInitError::NotKexInit(msg));
    }
    let mut r = Reader { buf: rest };
    r.take(16).ok_or(KexInitError::Truncated("cookie"))?;
    let mut lists: [Vec<String>; 10] = Default::default();
    for (slot, field) in lists.iter_mut().zip(FIELDS) {
        *slot = r.name_list(field)?;
    }
    let follows = r
        .take(1)
        .ok_or(KexInitError::Truncated("first_kex_packet_follows"))?[0]
        != 0;
    r.take(4).ok_or(KexInitError::Truncated("reserved"))?;
    let [kex, host_key, ciphers_c2s, ciphers_s2c, macs_c2s, macs_s2c, compression_c2s, compression_s2c, languages_c2s, languages_s2c] =
        lists;
    Ok(KexInit {
        kex,
        host_key,
        ciphers_c2s,
        ciphers_s2c,
        macs_c2s,
        macs_s2c,
        compression_c2s,
        compression_s2c,
        languages_c2s,
        languages_s2c,
        first_kex_follows: follows,
    })
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.buf.len() < n {
            return None;
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Some(head)
    }

    fn name_list(&mut self, field: &'static str) -> Result<Vec<String>, KexInitError> {
        let len_bytes = self.take(4).ok_or(KexInitError::Truncated(field))?;
        let len = u32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len > MAX_NAME_LIST_LEN {
            return Err(KexInitError::NameListTooLong { field, len });
        }
        let raw = self.take(len).ok_or(KexInitError::Truncated(field))?;
        if raw.iter().any(|&b| !(0x21..=0x7e).contains(&b)) {
            return Err(KexInitError::InvalidNameList(field));
        }
        // Checked above: every byte is printable ASCII, so this is valid UTF-8.
        let text = String::from_utf8_lossy(raw);
        Ok(text
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect())
    }
}

/// The result of looking for one binary packet at the start of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketState {
    /// The buffer holds only part of a packet; read more and retry.
    NeedMore,
    /// A complete packet.
    Packet {
        /// The payload (padding stripped).
        payload: Vec<u8>,
        /// Bytes of the buffer the packet used; the next packet starts there.
        consumed: usize,
    },
    /// The bytes cannot be a clear-text packet (length out of range, padding too long).
    Invalid(String),
}

/// Frames one clear-text binary packet (RFC 4253 §6 before the first NEWKEYS: no MAC):
/// uint32 `packet_length`, byte `padding_length`, payload, padding.
///
/// `Invalid` when `packet_length` exceeds [`MAX_PACKET_LEN`] or is below 5, or the padding does
/// not fit in the packet. Padding below the RFC's 4-byte minimum and block alignment are not
/// enforced (OpenSSH would refuse such a peer; the payload is still returned for diagnosis).
pub fn take_packet(buf: &[u8]) -> PacketState {
    let Some(len_bytes) = buf.get(..4) else {
        return PacketState::NeedMore;
    };
    let packet_len = u32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
    let packet_len = usize::try_from(packet_len).unwrap_or(usize::MAX);
    if packet_len > MAX_PACKET_LEN {
        return PacketState::Invalid(format!(
            "packet length {packet_len} exceeds {MAX_PACKET_LEN} (not an SSH packet, or the stream is out of sync)"
        ));
    }
    if packet_len < 5 {
        return PacketState::Invalid(format!(
            "packet length {packet_len} is below the minimum of 5"
        ));
    }
    let Some(packet) = buf.get(4..4 + packet_len) else {
        return PacketState::NeedMore;
    };
    let padding = usize::from(packet[0]);
    if padding >= packet_len {
        return PacketState::Invalid(format!(
            "padding length {padding} does not fit in a packet of length {packet_len}"
        ));
    }
    PacketState::Packet {
        payload: packet[1..packet_len - padding].to_vec(),
        consumed: 4 + packet_len,
    }
}

/// Wraps `payload` in a clear-text binary packet: 8-byte block alignment, at least 4 bytes of
/// (zero) padding, no MAC. [`take_packet`] reads it back.
pub fn frame_packet(payload: &[u8]) -> Vec<u8> {
    const BLOCK: usize = 8;
    let unpadded = 4 + 1 + payload.len();
    let mut padding = BLOCK - unpadded % BLOCK;
    if padding < 4 {
        padding += BLOCK;
    }
    let packet_len = 1 + payload.len() + padding;
    let mut out = Vec::with_capacity(4 + packet_len);
    out.extend_from_slice(&u32::try_from(packet_len).unwrap_or(u32::MAX).to_be_bytes());
    // padding is at most 11.
    out.push(u8::try_from(padding).unwrap_or(u8::MAX));
    out.extend_from_slice(payload);
    out.resize(4 + packet_len, 0);
    out
}

/// RFC 4253 §7.1 negotiation: the first algorithm on the client's list that the server also
/// lists, or `None` when they share none.
pub fn negotiate(client: &[String], server: &[String]) -> Option<String> {
    client
        .iter()
        .find(|c| server.iter().any(|s| s == *c))
        .cloned()
}

/// Whether `name` is a kex pseudo-algorithm that signals a feature instead of naming a method:
/// `ext-info-c`, `ext-info-s` (RFC 8308) and OpenSSH's `kex-strict-*@openssh.com`.
pub fn is_marker(name: &str) -> bool {
    name == "ext-info-c"
        || name == "ext-info-s"
        || (name.starts_with("kex-strict-") && name.ends_with("@openssh.com"))
}

/// `list` without the pseudo-algorithms of [`is_marker`], which can never be negotiated.
pub fn without_markers(list: &[String]) -> Vec<String> {
    list.iter().filter(|n| !is_marker(n)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first packet of the local Debian OpenSSH 9.2p1 sshd (ed25519 host key only), captured
    /// after sending `SSH-2.0-test\r\n`: the full binary packet, length and padding included.
    const SSHD_92: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/kexinit-openssh-9.2.bin"
    ));

    fn strings(list: &str) -> Vec<String> {
        list.split(',').map(str::to_string).collect()
    }

    fn sshd_92_payload() -> Vec<u8> {
        match take_packet(SSHD_92) {
            PacketState::Packet { payload, consumed } => {
                assert_eq!(consumed, SSHD_92.len());
                payload
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn parses_real_sshd_kexinit() {
        let k = parse_kexinit(&sshd_92_payload()).expect("parses");
        assert_eq!(
            k.kex,
            strings(
                "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,\
curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,\
diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,\
diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com"
            )
        );
        assert_eq!(k.host_key, strings("ssh-ed25519"));
        let ciphers = strings(
            "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,\
aes128-gcm@openssh.com,aes256-gcm@openssh.com",
        );
        assert_eq!(k.ciphers_c2s, ciphers);
        assert_eq!(k.ciphers_s2c, ciphers);
        let macs = strings(
            "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,\
hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,\
umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
        );
        assert_eq!(k.macs_c2s, macs);
        assert_eq!(k.macs_s2c, macs);
        assert_eq!(k.compression_c2s, strings("none,zlib@openssh.com"));
        assert_eq!(k.compression_s2c, strings("none,zlib@openssh.com"));
        assert!(k.languages_c2s.is_empty());
        assert!(k.languages_s2c.is_empty());
        assert!(!k.first_kex_follows);

        let real_kex = without_markers(&k.kex);
        assert_eq!(real_kex.len(), k.kex.len() - 1);
        assert_eq!(
            negotiate(
                &strings("mlkem768x25519-sha256,curve25519-sha256"),
                &real_kex
            ),
            Some("curve25519-sha256".into())
        );
        // Round trip through the encoder.
        let cookie: [u8; 16] = sshd_92_payload()[1..17].try_into().unwrap();
        assert_eq!(k.encode(cookie), sshd_92_payload());
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let payload = sshd_92_payload();
        for end in 0..payload.len() {
            let err = parse_kexinit(&payload[..end]).unwrap_err();
            if end == 0 {
                assert_eq!(err, KexInitError::Empty);
            } else {
                assert!(matches!(err, KexInitError::Truncated(_)), "{end}: {err:?}");
            }
        }
        for end in 0..SSHD_92.len() {
            assert_eq!(take_packet(&SSHD_92[..end]), PacketState::NeedMore, "{end}");
        }
        // Trailing bytes after the reserved field are tolerated, like OpenSSH does.
        let mut longer = payload.clone();
        longer.push(0);
        assert!(parse_kexinit(&longer).is_ok());
    }

    #[test]
    fn rejects_malformed_kexinit() {
        assert_eq!(parse_kexinit(&[21]), Err(KexInitError::NotKexInit(21)));

        let mut huge = vec![SSH_MSG_KEXINIT];
        huge.extend_from_slice(&[0; 16]);
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            parse_kexinit(&huge),
            Err(KexInitError::NameListTooLong {
                field: "kex_algorithms",
                len: u32::MAX as usize
            })
        );

        let mut big = vec![SSH_MSG_KEXINIT];
        big.extend_from_slice(&[0; 16]);
        big.extend_from_slice(&(MAX_NAME_LIST_LEN as u32 + 1).to_be_bytes());
        big.resize(big.len() + MAX_NAME_LIST_LEN + 1, b'a');
        assert!(matches!(
            parse_kexinit(&big),
            Err(KexInitError::NameListTooLong { .. })
        ));

        let mut k = KexInit {
            kex: strings("curve25519-sha256"),
            ..KexInit::default()
        };
        let ok = k.encode([7; 16]);
        assert_eq!(parse_kexinit(&ok).unwrap(), k);
        for bad in ["curve25519 sha256", "caf\u{e9}", "a\tb"] {
            k.host_key = vec![bad.to_string()];
            assert_eq!(
                parse_kexinit(&k.encode([0; 16])),
                Err(KexInitError::InvalidNameList("server_host_key_algorithms")),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn lenient_about_empty_names_and_reads_the_follows_flag() {
        let k = KexInit {
            kex: vec!["a".into(), String::new(), "b".into()],
            first_kex_follows: true,
            ..KexInit::default()
        };
        let parsed = parse_kexinit(&k.encode([0; 16])).unwrap();
        assert_eq!(parsed.kex, strings("a,b"));
        assert!(parsed.first_kex_follows);
    }

    #[test]
    fn packet_framing() {
        let framed = frame_packet(b"hello");
        assert_eq!(framed.len() % 8, 0);
        let mut stream = framed.clone();
        stream.extend_from_slice(&frame_packet(b""));
        match take_packet(&stream) {
            PacketState::Packet { payload, consumed } => {
                assert_eq!(payload, b"hello");
                assert_eq!(consumed, framed.len());
                assert_eq!(
                    take_packet(&stream[consumed..]),
                    PacketState::Packet {
                        payload: vec![],
                        consumed: stream.len() - consumed
                    }
                );
            }
            other => panic!("{other:?}"),
        }

        assert_eq!(take_packet(&[]), PacketState::NeedMore);
        assert_eq!(take_packet(&[0, 0, 0]), PacketState::NeedMore);
        // `SSH-` read as a length: way past the limit.
        assert!(matches!(take_packet(b"SSH-2.0-x"), PacketState::Invalid(_)));
        let too_long = ((MAX_PACKET_LEN + 1) as u32).to_be_bytes();
        assert!(matches!(take_packet(&too_long), PacketState::Invalid(_)));
        let at_limit = (MAX_PACKET_LEN as u32).to_be_bytes();
        assert_eq!(take_packet(&at_limit), PacketState::NeedMore);
        assert!(matches!(
            take_packet(&[0, 0, 0, 4, 0, 0, 0, 0]),
            PacketState::Invalid(_)
        ));
        // Padding as long as the whole packet.
        assert!(matches!(
            take_packet(&[0, 0, 0, 5, 5, 0, 0, 0, 0]),
            PacketState::Invalid(_)
        ));
        // Minimal packet: empty payload, four bytes of padding.
        assert_eq!(
            take_packet(&[0, 0, 0, 5, 4, 0, 0, 0, 0, 99]),
            PacketState::Packet {
                payload: vec![],
                consumed: 9
            }
        );
    }

    #[test]
    fn negotiation_and_markers() {
        let client = strings("a,b,c");
        assert_eq!(negotiate(&client, &strings("c,b")), Some("b".into()));
        assert_eq!(negotiate(&client, &strings("x")), None);
        assert_eq!(negotiate(&[], &client), None);
        for m in [
            "ext-info-c",
            "ext-info-s",
            "kex-strict-c-v00@openssh.com",
            "kex-strict-s-v00@openssh.com",
        ] {
            assert!(is_marker(m), "{m}");
        }
        assert!(!is_marker("curve25519-sha256"));
        assert_eq!(
            without_markers(&strings(
                "curve25519-sha256,ext-info-c,kex-strict-c-v00@openssh.com"
            )),
            strings("curve25519-sha256")
        );
    }
}
