//! `sshdoctor explain` on real ProxyJump runs: chains of real sshd on 127.0.0.1, the real
//! `ssh -vvv -J` (and plain `ssh -J`, without -v) through them, and the finding named for the
//! right hop (the `jump.*` ids of issue 14). The live probe does not go through jump hosts yet
//! (issue 14): when it does, each case here becomes a pair like tests/explain_pairs.rs.

mod common;
mod explain_common;

use common::case::me;
use common::fake::closed_port;
use common::sshd::{KeyKind, Sshd};
use common::Home;
use explain_common::{assert_explains, explain, Pair};

fn server(extra: &str) -> Sshd {
    Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(extra)
        .start()
}

/// A home whose config gives every hop the same known_hosts and key (ssh passes `-F` to the
/// jump host's ssh, not `-o`), the key authorized where `authorized` says.
fn chain_home(servers: &[(&Sshd, bool)]) -> (Home, std::path::PathBuf) {
    let home = Home::new();
    let key = home.generate_key(KeyKind::Ed25519, "id_chain");
    let mut lines = Vec::new();
    for (sshd, authorized) in servers {
        lines.push(sshd.known_hosts_line(KeyKind::Ed25519));
        if *authorized {
            sshd.authorize(&me(), &home.public_key("id_chain"));
        }
    }
    let kh = home.write_file(".ssh/known_hosts", &(lines.join("\n") + "\n"));
    home.write_config(&format!(
        "Host *\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n    IdentitiesOnly yes\n    IdentityFile {}\n    BatchMode yes\n",
        kh.display(),
        key.display()
    ));
    (home, key)
}

fn jump(sshd: &Sshd) -> String {
    format!("{}@127.0.0.1:{}", me(), sshd.port())
}

/// `ssh -J JUMPS -p PORT user@TARGET`.
fn through<'a>(
    name: &'static str,
    home: &'a Home,
    jumps: &[String],
    port: u16,
    target: &str,
) -> Pair<'a> {
    let args = vec![
        "-J".to_string(),
        jumps.join(","),
        "-p".into(),
        port.to_string(),
    ];
    Pair::new(name, home, &args, &format!("{}@{target}", me()))
}

fn detail(r: &common::Report, id: &str) -> String {
    common::flatten(&r.finding(id)["detail"])
}

#[test]
fn a_healthy_chain_logs_in_and_names_its_hops() {
    let (bastion, target) = (server(""), server(""));
    let (home, _) = chain_home(&[(&bastion, true), (&target, true)]);
    let pair = through(
        "jump-healthy",
        &home,
        &[jump(&bastion)],
        target.port(),
        "127.0.0.1",
    );
    let transcript = pair.ssh();
    let r = explain(&home, "jump-healthy", &transcript, &[]);
    assert_explains(&r, &transcript, None);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    let hops = r.destination("hops").unwrap().0;
    assert!(
        hops.contains(&format!(":{}", bastion.port())) && hops.ends_with("127.0.0.1"),
        "{hops}"
    );
}

#[test]
fn a_bastion_without_forwarding_is_forward_prohibited() {
    let bastion = server("AllowTcpForwarding no");
    let target = server("");
    let (home, _) = chain_home(&[(&bastion, true), (&target, true)]);
    let pair = through(
        "jump-prohibited",
        &home,
        &[jump(&bastion)],
        target.port(),
        "127.0.0.1",
    );
    let transcript = pair.ssh();
    let r = explain(&home, "jump-prohibited", &transcript, &[]);
    assert_explains(&r, &transcript, Some("jump.forward_prohibited"));
    assert!(
        detail(&r, "jump.forward_prohibited").contains("hop 1 of 2"),
        "{}",
        r.dump()
    );
    assert_eq!(r.status("tcp"), "fail");
    assert_eq!(r.status("auth"), "skipped");
    // The same run without -v: only ssh's four error lines, and the command line pasted.
    let bare = strip_debug(&transcript);
    let text = format!(
        "$ ssh -J {} -p {} {}\n{bare}",
        jump(&bastion),
        target.port(),
        pair.dest
    );
    let r = explain(&home, "jump-prohibited-plain", &text, &[]);
    assert_explains(&r, &text, Some("jump.forward_prohibited"));
}

#[test]
fn a_permit_open_list_without_the_target_is_forward_prohibited() {
    let bastion = server("PermitOpen 127.0.0.1:1");
    let target = server("");
    let (home, _) = chain_home(&[(&bastion, true), (&target, true)]);
    let pair = through(
        "jump-permitopen",
        &home,
        &[jump(&bastion)],
        target.port(),
        "127.0.0.1",
    );
    let t = pair.ssh();
    assert_explains(
        &explain(&home, "jump-permitopen", &t, &[]),
        &t,
        Some("jump.forward_prohibited"),
    );
}

#[test]
fn a_closed_port_behind_the_bastion_is_forward_refused() {
    let bastion = server("");
    let (home, _) = chain_home(&[(&bastion, true)]);
    let pair = through(
        "jump-refused",
        &home,
        &[jump(&bastion)],
        closed_port(),
        "127.0.0.1",
    );
    let t = pair.ssh();
    let r = explain(&home, "jump-refused", &t, &[]);
    assert_explains(&r, &t, Some("jump.forward_refused"));
}

#[test]
fn a_name_the_bastion_cannot_resolve_is_forward_unresolvable() {
    let bastion = server("");
    let (home, _) = chain_home(&[(&bastion, true)]);
    let pair = through(
        "jump-unresolvable",
        &home,
        &[jump(&bastion)],
        22,
        "no-such-host.invalid",
    );
    let t = pair.ssh();
    let r = explain(&home, "jump-unresolvable", &t, &[]);
    assert_explains(&r, &t, Some("jump.forward_unresolvable"));
    assert!(
        detail(&r, "jump.forward_unresolvable").contains("jump host"),
        "{}",
        r.dump()
    );
}

#[test]
fn a_bastion_refusing_the_key_is_the_bastions_refusal() {
    let bastion = server("");
    let target = server("");
    // The target would accept the key; the bastion does not know it.
    let (home, _) = chain_home(&[(&bastion, false), (&target, true)]);
    let pair = through(
        "jump-auth",
        &home,
        &[jump(&bastion)],
        target.port(),
        "127.0.0.1",
    );
    let t = pair.ssh();
    let r = explain(&home, "jump-auth", &t, &[]);
    assert_explains(&r, &t, Some("auth.no_accepted_key"));
    assert!(
        detail(&r, "auth.no_accepted_key").starts_with("On the jump host"),
        "{}",
        r.dump()
    );
    let (status, summary) = r.check("auth");
    assert_eq!(status, "fail");
    assert!(summary.contains(&bastion.port().to_string()), "{summary}");
    // Without -v: the bastion's "Permission denied" then the outer ssh's closed connection —
    // which says the jump host refused, not whether a key was offered: it cannot tell.
    let bare = format!(
        "$ ssh -J {} -p {} {}\n{}",
        jump(&bastion),
        target.port(),
        pair.dest,
        strip_debug(&t)
    );
    let r = explain(&home, "jump-auth-plain", &bare, &[]);
    assert_explains(&r, &bare, Some("transcript.cannot_tell"));
    assert!(
        detail(&r, "transcript.cannot_tell").starts_with("On the jump host"),
        "{}",
        r.dump()
    );
}

#[test]
fn the_second_of_two_jump_hosts_refusing_forwarding_is_named() {
    let first = server("");
    let second = server("AllowTcpForwarding no");
    let target = server("");
    let (home, _) = chain_home(&[(&first, true), (&second, true), (&target, true)]);
    let pair = through(
        "jump-two",
        &home,
        &[jump(&first), jump(&second)],
        target.port(),
        "127.0.0.1",
    );
    let t = pair.ssh();
    let r = explain(&home, "jump-two", &t, &[]);
    assert_explains(&r, &t, Some("jump.forward_prohibited"));
    let d = detail(&r, "jump.forward_prohibited");
    assert!(
        d.contains("hop 2 of 3") && d.contains(&second.port().to_string()),
        "{}",
        r.dump()
    );
}

/// What ssh prints without -v: its lines that carry no `debugN:` level and are not the version.
fn strip_debug(transcript: &str) -> String {
    transcript
        .lines()
        .filter(|l| {
            !l.starts_with("debug")
                && !l.starts_with("OpenSSH_")
                && !l.starts_with("Authenticated to")
                && !l.starts_with("Transferred")
                && !l.starts_with("Bytes per")
                && !l.starts_with("  #")
                && !l.is_empty()
        })
        .map(|l| format!("{l}\n"))
        .collect()
}
