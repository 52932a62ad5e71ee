//! `sshdoctor explain` on the stderr of the tools that run ssh for people: the real `scp -v`,
//! `sftp -v` and `git` with `GIT_SSH_COMMAND="ssh -v ..."` against sshd on 127.0.0.1, pasted
//! with the command line that ran them; the first error must be the live probe's of the same
//! setup (for a copy without an sftp server: the probe's warning, which is why the copy failed).

mod common;
mod explain_common;

use common::case::me;
use common::sshd::{KeyKind, Sshd};
use common::Home;
use explain_common::{args, assert_explains, explain, known_hosts, Pair};
use std::process::{Command, Stdio};

fn dest() -> String {
    format!("{}@127.0.0.1", me())
}

/// The arguments both ssh and the tool get: the server's port and key known, only `key` offered,
/// BatchMode (nothing prompts).
fn shared(sshd: &Sshd, home: &Home, key: &std::path::Path) -> Vec<String> {
    let kh = known_hosts(
        home,
        "known_hosts_fixture",
        &[sshd.known_hosts_line(KeyKind::Ed25519)],
    );
    let mut a = args(sshd.port(), &kh, &[key]);
    a.extend(["-o".into(), "BatchMode=yes".into()]);
    a
}

/// `tool args` run in the fixture home, stdout and stderr in one stream as a terminal shows
/// them, pasted after a prompt with the command line.
fn run(home: &Home, tool: &str, args: &[String], env: &[(&str, String)]) -> String {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "exec \"$@\" 2>&1", "sh", tool])
        .args(args)
        .env("HOME", home.path())
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("SSH_ASKPASS")
        .env_remove("DISPLAY")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run the tool");
    let shown: Vec<String> = std::iter::once(tool.to_string())
        .chain(args.iter().cloned())
        .collect();
    format!(
        "alice@laptop:~$ {}\n{}alice@laptop:~$ \n",
        shown.join(" "),
        String::from_utf8_lossy(&out.stdout)
    )
}

/// ssh's `-p PORT` as scp and sftp spell it (`-P PORT`).
fn capital_p(mut a: Vec<String>) -> Vec<String> {
    if let Some(p) = a.iter().position(|w| w == "-p") {
        a[p] = "-P".into();
    }
    a
}

#[test]
fn scp_to_a_server_without_sftp() {
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config("Subsystem other /bin/true")
        .start();
    let home = Home::new();
    let key = home.generate_key(KeyKind::Ed25519, "id_scp");
    sshd.authorize(&me(), &home.public_key("id_scp"));
    let a = shared(&sshd, &home, &key);
    let probe = Pair::new("scp-probe", &home, &a, &dest()).probe();
    assert_eq!(
        probe.finding("session.no_sftp")["severity"],
        "warning",
        "premise: the probe warns\n{}",
        probe.dump()
    );
    let file = home.write_file("notes.txt", "hello\n");
    let mut scp = capital_p(a);
    scp.insert(0, "-v".into());
    scp.push(file.display().to_string());
    scp.push(format!("{}:/tmp/sshdoctor-explain-scp", dest()));
    let transcript = run(&home, "scp", &scp, &[]);
    assert!(
        transcript.contains("subsystem request failed"),
        "premise: scp asked for sftp\n{transcript}"
    );
    let r = explain(&home, "scp", &transcript, &[]);
    assert_explains(&r, &transcript, Some("session.no_sftp"));
    assert_eq!(r.status("auth"), "pass", "{}", r.dump());
}

#[test]
fn sftp_with_a_key_not_authorized() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let key = home.generate_key(KeyKind::Ed25519, "id_other");
    let a = shared(&sshd, &home, &key);
    let probe = Pair::new("sftp-probe", &home, &a, &dest()).probe();
    assert_eq!(
        probe.first_error().as_deref(),
        Some("auth.no_accepted_key"),
        "premise\n{}",
        probe.dump()
    );
    let mut sftp = capital_p(a);
    sftp.splice(0..0, ["-v".to_string(), "-b".into(), "/dev/null".into()]);
    sftp.push(dest());
    let transcript = run(&home, "sftp", &sftp, &[]);
    assert!(
        transcript.contains("Connection closed"),
        "premise: sftp's own words\n{transcript}"
    );
    let r = explain(&home, "sftp", &transcript, &[]);
    assert_explains(&r, &transcript, Some("auth.no_accepted_key"));
}

#[test]
fn git_with_ssh_v_and_a_changed_host_key() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let key = home.generate_key(KeyKind::Ed25519, "id_git");
    sshd.authorize(&me(), &home.public_key("id_git"));
    // Another server's key recorded for this one: the key has changed.
    let other = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let line = other.known_hosts_line(KeyKind::Ed25519).replacen(
        &format!("[127.0.0.1]:{}", other.port()),
        &format!("[127.0.0.1]:{}", sshd.port()),
        1,
    );
    let kh = known_hosts(&home, "known_hosts_changed", &[line]);
    let mut a = args(sshd.port(), &kh, &[&key]);
    a.extend(["-o".into(), "BatchMode=yes".into()]);
    let probe = Pair::new("git-probe", &home, &a, &dest()).probe();
    assert_eq!(
        probe.first_error().as_deref(),
        Some("hostkey.changed"),
        "premise\n{}",
        probe.dump()
    );
    let ssh = format!("ssh -v {}", a.join(" "));
    let repo = format!("{}:/srv/repo.git", dest());
    let git = ["ls-remote".to_string(), repo];
    let transcript = run(&home, "git", &git, &[("GIT_SSH_COMMAND", ssh.clone())]);
    assert!(
        transcript.contains("fatal: Could not read from remote repository"),
        "premise: git's own words around ssh's\n{transcript}"
    );
    let pasted = format!("alice@laptop:~$ export GIT_SSH_COMMAND=\"{ssh}\"\n{transcript}");
    let r = explain(&home, "git", &pasted, &[]);
    assert_explains(&r, &pasted, Some("hostkey.changed"));
}
