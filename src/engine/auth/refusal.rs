//! The findings when no login worked, one per cause, by the first that applies: a second
//! factor wanted, a key needing its passphrase, a login refused after the key, every key
//! refused, only a password left, no usable method.

use super::super::banner::Server;
use super::super::{Cx, Target};
use super::report::{
    install_advice_text, login_refused_fix, login_refused_reasons_text, no_accepted_key_causes,
    no_key_finding, onboard_offer, pubkey_disabled_fix, second_factor_words,
};
use super::{methods_text, Answer, Tried};
use crate::event::{Level, Severity, Stage};
use crate::findings::finding;
use crate::identities::{Backing, Identity, IdentityPlan};

/// What the auth stage learnt when no login worked, for the findings.
pub(super) struct Refusal<'a> {
    pub t: &'a Target,
    pub ids: &'a IdentityPlan,
    pub tried: &'a [Tried<'a>],
    pub methods: &'a russh::MethodSet,
    pub server_pubkey: bool,
    pub pubkey_on: bool,
    pub server: Server,
    /// The server says "yes" to every unsigned key query.
    pub accepts_any: bool,
    /// A key was accepted and the server wants another method too.
    pub partial: Option<&'a (usize, russh::MethodSet)>,
    /// A person at the console could be asked for secrets (host key known).
    pub console: bool,
    /// The run has a console at all (report mode has none).
    pub asker: bool,
}

impl Refusal<'_> {
    /// BatchMode is on: ssh asks for nothing.
    fn batch(cx: &Cx) -> bool {
        cx.config.get("batchmode").is_some_and(|v| v.value == "yes")
    }

    /// The server allows a password or keyboard-interactive.
    fn interactive(&self) -> bool {
        self.methods.contains(&russh::MethodKind::Password)
            || self
                .methods
                .contains(&russh::MethodKind::KeyboardInteractive)
    }

    /// The server's methods as ssh's debug log prints them.
    fn methods_line(&self) -> String {
        format!(
            "Authentications that can continue: {}",
            methods_text(self.methods)
        )
    }

    /// Why no password was tried.
    fn mode(&self) -> &'static str {
        if self.console {
            "no password was given"
        } else if self.asker {
            "sshdoctor sends no password to a host whose key is not verified"
        } else {
            "sshdoctor sends no password in report mode"
        }
    }
}

/// Where the server reads authorized keys, and where it logs, in words for a fix.
fn install_advice(r: &Refusal) -> String {
    install_advice_text(r.server, &r.t.ssh_args)
}

/// The server's side of a login refused after its "yes" to the key, most likely first.
fn login_refused_reasons(r: &Refusal) -> String {
    login_refused_reasons_text(r.server, &r.t.user)
}

/// The finding of the first cause that applies; returns the stage's summary.
pub(super) async fn no_login_findings(cx: &Cx, r: &Refusal<'_>) -> String {
    if let Some((pos, rest)) = r.partial {
        return second_factor_required(cx, r, *pos, rest).await;
    }
    if let Some(summary) = passphrase_needed(cx, r).await {
        return summary;
    }
    if let Some(summary) = login_refused(cx, r).await {
        return summary;
    }
    if let Some(summary) = no_accepted_key(cx, r).await {
        return summary;
    }
    if let Some(summary) = password_only(cx, r).await {
        return summary;
    }
    method_not_allowed(cx, r).await
}

/// `auth.second_factor_required`: the key at `pos` was accepted and the server wants `rest`.
async fn second_factor_required(
    cx: &Cx,
    r: &Refusal<'_>,
    pos: usize,
    rest: &russh::MethodSet,
) -> String {
    let tr = &r.tried[pos];
    let wanted = methods_text(rest);
    let (how, fix) = second_factor_words(r.server);
    let tried_word = if r.console {
        "it was not given"
    } else {
        "sshdoctor sends no password in a report, so it was not tried"
    };
    cx.finding(
        finding(
            "auth.second_factor_required",
            Stage::Auth,
            format!("The server accepted {} but {how}: {wanted}. ssh asks for it (and fails under BatchMode); {tried_word}.", tr.id.label()),
        )
        .evidence(format!("accepted: {} {}", tr.id.label(), tr.id.fingerprint().unwrap_or_default()))
        .evidence(format!("Authenticated using \"publickey\" with partial success; {}", format_args!("Authentications that can continue: {wanted}")))
        .fix(fix),
    )
    .await;
    format!("key accepted; a second factor ({wanted}) is needed")
}

/// `auth.key_passphrase_needed`: the server accepts an encrypted key not in the agent.
async fn passphrase_needed(cx: &Cx, r: &Refusal<'_>) -> Option<String> {
    let tr = r.tried.iter().find(|tr| {
        tr.answer == Answer::Accepted && tr.id.encrypted && tr.id.backing == Backing::File
    })?;
    cx.finding(
        finding(
            "auth.key_passphrase_needed",
            Stage::Auth,
            format!("The server accepts {}, but it is encrypted and not in the agent: ssh asks for its passphrase (and fails under BatchMode). sshdoctor never asks in report mode.", tr.id.label()),
        )
        .evidence(format!("accepted: {} {}", tr.id.label(), tr.id.fingerprint().unwrap_or_default()))
        .fix(format!("Load it into the agent once: ssh-add {}", tr.id.file.as_ref().map_or(String::new(), |f| crate::fsedit::shell_quote(&f.display().to_string())))),
    )
    .await;
    Some("key accepted, but it needs its passphrase".into())
}

/// `auth.login_refused`: the server said yes to a key, then refused the signed login.
async fn login_refused(cx: &Cx, r: &Refusal<'_>) -> Option<String> {
    let sign_refused: Vec<&Tried> = r
        .tried
        .iter()
        .filter(|tr| tr.answer == Answer::SignRefused)
        .collect();
    let tr = sign_refused.first()?;
    cx.finding(
        finding(
            "auth.login_refused",
            Stage::Auth,
            format!(
                "The server accepts key {} but refuses the login itself: it said yes to the key, then refused the signed request. ssh prints \"Server accepts key\" and then \"Permission denied\". Likely reasons, in order: {}.",
                tr.id.label(),
                login_refused_reasons(r)
            ),
        )
        .evidence_all(sign_refused.iter().map(|tr| format!("accepted, then refused when signed: {} {}", tr.id.label(), tr.id.fingerprint().unwrap_or_default())))
        .evidence(r.methods_line())
        .fix(login_refused_fix(r.server, &r.t.user)),
    )
    .await;
    Some(format!(
        "{} accepted, but the login is refused",
        tr.id.label()
    ))
}

/// `auth.no_accepted_key`: the server takes public keys and refused every key ssh offered.
async fn no_accepted_key(cx: &Cx, r: &Refusal<'_>) -> Option<String> {
    let t = r.t;
    let offered: Vec<&Tried> = r
        .tried
        .iter()
        .filter(|tr| tr.answer == Answer::Refused)
        .collect();
    if !(r.server_pubkey && r.pubkey_on && !offered.is_empty()) {
        return None;
    }
    let user_from = match &cx.config.user().origin {
        crate::config::Origin::Default => format!(
            "the user name {} is your local user name (nothing configured)",
            t.user
        ),
        o => format!("User {} comes from {}", t.user, cx.origin(o)),
    };
    let tiny_hint = if r.server == Server::Tinyssh
        && offered
            .iter()
            .all(|tr| tr.id.algorithm().as_deref() != Some("ssh-ed25519"))
    {
        " tinysshd takes only ed25519 user keys, and none of yours is one."
    } else {
        ""
    };
    let mut f = finding(
        "auth.no_accepted_key",
        Stage::Auth,
        format!(
            "{} refused every key ssh offers for {}.{tiny_hint} {}",
            t.hostname,
            t.user,
            no_accepted_key_causes(r.server, &t.user, &user_from)
        ),
    );
    f = f.evidence_all(offered.iter().map(|tr| {
        format!(
            "refused: {} {}",
            tr.id.label(),
            tr.id.fingerprint().unwrap_or_default()
        )
    }));
    if r.accepts_any {
        f = f.evidence("the server answers \"yes\" to every unsigned key query, so only the signed logins counted");
    }
    f = f.fix(install_advice(r));
    if r.interactive() {
        f.actions.push(onboard_offer(t));
    }
    cx.finding(f).await;
    Some(format!("all {} key(s) refused", offered.len()))
}

/// `auth.no_key` as an error: no key to offer, and only a password ssh cannot type alone.
async fn password_only(cx: &Cx, r: &Refusal<'_>) -> Option<String> {
    let no_key = r.ids.offered.is_empty() && r.server_pubkey && r.pubkey_on;
    if !(r.interactive() && !Refusal::batch(cx) && no_key) {
        return None;
    }
    let mode = r.mode();
    let mut f = no_key_finding(r.t, r.methods);
    f.detail = format!(
        "You have no key ssh would offer to {}: only a password login is possible, which ssh cannot do without a person ({mode}).",
        r.t.hostname
    );
    f.severity = Severity::Error;
    cx.finding(f).await;
    cx.log(
        Stage::Auth,
        Level::Info,
        format!("Only password or keyboard-interactive login is left; {mode}"),
    )
    .await;
    Some("password login possible (not tried)".into())
}

/// Why none of the server's methods is usable, in words.
fn unusable_why(cx: &Cx, r: &Refusal<'_>, keys: &[String]) -> String {
    if r.methods.is_empty() {
        "the server allows no method at all".to_string()
    } else if !r.server_pubkey {
        let never = if keys.is_empty() {
            String::new()
        } else {
            format!("; your keys ({}) will never be tried", keys.join(", "))
        };
        let pw = if r.interactive() && !Refusal::batch(cx) {
            format!(" — only a typed password would do, and {}", r.mode())
        } else {
            String::new()
        };
        format!(
            "the server does not take public keys: it allows only {}{never}{pw}",
            methods_text(r.methods)
        )
    } else if !r.pubkey_on {
        "PubkeyAuthentication is off in your configuration".to_string()
    } else if r.ids.offered.is_empty() {
        "you have no key ssh would offer".to_string()
    } else {
        "no key could be offered".to_string()
    }
}

/// `auth.method_not_allowed`: none of the server's methods is usable by this client.
async fn method_not_allowed(cx: &Cx, r: &Refusal<'_>) -> String {
    let (batch, interactive) = (Refusal::batch(cx), r.interactive());
    let keys: Vec<String> = r.ids.offered.iter().map(Identity::label).collect();
    let why = unusable_why(cx, r, &keys);
    if interactive && !batch {
        cx.log(
            Stage::Auth,
            Level::Info,
            format!(
                "Only password or keyboard-interactive login is left; {}",
                r.mode()
            ),
        )
        .await;
    }
    let mut f = finding(
        "auth.method_not_allowed",
        Stage::Auth,
        format!(
            "None of the methods {} allows is usable by this client: {why}{}.",
            r.t.hostname,
            if batch && interactive {
                " (password prompts are off under BatchMode)"
            } else {
                ""
            }
        ),
    )
    .evidence(r.methods_line());
    if !r.server_pubkey && !keys.is_empty() {
        f = f.evidence(format!("keys never tried: {}", keys.join(", ")));
        f = f.fix(pubkey_disabled_fix(r.server));
    }
    cx.finding(f).await;
    "no usable authentication method".into()
}
