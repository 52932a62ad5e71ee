//! The cases of the `ssh -G` comparison: sshdoctor's own, and transcriptions of
//! openssh-portable's regress/ tests where they exercise what sshdoctor resolves
//! (percent.sh, sshcfgparse.sh, cfginclude.sh, portnum.sh, connect-uri.sh, host-expand.sh).
//! cfgmatch.sh tests sshd's Match only and has no client case to transcribe.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What ssh -G does with the case, and so what sshdoctor must do.
pub enum Expect {
    /// ssh -G accepts it: every keyword sshdoctor reports must agree.
    Agree,
    /// ssh refuses to start: sshdoctor must refuse too, with ssh's message at that line (0:
    /// any line) — as a usage error for command-line problems, `config.invalid_value` else.
    Refused(Vec<(usize, &'static str)>),
    /// ssh ran `Match exec` (it succeeded): sshdoctor did not, and its what-if for the block
    /// must give ssh's value of this keyword.
    ExecWhatIf(&'static str),
}

/// One comparison.
pub struct Case {
    pub name: String,
    pub config: String,
    /// Extra files relative to HOME: (path, contents). `{H}` is HOME.
    pub files: Vec<(String, String)>,
    /// Arguments before the destination (`{H}` is HOME).
    pub args: Vec<String>,
    pub destination: String,
    /// Arguments after the destination (ssh and sshdoctor read options there too).
    pub after: Vec<String>,
    pub env: Vec<(String, String)>,
    pub expect: Expect,
    /// Run without `-F`: ssh reads the passwd home's ~/.ssh/config and /etc/ssh/ssh_config.
    pub no_dash_f: bool,
}

static SERIAL: AtomicUsize = AtomicUsize::new(0);

fn case(name: &str, config: &str) -> Case {
    Case {
        name: name.to_string(),
        config: config.to_string(),
        files: Vec::new(),
        args: Vec::new(),
        destination: "h".into(),
        after: Vec::new(),
        env: Vec::new(),
        expect: Expect::Agree,
        no_dash_f: false,
    }
}

impl Case {
    fn dest(mut self, d: &str) -> Case {
        self.destination = d.into();
        self
    }
    fn args(mut self, a: &[&str]) -> Case {
        self.args = a.iter().map(|s| s.to_string()).collect();
        self
    }
    fn after(mut self, a: &[&str]) -> Case {
        self.after = a.iter().map(|s| s.to_string()).collect();
        self
    }
    fn file(mut self, rel: &str, text: &str) -> Case {
        self.files.push((rel.into(), text.into()));
        self
    }
    fn refused(mut self, why: &[(usize, &'static str)]) -> Case {
        self.expect = Expect::Refused(why.to_vec());
        self
    }
    fn exec(mut self, kw: &'static str) -> Case {
        self.expect = Expect::ExecWhatIf(kw);
        self
    }
    fn no_f(mut self) -> Case {
        self.no_dash_f = true;
        self
    }

    /// The host as typed (`%n`).
    pub fn host_arg(&self) -> String {
        sshdoctor::destination::parse(&self.destination)
            .map(|d| d.host)
            .unwrap_or_default()
    }

    /// Write the case's HOME (config 0600, as ssh wants) under `dir`; returns HOME.
    pub fn prepare(&self, dir: &Path) -> PathBuf {
        let n = SERIAL.fetch_add(1, Ordering::Relaxed);
        let home = dir.join(format!("case{n}"));
        std::fs::create_dir_all(home.join(".ssh")).unwrap();
        let h = home.to_string_lossy().into_owned();
        for (rel, text) in self
            .files
            .iter()
            .chain([&("case.conf".to_string(), self.config.clone())])
        {
            let path = home.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            write_private(&path, &text.replace("{H}", &h));
        }
        home
    }

    /// `-G [-F case.conf] ARGS DESTINATION AFTER`.
    pub fn ssh_args(&self, home: &Path) -> Vec<String> {
        let h = home.to_string_lossy().into_owned();
        let mut out = vec!["-G".to_string()];
        if !self.no_dash_f {
            out.push("-F".into());
            out.push(home.join("case.conf").to_string_lossy().into_owned());
        }
        out.extend(self.args.iter().map(|a| a.replace("{H}", &h)));
        out.push(self.destination.clone());
        out.extend(self.after.iter().map(|a| a.replace("{H}", &h)));
        out
    }
}

fn write_private(path: &Path, contents: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, contents).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Every case.
pub fn all() -> Vec<Case> {
    let mut v = resolution();
    v.extend(brief());
    v.extend(values());
    v.extend(refusals());
    v.extend(percent_sh());
    v.extend(sshcfgparse_sh());
    v.extend(cfginclude_sh());
    v.extend(portnum_and_uri_sh());
    v
}

/// Precedence, blocks, Match, Include, tokens, quoting (sshdoctor's first corpus).
fn resolution() -> Vec<Case> {
    vec![
        case("alias with HostName, first value wins across blocks", "Host alias\n  HostName Real.Example.COM\n  Port 2222\n  Port 3333\n  User bob\n  IdentityFile ~/.ssh/id_alias\n\nHost *\n  User nobody\n  Port 4444\n  IdentityFile ~/.ssh/id_common\n  IdentityFile ~/.ssh/id_alias\n").dest("alias"),
        case("negated Host pattern rejects the block", "Host !bad* *.example.com\n  User good\n  Port 1022\nHost *\n  User fallback\n").dest("bad.example.com"),
        case("negated Host pattern, non-matching negation", "Host !bad* *.example.com\n  User good\n  Port 1022\nHost *\n  User fallback\n").dest("good.example.com"),
        case("Match host sees HostName, originalhost the alias", "Host web\n  HostName web01.internal\nMatch host *.internal\n  Port 2200\nMatch originalhost web user root\n  IdentityFile ~/.ssh/id_web\nMatch localuser nosuchuser\n  User wrong\nMatch !localuser nosuchuser\n  CheckHostIP yes\nMatch all\n  User deploy\nMatch user deploy\n  BatchMode yes\n").dest("web"),
        case("Match final re-reads with the resolved host", "Host real.example\n  User fromfinal\n  IdentityFile ~/.ssh/id_final_host\nHost alias\n  HostName real.example\n  IdentityFile ~/.ssh/id_first\nMatch final\n  Port 777\nMatch !final\n  HashKnownHosts yes\nMatch canonical\n  ConnectTimeout 7\n").dest("alias"),
        case("Include: relative glob, nested absolute, scoped to Host", "Include conf.d/*.conf\nHost inc\n  Include {H}/scoped.conf\nHost other\n  Include {H}/never.conf\nHost *\n  Port 9999\n")
            .file(".ssh/conf.d/10-first.conf", "Host inc\n  User first\nInclude {H}/nested.conf\n")
            .file(".ssh/conf.d/20-second.conf", "Host *\n  IdentityFile ~/.ssh/id_second\n")
            .file(".ssh/conf.d/ignored.txt", "User notincluded\n")
            .file("nested.conf", "Host inc\n  HostName nested.example\n")
            .file("scoped.conf", "Port 1234\nHost nomatch\n  ConnectTimeout 3\n")
            .file("never.conf", "Host *\n  Port 1\n")
            .dest("inc"),
        case("tokens in IdentityFile, UserKnownHostsFile, ProxyCommand, ControlPath, IdentityAgent", "Host tok\n  HostName tok.example.org\n  Port 2022\n  User tuser\n  IdentityFile ~/.ssh/id_%h_%p_%r_%u_%n_%l_%L_%i_%k_%%\n  CertificateFile %d/.ssh/cert_%h-cert.pub\n  UserKnownHostsFile ~/.ssh/kh_%h %d/.ssh/kh2_%n_%C\n  ProxyCommand nc -X connect %h %p %r %n %%\n  ControlPath ~/.ssh/cm-%C\n  IdentityAgent ~/agent-%r-%h\n  HostKeyAlias Tok-Alias\n").dest("tok"),
        case("quoted values and = syntax", "Host = q\n  User = \"bob\"\n  HostName=\"q.example.com\"\n  IdentityFile \"~/.ssh/key with space\"\n  Port=2200\n  PreferredAuthentications = publickey,password # comment\n  StrictHostKeyChecking=accept-new\n").dest("q"),
        case("command line first: -o, -p, -l, -i beat the file", "Host cli\n  Port 2222\n  User fileuser\n  IdentityFile ~/.ssh/id_file\n  ConnectTimeout 9\n")
            .file(".ssh/id_cli", "not a real key\n")
            .args(&["-o", "Port=1111", "-p", "2222", "-l", "carol", "-i", "{H}/.ssh/id_cli", "-o", "ConnectTimeout 5"])
            .dest("cli"),
        case("destination user@ and -o ordering", "Host *\n  User fileuser\n").args(&["-o", "IdentitiesOnly=yes"]).dest("dest@dest.example"),
        case("ProxyJump blocks a later ProxyCommand", "Host pj\n  ProxyJump jump1,juser@jump2:2200\n  ProxyCommand nc %h %p\n").dest("pj"),
        case("ProxyJump none does not block ProxyCommand", "Host a\n  ProxyCommand none\n  ProxyJump j\nHost b\n  ProxyJump none\n  ProxyCommand ssh -W %h:%p gw\n").dest("b"),
        case("ProxyCommand none blocks ProxyJump", "Host a\n  ProxyCommand none\n  ProxyJump j\n").dest("a"),
        case("known-hosts settings and IdentityFile none", "Host kh\n  UserKnownHostsFile none\n  GlobalKnownHostsFile /etc/ssh/a ~/.ssh/b\n  HashKnownHosts yes\n  CheckHostIP yes\n  StrictHostKeyChecking no\n  IdentityFile none\n").dest("kh"),
        case("authentication settings", "Host auth\n  IdentitiesOnly yes\n  BatchMode true\n  PubkeyAuthentication unbound\n  PasswordAuthentication no\n  KbdInteractiveAuthentication false\n  NumberOfPasswordPrompts 1\n  ConnectTimeout 1m5\n  AddressFamily inet6\n").dest("auth"),
        case("explicit algorithm lists", "Host alg\n  KexAlgorithms curve25519-sha256,diffie-hellman-group14-sha256\n  HostKeyAlgorithms ssh-ed25519,rsa-sha2-256\n  Ciphers aes128-ctr,aes256-gcm@openssh.com\n  MACs hmac-sha2-256\n  PubkeyAcceptedAlgorithms ssh-ed25519\n  CASignatureAlgorithms ssh-ed25519,rsa-sha2-512\n  HostbasedAcceptedAlgorithms ssh-ed25519\n").dest("alg"),
        case("algorithm lists with +, - and ^", "KexAlgorithms +diffie-hellman-group1-sha1\nCiphers -aes128*\nMACs ^hmac-md5\nHostKeyAlgorithms -ssh-ed25519*\nPubkeyAcceptedAlgorithms +ssh-dss\n"),
        case("Host is case-sensitive, Match host is not", "Host mixed\n  User lower\nMatch host MIXED\n  Port 4242\nMatch originalhost mixed\n  PasswordAuthentication no\n").dest("MiXeD"),
        case("CanonicalizeHostname triggers the final pass", "CanonicalizeHostname yes\nMatch canonical\n  Port 5050\nMatch !canonical\n  User precanon\n").dest("canon"),
        case("Match user sees the command-line user; keywords are case-insensitive", "MATCH User cliuser\n  IDENTITYFILE ~/.ssh/id_cliuser\nmatch user fileuser\n  port 1\nhost *\n  user fileuser\n").args(&["-l", "cliuser"]).dest("mu"),
        case("Match exec false: not run by sshdoctor, false for ssh", "Match exec false\n  Port 1\nMatch host ex exec \"test -n ''\"\n  Port 2\n  User ex\n").dest("ex"),
        case("no -F: the passwd home's ~/.ssh/config, then /etc/ssh/ssh_config", "").no_f(),
    ]
}

/// The corners issue 10 names: %k, none, -p/-l twice, IgnoreUnknown order, **, list
/// keywords, Match exec, destinations.
fn brief() -> Vec<Case> {
    vec![
        case("%k is the host as typed, never the HostName", "Host Alias\n  HostName Real.Example\n  IdentityFile ~/.ssh/id_%k\n  UserKnownHostsFile ~/.ssh/known_hosts.d/%k\n  ControlPath ~/.ssh/cm-%k-%n-%h\n").dest("Alias"),
        case("%k is HostKeyAlias (lowercased) when set", "Host a\n  HostName Real.Example\n  HostKeyAlias KeyAlias\n  UserKnownHostsFile ~/.ssh/known_hosts.d/%k\n  IdentityFile ~/.ssh/id_%k\n  ProxyCommand nc %k %h\n").dest("a"),
        case("%k from -o HostKeyAlias", "UserKnownHostsFile ~/kh.%k\n").args(&["-o", "HostKeyAlias=FromCLI"]),
        case("time none is unset: a later Host * value wins", "ConnectTimeout none\nServerAliveInterval none\nForwardX11Timeout none\nRekeyLimit 1G none\nHost *\n  ConnectTimeout 5\n  ServerAliveInterval 6\n  ForwardX11Timeout 7\n  RekeyLimit 2G 9\n"),
        case("time none alone leaves the default", "ConnectTimeout none\nServerAliveInterval none\nForwardX11Timeout none\n"),
        case("-p given twice: the first counts, the second is not read", "").args(&["-p", "2200", "-p", "abc"]),
        case("-l given twice: the first counts", "").args(&["-l", "first", "-l", "second"]),
        case("-o Port before -p: -p is ignored", "").args(&["-o", "Port=5", "-p", "abc"]),
        case("-o IgnoreUnknown before an unknown -o keyword", "").args(&["-o", "IgnoreUnknown=foo*", "-o", "FooBar=1"]),
        case("-o IgnoreUnknown after an unknown -o keyword", "").args(&["-o", "FooBar=1", "-o", "IgnoreUnknown=foo*"]).refused(&[(0, "Bad configuration option: foobar")]),
        case("IgnoreUnknown from -o wins over the file's", "IgnoreUnknown other\nFooBar 1\n").args(&["-o", "IgnoreUnknown=foo*"]),
        case("Include a/**/*.conf is one level (glob(3))", "Include {H}/a/**/*.conf\nInclude {H}/a/**.conf\n")
            .file("a/x.conf", "SendEnv X\n")
            .file("a/b/y.conf", "SendEnv Y\n")
            .file("a/b/deep/w.conf", "SendEnv W\n")
            .file("a/c/z.conf", "SendEnv Z\n"),
        case("Include: $HOME for ~ and relative patterns", "Include ~/inc/*.conf\nInclude rel.conf\n")
            .file("inc/1.conf", "User fromtilde\n")
            .file(".ssh/rel.conf", "Port 2345\n"),
        case("list keywords keep every value", "UserKnownHostsFile ~/a ~/b %d/c\nGlobalKnownHostsFile /g1 /g2 ~/g3\nCanonicalDomains a.com B.org.\nPermitRemoteOpen h:1 [::1]:* x:22\nSendEnv A B -A C\nSetEnv A=1 B=\"x y\" A=2\nLogVerbose kex.c:*:1000 sshconnect.c:*\n"),
        case("CanonicalizePermittedCNAMEs rules", "CanonicalizePermittedCNAMEs *.A.com:*.B.com,*.c *.x:*.y\n").dest("localhost"),
        case("CanonicalizePermittedCNAMEs *", "CanonicalizePermittedCNAMEs *\n").dest("localhost"),
        case("32 UserKnownHostsFile and CanonicalDomains values are accepted", &format!("UserKnownHostsFile {}\nCanonicalDomains {}\n", many("/kh", 32), many("d", 32).replace('/', ""))),
        case("Match exec that succeeds: sshdoctor's what-if is ssh's value", "Match exec true\n  Port 2222\n").exec("port"),
        case("Match exec with other criteria: what-if", "Match host h exec \"test -d /\"\n  User viaexec\n  IdentityFile ~/.ssh/id_exec\n").exec("user"),
        case("h:2049 is a host name", "").dest("h:2049"),
        case("[h]:2049 is a host name to ssh 9.2", "").dest("[h]:2049"),
        case("u@h:22: user u, host h:22", "").dest("u@h:22"),
        case("ssh://h:2049 has a port", "").dest("ssh://h:2049"),
        case("ssh://u@h:2049/ with a trailing slash", "").dest("ssh://u@h:2049/"),
        case("ssh:// user with ;params and %-escapes", "").dest("ssh://%75ser;fp=x@H.Example"),
        case("destination port loses to an earlier -p", "").args(&["-p", "7"]).dest("ssh://h:2049"),
        case("destination user loses to an earlier -l, wins over a later one", "").args(&["-l", "early"]).dest("dest@h").after(&["-l", "late"]),
    ]
}

/// `n` values `prefix1 prefix2 ...` (domains end in `.example`).
fn many(prefix: &str, n: usize) -> String {
    (1..=n)
        .map(|i| {
            if prefix == "d" {
                format!("d{i}.example")
            } else {
                format!("{prefix}{i}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Values shown the way ssh -G prints them, and readconf.c's quirks.
fn values() -> Vec<Case> {
    vec![
        case("forwards in ssh -G form", "LocalForward 127.0.0.1:8080 [::1]:80\nLocalForward 8081 h:81\nLocalForward 8081 h:81\nRemoteForward 9090\nRemoteForward [::1]:0 h:22\nDynamicForward localhost:1080\nDynamicForward 1081\nLocalForward /l/%h.sock /tmp/%k.sock\nRemoteForward /r/%n localhost:80\n").dest("Host1"),
        case("ClearAllForwardings", "LocalForward 1 h:2\nClearAllForwardings yes\nTunnel yes\n"),
        case("IPQoS, TunnelDevice, StreamLocalBindMask, EscapeChar, ControlPersist, AddKeysToAgent", "IPQoS 0x10 af11\nTunnelDevice 3\nStreamLocalBindMask 022\nEscapeChar ^A\nControlPersist 0\nAddKeysToAgent confirm 5m\nRekeyLimit 1.5K\nLogLevel debug\nSyslogFacility local3\nFingerprintHash md5\n"),
        case("escape character forms", "EscapeChar \\\\\n").dest("e1"),
        case("escape character none", "EscapeChar none\nControlPersist 1h\nAddKeysToAgent 1h\n").dest("e2"),
        case("StreamLocalBindMask: every line counts, the last wins", "Host other\n StreamLocalBindMask 0111\nHost *\n StreamLocalBindMask 0222\nHost other2\n StreamLocalBindMask 0333\n"),
        case("SyslogFacility: the first line counts even in a block that does not apply", "Host other\n SyslogFacility LOCAL1\nHost *\n SyslogFacility LOCAL2\n"),
        case("ForwardAgent no, then a path: ssh -G shows the path", "ForwardAgent no\nForwardAgent /x/%h\n"),
        case("ForwardAgent yes", "ForwardAgent yes\n"),
        case("IdentityAgent forms", "IdentityAgent $SSH_AUTH_SOCK\n").dest("ia1"),
        case("IdentityAgent none", "IdentityAgent none\nControlPath none\nProxyCommand none\nRemoteCommand none\nLocalCommand none\n").dest("ia2"),
        case("HostName with %h, lowercased; addresses kept", "Host *.short\n  HostName %h.Example.COM\n").dest("Box.short"),
        case("HostName IPv6 address keeps its case", "HostName FE80::1\n"),
        case("ProxyJump forms", "ProxyJump a,u@10.0.0.1:2\n").dest("j1"),
        case("ProxyJump URI", "ProxyJump ssh://u@j:2/\n").dest("j2"),
        case("ProxyJump from -J", "").args(&["-J", "u@jump:2222"]).dest("j3"),
        case("RemoteCommand and LocalCommand", "RemoteCommand echo %h %k %n ~ ${FOO}\nLocalCommand echo %h\nKnownHostsCommand /bin/kh %H %f\nHostKeyAlias KA\n"),
        case("UpdateHostKeys, VerifyHostKeyDNS, ControlMaster, Tunnel, RequestTTY", "UpdateHostKeys ask\nVerifyHostKeyDNS yes\nControlMaster autoask\nTunnel ethernet\nRequestTTY force\nSessionType none\nStdinNull yes\nCompression yes\nCanonicalizeHostname always\nCanonicalizeMaxDots 0\n"),
        case("the remaining strings", "BindAddress 127.0.0.2\nBindInterface lo\nKbdInteractiveDevices pam\nXAuthLocation /opt/xauth\nPKCS11Provider /usr/lib/p11.so\nSecurityKeyProvider internal\nRevokedHostKeys ~/.ssh/revoked\nPreferredAuthentications publickey\nRequiredRSASize 2048\nGSSAPIAuthentication yes\nGSSAPIDelegateCredentials yes\n"),
        case("IdentityFile duplicates are dropped", "IdentityFile ~/.ssh/a\nIdentityFile ~/.ssh/b\nIdentityFile ~/.ssh/a\nCertificateFile ~/.ssh/c\nCertificateFile ~/.ssh/c\n"),
    ]
}

/// Lines and options ssh refuses to start with, with its own words.
fn refusals() -> Vec<Case> {
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

/// regress/percent.sh (OpenSSH 9.2): every token in RemoteCommand, ControlPath,
/// IdentityAgent, ForwardAgent, LocalForward, RemoteForward and UserKnownHostsFile, for
/// `remuser@somehost` with HostName 127.0.0.1 and HostKeyAlias localhost-with-alias; then
/// `${FOO}` in the keywords that take environment variables.
fn percent_sh() -> Vec<Case> {
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
fn sshcfgparse_sh() -> Vec<Case> {
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
fn cfginclude_sh() -> Vec<Case> {
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
fn portnum_and_uri_sh() -> Vec<Case> {
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
