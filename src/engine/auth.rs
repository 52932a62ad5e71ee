//! The authentication stage: which keys ssh would offer, in ssh's order, which one the server
//! takes (asked without signing), how many attempts it allows, and a real login where no
//! secret is needed.

use super::banner::Server;
use super::kex::{seen, HostKeyPolicy, ProbeHandle, SeenCell};
use super::link::Relogin;
use super::remote::LoginFacts;
use super::{Cx, Plan, StageEnd, Target};
use crate::algorithms::{self, AlgKind};
use crate::event::{Level, Stage, Status};
use crate::identities::{self, Backing, Identity, IdentityPlan, ProblemKind};
use russh::client::AuthResult;
use std::sync::Arc;
use std::time::Duration;

mod console;
mod facts;
mod keys;
mod probe;
mod report;
mod secrets;

use facts::{log_plan, login_facts};
use keys::key_loop;
use secrets::{ask_secrets, SecretLogin};

use probe::{agent_path, other_local_keys, Prober};
pub(crate) use probe::{sign_in, Conn, Signed};
use report::{identities_only_action, key_findings, no_login_findings, too_many_finding};
// Finding text shared with `sshdoctor explain`.
pub(crate) use report::{
    identities_only_fix, install_advice_text, login_refused_fix, login_refused_reasons_text,
    no_accepted_key_causes, no_mutual_signature_finding, pubkey_disabled_fix, second_factor_words,
};

/// The server's answer to one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// PK_OK: the server would take this key.
    Accepted,
    /// The server refused it (counts as a failed attempt).
    Refused,
    /// The server said yes to the unsigned query, then refused the signed login (counts as a
    /// failed attempt).
    SignRefused,
    /// Not offered: ssh would skip it (no mutual signature algorithm, no public key).
    Skipped,
}

impl Answer {
    /// Whether the server counts this key as a failed attempt (against MaxAuthTries).
    fn counts(self) -> bool {
        matches!(self, Answer::Refused | Answer::SignRefused)
    }
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
    pub dial: super::transport::Dialer,
    pub policy: Arc<HostKeyPolicy>,
    pub timeout: Duration,
    /// The host key is recorded and matches: only then may a person be asked for a secret.
    pub host_key_known: bool,
    /// The server's implementation, from its identification (for remedies it reads).
    pub server: Server,
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

/// What the key loop found.
struct KeyLoop<'a> {
    tried: Vec<Tried<'a>>,
    /// The key that logged in, by position in `tried`.
    logged_in: Option<usize>,
    /// A key was accepted and the server wants another method too.
    partial: Option<(usize, russh::MethodSet)>,
}

pub(super) async fn auth_stage(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    input: AuthInput,
) -> (Option<(Conn, LoginFacts, Option<Relogin>)>, StageEnd) {
    let version = plan.openssh.as_ref().map(|(_, v)| *v);
    let ids = identities::plan(&cx.config, version).await;
    log_plan(cx, &ids).await;
    let user = t.user.clone();
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
                Some((conn, LoginFacts::default(), None)),
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

    // 2. Every key in ssh's order: asked without signing, then signed where no secret is
    // needed; a refused signature goes on to the next key, as ssh does.
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
        dial: input.dial.clone(),
        policy: input.policy.clone(),
        timeout: input.timeout,
        refused_here: 0,
        limit: None,
        rsa_server: None,
        accepted_algs,
    };
    let mut found = KeyLoop {
        tried: Vec::new(),
        logged_in: None,
        partial: None,
    };
    if server_pubkey && pubkey_on {
        if let Err(reason) = key_loop(cx, &mut prober, &ids, &mut found).await {
            return (None, fail_connection(cx, &prober.conn, &reason).await);
        }
        if let Some(pos) = found.logged_in {
            cx.log(
                Stage::Auth,
                Level::Info,
                format!(
                    "Authenticated to {} ({}) using \"publickey\" with {}.",
                    t.hostname,
                    input.dial.describe(),
                    found.tried[pos].id.label()
                ),
            )
            .await;
        }
    }
    // A signed login refused after a "yes": does the server say yes to any key (tinysshd)?
    // tinysshd is known to; otherwise ask with a key nobody has, which is only possible
    // before a login (a logged-in server ignores further requests).
    let sign_refused = found
        .tried
        .iter()
        .any(|tr| tr.answer == Answer::SignRefused);
    let accepts_any = sign_refused
        && (input.server == Server::Tinyssh
            || (found.logged_in.is_none()
                && found.partial.is_none()
                && prober.accepts_any_key(cx).await));
    if accepts_any {
        cx.log(Stage::Auth, Level::Info, "the server answers \"yes\" to every unsigned key query (tinysshd does): only a signed login tells which key it takes").await;
        cx.fact(Stage::Auth, "accepts_any_key_query", "yes").await;
        for tr in &mut found.tried {
            if tr.answer == Answer::SignRefused {
                tr.answer = Answer::Refused;
            }
        }
    }
    // A configured key is missing: is another key in ~/.ssh the one the server takes now?
    let mut replacement = None;
    if server_pubkey
        && pubkey_on
        && !accepts_any
        && ids.problems.iter().any(|p| p.kind == ProblemKind::Missing)
    {
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

    // 3. At the console, for a host whose key is known: what ssh would ask for.
    let mut secret_login = None;
    if let (Some(asker), true) = (&plan.secrets, input.host_key_known) {
        let asking = console::Asking {
            asker,
            t,
            dial: input.dial.clone(),
            policy: input.policy.clone(),
            timeout: input.timeout,
        };
        secret_login = ask_secrets(cx, &asking, &mut conn, &ids, &methods, &mut found).await;
    }

    // 4. Findings: root causes (local key problems) first, then what they lead to.
    let KeyLoop {
        tried,
        logged_in,
        partial,
    } = found;
    let chosen = logged_in
        .or(partial.as_ref().map(|(p, _)| *p))
        .or_else(|| tried.iter().position(|tr| tr.answer == Answer::Accepted));
    let attempts_before = |pos: usize| tried[..pos].iter().filter(|tr| tr.answer.counts()).count();
    let password_login = secret_login == Some(SecretLogin::Password);
    let ssh_would_fail = match (chosen, limit) {
        (Some(pos), Some(n)) => attempts_before(pos) >= n,
        (Some(_), None) => logged_in.is_none(),
        (None, _) => !password_login,
    };
    key_findings(
        cx,
        plan,
        (&t.original_host, input.server),
        &ids,
        &tried,
        replacement.as_deref(),
        ssh_would_fail,
    )
    .await;
    if let (Some(pos), Some(n)) = (logged_in.or(partial.as_ref().map(|(p, _)| *p)), limit) {
        let before = attempts_before(pos);
        if before >= n {
            too_many(cx, plan, t, &tried[pos], pos, before, n).await;
        }
    }
    let server = input.server;
    let (status, summary) = match logged_in {
        // No key at all: the login works, but only by password — offer making one.
        _ if password_login && ids.offered.is_empty() && server_pubkey && pubkey_on => {
            cx.finding(report::no_key_finding(t, &methods)).await;
            (
                Status::Warn,
                "password (typed in the console); you have no key".to_string(),
            )
        }
        _ if password_login => (Status::Pass, "password (typed in the console)".to_string()),
        Some(pos) if !ssh_would_fail => {
            let status = if tried.iter().any(|tr| tr.answer == Answer::Skipped) {
                Status::Warn
            } else {
                Status::Pass
            };
            let extra = if secret_login == Some(SecretLogin::SecondFactor) {
                " and a second factor typed in the console"
            } else {
                ""
            };
            (
                status,
                format!(
                    "publickey with {} (key {} of {}){extra}",
                    tried[pos].id.label(),
                    pos + 1,
                    ids.offered.len()
                ),
            )
        }
        Some(pos) => (
            Status::Fail,
            format!(
                "ssh would fail; {} works once it is offered within the limit",
                tried[pos].id.label()
            ),
        ),
        None => {
            let facts = report::Refusal {
                t,
                ids: &ids,
                tried: &tried,
                methods: &methods,
                server_pubkey,
                pubkey_on,
                server,
                accepts_any,
                partial: partial.as_ref(),
                console: plan.secrets.is_some() && input.host_key_known,
                asker: plan.secrets.is_some(),
            };
            (Status::Fail, no_login_findings(cx, &facts).await)
        }
    };
    let by_key = logged_in.filter(|_| !password_login);
    let facts = login_facts(&ids, &tried, by_key);
    let relogin = by_key
        .filter(|_| secret_login.is_none())
        .map(|pos| Relogin {
            target: t.clone(),
            dial: input.dial.clone(),
            policy: input.policy.clone(),
            id: tried[pos].id.clone(),
            agent: agent_path(&ids).map(std::path::Path::to_path_buf),
            sig_alg: tried[pos].sig_alg.clone(),
        });
    let handle = (logged_in.is_some() || password_login).then_some((conn, facts, relogin));
    (handle, StageEnd::new(status, summary))
}

/// The too-many-failures finding with its config repair.
async fn too_many(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    tr: &Tried<'_>,
    pos: usize,
    before: usize,
    n: usize,
) {
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
    cx.finding(
        crate::findings::finding(
            "auth.disconnected",
            Stage::Auth,
            format!("The server ended the connection (or stopped answering) during authentication: {text}. ssh fails the same way (\"Connection closed by ... [preauth]\" on the server)."),
        )
        .evidence(text.clone()),
    )
    .await;
    StageEnd::new(Status::Fail, format!("connection lost: {text}"))
}
