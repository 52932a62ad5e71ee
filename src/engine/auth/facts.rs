//! What the auth stage logs of the keys ssh would offer, and what it hands the server-side
//! stage: every key with the server's answer, and the key that logged in.

use super::super::remote::{KeyAsked, LoginFacts};
use super::super::Cx;
use super::{Answer, Tried};
use crate::event::{Level, Stage};
use crate::i18n::Text;
use crate::identities::{AgentStatus, Backing, Identity, IdentityPlan};
use crate::text;

/// What the remote stage needs to know of the keys: every offered key with a public half, the
/// server's answer where it was asked, and the key that logged in.
pub(super) fn login_facts(
    ids: &IdentityPlan,
    tried: &[Tried],
    logged_in: Option<usize>,
) -> LoginFacts {
    let keys = ids
        .offered
        .iter()
        .filter_map(|id| {
            let key = id.key.as_ref()?.key_data().clone();
            let accepted = tried
                .iter()
                .find(|tr| std::ptr::eq(tr.id, id))
                .and_then(|tr| match tr.answer {
                    Answer::Accepted | Answer::SignRefused => Some(true),
                    Answer::Refused => Some(false),
                    Answer::Skipped => None,
                });
            Some(KeyAsked {
                label: id.label(),
                key,
                explicit: id.explicit(),
                accepted,
            })
        })
        .collect();
    LoginFacts {
        by_key: logged_in
            .and_then(|pos| tried[pos].id.key.as_ref())
            .map(|k| k.key_data().clone()),
        keys,
    }
}

pub(super) async fn log_plan(cx: &Cx, ids: &IdentityPlan) {
    let (level, text) = agent_line(&ids.agent);
    cx.say(Stage::Auth, level, text).await;
    for id in &ids.offered {
        log_key(cx, id).await;
    }
    cx.fact(
        Stage::Auth,
        "keys_offered",
        ids.offered
            .iter()
            .map(Identity::label)
            .collect::<Vec<_>>()
            .join(", "),
    )
    .await;
}

/// Which agent line to log, and at which level: an agent that cannot be reached is info,
/// the others debug1.
fn agent_line(agent: &AgentStatus) -> (Level, Text) {
    match agent {
        AgentStatus::Listed { path, keys } => (
            Level::Debug1,
            text!("engine.auth.facts.agent_listed", path = path, n = *keys),
        ),
        AgentStatus::Unreachable { path, error } => (
            Level::Info,
            text!(
                "engine.auth.facts.agent_unreachable",
                path = path,
                error = error
            ),
        ),
        AgentStatus::Disabled => (Level::Debug1, text!("engine.auth.facts.agent_disabled")),
        AgentStatus::NotConfigured => (Level::Debug1, text!("engine.auth.facts.no_agent")),
    }
}

/// Log one key ssh will offer: ssh's "Will attempt key" line (debug1), then its size,
/// whether it is encrypted and its comment (debug2).
async fn log_key(cx: &Cx, id: &Identity) {
    let how = match id.backing {
        Backing::File => "",
        Backing::Agent => " agent",
        Backing::FileInAgent => " explicit agent",
    };
    cx.log(
        Stage::Auth,
        Level::Debug1,
        format!(
            "Will attempt key: {} {} {}{how}",
            id.label(),
            id.algorithm().unwrap_or_default(),
            id.fingerprint().unwrap_or_default()
        ),
    )
    .await;
    let none = || Text::from("");
    let size = id
        .bits()
        .map_or_else(none, |b| text!("engine.auth.facts.key_bits", n = b));
    let lock = match id.encrypted {
        true => text!("engine.auth.facts.key_encrypted"),
        false => none(),
    };
    let comment = match id.comment.is_empty() {
        true => none(),
        false => text!("engine.auth.facts.key_comment", comment = &id.comment),
    };
    let said = text!(
        "engine.auth.facts.key_line",
        key = id.label(),
        size = size,
        lock = lock,
        comment = comment,
    );
    cx.say(Stage::Auth, Level::Debug2, said).await;
}
