//! The key loop: each key in ssh's order skipped, signed at once, or asked about without
//! signing and then signed, until one logs in.

use super::probe::{agent_path, Prober, Signed};
use super::{methods_text, usable_without_secret, Answer, KeyLoop, Tried};
use crate::engine::Cx;
use crate::event::{Level, Stage};
use crate::i18n::Text;
use crate::identities::{Identity, IdentityPlan};
use russh::keys::HashAlg;

/// Ask about each key in ssh's order and sign with the first accepted one that needs no secret;
/// a refused signature goes on to the next key. Err: the connection was lost.
pub(super) async fn key_loop<'a>(
    cx: &Cx,
    prober: &mut Prober<'_>,
    ids: &'a IdentityPlan,
    found: &mut KeyLoop<'a>,
) -> Result<(), String> {
    for id in &ids.offered {
        try_key(cx, prober, ids, id, found).await?;
        if found.logged_in.is_some() || found.partial.is_some() {
            break; // ssh stops at the first key that logs in
        }
    }
    Ok(())
}

/// A key ssh would not offer, and why.
fn skipped(id: &Identity, note: Text, no_mutual_sig: bool) -> Tried<'_> {
    Tried {
        id,
        answer: Answer::Skipped,
        sig_alg: None,
        note,
        no_mutual_sig,
    }
}

/// A key ssh offered, with the server's answer and the signature algorithm used.
fn offered(id: &Identity, answer: Answer, sig_alg: String) -> Tried<'_> {
    Tried {
        id,
        answer,
        sig_alg: Some(sig_alg),
        note: Text::from(""),
        no_mutual_sig: false,
    }
}

/// One key: skipped when ssh cannot offer it; the first one offered signed at once; otherwise
/// asked about without signing, then signed when accepted and no secret is needed.
async fn try_key<'a>(
    cx: &Cx,
    prober: &mut Prober<'_>,
    ids: &'a IdentityPlan,
    id: &'a Identity,
    found: &mut KeyLoop<'a>,
) -> Result<(), String> {
    let Some(key) = id.key.clone() else {
        let note = crate::text!("engine.auth.keys.no_public_half");
        found.tried.push(skipped(id, note, false));
        return Ok(());
    };
    let Some((sig_alg, hash)) = prober.sig_alg(&key).await else {
        let note = crate::text!("engine.auth.keys.no_mutual_signature");
        found.tried.push(skipped(id, note, true));
        return Ok(());
    };
    let pos = found.tried.len();
    // The first key offered is signed at once (one round trip less in the common case);
    // only when that is refused is it asked about, to tell "not this key" from "not this
    // account". A refused signed request counts as one failure, like a refused query.
    let first = found.tried.iter().all(|tr| tr.answer == Answer::Skipped);
    let direct = first && usable_without_secret(id, ids);
    if direct {
        if sign_first(cx, prober, ids, id, &sig_alg, pos, found).await {
            found.tried.push(offered(id, Answer::Accepted, sig_alg));
            return Ok(());
        }
        // sshd refuses a key it has already taken once on this connection ("refusing
        // previously-used key"), so the question goes to a fresh one.
        prober.renew().await?;
    }
    let mut answer = offer(cx, prober, id, key, hash, &sig_alg).await?;
    if direct && answer == Answer::Accepted {
        log_sign_refused(cx, id).await;
        answer = Answer::SignRefused;
    } else if answer == Answer::Accepted && usable_without_secret(id, ids) {
        answer = sign_accepted(cx, prober, ids, id, &sig_alg, pos, found).await;
    }
    found.tried.push(offered(id, answer, sig_alg));
    Ok(())
}

/// The first key offered, signed without asking first: true when it logged in (fully or with
/// the server wanting more).
async fn sign_first(
    cx: &Cx,
    prober: &mut Prober<'_>,
    ids: &IdentityPlan,
    id: &Identity,
    sig_alg: &str,
    pos: usize,
    found: &mut KeyLoop<'_>,
) -> bool {
    let said = crate::text!(
        "engine.auth.keys.signing_first",
        key = id.label(),
        alg = sig_alg,
        fingerprint = id.fingerprint().unwrap_or_default(),
    );
    cx.say(Stage::Auth, Level::Debug1, said).await;
    match prober
        .sign(cx, id, agent_path(ids), Some(sig_alg), None)
        .await
    {
        Ok(Signed::Partial(rest)) => {
            log_partial(cx, &rest).await;
            found.partial = Some((pos, rest));
            true
        }
        Ok(Signed::Success) => {
            found.logged_in = Some(pos);
            true
        }
        _ => false,
    }
}

/// Offer the key without signing, as ssh does, and log the server's answer.
async fn offer(
    cx: &Cx,
    prober: &mut Prober<'_>,
    id: &Identity,
    key: russh::keys::PublicKey,
    hash: Option<HashAlg>,
    sig_alg: &str,
) -> Result<Answer, String> {
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
    let answer = prober.ask(cx, key, id.certificate.as_ref(), hash).await?;
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
    Ok(answer)
}

/// Sign in with a key the server accepted: Accepted when it logged in (fully or with the
/// server wanting more), SignRefused when the signed login was refused or failed.
async fn sign_accepted(
    cx: &Cx,
    prober: &mut Prober<'_>,
    ids: &IdentityPlan,
    id: &Identity,
    sig_alg: &str,
    pos: usize,
    found: &mut KeyLoop<'_>,
) -> Answer {
    match prober
        .sign(cx, id, agent_path(ids), Some(sig_alg), None)
        .await
    {
        Ok(Signed::Success) => found.logged_in = Some(pos),
        Ok(Signed::Partial(rest)) => {
            log_partial(cx, &rest).await;
            found.partial = Some((pos, rest));
        }
        Ok(Signed::Refused) => {
            log_sign_refused(cx, id).await;
            return Answer::SignRefused;
        }
        Err(e) => {
            let said = crate::text!("engine.auth.keys.sign_failed", key = id.label(), why = e);
            cx.say(Stage::Auth, Level::Info, said).await;
            return Answer::SignRefused;
        }
    }
    Answer::Accepted
}

/// The server took the key and wants another method too.
async fn log_partial(cx: &Cx, rest: &russh::MethodSet) {
    cx.log(
        Stage::Auth,
        Level::Info,
        format!(
            "Authenticated using \"publickey\" with partial success; the server wants more: {}",
            methods_text(rest)
        ),
    )
    .await;
}

/// The server said yes to the key, then refused the signed login.
async fn log_sign_refused(cx: &Cx, id: &Identity) {
    let said = crate::text!("engine.auth.keys.sign_refused", key = id.label());
    cx.say(Stage::Auth, Level::Info, said).await;
}
