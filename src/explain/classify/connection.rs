//! The lines of the connection (configuration, proxy, DNS, TCP, channels, its end) and of the
//! session (commands, exit status, a login's greeting, a finished copy).

use super::{after, port, Msg};

/// A line about the connection, from the configuration to its end.
pub(super) fn connection(s: &str) -> Option<Msg> {
    config_line(s)
        .or_else(|| connecting(s))
        .or_else(|| connect_failed(s))
        .or_else(|| connected(s))
        .or_else(|| channel_line(s))
        .or_else(|| closing(s))
}

/// ssh's version, the configuration it reads and refuses, the proxy command it runs.
fn config_line(s: &str) -> Option<Msg> {
    if s.starts_with("OpenSSH_") && crate::algorithms::parse_ssh_version(s).is_some() {
        return Some(Msg::Version(s.to_string()));
    }
    if let Some(f) = after(s, "Reading configuration data ") {
        return Some(Msg::ReadingConfig(f.to_string()));
    }
    if s.contains(": Applying options for ") || s.starts_with("Applying options for ") {
        return Some(Msg::ApplyingOptions(s.to_string()));
    }
    if s.contains("Bad configuration option")
        || s.contains("bad configuration options")
        || s.contains(": unsupported option")
        || s.contains("Unsupported option")
        || s.contains("keyword extraneous")
    {
        return Some(Msg::ConfigError(s.to_string()));
    }
    if let Some(f) = after(s, "Bad owner or permissions on ") {
        return Some(Msg::ConfigPermissions(f.to_string()));
    }
    if let Some(c) = after(s, "Executing proxy command: ") {
        return Some(Msg::ExecutingProxy(
            c.trim_start_matches("exec ").to_string(),
        ));
    }
    None
}

/// `Connecting to HOST [ADDR] port N.`, and one address's failure.
fn connecting(s: &str) -> Option<Msg> {
    if let Some(rest) = after(s, "Connecting to ") {
        let (host, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        let addr = tail
            .strip_prefix('[')
            .and_then(|t| t.split_once(']'))
            .map(|(a, _)| a.to_string());
        let port = tail.find("port ").and_then(|i| port(&tail[i + 5..]));
        return Some(Msg::Connecting {
            host: host.to_string(),
            addr,
            port,
        });
    }
    if s.starts_with("connect to address ") {
        return Some(Msg::ConnectAddressFailed(s.to_string()));
    }
    None
}

/// No connection: `connect to host H port N: WHY` (in its misspelt forms too), or a name that
/// does not resolve.
fn connect_failed(s: &str) -> Option<Msg> {
    let connect = [
        "ssh: connect to host ",
        "connect to host ",
        "ssh:connect to host ",
        "ssh:coonect to host ",
        "ssh: coonect to host ",
    ];
    if let Some(rest) = connect.iter().find_map(|p| s.strip_prefix(p)) {
        let (host, tail) = rest.split_once(" port ").unwrap_or((rest, ""));
        let port = port(tail);
        let why = tail.split_once(": ").map_or("", |(_, w)| w).to_string();
        return Some(Msg::ConnectFailed {
            host: host.to_string(),
            port,
            why,
        });
    }
    if let Some(i) = s.find("Could not resolve hostname ") {
        let rest = &s[i + "Could not resolve hostname ".len()..];
        let (host, why) = rest.split_once(": ").unwrap_or((rest, ""));
        return Some(Msg::ResolveFailed {
            host: host.to_string(),
            why: why.to_string(),
        });
    }
    None
}

/// The connection is up: `Connection established.`, the identity files, ssh's own version.
fn connected(s: &str) -> Option<Msg> {
    if s == "Connection established." {
        return Some(Msg::Established);
    }
    if let Some(rest) = after(s, "identity file ") {
        if let Some((path, kind)) = rest.rsplit_once(" type ") {
            return Some(Msg::IdentityFile {
                path: path.to_string(),
                kind: kind.trim().parse().unwrap_or(-1),
            });
        }
    }
    if let Some(v) = after(s, "Local version string ") {
        return Some(Msg::LocalVersion(v.to_string()));
    }
    None
}

/// A forwarding channel: a jump host's `-W`, its failure, a channel the server would not open.
fn channel_line(s: &str) -> Option<Msg> {
    if let Some(c) =
        after(s, "channel_connect_stdio_fwd ").or_else(|| after(s, "channel_connect_stdio_fwd: "))
    {
        return Some(Msg::StdioForward(c.to_string()));
    }
    if s == "stdio forwarding failed" {
        return Some(Msg::StdioForwardingFailed);
    }
    if s.starts_with("channel ") && s.contains(": open failed: ") {
        return Some(Msg::ChannelOpenFailed(s.to_string()));
    }
    None
}

/// The connection's end: closed, reset, timed out, or a disconnect the server sent.
fn closing(s: &str) -> Option<Msg> {
    for p in [
        "Connection closed by ",
        "Connection reset by ",
        "Disconnected from ",
    ] {
        if after(s, p).is_some_and(|peer| !peer.starts_with("remote host")) {
            return Some(Msg::ClosedBy(s.to_string()));
        }
    }
    if let Some(rest) = after(s, "Connection to ") {
        if rest.ends_with(" timed out") {
            return Some(Msg::PeerTimedOut(
                rest.trim_end_matches(" timed out").to_string(),
            ));
        }
        if rest.ends_with(" closed.") || rest.ends_with(" closed by remote host.") {
            return Some(Msg::ConnectionToClosed);
        }
    }
    if s.starts_with("Received disconnect from ") {
        return Some(Msg::ReceivedDisconnect(s.to_string()));
    }
    None
}

/// A line of the session: a command sent, a request refused, a nologin shell, its exit, a
/// login's greeting, a finished copy, or words that change nothing.
pub(super) fn session(s: &str) -> Option<Msg> {
    if let Some(c) = after(s, "Sending command: ").or_else(|| after(s, "Sending subsystem: ")) {
        return Some(Msg::Sending(c.to_string()));
    }
    if s.contains(" request failed on channel ")
        || (s.starts_with("Request for subsystem") && s.contains("failed"))
    {
        return Some(Msg::RequestFailed(s.to_string()));
    }
    if s.starts_with("This account is currently not available") {
        return Some(Msg::AccountNotAvailable);
    }
    if let Some(n) = after(s, "Exit status ") {
        return n.trim().parse().ok().map(Msg::ExitStatus);
    }
    if s.starts_with("Last login: ") {
        return Some(Msg::LastLogin);
    }
    let rate = ["B/s", "KB/s", "MB/s", "GB/s"]
        .iter()
        .any(|r| s.contains(r));
    if rate && s.contains("100%") {
        return Some(Msg::TransferDone);
    }
    if s.starts_with("load pubkey \"") || s.starts_with("key_load_public: ") {
        return Some(Msg::Harmless(s.to_string()));
    }
    None
}
