//! The DNS, TCP and banner stages.

use super::{Cx, StageEnd, Target};
use crate::config::Origin;
use crate::event::{Level, Stage, Status};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;

mod identification;
pub(super) use identification::banner_stage;

/// Where a setting came from, as a clause: "Port 2222 comes from ~/.ssh/config line 12".
pub(crate) fn provenance_said(cx: &Cx, keyword: &str, value: &str, origin: &Origin) -> Text {
    match origin {
        Origin::Default => text!("engine.net.from_default", keyword = keyword, value = value),
        Origin::CommandLine => {
            text!(
                "engine.net.from_command_line",
                keyword = keyword,
                value = value
            )
        }
        Origin::File { .. } => text!(
            "engine.net.from_file",
            keyword = keyword,
            value = value,
            origin = cx.origin_said(origin)
        ),
    }
}

/// Where the host name came from, as the start of a sentence: its provenance, or "The name
/// "X" is the destination as typed".
pub(super) fn hostname_source(cx: &Cx, t: &Target) -> Text {
    match t.hostname_origin {
        Origin::Default => text!("engine.net.name_as_typed", host = &t.hostname),
        _ => provenance_said(cx, "HostName", &t.hostname, &t.hostname_origin),
    }
}

/// The DNS stage: a literal address as it is, or the lookup ssh would make, kept to the
/// family AddressFamily allows.
pub(super) async fn dns_stage(
    cx: &Cx,
    t: &Target,
    timeout: Duration,
) -> (Option<Vec<SocketAddr>>, StageEnd) {
    if let Ok(ip) = t.hostname.parse::<IpAddr>() {
        let said = crate::text!("engine.net.literal_address", host = &t.hostname);
        cx.say(Stage::Dns, Level::Debug1, said).await;
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
    let (addrs, why) = lookup(t, timeout).await;
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
        return unresolvable(cx, t, total, &why).await;
    }
    resolved(cx, t, unique).await
}

/// The addresses of the host name, with the reason when there are none (the lookup's error, or
/// that it did not finish in time).
async fn lookup(t: &Target, timeout: Duration) -> (Vec<SocketAddr>, Text) {
    if is_reserved_invalid(&t.hostname) {
        // RFC 6761: names under .invalid never resolve; no query is sent for them.
        return (Vec::new(), text!("engine.net.invalid_tld"));
    }
    let lookup = tokio::time::timeout(
        timeout,
        tokio::net::lookup_host((t.hostname.as_str(), t.port)),
    )
    .await;
    match lookup {
        Err(_) => (
            Vec::new(),
            text!(
                "engine.net.lookup_timeout",
                secs = timeout.as_secs_f64().to_string()
            ),
        ),
        Ok(Err(e)) => (Vec::new(), Text::from(e.to_string())),
        Ok(Ok(it)) => (it.collect::<Vec<_>>(), Text::from("")),
    }
}

/// `dns.unresolvable`: no address (`total` counts those of a family AddressFamily excludes).
async fn unresolvable(
    cx: &Cx,
    t: &Target,
    total: usize,
    why: &Text,
) -> (Option<Vec<SocketAddr>>, StageEnd) {
    let (host, source) = (&t.hostname, hostname_source(cx, t));
    let detail = if total > 0 {
        let family = &t.address_family;
        text!(
            "engine.net.wrong_family_detail",
            host = host,
            n = total,
            family = family,
            source = source
        )
    } else {
        text!(
            "engine.net.unresolvable_detail",
            host = host,
            why = why.clone(),
            source = source
        )
    };
    let why = why.english();
    cx.log(
        Stage::Dns,
        Level::Info,
        format!("ssh: Could not resolve hostname {}: {why}", t.hostname),
    )
    .await;
    let mut f = keyed("dns.unresolvable", Stage::Dns, detail).evidence(format!(
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
    let summary = crate::text!("engine.net.does_not_resolve", host = &t.hostname);
    (None, StageEnd::text(Status::Fail, summary))
}

/// The addresses found, logged and recorded.
async fn resolved(
    cx: &Cx,
    t: &Target,
    unique: Vec<SocketAddr>,
) -> (Option<Vec<SocketAddr>>, StageEnd) {
    for a in &unique {
        let said = text!(
            "engine.net.has_address",
            host = &t.hostname,
            address = a.ip().to_string()
        );
        cx.say(Stage::Dns, Level::Debug1, said).await;
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
    let summary = match unique.len() {
        1 => text!("engine.net.addresses_one"),
        n => text!("engine.net.addresses_many", n = n),
    };
    (Some(unique), StageEnd::text(Status::Pass, summary))
}

/// Is `name` under the special-use `.invalid` domain (RFC 6761 section 6.4)?
fn is_reserved_invalid(name: &str) -> bool {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    n == "invalid" || n.ends_with(".invalid")
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

/// The English of [`connect_failure_said`] (for the tests).
#[cfg(test)]
pub(crate) fn connect_failure_text(
    kind: ConnectFailure,
    host: &str,
    port: u16,
    port_source: &str,
    timeout: Option<f64>,
) -> (&'static str, String, String) {
    let (id, detail, summary) =
        connect_failure_said(kind, host, port, Text::from(port_source), timeout);
    (id, detail.english(), summary.english())
}

/// The `tcp.*` finding id, detail and stage summary for a failed connection (shared with
/// `sshdoctor explain`); `port_source` says where the port came from, `timeout` is the limit
/// waited when known.
pub(crate) fn connect_failure_said(
    kind: ConnectFailure,
    host: &str,
    port: u16,
    port_source: Text,
    timeout: Option<f64>,
) -> (&'static str, Text, Text) {
    let src = port_source;
    match kind {
        ConnectFailure::Refused => (
            "tcp.refused",
            text!(
                "engine.net.refused_detail",
                host = host,
                port = port,
                source = src
            ),
            text!("engine.net.refused_summary", port = port),
        ),
        ConnectFailure::Timeout => (
            "tcp.timeout",
            match timeout {
                Some(t) => text!(
                    "engine.net.timeout_within_detail",
                    host = host,
                    port = port,
                    secs = t.to_string(),
                    source = src
                ),
                None => text!(
                    "engine.net.timeout_detail",
                    host = host,
                    port = port,
                    source = src
                ),
            },
            text!("engine.net.timeout_summary", port = port),
        ),
        ConnectFailure::Unreachable => (
            "tcp.unreachable",
            text!(
                "engine.net.unreachable_detail",
                host = host,
                port = port,
                source = src
            ),
            text!("engine.net.unreachable_summary", port = port),
        ),
    }
}

/// One failed connection attempt: the address, how it failed, and the message.
type Failure = (SocketAddr, ConnectFailure, String);

/// The TCP stage: each address in turn until one connects, as ssh does.
pub(super) async fn tcp_stage(
    cx: &Cx,
    t: &Target,
    addrs: &[SocketAddr],
    timeout: Duration,
) -> (Option<(TcpStream, SocketAddr)>, StageEnd) {
    let mut failures: Vec<Failure> = Vec::new();
    for addr in addrs {
        match connect(cx, t, addr, timeout).await {
            Ok((stream, end)) => return (Some((stream, *addr)), end),
            Err(failure) => failures.push(failure),
        }
    }
    not_connected(cx, t, &failures, timeout).await
}

/// Connect to one address within the time limit, logged as ssh does.
async fn connect(
    cx: &Cx,
    t: &Target,
    addr: &SocketAddr,
    timeout: Duration,
) -> Result<(TcpStream, StageEnd), Failure> {
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
    let (kind, msg) = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true);
            cx.log(Stage::Tcp, Level::Debug1, "Connection established.")
                .await;
            let ms = started.elapsed().as_millis();
            cx.fact(Stage::Tcp, "connected", format!("{addr}")).await;
            let said = text!("engine.net.connected", address = addr.to_string(), ms = ms);
            let end = StageEnd::text(Status::Pass, said);
            return Ok((stream, end));
        }
        Ok(Err(e)) => {
            let kind = match e.kind() {
                ErrorKind::ConnectionRefused => ConnectFailure::Refused,
                ErrorKind::TimedOut => ConnectFailure::Timeout,
                _ => ConnectFailure::Unreachable,
            };
            (kind, e.to_string())
        }
        Err(_) => {
            let msg = format!("no answer within {}s", timeout.as_secs_f64());
            (ConnectFailure::Timeout, msg)
        }
    };
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
    Err((*addr, kind, msg))
}

/// No address connected: the finding of the most telling failure (refused, then timeout,
/// then unreachable).
async fn not_connected(
    cx: &Cx,
    t: &Target,
    failures: &[Failure],
    timeout: Duration,
) -> (Option<(TcpStream, SocketAddr)>, StageEnd) {
    let worst = [
        ConnectFailure::Refused,
        ConnectFailure::Timeout,
        ConnectFailure::Unreachable,
    ]
    .into_iter()
    .find(|k| failures.iter().any(|f| f.1 == *k))
    .unwrap_or(ConnectFailure::Unreachable);
    let port_source = provenance_said(cx, "Port", &t.port.to_string(), &t.port_origin);
    let (id, detail, summary) = connect_failure_said(
        worst,
        &t.hostname,
        t.port,
        port_source,
        Some(timeout.as_secs_f64()),
    );
    let mut f =
        keyed(id, Stage::Tcp, detail).evidence_all(failures.iter().map(|(addr, _, msg)| {
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
    (None, StageEnd::text(Status::Fail, summary))
}

/// A connection whose server sent an SSH-2 identification.
pub(crate) struct BannerConn {
    pub stream: super::transport::Transport,
    /// The identification line without CR LF.
    pub ident: String,
    /// Bytes after the identification line.
    pub leftover: Vec<u8>,
}
