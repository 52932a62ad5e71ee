//! The session as a transcript shows it (commands, subsystems, exit status, a nologin shell),
//! and forwarding: a jump host's refused `-W` / ProxyJump channel, or a `-L` the server refuses.

use super::{ev, Ctx, LaneResult, View};
use crate::engine::shared::{no_shell_detail_keyed, sftp_refused};
use crate::event::{Finding, Severity, Stage, Status};
use crate::explain::attempts::Item;
use crate::explain::classify::Msg;
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;

/// The session stage: a refused channel, no shell or no sftp, or how the session ended.
pub(super) fn session(v: &View, cx: &Ctx, r: &mut LaneResult) {
    if let Some(f) = forward(v) {
        refused_channel(v, r, f);
        return;
    }
    if v.jump || !r.logged_in {
        return;
    }
    let command = v
        .first(|m| matches!(m, Msg::Sending(_)))
        .and_then(|i| match &i.msg {
            Msg::Sending(c) => Some(c.clone()),
            _ => None,
        });
    let command = command.as_deref();
    if nologin(v, r, command)
        || request_failed(v, cx, r, command)
        || trivial_failed(v, r, command)
        || closed_after_login(v, r)
        || finished(v, r)
    {
        return;
    }
    exit_status(v, r, command);
}

/// A channel the server refused: a jump host that could not forward fails the next hop's
/// connection (its TCP); the destination refusing a channel of its own (-L, -W) did so after
/// the login.
fn refused_channel(v: &View, r: &mut LaneResult, mut f: Finding) {
    let stage = if v.jump { Stage::Tcp } else { Stage::Session };
    f.stage = stage;
    r.findings.push(f);
    let summary = if v.jump {
        text!("explain.session.refused_to_forward")
    } else {
        text!("explain.session.refused_channel")
    };
    r.step(stage, Status::Fail, summary);
}

/// `session.no_shell`: "This account is currently not available." (a nologin shell). Whether
/// it decided the stage.
fn nologin(v: &View, r: &mut LaneResult, command: Option<&str>) -> bool {
    let Some(i) = v.first(|m| matches!(m, Msg::AccountNotAvailable)) else {
        return false;
    };
    r.findings.push(
        keyed(
            "session.no_shell",
            Stage::Session,
            no_shell_detail_keyed(
                command.unwrap_or("the login shell"),
                text!("explain.session.nologin_outcome"),
            ),
        )
        .evidence(ev(i))
        .evidence_all(exit(v).into_iter().map(ev)),
    );
    r.step(
        Stage::Session,
        Status::Fail,
        text!("explain.session.nologin_summary"),
    );
    true
}

/// A request the server refused: the sftp subsystem, or the command or shell itself
/// (`session.no_shell`). Whether it decided the stage.
fn request_failed(v: &View, cx: &Ctx, r: &mut LaneResult, command: Option<&str>) -> bool {
    let Some(i) = v.first(|m| matches!(m, Msg::RequestFailed(_))) else {
        return false;
    };
    let Msg::RequestFailed(text) = &i.msg else {
        return true;
    };
    if text.contains("subsystem") {
        no_sftp(v, cx, r, i);
        return true;
    }
    r.findings.push(
        keyed(
            "session.no_shell",
            Stage::Session,
            no_shell_detail_keyed(
                command.unwrap_or("the session"),
                text!("explain.session.refused_outcome", reason = text),
            ),
        )
        .evidence(ev(i)),
    );
    r.step(
        Stage::Session,
        Status::Fail,
        text!("explain.session.refused_summary"),
    );
    true
}

/// `session.no_sftp`: the server has no sftp subsystem; an error when a copy needed it.
fn no_sftp(v: &View, cx: &Ctx, r: &mut LaneResult, i: &Item) {
    let copy_failed = v
        .items
        .iter()
        .find(|l| l.core.starts_with("scp: ") || l.core.starts_with("Connection closed"))
        .filter(|l| l.no > i.no);
    let refused = sftp_refused();
    // Here it is why the transfer failed.
    let why = ["scp", "sftp", "rsync"].contains(&cx.tool.as_str()) || copy_failed.is_some();
    let detail = if why {
        Text::join([refused, text!("explain.session.scp_uses_sftp")], "")
    } else {
        refused
    };
    let mut f = keyed("session.no_sftp", Stage::Session, detail).evidence(ev(i));
    if let Some(l) = copy_failed {
        f = f.evidence(ev(l));
    }
    let summary = text!("explain.session.no_sftp_summary");
    if why {
        f = f.severity(Severity::Error);
        r.step(Stage::Session, Status::Fail, summary);
    } else {
        r.step(Stage::Session, Status::Warn, summary);
    }
    r.findings.push(f);
}

/// `session.no_shell`: `true` (or `:`) ended with a failure, which it cannot in a working
/// shell: the account has none (what the probe runs too). Whether it decided the stage.
fn trivial_failed(v: &View, r: &mut LaneResult, command: Option<&str>) -> bool {
    let trivial = matches!(command, Some("true") | Some(":"));
    let Some(i) = exit(v).filter(|i| trivial && i.msg != Msg::ExitStatus(0)) else {
        return false;
    };
    r.findings.push(
        keyed(
            "session.no_shell",
            Stage::Session,
            no_shell_detail_keyed(
                command.unwrap_or("true"),
                text!("explain.session.ended_outcome", line = &i.core),
            ),
        )
        .evidence(ev(i)),
    );
    r.step(
        Stage::Session,
        Status::Fail,
        text!("explain.session.no_shell_summary"),
    );
    true
}

/// `session.no_shell`: the server closed the connection after the login. Whether it decided
/// the stage.
fn closed_after_login(v: &View, r: &mut LaneResult) -> bool {
    let login = v
        .first(|m| matches!(m, Msg::Authenticated(_)))
        .map_or(0, |i| i.no);
    let Some(i) = v
        .first(|m| matches!(m, Msg::ReceivedDisconnect(_)))
        .filter(|i| i.no > login)
    else {
        return false;
    };
    r.findings.push(
        keyed(
            "session.no_shell",
            Stage::Session,
            text!("explain.session.closed_after_login", line = &i.core),
        )
        .evidence(ev(i)),
    );
    r.step(
        Stage::Session,
        Status::Fail,
        text!("explain.session.closed_after_login_summary"),
    );
    true
}

/// The session worked: an interactive login's greeting, or a copy at 100%. Whether it decided
/// the stage.
fn finished(v: &View, r: &mut LaneResult) -> bool {
    let Some(i) = v.last(|m| matches!(m, Msg::TransferDone | Msg::LastLogin)) else {
        return false;
    };
    let what = if i.msg == Msg::LastLogin {
        text!("explain.session.interactive_opened")
    } else {
        text!("explain.session.copy_finished")
    };
    r.outcome_shown = true;
    r.step(Stage::Session, Status::Pass, what);
    true
}

/// The command (or session) ran and ssh shows its exit status.
fn exit_status(v: &View, r: &mut LaneResult, command: Option<&str>) {
    if let Some(Msg::ExitStatus(n)) = exit(v).map(|i| &i.msg) {
        let summary = match command {
            Some(c) => text!("explain.session.command_ran", command = c, status = *n),
            None => text!("explain.session.session_ran", status = *n),
        };
        r.outcome_shown = true;
        r.fact(Stage::Session, "exit_status", n.to_string());
        r.step(Stage::Session, Status::Pass, summary);
    }
}

/// The last `Exit status N` line.
fn exit<'a>(v: &View<'a>) -> Option<&'a Item> {
    v.last(|m| matches!(m, Msg::ExitStatus(_)))
}

/// A channel the server refused to open: `jump.forward_*` by its reason.
fn forward(v: &View) -> Option<Finding> {
    let failed = v.first(|m| matches!(m, Msg::ChannelOpenFailed(_)))?;
    let text = failed
        .core
        .split_once(": open failed: ")
        .map_or("", |(_, t)| t);
    let target = v
        .items
        .iter()
        .find_map(|i| match &i.msg {
            Msg::StdioForward(t) => Some(t.trim_end_matches(['.', ' ']).to_string()),
            _ => None,
        })
        .or_else(|| v.next.clone())
        .unwrap_or_else(|| "the next host".into());
    let (id, detail, fix) = forward_reason(v, &v.name, &target, text);
    Some(
        keyed(id, Stage::Tcp, detail)
            .evidence_all(
                v.all(|m| {
                    matches!(
                        m,
                        Msg::StdioForward(_)
                            | Msg::ChannelOpenFailed(_)
                            | Msg::StdioForwardingFailed
                    )
                })
                .into_iter()
                .take(6)
                .map(ev),
            )
            .fix_text(fix),
    )
}

/// A refused channel's finding id, detail and fix, by the reason `hop` gave (`text`).
fn forward_reason(v: &View, hop: &str, target: &str, text: &str) -> (&'static str, Text, Text) {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("administratively prohibited") {
        forward_prohibited(v, hop, target)
    } else if lower.contains("refused") {
        (
            "jump.forward_refused",
            text!(
                "explain.session.forward_refused",
                hop = hop,
                target = target,
                reason = text
            ),
            text!("explain.session.forward_refused_fix"),
        )
    } else if [
        "not known",
        "resolution",
        "does not resolve",
        "no address",
        "nodename",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        (
            "jump.forward_unresolvable",
            text!(
                "explain.session.forward_unresolvable",
                hop = hop,
                reason = text
            ),
            text!("explain.session.forward_unresolvable_fix"),
        )
    } else if lower.contains("timed out")
        || lower.contains("no route")
        || lower.contains("unreachable")
    {
        (
            "jump.forward_timeout",
            text!(
                "explain.session.forward_timeout",
                hop = hop,
                target = target,
                reason = text
            ),
            text!("explain.session.forward_timeout_fix", hop = hop),
        )
    } else {
        (
            "jump.forward_prohibited",
            text!(
                "explain.session.forward_other",
                hop = hop,
                target = target,
                reason = text
            ),
            text!("explain.session.forward_other_fix", hop = hop),
        )
    }
}

/// `jump.forward_prohibited`: "administratively prohibited", with the caveat that an OpenSSH
/// before 7.5 answers every failed forward so (when it runs there, or its version is not shown).
fn forward_prohibited(v: &View, hop: &str, target: &str) -> (&'static str, Text, Text) {
    let old = v
        .first(|m| matches!(m, Msg::RemoteVersion { .. }))
        .and_then(|i| crate::algorithms::parse_ssh_version(&i.core))
        .filter(|ver| *ver < crate::algorithms::OpenSshVersion::new(7, 5));
    let known = v.has(|m| matches!(m, Msg::RemoteVersion { .. }));
    let caveat = match old {
        Some(ver) => text!(
            "explain.session.forward_old_openssh",
            version = ver.to_string()
        ),
        None if !known => text!("explain.session.forward_version_unknown"),
        None => Text::from(""),
    };
    (
        "jump.forward_prohibited",
        text!(
            "explain.session.forward_prohibited",
            hop = hop,
            target = target,
            caveat = caveat
        ),
        text!(
            "explain.session.forward_prohibited_fix",
            hop = hop,
            target = target
        ),
    )
}
