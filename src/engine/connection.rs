//! A connection to one hop once its transport is open: the banner, key-exchange and host-key
//! stages over it, where the probe stops at a host key, and what authentication needs from it.

use super::{
    auth, banner, hostkey, kex, net, skip_after, stage, transport, Cx, FirstContact, Plan, Target,
};
use crate::event::{Stage, Status};
use std::sync::Arc;
use std::time::Duration;

/// A connection whose host key passed the hostkey stage, ready for authentication.
pub(crate) struct Connection {
    pub target: Target,
    pub timeout: Duration,
    pub handle: kex::ProbeHandle,
    pub cell: kex::SeenCell,
    /// How to open another connection the same way (TCP, or through the jump hosts, which
    /// it keeps open).
    pub dial: transport::Dialer,
    pub policy: Arc<kex::HostKeyPolicy>,
    /// The host key is recorded and matches (not merely "unknown, let through").
    pub host_key_known: bool,
    /// ssh goes on with public-key authentication only (a changed key under
    /// StrictHostKeyChecking no): no password, no keyboard-interactive.
    pub pubkey_only: bool,
    /// ssh itself stops at the host key (e.g. an unknown key under StrictHostKeyChecking yes);
    /// the connection stays open for sshdoctor's own use (onboarding's verify step) only.
    pub ssh_stops: Option<crate::i18n::Text>,
    /// The key is not recorded for this host (ssh would ask, or record it and go on).
    pub key_is_new: bool,
    /// The server's identification line (`SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3`).
    pub server_ident: String,
}

/// Banner, key exchange and host key over a transport already open; None when one failed
/// (the hop's later stages are then reported skipped).
pub(crate) async fn secure(
    cx: &Cx,
    plan: &Plan,
    target: Target,
    opened: (transport::Transport, transport::Dialer),
    timeout: Duration,
) -> Option<Connection> {
    let (stream, dial) = opened;
    let (banner, _) = stage(
        cx,
        Stage::Banner,
        net::banner_stage(cx, stream, &target, timeout),
    )
    .await;
    let Some(banner) = banner else {
        skip_after(cx, Stage::Banner, "no SSH-2 server answered").await;
        return None;
    };
    let mut target = target;
    let policy = host_key_policy(cx, &mut target, &dial, timeout).await;
    let server_ident = banner.ident.clone();
    let (connected, kex_status) = stage(
        cx,
        Stage::Kex,
        kex::kex_stage(cx, plan, &target, banner, policy.clone(), timeout),
    )
    .await;
    let Some(connected) = connected else {
        skip_after(cx, Stage::Kex, kex_skipped(kex_status)).await;
        return None;
    };
    let (passage, _) = stage(
        cx,
        Stage::Hostkey,
        hostkey::hostkey_stage(cx, &target, &policy, &connected),
    )
    .await;
    let (true, Some(handle)) = (passage.go_on, connected.handle) else {
        match passage.ssh_stops {
            Some(why) => {
                let why = crate::text!("engine.connection.nothing_sent", why = why);
                super::skip_after_said(cx, Stage::Hostkey, why).await;
            }
            None => skip_after(cx, Stage::Hostkey, HOSTKEY_UNTRUSTED).await,
        }
        return None;
    };
    Some(Connection {
        target,
        timeout,
        handle,
        cell: connected.cell,
        dial,
        policy,
        host_key_known: passage.key_known,
        pubkey_only: passage.pubkey_only,
        ssh_stops: passage.ssh_stops,
        key_is_new: passage.key_is_new,
        server_ident,
    })
}

/// The host-key rules ssh applies to this host, read before the key exchange: ssh moves the
/// host key types it already knows for this host to the front of its proposal (with the
/// default HostKeyAlgorithms), so the probe must too.
async fn host_key_policy(
    cx: &Cx,
    target: &mut Target,
    dial: &transport::Dialer,
    timeout: Duration,
) -> Arc<kex::HostKeyPolicy> {
    let addr = dial.peer();
    let names = hostkey::lookup_names(cx, target, addr.map(|a| a.ip()));
    let known_hosts = hostkey::load(cx, &names);
    let rules = hostkey::prepare(cx, target, &known_hosts, addr.map(|a| a.ip()), timeout).await;
    Arc::new(kex::HostKeyPolicy {
        known_hosts,
        host: target.hostname.clone(),
        port: target.port,
        alias: target.host_key_alias.clone(),
        rules,
        judged: std::sync::Mutex::new(None),
    })
}

/// Why the later stages are skipped when the key exchange did not complete: a warning means
/// sshdoctor cannot speak what ssh would use.
fn kex_skipped(kex_status: Status) -> &'static str {
    if kex_status == Status::Warn {
        "sshdoctor cannot speak the algorithm ssh would use (probe.unsupported_algorithm)"
    } else {
        "the key exchange did not complete"
    }
}

/// Why the later stages are skipped when the host key stops the login and ssh would not have
/// stopped there (when it would, what it says, then "nothing is sent to this server").
const HOSTKEY_UNTRUSTED: &str = "the host key is not trusted: nothing is sent to this server";

/// Where the probe stops after a host key: where ssh itself stops, or (the console) at a new
/// key a person decides on first; the connection is then closed and the hop's later stages
/// skipped.
pub(crate) async fn stop_at_host_key(cx: &Cx, plan: &Plan, c: &Connection) -> bool {
    let decide_first = plan.first_contact == FirstContact::Decide && c.key_is_new;
    let stop = c.ssh_stops.clone().or_else(|| {
        decide_first.then(|| {
            crate::text!(
                "summary.the host key is new: decide whether to trust it first; nothing was sent"
            )
        })
    });
    if decide_first && c.ssh_stops.is_none() {
        cx.fact(Stage::Hostkey, "waiting_for_trust", "yes").await;
    }
    let Some(why) = stop else {
        return false;
    };
    let _ = c
        .handle
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;
    super::skip_after_said(cx, Stage::Hostkey, why).await;
    true
}

/// What authentication needs from a connection.
pub(crate) fn auth_input(c: Connection) -> (Target, auth::AuthInput, String) {
    let input = auth::AuthInput {
        handle: c.handle,
        cell: c.cell,
        dial: c.dial,
        policy: c.policy,
        timeout: c.timeout,
        host_key_known: c.host_key_known,
        server: banner::Server::from_ident(&c.server_ident),
        pubkey_only: c.pubkey_only,
    };
    (c.target, input, c.server_ident)
}
