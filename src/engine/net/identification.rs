//! The banner stage: the identification exchange, then one verdict per outcome — an SSH-2
//! server, protocol 1 only, not SSH, closed before a banner, or silent.

use super::super::banner::{parse_ident, read_banner, BannerOutcome, Peer, Server};
use super::super::transport::Transport;
use super::super::{Cx, StageEnd, Target, CLIENT_IDENT};
use super::{provenance, BannerConn};
use crate::event::{Level, Stage, Status};
use crate::findings::finding;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// The banner stage's result: the connection when the server speaks SSH-2.
type BannerEnd = (Option<BannerConn>, StageEnd);

/// Send our identification, read the server's, and judge what came back.
pub(in crate::engine) async fn banner_stage(
    cx: &Cx,
    mut stream: Transport,
    t: &Target,
    timeout: Duration,
) -> BannerEnd {
    cx.log(
        Stage::Banner,
        Level::Debug1,
        format!("Local version string {CLIENT_IDENT}"),
    )
    .await;
    // Speak first, as OpenSSH does: HTTP and other request-driven services then answer.
    let sent = stream
        .write_all(format!("{CLIENT_IDENT}\r\n").as_bytes())
        .await;
    if let Err(e) = sent {
        cx.log(
            Stage::Banner,
            Level::Info,
            format!("sending the identification failed: {e}"),
        )
        .await;
    }
    let outcome = read_banner(&mut stream, timeout).await;
    let port_source = provenance(cx, "Port", &t.port.to_string(), &t.port_origin);
    let at = format!("{}:{}", t.hostname, t.port);
    match outcome {
        BannerOutcome::Ssh {
            ident,
            pre_lines,
            leftover,
        } => {
            let summary = ssh_server(cx, &ident, &pre_lines).await;
            let conn = BannerConn {
                stream,
                ident,
                leftover,
            };
            (Some(conn), StageEnd::new(Status::Pass, summary))
        }
        BannerOutcome::Protocol1 { ident } => protocol_1(cx, &at, &ident).await,
        BannerOutcome::NotSsh { peer, sample } => {
            not_ssh(cx, &at, &port_source, peer, &sample).await
        }
        BannerOutcome::Closed { reset, said } => closed(cx, t, &at, reset, &said).await,
        BannerOutcome::Timeout { received, sample } => {
            silent(cx, t, &at, timeout, received, &sample).await
        }
    }
}

/// An SSH-2 server: its identification and implementation logged and recorded; returns the
/// stage's summary (its software and comments).
async fn ssh_server(cx: &Cx, ident: &str, pre_lines: &[String]) -> String {
    for l in pre_lines {
        cx.log(
            Stage::Banner,
            Level::Debug1,
            format!("server sent a line before its identification: \"{l}\""),
        )
        .await;
    }
    let id = parse_ident(ident);
    cx.log(
        Stage::Banner,
        Level::Debug1,
        format!(
            "Remote protocol version {}, remote software version {}",
            id.proto, id.software
        ),
    )
    .await;
    if !id.comments.is_empty() {
        cx.log(
            Stage::Banner,
            Level::Debug2,
            format!("remote comments: {}", id.comments),
        )
        .await;
    }
    cx.fact(Stage::Banner, "remote_version", ident.to_string())
        .await;
    let server = Server::from_ident(ident);
    cx.log(
        Stage::Banner,
        Level::Debug1,
        format!("server implementation: {}", server.name()),
    )
    .await;
    cx.fact(Stage::Banner, "server_implementation", server.name())
        .await;
    if id.comments.is_empty() {
        id.software.clone()
    } else {
        format!("{} {}", id.software, id.comments)
    }
}

/// `banner.protocol_1`: the server speaks only SSH-1.
async fn protocol_1(cx: &Cx, at: &str, ident: &str) -> BannerEnd {
    cx.log(
        Stage::Banner,
        Level::Info,
        format!("Remote protocol version {ident}: protocol 1 only"),
    )
    .await;
    cx.finding(
        finding("banner.protocol_1", Stage::Banner, format!("{at} identifies as \"{ident}\": SSH protocol 1 only, which no current OpenSSH speaks."))
            .evidence(format!("server identification: {ident}")),
    )
    .await;
    (None, StageEnd::new(Status::Fail, "SSH-1 only"))
}

/// `banner.not_ssh`: something else answers on the port (a web server, a flood of bytes).
async fn not_ssh(cx: &Cx, at: &str, port_source: &str, peer: Peer, sample: &str) -> BannerEnd {
    let what = peer.describe();
    let hint = match peer {
        Peer::Http | Peer::Tls => " (a web server or proxy)",
        _ => "",
    };
    cx.log(
        Stage::Banner,
        Level::Info,
        format!("kex_exchange_identification: not an SSH server; received \"{sample}\""),
    )
    .await;
    let detail = match peer {
        Peer::Flood => format!(
            "{at} sent {} bytes with no SSH identification line; sshdoctor stopped reading. {port_source}.",
            super::super::MAX_BANNER_BYTES
        ),
        _ => format!("{at} is answered by {what}{hint}, not by sshd. {port_source}."),
    };
    cx.finding(
        finding("banner.not_ssh", Stage::Banner, detail)
            .evidence(format!("first bytes received: \"{sample}\""))
            .evidence(format!("looks like {what}")),
    )
    .await;
    (
        None,
        StageEnd::new(Status::Fail, format!("not SSH: {what}")),
    )
}

/// `banner.closed`: the connection was closed or reset before an identification.
async fn closed(cx: &Cx, t: &Target, at: &str, reset: bool, said: &[String]) -> BannerEnd {
    let how = if reset { "reset" } else { "closed" };
    cx.log(
        Stage::Banner,
        Level::Info,
        format!("kex_exchange_identification: Connection {how} by remote host"),
    )
    .await;
    let opened = match &t.via {
        Some(via) => format!("The connection to {at} through {via} opened (the jump host or command reached it), then was {how}"),
        None => format!("{at} accepted the TCP connection, then {how} it"),
    };
    let f = finding(
        "banner.closed",
        Stage::Banner,
        format!("{opened} before sending an SSH identification."),
    )
    .evidence(format!(
        "kex_exchange_identification: Connection {how} by remote host"
    ))
    .evidence_all(t.via.as_ref().map(|_| {
        // ssh does not know the address behind a jump host or ProxyCommand.
        format!("Connection {how} by UNKNOWN port 65535")
    }))
    .evidence_all(
        said.iter()
            .map(|line| format!("the server said: \"{line}\"")),
    );
    cx.finding(f).await;
    (
        None,
        StageEnd::new(Status::Fail, format!("connection {how} before the banner")),
    )
}

/// `banner.timeout`: no complete identification within the time limit.
async fn silent(
    cx: &Cx,
    t: &Target,
    at: &str,
    timeout: Duration,
    received: usize,
    sample: &str,
) -> BannerEnd {
    let secs = timeout.as_secs_f64();
    cx.log(
        Stage::Banner,
        Level::Info,
        format!("no SSH identification within {secs}s ({received} bytes received)"),
    )
    .await;
    let mut f = finding(
        "banner.timeout",
        Stage::Banner,
        match &t.via {
            Some(via) => format!("The connection to {at} through {via} opened, but no complete SSH identification came within {secs}s."),
            None => format!("{at} accepted the TCP connection but sent no complete SSH identification within {secs}s."),
        },
    )
    .evidence(format!("{received} bytes received before the time limit"));
    if received > 0 {
        f = f.evidence(format!("received: \"{sample}\""));
    }
    cx.finding(f).await;
    (
        None,
        StageEnd::new(Status::Fail, format!("no banner within {secs}s")),
    )
}
