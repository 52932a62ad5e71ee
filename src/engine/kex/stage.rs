//! The key-exchange stage: the server's KEXINIT read from the tap, a finding for each category
//! with no algorithm in common, the host key the probe saw, and the verdict.

use super::support::{log_probe_substitutes, probe_gap, unsupported, Gap};
use super::{
    compare, handshake, log_negotiated, log_proposals, no_common_finding, seen, short_version,
    Connected, HostKeyPolicy, HostKeySeen, Mismatch,
};
use crate::algorithms::{self, KexInit, PacketState};
use crate::engine::net::BannerConn;
use crate::engine::stream::Tap;
use crate::engine::{ClientAlgorithms, Cx, Plan, StageEnd, Target};
use crate::event::{Level, Stage, Status};
use crate::findings::keyed;
use crate::i18n::Text;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What went wrong in the probe's handshake, for evidence.
struct Trouble {
    /// The probe's own error.
    probe_error: Option<String>,
    /// The server's disconnect message.
    disconnect: Option<String>,
}

/// The key exchange ssh would make: each category compared as OpenSSH does, then the probe's
/// host key handed on (also past a mismatch only OpenSSH has, so later stages still run).
pub(in crate::engine) async fn kex_stage(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    conn: BannerConn,
    policy: Arc<HostKeyPolicy>,
    timeout: Duration,
) -> (Option<Connected>, StageEnd) {
    let ours = &t.algorithms;
    cx.log(Stage::Kex, Level::Debug1, "SSH2_MSG_KEXINIT sent")
        .await;
    let (result, cell, tap) = handshake(t, conn, policy, timeout).await;
    let (handle, probe_error) = match result {
        Ok(h) => (Some(h), None),
        Err(e) => (None, Some(e)),
    };
    let (seen_key, check, disconnect) = {
        let s = seen(&cell);
        (s.host_key.clone(), s.check.clone(), s.disconnect.clone())
    };
    let trouble = Trouble {
        probe_error,
        disconnect,
    };
    let server = match server_kexinit(&tap) {
        Ok(kexinit) => kexinit,
        Err(why) => return (None, no_kexinit(cx, t, why, &trouble).await),
    };
    cx.log(Stage::Kex, Level::Debug1, "SSH2_MSG_KEXINIT received")
        .await;
    log_proposals(cx, ours, &server).await;
    let problems = no_common(cx, plan, t, ours, &server).await;
    if problems.is_empty() && seen_key.is_none() {
        if let Some(gap) = probe_gap(ours, &server) {
            return (None, cannot_speak(cx, t, &gap).await);
        }
    }
    log_outcome(cx, ours, &server, &problems, seen_key.is_some(), &trouble).await;
    let mut failed = !problems.is_empty();
    if !host_key(cx, t, seen_key.as_ref(), failed, &trouble).await {
        failed = true;
    }
    // Past a mismatch only OpenSSH has, the probe's connection still lets later stages run.
    let connected = match (seen_key, check) {
        (Some(host_key), Some(check)) => Some(Connected {
            host_key,
            check,
            handle,
            cell,
        }),
        _ => None,
    };
    (connected, verdict(ours, &server, &problems, failed))
}

/// The server's KEXINIT as the tap recorded it; Err: why there is none.
fn server_kexinit(tap: &Arc<Mutex<Tap>>) -> Result<KexInit, Text> {
    let server = {
        let tap = tap.lock().unwrap_or_else(|e| e.into_inner());
        match algorithms::take_packet(&tap.bytes) {
            PacketState::Packet { payload, .. } => {
                Some(algorithms::parse_kexinit(&payload).map_err(|e| e.to_string()))
            }
            PacketState::Invalid(why) => Some(Err(why)),
            PacketState::NeedMore => None,
        }
    };
    match server {
        Some(Ok(kexinit)) => Ok(kexinit),
        Some(Err(e)) => Err(crate::text!("engine.kex.invalid_kexinit", error = e)),
        None => Err(crate::text!("engine.kex.no_kexinit")),
    }
}

/// `kex.failed`: the server sent no valid KEXINIT.
async fn no_kexinit(cx: &Cx, t: &Target, why: Text, trouble: &Trouble) -> StageEnd {
    let detail = crate::text!(
        "engine.kex.failed_detail",
        host = &t.hostname,
        port = t.port,
        why = why.clone(),
    );
    let mut f = keyed("kex.failed", Stage::Kex, detail);
    if let Some(d) = &trouble.disconnect {
        f = f.evidence(format!("server disconnected: {d}"));
    }
    if let Some(e) = &trouble.probe_error {
        f = f.evidence(format!("probe: {e}"));
    }
    cx.say(Stage::Kex, Level::Info, why).await;
    cx.finding(f).await;
    StageEnd::text(Status::Fail, crate::text!("engine.kex.no_kex_summary"))
}

/// Each category with no algorithm in common, logged as ssh does, with its finding.
async fn no_common(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    ours: &ClientAlgorithms,
    server: &KexInit,
) -> Vec<Mismatch> {
    let version = plan
        .openssh
        .as_ref()
        .map(|(text, _)| short_version(text))
        .unwrap_or_else(|| "OpenSSH".into());
    let problems = compare(ours, server);
    for p in &problems {
        let f = no_common_finding(cx, plan, t, &version, p);
        cx.log(
            Stage::Kex,
            Level::Info,
            format!(
                "Unable to negotiate with {} port {}: no matching {} found. Their offer: {}",
                t.hostname,
                t.port,
                p.kind_words,
                p.server.join(",")
            ),
        )
        .await;
        cx.finding(f).await;
    }
    problems
}

/// ssh would use an algorithm the probe cannot speak: the stage stops with a warning.
async fn cannot_speak(cx: &Cx, t: &Target, gap: &Gap) -> StageEnd {
    unsupported(cx, t, gap).await;
    StageEnd::text(
        Status::Warn,
        crate::text!("engine.kex.cannot_speak_summary", alg = &gap.ssh_choice),
    )
}

/// What was negotiated (or how the probe went on past a mismatch), and the server's
/// disconnect message.
async fn log_outcome(
    cx: &Cx,
    ours: &ClientAlgorithms,
    server: &KexInit,
    problems: &[Mismatch],
    key_seen: bool,
    trouble: &Trouble,
) {
    if problems.is_empty() {
        log_probe_substitutes(cx, ours, server).await;
    }
    if !problems.is_empty() {
        let said = if key_seen {
            crate::text!("engine.kex.probe_went_on")
        } else {
            crate::text!("engine.kex.probe_cannot_either")
        };
        cx.say(Stage::Kex, Level::Info, said).await;
    } else {
        log_negotiated(cx, ours, server).await;
    }
    if let Some(d) = &trouble.disconnect {
        let said = crate::text!("engine.kex.server_disconnected", message = d);
        cx.say(Stage::Kex, Level::Info, said).await;
    }
}

/// The host key the probe saw, logged and recorded; false when it saw none (with `kex.failed`
/// unless a mismatch already `failed` the stage).
async fn host_key(
    cx: &Cx,
    t: &Target,
    seen_key: Option<&HostKeySeen>,
    failed: bool,
    trouble: &Trouble,
) -> bool {
    if let Some(k) = seen_key {
        cx.log(
            Stage::Kex,
            Level::Debug1,
            format!("Server host key: {}", k.describe()),
        )
        .await;
        cx.fact(Stage::Kex, "host_key", k.describe()).await;
        if let HostKeySeen::Key(key) = k {
            if let Ok(line) = key.to_openssh() {
                cx.fact(Stage::Kex, "host_key_openssh", line).await;
            }
        }
        return true;
    }
    if let Some(e) = &trouble.probe_error {
        let said = crate::text!("engine.kex.probe_ended", error = e);
        cx.say(Stage::Kex, Level::Debug1, said).await;
    }
    if !failed {
        let detail = crate::text!(
            "engine.kex.incomplete_detail",
            host = &t.hostname,
            port = t.port,
        );
        let mut f = keyed("kex.failed", Stage::Kex, detail);
        if let Some(e) = &trouble.probe_error {
            f = f.evidence(format!("probe: {e}"));
        }
        if let Some(d) = &trouble.disconnect {
            f = f.evidence(format!("server disconnected: {d}"));
        }
        cx.finding(f).await;
    }
    false
}

/// The stage's end: the categories with nothing in common, or what ssh would negotiate.
pub(super) fn verdict(
    ours: &ClientAlgorithms,
    server: &KexInit,
    problems: &[Mismatch],
    failed: bool,
) -> StageEnd {
    if failed {
        let summary = if problems.is_empty() {
            crate::text!("engine.kex.failed_summary")
        } else {
            let what = problems.iter().map(|p| super::kind_text(p.short));
            crate::text!(
                "engine.kex.no_common_summary",
                what = super::list_text(what)
            )
        };
        return StageEnd::text(Status::Fail, summary);
    }
    let kex = algorithms::negotiate(&ours.kex, &algorithms::without_markers(&server.kex))
        .unwrap_or_default();
    let cipher = algorithms::negotiate(&ours.cipher, &server.ciphers_s2c).unwrap_or_default();
    StageEnd::new(Status::Pass, format!("{kex}, {cipher}"))
}
