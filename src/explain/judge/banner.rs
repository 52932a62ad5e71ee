//! The banner stage as a transcript shows it: SSH-1 only, no identification (not SSH, closed,
//! reset, silent), or the server's version.

use super::{ev, Ctx, LaneResult, View};
use crate::engine::shared::{classify_line, Server};
use crate::event::{Stage, Status};
use crate::explain::attempts::Item;
use crate::explain::classify::Msg;
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;

/// The banner stage: SSH-1 only, no SSH identification (not SSH, closed, silent), or the
/// server's version.
pub(super) fn banner(v: &View, cx: &Ctx, r: &mut LaneResult) {
    let remote = v.first(|m| matches!(m, Msg::RemoteVersion { .. }));
    let through_proxy = v.has(|m| matches!(m, Msg::ExecutingProxy(_)))
        || v.has(
            |m| matches!(m, Msg::ClosedBy(t) | Msg::PeerTimedOut(t) if t.contains("UNKNOWN port")),
        );
    let at = if through_proxy {
        text!("explain.net.banner_at_proxy", name = &v.name)
    } else {
        text!("explain.net.banner_at_direct", name = &v.name)
    };
    if protocol_1(v, r, remote, &at) {
        return;
    }
    if let (Some(i), None) = (banner_failure(v, remote), remote) {
        no_identification(v, r, i, at, through_proxy);
        return;
    }
    let _ = cx;
    if let Some(i) = remote {
        identified(r, i);
    }
}

/// `banner.protocol_1`: the server speaks SSH protocol 1 only. Whether it decided the stage.
fn protocol_1(v: &View, r: &mut LaneResult, remote: Option<&Item>, at: &Text) -> bool {
    let proto1 = remote.is_some_and(|i| matches!(&i.msg, Msg::RemoteVersion { proto, .. } if proto.starts_with("1.") && proto != "1.99"));
    let Some(i) = v
        .first(|m| matches!(m, Msg::ProtocolDiffer))
        .or(remote.filter(|_| proto1))
    else {
        return false;
    };
    let software = match remote.map(|r| &r.msg) {
        Some(Msg::RemoteVersion { proto, software }) => format!("SSH-{proto}-{software}"),
        _ => "SSH-1".to_string(),
    };
    r.findings.push(
        keyed(
            "banner.protocol_1",
            Stage::Banner,
            text!(
                "explain.net.banner_protocol_1",
                at = at.clone(),
                software = software
            ),
        )
        .evidence_all(remote.into_iter().map(ev))
        .evidence(ev(i)),
    );
    r.step(
        Stage::Banner,
        Status::Fail,
        text!("explain.net.banner_ssh1_only"),
    );
    true
}

/// The line that shows no identification came: not SSH, closed, reset, timed out (or a peer
/// that timed out after the connection opened, with no version shown).
fn banner_failure<'a>(v: &View<'a>, remote: Option<&'a Item>) -> Option<&'a Item> {
    let failure = v.first(|m| {
        matches!(
            m,
            Msg::BannerInvalid(_) | Msg::BannerClosed { .. } | Msg::BannerTimeout
        )
    });
    failure.or_else(|| {
        (remote.is_none() && v.has(|m| matches!(m, Msg::Established | Msg::LocalVersion(_))))
            .then(|| v.first(|m| matches!(m, Msg::PeerTimedOut(_))))
            .flatten()
    })
}

/// No SSH identification came (line `i` says how): `banner.not_ssh`, `banner.closed` or
/// `banner.timeout`, with what the server said first.
fn no_identification(v: &View, r: &mut LaneResult, i: &Item, at: Text, through_proxy: bool) {
    let lines = v.all(|m| matches!(m, Msg::BannerLine(_)));
    let said: Vec<String> = lines
        .iter()
        .map(|i| match &i.msg {
            Msg::BannerLine(t) => t.clone(),
            _ => String::new(),
        })
        .collect();
    let peer = said.iter().find_map(|l| classify_line(l.as_bytes()));
    let mut evidence: Vec<String> = lines.iter().map(|l| ev(l)).collect();
    evidence.push(ev(i));
    evidence.extend(
        v.all(|m| matches!(m, Msg::ClosedBy(_) | Msg::PeerTimedOut(_)))
            .into_iter()
            .filter(|c| c.no != i.no)
            .map(ev),
    );
    let (id, mut detail, summary) = unanswered(&i.msg, peer, at, through_proxy);
    if !said.is_empty() && id == "banner.closed" {
        let first = text!("explain.net.banner_said_first", said = said.join(" / "));
        detail = Text::join([detail, first], "");
    }
    r.findings
        .push(keyed(id, Stage::Banner, detail).evidence_all(evidence));
    r.step(Stage::Banner, Status::Fail, summary);
}

/// The finding id, detail and summary for a missing identification, by how it went missing
/// and what answered instead (`peer`, recognised from its lines).
fn unanswered(
    msg: &Msg,
    peer: Option<crate::engine::Peer>,
    at: Text,
    through_proxy: bool,
) -> (&'static str, Text, Text) {
    match (msg, peer) {
        (Msg::BannerInvalid(t), p) => {
            let looks = p.map_or(Text::from(""), |p| {
                text!("explain.net.banner_looks_like", peer = p.said())
            });
            (
                "banner.not_ssh",
                text!(
                    "explain.net.banner_invalid",
                    at = at,
                    line = t,
                    looks = looks
                ),
                text!("explain.net.banner_not_ssh"),
            )
        }
        (Msg::BannerClosed { .. }, Some(p)) if !matches!(p, crate::engine::Peer::Other) => (
            "banner.not_ssh",
            text!("explain.net.banner_answered_by", at = at, peer = p.said()),
            text!("explain.net.banner_not_ssh_peer", peer = p.said()),
        ),
        (Msg::BannerClosed { reset }, _) => closed_early(*reset, at, through_proxy),
        _ => (
            "banner.timeout",
            text!("explain.net.banner_timeout", at = at),
            text!("explain.net.banner_no_banner"),
        ),
    }
}

/// `banner.closed`: the connection closed (or was reset) before the identification.
fn closed_early(reset: bool, at: Text, through_proxy: bool) -> (&'static str, Text, Text) {
    let proxy = if through_proxy {
        text!("explain.net.banner_proxy_closed")
    } else {
        Text::from("")
    };
    let (detail, summary) = if reset {
        (
            text!("explain.net.banner_reset", at = at, proxy = proxy),
            text!("explain.net.banner_reset_summary"),
        )
    } else {
        (
            text!("explain.net.banner_closed", at = at, proxy = proxy),
            text!("explain.net.banner_closed_summary"),
        )
    };
    ("banner.closed", detail, summary)
}

/// The server identified itself: its version and implementation, as facts.
fn identified(r: &mut LaneResult, i: &Item) {
    let Msg::RemoteVersion { proto, software } = &i.msg else {
        return;
    };
    let ident = format!("SSH-{proto}-{software}");
    r.fact(Stage::Banner, "remote_version", ident.clone());
    r.fact(
        Stage::Banner,
        "server_implementation",
        Server::from_ident(&ident).name(),
    );
    r.step(Stage::Banner, Status::Pass, software.clone());
}
