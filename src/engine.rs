//! The probe engine: runs the stages of an ssh login in order and emits typed events.
//!
//! It knows nothing of terminals. Consumers (the report writer, the console) receive
//! [`Event`]s over a channel.

mod auth;
mod banner;
mod config_stage;
mod connection;
mod forward;
mod forward_report;
mod hops;
mod hostkey;
mod kex;
mod link;
mod net;
mod proxy;
pub(crate) mod remote;
mod session;
mod stream;
mod transport;

#[cfg(test)]
mod net_i18n_tests;

pub use banner::{
    parse_ident, read_banner, sanitize, BannerOutcome, Ident, Peer, MAX_BANNER_BYTES,
};

pub(crate) use connection::{auth_input, secure, stop_at_host_key, Connection};
/// Finding text the probe builds, shared with `sshdoctor explain` (a transcript gets the
/// probe's words for the same finding).
pub(crate) mod shared {
    pub(crate) use super::auth::{
        identities_only_fix_keyed, install_advice_keyed, login_refused_fix_keyed,
        login_refused_reasons_keyed, no_accepted_key_causes_keyed, no_mutual_signature_finding,
        pubkey_disabled_fix_keyed, second_factor_keyed,
    };
    pub(crate) use super::banner::{classify_line, Server};
    pub(crate) use super::hostkey::{
        changed_detail_text, changed_fix_text, remove_action, KnownHosts,
    };
    pub(crate) use super::kex::{no_common_keyed, NoCommon};
    pub(crate) use super::net::{connect_failure_said, ConnectFailure};
    pub(crate) use super::session::{no_shell_detail_keyed, sftp_refused};
}

use crate::algorithms::OpenSshVersion;
use crate::config::{Origin, ResolvedConfig};
use crate::event::{Event, Finding, Level, Stage, Status};
use config_stage::config_stage;
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
    /// The config of the hop being probed, for quoting where settings come from.
    pub config: ResolvedConfig,
    /// The hop every event is about (an index into [`Event::Hops`]).
    pub hop: usize,
    /// That hop's stages, in order (a failed stage skips the ones after it).
    pub stages: Vec<Stage>,
}

impl Cx {
    /// A context sending to `tx`, its clock starting now.
    pub(crate) fn new(tx: mpsc::Sender<Event>, config: ResolvedConfig) -> Cx {
        Cx {
            tx,
            start: Instant::now(),
            config,
            hop: 0,
            stages: Stage::ALL.to_vec(),
        }
    }

    /// The same run (channel and clock) about another hop, with that hop's configuration and
    /// stages.
    pub(crate) fn for_hop(&self, hop: usize, config: ResolvedConfig, stages: Vec<Stage>) -> Cx {
        Cx {
            tx: self.tx.clone(),
            start: self.start,
            config,
            hop,
            stages,
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
            hop: self.hop,
            at: self.elapsed(),
            level,
            stage,
            text: text.into(),
            said: None,
        })
        .await;
    }

    /// A log line that explains, in no language yet (front ends show it in theirs).
    pub(crate) async fn say(&self, stage: Stage, level: Level, text: crate::i18n::Text) {
        self.send(Event::Log {
            hop: self.hop,
            at: self.elapsed(),
            level,
            stage,
            text: text.english(),
            said: Some(text),
        })
        .await;
    }

    pub(crate) async fn fact(&self, stage: Stage, key: &str, value: impl Into<String>) {
        self.send(Event::Fact {
            hop: self.hop,
            stage,
            key: key.into(),
            value: value.into(),
        })
        .await;
    }

    pub(crate) async fn finding(&self, f: Finding) {
        self.finding_at(self.hop, f).await;
    }

    /// A finding about another hop than the one probed (a jump host refusing to forward is
    /// found while reaching the next hop, and concerns the jump host).
    pub(crate) async fn finding_at(&self, hop: usize, mut f: Finding) {
        f.hop = hop;
        self.send(Event::Finding(f)).await;
    }

    /// Describe an origin for humans, with `~` for the home directory.
    pub(crate) fn origin(&self, origin: &Origin) -> String {
        origin.describe(&self.config.home)
    }

    /// [`Cx::origin`] in no language yet (`~/.ssh/config line 12` reads "line" in each).
    pub(crate) fn origin_said(&self, origin: &Origin) -> crate::i18n::Text {
        crate::config_verdict::place(origin, &self.config.home)
    }
}

/// How a stage went, as the stage function reports it.
pub(crate) struct StageEnd {
    pub status: Status,
    pub summary: String,
    pub said: Option<crate::i18n::Text>,
}

impl StageEnd {
    pub(crate) fn new(status: Status, summary: impl Into<String>) -> Self {
        StageEnd {
            status,
            summary: summary.into(),
            said: None,
        }
    }

    /// A stage end whose summary is a [`crate::i18n::Text`] (front ends show it in their
    /// language).
    pub(crate) fn text(status: Status, summary: crate::i18n::Text) -> Self {
        StageEnd {
            status,
            summary: summary.english(),
            said: Some(summary),
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
        hop: cx.hop,
        stage,
        at: cx.elapsed(),
    })
    .await;
    let (value, end) = body.await;
    cx.send(Event::StageFinished {
        hop: cx.hop,
        stage,
        status: end.status,
        elapsed: started.elapsed(),
        summary: end.summary,
        said: end.said,
    })
    .await;
    (value, end.status)
}

/// Mark every stage of this hop after `failed` as skipped, saying why (a fixed phrase, which
/// the front ends find in the catalogs' `[summary]` table).
async fn skip_after(cx: &Cx, failed: Stage, why: &str) {
    skip_with(cx, failed, format!("skipped: {why}"), None).await;
}

/// [`skip_after`] with a reason carrying the case's data, in no language yet.
async fn skip_after_said(cx: &Cx, failed: Stage, why: crate::i18n::Text) {
    let said = crate::text!("summary.skipped", why = why);
    skip_with(cx, failed, said.english(), Some(said)).await;
}

async fn skip_with(cx: &Cx, failed: Stage, summary: String, said: Option<crate::i18n::Text>) {
    let after = cx.stages.iter().skip_while(|s| **s != failed).skip(1);
    for s in after {
        cx.send(Event::StageFinished {
            hop: cx.hop,
            stage: *s,
            status: Status::Skipped,
            elapsed: Duration::ZERO,
            summary: summary.clone(),
            said: said.clone(),
        })
        .await;
    }
}

/// The hosts a login to `plan`'s destination goes through, as ssh resolves them (ProxyJump,
/// `-J`, a ProxyCommand that is an ssh to a jump host), first jump host first, the destination
/// last, each with its stages: what the probe announces in [`Event::Hops`], worked out from
/// the configuration alone (nothing is connected or run).
pub fn resolve_hops(plan: &Plan) -> Vec<crate::event::HopPlan> {
    hops::plans(plan)
}

/// Run the whole probe, sending events to `tx`. Ends with [`Event::Done`].
pub async fn run(plan: Plan, tx: mpsc::Sender<Event>) {
    let cx = Cx::new(tx, plan.config.clone());
    let login_ok = run_stages(&cx, &plan).await;
    cx.send(Event::Done { login_ok }).await;
}

/// Every stage up to the destination's host key, through its jump hosts (each logged in to);
/// None when one failed (the later stages are then reported skipped). Announces the hops.
pub(crate) async fn connect(cx: &Cx, plan: &Plan) -> Option<Connection> {
    hops::connect(cx, plan).await
}

async fn run_stages(cx: &Cx, plan: &Plan) -> bool {
    let Some((c, dest_cx, dest_plan)) = hops::connect_for_login(cx, plan).await else {
        return false;
    };
    let (cx, plan) = (&dest_cx, &dest_plan);
    if stop_at_host_key(cx, plan, &c).await {
        return false;
    }
    let timeout = c.timeout;
    let (target, input, ident) = auth_input(c);
    let (session, auth_status) =
        stage(cx, Stage::Auth, auth::auth_stage(cx, plan, &target, input)).await;
    let Some((conn, facts, relogin)) = session else {
        skip_after(cx, Stage::Auth, "no login").await;
        return false;
    };
    let link = link::Link::new(conn.handle, relogin);
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
    /// `[-F FILE] [-p PORT] [-o …] user@host`: what a fix's `ssh`, `ssh-copy-id` or `sshdoctor
    /// onboard` command needs to reach this same account (see [`crate::destination::ssh_args`]).
    pub ssh_args: String,
    /// The hop as the user wrote it, when the login goes through jump hosts (prompts and
    /// messages name it).
    pub hop: Option<String>,
    /// What it is reached through: the jump host before it, or the ProxyCommand.
    pub via: Option<String>,
}

impl Target {
    /// The name ssh looks up in known_hosts: HostKeyAlias, else `host` or `[host]:port`.
    pub(crate) fn known_hosts_name(&self) -> String {
        crate::known_hosts::lookup_name(&self.hostname, self.port, self.host_key_alias.as_deref())
    }
}
