//! The session as a transcript shows it (commands, subsystems, exit status, a nologin shell),
//! and forwarding: a jump host's refused `-W` / ProxyJump channel, or a `-L` the server refuses.

use super::{ev, Ctx, LaneResult, View};
use crate::engine::shared::{no_shell_detail, SFTP_REFUSED};
use crate::event::{Finding, Severity, Stage, Status};
use crate::explain::attempts::Item;
use crate::explain::classify::Msg;
use crate::findings::finding;

pub(super) fn session(v: &View, cx: &Ctx, r: &mut LaneResult) {
    if let Some(f) = forward(v) {
        // A jump host that could not forward: the next hop's connection (its TCP) failed; the
        // destination refusing a channel of its own (-L, -W) did so after the login.
        let stage = if v.jump { Stage::Tcp } else { Stage::Session };
        let mut f = f;
        f.stage = stage;
        r.findings.push(f);
        let summary = if v.jump {
            "refused to forward the connection".to_string()
        } else {
            "the server refused a forwarding channel".to_string()
        };
        r.step(stage, Status::Fail, summary);
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
    if let Some(i) = v.first(|m| matches!(m, Msg::AccountNotAvailable)) {
        r.findings.push(
            finding(
                "session.no_shell",
                Stage::Session,
                no_shell_detail(
                    command.as_deref().unwrap_or("the login shell"),
                    "printed \"This account is currently not available.\" (the account's shell is nologin)",
                ),
            )
            .evidence(ev(i))
            .evidence_all(exit(v).into_iter().map(ev)),
        );
        r.step(Stage::Session, Status::Fail, "no shell (nologin)");
        return;
    }
    if let Some(i) = v.first(|m| matches!(m, Msg::RequestFailed(_))) {
        let Msg::RequestFailed(text) = &i.msg else {
            return;
        };
        if text.contains("subsystem") {
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
            return;
        }
        r.findings.push(
            finding(
                "session.no_shell",
                Stage::Session,
                no_shell_detail(
                    command.as_deref().unwrap_or("the session"),
                    &format!("was refused (\"{text}\")"),
                ),
            )
            .evidence(ev(i)),
        );
        r.step(Stage::Session, Status::Fail, "session refused");
        return;
    }
    // `true` cannot fail in a working shell: the account has none (what the probe runs too).
    let trivial = matches!(command.as_deref(), Some("true") | Some(":"));
    if let Some(i) = exit(v).filter(|i| trivial && i.msg != Msg::ExitStatus(0)) {
        r.findings.push(
            finding(
                "session.no_shell",
                Stage::Session,
                no_shell_detail(
                    command.as_deref().unwrap_or("true"),
                    &format!("ended with \"{}\"", i.core),
                ),
            )
            .evidence(ev(i)),
        );
        r.step(Stage::Session, Status::Fail, "no shell");
        return;
    }
    let login = v
        .first(|m| matches!(m, Msg::Authenticated(_)))
        .map_or(0, |i| i.no);
    if let Some(i) = v
        .first(|m| matches!(m, Msg::ReceivedDisconnect(_)))
        .filter(|i| i.no > login)
    {
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
        return;
    }
    if let Some(i) = v.last(|m| matches!(m, Msg::TransferDone | Msg::LastLogin)) {
        let what = if i.msg == Msg::LastLogin {
            "an interactive session opened (\"Last login\")"
        } else {
            "the copy finished (100%)"
        };
        r.outcome_shown = true;
        r.step(Stage::Session, Status::Pass, what);
        return;
    }
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
    let hop = &v.name;
    let lower = text.to_ascii_lowercase();
    let (id, detail, fix) = if lower.starts_with("administratively prohibited") {
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
    };
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
