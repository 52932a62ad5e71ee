//! The `listen` stage: whether an sshd for this config runs and listens where the config
//! says, from the process list and `/proc/net/tcp*` (read-only, no connection is made).

use super::emit::{End, Out};
use super::Seen;
use crate::event::{Level, Stage, Status};
use crate::findings::keyed;
use crate::text;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// A running sshd process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SshdProcess {
    /// Its pid.
    pub pid: u32,
    /// Its binary (root may read this link for every process).
    pub exe: Option<PathBuf>,
    /// The config it was started with (`-f`, else the default).
    pub config: PathBuf,
    /// Whether it is the listener (not a connection's process).
    pub listener: bool,
    /// Its command line as shown by `ps`.
    pub cmdline: String,
}

/// A listening TCP socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Socket {
    /// The local address.
    pub addr: IpAddr,
    /// The port.
    pub port: u16,
    /// The socket's inode (to find its process).
    pub inode: u64,
}

/// Every sshd process (`comm` sshd), read from `/proc`.
pub(crate) fn sshd_processes() -> Vec<SshdProcess> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let base = entry.path();
        let comm = std::fs::read_to_string(base.join("comm")).unwrap_or_default();
        if comm.trim() != "sshd" {
            continue;
        }
        let raw = std::fs::read(base.join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&raw)
            .replace('\0', " ")
            .trim()
            .to_string();
        let parent_is_sshd = parent(&base).is_some_and(|pp| {
            std::fs::read_to_string(format!("/proc/{pp}/comm")).is_ok_and(|c| c.trim() == "sshd")
        });
        found.push(SshdProcess {
            pid,
            exe: std::fs::read_link(base.join("exe")).ok(),
            config: config_of(&cmdline),
            listener: cmdline.contains("[listener]")
                || !parent_is_sshd
                    && !cmdline.contains("[priv]")
                    && !cmdline.contains("[net]")
                    && !cmdline.contains("[accepted]"),
            cmdline,
        });
    }
    found
}

fn parent(base: &Path) -> Option<u32> {
    let stat = std::fs::read_to_string(base.join("stat")).ok()?;
    // `pid (comm) state ppid ...`: comm may hold spaces, so count from the last `)`.
    stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The `-f FILE` of an sshd command line, else the default config.
fn config_of(cmdline: &str) -> PathBuf {
    let mut words = cmdline.split_whitespace();
    while let Some(w) = words.next() {
        if w == "-f" {
            if let Some(f) = words.next() {
                return PathBuf::from(f);
            }
        } else if let Some(f) = w
            .strip_prefix("-f")
            .filter(|f| !f.is_empty() && !w.starts_with("--"))
        {
            return PathBuf::from(f);
        }
    }
    PathBuf::from(super::DEFAULT_CONFIG)
}

/// The listening sockets of `/proc/net/tcp` and `/proc/net/tcp6`.
pub(crate) fn listening() -> Vec<Socket> {
    let mut all = Vec::new();
    for (file, v6) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
        if let Ok(text) = std::fs::read_to_string(file) {
            all.extend(parse_proc_net(&text, v6));
        }
    }
    all
}

/// Listening (state `0A`) sockets in a `/proc/net/tcp*` table.
pub(crate) fn parse_proc_net(text: &str, v6: bool) -> Vec<Socket> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 || f[3] != "0A" {
                return None;
            }
            let (hex_addr, hex_port) = f[1].split_once(':')?;
            Some(Socket {
                addr: proc_addr(hex_addr, v6)?,
                port: u16::from_str_radix(hex_port, 16).ok()?,
                inode: f[9].parse().ok()?,
            })
        })
        .collect()
}

/// A `/proc/net` address: 32-bit words in host (little-endian) order.
fn proc_addr(hex: &str, v6: bool) -> Option<IpAddr> {
    let words: Vec<u32> = (0..hex.len() / 8)
        .map(|i| {
            u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16)
                .ok()
                .map(u32::swap_bytes)
        })
        .collect::<Option<_>>()?;
    match (v6, words.as_slice()) {
        (false, [a]) => Some(IpAddr::from(a.to_be_bytes())),
        (true, [a, b, c, d]) => {
            let mut bytes = [0u8; 16];
            for (i, w) in [a, b, c, d].iter().enumerate() {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_be_bytes());
            }
            Some(IpAddr::from(bytes))
        }
        _ => None,
    }
}

/// Which process holds each socket inode (of the processes given).
fn owners(pids: &[u32]) -> HashMap<u64, u32> {
    let mut map = HashMap::new();
    for &pid in pids {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let link = std::fs::read_link(fd.path()).unwrap_or_default();
            let link = link.to_string_lossy();
            if let Some(inode) = link
                .strip_prefix("socket:[")
                .and_then(|s| s.strip_suffix(']'))
            {
                if let Ok(inode) = inode.parse() {
                    map.insert(inode, pid);
                }
            }
        }
    }
    map
}

/// An `sshd -T` listenaddress (`0.0.0.0:22`, `[::]:22`, `127.0.0.1:2222`).
pub(crate) fn parse_listen(value: &str) -> Option<(IpAddr, u16)> {
    let value = value.split_whitespace().next()?;
    let (addr, port) = value.rsplit_once(':')?;
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    Some((addr.parse().ok()?, port.parse().ok()?))
}

/// Whether a socket serves a configured address (a wildcard socket serves every address).
fn serves(socket: &Socket, addr: IpAddr, port: u16) -> bool {
    socket.port == port && (socket.addr == addr || socket.addr.is_unspecified())
}

/// Run the stage.
pub(super) async fn stage(out: &Out, seen: &mut Seen) {
    let since = out.started(Stage::Listen).await;
    let end = run(out, seen).await;
    out.finished(Stage::Listen, since, end).await;
}

/// Where sshd should listen (`sshd -T`), and whether the sshd running with this config
/// holds each of those sockets.
async fn run(out: &Out, seen: &mut Seen) -> End {
    let wanted: Vec<(IpAddr, u16)> = seen
        .all("listenaddress")
        .iter()
        .filter_map(|v| parse_listen(v))
        .collect();
    if wanted.is_empty() {
        let why = text!("server.listen.no_listen_address");
        return End::text(Status::Skipped, text!("summary.skipped", why = why));
    }
    let processes = sshd_processes();
    let ours = our_listeners(&processes, &seen.config_path);
    let sockets = listening();
    let owner = owners(&all_pids());
    for p in &ours {
        out.log(
            Stage::Listen,
            Level::Debug1,
            format!("sshd pid {}: {}", p.pid, p.cmdline),
        )
        .await;
    }
    seen.local_addrs = sockets.iter().map(|s| s.addr.to_string()).collect();
    let mut missing = Vec::new();
    let mut served = Vec::new();
    for &(addr, port) in &wanted {
        let holder = sockets
            .iter()
            .find(|s| serves(s, addr, port))
            .map(|s| (s, owner.get(&s.inode).copied()));
        match held_by_ours(out, holder, &ours).await {
            Ok(socket) => served.push(socket),
            Err(why) => missing.push((fmt(addr, port), why)),
        }
    }
    seen.now.listening = Some(missing.is_empty());
    if missing.is_empty() {
        let summary = crate::text!("server.listen.listening_on", addresses = served.join(", "));
        return End::text(Status::Pass, summary);
    }
    out.finding(not_listening(seen, &ours, &wanted, &missing))
        .await;
    let addresses = missing
        .iter()
        .map(|(a, _)| a.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    End::text(
        Status::Fail,
        text!("server.listen.not_listening_on", addresses = addresses),
    )
}

/// The listening sshd processes started with this config.
fn our_listeners<'a>(processes: &'a [SshdProcess], config_path: &Path) -> Vec<&'a SshdProcess> {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let config = canonical(config_path);
    processes
        .iter()
        .filter(|p| p.listener && canonical(&p.config) == config)
        .collect()
}

/// Every pid in `/proc`.
fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc").map_or(Vec::new(), |d| {
        d.flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect()
    })
}

/// Whether the socket serving an address (and its owner's pid, when visible) is one of our
/// sshd's, or systemd's (socket activation): Ok(the socket), else Err(why not).
async fn held_by_ours(
    out: &Out,
    holder: Option<(&Socket, Option<u32>)>,
    ours: &[&SshdProcess],
) -> Result<String, String> {
    let Some((s, pid)) = holder else {
        return Err("nothing listens there".to_string());
    };
    if pid.is_some_and(|pid| ours.iter().any(|p| p.pid == pid)) {
        return Ok(fmt(s.addr, s.port));
    }
    let who = pid.map_or(
        "a process sshdoctor cannot see (run as root)".to_string(),
        describe_pid,
    );
    if !who.starts_with("systemd") {
        return Err(format!("{} is held by {who}", fmt(s.addr, s.port)));
    }
    let said = text!(
        "server.listen.socket_activation",
        address = fmt(s.addr, s.port)
    );
    out.say(Stage::Listen, Level::Info, said).await;
    Ok(fmt(s.addr, s.port))
}

/// `server.not_listening`: the addresses nobody (or another process) holds, and why our
/// sshd does not.
pub(super) fn not_listening(
    seen: &Seen,
    ours: &[&SshdProcess],
    wanted: &[(IpAddr, u16)],
    missing: &[(String, String)],
) -> crate::event::Finding {
    let addrs: Vec<&str> = missing.iter().map(|(a, _)| a.as_str()).collect();
    let config = &seen.config_path;
    let runs = if ours.is_empty() {
        text!("server.listen.no_sshd_runs", config = config)
    } else {
        let pids: Vec<String> = ours.iter().map(|p| p.pid.to_string()).collect();
        text!(
            "server.listen.runs_elsewhere",
            pids = pids.join(", "),
            config = config
        )
    };
    let addresses = super::emit::and_list(&addrs);
    let detail = text!(
        "server.listen.not_listening_detail",
        addresses = addresses,
        runs = runs
    );
    keyed("server.not_listening", Stage::Listen, detail)
        .evidence(format!(
            "ListenAddress/Port from sshd -T: {}",
            wanted
                .iter()
                .map(|(a, p)| fmt(*a, *p))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .evidence_all(missing.iter().map(|(addr, why)| format!("{addr}: {why}")))
}

fn fmt(addr: IpAddr, port: u16) -> String {
    match addr {
        IpAddr::V6(a) => format!("[{a}]:{port}"),
        IpAddr::V4(a) => format!("{a}:{port}"),
    }
}

/// `NAME (pid N)` of a process.
fn describe_pid(pid: u32) -> String {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    format!("{} (pid {pid})", comm.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_tables_in_both_families() {
        let v4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 638 1 0\n   1: 0100007F:A873 0100007F:0016 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0\n";
        assert_eq!(
            parse_proc_net(v4, false),
            [Socket {
                addr: "127.0.0.1".parse().unwrap(),
                port: 22,
                inode: 638
            }]
        );
        let v6 = "  sl  local_address                         remote_address                        st\n   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1\n";
        assert_eq!(
            parse_proc_net(v6, true)[0].addr,
            "::1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(parse_listen("[::]:22"), Some(("::".parse().unwrap(), 22)));
        assert_eq!(
            parse_listen("127.0.0.1:2222 rdomain x"),
            Some(("127.0.0.1".parse().unwrap(), 2222))
        );
        assert_eq!(
            config_of(
                "sshd: /usr/sbin/sshd -D -e -f /t/sshd_config [listener] 0 of 10-100 startups"
            ),
            PathBuf::from("/t/sshd_config")
        );
    }
}
