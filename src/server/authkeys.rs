//! The `authorized_keys` stage (with `--user`): every AuthorizedKeysFile of the account
//! (from `sshd -T -C user=…`, tokens expanded as sshd does), its StrictModes chain judged by
//! the remote stage's own rules ([`crate::remote_rules`]), the lines sshd cannot parse, and
//! the options that limit a key.

use super::account::Account;
use super::emit::{End, Out};
use super::repairs::{chmod_action, Chmod};
use super::{Options, Seen};
use crate::event::{Finding, Level, Severity, Stage};
use crate::findings::keyed;
use crate::fsedit::shell_quote;
use crate::i18n::Text;
use crate::remote_rules::{
    check_strict_modes, debian_tolerates_group_write, parse_authorized_keys, strict_modes_chain,
    AuthorizedKeys, PathRole, RemoteStat, Restrictions, Violation,
};
use crate::text;
use std::os::unix::fs::MetadataExt;

/// The largest authorized_keys file read.
const MAX_KEYS_FILE: u64 = 16 << 20;

/// One AuthorizedKeysFile, as found.
struct KeysFile {
    path: String,
    /// realpath and what sshd makes of it; `Err` when missing or unreadable (the note).
    read: Result<(String, AuthorizedKeys), Text>,
}

/// Run the stage.
pub(super) async fn stage(out: &Out, options: &Options, seen: &mut Seen) {
    let Some(acc) = seen.account.clone() else {
        let why = if options.user.is_some() {
            text!("server.authkeys.no_account")
        } else {
            text!("server.account.no_user")
        };
        out.skipped(Stage::AuthorizedKeys, why).await;
        return;
    };
    let since = out.started(Stage::AuthorizedKeys).await;
    let end = run(out, &acc, options, seen).await;
    out.finished(Stage::AuthorizedKeys, since, end).await;
}

/// Read every AuthorizedKeysFile of the account and judge it: StrictModes on each file's
/// chain, the lines sshd cannot parse, the options that limit a key, no key at all.
async fn run(out: &Out, acc: &Account, options: &Options, seen: &mut Seen) -> End {
    let value = seen
        .get("authorizedkeysfile")
        .unwrap_or(".ssh/authorized_keys .ssh/authorized_keys2")
        .to_string();
    let home =
        std::fs::canonicalize(&acc.home).map_or(acc.home.clone(), |p| p.display().to_string());
    let paths =
        crate::engine::remote::authorized_keys_files(&value, &acc.home, &acc.name, Some(acc.uid));
    out.log(
        Stage::AuthorizedKeys,
        Level::Debug1,
        format!("AuthorizedKeysFile {value} → {}", paths.join(" ")),
    )
    .await;
    let files: Vec<KeysFile> = paths.iter().map(|p| read(p)).collect();
    let strict = seen.get("strictmodes") != Some("no");
    let mut violations: Vec<(Violation, u32)> = Vec::new();
    for f in &files {
        log_file(out, f).await;
        if let Ok((real, _)) = &f.read {
            for (v, gid) in chain_violations(real, &home, acc.uid) {
                if !violations.iter().any(|(w, _)| w.path == v.path) {
                    violations.push((v, gid));
                }
            }
        }
    }
    let keys: usize = files
        .iter()
        .filter_map(|f| f.read.as_ref().ok())
        .map(|(_, parsed)| parsed.keys.len())
        .sum();
    let mut findings = strict_findings(acc, &violations, strict, seen);
    findings.extend(parse_findings(&files));
    findings.extend(option_findings(&files, options.from.as_deref()));
    let external = seen
        .get("authorizedkeyscommand")
        .is_some_and(|c| c != "none");
    if keys == 0 && !external {
        findings.push(no_keys(acc, &files));
    }
    let status = out.findings(findings).await;
    let strict_modes = if violations.is_empty() {
        text!("server.authkeys.satisfied")
    } else {
        text!("server.authkeys.refuses")
    };
    let summary = text!(
        "server.authkeys.summary",
        files = files.len(),
        keys = keys,
        strict_modes = strict_modes
    );
    End::text(status, summary)
}

/// What was found at one location: its keys and unparsable lines, or why it was not read.
async fn log_file(out: &Out, f: &KeysFile) {
    let said = match &f.read {
        Ok((real, parsed)) => text!(
            "server.authkeys.file_read",
            path = if real == &f.path {
                f.path.clone()
            } else {
                format!("{} (→ {real})", f.path)
            },
            keys = parsed.keys.len(),
            malformed = parsed.malformed.len()
        ),
        Err(note) => text!(
            "server.authkeys.file_note",
            path = &f.path,
            note = note.clone()
        ),
    };
    out.say(Stage::AuthorizedKeys, Level::Info, said).await;
}

/// `server.no_authorized_keys`: no location holds a key sshd can use.
fn no_keys(acc: &Account, files: &[KeysFile]) -> Finding {
    let detail = text!("server.authkeys.no_keys_detail", user = &acc.name);
    keyed("server.no_authorized_keys", Stage::AuthorizedKeys, detail)
        .evidence_all(files.iter().map(|f| {
            format!(
                "{}: {}",
                f.path,
                f.read
                    .as_ref()
                    .map_or_else(Text::english, |(_, k)| format!("{} key(s)", k.keys.len()))
            )
        }))
        .fix_text(text!(
            "server.authkeys.no_keys_fix",
            q = shell_quote(&acc.name)
        ))
}

fn read(path: &str) -> KeysFile {
    use std::io::Read;
    let read = (|| {
        let real =
            std::fs::canonicalize(path).map_err(|_| text!("server.authkeys.does_not_exist"))?;
        let mut bytes = Vec::new();
        std::fs::File::open(&real)
            .and_then(|f| f.take(MAX_KEYS_FILE).read_to_end(&mut bytes))
            .map_err(|e| text!("server.hostkeys.unreadable", error = e.to_string()))?;
        Ok((real.display().to_string(), parse_authorized_keys(&bytes)))
    })();
    KeysFile {
        path: path.to_string(),
        read,
    }
}

/// The StrictModes violations on a file's chain (each with the path's group, for Debian's
/// private-group rule), by the remote stage's rules.
fn chain_violations(real: &str, home: &str, uid: u32) -> Vec<(Violation, u32)> {
    let chain = strict_modes_chain(real, home);
    let stats: Vec<(RemoteStat, PathRole, u32)> = chain
        .into_iter()
        .filter_map(|(path, role)| {
            let m = std::fs::symlink_metadata(&path).ok()?;
            Some((
                RemoteStat {
                    path,
                    uid: m.uid(),
                    mode: m.mode(),
                },
                role,
                m.gid(),
            ))
        })
        .collect();
    let pairs: Vec<(RemoteStat, PathRole)> =
        stats.iter().map(|(s, r, _)| (s.clone(), *r)).collect();
    check_strict_modes(uid, &pairs)
        .into_iter()
        .map(|v| {
            let gid = stats
                .iter()
                .find(|(s, _, _)| s.path == v.path)
                .map_or(u32::MAX, |(_, _, g)| *g);
            (v, gid)
        })
        .collect()
}

/// Whether Debian's sshd accepts this group-writable path: the group is the user's own
/// private group, with no other member (from /etc/passwd and /etc/group).
fn private_group(v: &Violation, gid: u32, acc: &Account) -> bool {
    if !v.group_write_only() {
        return false;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let primary: Vec<u32> = passwd
        .lines()
        .filter_map(super::account::parse_passwd)
        .filter(|a| a.gid == gid)
        .map(|a| a.uid)
        .collect();
    let group = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let members: Vec<&str> = group
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() >= 4 && f[2].parse() == Ok(gid))
        .map(|f| f[3].split(',').filter(|m| !m.is_empty()).collect())
        .unwrap_or_default();
    debian_tolerates_group_write(acc.uid, &acc.name, &primary, &members)
}

/// A finding for each StrictModes violation, with the chmods offered (and kept in `seen`
/// for `--fix`); a warning where this sshd accepts the path anyway.
pub(super) fn strict_findings(
    acc: &Account,
    violations: &[(Violation, u32)],
    strict: bool,
    seen: &mut Seen,
) -> Vec<Finding> {
    let chmods: Vec<Chmod> = violations
        .iter()
        .filter_map(|(v, _)| {
            v.fixed_mode.map(|to| Chmod {
                path: v.path.clone().into(),
                from: v.mode & 0o7777,
                to,
            })
        })
        .collect();
    let mut found = Vec::new();
    for (v, gid) in violations {
        let tolerated = if !strict {
            Some(text!("server.authkeys.strict_modes_no"))
        } else if seen.debian() && private_group(v, *gid, acc) {
            Some(text!("server.authkeys.private_group"))
        } else {
            None
        };
        let mut f = violation_finding(acc, v, tolerated.clone());
        if tolerated.is_some() {
            f.severity = Severity::Warning;
        }
        f.actions.extend(chmod_action(&chmods));
        found.push(f);
    }
    seen.chmods.extend(chmods);
    found
}

/// One violation: what sshd logs and why (then why this sshd accepts it anyway, when it
/// does), the path's mode and owner, the chown or chmod.
fn violation_finding(acc: &Account, v: &Violation, tolerated: Option<Text>) -> Finding {
    let key = if v.role == PathRole::AuthorizedKeys {
        text!(
            "server.authkeys.ignores_file",
            explanation = v.explanation_text(),
            path = &v.path
        )
    } else {
        text!(
            "server.authkeys.ignores_dir",
            explanation = v.explanation_text(),
            path = &v.path
        )
    };
    let detail = match tolerated {
        Some(t) => key.then(" ", t),
        None => key,
    };
    let f = keyed(v.role.finding_id(), Stage::AuthorizedKeys, detail).evidence(format!(
        "{}: mode {}, owner uid {} (the account is uid {})",
        v.path,
        v.mode_text(),
        v.uid,
        acc.uid
    ));
    let (user, path) = (shell_quote(&acc.name), shell_quote(&v.path));
    match (v.bad_owner(), v.fixed_mode) {
        (true, None) => f.fix_text(text!("server.authkeys.chown_fix", user = user, path = path)),
        (true, Some(m)) => f.fix_text(text!(
            "server.authkeys.chown_chmod_fix",
            user = user,
            path = path,
            mode = format!("{m:04o}")
        )),
        (false, Some(m)) => f.fix_text(text!(
            "server.authkeys.chmod_fix",
            path = path,
            mode = format!("{m:04o}")
        )),
        (false, None) => f,
    }
}

fn parse_findings(files: &[KeysFile]) -> Vec<Finding> {
    files
        .iter()
        .filter_map(|f| {
            let (_, keys) = f.read.as_ref().ok()?;
            (!keys.malformed.is_empty()).then(|| {
                let detail = text!(
                    "server.authkeys.malformed_detail",
                    path = &f.path,
                    n = keys.malformed.len()
                );
                keyed(
                    "remote.authorized_keys_malformed",
                    Stage::AuthorizedKeys,
                    detail,
                )
                .evidence_all(
                    keys.malformed
                        .iter()
                        .map(|m| format!("{}:{}: {} ({})", f.path, m.line, m.reason, m.preview)),
                )
            })
        })
        .collect()
}

/// Keys limited by their options: `from=` that excludes `--from`, an `expiry-time` past,
/// `command=` (the key runs only that), `restrict`.
fn option_findings(files: &[KeysFile], from: Option<&str>) -> Vec<Finding> {
    let mut lines = Vec::new();
    let mut refused = false;
    let now = super::log::line::utc_time(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
    );
    let now_digits: String = now.chars().filter(char::is_ascii_digit).collect();
    for f in files {
        let Ok((_, keys)) = &f.read else { continue };
        for k in &keys.keys {
            let (notes, refuses) = option_notes(&k.restrictions(), from, &now_digits);
            refused |= refuses;
            if !notes.is_empty() {
                lines.push(format!(
                    "{}:{}: {} {}: {}",
                    f.path,
                    k.line,
                    k.algorithm,
                    k.comment,
                    notes.join(", ")
                ));
            }
        }
    }
    if lines.is_empty() {
        return Vec::new();
    }
    let mut detail = text!("server.authkeys.key_options_detail");
    if refused {
        detail = detail.then(" ", text!("server.authkeys.key_refused_here"));
    }
    let mut f = keyed("server.key_options", Stage::AuthorizedKeys, detail).evidence_all(lines);
    if refused {
        f.severity = Severity::Warning;
    }
    vec![f]
}

/// What one key's limiting options say (for the evidence), and whether they refuse it here:
/// a `from=` excluding `--from`, an `expiry-time` before `now_digits` (UTC, digits only).
fn option_notes(r: &Restrictions, from: Option<&str>, now_digits: &str) -> (Vec<String>, bool) {
    let mut notes = Vec::new();
    let mut refused = false;
    if let Some(pattern) = &r.from {
        let fits = from.map(|a| from_fits(a, pattern));
        refused |= fits == Some(false);
        notes.push(format!(
            "from=\"{pattern}\"{}",
            match fits {
                Some(false) => " (excludes --from)",
                Some(true) => " (admits --from)",
                None => "",
            }
        ));
    }
    if let Some(t) = &r.expiry_time {
        let digits: String = t.chars().filter(char::is_ascii_digit).collect();
        let past = !digits.is_empty()
            && digits.as_str() < &now_digits[..digits.len().min(now_digits.len())];
        refused |= past;
        notes.push(format!(
            "expiry-time=\"{t}\"{}",
            if past { " (expired)" } else { "" }
        ));
    }
    if let Some(c) = &r.command {
        notes.push(format!("command=\"{c}\" (the key runs only this)"));
    }
    if r.restrict {
        notes.push("restrict".into());
    }
    (notes, refused)
}

/// sshd's `from=` check: a comma-separated list of address or name patterns (CIDR allowed),
/// a `!` pattern that matches refuses.
fn from_fits(addr: &str, list: &str) -> bool {
    let mut matched = false;
    for item in list.split(',') {
        let (negated, pattern) = item.strip_prefix('!').map_or((false, item), |p| (true, p));
        if super::allowed::match_user("u", Some(addr), &format!("u@{pattern}"))
            == super::allowed::Fit::Yes
        {
            if negated {
                return false;
            }
            matched = true;
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_lists_with_cidr_and_negation() {
        assert!(from_fits("10.1.2.3", "10.0.0.0/8"));
        assert!(!from_fits("10.1.2.3", "10.0.0.0/8,!10.1.2.3"));
        assert!(!from_fits("192.0.2.1", "10.*"));
        let keys = parse_authorized_keys(b"from=\"10.0.0.0/8\",command=\"uptime\",restrict ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAhPNNJQbmPXWYOcrxIcGGBQdSLbHEpgpMuGqTdc5kNa c\n");
        let r = keys.keys[0].restrictions();
        assert_eq!(r.from.as_deref(), Some("10.0.0.0/8"));
        assert_eq!(r.command.as_deref(), Some("uptime"));
        assert!(r.restrict);
    }
}
