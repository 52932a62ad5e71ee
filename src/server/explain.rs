//! Each login attempt explained in one line (time, who, what happened, the finding it maps
//! to), and the findings the attempts add up to, each with the attempts as evidence.

use super::log::attempts::same_address;
use super::log::{Attempt, Cause};
use super::Seen;
use crate::event::{Finding, Severity, Stage};
use crate::findings::finding;

/// Evidence lines per finding (the attempts beyond are counted).
const MAX_EVIDENCE: usize = 8;

/// An attempt with its cause settled.
#[derive(Debug, Clone)]
pub(crate) struct Explained {
    /// The attempt.
    pub attempt: Attempt,
    /// What stopped it (`None`: no problem seen).
    pub cause: Option<Cause>,
    /// The cause's detail, refined with what the files say.
    pub why: Option<String>,
}

impl Explained {
    /// `TIME WHO: outcome → finding`, the line of the log pane.
    pub fn line(&self) -> String {
        let a = &self.attempt;
        let time = a.time.clone().map_or(String::new(), |t| format!("{t} "));
        let outcome = match (a.accepted, self.cause) {
            (true, Some(c)) if c != Cause::AuthFailed => {
                format!("logged in (after: {})", c.words())
            }
            (true, _) => "logged in".to_string(),
            (false, Some(c)) => {
                let why = self
                    .why
                    .as_ref()
                    .map_or(String::new(), |w| format!(": {w}"));
                format!("{}{why} → {}", c.words(), c.id())
            }
            (false, None) if a.ended => {
                "ended without an authentication problem logged".to_string()
            }
            (false, None) => "no outcome logged yet".to_string(),
        };
        format!("{time}{}: {outcome}", a.who())
    }

    /// The attempt as a JSON object (the report's `attempts`).
    pub fn json(&self) -> serde_json::Value {
        let a = &self.attempt;
        serde_json::json!({
            "time": a.time,
            "user": a.user,
            "address": a.addr,
            "port": a.port,
            "cause": self.cause.map(Cause::id),
            "finding": if a.accepted { None } else { self.cause.and_then(Cause::finding) },
            "logged_in": a.accepted,
            "explanation": self.line(),
            "lines": a.lines,
        })
    }
}

/// Settle an attempt's cause with what the other stages found: an existing account that sshd
/// calls invalid was refused by its lists, its lock or its shell.
pub(crate) fn explain(mut attempt: Attempt, seen: &Seen, accounts: &[String]) -> Explained {
    if attempt.cause == Some(Cause::PreauthClosed) {
        // 9.8p1 logged `connection from SERVER to CLIENT`: take the address that is not ours.
        if let (Some(addr), Some(other)) = (&attempt.addr, &attempt.detail) {
            if seen.local_addrs.iter().any(|l| same_address(l, addr))
                && other.parse::<std::net::IpAddr>().is_ok()
            {
                attempt.addr = Some(other.clone());
            }
        }
    }
    let mut cause = attempt.cause;
    let mut why = attempt
        .detail
        .clone()
        .filter(|_| cause != Some(Cause::PreauthClosed));
    let exists = attempt
        .user
        .as_ref()
        .is_some_and(|u| accounts.iter().any(|a| a == u));
    if cause == Some(Cause::InvalidUser) && exists {
        let user = attempt.user.clone().unwrap_or_default();
        let known = seen.account.as_ref().is_some_and(|a| a.name == user);
        match seen.refused_by.as_ref().filter(|_| known) {
            Some(r) => {
                cause = Some(Cause::UserNotAllowed);
                why = Some(format!("{r} (sshd logs an allowed-list refusal as \"invalid user\" too)"));
            }
            None => why = Some(format!("{user} exists: sshd calls an existing account invalid when AllowUsers/DenyUsers/AllowGroups/DenyGroups refuse it, it is locked, or its shell cannot run")),
        }
    }
    Explained {
        attempt,
        cause,
        why,
    }
}

/// Whether an attempt may concern the `--user` and `--from` given: its user and address
/// match, or it failed before any user could be named in a way that stops everyone (no
/// algorithm in common, MaxStartups).
pub(crate) fn wanted(a: &Attempt, user: Option<&str>, from: Option<&str>) -> bool {
    if a.daemon {
        return true;
    }
    let before_user = matches!(a.cause, Some(Cause::KexMismatch | Cause::MaxStartups));
    let user_ok = user.is_none_or(|u| match a.user.as_deref() {
        Some(x) => x == u,
        None => before_user,
    });
    let from_ok = from.is_none_or(|f| a.addr.as_deref().is_some_and(|x| same_address(x, f)));
    user_ok && from_ok
}

/// Whether an attempt is surely the person's: it names the `--user`, or comes from `--from`.
fn theirs(a: &Attempt, user: Option<&str>, from: Option<&str>) -> bool {
    a.daemon
        || user.is_some_and(|u| a.user.as_deref() == Some(u))
        || from.is_some_and(|f| a.addr.as_deref().is_some_and(|x| same_address(x, f)))
}

/// The findings the attempts add up to: one per cause, the attempts as evidence. A cause
/// seen only in attempts that may be anyone's (no `--user`/`--from`, or no user named:
/// scanners too) is a warning at most.
pub(crate) fn findings(
    explained: &[Explained],
    user: Option<&str>,
    from: Option<&str>,
    seen: &Seen,
) -> Vec<Finding> {
    let mut causes: Vec<Cause> = explained
        .iter()
        .filter(|e| !e.attempt.accepted || e.cause == Some(Cause::StrictModes))
        .filter_map(|e| e.cause)
        .collect();
    causes.sort();
    causes.dedup();
    causes
        .into_iter()
        .filter(|c| c.finding().is_some())
        .filter_map(|cause| {
            let mine: Vec<&Explained> = explained
                .iter()
                .filter(|e| e.cause == Some(cause))
                .collect();
            let mut f = finding(cause.id(), Stage::Log, detail(cause, &mine, seen));
            for e in mine.iter().rev().take(MAX_EVIDENCE) {
                let quoted = e.attempt.cause_line.clone().unwrap_or_default();
                f = f.evidence(format!(
                    "{}{}: {quoted}",
                    e.attempt
                        .time
                        .clone()
                        .map_or(String::new(), |t| format!("{t} ")),
                    e.attempt.who()
                ));
            }
            if mine.len() > MAX_EVIDENCE {
                f = f.evidence(format!(
                    "… and {} earlier attempt(s)",
                    mine.len() - MAX_EVIDENCE
                ));
            }
            if let Some(fix) = fix(cause, &mine) {
                f = f.fix(fix);
            }
            if cause.is_daemon() {
                match daemon_severity(cause, seen) {
                    Some(severity) => f.severity = severity,
                    None => return None,
                }
                return Some(f);
            }
            let accepted_after = mine.iter().all(|e| e.attempt.accepted);
            let anyones = !mine.iter().any(|e| theirs(&e.attempt, user, from));
            if (anyones || accepted_after) && f.severity == Severity::Error {
                f.severity = Severity::Warning;
            }
            Some(f)
        })
        .collect()
}

/// How sshd's own complaints in its log weigh against what the files say now: an error
/// while the file checks find the same (then already reported: `None`), a warning when they
/// find it fixed (the log's line is older), as logged when they could not tell.
fn daemon_severity(cause: Cause, seen: &Seen) -> Option<Severity> {
    let fixed = match cause {
        Cause::ConfigInvalid => Some(seen.config_ok),
        Cause::HostkeyUnloadable => seen.now.usable_hostkeys.map(|n| n > 0),
        Cause::NotListening => seen.now.listening,
        Cause::PrivsepMissing => seen.now.privsep,
        _ => None,
    };
    match fixed {
        Some(true) => Some(Severity::Warning),
        Some(false) if cause != Cause::HostkeyUnloadable => None,
        _ => Some(Severity::Error),
    }
}

fn detail(cause: Cause, mine: &[&Explained], seen: &Seen) -> String {
    let n = mine.len();
    if cause.is_daemon() {
        let line = mine
            .last()
            .and_then(|e| e.attempt.cause_line.clone())
            .unwrap_or_default();
        let now = match daemon_severity(cause, seen) {
            Some(Severity::Warning) => " The checks of the files find this fixed now (the line is older), or other host keys usable.",
            _ => "",
        };
        return format!("sshd's log shows this {n} time(s), the latest: {line}.{now}");
    }
    let latest = mine.last().map(|e| e.attempt.who()).unwrap_or_default();
    let why = mine.iter().rev().find_map(|e| e.why.clone());
    let base = format!("{n} attempt(s) in sshd's log, the latest {latest}");
    match (cause, why) {
        (Cause::PamRefused, _) if !seen.pam_refusers.is_empty() => format!(
            "{base}: PAM refused them. The modules of sshd's stacks that refuse by policy: {}.",
            seen.pam_refusers.join("; ")
        ),
        (Cause::KexMismatch, Some(w)) => match kex_keyword(&w) {
            Some(keyword) => format!(
                "{base}: {w}. This sshd offers ({keyword}): {}.",
                seen.get(&keyword.to_ascii_lowercase()).unwrap_or("?")
            ),
            None => format!("{base}: {w}."),
        },
        (_, Some(w)) => format!("{base}: {w}."),
        (_, None) => format!("{base}: {}.", cause.words()),
    }
}

/// The sshd_config keyword of what `Unable to negotiate` found no match for.
fn kex_keyword(why: &str) -> Option<&'static str> {
    [
        ("key exchange", "KexAlgorithms"),
        ("host key", "HostKeyAlgorithms"),
        ("cipher", "Ciphers"),
        ("MAC", "MACs"),
    ]
    .iter()
    .find(|(w, _)| why.contains(w))
    .map(|(_, k)| *k)
}

/// A fix more specific than the catalog's, when the attempts tell enough.
fn fix(cause: Cause, mine: &[&Explained]) -> Option<String> {
    let latest = mine.last()?;
    match cause {
        Cause::StrictModes => latest.why.as_ref().map(|path| format!("`chmod go-w {}` (and make it owned by the user or root); `sshdoctor server --user NAME` lists every path on the way to authorized_keys and offers the chmods.", crate::fsedit::shell_quote(path))),
        Cause::KexMismatch => {
            let why = latest.why.as_deref().unwrap_or("");
            let keyword = kex_keyword(why)?;
            let first = why.split("offered ").nth(1)?.split(',').next()?.trim().to_string();
            Some(format!("Upgrade the client (best). If it cannot be, sshd has to offer the old algorithm to every client ({keyword} is not allowed in a Match block): add `{keyword} +{first}` to sshd_config before its first Match line, check with `sshd -t`, then `systemctl reload ssh`."))
        }
        _ => None,
    }
}
