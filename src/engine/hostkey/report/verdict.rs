//! The finding for known_hosts' verdict on the name (and CheckHostIP's on the address), weighted
//! by what ssh does with it under the policy (see `report` for the severity rules).

use super::super::judge::{IpCheck, Judgement};
use super::super::{remove_action, trust_action, KnownHosts};
use crate::engine::kex::HostKeySeen;
use crate::engine::{Cx, StageEnd};
use crate::event::{Level, Severity, Stage, Status};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::known_hosts::policy::{Outcome, Strict};
use crate::known_hosts::{self, Verdict};

/// What ssh disables when it goes on with a key it does not trust.
fn unsafe_disables() -> Text {
    crate::text!("engine.hostkey.unsafe_disables")
}

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
            let summary = crate::text!("engine.hostkey.known_summary", entry = entry.to_string());
            StageEnd::text(Status::Pass, summary)
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
            let unsafe_go_on = j.outcome == Outcome::Unsafe;
            let detail = if unsafe_go_on {
                crate::text!(
                    "engine.hostkey.revoked_unsafe",
                    name = name,
                    disables = unsafe_disables(),
                )
            } else {
                crate::text!("engine.hostkey.revoked_detail", name = name)
            };
            let mut f = keyed("hostkey.revoked", Stage::Hostkey, detail)
                .evidence(format!("presented: {}", seen.describe()))
                .evidence_all(entries.iter().map(|e| format!("@revoked at {e}")));
            if unsafe_go_on {
                f = f.severity(Severity::Warning);
            }
            cx.finding(f).await;
            summary_for(j.outcome, crate::text!("engine.hostkey.revoked_summary"))
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

fn summary_for(outcome: Outcome, what: Text) -> StageEnd {
    match outcome {
        Outcome::Unsafe => StageEnd::text(
            Status::Warn,
            crate::text!("engine.hostkey.unsafe_summary", what = what),
        ),
        _ => StageEnd::text(Status::Fail, what),
    }
}

/// The stage summary when ssh refuses a new key: which setting made it refuse.
fn refused_summary(strict: Strict, why: &str) -> Text {
    let because = if why.starts_with("ssh cannot record") {
        crate::text!("engine.hostkey.cannot_record_here")
    } else if why.starts_with("BatchMode") {
        Text::from(format!(
            "StrictHostKeyChecking {}, BatchMode yes",
            strict.word()
        ))
    } else {
        Text::from(format!("StrictHostKeyChecking {}", strict.word()))
    };
    crate::text!("engine.hostkey.refused_summary", because = because)
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
    let (detail, severity, end) = unknown_texts(name, kh, seen, j, strict);
    if j.outcome == Outcome::Record {
        let said = crate::text!(
            "engine.hostkey.permanently_added",
            name = name,
            kind = known_hosts::KeyKind::of(seen.key_data()).label(),
        );
        cx.say(Stage::Hostkey, Level::Info, said).await;
    }
    let mut f = keyed("hostkey.unknown", Stage::Hostkey, detail)
        .severity(severity)
        .evidence(format!("presented: {}", seen.describe()))
        .evidence(format!("presented (MD5): {md5}"))
        .evidence(format!("looked up \"{name}\" in: {}", searched(kh)));
    f.actions.extend(trust_action(cx, kh, name, seen));
    cx.finding(f).await;
    end
}

/// `hostkey.unknown`'s detail and severity, and the stage's end, by what ssh does.
fn unknown_texts(
    name: &str,
    kh: &KnownHosts,
    seen: &HostKeySeen,
    j: &Judgement,
    strict: Strict,
) -> (Text, Severity, StageEnd) {
    let key = seen.describe();
    let word = strict.word();
    match j.outcome {
        Outcome::Refuse => (
            crate::text!(
                "engine.hostkey.unknown_refused",
                name = name,
                why = super::why_text(j.why.trim_end_matches('.')),
                key = key,
            ),
            Severity::Error,
            StageEnd::text(Status::Fail, refused_summary(strict, &j.why)),
        ),
        Outcome::Record => {
            let record_in = kh.first_user_file.as_ref().map_or_else(
                || crate::text!("engine.hostkey.first_user_file"),
                Text::from,
            );
            let detail = crate::text!(
                "engine.hostkey.unknown_recorded",
                name = name,
                word = word,
                file = record_in,
                key = key,
            );
            let severity = if strict == Strict::AcceptNew {
                Severity::Info
            } else {
                Severity::Warning
            };
            let summary = crate::text!("engine.hostkey.unknown_recorded_summary", word = word);
            (detail, severity, StageEnd::text(Status::Warn, summary))
        }
        _ => (
            crate::text!("engine.hostkey.unknown_first", name = name, key = key),
            Severity::Warning,
            StageEnd::text(Status::Warn, crate::text!("engine.hostkey.unknown_summary")),
        ),
    }
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
    let (id, summary) = if other_types_only {
        (
            "hostkey.other_type_known",
            crate::text!("engine.hostkey.other_type_summary"),
        )
    } else {
        (
            "hostkey.changed",
            crate::text!("engine.hostkey.changed_summary"),
        )
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
    let detail = changed_detail_text(name, &seen.algorithm(), other_types_only, unsafe_go_on);
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
    let mut f = keyed(id, Stage::Hostkey, detail)
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
    f = f.fix_text(changed_fix_text(
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
    summary_for(j.outcome, summary)
}

/// What `hostkey.changed` (or `hostkey.other_type_known`) says about `name`, which now presents
/// a key of type `algorithm` (shared with `sshdoctor explain`).
pub(crate) fn changed_detail_text(
    name: &str,
    algorithm: &str,
    other_types_only: bool,
    unsafe_go_on: bool,
) -> Text {
    let mut detail = if other_types_only {
        crate::text!(
            "engine.hostkey.other_type_detail",
            name = name,
            algorithm = algorithm,
        )
    } else {
        crate::text!("engine.hostkey.changed_detail", name = name)
    };
    if !other_types_only && !unsafe_go_on {
        detail = detail.then(" ", crate::text!("engine.hostkey.changed_nothing_sent"));
    }
    if unsafe_go_on {
        let go_on = crate::text!(
            "engine.hostkey.changed_unsafe",
            disables = unsafe_disables()
        );
        detail = detail.then(" ", go_on);
    }
    detail
}

/// The fix of a changed host key: compare `fingerprint`, then the removal command (shared
/// with `sshdoctor explain`).
pub(crate) fn changed_fix_text(fingerprint: &str, remove_command: Option<&str>) -> Text {
    crate::text!(
        "engine.hostkey.changed_fix",
        fingerprint = fingerprint,
        command = remove_command.map_or(String::new(), |c| format!("  {c}")),
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
            let said = crate::text!(
                "engine.hostkey.ip_not_checked",
                why = super::ip_skipped_text(why),
            );
            cx.say(Stage::Hostkey, Level::Debug1, said).await;
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
            let detail = crate::text!(
                "engine.hostkey.ip_mismatch_detail",
                name = name,
                why = why.said(),
            );
            let f = keyed("hostkey.ip_mismatch", Stage::Hostkey, detail)
                .severity(severity)
                .evidence(format!("presented: {}", seen.describe()))
                .evidence_all(offending.iter().map(|e| format!("address entry at {e}")));
            cx.finding(f).await;
            match (outcome, end.status) {
                (Outcome::Refuse, _) => {
                    let summary = crate::text!("engine.hostkey.ip_mismatch_summary");
                    StageEnd::text(Status::Fail, summary)
                }
                (_, Status::Pass) => StageEnd {
                    status: Status::Warn,
                    ..end
                },
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
