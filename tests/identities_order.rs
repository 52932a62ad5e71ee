//! The identity order oracle: `identities::plan` must list the same keys in the same order as
//! the real OpenSSH client's `debug1: Will attempt key:` lines, against a real sshd and agent.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::agent::Agent;
use common::{fixture_dir, Sshd};
use sshdoctor::config::{self, ConfigInput};
use sshdoctor::identities::{self, Backing};

/// One attempted identity, as ssh -v names it: (file or agent comment, fingerprint, via agent).
type Attempt = (String, Option<String>, bool);

/// `ssh-keygen -q -t KIND -N '' -C NAME -f DIR/NAME`.
fn keygen(dir: &Path, kind: &str, name: &str) -> PathBuf {
    let path = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-C", name, "-f"])
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .expect("run ssh-keygen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// Runs the real ssh with `-F cfg` and `-i` files, returns its `Will attempt key:` list.
fn ssh_attempts(
    sshd: &Sshd,
    home: &Path,
    cfg: &Path,
    agent: &Agent,
    cli: &[&Path],
) -> Vec<Attempt> {
    let mut cmd = Command::new("ssh");
    cmd.arg("-v").arg("-F").arg(cfg);
    for i in cli {
        cmd.arg("-i").arg(i);
    }
    let out = cmd
        .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no"])
        .args([
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
        ])
        .args(["-o", "ControlPath=none", "-o", "ConnectTimeout=10"])
        .arg("-p")
        .arg(sshd.port().to_string())
        .arg("nobody-test@127.0.0.1")
        .arg("true")
        .env("HOME", home)
        .env("SSH_AUTH_SOCK", agent.socket())
        .env_remove("SSH_ASKPASS")
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .output()
        .expect("run ssh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let attempts: Vec<Attempt> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("debug1: Will attempt key: "))
        .map(|rest| {
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let fp = fields
                .iter()
                .find(|f| f.starts_with("SHA256:"))
                .map(|f| f.to_string());
            (fields[0].to_string(), fp, fields.contains(&"agent"))
        })
        .collect();
    assert!(
        stderr.contains("Will attempt key") || attempts.is_empty(),
        "ssh did not reach publickey authentication:\n{stderr}"
    );
    assert!(!attempts.is_empty(), "no Will attempt key lines:\n{stderr}");
    attempts
}

/// What `identities::plan` says, in the same shape.
async fn plan_attempts(
    home: &Path,
    cfg: &Path,
    cli: &[&Path],
) -> (Vec<Attempt>, identities::IdentityPlan) {
    // As the command line builds it: -i values become command-line IdentityFile options.
    let input = ConfigInput {
        host: "127.0.0.1".into(),
        options: cli
            .iter()
            .map(|p| ("IdentityFile".to_string(), p.display().to_string()))
            .collect(),
        user_config: Some(cfg.to_path_buf()),
        system_config: PathBuf::from("/etc/ssh/ssh_config"),
        home: home.to_path_buf(),
        local_user: config::local_user(),
        local_hostname: config::local_hostname(),
        passwd_home: None,
    };
    let resolved = config::resolve(&input);
    let plan = identities::plan(
        &resolved,
        sshdoctor::algorithms::installed_openssh().map(|v| v.1),
    )
    .await;
    let attempts = plan
        .offered
        .iter()
        .map(|id| {
            let name = match &id.file {
                Some(f) => f.display().to_string(),
                None => id.comment.clone(),
            };
            let via_agent = matches!(id.backing, Backing::Agent | Backing::FileInAgent);
            (name, id.fingerprint(), via_agent)
        })
        .collect();
    (attempts, plan)
}

struct Fixture {
    sshd: Sshd,
    agent: Agent,
    home: tempfile::TempDir,
    keys: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let sshd = Sshd::start("");
        let home = fixture_dir("idhome-");
        let keys = home.path().join("keys");
        fs::create_dir(&keys).unwrap();
        fs::set_permissions(&keys, fs::Permissions::from_mode(0o700)).unwrap();
        keygen(&keys, "ed25519", "file_and_agent");
        keygen(&keys, "ecdsa", "file_only");
        keygen(&keys, "rsa", "rsa_in_agent");
        keygen(&keys, "ed25519", "agent_only");
        keygen(&keys, "ed25519", "cli_key");
        let loose = keygen(&keys, "ed25519", "unprotected");
        fs::set_permissions(&loose, fs::Permissions::from_mode(0o644)).unwrap();
        let agent = Agent::start();
        // Agent order: agent_only, rsa_in_agent, file_and_agent.
        for name in ["agent_only", "rsa_in_agent", "file_and_agent"] {
            agent.add(&keys.join(name));
        }
        Fixture {
            sshd,
            agent,
            home,
            keys,
        }
    }

    fn key(&self, name: &str) -> PathBuf {
        self.keys.join(name)
    }

    fn write_config(&self, extra: &str) -> PathBuf {
        let mut text = format!("IdentityAgent {}\n{extra}", self.agent.socket().display());
        for name in [
            "file_only",
            "file_and_agent",
            "missing",
            "unprotected",
            "rsa_in_agent",
        ] {
            text.push_str(&format!("IdentityFile {}\n", self.key(name).display()));
        }
        let path = self.home.path().join("cfg");
        fs::write(&path, text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    async fn check(&self, extra: &str, cli: &[&Path]) -> identities::IdentityPlan {
        let cfg = self.write_config(extra);
        let listed = ssh_attempts(&self.sshd, self.home.path(), &cfg, &self.agent, cli);
        // ssh lists a file that does not exist at all, keyless, then skips it at attempt time
        // ("no such identity"): it is never tried, and the plan leaves it out.
        let missing = self.key("missing").display().to_string();
        assert!(
            listed.contains(&(missing.clone(), None, false)),
            "ssh did not list the missing file: {listed:?}"
        );
        let want: Vec<Attempt> = listed.into_iter().filter(|a| a.0 != missing).collect();
        let (got, plan) = plan_attempts(self.home.path(), &cfg, cli).await;
        assert_eq!(
            got, want,
            "plan (left) vs ssh -v Will attempt key (right), config extra {extra:?}"
        );
        plan
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_matches_ssh_with_agent() {
    let f = Fixture::new();
    let plan = f.check("", &[]).await;
    let names: Vec<String> = plan.offered.iter().map(|i| i.comment.clone()).collect();
    assert_eq!(
        names,
        [
            "rsa_in_agent",
            "file_and_agent",
            "agent_only",
            "file_only",
            "unprotected"
        ]
    );
    // The missing file is an explicit-configuration problem; the loose key is refused.
    let problems: Vec<_> = plan
        .problems
        .iter()
        .map(|p| {
            (
                p.file.file_name().unwrap().to_string_lossy().into_owned(),
                p.kind.clone(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            ("missing".to_string(), identities::ProblemKind::Missing),
            (
                "unprotected".to_string(),
                identities::ProblemKind::Unprotected { mode: 0o644 }
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_matches_ssh_identities_only() {
    let f = Fixture::new();
    let plan = f.check("IdentitiesOnly yes\n", &[]).await;
    assert!(plan.identities_only);
    assert!(plan.offered.iter().all(|i| i.backing != Backing::Agent));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_matches_ssh_with_command_line_identity() {
    let f = Fixture::new();
    let cli = f.key("cli_key");
    let agent_only = f.key("agent_only");
    // -i first; an -i file whose key is in the agent is promoted in agent order (here first).
    let plan = f.check("", &[&cli, &agent_only]).await;
    assert_eq!(plan.offered[0].file.as_deref(), Some(agent_only.as_path()));
    assert_eq!(plan.offered.last().unwrap().comment, "unprotected");
    assert_eq!(plan.offered[0].backing, Backing::FileInAgent);
    f.check("IdentitiesOnly yes\n", &[&cli]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_matches_ssh_with_filter() {
    let f = Fixture::new();
    let plan = f
        .check("PubkeyAcceptedAlgorithms -ssh-ed25519\n", &[])
        .await;
    assert!(plan
        .offered
        .iter()
        .all(|i| i.algorithm().as_deref() != Some("ssh-ed25519")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_matches_ssh_with_certificate_and_legacy_key() {
    let f = Fixture::new();
    let ca = keygen(&f.keys, "ed25519", "ca");
    let certified = keygen(&f.keys, "ed25519", "certified");
    let out = Command::new("ssh-keygen")
        .arg("-q")
        .arg("-s")
        .arg(&ca)
        .args(["-I", "id", "-n", "nobody-test"])
        .arg(certified.with_extension("pub"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A PEM key without .pub: ssh cannot know its public half before loading it.
    let legacy = f.key("legacy");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-f"])
        .arg(&legacy)
        .output()
        .unwrap();
    assert!(out.status.success());
    fs::remove_file(legacy.with_extension("pub")).unwrap();
    let extra = format!(
        "IdentityFile {}\nIdentityFile {}\n",
        certified.display(),
        legacy.display()
    );
    let plan = f.check(&extra, &[]).await;
    let cert = plan
        .offered
        .iter()
        .position(|i| i.certificate.is_some())
        .unwrap();
    assert_eq!(plan.offered[cert - 1].file, plan.offered[cert].file);
    assert!(plan
        .offered
        .iter()
        .any(|i| i.file.as_deref() == Some(legacy.as_path()) && i.key.is_none()));
}
