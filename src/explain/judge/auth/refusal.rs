//! Why no login worked, as a transcript shows it: one finding per cause, from too many keys
//! to a plain "Permission denied" the transcript cannot explain.

use super::super::net::server_of;
use super::super::{cannot_tell, ev, settle, Ctx, View};
use super::{agent_refused, idents, partial, pubkey_off};
use crate::engine::shared::{
    identities_only_fix, install_advice_text, login_refused_fix, login_refused_reasons_text,
    no_accepted_key_causes, no_mutual_signature_finding, pubkey_disabled_fix, second_factor_words,
    Server,
};
use crate::event::{Finding, Stage};
use crate::explain::attempts::Item;
use crate::explain::classify::{Ident, Msg};
use crate::findings::finding;

/// The finding that says why no login worked, and the stage summary.
pub(super) fn refusal(
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

/// The cause of the refusal, the first that fits, in order: too many keys, a second factor,
/// the agent, a key accepted then refused, no mutual signature, the methods allowed, no key, a
/// hang-up, and then what the transcript cannot tell.
fn refusal_finding(
    v: &View,
    cx: &Ctx,
    denied: Option<&Item>,
    too_many: Option<&Item>,
    disconnect: Option<&Item>,
) -> (String, Finding) {
    let server = server_of(v);
    let offered = idents(v, |m| matches!(m, Msg::Offering(_)));
    if let Some(t) = too_many {
        return too_many_failures(v, cx, t, &offered);
    }
    if let Some(p) = partial(v) {
        return second_factor(v, server, p, denied);
    }
    if let Some(f) = agent_refused(v, true) {
        return ("the agent refused to sign".into(), f);
    }
    if let Some(f) = accepted_but_refused(v, cx, server) {
        return f;
    }
    if v.has(|m| matches!(m, Msg::NoMutualSignature)) {
        return no_mutual_signature(v, cx, server, denied);
    }
    let methods = allowed_methods(v, denied);
    let pubkey = methods.iter().any(|m| m == "publickey");
    if pubkey && methods.len() == 1 && pubkey_off(cx) {
        return keys_turned_off(v, cx, server, denied);
    }
    if !offered.is_empty() && pubkey {
        return every_key_refused(v, cx, server, &offered, denied);
    }
    if !pubkey && v.has(|m| matches!(m, Msg::CanContinue(_))) {
        return no_key_method(v, server, &methods, denied);
    }
    let debug = v.has(|m| matches!(m, Msg::CanContinue(_)));
    if debug && pubkey && offered.is_empty() {
        return no_key(v, denied);
    }
    if let Some(d) = disconnect.filter(|_| denied.is_none()) {
        return hung_up(v, d);
    }
    permission_denied(v, cx, &methods, denied)
}

/// The `Offering public key` lines, as evidence.
fn offered_lines(v: &View) -> Vec<String> {
    v.all(|m| matches!(m, Msg::Offering(_)))
        .into_iter()
        .map(ev)
        .collect()
}

/// `auth.too_many_failures`: ssh offered more keys than MaxAuthTries allows (line `t`), and
/// the keys it never reached.
fn too_many_failures(v: &View, cx: &Ctx, t: &Item, offered: &[Ident]) -> (String, Finding) {
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
    .evidence_all(offered_lines(v))
    .evidence(ev(t))
    .fix(identities_only_fix("", &cx.alias, &cx.user, &file));
    ("too many authentication failures".into(), f)
}

/// `auth.second_factor_required`: a key was accepted with partial success (line `p`), and the
/// server wants another method.
fn second_factor(v: &View, server: Server, p: &Item, denied: Option<&Item>) -> (String, Finding) {
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
    (
        format!("key accepted; a second factor ({wanted}) is needed"),
        f,
    )
}

/// "Server accepts key" and then no login: a key that needs its passphrase (ssh never sent the
/// signed request), or a login the server refuses after its "yes".
fn accepted_but_refused(v: &View, cx: &Ctx, server: Server) -> Option<(String, Finding)> {
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

/// `auth.no_mutual_signature` as an error: an RSA key neither side can sign with.
fn no_mutual_signature(
    v: &View,
    cx: &Ctx,
    server: Server,
    denied: Option<&Item>,
) -> (String, Finding) {
    let f = no_mutual_signature_finding(&cx.alias, server, &cx.account())
        .severity(crate::event::Severity::Error)
        .evidence_all(
            v.all(|m| matches!(m, Msg::NoMutualSignature))
                .into_iter()
                .map(ev),
        )
        .evidence_all(denied.into_iter().map(ev));
    (
        "RSA key not usable: no mutual signature algorithm".into(),
        f,
    )
}

/// The methods the server allows: its last `Authentications that can continue`, or the list
/// in `Permission denied (...)`.
fn allowed_methods(v: &View, denied: Option<&Item>) -> Vec<String> {
    match v.last(|m| matches!(m, Msg::CanContinue(_))).map(|i| &i.msg) {
        Some(Msg::CanContinue(list)) => list.clone(),
        _ => match denied.map(|i| &i.msg) {
            Some(Msg::PermissionDenied { methods, .. }) => methods.clone(),
            _ => Vec::new(),
        },
    }
}

/// `auth.method_not_allowed`: the server takes only public keys, and the command line turns
/// them off.
fn keys_turned_off(v: &View, cx: &Ctx, server: Server, denied: Option<&Item>) -> (String, Finding) {
    let host = &v.name;
    let f = finding(
        "auth.method_not_allowed",
        Stage::Auth,
        format!("None of the methods {host} allows is usable here: it allows only publickey, and this ssh does not use public keys ({}).", cx.options.iter().filter(|o| o.to_ascii_lowercase().starts_with("pubkeyauthentication") || o.to_ascii_lowercase().starts_with("preferredauthentications")).cloned().collect::<Vec<_>>().join(", ")),
    )
    .evidence_all(denied.into_iter().map(ev))
    .fix(format!("Log in with a key: drop the option, and have your public key installed for {} ({}).", cx.user, install_advice_text(server, &cx.account())));
    ("no usable authentication method".into(), f)
}

/// `auth.no_accepted_key`: the server takes public keys and refused every one ssh offered.
fn every_key_refused(
    v: &View,
    cx: &Ctx,
    server: Server,
    offered: &[Ident],
    denied: Option<&Item>,
) -> (String, Finding) {
    let host = &v.name;
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
    .evidence_all(offered_lines(v))
    .evidence_all(denied.into_iter().map(ev))
    .fix(install_advice_text(server, &cx.account()));
    (format!("all {} key(s) refused", offered.len()), f)
}

/// `auth.method_not_allowed`: the server does not take public keys (or allows no method), so
/// ssh's keys are never tried.
fn no_key_method(
    v: &View,
    server: Server,
    methods: &[String],
    denied: Option<&Item>,
) -> (String, Finding) {
    let host = &v.name;
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
    ("no usable authentication method".into(), f)
}

/// `auth.no_key`: the server takes public keys, and ssh had none to offer.
fn no_key(v: &View, denied: Option<&Item>) -> (String, Finding) {
    let host = &v.name;
    let f = finding(
        "auth.no_key",
        Stage::Auth,
        format!("ssh had no key to offer to {host}: only a password login is possible, and none worked (or none could be typed)."),
    )
    .severity(crate::event::Severity::Error)
    .evidence_all(v.all(|m| matches!(m, Msg::TryingPrivateKey(_) | Msg::IdentityFile { kind: -1, .. })).into_iter().take(8).map(ev))
    .evidence_all(denied.into_iter().map(ev));
    ("no key to offer".into(), f)
}

/// `auth.disconnected`: the server hung up during authentication (line `d`), with no
/// "Permission denied".
fn hung_up(v: &View, d: &Item) -> (String, Finding) {
    let host = &v.name;
    let f = finding(
        "auth.disconnected",
        Stage::Auth,
        format!("{host} hung up during authentication: {}", d.core),
    )
    .evidence(ev(d));
    ("the server hung up".into(), f)
}

/// `transcript.cannot_tell`: "Permission denied" (or refused passwords) and nothing that says
/// why.
fn permission_denied(
    v: &View,
    cx: &Ctx,
    methods: &[String],
    denied: Option<&Item>,
) -> (String, Finding) {
    let host = &v.name;
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
