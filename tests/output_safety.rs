//! What a server says never drives the reader's terminal: control characters it sends reach the
//! text and markdown reports escaped, while the JSON report keeps the exact string.

mod common;

use common::fake::FakeServer;
use common::{sshdoctor, Home};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A disconnect reason that would clear the screen, set the window title and ring the bell.
const HOSTILE_REASON: &str = "bye\x1b[2J\x1b]0;owned\x07\u{9b}31m";

/// An unencrypted SSH_MSG_DISCONNECT packet (RFC 4253 §6, §11.1) with `reason`.
fn disconnect_packet(reason: &str) -> Vec<u8> {
    let mut payload = vec![1u8]; // SSH_MSG_DISCONNECT
    payload.extend_from_slice(&2u32.to_be_bytes()); // SSH_DISCONNECT_PROTOCOL_ERROR
    payload.extend_from_slice(&(reason.len() as u32).to_be_bytes());
    payload.extend_from_slice(reason.as_bytes());
    payload.extend_from_slice(&0u32.to_be_bytes()); // empty language tag
                                                    // packet_length (4) + padding_length (1) + payload + padding: a multiple of 8, padding >= 4.
    let mut padding = 8 - (5 + payload.len()) % 8;
    if padding < 4 {
        padding += 8;
    }
    let mut packet = Vec::new();
    packet.extend_from_slice(&((1 + payload.len() + padding) as u32).to_be_bytes());
    packet.push(padding as u8);
    packet.extend_from_slice(&payload);
    packet.extend(std::iter::repeat_n(0u8, padding));
    packet
}

/// Identifies as SSH-2, then disconnects with the hostile reason instead of its KEXINIT.
fn hostile_disconnect() -> FakeServer {
    FakeServer::spawn(|mut stream| async move {
        let mut data = b"SSH-2.0-OpenSSH_9.2p1 hostile\r\n".to_vec();
        data.extend(disconnect_packet(HOSTILE_REASON));
        if stream.write_all(&data).await.is_err() {
            return;
        }
        let mut buf = [0u8; 4096];
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
        })
        .await;
    })
}

fn assert_terminal_safe(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && *c != '\n' && *c != '\t')
        .collect();
    assert!(bad.is_empty(), "{what} holds raw controls {bad:?}:\n{text}");
}

#[test]
fn a_servers_control_characters_never_reach_the_terminal() {
    let server = hostile_disconnect();
    let port = server.port().to_string();
    let home = Home::new();
    let config = home.config_path().display().to_string();

    let json = sshdoctor()
        .home(&home)
        .args(&["-vv", "-p", &port, "127.0.0.1"])
        .run();
    let raw = json.stdout.contains("\\u001b[2J") && json.stdout.contains("\\u0007");
    assert!(
        raw,
        "the JSON report keeps the reason exactly (escaped by JSON itself):\n{}",
        json.dump()
    );

    for format in ["text", "markdown"] {
        let out = sshdoctor()
            .home(&home)
            .raw()
            .args(&[
                "--report",
                format,
                "-vv",
                "-F",
                &config,
                "-p",
                &port,
                "127.0.0.1",
            ])
            .run();
        assert_eq!(out.code, Some(1), "{}", out.dump());
        assert_terminal_safe(format, &out.stdout);
        assert!(
            out.stdout
                .contains("bye\\x1b[2J\\x1b]0;owned\\x07\\u{9b}31m"),
            "the {format} report shows the reason escaped:\n{}",
            out.stdout
        );
    }
}

#[test]
fn usage_errors_show_what_was_typed_escaped() {
    let out = sshdoctor()
        .raw()
        .args(&["--report", "text", "-o", "Prot\x1b[31m=1", "host.invalid"])
        .run();
    assert_eq!(out.code, Some(2), "{}", out.dump());
    assert_terminal_safe("stderr", &out.stderr);
    assert!(out.stderr.contains("Prot\\x1b[31m"), "{}", out.dump());
}

/// A known_hosts comment holding ESC sequences (a file anyone could have been sent): the `--fix`
/// preview quotes the line, and shows it escaped.
#[test]
fn a_fix_preview_quoting_a_hostile_line_is_shown_escaped() {
    use common::sshd::{KeyKind, Sshd};
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    home.generate_key(KeyKind::Ed25519, "other");
    let stale: Vec<String> = home
        .public_key("other")
        .split_whitespace()
        .take(2)
        .map(str::to_string)
        .collect();
    let kh = home.path().join("known_hosts");
    let line = format!(
        "[127.0.0.1]:{} {} {} evil\x1b]0;title\x07\x1b[1A\n",
        sshd.port(),
        stale[0],
        stale[1]
    );
    std::fs::write(&kh, &line).unwrap();
    let out = sshdoctor()
        .home(&home)
        .args(&[
            "-p",
            &sshd.port().to_string(),
            "-o",
            &format!("UserKnownHostsFile={}", kh.display()),
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "--fix",
            "known_hosts.remove",
            "--yes",
            "sshdoctor-test@127.0.0.1",
        ])
        .run();
    assert_terminal_safe("the --fix dialogue", &out.stderr);
    assert!(
        out.stderr.contains("evil\\x1b]0;title\\x07\\x1b[1A"),
        "the removed line is quoted escaped:\n{}",
        out.dump()
    );
    assert!(!std::fs::read_to_string(&kh).unwrap().contains("evil"));
}
