//! The finding for known_hosts' verdict on the name (and CheckHostIP's on the address), weighted
//! by what ssh does with it under the policy (see `report` for the severity rules).

use super::super::judge::{IpCheck, Judgement};
use super::super::{remove_action, trust_action, KnownHosts};
use crate::engine::kex::HostKeySeen;
use crate::engine::{Cx, StageEnd};
use crate::event::{Level, Severity, Stage, Status};
use crate::findings::finding;
use crate::known_hosts::policy::{Outcome, Strict};
use crate::known_hosts::{self, Verdict};

/// What ssh disables when it goes on with a key it does not trust.
const UNSAFE_DISABLES: &str = "password and keyboard-interactive authentication, agent forwarding, X11 forwarding, port and tunnel forwarding, and UpdateHostKeys";

/// The finding for the name's verdict, weighted by what ssh does.
pub(super) async fn verdict(
    cx: &Cx,
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

/// The stage summary when ssh refuses a new key: which setting made it refuse.
fn refused_summary(strict: Strict, why: &str) -> String {
    let because = if why.starts_with("ssh cannot record") {
        "it cannot record a key here".to_string()
    } else if why.starts_with("BatchMode") {
        format!("StrictHostKeyChecking {}, BatchMode yes", strict.word())
    } else {
        format!("StrictHostKeyChecking {}", strict.word())
    };
    format!("unknown host: ssh refuses ({because})")
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
            StageEnd::new(Status::Fail, refused_summary(strict, &j.why)),
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
    let detail = changed_detail(name, &seen.algorithm(), other_types_only, unsafe_go_on);
    if unsafe_go_on {
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
    f = f.fix(changed_fix(
        &seen.fingerprint(),
        remove.as_ref().map(|a| a.command.as_str()),
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

/// What `hostkey.changed` (or `hostkey.other_type_known`) says about `name`, which now presents
/// a key of type `algorithm` (shared with `sshdoctor explain`).
pub(crate) fn changed_detail(
    name: &str,
    algorithm: &str,
    other_types_only: bool,
    unsafe_go_on: bool,
) -> String {
    let mut detail = if other_types_only {
        format!(
            "known_hosts holds only keys of other types for {name}; the server now presents {algorithm}. ssh treats this as a changed host key (\"REMOTE HOST IDENTIFICATION HAS CHANGED\") and refuses the connection unless StrictHostKeyChecking is no. The server may have been reinstalled or reconfigured — or something is in the middle."
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
    }
    detail
}

/// The fix of a changed host key: compare `fingerprint`, then the removal command (shared
/// with `sshdoctor explain`).
pub(crate) fn changed_fix(fingerprint: &str, remove_command: Option<&str>) -> String {
    format!(
        "Compare the presented fingerprint {fingerprint} with one obtained another way (the provider's console, the server's admin, `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on the server). Only if it matches, remove the stale entries and trust the new key:\n{}",
        remove_command.map_or(String::new(), |c| format!("  {c}"))
    )
}

/// CheckHostIP: the address's entry holds another key.
pub(super) async fn ip_mismatch(
    cx: &Cx,
    seen: &HostKeySeen,
    j: &Judgement,
    end: StageEnd,
) -> StageEnd {
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
