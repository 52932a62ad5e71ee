//! The findings when no login worked, one per cause, by the first that applies: a second
//! factor wanted, a key needing its passphrase, a login refused after the key, every key
//! refused, only a password left, no usable method.

use super::super::banner::Server;
use super::super::{Cx, Target};
use super::advice::{
    install_advice_keyed, login_refused_fix_keyed, login_refused_reasons_keyed,
    no_accepted_key_causes_keyed, pubkey_disabled_fix_keyed, second_factor_keyed,
};
use super::report::{no_key_finding, onboard_offer};
use super::{methods_text, Answer, Tried};
use crate::event::{Level, Severity, Stage};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::identities::{Backing, Identity, IdentityPlan};
use crate::text;

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
    fn mode(&self) -> Text {
        if self.console {
            text!("engine.auth.refusal.mode_console")
        } else if self.asker {
            text!("engine.auth.refusal.mode_unverified")
        } else {
            text!("engine.auth.refusal.mode_report")
        }
    }
}

/// The finding of the first cause that applies; returns the stage's summary.
pub(super) async fn no_login_findings(cx: &Cx, r: &Refusal<'_>) -> Text {
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
) -> Text {
    let tr = &r.tried[pos];
    let wanted = methods_text(rest);
    let (how, fix) = second_factor_keyed(r.server);
    let tried = match r.console {
        true => text!("engine.auth.refusal.not_given"),
        false => text!("engine.auth.refusal.not_tried"),
    };
    let detail = text!(
        "engine.auth.refusal.second_factor_detail",
        key = tr.id.label(),
        how = how,
        wanted = &wanted,
        tried = tried,
    );
    cx.finding(
        keyed("auth.second_factor_required", Stage::Auth, detail)
            .evidence(format!(
                "accepted: {} {}",
                tr.id.label(),
                tr.id.fingerprint().unwrap_or_default()
            ))
            .evidence(format!(
                "Authenticated using \"publickey\" with partial success; {}",
                format_args!("Authentications that can continue: {wanted}")
            ))
            .fix_text(fix),
    )
    .await;
    text!("engine.auth.refusal.second_factor_summary", wanted = wanted)
}

/// `auth.key_passphrase_needed`: the server accepts an encrypted key not in the agent.
async fn passphrase_needed(cx: &Cx, r: &Refusal<'_>) -> Option<Text> {
    let tr = r.tried.iter().find(|tr| {
        tr.answer == Answer::Accepted && tr.id.encrypted && tr.id.backing == Backing::File
    })?;
    let file = tr.id.file.as_ref();
    let file = file.map_or(String::new(), |f| {
        crate::fsedit::shell_quote(&f.display().to_string())
    });
    let detail = text!("engine.auth.refusal.passphrase_detail", key = tr.id.label());
    cx.finding(
        keyed("auth.key_passphrase_needed", Stage::Auth, detail)
            .evidence(format!(
                "accepted: {} {}",
                tr.id.label(),
                tr.id.fingerprint().unwrap_or_default()
            ))
            .fix_text(text!("engine.auth.refusal.passphrase_fix", file = file)),
    )
    .await;
    Some(text!("engine.auth.refusal.passphrase_summary"))
}

/// `auth.login_refused`: the server said yes to a key, then refused the signed login.
async fn login_refused(cx: &Cx, r: &Refusal<'_>) -> Option<Text> {
    let sign_refused: Vec<&Tried> = r
        .tried
        .iter()
        .filter(|tr| tr.answer == Answer::SignRefused)
        .collect();
    let tr = sign_refused.first()?;
    let detail = text!(
        "engine.auth.refusal.login_refused_detail",
        key = tr.id.label(),
        reasons = login_refused_reasons_keyed(r.server, &r.t.user),
    );
    cx.finding(
        keyed("auth.login_refused", Stage::Auth, detail)
            .evidence_all(sign_refused.iter().map(|tr| {
                format!(
                    "accepted, then refused when signed: {} {}",
                    tr.id.label(),
                    tr.id.fingerprint().unwrap_or_default()
                )
            }))
            .evidence(r.methods_line())
            .fix_text(login_refused_fix_keyed(r.server, &r.t.user)),
    )
    .await;
    Some(text!(
        "engine.auth.refusal.login_refused_summary",
        key = tr.id.label()
    ))
}

/// Where the user name came from, for `auth.no_accepted_key`.
fn user_from(cx: &Cx, user: &str) -> Text {
    match &cx.config.user().origin {
        crate::config::Origin::Default => text!("engine.auth.refusal.user_default", user = user),
        o => text!(
            "engine.auth.refusal.user_from",
            user = user,
            origin = cx.origin_said(o)
        ),
    }
}

/// `auth.no_accepted_key`: the server takes public keys and refused every key ssh offered.
async fn no_accepted_key(cx: &Cx, r: &Refusal<'_>) -> Option<Text> {
    let t = r.t;
    let offered: Vec<&Tried> = r
        .tried
        .iter()
        .filter(|tr| tr.answer == Answer::Refused)
        .collect();
    if !(r.server_pubkey && r.pubkey_on && !offered.is_empty()) {
        return None;
    }
    let tiny_hint = if r.server == Server::Tinyssh
        && offered
            .iter()
            .all(|tr| tr.id.algorithm().as_deref() != Some("ssh-ed25519"))
    {
        text!("engine.auth.refusal.tiny_hint")
    } else {
        Text::from("")
    };
    let causes = no_accepted_key_causes_keyed(r.server, &t.user, user_from(cx, &t.user));
    let detail = text!(
        "engine.auth.refusal.no_accepted_detail",
        host = &t.hostname,
        user = &t.user,
        hint = tiny_hint,
        causes = causes,
    );
    let mut f = keyed("auth.no_accepted_key", Stage::Auth, detail);
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
    f = f.fix_text(install_advice_keyed(r.server, &r.t.ssh_args));
    if r.interactive() {
        f.actions.push(onboard_offer(t));
    }
    cx.finding(f).await;
    Some(text!(
        "engine.auth.refusal.no_accepted_summary",
        n = offered.len()
    ))
}

/// `auth.no_key` as an error: no key to offer, and only a password ssh cannot type alone.
async fn password_only(cx: &Cx, r: &Refusal<'_>) -> Option<Text> {
    let no_key = r.ids.offered.is_empty() && r.server_pubkey && r.pubkey_on;
    if !(r.interactive() && !Refusal::batch(cx) && no_key) {
        return None;
    }
    let mut f = no_key_finding(r.t, r.methods, Some(r.mode()));
    f.severity = Severity::Error;
    cx.finding(f).await;
    let said = text!("engine.auth.refusal.only_password_log", mode = r.mode());
    cx.say(Stage::Auth, Level::Info, said).await;
    Some(text!("engine.auth.refusal.password_summary"))
}

/// Why none of the server's methods is usable, in words.
fn unusable_why(cx: &Cx, r: &Refusal<'_>, keys: &[String]) -> Text {
    if r.methods.is_empty() {
        text!("engine.auth.refusal.no_method")
    } else if !r.server_pubkey {
        let never = match keys.is_empty() {
            true => Text::from(""),
            false => text!("engine.auth.refusal.never_tried", keys = keys.join(", ")),
        };
        let password = match r.interactive() && !Refusal::batch(cx) {
            true => text!("engine.auth.refusal.typed_password", mode = r.mode()),
            false => Text::from(""),
        };
        text!(
            "engine.auth.refusal.no_pubkey",
            methods = methods_text(r.methods),
            never = never,
            password = password,
        )
    } else if !r.pubkey_on {
        text!("engine.auth.refusal.pubkey_off")
    } else if r.ids.offered.is_empty() {
        text!("engine.auth.refusal.no_key")
    } else {
        text!("engine.auth.refusal.none_offered")
    }
}

/// `auth.method_not_allowed`: none of the server's methods is usable by this client.
async fn method_not_allowed(cx: &Cx, r: &Refusal<'_>) -> Text {
    let (batch, interactive) = (Refusal::batch(cx), r.interactive());
    let keys: Vec<String> = r.ids.offered.iter().map(Identity::label).collect();
    let why = unusable_why(cx, r, &keys);
    if interactive && !batch {
        let said = text!("engine.auth.refusal.only_password_log", mode = r.mode());
        cx.say(Stage::Auth, Level::Info, said).await;
    }
    let host = &r.t.hostname;
    let detail = match batch && interactive {
        true => text!(
            "engine.auth.refusal.not_allowed_batch_detail",
            host = host,
            why = why
        ),
        false => text!(
            "engine.auth.refusal.not_allowed_detail",
            host = host,
            why = why
        ),
    };
    let mut f = keyed("auth.method_not_allowed", Stage::Auth, detail).evidence(r.methods_line());
    if !r.server_pubkey && !keys.is_empty() {
        f = f.evidence(format!("keys never tried: {}", keys.join(", ")));
        f = f.fix_text(pubkey_disabled_fix_keyed(r.server));
    }
    cx.finding(f).await;
    text!("engine.auth.refusal.not_allowed_summary")
}
