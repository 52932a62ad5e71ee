//! Each login attempt explained in one line (time, who, what happened, the finding it maps
//! to), and the findings the attempts add up to, each with the attempts as evidence.

use super::log::attempts::same_address;
use super::log::{Attempt, Cause};
use super::Seen;
use crate::event::{Finding, Severity, Stage};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;

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
    pub why: Option<Text>,
}

impl Explained {
    /// `TIME WHO: outcome → finding`, the line of the log pane (in English: the report's
    /// `attempts` keep it so).
    pub fn line(&self) -> String {
        self.line_text().english()
    }

    /// [`Explained::line`] in no language yet.
    pub fn line_text(&self) -> Text {
        let a = &self.attempt;
        let time = a.time.clone().map_or(String::new(), |t| format!("{t} "));
        let outcome = match (a.accepted, self.cause) {
            (true, Some(c)) if c != Cause::AuthFailed => {
                text!("server.explain.logged_in_after", cause = c.words_text())
            }
            (true, _) => text!("server.explain.logged_in"),
            (false, Some(c)) => match &self.why {
                Some(w) => text!(
                    "server.explain.refused_why",
                    cause = c.words_text(),
                    why = w.clone(),
                    id = c.id()
                ),
                None => text!(
                    "server.explain.refused",
                    cause = c.words_text(),
                    id = c.id()
                ),
            },
            (false, None) if a.ended => text!("server.explain.ended"),
            (false, None) => text!("server.explain.no_outcome"),
        };
        let who = Text::join([time.into(), a.who_text()], "");
        text!("server.explain.line", who = who, outcome = outcome)
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
        .as_deref()
        .filter(|_| cause != Some(Cause::PreauthClosed))
        .map(detail_text);
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
                why = Some(text!("server.explain.refused_as_invalid", why = r));
            }
            None => why = Some(text!("server.explain.exists_but_invalid", user = user)),
        }
    }
    Explained {
        attempt,
        cause,
        why,
    }
}

/// An attempt's detail as the log gave it, with sshdoctor's own words in it
/// (`WHAT; the client offered OFFER`) as a text.
fn detail_text(detail: &str) -> Text {
    match detail.split_once("; the client offered ") {
        Some((what, offer)) => text!("server.explain.client_offered", what = what, offer = offer),
        None => detail.into(),
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
            let mut f = keyed(cause.id(), Stage::Log, detail(cause, &mine, seen));
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
                f = f.fix_text(fix);
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

fn detail(cause: Cause, mine: &[&Explained], seen: &Seen) -> Text {
    let n = mine.len();
    if cause.is_daemon() {
        let line = mine
            .last()
            .and_then(|e| e.attempt.cause_line.clone())
            .unwrap_or_default();
        return match daemon_severity(cause, seen) {
            Some(Severity::Warning) => text!("server.explain.daemon_fixed", n = n, line = line),
            _ => text!("server.explain.daemon", n = n, line = line),
        };
    }
    let latest = mine
        .last()
        .map_or_else(|| Text::from(""), |e| e.attempt.who_text());
    let why = mine.iter().rev().find_map(|e| e.why.clone());
    let base = text!("server.explain.attempts", n = n, latest = latest);
    match (cause, why) {
        (Cause::PamRefused, _) if !seen.pam_refusers.is_empty() => {
            let modules = seen.pam_refusers.join("; ");
            text!("server.explain.pam_detail", base = base, modules = modules)
        }
        (Cause::KexMismatch, Some(w)) => match kex_keyword(&w.english()) {
            Some(keyword) => text!(
                "server.explain.kex_detail",
                base = base,
                why = w,
                keyword = keyword,
                offers = seen.get(&keyword.to_ascii_lowercase()).unwrap_or("?")
            ),
            None => text!("server.explain.why_detail", base = base, why = w),
        },
        (_, Some(w)) => text!("server.explain.why_detail", base = base, why = w),
        (_, None) => text!(
            "server.explain.why_detail",
            base = base,
            why = cause.words_text()
        ),
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
fn fix(cause: Cause, mine: &[&Explained]) -> Option<Text> {
    let latest = mine.last()?;
    let why = latest.why.as_ref().map(Text::english);
    match cause {
        Cause::StrictModes => why.map(|path| {
            let q = crate::fsedit::shell_quote(&path);
            text!("server.explain.strict_modes_fix", q = q)
        }),
        Cause::KexMismatch => {
            let why = why.unwrap_or_default();
            let keyword = kex_keyword(&why)?;
            let first = why
                .split("offered ")
                .nth(1)?
                .split(',')
                .next()?
                .trim()
                .to_string();
            Some(text!(
                "server.explain.kex_fix",
                keyword = keyword,
                first = first
            ))
        }
        _ => None,
    }
}
