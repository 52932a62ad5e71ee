//! The host-key stage as a transcript shows it: known, first contact (asked, recorded or
//! refused), changed (and only another type known), revoked, a host certificate refused.

use super::{cannot_tell, ev, settle, Ctx, LaneResult, View};
use crate::engine::shared::{changed_detail_text, changed_fix_text};
use crate::event::{ActionOffer, Severity, Stage, Status};
use crate::explain::attempts::Item;
use crate::explain::classify::Msg;
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;

/// The host-key stage: revoked, changed, unknown (refused or asked), refused for a reason the
/// transcript leaves out, or known.
pub(super) fn hostkey(v: &View, cx: &Ctx, r: &mut LaneResult) {
    let presented = presented(v, r);
    let failed = v.first(|m| matches!(m, Msg::HostKeyVerificationFailed));
    if revoked(v, r, presented.as_deref()) {
        return;
    }
    let cert = cert_invalid(v, r);
    if v.has(|m| {
        matches!(
            m,
            Msg::ChangedWarning | Msg::ChangedStrict(_) | Msg::Offending { .. }
        )
    }) {
        changed(v, cx, r, failed.is_some());
        return;
    }
    let fingerprint = v
        .first(|m| matches!(m, Msg::KeyFingerprint(_)))
        .map(|i| i.core.clone())
        .or_else(|| presented.clone())
        .unwrap_or_else(|| "(not shown)".into());
    if unknown_refused(v, r, presented.is_some(), failed, &fingerprint) {
        return;
    }
    if let Some(i) = failed {
        refused_unexplained(v, cx, r, i);
        return;
    }
    if first_contact(v, r, &fingerprint) {
        return;
    }
    known(v, r, cert);
}

/// The key the server presented (`Server host key: TYPE FP`), its fingerprint kept as a fact.
fn presented(v: &View, r: &mut LaneResult) -> Option<String> {
    let presented = v
        .first(|m| matches!(m, Msg::ServerHostKey(_)))
        .and_then(|i| match &i.msg {
            Msg::ServerHostKey(k) => Some(k.clone()),
            _ => None,
        });
    if let Some(k) = &presented {
        if let Some(fp) = k.split_whitespace().nth(1) {
            let fp = fp.trim_end_matches(',');
            r.fact(Stage::Hostkey, "fingerprint_sha256", fp.to_string());
        }
    }
    presented
}

/// `hostkey.revoked`: ssh refuses a revoked key whatever StrictHostKeyChecking says. Whether it
/// decided the stage.
fn revoked(v: &View, r: &mut LaneResult, presented: Option<&str>) -> bool {
    if !v.has(|m| matches!(m, Msg::Revoked)) {
        return false;
    }
    let lines = v.all(|m| matches!(m, Msg::Revoked | Msg::HostKeyVerificationFailed));
    r.findings.push(
        keyed(
            "hostkey.revoked",
            Stage::Hostkey,
            text!("explain.hostkey.revoked", name = &v.name),
        )
        .evidence_all(presented.iter().map(|k| format!("presented: {k}")))
        .evidence_all(lines.into_iter().map(ev)),
    );
    r.step(
        Stage::Hostkey,
        Status::Fail,
        text!("explain.hostkey.revoked_summary"),
    );
    true
}

/// `hostkey.unknown` as an error: ssh refused a key no known_hosts file has (under strict
/// checking, after asking, or silently under BatchMode). Whether it decided the stage.
fn unknown_refused(
    v: &View,
    r: &mut LaneResult,
    presented: bool,
    failed: Option<&Item>,
    fingerprint: &str,
) -> bool {
    let strict = v.first(|m| matches!(m, Msg::NoHostKeyStrict(_)));
    let asked = v.first(|m| matches!(m, Msg::Authenticity(_)));
    // ssh's debug lines show the key it was given, and nothing about it but the refusal: no
    // warning (changed, revoked), no question. That is an unknown key under BatchMode (ssh
    // refuses without printing its question) or with no terminal to ask on.
    let unasked = presented && failed.is_some_and(|f| v.debug_before(f));
    if strict.or(asked).or(failed.filter(|_| unasked)).is_none() || failed.is_none() {
        return false;
    }
    let why = if strict.is_some() {
        text!("explain.hostkey.unknown_strict")
    } else if asked.is_some() {
        text!("explain.hostkey.unknown_answered_no")
    } else {
        text!("explain.hostkey.unknown_unasked")
    };
    r.findings.push(
        keyed(
            "hostkey.unknown",
            Stage::Hostkey,
            text!(
                "explain.hostkey.unknown_refused",
                name = &v.name,
                why = why,
                fingerprint = fingerprint
            ),
        )
        .severity(Severity::Error)
        .evidence_all(
            v.all(|m| {
                matches!(
                    m,
                    Msg::ServerHostKey(_)
                        | Msg::NoHostKeyStrict(_)
                        | Msg::Authenticity(_)
                        | Msg::KeyFingerprint(_)
                        | Msg::HostKeyVerificationFailed
                )
            })
            .into_iter()
            .map(ev),
        )
        .fix_text(text!("explain.hostkey.unknown_fix")),
    );
    r.step(
        Stage::Hostkey,
        Status::Fail,
        text!("explain.hostkey.unknown_refused_summary"),
    );
    true
}

/// `transcript.cannot_tell`: "Host key verification failed." with the lines that say why left
/// out of the paste.
fn refused_unexplained(v: &View, cx: &Ctx, r: &mut LaneResult, i: &Item) {
    r.findings.push(
        cannot_tell(
            Stage::Hostkey,
            text!("explain.hostkey.refused", name = &v.name),
            text!("explain.hostkey.refused_rules_out"),
            settle(cx, text!("explain.judge.settle_with_lines_before")),
        )
        .evidence(ev(i)),
    );
    r.step(
        Stage::Hostkey,
        Status::Fail,
        text!("explain.hostkey.refused_summary"),
    );
}

/// `hostkey.unknown` as a warning: first contact, ssh asked (and perhaps recorded the key).
/// Whether it decided the stage.
fn first_contact(v: &View, r: &mut LaneResult, fingerprint: &str) -> bool {
    let Some(i) = v.first(|m| matches!(m, Msg::Authenticity(_))) else {
        return false;
    };
    let added = v.first(|m| matches!(m, Msg::PermanentlyAdded(_)));
    r.findings.push(
        keyed(
            "hostkey.unknown",
            Stage::Hostkey,
            text!(
                "explain.hostkey.first_contact",
                name = &v.name,
                recorded = if added.is_some() {
                    text!("explain.hostkey.first_contact_recorded")
                } else {
                    Text::from("")
                },
                fingerprint = fingerprint
            ),
        )
        .evidence(ev(i))
        .evidence_all(added.into_iter().map(ev)),
    );
    r.step(
        Stage::Hostkey,
        Status::Warn,
        text!("explain.hostkey.first_contact_summary"),
    );
    true
}

/// The key is known (and where), or was recorded now; a warning when a host certificate was
/// refused on the way.
fn known(v: &View, r: &mut LaneResult, cert: bool) {
    let status = if cert { Status::Warn } else { Status::Pass };
    if v.has(|m| matches!(m, Msg::HostKnown(_))) {
        let found = v
            .items
            .iter()
            .find(|i| i.core.starts_with("Found key in "))
            .map(|i| i.core.trim_start_matches("Found key in ").to_string());
        r.step(
            Stage::Hostkey,
            status,
            match found {
                Some(f) => text!("explain.hostkey.known_in", file = f),
                None => text!("explain.hostkey.known"),
            },
        );
    } else if let Some(i) = v.first(|m| matches!(m, Msg::PermanentlyAdded(_))) {
        let recorded = text!("explain.hostkey.recorded", line = &i.core);
        r.step(Stage::Hostkey, status, recorded);
    }
}

/// `hostkey.cert_invalid` (a warning, as the probe's): a trusted CA signed the server's host
/// certificate but ssh refuses it and checks the plain key, whose verdict is the stage's.
fn cert_invalid(v: &View, r: &mut LaneResult) -> bool {
    let lines = v.all(|m| matches!(m, Msg::CertInvalid(_)));
    let Some(first) = lines.first() else {
        return false;
    };
    let why = first.core.trim_end_matches('.');
    r.findings.push(
        keyed(
            "hostkey.cert_invalid",
            Stage::Hostkey,
            text!("explain.hostkey.cert_invalid", name = &v.name, why = why),
        )
        .evidence_all(lines.iter().copied().map(ev)),
    );
    true
}

/// REMOTE HOST IDENTIFICATION HAS CHANGED (or only another type known), refused or let through
/// under StrictHostKeyChecking no.
fn changed(v: &View, cx: &Ctx, r: &mut LaneResult, refused: bool) {
    let new_type = v
        .first(|m| matches!(m, Msg::ChangedKeyType(_)))
        .and_then(|i| match &i.msg {
            Msg::ChangedKeyType(t) => Some(t.clone()),
            _ => None,
        });
    let fingerprint = v
        .first(|m| matches!(m, Msg::Fingerprint(_)))
        .and_then(|i| match &i.msg {
            Msg::Fingerprint(f) => Some(f.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "(not shown)".into());
    let offending = v.all(|m| matches!(m, Msg::Offending { .. }));
    let old_type = offending.iter().find_map(|i| match &i.msg {
        Msg::Offending { kind, .. } => kind.clone(),
        _ => None,
    });
    let name = changed_name(v);
    let other_types =
        matches!((&new_type, &old_type), (Some(n), Some(o)) if !n.eq_ignore_ascii_case(o));
    let unsafe_go_on = !refused && v.has(|m| matches!(m, Msg::MitmDisabled));
    let id = if other_types {
        "hostkey.other_type_known"
    } else {
        "hostkey.changed"
    };
    let shown_type = new_type.clone().unwrap_or_else(|| "another".into());
    let detail = changed_detail_text(&name, &shown_type, other_types, unsafe_go_on);
    let (action, command) = removal(cx, &offending, &name);
    let mut f = keyed(id, Stage::Hostkey, detail)
        .evidence(format!("presented: {shown_type} {fingerprint}"))
        .evidence_all(offending.iter().map(|i| ev(i)))
        .evidence_all(
            v.all(|m| {
                matches!(
                    m,
                    Msg::ChangedStrict(_) | Msg::HostKeyVerificationFailed | Msg::MitmDisabled
                )
            })
            .into_iter()
            .map(ev),
        )
        .fix_text(changed_fix_text(&fingerprint, Some(&command)));
    // ssh went on without trusting the key and disabled password logins: when the login then
    // failed, that is why.
    let denied_after = v.has(|m| matches!(m, Msg::PermissionDenied { .. }));
    if unsafe_go_on && !denied_after {
        f = f.severity(Severity::Warning);
    } else {
        f = f.severity(Severity::Error);
    }
    f.actions.extend(action);
    r.findings.push(f);
    changed_step(r, unsafe_go_on, other_types);
}

/// The host name a changed key is recorded under, as ssh's strict-checking line names it.
fn changed_name(v: &View) -> String {
    v.first(|m| matches!(m, Msg::ChangedStrict(_)))
        .and_then(|i| i.core.split(" for ").nth(1))
        .and_then(|rest| rest.split(" has changed").next())
        .map_or_else(|| v.name.clone(), str::to_string)
}

/// How to forget the recorded key: the local repair (when the transcript is this user's), and
/// the `ssh-keygen -R` command the fix prints.
fn removal(cx: &Ctx, offending: &[&Item], name: &str) -> (Option<ActionOffer>, String) {
    let files: Vec<(String, Option<usize>)> = offending
        .iter()
        .filter_map(|i| match &i.msg {
            Msg::Offending { file, line, .. } => Some((file.clone(), *line)),
            _ => None,
        })
        .collect();
    let action = if cx.mine {
        files
            .first()
            .and_then(|(f, _)| crate::explain::local::remove_action(f, name))
    } else {
        None
    };
    let command = match (&action, files.first()) {
        (Some(a), _) => a.command.clone(),
        (None, Some((file, _))) => format!(
            "ssh-keygen -R {} -f {}",
            crate::fsedit::shell_quote(name),
            crate::fsedit::shell_quote(&file.replace("\\\\", "\\"))
        ),
        (None, None) => format!("ssh-keygen -R {}", crate::fsedit::shell_quote(name)),
    };
    (action, command)
}

/// The stage's line for a changed key: let through (public keys only), or refused.
fn changed_step(r: &mut LaneResult, unsafe_go_on: bool, other_types: bool) {
    if unsafe_go_on {
        r.step(
            Stage::Hostkey,
            Status::Warn,
            text!("explain.hostkey.changed_goes_on"),
        );
    } else {
        r.step(
            Stage::Hostkey,
            Status::Fail,
            if other_types {
                text!("explain.hostkey.other_type_summary")
            } else {
                text!("explain.hostkey.changed_summary")
            },
        );
    }
}
