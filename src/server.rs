//! `sshdoctor server`: sshd's side of a login, looked at on the server itself — sshd's
//! config and files, the account, StrictModes, and sshd's log — emitting the same
//! [`crate::event::Event`]s as the probe, so the console and the report serve it unchanged.
//!
//! Read-only: it runs `sshd -t`/`sshd -T` (which only read), `getent`, `journalctl`, and
//! reads files. Repairs are offered as actions and applied only when confirmed,
//! through [`crate::repair`]. Nothing is sent anywhere.

mod account;
mod allowed;
mod authkeys;
mod cmd;
mod emit;
mod explain;
mod hostkeys;
#[cfg(test)]
mod i18n_tests;
mod listen;
pub mod log;
mod logstage;
mod pam;
mod repairs;
mod sshd;
pub mod watch;

use crate::event::{Event, Setting, Stage};
use emit::Out;
use std::path::PathBuf;
use tokio::sync::mpsc;

/// The stages of a server run, in order.
pub const STAGES: [Stage; 6] = [
    Stage::Sshd,
    Stage::Listen,
    Stage::HostKeys,
    Stage::Account,
    Stage::AuthorizedKeys,
    Stage::Log,
];

/// The sshd_config read when `--sshd-config` is not given.
pub const DEFAULT_CONFIG: &str = "/etc/ssh/sshd_config";

/// What to look at, from the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `--user NAME`: the account logging in.
    pub user: Option<String>,
    /// `--from ADDRESS`: the client's address.
    pub from: Option<String>,
    /// `--log FILE`: sshd's log instead of journald or the system's auth log.
    pub log: Option<PathBuf>,
    /// `--sshd-config FILE`: the config instead of /etc/ssh/sshd_config.
    pub sshd_config: Option<PathBuf>,
    /// `--watch`: follow the log after the checks and explain each new attempt.
    pub watch: bool,
}

impl Options {
    /// The config file looked at.
    pub fn config(&self) -> PathBuf {
        self.sshd_config
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG))
    }

    /// The arguments that run these checks again (for `sshdoctor server --fix ID ...`).
    pub fn rerun_args(&self) -> String {
        let q = |s: &str| crate::fsedit::shell_quote(s);
        let mut args = Vec::new();
        if let Some(u) = &self.user {
            args.push(format!("--user {}", q(u)));
        }
        if let Some(a) = &self.from {
            args.push(format!("--from {}", q(a)));
        }
        if let Some(c) = &self.sshd_config {
            args.push(format!("--sshd-config {}", q(&c.display().to_string())));
        }
        if let Some(l) = &self.log {
            args.push(format!("--log {}", q(&l.display().to_string())));
        }
        args.join(" ")
    }
}

/// What the stages learned, for the stages after them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Seen {
    /// The sshd binary.
    pub binary: Option<PathBuf>,
    /// Its version as it names itself (`OpenSSH_9.2p1 Debian-2+deb12u10`).
    pub version: Option<String>,
    /// The sshd_config looked at.
    pub config_path: PathBuf,
    /// `sshd -T` output, each line as keyword (lowercase) and value, in order.
    pub settings: Vec<(String, String)>,
    /// Whether `sshd -t` passed.
    pub config_ok: bool,
    /// The privilege separation directory this sshd was built with.
    pub privsep: Option<PathBuf>,
    /// The account, when `--user` names one that exists.
    pub account: Option<account::Account>,
    /// Why AllowUsers/DenyUsers/AllowGroups/DenyGroups refuse the user (when they do).
    pub refused_by: Option<String>,
    /// PAM modules of sshd's stacks that can refuse a login.
    pub pam_refusers: Vec<String>,
    /// Addresses this host listens on (to tell the client's address from its own).
    pub local_addrs: Vec<String>,
    /// The repairs offered so far, merged into one chmod action.
    pub chmods: Vec<repairs::Chmod>,
    /// What the file checks say now, to judge sshd's own complaints in its log: host keys
    /// usable, listening where configured, the privilege separation directory usable.
    pub now: Now,
    /// Findings of the file checks held back until the log stage adds the attempts that show
    /// them (AllowUsers refusing the user, a locked account...), so each is reported once.
    pub pending: Vec<crate::event::Finding>,
}

/// What the checks of the files found, for the log's sshd-wide lines (which may be old).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Now {
    /// Host keys sshd can load (None: not looked at).
    pub usable_hostkeys: Option<usize>,
    /// sshd listens where its config says.
    pub listening: Option<bool>,
    /// The privilege separation directory is usable.
    pub privsep: Option<bool>,
}

impl Seen {
    /// The first value of an `sshd -T` keyword.
    pub fn get(&self, keyword: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == keyword)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a keyword `sshd -T` prints once per value (port, hostkey, ...).
    pub fn all(&self, keyword: &str) -> Vec<&str> {
        self.settings
            .iter()
            .filter(|(k, _)| k == keyword)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether this sshd is Debian's or Ubuntu's (which accepts a group-writable home when
    /// the group is the user's own).
    pub fn debian(&self) -> bool {
        self.version
            .as_deref()
            .is_some_and(|v| v.contains("Debian") || v.contains("Ubuntu"))
    }

    /// Whether sshd runs with UsePAM yes.
    pub fn use_pam(&self) -> bool {
        self.get("usepam") == Some("yes")
    }
}

/// Whether this process runs as root (the whole picture needs it).
pub(crate) fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Run every stage, sending events to `tx`; ends with [`Event::Done`], then, with
/// `--watch`, follows the log until the receiver is gone.
pub async fn run(options: Options, tx: mpsc::Sender<Event>) {
    let out = Out::new(tx);
    out.send(Event::Stages(STAGES.to_vec())).await;
    out.send(Event::Destination(destination(&options))).await;
    let mut seen = Seen::default();
    if !is_root() {
        let said = crate::text!("server.not_root");
        out.say(Stage::Sshd, crate::event::Level::Info, said).await;
    }
    sshd::stage(&out, &options, &mut seen).await;
    listen::stage(&out, &mut seen).await;
    hostkeys::stage(&out, &mut seen).await;
    account::stage(&out, &options, &mut seen).await;
    authkeys::stage(&out, &options, &mut seen).await;
    let follow = logstage::stage(&out, &options, &mut seen).await;
    out.send(Event::Done { login_ok: true }).await;
    if options.watch {
        watch::follow(&out, &options, &seen, follow).await;
    }
}

/// The run's heading settings: `server` (this host), and the user, address, config and log.
fn destination(options: &Options) -> Vec<Setting> {
    let setting = |keyword: &str, value: String, origin: &str| Setting {
        keyword: keyword.into(),
        value,
        origin: origin.into(),
    };
    let mut s = vec![setting(
        "server",
        crate::config::local_hostname(),
        "this host",
    )];
    if let Some(u) = &options.user {
        s.push(setting("user", u.clone(), "--user"));
    }
    if let Some(a) = &options.from {
        s.push(setting("from", a.clone(), "--from"));
    }
    let origin = if options.sshd_config.is_some() {
        "--sshd-config"
    } else {
        "default"
    };
    s.push(setting(
        "sshd_config",
        options.config().display().to_string(),
        origin,
    ));
    if let Some(l) = &options.log {
        s.push(setting("log", l.display().to_string(), "--log"));
    }
    s
}
