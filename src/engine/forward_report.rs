//! The forward stage's findings: the jump host's refusal read from its reason code and text
//! (or from what `nc` said), what OpenSSH would have printed, and where the target's name and
//! port came from.

use super::forward::NetcatEnd;
use super::net::{hostname_source, provenance_said};
use super::transport::Jump;
use super::{Cx, StageEnd, Target};
use crate::config::Origin;
use crate::event::{Finding, Level, Stage, Status};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;
use std::time::Duration;

/// How ssh reports a failed stdio forward through a jump host, after the jump host's own line:
/// the jump's ssh, then the ssh that was to log in through it.
const SSH_AFTER: [&str; 3] = [
    "stdio forwarding failed",
    "kex_exchange_identification: Connection closed by remote host",
    "Connection closed by UNKNOWN port 65535",
];

/// What kind of failure a jump host's answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The jump host will not forward (policy, or it does not forward at all).
    Prohibited,
    /// It reached the target address, and nothing listens there (or it cannot be reached).
    Refused,
    /// It could not resolve the name.
    Unresolvable,
    /// It did not connect in time.
    Timeout,
}

impl Kind {
    fn id(self) -> &'static str {
        match self {
            Kind::Prohibited => "jump.forward_prohibited",
            Kind::Refused => "jump.forward_refused",
            Kind::Unresolvable => "jump.forward_unresolvable",
            Kind::Timeout => "jump.forward_timeout",
        }
    }
}

/// Classify a refusal from its SSH reason code (RFC 4254: 1 administratively prohibited,
/// 2 connect failed, 3 unknown channel type, 4 resource shortage) and its text, which for
/// "connect failed" is the jump host's resolver or connect error (OpenSSH's sshd sends
/// `gai_strerror` or `strerror` text).
pub(crate) fn classify(code: Option<u32>, text: &str) -> Kind {
    let l = text.to_ascii_lowercase();
    let unresolvable = [
        "name or service not known",
        "nodename nor servname",
        "temporary failure in name resolution",
        "no address associated",
        "could not resolve",
        "name does not resolve",
        "getaddrinfo",
        "unknown host",
        "name resolution",
    ];
    match code {
        Some(1 | 3 | 4) => Kind::Prohibited,
        _ if unresolvable.iter().any(|u| l.contains(u)) => Kind::Unresolvable,
        _ if l.contains("timed out") => Kind::Timeout,
        Some(2) => Kind::Refused,
        _ if l.contains("refused") || l.contains("unreachable") || l.contains("no route") => {
            Kind::Refused
        }
        _ => Kind::Prohibited,
    }
}

/// OpenSSH's words for a reason code (channels.c `reason2txt`).
fn reason_words(code: u32) -> &'static str {
    match code {
        1 => "administratively prohibited",
        2 => "connect failed",
        3 => "unknown channel type",
        4 => "resource shortage",
        _ => "unknown reason",
    }
}

fn code_of(reason: &russh::ChannelOpenFailure) -> u32 {
    match reason {
        russh::ChannelOpenFailure::AdministrativelyProhibited => 1,
        russh::ChannelOpenFailure::ConnectFailed => 2,
        russh::ChannelOpenFailure::UnknownChannelType => 3,
        russh::ChannelOpenFailure::ResourceShortage => 4,
        russh::ChannelOpenFailure::Other { code, .. } => *code,
    }
}

/// The jump host answered the channel open with a refusal (or the connection ended).
pub(super) async fn open_failure(
    cx: &Cx,
    via: &Jump,
    t: &Target,
    error: &russh::Error,
    said: Option<(u32, String)>,
) -> StageEnd {
    let (code, text) = match (error, said) {
        (_, Some((code, text))) => (Some(code), text),
        (russh::Error::ChannelOpenFailure(r), None) => (Some(code_of(r)), String::new()),
        (e, None) => (None, format!("the connection to {} ended: {e}", via.name)),
    };
    let ssh_line = match code {
        Some(c) if text.is_empty() => format!("channel 0: open failed: {}", reason_words(c)),
        Some(c) => format!("channel 0: open failed: {}: {text}", reason_words(c)),
        None => text.clone(),
    };
    cx.log(Stage::Forward, Level::Info, ssh_line.clone()).await;
    let kind = classify(code, &text);
    let f = detail(cx, &via.name, t, kind, Text::from(quoted(code, &text)))
        .evidence(format!(
            "{} answered the request to open a direct-tcpip channel to {}:{}: {}",
            via.name,
            t.hostname,
            t.port,
            quoted(code, &text)
        ))
        .evidence(format!("ssh would print: {ssh_line}"))
        .evidence_all(SSH_AFTER.iter().map(|l| format!("ssh would print: {l}")));
    send(cx, kind, with_origins(cx, t, f)).await;
    StageEnd::text(Status::Fail, summary(&via.name, t, kind))
}

/// "administratively prohibited (1): open failed".
fn quoted(code: Option<u32>, text: &str) -> String {
    match (code, text.is_empty()) {
        (Some(c), true) => format!("{} (reason {c})", reason_words(c)),
        (Some(c), false) => format!("{} (reason {c}): \"{text}\"", reason_words(c)),
        (None, _) => text.to_string(),
    }
}

/// No answer to the channel open within the limit: the jump host is still connecting.
pub(super) async fn timed_out(cx: &Cx, via: &Jump, t: &Target, timeout: Duration) -> StageEnd {
    let secs = timeout.as_secs_f64();
    let said = text!(
        "engine.forward.no_answer_log",
        jump = &via.name,
        secs = secs.to_string()
    );
    cx.say(Stage::Forward, Level::Info, said).await;
    let what = text!("engine.forward.no_answer", secs = secs.to_string());
    let f = detail(cx, &via.name, t, Kind::Timeout, what)
        .evidence(format!("direct-tcpip to {}:{} through {}: no answer within {secs}s", t.hostname, t.port, via.name))
        .evidence("ssh would wait for the jump host; with ConnectTimeout it prints \"Connection timed out during banner exchange\" and \"Connection to UNKNOWN port 65535 timed out\"");
    cx.finding(with_origins(cx, t, f)).await;
    StageEnd::text(Status::Fail, summary(&via.name, t, Kind::Timeout))
}

/// `nc` on the jump host ended before a server answered, or could not be run.
pub(super) async fn netcat_failure(
    cx: &Cx,
    via: &Jump,
    t: &Target,
    command: &str,
    end: &NetcatEnd,
) -> StageEnd {
    let said = end.stderr.join(" ");
    for line in &end.stderr {
        cx.log(Stage::Forward, Level::Info, format!("{}: {line}", via.name))
            .await;
    }
    let kind = match end.exit {
        _ if end.refused => Kind::Prohibited,
        Some(127) => Kind::Prohibited,
        _ => classify(None, &said),
    };
    let status = end
        .exit
        .map_or_else(String::new, |s| format!(", exit status {s}"));
    let exit = end.exit.map_or(Text::from(""), |s| {
        text!("engine.forward.exit_status", status = s)
    });
    let jump = &via.name;
    let f = match (kind, end.refused) {
        (Kind::Prohibited, false) => no_netcat(jump, command, exit, &said),
        _ => {
            let what = text!(
                "engine.forward.netcat_ended",
                command = command,
                exit = exit,
                said = &said
            );
            detail(cx, jump, t, kind, what)
        }
    };
    let f = f
        .evidence(format!("on {}: {command}{status}", via.name))
        .evidence_all(
            end.stderr
                .iter()
                .map(|l| format!("its standard error: {l}")),
        )
        .evidence_all(
            SSH_AFTER[1..]
                .iter()
                .map(|l| format!("ssh would print: {l}")),
        );
    send(cx, kind, with_origins(cx, t, f)).await;
    StageEnd::text(Status::Fail, summary(&via.name, t, kind))
}

/// `jump.forward_prohibited` for a jump host that cannot run the ProxyCommand's `nc`.
pub(super) fn no_netcat(jump: &str, command: &str, exit: Text, said: &str) -> Finding {
    let detail = text!(
        "engine.forward.no_netcat_detail",
        command = command,
        jump = jump,
        exit = exit,
        said = said
    );
    keyed(Kind::Prohibited.id(), Stage::Forward, detail)
        .fix_text(text!("engine.forward.no_netcat_fix", jump = jump))
}

/// A refusal to forward concerns the jump host (its policy is what to change); the other
/// failures concern the hop being reached (its address, its port, the way to it).
async fn send(cx: &Cx, kind: Kind, f: Finding) {
    match kind {
        Kind::Prohibited => cx.finding_at(cx.hop.saturating_sub(1), f).await,
        _ => cx.finding(f).await,
    }
}

pub(super) fn summary(jump: &str, t: &Target, kind: Kind) -> Text {
    let (host, port) = (&t.hostname, t.port);
    match kind {
        Kind::Prohibited => text!(
            "engine.forward.prohibited_summary",
            jump = jump,
            host = host,
            port = port
        ),
        Kind::Refused => text!(
            "engine.forward.refused_summary",
            jump = jump,
            host = host,
            port = port
        ),
        Kind::Unresolvable => text!(
            "engine.forward.unresolvable_summary",
            jump = jump,
            host = host
        ),
        Kind::Timeout => text!(
            "engine.forward.timeout_summary",
            jump = jump,
            host = host,
            port = port
        ),
    }
}

/// The finding's words for each kind.
pub(super) fn detail(cx: &Cx, jump: &str, t: &Target, kind: Kind, said: Text) -> Finding {
    let (host, port) = (&t.hostname, t.port);
    let hostname = hostname_source(cx, t);
    let port_from = provenance_said(cx, "Port", &port.to_string(), &t.port_origin);
    let text = match kind {
        Kind::Prohibited => text!(
            "engine.forward.prohibited_detail",
            jump = jump,
            host = host,
            port = port,
            said = said
        ),
        Kind::Refused => text!(
            "engine.forward.refused_detail",
            jump = jump,
            host = host,
            port = port,
            said = said,
            hostname = hostname,
            port_from = port_from
        ),
        Kind::Unresolvable => text!(
            "engine.forward.unresolvable_detail",
            jump = jump,
            host = host,
            said = said,
            hostname = hostname
        ),
        Kind::Timeout => text!(
            "engine.forward.timeout_detail",
            jump = jump,
            host = host,
            port = port,
            said = said,
            port_from = port_from
        ),
    };
    keyed(kind.id(), Stage::Forward, text)
}

/// The file:line of HostName and Port, when they come from a file.
fn with_origins(cx: &Cx, t: &Target, mut f: Finding) -> Finding {
    for (kw, value, origin) in [
        ("HostName", t.hostname.clone(), &t.hostname_origin),
        ("Port", t.port.to_string(), &t.port_origin),
    ] {
        if let Origin::File { .. } = origin {
            f = f.evidence(format!("{}: {kw} {value}", cx.origin(origin)));
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_told_apart_by_code_and_text() {
        // Texts as OpenSSH 9.2's sshd sends them (gai_strerror / strerror), reason codes of RFC 4254.
        assert_eq!(classify(Some(1), "open failed"), Kind::Prohibited);
        assert_eq!(classify(Some(3), "unknown channel type"), Kind::Prohibited);
        assert_eq!(classify(Some(2), "Connection refused"), Kind::Refused);
        assert_eq!(classify(Some(2), "No route to host"), Kind::Refused);
        assert_eq!(
            classify(Some(2), "Name or service not known"),
            Kind::Unresolvable
        );
        assert_eq!(
            classify(Some(2), "Temporary failure in name resolution"),
            Kind::Unresolvable
        );
        assert_eq!(classify(Some(2), "Connection timed out"), Kind::Timeout);
        // What nc prints.
        assert_eq!(
            classify(
                None,
                "nc: connect to 127.0.0.1 port 9 (tcp) failed: Connection refused"
            ),
            Kind::Refused
        );
        assert_eq!(
            classify(
                None,
                "nc: getaddrinfo for host \"x.invalid\" port 22: Name or service not known"
            ),
            Kind::Unresolvable
        );
    }
}
