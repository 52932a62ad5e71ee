//! The verdict of the authentication stage: its findings, root causes first, its status and
//! summary, and what a later stage needs to log in again.

use super::refusal::{no_login_findings, Refusal};
use super::report::{self, key_findings};
use super::secrets::SecretLogin;
use super::{agent_path, login_facts, too_many, Answer, KeyLoop, Setup};
use crate::engine::link::Relogin;
use crate::engine::remote::LoginFacts;
use crate::engine::{Cx, Plan, Target};
use crate::event::Status;
use crate::i18n::Text;
use crate::identities::IdentityPlan;
use crate::text;

/// What the stage found, for the findings and the verdict.
pub(super) struct Outcome<'a> {
    pub(super) ids: &'a IdentityPlan,
    pub(super) methods: russh::MethodSet,
    /// The server takes public keys.
    pub(super) server_pubkey: bool,
    /// The configuration has PubkeyAuthentication on.
    pub(super) pubkey_on: bool,
    pub(super) found: KeyLoop<'a>,
    /// The server says yes to every unsigned key query.
    pub(super) accepts_any: bool,
    /// Another local key the server takes, for a missing configured one.
    pub(super) replacement: Option<std::path::PathBuf>,
    /// MaxAuthTries, when the server hung up on too many failures.
    pub(super) limit: Option<usize>,
    pub(super) secret_login: Option<SecretLogin>,
}

impl Outcome<'_> {
    /// The key that logged in (perhaps wanting more).
    fn key_login(&self) -> Option<usize> {
        self.found
            .logged_in
            .or(self.found.partial.as_ref().map(|(p, _)| *p))
    }

    /// The failed attempts before the key at `pos`.
    fn attempts_before(&self, pos: usize) -> usize {
        let tried = &self.found.tried[..pos];
        tried.iter().filter(|tr| tr.answer.counts()).count()
    }

    /// A password typed in the console logged in.
    pub(super) fn password_login(&self) -> bool {
        self.secret_login == Some(SecretLogin::Password)
    }

    /// Would ssh fail: the key it would log in with comes after MaxAuthTries failures, or no
    /// key logs in and no password did.
    fn ssh_would_fail(&self) -> bool {
        let accepted = || {
            let tried = &self.found.tried;
            tried.iter().position(|tr| tr.answer == Answer::Accepted)
        };
        match (self.key_login().or_else(accepted), self.limit) {
            (Some(pos), Some(n)) => self.attempts_before(pos) >= n,
            (Some(_), None) => self.found.logged_in.is_none(),
            (None, _) => !self.password_login(),
        }
    }
}

/// Step 4: the findings, root causes (local key problems) first, then what they lead to; and the
/// stage's status and summary.
pub(super) async fn judge(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    input: &Setup,
    o: &Outcome<'_>,
) -> (Status, Text) {
    let tried = &o.found.tried;
    key_findings(
        cx,
        plan,
        (&t.original_host, input.server),
        o.ids,
        tried,
        o.replacement.as_deref(),
        o.ssh_would_fail(),
    )
    .await;
    if let (Some(pos), Some(n)) = (o.key_login(), o.limit) {
        let before = o.attempts_before(pos);
        if before >= n {
            too_many(cx, plan, t, &tried[pos], pos, before, n).await;
        }
    }
    verdict(cx, plan, t, input, o).await
}

/// The status and summary: by password (with `auth.no_key` when there is no key), by key, by a
/// key ssh would not reach within the limit, or no login (its findings).
async fn verdict(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    input: &Setup,
    o: &Outcome<'_>,
) -> (Status, Text) {
    let (ids, tried) = (o.ids, &o.found.tried);
    match o.found.logged_in {
        // No key at all: the login works, but only by password — offer making one.
        _ if o.password_login() && ids.offered.is_empty() && o.server_pubkey && o.pubkey_on => {
            cx.finding(report::no_key_finding(t, &o.methods, None))
                .await;
            (Status::Warn, text!("engine.auth.verdict.password_no_key"))
        }
        _ if o.password_login() => (Status::Pass, text!("engine.auth.verdict.password")),
        Some(pos) if !o.ssh_would_fail() => key_verdict(o, pos),
        Some(pos) => (
            Status::Fail,
            text!(
                "engine.auth.verdict.beyond_limit",
                key = tried[pos].id.label()
            ),
        ),
        None => {
            let facts = Refusal {
                t,
                ids,
                tried,
                methods: &o.methods,
                server_pubkey: o.server_pubkey,
                pubkey_on: o.pubkey_on,
                server: input.server,
                accepts_any: o.accepts_any,
                partial: o.found.partial.as_ref(),
                console: plan.secrets.is_some() && input.host_key_known,
                asker: plan.secrets.is_some(),
            };
            (Status::Fail, no_login_findings(cx, &facts).await)
        }
    }
}

/// Logged in with the key at `pos`: a warning when ssh skips a key on the way.
fn key_verdict(o: &Outcome<'_>, pos: usize) -> (Status, Text) {
    let tried = &o.found.tried;
    let status = if tried.iter().any(|tr| tr.answer == Answer::Skipped) {
        Status::Warn
    } else {
        Status::Pass
    };
    let (key, n) = (tried[pos].id.label(), o.ids.offered.len());
    let summary = match o.secret_login == Some(SecretLogin::SecondFactor) {
        true => text!(
            "engine.auth.verdict.by_key_second",
            key = key,
            pos = pos + 1,
            n = n
        ),
        false => text!(
            "engine.auth.verdict.by_key",
            key = key,
            pos = pos + 1,
            n = n
        ),
    };
    (status, summary)
}

/// The login's facts, and how to log in again with the same key (not after a typed secret).
pub(super) fn login_of(
    t: &Target,
    input: &Setup,
    o: &Outcome<'_>,
) -> (LoginFacts, Option<Relogin>) {
    let tried = &o.found.tried;
    let by_key = o.found.logged_in.filter(|_| !o.password_login());
    let facts = login_facts(o.ids, tried, by_key);
    let relogin = by_key
        .filter(|_| o.secret_login.is_none())
        .map(|pos| Relogin {
            target: t.clone(),
            dial: input.dial.clone(),
            policy: input.policy.clone(),
            id: tried[pos].id.clone(),
            agent: agent_path(o.ids).map(std::path::Path::to_path_buf),
            sig_alg: tried[pos].sig_alg.clone(),
        });
    (facts, relogin)
}

/// The stage's end: the findings and verdict, and the connection when a login was made.
pub(super) async fn finish(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    input: &Setup,
    conn: super::Conn,
    o: &Outcome<'_>,
) -> (
    Option<(super::Conn, LoginFacts, Option<Relogin>)>,
    crate::engine::StageEnd,
) {
    let (status, summary) = judge(cx, plan, t, input, o).await;
    let (facts, relogin) = login_of(t, input, o);
    let handle =
        (o.found.logged_in.is_some() || o.password_login()).then_some((conn, facts, relogin));
    (handle, crate::engine::StageEnd::text(status, summary))
}
