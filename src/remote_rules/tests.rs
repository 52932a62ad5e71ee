//! Unit tests for the server-side rules. Behaviour marked "sshd 9.2" was
//! checked against a real `sshd -ddd` (OpenSSH 9.2p1) logging in with these
//! key lines.

use super::*;
use ssh_key::encoding::base64::{Base64, Encoding};

const ED: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL4yIH77EB3ZfK4C0axS0FS9lcSGj/YGGNpSKSTZ6cih alice@laptop";
const ED_B64: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIL4yIH77EB3ZfK4C0axS0FS9lcSGj/YGGNpSKSTZ6cih";
const ED2: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHxo92Dj/1y/8096LOOJp668eHAnPedFPamP7BkCI5VF bob@desk";
const ECDSA_B64: &str = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIARk/TAppRIuBNm5hsmD8H8UIuGx0kPks9N2pcIIkj/s7oM0MhPzuB2EPM17jA5our7TpE1y5kbR5SAW4UN2Ac=";
const RSA_B64: &str = "AAAAB3NzaC1yc2EAAAADAQABAAABAQCpFH6l/BaT7zJoEPbyc+ZHFPu/6Qt9en5T3B8SNpVxxBtorytyoTzcUmFCBV1Xa2p7R7d8cVP8odYzOlQGiwo7JZZxddB5Gvx7AM2NubCnvN9SM7DjW3uzrKGabIO9cUroVDQRlrdM6abJJY+KkmXMOX50c6qkBTM6aGoVhiUDZprkt2uFtHeP+dRzf6DKm4AbzDyZit/8YcTgwEvyAtotfbvLKQeEYTDDDT/Gyp8bS6lDqHUamS9FV+k8yh0geaEACMsU5zfAw3vjopL4QDrc+PkcCQ9Qc4fhXFqh7qQf+lDTGxRNipbHr9OY2qCqsOSoEFd1ImXM1xjmmxVeD5Sl";
/// `ssh-keygen -s ca -I test -n alice` of the ED key.
const CERT: &str = "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAINoHBo0d32ZK/k4f5VXs10mwXhZfJDwSJ69Sbag4avmkAAAAIL4yIH77EB3ZfK4C0axS0FS9lcSGj/YGGNpSKSTZ6cihAAAAAAAAAAAAAAABAAAABHRlc3QAAAAJAAAABWFsaWNlAAAAAAAAAAD//////////wAAAAAAAACCAAAAFXBlcm1pdC1YMTEtZm9yd2FyZGluZwAAAAAAAAAXcGVybWl0LWFnZW50LWZvcndhcmRpbmcAAAAAAAAAFnBlcm1pdC1wb3J0LWZvcndhcmRpbmcAAAAAAAAACnBlcm1pdC1wdHkAAAAAAAAADnBlcm1pdC11c2VyLXJjAAAAAAAAAAAAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIBDAK2ZAyOqmUQcLWIYFSLKLej3M5b97zuu8Kno1GidyAAAAUwAAAAtzc2gtZWQyNTUxOQAAAEA+eKE/N1oNwqpORFhmNkiSHV0GLdK4x5pCjyT0mYWYyAsPjVmAIKtOy2FaH/TeLx/uvBxq9stDuTawRdPAbNgP alice@laptop";

fn key_of(line: &str) -> KeyData {
    PublicKey::from_openssh(line).unwrap().key_data().clone()
}

fn ed() -> KeyData {
    key_of(ED)
}

fn parse(text: &str) -> AuthorizedKeys {
    parse_authorized_keys(text.as_bytes())
}

fn only_bad(text: &str) -> MalformedLine {
    let parsed = parse(text);
    assert!(parsed.keys.is_empty(), "{parsed:#?}");
    assert_eq!(parsed.malformed.len(), 1, "{parsed:#?}");
    parsed.malformed[0].clone()
}

fn only_key(text: &str) -> AuthorizedKey {
    let parsed = parse(text);
    assert!(parsed.malformed.is_empty(), "{parsed:#?}");
    assert_eq!(parsed.keys.len(), 1, "{parsed:#?}");
    parsed.keys[0].clone()
}

/// An SSH wire string.
fn wire(bytes: &[u8]) -> Vec<u8> {
    let mut out = (bytes.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(bytes);
    out
}

// ---------------------------------------------------------------------------
// StrictModes
// ---------------------------------------------------------------------------

fn chain(file: &str, home: &str) -> Vec<(String, PathRole)> {
    strict_modes_chain(file, home)
}

fn owned(list: &[(&str, PathRole)]) -> Vec<(String, PathRole)> {
    list.iter().map(|(p, r)| (p.to_string(), *r)).collect()
}

#[test]
fn chain_under_home_stops_at_home() {
    use PathRole::*;
    assert_eq!(
        chain("/home/a/.ssh/authorized_keys", "/home/a"),
        owned(&[
            ("/home/a/.ssh/authorized_keys", AuthorizedKeys),
            ("/home/a/.ssh", SshDir),
            ("/home/a", Home),
        ])
    );
    assert_eq!(
        chain("/home/a/authorized_keys", "/home/a"),
        owned(&[
            ("/home/a/authorized_keys", AuthorizedKeys),
            ("/home/a", Home)
        ])
    );
    assert_eq!(
        chain("/home/a/.ssh/keys.d/mine", "/home/a"),
        owned(&[
            ("/home/a/.ssh/keys.d/mine", AuthorizedKeys),
            ("/home/a/.ssh/keys.d", SshDir),
            ("/home/a/.ssh", SshDir),
            ("/home/a", Home),
        ])
    );
}

#[test]
fn chain_outside_home_walks_to_root() {
    use PathRole::*;
    assert_eq!(
        chain("/etc/ssh/keys/a", "/home/a"),
        owned(&[
            ("/etc/ssh/keys/a", AuthorizedKeys),
            ("/etc/ssh/keys", OutsideHome),
            ("/etc/ssh", OutsideHome),
            ("/etc", OutsideHome),
            ("/", OutsideHome),
        ])
    );
    // A sibling whose name starts like the home directory is not under it.
    assert_eq!(
        chain("/home/al/.ssh/authorized_keys", "/home/a"),
        owned(&[
            ("/home/al/.ssh/authorized_keys", AuthorizedKeys),
            ("/home/al/.ssh", OutsideHome),
            ("/home/al", OutsideHome),
            ("/home", OutsideHome),
            ("/", OutsideHome),
        ])
    );
}

#[test]
fn chain_with_root_home_and_untidy_paths() {
    use PathRole::*;
    assert_eq!(
        chain("/.ssh/authorized_keys", "/"),
        owned(&[
            ("/.ssh/authorized_keys", AuthorizedKeys),
            ("/.ssh", SshDir),
            ("/", Home),
        ])
    );
    assert_eq!(
        chain("/home//a/./.ssh/authorized_keys", "/home/a/"),
        chain("/home/a/.ssh/authorized_keys", "/home/a")
    );
    // A file directly in / (nothing to walk but the root).
    assert_eq!(
        chain("/authorized_keys", "/home/a"),
        owned(&[("/authorized_keys", AuthorizedKeys), ("/", OutsideHome)])
    );
}

const DIR: u32 = 0o040_000;
const REG: u32 = 0o100_000;
const LNK: u32 = 0o120_000;

fn st(path: &str, uid: u32, mode: u32) -> RemoteStat {
    RemoteStat {
        path: path.to_string(),
        uid,
        mode,
    }
}

fn judge(entries: &[(&str, u32, u32, PathRole)]) -> Vec<Violation> {
    let chain: Vec<(RemoteStat, PathRole)> = entries
        .iter()
        .map(|(p, uid, mode, role)| (st(p, *uid, *mode), *role))
        .collect();
    check_strict_modes(1000, &chain)
}

fn one(path: &str, uid: u32, mode: u32, role: PathRole) -> Option<Violation> {
    let mut v = judge(&[(path, uid, mode, role)]);
    assert!(v.len() <= 1);
    v.pop()
}

#[test]
fn a_sound_chain_passes() {
    use PathRole::*;
    let v = judge(&[
        (
            "/home/a/.ssh/authorized_keys",
            1000,
            REG | 0o600,
            AuthorizedKeys,
        ),
        ("/home/a/.ssh", 1000, DIR | 0o700, SshDir),
        ("/home/a", 1000, DIR | 0o755, Home),
    ]);
    assert!(v.is_empty(), "{v:#?}");
    // Root may own anything; read and execute for everyone are fine.
    assert_eq!(one("/etc", 0, DIR | 0o755, OutsideHome), None);
    assert_eq!(one("/etc/ssh/keys/a", 0, REG | 0o644, AuthorizedKeys), None);
    // Set-id and sticky bits do not matter by themselves.
    assert_eq!(one("/home/a", 1000, DIR | 0o2755, Home), None);
}

#[test]
fn group_writable_directory_fails_and_chmod_fixes_it() {
    let v = one("/home/a/.ssh", 1000, DIR | 0o775, PathRole::SshDir).unwrap();
    assert_eq!(v.kinds, vec![ViolationKind::WritableByOthers]);
    assert_eq!(v.fixed_mode, Some(0o755));
    assert_eq!(v.mode_text(), "0775 (drwxrwxr-x)");
    assert_eq!(
        v.explanation(),
        "bad ownership or modes for directory /home/a/.ssh: mode 0775 lets the group write"
    );
    assert!(v.group_write_only());
}

#[test]
fn world_writable_home_and_group_writable_file() {
    let home = one("/home/a", 1000, DIR | 0o777, PathRole::Home).unwrap();
    assert_eq!(home.fixed_mode, Some(0o755));
    assert_eq!(
        home.explanation(),
        "bad ownership or modes for directory /home/a: mode 0777 lets the group and others write"
    );
    assert!(!home.group_write_only());

    let file = one(
        "/home/a/.ssh/authorized_keys",
        1000,
        REG | 0o664,
        PathRole::AuthorizedKeys,
    )
    .unwrap();
    assert_eq!(file.fixed_mode, Some(0o644));
    assert_eq!(file.mode_text(), "0664 (-rw-rw-r--)");
    assert_eq!(
        file.explanation(),
        "bad ownership or modes for file /home/a/.ssh/authorized_keys: mode 0664 lets the group write"
    );

    let others = one("/home/a/.ssh", 1000, DIR | 0o702, PathRole::SshDir).unwrap();
    assert_eq!(others.fixed_mode, Some(0o700));
    assert!(others
        .explanation()
        .ends_with("mode 0702 lets others write"));
}

#[test]
fn special_bits_survive_the_fix() {
    let sgid = one("/home/a/.ssh", 1000, DIR | 0o2775, PathRole::SshDir).unwrap();
    assert_eq!(sgid.fixed_mode, Some(0o2755));
    assert_eq!(sgid.mode_text(), "2775 (drwxrwsr-x)");
    let sticky = one("/tmp", 0, DIR | 0o1777, PathRole::OutsideHome).unwrap();
    assert_eq!(sticky.fixed_mode, Some(0o1755));
    assert_eq!(sticky.mode_text(), "1777 (drwxrwxrwt)");
    let odd = one("/x", 0, DIR | 0o7666, PathRole::OutsideHome).unwrap();
    assert_eq!(odd.fixed_mode, Some(0o7644));
    assert_eq!(odd.mode_text(), "7666 (drwSrwSrwT)");
}

#[test]
fn foreign_owner_is_refused_without_a_chmod_fix() {
    let v = one("/home/a/.ssh", 1001, DIR | 0o700, PathRole::SshDir).unwrap();
    assert_eq!(v.kinds, vec![ViolationKind::BadOwner { owner: 1001 }]);
    assert_eq!(v.fixed_mode, None);
    assert_eq!(
        v.explanation(),
        "bad ownership or modes for directory /home/a/.ssh: it is owned by uid 1001, which is neither root nor the user"
    );
    assert!(!v.group_write_only());

    let both = one(
        "/home/a/.ssh/authorized_keys",
        1001,
        REG | 0o666,
        PathRole::AuthorizedKeys,
    )
    .unwrap();
    assert_eq!(
        both.kinds,
        vec![
            ViolationKind::BadOwner { owner: 1001 },
            ViolationKind::WritableByOthers
        ]
    );
    assert_eq!(both.fixed_mode, Some(0o644));
    assert!(both
        .explanation()
        .contains(" and mode 0666 lets the group and others write"));
}

#[test]
fn wrong_file_types() {
    let dir = one(
        "/home/a/.ssh/authorized_keys",
        1000,
        DIR | 0o777,
        PathRole::AuthorizedKeys,
    )
    .unwrap();
    assert_eq!(dir.kinds, vec![ViolationKind::NotRegularFile]);
    assert_eq!(dir.fixed_mode, None);
    assert!(dir
        .explanation()
        .starts_with("/home/a/.ssh/authorized_keys is not a regular file: it is a directory"));

    let link = one("/home/a/.ssh", 1000, LNK | 0o777, PathRole::SshDir).unwrap();
    assert_eq!(link.kinds, vec![ViolationKind::NotDirectory]);
    assert_eq!(link.fixed_mode, None);
    assert_eq!(link.mode_text(), "0777 (lrwxrwxrwx)");
    assert!(link.explanation().contains("it is a symbolic link"));
}

#[test]
fn every_violation_is_reported_in_chain_order() {
    use PathRole::*;
    let v = judge(&[
        (
            "/home/a/.ssh/authorized_keys",
            1000,
            REG | 0o600,
            AuthorizedKeys,
        ),
        ("/home/a/.ssh", 1000, DIR | 0o770, SshDir),
        ("/home/a", 1002, DIR | 0o777, Home),
    ]);
    let paths: Vec<&str> = v.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(paths, ["/home/a/.ssh", "/home/a"]);
    assert_eq!(v[0].role, SshDir);
    assert_eq!(v[0].fixed_mode, Some(0o750));
    assert_eq!(v[1].uid, 1002);
    assert_eq!(v[1].mode, DIR | 0o777);
}

#[test]
fn debian_private_group_rule() {
    // Root's group on Debian: only root has it as primary group, no members.
    assert!(debian_tolerates_group_write(0, "root", &[0], &[]));
    assert!(debian_tolerates_group_write(
        1000,
        "alice",
        &[1000],
        &["alice"]
    ));
    assert!(debian_tolerates_group_write(1000, "alice", &[], &["alice"]));
    // Shared groups, or groups nobody is in, are not private.
    assert!(!debian_tolerates_group_write(
        1000,
        "alice",
        &[1000, 1001],
        &[]
    ));
    assert!(!debian_tolerates_group_write(
        1000,
        "alice",
        &[1000],
        &["alice", "bob"]
    ));
    assert!(!debian_tolerates_group_write(
        1000,
        "alice",
        &[1000],
        &["bob"]
    ));
    assert!(!debian_tolerates_group_write(1000, "alice", &[], &[]));
}

// ---------------------------------------------------------------------------
// authorized_keys
// ---------------------------------------------------------------------------

#[test]
fn plain_file_with_comments_and_blanks() {
    let text = format!("# my keys\n\n   \n\t# indented comment\n{ED}\n{ED2}\n");
    let parsed = parse(&text);
    assert!(parsed.malformed.is_empty());
    let lines: Vec<usize> = parsed.keys.iter().map(|k| k.line).collect();
    assert_eq!(lines, [5, 6]);
    let first = &parsed.keys[0];
    assert_eq!(first.options, None);
    assert_eq!(first.algorithm, "ssh-ed25519");
    assert_eq!(first.comment, "alice@laptop");
    assert_eq!(first.key.as_ref(), Some(&ed()));
    assert_eq!(parsed.keys[1].comment, "bob@desk");
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(parse(""), AuthorizedKeys::default());
    assert_eq!(parse("\n\n# nothing\n"), AuthorizedKeys::default());
}

#[test]
fn crlf_no_final_newline_and_blanks_around() {
    let text = format!("# c\r\n{ED}\r\n\r\n \t{ED2}");
    let parsed = parse(&text);
    assert!(parsed.malformed.is_empty(), "{parsed:#?}");
    assert_eq!(parsed.keys.len(), 2);
    assert_eq!(parsed.keys[0].line, 2);
    assert_eq!(parsed.keys[0].comment, "alice@laptop");
    assert_eq!(parsed.keys[1].line, 4);
    assert_eq!(parsed.keys[1].comment, "bob@desk");
}

#[test]
fn tabs_between_fields_and_comments_with_spaces() {
    // sshd 9.2 accepts this line.
    let key = only_key(&format!(
        " \t no-pty \t ssh-ed25519\t{ED_B64}\tmy laptop  key"
    ));
    assert_eq!(key.options.as_deref(), Some("no-pty"));
    assert_eq!(key.comment, "my laptop  key");
    assert_eq!(key.key, Some(ed()));
    assert_eq!(only_key(&format!("ssh-ed25519 {ED_B64}")).comment, "");
}

#[test]
fn invalid_utf8_and_nul_bytes() {
    let mut bytes = format!("ssh-ed25519 {ED_B64} caf").into_bytes();
    bytes.extend_from_slice(&[0xe9, b'!', b'\n']);
    let parsed = parse_authorized_keys(&bytes);
    assert_eq!(parsed.keys.len(), 1);
    assert_eq!(parsed.keys[0].comment, "caf\u{FFFD}!");

    // A NUL ends the line as far as sshd's C strings go.
    let mut bytes = format!("ssh-ed25519 {ED_B64} a").into_bytes();
    bytes.extend_from_slice(b"\0junk\n");
    let parsed = parse_authorized_keys(&bytes);
    assert_eq!(parsed.keys[0].comment, "a");

    // Binary junk is a malformed line, never a panic.
    let parsed = parse_authorized_keys(&[0xff, 0xfe, 0x00, 0x01, b'\n', 0x80, b' ', 0x81]);
    assert!(parsed.keys.is_empty());
    assert_eq!(parsed.malformed.len(), 2);
    assert_eq!(parsed.malformed[1].preview, "\u{FFFD} \u{FFFD}");
}

#[test]
fn options_with_quotes_commas_and_escapes() {
    let line =
        format!("command=\"echo \\\"hi, there\\\"\",no-pty,from=\"10.0.0.0/8,192.168.1.*\" {ED}");
    let key = only_key(&line);
    assert_eq!(
        key.options.as_deref(),
        Some("command=\"echo \\\"hi, there\\\"\",no-pty,from=\"10.0.0.0/8,192.168.1.*\"")
    );
    assert_eq!(key.algorithm, "ssh-ed25519");
    assert_eq!(key.comment, "alice@laptop");
    assert!(!key.is_cert_authority());

    // A quoted value may hold what looks like a whole key line.
    let key = only_key(&format!("command=\"{ED}\" {ED2}"));
    assert_eq!(key.comment, "bob@desk");
}

#[test]
fn options_sshd_accepts() {
    // Each of these logs in with sshd 9.2.
    for options in [
        "NO-PTY,Command=\"echo a b\"",
        "restrict,pty",
        "no-pty,",
        "environment=\"A_B=x\"",
        "expiry-time=\"20991201Z\"",
        "expiry-time=\"20991201UTC\"",
        "expiry-time=\"209912011230\"",
        "permitopen=\"host:http\"",
        "permitopen=\"[::1]:22\"",
        "permitopen=\"host:*\"",
        "permitlisten=\"8080\"",
        "tunnel=\"any\"",
        "tunnel=\"3\"",
        "principals=\"a,b\",cert-authority",
        "no-touch-required,verify-required,no-user-rc,no-x11-forwarding",
        "no-agent-forwarding,port-forwarding,agent-forwarding",
    ] {
        let parsed = parse(&format!("{options} {ED}"));
        assert!(parsed.malformed.is_empty(), "{options}: {parsed:#?}");
        assert_eq!(parsed.keys.len(), 1, "{options}");
    }
}

#[test]
fn options_sshd_rejects() {
    // sshd 9.2 logs "bad key options: ..." and skips each of these lines.
    for (options, why) in [
        ("restrictx", "unknown key option (at \"restrictx\")"),
        ("no-pty,frob", "unknown key option (at \"frob\")"),
        ("pty=yes", "unknown key option (at \"pty\")"),
        ("environment=\"=x\"", "invalid environment string"),
        ("environment=\"A-B=x\"", "invalid environment string"),
        ("environment=\"AB\"", "invalid environment string"),
        ("expiry-time=\"20991301\"", "invalid expires time"),
        ("expiry-time=\"19690101\"", "invalid expires time"),
        ("expiry-time=\"2099\"", "invalid expires time"),
        ("permitopen=\"host\"", "invalid permission port"),
        ("permitopen=\"host:0\"", "invalid permission port"),
        ("permitopen=\"host:65536\"", "invalid permission port"),
        ("permitopen=\"host:no such\"", "invalid permission port"),
        ("tunnel=\"x\"", "invalid tun device"),
        (
            "command=\"a\",command=\"b\"",
            "multiple \"command\" clauses",
        ),
        ("from=\"a\",from=\"b\"", "multiple \"from\" clauses"),
        ("command=true", "missing start quote"),
    ] {
        let bad = only_bad(&format!("{options} {ED}"));
        assert!(
            bad.reason.starts_with("sshd rejects the key options: ")
                && bad.reason.contains(why)
                && bad
                    .reason
                    .ends_with("so it ignores the ssh-ed25519 key on this line"),
            "{options}: {}",
            bad.reason
        );
    }
}

#[test]
fn unterminated_quote_skips_the_line() {
    let bad = only_bad(&format!("command=\"x {ED}"));
    assert_eq!(bad.reason, "the options have an unterminated double quote");
}

#[test]
fn cert_authority_lines_do_not_hold_plain_keys() {
    let text = format!("cert-authority,principals=\"alice\" {ED}\n");
    let parsed = parse(&text);
    assert_eq!(parsed.keys.len(), 1);
    assert!(parsed.keys[0].is_cert_authority());
    assert_eq!(find_key(&parsed, &ed()), None);
    let text = format!("{text}no-pty {ED}\n");
    assert_eq!(find_key(&parse(&text), &ed()), Some(2));
}

#[test]
fn find_key_compares_key_data_only() {
    let text = format!("{ED2}\nfrom=\"*\" ssh-ed25519 {ED_B64} another comment\n{ED}\n");
    let parsed = parse(&text);
    assert_eq!(find_key(&parsed, &ed()), Some(2));
    assert_eq!(find_key(&parsed, &key_of(ED2)), Some(1));
    let rsa = key_of(&format!("ssh-rsa {RSA_B64}"));
    assert_eq!(find_key(&parsed, &rsa), None);
}

#[test]
fn rsa_sha2_names_are_rsa_keys() {
    // sshd 9.2 accepts an ssh-rsa key written as rsa-sha2-512.
    let key = only_key(&format!("rsa-sha2-512 {RSA_B64} r@h"));
    assert_eq!(key.algorithm, "rsa-sha2-512");
    let parsed = parse(&format!("rsa-sha2-512 {RSA_B64} r@h"));
    assert_eq!(
        find_key(&parsed, &key_of(&format!("ssh-rsa {RSA_B64}"))),
        Some(1)
    );
}

#[test]
fn ecdsa_key_and_curve_mismatch() {
    let key = only_key(&format!("ecdsa-sha2-nistp256 {ECDSA_B64} e@h"));
    assert!(matches!(key.key, Some(KeyData::Ecdsa(_))));
    let bad = only_bad(&format!("ecdsa-sha2-nistp384 {ECDSA_B64} e@h"));
    assert_eq!(
        bad.reason,
        "the line says \"ecdsa-sha2-nistp384\" but the key data is a \"ecdsa-sha2-nistp256\" key"
    );
}

#[test]
fn short_type_names_are_not_key_types() {
    // sshd 9.2 skips "ED25519 AAAA..." ("advance"): sshkey_read takes full names only.
    let bad = only_bad(&format!("ED25519 {ED_B64} x"));
    assert_eq!(bad.reason, "unknown key type \"ED25519\"");
}

#[test]
fn key_type_and_data_disagree() {
    let bad = only_bad(&format!("ssh-rsa {ED_B64} x"));
    assert_eq!(
        bad.reason,
        "the line says \"ssh-rsa\" but the key data is a \"ssh-ed25519\" key"
    );
    // A certificate blob under a plain type name.
    let cert_b64 = CERT.split(' ').nth(1).unwrap();
    let bad = only_bad(&format!("ssh-ed25519 {cert_b64}"));
    assert!(
        bad.reason.contains("ssh-ed25519-cert-v01@openssh.com"),
        "{}",
        bad.reason
    );
}

#[test]
fn unknown_types_and_non_keys() {
    let bad = only_bad(&format!("ssh-foo {RSA_B64} x"));
    assert_eq!(bad.reason, "unknown key type \"ssh-foo\"");
    let bad = only_bad(&format!("no-pty ssh-foo {RSA_B64} x"));
    assert_eq!(bad.reason, "unknown key type \"ssh-foo\"");
    let bad = only_bad("hello world");
    assert_eq!(bad.reason, "not a key: no key type found");
    assert_eq!(bad.line, 1);
    assert_eq!(bad.preview, "hello world");
    let bad = only_bad("no-pty");
    assert_eq!(bad.reason, "not a key: no key type found");
    // A key blob with an unknown algorithm inside.
    let blob = [wire(b"ssh-foo@example.com"), wire(b"xyz")].concat();
    let bad = only_bad(&format!("ssh-ed25519 {}", Base64::encode_string(&blob)));
    assert_eq!(
        bad.reason,
        "the key data holds a key of unknown type \"ssh-foo@example.com\""
    );
}

#[test]
fn bad_base64() {
    let bad = only_bad("ssh-ed25519 AAAA$$$$ x");
    assert_eq!(
        bad.reason,
        "the key data is not valid base64 (it contains '$')"
    );
    // sshd 9.2 skips a line with an extra '=' after complete data.
    let bad = only_bad(&format!("ssh-ed25519 {ED_B64}= x"));
    assert_eq!(bad.reason, "the key data is not valid base64 (bad padding)");
    // Padding must be complete: "...Ac" without its "=" is cut (sshd 9.2 skips it).
    let unpadded = ECDSA_B64.trim_end_matches('=');
    let bad = only_bad(&format!("ecdsa-sha2-nistp256 {unpadded} e@h"));
    assert_eq!(
        bad.reason,
        "the key data is cut short — a key pasted with line breaks?"
    );
}

#[test]
fn b64_decoder_follows_b64_pton() {
    assert_eq!(b64_decode(b"").unwrap(), b"");
    assert_eq!(b64_decode(b"TWFu").unwrap(), b"Man");
    assert_eq!(b64_decode(b"TWE=").unwrap(), b"Ma");
    assert_eq!(b64_decode(b"TQ==").unwrap(), b"M");
    assert_eq!(b64_decode(b"TQ= =").unwrap(), b"M");
    assert_eq!(b64_decode(b"TW\nFu\r").unwrap(), b"Man");
    assert_eq!(b64_decode(b"TQ"), Err(B64Error::Incomplete));
    assert_eq!(b64_decode(b"TQ="), Err(B64Error::BadPadding));
    assert_eq!(b64_decode(b"TR=="), Err(B64Error::BadPadding)); // stray bits
    assert_eq!(b64_decode(b"TWE=x"), Err(B64Error::BadPadding));
    assert_eq!(b64_decode(b"T==="), Err(B64Error::BadPadding));
    assert_eq!(b64_decode(b"TW-u"), Err(B64Error::BadChar(b'-')));
}

#[test]
fn small_rsa_keys_are_refused() {
    let mut n = vec![0u8];
    n.extend_from_slice(&[0xc5; 64]); // 512 bits
    let blob = [wire(b"ssh-rsa"), wire(&[1, 0, 1]), wire(&n)].concat();
    let bad = only_bad(&format!("ssh-rsa {} small", Base64::encode_string(&blob)));
    assert_eq!(
        bad.reason,
        "the RSA key has only 512 bits; sshd refuses RSA keys under 1024 bits"
    );
}

#[test]
fn damaged_key_data() {
    // Complete fields, but an Ed25519 key of 31 bytes.
    let blob = [wire(b"ssh-ed25519"), wire(&[7; 31])].concat();
    let bad = only_bad(&format!("ssh-ed25519 {}", Base64::encode_string(&blob)));
    assert!(
        bad.reason
            .starts_with("the ssh-ed25519 key data is damaged"),
        "{}",
        bad.reason
    );
    // Extra bytes after the key.
    let mut blob = b64_decode(ED_B64.as_bytes()).unwrap();
    blob.extend_from_slice(&wire(b"extra"));
    let bad = only_bad(&format!("ssh-ed25519 {}", Base64::encode_string(&blob)));
    assert!(
        bad.reason
            .starts_with("the ssh-ed25519 key data is damaged"),
        "{}",
        bad.reason
    );
}

#[test]
fn key_pasted_with_line_breaks() {
    let (head, tail) = ED_B64.split_at(30);
    let text = format!("{ED2}\nssh-ed25519 {head}\n{tail} alice@laptop\n{ED2}\n");
    let parsed = parse(&text);
    assert_eq!(parsed.keys.len(), 2);
    assert_eq!(parsed.keys[1].line, 4);
    assert_eq!(find_key(&parsed, &ed()), None);
    assert_eq!(
        parsed.malformed,
        vec![
            MalformedLine {
                line: 2,
                preview: format!("ssh-ed25519 {head}"),
                reason: "the key data is cut short: the key was pasted with line breaks and continues on line 3".into(),
            },
            MalformedLine {
                line: 3,
                preview: format!("{tail} alice@laptop"),
                reason: "continuation of the key on line 2: the key was pasted with line breaks".into(),
            },
        ]
    );
}

#[test]
fn key_pasted_in_many_pieces_with_crlf() {
    let pieces: Vec<&str> = RSA_B64
        .as_bytes()
        .chunks(100)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let mut text = format!("ssh-rsa {}\r\n", pieces[0]);
    for piece in &pieces[1..] {
        text.push_str(piece);
        text.push_str("\r\n");
    }
    text.push_str(ED);
    let parsed = parse(&text);
    assert_eq!(parsed.keys.len(), 1);
    let n = pieces.len();
    assert_eq!(parsed.malformed.len(), n);
    assert_eq!(
        parsed.malformed[0].reason,
        format!(
            "the key data is cut short: the key was pasted with line breaks and continues on lines 2–{n}"
        )
    );
    for m in &parsed.malformed[1..] {
        assert_eq!(
            m.reason,
            "continuation of the key on line 1: the key was pasted with line breaks"
        );
    }
    assert_eq!(parsed.keys[0].line, n + 1);
}

#[test]
fn key_type_alone_then_the_data() {
    let text = format!("ssh-ed25519\n{ED_B64}\n");
    let parsed = parse(&text);
    assert_eq!(parsed.malformed.len(), 2);
    assert_eq!(
        parsed.malformed[0].reason,
        "the key data is cut short: the key was pasted with line breaks and continues on line 2"
    );
    assert_eq!(
        parsed.malformed[1].reason,
        "continuation of the key on line 1: the key was pasted with line breaks"
    );
    assert_eq!(
        only_bad("ssh-ed25519").reason,
        "the key type has no key data after it"
    );
    assert_eq!(
        only_bad("ssh-ed25519   ").reason,
        "the key type has no key data after it"
    );
}

#[test]
fn cut_key_without_continuation() {
    // The test the brief describes: a truncated first line, then nothing.
    let bad = only_bad("ssh-ed25519 AAAAC3Nz");
    assert_eq!(
        bad.reason,
        "the key data is cut short — a key pasted with line breaks?"
    );
    let bad = only_bad("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI");
    assert_eq!(
        bad.reason,
        "the key data is cut short — a key pasted with line breaks?"
    );
    // A blank line ends a continuation run; a later base64 line is just junk.
    let text = "ssh-ed25519 AAAAC3Nz\n\nAAAAC3Nz\n";
    let parsed = parse(text);
    assert_eq!(
        parsed.malformed[0].reason,
        "the key data is cut short — a key pasted with line breaks?"
    );
    assert_eq!(parsed.malformed[1].line, 3);
    assert_eq!(parsed.malformed[1].reason, "not a key: no key type found");
}

#[test]
fn certificate_lines_are_entries() {
    let key = only_key(CERT);
    assert_eq!(key.algorithm, "ssh-ed25519-cert-v01@openssh.com");
    assert!(key.is_certificate());
    assert!(matches!(key.key, Some(KeyData::Certificate(_))));
    assert_eq!(key.comment, "alice@laptop");
    // A certificate never stands for its plain key.
    assert_eq!(find_key(&parse(CERT), &ed()), None);
    // A certificate blob this crate cannot decode is still an entry.
    let blob = [
        wire(b"ssh-ed25519-cert-v01@openssh.com"),
        wire(&[1; 32]),
        wire(b"garbage"),
    ]
    .concat();
    let line = format!(
        "ssh-ed25519-cert-v01@openssh.com {}",
        Base64::encode_string(&blob)
    );
    let key = only_key(&line);
    assert_eq!(key.key, None);
    // But a cut certificate is cut.
    let cert_b64 = CERT.split(' ').nth(1).unwrap();
    let bad = only_bad(&format!(
        "ssh-ed25519-cert-v01@openssh.com {}",
        &cert_b64[..200]
    ));
    assert_eq!(
        bad.reason,
        "the key data is cut short — a key pasted with line breaks?"
    );
}

#[test]
fn very_long_lines() {
    let junk = "A".repeat(200_000);
    let bad = only_bad(&junk);
    assert_eq!(bad.preview.chars().count(), 60);
    assert!(bad.preview.ends_with('…'));
    assert!(bad.reason.len() < 200, "{}", bad.reason);

    let long_type = format!("{} {RSA_B64}", "x".repeat(10_000));
    let bad = only_bad(&long_type);
    assert!(bad.reason.starts_with("unknown key type \"xxxx"));
    assert!(bad.reason.len() < 100, "{}", bad.reason);

    let comment = "c".repeat(100_000);
    let key = only_key(&format!("ssh-ed25519 {ED_B64} {comment}"));
    assert_eq!(key.comment.len(), 100_000);
}

#[test]
fn preview_is_short_and_clean() {
    assert_eq!(preview(b"a\tb\x07c"), "a b\u{FFFD}c");
    let sixty = "x".repeat(60);
    assert_eq!(preview(sixty.as_bytes()), sixty);
    let sixty_one = "é".repeat(61);
    let p = preview(sixty_one.as_bytes());
    assert_eq!(p.chars().count(), 60);
    assert_eq!(p, format!("{}…", "é".repeat(59)));
}

// ---------------------------------------------------------------------------
// plan_install
// ---------------------------------------------------------------------------

fn appended(plan: Install) -> (Vec<u8>, Vec<u8>) {
    match plan {
        Install::Append {
            append,
            new_content,
        } => (append, new_content),
        other => panic!("expected an append, got {other:?}"),
    }
}

#[test]
fn install_into_missing_and_empty_files() {
    let (append, content) = appended(plan_install(None, ED).unwrap());
    assert_eq!(append, format!("{ED}\n").into_bytes());
    assert_eq!(content, append);
    let (append, content) = appended(plan_install(Some(b""), &format!("  {ED}\n")).unwrap());
    assert_eq!(append, format!("{ED}\n").into_bytes());
    assert_eq!(content, append);
}

#[test]
fn install_keeps_every_existing_byte() {
    let cases: Vec<Vec<u8>> = vec![
        format!("{ED2}\n").into_bytes(),
        format!("# comment\r\n{ED2}\r\n").into_bytes(),
        format!("no-pty {ED2}").into_bytes(),
        format!("{ED2}\r").into_bytes(),
        b"\n\n".to_vec(),
        vec![0xff, 0x00, b'x'],
    ];
    for old in cases {
        let (append, content) = appended(plan_install(Some(&old), ED).unwrap());
        let lead: &[u8] = if old.ends_with(b"\n") { b"" } else { b"\n" };
        assert_eq!(append, [lead, ED.as_bytes(), b"\n"].concat(), "{old:?}");
        assert_eq!(&content[..old.len()], &old[..]);
        assert_eq!(&content[old.len()..], &append[..]);
        // And sshd would now find the key on the new line.
        let parsed = parse_authorized_keys(&content);
        let lines = content.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(find_key(&parsed, &ed()), Some(lines));
    }
}

#[test]
fn install_finds_the_key_already_there() {
    let old = format!("{ED2}\n# x\ncommand=\"uptime\" ssh-ed25519 {ED_B64} old comment\r\n");
    assert_eq!(
        plan_install(Some(old.as_bytes()), ED).unwrap(),
        Install::AlreadyPresent { line: 3 }
    );
    let old = ED.to_string();
    assert_eq!(
        plan_install(Some(old.as_bytes()), &format!("ssh-ed25519 {ED_B64}")).unwrap(),
        Install::AlreadyPresent { line: 1 }
    );
}

#[test]
fn install_adds_a_key_sshd_would_not_use() {
    // As a CA only, on a line with bad options, or pasted with line breaks:
    // sshd does not accept the key from any of these, so it is appended.
    let (head, tail) = ED_B64.split_at(30);
    for old in [
        format!("cert-authority {ED}\n"),
        format!("restrictx {ED}\n"),
        format!("ssh-ed25519 {head}\n{tail}\n"),
    ] {
        let (append, content) = appended(plan_install(Some(old.as_bytes()), ED).unwrap());
        assert_eq!(append, format!("{ED}\n").into_bytes());
        assert!(content.starts_with(old.as_bytes()));
    }
}

#[test]
fn install_rejects_what_is_not_a_public_key() {
    for bad in [
        "",
        "   ",
        "ssh-ed25519",
        "ssh-ed25519 AAAAC3Nz",
        "hello",
        "# ssh-ed25519 AAAA",
        "-----BEGIN OPENSSH PRIVATE KEY-----",
    ] {
        assert!(plan_install(None, bad).is_err(), "{bad:?}");
    }
    assert!(plan_install(None, &format!("{ED}\n{ED2}")).is_err());
    let err = plan_install(None, &format!("no-pty {ED}")).unwrap_err();
    assert!(err.contains("options"), "{err}");
    let err = plan_install(None, CERT).unwrap_err();
    assert!(err.contains("certificate"), "{err}");
    let err = plan_install(None, "ssh-ed25519 AAAAC3Nz").unwrap_err();
    assert_eq!(
        err,
        "not a valid public key: the key data is cut short — a key pasted with line breaks?"
    );
}

// ---------------------------------------------------------------------------
// df and sshd -T
// ---------------------------------------------------------------------------

#[test]
fn df_gnu() {
    let out = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n\
               /dev/sda1        102687672 45678900  51770420      47% /\n";
    let d = parse_df(out).unwrap();
    assert_eq!(
        d,
        DiskUse {
            filesystem: "/dev/sda1".into(),
            size_kib: 102_687_672,
            available_kib: 51_770_420,
            use_percent: 47,
            mount: "/".into(),
        }
    );
    assert!(!d.is_full());
}

#[test]
fn df_names_with_spaces() {
    let out = "Filesystem    1024-blocks Used Available Capacity  Mounted on\n\
               map auto_home           0    0   1048576     0%   /System/Volumes/Data/home\n";
    let d = parse_df(out).unwrap();
    assert_eq!(d.filesystem, "map auto_home");
    assert_eq!(d.size_kib, 0);
    assert_eq!(d.mount, "/System/Volumes/Data/home");

    let out = "Filesystem 1024-blocks Used Available Capacity Mounted on\n\
               //srv/my share 1000 990 10 99% /mnt/My Files 2024\n";
    let d = parse_df(out).unwrap();
    assert_eq!(d.filesystem, "//srv/my share");
    assert_eq!(d.available_kib, 10);
    assert_eq!(d.use_percent, 99);
    assert_eq!(d.mount, "/mnt/My Files 2024");
    assert!(d.is_full());
}

#[test]
fn df_512_blocks_and_wrapped_names() {
    let out = "Filesystem 512-blocks Used Available Capacity Mounted on\n\
               /dev/sdb1 2000 1000 1000 50% /home\n";
    let d = parse_df(out).unwrap();
    assert_eq!(d.size_kib, 1000);
    assert_eq!(d.available_kib, 500);
    assert!(d.is_full());

    let out = "Filesystem 1024-blocks Used Available Capacity Mounted on\n\
               /dev/mapper/a-very-long-volume-group-name-home\n\
               \x20   51290592 51290592 0 100% /home\n";
    let d = parse_df(out).unwrap();
    assert_eq!(
        d.filesystem,
        "/dev/mapper/a-very-long-volume-group-name-home"
    );
    assert_eq!(d.use_percent, 100);
    assert_eq!(d.mount, "/home");
    assert!(d.is_full());
}

#[test]
fn df_full_thresholds() {
    let disk = |available_kib, use_percent| DiskUse {
        filesystem: "x".into(),
        size_kib: 1 << 30,
        available_kib,
        use_percent,
        mount: "/".into(),
    };
    assert!(disk(1023, 50).is_full());
    assert!(!disk(1024, 99).is_full());
    assert!(disk(1 << 20, 100).is_full());
    assert!(disk(1 << 20, 103).is_full());
}

#[test]
fn df_garbage() {
    assert_eq!(parse_df(""), None);
    assert_eq!(parse_df("df: /nope: No such file or directory\n"), None);
    assert_eq!(
        parse_df("Filesystem 1024-blocks Used Available Capacity Mounted on\n"),
        None
    );
    assert_eq!(
        parse_df("Filesystem 1024-blocks Used Available Capacity Mounted on\nproc 0 0 0 - /proc\n"),
        None
    );
    assert_eq!(
        parse_df("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/x 1 2 3 4% \n"),
        None
    );
}

/// `sshd -T -f cfg` of OpenSSH 9.2p1 (Debian 12), with AllowUsers given
/// twice, DenyGroups, PasswordAuthentication no and two AuthorizedKeysFiles.
const SSHD_T: &str = "port 22
addressfamily any
listenaddress [::]:22
listenaddress 0.0.0.0:22
usepam no
logingracetime 120
x11displayoffset 10
maxauthtries 6
maxsessions 10
clientaliveinterval 0
clientalivecountmax 3
requiredrsasize 1024
streamlocalbindmask 0177
unusedconnectiontimeout none
permitrootlogin without-password
ignorerhosts yes
ignoreuserknownhosts no
hostbasedauthentication no
hostbasedusesnamefrompacketonly no
pubkeyauthentication yes
kerberosauthentication no
kerberosorlocalpasswd yes
kerberosticketcleanup yes
gssapiauthentication no
gssapicleanupcredentials yes
gssapikeyexchange no
gssapistrictacceptorcheck yes
gssapistorecredentialsonrekey no
gssapikexalgorithms gss-group14-sha256-,gss-group16-sha512-,gss-nistp256-sha256-,gss-curve25519-sha256-,gss-group14-sha1-,gss-gex-sha1-
passwordauthentication no
kbdinteractiveauthentication yes
printmotd yes
printlastlog yes
x11forwarding no
x11uselocalhost yes
permittty yes
permituserrc yes
strictmodes yes
tcpkeepalive yes
permitemptypasswords no
compression yes
gatewayports no
usedns no
allowtcpforwarding yes
allowagentforwarding yes
disableforwarding no
allowstreamlocalforwarding yes
streamlocalbindunlink no
fingerprinthash SHA256
exposeauthinfo no
pidfile /run/sshd.pid
modulifile /etc/ssh/moduli
xauthlocation /usr/bin/xauth
ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com
macs umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1
banner none
forcecommand none
chrootdirectory none
trustedusercakeys none
revokedkeys none
securitykeyprovider internal
authorizedprincipalsfile none
versionaddendum none
authorizedkeyscommand none
authorizedkeyscommanduser none
authorizedprincipalscommand none
authorizedprincipalscommanduser none
hostkeyagent none
kexalgorithms sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256
casignaturealgorithms ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256
pubkeyacceptedalgorithms ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256
loglevel INFO
syslogfacility AUTH
authorizedkeysfile .ssh/authorized_keys /etc/ssh/keys/%u
hostkey /tmp/h1sshd/hk
allowusers alice
allowusers bob@10.0.0.0/8
allowusers carol
denygroups nologin
authenticationmethods any
maxstartups 10:30:100
persourcemaxstartups none
persourcenetblocksize 32:128
permittunnel no
ipqos lowdelay throughput
rekeylimit 0 0
permitopen any
permitlisten any
permituserenvironment no
pubkeyauthoptions none
";

#[test]
fn sshd_t_real_output() {
    let got = parse_sshd_t(SSHD_T);
    let want: Vec<(String, String)> = [
        (
            "authorizedkeysfile",
            ".ssh/authorized_keys /etc/ssh/keys/%u",
        ),
        ("pubkeyauthentication", "yes"),
        ("passwordauthentication", "no"),
        ("kbdinteractiveauthentication", "yes"),
        ("maxauthtries", "6"),
        ("permitrootlogin", "without-password"),
        ("strictmodes", "yes"),
        ("allowusers", "alice bob@10.0.0.0/8 carol"),
        ("denygroups", "nologin"),
        ("authenticationmethods", "any"),
        ("usepam", "no"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn sshd_t_odd_input() {
    assert!(parse_sshd_t("").is_empty());
    let got = parse_sshd_t("UsePAM yes\r\n  StrictModes   no  \nstrictmodesx yes\nallowgroups\n");
    assert_eq!(
        got,
        vec![
            ("strictmodes".to_string(), "no".to_string()),
            ("allowgroups".to_string(), String::new()),
            ("usepam".to_string(), "yes".to_string()),
        ]
    );
}

/// Random lines built from the pieces that matter: the parsers never panic,
/// every reported line exists, and an install never disturbs the old bytes.
#[test]
fn random_input_never_panics() {
    let pieces: [&[u8]; 16] = [
        b"ssh-ed25519 ",
        ED_B64.as_bytes(),
        b"AAAAC3Nz",
        b"\"",
        b"\\\"",
        b",",
        b" ",
        b"\t",
        b"=",
        b"no-pty",
        b"command=",
        b"\r",
        b"\n",
        b"\0",
        &[0xff, 0xc3],
        b"#",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..2000 {
        let mut bytes = Vec::new();
        for _ in 0..(next() % 24) {
            bytes.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
        }
        let lines = bytes.split(|&b| b == b'\n').count();
        let parsed = parse_authorized_keys(&bytes);
        for n in parsed
            .keys
            .iter()
            .map(|k| k.line)
            .chain(parsed.malformed.iter().map(|m| m.line))
        {
            assert!(n >= 1 && n <= lines, "{bytes:?}");
        }
        for m in &parsed.malformed {
            assert!(m.preview.chars().count() <= 60);
        }
        if let Install::Append { new_content, .. } = plan_install(Some(&bytes), ED).unwrap() {
            assert!(new_content.starts_with(&bytes));
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_df(&text);
        let _ = parse_sshd_t(&text);
    }
}
