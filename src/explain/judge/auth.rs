//! The authentication stage as a transcript shows it: the keys offered and the server's answers,
//! local key problems, the agent, and what "Permission denied" means in each case.

mod refusal;

use super::net::server_of;
use super::{ev, weight, Ctx, LaneResult, View};
use crate::engine::shared::no_mutual_signature_finding;
use crate::event::{Finding, Stage, Status};
use crate::explain::attempts::Item;
use crate::explain::classify::{Ident, Msg};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;
use refusal::refusal;

/// ssh's words when the agent would not sign.
const AGENT_WORDS: [&str; 3] = [
    "agent refused operation",
    "communication with agent failed",
    "agent not present",
];

/// The authentication stage: logged in (with warnings), a key ssh cannot use, a transcript
/// that ends during authentication, or the refusal and why.
pub(super) fn auth(v: &View, cx: &Ctx, r: &mut LaneResult) {
    let denied = v.last(|m| matches!(m, Msg::PermissionDenied { .. }));
    let too_many = v
        .items
        .iter()
        .copied()
        .find(|i| i.core.contains("Too many authentication failures"));
    let authenticated = login_line(v);
    let disconnect = v
        .first(|m| matches!(m, Msg::ReceivedDisconnect(_)))
        .filter(|d| authenticated.is_none_or(|a| d.no < a.no));
    let shown_refusal = denied.is_some() || too_many.is_some() || disconnect.is_some();
    let unusable =
        partial(v).is_some() || v.has(|m| matches!(m, Msg::NoMutualSignature)) || at_prompt(v);
    let failed = authenticated.is_none() && (shown_refusal || unusable);
    let mut key_findings = local_keys(v, cx, failed || (authenticated.is_none() && !other_key(v)));
    // Nothing else is shown, and ssh ignores the key it had: that is the failure.
    let key_is_why = key_findings
        .iter()
        .any(|f| f.severity == crate::event::Severity::Error);
    if authenticated.is_none() && !failed && key_is_why {
        r.findings.append(&mut key_findings);
        r.step(
            Stage::Auth,
            Status::Fail,
            text!("explain.auth.cannot_use_key_summary"),
        );
        return;
    }
    if let Some(i) = authenticated {
        logged_in(v, cx, r, i, key_findings);
        return;
    }
    if !failed {
        unfinished(v, r, key_findings);
        return;
    }
    let (summary, f) = refusal(v, cx, denied, too_many, disconnect);
    // Local key problems come first, as the probe reports them, when they are the root cause.
    if key_is_why {
        r.findings.append(&mut key_findings);
        r.findings.extend(f);
    } else {
        r.findings.extend(f);
        r.findings.append(&mut key_findings);
    }
    r.step(Stage::Auth, Status::Fail, summary);
}

/// The line that shows the login worked: `Authenticated`, or else the session's first line (a
/// command, its exit, a greeting, a transfer).
fn login_line<'a>(v: &View<'a>) -> Option<&'a Item> {
    let session = v.first(|m| {
        matches!(
            m,
            Msg::Sending(_)
                | Msg::RequestFailed(_)
                | Msg::AccountNotAvailable
                | Msg::ExitStatus(_)
                | Msg::LastLogin
                | Msg::TransferDone
        )
    });
    v.first(|m| matches!(m, Msg::Authenticated(_))).or(session)
}

/// ssh went on to a prompt (a password, a second factor): the keys did not log in.
fn at_prompt(v: &View) -> bool {
    v.last(|m| {
        matches!(
            m,
            Msg::SecretPrompt(_)
                | Msg::PassphrasePrompt(_)
                | Msg::Offering(_)
                | Msg::CanContinue(_)
        )
    })
    .is_some_and(|i| matches!(i.msg, Msg::SecretPrompt(_) | Msg::PassphrasePrompt(_)))
}

/// No login and no refusal shown: the local key findings, and a warning when the transcript
/// ends during authentication.
fn unfinished(v: &View, r: &mut LaneResult, mut key_findings: Vec<Finding>) {
    r.findings.append(&mut key_findings);
    if v.has(|m| matches!(m, Msg::CanContinue(_) | Msg::Offering(_))) {
        r.step(
            Stage::Auth,
            Status::Warn,
            text!("explain.auth.ends_during_auth"),
        );
    }
}

/// The login worked: warnings only (keys ssh could not use, an agent that refused, an RSA key
/// without a mutual signature algorithm).
fn logged_in(v: &View, cx: &Ctx, r: &mut LaneResult, i: &Item, keys: Vec<Finding>) {
    r.findings.extend(keys);
    if let Some(f) = agent_refused(v, false) {
        r.findings.push(f);
    }
    if v.has(|m| matches!(m, Msg::NoMutualSignature)) {
        r.findings.push(
            no_mutual_signature_finding(&cx.alias, server_of(v), &cx.account()).evidence_all(
                v.all(|m| matches!(m, Msg::NoMutualSignature))
                    .into_iter()
                    .map(ev),
            ),
        );
    }
    let how = match &i.msg {
        Msg::Authenticated(t) => {
            r.outcome_shown = true;
            Text::from(t)
        }
        _ => text!("explain.auth.implied_by_session"),
    };
    r.logged_in = true;
    let warned = r.findings.iter().any(|f| f.stage == Stage::Auth);
    r.step(
        Stage::Auth,
        if warned { Status::Warn } else { Status::Pass },
        text!("explain.auth.authenticated", how = how),
    );
}

/// Key files ssh could not use: unprotected, missing, unloadable (errors when no login worked
/// and nothing else explains it better).
fn local_keys(v: &View, cx: &Ctx, failed: bool) -> Vec<Finding> {
    let mut out = unprotected_keys(v, cx, failed);
    out.extend(missing_keys(v, failed));
    out.extend(unreadable_keys(v, failed));
    out
}

/// `key.unprotected`: key files others can read, which OpenSSH refuses to use.
fn unprotected_keys(v: &View, cx: &Ctx, failed: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let too_open = v.all(|m| matches!(m, Msg::TooOpen { .. }));
    let bad_perms =
        v.all(|m| matches!(m, Msg::LoadKey { why, .. } if why.contains("bad permissions")));
    let mut unprotected: Vec<(String, String)> = too_open
        .iter()
        .filter_map(|i| match &i.msg {
            Msg::TooOpen { mode, path } => Some((path.clone(), mode.clone())),
            _ => None,
        })
        .collect();
    for i in &bad_perms {
        if let Msg::LoadKey { path, .. } = &i.msg {
            if !unprotected.iter().any(|(p, _)| p == path) {
                unprotected.push((path.clone(), "unknown".into()));
            }
        }
    }
    for (path, mode) in &unprotected {
        let mut f = keyed(
            "key.unprotected",
            Stage::Auth,
            text!("explain.auth.unprotected", path = path, mode = mode),
        )
        .evidence_all(v.all(|m| matches!(m, Msg::Unprotected)).into_iter().map(ev))
        .evidence_all(
            too_open
                .iter()
                .chain(&bad_perms)
                .filter(|i| i.core.contains(path.as_str()))
                .map(|i| ev(i)),
        )
        .fix_text(text!(
            "explain.auth.unprotected_fix",
            path = crate::fsedit::shell_quote(path)
        ));
        if cx.mine {
            f.actions
                .extend(crate::explain::local::chmod_action(path, 0o600));
        }
        out.push(weight(f, failed));
    }
    out
}

/// `key.missing`: a key file ssh was told to use and that does not exist.
fn missing_keys(v: &View, failed: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let missing = v.all(|m| {
        matches!(m, Msg::NoSuchIdentity(_))
            || matches!(m, Msg::LoadKey { why, .. } if why.contains("No such file"))
    });
    // debug3's list of default keys that do not exist is not a problem; an explicit key is
    // reported without -v (at ssh's default level).
    for i in missing
        .iter()
        .filter(|i| i.level == crate::event::Level::Info)
    {
        let path = match &i.msg {
            Msg::NoSuchIdentity(p) | Msg::LoadKey { path: p, .. } => p.clone(),
            _ => continue,
        };
        let f = keyed(
            "key.missing",
            Stage::Auth,
            text!("explain.auth.missing", path = path),
        )
        .evidence(ev(i));
        out.push(weight(f, failed && !other_key(v)));
    }
    out
}

/// `key.unreadable`: a key file this ssh cannot load (ssh says why: its format, ...).
fn unreadable_keys(v: &View, failed: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    for i in v.all(|m| matches!(m, Msg::LoadKey { why, .. } if !why.contains("bad permissions") && !why.contains("No such file"))) {
        let Msg::LoadKey { path, why } = &i.msg else { continue };
        let f = keyed(
            "key.unreadable",
            Stage::Auth,
            text!("explain.auth.unreadable", path = path, why = why),
        )
        .evidence(ev(i));
        out.push(weight(f, failed && !other_key(v)));
    }
    out
}

/// Whether ssh got to use some key (offered, accepted, or handed to the agent to sign): then a
/// key file it could not read is not why the login failed.
fn other_key(v: &View) -> bool {
    v.has(|m| {
        matches!(
            m,
            Msg::Offering(_) | Msg::ServerAccepts(_) | Msg::SigningFailed { .. }
        )
    })
}

/// `agent.refused`: the agent would not sign (an error when no login worked).
fn agent_refused(v: &View, failed: bool) -> Option<Finding> {
    let lines: Vec<&Item> = v
        .items
        .iter()
        .copied()
        .filter(|i| AGENT_WORDS.iter().any(|w| i.core.contains(w)))
        .collect();
    let first = lines.first()?;
    let (key, why) = match &first.msg {
        Msg::SigningFailed { key, why } => (key.clone(), why.clone()),
        _ => (None, first.core.clone()),
    };
    let key = key.map_or(text!("explain.auth.a_key"), |k| {
        text!("explain.auth.the_key", key = k)
    });
    let f = keyed(
        "agent.refused",
        Stage::Auth,
        text!("explain.auth.agent_refused", key = key, why = why),
    )
    .evidence_all(lines.iter().map(|i| ev(i)));
    Some(weight(f, failed))
}

/// A partial success after a method that proves something (a key, a password): the server
/// wants another method. ("none" with partial success is a server's quirk, not a factor.)
fn partial<'a>(v: &View<'a>) -> Option<&'a Item> {
    v.first(|m| matches!(m, Msg::PartialSuccess))
        .filter(|i| !i.core.contains("\"none\""))
}

/// The command line turns public keys off (`-o PubkeyAuthentication=no`, or a
/// PreferredAuthentications without publickey).
fn pubkey_off(cx: &Ctx) -> bool {
    cx.options.iter().any(|o| {
        let (k, v) = o.split_once(['=', ' ']).unwrap_or((o, ""));
        let (k, v) = (k.to_ascii_lowercase(), v.to_ascii_lowercase());
        (k == "pubkeyauthentication" && v == "no")
            || (k == "preferredauthentications" && !v.contains("publickey"))
    })
}

/// The keys named in the lines `f` picks (offered, to be tried, accepted).
fn idents(v: &View, f: impl Fn(&Msg) -> bool) -> Vec<Ident> {
    v.all(f)
        .into_iter()
        .filter_map(|i| match &i.msg {
            Msg::Offering(id) | Msg::WillAttempt(id) | Msg::ServerAccepts(id) => Some(id.clone()),
            _ => None,
        })
        .collect()
}
