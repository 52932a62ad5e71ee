//! The banner stage: the identification exchange, then one verdict per outcome — an SSH-2
//! server, protocol 1 only, not SSH, closed before a banner, or silent.

use super::super::banner::{parse_ident, read_banner, BannerOutcome, Peer, Server};
use super::super::transport::Transport;
use super::super::{Cx, StageEnd, Target, CLIENT_IDENT};
use super::{provenance_said, BannerConn};
use crate::event::{Level, Stage, Status};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;
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
        let said = text!("engine.banner.send_failed", error = e.to_string());
        cx.say(Stage::Banner, Level::Info, said).await;
    }
    let outcome = read_banner(&mut stream, timeout).await;
    let port_source = provenance_said(cx, "Port", &t.port.to_string(), &t.port_origin);
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
            not_ssh(cx, &at, port_source, peer, &sample).await
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
        let said = text!("engine.banner.pre_line", line = l);
        cx.say(Stage::Banner, Level::Debug1, said).await;
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
        let said = text!("engine.banner.comments", comments = &id.comments);
        cx.say(Stage::Banner, Level::Debug2, said).await;
    }
    cx.fact(Stage::Banner, "remote_version", ident.to_string())
        .await;
    let server = Server::from_ident(ident);
    let said = text!("engine.banner.implementation", name = server.name_said());
    cx.say(Stage::Banner, Level::Debug1, said).await;
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
    let said = text!("engine.banner.protocol_1_detail", at = at, ident = ident);
    cx.finding(
        keyed("banner.protocol_1", Stage::Banner, said)
            .evidence(format!("server identification: {ident}")),
    )
    .await;
    let summary = text!("engine.banner.protocol_1_summary");
    (None, StageEnd::text(Status::Fail, summary))
}

/// `banner.not_ssh`: something else answers on the port (a web server, a flood of bytes).
async fn not_ssh(cx: &Cx, at: &str, port_source: Text, peer: Peer, sample: &str) -> BannerEnd {
    let (what, said) = (peer.describe(), peer.said());
    cx.log(
        Stage::Banner,
        Level::Info,
        format!("kex_exchange_identification: not an SSH server; received \"{sample}\""),
    )
    .await;
    let src = port_source;
    let detail = match peer {
        Peer::Flood => {
            let n = super::super::MAX_BANNER_BYTES;
            text!("engine.banner.flood_detail", at = at, n = n, source = src)
        }
        Peer::Http | Peer::Tls => {
            text!(
                "engine.banner.web_detail",
                at = at,
                what = said.clone(),
                source = src
            )
        }
        _ => text!(
            "engine.banner.not_ssh_detail",
            at = at,
            what = said.clone(),
            source = src
        ),
    };
    cx.finding(
        keyed("banner.not_ssh", Stage::Banner, detail)
            .evidence(format!("first bytes received: \"{sample}\""))
            .evidence(format!("looks like {what}")),
    )
    .await;
    let summary = text!("engine.banner.not_ssh_summary", what = said);
    (None, StageEnd::text(Status::Fail, summary))
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
    let how_said = match reset {
        true => text!("engine.banner.how_reset"),
        false => text!("engine.banner.how_closed"),
    };
    let detail = match &t.via {
        Some(via) => {
            text!(
                "engine.banner.closed_via_detail",
                at = at,
                via = via,
                how = how_said.clone()
            )
        }
        None => text!(
            "engine.banner.closed_detail",
            at = at,
            how = how_said.clone()
        ),
    };
    let f = keyed("banner.closed", Stage::Banner, detail)
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
    let summary = text!("engine.banner.closed_summary", how = how_said);
    (None, StageEnd::text(Status::Fail, summary))
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
    let secs = timeout.as_secs_f64().to_string();
    let said = text!("engine.banner.silent_log", secs = &secs, n = received);
    cx.say(Stage::Banner, Level::Info, said).await;
    let detail = match &t.via {
        Some(via) => text!(
            "engine.banner.silent_via_detail",
            at = at,
            via = via,
            secs = &secs
        ),
        None => text!("engine.banner.silent_detail", at = at, secs = &secs),
    };
    let mut f = keyed("banner.timeout", Stage::Banner, detail)
        .evidence(format!("{received} bytes received before the time limit"));
    if received > 0 {
        f = f.evidence(format!("received: \"{sample}\""));
    }
    cx.finding(f).await;
    let summary = text!("engine.banner.silent_summary", secs = secs);
    (None, StageEnd::text(Status::Fail, summary))
}
