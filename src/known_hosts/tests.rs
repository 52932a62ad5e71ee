//! Unit tests for the known_hosts engine (expected values taken from OpenSSH 9.2's ssh-keygen).

mod edits;
mod scan;

use ssh_key::{Certificate, PublicKey};

use super::*;

pub(super) const ED_A: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBDtWiVn0SATtF5RrYj+F7nxBwo98bsYO6PN+KcsOUw5";
pub(super) const ED_B: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICeA7j0bUsKwz976RNURPS+bqAbz8cDxxPhYdNNDwW0n";
pub(super) const CA: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJKP6seDiPXAnGQBcl48KLpdI3BEdz3j605OBcSeqhL5";
const EC: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGEWuAk5OkKPdeT9Ydk1kcJia3BELGWeXtDwydIJshkoSGJPULU6ervd8vTWgcYhQJmeu9qOp9a270HGZKXqH/U=";
const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDksYPxH9stT/fB7tZarDj56BRLsk6vFfCmlQivY6caV/3qxcS4mshJ1WUW3NvXrYobUS80SF3Jw+dg3awvti1RPvXJeGHl/U4+N0yedEDzoPOQOd4Cn1MxceOPmbVD9r5ZnLof9dgqMViJF2xmoXz06XC+wlJrKwJP4G2QDfr0tw==";
/// ED_A certified by CA for principal host.example.com.
const CERT: &str = "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIGOYyr7yYYAT0+mIlSq/QvsisUr/prpHVk9x7xiCF0s8AAAAIBDtWiVn0SATtF5RrYj+F7nxBwo98bsYO6PN+KcsOUw5AAAAAAAAAAAAAAACAAAACGhvc3RjZXJ0AAAAFAAAABBob3N0LmV4YW1wbGUuY29tAAAAAAAAAAD//////////wAAAAAAAAAAAAAAAAAAADMAAAALc3NoLWVkMjU1MTkAAAAgko/qx4OI9cCcZAFyXjwoul0jcER3PePrTk4FxJ6qEvkAAABTAAAAC3NzaC1lZDI1NTE5AAAAQPlMYn0H5jagv1CwMgdSnI9/HkMzRvHr5lmIfETVZbbjMNHfUTODNB8aIIN4ZVKLGs185k3TK5FJmGniFn8CDgY=";
/// `ssh-keygen -H` of `foo.example.com ED_A`.
pub(super) const HASHED_FOO: &str = "|1|3rqPSc280nGErf7eFayLe5I9Tcw=|SkbTqwHd7Y8aDNRfm7Yco/KY7jk=";

pub(super) fn key(s: &str) -> PublicKey {
    PublicKey::from_openssh(s).unwrap()
}

fn file(text: &str) -> KnownHostsFile {
    KnownHostsFile::parse("kh", text.as_bytes())
}

fn kinds(f: &KnownHostsFile) -> Vec<&'static str> {
    f.lines
        .iter()
        .map(|l| match l.kind {
            LineKind::Blank => "blank",
            LineKind::Comment => "comment",
            LineKind::Entry(_) => "entry",
            LineKind::Malformed { .. } => "bad",
        })
        .collect()
}

fn reason(f: &KnownHostsFile, line: usize) -> String {
    match &f.lines[line - 1].kind {
        LineKind::Malformed { reason, .. } => reason.clone(),
        other => panic!("line {line} is not malformed: {other:?}"),
    }
}

#[test]
fn parse_keeps_bytes_endings_and_true_line_numbers() {
    let text = format!("# c\r\n\r\nbad line\nfoo {ED_A}\r\n  \t\nbar {ED_B} comment here");
    let f = file(&text);
    assert_eq!(
        kinds(&f),
        ["comment", "blank", "bad", "entry", "blank", "entry"]
    );
    assert_eq!(f.to_bytes(), text.as_bytes());
    assert_eq!(f.lines[3].ending, LineEnding::CrLf);
    assert_eq!(f.lines[5].ending, LineEnding::None);
    assert_eq!(f.lines[5].number, 6);
    let (line, e) = f.entries().nth(1).unwrap();
    assert_eq!((line.number, e.comment.as_str()), (6, "comment here"));
    assert_eq!(f.malformed().next().unwrap().0.number, 3);
    assert!(KnownHostsFile::parse("e", b"").lines.is_empty());
    assert_eq!(KnownHostsFile::parse("e", b"\n\n").lines.len(), 2);
}

#[test]
fn malformed_lines_have_reasons_and_hide_nothing() {
    let text = [
        "h ssh-ed25519 AAAA!!!!".to_string(),
        format!("h ssh-foo {}", &ED_A[12..]),
        "h ssh-ed25519".to_string(),
        "h".to_string(),
        format!("@cert-auth h {ED_A}"),
        format!("@revoked @revoked h {ED_A}"),
        format!("|1|abc|def {ED_A}"),
        format!("h ssh-rsa {}", &ED_A[12..]),
        format!("h ECDSA {}", &EC[20..]),
        format!("@revoked\th {ED_A}"),
        format!("h {ED_A}"),
    ]
    .join("\n");
    let f = file(&text);
    assert_eq!(f.malformed().count(), 10);
    assert!(reason(&f, 1).contains("base64"));
    assert!(reason(&f, 2).contains("unknown key type"));
    assert!(reason(&f, 3).contains("no key"));
    assert!(reason(&f, 4).contains("truncated"));
    assert!(reason(&f, 5).contains("unknown marker"));
    assert!(reason(&f, 6).contains("more than one marker"));
    assert!(reason(&f, 7).contains("salt"));
    assert!(reason(&f, 8).contains("does not match"));
    assert!(reason(&f, 9).contains("curve"));
    // A tab after the marker is only accepted when no space follows (strchr ' ' first).
    assert!(reason(&f, 10).contains("marker"));
    assert_eq!(f.entries().next().unwrap().0.number, 11);
}

#[test]
fn openssh_accepts_alias_type_names() {
    let rsa_blob = &RSA[8..];
    let f = file(&format!(
        "a rsa-sha2-256 {rsa_blob}\nb RSA {rsa_blob}\nc ed25519 {}\n@revoked\th\t{ED_A}",
        &ED_A[12..]
    ));
    // "@revoked<TAB>h<TAB>type<TAB>blob": no space anywhere, so the tab ends the marker.
    let ed = ED_A.replace(' ', "\t");
    let f2 = file(&format!("@revoked\th\t{ed}"));
    assert_eq!(kinds(&f), ["entry", "entry", "entry", "bad"]);
    assert_eq!(kinds(&f2), ["entry"]);
    assert_eq!(f.entries().next().unwrap().1.key_type, "rsa-sha2-256");
}

#[test]
fn host_matching_rules() {
    let f = file(&format!(
        "Foo.Example.com,bar {ED_A}\n*.example.com,!evil.example.com {ED_A}\n[10.0.0.1]:2222 {ED_A}\n{HASHED_FOO} {ED_A}\n"
    ));
    let hosts: Vec<&HostField> = f.entries().map(|(_, e)| &e.hosts).collect();
    assert_eq!(
        match_host_field("foo.example.com", hosts[0]),
        HostMatch::Literal
    );
    assert_eq!(match_host_field("BAR", hosts[0]), HostMatch::Literal);
    assert_eq!(
        match_host_field("www.example.com", hosts[1]),
        HostMatch::Wildcard
    );
    assert_eq!(
        match_host_field("evil.example.com", hosts[1]),
        HostMatch::No
    );
    assert_eq!(
        match_host_field("[10.0.0.1]:2222", hosts[2]),
        HostMatch::Literal
    );
    assert_eq!(match_host_field("10.0.0.1", hosts[2]), HostMatch::No);
    assert_eq!(
        match_host_field("foo.example.com", hosts[3]),
        HostMatch::Hashed
    );
    // Hashed names are compared exactly as given (ssh-keygen -F FOO.example.com misses).
    assert_eq!(match_host_field("FOO.example.com", hosts[3]), HostMatch::No);
    assert_eq!(
        host_hash("foo.example.com", HASHED_FOO).as_deref(),
        Some(HASHED_FOO)
    );
    assert_eq!(lookup_name("Host", 22, None), "host");
    assert_eq!(lookup_name("Host", 2222, None), "[host]:2222");
    assert_eq!(lookup_name("Host", 2222, Some("Alias")), "alias");
}

fn refs(v: &[(&str, usize)]) -> Vec<EntryRef> {
    v.iter()
        .map(|(f, l)| EntryRef {
            file: (*f).into(),
            line: *l,
        })
        .collect()
}

#[test]
fn verdicts_follow_openssh() {
    let user = KnownHostsFile::parse("user", format!("h {ED_B}\nh {EC}\n").as_bytes());
    let global = KnownHostsFile::parse("global", format!("# g\nh {ED_A}\n").as_bytes());
    let a = key(ED_A);
    let files = [user.clone(), global];
    let l = lookup(&files, "h", PresentedKey::Key(&a));
    assert_eq!(l.matches.len(), 3);
    assert!(l.matches[2].same_key && !l.matches[0].same_key);
    assert_eq!(l.matches[2].fingerprint, sha256_fingerprint(a.key_data()));
    assert_eq!(
        verdict(&l),
        Verdict::Known {
            entry: refs(&[("global", 2)])[0].clone(),
            via: KnownVia::HostKey
        }
    );

    let l = lookup(std::slice::from_ref(&user), "h", PresentedKey::Key(&a));
    match verdict(&l) {
        Verdict::Changed {
            offending,
            reported,
            other_types_only,
        } => {
            assert_eq!(offending, refs(&[("user", 1), ("user", 2)]));
            assert_eq!(reported, refs(&[("user", 2)])[0]);
            assert!(!other_types_only);
        }
        v => panic!("{v:?}"),
    }
    let ec_only = file(&format!("h {EC}\n"));
    let v = verdict(&lookup(&[ec_only], "h", PresentedKey::Key(&a)));
    assert!(matches!(
        v,
        Verdict::Changed {
            other_types_only: true,
            ..
        }
    ));
    assert_eq!(
        verdict(&lookup(&[user], "other", PresentedKey::Key(&a))),
        Verdict::Unknown
    );

    let revoked = file(&format!("h {ED_A}\n@revoked * {ED_A}\n"));
    assert_eq!(
        verdict(&lookup(&[revoked], "h", PresentedKey::Key(&a))),
        Verdict::Revoked {
            entries: refs(&[("kh", 2)])
        }
    );
}

#[test]
fn certificates_use_cert_authority_then_plain_key() {
    let cert = Certificate::from_openssh(CERT).unwrap();
    let p = PresentedKey::Certificate(&cert);
    let ca = file(&format!(
        "@cert-authority *.example.com {CA}\nhost.example.com {ED_B}\n"
    ));
    let l = lookup(std::slice::from_ref(&ca), "host.example.com", p);
    assert!(l.matches[0].is_signing_ca);
    assert_eq!(
        verdict(&l),
        Verdict::Known {
            entry: refs(&[("kh", 1)])[0].clone(),
            via: KnownVia::CertAuthority
        }
    );
    // No CA: the certified key is checked as a plain key.
    let plain = file(&format!("host.example.com {ED_A}\n"));
    let c = check_host_key(&[plain], "host.example.com", 22, None, p);
    assert!(c.cert_fell_back_to_plain);
    assert!(matches!(
        c.verdict,
        Verdict::Known {
            via: KnownVia::HostKey,
            ..
        }
    ));
    // A revoked CA wins and stops the fallback.
    let rev = file(&format!("host.example.com {ED_A}\n@revoked * {CA}\n"));
    let c = check_host_key(&[rev], "host.example.com", 22, None, p);
    assert!(matches!(c.verdict, Verdict::Revoked { .. }));
}

#[test]
fn non_default_port_falls_back_to_bare_host_only_when_new() {
    let a = key(ED_A);
    let p = PresentedKey::Key(&a);
    let bare = file(&format!("host {ED_A}\n"));
    let c = check_host_key(std::slice::from_ref(&bare), "Host", 2222, None, p);
    assert!(c.known_via_portless && matches!(c.verdict, Verdict::Known { .. }));
    assert_eq!(c.lookup.name, "[host]:2222");
    let c = check_host_key(std::slice::from_ref(&bare), "host", 2222, Some("alias"), p);
    assert_eq!(c.verdict, Verdict::Unknown);
    let both = file(&format!("host {ED_A}\n[host]:2222 {ED_B}\n"));
    let c = check_host_key(&[both], "host", 2222, None, p);
    assert!(matches!(c.verdict, Verdict::Changed { .. }));
    let changed_bare = file(&format!("host {ED_B}\n"));
    let c = check_host_key(&[changed_bare], "host", 2222, None, p);
    assert_eq!(c.verdict, Verdict::Unknown);
}

#[test]
fn fingerprints_match_ssh_keygen() {
    let a = key(ED_A);
    let kd = a.key_data();
    assert_eq!(
        fingerprint_line(kd, "", FingerprintHash::Sha256),
        "256 SHA256:yA85uJADdyBWRc9d4VvfeDjKVgfDuCXlCEnokTbxtYQ no comment (ED25519)"
    );
    assert_eq!(
        md5_fingerprint(kd),
        "MD5:bb:1d:37:b1:8c:54:be:4d:f4:1f:e2:13:2c:33:87:b1"
    );
    let art = "+--[ED25519 256]--+\n|..o.oo  .=o=+ .  |\n|.. .  o B.E+ B   |\n|. . .  = +..=.*  |\n| o o o o.   o+.=.|\n|  + . * S  .. =.+|\n|   o . +   . o + |\n|    .   .   +    |\n|           .     |\n|                 |\n+----[SHA256]-----+";
    assert_eq!(randomart(kd, FingerprintHash::Sha256), art);
    let rsa = key(RSA);
    assert_eq!(key_bits(rsa.key_data()), 1024);
    let art = "+---[RSA 1024]----+\n|        ...      |\n|       . o       |\n|      . . o      |\n|.    o = . .     |\n|.. o  * S        |\n| .=  . .         |\n| .o.. o          |\n|.. = +           |\n| Eo =+o          |\n+------[MD5]------+";
    assert_eq!(randomart(rsa.key_data(), FingerprintHash::Md5), art);
    let cert = Certificate::from_openssh(CERT).unwrap();
    assert_eq!(
        sha256_fingerprint(cert.public_key()),
        sha256_fingerprint(kd)
    );
}

#[test]
fn arbitrary_bytes_never_panic() {
    let pieces: [&[u8]; 12] = [
        b"@cert-authority ",
        b"@revoked\t",
        b"|1|",
        b"foo,!bar,*",
        b" ssh-ed25519 ",
        b"AAAAC3NzaC1lZDI1NTE5AAAAIBDtWiVn0SATtF5RrYj+F7nxBwo98bsYO6PN+KcsOUw5",
        b"\r\n",
        b"\n",
        b"\0",
        b"\xff\xfe",
        b"#",
        b"=|,?",
    ];
    let a = key(ED_A);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..300 {
        let mut bytes = Vec::new();
        for _ in 0..12 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            bytes.extend_from_slice(pieces[(seed >> 33) as usize % pieces.len()]);
        }
        let f = KnownHostsFile::parse("fuzz", &bytes);
        assert_eq!(f.to_bytes(), bytes);
        let _ = check_host_key(&[f], "foo", 2222, None, PresentedKey::Key(&a));
        let _ = remove_host(&bytes, &["foo", "[foo]:2222", ""]);
    }
}
