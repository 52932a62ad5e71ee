//! `ssh -G` cases ssh refuses to start with: bad values, unknown keywords and algorithms,
//! limits, Include depth, command-line refusals, each with ssh's own words.

use crate::cases::{case, many, Case};

/// Lines and options ssh refuses to start with, with its own words.
pub fn refusals() -> Vec<Case> {
    let bad = |name: &str, config: &str, line: usize, msg: &'static str| {
        case(name, config).refused(&[(line, msg)])
    };
    vec![
        bad(
            "unknown keyword",
            "Hostnme x\n",
            1,
            "Bad configuration option: hostnme",
        ),
        bad(
            "unknown keyword in a block that does not apply",
            "Host other\n  Prot 2\n",
            2,
            "Bad configuration option: prot",
        ),
        bad(
            "unknown KexAlgorithms",
            "Host other\nKexAlgorithms foo\n",
            2,
            "Bad SSH2 KexAlgorithms 'foo'",
        ),
        bad(
            "unknown cipher after +",
            "Ciphers +aes128-ctr,bar\n",
            1,
            "Bad SSH2 cipher spec '+aes128-ctr,bar'",
        ),
        bad(
            "unknown MAC",
            "MACs hmac-sha9\n",
            1,
            "Bad SSH2 MAC spec 'hmac-sha9'",
        ),
        bad(
            "unknown host key type",
            "HostKeyAlgorithms ssh-foo\n",
            1,
            "Bad key types 'ssh-foo'",
        ),
        bad(
            "unknown CA signature algorithm",
            "CASignatureAlgorithms rsa-sha2-*,zz\n",
            1,
            "Bad key types 'rsa-sha2-*,zz'",
        ),
        bad(
            "unknown hostbased algorithm",
            "HostbasedAcceptedAlgorithms zz\n",
            1,
            "Bad key types 'zz'",
        ),
        bad(
            "unknown pubkey algorithm after ^",
            "PubkeyAcceptedAlgorithms ^zz\n",
            1,
            "Bad key types '^zz'",
        ),
        bad(
            "ConnectionAttempts 0",
            "ConnectionAttempts 0\n",
            1,
            "Invalid number of ConnectionAttempts",
        ),
        bad("bad IPQoS", "IPQoS foo\n", 1, "Bad IPQoS value: foo"),
        bad(
            "bad second IPQoS",
            "IPQoS af21 bar\n",
            1,
            "Bad IPQoS value: bar",
        ),
        bad(
            "bad RekeyLimit",
            "RekeyLimit 1Q\n",
            1,
            "Bad number '1Q': Invalid argument",
        ),
        bad(
            "RekeyLimit too small",
            "RekeyLimit 8\n",
            1,
            "RekeyLimit too small",
        ),
        bad(
            "bad RekeyLimit interval",
            "RekeyLimit 1G soon\n",
            1,
            "invalid time value.",
        ),
        bad(
            "bad StreamLocalBindMask",
            "StreamLocalBindMask 999\n",
            1,
            "Bad mask.",
        ),
        bad(
            "bad TunnelDevice",
            "TunnelDevice x:1\n",
            1,
            "Bad tun device.",
        ),
        bad(
            "bad AddKeysToAgent",
            "AddKeysToAgent maybe\n",
            1,
            "unsupported option",
        ),
        bad(
            "bad AddKeysToAgent lifetime",
            "AddKeysToAgent confirm 5x\n",
            1,
            "invalid time value.",
        ),
        bad(
            "LocalForward without a target",
            "LocalForward 80\n",
            1,
            "Missing target argument.",
        ),
        bad(
            "LocalForward port 0",
            "LocalForward 0 h:80\n",
            1,
            "Bad forwarding specification.",
        ),
        bad(
            "RemoteForward to port 0",
            "RemoteForward 80 h:0\n",
            1,
            "Bad forwarding specification.",
        ),
        bad(
            "DynamicForward bad port",
            "DynamicForward h:x\n",
            1,
            "Bad forwarding specification.",
        ),
        bad(
            "PermitRemoteOpen without port",
            "PermitRemoteOpen foo\n",
            1,
            "bad port number in permitremoteopen",
        ),
        bad(
            "PermitRemoteOpen port out of range",
            "PermitRemoteOpen h:99999\n",
            1,
            "bad port number in permitremoteopen",
        ),
        bad(
            "PermitRemoteOpen any with others",
            "PermitRemoteOpen any h:1\n",
            1,
            "keyword permitremoteopen \"any\" argument must appear alone.",
        ),
        bad("bad port in the file", "Port 0\n", 1, "Bad port '0'."),
        bad(
            "bad time",
            "ConnectTimeout soon\n",
            1,
            "invalid time value.",
        ),
        bad(
            "bad flag",
            "BatchMode maybe\n",
            1,
            "unsupported option \"maybe\".",
        ),
        bad(
            "bad escape character",
            "EscapeChar ab\n",
            1,
            "Bad escape character.",
        ),
        bad(
            "bad log level",
            "LogLevel loud\n",
            1,
            "unsupported log level 'loud'",
        ),
        bad(
            "bad fingerprint hash",
            "FingerprintHash sha3\n",
            1,
            "Invalid hash algorithm \"sha3\".",
        ),
        bad(
            "bad integer",
            "NumberOfPasswordPrompts x\n",
            1,
            "integer value invalid.",
        ),
        bad(
            "extra arguments",
            "User a b\n",
            1,
            "keyword user extra arguments at end of line",
        ),
        bad(
            "no argument",
            "User\n",
            1,
            "no argument after keyword \"user\"",
        ),
        bad(
            "bad canonical domain",
            "CanonicalDomains -x\n",
            1,
            "domain name \"-x\" starts with invalid character",
        ),
        bad(
            "33 UserKnownHostsFile values",
            &format!("UserKnownHostsFile {}\n", many("/kh", 33)),
            1,
            "too many userknownhostsfile entries.",
        ),
        bad(
            "33 GlobalKnownHostsFile values",
            &format!("GlobalKnownHostsFile {}\n", many("/g", 33)),
            1,
            "too many globalknownhostsfile entries.",
        ),
        bad(
            "33 CanonicalDomains values",
            &format!("CanonicalDomains {}\n", many("d", 33)),
            1,
            "too many hostname suffixes.",
        ),
        bad(
            "none with other values",
            "UserKnownHostsFile none ~/x\n",
            1,
            "keyword userknownhostsfile \"none\" argument must appear alone.",
        ),
        bad(
            "bad SendEnv",
            "SendEnv A=1\n",
            1,
            "Invalid environment name.",
        ),
        bad("bad SetEnv", "SetEnv A\n", 1, "Invalid SetEnv."),
        bad(
            "bad ProxyJump",
            "ProxyJump u@\n",
            1,
            "Invalid ProxyJump \"u@\"",
        ),
        bad(
            "bad Match attribute",
            "Match bogus x\n",
            1,
            "Bad Match condition",
        ),
        bad(
            "Match tagged is OpenSSH 9.4",
            "Match tagged x\n",
            1,
            "Bad Match condition",
        ),
        bad(
            "Tag is OpenSSH 9.4",
            "Tag x\n",
            1,
            "Bad configuration option: tag",
        ),
        bad(
            "unknown % token",
            "ControlPath ~/cm-%q\n",
            1,
            "unknown key %q",
        ),
        bad(
            "bad environment expansion in IdentityAgent",
            "IdentityAgent ${NO_CLOSE\n",
            1,
            "Invalid environment expansion",
        ),
        bad("invalid quotes", "User \"open\n", 1, "invalid quotes"),
        bad(
            "Include nested deeper than 16 (itself)",
            "Include {H}/case.conf\nPort 5\n",
            0,
            "Too many recursive configuration includes",
        ),
        case(
            "Include fan-out: three files each including all three",
            "Include {H}/fan/*\n",
        )
        .file("fan/a", "Include {H}/fan/*\n")
        .file("fan/b", "Include {H}/fan/*\n")
        .file("fan/c", "Include {H}/fan/*\n")
        .refused(&[(0, "Too many recursive configuration includes")]),
        case("-F file that does not exist", "")
            .args(&["-F", "{H}/missing.conf"])
            .refused(&[(0, "Can't open user config file")]),
        case("-o Port=0", "")
            .args(&["-o", "Port=0"])
            .refused(&[(0, "Bad port '0'.")]),
        case("-o Port=99999", "")
            .args(&["-o", "Port=99999"])
            .refused(&[(0, "Bad port '99999'.")]),
        case("-o ConnectTimeout=abc", "")
            .args(&["-o", "ConnectTimeout=abc"])
            .refused(&[(0, "invalid time value.")]),
        case("-o ConnectionAttempts=0", "")
            .args(&["-o", "ConnectionAttempts=0"])
            .refused(&[(0, "Invalid number of ConnectionAttempts")]),
        case("-o Host=x", "")
            .args(&["-o", "Host=x"])
            .refused(&[(0, "Host directive not supported as a command-line option")]),
        case("-p abc first", "")
            .args(&["-p", "abc", "-p", "22"])
            .refused(&[(0, "Bad port 'abc'")]),
        case("-J after -o ProxyCommand", "")
            .args(&["-o", "ProxyCommand=x", "-J", "j"])
            .refused(&[(0, "Cannot specify -J with ProxyCommand")]),
        case("-J twice", "")
            .args(&["-J", "a", "-J", "b"])
            .refused(&[(0, "Only a single -J option is permitted")]),
        case("-l with shell characters", "")
            .args(&["-l", "a;b"])
            .refused(&[(0, "remote username contains invalid characters")]),
        case("host with shell characters", "")
            .dest("h;rm")
            .refused(&[(0, "hostname contains invalid characters")]),
    ]
}
