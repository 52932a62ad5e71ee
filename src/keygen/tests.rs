//! Unit tests for key listing, generation and fingerprint comparison, checked against the real
//! `ssh-keygen`.

use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ssh_key::{Cipher, KdfAlg};

use super::*;
use crate::identities::load_private;

fn run_keygen(args: &[&str], file: &Path) -> Output {
    Command::new("ssh-keygen")
        .args(args)
        .arg("-f")
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("run ssh-keygen")
}

/// `ssh-keygen -q -t TYPE [-b BITS] -N PASS -C NAME [extra] -f DIR/NAME`.
fn keygen(dir: &Path, kind: &str, name: &str, pass: &str, extra: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let mut args = vec!["-q", "-t", kind, "-N", pass, "-C", name];
    args.extend_from_slice(extra);
    let out = run_keygen(&args, &path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The first `n` words of a line.
fn words(line: &str, n: usize) -> Vec<String> {
    line.split_whitespace().take(n).map(String::from).collect()
}

/// `ssh-keygen -l [-E md5] -f FILE`, split into words.
fn keygen_l(file: &Path, md5: bool) -> Vec<String> {
    let args: &[&str] = if md5 { &["-l", "-E", "md5"] } else { &["-l"] };
    words(&stdout(&run_keygen(args, file)), usize::MAX)
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

/// This process's umask, read without changing it.
fn umask() -> u32 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
    u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
}

#[test]
fn generates_a_key_ssh_keygen_reads() {
    let home = tempfile::tempdir().unwrap();
    let ssh = home.path().join(".ssh");
    let path = ssh.join("id_ed25519");
    let new = generate_ed25519(&path, "alice@laptop", None).unwrap();

    assert_eq!(new.private, path);
    assert_eq!(new.public, ssh.join("id_ed25519.pub"));
    assert_eq!(mode(&ssh), 0o700 & !umask());
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&new.public), 0o644 & !umask());
    assert_eq!(
        fs::read_to_string(&new.public).unwrap(),
        format!("{}\n", new.public_line)
    );
    assert!(new.public_line.starts_with("ssh-ed25519 AAAA"));
    assert!(new.public_line.ends_with(" alice@laptop"));
    assert_eq!(new.key.comment().as_str_lossy(), "alice@laptop");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"));
    assert!(!text.contains('\r'));

    // ssh-keygen derives the same public key (and comment) from the private file.
    let derived = stdout(&run_keygen(&["-y"], &path));
    assert_eq!(derived.trim_end(), new.public_line);
    // And prints the same fingerprint for the .pub.
    let listed = keygen_l(&new.public, false);
    assert_eq!(listed[0], "256");
    assert_eq!(listed[1], new.fingerprint);
    assert_eq!(listed.last().unwrap(), "(ED25519)");
    assert_eq!(new.fingerprint, sha256_fingerprint(new.key.key_data()));
}

#[test]
fn an_empty_comment_and_an_empty_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    let new = generate_ed25519(&path, "", Some("")).unwrap();
    assert_eq!(words(&new.public_line, 9).len(), 2, "{}", new.public_line);
    assert!(!new.public_line.ends_with(' '));
    let derived = stdout(&run_keygen(&["-y", "-P", ""], &path));
    assert_eq!(words(&derived, 2), words(&new.public_line, 2));
    assert!(!list_keys(dir.path())[0].encrypted);
}

#[test]
fn a_relative_path_and_a_multiline_comment() {
    let dir = tempfile::tempdir().unwrap();
    let err = generate_ed25519(&dir.path().join("k"), "a\nb", None).unwrap_err();
    assert!(matches!(err, KeygenError::Key(_)), "{err}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    assert_eq!(parent_dir(Path::new("id")), Path::new("."));
}

#[test]
fn generates_an_encrypted_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id_ed25519");
    let pass = "correct horse battery staple";
    let new = generate_ed25519(&path, "bob@desk", Some(pass)).unwrap();
    assert_eq!(mode(&path), 0o600);

    let wrong = run_keygen(&["-y", "-P", "wrong"], &path);
    assert!(!wrong.status.success());
    let right = stdout(&run_keygen(&["-y", "-P", pass], &path));
    assert_eq!(right.trim_end(), new.public_line);

    // OpenSSH's default protection: aes256-ctr with bcrypt-pbkdf.
    let parsed = PrivateKey::from_openssh(fs::read_to_string(&path).unwrap()).unwrap();
    assert!(parsed.is_encrypted());
    assert_eq!(parsed.cipher(), Cipher::Aes256Ctr);
    assert_eq!(parsed.kdf().algorithm(), KdfAlg::Bcrypt);

    let loaded = load_private(&path, Some(pass)).unwrap();
    assert_eq!(loaded.public_key().key_data(), new.key.key_data());
    assert!(load_private(&path, Some("wrong")).is_err());
    assert!(load_private(&path, None).is_err());

    let listed = list_keys(dir.path());
    assert_eq!(listed.len(), 1);
    assert!(listed[0].encrypted);
    assert_eq!(
        listed[0].fingerprint.as_deref(),
        Some(new.fingerprint.as_str())
    );
    // The comment is inside the encrypted part; the .pub supplies it.
    assert_eq!(listed[0].comment, "bob@desk");
}

#[test]
fn refuses_an_existing_private_key_or_pub() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id_ed25519");
    let pub_path = dir.path().join("id_ed25519.pub");

    fs::write(&path, "precious\n").unwrap();
    let err = generate_ed25519(&path, "c", None).unwrap_err();
    assert!(
        matches!(&err, KeygenError::Exists(p) if *p == path),
        "{err}"
    );
    assert_eq!(fs::read(&path).unwrap(), b"precious\n");
    assert!(!pub_path.exists());

    fs::remove_file(&path).unwrap();
    fs::write(&pub_path, "ssh-ed25519 precious\n").unwrap();
    let err = generate_ed25519(&path, "c", Some("pw")).unwrap_err();
    assert!(
        matches!(&err, KeygenError::Exists(p) if *p == pub_path),
        "{err}"
    );
    assert_eq!(fs::read(&pub_path).unwrap(), b"ssh-ed25519 precious\n");
    assert!(!path.exists());

    // A dangling symbolic link is not followed, and counts as existing.
    fs::remove_file(&pub_path).unwrap();
    let target = dir.path().join("elsewhere");
    symlink(&target, &path).unwrap();
    let err = generate_ed25519(&path, "c", None).unwrap_err();
    assert!(
        matches!(&err, KeygenError::Exists(p) if *p == path),
        "{err}"
    );
    assert!(!target.exists());
    assert!(!pub_path.exists());
}

#[test]
fn the_pub_appearing_meanwhile_removes_the_private_key() {
    // The race itself cannot be staged; the step after the checks is exercised directly.
    let dir = tempfile::tempdir().unwrap();
    let pub_path = dir.path().join("k.pub");
    fs::write(&pub_path, "theirs").unwrap();
    let private = write_new(&dir.path().join("k"), b"secret", 0o600).unwrap();
    let err = write_new(&pub_path, b"mine", 0o644).unwrap_err();
    assert!(matches!(&err, KeygenError::Exists(p) if *p == pub_path));
    drop(private);
    assert!(!dir.path().join("k").exists());
    assert_eq!(fs::read(&pub_path).unwrap(), b"theirs");
}

#[test]
fn creates_only_the_last_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing/.ssh/id_ed25519");
    let err = generate_ed25519(&path, "c", None).unwrap_err();
    assert!(
        matches!(&err, KeygenError::Io { path: p, source } if *p == dir.path().join("missing/.ssh")
            && source.kind() == io::ErrorKind::NotFound),
        "{err}"
    );
    assert!(!dir.path().join("missing").exists());

    // An existing directory keeps its mode.
    let ssh = dir.path().join(".ssh");
    fs::create_dir(&ssh).unwrap();
    fs::set_permissions(&ssh, fs::Permissions::from_mode(0o750)).unwrap();
    generate_ed25519(&ssh.join("id_ed25519"), "c", None).unwrap();
    assert_eq!(mode(&ssh), 0o750);
}

#[test]
fn lists_exactly_the_private_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ed = keygen(d, "ed25519", "id_ed25519", "", &[]);
    let rsa = keygen(d, "rsa", "id_rsa", "", &["-b", "2048"]);
    let enc = keygen(d, "ecdsa", "work_key", "s3cret", &[]);
    // A backup of a key, a certificate, and the usual other files.
    fs::copy(&ed, d.join("id_ed25519.sshdoctor-20240101T000000")).unwrap();
    fs::copy(
        d.join("id_ed25519.pub"),
        d.join("id_ed25519-cert.pub"), // not a real certificate; skipped by name anyway
    )
    .unwrap();
    let line = fs::read_to_string(d.join("id_rsa.pub")).unwrap();
    fs::write(d.join("known_hosts"), format!("host {line}")).unwrap();
    fs::write(d.join("known_hosts.old"), format!("host {line}")).unwrap();
    fs::write(d.join("authorized_keys"), &line).unwrap();
    fs::write(d.join("authorized_keys2"), &line).unwrap();
    fs::write(d.join("config"), "Host *\n  IdentityFile ~/.ssh/id_rsa\n").unwrap();
    fs::write(d.join("notes.txt"), "remember -----BEGIN the milk\n").unwrap();
    fs::create_dir(d.join("keys.d")).unwrap();

    let keys = list_keys(d);
    let names: Vec<&Path> = keys.iter().map(|k| k.private.as_path()).collect();
    assert_eq!(names, [ed.as_path(), rsa.as_path(), enc.as_path()]);

    let expect = [
        (&ed, "ssh-ed25519", 256, false),
        (&rsa, "ssh-rsa", 2048, false),
        (&enc, "ecdsa-sha2-nistp256", 256, true),
    ];
    for (key, (path, algorithm, bits, encrypted)) in keys.iter().zip(expect) {
        let shown = keygen_l(path, false);
        assert_eq!(key.algorithm, algorithm);
        assert_eq!(key.bits, Some(bits));
        assert_eq!(shown[0], bits.to_string());
        assert_eq!(key.fingerprint.as_deref(), Some(shown[1].as_str()));
        assert_eq!(key.encrypted, encrypted, "{}", path.display());
        assert_eq!(key.comment, shown[2]);
        assert_eq!(key.public, Some(with_suffix(path, ".pub")));
        let pub_line = fs::read_to_string(with_suffix(path, ".pub")).unwrap();
        assert_eq!(
            key.public_line.as_deref().map(str::trim_end),
            Some(pub_line.trim_end())
        );
    }
}

#[test]
fn the_public_line_comes_from_the_private_key_not_a_stale_pub() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = keygen(d, "ed25519", "id_ed25519", "", &[]);
    let other = keygen(d, "ed25519", "other", "", &[]);
    let truth = stdout(&run_keygen(&["-y"], &key));
    // The .pub beside the key is another key's (a copy left over from a migration).
    fs::copy(with_suffix(&other, ".pub"), with_suffix(&key, ".pub")).unwrap();
    fs::remove_file(&other).unwrap();
    let keys = list_keys(d);
    let listed = keys.iter().find(|k| k.private == key).unwrap();
    let line = listed.public_line.as_deref().unwrap();
    assert_eq!(words(line, 2), words(&truth, 2));
    // The fingerprint shown is that same key's.
    let truth_file = d.join("truth.pub");
    fs::write(&truth_file, &truth).unwrap();
    assert_eq!(
        listed.fingerprint.as_deref(),
        Some(keygen_l(&truth_file, false)[1].as_str())
    );
}

#[test]
fn lists_legacy_pem_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plain = keygen(d, "rsa", "plain_pem", "", &["-b", "2048", "-m", "PEM"]);
    let locked = keygen(
        d,
        "rsa",
        "locked_pem",
        "pw-long",
        &["-b", "2048", "-m", "PEM"],
    );
    let expected_plain = keygen_l(&plain, false);
    let expected_line = stdout(&run_keygen(&["-y"], &plain));
    fs::remove_file(with_suffix(&plain, ".pub")).unwrap();
    fs::remove_file(with_suffix(&locked, ".pub")).unwrap();
    // Others may read it; it is still the user's key (ssh would refuse it, listing does not).
    fs::set_permissions(&plain, fs::Permissions::from_mode(0o644)).unwrap();

    let keys = list_keys(d);
    assert_eq!(keys.len(), 2);
    let (locked_key, plain_key) = (&keys[0], &keys[1]);
    assert_eq!(locked_key.private, locked);
    assert!(locked_key.encrypted);
    assert_eq!(locked_key.fingerprint, None);
    assert_eq!(locked_key.bits, None);
    assert_eq!(locked_key.public, None);
    let text = fs::read_to_string(&locked).unwrap();
    let expected_alg = if text.contains("BEGIN RSA PRIVATE KEY") {
        "ssh-rsa"
    } else {
        "unknown"
    };
    assert_eq!(locked_key.algorithm, expected_alg);

    assert_eq!(plain_key.private, plain);
    assert!(!plain_key.encrypted);
    assert_eq!(plain_key.algorithm, "ssh-rsa");
    assert_eq!(plain_key.bits, Some(2048));
    assert_eq!(
        plain_key.fingerprint.as_deref(),
        Some(expected_plain[1].as_str())
    );
    assert_eq!(plain_key.comment, "");
    // No .pub: the plain key's public half is read from it; the locked one's is unknown.
    assert_eq!(
        words(plain_key.public_line.as_deref().unwrap(), 2),
        words(&expected_line, 2)
    );
    assert_eq!(locked_key.public_line, None);
}

#[test]
fn lists_nothing_for_a_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    assert!(list_keys(&dir.path().join("nope")).is_empty());
    assert!(list_keys(dir.path()).is_empty());
}

#[test]
fn finds_a_free_key_path() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(free_key_path(d), d.join("id_ed25519"));
    fs::write(d.join("id_ed25519"), "x").unwrap();
    assert_eq!(free_key_path(d), d.join("id_ed25519_2"));
    // A lone .pub takes the name too.
    fs::write(d.join("id_ed25519_2.pub"), "x").unwrap();
    assert_eq!(free_key_path(d), d.join("id_ed25519_3"));
    fs::remove_file(d.join("id_ed25519")).unwrap();
    fs::write(d.join("id_ed25519.pub"), "x").unwrap();
    assert_eq!(free_key_path(d), d.join("id_ed25519_3"));
}

#[test]
fn the_command_to_show() {
    let home = Path::new("/home/alice");
    assert_eq!(
        keygen_command(&home.join(".ssh/id_ed25519"), "alice@laptop", Some(home)),
        "ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519 -C alice@laptop"
    );
    let cmd = keygen_command(&home.join(".ssh/my key"), "it's mine", None);
    assert!(
        cmd.starts_with(r"ssh-keygen -t ed25519 -f '/home/alice/.ssh/my key' -C 'it'\''s mine'"),
        "{cmd}"
    );
    assert!(!cmd.contains("-N"));
}

#[test]
fn the_command_does_what_it_says() {
    // Run it through the shell (with an empty passphrase added, so it does not ask).
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join(".ssh dir/my key");
    fs::create_dir(home.path().join(".ssh dir")).unwrap();
    let comment = "a 'quoted' $comment";
    let cmd = keygen_command(&path, comment, Some(home.path()));
    assert!(cmd.contains("-f ~/"), "{cmd}");
    assert!(!cmd.contains('#'), "no shell comment: {cmd}");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{cmd} -q -N ''"))
        .env("HOME", home.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = fs::read_to_string(with_suffix(&path, ".pub")).unwrap();
    assert!(line.trim_end().ends_with(comment), "{line}");
}

#[test]
fn compares_every_accepted_format() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ours = keygen(d, "ed25519", "ours", "", &[]);
    let theirs = keygen(d, "ed25519", "theirs", "", &[]);
    let rsa = keygen(d, "rsa", "rsa", "", &["-b", "2048"]);
    let load = |p: &Path| read_public(&with_suffix(p, ".pub")).unwrap();
    let (key, other, rsa_key) = (load(&ours), load(&theirs), load(&rsa));

    let l_line = stdout(&run_keygen(&["-l"], &ours));
    let md5_line = stdout(&run_keygen(&["-l", "-E", "md5"], &ours));
    let sha = keygen_l(&ours, false)[1].clone();
    let md5 = keygen_l(&ours, true)[1].clone();
    let bare = sha.strip_prefix("SHA256:").unwrap().to_string();
    let bare_md5 = md5.strip_prefix("MD5:").unwrap().to_string();
    let pub_line = fs::read_to_string(with_suffix(&ours, ".pub")).unwrap();
    let pub_words = words(&pub_line, 2).join(" ");
    assert_eq!(bare.len(), 43);

    let sha_formats = [
        sha.clone(),
        format!("{sha}="),
        format!("  '{sha}'\n"),
        format!("\"{bare}\""),
        format!("sha256:{bare}"),
        bare.clone(),
        format!("{bare}="),
        l_line.clone(),
        format!("ED25519 key fingerprint is {sha}."),
    ];
    let md5_formats = [
        md5.clone(),
        md5.to_uppercase(),
        bare_md5.clone(),
        bare_md5.to_uppercase(),
        format!("`{md5}`"),
        md5_line.clone(),
    ];
    let key_formats = [
        pub_line.clone(),
        pub_words.clone(),
        format!("server.example.com,192.0.2.1 {pub_words}"),
        format!("|1|abc=|def= {pub_words} comment"),
        format!("@cert-authority *.example.com {pub_words}"),
        format!("from=\"10.0.0.1\",no-pty {pub_words} me@there"),
    ];
    let cases = sha_formats
        .iter()
        .map(|f| (f, "SHA256"))
        .chain(md5_formats.iter().map(|f| (f, "MD5")))
        .chain(key_formats.iter().map(|f| (f, "public key")));
    for (pasted, how) in cases {
        assert_eq!(
            compare_fingerprint(pasted, key.key_data()),
            FingerprintMatch::Match { how },
            "{pasted:?}"
        );
        for wrong in [&other, &rsa_key] {
            match compare_fingerprint(pasted, wrong.key_data()) {
                FingerprintMatch::Mismatch {
                    how: h,
                    pasted: shown,
                } => {
                    assert_eq!(h, how, "{pasted:?}");
                    let expected = match how {
                        "SHA256" => sha.clone(),
                        "MD5" => md5.clone(),
                        _ => pub_words.clone(),
                    };
                    assert_eq!(shown, expected, "{pasted:?}");
                }
                m => panic!("{pasted:?} gave {m:?}"),
            }
        }
    }

    // Every host key's fingerprint at once (`ssh-keygen -lf` over a keyscan): one matching is
    // enough; none matching names the first.
    let rsa_line = stdout(&run_keygen(&["-l"], &rsa));
    let both = format!("{rsa_line}{l_line}");
    assert_eq!(
        compare_fingerprint(&both, key.key_data()),
        FingerprintMatch::Match { how: "SHA256" }
    );
    let rsa_sha = keygen_l(&rsa, false)[1].clone();
    assert_eq!(
        compare_fingerprint(&both, other.key_data()),
        FingerprintMatch::Mismatch {
            how: "SHA256",
            pasted: rsa_sha
        }
    );

    // Base64 is case-sensitive: one letter in another case is another fingerprint (the last
    // character is left alone: it also carries padding bits).
    let i = bare[..42].find(|c: char| c.is_ascii_alphabetic()).unwrap();
    let mut flipped = bare.clone().into_bytes();
    flipped[i] ^= 0x20;
    let flipped = String::from_utf8(flipped).unwrap();
    assert!(sha256_value(&flipped).is_some());
    assert_eq!(
        compare_fingerprint(&format!("SHA256:{flipped}"), key.key_data()),
        FingerprintMatch::Mismatch {
            how: "SHA256",
            pasted: format!("SHA256:{flipped}")
        }
    );
    // A certificate presented by the server is compared by its certified key.
    let ca = keygen(d, "ed25519", "ca", "", &[]);
    let signed = Command::new("ssh-keygen")
        .args(["-q", "-h", "-I", "host", "-s"])
        .arg(&ca)
        .arg(with_suffix(&ours, ".pub"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    stdout(&signed);
    let cert_line = fs::read_to_string(with_suffix(&ours, "-cert.pub")).unwrap();
    let cert = KeyData::from(Certificate::from_openssh(cert_line.trim()).unwrap());
    for pasted in [&sha, &md5, &pub_line] {
        assert!(
            matches!(
                compare_fingerprint(pasted, &cert),
                FingerprintMatch::Match { .. }
            ),
            "{pasted:?}"
        );
    }
    // And a pasted certificate line by the key it certifies.
    assert_eq!(
        compare_fingerprint(&cert_line, key.key_data()),
        FingerprintMatch::Match { how: "public key" }
    );
    assert_eq!(
        compare_fingerprint(&cert_line, other.key_data()),
        FingerprintMatch::Mismatch {
            how: "public key",
            pasted: pub_words.clone()
        }
    );
}

#[test]
fn garbage_is_unrecognised() {
    let key = PublicKey::from_openssh(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPqQrWf7uph908u78qtA6BpMxs8Cx8ZafNewVXyEcotb",
    )
    .unwrap();
    for pasted in [
        "",
        "   ",
        "''",
        "hello",
        "hello world",
        "SHA256:",
        "SHA256:abc",
        "SHA256:!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        "MD5:aa:bb",
        "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:zz",
        "ssh-ed25519 AAAAnotakey",
        "256 no fingerprint here (ED25519)",
    ] {
        assert_eq!(
            compare_fingerprint(pasted, key.key_data()),
            FingerprintMatch::Unrecognised,
            "{pasted:?}"
        );
    }
}
