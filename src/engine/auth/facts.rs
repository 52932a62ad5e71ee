//! What the auth stage logs of the keys ssh would offer, and what it hands the server-side
//! stage: every key with the server's answer, and the key that logged in.

use super::super::remote::{KeyAsked, LoginFacts};
use super::super::Cx;
use super::{Answer, Tried};
use crate::event::{Level, Stage};
use crate::identities::{AgentStatus, Backing, Identity, IdentityPlan};

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
    cx.log(Stage::Auth, level, text).await;
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
fn agent_line(agent: &AgentStatus) -> (Level, String) {
    match agent {
        AgentStatus::Listed { path, keys } => (
            Level::Debug1,
            format!("agent {}: {keys} key(s)", path.display()),
        ),
        AgentStatus::Unreachable { path, error } => (
            Level::Info,
            format!("agent {} is not reachable: {error}", path.display()),
        ),
        AgentStatus::Disabled => (
            Level::Debug1,
            "agent disabled (IdentityAgent none)".to_string(),
        ),
        AgentStatus::NotConfigured => (
            Level::Debug1,
            "no agent (SSH_AUTH_SOCK is not set)".to_string(),
        ),
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
    let size = id.bits().map_or_else(String::new, |b| format!(" {b} bits"));
    let lock = if id.encrypted {
        ", encrypted (needs its passphrase)"
    } else {
        ""
    };
    let comment = if id.comment.is_empty() {
        String::new()
    } else {
        format!(", comment \"{}\"", id.comment)
    };
    cx.log(
        Stage::Auth,
        Level::Debug2,
        format!("key {}:{size}{lock}{comment}", id.label()),
    )
    .await;
}
