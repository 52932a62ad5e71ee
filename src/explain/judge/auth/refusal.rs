//! Why no login worked, as a transcript shows it: one finding per cause, from too many keys
//! to a plain "Permission denied" the transcript cannot explain.

use super::super::net::server_of;
use super::super::{cannot_tell, ev, settle, Ctx, View};
use super::{agent_refused, idents, partial, pubkey_off};
use crate::engine::shared::{
    identities_only_fix_keyed, install_advice_keyed, login_refused_fix_keyed,
    login_refused_reasons_keyed, no_accepted_key_causes_keyed, no_mutual_signature_finding,
    pubkey_disabled_fix_keyed, second_factor_keyed, Server,
};
use crate::event::{Finding, Stage};
use crate::explain::attempts::Item;
use crate::explain::classify::{Ident, Msg};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;

/// The finding that says why no login worked, and the stage summary.
pub(super) fn refusal(
    v: &View,
    cx: &Ctx,
    denied: Option<&Item>,
    too_many: Option<&Item>,
    disconnect: Option<&Item>,
) -> (Text, Option<Finding>) {
    let (summary, f) = refusal_finding(v, cx, denied, too_many, disconnect);
    // A key the server accepted but ssh could not load: its local finding says why.
    let unusable = f.id == "auth.key_passphrase_needed"
        && v.has(|m| matches!(m, Msg::TooOpen { .. } | Msg::LoadKey { .. }));
    if unusable {
        return (text!("explain.refusal.accepted_unusable"), None);
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
) -> (Text, Finding) {
    let server = server_of(v);
    let offered = idents(v, |m| matches!(m, Msg::Offering(_)));
    if let Some(t) = too_many {
        return too_many_failures(v, cx, t, &offered);
    }
    if let Some(p) = partial(v) {
        return second_factor(v, server, p, denied);
    }
    if let Some(f) = agent_refused(v, true) {
        return (text!("explain.refusal.agent_refused"), f);
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
fn too_many_failures(v: &View, cx: &Ctx, t: &Item, offered: &[Ident]) -> (Text, Finding) {
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
        text!("explain.refusal.never_reached_one", key = never[0].label())
    } else if never.is_empty() {
        text!("explain.refusal.never_reached_unknown")
    } else {
        let keys: Vec<String> = never.iter().map(|n| n.label()).collect();
        text!("explain.refusal.never_reached_many", keys = keys.join(", "))
    };
    let f = keyed(
        "auth.too_many_failures",
        Stage::Auth,
        text!(
            "explain.refusal.too_many",
            offered = offered.len(),
            never = never_text
        ),
    )
    .evidence_all(offered_lines(v))
    .evidence(ev(t))
    .fix_text(identities_only_fix_keyed(
        Text::from(""),
        &cx.alias,
        &cx.user,
        &file,
    ));
    (text!("explain.refusal.too_many_summary"), f)
}

/// `auth.second_factor_required`: a key was accepted with partial success (line `p`), and the
/// server wants another method.
fn second_factor(v: &View, server: Server, p: &Item, denied: Option<&Item>) -> (Text, Finding) {
    let (how, fix) = second_factor_keyed(server);
    let wanted = v
        .items
        .iter()
        .filter(|i| i.no > p.no)
        .find_map(|i| match &i.msg {
            Msg::CanContinue(list) => Some(list.join(",")),
            _ => None,
        })
        .map_or_else(|| text!("explain.refusal.another_method"), Text::from);
    let key = idents(v, |m| matches!(m, Msg::ServerAccepts(_)))
        .last()
        .map_or_else(|| text!("explain.auth.a_key"), |k| Text::from(k.label()));
    let f = keyed(
        "auth.second_factor_required",
        Stage::Auth,
        text!(
            "explain.refusal.second_factor",
            key = key,
            how = how,
            wanted = wanted.clone()
        ),
    )
    .evidence(ev(p))
    .evidence_all(denied.into_iter().map(ev))
    .fix_text(fix);
    (
        text!("explain.refusal.second_factor_summary", wanted = wanted),
        f,
    )
}

/// "Server accepts key" and then no login: a key that needs its passphrase (ssh never sent the
/// signed request), or a login the server refuses after its "yes".
fn accepted_but_refused(v: &View, cx: &Ctx, server: Server) -> Option<(Text, Finding)> {
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
        let f = keyed(
            "auth.key_passphrase_needed",
            Stage::Auth,
            text!("explain.refusal.passphrase_needed", key = id.label()),
        )
        .evidence(ev(first))
        .evidence_all(
            v.all(|m| matches!(m, Msg::PassphrasePrompt(_)))
                .into_iter()
                .map(ev),
        )
        .fix_text(text!(
            "explain.refusal.passphrase_fix",
            path = crate::fsedit::shell_quote(&id.name)
        ));
        return Some((text!("explain.refusal.passphrase_summary"), f));
    }
    if !signed {
        return None;
    }
    let f = keyed(
        "auth.login_refused",
        Stage::Auth,
        text!(
            "explain.refusal.login_refused",
            key = id.label(),
            reasons = login_refused_reasons_keyed(server, &cx.user)
        ),
    )
    .evidence(ev(first))
    .evidence_all(next.into_iter().map(|i| ev(i)))
    .fix_text(login_refused_fix_keyed(server, &cx.user));
    let summary = text!("explain.refusal.login_refused_summary", key = &id.name);
    Some((summary, f))
}

/// `auth.no_mutual_signature` as an error: an RSA key neither side can sign with.
fn no_mutual_signature(
    v: &View,
    cx: &Ctx,
    server: Server,
    denied: Option<&Item>,
) -> (Text, Finding) {
    let f = no_mutual_signature_finding(&cx.alias, server, &cx.account())
        .severity(crate::event::Severity::Error)
        .evidence_all(
            v.all(|m| matches!(m, Msg::NoMutualSignature))
                .into_iter()
                .map(ev),
        )
        .evidence_all(denied.into_iter().map(ev));
    (text!("explain.refusal.no_mutual_signature_summary"), f)
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
fn keys_turned_off(v: &View, cx: &Ctx, server: Server, denied: Option<&Item>) -> (Text, Finding) {
    let host = &v.name;
    let options: Vec<&str> = cx
        .options
        .iter()
        .filter(|o| {
            let o = o.to_ascii_lowercase();
            o.starts_with("pubkeyauthentication") || o.starts_with("preferredauthentications")
        })
        .map(String::as_str)
        .collect();
    let f = keyed(
        "auth.method_not_allowed",
        Stage::Auth,
        text!(
            "explain.refusal.keys_turned_off",
            host = host,
            options = options.join(", ")
        ),
    )
    .evidence_all(denied.into_iter().map(ev))
    .fix_text(text!(
        "explain.refusal.keys_turned_off_fix",
        user = &cx.user,
        advice = install_advice_keyed(server, &cx.account())
    ));
    (text!("explain.refusal.no_usable_method"), f)
}

/// `auth.no_accepted_key`: the server takes public keys and refused every one ssh offered.
fn every_key_refused(
    v: &View,
    cx: &Ctx,
    server: Server,
    offered: &[Ident],
    denied: Option<&Item>,
) -> (Text, Finding) {
    let host = &v.name;
    let user_from = text!("explain.refusal.user_from", user = &cx.user);
    let f = keyed(
        "auth.no_accepted_key",
        Stage::Auth,
        text!(
            "explain.refusal.every_key_refused",
            host = host,
            user = &cx.user,
            causes = no_accepted_key_causes_keyed(server, &cx.user, user_from)
        ),
    )
    .evidence_all(offered.iter().map(|o| format!("refused: {}", o.label())))
    .evidence_all(offered_lines(v))
    .evidence_all(denied.into_iter().map(ev))
    .fix_text(install_advice_keyed(server, &cx.account()));
    let summary = text!("explain.refusal.all_keys_refused", n = offered.len());
    (summary, f)
}

/// `auth.method_not_allowed`: the server does not take public keys (or allows no method), so
/// ssh's keys are never tried.
fn no_key_method(
    v: &View,
    server: Server,
    methods: &[String],
    denied: Option<&Item>,
) -> (Text, Finding) {
    let host = &v.name;
    let keys = idents(v, |m| matches!(m, Msg::WillAttempt(_)));
    let why = if methods.is_empty() {
        text!("explain.refusal.no_method_at_all")
    } else {
        text!("explain.refusal.only_methods", methods = methods.join(","))
    };
    let never = if keys.is_empty() || methods.is_empty() {
        Text::from("")
    } else {
        let names: Vec<String> = keys.iter().map(|k| k.name.clone()).collect();
        text!("explain.refusal.keys_never_tried", keys = names.join(", "))
    };
    let mut f = keyed(
        "auth.method_not_allowed",
        Stage::Auth,
        text!(
            "explain.refusal.no_key_method",
            host = host,
            why = why,
            never = never
        ),
    )
    .evidence_all(
        v.all(|m| matches!(m, Msg::CanContinue(_)))
            .into_iter()
            .map(ev),
    )
    .evidence_all(denied.into_iter().map(ev));
    f = f.fix_text(pubkey_disabled_fix_keyed(server));
    (text!("explain.refusal.no_usable_method"), f)
}

/// `auth.no_key`: the server takes public keys, and ssh had none to offer.
fn no_key(v: &View, denied: Option<&Item>) -> (Text, Finding) {
    let host = &v.name;
    let f = keyed(
        "auth.no_key",
        Stage::Auth,
        text!("explain.refusal.no_key", host = host),
    )
    .severity(crate::event::Severity::Error)
    .evidence_all(
        v.all(|m| {
            matches!(
                m,
                Msg::TryingPrivateKey(_) | Msg::IdentityFile { kind: -1, .. }
            )
        })
        .into_iter()
        .take(8)
        .map(ev),
    )
    .evidence_all(denied.into_iter().map(ev));
    (text!("explain.refusal.no_key_summary"), f)
}

/// `auth.disconnected`: the server hung up during authentication (line `d`), with no
/// "Permission denied".
fn hung_up(v: &View, d: &Item) -> (Text, Finding) {
    let host = &v.name;
    let f = keyed(
        "auth.disconnected",
        Stage::Auth,
        text!("explain.refusal.hung_up", host = host, line = &d.core),
    )
    .evidence(ev(d));
    (text!("explain.refusal.hung_up_summary"), f)
}

/// `transcript.cannot_tell`: "Permission denied" (or refused passwords) and nothing that says
/// why.
fn permission_denied(
    v: &View,
    cx: &Ctx,
    methods: &[String],
    denied: Option<&Item>,
) -> (Text, Finding) {
    let host = &v.name;
    let tries = v.all(|m| matches!(m, Msg::TryAgain));
    let what = if tries.is_empty() {
        let allows = if methods.is_empty() {
            Text::from("")
        } else {
            text!("explain.refusal.it_allows", methods = methods.join(","))
        };
        text!("explain.refusal.denied", host = host, allows = allows)
    } else {
        text!(
            "explain.refusal.password_refused",
            host = host,
            n = tries.len()
        )
    };
    let f = cannot_tell(
        Stage::Auth,
        what,
        text!("explain.refusal.denied_rules_out"),
        settle(cx, text!("explain.judge.settle_or_server")),
    )
    .evidence_all(tries.into_iter().map(ev))
    .evidence_all(denied.into_iter().map(ev));
    (text!("explain.refusal.denied_summary"), f)
}
