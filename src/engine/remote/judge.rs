//! The server-side findings from what was seen: StrictModes violations (a warning where sshd
//! demonstrably accepts the path), lines sshd cannot parse, keys not installed, a full disk.
//! The logging of what was seen is apart from the judging, which is pure.

use super::{join_ports, permissions_action, AkState, Inspection, KeyAsked, LoginFacts};
use crate::engine::{Cx, StageEnd, Target};
use crate::event::{Finding, Level, Severity, Stage};
use crate::findings::{finding, stage_status};
use crate::fsedit::shell_quote;
use crate::known_hosts::sha256_fingerprint;
use crate::remote_rules::{PathRole, Violation};

/// Log what was seen, judge it, emit the findings and end the stage.
pub(super) async fn report(cx: &Cx, t: &Target, seen: &Inspection, facts: &LoginFacts) -> StageEnd {
    log_sshd(cx, t, seen).await;
    log_files(cx, seen).await;
    if !view_consistent(seen, facts) {
        cx.log(
            Stage::Remote,
            Level::Info,
            "the key that logged in is in none of the authorized_keys files looked at: this sshd takes keys from elsewhere (another AuthorizedKeysFile or an AuthorizedKeysCommand), so the files were not judged",
        )
        .await;
    }
    log_disk(cx, seen).await;
    let mut findings = strict_modes_findings(t, seen, facts);
    findings.extend(malformed_findings(seen));
    findings.extend(key_not_installed(t, seen, facts));
    findings.extend(disk_full(seen));
    conclude(cx, seen, findings).await
}

/// `sshd -T`'s settings (facts only where they describe the sshd connected to).
async fn log_sshd(cx: &Cx, t: &Target, seen: &Inspection) {
    let Some(settings) = &seen.sshd else {
        cx.log(
            Stage::Remote,
            Level::Debug1,
            "sshd -T is not available to this account (it needs root); assuming sshd's defaults",
        )
        .await;
        return;
    };
    let note = if seen.sshd_elsewhere {
        format!(" (this describes the sshd on port {}, from the default sshd_config — not the one on port {}, unless a NAT maps the port; shown, not used to judge)", join_ports(&seen.sshd_ports), t.port)
    } else if t.port == 22 {
        String::new()
    } else {
        " (sshd -T reads the server's default sshd_config; a server on another port may use another file)".to_string()
    };
    cx.log(Stage::Remote, Level::Debug1, format!("sshd -T{note}:"))
        .await;
    for (k, v) in settings {
        cx.log(Stage::Remote, Level::Debug1, format!("  {k} {v}"))
            .await;
        if !seen.sshd_elsewhere {
            cx.fact(Stage::Remote, &format!("sshd.{k}"), v.clone())
                .await;
        }
    }
}

/// Where the AuthorizedKeysFile list came from, and each file's state.
async fn log_files(cx: &Cx, seen: &Inspection) {
    cx.log(
        Stage::Remote,
        Level::Debug1,
        format!("AuthorizedKeysFile from {}", seen.akf_source),
    )
    .await;
    for f in &seen.files {
        let text = match &f.state {
            AkState::Missing => format!("{}: does not exist", f.path),
            AkState::Unreadable(e) => format!("{}: cannot be read: {e}", f.path),
            AkState::Read { keys, real } => {
                let via = if real == &f.path {
                    String::new()
                } else {
                    format!(" (-> {real})")
                };
                format!(
                    "{}{via}: {} key(s), {} line(s) sshd cannot parse",
                    f.path,
                    keys.keys.len(),
                    keys.malformed.len()
                )
            }
        };
        cx.log(Stage::Remote, Level::Debug1, text).await;
    }
}

/// The home filesystem's use, when known.
async fn log_disk(cx: &Cx, seen: &Inspection) {
    if let Some(d) = &seen.disk {
        cx.log(
            Stage::Remote,
            Level::Debug1,
            format!(
                "home filesystem: {} KiB free of {} KiB ({}% used)",
                d.available_kib, d.size_kib, d.use_percent
            ),
        )
        .await;
    }
}

/// Whether the files looked at can explain the login: the key that logged in (if one did) is
/// in one of them.
fn view_consistent(seen: &Inspection, facts: &LoginFacts) -> bool {
    facts.by_key.as_ref().is_none_or(|k| seen.find(k).is_some())
}

/// A finding for each StrictModes violation, with the chmod action where the account can fix it.
fn strict_modes_findings(t: &Target, seen: &Inspection, facts: &LoginFacts) -> Vec<Finding> {
    // The chain of the file the key logged in from: sshd accepted every path on it.
    let login_chain: Option<&[String]> = facts.by_key.as_ref().and_then(|k| {
        let (file, _) = seen.find(k)?;
        seen.files
            .iter()
            .find(|f| f.path == file)
            .map(|f| f.chain.as_slice())
    });
    let action = permissions_action(&t.original_host, seen.uid, &seen.violations);
    let refused = refused_installed_keys(seen, facts);
    seen.violations
        .iter()
        .map(|v| {
            let mut f = violation_finding(t, seen, v, refused.clone());
            let works_anyway =
                login_chain.is_some_and(|c| c.contains(&v.path)) || !seen.strict_modes();
            soften_violation(&mut f, seen, v, works_anyway);
            f.actions.extend(action.clone());
            f
        })
        .collect()
}

/// The keys sshd refused although they are installed: "LABEL is in FILE line N, yet sshd refused it".
fn refused_installed_keys(seen: &Inspection, facts: &LoginFacts) -> Vec<String> {
    facts
        .keys
        .iter()
        .filter(|k| k.accepted == Some(false))
        .filter_map(|k| seen.find(&k.key).map(|(p, l)| (k, p, l)))
        .map(|(k, p, l)| format!("{} is in {p} line {l}, yet sshd refused it", k.label))
        .collect()
}

/// One violation as an error finding: what is wrong, the path's mode and owner, the fix.
fn violation_finding(
    t: &Target,
    seen: &Inspection,
    v: &Violation,
    refused: Vec<String>,
) -> Finding {
    let f = finding(
        v.role.finding_id(),
        Stage::Remote,
        format!(
            "{}. With StrictModes (sshd's default) sshd ignores {} and logs \"Authentication refused: bad ownership or modes\" only on the server.",
            v.explanation(),
            if v.role == PathRole::AuthorizedKeys { "this file" } else { "every authorized_keys file below it" }
        ),
    )
    .evidence(format!(
        "{}: mode {}, owner uid {}{}",
        v.path,
        v.mode_text(),
        v.uid,
        seen.uid.map_or(String::new(), |u| format!(" (the account is uid {u})"))
    ))
    .evidence_all(refused);
    match violation_fix(&t.user, v) {
        Some(fix) => f.fix(fix),
        None => f,
    }
}

/// The commands repairing a violation: a chown as root (and the chmod), or the chmod alone.
fn violation_fix(user: &str, v: &Violation) -> Option<String> {
    if v.bad_owner() {
        Some(format!(
            "As root on the server: `chown {} {}`{}",
            shell_quote(user),
            shell_quote(&v.path),
            v.fixed_mode.map_or(String::new(), |m| format!(
                ", then `chmod {m:04o} {}`",
                shell_quote(&v.path)
            ))
        ))
    } else {
        v.fixed_mode.map(|m| {
            format!(
                "`chmod {m:04o} {}` on the server (remote.permissions.fix does it after you confirm).",
                shell_quote(&v.path)
            )
        })
    }
}

/// A warning instead of an error where this sshd demonstrably accepts the path: Debian's
/// private-group rule, a key that logged in through it, or StrictModes off.
fn soften_violation(f: &mut Finding, seen: &Inspection, v: &Violation, works_anyway: bool) {
    if seen.private_group_only.contains(&v.path) {
        f.severity = Severity::Warning;
        f.detail.push_str(" Only the account's own private group may write here: Debian's and Ubuntu's sshd accept that, upstream OpenSSH (and other systems) refuse it.");
    } else if works_anyway {
        f.severity = Severity::Warning;
        f.detail.push_str(if seen.strict_modes() {
            " A key logged in anyway, so this sshd does not apply StrictModes here (or reads keys from elsewhere); fix it before someone turns it on."
        } else {
            " This sshd runs with StrictModes no, so it does not refuse the keys — but anyone in the group can add a key and log in as this account."
        });
    }
}

/// A finding for each authorized_keys file with lines sshd cannot parse.
fn malformed_findings(seen: &Inspection) -> Vec<Finding> {
    let mut findings = Vec::new();
    for f in &seen.files {
        if let AkState::Read { keys, .. } = &f.state {
            if !keys.malformed.is_empty() {
                findings.push(
                    finding(
                        "remote.authorized_keys_malformed",
                        Stage::Remote,
                        format!(
                            "{} has {} line(s) sshd cannot parse; it skips them, so a key written there does not work.",
                            f.path,
                            keys.malformed.len()
                        ),
                    )
                    .evidence_all(keys.malformed.iter().map(|m| {
                        format!("{}:{}: {} — {}", f.path, m.line, m.preview, m.reason)
                    })),
                );
            }
        }
    }
    findings
}

/// The wanted keys the server refused and no authorized_keys file holds: configured keys
/// (IdentityFile, -i); with nothing configured, ssh's default keys, but only when no key
/// logged in at all (else a default key that is merely unused would be noise).
fn absent_keys<'a>(seen: &Inspection, facts: &'a LoginFacts) -> Vec<&'a KeyAsked> {
    let explicit = facts.keys.iter().any(|k| k.explicit);
    facts
        .keys
        .iter()
        .filter(|k| k.explicit || (!explicit && facts.by_key.is_none()))
        .filter(|k| k.accepted == Some(false))
        .filter(|k| seen.find(&k.key).is_none())
        .collect()
}

/// `remote.key_not_installed`, where every file could be read and explains the login.
fn key_not_installed(t: &Target, seen: &Inspection, facts: &LoginFacts) -> Option<Finding> {
    let absent = absent_keys(seen, facts);
    let readable = seen
        .files
        .iter()
        .all(|f| !matches!(f.state, AkState::Unreadable(_)));
    if absent.is_empty() || !readable || !view_consistent(seen, facts) {
        return None;
    }
    let files = seen.files.iter().map(|f| match &f.state {
        AkState::Missing => format!("{}: does not exist", f.path),
        AkState::Read { keys, .. } => {
            format!("{}: {} key(s), none of them", f.path, keys.keys.len())
        }
        AkState::Unreadable(e) => format!("{}: {e}", f.path),
    });
    let first = absent[0];
    let pub_hint = if first.label.starts_with("agent:") {
        "the key's .pub file".to_string()
    } else {
        crate::fsedit::shell_quote_path(&format!("{}.pub", first.label))
    };
    let mut f = finding(
        "remote.key_not_installed",
        Stage::Remote,
        format!(
            "{} {} not in the account's authorized_keys, so the server refuses {}.",
            absent.iter().map(|k| k.label.clone()).collect::<Vec<_>>().join(", "),
            if absent.len() == 1 { "is" } else { "are" },
            if absent.len() == 1 { "it" } else { "them" }
        ),
    )
    .evidence_all(absent.iter().map(|k| format!("{}: {}", k.label, sha256_fingerprint(&k.key))))
    .evidence(format!("AuthorizedKeysFile from {}", seen.akf_source))
    .evidence_all(files)
    .fix(format!(
        "Install it: `ssh-copy-id -i {pub_hint} {}`, or `sshdoctor onboard {}` (checks the permissions too).",
        t.ssh_args, t.ssh_args
    ));
    if facts.by_key.is_some() {
        f.severity = Severity::Warning;
        f.detail.push_str(" Another key logged in meanwhile.");
    }
    Some(f)
}

/// `remote.disk_full`: no free blocks or no free inodes on the home filesystem.
fn disk_full(seen: &Inspection) -> Option<Finding> {
    let d = seen.disk.as_ref()?;
    let inodes_out = seen.inodes_avail.is_some_and(|(avail, _)| avail == 0);
    if !d.is_full() && !inodes_out {
        return None;
    }
    let mut f = finding(
        "remote.disk_full",
        Stage::Remote,
        if inodes_out {
            format!("The filesystem holding {} has no free inodes: no new file can be created (sshd's and the shell's own files, authorized_keys edits, X11 and agent sockets).", seen.home)
        } else {
            format!("The filesystem holding {} is full ({}% used, {} KiB free): writes fail, so logins misbehave in odd ways (no lastlog, no xauth, shells that cannot start, editors that truncate authorized_keys).", seen.home, d.use_percent, d.available_kib)
        },
    )
    .evidence(format!(
        "statvfs {}: {} KiB of {} KiB free, {}% used",
        seen.home, d.available_kib, d.size_kib, d.use_percent
    ));
    if let Some((avail, total)) = seen.inodes_avail {
        f = f.evidence(format!("inodes: {avail} free of {total}"));
    }
    Some(f)
}

/// Emit the findings; the stage fails on an error, warns on anything else.
async fn conclude(cx: &Cx, seen: &Inspection, findings: Vec<Finding>) -> StageEnd {
    let status = stage_status(&findings);
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    for f in findings {
        cx.finding(f).await;
    }
    let summary = match (errors, warnings) {
        (0, 0) => format!("{}: permissions as sshd wants them", seen.home),
        _ => format!("{errors} problem(s), {warnings} warning(s) on the server"),
    };
    StageEnd::new(status, summary)
}
