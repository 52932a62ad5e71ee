//! The DNS, TCP and banner stages.

use super::banner::{parse_ident, read_banner, BannerOutcome, Peer};
use super::{Cx, StageEnd, Target, CLIENT_IDENT};
use crate::config::Origin;
use crate::event::{Level, Stage, Status};
use crate::findings::finding;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Where a setting came from, as a clause: "Port 2222 comes from ~/.ssh/config line 12".
pub(super) fn provenance(cx: &Cx, keyword: &str, value: &str, origin: &Origin) -> String {
    match origin {
        Origin::Default => format!("{keyword} {value} is OpenSSH's default"),
        Origin::CommandLine => format!("{keyword} {value} comes from the command line"),
        Origin::File { .. } => format!("{keyword} {value} comes from {}", cx.origin(origin)),
    }
}

pub(super) async fn dns_stage(
    cx: &Cx,
    t: &Target,
    timeout: Duration,
) -> (Option<Vec<SocketAddr>>, StageEnd) {
    if let Ok(ip) = t.hostname.parse::<IpAddr>() {
        cx.log(
            Stage::Dns,
            Level::Debug1,
            format!("{} is an address; no lookup needed", t.hostname),
        )
        .await;
        return (
            Some(vec![SocketAddr::new(ip, t.port)]),
            StageEnd::new(Status::Pass, "address given literally"),
        );
    }
    cx.log(
        Stage::Dns,
        Level::Debug2,
        format!("resolving \"{}\" port {}", t.hostname, t.port),
    )
    .await;
    let lookup = if is_reserved_invalid(&t.hostname) {
        // RFC 6761: names under .invalid never resolve; no query is sent for them.
        Ok(Err(std::io::Error::new(
            ErrorKind::NotFound,
            "the .invalid top-level domain never resolves (RFC 6761); no query was sent",
        )))
    } else {
        tokio::time::timeout(
            timeout,
            tokio::net::lookup_host((t.hostname.as_str(), t.port)),
        )
        .await
    };
    let source = provenance(cx, "HostName", &t.hostname, &t.hostname_origin);
    let source = if t.hostname_origin == Origin::Default {
        format!("the name \"{}\" is the destination as typed", t.hostname)
    } else {
        source
    };
    let (addrs, why) = match lookup {
        Err(_) => (
            Vec::new(),
            format!(
                "the lookup did not finish within {}s",
                timeout.as_secs_f64()
            ),
        ),
        Ok(Err(e)) => (Vec::new(), e.to_string()),
        Ok(Ok(it)) => (it.collect::<Vec<_>>(), String::new()),
    };
    let mut unique: Vec<SocketAddr> = Vec::new();
    for a in addrs {
        if !unique.contains(&a) {
            unique.push(a);
        }
    }
    let total = unique.len();
    unique.retain(|a| match t.address_family.as_str() {
        "inet" => a.is_ipv4(),
        "inet6" => a.is_ipv6(),
        _ => true,
    });
    if unique.is_empty() {
        let detail = if total > 0 {
            format!(
                "\"{}\" has {total} address(es), but none of the family AddressFamily {} allows",
                t.hostname, t.address_family
            )
        } else {
            format!("\"{}\" does not resolve: {why}", t.hostname)
        };
        cx.log(
            Stage::Dns,
            Level::Info,
            format!("ssh: Could not resolve hostname {}: {why}", t.hostname),
        )
        .await;
        let mut f = finding(
            "dns.unresolvable",
            Stage::Dns,
            format!("{detail}. {}.", capitalize(&source)),
        )
        .evidence(format!(
            "lookup of \"{}\": {}",
            t.hostname,
            if why.is_empty() {
                "wrong address family"
            } else {
                &why
            }
        ));
        if let Origin::File { path, line } = &t.hostname_origin {
            f = f.evidence(format!(
                "{}:{line}: HostName {}",
                path.display(),
                t.hostname
            ));
        }
        cx.finding(f).await;
        return (
            None,
            StageEnd::new(Status::Fail, format!("\"{}\" does not resolve", t.hostname)),
        );
    }
    for a in &unique {
        cx.log(
            Stage::Dns,
            Level::Debug1,
            format!("{} has address {}", t.hostname, a.ip()),
        )
        .await;
    }
    cx.fact(
        Stage::Dns,
        "addresses",
        unique
            .iter()
            .map(|a| a.ip().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    )
    .await;
    let summary = format!(
        "{} address{}",
        unique.len(),
        if unique.len() == 1 { "" } else { "es" }
    );
    (Some(unique), StageEnd::new(Status::Pass, summary))
}

/// Is `name` under the special-use `.invalid` domain (RFC 6761 section 6.4)?
fn is_reserved_invalid(name: &str) -> bool {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    n == "invalid" || n.ends_with(".invalid")
}

pub(super) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

/// How one connection attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnectFailure {
    /// Connection refused.
    Refused,
    /// No answer (within `timeout` when known).
    Timeout,
    /// No route, network unreachable.
    Unreachable,
}

/// The `tcp.*` finding id, detail and stage summary for a failed connection (shared with
/// `sshdoctor explain`); `port_source` says where the port came from, `timeout` is the limit
/// waited when known.
pub(crate) fn connect_failure_text(
    kind: ConnectFailure,
    host: &str,
    port: u16,
    port_source: &str,
    timeout: Option<f64>,
) -> (&'static str, String, String) {
    match kind {
        ConnectFailure::Refused => (
            "tcp.refused",
            format!("{host} refused the connection on port {port}: no sshd listens there. {port_source}."),
            format!("refused on port {port}"),
        ),
        ConnectFailure::Timeout => (
            "tcp.timeout",
            format!(
                "No answer from {host} on port {port}{}: the packets are dropped (firewall, security group) or the host is down. {port_source}.",
                timeout.map_or(String::new(), |t| format!(" within {t}s"))
            ),
            format!("timed out on port {port}"),
        ),
        ConnectFailure::Unreachable => (
            "tcp.unreachable",
            format!("{host} cannot be reached on port {port}. {port_source}."),
            format!("unreachable on port {port}"),
        ),
    }
}

pub(super) async fn tcp_stage(
    cx: &Cx,
    t: &Target,
    addrs: &[SocketAddr],
    timeout: Duration,
) -> (Option<(TcpStream, SocketAddr)>, StageEnd) {
    let mut failures: Vec<(SocketAddr, ConnectFailure, String)> = Vec::new();
    for addr in addrs {
        cx.log(
            Stage::Tcp,
            Level::Debug1,
            format!(
                "Connecting to {} [{}] port {}.",
                t.hostname,
                addr.ip(),
                addr.port()
            ),
        )
        .await;
        let started = Instant::now();
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                cx.log(Stage::Tcp, Level::Debug1, "Connection established.")
                    .await;
                let ms = started.elapsed().as_millis();
                cx.fact(Stage::Tcp, "connected", format!("{addr}")).await;
                return (
                    Some((stream, *addr)),
                    StageEnd::new(Status::Pass, format!("connected to {addr} in {ms} ms")),
                );
            }
            Ok(Err(e)) => {
                let kind = match e.kind() {
                    ErrorKind::ConnectionRefused => ConnectFailure::Refused,
                    ErrorKind::TimedOut => ConnectFailure::Timeout,
                    _ => ConnectFailure::Unreachable,
                };
                cx.log(
                    Stage::Tcp,
                    Level::Info,
                    format!("connect to address {} port {}: {e}", addr.ip(), addr.port()),
                )
                .await;
                failures.push((*addr, kind, e.to_string()));
            }
            Err(_) => {
                let msg = format!("no answer within {}s", timeout.as_secs_f64());
                cx.log(
                    Stage::Tcp,
                    Level::Info,
                    format!(
                        "connect to address {} port {}: {msg}",
                        addr.ip(),
                        addr.port()
                    ),
                )
                .await;
                failures.push((*addr, ConnectFailure::Timeout, msg));
            }
        }
    }
    let worst = [
        ConnectFailure::Refused,
        ConnectFailure::Timeout,
        ConnectFailure::Unreachable,
    ]
    .into_iter()
    .find(|k| failures.iter().any(|f| f.1 == *k))
    .unwrap_or(ConnectFailure::Unreachable);
    let port_source = provenance(cx, "Port", &t.port.to_string(), &t.port_origin);
    let (id, detail, summary) = connect_failure_text(
        worst,
        &t.hostname,
        t.port,
        &port_source,
        Some(timeout.as_secs_f64()),
    );
    let mut f =
        finding(id, Stage::Tcp, detail).evidence_all(failures.iter().map(|(addr, _, msg)| {
            format!(
                "connect to address {} port {}: {msg}",
                addr.ip(),
                addr.port()
            )
        }));
    if let Origin::File { path, line } = &t.port_origin {
        f = f.evidence(format!("{}:{line}: Port {}", path.display(), t.port));
    }
    cx.finding(f).await;
    (None, StageEnd::new(Status::Fail, summary))
}

/// A connection whose server sent an SSH-2 identification.
pub(crate) struct BannerConn {
    pub stream: super::transport::Transport,
    /// The identification line without CR LF.
    pub ident: String,
    /// Bytes after the identification line.
    pub leftover: Vec<u8>,
}

pub(super) async fn banner_stage(
    cx: &Cx,
    mut stream: super::transport::Transport,
    t: &Target,
    timeout: Duration,
) -> (Option<BannerConn>, StageEnd) {
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
            for l in &pre_lines {
                cx.log(
                    Stage::Banner,
                    Level::Debug1,
                    format!("server sent a line before its identification: \"{l}\""),
                )
                .await;
            }
            let id = parse_ident(&ident);
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
            cx.fact(Stage::Banner, "remote_version", ident.clone())
                .await;
            let server = super::banner::Server::from_ident(&ident);
            cx.log(
                Stage::Banner,
                Level::Debug1,
                format!("server implementation: {}", server.name()),
            )
            .await;
            cx.fact(Stage::Banner, "server_implementation", server.name())
                .await;
            let summary = if id.comments.is_empty() {
                id.software.clone()
            } else {
                format!("{} {}", id.software, id.comments)
            };
            (
                Some(BannerConn {
                    stream,
                    ident,
                    leftover,
                }),
                StageEnd::new(Status::Pass, summary),
            )
        }
        BannerOutcome::Protocol1 { ident } => {
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
        BannerOutcome::NotSsh { peer, sample } => {
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
                    super::MAX_BANNER_BYTES
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
        BannerOutcome::Closed { reset, said } => {
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
        BannerOutcome::Timeout { received, sample } => {
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
    }
}
