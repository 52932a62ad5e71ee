//! What the host-key stage says: log lines, facts and findings for ssh's decision.
//!
//! Severities that depend on the case (the README's findings table states each rule):
//! `hostkey.unknown` is an error when ssh refuses, a warning when it asks or records it under
//! StrictHostKeyChecking no, info under accept-new; `hostkey.changed`, `hostkey.other_type_known`
//! and a `@revoked` `hostkey.revoked` are errors, warnings under StrictHostKeyChecking no (ssh
//! goes on, public-key authentication only); `hostkey.ip_mismatch` is an error when ssh refuses;
//! `hostkey.command_failed` is a warning when ssh merely skips the command.

use super::command::CommandRun;
use super::judge::{IpCheck, Judgement};
use super::{remove_action, trust_action, KnownHosts};
use crate::engine::kex::{HostKeyPolicy, HostKeySeen};
use crate::engine::{Cx, StageEnd, Target};
use crate::event::{Finding, Level, Severity, Stage, Status};
use crate::findings::finding;
use crate::known_hosts::policy::{Outcome, Strict};
use crate::known_hosts::revoked::RevokedCheck;
use crate::known_hosts::{self, Verdict};
use crate::localfile::{self, LocalFileError};

/// What ssh disables when it goes on with a key it does not trust.
const UNSAFE_DISABLES: &str = "password and keyboard-interactive authentication, agent forwarding, X11 forwarding, port and tunnel forwarding, and UpdateHostKeys";

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
    let end = verdict(cx, t, &name, kh, seen, j, rules.policy.strict).await;
    let end = ip_mismatch(cx, seen, j, end).await;
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
    if let Some(first) = mine.get(MALFORMED_SHOWN) {
        let rest = mine.len() - MALFORMED_SHOWN;
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

/// The finding for the name's verdict, weighted by what ssh does.
async fn verdict(
    cx: &Cx,
    t: &Target,
    name: &str,
    kh: &KnownHosts,
    seen: &HostKeySeen,
    j: &Judgement,
    strict: Strict,
) -> StageEnd {
    match &j.check.verdict {
        Verdict::Known { entry, via } => {
            let how = match via {
                known_hosts::KnownVia::HostKey => "key",
                known_hosts::KnownVia::CertAuthority => "certificate signed by a trusted CA",
            };
            cx.log(
                Stage::Hostkey,
                Level::Debug1,
                format!(
                    "Host '{name}' is known and matches the {} host {how}.",
                    seen.algorithm()
                ),
            )
            .await;
            cx.log(
                Stage::Hostkey,
                Level::Debug1,
                format!("Found key in {entry}"),
            )
            .await;
            StageEnd::new(Status::Pass, format!("known ({entry})"))
        }
        Verdict::Unknown => unknown(cx, name, kh, seen, j, strict).await,
        Verdict::Revoked { entries } => {
            cx.log(
                Stage::Hostkey,
                Level::Info,
                format!(
                    "The {} host key for {name} is marked as revoked.",
                    seen.algorithm()
                ),
            )
            .await;
            let mut f = finding(
                "hostkey.revoked",
                Stage::Hostkey,
                format!("The key {name} presented is marked @revoked; ssh refuses it. Nothing secret was sent."),
            )
            .evidence(format!("presented: {}", seen.describe()))
            .evidence_all(entries.iter().map(|e| format!("@revoked at {e}")));
            if j.outcome == Outcome::Unsafe {
                f.detail = format!("The key {name} presents is marked @revoked, and StrictHostKeyChecking no lets ssh go on anyway without trusting it: ssh disables {UNSAFE_DISABLES}. Treat the server as compromised.");
                f = f.severity(Severity::Warning);
            }
            cx.finding(f).await;
            summary_for(j.outcome, "host key revoked")
        }
        Verdict::Changed {
            offending,
            reported,
            other_types_only,
        } => {
            changed(
                cx,
                t,
                name,
                kh,
                seen,
                j,
                offending,
                reported,
                *other_types_only,
            )
            .await
        }
    }
}

fn summary_for(outcome: Outcome, what: &str) -> StageEnd {
    match outcome {
        Outcome::Unsafe => StageEnd::new(
            Status::Warn,
            format!(
                "{what}: ssh goes on, public-key authentication only (StrictHostKeyChecking no)"
            ),
        ),
        _ => StageEnd::new(Status::Fail, what),
    }
}

async fn unknown(
    cx: &Cx,
    name: &str,
    kh: &KnownHosts,
    seen: &HostKeySeen,
    j: &Judgement,
    strict: Strict,
) -> StageEnd {
    cx.log(
        Stage::Hostkey,
        Level::Info,
        format!("The authenticity of host '{name}' can't be established."),
    )
    .await;
    let md5 = known_hosts::md5_fingerprint(seen.key_data());
    let record_in = kh
        .first_user_file
        .as_ref()
        .map_or("the first UserKnownHostsFile".into(), |p| {
            p.display().to_string()
        });
    let (detail, severity, end) = match j.outcome {
        Outcome::Refuse => (
            format!("No known_hosts file has the key of {name}, and ssh refuses it without asking ({}): \"Host key verification failed.\" Compare this fingerprint with one obtained another way, then record it:\n{}", j.why.trim_end_matches('.'), seen.describe()),
            Severity::Error,
            StageEnd::new(Status::Fail, format!("unknown host: ssh refuses (StrictHostKeyChecking {}{})", strict.word(), if j.why.starts_with("BatchMode") { ", BatchMode yes" } else { "" })),
        ),
        Outcome::Record => (
            format!("No known_hosts file has the key of {name}. Under StrictHostKeyChecking {} ssh records it in {record_in} and connects without asking (sshdoctor writes nothing). Compare the fingerprint with one obtained another way:\n{}", strict.word(), seen.describe()),
            if strict == Strict::AcceptNew { Severity::Info } else { Severity::Warning },
            StageEnd::new(Status::Warn, format!("unknown host: ssh records it (StrictHostKeyChecking {})", strict.word())),
        ),
        _ => (
            format!("This is the first connection to {name}: no known_hosts file has its key. ssh will show this fingerprint and ask whether to trust it:\n{}", seen.describe()),
            Severity::Warning,
            StageEnd::new(Status::Warn, "unknown host (first contact)"),
        ),
    };
    if j.outcome == Outcome::Record {
        cx.log(
            Stage::Hostkey,
            Level::Info,
            format!("Warning: Permanently added '{name}' ({}) to the list of known hosts (ssh would; sshdoctor did not).", known_hosts::KeyKind::of(seen.key_data()).label()),
        )
        .await;
    }
    let mut f = finding("hostkey.unknown", Stage::Hostkey, detail)
        .severity(severity)
        .evidence(format!("presented: {}", seen.describe()))
        .evidence(format!("presented (MD5): {md5}"))
        .evidence(format!("looked up \"{name}\" in: {}", searched(kh)));
    f.actions.extend(trust_action(cx, kh, name, seen));
    cx.finding(f).await;
    end
}

#[allow(clippy::too_many_arguments)]
async fn changed(
    cx: &Cx,
    _t: &Target,
    name: &str,
    kh: &KnownHosts,
    seen: &HostKeySeen,
    j: &Judgement,
    offending: &[known_hosts::EntryRef],
    reported: &known_hosts::EntryRef,
    other_types_only: bool,
) -> StageEnd {
    let (id, title) = if other_types_only {
        (
            "hostkey.other_type_known",
            "only keys of another type are recorded",
        )
    } else {
        ("hostkey.changed", "changed")
    };
    for line in [
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
    ] {
        cx.log(Stage::Hostkey, Level::Info, line).await;
    }
    cx.log(
        Stage::Hostkey,
        Level::Info,
        format!("Offending key in {reported}"),
    )
    .await;
    let unsafe_go_on = j.outcome == Outcome::Unsafe;
    let mut detail = if other_types_only {
        format!(
            "known_hosts holds only keys of other types for {name}; the server now presents {}. ssh treats this as a changed host key (\"REMOTE HOST IDENTIFICATION HAS CHANGED\") and refuses the connection unless StrictHostKeyChecking is no. The server may have been reinstalled or reconfigured — or something is in the middle.",
            seen.algorithm()
        )
    } else {
        format!(
            "The key {name} presents is not the one recorded. It can mean the server was reinstalled or rebuilt, a new machine took over the address, a load balancer switched backends — or an attacker is in the middle. Nothing secret was sent, and sshdoctor will not authenticate to this host until this is resolved."
        )
    };
    if unsafe_go_on {
        detail = detail.replace(
            " Nothing secret was sent, and sshdoctor will not authenticate to this host until this is resolved.",
            "",
        );
        detail = format!(
            "{detail} StrictHostKeyChecking no: ssh goes on anyway without trusting the key and disables {UNSAFE_DISABLES}; only public-key authentication is tried, so the login may still work — against a server that is not verified. sshdoctor, like ssh, tries public keys only and sends no password."
        );
        for what in ["Password", "Keyboard-interactive"] {
            cx.log(
                Stage::Hostkey,
                Level::Info,
                format!("{what} authentication is disabled to avoid man-in-the-middle attacks."),
            )
            .await;
        }
    }
    let remove = remove_action(kh, name);
    let md5 = known_hosts::md5_fingerprint(seen.key_data());
    let mut f = finding(id, Stage::Hostkey, detail)
        .evidence(format!("presented: {}", seen.describe()))
        .evidence(format!("presented (MD5): {md5}"))
        .evidence_all(
            j.check
                .lookup
                .matches
                .iter()
                .filter(|m| m.marker == known_hosts::Marker::None && offending.contains(&m.entry))
                .map(|m| format!("recorded at {}: {} {}", m.entry, m.key_type, m.fingerprint)),
        );
    f = f.fix(format!(
        "Compare the presented fingerprint {} with one obtained another way (the provider's console, the server's admin, `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on the server). Only if it matches, remove the stale entries and trust the new key:\n{}",
        seen.fingerprint(),
        remove.as_ref().map_or(String::new(), |a| format!("  {}", a.command))
    ));
    if unsafe_go_on {
        f = f.severity(Severity::Warning);
    } else if other_types_only {
        f = f.severity(Severity::Error);
    }
    f.actions.extend(remove);
    if other_types_only {
        f.actions.extend(trust_action(cx, kh, name, seen));
    }
    cx.finding(f).await;
    summary_for(j.outcome, &format!("host key {title}"))
}

/// CheckHostIP: the address's entry holds another key.
async fn ip_mismatch(cx: &Cx, seen: &HostKeySeen, j: &Judgement, end: StageEnd) -> StageEnd {
    match &j.ip {
        IpCheck::Off => end,
        IpCheck::Skipped(why) => {
            cx.log(
                Stage::Hostkey,
                Level::Debug1,
                format!("CheckHostIP: not checked, as ssh does: {why}"),
            )
            .await;
            end
        }
        IpCheck::Checked {
            name,
            verdict,
            reaction,
        } => {
            let (Some((outcome, why)), Verdict::Changed { offending, .. }) = (reaction, verdict)
            else {
                return end;
            };
            let severity = if *outcome == Outcome::Refuse {
                Severity::Error
            } else {
                Severity::Warning
            };
            let f = finding(
                "hostkey.ip_mismatch",
                Stage::Hostkey,
                format!("The name matches, but the entry for the address {name} holds another key (CheckHostIP): {why}. The address may have been reused by another server, or the entry is stale."),
            )
            .severity(severity)
            .evidence(format!("presented: {}", seen.describe()))
            .evidence_all(offending.iter().map(|e| format!("address entry at {e}")));
            cx.finding(f).await;
            match (outcome, end.status) {
                (Outcome::Refuse, _) => {
                    StageEnd::new(Status::Fail, "the address's key differs (CheckHostIP)")
                }
                (_, Status::Pass) => StageEnd::new(Status::Warn, end.summary),
                _ => end,
            }
        }
    }
}

fn searched(kh: &KnownHosts) -> String {
    let mut all: Vec<String> = kh
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    all.extend(
        kh.missing
            .iter()
            .map(|p| format!("{} (absent)", p.display())),
    );
    all.join(", ")
}
