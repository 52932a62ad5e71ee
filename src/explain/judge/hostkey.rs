//! The host-key stage as a transcript shows it: known, first contact (asked, recorded or
//! refused), changed (and only another type known), revoked, a host certificate refused.

use super::{cannot_tell, ev, settle, Ctx, LaneResult, View};
use crate::engine::shared::{changed_detail, changed_fix};
use crate::event::{Severity, Stage, Status};
use crate::explain::classify::Msg;
use crate::findings::finding;

pub(super) fn hostkey(v: &View, cx: &Ctx, r: &mut LaneResult) {
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
    let failed = v.first(|m| matches!(m, Msg::HostKeyVerificationFailed));
    if let Some(i) = v.first(|m| matches!(m, Msg::Revoked)) {
        let lines = v.all(|m| matches!(m, Msg::Revoked | Msg::HostKeyVerificationFailed));
        r.findings.push(
            finding(
                "hostkey.revoked",
                Stage::Hostkey,
                format!("The key {} presented is marked as revoked (a @revoked line in known_hosts or RevokedHostKeys); ssh refuses it whatever StrictHostKeyChecking says. Nothing secret was sent. Treat the server as compromised until its administrator says otherwise.", v.name),
            )
            .evidence_all(presented.iter().map(|k| format!("presented: {k}")))
            .evidence_all(lines.into_iter().map(ev)),
        );
        let _ = i;
        r.step(Stage::Hostkey, Status::Fail, "host key revoked");
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
    let strict = v.first(|m| matches!(m, Msg::NoHostKeyStrict(_)));
    let asked = v.first(|m| matches!(m, Msg::Authenticity(_)));
    let fingerprint = v
        .first(|m| matches!(m, Msg::KeyFingerprint(_)))
        .map(|i| i.core.clone())
        .or_else(|| presented.clone())
        .unwrap_or_else(|| "(not shown)".into());
    // ssh's debug lines show the key it was given, and nothing about it but the refusal: no
    // warning (changed, revoked), no question. That is an unknown key under BatchMode (ssh
    // refuses without printing its question) or with no terminal to ask on.
    let unasked = presented.is_some() && failed.is_some_and(|f| v.debug_before(f));
    if let (Some(i), Some(_)) = (strict.or(asked).or(failed.filter(|_| unasked)), failed) {
        let why = if strict.is_some() {
            "StrictHostKeyChecking yes (or BatchMode with the key unknown) makes ssh refuse it without asking"
        } else if asked.is_some() {
            "ssh asked, and the answer was no (or there was no terminal to answer: BatchMode, a script, an IDE)"
        } else {
            "ssh refused it without asking: with BatchMode (or no terminal to ask on) an unknown key is refused silently — a changed or revoked key would have been named in a warning above"
        };
        r.findings.push(
            finding(
                "hostkey.unknown",
                Stage::Hostkey,
                format!("No known_hosts file has the key of {}, and {why}: \"Host key verification failed.\" Compare this fingerprint with one obtained another way, then record it:\n{fingerprint}", v.name),
            )
            .severity(Severity::Error)
            .evidence_all(v.all(|m| matches!(m, Msg::ServerHostKey(_) | Msg::NoHostKeyStrict(_) | Msg::Authenticity(_) | Msg::KeyFingerprint(_) | Msg::HostKeyVerificationFailed)).into_iter().map(ev))
            .fix("Get the server's fingerprint another way (its console: `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`), compare it, then record the key once with `ssh-keyscan -p PORT HOST >> ~/.ssh/known_hosts` — or connect once interactively and answer yes. For automation, ship a known_hosts line instead of disabling the check."),
        );
        let _ = i;
        r.step(Stage::Hostkey, Status::Fail, "unknown host: ssh refuses");
        return;
    }
    if let Some(i) = failed {
        r.findings.push(
            cannot_tell(
                Stage::Hostkey,
                &format!("ssh refused the host key of {}: \"Host key verification failed.\"", v.name),
                "the network, the server's identification and the key exchange (ssh got as far as the key); the lines above it, left out of the paste, say whether the key was unknown, changed or revoked",
                &settle(cx, ", with the lines before \"Host key verification failed\""),
            )
            .evidence(ev(i)),
        );
        r.step(Stage::Hostkey, Status::Fail, "host key refused");
        return;
    }
    if let Some(i) = asked {
        let added = v.first(|m| matches!(m, Msg::PermanentlyAdded(_)));
        r.findings.push(
            finding(
                "hostkey.unknown",
                Stage::Hostkey,
                format!("First contact with {}: ssh showed this fingerprint and asked whether to trust it{}:\n{fingerprint}", v.name, if added.is_some() { ", and it was accepted and recorded" } else { "" }),
            )
            .evidence(ev(i))
            .evidence_all(added.into_iter().map(ev)),
        );
        r.step(Stage::Hostkey, Status::Warn, "unknown host (first contact)");
        return;
    }
    if let Some(i) = v.first(|m| matches!(m, Msg::HostKnown(_))) {
        let found = v
            .items
            .iter()
            .find(|i| i.core.starts_with("Found key in "))
            .map(|i| i.core.trim_start_matches("Found key in ").to_string());
        let _ = i;
        r.step(
            Stage::Hostkey,
            if cert { Status::Warn } else { Status::Pass },
            match found {
                Some(f) => format!("known ({f})"),
                None => "known".to_string(),
            },
        );
    } else if let Some(i) = v.first(|m| matches!(m, Msg::PermanentlyAdded(_))) {
        r.step(
            Stage::Hostkey,
            if cert { Status::Warn } else { Status::Pass },
            format!("recorded: {}", i.core),
        );
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
        finding(
            "hostkey.cert_invalid",
            Stage::Hostkey,
            format!("{} presents a host certificate signed by a CA its known_hosts trusts (@cert-authority), but ssh finds it invalid: \"{why}\". ssh ignores the certificate and checks the plain key instead; the verdict on the host key follows that key.", v.name),
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
    let name = v
        .first(|m| matches!(m, Msg::ChangedStrict(_)))
        .and_then(|i| i.core.split(" for ").nth(1))
        .and_then(|rest| rest.split(" has changed").next())
        .map_or_else(|| v.name.clone(), str::to_string);
    let other_types =
        matches!((&new_type, &old_type), (Some(n), Some(o)) if !n.eq_ignore_ascii_case(o));
    let unsafe_go_on = !refused && v.has(|m| matches!(m, Msg::MitmDisabled));
    let id = if other_types {
        "hostkey.other_type_known"
    } else {
        "hostkey.changed"
    };
    let shown_type = new_type.clone().unwrap_or_else(|| "another".into());
    let detail = changed_detail(&name, &shown_type, other_types, unsafe_go_on);
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
            .and_then(|(f, _)| crate::explain::local::remove_action(f, &name))
    } else {
        None
    };
    let command = match (&action, files.first()) {
        (Some(a), _) => a.command.clone(),
        (None, Some((file, _))) => format!(
            "ssh-keygen -R {} -f {}",
            crate::fsedit::shell_quote(&name),
            crate::fsedit::shell_quote(&file.replace("\\\\", "\\"))
        ),
        (None, None) => format!("ssh-keygen -R {}", crate::fsedit::shell_quote(&name)),
    };
    let mut f = finding(id, Stage::Hostkey, detail)
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
        .fix(changed_fix(&fingerprint, Some(&command)));
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
    if unsafe_go_on {
        r.step(Stage::Hostkey, Status::Warn, "host key changed: ssh goes on, public-key authentication only (StrictHostKeyChecking no)");
    } else {
        r.step(
            Stage::Hostkey,
            Status::Fail,
            if other_types {
                "host key: only keys of another type are recorded"
            } else {
                "host key changed"
            },
        );
    }
}
