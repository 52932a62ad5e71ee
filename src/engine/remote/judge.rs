//! The server-side findings from what was seen: StrictModes violations (a warning where sshd
//! demonstrably accepts the path), lines sshd cannot parse, keys not installed, a full disk.
//! The logging of what was seen is apart from the judging, which is pure.

use super::{join_ports, permissions_action, AkState, Inspection, KeyAsked, LoginFacts};
use crate::engine::{Cx, StageEnd, Target};
use crate::event::{Finding, Level, Severity, Stage};
use crate::findings::{keyed, stage_status};
use crate::fsedit::shell_quote;
use crate::i18n::Text;
use crate::known_hosts::sha256_fingerprint;
use crate::remote_rules::{PathRole, Violation};
use crate::text;

/// Log what was seen, judge it, emit the findings and end the stage.
pub(super) async fn report(cx: &Cx, t: &Target, seen: &Inspection, facts: &LoginFacts) -> StageEnd {
    log_sshd(cx, t, seen).await;
    log_files(cx, seen).await;
    if !view_consistent(seen, facts) {
        cx.say(
            Stage::Remote,
            Level::Info,
            text!("engine.remote.keys_from_elsewhere"),
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
        cx.say(
            Stage::Remote,
            Level::Debug1,
            text!("engine.remote.sshd_t_unavailable"),
        )
        .await;
        return;
    };
    let heading = if seen.sshd_elsewhere {
        text!(
            "engine.remote.sshd_t_elsewhere",
            ports = join_ports(&seen.sshd_ports),
            port = t.port
        )
    } else if t.port == 22 {
        text!("engine.remote.sshd_t_heading")
    } else {
        text!("engine.remote.sshd_t_other_port")
    };
    cx.say(Stage::Remote, Level::Debug1, heading).await;
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
    let source = seen.akf_source.clone();
    cx.say(
        Stage::Remote,
        Level::Debug1,
        text!("engine.remote.akf_from", source = source),
    )
    .await;
    for f in &seen.files {
        let said = match &f.state {
            AkState::Missing => text!("engine.remote.file_missing", path = &f.path),
            AkState::Unreadable(e) => {
                text!(
                    "engine.remote.file_unreadable",
                    path = &f.path,
                    error = e.clone()
                )
            }
            AkState::Read { keys, real } => {
                let path = if real == &f.path {
                    Text::from(&f.path)
                } else {
                    Text::from(format!("{} (-> {real})", f.path))
                };
                text!(
                    "engine.remote.file_read",
                    path = path,
                    keys = keys.keys.len(),
                    malformed = keys.malformed.len()
                )
            }
        };
        cx.say(Stage::Remote, Level::Debug1, said).await;
    }
}

/// The home filesystem's use, when known.
async fn log_disk(cx: &Cx, seen: &Inspection) {
    if let Some(d) = &seen.disk {
        let said = text!(
            "engine.remote.disk_use",
            free = d.available_kib,
            size = d.size_kib,
            used = d.use_percent
        );
        cx.say(Stage::Remote, Level::Debug1, said).await;
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
            let works_anyway =
                login_chain.is_some_and(|c| c.contains(&v.path)) || !seen.strict_modes();
            let softened = soften_violation(seen, v, works_anyway);
            let mut f = violation_finding(t, seen, v, refused.clone(), softened.clone());
            if softened.is_some() {
                f.severity = Severity::Warning;
            }
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

/// One violation as an error finding: what is wrong, the path's mode and owner, the fix;
/// `softened` is the sentence added where this sshd accepts the path anyway.
fn violation_finding(
    t: &Target,
    seen: &Inspection,
    v: &Violation,
    refused: Vec<String>,
    softened: Option<Text>,
) -> Finding {
    let explanation = v.explanation_text();
    let detail = if v.role == PathRole::AuthorizedKeys {
        text!("engine.remote.violation_file", explanation = explanation)
    } else {
        text!("engine.remote.violation_dir", explanation = explanation)
    };
    let detail = Text::join([detail, softened.unwrap_or(Text::from(""))], " ");
    let f = keyed(v.role.finding_id(), Stage::Remote, detail)
        .evidence(format!(
            "{}: mode {}, owner uid {}{}",
            v.path,
            v.mode_text(),
            v.uid,
            seen.uid
                .map_or(String::new(), |u| format!(" (the account is uid {u})"))
        ))
        .evidence_all(refused);
    match violation_fix(&t.user, v) {
        Some(fix) => f.fix_text(fix),
        None => f,
    }
}

/// The commands repairing a violation: a chown as root (and the chmod), or the chmod alone.
fn violation_fix(user: &str, v: &Violation) -> Option<Text> {
    let (user, path) = (shell_quote(user), shell_quote(&v.path));
    match (v.bad_owner(), v.fixed_mode) {
        (true, None) => Some(text!("engine.remote.chown_fix", user = user, path = path)),
        (true, Some(m)) => Some(text!(
            "engine.remote.chown_chmod_fix",
            user = user,
            path = path,
            mode = format!("{m:04o}")
        )),
        (false, Some(m)) => Some(text!(
            "engine.remote.chmod_fix",
            path = path,
            mode = format!("{m:04o}")
        )),
        (false, None) => None,
    }
}

/// The sentence making a violation a warning instead of an error where this sshd
/// demonstrably accepts the path: Debian's private-group rule, a key that logged in through
/// it, or StrictModes off.
fn soften_violation(seen: &Inspection, v: &Violation, works_anyway: bool) -> Option<Text> {
    if seen.private_group_only.contains(&v.path) {
        Some(text!("engine.remote.private_group_only"))
    } else if works_anyway && seen.strict_modes() {
        Some(text!("engine.remote.logged_in_anyway"))
    } else if works_anyway {
        Some(text!("engine.remote.strict_modes_off"))
    } else {
        None
    }
}

/// A finding for each authorized_keys file with lines sshd cannot parse.
fn malformed_findings(seen: &Inspection) -> Vec<Finding> {
    let mut findings = Vec::new();
    for f in &seen.files {
        if let AkState::Read { keys, .. } = &f.state {
            if !keys.malformed.is_empty() {
                let detail = text!(
                    "engine.remote.malformed_detail",
                    path = &f.path,
                    n = keys.malformed.len()
                );
                findings.push(
                    keyed("remote.authorized_keys_malformed", Stage::Remote, detail).evidence_all(
                        keys.malformed.iter().map(|m| {
                            format!("{}:{}: {} — {}", f.path, m.line, m.preview, m.reason)
                        }),
                    ),
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
        AkState::Unreadable(e) => format!("{}: {}", f.path, e.english()),
    });
    let first = absent[0];
    let pub_hint = if first.label.starts_with("agent:") {
        "the key's .pub file".to_string()
    } else {
        crate::fsedit::shell_quote_path(&format!("{}.pub", first.label))
    };
    let keys = absent
        .iter()
        .map(|k| k.label.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let detail = match absent.len() {
        1 => text!("engine.remote.key_not_installed_one", keys = keys),
        _ => text!("engine.remote.key_not_installed_many", keys = keys),
    };
    let detail = match facts.by_key {
        Some(_) => detail.then(" ", text!("engine.remote.another_key_logged_in")),
        None => detail,
    };
    let mut f = keyed("remote.key_not_installed", Stage::Remote, detail)
        .evidence_all(
            absent
                .iter()
                .map(|k| format!("{}: {}", k.label, sha256_fingerprint(&k.key))),
        )
        .evidence(format!(
            "AuthorizedKeysFile from {}",
            seen.akf_source.english()
        ))
        .evidence_all(files)
        .fix_text(text!(
            "engine.remote.install_fix",
            pub_hint = pub_hint,
            args = &t.ssh_args
        ));
    if facts.by_key.is_some() {
        f.severity = Severity::Warning;
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
    let detail = if inodes_out {
        text!("engine.remote.no_inodes", home = &seen.home)
    } else {
        text!(
            "engine.remote.disk_full",
            home = &seen.home,
            used = d.use_percent,
            free = d.available_kib
        )
    };
    let mut f = keyed("remote.disk_full", Stage::Remote, detail).evidence(format!(
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
        (0, 0) => text!("engine.remote.all_well", home = &seen.home),
        _ => text!(
            "engine.remote.problems",
            errors = errors,
            warnings = warnings
        ),
    };
    StageEnd::text(status, summary)
}

#[cfg(test)]
#[path = "judge_i18n_tests.rs"]
mod i18n_tests;
