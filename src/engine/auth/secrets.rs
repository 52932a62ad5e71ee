//! The secrets ssh would ask a person for, asked at the console: the second factor after an
//! accepted key, the passphrase of an accepted encrypted key, then a password.

use super::console::Asking;
use super::probe::{sign_in, Conn, Signed};
use super::{unprotected, Answer, KeyLoop, Setup};
use crate::engine::{Cx, Plan, Target};
use crate::event::{Level, Stage};
use crate::identities::{Backing, IdentityPlan};
use std::ops::ControlFlow;

/// How a secret typed in the console logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SecretLogin {
    /// A passphrase unlocked an accepted key.
    Passphrase,
    /// The second factor after a key.
    SecondFactor,
    /// A password (or keyboard-interactive) alone.
    Password,
}

/// The console's asker for this host, only when its host key is known: never a secret to an
/// unverified host.
pub(super) fn asking<'a>(plan: &'a Plan, t: &'a Target, input: &Setup) -> Option<Asking<'a>> {
    let asker = plan.secrets.as_ref().filter(|_| input.host_key_known)?;
    Some(Asking {
        asker,
        t,
        dial: input.dial.clone(),
        policy: input.policy.clone(),
        timeout: input.timeout,
    })
}

/// At the console: the second factor after an accepted key, the passphrase of an accepted
/// encrypted key, then a password — what ssh would ask for, in that order.
pub(super) async fn ask_secrets<'a>(
    cx: &Cx,
    asking: &Asking<'_>,
    conn: &mut Conn,
    ids: &'a IdentityPlan,
    methods: &russh::MethodSet,
    found: &mut KeyLoop<'a>,
) -> Option<SecretLogin> {
    if let Some((pos, rest)) = found.partial.clone() {
        return second_factor(cx, asking, conn, found, pos, &rest).await;
    }
    if found.logged_in.is_some() {
        return None;
    }
    let encrypted = found.tried.iter().position(|tr| {
        tr.answer == Answer::Accepted
            && tr.id.encrypted
            && tr.id.backing == Backing::File
            && !unprotected(tr.id, ids)
    });
    if let Some(pos) = encrypted {
        if let ControlFlow::Break(login) = passphrase(cx, asking, conn, found, pos).await {
            return login;
        }
    }
    password(cx, asking, conn, methods).await
}

/// The second factor the server wants after the key at `pos`.
async fn second_factor(
    cx: &Cx,
    asking: &Asking<'_>,
    conn: &mut Conn,
    found: &mut KeyLoop<'_>,
    pos: usize,
    rest: &russh::MethodSet,
) -> Option<SecretLogin> {
    if asking.second_factor(cx, conn, rest).await {
        found.logged_in = Some(pos);
        return Some(SecretLogin::SecondFactor);
    }
    None
}

/// Up to three passphrases for the accepted encrypted key at `pos`. Break: the login is
/// decided (by the key, or by the second factor it led to); Continue: on to a password.
async fn passphrase(
    cx: &Cx,
    asking: &Asking<'_>,
    conn: &mut Conn,
    found: &mut KeyLoop<'_>,
    pos: usize,
) -> ControlFlow<Option<SecretLogin>> {
    let id = found.tried[pos].id;
    let sig_alg = found.tried[pos].sig_alg.clone();
    for _ in 0..3 {
        let Some(pass) = asking.ask(format!("Passphrase for {}", id.label())).await else {
            break;
        };
        let signed = sign_in(
            conn,
            &asking.t.user,
            id,
            None,
            sig_alg.as_deref(),
            asking.timeout,
            Some(pass.as_str()),
        )
        .await;
        match signed {
            Ok(Signed::Success) => {
                cx.log(Stage::Auth, Level::Info, format!("Authenticated to {} using \"publickey\" with {} (passphrase typed in the console, not recorded).", asking.t.hostname, id.label())).await;
                found.logged_in = Some(pos);
                return ControlFlow::Break(Some(SecretLogin::Passphrase));
            }
            Ok(Signed::Partial(rest)) => {
                found.partial = Some((pos, rest.clone()));
                let login = second_factor(cx, asking, conn, found, pos, &rest).await;
                return ControlFlow::Break(login);
            }
            Ok(Signed::Refused) => break,
            Err(e) => {
                cx.log(
                    Stage::Auth,
                    Level::Info,
                    format!("Load key {}: {e}", id.label()),
                )
                .await
            }
        }
    }
    ControlFlow::Continue(())
}

/// A password, or keyboard-interactive where passwords are off, unless BatchMode forbids
/// asking.
async fn password(
    cx: &Cx,
    asking: &Asking<'_>,
    conn: &mut Conn,
    methods: &russh::MethodSet,
) -> Option<SecretLogin> {
    let batch = cx.config.get("batchmode").is_some_and(|v| v.value == "yes");
    let config_on = |kw: &str| cx.config.get(kw).is_none_or(|v| v.value != "no");
    if batch {
        return None;
    }
    if config_on("passwordauthentication") && methods.contains(&russh::MethodKind::Password) {
        let prompts = cx
            .config
            .get("numberofpasswordprompts")
            .and_then(|v| v.value.parse().ok())
            .unwrap_or(3);
        if asking.password(cx, conn, prompts).await {
            return Some(SecretLogin::Password);
        }
    } else if config_on("kbdinteractiveauthentication")
        && methods.contains(&russh::MethodKind::KeyboardInteractive)
        && asking.keyboard_interactive(cx, conn).await
    {
        return Some(SecretLogin::Password);
    }
    None
}
