//! Compares the known_hosts engine with `ssh-keygen -F`, `-R`, `-l` and `-lv` (skipped without ssh-keygen).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use ssh_key::{Certificate, PublicKey};
use sshdoctor::known_hosts::{
    check_host_key, fingerprint_line, format_entry, lookup, randomart, remove_host,
    FingerprintHash, KnownHostsFile, KnownVia, PresentedKey, Verdict,
};

fn have_keygen() -> bool {
    let ok = Command::new("ssh-keygen").arg("-?").output().is_ok();
    if !ok {
        eprintln!("ssh-keygen not on PATH; skipping");
    }
    ok
}

fn keygen(args: &[&str]) -> String {
    let out = Command::new("ssh-keygen").args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Generate a key pair; returns the public key file's path.
fn genkey(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let p = path.to_str().unwrap();
    let mut all = vec!["-q", "-N", "", "-C", name, "-f", p];
    all.extend_from_slice(args);
    let st = Command::new("ssh-keygen").args(&all).status().unwrap();
    assert!(st.success(), "ssh-keygen {all:?}");
    path.with_extension("pub")
}

/// `type base64` of a public key file.
fn pubkey(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Line numbers from `# Host NAME found: line N ...` headers.
fn found_lines(stdout: &str) -> BTreeSet<usize> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("# Host "))
        .filter_map(|l| l.split(" found: line ").nth(1))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

/// Line numbers of `old` missing from `new`, which ssh-keygen builds by deletion only.
fn deleted_lines(old: &str, new: &str) -> BTreeSet<usize> {
    let mut kept = new.lines().peekable();
    let mut gone = BTreeSet::new();
    for (i, line) in old.lines().enumerate() {
        if kept.peek() == Some(&line) {
            kept.next();
        } else {
            gone.insert(i + 1);
        }
    }
    assert!(
        kept.next().is_none(),
        "ssh-keygen output is not a subsequence"
    );
    gone
}

struct Keys {
    ed1: String,
    ed2: String,
    ed3: String,
    ec: String,
    rsa: String,
    ca: String,
}

fn keys(dir: &Path) -> Keys {
    Keys {
        ed1: pubkey(&genkey(dir, "ed1", &["-t", "ed25519"])),
        ed2: pubkey(&genkey(dir, "ed2", &["-t", "ed25519"])),
        ed3: pubkey(&genkey(dir, "ed3", &["-t", "ed25519"])),
        ec: pubkey(&genkey(dir, "ec", &["-t", "ecdsa"])),
        rsa: pubkey(&genkey(dir, "rsa", &["-t", "rsa", "-b", "2048"])),
        ca: pubkey(&genkey(dir, "ca", &["-t", "ed25519"])),
    }
}

#[test]
fn lookup_agrees_with_keygen_find() {
    if !have_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let k = keys(dir.path());
    // Hashed lines come from ssh-keygen -H itself.
    let hashed_src = dir.path().join("hashed");
    fs::write(
        &hashed_src,
        format!("hashed.example.com {}\n[127.0.0.1]:2200 {}\n", k.ed1, k.ed2),
    )
    .unwrap();
    keygen(&["-q", "-H", "-f", hashed_src.to_str().unwrap()]);
    let hashed = fs::read_to_string(&hashed_src).unwrap();
    assert!(hashed.starts_with("|1|"));
    let text = format!(
        "# comment\n\nhost1.example.com {ed1}\nhost1.example.com,host2.example.com,10.0.0.1 {rsa}\n\
         [127.0.0.1]:2222 {ed2}\n127.0.0.1 {ec}\n*.example.com {ed3}\n*.example.com,!bad.example.com {ed1}\n\
         @cert-authority *.example.com {ca}\n@revoked * {ed3}\nHOST3.Example.COM {ed2}\nhost?.example.com {ed2}\n\
         host1.example.com ssh-ed25519 AAAA!!!\n@bogus host1.example.com {ed1}\n|1|bad|hash {ed1}\n\
         host1.example.com {ed1}\r\n[127.0.0.1]:2222,[localhost]:2222 {ed3}\n{hashed}last.example.com {ed1}",
        ed1 = k.ed1,
        ed2 = k.ed2,
        ed3 = k.ed3,
        ec = k.ec,
        rsa = k.rsa,
        ca = k.ca,
    );
    let path = dir.path().join("known_hosts");
    fs::write(&path, &text).unwrap();
    let file = KnownHostsFile::parse(&path, text.as_bytes());
    assert_eq!(file.to_bytes(), text.as_bytes());
    assert_eq!(file.malformed().count(), 3);
    let presented = PublicKey::from_openssh(&k.ed1).unwrap();
    for name in [
        "host1.example.com",
        "HOST1.example.com",
        "host2.example.com",
        "10.0.0.1",
        "[127.0.0.1]:2222",
        "127.0.0.1",
        "bad.example.com",
        "host3.example.com",
        "hashed.example.com",
        "HASHED.example.com",
        "[127.0.0.1]:2200",
        "[localhost]:2222",
        "last.example.com",
        "nothing",
    ] {
        let ours: BTreeSet<usize> = lookup(
            std::slice::from_ref(&file),
            name,
            PresentedKey::Key(&presented),
        )
        .matches
        .iter()
        .map(|m| m.entry.line)
        .collect();
        let theirs = found_lines(&keygen(&["-l", "-F", name, "-f", path.to_str().unwrap()]));
        assert_eq!(ours, theirs, "lookup of {name}");
    }
}

#[test]
fn removal_agrees_with_keygen_remove() {
    if !have_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let k = keys(dir.path());
    let hashed = dir.path().join("h");
    fs::write(&hashed, format!("host1.example.com {}\n", k.ed2)).unwrap();
    keygen(&["-q", "-H", "-f", hashed.to_str().unwrap()]);
    let hashed = fs::read_to_string(&hashed).unwrap();
    let text = format!(
        "# c\nhost1.example.com {ed1}\nhost2.example.com {ed2}\n@revoked host1.example.com {ed3}\n\
         @cert-authority host1.example.com {ca}\n{hashed}[127.0.0.1]:2222 {ed1}\n\
         host1.example.com ssh-ed25519 AAAA!!!\n\nhost1.example.com {rsa}\n",
        ed1 = k.ed1,
        ed2 = k.ed2,
        ed3 = k.ed3,
        ca = k.ca,
        rsa = k.rsa,
    );
    for name in [
        "host1.example.com",
        "[127.0.0.1]:2222",
        "host2.example.com",
        "absent",
    ] {
        let path = dir.path().join("kh_remove");
        fs::write(&path, &text).unwrap();
        keygen(&["-R", name, "-f", path.to_str().unwrap()]);
        let theirs = fs::read_to_string(&path).unwrap();
        let plan = remove_host(text.as_bytes(), &[name]);
        assert_eq!(
            String::from_utf8(plan.new_bytes.clone()).unwrap(),
            theirs,
            "{name}"
        );
        let ours: BTreeSet<usize> = plan.changes.iter().map(|c| c.line).collect();
        assert_eq!(ours, deleted_lines(&text, &theirs), "{name}");
        if name == "host1.example.com" {
            assert_eq!(plan.kept_markers, [4, 5]);
            // Line 8 has a valid type name and only bad key data: both delete it.
            assert!(plan.kept_malformed.is_empty());
        }
    }

    // One line ssh-keygen calls invalid anywhere in the file, and -R refuses to touch it.
    let text = format!("{text}other ssh-foo AAAA\n");
    let path = dir.path().join("kh_invalid");
    fs::write(&path, &text).unwrap();
    keygen(&["-R", "host1.example.com", "-f", path.to_str().unwrap()]);
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
    assert_eq!(
        KnownHostsFile::parse(&path, text.as_bytes()).keygen_invalid_lines(),
        [11]
    );
    let plan = remove_host(text.as_bytes(), &["host1.example.com"]);
    assert_eq!(plan.changes.len(), 4);

    // Where we differ on purpose: ssh-keygen -R drops wildcard and multi-name lines whole.
    let text = format!(
        "*.example.com {}\nhost1.example.com,other {}\nhost1.example.com {}\n",
        k.ed1, k.ed2, k.ed3
    );
    let path = dir.path().join("kh_wild");
    fs::write(&path, &text).unwrap();
    keygen(&["-R", "host1.example.com", "-f", path.to_str().unwrap()]);
    assert_eq!(fs::read_to_string(&path).unwrap(), "");
    let plan = remove_host(text.as_bytes(), &["host1.example.com"]);
    assert_eq!(plan.kept_wildcards, [1]);
    assert_eq!(
        String::from_utf8(plan.new_bytes).unwrap(),
        format!("*.example.com {}\nother {}\n", k.ed1, k.ed2)
    );
}

#[test]
fn fingerprints_and_randomart_agree_with_keygen() {
    if !have_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut files = vec![
        genkey(d, "f_ed", &["-t", "ed25519"]),
        genkey(d, "f_ec256", &["-t", "ecdsa", "-b", "256"]),
        genkey(d, "f_ec384", &["-t", "ecdsa", "-b", "384"]),
        genkey(d, "f_ec521", &["-t", "ecdsa", "-b", "521"]),
        genkey(d, "f_rsa", &["-t", "rsa", "-b", "3072"]),
        genkey(d, "f_rsa_odd", &["-t", "rsa", "-b", "2047"]),
    ];
    if Command::new("ssh-keygen")
        .args(["-q", "-N", "", "-C", "f_dsa", "-t", "dsa", "-f"])
        .arg(d.join("f_dsa"))
        .status()
        .is_ok_and(|s| s.success())
    {
        files.push(d.join("f_dsa.pub"));
    }
    for pubfile in &files {
        let p = pubfile.to_str().unwrap();
        let key = PublicKey::read_openssh_file(pubfile).unwrap();
        let comment = key.comment().as_str_lossy().to_string();
        for (hash, extra) in [
            (FingerprintHash::Sha256, None),
            (FingerprintHash::Md5, Some("md5")),
        ] {
            let mut args = vec!["-l"];
            if let Some(e) = extra {
                args.extend(["-E", e]);
            }
            args.extend(["-f", p]);
            let plain = keygen(&args);
            assert_eq!(
                plain.trim_end(),
                fingerprint_line(key.key_data(), &comment, hash),
                "{p}"
            );
            args[0] = "-lv";
            let verbose = keygen(&args);
            let want = format!(
                "{}\n{}\n",
                fingerprint_line(key.key_data(), &comment, hash),
                randomart(key.key_data(), hash)
            );
            assert_eq!(verbose, want, "{p}");
        }
    }

    // A host certificate: fingerprinted by its certified key, trusted via @cert-authority.
    let ca = genkey(d, "c_ca", &["-t", "ed25519"]);
    let host = genkey(d, "c_host", &["-t", "ed25519"]);
    let st = Command::new("ssh-keygen")
        .args([
            "-q",
            "-s",
            d.join("c_ca").to_str().unwrap(),
            "-I",
            "id",
            "-h",
        ])
        .args(["-n", "host1.example.com", host.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(st.success());
    let cert_path = d.join("c_host-cert.pub");
    let cert = Certificate::read_file(&cert_path).unwrap();
    let line = keygen(&["-l", "-f", cert_path.to_str().unwrap()]);
    let kd = ssh_key::public::KeyData::Certificate(Box::new(cert.clone()));
    assert_eq!(
        line.trim_end(),
        fingerprint_line(&kd, cert.comment(), FingerprintHash::Sha256)
    );
    let kh = format!("@cert-authority *.example.com {}\n", pubkey(&ca));
    let file = KnownHostsFile::parse("kh", kh.as_bytes());
    let c = check_host_key(
        &[file],
        "host1.example.com",
        22,
        None,
        PresentedKey::Certificate(&cert),
    );
    assert!(matches!(
        c.verdict,
        Verdict::Known {
            via: KnownVia::CertAuthority,
            ..
        }
    ));
}

#[test]
fn formatted_entries_are_found_by_keygen() {
    if !have_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = PublicKey::read_openssh_file(genkey(dir.path(), "k", &["-t", "ed25519"])).unwrap();
    let path = dir.path().join("kh_fmt");
    let text = format!(
        "{}\n{}\n",
        format_entry("[127.0.0.1]:2222", &key, true),
        format_entry("Plain.Example.com", &key, false)
    );
    fs::write(&path, &text).unwrap();
    let p = path.to_str().unwrap();
    assert_eq!(
        found_lines(&keygen(&["-F", "[127.0.0.1]:2222", "-f", p])),
        [1].into()
    );
    assert_eq!(
        found_lines(&keygen(&["-F", "plain.example.com", "-f", p])),
        [2].into()
    );
    let kg = keygen(&["-l", "-f", dir.path().join("k.pub").to_str().unwrap()]);
    assert!(kg.contains(&key.fingerprint(Default::default()).to_string()));
}
