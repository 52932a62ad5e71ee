//! The hops of a login: every host ssh goes through (ProxyJump, `-J`, a ProxyCommand that is
//! an ssh to a jump host), each probed with its own stages and configuration. The first hop is
//! reached over TCP (or a ProxyCommand), each later one through the hop before it (the forward
//! stage); each jump host is logged in to as ssh would; a hop that fails skips the later ones.

mod chain;
mod recognise;

pub(crate) use chain::HopSpec;

use super::transport::{Dialer, Jump, Transport};
use super::{
    auth, auth_input, forward, net, proxy, secure, skip_after, stage, stop_at_host_key, Connection,
    Cx, Plan, Target, DEFAULT_TIMEOUT,
};
use crate::event::{Event, HopPlan, Stage, Status, Via};
use std::sync::Arc;
use std::time::Duration;

/// One hop ready to probe: what it is, its plan (its own configuration) and its context.
struct Hop {
    spec: HopSpec,
    plan: Plan,
    cx: Cx,
}

/// Every stage up to the destination's host key; None when one failed.
pub(crate) async fn connect(cx: &Cx, plan: &Plan) -> Option<Connection> {
    connect_for_login(cx, plan).await.map(|(c, _, _)| c)
}

/// Announce the hops, run every config stage, then reach each hop in order (logging in to
/// each jump host); the destination's connection, with its context and plan.
pub(crate) async fn connect_for_login(cx: &Cx, plan: &Plan) -> Option<(Connection, Cx, Plan)> {
    let chain = chain::resolve(&plan.input, &plan.config);
    let hops = prepare(cx, plan, chain);
    let announced = hops.iter().map(|h| announce(&h.spec, &h.cx.stages));
    cx.send(Event::Hops(announced.collect())).await;
    let mut targets = configure(&hops).await.into_iter();
    let last = hops.len() - 1;
    let mut via: Option<Jump> = None;
    for (i, hop) in hops.iter().enumerate().take(last) {
        let conn = reach(hop, targets.next()?, via.as_ref()).await;
        let jump = match conn {
            Some(conn) => login(hop, conn, via.take()).await,
            None => None,
        };
        let Some(jump) = jump else {
            skip_later(&hops[i + 1..], &hop.spec.label).await;
            return None;
        };
        via = Some(jump);
    }
    let conn = reach(&hops[last], targets.next()?, via.as_ref()).await?;
    let hop = hops.into_iter().nth(last)?;
    Some((conn, hop.cx, hop.plan))
}

/// Each hop's plan and context.
fn prepare(cx: &Cx, plan: &Plan, chain: Vec<HopSpec>) -> Vec<Hop> {
    let last = chain.len().saturating_sub(1);
    (chain.into_iter().enumerate())
        .map(|(i, spec)| {
            let stages = stages(&spec, i == last);
            let cx = cx.for_hop(i, spec.config.clone(), stages);
            let plan = Plan {
                config: spec.config.clone(),
                input: spec.input.clone(),
                ..plan.clone()
            };
            Hop { spec, plan, cx }
        })
        .collect()
}

/// A hop's stages: how it is reached, then the SSH stages; the session and the server side on
/// the destination only.
fn stages(spec: &HopSpec, destination: bool) -> Vec<Stage> {
    let mut out = vec![Stage::Config];
    match spec.via {
        Via::Tcp => out.extend([Stage::Dns, Stage::Tcp]),
        Via::Forward | Via::Netcat => out.push(Stage::Forward),
        Via::Proxy => out.push(Stage::Proxy),
    }
    out.extend([Stage::Banner, Stage::Kex, Stage::Hostkey, Stage::Auth]);
    if destination {
        out.extend([Stage::Session, Stage::Remote]);
    }
    out
}

fn announce(spec: &HopSpec, stages: &[Stage]) -> HopPlan {
    let cfg = &spec.config;
    HopPlan {
        host: spec.label.clone(),
        user: cfg.user().value.clone(),
        hostname: cfg.hostname().value.clone(),
        port: cfg.port().0,
        via: spec.via,
        stages: stages.to_vec(),
    }
}

/// The hops of `plan`'s login as [`Event::Hops`] announces them, resolved without connecting
/// anywhere.
pub(crate) fn plans(plan: &Plan) -> Vec<HopPlan> {
    let chain = chain::resolve(&plan.input, &plan.config);
    let last = chain.len().saturating_sub(1);
    (chain.iter().enumerate())
        .map(|(i, spec)| announce(spec, &stages(spec, i == last)))
        .collect()
}

/// The config stages, as ssh reads the configurations: the destination's first, then each
/// jump host's from the last back (each ssh started for a hop reads its own).
async fn configure(hops: &[Hop]) -> Vec<Target> {
    let several = hops.len() > 1;
    let mut targets = Vec::with_capacity(hops.len());
    for (i, hop) in hops.iter().enumerate().rev() {
        let destination = i + 1 == hops.len();
        let body = super::config_stage(&hop.cx, &hop.plan, &hop.spec, destination);
        let (target, _) = stage(&hop.cx, Stage::Config, body).await;
        let mut target = target.expect("the config stage always settles a target");
        target.hop = several.then(|| hop.spec.label.clone());
        target.via = match hop.spec.via {
            Via::Tcp => None,
            Via::Proxy => Some("the ProxyCommand".to_string()),
            Via::Forward | Via::Netcat => hops.get(i.wrapping_sub(1)).map(|h| h.spec.label.clone()),
        };
        targets.push(target);
    }
    targets.reverse();
    targets
}

/// Open the hop's transport (TCP, forward or ProxyCommand), then banner, key exchange and host
/// key; None when a stage failed (its later stages are reported skipped).
async fn reach(hop: &Hop, target: Target, via: Option<&Jump>) -> Option<Connection> {
    let cx = &hop.cx;
    let timeout = hop
        .plan
        .timeout
        .or(target.connect_timeout)
        .unwrap_or(DEFAULT_TIMEOUT);
    let (opened, at) = match (hop.spec.via, via) {
        (Via::Forward, Some(j)) => {
            let body = forward::forward_stage(cx, j, &target, timeout);
            (stage(cx, Stage::Forward, body).await.0, Stage::Forward)
        }
        (Via::Netcat, Some(j)) => {
            let command = hop.spec.netcat.clone().unwrap_or_default();
            let body = forward::netcat_stage(cx, j, &target, &command, timeout);
            (stage(cx, Stage::Forward, body).await.0, Stage::Forward)
        }
        (Via::Proxy, _) => match &hop.spec.proxy {
            Some(spec) => {
                let body = proxy::proxy_stage(cx, spec.clone(), timeout);
                (stage(cx, Stage::Proxy, body).await.0, Stage::Proxy)
            }
            None => (None, Stage::Proxy),
        },
        _ => (direct(cx, &target, timeout).await, Stage::Tcp),
    };
    let Some(opened) = opened else {
        match (at, via) {
            (Stage::Forward, Some(j)) => {
                let why = crate::text!("engine.hops.did_not_forward", jump = &j.name);
                super::skip_after_said(cx, at, why).await;
            }
            (Stage::Proxy, _) => skip_after(cx, at, "the ProxyCommand did not connect").await,
            _ => skip_after(cx, at, "no TCP connection").await,
        }
        return None;
    };
    secure(cx, &hop.plan, target, opened, timeout).await
}

/// The DNS and TCP stages of a hop reached from this machine.
async fn direct(cx: &Cx, target: &Target, timeout: Duration) -> Option<(Transport, Dialer)> {
    let (addrs, _) = stage(cx, Stage::Dns, net::dns_stage(cx, target, timeout)).await;
    let Some(addrs) = addrs else {
        skip_after(cx, Stage::Dns, "the host name did not resolve").await;
        return None;
    };
    let (tcp, _) = stage(cx, Stage::Tcp, net::tcp_stage(cx, target, &addrs, timeout)).await;
    let (stream, addr) = tcp?;
    Some((Box::new(stream), Dialer::Tcp(addr)))
}

/// Log in to a jump host as ssh would (its own keys, its own MaxAuthTries); None when ssh
/// would not get past it. `before` is the jump host it was reached through, kept open.
async fn login(hop: &Hop, conn: Connection, before: Option<Jump>) -> Option<Jump> {
    let (cx, plan) = (&hop.cx, &hop.plan);
    if stop_at_host_key(cx, plan, &conn).await {
        return None;
    }
    let (target, input, _) = auth_input(conn);
    let (session, status) =
        stage(cx, Stage::Auth, auth::auth_stage(cx, plan, &target, input)).await;
    let (conn, _, _) = session.filter(|_| status != Status::Fail)?;
    Some(Jump {
        name: hop.spec.label.clone(),
        handle: Arc::new(conn.handle),
        cell: conn.cell,
        before: before.map(Arc::new),
    })
}

/// Mark every stage of the later hops (their config stages ran already) skipped.
async fn skip_later(later: &[Hop], failed: &str) {
    let why = crate::text!("engine.hops.through_failed", failed = failed);
    let why = crate::text!("summary.skipped", why = why);
    for hop in later {
        for s in hop.cx.stages.iter().filter(|s| **s != Stage::Config) {
            hop.cx
                .send(Event::StageFinished {
                    said: Some(why.clone()),
                    hop: hop.cx.hop,
                    stage: *s,
                    status: Status::Skipped,
                    elapsed: Duration::ZERO,
                    summary: why.english(),
                })
                .await;
        }
    }
}
