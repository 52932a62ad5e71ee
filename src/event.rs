//! The typed events the engine emits and every front end consumes.

use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// The stages of an ssh login, in the order they run, then the stages of `sshdoctor server`
/// (sshd's side, looked at on the server itself). A run announces its own list with
/// [`Event::Stages`]; [`Stage::ALL`] is the probe's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Resolving the effective settings from the command line and ssh_config.
    Config,
    /// Resolving the host name to addresses.
    Dns,
    /// Opening the TCP connection.
    Tcp,
    /// Reaching a hop through the one before it: a direct-tcpip channel opened on the jump
    /// host (what `ssh -W` and ProxyJump do), or `nc` run there.
    Forward,
    /// Starting the ProxyCommand whose standard input and output carry the connection.
    Proxy,
    /// Reading the server's identification line.
    Banner,
    /// Negotiating algorithms (the server's KEXINIT against the client's proposal).
    Kex,
    /// Verifying the server's host key against known_hosts.
    Hostkey,
    /// Authenticating the user.
    Auth,
    /// Opening a session and running a command.
    Session,
    /// Looking at the account from the inside (read-only): StrictModes, authorized_keys, disk.
    Remote,
    /// Server mode: the sshd binary and version, `sshd -t`, `sshd -T`, the privilege
    /// separation directory.
    Sshd,
    /// Server mode: whether sshd runs and listens where its config says.
    Listen,
    /// Server mode: the host key files (present, modes, matching `.pub`).
    HostKeys,
    /// Server mode: the account logging in (exists, shell, locked or expired, PAM).
    Account,
    /// Server mode: StrictModes along every AuthorizedKeysFile, and what sshd reads in them.
    AuthorizedKeys,
    /// Server mode: sshd's log, each recent attempt explained.
    Log,
}

impl Stage {
    /// Every stage of the probe (a login from the client), in order.
    pub const ALL: [Stage; 9] = [
        Stage::Config,
        Stage::Dns,
        Stage::Tcp,
        Stage::Banner,
        Stage::Kex,
        Stage::Hostkey,
        Stage::Auth,
        Stage::Session,
        Stage::Remote,
    ];

    /// The short machine name (`kex`, `hostkey`, ...), also used in finding ids.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Config => "config",
            Stage::Dns => "dns",
            Stage::Tcp => "tcp",
            Stage::Forward => "forward",
            Stage::Proxy => "proxy",
            Stage::Banner => "banner",
            Stage::Kex => "kex",
            Stage::Hostkey => "hostkey",
            Stage::Auth => "auth",
            Stage::Session => "session",
            Stage::Remote => "remote",
            Stage::Sshd => "sshd",
            Stage::Listen => "listen",
            Stage::HostKeys => "host_keys",
            Stage::Account => "account",
            Stage::AuthorizedKeys => "authorized_keys",
            Stage::Log => "log",
        }
    }

    /// The human title shown in checklists.
    pub fn title(self) -> &'static str {
        match self {
            Stage::Config => "Configuration",
            Stage::Dns => "DNS",
            Stage::Tcp => "TCP connection",
            Stage::Forward => "Forwarding",
            Stage::Proxy => "ProxyCommand",
            Stage::Banner => "Banner",
            Stage::Kex => "Key exchange",
            Stage::Hostkey => "Host key",
            Stage::Auth => "Authentication",
            Stage::Session => "Session",
            Stage::Remote => "Server side",
            Stage::Sshd => "sshd",
            Stage::Listen => "Listening",
            Stage::HostKeys => "Host key files",
            Stage::Account => "Account",
            Stage::AuthorizedKeys => "Keys and modes",
            Stage::Log => "sshd log",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a stage ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not started yet.
    Pending,
    /// Started and not finished.
    Running,
    /// Worked.
    Pass,
    /// Worked, with something worth fixing.
    Warn,
    /// Failed: later stages cannot run.
    Fail,
    /// Not run, because an earlier stage failed or it is not applicable.
    Skipped,
}

impl Status {
    /// The lowercase word for the status.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skipped => "skipped",
        }
    }
}

/// Log verbosity, mirroring ssh's `-v` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Shown always: what happened, in a sentence.
    Info,
    /// `-v`: the main protocol steps.
    Debug1,
    /// `-vv`: details of each step.
    Debug2,
    /// `-vvv`: raw detail (full algorithm lists, bytes).
    Debug3,
}

impl Level {
    /// The level's name as ssh prints it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Debug1 => "debug1",
            Level::Debug2 => "debug2",
            Level::Debug3 => "debug3",
        }
    }
}

/// Severity of a finding.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Stops the login; the first error is the root cause.
    Error,
    /// The login may work, but something is wrong or fragile.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// The lowercase word.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A diagnosed problem with its evidence and fix. The `id` is a public contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable id from the catalog, e.g. `tcp.refused`.
    pub id: String,
    /// Severity from the catalog.
    pub severity: Severity,
    /// The stage that produced it.
    #[serde(skip)]
    pub stage: Stage,
    /// The hop it concerns (an index into [`Event::Hops`]; 0 for a direct login).
    #[serde(skip)]
    pub hop: usize,
    /// One-line title from the catalog.
    pub title: String,
    /// What happened here, specifically.
    pub detail: String,
    /// Log lines, settings with their file:line, fingerprints.
    pub evidence: Vec<String>,
    /// What to do.
    pub fix: String,
    /// Repairs sshdoctor can apply (later issues).
    pub actions: Vec<ActionOffer>,
    /// The title, detail and fix as the engine said them for this case, for the front ends
    /// to show in their language (see [`crate::i18n::localize`]); not part of the report.
    #[serde(skip)]
    pub said: Box<Said>,
}

/// A finding's case-specific texts in no language yet: each is set together with the English
/// field it stands for, by [`Finding::detail_text`] and the like. A front end shows one only
/// while its English is still what the field holds (code that edits the field by hand loses
/// the translation, never shows a stale one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Said {
    /// The title, when the engine wrote one for the case.
    pub title: Option<crate::i18n::Text>,
    /// What happened here.
    pub detail: Option<crate::i18n::Text>,
    /// What to do, when the engine wrote it for the case.
    pub fix: Option<crate::i18n::Text>,
}

/// A repair offered for a finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionOffer {
    /// Stable action id, e.g. `known_hosts.remove`.
    pub id: String,
    /// What it does, in a line.
    pub title: String,
    /// The exact change, as a diff or list.
    pub preview: String,
    /// The equivalent shell command.
    pub command: String,
    /// What applying it does, for [`crate::repair::apply`]; not part of the report.
    #[serde(skip)]
    pub repair: Option<crate::repair::Repair>,
    /// The title in no language yet (see [`Said`]), when the engine wrote one for the case.
    #[serde(skip)]
    pub title_text: Option<Box<crate::i18n::Text>>,
}

/// One thing the engine tells its consumers.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The stages this run goes through, in order, sent first: the checklist of every front
    /// end is built from it (without it, [`Stage::ALL`]). A run of one host (`sshdoctor
    /// server`) sends this; the probe sends [`Event::Hops`].
    Stages(Vec<Stage>),
    /// The hosts a login goes through, in order (the first jump host first, the destination
    /// last; a direct login has one), each with its own stages: sent first by the probe, and
    /// the checklist of every front end is built from it. Every later event names its hop by
    /// its index in this list.
    Hops(Vec<HopPlan>),
    /// The effective destination settings, sent once the config stage has resolved them.
    Destination(Vec<Setting>),
    /// A stage began.
    StageStarted {
        /// The hop (an index into [`Event::Hops`]; 0 for a run of one host).
        hop: usize,
        /// Which stage.
        stage: Stage,
        /// Time since the run started.
        at: Duration,
    },
    /// A stage ended.
    StageFinished {
        /// The hop (an index into [`Event::Hops`]; 0 for a run of one host).
        hop: usize,
        /// Which stage.
        stage: Stage,
        /// How it ended.
        status: Status,
        /// How long it took (zero for skipped stages).
        elapsed: Duration,
        /// A one-line summary.
        summary: String,
        /// The summary in no language yet, when the engine wrote it so (front ends show it in
        /// theirs while its English is `summary`).
        said: Option<crate::i18n::Text>,
    },
    /// A line for the handshake log.
    Log {
        /// The hop (an index into [`Event::Hops`]; 0 for a run of one host).
        hop: usize,
        /// Time since the run started.
        at: Duration,
        /// Verbosity level.
        level: Level,
        /// Which stage wrote it.
        stage: Stage,
        /// The text.
        text: String,
        /// The text in no language yet, for a line that explains (front ends show it in
        /// theirs while its English is `text`); lines quoting ssh or the server have none.
        said: Option<crate::i18n::Text>,
    },
    /// A fact learned during a stage (remote version, addresses, algorithms).
    Fact {
        /// The hop (an index into [`Event::Hops`]; 0 for a run of one host).
        hop: usize,
        /// Which stage learned it.
        stage: Stage,
        /// Short key, e.g. `remote_version`.
        key: String,
        /// Value.
        value: String,
    },
    /// A diagnosed problem.
    Finding(Finding),
    /// The run is over; `login_ok` is true when a login completed.
    Done {
        /// Whether a full login completed (`sshdoctor server`: whether nothing found on the
        /// server stops a login).
        login_ok: bool,
    },
}

/// One host of a login's chain, as [`Event::Hops`] announces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HopPlan {
    /// The hop as the user wrote it: the destination as given (alias or host), a jump host
    /// as written in the ProxyJump list (`[user@]host[:port]`, `ssh://...`), or the host of a
    /// recognised `ProxyCommand ssh -W %h:%p HOST`.
    pub host: String,
    /// The user, host name and port it resolves to (its own config resolution).
    pub user: String,
    /// The host name connected to (HostName), from the previous hop for a later hop.
    pub hostname: String,
    /// The port.
    pub port: u16,
    /// How it is reached.
    pub via: Via,
    /// Its stages, in order.
    pub stages: Vec<Stage>,
}

/// How a hop is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// A TCP connection from this machine.
    Tcp,
    /// A direct-tcpip channel through the previous hop (ProxyJump, `-J`, `ssh -W`).
    Forward,
    /// `nc HOST PORT` run on the previous hop (a `ProxyCommand ssh JUMP nc %h %p`).
    Netcat,
    /// A ProxyCommand's standard input and output.
    Proxy,
}

impl Via {
    /// The lowercase word.
    pub fn word(self) -> &'static str {
        match self {
            Via::Tcp => "tcp",
            Via::Forward => "forward",
            Via::Netcat => "netcat",
            Via::Proxy => "proxycommand",
        }
    }
}

/// One effective setting and where its value came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    /// Lowercase ssh_config keyword, e.g. `port`.
    pub keyword: String,
    /// The value as ssh -G would print it.
    pub value: String,
    /// Where it came from, e.g. `~/.ssh/config line 12`, `command line`, `default`.
    pub origin: String,
}
