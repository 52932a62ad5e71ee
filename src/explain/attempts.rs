//! A transcript cut into attempts (several runs pasted one after another), and each attempt's
//! lines attributed to hops: through ProxyJump or `ProxyCommand ssh -W`, the inner ssh's lines
//! (each jump host's) are interleaved with the outer one's in the same stderr.

use super::classify::{classify, Msg};
use super::clean::{CommandLine, Line};
use crate::event::Level;

/// One understood line of an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The input line number.
    pub no: usize,
    /// ssh's level.
    pub level: Level,
    /// The text without noise.
    pub core: String,
    /// What it says.
    pub msg: Msg,
    /// Which ssh wrote it: 0 the destination's, 1.. the jump hosts' (see [`Attempt::lanes`]).
    pub lane: usize,
}

/// One ssh run in the transcript.
#[derive(Debug, Clone, Default)]
pub struct Attempt {
    /// Its lines, understood.
    pub items: Vec<Item>,
    /// The command line that started it, when pasted.
    pub command: Option<CommandLine>,
    /// The ssh processes it shows: lane 0 is the destination's ssh, each later lane an inner ssh
    /// started through a proxy command (the jump host it connects to, as the command names it).
    pub lanes: Vec<Lane>,
}

/// One ssh process of an attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lane {
    /// The host this ssh connects to, as its proxy command names it (None: the destination).
    pub jump: Option<String>,
    /// The lane that started it.
    pub parent: Option<usize>,
    /// The lane's progress, for attributing the next lines.
    phase: Phase,
    /// A proxy command it started whose ssh has not printed anything yet.
    pending_child: Option<String>,
    /// The lane it started, when it did.
    child: Option<usize>,
    /// Its forward works: the ssh it serves got its server's identification through it.
    forwarded: bool,
}

/// How far one ssh got, as far as attribution needs to know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    #[default]
    Starting,
    /// Sent its identification (`Local version string`), waiting for the server's.
    SentVersion,
    /// Talking to its server.
    Talking,
    /// Forwarding stdio for the ssh that started it.
    Forwarding,
    /// Gave up.
    Failed,
}

impl Attempt {
    /// The first and last input line numbers of the attempt.
    pub fn range(&self) -> (usize, usize) {
        (
            self.items.first().map_or(0, |i| i.no),
            self.items.last().map_or(0, |i| i.no),
        )
    }

    /// Whether anything in it is ssh's (a version line alone, as `ssh -V` prints it, is not).
    pub fn has_ssh(&self) -> bool {
        self.items
            .iter()
            .any(|i| !matches!(i.msg, Msg::Other | Msg::Version(_)))
    }

    /// The client's version line, when the attempt shows it.
    pub fn version(&self) -> Option<&str> {
        self.items.iter().find_map(|i| match &i.msg {
            Msg::Version(v) if i.lane == 0 => Some(v.as_str()),
            _ => None,
        })
    }

    /// The items of one lane.
    pub fn lane(&self, lane: usize) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(move |i| i.lane == lane)
    }

    /// The hops in order: the first jump host first, the destination (lane 0) last.
    pub fn hop_order(&self) -> Vec<usize> {
        let mut order = Vec::new();
        let mut at = Some(0);
        while let Some(l) = at {
            order.push(l);
            at = self.lanes.get(l).and_then(|lane| lane.child);
            if order.len() > self.lanes.len() {
                break;
            }
        }
        order.reverse();
        order
    }
}

/// Cut cleaned lines into attempts and attribute each line to its ssh.
pub fn split(lines: Vec<Line>) -> Vec<Attempt> {
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut cur = new_attempt(None);
    let mut ended = false;
    // A fence after ssh's lines: the next ssh line may begin another pasted block.
    let mut gap = false;
    for line in lines {
        if line.fence {
            gap |= cur.has_ssh();
            continue;
        }
        let msg = classify(&line.core);
        let starts = match (&line.command, &msg) {
            (Some(_), _) => cur.has_ssh() || cur.command.is_some(),
            (None, Msg::Version(_)) => {
                !cur.lanes.iter().any(|l| l.pending_child.is_some()) && cur.has_ssh()
            }
            (None, m) => (ended && starter(m)) || (gap && !trailer(m)),
        };
        if starts {
            attempts.push(std::mem::replace(&mut cur, new_attempt(None)));
            ended = false;
        }
        if msg != Msg::Other {
            gap = false;
        }
        if let Some(c) = line.command {
            if cur.command.is_none() {
                cur.command = Some(c);
            }
        }
        let lane = route(&mut cur, &msg);
        ended |= lane == 0 && terminal(&msg);
        cur.items.push(Item {
            no: line.no,
            level: line.level,
            core: line.core,
            msg,
            lane,
        });
    }
    attempts.push(cur);
    let mut attempts = with_versions(attempts);
    for a in &mut attempts {
        implicit_hop(a);
    }
    attempts
}

/// Only the attempts that hold ssh's lines; a block holding only `ssh -V` (pasted after a run)
/// gives the run before it its version.
fn with_versions(attempts: Vec<Attempt>) -> Vec<Attempt> {
    let mut kept: Vec<Attempt> = Vec::new();
    for a in attempts {
        if a.has_ssh() {
            kept.push(a);
        } else if let (Some(prev), Some(v)) = (kept.last_mut(), a.version()) {
            // `ssh -V` pasted after a run: the same client's version.
            if prev.version().is_none() {
                let no = a
                    .items
                    .iter()
                    .find(|i| matches!(i.msg, Msg::Version(_)))
                    .map_or(0, |i| i.no);
                prev.items.push(Item {
                    no,
                    level: Level::Info,
                    core: v.to_string(),
                    msg: Msg::Version(v.to_string()),
                    lane: 0,
                });
            }
        }
    }
    kept
}

fn new_attempt(command: Option<CommandLine>) -> Attempt {
    Attempt {
        items: Vec::new(),
        command,
        lanes: vec![Lane::default()],
    }
}

/// Messages that end the destination's ssh.
fn terminal(m: &Msg) -> bool {
    matches!(
        m,
        Msg::ConnectFailed { .. }
            | Msg::ResolveFailed { .. }
            | Msg::HostKeyVerificationFailed
            | Msg::NoMatch { .. }
            | Msg::PermissionDenied { .. }
            | Msg::ProtocolDiffer
            | Msg::ExitStatus(_)
            | Msg::ConnectionToClosed
            | Msg::ReceivedDisconnect(_)
            | Msg::ClosedBy(_)
            | Msg::PeerTimedOut(_)
            | Msg::ConfigError(_)
    )
}

/// Messages that begin a new run when the previous one had ended.
fn starter(m: &Msg) -> bool {
    matches!(
        m,
        Msg::ReadingConfig(_)
            | Msg::Connecting { .. }
            | Msg::ConnectFailed { .. }
            | Msg::ResolveFailed { .. }
            | Msg::NoMatch { .. }
            | Msg::Authenticity(_)
            | Msg::ChangedWarning
            | Msg::Revoked
            | Msg::CertInvalid(_)
            | Msg::Unprotected
            | Msg::LoadKey { .. }
            | Msg::NoSuchIdentity(_)
            | Msg::WillAttempt(_)
            | Msg::Offering(_)
            | Msg::SigningFailed { .. }
            | Msg::PermissionDenied { .. }
            | Msg::IdentityFile { .. }
            | Msg::AuthenticatingTo { .. }
            | Msg::ReceivedDisconnect(_)
            | Msg::NoMutualSignature
            | Msg::ConfigError(_)
    )
}

/// Lines that only follow another (never begin a run).
fn trailer(m: &Msg) -> bool {
    matches!(
        m,
        Msg::Other
            | Msg::ClosedBy(_)
            | Msg::PeerTimedOut(_)
            | Msg::ConnectionToClosed
            | Msg::ExitStatus(_)
            | Msg::Fingerprint(_)
            | Msg::Harmless(_)
    )
}

/// Whether a message is about the server's identification (the transport's first bytes).
fn about_banner(m: &Msg) -> bool {
    match m {
        Msg::BannerClosed { .. }
        | Msg::BannerInvalid(_)
        | Msg::BannerTimeout
        | Msg::BannerLine(_)
        | Msg::RemoteVersion { .. }
        | Msg::ProtocolDiffer => true,
        Msg::ClosedBy(t) | Msg::PeerTimedOut(t) => t.contains("UNKNOWN port"),
        _ => false,
    }
}

/// The lane a message belongs to, updating the lanes' progress.
fn route(a: &mut Attempt, m: &Msg) -> usize {
    let top = current(a);
    let lane = match m {
        Msg::Version(_) => match a.lanes.iter().position(|l| l.pending_child.is_some()) {
            Some(parent) => start_child(a, parent),
            None => top,
        },
        _ if about_banner(m) => banner_lane(a).unwrap_or(top),
        Msg::IdentityFile { .. } | Msg::LocalVersion(_) => (0..a.lanes.len())
            .find(|&l| a.lanes[l].phase == Phase::Starting && a.lanes[l].child.is_some())
            .filter(|_| a.lanes[top].phase != Phase::Starting)
            .unwrap_or(top),
        // A refused channel is the forward not yet proven to work (an inner hop's works: the
        // next ssh got its banner through it).
        Msg::ChannelOpenFailed(_) | Msg::StdioForwardingFailed => {
            let forwarding = |l: &usize| a.lanes[*l].phase == Phase::Forwarding;
            (0..a.lanes.len())
                .rev()
                .filter(forwarding)
                .find(|&l| !a.lanes[l].forwarded)
                .or_else(|| (0..a.lanes.len()).rev().find(forwarding))
                .unwrap_or(top)
        }
        _ => top,
    };
    if let (Msg::RemoteVersion { .. }, Some(c)) = (m, a.lanes[lane].child) {
        a.lanes[c].forwarded = true;
    }
    let phase = &mut a.lanes[lane].phase;
    match m {
        // Only an ssh proxy command prints ssh's lines of its own (not nc, socat, a cloud CLI).
        Msg::ExecutingProxy(cmd) if runs_ssh(cmd) => {
            a.lanes[lane].pending_child = Some(jump_of(cmd))
        }
        Msg::LocalVersion(_) if *phase < Phase::SentVersion => *phase = Phase::SentVersion,
        Msg::RemoteVersion { .. } if *phase < Phase::Talking => *phase = Phase::Talking,
        Msg::StdioForward(_) => *phase = Phase::Forwarding,
        Msg::StdioForwardingFailed => *phase = Phase::Failed,
        m if terminal(m) && lane != 0 => *phase = Phase::Failed,
        _ => {}
    }
    lane
}

/// The innermost ssh still doing its own work (not merely forwarding, not gone).
fn current(a: &Attempt) -> usize {
    (0..a.lanes.len())
        .rev()
        .find(|&l| !matches!(a.lanes[l].phase, Phase::Forwarding | Phase::Failed))
        .unwrap_or(0)
}

/// The ssh waiting for a server identification that can have arrived: the innermost one that
/// sent its own and whose transport (its proxy's ssh, if any) forwards or is gone.
fn banner_lane(a: &Attempt) -> Option<usize> {
    (0..a.lanes.len()).rev().find(|&l| {
        let lane = &a.lanes[l];
        lane.phase == Phase::SentVersion
            && lane
                .child
                .is_none_or(|c| matches!(a.lanes[c].phase, Phase::Forwarding | Phase::Failed))
    })
}

fn start_child(a: &mut Attempt, parent: usize) -> usize {
    let jump = a.lanes[parent].pending_child.take();
    a.lanes.push(Lane {
        jump,
        parent: Some(parent),
        ..Lane::default()
    });
    let child = a.lanes.len() - 1;
    a.lanes[parent].child = Some(child);
    child
}

/// Whether a proxy command runs ssh.
fn runs_ssh(cmd: &str) -> bool {
    let words = super::clean::shell_words(cmd);
    words.first().is_some_and(|w| {
        let base = w.rsplit(['/', '\\']).next().unwrap_or(w);
        base == "ssh" || base == "ssh.exe"
    })
}

/// The host a proxy command's ssh connects to: its last word that is not an option or a value.
fn jump_of(cmd: &str) -> String {
    let words = super::clean::shell_words(cmd);
    let takes_value = "BbcDEeFIiJLlmOoPpQRSWw";
    let mut host = None;
    let mut skip = false;
    for w in words.iter().skip(1) {
        if skip {
            skip = false;
            continue;
        }
        if let Some(opt) = w.strip_prefix('-') {
            skip = opt.len() == 1 && takes_value.contains(opt);
            continue;
        }
        if host.is_none() {
            host = Some(w.clone());
        }
    }
    let host = host.unwrap_or_else(|| "the jump host".into());
    // `-l user -p port host` reads better as user@host:port.
    let flag = |f: &str| {
        words
            .iter()
            .position(|w| w == f)
            .and_then(|i| words.get(i + 1))
    };
    let mut shown = host;
    if let Some(u) = flag("-l") {
        shown = format!("{u}@{shown}");
    }
    if let Some(p) = flag("-p") {
        shown = format!("{shown}:{p}");
    }
    shown
}

/// Without `-v` no proxy command is shown: a refusal followed by the outer ssh's "Connection
/// closed by UNKNOWN port 65535" means the lines before it were a jump host's.
fn implicit_hop(a: &mut Attempt) {
    if a.lanes.len() > 1 {
        return;
    }
    if forwarded_hop(a) {
        return;
    }
    let unknown = a.items.iter().position(|i| {
        about_banner(&i.msg) && i.core.contains("UNKNOWN port")
            || matches!(i.msg, Msg::BannerClosed { .. })
    });
    let Some(end) = unknown else { return };
    let hop_failed = a.items[..end].iter().any(|i| {
        matches!(
            i.msg,
            Msg::PermissionDenied { .. }
                | Msg::StdioForwardingFailed
                | Msg::ChannelOpenFailed(_)
                | Msg::ConnectFailed { .. }
                | Msg::ResolveFailed { .. }
                | Msg::HostKeyVerificationFailed
        )
    });
    let remote_seen = a.items[..end]
        .iter()
        .any(|i| matches!(i.msg, Msg::RemoteVersion { .. }));
    if !hop_failed || remote_seen {
        return;
    }
    let jump = a
        .command
        .as_ref()
        .and_then(|c| {
            c.args
                .iter()
                .position(|w| w == "-J")
                .and_then(|i| c.args.get(i + 1))
                .map(|j| j.rsplit(',').next().unwrap_or(j).to_string())
        })
        .unwrap_or_else(|| "the jump host".into());
    a.lanes.push(Lane {
        jump: Some(jump),
        parent: Some(0),
        phase: Phase::Failed,
        ..Lane::default()
    });
    a.lanes[0].child = Some(1);
    for item in &mut a.items[..end] {
        if item.msg != Msg::Other {
            item.lane = 1;
        }
    }
}

/// An excerpt without the proxy command: an ssh that authenticated and then forwarded stdio
/// (`channel_connect_stdio_fwd`) is a jump host; the lines after its forward opened, from the
/// next `Remote protocol version` on, are the destination's.
fn forwarded_hop(a: &mut Attempt) -> bool {
    let Some(fwd) = a
        .items
        .iter()
        .position(|i| matches!(i.msg, Msg::StdioForward(_)))
    else {
        return false;
    };
    let Some(next) = a.items[fwd..]
        .iter()
        .position(|i| matches!(i.msg, Msg::RemoteVersion { .. }))
        .map(|n| fwd + n)
    else {
        return false;
    };
    let jump = a.items[..fwd].iter().rev().find_map(|i| match &i.msg {
        Msg::AuthenticatingTo { host, port, .. } => Some(match port {
            Some(p) if *p != 22 => format!("{host}:{p}"),
            _ => host.clone(),
        }),
        Msg::Authenticated(t) => t.split_whitespace().next().map(str::to_string),
        _ => None,
    });
    a.lanes.push(Lane {
        jump: Some(jump.unwrap_or_else(|| "the jump host".into())),
        parent: Some(0),
        phase: Phase::Forwarding,
        forwarded: true,
        ..Lane::default()
    });
    a.lanes[0].child = Some(1);
    for item in &mut a.items[..next] {
        item.lane = 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::clean;
    use crate::explain::input::RawLine;

    fn attempts(text: &str) -> Vec<Attempt> {
        let lines = text
            .lines()
            .enumerate()
            .flat_map(|(i, t)| {
                clean::lines(&RawLine {
                    no: i + 1,
                    text: t.into(),
                })
            })
            .collect();
        split(lines)
    }

    #[test]
    fn two_pasted_runs_are_two_attempts() {
        let a = attempts(
            "$ ssh host\nssh: connect to host host port 22: Connection refused\n$ ssh -p 2222 host\nalice@host: Permission denied (publickey).\n",
        );
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].range(), (3, 4));
        assert_eq!(a[1].command.as_ref().unwrap().args, ["-p", "2222", "host"]);
    }

    #[test]
    fn a_proxy_jump_run_is_attributed_to_its_hops() {
        let text = "OpenSSH_9.2p1 Debian-2, OpenSSL 3.0.19\n\
debug1: Executing proxy command: exec ssh -l root -p 22902 -vvv -W '[127.0.0.1]:22901' bastion\n\
debug1: identity file /k type 3\n\
debug1: Local version string SSH-2.0-OpenSSH_9.2p1\n\
OpenSSH_9.2p1 Debian-2, OpenSSL 3.0.19\n\
debug1: Connecting to bastion [127.0.0.1] port 22902.\n\
debug1: Connection established.\n\
debug1: identity file /k type 3\n\
debug1: Local version string SSH-2.0-OpenSSH_9.2p1\n\
debug1: Remote protocol version 2.0, remote software version OpenSSH_9.2p1\n\
Authenticated to bastion ([127.0.0.1]:22902) using \"publickey\".\n\
debug1: channel_connect_stdio_fwd: 127.0.0.1:22901\n\
channel 0: open failed: administratively prohibited: open failed\n\
stdio forwarding failed\n\
kex_exchange_identification: Connection closed by remote host\n\
Connection closed by UNKNOWN port 65535\n";
        let a = attempts(text);
        assert_eq!(a.len(), 1);
        let a = &a[0];
        assert_eq!(a.lanes.len(), 2);
        assert_eq!(a.lanes[1].jump.as_deref(), Some("root@bastion:22902"));
        let lanes: Vec<usize> = a.items.iter().map(|i| i.lane).collect();
        assert_eq!(lanes, [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
        assert_eq!(a.hop_order(), [1, 0]);
    }

    #[test]
    fn without_v_a_jump_hosts_refusal_is_its_own() {
        let a = attempts(
            "$ ssh -J bastion target\nroot@bastion: Permission denied (publickey).\nkex_exchange_identification: Connection closed by remote host\nConnection closed by UNKNOWN port 65535\n",
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].lanes[1].jump.as_deref(), Some("bastion"));
        assert_eq!(a[0].items[1].lane, 1);
        assert_eq!(a[0].items[2].lane, 0);
    }
}
