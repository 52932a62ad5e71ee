//! Unit tests for identity planning: order, agent promotion, IdentitiesOnly, file checks,
//! legacy formats, certificates and algorithm filtering, on `ssh-keygen` fixtures.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::*;
use crate::config::{resolve, ConfigInput};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let ssh = dir.path().join(".ssh");
        std::fs::create_dir_all(&ssh).unwrap();
        std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o700)).unwrap();
        Env { dir }
    }

    fn home(&self) -> &Path {
        self.dir.path()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.home().join(name)
    }

    /// `ssh-keygen -q -t TYPE -N PASS [extra] -f HOME/NAME`.
    fn keygen(&self, kind: &str, name: &str, pass: &str, extra: &[&str]) -> PathBuf {
        let path = self.path(name);
        let out = Command::new("ssh-keygen")
            .args(["-q", "-t", kind, "-N", pass, "-C", name])
            .args(extra)
            .arg("-f")
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

    /// Resolves with `text` as the `-F` file (the user's own config is not read).
    fn resolve(&self, text: &str, options: &[(&str, String)]) -> ResolvedConfig {
        let cfg = self.path("cfg");
        std::fs::write(&cfg, text.replace("{H}", &self.home().to_string_lossy())).unwrap();
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
        resolve(&ConfigInput {
            host: "target".into(),
            options: options
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            user_config: Some(cfg),
            system_config: self.path("no-system-config"),
            home: self.home().to_path_buf(),
            local_user: "me".into(),
            local_hostname: "box".into(),
            passwd_home: None,
        })
    }

    async fn plan(&self, text: &str) -> IdentityPlan {
        plan(&self.resolve(text, &[]), None).await
    }
}

fn pubkey(path: &Path) -> PublicKey {
    keyfile::try_load_public(&keyfile::with_suffix(path, ".pub")).unwrap()
}

fn files(plan: &IdentityPlan) -> Vec<String> {
    plan.offered.iter().map(Identity::label).collect()
}

fn kinds(plan: &IdentityPlan, file: &Path) -> Vec<ProblemKind> {
    plan.problems
        .iter()
        .filter(|p| p.file == file)
        .map(|p| p.kind.clone())
        .collect()
}

/// A throwaway `ssh-agent -D` holding `keys`.
struct Agent {
    child: Child,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Agent {
    fn start(keys: &[&Path]) -> Agent {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run ssh-agent");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "ssh-agent did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        for key in keys {
            let out = Command::new("ssh-add")
                .arg(key)
                .env("SSH_AUTH_SOCK", &socket)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Agent {
            child,
            socket,
            _dir: dir,
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn file_order_without_agent() {
    let env = Env::new();
    let a = env.keygen("ed25519", "a", "", &[]);
    let b = env.keygen("ecdsa", "b", "", &[]);
    let p = env
        .plan("IdentityAgent none\nIdentityFile {H}/b\nIdentityFile {H}/a\n")
        .await;
    assert_eq!(p.agent, AgentStatus::Disabled);
    let got: Vec<_> = p.offered.iter().map(|i| i.file.clone().unwrap()).collect();
    assert_eq!(got, [b.clone(), a.clone()]);
    assert!(p.offered.iter().all(|i| i.backing == Backing::File));
    assert_eq!(p.offered[0].label(), "~/b");
    assert_eq!(
        p.offered[0].algorithm().as_deref(),
        Some("ecdsa-sha2-nistp256")
    );
    assert_eq!(p.offered[0].bits(), Some(256));
    assert_eq!(
        p.offered[1].fingerprint(),
        Some(sha256_fingerprint(pubkey(&a).key_data()))
    );
    assert!(p.problems.is_empty(), "{:?}", p.problems);
}

#[tokio::test]
async fn command_line_identity_comes_first() {
    let env = Env::new();
    env.keygen("ed25519", "a", "", &[]);
    let cli = env.keygen("ed25519", "cli", "", &[]);
    let r = env.resolve(
        "IdentityAgent none\nIdentityFile {H}/a\n",
        &[("IdentityFile", cli.display().to_string())],
    );
    let p = plan(&r, None).await;
    assert_eq!(files(&p), ["~/cli", "~/a"]);
    assert_eq!(p.offered[0].origin, Some(Origin::CommandLine));
}

#[tokio::test]
async fn agent_keys_promote_files_and_append() {
    let env = Env::new();
    let a = env.keygen("ed25519", "a", "", &[]);
    let b = env.keygen("ed25519", "b", "", &[]);
    let only = env.keygen("ecdsa", "agentonly", "", &[]);
    // Agent order: agentonly, b.
    let agent = Agent::start(&[&only, &b]);
    let text = format!(
        "IdentityAgent {}\nIdentityFile {{H}}/a\nIdentityFile {{H}}/b\n",
        agent.socket.display()
    );
    let p = env.plan(&text).await;
    assert_eq!(
        p.agent,
        AgentStatus::Listed {
            path: agent.socket.clone(),
            keys: 2
        }
    );
    let got: Vec<_> = p.offered.iter().map(|i| (i.label(), i.backing)).collect();
    assert_eq!(
        got,
        [
            ("~/b".to_string(), Backing::FileInAgent),
            ("agent: agentonly".to_string(), Backing::Agent),
            ("~/a".to_string(), Backing::File),
        ]
    );
    assert_eq!(
        p.offered[1].fingerprint(),
        Some(sha256_fingerprint(pubkey(&only).key_data()))
    );
    let _ = a;

    // IdentitiesOnly: the agent-only key is dropped, the file in the agent stays promoted.
    let p = env.plan(&format!("IdentitiesOnly yes\n{text}")).await;
    assert!(p.identities_only);
    assert_eq!(files(&p), ["~/b", "~/a"]);
    assert_eq!(p.offered[0].backing, Backing::FileInAgent);
}

#[tokio::test]
async fn unreachable_agent_is_reported() {
    let env = Env::new();
    env.keygen("ed25519", "a", "", &[]);
    let p = env
        .plan("IdentityAgent {H}/no-agent.sock\nIdentityFile {H}/a\n")
        .await;
    assert!(
        matches!(p.agent, AgentStatus::Unreachable { .. }),
        "{:?}",
        p.agent
    );
    assert_eq!(files(&p), ["~/a"]);
}

#[tokio::test]
async fn missing_explicit_vs_default() {
    let env = Env::new();
    let p = env
        .plan("IdentityAgent none\nIdentityFile {H}/gone\n")
        .await;
    assert!(p.offered.is_empty());
    assert_eq!(kinds(&p, &env.path("gone")), [ProblemKind::Missing]);
    assert!(matches!(
        p.problems[0].origin,
        Some(Origin::File { line: 2, .. })
    ));

    // The default list (nothing configured): absent files are not problems.
    let p = env.plan("IdentityAgent none\n").await;
    assert!(
        p.offered.is_empty() && p.problems.is_empty(),
        "{:?}",
        p.problems
    );

    // IdentityFile none: no files at all, even present ones.
    let ssh = env.home().join(".ssh");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", ""])
        .arg("-f")
        .arg(ssh.join("id_ed25519"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        files(&env.plan("IdentityAgent none\n").await),
        ["~/.ssh/id_ed25519"]
    );
    assert!(env
        .plan("IdentityAgent none\nIdentityFile none\n")
        .await
        .offered
        .is_empty());
}

#[tokio::test]
async fn unprotected_encrypted_mismatch() {
    let env = Env::new();
    let open = env.keygen("ed25519", "open", "", &[]);
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    let enc = env.keygen("ed25519", "enc", "secret", &[]);
    let mis = env.keygen("ed25519", "mis", "", &[]);
    let other = env.keygen("ed25519", "other", "", &[]);
    std::fs::copy(
        keyfile::with_suffix(&other, ".pub"),
        keyfile::with_suffix(&mis, ".pub"),
    )
    .unwrap();
    let p = env
        .plan("IdentityAgent none\nIdentityFile {H}/open\nIdentityFile {H}/enc\nIdentityFile {H}/mis\n")
        .await;
    assert_eq!(kinds(&p, &open), [ProblemKind::Unprotected { mode: 0o644 }]);
    assert_eq!(kinds(&p, &enc), [ProblemKind::Encrypted]);
    assert_eq!(kinds(&p, &mis), [ProblemKind::PubMismatch]);
    // All three stay in the list: ssh offers the public key and fails only when signing.
    assert_eq!(files(&p), ["~/open", "~/enc", "~/mis"]);
    assert!(p.offered[1].encrypted && !p.offered[0].encrypted);

    // Without .pub the new format's clear public part still gives the encrypted key's identity.
    std::fs::remove_file(keyfile::with_suffix(&enc, ".pub")).unwrap();
    let p = env.plan("IdentityAgent none\nIdentityFile {H}/enc\n").await;
    assert!(p.offered[0].key.is_some() && p.offered[0].encrypted);

    assert!(load_unencrypted_private(&open)
        .unwrap_err()
        .contains("UNPROTECTED"));
    assert!(load_unencrypted_private(&enc)
        .unwrap_err()
        .contains("passphrase"));
    let k = load_unencrypted_private(&mis).unwrap();
    assert_ne!(k.public_key().key_data(), pubkey(&mis).key_data());
}

#[tokio::test]
async fn legacy_formats() {
    let env = Env::new();
    let pem = env.keygen("rsa", "pem", "", &["-m", "PEM", "-b", "2048"]);
    let ec = env.keygen("ecdsa", "pkcs8", "", &["-m", "PKCS8"]);
    let pem_enc = env.keygen("rsa", "pemenc", "secret", &["-m", "PEM", "-b", "2048"]);
    for (path, header) in [
        (&pem, "BEGIN RSA PRIVATE KEY"),
        (&ec, "BEGIN PRIVATE KEY"),
        (&pem_enc, "ENCRYPTED"),
    ] {
        assert!(std::fs::read_to_string(path).unwrap().contains(header));
    }
    let loaded = load_unencrypted_private(&pem).unwrap();
    assert_eq!(loaded.public_key().key_data(), pubkey(&pem).key_data());
    let loaded = load_unencrypted_private(&ec).unwrap();
    assert_eq!(loaded.public_key().key_data(), pubkey(&ec).key_data());
    assert!(load_unencrypted_private(&pem_enc).is_err());

    let text = "IdentityAgent none\nIdentityFile {H}/pem\nIdentityFile {H}/pkcs8\nIdentityFile {H}/pemenc\n";
    let p = env.plan(text).await;
    assert_eq!(kinds(&p, &pem), []);
    assert_eq!(kinds(&p, &ec), []);
    assert_eq!(kinds(&p, &pem_enc), [ProblemKind::Encrypted]);
    assert_eq!(p.offered[0].bits(), Some(2048));

    // Without .pub ssh cannot learn a legacy key's public half before loading it: the identity
    // stays, keyless (`Trying private key:`).
    for f in [&pem, &ec, &pem_enc] {
        std::fs::remove_file(keyfile::with_suffix(f, ".pub")).unwrap();
    }
    let p = env.plan(text).await;
    assert_eq!(files(&p), ["~/pem", "~/pkcs8", "~/pemenc"]);
    assert!(p.offered.iter().all(|i| i.key.is_none()));
    assert_eq!(kinds(&p, &pem_enc), [ProblemKind::Encrypted]);
    assert_eq!(kinds(&p, &pem), []);
}

#[tokio::test]
async fn certificate_beside_key_and_certificate_file() {
    let env = Env::new();
    let ca = env.keygen("ed25519", "ca", "", &[]);
    let key = env.keygen("ed25519", "key", "", &[]);
    let out = Command::new("ssh-keygen")
        .arg("-q")
        .arg("-s")
        .arg(&ca)
        .args(["-I", "id", "-n", "user"])
        .arg(keyfile::with_suffix(&key, ".pub"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = env.plan("IdentityAgent none\nIdentityFile {H}/key\n").await;
    assert_eq!(files(&p), ["~/key", "~/key"]);
    assert!(p.offered[0].certificate.is_none());
    assert_eq!(
        p.offered[1].algorithm().as_deref(),
        Some("ssh-ed25519-cert-v01@openssh.com")
    );
    assert_eq!(p.offered[0].fingerprint(), p.offered[1].fingerprint());

    // With a CertificateFile, the default -cert is not loaded; the configured one comes first.
    let cert = env.path("key-cert.pub");
    let p = env
        .plan(&format!(
            "IdentityAgent none\nIdentityFile {{H}}/key\nCertificateFile {}\n",
            cert.display()
        ))
        .await;
    assert_eq!(files(&p), ["~/key-cert.pub", "~/key"]);
    assert!(p.offered[0].certificate.is_some() && p.offered[1].certificate.is_none());
}

#[tokio::test]
async fn pubkey_accepted_algorithms_filter() {
    let env = Env::new();
    env.keygen("ed25519", "ed", "", &[]);
    env.keygen("rsa", "rsa", "", &["-b", "2048"]);
    let p = env
        .plan("IdentityAgent none\nPubkeyAcceptedAlgorithms -ssh-ed25519\nIdentityFile {H}/ed\nIdentityFile {H}/rsa\n")
        .await;
    assert_eq!(files(&p), ["~/rsa"]);
    // RSA is allowed through rsa-sha2-* even when ssh-rsa is not listed.
    let p = env
        .plan("IdentityAgent none\nPubkeyAcceptedAlgorithms rsa-sha2-256\nIdentityFile {H}/ed\nIdentityFile {H}/rsa\n")
        .await;
    assert_eq!(files(&p), ["~/rsa"]);
    let p = env
        .plan(
            "IdentityAgent none\nRequiredRSASize 4096\nIdentityFile {H}/ed\nIdentityFile {H}/rsa\n",
        )
        .await;
    assert_eq!(files(&p), ["~/ed"]);
}

#[tokio::test]
async fn local_permissions() {
    let env = Env::new();
    let user_config = env.home().join(".ssh/config");
    std::fs::write(&user_config, "IdentityAgent none\n").unwrap();
    std::fs::set_permissions(&user_config, std::fs::Permissions::from_mode(0o664)).unwrap();
    std::fs::set_permissions(
        env.home().join(".ssh"),
        std::fs::Permissions::from_mode(0o777),
    )
    .unwrap();
    let r = resolve(&ConfigInput {
        host: "target".into(),
        options: Vec::new(),
        user_config: None,
        system_config: env.path("no-system-config"),
        home: env.home().to_path_buf(),
        local_user: "me".into(),
        local_hostname: "box".into(),
        passwd_home: None,
    });
    let kinds: Vec<_> = local_problems(&r, PermRules::Upstream)
        .iter()
        .map(|l| l.kind.clone())
        .collect();
    assert_eq!(
        kinds,
        [
            LocalProblemKind::ConfigBadPermissions {
                mode: 0o664,
                owner: crate::config::local_uid()
            },
            LocalProblemKind::SshDirPermissions { mode: 0o777 },
        ]
    );
    // A -F file is not checked by ssh.
    assert_eq!(
        local_problems(
            &env.resolve("IdentityAgent none\n", &[]),
            PermRules::Upstream
        )
        .len(),
        1
    );
}
