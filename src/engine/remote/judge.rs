//! The server-side findings from what was seen: StrictModes violations (a warning where sshd
//! demonstrably accepts the path), lines sshd cannot parse, keys not installed, a full disk.

use super::{join_ports, permissions_action, AkState, Inspection, KeyAsked, LoginFacts};
use crate::engine::{Cx, StageEnd, Target};
use crate::event::{Finding, Level, Severity, Stage, Status};
use crate::findings::finding;
use crate::known_hosts::sha256_fingerprint;
use crate::remote_rules::{PathRole, ViolationKind};

fn violation_id(role: PathRole) -> &'static str {
    match role {
        PathRole::Home => "remote.home_permissions",
        PathRole::SshDir | PathRole::OutsideHome => "remote.ssh_dir_permissions",
        PathRole::AuthorizedKeys => "remote.authorized_keys_permissions",
    }
}

pub(super) async fn report(cx: &Cx, t: &Target, seen: &Inspection, facts: &LoginFacts) -> StageEnd {
    match &seen.sshd {
        Some(settings) => {
            let note = if seen.sshd_elsewhere {
                format!(" (this describes the sshd on port {}, from the default sshd_config — not the one on port {}, unless a NAT maps the port; shown, not used to judge)", join_ports(&seen.sshd_ports), t.port)
            } else if t.port == 22 {
                String::new()
            } else {
                " (sshd -T reads the server's default sshd_config; a server on another port may use another file)".to_string()
            };
            cx.log(Stage::Remote, Level::Debug1, format!("sshd -T{note}:")).await;
            for (k, v) in settings {
                cx.log(Stage::Remote, Level::Debug1, format!("  {k} {v}")).await;
                if !seen.sshd_elsewhere {
                    cx.fact(Stage::Remote, &format!("sshd.{k}"), v.clone()).await;
                }
            }
        }
        None => {
            cx.log(
                Stage::Remote,
                Level::Debug1,
                "sshd -T is not available to this account (it needs root); assuming sshd's defaults",
            )
            .await
        }
    }
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
    let mut findings: Vec<Finding> = Vec::new();

    // StrictModes.
    // The chain of the file the key logged in from: sshd accepted every path on it.
    let login_chain: Option<&[String]> = facts.by_key.as_ref().and_then(|k| {
        let (file, _) = seen.find(k)?;
        seen.files
            .iter()
            .find(|f| f.path == file)
            .map(|f| f.chain.as_slice())
    });
    let action = permissions_action(&t.original_host, seen.uid, &seen.violations);
    for v in &seen.violations {
        let refused: Vec<String> = facts
            .keys
            .iter()
            .filter(|k| k.accepted == Some(false))
            .filter_map(|k| seen.find(&k.key).map(|(p, l)| (k, p, l)))
            .map(|(k, p, l)| format!("{} is in {p} line {l}, yet sshd refused it", k.label))
            .collect();
        let mut f = finding(
            violation_id(v.role),
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
        if v.kinds
            .iter()
            .any(|k| matches!(k, ViolationKind::BadOwner { .. }))
        {
            f = f.fix(format!(
                "As root on the server: `chown {} {}`{}",
                crate::fsedit::shell_quote(&t.user),
                crate::fsedit::shell_quote(&v.path),
                v.fixed_mode.map_or(String::new(), |m| format!(
                    ", then `chmod {m:04o} {}`",
                    crate::fsedit::shell_quote(&v.path)
                ))
            ));
        } else if let Some(m) = v.fixed_mode {
            f = f.fix(format!(
                "`chmod {m:04o} {}` on the server (remote.permissions.fix does it after you confirm).",
                crate::fsedit::shell_quote(&v.path)
            ));
        }
        let works_anyway = login_chain.is_some_and(|c| c.contains(&v.path)) || !seen.strict_modes();
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
        f.actions.extend(action.clone());
        findings.push(f);
    }

    // Lines sshd cannot parse.
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

    // The wanted key: configured keys (IdentityFile, -i) the server did not take and that are in
    // no authorized_keys file; with nothing configured, ssh's default keys, but only when no key
    // logged in at all (else a default key that is merely unused would be noise).
    let explicit = facts.keys.iter().any(|k| k.explicit);
    let readable = seen
        .files
        .iter()
        .all(|f| !matches!(f.state, AkState::Unreadable(_)));
    let view_consistent = facts.by_key.as_ref().is_none_or(|k| seen.find(k).is_some());
    if !view_consistent {
        cx.log(
            Stage::Remote,
            Level::Info,
            "the key that logged in is in none of the authorized_keys files looked at: this sshd takes keys from elsewhere (another AuthorizedKeysFile or an AuthorizedKeysCommand), so the files were not judged",
        )
        .await;
    }
    let absent: Vec<&KeyAsked> = facts
        .keys
        .iter()
        .filter(|k| k.explicit || (!explicit && facts.by_key.is_none()))
        .filter(|k| k.accepted == Some(false))
        .filter(|k| seen.find(&k.key).is_none())
        .collect();
    if !absent.is_empty() && readable && view_consistent {
        let files = seen
            .files
            .iter()
            .map(|f| match &f.state {
                AkState::Missing => format!("{}: does not exist", f.path),
                AkState::Read { keys, .. } => {
                    format!("{}: {} key(s), none of them", f.path, keys.keys.len())
                }
                AkState::Unreadable(e) => format!("{}: {e}", f.path),
            })
            .collect::<Vec<_>>();
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
        findings.push(f);
    }

    // The disk.
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
        let inodes_out = seen.inodes_avail.is_some_and(|(avail, _)| avail == 0);
        if d.is_full() || inodes_out {
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
            findings.push(f);
        }
    }

    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    for f in findings {
        cx.finding(f).await;
    }
    let status = if errors > 0 {
        Status::Fail
    } else if warnings > 0 {
        Status::Warn
    } else {
        Status::Pass
    };
    let summary = match (errors, warnings) {
        (0, 0) => format!("{}: permissions as sshd wants them", seen.home),
        _ => format!("{errors} problem(s), {warnings} warning(s) on the server"),
    };
    StageEnd::new(status, summary)
}
