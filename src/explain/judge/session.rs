//! The session as a transcript shows it (commands, subsystems, exit status, a nologin shell),
//! and forwarding: a jump host's refused `-W` / ProxyJump channel, or a `-L` the server refuses.

use super::{ev, Ctx, LaneResult, View};
use crate::engine::shared::{no_shell_detail, SFTP_REFUSED};
use crate::event::{Finding, Severity, Stage, Status};
use crate::explain::attempts::Item;
use crate::explain::classify::Msg;
use crate::findings::finding;

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
        "refused to forward the connection".to_string()
    } else {
        "the server refused a forwarding channel".to_string()
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
        finding(
            "session.no_shell",
            Stage::Session,
            no_shell_detail(
                command.unwrap_or("the login shell"),
                "printed \"This account is currently not available.\" (the account's shell is nologin)",
            ),
        )
        .evidence(ev(i))
        .evidence_all(exit(v).into_iter().map(ev)),
    );
    r.step(Stage::Session, Status::Fail, "no shell (nologin)");
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
        finding(
            "session.no_shell",
            Stage::Session,
            no_shell_detail(
                command.unwrap_or("the session"),
                &format!("was refused (\"{text}\")"),
            ),
        )
        .evidence(ev(i)),
    );
    r.step(Stage::Session, Status::Fail, "session refused");
    true
}

/// `session.no_sftp`: the server has no sftp subsystem; an error when a copy needed it.
fn no_sftp(v: &View, cx: &Ctx, r: &mut LaneResult, i: &Item) {
    let mut f = finding("session.no_sftp", Stage::Session, SFTP_REFUSED).evidence(ev(i));
    let copy_failed = v
        .items
        .iter()
        .find(|l| l.core.starts_with("scp: ") || l.core.starts_with("Connection closed"))
        .filter(|l| l.no > i.no);
    if let Some(l) = copy_failed {
        f = f.evidence(ev(l));
    }
    if ["scp", "sftp", "rsync"].contains(&cx.tool.as_str()) || copy_failed.is_some() {
        // Here it is why the transfer failed.
        f = f.severity(Severity::Error);
        f.detail.push_str(
            " scp from OpenSSH 9.0 on uses SFTP; `scp -O` uses the old protocol instead.",
        );
        r.step(Stage::Session, Status::Fail, "no sftp subsystem");
    } else {
        r.step(Stage::Session, Status::Warn, "no sftp subsystem");
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
        finding(
            "session.no_shell",
            Stage::Session,
            no_shell_detail(
                command.unwrap_or("true"),
                &format!("ended with \"{}\"", i.core),
            ),
        )
        .evidence(ev(i)),
    );
    r.step(Stage::Session, Status::Fail, "no shell");
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
        finding(
            "session.no_shell",
            Stage::Session,
            format!(
                "The server accepted the login but then closed the connection: \"{}\".",
                i.core
            ),
        )
        .evidence(ev(i)),
    );
    r.step(
        Stage::Session,
        Status::Fail,
        "connection closed after the login",
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
        "an interactive session opened (\"Last login\")"
    } else {
        "the copy finished (100%)"
    };
    r.outcome_shown = true;
    r.step(Stage::Session, Status::Pass, what);
    true
}

/// The command (or session) ran and ssh shows its exit status.
fn exit_status(v: &View, r: &mut LaneResult, command: Option<&str>) {
    if let Some(Msg::ExitStatus(n)) = exit(v).map(|i| &i.msg) {
        let what = command.map_or("the session".into(), |c| format!("`{c}`"));
        r.outcome_shown = true;
        r.fact(Stage::Session, "exit_status", n.to_string());
        r.step(
            Stage::Session,
            Status::Pass,
            format!("{what} ran, exit status {n}"),
        );
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
        finding(id, Stage::Tcp, detail)
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
            .fix(fix),
    )
}

/// A refused channel's finding id, detail and fix, by the reason `hop` gave (`text`).
fn forward_reason(v: &View, hop: &str, target: &str, text: &str) -> (&'static str, String, String) {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("administratively prohibited") {
        forward_prohibited(v, hop, target)
    } else if lower.contains("refused") {
        (
            "jump.forward_refused",
            format!("{hop} reached {target}, but nothing listens there (\"{text}\"): the target's sshd is down or listens on another port. The address and port are the ones the jump host connected to."),
            "Check the target's port (-p, or Port in its Host block) and, on the target, `ss -tlnp | grep sshd`.".to_string(),
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
            format!("{hop} could not resolve the target's name (\"{text}\"): the name is resolved on the jump host, not on your machine, so it must be in the jump host's DNS or /etc/hosts."),
            "Use an address or a name the jump host knows (HostName in the target's Host block), or fix the jump host's resolver.".to_string(),
        )
    } else if lower.contains("timed out")
        || lower.contains("no route")
        || lower.contains("unreachable")
    {
        (
            "jump.forward_timeout",
            format!("{hop} got no answer from {target} (\"{text}\"): a firewall between the jump host and the target drops the packets, or the target is down."),
            format!("From {hop}, try `nc -vz TARGET PORT`; check the firewall rules between them."),
        )
    } else {
        (
            "jump.forward_prohibited",
            format!("{hop} refused to open the forwarding channel to {target} (\"{text}\")."),
            format!("Ask the administrator of {hop} why forwarding is refused."),
        )
    }
}

/// `jump.forward_prohibited`: "administratively prohibited", with the caveat that an OpenSSH
/// before 7.5 answers every failed forward so (when it runs there, or its version is not shown).
fn forward_prohibited(v: &View, hop: &str, target: &str) -> (&'static str, String, String) {
    let old = v
        .first(|m| matches!(m, Msg::RemoteVersion { .. }))
        .and_then(|i| crate::algorithms::parse_ssh_version(&i.core))
        .filter(|ver| *ver < crate::algorithms::OpenSshVersion::new(7, 5));
    let known = v.has(|m| matches!(m, Msg::RemoteVersion { .. }));
    let caveat = match old {
        Some(ver) => format!(" This jump host runs OpenSSH {ver}, which answers every failed forward this way, even to a target it cannot resolve or reach: the target may be the cause."),
        None if !known => " The transcript does not show the jump host's version: an OpenSSH older than 7.5 there answers every failed forward this way, even to a target it cannot resolve or reach (`ssh -v` to it shows its version).".to_string(),
        None => String::new(),
    };
    (
        "jump.forward_prohibited",
        format!("{hop} refused to forward the connection to {target} (\"administratively prohibited\"): its sshd forbids it (AllowTcpForwarding no, DisableForwarding, a PermitOpen list without this target) or a bastion product's policy does. ssh then says \"stdio forwarding failed\", and the ssh it served \"Connection closed by UNKNOWN port 65535\".{caveat}"),
        format!("On {hop}: `sshd -T -C user=USER | grep -Ei 'allowtcpforwarding|permitopen|disableforwarding'`; allow forwarding for this account (AllowTcpForwarding yes, or a PermitOpen entry for {target}), or ask the bastion's administrator."),
    )
}
