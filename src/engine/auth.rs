//! The authentication stage: which keys ssh would offer, in ssh's order, which one the server
//! takes (asked without signing), how many attempts it allows, and a real login where no
//! secret is needed.

use super::kex::{seen, HostKeyPolicy, ProbeHandle, SeenCell};
use super::remote::{KeyAsked, LoginFacts};
use super::{Cx, Plan, StageEnd, Target};
use crate::algorithms::{self, AlgKind};
use crate::event::{Level, Stage, Status};
use crate::identities::{self, AgentStatus, Backing, Identity, IdentityPlan, ProblemKind};
use russh::client::AuthResult;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

mod probe;
mod report;

use probe::{login, other_local_keys, Conn, Prober, NO_MUTUAL_SIGNATURE};
use report::{identities_only_action, key_findings, no_login_findings, too_many_finding};

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
    pub(super) id: &'a Identity,
    pub(super) answer: Answer,
    /// The signature algorithm ssh would use.
    pub(super) sig_alg: Option<String>,
    /// Why it was skipped.
    pub(super) note: String,
    /// Skipped because ssh and the server share no signature algorithm for it (RSA/SHA-1).
    pub(super) no_mutual_sig: bool,
}

/// Everything the stage needs besides the context.
pub(crate) struct AuthInput {
    pub handle: ProbeHandle,
    pub cell: SeenCell,
    pub addr: SocketAddr,
    pub policy: Arc<HostKeyPolicy>,
    pub timeout: Duration,
    /// The host key is recorded and matches: only then may a person be asked for a secret.
    pub host_key_known: bool,
    /// ssh does not trust the host key but goes on (StrictHostKeyChecking no): public-key
    /// authentication only, as ssh disables password and keyboard-interactive.
    pub pubkey_only: bool,
}

/// The methods without password and keyboard-interactive, which ssh disables for a host key it
/// goes on with without trusting it.
fn without_interactive(methods: russh::MethodSet) -> russh::MethodSet {
    let kept: Vec<russh::MethodKind> = methods
        .iter()
        .filter(|m| {
            !matches!(
                m,
                russh::MethodKind::Password | russh::MethodKind::KeyboardInteractive
            )
        })
        .cloned()
        .collect();
    russh::MethodSet::from(&kept[..])
}

pub(super) fn methods_text(m: &russh::MethodSet) -> String {
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
) -> (Option<(ProbeHandle, LoginFacts)>, StageEnd) {
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
                Some((conn.handle, LoginFacts::default())),
                StageEnd::new(Status::Pass, "no authentication required"),
            );
        }
        Ok(Ok(AuthResult::Failure {
            remaining_methods, ..
        })) if input.pubkey_only => without_interactive(remaining_methods),
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
            None,
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

    // 3b. At the console, for a host whose key is known: ask for what ssh would ask for — the
    // passphrase of an accepted encrypted key, then a password.
    let mut chosen = chosen;
    let mut password_login = false;
    if let (None, Some(asker), true) = (logged_in, &plan.secrets, input.host_key_known) {
        let encrypted = tried.iter().position(|tr| {
            tr.answer == Answer::Accepted
                && tr.id.encrypted
                && tr.id.backing == Backing::File
                && !unprotected(tr.id, &ids)
        });
        if let Some(pos) = encrypted {
            let tr = &tried[pos];
            for _ in 0..3 {
                let Some(pass) = ask(asker, format!("Passphrase for {}", tr.id.label())).await
                else {
                    break;
                };
                match login(
                    &mut conn,
                    &user,
                    tr.id,
                    &ids,
                    tr.sig_alg.as_deref(),
                    input.timeout,
                    Some(pass.as_str()),
                )
                .await
                {
                    Ok(true) => {
                        cx.log(Stage::Auth, Level::Info, format!("Authenticated to {} using \"publickey\" with {} (passphrase typed in the console, not recorded).", t.hostname, tr.id.label())).await;
                        (chosen, logged_in) = (Some(pos), Some(pos));
                        break;
                    }
                    Ok(false) => break,
                    Err(e) => {
                        cx.log(
                            Stage::Auth,
                            Level::Info,
                            format!("Load key {}: {e}", tr.id.label()),
                        )
                        .await
                    }
                }
            }
        }
        let batch = cx.config.get("batchmode").is_some_and(|v| v.value == "yes");
        let password_on = cx
            .config
            .get("passwordauthentication")
            .is_none_or(|v| v.value != "no");
        if logged_in.is_none()
            && !batch
            && password_on
            && methods.contains(&russh::MethodKind::Password)
        {
            let prompts = cx
                .config
                .get("numberofpasswordprompts")
                .and_then(|v| v.value.parse().ok())
                .unwrap_or(3);
            for _ in 0..prompts {
                let Some(password) = ask(asker, format!("{user}@{}'s password", t.hostname)).await
                else {
                    break;
                };
                match tokio::time::timeout(
                    input.timeout,
                    conn.handle
                        .authenticate_password(user.clone(), password.as_str()),
                )
                .await
                {
                    Ok(Ok(AuthResult::Success)) => {
                        cx.log(Stage::Auth, Level::Info, format!("Authenticated to {} using \"password\" (typed in the console, not recorded).", t.hostname)).await;
                        password_login = true;
                        break;
                    }
                    Ok(Ok(_)) => {
                        cx.log(
                            Stage::Auth,
                            Level::Info,
                            "Permission denied, please try again.",
                        )
                        .await
                    }
                    _ => break,
                }
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
        (None, _) => !password_login,
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
        // No key at all: the login works, but only by password — offer making one.
        _ if password_login && ids.offered.is_empty() && server_pubkey && pubkey_on => {
            cx.finding(report::no_key_finding(t, &methods)).await;
            status = Status::Warn;
            summary = "password (typed in the console); you have no key".to_string();
        }
        _ if password_login => {
            status = Status::Pass;
            summary = "password (typed in the console)".to_string();
        }
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
    let facts = login_facts(&ids, &tried, logged_in.filter(|_| !password_login));
    let handle = (logged_in.is_some() || password_login).then_some((conn.handle, facts));
    (handle, StageEnd::new(status, summary))
}

/// What the remote stage needs to know of the keys: every offered key with a public half, the
/// server's answer where it was asked, and the key that logged in.
fn login_facts(ids: &IdentityPlan, tried: &[Tried], logged_in: Option<usize>) -> LoginFacts {
    let keys = ids
        .offered
        .iter()
        .filter_map(|id| {
            let key = id.key.as_ref()?.key_data().clone();
            let accepted = tried
                .iter()
                .find(|tr| std::ptr::eq(tr.id, id))
                .and_then(|tr| match tr.answer {
                    Answer::Accepted => Some(true),
                    Answer::Refused => Some(false),
                    Answer::Skipped => None,
                });
            Some(KeyAsked {
                label: id.label(),
                key,
                explicit: id.explicit(),
                accepted,
            })
        })
        .collect();
    LoginFacts {
        by_key: logged_in
            .and_then(|pos| tried[pos].id.key.as_ref())
            .map(|k| k.key_data().clone()),
        keys,
    }
}

/// Ask the person at the console; None when they decline or nobody answers.
async fn ask(
    asker: &crate::engine::SecretAsker,
    prompt: String,
) -> Option<zeroize::Zeroizing<String>> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    asker
        .send(crate::engine::SecretRequest { prompt, reply })
        .await
        .ok()?;
    answer.await.ok().flatten()
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
