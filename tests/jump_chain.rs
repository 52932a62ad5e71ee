//! The chain of hops compared with the real ssh's: `ssh -v` logs every ssh it starts for a
//! jump host ("Executing proxy command: exec ssh -l USER -p PORT -J EXTRA -F FILE -v -W
//! '[%h]:%p' HOST"); `ssh -G` with those arguments gives each hop's user, host name and port.
//! sshdoctor's `hops` must be the same hosts in the same order. The first hop is a closed port
//! on 127.0.0.1, so every case ends at once (ssh starts its whole chain of ssh before
//! connecting anywhere).

mod common;

use std::process::{Command, Stdio};

use common::fake::closed_port;
use common::{sshdoctor, Home};

/// `(user, hostname, port)` of one hop.
type Hop = (String, String, String);

/// `ssh -G ARGS`: the user, host name and port ssh would use.
fn ssh_g(home: &Home, args: &[String]) -> Hop {
    let out = Command::new("ssh")
        .env("HOME", home.path())
        .arg("-G")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run ssh -G");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k} ")))
            .unwrap_or_default()
            .to_string()
    };
    (get("user"), get("hostname"), get("port"))
}

/// Words of a shell command line (single and double quotes, as sh reads these).
fn words(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quote, mut any) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (None, ' ') => {
                if any {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (None, '\'' | '"') => (quote, any) = (Some(c), true),
            (Some(q), c) if c == q => quote = None,
            (_, c) => (cur.push(c), any = true).1,
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// The hops ssh goes through for `args` (first jump host first, the destination last).
fn ssh_chain(home: &Home, args: &[&str]) -> Vec<Hop> {
    let out = Command::new("ssh")
        .env("HOME", home.path())
        .arg("-v")
        .arg("-F")
        .arg(home.config_path())
        .args(args)
        .arg("true")
        .stdin(Stdio::null())
        .output()
        .expect("run ssh -v");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut dest_args: Vec<String> = vec!["-F".into(), home.config_path().display().to_string()];
    dest_args.extend(args.iter().map(|a| a.to_string()));
    let mut chain = vec![ssh_g(home, &dest_args)];
    for line in stderr.lines() {
        let Some(cmd) = line.split("Executing proxy command: exec ").nth(1) else {
            continue;
        };
        let mut w = words(cmd);
        if w.first().map(String::as_str) != Some("ssh") {
            continue;
        }
        w.remove(0);
        // Keep what resolves the hop: drop -W TARGET and -v.
        let mut kept = Vec::new();
        let mut it = w.into_iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "-W" => {
                    it.next();
                }
                a if a.starts_with("-v") => {}
                _ => kept.push(a.to_string()),
            }
        }
        chain.push(ssh_g(home, &kept));
    }
    chain.reverse();
    chain
}

/// sshdoctor's hops for `args`.
fn our_chain(home: &Home, args: &[&str]) -> Vec<Hop> {
    let report = sshdoctor().home(home).args(args).run();
    let hops = report.json()["hops"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    hops.iter()
        .map(|h| {
            (
                h["user"].as_str().unwrap_or_default().to_string(),
                h["hostname"].as_str().unwrap_or_default().to_string(),
                h["port"].to_string(),
            )
        })
        .collect()
}

#[test]
fn every_hop_as_ssh_resolves_it() {
    let home = Home::new();
    let [pa, pb, pc, pd, pe] = [(); 5].map(|_| closed_port());
    let config = format!(
        "\
Host a
  HostName 127.0.0.1
  Port {pa}
  User ua
Host a2
  HostName 127.0.0.1
  Port {pb}
  User ua2
  ProxyJump a
Host b
  HostName 127.0.0.1
  Port {pc}
  User ub
Host b2
  HostName 127.0.0.1
  Port {pd}
  ProxyJump nowhere.invalid
Host dest
  HostName 10.1.2.3
  User ud
  Port {pe}
Host dest2
  HostName 10.1.2.4
  ProxyJump u1@a:{pb},ssh://u2@b:{pc}
Host dest3
  HostName 10.1.2.5
  ProxyJump a2
Host dest5
  HostName 127.0.0.1
  Port {pe}
  ProxyJump none
Host dest6
  HostName 10.1.2.7
  ProxyCommand ssh -F {cfg} -W %h:%p b
  ProxyJump a
Host dest7
  HostName 10.1.2.8
  ProxyJump b
  ProxyCommand ssh -F {cfg} -W %h:%p a
Host dest5
  ProxyJump b
Host *
  BatchMode yes
  UserKnownHostsFile /dev/null
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
",
        cfg = home.config_path().display()
    );
    home.write_config(&config);
    let cases: [&[&str]; 9] = [
        &["-J", "a,b", "dest"],
        &["dest2"],
        &["dest3"],
        &["-J", "a,b2", "dest"],
        &["dest5"],
        &["dest6"],
        &["dest7"],
        &["-J", "a", "dest2"],
        &["-J", "u9@b:2299", "-l", "cli", "dest"],
    ];
    for args in cases {
        let theirs = ssh_chain(&home, args);
        let ours = our_chain(&home, args);
        assert_eq!(ours, theirs, "hops for ssh {args:?}");
        assert!(!theirs.is_empty());
    }
    // The shapes the cases must have had, so the comparison is not empty.
    assert_eq!(ssh_chain(&home, &["-J", "a,b", "dest"]).len(), 3);
    assert_eq!(ssh_chain(&home, &["dest3"]).len(), 3);
    assert_eq!(ssh_chain(&home, &["dest5"]).len(), 1);
}
