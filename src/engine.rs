//! The probe engine: runs the stages of an ssh login in order and emits typed events.
//!
//! It knows nothing of terminals. Consumers (the report writer, the console) receive
//! [`Event`]s over a channel.

mod auth;
mod banner;
mod hostkey;
mod kex;
mod link;
mod net;
pub(crate) mod remote;
mod session;
mod stream;

pub use banner::{
    parse_ident, read_banner, sanitize, BannerOutcome, Ident, Peer, MAX_BANNER_BYTES,
};

/// Finding text the probe builds, shared with `sshdoctor explain` (a transcript gets the
/// probe's words for the same finding).
pub(crate) mod shared {
    pub(crate) use super::auth::{
        identities_only_fix, install_advice_text, login_refused_fix, login_refused_reasons_text,
        no_accepted_key_causes, no_mutual_signature_finding, pubkey_disabled_fix,
        second_factor_words,
    };
    pub(crate) use super::banner::{classify_line, Server};
    pub(crate) use super::hostkey::{changed_detail, changed_fix, remove_action, KnownHosts};
    pub(crate) use super::kex::{no_common_text, NoCommon};
    pub(crate) use super::net::{connect_failure_text, ConnectFailure};
    pub(crate) use super::session::{no_shell_detail, SFTP_REFUSED};
}

use crate::algorithms::{AlgKind, OpenSshVersion};
use crate::config::{Origin, ResolvedConfig};
use crate::event::{Event, Finding, Level, Setting, Stage, Status};
use crate::findings::finding;
use crate::identities::LocalProblemKind;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The identification sshdoctor sends. Sent at once on connect, as OpenSSH does, so that
/// services which wait for the client to speak (HTTP) answer and can be recognised.
pub const CLIENT_IDENT: &str = concat!("SSH-2.0-sshdoctor_", env!("CARGO_PKG_VERSION"));

/// The limit for each network step when neither `--timeout` nor ConnectTimeout is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything a probe run needs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The resolved configuration for the destination.
    pub config: ResolvedConfig,
    /// The limit for each network step (connect, banner, key exchange) from `--timeout`;
    /// when None, ConnectTimeout from the config, else [`DEFAULT_TIMEOUT`].
    pub timeout: Option<Duration>,
    /// The installed OpenSSH client (`ssh -V`), whose defaults are the reference; None when absent.
    pub openssh: Option<(String, OpenSshVersion)>,
    /// What the configuration was resolved from: config repairs re-resolve with it to verify
    /// an edit before offering it.
    pub input: crate::config::ConfigInput,
    /// Where to ask a person for a passphrase or password (the console); None in report mode,
    /// which, like ssh's BatchMode, never prompts.
    pub secrets: Option<SecretAsker>,
    /// chmods on the server the person confirmed (`remote.permissions.fix`): the remote stage
    /// makes each one whose path still has the mode shown, then looks again.
    pub remote_fix: Option<Vec<crate::repair::RemoteChmod>>,
    /// What to do when the host key is not recorded yet (first contact).
    pub first_contact: FirstContact,
}

/// What a run does with a host key that is not recorded yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FirstContact {
    /// Go on with what reveals no secret (public-key queries, a key login), as the report
    /// does: it states that the key was not verified and that ssh would ask first.
    #[default]
    GoOn,
    /// Stop before authenticating, so a person decides on the key first (the console: its
    /// trust dialog opens, and the checks run again after trusting, or after the person chose
    /// to go on without trusting).
    Decide,
}

/// A request for a secret: the prompt, and where the answer goes (None: the person declined).
#[derive(Debug)]
pub struct SecretRequest {
    /// What is asked, e.g. `Passphrase for ~/.ssh/id_ed25519`.
    pub prompt: String,
    /// The answer; the secret is wiped from memory when dropped.
    pub reply: tokio::sync::oneshot::Sender<Option<zeroize::Zeroizing<String>>>,
}

/// The channel the engine asks secrets on.
pub type SecretAsker = mpsc::Sender<SecretRequest>;

/// The client's effective algorithm lists, as the user's ssh would propose them.
#[derive(Debug, Clone, Default)]
pub struct ClientAlgorithms {
    /// KexAlgorithms.
    pub kex: Vec<String>,
    /// HostKeyAlgorithms.
    pub host_key: Vec<String>,
    /// Ciphers.
    pub cipher: Vec<String>,
    /// MACs.
    pub mac: Vec<String>,
    /// Where each list came from, in the order above (config origin, or the default).
    pub origins: [Option<Origin>; 4],
}

/// Emits events with timestamps; sending never fails the probe (a closed receiver is ignored).
pub(crate) struct Cx {
    tx: mpsc::Sender<Event>,
    start: Instant,
    /// The config, for quoting where settings come from.
    pub config: ResolvedConfig,
}

impl Cx {
    /// A context sending to `tx`, its clock starting now.
    pub(crate) fn new(tx: mpsc::Sender<Event>, config: ResolvedConfig) -> Cx {
        Cx {
            tx,
            start: Instant::now(),
            config,
        }
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    pub(crate) async fn send(&self, event: Event) {
        let _ = self.tx.send(event).await;
    }

    pub(crate) async fn log(&self, stage: Stage, level: Level, text: impl Into<String>) {
        self.send(Event::Log {
            at: self.elapsed(),
            level,
            stage,
            text: text.into(),
        })
        .await;
    }

    pub(crate) async fn fact(&self, stage: Stage, key: &str, value: impl Into<String>) {
        self.send(Event::Fact {
            stage,
            key: key.into(),
            value: value.into(),
        })
        .await;
    }

    pub(crate) async fn finding(&self, f: Finding) {
        self.send(Event::Finding(f)).await;
    }

    /// Describe an origin for humans, with `~` for the home directory.
    pub(crate) fn origin(&self, origin: &Origin) -> String {
        origin.describe(&self.config.home)
    }
}

/// How a stage went, as the stage function reports it.
pub(crate) struct StageEnd {
    pub status: Status,
    pub summary: String,
}

impl StageEnd {
    pub(crate) fn new(status: Status, summary: impl Into<String>) -> Self {
        StageEnd {
            status,
            summary: summary.into(),
        }
    }
}

/// Run one stage: started event, the body, finished event with its elapsed time.
async fn stage<T, F>(cx: &Cx, stage: Stage, body: F) -> (T, Status)
where
    F: std::future::Future<Output = (T, StageEnd)>,
{
    let started = Instant::now();
    cx.send(Event::StageStarted {
        stage,
        at: cx.elapsed(),
    })
    .await;
    let (value, end) = body.await;
    cx.send(Event::StageFinished {
        stage,
        status: end.status,
        elapsed: started.elapsed(),
        summary: end.summary,
    })
    .await;
    (value, end.status)
}

/// Mark every stage after `failed` as skipped, saying why.
async fn skip_after(cx: &Cx, failed: Stage, why: &str) {
    for s in Stage::ALL.into_iter().filter(|s| *s > failed) {
        cx.send(Event::StageFinished {
            stage: s,
            status: Status::Skipped,
            elapsed: Duration::ZERO,
            summary: format!("skipped: {why}"),
        })
        .await;
    }
}

/// Run the whole probe, sending events to `tx`. Ends with [`Event::Done`].
pub async fn run(plan: Plan, tx: mpsc::Sender<Event>) {
    let cx = Cx {
        tx,
        start: Instant::now(),
        config: plan.config.clone(),
    };
    cx.send(Event::Stages(Stage::ALL.to_vec())).await;
    let login_ok = run_stages(&cx, &plan).await;
    cx.send(Event::Done { login_ok }).await;
}

/// A connection whose host key passed the hostkey stage, ready for authentication.
pub(crate) struct Connection {
    pub target: Target,
    pub timeout: Duration,
    pub handle: kex::ProbeHandle,
    pub cell: kex::SeenCell,
    pub addr: std::net::SocketAddr,
    pub policy: Arc<kex::HostKeyPolicy>,
    /// The host key is recorded and matches (not merely "unknown, let through").
    pub host_key_known: bool,
    /// ssh goes on with public-key authentication only (a changed key under
    /// StrictHostKeyChecking no): no password, no keyboard-interactive.
    pub pubkey_only: bool,
    /// ssh itself stops at the host key (e.g. an unknown key under StrictHostKeyChecking yes);
    /// the connection stays open for sshdoctor's own use (onboarding's verify step) only.
    pub ssh_stops: Option<String>,
    /// The key is not recorded for this host (ssh would ask, or record it and go on).
    pub key_is_new: bool,
    /// The server's identification line (`SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3`).
    pub server_ident: String,
}

/// The stages from config to hostkey; None when one failed (the later stages are then
/// reported skipped).
pub(crate) async fn connect(cx: &Cx, plan: &Plan) -> Option<Connection> {
    let (target, _) = stage(cx, Stage::Config, config_stage(cx, plan)).await;
    let Some(target) = target else {
        skip_after(cx, Stage::Config, "the configuration could not be used").await;
        return None;
    };
    let timeout = plan
        .timeout
        .or(target.connect_timeout)
        .unwrap_or(DEFAULT_TIMEOUT);
    let (addrs, _) = stage(cx, Stage::Dns, net::dns_stage(cx, &target, timeout)).await;
    let Some(addrs) = addrs else {
        skip_after(cx, Stage::Dns, "the host name did not resolve").await;
        return None;
    };
    let (tcp, _) = stage(cx, Stage::Tcp, net::tcp_stage(cx, &target, &addrs, timeout)).await;
    let Some(tcp) = tcp else {
        skip_after(cx, Stage::Tcp, "no TCP connection").await;
        return None;
    };
    let (banner, _) = stage(
        cx,
        Stage::Banner,
        net::banner_stage(cx, tcp, &target, timeout),
    )
    .await;
    let Some(banner) = banner else {
        skip_after(cx, Stage::Banner, "no SSH-2 server answered").await;
        return None;
    };
    // ssh moves the host key types it already knows for this host to the front of its
    // proposal (with the default HostKeyAlgorithms), so the probe must too; the rest of ssh's
    // host-key rules are read here too, before the key exchange.
    let addr = banner.stream.peer_addr().ok();
    let names = hostkey::lookup_names(cx, &target, addr.map(|a| a.ip()));
    let known_hosts = hostkey::load(cx, &names);
    let mut target = target;
    let rules =
        hostkey::prepare(cx, &mut target, &known_hosts, addr.map(|a| a.ip()), timeout).await;
    let policy = Arc::new(kex::HostKeyPolicy {
        known_hosts,
        host: target.hostname.clone(),
        port: target.port,
        alias: target.host_key_alias.clone(),
        rules,
        judged: std::sync::Mutex::new(None),
    });
    let server_ident = banner.ident.clone();
    let (connected, kex_status) = stage(
        cx,
        Stage::Kex,
        kex::kex_stage(cx, plan, &target, banner, policy.clone(), timeout),
    )
    .await;
    let Some(connected) = connected else {
        let why = if kex_status == Status::Warn {
            "sshdoctor cannot speak the algorithm ssh would use (probe.unsupported_algorithm)"
        } else {
            "the key exchange did not complete"
        };
        skip_after(cx, Stage::Kex, why).await;
        return None;
    };
    let (passage, _) = stage(
        cx,
        Stage::Hostkey,
        hostkey::hostkey_stage(cx, &target, &policy, &connected),
    )
    .await;
    let (true, Some(handle), Some(addr)) = (passage.go_on, connected.handle, addr) else {
        let why = passage
            .ssh_stops
            .map(|why| format!("{why}; nothing is sent to this server"));
        skip_after(
            cx,
            Stage::Hostkey,
            why.as_deref()
                .unwrap_or("the host key is not trusted: nothing is sent to this server"),
        )
        .await;
        return None;
    };
    Some(Connection {
        target,
        timeout,
        handle,
        cell: connected.cell,
        addr,
        policy,
        host_key_known: passage.key_known,
        pubkey_only: passage.pubkey_only,
        ssh_stops: passage.ssh_stops,
        key_is_new: passage.key_is_new,
        server_ident,
    })
}

async fn run_stages(cx: &Cx, plan: &Plan) -> bool {
    let Some(c) = connect(cx, plan).await else {
        return false;
    };
    let decide_first = plan.first_contact == FirstContact::Decide && c.key_is_new;
    let stop = c.ssh_stops.clone().or_else(|| {
        decide_first.then(|| {
            "the host key is new: decide whether to trust it first; nothing was sent".to_string()
        })
    });
    if decide_first && c.ssh_stops.is_none() {
        cx.fact(Stage::Hostkey, "waiting_for_trust", "yes").await;
    }
    if let Some(why) = &stop {
        let _ = c
            .handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
        skip_after(cx, Stage::Hostkey, why).await;
        return false;
    }
    let (target, timeout, ident) = (c.target, c.timeout, c.server_ident);
    let input = auth::AuthInput {
        handle: c.handle,
        cell: c.cell,
        addr: c.addr,
        policy: c.policy,
        timeout,
        host_key_known: c.host_key_known,
        server: banner::Server::from_ident(&ident),
        pubkey_only: c.pubkey_only,
    };
    let (session, auth_status) =
        stage(cx, Stage::Auth, auth::auth_stage(cx, plan, &target, input)).await;
    let Some((handle, facts, relogin)) = session else {
        skip_after(cx, Stage::Auth, "no login").await;
        return false;
    };
    let link = link::Link::new(handle, relogin);
    let ((ok, fetched), _) = stage(
        cx,
        Stage::Session,
        session::session_stage(cx, &link, &target.user, timeout),
    )
    .await;
    match fetched {
        Some(fetched) => {
            stage(cx, Stage::Remote, async {
                let parts = (&link, ident.as_str(), ok, fetched);
                let end = remote::remote_stage(cx, plan, &target, parts, &facts, timeout).await;
                ((), end)
            })
            .await;
        }
        None => skip_after(cx, Stage::Session, "the session checks did not finish").await,
    }
    link.close().await;
    ok && auth_status != Status::Fail
}

/// What the config stage settles for the network stages.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The host as typed (alias).
    pub original_host: String,
    /// The name or address connected to, and where it came from.
    pub hostname: String,
    pub hostname_origin: Origin,
    pub port: u16,
    pub port_origin: Origin,
    pub user: String,
    /// `any`, `inet` or `inet6`.
    pub address_family: String,
    /// ConnectTimeout, when configured.
    pub connect_timeout: Option<Duration>,
    /// HostKeyAlias, when configured: the name known_hosts is searched for instead.
    pub host_key_alias: Option<String>,
    pub algorithms: ClientAlgorithms,
}

impl Target {
    /// The name ssh looks up in known_hosts: HostKeyAlias, else `host` or `[host]:port`.
    pub(crate) fn known_hosts_name(&self) -> String {
        crate::known_hosts::lookup_name(&self.hostname, self.port, self.host_key_alias.as_deref())
    }
}

async fn config_stage(cx: &Cx, plan: &Plan) -> (Option<Target>, StageEnd) {
    let cfg = &plan.config;
    for path in &cfg.files_read {
        cx.log(
            Stage::Config,
            Level::Debug1,
            format!("Reading configuration data {}", path.display()),
        )
        .await;
    }
    let settings: Vec<Setting> = cfg
        .settings()
        .into_iter()
        .map(|(keyword, value, origin)| Setting {
            keyword,
            value,
            origin: cx.origin(&origin),
        })
        .collect();
    for s in &settings {
        cx.log(
            Stage::Config,
            Level::Debug3,
            format!("{} {} ({})", s.keyword, s.value, s.origin),
        )
        .await;
    }
    cx.send(Event::Destination(settings)).await;

    let version = plan.openssh.as_ref().map(|(_, v)| *v);
    let describe = |o: &Origin| cx.origin(o);
    let verdict = crate::config_verdict::judge(cfg, &plan.input, version, &describe);
    for (level, text) in verdict.logs {
        cx.log(Stage::Config, level, text).await;
    }
    for (key, value) in verdict.facts {
        cx.fact(Stage::Config, &key, value).await;
    }
    let mut warned = !verdict.findings.is_empty();
    let mut refused_config = verdict.refused;
    for f in verdict.findings {
        cx.finding(f).await;
    }
    let rules =
        crate::identities::PermRules::for_client(plan.openssh.as_ref().map(|(t, _)| t.as_str()));
    for problem in crate::identities::local_problems(cfg, rules) {
        let path = problem.path.display().to_string();
        let (f, wanted) = match problem.kind {
            LocalProblemKind::ConfigBadPermissions { mode, owner } => {
                refused_config = true;
                let f = finding(
                    "config.bad_permissions",
                    Stage::Config,
                    format!("{path} has mode {mode:04o} and owner uid {owner}: OpenSSH refuses to run (\"Bad owner or permissions on {path}\")."),
                )
                .evidence(format!("{path}: mode {mode:04o}, owner uid {owner}"));
                (f, (mode, 0o600))
            }
            LocalProblemKind::SshDirPermissions { mode } => {
                let f = finding(
                    "local.ssh_dir_permissions",
                    Stage::Config,
                    format!("{path} has mode {mode:04o}: others can write to it."),
                )
                .evidence(format!("{path}: mode {mode:04o}"));
                (f, (mode, 0o700))
            }
            LocalProblemKind::ConfigGroupWritableAccepted { mode, gid } => {
                cx.log(
                    Stage::Config,
                    Level::Info,
                    format!("{path} has mode {mode:04o}, writable by group {gid}: the user's own private group, which the installed (Debian) ssh accepts; upstream OpenSSH would refuse it"),
                )
                .await;
                continue;
            }
        };
        let mut f = f;
        f.actions.extend(crate::repair::permissions_action(&[(
            problem.path.clone(),
            wanted.0,
            wanted.1,
        )]));
        warned = true;
        cx.finding(f).await;
    }
    for d in &cfg.unevaluated {
        let place = cx.origin(&Origin::File {
            path: d.path.clone(),
            line: d.line,
        });
        cx.log(
            Stage::Config,
            Level::Info,
            format!("{place}: {}", d.message),
        )
        .await;
    }
    for kw in ["proxyjump", "proxycommand"] {
        if let Some(v) = cfg
            .get(kw)
            .filter(|v| !v.value.eq_ignore_ascii_case("none"))
        {
            cx.log(
                Stage::Config,
                Level::Info,
                format!(
                    "{kw} {} ({}) is set: ssh would connect through it, but this version of sshdoctor probes the host directly",
                    v.value,
                    cx.origin(&v.origin)
                ),
            )
            .await;
            warned = true;
        }
    }

    let hostname = cfg.hostname();
    let (port, port_origin) = cfg.port();
    let user = cfg.user().value.clone();
    let address_family = cfg
        .get("addressfamily")
        .map_or_else(|| "any".to_string(), |v| v.value.to_ascii_lowercase());
    let connect_timeout = cfg
        .get("connecttimeout")
        .and_then(|v| v.value.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs);

    let mut algorithms = ClientAlgorithms::default();
    for (i, kind) in [
        AlgKind::Kex,
        AlgKind::HostKey,
        AlgKind::Cipher,
        AlgKind::Mac,
    ]
    .into_iter()
    .enumerate()
    {
        let configured = cfg.get(kind.keyword());
        // A list ssh refuses is already a config.invalid_value finding; probe with the defaults.
        let list =
            crate::algorithms::effective(version, kind, configured.map(|v| v.value.as_str()))
                .or_else(|_| crate::algorithms::effective(version, kind, None))
                .unwrap_or_default();
        algorithms.origins[i] = configured.map(|v| v.origin.clone());
        match i {
            0 => algorithms.kex = list,
            1 => algorithms.host_key = list,
            2 => algorithms.cipher = list,
            _ => algorithms.mac = list,
        }
    }
    match &plan.openssh {
        Some((text, _)) => {
            cx.log(
                Stage::Config,
                Level::Debug1,
                format!("Judging against the installed client: {text}"),
            )
            .await
        }
        None => {
            cx.log(
                Stage::Config,
                Level::Info,
                "No ssh client found; judging against the defaults of the newest OpenSSH release",
            )
            .await
        }
    }

    let summary = if hostname.value != cfg.original_host() {
        format!(
            "{user}@{} port {port} (alias {})",
            hostname.value,
            cfg.original_host()
        )
    } else {
        format!("{user}@{} port {port}", hostname.value)
    };
    let target = Target {
        original_host: cfg.original_host().to_string(),
        hostname: hostname.value.clone(),
        hostname_origin: hostname.origin.clone(),
        port,
        port_origin,
        user,
        address_family,
        connect_timeout,
        host_key_alias: cfg.get("hostkeyalias").map(|v| v.value.clone()),
        algorithms,
    };
    let status = if refused_config {
        Status::Fail
    } else if warned {
        Status::Warn
    } else {
        Status::Pass
    };
    (Some(target), StageEnd::new(status, summary))
}
