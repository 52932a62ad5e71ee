//! ssh's lines in the wordings of OpenSSH 5.x to 10.x (the corpus's WORDING.md), understood.

use super::*;

#[test]
fn connection_lines() {
    assert_eq!(
        classify("Connecting to 127.0.0.1 [127.0.0.1] port 22901."),
        Msg::Connecting {
            host: "127.0.0.1".into(),
            addr: Some("127.0.0.1".into()),
            port: Some(22901)
        }
    );
    assert_eq!(
        classify("ssh: connect to host example.com port 22: Connection refused"),
        Msg::ConnectFailed {
            host: "example.com".into(),
            port: Some(22),
            why: "Connection refused".into()
        }
    );
    assert!(matches!(
        classify("ssh: Could not resolve hostname x.invalid: Name or service not known"),
        Msg::ResolveFailed { host, .. } if host == "x.invalid"
    ));
    assert!(matches!(
        classify("identity file /home/a/.ssh/id_rsa-cert type -1"),
        Msg::IdentityFile { kind: -1, .. }
    ));
    assert!(matches!(
        classify("OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026"),
        Msg::Version(_)
    ));
    assert!(matches!(
        classify("OpenSSH_for_Windows_9.5p1, LibreSSL 3.8.2"),
        Msg::Version(_)
    ));
}

#[test]
fn banner_lines_of_every_release() {
    for (line, want) in [
        (
            "kex_exchange_identification: Connection closed by remote host",
            Msg::BannerClosed { reset: false },
        ),
        (
            "ssh_exchange_identification: Connection closed by remote host",
            Msg::BannerClosed { reset: false },
        ),
        (
            "kex_exchange_identification: read: Connection reset by peer",
            Msg::BannerClosed { reset: true },
        ),
        (
            "ssh_exchange_identification: read: Connection reset by peer",
            Msg::BannerClosed { reset: true },
        ),
        (
            "Connection timed out during banner exchange",
            Msg::BannerTimeout,
        ),
        (
            "Protocol major versions differ: 2 vs. 1",
            Msg::ProtocolDiffer,
        ),
    ] {
        assert_eq!(classify(line), want, "{line}");
    }
    assert!(matches!(
        classify("kex_exchange_identification: banner line 0: HTTP/1.1 400 Bad Request"),
        Msg::BannerLine(t) if t == "HTTP/1.1 400 Bad Request"
    ));
    assert!(matches!(
        classify("banner exchange: Connection to UNKNOWN port 65535: invalid format"),
        Msg::BannerInvalid(_)
    ));
    assert!(matches!(
        classify("Remote protocol version 1.5, remote software version OpenSSH_3.9p1"),
        Msg::RemoteVersion { proto, .. } if proto == "1.5"
    ));
}

#[test]
fn negotiation_failures() {
    let m = classify("Unable to negotiate with 192.0.2.1 port 22: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1,diffie-hellman-group14-sha1");
    assert_eq!(
        m,
        Msg::NoMatch {
            what: Negotiated::Kex,
            offer: vec![
                "diffie-hellman-group1-sha1".into(),
                "diffie-hellman-group14-sha1".into()
            ],
            peer: "192.0.2.1 port 22".into()
        }
    );
    assert!(matches!(
        classify("Unable to negotiate with 10.0.0.1 port 22: no matching host key type found. Their offer: ssh-rsa,ssh-dss"),
        Msg::NoMatch { what: Negotiated::HostKey, .. }
    ));
    assert!(matches!(
        classify(
            "Unable to negotiate with 10.0.0.1: no matching cipher found. Their offer: aes256-cbc"
        ),
        Msg::NoMatch {
            what: Negotiated::Cipher,
            ..
        }
    ));
}

#[test]
fn host_key_lines() {
    assert_eq!(
        classify("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @"),
        Msg::ChangedWarning
    );
    assert_eq!(
        classify("Offending ECDSA key in C:\\\\Users\\\\a/.ssh/known_hosts:1"),
        Msg::Offending {
            kind: Some("ECDSA".into()),
            file: "C:\\\\Users\\\\a/.ssh/known_hosts".into(),
            line: Some(1)
        }
    );
    assert_eq!(
        classify("Offending key in /root/.ssh/known_hosts:12"),
        Msg::Offending {
            kind: None,
            file: "/root/.ssh/known_hosts".into(),
            line: Some(12)
        }
    );
    assert!(matches!(
        classify(
            "ECDSA host key for [vm]:13002 has changed and you have requested strict checking."
        ),
        Msg::ChangedStrict(_)
    ));
    assert!(matches!(
        classify(
            "Host key for gitlab.example.com has changed and you have requested strict checking."
        ),
        Msg::ChangedStrict(_)
    ));
    assert_eq!(
        classify("SHA256:mPOLXndIdFgqDa7Pn+cXKvKJwqif2W7oVISwpKUN5fs."),
        Msg::Fingerprint("SHA256:mPOLXndIdFgqDa7Pn+cXKvKJwqif2W7oVISwpKUN5fs".into())
    );
    assert!(matches!(
        classify("b6:cb:07:34:c0:7e:a3:31:e8:31:2e:ea:1e:3c:2f:5b."),
        Msg::Fingerprint(_)
    ));
    assert!(matches!(
        classify("No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking."),
        Msg::NoHostKeyStrict(_)
    ));
}

#[test]
fn offered_keys_in_three_wordings() {
    let want = |name: &str, kind: Option<&str>, fp: Option<&str>| Ident {
        name: name.into(),
        kind: kind.map(Into::into),
        fingerprint: fp.map(Into::into),
        explicit: false,
        agent: false,
    };
    assert_eq!(
        classify("Offering public key: /h/.ssh/id ED25519 SHA256:abc explicit agent"),
        Msg::Offering(Ident {
            explicit: true,
            agent: true,
            ..want("/h/.ssh/id", Some("ED25519"), Some("SHA256:abc"))
        })
    );
    assert_eq!(
        classify("Offering public key: RSA SHA256:abc /h/.ssh/id_rsa"),
        Msg::Offering(want("/h/.ssh/id_rsa", Some("RSA"), Some("SHA256:abc")))
    );
    assert_eq!(
        classify("Offering RSA public key: /h/.ssh/id_rsa"),
        Msg::Offering(want("/h/.ssh/id_rsa", Some("RSA"), None))
    );
}

#[test]
fn auth_lines() {
    assert_eq!(
        classify("alice@192.0.2.10: Permission denied (publickey,password)."),
        Msg::PermissionDenied {
            who: Some("alice@192.0.2.10".into()),
            methods: vec!["publickey".into(), "password".into()]
        }
    );
    assert_eq!(
        classify("Permission denied (publickey)."),
        Msg::PermissionDenied {
            who: None,
            methods: vec!["publickey".into()]
        }
    );
    assert_eq!(
        classify("sign_and_send_pubkey: signing failed for RSA \"/Users/a/.ssh/id_k\" from agent: agent refused operation"),
        Msg::SigningFailed {
            key: Some("/Users/a/.ssh/id_k".into()),
            why: "agent refused operation".into()
        }
    );
    assert_eq!(
        classify("sign_and_send_pubkey: signing failed: agent refused operation"),
        Msg::SigningFailed {
            key: None,
            why: "agent refused operation".into()
        }
    );
    assert_eq!(
        classify("Load key \"/h/.ssh/id_rsa\": bad permissions"),
        Msg::LoadKey {
            path: "/h/.ssh/id_rsa".into(),
            why: "bad permissions".into()
        }
    );
    assert_eq!(
        classify("Permissions 0644 for '/h/.ssh/k' are too open."),
        Msg::TooOpen {
            mode: "0644".into(),
            path: "/h/.ssh/k".into()
        }
    );
    for line in [
        "Authenticated with partial success.",
        "Authenticated using \"publickey\" with partial success.",
    ] {
        assert_eq!(classify(line), Msg::PartialSuccess, "{line}");
    }
    assert!(matches!(
        classify("Received disconnect from 10.0.0.1 port 22:2: Too many authentication failures"),
        Msg::ReceivedDisconnect(_)
    ));
    assert!(matches!(
        classify("no such identity: /h/.ssh/gone: No such file or directory"),
        Msg::NoSuchIdentity(p) if p == "/h/.ssh/gone"
    ));
    assert_eq!(
        classify("sign_and_send_pubkey: no mutual signature supported"),
        Msg::NoMutualSignature
    );
}

#[test]
fn session_and_forwarding() {
    assert!(matches!(
        classify("channel 0: open failed: administratively prohibited: open failed"),
        Msg::ChannelOpenFailed(_)
    ));
    assert_eq!(
        classify("stdio forwarding failed"),
        Msg::StdioForwardingFailed
    );
    assert_eq!(
        classify("This account is currently not available."),
        Msg::AccountNotAvailable
    );
    assert_eq!(classify("Exit status 1"), Msg::ExitStatus(1));
    assert!(matches!(
        classify("subsystem request failed on channel 0"),
        Msg::RequestFailed(_)
    ));
    assert!(matches!(
        classify("Connection closed by UNKNOWN port 65535"),
        Msg::ClosedBy(_)
    ));
}

#[test]
fn words_inside_an_unknown_prefix_are_found() {
    assert!(matches!(
        classify("Data could not be sent: ssh: connect to host h port 22: Connection timed out"),
        Msg::ConnectFailed { .. }
    ));
    assert_eq!(classify("just some prose"), Msg::Other);
}
