//! What the host-key stage says: log lines, facts and findings for ssh's decision.
//!
//! Severities that depend on the case (the README's findings table states each rule):
//! `hostkey.unknown` is an error when ssh refuses, a warning when it asks or records it under
//! StrictHostKeyChecking no, info under accept-new; `hostkey.changed`, `hostkey.other_type_known`
//! and a `@revoked` `hostkey.revoked` are errors, warnings under StrictHostKeyChecking no (ssh
//! goes on, public-key authentication only); `hostkey.ip_mismatch` is an error when ssh refuses;
//! `hostkey.command_failed` is a warning when ssh merely skips the command.

mod verdict;
pub(crate) mod words;

pub(crate) use verdict::{changed_detail_text, changed_fix_text};
pub(crate) use words::{ip_skipped_text, phrase_text, why_text};

use super::command::CommandRun;
use super::judge::Judgement;
use super::KnownHosts;
use crate::engine::kex::{HostKeyPolicy, HostKeySeen};
use crate::engine::{Cx, StageEnd, Target};
use crate::event::{Finding, Level, Severity, Stage, Status};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::known_hosts;
use crate::known_hosts::revoked::RevokedCheck;
use crate::localfile::{self, LocalFileError};

/// Report the judgement; returns the stage's end.
pub(super) async fn report(
    cx: &Cx,
    t: &Target,
    policy: &HostKeyPolicy,
    seen: &HostKeySeen,
    j: &Judgement,
) -> StageEnd {
    let kh = &policy.known_hosts;
    let name = t.known_hosts_name();
    log_sources(cx, kh).await;
    key_facts(cx, seen).await;
    let rules = &policy.rules;
    cx.fact(Stage::Hostkey, "hostkey_policy", rules.described.clone())
        .await;
    let why = match &rules.blocked {
        Some(b) if b.english() == j.why => b.clone(),
        _ => why_text(&j.why),
    };
    let said = crate::text!(
        "engine.hostkey.policy_log",
        described = rules.described_text.clone(),
        action = phrase_text(j.outcome),
        why = why,
    );
    cx.say(Stage::Hostkey, Level::Info, said).await;
    cx.fact(Stage::Hostkey, "hostkey_outcome", j.outcome.word())
        .await;
    let mut warned = malformed(cx, j).await | unreadable(cx, kh).await;
    if let Some(why) = &rules.blocked {
        return StageEnd::text(Status::Fail, why.clone());
    }
    for run in &j.command_runs {
        log_command(cx, run).await;
    }
    if let Some(f) = rules.order_run.as_ref().and_then(command_finding) {
        warned = true;
        cx.finding(f).await;
    }
    for f in j.command_runs.iter().filter_map(command_finding) {
        warned = true;
        cx.finding(f).await;
    }
    if let Some(end) = revoked_file(cx, seen, j).await {
        return end;
    }
    if j.localhost {
        cx.log(Stage::Hostkey, Level::Debug1, j.why.clone()).await;
        let summary = crate::text!("engine.hostkey.localhost_summary");
        return StageEnd::text(Status::Pass, summary);
    }
    let fatal_command = rules
        .order_run
        .iter()
        .chain(&j.command_runs)
        .any(CommandRun::fatal);
    if fatal_command {
        // ssh exits on a failed KnownHostsCommand: its finding says it all.
        let summary = crate::text!("engine.hostkey.command_failed_summary");
        return StageEnd::text(Status::Fail, summary);
    }
    warned |= cert_invalid(cx, t, seen, j).await;
    let end = verdict::verdict(cx, &name, kh, seen, j, rules.policy.strict).await;
    let end = verdict::ip_mismatch(cx, seen, j, end).await;
    match end.status {
        Status::Pass if warned => StageEnd {
            status: Status::Warn,
            ..end
        },
        _ => end,
    }
}

async fn log_sources(cx: &Cx, kh: &KnownHosts) {
    for f in &kh.files {
        cx.log(
            Stage::Hostkey,
            Level::Debug2,
            format!("load_hostkeys: {}", f.path.display()),
        )
        .await;
    }
    for p in &kh.missing {
        cx.log(
            Stage::Hostkey,
            Level::Debug3,
            format!(
                "load_hostkeys: fopen {}: No such file or directory",
                p.display()
            ),
        )
        .await;
    }
}

async fn key_facts(cx: &Cx, seen: &HostKeySeen) {
    let md5 = known_hosts::md5_fingerprint(seen.key_data());
    cx.fact(Stage::Hostkey, "fingerprint_sha256", seen.fingerprint())
        .await;
    cx.fact(Stage::Hostkey, "fingerprint_md5", md5).await;
    let art = known_hosts::randomart(seen.key_data(), known_hosts::FingerprintHash::Sha256);
    cx.fact(Stage::Hostkey, "randomart", art.clone()).await;
    for line in art.lines() {
        cx.log(Stage::Hostkey, Level::Debug3, line).await;
    }
}

/// At most this many malformed lines for the host get a finding each; the rest one together.
const MALFORMED_SHOWN: usize = 10;

/// Malformed lines: reported when they concern this host (a bad line never hides a good one).
async fn malformed(cx: &Cx, j: &Judgement) -> bool {
    let mine: Vec<_> = j
        .check
        .lookup
        .malformed
        .iter()
        .filter(|m| m.host_matches)
        .collect();
    for m in mine.iter().take(MALFORMED_SHOWN) {
        let detail = crate::text!(
            "engine.hostkey.malformed_detail",
            entry = m.entry.to_string(),
            reason = m.reason.to_string(),
        );
        cx.finding(
            keyed("known_hosts.malformed", Stage::Hostkey, detail)
                .evidence(format!("{}: {}", m.entry, m.reason)),
        )
        .await;
    }
    let dropped = j.check.lookup.malformed_dropped;
    if let Some(first) = mine.get(MALFORMED_SHOWN) {
        let rest = mine.len() - MALFORMED_SHOWN + dropped;
        let detail = crate::text!(
            "engine.hostkey.malformed_more_detail",
            rest = rest,
            entry = first.entry.to_string(),
            reason = first.reason.to_string(),
        );
        cx.finding(
            keyed("known_hosts.malformed", Stage::Hostkey, detail).evidence_all(
                mine[MALFORMED_SHOWN..]
                    .iter()
                    .take(MALFORMED_SHOWN)
                    .map(|m| format!("{}: {}", m.entry, m.reason)),
            ),
        )
        .await;
    }
    let others = j
        .check
        .lookup
        .malformed
        .iter()
        .filter(|m| !m.host_matches)
        .count()
        + j.check.lookup.other_malformed;
    if others > 0 {
        let said = crate::text!("engine.hostkey.malformed_others", n = others);
        cx.say(Stage::Hostkey, Level::Debug1, said).await;
    }
    !mine.is_empty()
}

/// `known_hosts.unreadable`: a configured file that exists but cannot be read.
async fn unreadable(cx: &Cx, kh: &KnownHosts) -> bool {
    for (path, e) in &kh.unreadable {
        let file = path.display();
        let hangs = localfile::blocks_ssh(e);
        let detail = unreadable_detail(path, e, hangs);
        cx.log(
            Stage::Hostkey,
            Level::Info,
            format!("load_hostkeys: {file}: {e}"),
        )
        .await;
        let mut f = keyed("known_hosts.unreadable", Stage::Hostkey, detail)
            .evidence(format!("{file}: {e}"));
        if hangs {
            f = f.severity(Severity::Error);
        }
        cx.finding(f).await;
    }
    !kh.unreadable.is_empty()
}

/// What `known_hosts.unreadable` says about `path`, which ssh would hang on or skip.
fn unreadable_detail(path: &std::path::Path, e: &LocalFileError, hangs: bool) -> Text {
    let error = e.to_string();
    match e {
        _ if hangs => crate::text!(
            "engine.hostkey.unreadable_hangs",
            file = path,
            error = error
        ),
        LocalFileError::Directory => {
            crate::text!("engine.hostkey.unreadable_directory", file = path)
        }
        LocalFileError::TooLarge { .. } => {
            crate::text!(
                "engine.hostkey.unreadable_too_large",
                file = path,
                error = error
            )
        }
        _ => crate::text!(
            "engine.hostkey.unreadable_other",
            file = path,
            error = error
        ),
    }
}

/// ssh's log lines for one KnownHostsCommand run.
pub(super) async fn log_command(cx: &Cx, run: &CommandRun) {
    let level = if run.fatal() || !matches!(run.result, super::command::RunResult::Ok) {
        Level::Info
    } else {
        Level::Debug1
    };
    cx.log(Stage::Hostkey, level, run.describe()).await;
    for line in &run.stderr {
        cx.log(
            Stage::Hostkey,
            Level::Info,
            format!("{} stderr: {line}", run.invocation.tag()),
        )
        .await;
    }
    if let Some(out) = &run.output {
        let said = crate::text!(
            "engine.hostkey.command_printed",
            tag = run.invocation.tag(),
            n = out.entries().count(),
        );
        cx.say(Stage::Hostkey, Level::Debug2, said).await;
    }
}

/// `hostkey.command_failed` for a run ssh does not accept (fatal: error; skipped: warning).
fn command_finding(run: &CommandRun) -> Option<Finding> {
    use super::command::RunResult;
    let described = run.describe();
    let detail = match &run.result {
        RunResult::Ok => return None,
        RunResult::NotRun(_) => crate::text!("engine.hostkey.command_not_run", run = described),
        RunResult::TimedOut(_) => crate::text!("engine.hostkey.command_timed_out", run = described),
        _ => crate::text!("engine.hostkey.command_fails", run = described),
    };
    let mut f = keyed("hostkey.command_failed", Stage::Hostkey, detail)
        .evidence(run.describe())
        .evidence_all(
            run.stderr
                .iter()
                .map(|l| format!("{} stderr: {l}", run.invocation.tag())),
        );
    if !run.fatal() {
        f = f.severity(Severity::Warning);
    }
    Some(f)
}

/// RevokedHostKeys: a listed key or an unusable file ends the stage.
async fn revoked_file(cx: &Cx, seen: &HostKeySeen, j: &Judgement) -> Option<StageEnd> {
    let (path, result) = j.revoked_file.as_ref()?;
    let file = path.display().to_string();
    match result {
        RevokedCheck::NotRevoked { described } => {
            let said = crate::text!(
                "engine.hostkey.revoked_file_not_listed",
                file = &file,
                described = described,
            );
            cx.say(Stage::Hostkey, Level::Debug1, said).await;
            None
        }
        RevokedCheck::Revoked { why } => {
            cx.log(
                Stage::Hostkey,
                Level::Info,
                format!("Host key {} revoked by file {file}", seen.describe()),
            )
            .await;
            let detail = crate::text!(
                "engine.hostkey.revoked_by_file",
                file = &file,
                why = why.clone()
            );
            let f = keyed("hostkey.revoked", Stage::Hostkey, detail)
                .evidence(format!("presented: {}", seen.describe()))
                .evidence(format!("RevokedHostKeys {file}: {}", why.english()));
            cx.finding(f).await;
            let summary = crate::text!("engine.hostkey.revoked_file_summary");
            Some(StageEnd::text(Status::Fail, summary))
        }
        RevokedCheck::Unusable { why } => {
            cx.log(
                Stage::Hostkey,
                Level::Info,
                format!(
                    "Error checking host key {} in revoked keys file {file}: {}",
                    seen.describe(),
                    why.english()
                ),
            )
            .await;
            let tilde = if file.starts_with('~') {
                crate::text!("engine.hostkey.revoked_file_tilde")
            } else {
                Text::from("")
            };
            let detail = crate::text!(
                "engine.hostkey.revoked_file_unusable",
                file = &file,
                why = why.clone()
            );
            let f = keyed(
                "hostkey.revoked_file_unusable",
                Stage::Hostkey,
                Text::join([detail, tilde], " "),
            )
            .evidence(format!("RevokedHostKeys {file}: {}", why.english()));
            cx.finding(f).await;
            let summary = crate::text!("engine.hostkey.revoked_file_unusable_summary");
            Some(StageEnd::text(Status::Fail, summary))
        }
    }
}

/// `hostkey.cert_invalid`: the CA matched but ssh refuses the certificate.
async fn cert_invalid(cx: &Cx, t: &Target, seen: &HostKeySeen, j: &Judgement) -> bool {
    let (Some(bad), HostKeySeen::Certificate(cert)) = (&j.cert_invalid, seen) else {
        return false;
    };
    cx.log(Stage::Hostkey, Level::Info, bad.problem.to_string())
        .await;
    cx.log(
        Stage::Hostkey,
        Level::Debug1,
        "No matching CA found. Retry with plain key",
    )
    .await;
    let name = t
        .host_key_alias
        .clone()
        .unwrap_or_else(|| t.hostname.to_ascii_lowercase());
    cx.fact(Stage::Hostkey, "cert_invalid", bad.problem.kind())
        .await;
    let detail = crate::text!(
        "engine.hostkey.cert_invalid_detail",
        ca = bad.ca_entry.to_string(),
        problem = bad.problem.to_string(),
    );
    let f = keyed("hostkey.cert_invalid", Stage::Hostkey, detail)
    .evidence(format!("@cert-authority at {}", bad.ca_entry))
    .evidence(format!(
        "certificate: {} {}, key ID {:?}, serial {}, {} certificate, principals [{}], valid {} to {}",
        seen.algorithm(),
        seen.fingerprint(),
        cert.key_id(),
        cert.serial(),
        if cert.cert_type().is_host() { "host" } else { "user" },
        cert.valid_principals().join(","),
        known_hosts::cert::utc(cert.valid_after()),
        known_hosts::cert::utc(cert.valid_before())
    ))
    .evidence(format!("name ssh checks: {name}"))
    .evidence(format!("ssh: {}", bad.problem));
    cx.finding(f).await;
    true
}
