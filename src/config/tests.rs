//! Resolution-level unit tests: precedence, blocks, Include, tokens, provenance, diagnostics.

use std::path::{Path, PathBuf};

use super::*;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".ssh")).unwrap();
        Env { dir }
    }

    fn home(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.home().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text.replace("{H}", &self.home().to_string_lossy())).unwrap();
        // ssh rejects group/world-writable config files; do not depend on the umask.
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        p
    }

    fn input(&self, host: &str) -> ConfigInput {
        ConfigInput {
            host: host.into(),
            options: Vec::new(),
            user_config: None,
            system_config: self.home().join("etc/ssh_config"),
            home: self.home().to_path_buf(),
            local_user: "me".into(),
            local_hostname: "box.local".into(),
            passwd_home: None,
        }
    }

    /// Resolve `host` with `text` as ~/.ssh/config.
    fn user(&self, text: &str, host: &str) -> ResolvedConfig {
        self.write(".ssh/config", text);
        resolve(&self.input(host))
    }

    fn at(&self, rel: &str, line: usize) -> Origin {
        Origin::File {
            path: self.home().join(rel),
            line,
        }
    }
}

fn val<'a>(r: &'a ResolvedConfig, k: &str) -> &'a str {
    r.get(k).map(|v| v.value.as_str()).unwrap_or("<unset>")
}

fn all(r: &ResolvedConfig, k: &str) -> Vec<String> {
    r.get_all(k).iter().map(|v| v.value.clone()).collect()
}

#[test]
fn defaults_without_any_file() {
    let env = Env::new();
    let r = resolve(&env.input("Host.Example"));
    assert_eq!(r.hostname().value, "host.example");
    assert_eq!(r.hostname().origin, Origin::Default);
    assert_eq!(r.port(), (22, Origin::Default));
    assert_eq!(r.user().value, "me");
    assert_eq!(r.original_host(), "Host.Example");
    assert_eq!(val(&r, "stricthostkeychecking"), "ask");
    assert_eq!(val(&r, "connecttimeout"), "none");
    assert_eq!(val(&r, "checkhostip"), "no");
    assert_eq!(r.get_all("identityfile").len(), 7);
    assert!(r.get_all("identityfile")[0].value.ends_with("/.ssh/id_rsa"));
    assert_eq!(
        all(&r, "globalknownhostsfile"),
        ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"]
    );
    assert!(r.get("kexalgorithms").is_none());
    assert!(r.get("preferredauthentications").is_none());
    assert!(r.diagnostics.is_empty() && r.files_read.is_empty());
    let settings = r.settings();
    assert_eq!(settings[0].0, "hostname");
    assert_eq!(settings[1].0, "user");
    assert_eq!(settings[2].0, "port");
}

#[test]
fn first_value_wins_with_exact_provenance() {
    let env = Env::new();
    let r = env.user("# comment\n\nHost web\n  Port 2200\n  Port 2300\n  User alice\nHost *\n  User bob\n  Port 1\n", "web");
    assert_eq!(r.port(), (2200, env.at(".ssh/config", 4)));
    assert_eq!(r.user().origin, env.at(".ssh/config", 6));
    assert_eq!(r.user().value, "alice");
    assert_eq!(r.files_read, vec![env.home().join(".ssh/config")]);
    assert_eq!(r.port().1.describe(env.home()), "~/.ssh/config line 4");
}

#[test]
fn command_line_then_user_then_system() {
    let env = Env::new();
    env.write(
        ".ssh/config",
        "Host *\n  Port 2000\n  IdentityFile ~/.ssh/user_key\n",
    );
    env.write(
        "etc/ssh_config",
        "Host *\n  Port 3000\n  User sysuser\n  IdentityFile ~/.ssh/sys_key\n  ConnectTimeout 5\n",
    );
    let mut input = env.input("h");
    input.options = vec![
        ("IdentityFile".into(), command_line_word("~/.ssh/cli key")),
        ("Port".into(), "1000".into()),
        ("port".into(), "1001".into()),
    ];
    let r = resolve(&input);
    assert_eq!(r.port(), (1000, Origin::CommandLine));
    assert_eq!(r.user().value, "sysuser");
    assert_eq!(val(&r, "connecttimeout"), "5");
    let h = env.home().display().to_string();
    assert_eq!(
        all(&r, "identityfile"),
        [
            format!("{h}/.ssh/cli key"),
            format!("{h}/.ssh/user_key"),
            format!("{h}/.ssh/sys_key")
        ]
    );
    assert_eq!(r.get_all("identityfile")[0].origin, Origin::CommandLine);
    assert_eq!(r.files_read.len(), 2);
}

#[test]
fn dash_f_skips_the_system_file_and_none_reads_nothing() {
    let env = Env::new();
    env.write("etc/ssh_config", "Port 3000\n");
    let f = env.write("custom.conf", "User fuser\n");
    let mut input = env.input("h");
    input.user_config = Some(f.clone());
    let r = resolve(&input);
    assert_eq!(r.port().0, 22);
    assert_eq!(r.user().value, "fuser");
    assert_eq!(r.files_read, vec![f]);
    input.user_config = Some(PathBuf::from("none"));
    let r = resolve(&input);
    assert!(r.files_read.is_empty() && r.diagnostics.is_empty());
    input.user_config = Some(env.home().join("missing.conf"));
    let r = resolve(&input);
    assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
    assert!(r.diagnostics[0]
        .message
        .contains("Can't open user config file"));
}

#[test]
fn host_patterns() {
    let env = Env::new();
    let text = "Host !bad.* *.example.com other\n  User good\nHost a,b\n  Port 9\nHost !only\n  Port 8\nHost *\n  User default\n";
    assert_eq!(env.user(text, "ok.example.com").user().value, "good");
    assert_eq!(env.user(text, "bad.example.com").user().value, "default");
    assert_eq!(env.user(text, "other").user().value, "good");
    assert_eq!(env.user(text, "a").port().0, 22);
    assert_eq!(env.user(text, "x").port().0, 22);
    assert_eq!(env.user("Host WEB\n  Port 7\n", "web").port().0, 22);
    assert_eq!(env.user("Host w?b\n  Port 7\n", "web").port().0, 7);
}

#[test]
fn match_criteria_combinations() {
    let env = Env::new();
    let text = "Host alias\n  HostName Real.Internal\nMatch host *.internal originalhost alias\n  Port 2222\nMatch user me localuser me\n  IdentitiesOnly yes\nMatch !user me\n  BatchMode yes\nMatch all\n  User later\nMatch user later\n  CheckHostIP yes\n";
    let r = env.user(text, "alias");
    assert_eq!(r.hostname().value, "real.internal");
    assert_eq!(r.port().0, 2222);
    assert_eq!(val(&r, "identitiesonly"), "yes");
    assert_eq!(val(&r, "batchmode"), "no");
    assert_eq!(r.user().value, "later");
    assert_eq!(val(&r, "checkhostip"), "yes");
}

#[test]
fn match_final_second_pass() {
    let env = Env::new();
    let text = "Host real.example\n  User viafinal\n  SendEnv A\nHost alias\n  HostName real.example\n  SendEnv B\n  IdentityFile ~/one\nMatch final\n  Port 777\n  IdentityFile ~/one\n  IdentityFile ~/two\n";
    let r = env.user(text, "alias");
    assert_eq!(r.port().0, 777);
    assert_eq!(r.user().value, "viafinal");
    assert_eq!(all(&r, "sendenv"), ["B", "A"]);
    let h = env.home().display().to_string();
    assert_eq!(
        all(&r, "identityfile"),
        [format!("{h}/one"), format!("{h}/two")]
    );
    assert_eq!(r.files_read.len(), 1);
}

#[test]
fn match_exec_and_errors() {
    let env = Env::new();
    let text = "Match exec \"false\"\n  Port 1\nMatch bogus x\n  Port 2\nMatch host\n  Port 3\nMatch all host x\n  Port 4\n";
    let r = env.user(text, "h");
    assert_eq!(r.port().0, 22);
    assert_eq!(r.exec_blocks.len(), 1);
    let block = &r.exec_blocks[0];
    assert_eq!(
        (block.line, block.criteria.clone()),
        (1, vec!["exec \"false\"".to_string()])
    );
    // If it matched, Port 1 would apply.
    assert_eq!(block.changes.len(), 1, "{:?}", block.changes);
    assert_eq!(
        (
            block.changes[0].keyword.as_str(),
            block.changes[0].now.clone(),
            block.changes[0].then.clone()
        ),
        ("port", vec!["22".to_string()], vec!["1".to_string()])
    );
    let lines: Vec<usize> = r.diagnostics.iter().map(|d| d.line).collect();
    assert_eq!(lines, [3, 5, 7]);
    assert!(r
        .diagnostics
        .iter()
        .all(|d| d.reaction == Reaction::BadOption));
    assert_eq!(
        r.diagnostics[0].message,
        "Bad Match condition (Unsupported Match attribute bogus)"
    );
}

#[test]
fn include_glob_relative_nested_and_scoped() {
    let env = Env::new();
    env.write(".ssh/conf.d/b.conf", "Host *\n  IdentityFile ~/b\n");
    env.write(
        ".ssh/conf.d/a.conf",
        "Host *\n  IdentityFile ~/a\nInclude {H}/nested.conf\n",
    );
    env.write("nested.conf", "User nested\nHost nomatch\n");
    env.write("scoped.conf", "Port 1234\n");
    env.write("never.conf", "ConnectTimeout 9\n");
    let text = "Include conf.d/*.conf\nHost other\n  Include {H}/never.conf\nHost h\n  Include ~/scoped.conf\n  HashKnownHosts yes\n";
    let r = env.user(&text.replace("{H}", &env.home().to_string_lossy()), "h");
    let h = env.home().display().to_string();
    assert_eq!(
        all(&r, "identityfile"),
        [format!("{h}/a"), format!("{h}/b")]
    );
    assert_eq!(r.user().value, "nested");
    assert_eq!(r.user().origin, env.at("nested.conf", 1));
    assert_eq!(r.port(), (1234, env.at("scoped.conf", 1)));
    assert_eq!(val(&r, "hashknownhosts"), "yes");
    assert_eq!(val(&r, "connecttimeout"), "none");
    let read: Vec<String> = r
        .files_read
        .iter()
        .map(|p| p.strip_prefix(env.home()).unwrap().display().to_string())
        .collect();
    assert_eq!(
        read,
        [
            ".ssh/config",
            ".ssh/conf.d/a.conf",
            "nested.conf",
            ".ssh/conf.d/b.conf",
            "never.conf",
            "scoped.conf"
        ]
    );
}

#[test]
fn include_cycles_and_system_relative() {
    let env = Env::new();
    // Including itself: ssh stops at depth 17 at once ("Too many recursive configuration
    // includes"); the line after the Include is never read.
    let r = env.user("Include config\nPort 5\n", "h");
    assert_eq!(r.port().0, 22);
    let fatal: Vec<&Diagnostic> = r
        .diagnostics
        .iter()
        .filter(|d| d.reaction == Reaction::Fatal)
        .collect();
    assert_eq!(fatal.len(), 1, "{:?}", r.diagnostics);
    assert_eq!(
        fatal[0].message,
        "Too many recursive configuration includes"
    );
    assert_eq!(fatal[0].line, 1);
    env.write(".ssh/config", "");
    env.write("etc/sys.d/x.conf", "User fromsys\n");
    env.write("etc/ssh_config", "Include sys.d/*.conf\nInclude ~/nope\n");
    let r = resolve(&env.input("h"));
    assert_eq!(r.user().value, "fromsys");
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.message.contains("bad include path")));
}

#[test]
fn tokens_use_final_values() {
    let env = Env::new();
    let text = "Host t\n  HostName %h.example.com\n  IdentityFile ~/.ssh/%h-%p-%r-%u-%n-%L-%l-%d\n  UserKnownHostsFile ~/kh_%h %%x\n  ProxyCommand nc %h %p %r %n %%\n  ControlPath ~/cm-%C\nHost *\n  Port 2022\n  User ruser\n";
    let r = env.user(text, "t");
    let h = env.home().display().to_string();
    assert_eq!(r.hostname().value, "t.example.com");
    assert_eq!(
        all(&r, "identityfile"),
        [format!(
            "{h}/.ssh/t.example.com-2022-ruser-me-t-box-box.local-{h}"
        )]
    );
    assert_eq!(
        all(&r, "userknownhostsfile"),
        [format!("{h}/kh_t.example.com"), "%x".to_string()]
    );
    assert_eq!(val(&r, "proxycommand"), "nc t.example.com 2022 ruser t %");
    let hash = super::sha1::hex(b"box.localt.example.com2022ruser");
    assert_eq!(val(&r, "controlpath"), format!("{h}/cm-{hash}"));
    let r = env.user("Host *\n  IdentityFile ~/%q\n", "t");
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].line, 2);
}

#[test]
fn quoting_equals_and_case() {
    let env = Env::new();
    let r = env.user(
        "HOST = q\n  user=\"a b\"\n  IdentityFile \"~/with space\"\r\n  PORT=2200  \n  hostname \t q.example # c\n",
        "q",
    );
    assert_eq!(r.user().value, "a b");
    assert_eq!(r.port().0, 2200);
    assert_eq!(r.hostname().value, "q.example");
    assert_eq!(
        all(&r, "identityfile"),
        [format!("{}/with space", env.home().display())]
    );
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
}

#[test]
fn diagnostics_for_bad_lines() {
    let env = Env::new();
    let text = "Prot 2\nPort 0\nBatchMode maybe\nUser \"open\nUser a b\nPort\nStrictHostKeyChecking off\nConnectTimeout soon\nRSAAuthentication yes\nProtocol 2\nUseRoaming no\n";
    let r = env.user(text, "h");
    let got: Vec<(usize, &str, Reaction)> = r
        .diagnostics
        .iter()
        .map(|d| (d.line, d.message.as_str(), d.reaction))
        .collect();
    // ssh's own words (OpenSSH 9.2 `ssh -G` on the same file).
    let bad = Reaction::BadOption;
    assert_eq!(
        got,
        [
            (1, "Bad configuration option: prot", bad),
            (2, "Bad port '0'.", bad),
            (3, "unsupported option \"maybe\".", bad),
            (4, "invalid quotes", bad),
            (5, "keyword user extra arguments at end of line", bad),
            (6, "no argument after keyword \"port\"", bad),
            (8, "invalid time value.", bad),
            (
                9,
                "Unsupported option \"rsaauthentication\"",
                Reaction::Logged
            ),
        ]
    );
    assert_eq!(r.user().value, "a");
    assert_eq!(val(&r, "stricthostkeychecking"), "no");
}

#[test]
fn permission_checked_files_are_listed() {
    // The owner/mode rule (with Debian's private-group exception) is judged by
    // identities::local_problems; resolution lists the files ssh checks.
    let env = Env::new();
    let p = env.write(".ssh/config", "Port 2\nInclude inc.conf\n");
    let inc = env.write(".ssh/inc.conf", "");
    let r = resolve(&env.input("h"));
    assert_eq!(r.port().0, 2);
    assert_eq!(r.checked_files, vec![p.clone(), inc.clone()]);
    let mut input = env.input("h");
    input.user_config = Some(p);
    assert_eq!(resolve(&input).checked_files, vec![inc]);
}

#[test]
fn ignore_unknown() {
    let env = Env::new();
    let r = env.user(
        "IgnoreUnknown UseKeychain,Foo*\nUseKeychain yes\nFooBar 1\nBaz 2\n",
        "h",
    );
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].line, 4);
    assert!(is_known_keyword("ProxyJump") && is_known_keyword("pubkeyacceptedkeytypes"));
    assert!(!is_known_keyword("UseKeychain") && !is_known_keyword(""));
}

#[test]
fn proxy_jump_and_command_interplay() {
    let env = Env::new();
    let r = env.user("ProxyJump j1,u@j2:2200\nProxyCommand nc %h %p\n", "h");
    assert_eq!(val(&r, "proxyjump"), "j1,u@j2:2200");
    assert!(r.get("proxycommand").is_none());
    let r = env.user("ProxyCommand none\nProxyJump j\n", "h");
    assert!(r.get("proxycommand").is_none() && r.get("proxyjump").is_none());
    let r = env.user("ProxyJump none\nProxyCommand nc %h %p\n", "h");
    assert_eq!(val(&r, "proxycommand"), "nc h 22");
    assert!(r.get("proxyjump").is_none());
    let mut input = env.input("h");
    input.options = vec![("ProxyJump".into(), "cli-jump".into())];
    let r = resolve(&input);
    assert_eq!(
        r.get("proxyjump").map(|v| v.origin.clone()),
        Some(Origin::CommandLine)
    );
}

#[test]
fn multi_valued_keywords() {
    let env = Env::new();
    let text = "UserKnownHostsFile ~/a ~/b\nUserKnownHostsFile ~/c\nSendEnv X Y\nSendEnv Z -X\nSetEnv A=1 B=2\nSetEnv C=3\nLocalForward 1 h:2\nLocalForward 1 h:2\nCertificateFile ~/c1\nCertificateFile ~/c1\nIdentityFile none\n";
    let r = env.user(text, "h");
    let h = env.home().display().to_string();
    assert_eq!(
        all(&r, "userknownhostsfile"),
        [format!("{h}/a"), format!("{h}/b")]
    );
    assert_eq!(all(&r, "sendenv"), ["Y", "Z"]);
    assert_eq!(all(&r, "setenv"), ["A=1", "B=2"]);
    assert_eq!(all(&r, "localforward"), ["1 [h]:2"]);
    assert_eq!(all(&r, "certificatefile"), [format!("{h}/c1")]);
    assert_eq!(all(&r, "identityfile"), ["none"]);
}

#[test]
fn option_arguments() {
    assert_eq!(
        parse_option_arg("Port=22").unwrap(),
        ("Port".into(), "22".into())
    );
    assert_eq!(
        parse_option_arg("User bob").unwrap(),
        ("User".into(), "bob".into())
    );
    assert_eq!(
        parse_option_arg(" SendEnv = A B ").unwrap(),
        ("SendEnv".into(), "A B".into())
    );
    assert_eq!(
        parse_option_arg("Prot=2").unwrap(),
        ("Prot".into(), "2".into())
    );
    assert!(parse_option_arg("Port")
        .unwrap_err()
        .contains("no argument"));
    assert!(parse_option_arg("Port=").is_err());
    assert!(parse_option_arg("").is_err());
    let opts = |xs: &[(&str, &str)]| -> Vec<(String, String)> {
        xs.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    // ssh -G: each of these exits 255 before reading any file.
    for (bad, why) in [
        (
            opts(&[("Host", "x")]),
            "Host directive not supported as a command-line option",
        ),
        (opts(&[("Port", "0")]), "Bad port '0'."),
        (opts(&[("Port", "99999")]), "Bad port '99999'."),
        (opts(&[("ConnectTimeout", "abc")]), "invalid time value."),
        (
            opts(&[("Foo", "bar"), ("IgnoreUnknown", "foo")]),
            "Bad configuration option: foo",
        ),
        (
            opts(&[("ConnectionAttempts", "0")]),
            "Invalid number of ConnectionAttempts",
        ),
        (
            opts(&[("User", "a b")]),
            "keyword user extra arguments at end of line",
        ),
    ] {
        assert_eq!(
            check_command_line(&bad),
            Err((0, why.to_string())),
            "{bad:?}"
        );
    }
    for good in [
        opts(&[("IgnoreUnknown", "foo"), ("Foo", "bar")]),
        opts(&[("Port", "+22"), ("Port", "ssh")]),
        opts(&[("User", &command_line_word("a b"))]),
    ] {
        assert_eq!(check_command_line(&good), Ok(()), "{good:?}");
    }
}

#[test]
fn garbage_never_panics() {
    let env = Env::new();
    let mut seed: u32 = 0x2545_f491;
    let alphabet: Vec<char> = "HostMatchIncludePort=\"' \t#!*?,%~${}\\\r\nxé0"
        .chars()
        .collect();
    for _ in 0..200 {
        let text: String = (0..80)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                alphabet[seed as usize % alphabet.len()]
            })
            .collect();
        let r = env.user(&text, "h%");
        let _ = (r.hostname(), r.port(), r.user(), r.settings());
        let _ = parse_option_arg(&text);
    }
    std::fs::write(
        env.home().join(".ssh/config"),
        [0xff, 0xfe, b'\n', 0, b'P', b' ', 0x80],
    )
    .unwrap();
    let _ = resolve(&env.input(""));
    let empty = ResolvedConfig::default();
    assert_eq!(
        (
            empty.hostname().value.as_str(),
            empty.port().0,
            empty.user().value.as_str()
        ),
        ("", 22, "")
    );
}

#[test]
fn tilde_and_defaults_from_the_passwd_home_include_from_home() {
    // HOME is `env.home()`; the passwd entry says `pw`: as ssh, `~`, `%d`, ~/.ssh/config and
    // the default files come from `pw`; Include patterns (glob(3) GLOB_TILDE) from HOME.
    let env = Env::new();
    let pw = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(pw.path().join(".ssh")).unwrap();
    let pw_config = pw.path().join(".ssh/config");
    std::fs::write(
        &pw_config,
        "Include rel.conf\nInclude ~/tilde.conf\nIdentityFile ~/.ssh/id_x\nControlPath %d/cm\n",
    )
    .unwrap();
    env.write(".ssh/rel.conf", "Port 2345\n");
    env.write("tilde.conf", "User fromhome\n");
    let mut input = env.input("h");
    input.passwd_home = Some(pw.path().to_path_buf());
    let r = resolve(&input);
    let p = pw.path().display().to_string();
    assert_eq!(r.files_read[0], pw_config);
    assert_eq!(r.port().0, 2345);
    assert_eq!(r.user().value, "fromhome");
    assert_eq!(all(&r, "identityfile"), [format!("{p}/.ssh/id_x")]);
    assert_eq!(val(&r, "controlpath"), format!("{p}/cm"));
    assert_eq!(
        all(&r, "userknownhostsfile"),
        [
            format!("{p}/.ssh/known_hosts"),
            format!("{p}/.ssh/known_hosts2")
        ]
    );
    assert_eq!(r.home, pw.path());
}

#[test]
fn percent_k_is_the_alias_or_the_host_as_typed() {
    let env = Env::new();
    let h = env.home().display().to_string();
    let text =
        "Host Web\n  HostName real.example\n  IdentityFile ~/id_%k\n  UserKnownHostsFile ~/kh/%k\n";
    let r = env.user(text, "Web");
    assert_eq!(all(&r, "identityfile"), [format!("{h}/id_Web")]);
    assert_eq!(all(&r, "userknownhostsfile"), [format!("{h}/kh/Web")]);
    let r = env.user(&format!("{text}  HostKeyAlias KA\n"), "Web");
    assert_eq!(all(&r, "identityfile"), [format!("{h}/id_ka")]);
}

#[test]
fn time_none_leaves_the_value_to_a_later_line() {
    let env = Env::new();
    let r = env.user(
        "ConnectTimeout none\nServerAliveInterval none\nHost *\n  ConnectTimeout 5\n  ServerAliveInterval 1m\n",
        "h",
    );
    assert_eq!(val(&r, "connecttimeout"), "5");
    assert_eq!(val(&r, "serveraliveinterval"), "60");
    let r = env.user("ConnectTimeout none\n", "h");
    assert_eq!(r.get("connecttimeout").unwrap().origin, Origin::Default);
}

#[test]
fn command_words_for_known_hosts_command() {
    let env = Env::new();
    let input = env.input("Web");
    env.write(
        ".ssh/config",
        "Host Web\n  HostName real.example\n  Port 2200\n",
    );
    let r = resolve(&input);
    let mut tokens = default_tokens(&r, &input);
    tokens.push(('H', "real.example".into()));
    let words = command_words("/usr/bin/kh \"%h %p\" %k %H # not a comment", &tokens).unwrap();
    assert_eq!(
        words,
        [
            "/usr/bin/kh",
            "real.example 2200",
            "Web",
            "real.example",
            "#",
            "not",
            "a",
            "comment"
        ]
    );
    assert!(command_words("/kh %Z", &tokens).is_err());
    assert!(command_words("", &tokens).is_err());
}

#[test]
fn value_parsers_never_panic() {
    let mut seed: u32 = 0x1234_5678;
    let alphabet: Vec<char> = "0123456789abcdefxKMGTPE.+-:/[]\\*?!^%~${} \t\"'@;é#"
        .chars()
        .collect();
    for len in 0..40 {
        for _ in 0..40 {
            let s: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    alphabet[seed as usize % alphabet.len()]
                })
                .collect();
            let _ = super::values::scan_scaled(&s);
            let _ = super::values::convtime(&s);
            let _ = super::values::ipqos(&s);
            let _ = super::values::tunnel_device(&s);
            let _ = super::values::bind_mask(&s);
            let _ = super::values::escape_char(&s);
            let _ = super::values::valid_domain(&s);
            let _ = super::values::permit_open(&s);
            let _ = super::values::add_keys_to_agent(&[s.clone(), s.clone()]);
            for (dynamic, remote) in [(false, false), (true, false), (false, true)] {
                let _ = super::forward::parse(&s, dynamic, remote);
            }
            let _ = super::jump::parse_hop(&s);
            let _ = parse_ssh_uri(&s);
            let _ = crate::destination::parse(&s);
            let chars: Vec<char> = s.chars().collect();
            let _ = super::glob::fnmatch(&chars, &chars);
            let _ = check_command_line(&[
                ("Port".into(), s.clone()),
                ("LocalForward".into(), s.clone()),
            ]);
            let _ = command_words(&s, &[('h', "x".into())]);
        }
    }
}
