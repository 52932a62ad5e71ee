//! The whole flow in the user's language: real logins on 127.0.0.1 (a closed port, an unknown
//! and a changed host key, seven keys against MaxAuthTries 6, a key the server does not know,
//! a healthy login) diagnosed with `--lang ja` and `--lang zh-CN`; every finding's title,
//! detail and fix and every stage's summary must read in that language. What stays in Latin
//! script by design (ids, commands, options, paths, OpenSSH's quoted words) is allowed; an
//! English sentence is not.

mod common;

use common::english::english_sentences;
use common::fake::closed_port;
use common::sshd::{KeyKind, Sshd};
use common::{sshdoctor, Home, Report};

/// Every English sentence left in the report's findings (title, detail, fix) and summaries.
fn english_left(report: &Report) -> Vec<String> {
    let json = report.json();
    let mut left = Vec::new();
    for f in report.findings() {
        for field in ["title", "detail", "fix"] {
            let text = f[field].as_str().unwrap_or("");
            for s in english_sentences(text) {
                left.push(format!("{} {field}: {s}", f["id"].as_str().unwrap_or("?")));
            }
        }
    }
    for c in json["checks"].as_array().into_iter().flatten() {
        for s in english_sentences(c["summary"].as_str().unwrap_or("")) {
            left.push(format!("{} summary: {s}", c["id"].as_str().unwrap_or("?")));
        }
    }
    left
}

/// Runs `args` in each language and asserts nothing is left in English, and that the English
/// run does have sentences (the detector works on this very case).
fn assert_all_translated(home: &Home, args: &[String], first_error: Option<&str>) {
    let en = sshdoctor().home(home).args(&lang(args, "en")).run_report();
    assert_eq!(en.first_error().as_deref(), first_error, "{}", en.dump());
    assert!(
        first_error.is_none() || !english_left(&en).is_empty(),
        "the English report has English sentences\n{}",
        en.dump()
    );
    for code in ["ja", "zh-CN"] {
        let r = sshdoctor().home(home).args(&lang(args, code)).run_report();
        assert_eq!(r.json()["lang"], code);
        assert_eq!(r.first_error(), en.first_error(), "same verdict");
        let left = english_left(&r);
        assert!(left.is_empty(), "{code}: English left:\n{left:#?}");
    }
}

fn lang(args: &[String], code: &str) -> Vec<String> {
    let mut out = vec!["--lang".to_string(), code.to_string()];
    out.extend(args.iter().cloned());
    out
}

fn user() -> String {
    let out = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The common arguments for a probe of `sshd` with `known_hosts` as the user's file.
fn probe_args(sshd: &Sshd, known_hosts: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "-p".into(),
        sshd.port().to_string(),
        "-o".into(),
        format!("UserKnownHostsFile={}", known_hosts.display()),
        "-o".into(),
        "GlobalKnownHostsFile=/dev/null".into(),
        "--timeout".into(),
        "10".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(format!("{}@127.0.0.1", user()));
    args
}

fn server(extra: &str) -> Sshd {
    Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(extra)
        .start()
}

#[test]
fn detector_finds_english_and_spares_commands_and_quotes() {
    assert_eq!(
        english_sentences("The server refused the connection on port 22."),
        ["The server refused the connection on port"]
    );
    assert!(english_sentences("接続が拒否されました `sudo systemctl restart ssh`").is_empty());
    assert!(english_sentences("ssh は \"Permission denied (publickey)\" と表示します").is_empty());
    assert!(english_sentences("IdentitiesOnly yes と IdentityFile ~/.ssh/id_ed25519").is_empty());
}

#[test]
fn a_refused_port_in_japanese_and_chinese() {
    let home = Home::new();
    let args = vec![
        "-p".to_string(),
        closed_port().to_string(),
        "--timeout".into(),
        "10".into(),
        "sshdoctor-test@127.0.0.1".into(),
    ];
    assert_all_translated(&home, &args, Some("tcp.refused"));
}

#[test]
fn an_unresolvable_name_in_japanese_and_chinese() {
    let home = Home::new();
    let args = vec![
        "--timeout".to_string(),
        "10".into(),
        "nosuchhost.invalid".into(),
    ];
    assert_all_translated(&home, &args, Some("dns.unresolvable"));
}

#[test]
fn unknown_and_changed_host_keys_in_japanese_and_chinese() {
    let sshd = server("");
    let home = Home::new();
    let empty = home.write_file(".ssh/known_hosts_empty", "");
    let args = probe_args(&sshd, &empty, &["-o", "StrictHostKeyChecking=yes"]);
    assert_all_translated(&home, &args, Some("hostkey.unknown"));
    let other = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let line = other.known_hosts_line(KeyKind::Ed25519).replace(
        &format!("[127.0.0.1]:{}", other.port()),
        &format!("[127.0.0.1]:{}", sshd.port()),
    );
    let stale = home.write_file(".ssh/known_hosts_stale", &format!("{line}\n"));
    let args = probe_args(&sshd, &stale, &[]);
    assert_all_translated(&home, &args, Some("hostkey.changed"));
}

#[test]
fn seven_keys_and_an_unknown_key_in_japanese_and_chinese() {
    let sshd = server("MaxAuthTries 6");
    let home = Home::new();
    let known = home.write_file(
        ".ssh/known_hosts_fixture",
        &format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    );
    let mut config = String::new();
    for i in 1..=7 {
        let name = format!("k{i}");
        let path = home.generate_key(KeyKind::Ed25519, &name);
        if i == 7 {
            sshd.authorize(&user(), &home.public_key(&name));
        }
        config.push_str(&format!("IdentityFile {}\n", path.display()));
    }
    home.write_config(&config);
    let args = probe_args(&sshd, &known, &[]);
    assert_all_translated(&home, &args, Some("auth.too_many_failures"));
    home.write_config("");
    let stranger = home.generate_key(KeyKind::Ed25519, "stranger");
    let path = stranger.display().to_string();
    let args = probe_args(&sshd, &known, &["-i", &path]);
    assert_all_translated(&home, &args, Some("auth.no_accepted_key"));
}

#[test]
fn a_healthy_login_in_japanese_and_chinese() {
    let sshd = server("");
    let home = Home::new();
    let known = home.write_file(
        ".ssh/known_hosts_fixture",
        &format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    );
    let key = home.generate_key(KeyKind::Ed25519, "good");
    sshd.authorize(&user(), &home.public_key("good"));
    let path = key.display().to_string();
    let args = probe_args(&sshd, &known, &["-i", &path]);
    assert_all_translated(&home, &args, None);
}
