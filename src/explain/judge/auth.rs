//! The authentication stage as a transcript shows it: the keys offered and the server's answers,
//! local key problems, the agent, and what "Permission denied" means in each case.

use super::net::server_of;
use super::{cannot_tell, ev, settle, weight, Ctx, LaneResult, View};
use crate::engine::shared::{
    identities_only_fix, install_advice_text, login_refused_fix, login_refused_reasons_text,
    no_accepted_key_causes, no_mutual_signature_finding, pubkey_disabled_fix, second_factor_words,
};
use crate::event::{Finding, Stage, Status};
use crate::explain::attempts::Item;
use crate::explain::classify::{Ident, Msg};
use crate::findings::finding;

/// ssh's words when the agent would not sign.
const AGENT_WORDS: [&str; 3] = [
    "agent refused operation",
    "communication with agent failed",
    "agent not present",
];

pub(super) fn auth(v: &View, cx: &Ctx, r: &mut LaneResult) {
    let denied = v.last(|m| matches!(m, Msg::PermissionDenied { .. }));
    let too_many = v
        .items
        .iter()
        .copied()
        .find(|i| i.core.contains("Too many authentication failures"));
    // The session's lines (a command, its exit, a greeting, a transfer) show a login worked.
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
    let authenticated = v.first(|m| matches!(m, Msg::Authenticated(_))).or(session);
    let disconnect = v
        .first(|m| matches!(m, Msg::ReceivedDisconnect(_)))
        .filter(|d| authenticated.is_none_or(|a| d.no < a.no));
    // ssh went on to a prompt (a password, a second factor): the keys did not log in.
    let at_prompt = v
        .last(|m| {
            matches!(
                m,
                Msg::SecretPrompt(_)
                    | Msg::PassphrasePrompt(_)
                    | Msg::Offering(_)
                    | Msg::CanContinue(_)
            )
        })
        .is_some_and(|i| matches!(i.msg, Msg::SecretPrompt(_) | Msg::PassphrasePrompt(_)));
    let shown_refusal = denied.is_some() || too_many.is_some() || disconnect.is_some();
    let unusable =
        partial(v).is_some() || v.has(|m| matches!(m, Msg::NoMutualSignature)) || at_prompt;
    let tried = v.has(|m| {
        matches!(
            m,
            Msg::Offering(_) | Msg::ServerAccepts(_) | Msg::SigningFailed { .. }
        )
    });
    let failed = authenticated.is_none() && (shown_refusal || unusable);
    let mut key_findings = local_keys(v, cx, failed || (authenticated.is_none() && !tried));
    // Nothing else is shown, and ssh ignores the key it had: that is the failure.
    let key_is_why = key_findings
        .iter()
        .any(|f| f.severity == crate::event::Severity::Error);
    if authenticated.is_none() && !failed && key_is_why {
        r.findings.append(&mut key_findings);
        r.step(Stage::Auth, Status::Fail, "ssh cannot use the key it has");
        return;
    }
    if let Some(i) = authenticated {
        logged_in(v, cx, r, i, key_findings);
        return;
    }
    if !failed {
        r.findings.append(&mut key_findings);
        if v.has(|m| matches!(m, Msg::CanContinue(_) | Msg::Offering(_))) {
            r.step(
                Stage::Auth,
                Status::Warn,
                "the transcript ends during authentication",
            );
        }
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
            t.clone()
        }
        _ => "implied by the session's lines".to_string(),
    };
    r.logged_in = true;
    let warned = r.findings.iter().any(|f| f.stage == Stage::Auth);
    r.step(
        Stage::Auth,
        if warned { Status::Warn } else { Status::Pass },
        format!("authenticated: {how}"),
    );
}

/// Key files ssh could not use: unprotected, missing, unloadable (errors when no login worked
/// and nothing else explains it better).
fn local_keys(v: &View, cx: &Ctx, failed: bool) -> Vec<Finding> {
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
        let mut f = finding(
            "key.unprotected",
            Stage::Auth,
            format!("{path} has mode {mode}: readable by others, so OpenSSH refuses to use it (\"UNPROTECTED PRIVATE KEY FILE\")."),
        )
        .evidence_all(v.all(|m| matches!(m, Msg::Unprotected)).into_iter().map(ev))
        .evidence_all(too_open.iter().chain(&bad_perms).filter(|i| i.core.contains(path.as_str())).map(|i| ev(i)))
        .fix(format!("chmod 600 {}  # on the machine that ran ssh", crate::fsedit::shell_quote(path)));
        if cx.mine {
            f.actions
                .extend(crate::explain::local::chmod_action(path, 0o600));
        }
        out.push(weight(f, failed));
    }
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
        let f = finding(
            "key.missing",
            Stage::Auth,
            format!("{path} does not exist, so ssh skips it (\"no such identity\"). An IdentityFile left pointing at an old path after a migration looks like this."),
        )
        .evidence(ev(i));
        out.push(weight(f, failed && !other_key(v)));
    }
    for i in v.all(|m| matches!(m, Msg::LoadKey { why, .. } if !why.contains("bad permissions") && !why.contains("No such file"))) {
        let Msg::LoadKey { path, why } = &i.msg else { continue };
        let f = finding(
            "key.unreadable",
            Stage::Auth,
            format!("{path} is not a key this ssh can load: {why}."),
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

/// The finding that says why no login worked, and the stage summary.
fn refusal(
    v: &View,
    cx: &Ctx,
    denied: Option<&Item>,
    too_many: Option<&Item>,
    disconnect: Option<&Item>,
) -> (String, Option<Finding>) {
    let (summary, f) = refusal_finding(v, cx, denied, too_many, disconnect);
    // A key the server accepted but ssh could not load: its local finding says why.
    let unusable = f.id == "auth.key_passphrase_needed"
        && v.has(|m| matches!(m, Msg::TooOpen { .. } | Msg::LoadKey { .. }));
    if unusable {
        return ("key accepted, but ssh cannot use its file".into(), None);
    }
    (summary, Some(f))
}

fn refusal_finding(
    v: &View,
    cx: &Ctx,
    denied: Option<&Item>,
    too_many: Option<&Item>,
    disconnect: Option<&Item>,
) -> (String, Finding) {
    let server = server_of(v);
    let host = v.name.clone();
    let offered = idents(v, |m| matches!(m, Msg::Offering(_)));
    let refused_lines: Vec<String> = v
        .all(|m| matches!(m, Msg::Offering(_)))
        .into_iter()
        .map(ev)
        .collect();
    if let Some(t) = too_many {
        let will = idents(v, |m| matches!(m, Msg::WillAttempt(_)));
        let never: Vec<&Ident> = will
            .iter()
            .filter(|w| !offered.iter().any(|o| o.name == w.name))
            .collect();
        let file = match never.as_slice() {
            [one] if !one.agent => one.name.clone(),
            _ => "KEY".to_string(),
        };
        let never_text = if never.len() == 1 {
            format!(
                " ssh never reached {}: likely the key that works (the transcript cannot show it; `sshdoctor HOST` checks it).",
                never[0].label()
            )
        } else if never.is_empty() {
            String::from(" Which key the server would accept is not in the transcript.")
        } else {
            format!(
                " ssh never reached: {}.",
                never
                    .iter()
                    .map(|n| n.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let f = finding(
            "auth.too_many_failures",
            Stage::Auth,
            format!("The server allows a limited number of authentication attempts (MaxAuthTries, 6 by default), and ssh offered {} key(s) it refused before it hung up: \"Too many authentication failures\".{never_text}", offered.len()),
        )
        .evidence_all(refused_lines)
        .evidence(ev(t))
        .fix(identities_only_fix("", &cx.alias, &cx.user, &file));
        return ("too many authentication failures".into(), f);
    }
    if let Some(p) = partial(v) {
        let (how, fix) = second_factor_words(server);
        let wanted = v
            .items
            .iter()
            .filter(|i| i.no > p.no)
            .find_map(|i| match &i.msg {
                Msg::CanContinue(list) => Some(list.join(",")),
                _ => None,
            })
            .unwrap_or_else(|| "another method".into());
        let key = idents(v, |m| matches!(m, Msg::ServerAccepts(_)))
            .last()
            .map_or("a key".to_string(), Ident::label);
        let f = finding(
            "auth.second_factor_required",
            Stage::Auth,
            format!("The server accepted {key} but {how}: {wanted}. ssh asks for it (and fails under BatchMode, or when nobody answers)."),
        )
        .evidence(ev(p))
        .evidence_all(denied.into_iter().map(ev))
        .fix(fix);
        return (
            format!("key accepted; a second factor ({wanted}) is needed"),
            f,
        );
    }
    if let Some(f) = agent_refused(v, true) {
        return ("the agent refused to sign".into(), f);
    }
    if let Some(f) = accepted_but_refused(v, cx, server) {
        return f;
    }
    if v.has(|m| matches!(m, Msg::NoMutualSignature)) {
        let f = no_mutual_signature_finding(&cx.alias, server, &cx.account())
            .severity(crate::event::Severity::Error)
            .evidence_all(
                v.all(|m| matches!(m, Msg::NoMutualSignature))
                    .into_iter()
                    .map(ev),
            )
            .evidence_all(denied.into_iter().map(ev));
        return (
            "RSA key not usable: no mutual signature algorithm".into(),
            f,
        );
    }
    let methods: Vec<String> = match v.last(|m| matches!(m, Msg::CanContinue(_))).map(|i| &i.msg) {
        Some(Msg::CanContinue(list)) => list.clone(),
        _ => match denied.map(|i| &i.msg) {
            Some(Msg::PermissionDenied { methods, .. }) => methods.clone(),
            _ => Vec::new(),
        },
    };
    let pubkey = methods.iter().any(|m| m == "publickey");
    if pubkey && methods.len() == 1 && pubkey_off(cx) {
        let f = finding(
            "auth.method_not_allowed",
            Stage::Auth,
            format!("None of the methods {host} allows is usable here: it allows only publickey, and this ssh does not use public keys ({}).", cx.options.iter().filter(|o| o.to_ascii_lowercase().starts_with("pubkeyauthentication") || o.to_ascii_lowercase().starts_with("preferredauthentications")).cloned().collect::<Vec<_>>().join(", ")),
        )
        .evidence_all(denied.into_iter().map(ev))
        .fix(format!("Log in with a key: drop the option, and have your public key installed for {} ({}).", cx.user, install_advice_text(server, &cx.account())));
        return ("no usable authentication method".into(), f);
    }
    if !offered.is_empty() && pubkey {
        let user_from = format!("the user name {} comes from the command line, a User line, or your local user name: the transcript does not say which", cx.user);
        let f = finding(
            "auth.no_accepted_key",
            Stage::Auth,
            format!(
                "{host} refused every key ssh offered for {}. {}",
                cx.user,
                no_accepted_key_causes(server, &cx.user, &user_from)
            ),
        )
        .evidence_all(offered.iter().map(|o| format!("refused: {}", o.label())))
        .evidence_all(refused_lines)
        .evidence_all(denied.into_iter().map(ev))
        .fix(install_advice_text(server, &cx.account()));
        return (format!("all {} key(s) refused", offered.len()), f);
    }
    if !pubkey && v.has(|m| matches!(m, Msg::CanContinue(_))) {
        let keys = idents(v, |m| matches!(m, Msg::WillAttempt(_)));
        let why = if methods.is_empty() {
            "the server allows no method at all".to_string()
        } else {
            format!(
                "the server does not take public keys, it allows only {}",
                methods.join(",")
            )
        };
        let never = if keys.is_empty() || methods.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = keys.iter().map(|k| k.name.clone()).collect();
            format!("; your keys ({}) are never tried", names.join(", "))
        };
        let mut f = finding(
            "auth.method_not_allowed",
            Stage::Auth,
            format!("None of the methods {host} allows is usable here: {why}{never}."),
        )
        .evidence_all(
            v.all(|m| matches!(m, Msg::CanContinue(_)))
                .into_iter()
                .map(ev),
        )
        .evidence_all(denied.into_iter().map(ev));
        f = f.fix(pubkey_disabled_fix(server));
        return ("no usable authentication method".into(), f);
    }
    let debug = v.has(|m| matches!(m, Msg::CanContinue(_)));
    if debug && pubkey && offered.is_empty() {
        let f = finding(
            "auth.no_key",
            Stage::Auth,
            format!("ssh had no key to offer to {host}: only a password login is possible, and none worked (or none could be typed)."),
        )
        .severity(crate::event::Severity::Error)
        .evidence_all(v.all(|m| matches!(m, Msg::TryingPrivateKey(_) | Msg::IdentityFile { kind: -1, .. })).into_iter().take(8).map(ev))
        .evidence_all(denied.into_iter().map(ev));
        return ("no key to offer".into(), f);
    }
    if let Some(d) = disconnect.filter(|_| denied.is_none()) {
        let f = finding(
            "auth.disconnected",
            Stage::Auth,
            format!("{host} hung up during authentication: {}", d.core),
        )
        .evidence(ev(d));
        return ("the server hung up".into(), f);
    }
    let tries = v.all(|m| matches!(m, Msg::TryAgain));
    let what = if tries.is_empty() {
        format!(
            "{host} refused the login (\"Permission denied\"{}).",
            if methods.is_empty() {
                String::new()
            } else {
                format!("; it allows {}", methods.join(","))
            }
        )
    } else {
        format!(
            "{host} refused the password {} time(s), then the login.",
            tries.len()
        )
    };
    let f = cannot_tell(
        Stage::Auth,
        &what,
        "DNS, the connection, the server's identification, the key exchange and the host key (they worked); it does not show whether a key was offered and refused, no key was found, or the server refuses the account",
        &settle(cx, ", or `sshdoctor server --user USER` on the server (its log says why)"),
    )
    .evidence_all(tries.into_iter().map(ev))
    .evidence_all(denied.into_iter().map(ev));
    ("permission denied".into(), f)
}

/// "Server accepts key" and then no login: a key that needs its passphrase (ssh never sent the
/// signed request), or a login the server refuses after its "yes".
fn accepted_but_refused(
    v: &View,
    cx: &Ctx,
    server: crate::engine::shared::Server,
) -> Option<(String, Finding)> {
    let accepted = v.all(|m| matches!(m, Msg::ServerAccepts(_)));
    let first = accepted.first()?;
    let Msg::ServerAccepts(id) = &first.msg else {
        return None;
    };
    // What came next from the server: a failure answer means the signed request was sent.
    let next = v.items.iter().find(|i| {
        i.no > first.no
            && matches!(
                i.msg,
                Msg::CanContinue(_)
                    | Msg::Offering(_)
                    | Msg::PermissionDenied { .. }
                    | Msg::TryingPrivateKey(_)
            )
    });
    let signed = matches!(next.map(|i| &i.msg), Some(Msg::CanContinue(_)));
    if !signed && !id.agent {
        let f = finding(
            "auth.key_passphrase_needed",
            Stage::Auth,
            format!("The server accepts {}, but ssh could not sign with it: the key is encrypted and not in the agent, so ssh needs its passphrase (and goes on without it under BatchMode, or when nobody types it).", id.label()),
        )
        .evidence(ev(first))
        .evidence_all(v.all(|m| matches!(m, Msg::PassphrasePrompt(_))).into_iter().map(ev))
        .fix(format!("Load it into the agent once: ssh-add {}", crate::fsedit::shell_quote(&id.name)));
        return Some(("key accepted, but it needs its passphrase".into(), f));
    }
    if !signed {
        return None;
    }
    let f = finding(
        "auth.login_refused",
        Stage::Auth,
        format!("The server accepts key {} but refuses the login itself: it said yes to the key, then refused the signed request. ssh prints \"Server accepts key\" and then \"Permission denied\". Likely reasons, in order: {}.", id.label(), login_refused_reasons_text(server, &cx.user)),
    )
    .evidence(ev(first))
    .evidence_all(next.into_iter().map(|i| ev(i)))
    .fix(login_refused_fix(server, &cx.user));
    Some((format!("{} accepted, but the login is refused", id.name), f))
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
    let key = key.map_or("a key".to_string(), |k| format!("the key {k}"));
    let f = finding(
        "agent.refused",
        Stage::Auth,
        format!("ssh asked the agent to sign with {key}, and the agent did not (\"{why}\"). Likely causes, in order: the key was added with confirmation (`ssh-add -c`) and nobody confirmed it (no askpass program could ask); the agent is locked (`ssh-add -x`) or is a stale one — SSH_AUTH_SOCK points at an old session's agent, a forwarded agent that is gone, or gpg-agent or a token agent that lost the key; a hardware key waiting for a touch or PIN; the key file's permissions changed after it was added."),
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

fn idents(v: &View, f: impl Fn(&Msg) -> bool) -> Vec<Ident> {
    v.all(f)
        .into_iter()
        .filter_map(|i| match &i.msg {
            Msg::Offering(id) | Msg::WillAttempt(id) | Msg::ServerAccepts(id) => Some(id.clone()),
            _ => None,
        })
        .collect()
}
