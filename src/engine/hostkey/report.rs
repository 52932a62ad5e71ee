//! What the host-key stage says: log lines, facts and findings for ssh's decision.
//!
//! Severities that depend on the case (the README's findings table states each rule):
//! `hostkey.unknown` is an error when ssh refuses, a warning when it asks or records it under
//! StrictHostKeyChecking no, info under accept-new; `hostkey.changed`, `hostkey.other_type_known`
//! and a `@revoked` `hostkey.revoked` are errors, warnings under StrictHostKeyChecking no (ssh
//! goes on, public-key authentication only); `hostkey.ip_mismatch` is an error when ssh refuses;
//! `hostkey.command_failed` is a warning when ssh merely skips the command.

mod verdict;

pub(crate) use verdict::{changed_detail, changed_fix};

use super::command::CommandRun;
use super::judge::Judgement;
use super::KnownHosts;
use crate::engine::kex::{HostKeyPolicy, HostKeySeen};
use crate::engine::{Cx, StageEnd, Target};
use crate::event::{Finding, Level, Severity, Stage, Status};
use crate::findings::finding;
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
    cx.log(
        Stage::Hostkey,
        Level::Info,
        format!(
            "Host key policy: {}: ssh would {}: {}",
            rules.described,
            j.outcome.phrase(),
            j.why
        ),
    )
    .await;
    cx.fact(Stage::Hostkey, "hostkey_outcome", j.outcome.word())
        .await;
    let mut warned = malformed(cx, j).await | unreadable(cx, kh).await;
    if let Some(why) = &rules.blocked {
        return StageEnd::new(Status::Fail, why.clone());
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
        return StageEnd::new(
            Status::Pass,
            "not checked: NoHostAuthenticationForLocalhost (loopback address)",
        );
    }
    let fatal_command = rules
        .order_run
        .iter()
        .chain(&j.command_runs)
        .any(CommandRun::fatal);
    if fatal_command {
        // ssh exits on a failed KnownHostsCommand: its finding says it all.
        return StageEnd::new(Status::Fail, "KnownHostsCommand failed");
    }
    warned |= cert_invalid(cx, t, seen, j).await;
    let end = verdict::verdict(cx, &name, kh, seen, j, rules.policy.strict).await;
    let end = verdict::ip_mismatch(cx, seen, j, end).await;
    match end.status {
        Status::Pass if warned => StageEnd::new(Status::Warn, end.summary),
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
        cx.finding(
            finding(
                "known_hosts.malformed",
                Stage::Hostkey,
                format!("{} cannot be used by ssh: {}.", m.entry, m.reason),
            )
            .evidence(format!("{}: {}", m.entry, m.reason)),
        )
        .await;
    }
    let dropped = j.check.lookup.malformed_dropped;
    if let Some(first) = mine.get(MALFORMED_SHOWN) {
        let rest = mine.len() - MALFORMED_SHOWN + dropped;
        cx.finding(
            finding(
                "known_hosts.malformed",
                Stage::Hostkey,
                format!(
                    "{rest} more lines for this host cannot be used by ssh, the first at {}: {}.",
                    first.entry, first.reason
                ),
            )
            .evidence_all(
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
        cx.log(
            Stage::Hostkey,
            Level::Debug1,
            format!("{others} malformed known_hosts line(s) for other hosts ignored"),
        )
        .await;
    }
    !mine.is_empty()
}

/// `known_hosts.unreadable`: a configured file that exists but cannot be read.
async fn unreadable(cx: &Cx, kh: &KnownHosts) -> bool {
    for (path, e) in &kh.unreadable {
        let file = path.display();
        let hangs = localfile::blocks_ssh(e);
        let detail = match e {
            _ if hangs => format!("{file} {e}. ssh opens its known_hosts files without a timeout and would block on it (a FIFO waits for a writer, a device like /dev/zero never ends), so the login hangs. sshdoctor opened it without blocking and did not read it."),
            LocalFileError::Directory => format!("{file} is a directory. ssh skips it silently, as if it were empty: no key in it is used."),
            LocalFileError::TooLarge { .. } => format!("{file} {e}; sshdoctor did not read it (ssh would), so the verdict below leaves it out."),
            _ => format!("{file} cannot be read ({e}). ssh skips it silently, as if it were absent: no key in it is used."),
        };
        cx.log(
            Stage::Hostkey,
            Level::Info,
            format!("load_hostkeys: {file}: {e}"),
        )
        .await;
        let mut f = finding("known_hosts.unreadable", Stage::Hostkey, detail)
            .evidence(format!("{file}: {e}"));
        if hangs {
            f = f.severity(Severity::Error);
        }
        cx.finding(f).await;
    }
    !kh.unreadable.is_empty()
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
        cx.log(
            Stage::Hostkey,
            Level::Debug2,
            format!(
                "{}: {} known_hosts line(s) printed",
                run.invocation.tag(),
                out.entries().count()
            ),
        )
        .await;
    }
}

/// `hostkey.command_failed` for a run ssh does not accept (fatal: error; skipped: warning).
fn command_finding(run: &CommandRun) -> Option<Finding> {
    use super::command::RunResult;
    let detail = match &run.result {
        RunResult::Ok => return None,
        RunResult::NotRun(_) => format!(
            "ssh will not run your KnownHostsCommand ({}) and goes on without the keys it would print.",
            run.describe()
        ),
        RunResult::TimedOut(_) => format!(
            "Your KnownHostsCommand did not finish: {}. ssh waits for it without a limit, so the login hangs until the server gives up.",
            run.describe()
        ),
        _ => format!(
            "ssh runs your KnownHostsCommand and stops when it fails: {}; ssh then says \"KnownHostsCommand failed\" and exits.",
            run.describe()
        ),
    };
    let mut f = finding("hostkey.command_failed", Stage::Hostkey, detail)
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
            cx.log(
                Stage::Hostkey,
                Level::Debug1,
                format!("RevokedHostKeys {file}: not listed ({described})"),
            )
            .await;
            None
        }
        RevokedCheck::Revoked { why } => {
            cx.log(
                Stage::Hostkey,
                Level::Info,
                format!("Host key {} revoked by file {file}", seen.describe()),
            )
            .await;
            let f = finding(
                "hostkey.revoked",
                Stage::Hostkey,
                format!("The key the server presents is revoked by your RevokedHostKeys file {file}: {why}. ssh refuses it whatever StrictHostKeyChecking says. Nothing secret was sent."),
            )
            .evidence(format!("presented: {}", seen.describe()))
            .evidence(format!("RevokedHostKeys {file}: {why}"));
            cx.finding(f).await;
            Some(StageEnd::new(
                Status::Fail,
                "host key revoked (RevokedHostKeys)",
            ))
        }
        RevokedCheck::Unusable { why } => {
            cx.log(
                Stage::Hostkey,
                Level::Info,
                format!(
                    "Error checking host key {} in revoked keys file {file}: {why}",
                    seen.describe()
                ),
            )
            .await;
            let tilde = if file.starts_with('~') {
                " OpenSSH 9.2 does not expand `~` in RevokedHostKeys: write the full path."
            } else {
                ""
            };
            let f = finding(
                "hostkey.revoked_file_unusable",
                Stage::Hostkey,
                format!("RevokedHostKeys names {file}, which ssh cannot use: {why}. ssh then refuses every host key (\"Host key verification failed.\"), so no host can be reached.{tilde}"),
            )
            .evidence(format!("RevokedHostKeys {file}: {why}"));
            cx.finding(f).await;
            Some(StageEnd::new(
                Status::Fail,
                "RevokedHostKeys cannot be used",
            ))
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
    let f = finding(
        "hostkey.cert_invalid",
        Stage::Hostkey,
        format!(
            "The server presents a host certificate signed by the CA trusted at {}, but ssh finds it invalid: {}. ssh ignores the certificate and checks the plain key instead; the verdict below follows that key.",
            bad.ca_entry, bad.problem
        ),
    )
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
