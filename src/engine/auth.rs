//! The authentication stage: which keys ssh would offer, in ssh's order, which one the server
//! takes (asked without signing), how many attempts it allows, and a real login where no
//! secret is needed.

use super::kex::{reconnect, seen, HostKeyPolicy, ProbeHandle, SeenCell};
use super::{Cx, Plan, StageEnd, Target};
use crate::algorithms::{self, AlgKind};
use crate::config::Origin;
use crate::config_edit;
use crate::event::{ActionOffer, Finding, Level, Severity, Stage, Status};
use crate::findings::finding;
use crate::identities::{self, AgentStatus, Backing, Identity, IdentityPlan, ProblemKind};
use crate::repair;
use russh::client::AuthResult;
use russh::keys::HashAlg;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// A signer that never signs: the server's PK_OK reaches it as a sign request, which is all
/// the probe wants to know. Declining abandons the request and leaves the connection usable.
struct Decliner;

/// Why the declining signer stopped.
#[derive(Debug)]
enum Declined {
    /// The server accepted the key (PK_OK) and asked for a signature.
    Accepted,
    /// The connection is gone.
    Send,
}

impl From<russh::SendError> for Declined {
    fn from(_: russh::SendError) -> Self {
        Declined::Send
    }
}

impl russh::Signer for Decliner {
    type Error = Declined;

    async fn auth_sign(
        &mut self,
        _key: &russh::keys::agent::AgentIdentity,
        _hash_alg: Option<HashAlg>,
        _to_sign: Vec<u8>,
    ) -> Result<Vec<u8>, Self::Error> {
        Err(Declined::Accepted)
    }
}

/// The server's answer to one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// PK_OK: the server would take this key.
    Accepted,
    /// The server refused it (counts as a failed attempt).
    Refused,
    /// Not offered: ssh would skip it (no mutual signature algorithm, no public key).
    Skipped,
}

/// One key as the probe tried it.
struct Tried<'a> {
    id: &'a Identity,
    answer: Answer,
    /// The signature algorithm ssh would use.
    sig_alg: Option<String>,
    /// Why it was skipped.
    note: String,
    /// Skipped because ssh and the server share no signature algorithm for it (RSA/SHA-1).
    no_mutual_sig: bool,
}

/// The live connection and its records; replaced when the server hangs up on too many failures.
struct Conn {
    handle: ProbeHandle,
    cell: SeenCell,
}

/// Everything the stage needs besides the context.
pub(crate) struct AuthInput {
    pub handle: ProbeHandle,
    pub cell: SeenCell,
    pub addr: SocketAddr,
    pub policy: Arc<HostKeyPolicy>,
    pub timeout: Duration,
}

/// The RSA signature algorithm OpenSSH would use with this server (key_sig_algorithm): the first
/// RSA algorithm of the client's PubkeyAcceptedAlgorithms, in the client's order, that the
/// server's server-sig-algs lists; with no server-sig-algs, `ssh-rsa` if the client allows it.
/// None: "no mutual signature algorithm".
///
/// russh reveals only the best RSA hash the server lists. OpenSSH servers list every signature
/// algorithm they implement, so one listing rsa-sha2-512 also lists rsa-sha2-256 and ssh-rsa.
fn rsa_sig_alg(
    server: Option<Option<HashAlg>>,
    accepted: &[String],
) -> Option<(String, Option<HashAlg>)> {
    let listed: &[&str] = match server {
        Some(Some(HashAlg::Sha512)) => &["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
        Some(Some(_)) => &["rsa-sha2-256", "ssh-rsa"],
        // Only ssh-rsa, or no server-sig-algs at all (OpenSSH then uses the key's own name).
        _ => &["ssh-rsa"],
    };
    accepted
        .iter()
        .find(|a| listed.contains(&a.as_str()))
        .map(|a| {
            let hash = match a.as_str() {
                "rsa-sha2-512" => Some(HashAlg::Sha512),
                "rsa-sha2-256" => Some(HashAlg::Sha256),
                _ => None,
            };
            (a.clone(), hash)
        })
}

fn methods_text(m: &russh::MethodSet) -> String {
    if m.is_empty() {
        return "(none)".into();
    }
    m.iter().map(<&str>::from).collect::<Vec<_>>().join(",")
}

pub(super) async fn auth_stage(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    input: AuthInput,
) -> (Option<ProbeHandle>, StageEnd) {
    let version = plan.openssh.as_ref().map(|(_, v)| *v);
    let ids = identities::plan(&cx.config, version).await;
    log_plan(cx, &ids).await;
    let user = t.user.clone();
    let user_origin = cx.config.user().origin.clone();
    let mut conn = Conn {
        handle: input.handle,
        cell: input.cell,
    };

    // 1. Ask which methods are allowed ("none" does not count as an attempt).
    let methods = match tokio::time::timeout(
        input.timeout,
        conn.handle.authenticate_none(user.clone()),
    )
    .await
    {
        Ok(Ok(AuthResult::Success)) => {
            cx.log(
                Stage::Auth,
                Level::Info,
                format!(
                    "Authenticated to {} as {user} without credentials (\"none\")",
                    t.hostname
                ),
            )
            .await;
            return (
                Some(conn.handle),
                StageEnd::new(Status::Pass, "no authentication required"),
            );
        }
        Ok(Ok(AuthResult::Failure {
            remaining_methods, ..
        })) => remaining_methods,
        Ok(Err(e)) => return (None, fail_connection(cx, &conn, &e.to_string()).await),
        Err(_) => {
            return (
                None,
                fail_connection(cx, &conn, "no answer to the authentication request").await,
            )
        }
    };
    cx.log(
        Stage::Auth,
        Level::Debug1,
        format!(
            "Authentications that can continue: {}",
            methods_text(&methods)
        ),
    )
    .await;
    cx.fact(Stage::Auth, "methods", methods_text(&methods))
        .await;
    let server_pubkey = methods.contains(&russh::MethodKind::PublicKey);
    let pubkey_on = cx
        .config
        .get("pubkeyauthentication")
        .is_none_or(|v| v.value != "no");

    // 2. Query every key in ssh's order without signing, reconnecting past MaxAuthTries.
    let accepted_algs = algorithms::effective(
        version,
        AlgKind::PubkeyAccepted,
        cx.config
            .get(AlgKind::PubkeyAccepted.keyword())
            .map(|v| v.value.as_str()),
    )
    .unwrap_or_default();
    let mut prober = Prober {
        conn,
        user: user.clone(),
        t,
        addr: input.addr,
        policy: input.policy,
        timeout: input.timeout,
        refused_here: 0,
        limit: None,
        rsa_server: None,
        accepted_algs,
    };
    let mut tried: Vec<Tried> = Vec::new();
    if server_pubkey && pubkey_on {
        for id in &ids.offered {
            let skipped = |note: &str, no_mutual_sig| Tried {
                id,
                answer: Answer::Skipped,
                sig_alg: None,
                note: note.into(),
                no_mutual_sig,
            };
            let Some(key) = id.key.clone() else {
                tried.push(skipped(
                    "its public key cannot be read without the passphrase",
                    false,
                ));
                continue;
            };
            let Some((sig_alg, hash)) = prober.sig_alg(&key).await else {
                tried.push(skipped(NO_MUTUAL_SIGNATURE, true));
                continue;
            };
            cx.log(
                Stage::Auth,
                Level::Debug1,
                format!(
                    "Offering public key: {} {sig_alg} {}",
                    id.label(),
                    id.fingerprint().unwrap_or_default()
                ),
            )
            .await;
            let answer = match prober.ask(cx, key, id.certificate.as_ref(), hash).await {
                Ok(answer) => answer,
                Err(reason) => return (None, fail_connection(cx, &prober.conn, &reason).await),
            };
            let verdict = if answer == Answer::Accepted {
                "Server accepts key"
            } else {
                "Server refused key"
            };
            cx.log(
                Stage::Auth,
                Level::Debug1,
                format!(
                    "{verdict}: {} {}",
                    id.label(),
                    id.fingerprint().unwrap_or_default()
                ),
            )
            .await;
            tried.push(Tried {
                id,
                answer,
                sig_alg: Some(sig_alg),
                note: String::new(),
                no_mutual_sig: false,
            });
            if answer == Answer::Accepted && usable_without_secret(id, &ids) {
                break; // ssh stops at the first key it can sign with
            }
        }
    }
    // A configured key is missing: is another key in ~/.ssh the one the server takes now?
    let mut replacement = None;
    if server_pubkey && pubkey_on && ids.problems.iter().any(|p| p.kind == ProblemKind::Missing) {
        for (path, key) in other_local_keys(&cx.config.home, &ids) {
            let Some((_, hash)) = prober.sig_alg(&key).await else {
                continue;
            };
            if let Ok(Answer::Accepted) = prober.ask(cx, key, None, hash).await {
                cx.log(
                    Stage::Auth,
                    Level::Debug1,
                    format!(
                        "Server accepts {}, which ssh does not offer",
                        path.display()
                    ),
                )
                .await;
                replacement = Some(path);
                break;
            }
        }
    }
    let limit = prober.limit;
    let mut conn = prober.conn;

    // 3. A real login with the first accepted key that needs no secret.
    let chosen = tried
        .iter()
        .position(|tr| tr.answer == Answer::Accepted && usable_without_secret(tr.id, &ids));
    let mut logged_in = None;
    if let Some(pos) = chosen {
        let tr = &tried[pos];
        match login(
            &mut conn,
            &user,
            tr.id,
            &ids,
            tr.sig_alg.as_deref(),
            input.timeout,
        )
        .await
        {
            Ok(true) => {
                cx.log(
                    Stage::Auth,
                    Level::Info,
                    format!(
                        "Authenticated to {} ([{}]:{}) using \"publickey\" with {}.",
                        t.hostname,
                        input.addr.ip(),
                        input.addr.port(),
                        tr.id.label()
                    ),
                )
                .await;
                logged_in = Some(pos);
            }
            Ok(false) => {
                cx.log(
                    Stage::Auth,
                    Level::Info,
                    format!("the signed login with {} was refused", tr.id.label()),
                )
                .await
            }
            Err(e) => {
                cx.log(
                    Stage::Auth,
                    Level::Info,
                    format!("the signed login with {} failed: {e}", tr.id.label()),
                )
                .await
            }
        }
    }

    // 4. Findings: root causes (local key problems) first, then what they lead to.
    let attempts_before = |pos: usize| {
        tried[..pos]
            .iter()
            .filter(|tr| tr.answer == Answer::Refused)
            .count()
    };
    let ssh_would_fail = match (chosen, limit) {
        (Some(pos), Some(n)) => attempts_before(pos) >= n,
        (Some(_), None) => logged_in.is_none(),
        (None, _) => true,
    };
    key_findings(
        cx,
        plan,
        &t.original_host,
        &ids,
        &tried,
        replacement.as_deref(),
        ssh_would_fail,
    )
    .await;
    let summary;
    let status;
    if let (Some(pos), Some(n)) = (chosen, limit) {
        let before = attempts_before(pos);
        if before >= n {
            let tr = &tried[pos];
            let mut f = too_many_finding(cx, t, tr.id, pos, before, n);
            if let Some(file) = &tr.id.file {
                match identities_only_action(plan, t, file) {
                    Ok(action) => f.actions.extend(action),
                    Err(e) => {
                        cx.log(
                            Stage::Auth,
                            Level::Debug1,
                            format!("config.identities_only not offered: {e}"),
                        )
                        .await
                    }
                }
            }
            cx.finding(f).await;
        }
    }
    match logged_in {
        Some(pos) if !ssh_would_fail => {
            status = if tried.iter().any(|tr| tr.answer == Answer::Skipped) {
                Status::Warn
            } else {
                Status::Pass
            };
            summary = format!(
                "publickey with {} (key {} of {})",
                tried[pos].id.label(),
                pos + 1,
                ids.offered.len()
            );
        }
        Some(pos) => {
            status = Status::Fail;
            summary = format!(
                "ssh would fail; {} works once it is offered within the limit",
                tried[pos].id.label()
            );
        }
        None => {
            status = Status::Fail;
            summary = no_login_findings(
                cx,
                t,
                &ids,
                &tried,
                &methods,
                server_pubkey,
                pubkey_on,
                &user_origin,
            )
            .await;
        }
    }
    let handle = logged_in.map(|_| conn.handle);
    (handle, StageEnd::new(status, summary))
}

const NO_MUTUAL_SIGNATURE: &str = "no mutual signature algorithm: the server only verifies ssh-rsa (SHA-1) signatures, which PubkeyAcceptedAlgorithms excludes";

/// The probe's connection for key queries: it counts refusals, and when the server hangs up on
/// too many authentication failures it records the limit and reconnects to go on.
struct Prober<'a> {
    conn: Conn,
    user: String,
    t: &'a Target,
    addr: SocketAddr,
    policy: Arc<HostKeyPolicy>,
    timeout: Duration,
    /// Refusals on the current connection.
    refused_here: usize,
    /// The attempts the server allows, once it has hung up on us.
    limit: Option<usize>,
    /// The server's RSA signature support (server-sig-algs), asked once when an RSA key comes up.
    rsa_server: Option<Option<Option<HashAlg>>>,
    /// The effective PubkeyAcceptedAlgorithms.
    accepted_algs: Vec<String>,
}

impl Prober<'_> {
    /// The signature algorithm ssh would use for `key`, or None: "no mutual signature algorithm".
    async fn sig_alg(&mut self, key: &russh::keys::PublicKey) -> Option<(String, Option<HashAlg>)> {
        if !key.algorithm().is_rsa() {
            return Some((key.algorithm().as_str().to_string(), None));
        }
        let server = match self.rsa_server {
            Some(v) => v,
            None => *self.rsa_server.insert(
                self.conn
                    .handle
                    .best_supported_rsa_hash()
                    .await
                    .unwrap_or(None),
            ),
        };
        rsa_sig_alg(server, &self.accepted_algs)
    }

    /// Ask about one key; Err when the connection is lost for another reason than the limit.
    async fn ask(
        &mut self,
        cx: &Cx,
        key: russh::keys::PublicKey,
        cert: Option<&russh::keys::Certificate>,
        hash: Option<HashAlg>,
    ) -> Result<Answer, String> {
        if let Some(answer) = query(&mut self.conn, &self.user, key, cert, hash, self.timeout).await
        {
            if answer == Answer::Refused {
                self.refused_here += 1;
            }
            return Ok(answer);
        }
        // The server hung up. After "Too many authentication failures" the key that hit the
        // limit counts as refused; reconnect and go on with the rest.
        let (too_many, reason) = {
            let s = seen(&self.conn.cell);
            (
                s.too_many_auth_failures,
                s.disconnect
                    .clone()
                    .unwrap_or_else(|| "connection closed".into()),
            )
        };
        cx.log(
            Stage::Auth,
            Level::Info,
            format!(
                "Received disconnect from {} port {}: {reason}",
                self.t.hostname, self.t.port
            ),
        )
        .await;
        if !too_many {
            return Err(reason);
        }
        self.refused_here += 1;
        self.limit.get_or_insert(self.refused_here);
        let (handle, cell) = reconnect(self.t, self.addr, self.policy.clone(), self.timeout)
            .await
            .map_err(|e| format!("reconnecting failed: {e}"))?;
        self.conn = Conn { handle, cell };
        self.refused_here = 0;
        cx.log(
            Stage::Auth,
            Level::Debug1,
            "sshdoctor reconnected to test the remaining keys",
        )
        .await;
        let _ = self.conn.handle.authenticate_none(self.user.clone()).await;
        Ok(Answer::Refused)
    }
}

/// Key pairs in ~/.ssh that ssh does not offer (`NAME` with `NAME.pub`), at most ten.
fn other_local_keys(
    home: &std::path::Path,
    ids: &IdentityPlan,
) -> Vec<(std::path::PathBuf, russh::keys::PublicKey)> {
    let offered: Vec<String> = ids
        .offered
        .iter()
        .filter_map(Identity::fingerprint)
        .collect();
    let Ok(dir) = std::fs::read_dir(home.join(".ssh")) else {
        return Vec::new();
    };
    let mut found: Vec<_> = dir
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "pub") && !p.to_string_lossy().ends_with("-cert.pub")
        })
        .filter_map(|pubfile| {
            let private = pubfile.with_extension("");
            let key = russh::keys::PublicKey::from_openssh(
                std::fs::read_to_string(&pubfile).ok()?.trim(),
            )
            .ok()?;
            let fp = crate::known_hosts::sha256_fingerprint(key.key_data());
            (private.is_file() && !offered.contains(&fp)).then_some((private, key))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.truncate(10);
    found
}

/// Ask the server about one key without signing. None: the connection is gone.
async fn query(
    conn: &mut Conn,
    user: &str,
    key: russh::keys::PublicKey,
    cert: Option<&russh::keys::Certificate>,
    hash: Option<HashAlg>,
    timeout: Duration,
) -> Option<Answer> {
    let mut signer = Decliner;
    let fut = async {
        match cert {
            Some(cert) => {
                conn.handle
                    .authenticate_certificate_with(user, cert.clone(), hash, &mut signer)
                    .await
            }
            None => {
                conn.handle
                    .authenticate_publickey_with(user, key, hash, &mut signer)
                    .await
            }
        }
    };
    match tokio::time::timeout(timeout, fut).await {
        Err(_) => None,
        Ok(Err(Declined::Accepted)) => Some(Answer::Accepted),
        Ok(Err(Declined::Send)) => None,
        Ok(Ok(AuthResult::Success)) => Some(Answer::Accepted),
        Ok(Ok(AuthResult::Failure {
            remaining_methods, ..
        })) => {
            // russh answers a closed connection with an empty failure.
            let gone = conn.handle.is_closed()
                || (remaining_methods.is_empty() && seen(&conn.cell).disconnect.is_some());
            (!gone).then_some(Answer::Refused)
        }
    }
}

/// Can ssh sign with this key without asking anything (agent, or an unencrypted, protected file)?
fn usable_without_secret(id: &Identity, ids: &IdentityPlan) -> bool {
    match id.backing {
        Backing::Agent | Backing::FileInAgent => true,
        Backing::File => !id.encrypted && !unprotected(id, ids),
    }
}

fn unprotected(id: &Identity, ids: &IdentityPlan) -> bool {
    ids.problems.iter().any(|p| {
        matches!(p.kind, ProblemKind::Unprotected { .. }) && Some(&p.file) == id.file.as_ref()
    })
}

/// Sign in for real with a key that needs no secret.
async fn login(
    conn: &mut Conn,
    user: &str,
    id: &Identity,
    ids: &IdentityPlan,
    sig_alg: Option<&str>,
    timeout: Duration,
) -> Result<bool, String> {
    let hash = match sig_alg {
        Some("rsa-sha2-512") => Some(HashAlg::Sha512),
        Some("rsa-sha2-256") => Some(HashAlg::Sha256),
        _ => None,
    };
    let key = id.key.clone().ok_or("no public key")?;
    let result = match id.backing {
        Backing::Agent | Backing::FileInAgent => {
            let AgentStatus::Listed { path, .. } = &ids.agent else {
                return Err("the agent is not reachable".into());
            };
            let mut agent = russh::keys::agent::client::AgentClient::connect_uds(path)
                .await
                .map_err(|e| e.to_string())?;
            let fut = async {
                match &id.certificate {
                    Some(cert) => {
                        conn.handle
                            .authenticate_certificate_with(user, cert.clone(), hash, &mut agent)
                            .await
                    }
                    None => {
                        conn.handle
                            .authenticate_publickey_with(user, key, hash, &mut agent)
                            .await
                    }
                }
            };
            tokio::time::timeout(timeout, fut)
                .await
                .map_err(|_| "timed out".to_string())?
                .map_err(|e| e.to_string())?
        }
        Backing::File => {
            let file = id.file.as_ref().ok_or("no key file")?;
            let private = Arc::new(identities::load_unencrypted_private(file)?);
            let fut = async {
                match &id.certificate {
                    Some(cert) => {
                        conn.handle
                            .authenticate_openssh_cert(user, private, cert.clone())
                            .await
                    }
                    None => {
                        let with_hash = russh::keys::PrivateKeyWithHashAlg::new(private, hash);
                        conn.handle.authenticate_publickey(user, with_hash).await
                    }
                }
            };
            tokio::time::timeout(timeout, fut)
                .await
                .map_err(|_| "timed out".to_string())?
                .map_err(|e| e.to_string())?
        }
    };
    Ok(result.success())
}

async fn fail_connection(cx: &Cx, conn: &Conn, why: &str) -> StageEnd {
    let disconnect = seen(&conn.cell).disconnect.clone();
    let text = disconnect.map_or_else(|| why.to_string(), |d| format!("{why} ({d})"));
    cx.log(
        Stage::Auth,
        Level::Info,
        format!("authentication stopped: {text}"),
    )
    .await;
    StageEnd::new(Status::Fail, format!("connection lost: {text}"))
}

async fn log_plan(cx: &Cx, ids: &IdentityPlan) {
    match &ids.agent {
        AgentStatus::Listed { path, keys } => {
            cx.log(
                Stage::Auth,
                Level::Debug1,
                format!("agent {}: {keys} key(s)", path.display()),
            )
            .await
        }
        AgentStatus::Unreachable { path, error } => {
            cx.log(
                Stage::Auth,
                Level::Info,
                format!("agent {} is not reachable: {error}", path.display()),
            )
            .await
        }
        AgentStatus::Disabled => {
            cx.log(
                Stage::Auth,
                Level::Debug1,
                "agent disabled (IdentityAgent none)",
            )
            .await
        }
        AgentStatus::NotConfigured => {
            cx.log(
                Stage::Auth,
                Level::Debug1,
                "no agent (SSH_AUTH_SOCK is not set)",
            )
            .await
        }
    }
    for id in &ids.offered {
        let how = match id.backing {
            Backing::File => "",
            Backing::Agent => " agent",
            Backing::FileInAgent => " explicit agent",
        };
        cx.log(
            Stage::Auth,
            Level::Debug1,
            format!(
                "Will attempt key: {} {} {}{how}",
                id.label(),
                id.algorithm().unwrap_or_default(),
                id.fingerprint().unwrap_or_default()
            ),
        )
        .await;
        let size = id.bits().map_or_else(String::new, |b| format!(" {b} bits"));
        let lock = if id.encrypted {
            ", encrypted (needs its passphrase)"
        } else {
            ""
        };
        let comment = if id.comment.is_empty() {
            String::new()
        } else {
            format!(", comment \"{}\"", id.comment)
        };
        cx.log(
            Stage::Auth,
            Level::Debug2,
            format!("key {}:{size}{lock}{comment}", id.label()),
        )
        .await;
    }
    cx.fact(
        Stage::Auth,
        "keys_offered",
        ids.offered
            .iter()
            .map(Identity::label)
            .collect::<Vec<_>>()
            .join(", "),
    )
    .await;
}

/// Where an identity comes from, for findings.
fn source(cx: &Cx, id: &Identity) -> String {
    match (&id.origin, id.backing) {
        (Some(o), _) => format!("IdentityFile at {}", cx.origin(o)),
        (None, Backing::Agent) => "the agent".to_string(),
        (None, _) => "OpenSSH's default key list".to_string(),
    }
}

/// Local key problems: errors when they are why no login works, warnings otherwise.
#[allow(clippy::too_many_arguments)]
async fn key_findings(
    cx: &Cx,
    plan: &Plan,
    host: &str,
    ids: &IdentityPlan,
    tried: &[Tried<'_>],
    replacement: Option<&std::path::Path>,
    ssh_would_fail: bool,
) {
    for p in &ids.problems {
        let place = p.origin.as_ref().map_or_else(String::new, |o| {
            format!(" (IdentityFile at {})", cx.origin(o))
        });
        let shown = p.file.display();
        let accepted = tried
            .iter()
            .any(|tr| tr.answer == Answer::Accepted && tr.id.file.as_ref() == Some(&p.file));
        let (id, detail, fix): (&str, String, Option<String>) = match &p.kind {
            ProblemKind::Missing => ("key.missing", format!("{shown}{place} does not exist, so ssh skips it (\"no such identity\"). An IdentityFile left pointing at an old path after a migration looks like this."), None),
            ProblemKind::Unprotected { mode } => (
                "key.unprotected",
                format!("{shown}{place} has mode {mode:04o}: readable by others, so OpenSSH refuses to use it (\"UNPROTECTED PRIVATE KEY FILE\"){}.", if accepted { "; the server would accept this key" } else { "" }),
                Some(format!("chmod 600 {}", crate::fsedit::shell_quote(&shown.to_string()))),
            ),
            ProblemKind::PubMismatch => ("key.pub_mismatch", format!("{shown}.pub does not belong to {shown}{place}: ssh offers the .pub key but cannot sign for it."), None),
            ProblemKind::Unreadable(e) => ("key.unreadable", format!("{shown}{place} cannot be read: {e}"), None),
            ProblemKind::Invalid(e) => ("key.unreadable", format!("{shown}{place} is not a key ssh can load: {e}"), None),
            #[allow(unreachable_patterns)]
            _ => continue,
        };
        let mut f = finding(id, Stage::Auth, detail).evidence(format!("{shown}{place}"));
        if let Some(fix) = fix {
            f = f.fix(fix);
        }
        if let ProblemKind::Unprotected { mode } = p.kind {
            f.actions.extend(crate::repair::permissions_action(&[(
                p.file.clone(),
                mode,
                0o600,
            )]));
        }
        if let (ProblemKind::Missing, Some(rep), Some(Origin::File { path, line })) =
            (&p.kind, replacement, &p.origin)
        {
            f = f.evidence(format!(
                "the server accepts {}, which no IdentityFile names",
                rep.display()
            ));
            match identity_path_action(plan, path, *line, &p.file, rep) {
                Ok(action) => f.actions.push(action),
                Err(e) => {
                    cx.log(
                        Stage::Auth,
                        Level::Debug1,
                        format!("config.identity_path not offered: {e}"),
                    )
                    .await
                }
            }
        }
        let root_cause = ssh_would_fail
            && (accepted
                || matches!(
                    p.kind,
                    ProblemKind::Missing | ProblemKind::Unprotected { .. }
                ));
        f.severity = if root_cause {
            Severity::Error
        } else {
            Severity::Warning
        };
        cx.finding(f).await;
    }
    for tr in tried.iter().filter(|tr| tr.answer == Answer::Skipped) {
        cx.log(
            Stage::Auth,
            Level::Info,
            format!("ssh skips {}: {}", tr.id.label(), tr.note),
        )
        .await;
    }
    let no_mutual: Vec<&Tried> = tried.iter().filter(|tr| tr.no_mutual_sig).collect();
    if !no_mutual.is_empty() {
        let mut f = finding(
            "auth.no_mutual_signature",
            Stage::Auth,
            "ssh will not use these RSA keys: the server verifies only ssh-rsa (SHA-1) signatures, and OpenSSH 8.8 and later no longer sign with SHA-1 (\"no mutual signature algorithm\").",
        )
        .evidence_all(no_mutual.iter().map(|tr| format!("skipped: {} {}", tr.id.label(), tr.id.fingerprint().unwrap_or_default())))
        .fix(format!(
            "For this host only (SHA-1 is weak), add to ~/.ssh/config above any `Host *` block:\n\nHost {host}\n    PubkeyAcceptedAlgorithms +ssh-rsa\n\nBetter: upgrade the server's SSH software, or use an ed25519 key."
        ));
        f.severity = if ssh_would_fail {
            Severity::Error
        } else {
            Severity::Warning
        };
        cx.finding(f).await;
    }
}

/// The user's ssh_config (`-F` or ~/.ssh/config) and its bytes, None when it does not exist.
fn user_config(plan: &Plan) -> (std::path::PathBuf, Option<Vec<u8>>) {
    let path = plan
        .input
        .user_config
        .clone()
        .unwrap_or_else(|| plan.input.home.join(".ssh").join("config"));
    let bytes = std::fs::read(&path).ok();
    (path, bytes)
}

/// `config.identities_only`: make `key` the first key ssh offers to this host, nothing before it.
fn identities_only_action(
    plan: &Plan,
    t: &Target,
    key: &std::path::Path,
) -> Result<Option<ActionOffer>, String> {
    let (path, old) = user_config(plan);
    let edit =
        config_edit::identities_only(old.as_deref().unwrap_or_default(), &path, &plan.input, key)?;
    if old.as_deref() == Some(edit.new_bytes.as_slice()) {
        return Ok(None);
    }
    let key_arg = crate::fsedit::shell_quote(&key.display().to_string());
    let command = format!(
        "ssh -o IdentitiesOnly=yes -i {key_arg} {}@{}  # once; the change above makes it permanent",
        t.user, t.original_host
    );
    Ok(Some(repair::config_action(
        "config.identities_only",
        "Offer only the accepted key to this host".into(),
        old,
        edit,
        command,
    )))
}

/// `config.identity_path`: point a stale IdentityFile line at the key the server accepts.
fn identity_path_action(
    plan: &Plan,
    file: &std::path::Path,
    line: usize,
    stale: &std::path::Path,
    rep: &std::path::Path,
) -> Result<ActionOffer, String> {
    let (user_file, old) = user_config(plan);
    if file != user_file {
        return Err(format!(
            "{} is not the user configuration file",
            file.display()
        ));
    }
    let edit = config_edit::identity_path(
        old.as_deref().unwrap_or_default(),
        file,
        &plan.input,
        stale,
        line,
        rep,
    )?;
    let new_line = String::from_utf8_lossy(&edit.new_bytes)
        .lines()
        .nth(line - 1)
        .unwrap_or_default()
        .to_string();
    let command = format!(
        "sed -i {} {}",
        crate::fsedit::shell_quote(&format!("{line}c\\{new_line}")),
        crate::fsedit::shell_quote(&file.display().to_string())
    );
    Ok(repair::config_action(
        "config.identity_path",
        format!("Point IdentityFile at {}", rep.display()),
        old,
        edit,
        command,
    ))
}

fn too_many_finding(
    cx: &Cx,
    t: &Target,
    id: &Identity,
    pos: usize,
    before: usize,
    n: usize,
) -> Finding {
    let key = id.label();
    let file_line = match &id.file {
        Some(f) => format!("    IdentityFile {}", f.display()),
        None => format!("    IdentityFile <the .pub file of {key}>"),
    };
    finding(
        "auth.too_many_failures",
        Stage::Auth,
        format!(
            "The server allows {n} authentication attempts, but ssh offers {before} keys it refuses before {key} (key {} in ssh's order; {}), which the server accepts. ssh fails with \"Too many authentication failures\".",
            pos + 1,
            source(cx, id)
        ),
    )
    .evidence(format!("server disconnected after {n} refused keys: Too many authentication failures"))
    .evidence(format!("accepted: {key} {}", id.fingerprint().unwrap_or_default()))
    .fix(format!(
        "Offer only the key that works to this host: add to ~/.ssh/config, above any `Host *` block:\n\nHost {}\n    IdentitiesOnly yes\n{file_line}\n\nor once: ssh -o IdentitiesOnly=yes -i {} {}@{}",
        t.original_host,
        id.file.as_ref().map_or(key.clone(), |f| f.display().to_string()),
        t.user,
        t.original_host
    ))
}

#[allow(clippy::too_many_arguments)]
async fn no_login_findings(
    cx: &Cx,
    t: &Target,
    ids: &IdentityPlan,
    tried: &[Tried<'_>],
    methods: &russh::MethodSet,
    server_pubkey: bool,
    pubkey_on: bool,
    user_origin: &crate::config::Origin,
) -> String {
    let batch = cx.config.get("batchmode").is_some_and(|v| v.value == "yes");
    let interactive = methods.contains(&russh::MethodKind::Password)
        || methods.contains(&russh::MethodKind::KeyboardInteractive);
    let passphrase: Vec<&Tried> = tried
        .iter()
        .filter(|tr| {
            tr.answer == Answer::Accepted && tr.id.encrypted && tr.id.backing == Backing::File
        })
        .collect();
    if let Some(tr) = passphrase.first() {
        cx.finding(
            finding(
                "auth.key_passphrase_needed",
                Stage::Auth,
                format!("The server accepts {}, but it is encrypted and not in the agent: ssh asks for its passphrase (and fails under BatchMode). sshdoctor never asks in report mode.", tr.id.label()),
            )
            .evidence(format!("accepted: {} {}", tr.id.label(), tr.id.fingerprint().unwrap_or_default()))
            .fix(format!("Load it into the agent once: ssh-add {}", tr.id.file.as_ref().map_or(String::new(), |f| crate::fsedit::shell_quote(&f.display().to_string())))),
        )
        .await;
        return "key accepted, but it needs its passphrase".into();
    }
    let offered: Vec<&Tried> = tried
        .iter()
        .filter(|tr| tr.answer == Answer::Refused)
        .collect();
    if server_pubkey && pubkey_on && !offered.is_empty() {
        let user_from = match user_origin {
            crate::config::Origin::Default => format!(
                "the user name {} is your local user name (nothing configured)",
                t.user
            ),
            o => format!("User {} comes from {}", t.user, cx.origin(o)),
        };
        let mut f = finding(
            "auth.no_accepted_key",
            Stage::Auth,
            format!(
                "{} refused every key ssh offers for {}. Likely causes, in order: the key is not in ~{}/.ssh/authorized_keys on the server; sshd's StrictModes refuses it (the home directory, ~/.ssh or authorized_keys writable by group/others or owned by someone else); AuthorizedKeysFile points elsewhere; AllowUsers/DenyUsers exclude the account; the user name is wrong ({user_from}).",
                t.hostname, t.user, t.user
            ),
        );
        f = f.evidence_all(offered.iter().map(|tr| {
            format!(
                "refused: {} {}",
                tr.id.label(),
                tr.id.fingerprint().unwrap_or_default()
            )
        }));
        f = f.fix(format!(
            "Install your public key on the server (ssh-copy-id -i KEY.pub {}@{}, or sshdoctor onboard when it is available), and check the server's log (journalctl -u ssh) for \"Authentication refused: bad ownership or modes\".",
            t.user, t.original_host
        ));
        cx.finding(f).await;
        return format!("all {} key(s) refused", offered.len());
    }
    if interactive && !batch {
        cx.log(Stage::Auth, Level::Info, "Only password or keyboard-interactive login is left; sshdoctor sends no password in report mode").await;
        return "password login possible (not tried in report mode)".into();
    }
    let why = if methods.is_empty() {
        "the server allows no method at all".to_string()
    } else if !server_pubkey {
        format!("the server allows only {}", methods_text(methods))
    } else if !pubkey_on {
        "PubkeyAuthentication is off in your configuration".to_string()
    } else if ids.offered.is_empty() {
        "you have no key ssh would offer".to_string()
    } else {
        "no key could be offered".to_string()
    };
    cx.finding(
        finding(
            "auth.method_not_allowed",
            Stage::Auth,
            format!(
                "None of the methods {} allows is usable by this client: {why}{}.",
                t.hostname,
                if batch && interactive {
                    " (password prompts are off under BatchMode)"
                } else {
                    ""
                }
            ),
        )
        .evidence(format!(
            "Authentications that can continue: {}",
            methods_text(methods)
        )),
    )
    .await;
    "no usable authentication method".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &str) -> Vec<String> {
        names.split(',').map(String::from).collect()
    }

    #[test]
    fn rsa_signature_follows_the_clients_order_among_what_the_server_lists() {
        let defaults = list("ssh-ed25519,rsa-sha2-512,rsa-sha2-256");
        let sha2 = Some(Some(HashAlg::Sha512));
        assert_eq!(
            rsa_sig_alg(sha2, &defaults),
            Some(("rsa-sha2-512".into(), Some(HashAlg::Sha512)))
        );
        assert_eq!(
            rsa_sig_alg(sha2, &list("ssh-rsa")),
            Some(("ssh-rsa".into(), None))
        );
        assert_eq!(
            rsa_sig_alg(sha2, &list("rsa-sha2-256,ssh-rsa")),
            Some(("rsa-sha2-256".into(), Some(HashAlg::Sha256)))
        );
        // An old server (ssh-rsa only, or no server-sig-algs): no mutual algorithm by default.
        assert_eq!(rsa_sig_alg(Some(None), &defaults), None);
        assert_eq!(rsa_sig_alg(None, &defaults), None);
        assert_eq!(
            rsa_sig_alg(None, &list("rsa-sha2-512,ssh-rsa")),
            Some(("ssh-rsa".into(), None))
        );
    }
}
