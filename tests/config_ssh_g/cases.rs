//! The cases of the `ssh -G` comparison: how a case is written and run, and sshdoctor's own
//! corners (refusals are in refusals.rs, openssh-portable's regress cases in regress.rs).

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

pub fn case(name: &str, config: &str) -> Case {
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
    pub fn dest(mut self, d: &str) -> Case {
        self.destination = d.into();
        self
    }
    pub fn args(mut self, a: &[&str]) -> Case {
        self.args = a.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn after(mut self, a: &[&str]) -> Case {
        self.after = a.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn file(mut self, rel: &str, text: &str) -> Case {
        self.files.push((rel.into(), text.into()));
        self
    }
    pub fn refused(mut self, why: &[(usize, &'static str)]) -> Case {
        self.expect = Expect::Refused(why.to_vec());
        self
    }
    pub fn exec(mut self, kw: &'static str) -> Case {
        self.expect = Expect::ExecWhatIf(kw);
        self
    }
    pub fn no_f(mut self) -> Case {
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
    v.extend(crate::refusals::refusals());
    v.extend(crate::regress::percent_sh());
    v.extend(crate::regress::sshcfgparse_sh());
    v.extend(crate::regress::cfginclude_sh());
    v.extend(crate::regress::portnum_and_uri_sh());
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
pub fn many(prefix: &str, n: usize) -> String {
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
