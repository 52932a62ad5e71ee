//! Transcriptions of openssh-portable's regress/ tests (OpenSSH 9.2) where they exercise what
//! sshdoctor resolves: percent.sh, host-expand.sh, sshcfgparse.sh, cfginclude.sh, portnum.sh,
//! connect-uri.sh. cfgmatch.sh tests sshd's Match only and has no client case to transcribe;
//! sshcfgparse.sh's `-W` cases are left out (sshdoctor has no -W).

use crate::cases::{case, Case};

/// regress/percent.sh (OpenSSH 9.2): every token in RemoteCommand, ControlPath,
/// IdentityAgent, ForwardAgent, LocalForward, RemoteForward and UserKnownHostsFile, for
/// `remuser@somehost` with HostName 127.0.0.1 and HostKeyAlias localhost-with-alias; then
/// `${FOO}` in the keywords that take environment variables.
pub fn percent_sh() -> Vec<Case> {
    let proxy =
        "Host somehost\n  HostName 127.0.0.1\n  Port 4242\n  HostKeyAlias localhost-with-alias\n";
    let mut out = Vec::new();
    let keywords = [
        "remotecommand",
        "controlpath",
        "identityagent",
        "forwardagent",
        "localforward",
        "remoteforward",
        "userknownhostsfile",
    ];
    for kw in keywords {
        let mut tokens = vec![
            "%%", "%C", "%i", "%h", "%L", "%l", "%n", "%k", "%p", "%r", "%u",
        ];
        if kw != "userknownhostsfile" {
            tokens.extend(["%d", "%%/%i/%h/%d/%L/%l/%n/%p/%r/%u/%C"]);
        }
        for t in tokens {
            let arg = match kw {
                "localforward" | "remoteforward" => format!("{kw}=/{t} /{t}"),
                "userknownhostsfile" => format!("{kw}={{H}}/{t}"),
                _ => format!("{kw}={t}"),
            };
            out.push(
                case(&format!("percent.sh {kw} {t}"), proxy)
                    .args(&["-o", &arg])
                    .dest("remuser@somehost"),
            );
        }
    }
    for kw in [
        "controlpath",
        "identityagent",
        "forwardagent",
        "localforward",
        "remoteforward",
        "userknownhostsfile",
    ] {
        let arg = match kw {
            "localforward" | "remoteforward" => format!("{kw}=/${{FOO}} /${{FOO}}"),
            "userknownhostsfile" => format!("{kw}={{H}}/${{FOO}}"),
            _ => format!("{kw}=${{FOO}}"),
        };
        out.push(
            case(&format!("percent.sh {kw} ${{FOO}}"), proxy)
                .args(&["-o", &arg])
                .dest("remuser@somehost"),
        );
    }
    // host-expand.sh: %n is the host as typed, %h the HostName.
    out.push(
        case("host-expand.sh %n and %h", proxy)
            .args(&["-o", "RemoteCommand=printf %n %h"])
            .dest("somehost"),
    );
    out
}

/// regress/sshcfgparse.sh (OpenSSH 9.2), the parts sshdoctor resolves (not -W).
pub fn sshcfgparse_sh() -> Vec<Case> {
    let cfg = "Host *\n  User cfguser\n";
    let pk = |v: &str| {
        case(&format!("sshcfgparse.sh pubkeyacceptedalgorithms={v}"), "").args(&[
            "-F",
            "none",
            "-o",
            &format!("pubkeyacceptedalgorithms={v}"),
        ])
    };
    let fa = |v: &str| {
        case(&format!("sshcfgparse.sh forwardagent={v}"), "").args(&[
            "-F",
            "none",
            "-o",
            &format!("forwardagent={v}"),
        ])
    };
    let override_cfg = "Host *\n    IPQoS af21 cs1\n    TunnelDevice 1:2\n";
    vec![
        case("sshcfgparse.sh user first match: config", cfg).dest("host"),
        case(
            "sshcfgparse.sh user first match: -o user beats -l and user@",
            cfg,
        )
        .args(&["-o", "user=foo", "-l", "bar"])
        .dest("baz@host"),
        case("sshcfgparse.sh user first match: -l beats user@", cfg)
            .args(&["-lbar"])
            .dest("baz@host"),
        case(
            "sshcfgparse.sh user first match: user@ beats later -o and -l",
            cfg,
        )
        .dest("baz@host")
        .after(&["-o", "user=foo", "-l", "bar"]),
        case("sshcfgparse.sh pubkeyacceptedalgorithms default", "").args(&["-F", "none"]),
        pk("ssh-ed25519"),
        pk("-ssh-ed25519-cert*"),
        pk("-ssh-ed25519"),
        pk("+ssh-dss-cert*"),
        pk("+ssh-dss"),
        case("sshcfgparse.sh forwardagent default", "").args(&["-F", "none"]),
        fa("no"),
        fa("yes"),
        fa("SSH_AUTH_SOCK.forward"),
        case("sshcfgparse.sh command line overrides ipqos", override_cfg)
            .args(&["-o", "ipqos=cs1"]),
        case(
            "sshcfgparse.sh command line overrides tunneldevice",
            override_cfg,
        )
        .args(&["-o", "tunneldevice=3:4"]),
    ]
}

/// regress/cfginclude.sh (OpenSSH 9.2): Include inside Host and Match blocks, comments,
/// invalid included files, and recursion.
pub fn cfginclude_sh() -> Vec<Case> {
    let main = "Match host a\n\tHostname aa\n\nMatch host b # comment\n\tHostname bb\n\tInclude {H}/ssh_config.i.*\n\nMatch host c\n\tInclude {H}/ssh_config.i.*\n\tHostname cc\n\nMatch host m\n\tInclude {H}/ssh_config.i.* # comment\n\nHost d\n\tHostname dd # comment\n\nHost e\n\tHostname ee\n\tInclude {H}/ssh_config.i.*\n\nHost f\n\tInclude {H}/ssh_config.i.*\n\tHostname ff\n\nHost n\n\tInclude {H}/ssh_config.i.*\n";
    let i0 = "Match host xxxxxx\n";
    let i1 = "Match host a\n\tHostname aaa\n\nMatch host b\n\tHostname bbb\n\nMatch host c # comment\n\tHostname ccc\n\nHost d # comment\n\tHostname ddd\n\nHost e\n\tHostname eee\n\nHost f\n\tHostname fff # comment\n";
    let i2 = "Match host a\n\tHostname aaaa\n\nMatch host b\n\tHostname bbbb\n\nMatch host c\n\tHostname cccc\n\nHost d\n\tHostname dddd\n\nHost e\n\tHostname eeee\n\nHost f\n\tHostname ffff\n\nMatch all\n\tHostname xxxx\n";
    let with = |host: &str| {
        case(&format!("cfginclude.sh trial {host}"), main)
            .file("ssh_config.i.0", i0)
            .file("ssh_config.i.1", i1)
            .file("ssh_config.i.2", i2)
            .dest(host)
    };
    let mut out: Vec<Case> = ["a", "b", "c", "d", "e", "f", "m", "n", "x"]
        .iter()
        .map(|h| with(h))
        .collect();
    for host in ["a", "x"] {
        out.push(
            with(host)
                .file("ssh_config.i.3", "Hostname xxxx\n\tJunk\n")
                .refused(&[(2, "no argument after keyword \"junk\"")]),
        );
    }
    let top = "Include {H}/ssh_config.i.*\nHostname aa\n";
    out.push(case("cfginclude.sh Include before Hostname", top).dest("a"));
    out.push(
        case("cfginclude.sh included Match host x", top)
            .file("ssh_config.i.x", "Match host x\n")
            .dest("a"),
    );
    out.push(
        case("cfginclude.sh included Host x", top)
            .file("ssh_config.i.x", "Host x\n")
            .dest("a"),
    );
    out.push(
        case(
            "cfginclude.sh infinite recursion",
            "Include {H}/case.conf\n",
        )
        .dest("a")
        .refused(&[(0, "Too many recursive configuration includes")]),
    );
    out
}

/// regress/portnum.sh and connect-uri.sh (OpenSSH 9.2): `-p` values and ssh:// destinations.
pub fn portnum_and_uri_sh() -> Vec<Case> {
    let mut out = Vec::new();
    for p in ["0", "65536", "131073", "2000blah", "blah2000"] {
        out.push(
            case(&format!("portnum.sh bad port {p}"), "")
                .args(&["-p", p])
                .dest("somehost")
                .refused(&[(0, "Bad port")]),
        );
    }
    for p in ["1", "22", "2222", "22222", "65535"] {
        out.push(
            case(&format!("portnum.sh good port {p}"), "")
                .args(&["-p", p])
                .dest("somehost"),
        );
    }
    out.push(case("connect-uri.sh no trailing slash", "").dest("ssh://someuser@somehost:2222"));
    out.push(case("connect-uri.sh trailing slash", "").dest("ssh://someuser@somehost:2222/"));
    out.push(
        case("connect-uri.sh with path name", "")
            .dest("ssh://someuser@somehost:2222/data")
            .refused(&[(0, "usage")]),
    );
    out
}
