//! Jump hosts end to end: chains of real sshd on 127.0.0.1 (a bastion and a target, or two
//! bastions), reached with `-J`, ProxyJump in the config, `ProxyCommand ssh -W`, and a generic
//! ProxyCommand relaying to a TCP socket; the real `ssh` run beside each case as the oracle, and
//! the first error finding naming the hop where the login fails.

mod common;

use std::time::{Duration, Instant};

use common::fake::closed_port;
use common::jump::{assert_agrees, server, Net};
use common::sshd::KeyKind;

const LIMIT: Duration = Duration::from_secs(30);

/// A healthy bastion and target in a fresh home; the target's block gets `target_extra`.
fn bastion_and_target(
    bastion_extra: &str,
    target_extra: &str,
) -> (Net, common::Sshd, common::Sshd) {
    let bastion = server(bastion_extra);
    let target = server("");
    let mut net = Net::new();
    net.host("bastion", &bastion, "")
        .host("target", &target, target_extra)
        .write();
    (net, bastion, target)
}

#[test]
fn a_healthy_bastion_and_target_through_dash_j_and_through_the_config() {
    let (net, _bastion, _target) = bastion_and_target("", "");
    let report = net.diagnose(&["-J", "bastion", "target"]);
    let ssh = net.ssh(&["-J", "bastion", "target"], LIMIT);
    assert!(ssh.works, "ssh: {}", ssh.stderr);
    assert_agrees(&report, &ssh);
    report.assert_exit(0);
    assert_eq!(report.hops(), ["bastion", "target"], "{}", report.dump());
    assert_eq!(report.check_at("bastion", "auth").0, "pass");
    assert_eq!(report.check_at("target", "forward").0, "pass");
    assert_eq!(report.check_at("target", "session").0, "pass");
    let hops = report.json()["hops"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(hops[0]["via"], "tcp");
    assert_eq!(hops[1]["via"], "forward");
    // The same chain from the config: ProxyJump in the target's block.
    let (net, _b, _t) = bastion_and_target("", "ProxyJump bastion");
    let report = net.diagnose(&["target"]);
    assert_agrees(&report, &net.ssh(&["target"], LIMIT));
    report.assert_exit(0);
    assert_eq!(report.hops(), ["bastion", "target"], "{}", report.dump());
    assert!(
        report.log_text().contains("ProxyJump bastion"),
        "the config stage says how ssh goes\n{}",
        report.dump()
    );
}

#[test]
fn a_closed_port_behind_the_bastion_is_the_targets_refusal() {
    let bastion = server("");
    let mut net = Net::new();
    net.host("bastion", &bastion, "")
        .block("target", closed_port(), "")
        .write();
    let started = Instant::now();
    let report = net.diagnose(&["-J", "bastion", "target"]);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "answered at once"
    );
    let ssh = net.ssh(&["-J", "bastion", "target"], LIMIT);
    assert_agrees(&report, &ssh);
    assert!(
        ssh.stderr
            .contains("open failed: connect failed: Connection refused"),
        "{}",
        ssh.stderr
    );
    report.assert_first_error("jump.forward_refused");
    assert_eq!(report.first_error_host().as_deref(), Some("target"));
    assert_eq!(report.check_at("bastion", "auth").0, "pass");
    assert_eq!(report.check_at("target", "forward").0, "fail");
    assert_eq!(report.check_at("target", "banner").0, "skipped");
    let text = report.finding_text("jump.forward_refused");
    for needle in [
        "Connection refused",
        "Connection closed by UNKNOWN port 65535",
        "stdio forwarding failed",
        "line 6: Port",
    ] {
        assert!(text.contains(needle), "{needle}\n{}", report.dump());
    }
}

#[test]
fn a_bastion_without_tcp_forwarding_refuses_and_is_named() {
    let (net, _bastion, _target) = bastion_and_target("AllowTcpForwarding no", "");
    let report = net.diagnose(&["-J", "bastion", "target"]);
    let ssh = net.ssh(&["-J", "bastion", "target"], LIMIT);
    assert_agrees(&report, &ssh);
    assert!(
        ssh.stderr.contains("administratively prohibited"),
        "{}",
        ssh.stderr
    );
    report.assert_first_error("jump.forward_prohibited");
    assert_eq!(report.first_error_host().as_deref(), Some("bastion"));
    assert_eq!(report.check_at("target", "forward").0, "fail");
    let text = report.finding_text("jump.forward_prohibited");
    assert!(
        text.contains("channel 0: open failed: administratively prohibited: open failed"),
        "{text}"
    );
    assert!(text.contains("AllowTcpForwarding"), "{text}");
}

#[test]
fn a_bastion_whose_permit_open_does_not_match_refuses_too() {
    let (net, _bastion, _target) = bastion_and_target("PermitOpen 127.0.0.1:9", "");
    let report = net.diagnose(&["-J", "bastion", "target"]);
    let ssh = net.ssh(&["-J", "bastion", "target"], LIMIT);
    assert_agrees(&report, &ssh);
    assert!(
        ssh.stderr.contains("administratively prohibited"),
        "{}",
        ssh.stderr
    );
    report.assert_first_error("jump.forward_prohibited");
    assert_eq!(report.first_error_host().as_deref(), Some("bastion"));
    assert!(report
        .finding_text("jump.forward_prohibited")
        .contains("PermitOpen"));
}

#[test]
fn a_bastion_refusing_the_key_fails_there_though_the_target_would_take_it() {
    let bastion = server("");
    let target = server("");
    let mut net = Net::new();
    net.host("bastion", &bastion, "")
        .host("target", &target, "")
        .write();
    // The bastion no longer has the key; the target still does.
    std::fs::write(
        bastion
            .dir()
            .join("authorized_keys")
            .join(common::jump::me()),
        "",
    )
    .unwrap();
    let report = net.diagnose(&["-J", "bastion", "target"]);
    let ssh = net.ssh(&["-J", "bastion", "target"], LIMIT);
    assert_agrees(&report, &ssh);
    assert!(ssh.stderr.contains("Permission denied"), "{}", ssh.stderr);
    report.assert_first_error("auth.no_accepted_key");
    assert_eq!(report.first_error_host().as_deref(), Some("bastion"));
    assert_eq!(report.check_at("target", "forward").0, "skipped");
    assert!(
        report
            .check_at("target", "auth")
            .1
            .contains("reached through bastion"),
        "{}",
        report.dump()
    );
    // Directly, the target takes the key: the refusal is the bastion's alone.
    let direct = net.diagnose(&["target"]);
    direct.assert_exit(0);
}

#[test]
fn a_changed_target_key_behind_a_healthy_bastion_is_the_targets_and_its_fix_removes_only_it() {
    let bastion = server("");
    let target = server("");
    let mut net = Net::new();
    net.host("bastion", &bastion, "");
    sshd_authorize(&target, &net);
    // known_hosts holds another key under the target's name.
    let other = net.home.generate_key(KeyKind::Ed25519, "other_host_key");
    let blob = net.home.public_key("other_host_key");
    let blob = blob
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let wrong = format!("[127.0.0.1]:{} {blob}", target.port());
    let _ = other;
    net.know(&wrong).block("target", target.port(), "").write();
    let report = net.diagnose(&["-J", "bastion", "target"]);
    let ssh = net.ssh(&["-J", "bastion", "target"], LIMIT);
    assert_agrees(&report, &ssh);
    assert!(
        ssh.stderr
            .contains("REMOTE HOST IDENTIFICATION HAS CHANGED"),
        "{}",
        ssh.stderr
    );
    report.assert_first_error("hostkey.changed");
    assert_eq!(report.first_error_host().as_deref(), Some("target"));
    assert_eq!(report.check_at("bastion", "hostkey").0, "pass");
    let action = &report.finding("hostkey.changed")["actions"][0];
    assert_eq!(action["id"], "known_hosts.remove");
    assert!(action["title"]
        .as_str()
        .unwrap_or_default()
        .contains(&format!("[127.0.0.1]:{}", target.port())));
    // The fix removes the target's entry and keeps the bastion's.
    let fixed = common::sshdoctor()
        .home(&net.home)
        .args(&[
            "--fix",
            "known_hosts.remove",
            "--yes",
            "-J",
            "bastion",
            "target",
        ])
        .run();
    let after = std::fs::read_to_string(net.known_hosts()).unwrap();
    assert!(
        after.contains(&format!("[127.0.0.1]:{} ", bastion.port())),
        "{after}\n{}",
        fixed.dump()
    );
    assert!(
        !after.contains(&format!("[127.0.0.1]:{} ", target.port())),
        "{after}"
    );
}

/// Authorize the test key on `sshd` without naming it in the config.
fn sshd_authorize(sshd: &common::Sshd, net: &Net) {
    sshd.authorize(&common::jump::me(), &net.public_key());
}

#[test]
fn two_jump_hosts_in_order_each_allowing_only_the_next() {
    let target = server("");
    let inner = server(&format!("PermitOpen 127.0.0.1:{}", target.port()));
    let outer = server(&format!("PermitOpen 127.0.0.1:{}", inner.port()));
    let mut net = Net::new();
    net.host("outer", &outer, "")
        .host("inner", &inner, "")
        .host("target", &target, "")
        .write();
    let report = net.diagnose(&["-J", "outer,inner", "target"]);
    let ssh = net.ssh(&["-J", "outer,inner", "target"], LIMIT);
    assert!(ssh.works, "ssh: {}", ssh.stderr);
    assert_agrees(&report, &ssh);
    assert_eq!(
        report.hops(),
        ["outer", "inner", "target"],
        "{}",
        report.dump()
    );
    // The wrong order is refused by the outer host's PermitOpen, as ssh finds.
    let report = net.diagnose(&["-J", "inner,outer", "target"]);
    assert_agrees(&report, &net.ssh(&["-J", "inner,outer", "target"], LIMIT));
    report.assert_first_error("jump.forward_prohibited");
    assert_eq!(report.first_error_host().as_deref(), Some("inner"));
}

#[test]
fn proxycommand_ssh_w_is_recognised_and_probed_as_a_jump_host() {
    let bastion = server("");
    let target = server("");
    let mut net = Net::new();
    let config = net.home.config_path();
    let proxy = format!("ProxyCommand ssh -F {} -W %h:%p bastion", config.display());
    net.host("bastion", &bastion, "")
        .host("target", &target, &proxy)
        .write();
    let report = net.diagnose(&["target"]);
    assert_agrees(&report, &net.ssh(&["target"], LIMIT));
    report.assert_exit(0);
    assert_eq!(report.hops(), ["bastion", "target"], "{}", report.dump());
    assert!(
        report.log_text().contains("probes bastion as a jump host"),
        "{}",
        report.dump()
    );
    // Behind a bastion without forwarding, the same words as for ProxyJump.
    let closed = server("AllowTcpForwarding no");
    let mut net = Net::new();
    let config = net.home.config_path();
    let proxy = format!(
        "ProxyCommand ssh -F {} -W [%h]:%p bastion",
        config.display()
    );
    net.host("bastion", &closed, "")
        .host("target", &target, &proxy)
        .write();
    let report = net.diagnose(&["target"]);
    assert_agrees(&report, &net.ssh(&["target"], LIMIT));
    report.assert_first_error("jump.forward_prohibited");
    assert_eq!(report.first_error_host().as_deref(), Some("bastion"));
}

/// A ProxyCommand that is not ssh: Python relaying its standard input and output to a TCP
/// socket (what `nc %h %p` does), saying on its standard error where it connects.
const RELAY: &str = r#"python3 -c 'import socket,sys,threading; print("relay: connecting to " + sys.argv[1] + ":" + sys.argv[2], file=sys.stderr, flush=True); s=socket.create_connection((sys.argv[1], int(sys.argv[2]))); threading.Thread(target=lambda: [s.sendall(b) for b in iter(lambda: sys.stdin.buffer.read1(65536), b"")], daemon=True).start(); [(sys.stdout.buffer.write(d), sys.stdout.buffer.flush()) for d in iter(lambda: s.recv(65536), b"")]' %h %p"#;

#[test]
fn a_generic_proxycommand_is_the_transport_and_its_stderr_is_logged() {
    let target = server("");
    let mut net = Net::new();
    net.host("target", &target, &format!("ProxyCommand {RELAY}"))
        .write();
    let report = net.diagnose(&["target"]);
    let ssh = net.ssh(&["target"], LIMIT);
    assert!(ssh.works, "ssh: {}", ssh.stderr);
    assert_agrees(&report, &ssh);
    assert_eq!(report.hops(), ["target"]);
    assert_eq!(report.json()["hops"][0]["via"], "proxycommand");
    assert_eq!(report.check_at("target", "proxy").0, "pass");
    let logged = report.json()["log"].as_array().cloned().unwrap_or_default();
    assert!(
        logged.iter().any(|l| l["stage"] == "proxy"
            && l["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("relay: connecting to 127.0.0.1:"))),
        "the command's stderr at the proxy stage\n{}",
        report.dump()
    );
    // The same relay to a closed port: it exits, and says why.
    let mut net = Net::new();
    net.block("target", closed_port(), &format!("ProxyCommand {RELAY}"))
        .write();
    let report = net.diagnose(&["target"]);
    assert_agrees(&report, &net.ssh(&["target"], LIMIT));
    report.assert_first_error("proxy.failed");
    let text = report.finding_text("proxy.failed");
    assert!(text.contains("ConnectionRefusedError"), "{text}");
    assert!(
        text.contains("Connection closed by UNKNOWN port 65535"),
        "{text}"
    );
}

#[test]
fn a_jump_host_that_never_answers_the_forward_is_a_timeout() {
    let net_key = Net::new();
    let Some(py) = common::pyserver::start(&[net_key.public_key()], &["--silent-forward"]) else {
        return;
    };
    let target = server("");
    let mut net = net_key;
    let line = py.known_hosts_line();
    net.know(&line)
        .block("bastion", py.port, "")
        .host("target", &target, "ConnectTimeout 3")
        .write();
    let started = Instant::now();
    let report = net.diagnose(&["--timeout", "2", "-J", "bastion", "target"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "bounded by the timeout"
    );
    let ssh = net.ssh(&["-J", "bastion", "target"], LIMIT);
    assert_agrees(&report, &ssh);
    assert!(ssh.stderr.contains("timed out"), "{}", ssh.stderr);
    report.assert_first_error("jump.forward_timeout");
    assert_eq!(report.first_error_host().as_deref(), Some("target"));
}

#[test]
fn nc_run_on_the_bastion_through_ssh_is_a_jump_and_a_missing_nc_is_the_bastions() {
    let bastion = server("");
    let target = server("");
    let mut net = Net::new();
    // A netcat for the bastion to run: the relay above, as a program.
    let nc = net.home.write_file(
        "bin/nc",
        &format!(
            "#!/bin/sh\nexec {}\n",
            RELAY.replace(" %h %p", " \"$1\" \"$2\"")
        ),
    );
    std::fs::set_permissions(&nc, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let config = net.home.config_path();
    let proxy = format!(
        "ProxyCommand ssh -F {} bastion {} %h %p",
        config.display(),
        nc.display()
    );
    net.host("bastion", &bastion, "")
        .host("target", &target, &proxy)
        .write();
    let report = net.diagnose(&["target"]);
    let ssh = net.ssh(&["target"], LIMIT);
    assert!(ssh.works, "ssh: {}", ssh.stderr);
    assert_agrees(&report, &ssh);
    assert_eq!(report.hops(), ["bastion", "target"], "{}", report.dump());
    assert_eq!(report.json()["hops"][1]["via"], "netcat");
    assert!(
        report.check_at("target", "forward").1.contains("answered"),
        "{}",
        report.dump()
    );
    // No such program on the bastion: it cannot run it (exit 127), as ssh finds.
    let mut net = Net::new();
    let config = net.home.config_path();
    let proxy = format!(
        "ProxyCommand ssh -F {} bastion /nonexistent/nc %h %p",
        config.display()
    );
    net.host("bastion", &bastion, "")
        .host("target", &target, &proxy)
        .write();
    let report = net.diagnose(&["target"]);
    assert_agrees(&report, &net.ssh(&["target"], LIMIT));
    report.assert_first_error("jump.forward_prohibited");
    assert_eq!(report.first_error_host().as_deref(), Some("bastion"));
    assert!(
        report
            .finding_text("jump.forward_prohibited")
            .contains("exit status 127"),
        "{}",
        report.dump()
    );
}

#[test]
fn too_many_keys_for_the_target_behind_the_bastion_is_found_through_it() {
    let bastion = server("");
    let target = server("MaxAuthTries 2");
    let mut net = Net::new();
    let keys: Vec<_> = (1..=3)
        .map(|i| net.home.generate_key(KeyKind::Ed25519, &format!("k{i}")))
        .collect();
    target.authorize(&common::jump::me(), &net.home.public_key("k3"));
    let extra: String = keys
        .iter()
        .map(|k| format!("IdentityFile {}\n", k.display()))
        .collect();
    net.host("bastion", &bastion, "")
        .know(&target.known_hosts_line(KeyKind::Ed25519))
        .block(
            "target",
            target.port(),
            &format!("{extra}ProxyJump bastion"),
        )
        .write();
    let report = net.diagnose(&["target"]);
    let ssh = net.ssh(&["target"], LIMIT);
    assert!(
        ssh.stderr.contains("Too many authentication failures"),
        "{}",
        ssh.stderr
    );
    assert_agrees(&report, &ssh);
    report.assert_first_error("auth.too_many_failures");
    assert_eq!(report.first_error_host().as_deref(), Some("target"));
    assert!(
        report.finding_text("auth.too_many_failures").contains("k3"),
        "the key found on a fresh connection through the bastion\n{}",
        report.dump()
    );
}
