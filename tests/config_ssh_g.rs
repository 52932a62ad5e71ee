//! Differential test: sshdoctor's config resolution and verdict against the installed `ssh -G`.
//!
//! Every case writes a config (and any included files) into a temporary HOME, runs
//! `ssh -G -F <file> ARGS DESTINATION` there (HOME set to that directory: ssh still takes `~`
//! from the passwd entry), turns the same command line into resolution input through
//! sshdoctor's own command-line code, and compares every keyword sshdoctor reports that
//! `ssh -G` prints, every value of it. Cases ssh refuses must be refused by sshdoctor too,
//! with ssh's message at the same line. Skipped (with a note) when no `ssh` is on PATH.

#[path = "config_ssh_g/cases.rs"]
mod cases;
#[path = "config_ssh_g/refusals.rs"]
mod refusals;
#[path = "config_ssh_g/regress.rs"]
mod regress;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use cases::{Case, Expect};
use sshdoctor::algorithms::{AlgKind, OpenSshVersion};
use sshdoctor::config::{self, ConfigInput, ResolvedConfig};

/// ssh -G prints these space-separated on one line.
const ONE_LINE_LISTS: &[&str] = &[
    "userknownhostsfile",
    "globalknownhostsfile",
    "canonicaldomains",
    "canonicalizepermittedcnames",
    "permitremoteopen",
    "logverbose",
];

/// Algorithm keywords: sshdoctor keeps the configured value; ssh -G prints the assembled list,
/// which sshdoctor's `algorithms::effective` computes from it.
const ALGORITHMS: &[(&str, AlgKind)] = &[
    ("kexalgorithms", AlgKind::Kex),
    ("hostkeyalgorithms", AlgKind::HostKey),
    ("ciphers", AlgKind::Cipher),
    ("macs", AlgKind::Mac),
    ("pubkeyacceptedalgorithms", AlgKind::PubkeyAccepted),
];

/// `ssh -G` output as keyword → values (one-line lists split, keywords lowercased).
fn parse_ssh_g(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(' ') else {
            continue;
        };
        let k = k.to_ascii_lowercase();
        let entry = out.entry(k.clone()).or_default();
        if ONE_LINE_LISTS.contains(&k.as_str()) {
            entry.extend(v.split(' ').map(str::to_string));
        } else {
            entry.push(v.to_string());
        }
    }
    out
}

/// What the real ssh did: exit success, stdout, stderr.
struct SshRun {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn run_ssh_g(home: &Path, args: &[String], env: &[(String, String)]) -> SshRun {
    let out = Command::new("ssh")
        .args(args)
        .env("HOME", home)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(home)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run ssh");
    SshRun {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The directory ssh expands `~` to: the passwd entry's home, whatever HOME says.
fn passwd_home() -> String {
    let uid = config::local_uid().to_string();
    std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 5 && f[2] == uid).then(|| f[5].to_string())
        })
        .expect("a passwd entry for this uid")
}

/// Expand `%` tokens the way ssh does at use time (IdentityFile, ProxyCommand), for values
/// `ssh -G` prints unexpanded.
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

fn tilde(v: &str, home: &str) -> String {
    match v.strip_prefix('~') {
        Some(rest) => format!("{home}{rest}"),
        None => v.to_string(),
    }
}

/// ssh's values in sshdoctor's form: true/false as yes/no, and what ssh -G leaves unexpanded
/// (IdentityFile, CertificateFile, GlobalKnownHostsFile, ProxyCommand) expanded as ssh does
/// when it uses them.
fn normalize(
    kw: &str,
    values: &[String],
    ssh: &BTreeMap<String, Vec<String>>,
    case: &Case,
) -> Vec<String> {
    let first = |k: &str| {
        ssh.get(k)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    };
    let home = passwd_home();
    let local = config::local_hostname();
    let alias = ssh.get("hostkeyalias").and_then(|v| v.first()).cloned();
    let keys = vec![
        ('h', first("hostname")),
        ('p', first("port")),
        ('r', first("user")),
        ('u', config::local_user()),
        ('n', case.host_arg()),
        ('d', home.clone()),
        ('L', local.split('.').next().unwrap_or("").to_string()),
        ('l', local),
        ('i', config::local_uid().to_string()),
        ('k', alias.clone().unwrap_or_else(|| case.host_arg())),
    ];
    let proxy_keys = vec![
        ('h', first("hostname")),
        ('p', first("port")),
        ('r', first("user")),
        ('n', case.host_arg()),
        ('k', alias.unwrap_or_else(|| case.host_arg())),
    ];
    values
        .iter()
        .filter(|v| !(kw == "dynamicforward" && v.starts_with('/')))
        .map(|v| {
            let v = match kw {
                "identityfile" | "certificatefile" => expand_like_ssh(&tilde(v, &home), &keys),
                "globalknownhostsfile" => tilde(v, &home),
                "proxycommand" => expand_like_ssh(v, &proxy_keys),
                _ => v.clone(),
            };
            match v.as_str() {
                "true" => "yes".to_string(),
                "false" => "no".to_string(),
                _ => v,
            }
        })
        .collect()
}

fn installed_version() -> Option<OpenSshVersion> {
    sshdoctor::algorithms::installed_openssh().map(|(_, v)| v)
}

/// Compare every keyword sshdoctor reports with ssh -G; returns (comparisons, problems).
fn compare(
    case: &Case,
    ours: &ResolvedConfig,
    ssh: &BTreeMap<String, Vec<String>>,
) -> (usize, Vec<String>) {
    let mut problems = Vec::new();
    let mut compared = 0;
    for kw in ours.values.keys() {
        let Some(theirs) = ssh.get(kw) else { continue };
        let theirs = normalize(kw, theirs, ssh, case);
        let mut ours_vals: Vec<String> = ours.get_all(kw).iter().map(|v| v.value.clone()).collect();
        if let Some((_, kind)) = ALGORITHMS.iter().find(|(k, _)| k == kw) {
            let assembled =
                sshdoctor::algorithms::effective(installed_version(), *kind, Some(&ours_vals[0]))
                    .map(|l| l.join(","))
                    .unwrap_or_else(|e| format!("error: {e}"));
            ours_vals = vec![assembled];
        } else if matches!(
            kw.as_str(),
            "hostbasedacceptedalgorithms" | "casignaturealgorithms"
        ) && ours_vals[0].contains(['+', '-', '^', '*', '?'])
        {
            continue;
        }
        compared += 1;
        if theirs != ours_vals {
            problems.push(format!(
                "{kw}: ssh -G {theirs:?} vs sshdoctor {ours_vals:?}"
            ));
        }
    }
    (compared, problems)
}

/// Run one case; returns (comparisons made, problems).
fn check_case(case: &Case, dir: &Path) -> (usize, Vec<String>) {
    let home = case.prepare(dir);
    let ssh_args = case.ssh_args(&home);
    let ssh = run_ssh_g(&home, &ssh_args, &case.env);
    let input = sshdoctor::cli::resolution_input(&ssh_args[1..]).map(|i| ConfigInput {
        home: home.clone(),
        passwd_home: Some(passwd_home().into()),
        ..i
    });
    match (&case.expect, input) {
        (Expect::Refused(why), Err(usage)) => refused_on_command_line(&ssh, why, &usage),
        (_, Err(usage)) => (
            0,
            vec![format!(
                "sshdoctor usage error {usage:?}; ssh -G: ok={} {}",
                ssh.ok, ssh.stderr
            )],
        ),
        (expect, Ok(input)) => {
            let ours = config::resolve(&input);
            let verdict =
                sshdoctor::config_verdict::judge(&ours, &input, installed_version(), &|o| {
                    o.to_string()
                });
            match expect {
                Expect::Refused(why) => refused_in_config(&ssh, why, &verdict),
                Expect::Agree | Expect::ExecWhatIf(_) if !ssh.ok => {
                    (0, vec![format!("ssh -G failed: {}", ssh.stderr)])
                }
                Expect::Agree | Expect::ExecWhatIf(_) => {
                    let g = parse_ssh_g(&ssh.stdout);
                    let (n, mut problems) = if let Expect::ExecWhatIf(kw) = expect {
                        exec_what_if(&ours, &g, kw)
                    } else {
                        compare(case, &ours, &g)
                    };
                    if verdict.refused {
                        let ids: Vec<&str> =
                            verdict.findings.iter().map(|f| f.detail.as_str()).collect();
                        problems.push(format!("sshdoctor refuses what ssh accepts: {ids:?}"));
                    }
                    (n, problems)
                }
            }
        }
    }
}

/// `Match exec` ran in ssh; sshdoctor did not run it but says what would change: the value
/// ssh printed must be the what-if value.
fn exec_what_if(
    ours: &ResolvedConfig,
    ssh: &BTreeMap<String, Vec<String>>,
    kw: &str,
) -> (usize, Vec<String>) {
    let then = ours
        .exec_blocks
        .iter()
        .flat_map(|b| &b.changes)
        .find(|c| c.keyword == kw)
        .map(|c| c.then.clone());
    let theirs = ssh.get(kw).cloned();
    if then == theirs {
        (1, Vec::new())
    } else {
        (
            0,
            vec![format!(
                "{kw}: ssh -G ran Match exec and has {theirs:?}; sshdoctor's what-if says {then:?}"
            )],
        )
    }
}

fn refused_on_command_line(
    ssh: &SshRun,
    why: &[(usize, &str)],
    usage: &str,
) -> (usize, Vec<String>) {
    let mut problems = Vec::new();
    if ssh.ok {
        problems.push(format!("sshdoctor refuses ({usage}) what ssh -G accepts"));
    }
    for (_, message) in why {
        if !ssh.stderr.contains(message) {
            problems.push(format!("ssh did not say {message:?}: {}", ssh.stderr));
        }
        if !usage.contains(message) {
            problems.push(format!(
                "sshdoctor's usage error {usage:?} lacks ssh's {message:?}"
            ));
        }
    }
    (why.len(), problems)
}

fn refused_in_config(
    ssh: &SshRun,
    why: &[(usize, &str)],
    verdict: &sshdoctor::config_verdict::Verdict,
) -> (usize, Vec<String>) {
    let mut problems = Vec::new();
    if ssh.ok {
        problems.push("ssh -G accepted the case".to_string());
    }
    if !verdict.refused {
        problems.push("sshdoctor does not refuse it".to_string());
    }
    let evidence: Vec<&String> = verdict
        .findings
        .iter()
        .filter(|f| f.id == "config.invalid_value")
        .flat_map(|f| &f.evidence)
        .collect();
    for (line, message) in why {
        if !ssh.stderr.contains(message) {
            problems.push(format!("ssh did not say {message:?}: {}", ssh.stderr));
        }
        let at = format!(":{line}: {message}");
        let found = evidence
            .iter()
            .any(|e| e.contains(message) && (*line == 0 || e.contains(&at)));
        if !found {
            problems.push(format!(
                "no config.invalid_value with {message:?} at line {line}: {evidence:?}"
            ));
        }
    }
    (why.len(), problems)
}

#[test]
fn resolution_matches_ssh_g() {
    if Command::new("ssh").arg("-V").output().is_err() {
        println!("note: no ssh on PATH; skipping the ssh -G comparison");
        return;
    }
    std::env::set_var("FOO", "bar");
    let dir = tempfile::tempdir().unwrap();
    let all = cases::all();
    let mut failures = Vec::new();
    let mut comparisons = 0;
    for case in &all {
        let (n, problems) = check_case(case, dir.path());
        comparisons += n;
        for problem in problems {
            failures.push(format!("[{}] {problem}", case.name));
        }
    }
    println!(
        "ssh -G agreement: {} cases, {comparisons} comparisons, {} disagreements",
        all.len(),
        failures.len()
    );
    assert!(all.len() >= 150, "{}", all.len());
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `sshdoctor` and `ssh -G` run as processes with HOME pointing elsewhere: both take `~`, `%d`
/// and the default files from the passwd entry, Include patterns from HOME; sshdoctor says so.
#[test]
fn home_elsewhere_binary_agrees_with_ssh_g() {
    if Command::new("ssh").arg("-V").output().is_err() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::create_dir_all(home.join(".ssh/conf.d")).unwrap();
    let write = |rel: &str, text: &str| {
        use std::os::unix::fs::PermissionsExt;
        let p = home.join(rel);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        p
    };
    write(".ssh/conf.d/a.conf", "Port 4444\n");
    let cfg = write(
        "case.conf",
        "Include conf.d/*.conf\nIdentityFile ~/.ssh/id_home\nUserKnownHostsFile ~/.ssh/kh %d/kh2\nControlPath %d/cm-%r\n",
    );
    let cfg = cfg.display().to_string();
    let ssh = run_ssh_g(
        home,
        &["-G".into(), "-F".into(), cfg.clone(), "127.0.0.1".into()],
        &[],
    );
    assert!(ssh.ok, "{}", ssh.stderr);
    let g = parse_ssh_g(&ssh.stdout);
    let out = Command::new(env!("CARGO_BIN_EXE_sshdoctor"))
        .args([
            "--report",
            "json",
            "--timeout",
            "2",
            "-F",
            &cfg,
            "-p",
            "1",
            "127.0.0.1",
        ])
        .env("HOME", home)
        .env_remove("SSHDOCTOR_PASSWD_HOME")
        .env_remove("SSH_AUTH_SOCK")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let dest = &j["destination"];
    let values = |k: &str| -> Vec<String> {
        dest[k]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v["value"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_else(|| vec![dest[k]["value"].as_str().unwrap_or("").to_string()])
    };
    let pw = passwd_home();
    // -p 1 on the command line wins over the included Port 4444 (read from $HOME/.ssh/conf.d).
    assert_eq!(values("port"), ["1"]);
    assert_eq!(g["port"], ["4444"], "ssh read the include from HOME");
    assert_eq!(values("userknownhostsfile"), g["userknownhostsfile"]);
    assert_eq!(values("controlpath"), g["controlpath"]);
    assert_eq!(values("identityfile"), [format!("{pw}/.ssh/id_home")]);
    assert_eq!(g["identityfile"], ["~/.ssh/id_home"]);
    let logs: Vec<&str> = j["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["text"].as_str())
        .collect();
    assert!(
        logs.iter()
            .any(|l| l.contains("ssh takes ~ from the passwd entry") && l.contains(&pw)),
        "{logs:#?}"
    );
    let facts = j["facts"].as_array().unwrap();
    assert!(
        facts
            .iter()
            .any(|f| f["key"] == "home" && f["value"].as_str().unwrap().contains("$HOME is")),
        "{facts:?}"
    );
}
