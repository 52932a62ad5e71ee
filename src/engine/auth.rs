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
use crate::i18n::Text;
use crate::identities::{self, Backing, Identity, IdentityPlan, ProblemKind};
use crate::text;
use russh::client::AuthResult;
use std::sync::Arc;
use std::time::Duration;

mod advice;
mod console;
mod facts;
#[cfg(test)]
mod i18n_tests;
mod keys;
mod probe;
mod refusal;
mod report;
mod secrets;
mod verdict;

use facts::{log_plan, login_facts};
use keys::key_loop;
use secrets::{ask_secrets, asking};
use verdict::{finish, Outcome};

use probe::{agent_path, other_local_keys, Prober};
pub(crate) use probe::{sign_in, Conn, Signed};
use report::{identities_only_action, too_many_finding};
// Finding text shared with `sshdoctor explain`.
pub(crate) use advice::{
    identities_only_fix_keyed, install_advice_keyed, login_refused_fix_keyed,
    login_refused_reasons_keyed, no_accepted_key_causes_keyed, pubkey_disabled_fix_keyed,
    second_factor_keyed,
};
pub(crate) use report::no_mutual_signature_finding;

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
    pub(super) note: Text,
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
#[derive(Default)]
struct KeyLoop<'a> {
    tried: Vec<Tried<'a>>,
    /// The key that logged in, by position in `tried`.
    logged_in: Option<usize>,
    /// A key was accepted and the server wants another method too.
    partial: Option<(usize, russh::MethodSet)>,
}

/// The stage: the methods the server allows, every key in ssh's order, the secrets a person
/// would type (at the console), then the findings and the verdict.
pub(super) async fn auth_stage(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    input: AuthInput,
) -> (Option<(Conn, LoginFacts, Option<Relogin>)>, StageEnd) {
    let version = plan.openssh.as_ref().map(|(_, v)| *v);
    let ids = identities::plan(&cx.config, version).await;
    log_plan(cx, &ids).await;
    let (mut conn, input) = input.split();
    let methods = match ask_methods(cx, t, &mut conn, &input).await {
        NoneAnswer::LoggedIn => {
            return (
                Some((conn, LoginFacts::default(), None)),
                StageEnd::text(Status::Pass, text!("engine.auth.no_auth_required")),
            )
        }
        NoneAnswer::Methods(methods) => methods,
        NoneAnswer::Lost(why) => return (None, fail_connection(cx, &conn, why).await),
    };
    let server_pubkey = methods.contains(&russh::MethodKind::PublicKey);
    let pubkey_on = cx.config.get("pubkeyauthentication");
    let pubkey_on = pubkey_on.is_none_or(|v| v.value != "no");
    let mut prober = prober(cx, plan, conn, t, &input);
    let mut found = KeyLoop::default();
    if server_pubkey && pubkey_on {
        if let Err(reason) = try_keys(cx, &mut prober, &ids, &mut found, &input).await {
            return (None, fail_connection(cx, &prober.conn, reason.into()).await);
        }
    }
    let accepts_any = accepts_any_key(cx, &mut prober, &mut found, input.server).await;
    let replacement = if server_pubkey && pubkey_on && !accepts_any {
        replacement_key(cx, &mut prober, &ids).await
    } else {
        None
    };
    let limit = prober.limit;
    let mut conn = prober.conn;

    // 3. At the console, for a host whose key is known: what ssh would ask for.
    let secret_login = match asking(plan, t, &input) {
        Some(asking) => ask_secrets(cx, &asking, &mut conn, &ids, &methods, &mut found).await,
        None => None,
    };

    // 4. Findings: root causes (local key problems) first, then what they lead to.
    let o = Outcome {
        ids: &ids,
        methods,
        server_pubkey,
        pubkey_on,
        found,
        accepts_any,
        replacement,
        limit,
        secret_login,
    };
    finish(cx, plan, t, &input, conn, &o).await
}

/// The stage's settings besides the connection.
struct Setup {
    dial: super::transport::Dialer,
    policy: Arc<HostKeyPolicy>,
    timeout: Duration,
    host_key_known: bool,
    server: Server,
    pubkey_only: bool,
}

impl AuthInput {
    /// The connection, and the rest.
    fn split(self) -> (Conn, Setup) {
        let conn = Conn {
            handle: self.handle,
            cell: self.cell,
        };
        let setup = Setup {
            dial: self.dial,
            policy: self.policy,
            timeout: self.timeout,
            host_key_known: self.host_key_known,
            server: self.server,
            pubkey_only: self.pubkey_only,
        };
        (conn, setup)
    }
}

/// The server's answer to the "none" request.
enum NoneAnswer {
    /// It let the user in without credentials.
    LoggedIn,
    /// The methods that can continue.
    Methods(russh::MethodSet),
    /// The connection was lost, and why.
    Lost(Text),
}

/// Step 1: ask which methods are allowed ("none" does not count as an attempt), and log them.
async fn ask_methods(cx: &Cx, t: &Target, conn: &mut Conn, input: &Setup) -> NoneAnswer {
    let user = t.user.clone();
    let methods =
        match tokio::time::timeout(input.timeout, conn.handle.authenticate_none(user)).await {
            Ok(Ok(AuthResult::Success)) => {
                cx.log(
                    Stage::Auth,
                    Level::Info,
                    format!(
                        "Authenticated to {} as {} without credentials (\"none\")",
                        t.hostname, t.user
                    ),
                )
                .await;
                return NoneAnswer::LoggedIn;
            }
            Ok(Ok(AuthResult::Failure {
                remaining_methods, ..
            })) if input.pubkey_only => without_interactive(remaining_methods),
            Ok(Ok(AuthResult::Failure {
                remaining_methods, ..
            })) => remaining_methods,
            Ok(Err(e)) => return NoneAnswer::Lost(e.to_string().into()),
            Err(_) => return NoneAnswer::Lost(text!("engine.auth.no_answer")),
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
    NoneAnswer::Methods(methods)
}

/// The prober on this connection, with the signature algorithms ssh accepts.
fn prober<'t>(cx: &Cx, plan: &Plan, conn: Conn, t: &'t Target, input: &Setup) -> Prober<'t> {
    let version = plan.openssh.as_ref().map(|(_, v)| *v);
    let accepted_algs = algorithms::effective(
        version,
        AlgKind::PubkeyAccepted,
        cx.config
            .get(AlgKind::PubkeyAccepted.keyword())
            .map(|v| v.value.as_str()),
    )
    .unwrap_or_default();
    Prober {
        conn,
        user: t.user.clone(),
        t,
        dial: input.dial.clone(),
        policy: input.policy.clone(),
        timeout: input.timeout,
        refused_here: 0,
        limit: None,
        rsa_server: None,
        accepted_algs,
    }
}

/// Step 2: every key in ssh's order, asked without signing, then signed where no secret is
/// needed (a refused signature goes on to the next key, as ssh does); the key that logged in
/// logged as ssh does. Err: the connection was lost.
async fn try_keys<'a>(
    cx: &Cx,
    prober: &mut Prober<'_>,
    ids: &'a IdentityPlan,
    found: &mut KeyLoop<'a>,
    input: &Setup,
) -> Result<(), String> {
    key_loop(cx, prober, ids, found).await?;
    if let Some(pos) = found.logged_in {
        cx.log(
            Stage::Auth,
            Level::Info,
            format!(
                "Authenticated to {} ({}) using \"publickey\" with {}.",
                prober.t.hostname,
                input.dial.describe(),
                found.tried[pos].id.label()
            ),
        )
        .await;
    }
    Ok(())
}

/// A signed login refused after a "yes": does the server say yes to any key (tinysshd)?
/// tinysshd is known to; otherwise ask with a key nobody has, which is only possible before a
/// login (a logged-in server ignores further requests). If so, such keys count as refused.
async fn accepts_any_key(
    cx: &Cx,
    prober: &mut Prober<'_>,
    found: &mut KeyLoop<'_>,
    server: Server,
) -> bool {
    let sign_refused = found
        .tried
        .iter()
        .any(|tr| tr.answer == Answer::SignRefused);
    let accepts_any = sign_refused
        && (server == Server::Tinyssh
            || (found.logged_in.is_none()
                && found.partial.is_none()
                && prober.accepts_any_key(cx).await));
    if accepts_any {
        let said = text!("engine.auth.accepts_any_log");
        cx.say(Stage::Auth, Level::Info, said).await;
        cx.fact(Stage::Auth, "accepts_any_key_query", "yes").await;
        for tr in &mut found.tried {
            if tr.answer == Answer::SignRefused {
                tr.answer = Answer::Refused;
            }
        }
    }
    accepts_any
}

/// A configured key is missing: is another key in ~/.ssh the one the server takes now?
async fn replacement_key(
    cx: &Cx,
    prober: &mut Prober<'_>,
    ids: &IdentityPlan,
) -> Option<std::path::PathBuf> {
    if !ids.problems.iter().any(|p| p.kind == ProblemKind::Missing) {
        return None;
    }
    for (path, key) in other_local_keys(&cx.config.home, ids) {
        let Some((_, hash)) = prober.sig_alg(&key).await else {
            continue;
        };
        if let Ok(Answer::Accepted) = prober.ask(cx, key, None, hash).await {
            let said = text!("engine.auth.replacement_log", path = &path);
            cx.say(Stage::Auth, Level::Debug1, said).await;
            return Some(path);
        }
    }
    None
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
                let said = text!(
                    "engine.auth.not_offered_log",
                    action = "config.identities_only",
                    why = e
                );
                cx.say(Stage::Auth, Level::Debug1, said).await
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

/// The connection was lost during the stage (`why`): `auth.disconnected`, and the stage's end.
async fn fail_connection(cx: &Cx, conn: &Conn, why: Text) -> StageEnd {
    let disconnect = seen(&conn.cell).disconnect.clone();
    let why = match disconnect {
        Some(d) => text!("engine.auth.why_with_disconnect", why = why, disconnect = d),
        None => why,
    };
    let said = text!("engine.auth.stopped_log", why = why.clone());
    cx.say(Stage::Auth, Level::Info, said).await;
    let detail = text!("engine.auth.disconnected_detail", why = why.clone());
    let f = crate::findings::keyed("auth.disconnected", Stage::Auth, detail);
    cx.finding(f.evidence(why.english())).await;
    StageEnd::text(
        Status::Fail,
        text!("engine.auth.connection_lost", why = why),
    )
}
