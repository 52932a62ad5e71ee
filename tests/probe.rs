//! End-to-end probes of `sshdoctor --report json` against fake servers and real sshd on 127.0.0.1, plus harness self-tests.

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::fake::{self, closed_port};
use common::sshd::{self, KeyKind, Sshd};
use common::{run_report, sshdoctor, Home, Report};

/// Legacy server settings the probe tests rely on; each is checked against this sshd by a self-test.
const LEGACY_KEX: &str = "KexAlgorithms diffie-hellman-group1-sha1";
const LEGACY_KEX_ALGORITHM: &str = "diffie-hellman-group1-sha1";
const LEGACY_HOSTKEY: &str = "HostKeyAlgorithms ssh-rsa";
const LEGACY_CIPHER: &str = "Ciphers aes128-cbc";
/// An AEAD cipher makes the MAC irrelevant (OpenSSH then connects whatever the MACs), so the
/// MAC-only mismatch needs a non-AEAD cipher the client does offer.
const LEGACY_MAC: &str = "Ciphers aes128-ctr\nMACs hmac-md5";

/// A user name that exists nowhere, so no probe can log in anywhere.
const USER: &str = "sshdoctor-test";

fn destination() -> String {
    format!("{USER}@127.0.0.1")
}

/// Probes 127.0.0.1:`port` with extra arguments (before the destination).
fn probe(port: u16, extra: &[&str]) -> Report {
    let port = port.to_string();
    let mut args: Vec<&str> = vec!["-p", &port];
    args.extend_from_slice(extra);
    let destination = destination();
    args.push(&destination);
    run_report(&args)
}

/// A failure at the banner stage: exit 1, `id` first among errors, TCP fine, everything after skipped.
fn assert_banner_failure(report: &Report, id: &str) {
    report.assert_exit(1);
    report.assert_first_error(id);
    report.assert_statuses(&[("tcp", "pass"), ("banner", "fail")]);
    report.assert_skipped_after("banner");
}

/// A failure at the kex stage: `id` first among errors, banner fine. When russh speaks the
/// legacy algorithm (`probe_continues`), the diagnosis goes on past a mismatch only the user's
/// OpenSSH has and examines the host key; otherwise everything after kex is skipped.
fn assert_kex_failure(report: &Report, id: &str, probe_continues: bool) {
    report.assert_exit(1);
    report.assert_first_error(id);
    report.assert_statuses(&[("tcp", "pass"), ("banner", "pass"), ("kex", "fail")]);
    if probe_continues {
        assert_ne!(
            report.status("hostkey"),
            "skipped",
            "diagnosis goes past an OpenSSH-only kex mismatch\n{}",
            report.dump()
        );
        assert!(
            report
                .log_text()
                .contains("later stages can still be examined"),
            "{}",
            report.dump()
        );
    } else {
        assert!(
            report
                .log_text()
                .contains("cannot speak the server's algorithms either"),
            "{}",
            report.dump()
        );
        report.assert_skipped_after("kex");
    }
}

fn assert_mentions(report: &Report, id: &str, needle: &str) {
    let text = report.finding_text(id);
    assert!(
        text.to_lowercase().contains(&needle.to_lowercase()),
        "finding {id} should mention {needle:?}\n{}",
        report.dump()
    );
}

// ---------------------------------------------------------------------------------------------
// Harness self-tests: these exercise only the fixtures, not the binary.

#[test]
fn harness_sshd_answers_with_an_openssh_banner() {
    let server = Sshd::start("");
    assert!(
        server.banner().starts_with("SSH-2.0-OpenSSH_"),
        "{}",
        server.banner()
    );
    let stream = TcpStream::connect(("127.0.0.1", server.port())).expect("connect to sshd");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut line = String::new();
    BufReader::new(&stream)
        .read_line(&mut line)
        .expect("read the version line");
    assert!(line.starts_with("SSH-2.0-OpenSSH_"), "{line:?}");
    assert!(line.ends_with("\r\n"), "{line:?}");
    for kind in KeyKind::ALL {
        assert!(server.host_key_path(kind).is_file());
        assert!(server
            .known_hosts_line(kind)
            .starts_with(&format!("[127.0.0.1]:{} ", server.port())));
    }
    assert!(
        server.log().contains(&format!(
            "Server listening on 127.0.0.1 port {}",
            server.port()
        )),
        "{}",
        server.log()
    );
}

#[test]
fn harness_sshd_accepts_the_legacy_settings_used_here() {
    for extra in [
        LEGACY_KEX,
        LEGACY_HOSTKEY,
        LEGACY_CIPHER,
        LEGACY_MAC,
        "StrictModes yes",
    ] {
        if let Err(e) = sshd::check_config(extra) {
            panic!("this sshd rejects {extra:?}: {e}");
        }
    }
    assert!(sshd::check_config("KexAlgorithms no-such-kex@example.com").is_err());
}

/// OpenSSH's own client agrees that each legacy server has exactly the mismatch the probe tests expect.
#[test]
fn harness_openssh_client_confirms_the_legacy_mismatches() {
    let home = Home::new();
    let cases: [(Sshd, &[&str], &str); 5] = [
        (
            Sshd::start(LEGACY_KEX),
            &[],
            "no matching key exchange method found",
        ),
        (
            Sshd::builder()
                .host_keys(&[KeyKind::Rsa])
                .extra_config(LEGACY_HOSTKEY)
                .start(),
            &[],
            "no matching host key type found",
        ),
        (Sshd::start(LEGACY_CIPHER), &[], "no matching cipher found"),
        (Sshd::start(LEGACY_MAC), &[], "no matching MAC found"),
        (
            Sshd::start(LEGACY_KEX),
            &[
                "-o",
                "KexAlgorithms=+diffie-hellman-group1-sha1",
                "-o",
                "StrictHostKeyChecking=no",
            ],
            "Permission denied",
        ),
    ];
    for (server, extra, expected) in &cases {
        let output = home
            .ssh_command()
            .args(["-o", "ConnectTimeout=10", "-p", &server.port().to_string()])
            .args(*extra)
            .arg(destination())
            .arg("true")
            .output()
            .expect("run ssh");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(expected),
            "ssh to a server with {:?}: expected {expected:?}, got:\n{stderr}\n--- sshd log ---\n{}",
            std::fs::read_to_string(server.config_path()).unwrap_or_default(),
            server.log()
        );
    }
}

/// One read, retried when interrupted by a signal.
fn read_once(stream: &mut TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match stream.read(buf) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the fake server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Reads until `at_least` bytes or EOF (a read that is interrupted by a signal is retried).
fn read_some(stream: &mut TcpStream, at_least: usize) -> Vec<u8> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    while data.len() < at_least {
        match read_once(stream, &mut buf) {
            Ok(0) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read after {} bytes: {e}", data.len()),
        }
    }
    data
}

#[test]
fn harness_fake_servers_behave_as_documented() {
    let hello = b"SSH-2.0-harness\r\n";

    let server = fake::closing();
    let mut stream = connect(server.port());
    let mut buf = [0u8; 16];
    match read_once(&mut stream, &mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("closing(): expected EOF, got {other:?}"),
    }

    let server = fake::reset();
    let mut stream = connect(server.port());
    stream.write_all(hello).unwrap();
    match read_once(&mut stream, &mut buf) {
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("reset(): expected a reset, got {other:?}"),
    }

    let server = fake::silent();
    let mut stream = connect(server.port());
    stream.write_all(hello).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    match read_once(&mut stream, &mut buf) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!("silent(): expected nothing, got {other:?}"),
    }

    for server in [fake::http(), fake::http_immediate()] {
        let mut stream = connect(server.port());
        stream.write_all(hello).unwrap();
        let mut text = String::new();
        stream
            .read_to_string(&mut text)
            .expect("read the HTTP reply");
        assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text:?}");
    }

    let server = fake::tls();
    let mut stream = connect(server.port());
    stream.write_all(hello).unwrap();
    assert_eq!(read_some(&mut stream, usize::MAX), fake::TLS_ALERT);

    let server = fake::smtp();
    let mut stream = connect(server.port());
    assert_eq!(
        read_some(&mut stream, fake::SMTP_GREETING.len()),
        fake::SMTP_GREETING.as_bytes()
    );
    stream.write_all(hello).unwrap();
    assert!(read_some(&mut stream, 4).starts_with(b"502 "));

    let server = fake::ssh1();
    let mut stream = connect(server.port());
    assert_eq!(
        read_some(&mut stream, fake::SSH1_BANNER.len()),
        fake::SSH1_BANNER.as_bytes()
    );

    let server = fake::huge_banner();
    let mut stream = connect(server.port());
    let data = read_some(&mut stream, fake::HUGE_BANNER_LEN);
    assert_eq!(data.len(), fake::HUGE_BANNER_LEN);
    assert!(!data.contains(&b'\n'));

    let server = fake::slow_drip();
    let mut stream = connect(server.port());
    assert_eq!(read_some(&mut stream, 1), b"S");

    let server = fake::invalid_utf8();
    let mut stream = connect(server.port());
    let data = read_some(&mut stream, 3 * fake::INVALID_UTF8_LINE.len());
    assert_eq!(data, fake::INVALID_UTF8_LINE.repeat(3));

    let server = fake::pre_banner_lines();
    let mut stream = connect(server.port());
    stream.write_all(hello).unwrap();
    let mut text = String::new();
    stream
        .read_to_string(&mut text)
        .expect("read the pre-banner lines");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(&lines[..3], fake::PRE_BANNER_LINES);
    assert_eq!(lines[3], fake::PRE_BANNER_VERSION);

    let port = closed_port();
    let refused =
        TcpStream::connect(("127.0.0.1", port)).expect_err("nothing listens on closed_port()");
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn harness_fake_server_stops_on_drop() {
    let server = fake::silent();
    let port = server.port();
    drop(server);
    // A process forked by a parallel test may hold a copy of the listening socket until it
    // execs, so a connection can still be accepted for a moment: wait (bounded) for refusal.
    let mut last = None;
    for _ in 0..100 {
        match TcpStream::connect(("127.0.0.1", port)) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => return,
            other => last = Some(other),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the dropped server's port still accepts connections: {last:?}");
}

#[test]
fn harness_home_is_private_and_empty() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    assert!(home.path().starts_with(env!("CARGO_TARGET_TMPDIR")));
    assert_eq!(std::fs::read_to_string(home.config_path()).unwrap(), "");
    let mode = std::fs::metadata(home.ssh_dir())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
    let key = home.generate_key(KeyKind::Ed25519, "id_ed25519");
    assert!(key.is_file());
    assert!(home.public_key("id_ed25519").starts_with("ssh-ed25519 "));
}

// ---------------------------------------------------------------------------------------------
// Config, DNS and TCP.

#[test]
fn closed_port_is_tcp_refused_and_says_the_port_came_from_the_command_line() {
    let port = closed_port();
    let report = probe(port, &["--timeout", "10"]);
    report.assert_exit(1);
    report.assert_first_error("tcp.refused");
    report.assert_statuses(&[("tcp", "fail")]);
    report.assert_skipped_after("tcp");
    let detail = common::flatten(&report.finding("tcp.refused")["detail"]);
    assert!(
        detail.contains(&port.to_string()),
        "detail should name port {port}: {detail}"
    );
    let lower = detail.to_lowercase();
    assert!(
        lower.contains("-p") || lower.contains("command line"),
        "detail should say the port came from -p on the command line: {detail}"
    );
    let (value, _origin) = report.destination("port").expect("destination.port");
    assert_eq!(value, port.to_string());
}

#[test]
fn closed_port_from_the_config_file_names_the_file() {
    let port = closed_port();
    let home = Home::new();
    home.write_config(&format!("Host 127.0.0.1\n    Port {port}\n"));
    let report = sshdoctor()
        .home(&home)
        .args(&["--timeout", "10", &destination()])
        .run_report();
    report.assert_exit(1);
    report.assert_first_error("tcp.refused");
    let detail = common::flatten(&report.finding("tcp.refused")["detail"]);
    assert!(
        detail.contains(&port.to_string()),
        "detail should name port {port}: {detail}"
    );
    assert!(
        detail.contains("config"),
        "detail should say the port came from the config file: {detail}"
    );
    assert_mentions(&report, "tcp.refused", ".ssh/config");
    let (value, origin) = report.destination("port").expect("destination.port");
    assert_eq!(value, port.to_string());
    assert!(
        origin.contains("config"),
        "port origin should be the config file: {origin}"
    );
}

#[test]
fn unresolvable_name_is_dns_unresolvable() {
    // RFC 6761: .invalid never resolves, and sshdoctor sends no query for it, so this test
    // causes no traffic at all; the port is closed in any case.
    let port = closed_port().to_string();
    let report = sshdoctor()
        .args(&[
            "--timeout",
            "10",
            "-p",
            &port,
            "-o",
            "HostName=does-not-exist.invalid",
            &destination(),
        ])
        .run_report();
    report.assert_exit(1);
    report.assert_first_error("dns.unresolvable");
    report.assert_statuses(&[("dns", "fail")]);
    report.assert_skipped_after("dns");
    assert_mentions(&report, "dns.unresolvable", "does-not-exist.invalid");
    assert_mentions(&report, "dns.unresolvable", "command line");
}

#[test]
fn config_typo_is_an_invalid_value_error_with_file_and_line() {
    let port = closed_port().to_string();
    let home = Home::new();
    home.write_config("# sshdoctor test fixture\nHostnme 127.0.0.1\n");
    let report = sshdoctor()
        .home(&home)
        .args(&["--timeout", "10", "-p", &port, &destination()])
        .run_report();
    // ssh itself: "line 2: Bad configuration option: hostnme", "terminating, 1 bad
    // configuration options", exit 255.
    let finding = report.finding("config.invalid_value");
    assert_eq!(finding["severity"], "error", "{}", report.dump());
    let evidence = report.evidence("config.invalid_value");
    assert!(
        evidence
            .iter()
            .any(|e| e.contains(".ssh/config:2: Bad configuration option: hostnme")),
        "evidence should point at .ssh/config:2 in ssh's words: {evidence:?}\n{}",
        report.dump()
    );
    assert!(
        evidence
            .iter()
            .any(|e| e.ends_with("terminating, 1 bad configuration options")),
        "{evidence:?}"
    );
    assert_eq!(report.status("config"), "fail", "{}", report.dump());
    report.assert_first_error("config.invalid_value");
    // The rest of the probe still runs (and meets the closed port).
    assert!(
        report.finding_ids().contains(&"tcp.refused".to_string()),
        "{}",
        report.dump()
    );
}

// ---------------------------------------------------------------------------------------------
// Banner: fake servers.

#[test]
fn closing_server_is_banner_closed() {
    let server = fake::closing();
    let report = probe(server.port(), &["--timeout", "10"]);
    assert_banner_failure(&report, "banner.closed");
}

#[test]
fn resetting_server_is_banner_closed() {
    let server = fake::reset();
    let report = probe(server.port(), &["--timeout", "10"]);
    assert_banner_failure(&report, "banner.closed");
}

#[test]
fn silent_server_is_banner_timeout() {
    let server = fake::silent();
    let report = probe(server.port(), &["--timeout", "2"]);
    assert_banner_failure(&report, "banner.timeout");
}

#[test]
fn http_server_answering_after_the_client_line_is_not_ssh() {
    let server = fake::http();
    let report = probe(server.port(), &["--timeout", "10"]);
    assert_banner_failure(&report, "banner.not_ssh");
    assert_mentions(&report, "banner.not_ssh", "HTTP");
}

#[test]
fn http_server_answering_at_once_is_not_ssh() {
    let server = fake::http_immediate();
    let report = probe(server.port(), &["--timeout", "10"]);
    assert_banner_failure(&report, "banner.not_ssh");
    assert_mentions(&report, "banner.not_ssh", "HTTP");
}

#[test]
fn tls_server_is_not_ssh() {
    let server = fake::tls();
    let report = probe(server.port(), &["--timeout", "10"]);
    assert_banner_failure(&report, "banner.not_ssh");
    assert_mentions(&report, "banner.not_ssh", "TLS");
}

#[test]
fn smtp_server_is_not_ssh() {
    let server = fake::smtp();
    let report = probe(server.port(), &["--timeout", "10"]);
    assert_banner_failure(&report, "banner.not_ssh");
    assert_mentions(&report, "banner.not_ssh", "SMTP");
}

#[test]
fn ssh1_server_is_protocol_1() {
    let server = fake::ssh1();
    let report = probe(server.port(), &["--timeout", "10"]);
    assert_banner_failure(&report, "banner.protocol_1");
}

#[test]
fn huge_banner_ends_in_bounded_time() {
    let server = fake::huge_banner();
    let report = probe(server.port(), &["--timeout", "3"]);
    report.assert_exit(1);
    let first = report.first_error();
    assert!(
        matches!(
            first.as_deref(),
            Some("banner.not_ssh") | Some("banner.timeout")
        ),
        "first error should be banner.not_ssh or banner.timeout\n{}",
        report.dump()
    );
    report.assert_statuses(&[("tcp", "pass"), ("banner", "fail")]);
}

#[test]
fn slow_drip_banner_is_banner_timeout() {
    let server = fake::slow_drip();
    let report = probe(server.port(), &["--timeout", "2"]);
    assert_banner_failure(&report, "banner.timeout");
}

#[test]
fn invalid_utf8_banner_is_a_banner_finding_not_a_crash() {
    let server = fake::invalid_utf8();
    let report = probe(server.port(), &["--timeout", "2"]);
    report.assert_exit(1);
    let first = report.first_error().unwrap_or_default();
    assert!(
        first.starts_with("banner."),
        "first error should be a banner finding\n{}",
        report.dump()
    );
    report.assert_statuses(&[("tcp", "pass"), ("banner", "fail")]);
}

#[test]
fn lines_before_the_version_are_legal_and_logged() {
    let server = fake::pre_banner_lines();
    let report = probe(server.port(), &["--timeout", "5"]);
    report.assert_statuses(&[("tcp", "pass"), ("banner", "pass")]);
    let banner_errors: Vec<_> = report
        .error_ids()
        .into_iter()
        .filter(|id| id.starts_with("banner."))
        .collect();
    assert!(
        banner_errors.is_empty(),
        "no banner error expected\n{}",
        report.dump()
    );
    let log = report.log_text();
    for line in fake::PRE_BANNER_LINES {
        assert!(
            log.contains(line),
            "the log should record {line:?}\n{}",
            report.dump()
        );
    }
    assert!(
        log.contains("OpenSSH_9.9"),
        "the log should record the version\n{}",
        report.dump()
    );
}

// ---------------------------------------------------------------------------------------------
// Real sshd.

#[test]
fn healthy_sshd_passes_up_to_kex() {
    let server = Sshd::start("");
    let report = probe(server.port(), &["--timeout", "10"]);
    let early: Vec<_> = report
        .error_ids()
        .into_iter()
        .filter(|id| {
            ["config.", "dns.", "tcp.", "banner.", "kex."]
                .iter()
                .any(|p| id.starts_with(p))
        })
        .collect();
    assert!(
        early.is_empty(),
        "no error before the host key stage: {early:?}\n{}",
        report.dump()
    );
    report.assert_statuses(&[("tcp", "pass"), ("banner", "pass"), ("kex", "pass")]);
    for stage in ["config", "dns"] {
        assert_ne!(report.status(stage), "fail", "{stage}\n{}", report.dump());
    }
    assert!(
        report.log_text().contains("OpenSSH_"),
        "the log should record the server version\n{}",
        report.dump()
    );
}

#[test]
fn legacy_kex_server_is_no_common_kex_with_the_fix() {
    let server = Sshd::start(LEGACY_KEX);
    let report = probe(server.port(), &["--timeout", "10"]);
    assert_kex_failure(&report, "kex.no_common_kex", true);
    assert_mentions(&report, "kex.no_common_kex", LEGACY_KEX_ALGORITHM);
    let fix = common::flatten(&report.finding("kex.no_common_kex")["fix"]);
    assert!(
        fix.contains("KexAlgorithms") && fix.contains(&format!("+{LEGACY_KEX_ALGORITHM}")),
        "the fix should say KexAlgorithms +{LEGACY_KEX_ALGORITHM}: {fix:?}\n{}",
        report.dump()
    );
}

#[test]
fn legacy_kex_server_negotiates_when_the_algorithm_is_added() {
    let server = Sshd::start(LEGACY_KEX);
    let option = format!("KexAlgorithms=+{LEGACY_KEX_ALGORITHM}");
    let report = probe(server.port(), &["--timeout", "10", "-o", &option]);
    report.assert_no_finding("kex.no_common_kex");
    report.assert_statuses(&[("banner", "pass"), ("kex", "pass")]);
}

#[test]
fn rsa_sha1_only_server_is_no_common_hostkey() {
    let server = Sshd::builder()
        .host_keys(&[KeyKind::Rsa])
        .extra_config(LEGACY_HOSTKEY)
        .start();
    let report = probe(server.port(), &["--timeout", "10"]);
    assert_kex_failure(&report, "kex.no_common_hostkey", true);
    assert_mentions(&report, "kex.no_common_hostkey", "ssh-rsa");
}

#[test]
fn cbc_only_server_is_no_common_cipher() {
    let server = Sshd::start(LEGACY_CIPHER);
    let report = probe(server.port(), &["--timeout", "10"]);
    assert_kex_failure(&report, "kex.no_common_cipher", true);
    assert_mentions(&report, "kex.no_common_cipher", "aes128-cbc");
}

#[test]
fn md5_mac_only_server_is_no_common_mac() {
    let server = Sshd::start(LEGACY_MAC);
    let report = probe(server.port(), &["--timeout", "10"]);
    // russh has no hmac-md5: the probe cannot go further either.
    assert_kex_failure(&report, "kex.no_common_mac", false);
    assert_mentions(&report, "kex.no_common_mac", "hmac-md5");
}

// ---------------------------------------------------------------------------------------------
// Usage errors.

/// Exit 2 with exactly one line on stderr that names the offending input.
fn assert_usage_error(args: &[&str], offending: &str) {
    let report = sshdoctor().args(args).run();
    assert_eq!(
        report.code,
        Some(2),
        "usage error expected\n{}",
        report.dump()
    );
    let lines: Vec<&str> = report
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "stderr should be one line\n{}",
        report.dump()
    );
    assert!(
        lines[0].contains(offending),
        "stderr should name {offending:?}\n{}",
        report.dump()
    );
}

#[test]
fn usage_error_destination_without_host() {
    let port = closed_port().to_string();
    assert_usage_error(&["-p", &port, "user@"], "user@");
}

#[test]
fn usage_error_destination_port_out_of_range() {
    // ssh 9.2 takes a port in DESTINATION only from an ssh:// URI (`h:99999` is a host name).
    assert_usage_error(&["ssh://127.0.0.1:99999"], "99999");
}

#[test]
fn usage_error_destination_without_user() {
    let port = closed_port().to_string();
    assert_usage_error(&["-p", &port, "@127.0.0.1"], "@127.0.0.1");
}

#[test]
fn usage_error_unknown_option_keyword() {
    let port = closed_port().to_string();
    assert_usage_error(&["-p", &port, "-o", "Foo=bar", &destination()], "Foo");
}

#[test]
fn usage_error_port_out_of_range() {
    assert_usage_error(&["-p", "70000", &destination()], "70000");
}

#[test]
fn usage_error_unknown_flag() {
    let port = closed_port().to_string();
    assert_usage_error(&["-p", &port, "--bogus", &destination()], "--bogus");
}
