//! Differential test: sshdoctor's config resolution against the installed `ssh -G`.
//!
//! Every case writes a config (and any included files) into a temporary HOME, runs
//! `ssh -G -F <file> [options] <destination>` there, resolves the same input with
//! `sshdoctor::config::resolve`, and compares the keywords sshdoctor relies on.
//! Skipped (with a note) when no `ssh` is on PATH.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sshdoctor::config::{self, ConfigInput, ResolvedConfig};

/// Keywords compared in every case.
const COMPARED: &[&str] = &[
    "hostname",
    "port",
    "user",
    "identityfile",
    "certificatefile",
    "userknownhostsfile",
    "globalknownhostsfile",
    "identityagent",
    "proxyjump",
    "proxycommand",
    "addressfamily",
    "connecttimeout",
    "stricthostkeychecking",
    "hashknownhosts",
    "checkhostip",
    "hostkeyalias",
    "identitiesonly",
    "batchmode",
    "pubkeyauthentication",
    "passwordauthentication",
    "kbdinteractiveauthentication",
    "preferredauthentications",
    "numberofpasswordprompts",
    "controlpath",
];

/// Algorithm keywords: sshdoctor keeps the raw value, ssh prints the expanded list, so they
/// are compared only in cases that set a plain explicit list.
const ALGORITHMS: &[&str] = &[
    "kexalgorithms",
    "hostkeyalgorithms",
    "ciphers",
    "macs",
    "pubkeyacceptedalgorithms",
];

/// ssh -G prints these space-separated on one line.
const ONE_LINE_LISTS: &[&str] = &["userknownhostsfile", "globalknownhostsfile"];

struct Case {
    name: &'static str,
    config: &'static str,
    /// Extra files relative to HOME: (path, contents).
    files: &'static [(&'static str, &'static str)],
    /// ssh arguments before the destination (`{H}` is replaced by HOME).
    args: &'static [&'static str],
    destination: &'static str,
    compare_algorithms: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "alias with HostName, first value wins across blocks",
        config: "Host alias\n  HostName Real.Example.COM\n  Port 2222\n  Port 3333\n  User bob\n  IdentityFile ~/.ssh/id_alias\n\nHost *\n  User nobody\n  Port 4444\n  IdentityFile ~/.ssh/id_common\n  IdentityFile ~/.ssh/id_alias\n",
        files: &[],
        args: &[],
        destination: "alias",
        compare_algorithms: false,
    },
    Case {
        name: "negated Host pattern rejects the block",
        config: "Host !bad* *.example.com\n  User good\n  Port 1022\nHost *\n  User fallback\n",
        files: &[],
        args: &[],
        destination: "bad.example.com",
        compare_algorithms: false,
    },
    Case {
        name: "negated Host pattern, non-matching negation",
        config: "Host !bad* *.example.com\n  User good\n  Port 1022\nHost *\n  User fallback\n",
        files: &[],
        args: &[],
        destination: "good.example.com",
        compare_algorithms: false,
    },
    Case {
        name: "Match host sees HostName, originalhost sees alias, user/localuser/all",
        config: "Host web\n  HostName web01.internal\nMatch host *.internal\n  Port 2200\nMatch originalhost web user root\n  IdentityFile ~/.ssh/id_web\nMatch localuser nosuchuser\n  User wrong\nMatch !localuser nosuchuser\n  CheckHostIP yes\nMatch all\n  User deploy\nMatch user deploy\n  BatchMode yes\n",
        files: &[],
        args: &[],
        destination: "web",
        compare_algorithms: false,
    },
    Case {
        name: "Match final re-reads with the resolved host",
        config: "Host real.example\n  User fromfinal\n  IdentityFile ~/.ssh/id_final_host\nHost alias\n  HostName real.example\n  IdentityFile ~/.ssh/id_first\nMatch final\n  Port 777\nMatch !final\n  HashKnownHosts yes\nMatch canonical\n  ConnectTimeout 7\n",
        files: &[],
        args: &[],
        destination: "alias",
        compare_algorithms: false,
    },
    Case {
        name: "Include: relative glob, nested absolute, scoped to Host",
        config: "Include conf.d/*.conf\nHost inc\n  Include {H}/scoped.conf\nHost other\n  Include {H}/never.conf\nHost *\n  Port 9999\n",
        files: &[
            (".ssh/conf.d/10-first.conf", "Host inc\n  User first\nInclude {H}/nested.conf\n"),
            (".ssh/conf.d/20-second.conf", "Host *\n  IdentityFile ~/.ssh/id_second\n"),
            (".ssh/conf.d/ignored.txt", "User notincluded\n"),
            ("nested.conf", "Host inc\n  HostName nested.example\n"),
            ("scoped.conf", "Port 1234\nHost nomatch\n  ConnectTimeout 3\n"),
            ("never.conf", "Host *\n  Port 1\n"),
        ],
        args: &[],
        destination: "inc",
        compare_algorithms: false,
    },
    Case {
        name: "tokens in IdentityFile, UserKnownHostsFile, ProxyCommand, ControlPath, IdentityAgent",
        config: "Host tok\n  HostName tok.example.org\n  Port 2022\n  User tuser\n  IdentityFile ~/.ssh/id_%h_%p_%r_%u_%n_%l_%L_%i_%k_%%\n  CertificateFile %d/.ssh/cert_%h-cert.pub\n  UserKnownHostsFile ~/.ssh/kh_%h %d/.ssh/kh2_%n_%C\n  ProxyCommand nc -X connect %h %p %r %n %%\n  ControlPath ~/.ssh/cm-%C\n  IdentityAgent ~/agent-%r-%h\n  HostKeyAlias Tok-Alias\n",
        files: &[],
        args: &[],
        destination: "tok",
        compare_algorithms: false,
    },
    Case {
        name: "quoted values and = syntax",
        config: "Host = q\n  User = \"bob\"\n  HostName=\"q.example.com\"\n  IdentityFile \"~/.ssh/key with space\"\n  Port=2200\n  PreferredAuthentications = publickey,password # comment\n  StrictHostKeyChecking=accept-new\n",
        files: &[],
        args: &[],
        destination: "q",
        compare_algorithms: false,
    },
    Case {
        name: "command line first: -o, -p, -l, -i beat the file",
        config: "Host cli\n  Port 2222\n  User fileuser\n  IdentityFile ~/.ssh/id_file\n  ConnectTimeout 9\n",
        files: &[(".ssh/id_cli", "not a real key\n")],
        args: &["-o", "Port=1111", "-p", "2222", "-l", "carol", "-i", "{H}/.ssh/id_cli", "-o", "ConnectTimeout 5"],
        destination: "cli",
        compare_algorithms: false,
    },
    Case {
        name: "destination user@ and -o User ordering",
        config: "Host *\n  User fileuser\n",
        files: &[],
        args: &["-o", "IdentitiesOnly=yes"],
        destination: "dest@dest.example",
        compare_algorithms: false,
    },
    Case {
        name: "ProxyJump blocks a later ProxyCommand",
        config: "Host pj\n  ProxyJump jump1,juser@jump2:2200\n  ProxyCommand nc %h %p\n",
        files: &[],
        args: &[],
        destination: "pj",
        compare_algorithms: false,
    },
    Case {
        name: "ProxyCommand none blocks ProxyJump; ProxyJump none does not block ProxyCommand",
        config: "Host a\n  ProxyCommand none\n  ProxyJump j\nHost b\n  ProxyJump none\n  ProxyCommand ssh -W %h:%p gw\n",
        files: &[],
        args: &[],
        destination: "b",
        compare_algorithms: false,
    },
    Case {
        name: "known-hosts settings and IdentityFile none",
        config: "Host kh\n  UserKnownHostsFile none\n  GlobalKnownHostsFile /etc/ssh/a ~/.ssh/b\n  HashKnownHosts yes\n  CheckHostIP yes\n  StrictHostKeyChecking no\n  IdentityFile none\n",
        files: &[],
        args: &[],
        destination: "kh",
        compare_algorithms: false,
    },
    Case {
        name: "authentication settings",
        config: "Host auth\n  IdentitiesOnly yes\n  BatchMode true\n  PubkeyAuthentication unbound\n  PasswordAuthentication no\n  KbdInteractiveAuthentication false\n  NumberOfPasswordPrompts 1\n  ConnectTimeout 1m5\n  AddressFamily inet6\n",
        files: &[],
        args: &[],
        destination: "auth",
        compare_algorithms: false,
    },
    Case {
        name: "explicit algorithm lists",
        config: "Host alg\n  KexAlgorithms curve25519-sha256,diffie-hellman-group14-sha256\n  HostKeyAlgorithms ssh-ed25519,rsa-sha2-256\n  Ciphers aes128-ctr,aes256-gcm@openssh.com\n  MACs hmac-sha2-256\n  PubkeyAcceptedAlgorithms ssh-ed25519\n",
        files: &[],
        args: &[],
        destination: "alg",
        compare_algorithms: true,
    },
    Case {
        name: "Host is case-sensitive, Match host is not",
        config: "Host mixed\n  User lower\nMatch host MIXED\n  Port 4242\nMatch originalhost mixed\n  PasswordAuthentication no\n",
        files: &[],
        args: &[],
        destination: "MiXeD",
        compare_algorithms: false,
    },
    Case {
        name: "CanonicalizeHostname triggers the final pass",
        config: "CanonicalizeHostname yes\nMatch canonical\n  Port 5050\nMatch !canonical\n  User precanon\n",
        files: &[],
        args: &[],
        destination: "canon",
        compare_algorithms: false,
    },
    Case {
        name: "Match user sees the command-line user; keywords are case-insensitive",
        config: "MATCH User cliuser\n  IDENTITYFILE ~/.ssh/id_cliuser\nmatch user fileuser\n  port 1\nhost *\n  user fileuser\n",
        files: &[],
        args: &["-l", "cliuser"],
        destination: "mu",
        compare_algorithms: false,
    },
    Case {
        name: "Match exec is not run by sshdoctor (false here, as ssh)",
        config: "Match exec false\n  Port 1\nMatch host ex exec \"test -n ''\"\n  Port 2\n  User ex\n",
        files: &[],
        args: &[],
        destination: "ex",
        compare_algorithms: false,
    },
];

/// `ssh -G` output as keyword → values (one-line lists split).
fn parse_ssh_g(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(' ') else {
            continue;
        };
        let entry = out.entry(k.to_string()).or_default();
        if ONE_LINE_LISTS.contains(&k) {
            entry.extend(v.split(' ').map(str::to_string));
        } else {
            entry.push(v.to_string());
        }
    }
    out
}

fn run_ssh_g(home: &Path, args: &[String]) -> Result<String, String> {
    let out = Command::new("ssh")
        .args(args)
        .env("HOME", home)
        .current_dir(home)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The directory ssh expands `~` to (its passwd entry, not $HOME).
fn ssh_tilde_home(home: &Path) -> String {
    let args = [
        "-G",
        "-F",
        "/dev/null",
        "-o",
        "UserKnownHostsFile=~/MARK",
        "probe",
    ]
    .map(String::from);
    let out = run_ssh_g(home, &args).expect("ssh -G works");
    let g = parse_ssh_g(&out);
    g["userknownhostsfile"][0]
        .trim_end_matches("/MARK")
        .to_string()
}

/// ssh -G prints IdentityFile/CertificateFile unexpanded and ProxyCommand before its
/// expansion at connect time: expand them the way ssh does when it uses them.
fn expand_like_ssh(s: &str, keys: &[(char, String)]) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(k) => match keys.iter().find(|(key, _)| *key == k) {
                Some((_, v)) => out.push_str(v),
                None => panic!("test corpus uses unsupported token %{k} in {s}"),
            },
            None => out.push('%'),
        }
    }
    out
}

/// Write a file ssh will accept regardless of the umask (it rejects group-writable configs).
fn write_private(path: &Path, contents: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, contents).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn check_case(case: &Case, dir: &Path, tilde_home: &str) -> Vec<String> {
    let home = dir.join(case.name.replace(|c: char| !c.is_ascii_alphanumeric(), "_"));
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    let h = home.to_string_lossy().into_owned();
    let sub = |s: &str| s.replace("{H}", &h);
    for (rel, contents) in case.files {
        let path = home.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_private(&path, &sub(contents));
    }
    let cfg = home.join("case.conf");
    write_private(&cfg, &sub(case.config));

    // ssh's view.
    let mut ssh_args: Vec<String> =
        vec!["-G".into(), "-F".into(), cfg.to_string_lossy().into_owned()];
    ssh_args.extend(case.args.iter().map(|a| sub(a)));
    ssh_args.push(case.destination.to_string());
    let ssh_out = match run_ssh_g(&home, &ssh_args) {
        Ok(o) => o,
        Err(e) => return vec![format!("ssh -G failed: {e}")],
    };
    let ssh = parse_ssh_g(&ssh_out);

    // sshdoctor's view of the same input.
    let (user_part, host) = match case.destination.split_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, case.destination),
    };
    let mut options = Vec::new();
    let mut it = case.args.iter().map(|a| sub(a));
    while let Some(flag) = it.next() {
        let value = it.next().expect("flag value");
        let pair = match flag.as_str() {
            "-o" => config::parse_option_arg(&value).expect("valid -o"),
            "-p" => ("Port".to_string(), value),
            "-l" => ("User".to_string(), value),
            "-i" => ("IdentityFile".to_string(), value),
            "-J" => ("ProxyJump".to_string(), value),
            other => panic!("unsupported flag {other}"),
        };
        options.push(pair);
    }
    if let Some(u) = user_part {
        options.push(("User".to_string(), u.to_string()));
    }
    let input = ConfigInput {
        host: host.to_string(),
        options,
        user_config: Some(cfg.clone()),
        system_config: PathBuf::from("/etc/ssh/ssh_config"),
        home: home.clone(),
        local_user: config::local_user(),
        local_hostname: config::local_hostname(),
        passwd_home: None,
    };
    let ours: ResolvedConfig = config::resolve(&input);

    let mut problems = Vec::new();
    for d in &ours.diagnostics {
        problems.push(format!(
            "unexpected diagnostic {}:{}: {}",
            d.path.display(),
            d.line,
            d.message
        ));
    }
    let first = |k: &str| {
        ssh.get(k)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    };
    let hostname = first("hostname");
    let keys: Vec<(char, String)> = {
        let local = config::local_hostname();
        let short = local.split('.').next().unwrap_or("").to_string();
        let alias = ssh
            .get("hostkeyalias")
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_else(|| hostname.clone());
        vec![
            ('h', hostname.clone()),
            ('p', first("port")),
            ('r', first("user")),
            ('u', config::local_user()),
            ('n', host.to_string()),
            ('d', tilde_home.to_string()),
            ('l', local),
            ('L', short),
            ('i', config::local_uid().to_string()),
            ('k', alias),
        ]
    };
    let proxy_keys: Vec<(char, String)> = {
        let alias = ssh
            .get("hostkeyalias")
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_else(|| host.to_string());
        vec![
            ('h', hostname.clone()),
            ('p', first("port")),
            ('r', first("user")),
            ('n', host.to_string()),
            ('k', alias),
        ]
    };
    let mut compared: Vec<&str> = COMPARED.to_vec();
    if case.compare_algorithms {
        compared.extend_from_slice(ALGORITHMS);
    }
    for kw in compared {
        let theirs: Vec<String> = ssh
            .get(kw)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|v| {
                let v = match kw {
                    "globalknownhostsfile" => match v.strip_prefix('~') {
                        Some(rest) => format!("{tilde_home}{rest}"),
                        None => v,
                    },
                    "identityfile" | "certificatefile" => {
                        let v = match v.strip_prefix('~') {
                            Some(rest) => format!("{tilde_home}{rest}"),
                            None => v,
                        };
                        expand_like_ssh(&v, &keys)
                    }
                    "proxycommand" => expand_like_ssh(&v, &proxy_keys),
                    _ => v,
                };
                // ssh prints some flags as true/false.
                let v = match v.as_str() {
                    "true" => "yes".to_string(),
                    "false" => "no".to_string(),
                    _ => v,
                };
                // ssh expands ~ (and %d) from the passwd entry; sshdoctor from ConfigInput.home.
                match v.strip_prefix(tilde_home) {
                    Some(rest)
                        if !tilde_home.is_empty() && (rest.is_empty() || rest.starts_with('/')) =>
                    {
                        format!("{h}{rest}")
                    }
                    _ => v,
                }
            })
            .collect();
        let ours_vals: Vec<String> = ours.get_all(kw).iter().map(|v| v.value.clone()).collect();
        println!("[{}] {kw}: {ours_vals:?}", case.name);
        if theirs != ours_vals {
            problems.push(format!(
                "{kw}: ssh -G {theirs:?} vs sshdoctor {ours_vals:?}"
            ));
        }
    }
    problems
}

#[test]
fn resolution_matches_ssh_g() {
    if Command::new("ssh").arg("-V").output().is_err() {
        println!("note: no ssh on PATH; skipping the ssh -G comparison");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tilde_home = ssh_tilde_home(dir.path());
    let mut failures = Vec::new();
    for case in CASES {
        for problem in check_case(case, dir.path(), &tilde_home) {
            failures.push(format!("[{}] {problem}", case.name));
        }
    }
    assert!(CASES.len() >= 12);
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn exec_blocks_are_reported_unevaluated() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c");
    std::fs::write(&cfg, "Match exec \"test -e /\" host h\n  Port 1\n").unwrap();
    let input = ConfigInput {
        host: "h".into(),
        user_config: Some(cfg),
        home: dir.path().to_path_buf(),
        local_user: "me".into(),
        local_hostname: "box".into(),
        passwd_home: None,
        ..ConfigInput::default()
    };
    let r = config::resolve(&input);
    assert_eq!(r.port().0, 22);
    assert_eq!(r.exec_blocks.len(), 1);
    assert_eq!(r.exec_blocks[0].line, 1);
    assert_eq!(r.exec_blocks[0].criteria, ["exec \"test -e /\""]);
}
