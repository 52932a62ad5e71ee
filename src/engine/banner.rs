//! Reading the server's identification line ourselves, bounded in bytes and time, and naming what answered.

use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::time::Instant;

/// The most bytes read while looking for the identification line. RFC 4253 caps the
/// line itself at 255 bytes; lines before it are allowed, but not without bound.
pub const MAX_BANNER_BYTES: usize = 8192;

/// What answered on the port when it was not an SSH-2 server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// An HTTP server (`HTTP/1.1 400 Bad Request` and the like).
    Http,
    /// A TLS endpoint (an alert or handshake record).
    Tls,
    /// A mail server's `220 ... ESMTP` greeting.
    Smtp,
    /// An FTP server's `220` greeting.
    Ftp,
    /// A POP3 (`+OK`) or IMAP (`* OK`) server.
    Mail(&'static str),
    /// A VNC server (`RFB 003.008`).
    Vnc,
    /// An SSH identification with a version other than 2.0 / 1.99 / 1.x.
    UnknownSshVersion,
    /// An identification (or pre-banner) line with a NUL byte in it, which OpenSSH rejects.
    InvalidIdent,
    /// Binary data that is not text.
    Binary,
    /// More than [`MAX_BANNER_BYTES`] without an identification line.
    Flood,
    /// Something else.
    Other,
}

impl Peer {
    /// A short description for findings.
    pub fn describe(&self) -> &'static str {
        match self {
            Peer::Http => "an HTTP server",
            Peer::Tls => "a TLS (HTTPS or other TLS) endpoint",
            Peer::Smtp => "an SMTP mail server",
            Peer::Ftp => "an FTP server",
            Peer::Mail(kind) => kind,
            Peer::Vnc => "a VNC server",
            Peer::UnknownSshVersion => "an SSH server with an unknown protocol version",
            Peer::InvalidIdent => {
                "a server whose identification lines hold a NUL byte, which ssh rejects"
            }
            Peer::Binary => "a service sending binary data",
            Peer::Flood => "a service that sent a long stream of data with no SSH identification",
            Peer::Other => "a service that is not SSH",
        }
    }

    /// [`Peer::describe`] in no language yet (its English is the same).
    pub fn said(&self) -> crate::i18n::Text {
        use crate::text;
        match self {
            Peer::Http => text!("engine.banner.peer_http"),
            Peer::Tls => text!("engine.banner.peer_tls"),
            Peer::Smtp => text!("engine.banner.peer_smtp"),
            Peer::Ftp => text!("engine.banner.peer_ftp"),
            Peer::Mail(kind) if kind.contains("POP3") => text!("engine.banner.peer_pop3"),
            Peer::Mail(kind) if kind.contains("IMAP") => text!("engine.banner.peer_imap"),
            Peer::Mail(kind) => crate::i18n::Text::from(*kind),
            Peer::Vnc => text!("engine.banner.peer_vnc"),
            Peer::UnknownSshVersion => text!("engine.banner.peer_unknown_ssh_version"),
            Peer::InvalidIdent => text!("engine.banner.peer_invalid_ident"),
            Peer::Binary => text!("engine.banner.peer_binary"),
            Peer::Flood => text!("engine.banner.peer_flood"),
            Peer::Other => text!("engine.banner.peer_other"),
        }
    }
}

/// How reading the banner ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BannerOutcome {
    /// An SSH-2 identification (`SSH-2.0-` or `SSH-1.99-`).
    Ssh {
        /// The identification line without CR LF.
        ident: String,
        /// Lines the server sent before it (allowed by RFC 4253), sanitised.
        pre_lines: Vec<String>,
        /// Bytes received after the identification line (the start of the binary protocol).
        leftover: Vec<u8>,
    },
    /// An SSH-1 only server.
    Protocol1 {
        /// The identification line.
        ident: String,
    },
    /// Another service.
    NotSsh {
        /// What it looks like.
        peer: Peer,
        /// The first bytes, sanitised for display.
        sample: String,
    },
    /// Closed or reset before an identification line.
    Closed {
        /// Whether it was a reset rather than an orderly close.
        reset: bool,
        /// Text lines the server sent before closing (a message from a proxy or TCP wrapper), sanitised.
        said: Vec<String>,
    },
    /// No identification line within the time limit.
    Timeout {
        /// Bytes received meanwhile.
        received: usize,
        /// What was received, sanitised.
        sample: String,
    },
}

/// Read until an identification line, a closed connection, the byte cap or the deadline.
pub async fn read_banner<S: AsyncRead + Unpin>(stream: &mut S, timeout: Duration) -> BannerOutcome {
    let deadline = Instant::now() + timeout;
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut line_start = 0usize;
    let mut pre_lines = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        // Handle every complete line received so far.
        while let Some(nl) = buf[line_start..].iter().position(|&b| b == b'\n') {
            let end = line_start + nl;
            let raw = &buf[line_start..end];
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            if let Some(outcome) = judge_line(line, &buf[end + 1..], &pre_lines) {
                return outcome;
            }
            pre_lines.push(sanitize(line));
            line_start = end + 1;
        }
        // A partial line can already tell TLS, HTTP or binary apart.
        if let Some(peer) = classify_partial(&buf[line_start..]) {
            return BannerOutcome::NotSsh {
                peer,
                sample: sanitize(&buf[..buf.len().min(120)]),
            };
        }
        if buf.len() >= MAX_BANNER_BYTES {
            return BannerOutcome::NotSsh {
                peer: Peer::Flood,
                sample: sanitize(&buf[..120.min(buf.len())]),
            };
        }
        let room = (MAX_BANNER_BYTES - buf.len()).min(chunk.len());
        let read = tokio::time::timeout_at(deadline, stream.read(&mut chunk[..room])).await;
        match read {
            Err(_) => {
                return BannerOutcome::Timeout {
                    received: buf.len(),
                    sample: sanitize(&buf[..buf.len().min(120)]),
                }
            }
            Ok(Ok(0)) => return closed(false, &buf, pre_lines),
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) => {
                let reset = matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                );
                return closed(reset, &buf, pre_lines);
            }
        }
    }
}

fn closed(reset: bool, buf: &[u8], pre_lines: Vec<String>) -> BannerOutcome {
    if buf.is_empty() {
        return BannerOutcome::Closed {
            reset,
            said: Vec::new(),
        };
    }
    if is_text(buf) {
        // A proxy or TCP wrapper that prints a message and hangs up: still "closed", with its words.
        let mut said = pre_lines;
        let tail_start = buf.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        if tail_start < buf.len() {
            said.push(sanitize(&buf[tail_start..]));
        }
        return BannerOutcome::Closed { reset, said };
    }
    BannerOutcome::NotSsh {
        peer: Peer::Binary,
        sample: sanitize(&buf[..buf.len().min(120)]),
    }
}

/// Decide on one complete line: an identification, another protocol, or a pre-banner line (None).
fn judge_line(line: &[u8], after: &[u8], pre_lines: &[String]) -> Option<BannerOutcome> {
    // OpenSSH refuses any identification or pre-banner line holding a NUL byte ("banner line
    // contains invalid characters").
    if line.contains(&0) {
        return Some(BannerOutcome::NotSsh {
            peer: Peer::InvalidIdent,
            sample: sanitize(line),
        });
    }
    if line.starts_with(b"SSH-") {
        let ident = sanitize(line);
        if line.starts_with(b"SSH-2.0-") || line.starts_with(b"SSH-1.99-") {
            return Some(BannerOutcome::Ssh {
                ident,
                pre_lines: pre_lines.to_vec(),
                leftover: after.to_vec(),
            });
        }
        if line.starts_with(b"SSH-1.") {
            return Some(BannerOutcome::Protocol1 { ident });
        }
        return Some(BannerOutcome::NotSsh {
            peer: Peer::UnknownSshVersion,
            sample: ident,
        });
    }
    let peer = classify_line(line)?;
    Some(BannerOutcome::NotSsh {
        peer,
        sample: sanitize(line),
    })
}

/// Recognise a well-known protocol from its first line; None for an ordinary text line.
pub(crate) fn classify_line(line: &[u8]) -> Option<Peer> {
    if line.starts_with(b"HTTP/") {
        return Some(Peer::Http);
    }
    if std::str::from_utf8(line).is_err() || !is_text(line) {
        return Some(Peer::Binary);
    }
    let text = String::from_utf8_lossy(line);
    let upper = text.to_ascii_uppercase();
    let reply_code = text.len() >= 4
        && text.as_bytes()[..3].iter().all(u8::is_ascii_digit)
        && matches!(text.as_bytes()[3], b' ' | b'-');
    if reply_code {
        if upper.contains("FTP") {
            return Some(Peer::Ftp);
        }
        if upper.contains("SMTP") || upper.contains("MAIL") || text.starts_with("220") {
            return Some(Peer::Smtp);
        }
        return Some(Peer::Other);
    }
    if text.starts_with("+OK") {
        return Some(Peer::Mail("a POP3 mail server"));
    }
    if text.starts_with("* OK") {
        return Some(Peer::Mail("an IMAP mail server"));
    }
    if text.starts_with("RFB ") {
        return Some(Peer::Vnc);
    }
    if upper.starts_with("<!DOCTYPE") || upper.starts_with("<HTML") {
        return Some(Peer::Http);
    }
    None
}

/// Recognise a protocol before a line is complete (TLS records have no newline).
fn classify_partial(bytes: &[u8]) -> Option<Peer> {
    match bytes {
        [0x15 | 0x16, 0x03, ..] => Some(Peer::Tls),
        [b'H', b'T', b'T', b'P', b'/', ..] => Some(Peer::Http),
        b if b.len() >= 16 && !is_text(b) => Some(Peer::Binary),
        _ => None,
    }
}

fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|s| {
        s.chars()
            .all(|c| !c.is_control() || matches!(c, '\r' | '\n' | '\t'))
    })
}

/// Make bytes safe to show: invalid UTF-8 and control characters are escaped.
pub fn sanitize(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\r' => out.push_str("\\r"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// The parts of an identification line `SSH-proto-software comments`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// Protocol version, `2.0` or `1.99`.
    pub proto: String,
    /// Software version, e.g. `OpenSSH_9.2p1`.
    pub software: String,
    /// Comments after a space, e.g. `Debian-2+deb12u6`.
    pub comments: String,
}

/// Split an identification line into its parts.
pub fn parse_ident(line: &str) -> Ident {
    let rest = line.strip_prefix("SSH-").unwrap_or(line);
    let (proto, rest) = rest.split_once('-').unwrap_or((rest, ""));
    let (software, comments) = rest.split_once(' ').unwrap_or((rest, ""));
    Ident {
        proto: proto.into(),
        software: software.into(),
        comments: comments.into(),
    }
}

/// The server software, told from its identification line (`SSH-2.0-dropbear_2022.83`): what
/// the remedies may name (sshd_config and `journalctl -u ssh` only where they exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// OpenSSH's sshd (Linux, BSD, macOS).
    OpenSsh,
    /// Win32-OpenSSH (`OpenSSH_for_Windows`).
    WindowsOpenSsh,
    /// Dropbear (routers, OpenWrt, appliances).
    Dropbear,
    /// tinysshd (sends no software version).
    Tinyssh,
    /// Python's paramiko.
    Paramiko,
    /// Python's AsyncSSH.
    AsyncSsh,
    /// libssh.
    Libssh,
    /// Cisco IOS and similar.
    Cisco,
    /// MikroTik RouterOS (`ROSSSH`).
    RouterOs,
    /// Go's golang.org/x/crypto/ssh.
    Go,
    /// Apache MINA SSHD (Java).
    MinaSshd,
    /// Anything else.
    Other,
}

impl Server {
    /// Tell the implementation from an identification line.
    pub fn from_ident(ident: &str) -> Server {
        let software = parse_ident(ident).software;
        let lower = software.to_ascii_lowercase();
        let starts = |p: &str| lower.starts_with(p);
        if starts("openssh_for_windows") {
            Server::WindowsOpenSsh
        } else if starts("openssh") {
            Server::OpenSsh
        } else if starts("dropbear") {
            Server::Dropbear
        } else if starts("tinyssh") {
            Server::Tinyssh
        } else if starts("paramiko") {
            Server::Paramiko
        } else if starts("asyncssh") {
            Server::AsyncSsh
        } else if starts("libssh") {
            Server::Libssh
        } else if starts("cisco") {
            Server::Cisco
        } else if starts("rosssh") || starts("mikrotik") {
            Server::RouterOs
        } else if lower == "go" || starts("go_") {
            Server::Go
        } else if starts("apache-sshd")
            || starts("sshd-core")
            || starts("sshd-unknown")
            || starts("mina")
        {
            Server::MinaSshd
        } else {
            Server::Other
        }
    }

    /// Its name for people.
    pub fn name(self) -> &'static str {
        match self {
            Server::OpenSsh => "OpenSSH",
            Server::WindowsOpenSsh => "OpenSSH for Windows",
            Server::Dropbear => "Dropbear",
            Server::Tinyssh => "tinysshd",
            Server::Paramiko => "paramiko",
            Server::AsyncSsh => "AsyncSSH",
            Server::Libssh => "libssh",
            Server::Cisco => "Cisco",
            Server::RouterOs => "RouterOS",
            Server::Go => "Go x/crypto/ssh",
            Server::MinaSshd => "Apache MINA SSHD",
            Server::Other => "an unrecognised SSH server",
        }
    }

    /// [`Server::name`] in no language yet (the product names stay as they are).
    pub fn name_said(self) -> crate::i18n::Text {
        match self {
            Server::Other => crate::text!("engine.banner.server_other"),
            s => crate::i18n::Text::from(s.name()),
        }
    }

    /// Whether it is configured by an sshd_config (and the `sshd -T`, `journalctl -u ssh` advice applies).
    pub fn has_sshd_config(self) -> bool {
        matches!(self, Server::OpenSsh | Server::WindowsOpenSsh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    async fn feed(bytes: &[u8], close: bool) -> BannerOutcome {
        let (mut client, mut server) = tokio::io::duplex(1 << 20);
        server.write_all(bytes).await.unwrap();
        if close {
            drop(server);
            read_banner(&mut client, Duration::from_secs(5)).await
        } else {
            let out = read_banner(&mut client, Duration::from_millis(200)).await;
            drop(server);
            out
        }
    }

    #[tokio::test]
    async fn reads_an_ssh2_banner_with_pre_lines_and_leftover() {
        let out = feed(
            b"hello there\r\nSSH-2.0-OpenSSH_9.9 Debian\r\n\x00\x00\x01",
            false,
        )
        .await;
        assert_eq!(
            out,
            BannerOutcome::Ssh {
                ident: "SSH-2.0-OpenSSH_9.9 Debian".into(),
                pre_lines: vec!["hello there".into()],
                leftover: vec![0, 0, 1],
            }
        );
    }

    #[tokio::test]
    async fn names_what_answered() {
        let cases: [(&[u8], Peer); 7] = [
            (b"HTTP/1.1 400 Bad Request\r\n\r\n", Peer::Http),
            (b"\x15\x03\x01\x00\x02\x02\x28", Peer::Tls),
            (b"220 mail.example.com ESMTP Postfix\r\n", Peer::Smtp),
            (b"220 (vsFTPd 3.0.3)\r\n", Peer::Ftp),
            (b"220 ProFTPD FTP Server ready\r\n", Peer::Ftp),
            (b"RFB 003.008\n", Peer::Vnc),
            (b"\xff\xfe\x80garbage\r\n", Peer::Binary),
        ];
        for (bytes, peer) in cases {
            match feed(bytes, false).await {
                BannerOutcome::NotSsh { peer: got, .. } => assert_eq!(got, peer, "{bytes:?}"),
                other => panic!("{bytes:?}: {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn ssh1_closed_timeout_and_flood() {
        assert_eq!(
            feed(b"SSH-1.5-OpenSSH_3.9p1\r\n", false).await,
            BannerOutcome::Protocol1 {
                ident: "SSH-1.5-OpenSSH_3.9p1".into()
            }
        );
        assert_eq!(
            feed(b"", true).await,
            BannerOutcome::Closed {
                reset: false,
                said: vec![]
            }
        );
        assert_eq!(
            feed(b"Too many connections\r\n", true).await,
            BannerOutcome::Closed {
                reset: false,
                said: vec!["Too many connections".into()]
            }
        );
        assert!(matches!(
            feed(b"SSH-2.0-sl", false).await,
            BannerOutcome::Timeout { received: 10, .. }
        ));
        let huge = vec![b'A'; 100_000];
        assert!(matches!(
            feed(&huge, false).await,
            BannerOutcome::NotSsh {
                peer: Peer::Flood,
                ..
            }
        ));
    }

    #[tokio::test]
    async fn a_nul_in_the_identification_is_rejected_as_openssh_does() {
        match feed(b"SSH-2.0-Open\x00SSH_9.2\r\n", false).await {
            BannerOutcome::NotSsh { peer, sample } => {
                assert_eq!(peer, Peer::InvalidIdent);
                assert_eq!(sample, "SSH-2.0-Open\\x00SSH_9.2");
            }
            other => panic!("{other:?}"),
        }
        // In a line before the identification too.
        assert!(matches!(
            feed(b"hi\x00\r\nSSH-2.0-OpenSSH_9.2\r\n", false).await,
            BannerOutcome::NotSsh {
                peer: Peer::InvalidIdent,
                ..
            }
        ));
    }

    #[test]
    fn servers_are_told_from_their_identification() {
        for (ident, server) in [
            ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", Server::OpenSsh),
            ("SSH-2.0-OpenSSH_for_Windows_8.1", Server::WindowsOpenSsh),
            ("SSH-2.0-dropbear_2022.83", Server::Dropbear),
            ("SSH-2.0-tinyssh", Server::Tinyssh),
            ("SSH-2.0-paramiko_3.4.0", Server::Paramiko),
            ("SSH-2.0-AsyncSSH_2.14.2", Server::AsyncSsh),
            ("SSH-2.0-libssh_0.10.6", Server::Libssh),
            ("SSH-2.0-Cisco-1.25", Server::Cisco),
            ("SSH-2.0-ROSSSH", Server::RouterOs),
            ("SSH-2.0-Go", Server::Go),
            ("SSH-2.0-APACHE-SSHD-2.9.2", Server::MinaSshd),
            ("SSH-2.0-SSHD-CORE-2.4.0", Server::MinaSshd),
            ("SSH-2.0-WeirdThing_1", Server::Other),
        ] {
            assert_eq!(Server::from_ident(ident), server, "{ident}");
        }
        assert!(!Server::Dropbear.has_sshd_config());
    }

    #[test]
    fn sanitize_escapes_controls_and_invalid_utf8() {
        assert_eq!(sanitize(b"a\x1b[31mb\xff"), "a\\x1b[31mb\\xff");
        assert_eq!(
            parse_ident("SSH-2.0-OpenSSH_9.2p1 Debian-2"),
            Ident {
                proto: "2.0".into(),
                software: "OpenSSH_9.2p1".into(),
                comments: "Debian-2".into()
            }
        );
    }
}
