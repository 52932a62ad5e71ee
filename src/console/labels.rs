//! The console's sentences in one place (verdicts, dialog titles, scroll marks, messages), so
//! they can be translated together; widths are always measured in cells, never in chars.

use crate::event::ActionOffer;
use crate::repair::Repair;
use std::path::Path;

/// The status line while a re-run is under way (cleared when it ends).
pub const RERUNNING: &str = "Re-running the probe";
/// The status line after a confirm dialog was cancelled.
pub const CANCELLED: &str = "Cancelled: nothing was changed.";
/// The person chose to go on past a first contact without trusting the key.
pub const GOING_ON_UNTRUSTED: &str = "Going on without trusting the host key: only checks that send no secret (no password is ever asked for).";
/// Said of permission repairs, which change no content.
pub const ONLY_MODES: &str =
    "Only the permission bits change; no content changes, so no copy is needed.";
/// Said of the chmods made on the server.
pub const ONLY_REMOTE_MODES: &str =
    "On the server, only the permission bits change, each only if the path still has the mode shown.";
/// The caution in the trust dialog: nothing has been compared yet.
pub const NOT_COMPARED: &str = "You have not compared this fingerprint. Press y only if it matches one you got another way; otherwise Esc.";
/// The caution in the onboarding's trust dialog when no fingerprint was pasted.
pub const NOT_COMPARED_ONBOARD: &str = "You did not compare the fingerprint: this records whatever key answered (trust on first use). Press y only if you accept that; Esc goes back to compare.";
/// The status line after trusting a host key in the console, where nothing was compared.
pub const TRUSTED_UNCOMPARED: &str =
    "Host key recorded; you did not compare the fingerprint (trust on first use).";
/// Hint under the findings when the selected one can be fixed.
pub const FIX_HINT: &str =
    "Enter or f: review this fix and confirm it (nothing is written before y)";
/// The findings panel with nothing to show, by state.
pub const NO_PROBLEMS: &str = "No problems found: the login works.";
/// The findings panel when the run ended without findings but did not log in.
pub const NO_FINDINGS: &str = "No findings.";
/// The findings panel while the first checks run.
pub const NO_FINDINGS_YET: &str = "No findings yet; the checks are running.";
/// The log panel before any line.
pub const LOG_EMPTY: &str = "(no log lines yet)";
/// The log panel when the filter hides every line.
pub const LOG_FILTERED: &str = "(no lines at this stage and verbosity; v shows more)";

/// The trust dialog's first sentence, before the fingerprints.
pub const COMPARE_WITH: &str = "Compare this fingerprint with one you got another way (the provider's console, the server's admin, or `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` run on the server):";

/// The status line while a confirmed change on the server waits for the new run that makes it.
pub fn remote_fix_under_way(id: &str) -> String {
    format!("{id}: logging in again to make the change on the server…")
}

/// Above the password box of that new run: why it asks again.
pub fn relogin_for_fix(id: &str) -> String {
    format!("Logging in again to make the change you confirmed ({id}): the server needs a new login for it, so the password is asked once more.")
}

/// Above a prompt asked again right after an answer: the answer was refused.
pub fn not_accepted(prompt: &str) -> String {
    if prompt.starts_with("Passphrase") {
        "Incorrect passphrase: type it again (Esc goes on without this key).".to_string()
    } else if prompt.ends_with("password") {
        "Permission denied: type the password again (Esc stops asking).".to_string()
    } else {
        "That answer was not accepted: type it again (Esc stops asking).".to_string()
    }
}

/// The confirmed change on the server was looked at but not made.
pub fn remote_fix_not_made(notes: &str) -> String {
    if notes.is_empty() {
        "not made on the server (see the log)".to_string()
    } else {
        format!("not made on the server: {notes}")
    }
}

/// The run that was to make the change never reached the server side (no login).
pub fn remote_fix_not_reached() -> String {
    "not made: the new run did not log in to the server (see the checklist and the log)".to_string()
}

/// The verdict of a run that did not finish.
pub fn interrupted(running: Option<&str>) -> String {
    match running {
        Some(stage) => format!(
            "Interrupted: the checks had not finished ({stage} was still running); below is what was seen until then."
        ),
        None => "Interrupted: the checks had not finished; below is what was seen until then."
            .to_string(),
    }
}

/// "No match for "x"".
pub fn no_match(query: &str) -> String {
    format!("No match for {query:?}")
}

/// "Applying known_hosts.remove".
pub fn applying(id: &str) -> String {
    format!("Applying {id}")
}

/// The dialog's question, in words; the action id stays out of it.
pub fn confirm_title(action: &ActionOffer, home: &Path) -> String {
    let file = |p: &Path| crate::config_edit::shown_path(p, home);
    match (action.id.as_str(), &action.repair) {
        (_, Some(Repair::KnownHostsRemove { name, .. })) => {
            format!("Remove the stale host key for {name}?")
        }
        (_, Some(Repair::KnownHostsAppend { line, .. })) => {
            let host = line.split_whitespace().next().unwrap_or_default();
            // A hashed line hides the name; the action's title says it ("… for NAME …").
            let named = action
                .title
                .split_once(" for ")
                .and_then(|(_, rest)| rest.split_whitespace().next());
            match (host.starts_with('|'), named) {
                (false, _) => format!("Trust the host key of {host}?"),
                (true, Some(name)) => format!("Trust the host key of {name}?"),
                (true, None) => "Trust this host key?".into(),
            }
        }
        // `sshdoctor server`: another account's files, host keys, sshd's directories.
        (_, Some(Repair::Permissions { changes }))
            if !changes.is_empty() && changes.iter().all(|(p, _)| !p.starts_with(home)) =>
        {
            "Fix the permissions sshd requires?".into()
        }
        (_, Some(Repair::Permissions { .. })) => "Fix the permissions of your ssh files?".into(),
        (_, Some(Repair::RemotePermissions { .. })) => "Change permissions on the server?".into(),
        ("onboard.config", Some(Repair::Replace(_))) if action.title.starts_with("Edit ") => {
            format!("{}?", action.title.replace('`', ""))
        }
        ("onboard.config", Some(Repair::Replace(e))) => {
            format!("Add a Host block to {}?", file(&e.path))
        }
        ("config.identities_only", Some(Repair::Replace(e))) => {
            format!("Offer only the accepted key (edit {})?", file(&e.path))
        }
        ("config.identity_path", Some(Repair::Replace(e))) => {
            format!(
                "Point IdentityFile at the key that works (edit {})?",
                file(&e.path)
            )
        }
        (_, Some(Repair::Replace(e))) => format!("Change {}?", file(&e.path)),
        ("onboard.install_key", None) => "Install your key on the server?".into(),
        ("onboard", None) => "Start the guided first login?".into(),
        _ => format!("{}?", action.title.trim_end_matches('.')),
    }
}

/// "The file as it is now is kept as F.sshdoctor-<UTC date and time>."
pub fn backup_kept(file: &str) -> String {
    format!("The file as it is now is kept as {file}.sshdoctor-<UTC date and time>.")
}

/// "F is created, with N lines."
pub fn file_created(file: &str, lines: usize) -> String {
    let n = if lines == 1 {
        "1 line".to_string()
    } else {
        format!("{lines} lines")
    };
    format!("{file} is created, with {n}.")
}

/// "In F, line 2 is removed and a line is added as line 2."
pub fn file_changed(
    file: &str,
    removed: Option<&str>,
    removed_n: usize,
    added: Option<&str>,
    added_n: usize,
) -> String {
    let verb = |n: usize| if n == 1 { "is" } else { "are" };
    let gone = removed.map(|r| format!("{r} {} removed", verb(removed_n)));
    let new = added.map(|a| {
        if added_n == 1 {
            format!("a line is added as {a}")
        } else {
            format!("{added_n} lines are added as {a}")
        }
    });
    let what = match (gone, new) {
        (Some(g), Some(n)) => format!("{g} and {n}"),
        (Some(g), None) => g,
        (None, Some(n)) => n,
        (None, None) => "nothing changes".into(),
    };
    format!("In {file}, {what}.")
}

/// The short verdict of a failing probe.
pub const LOGIN_WOULD_FAIL: &str = "The login would fail";
/// Its words in `sshdoctor server`.
pub const SSHD_REFUSES: &str = "sshd refuses logins";
/// Its words in `sshdoctor explain` (the transcript shows what happened).
pub const LOGIN_FAILED: &str = "The login failed";

/// The header's verdict in every length, longest first: the header uses the first that fits.
/// Through jump hosts `hop` names the hop the root cause is at.
pub fn verdict_forms(
    full: &str,
    root: Option<&str>,
    failed_stage: Option<&str>,
    hop: Option<&str>,
) -> Vec<String> {
    let mut forms = vec![full.to_string()];
    if let (Some(id), Some(hop)) = (root, hop) {
        forms.push(format!("{LOGIN_WOULD_FAIL} at {hop}: fix {id}"));
        forms.push(format!("{hop}: fix {id}"));
    }
    if let Some(id) = root {
        forms.push(format!("{LOGIN_WOULD_FAIL}: fix {id}"));
        forms.push(format!("Fix {id}"));
        forms.push(id.to_string());
    } else if let Some(stage) = failed_stage {
        forms.push(format!("Failed at {stage}"));
        forms.push(stage.to_string());
    }
    forms
}

/// The header's verdict on first contact (the run stopped at a new host key for the person
/// to decide), longest first: short enough that one always fits, never cut.
pub fn first_contact_forms() -> Vec<String> {
    [
        "Host key not verified yet: compare its fingerprint, then trust it",
        "Host key not verified yet: compare and trust it",
        "Host key not verified: compare, trust",
        "Host key not verified",
        "Key not verified",
    ]
    .map(String::from)
    .to_vec()
}

/// The header's verdict of a login that works, longest first (when ssh would still ask
/// about a host key nobody verified, it says so in every form).
pub fn works_forms(full: &str) -> Vec<String> {
    let mut forms = vec![full.to_string()];
    if full.starts_with("The login works once") {
        forms.extend(
            [
                "The login works once the host key is accepted",
                "Works once the host key is accepted",
                "Works once the key is accepted",
                "Works once accepted",
            ]
            .map(String::from),
        );
    }
    forms
}

/// The header's verdict when nothing failed but the checks stopped before `stage`.
pub fn stopped_forms(full: &str, stage: Option<&str>) -> Vec<String> {
    let mut forms = vec![full.to_string()];
    if let Some(stage) = stage {
        forms.push(format!("No problem so far; {stage} and later not checked"));
        forms.push(format!("Not checked from {stage} on"));
        forms.push(format!("Stopped before {stage}"));
    }
    forms.push("Stopped early".to_string());
    forms
}

/// The header's verdict while the checks run, longest first.
pub fn running_forms(
    stage: Option<(&str, Option<String>)>,
    done: usize,
    total: usize,
) -> Vec<String> {
    match stage {
        Some((title, Some(time))) => vec![
            format!("checking {title} {time} · {done}/{total} done"),
            format!("checking {title} {time}"),
            format!("{title} {time}"),
            title.to_string(),
        ],
        Some((title, None)) => vec![
            format!("checking {title} · {done}/{total} done"),
            format!("checking {title}"),
            title.to_string(),
        ],
        None => vec![format!("checking · {done}/{total} done"), "checking".into()],
    }
}

/// While a root cause is known and the checks still run (at `hop`, through jump hosts).
pub fn failing_so_far(id: &str, hop: Option<&str>) -> Vec<String> {
    let mut forms = Vec::new();
    if let Some(hop) = hop {
        forms.push(format!("failing so far at {hop}: {id} (still checking)"));
        forms.push(format!("{hop}: {id}"));
    }
    forms.extend([
        format!("failing so far: {id} (still checking)"),
        format!("failing: {id}"),
        id.to_string(),
    ]);
    forms
}

/// A running stage's time: "2.1 s / 10 s" (with its limit) or "2.1 s".
pub fn running_time(elapsed: std::time::Duration, limit: Option<std::time::Duration>) -> String {
    let secs = |d: std::time::Duration| {
        let s = d.as_secs_f64();
        if s.fract() == 0.0 {
            format!("{s:.0} s")
        } else {
            format!("{s:.1} s")
        }
    };
    let now = format!("{:.1} s", elapsed.as_secs_f64());
    match limit {
        Some(l) => format!("{now} / {}", secs(l)),
        None => now,
    }
}

/// A scroll position for a panel title: "3–8/14 ↓", with arrows for the hidden sides.
pub fn position(first: usize, last: usize, total: usize, ascii: bool) -> String {
    let (up, down) = if ascii { ("^", "v") } else { ("↑", "↓") };
    let mut s = format!("{first}–{last}/{total}");
    if ascii {
        s = s.replace('–', "-");
    }
    let arrows = match (first > 1, last < total) {
        (true, true) => format!(" {up}{down}"),
        (true, false) => format!(" {up}"),
        (false, true) => format!(" {down}"),
        (false, false) => String::new(),
    };
    s + &arrows
}

/// The line under a scrolled text: where it is and how to see the rest.
pub fn more_below(first: usize, last: usize, total: usize, ascii: bool) -> String {
    let down = if ascii { "v" } else { "↓" };
    let up = if ascii { "^" } else { "↑" };
    let pos = if ascii {
        format!("{first}-{last}/{total}")
    } else {
        format!("{first}–{last}/{total}")
    };
    match (first > 1, last < total) {
        (_, true) => format!("{down} more below (PgDn) · {pos}"),
        (true, false) => format!("{up} end (PgUp goes back) · {pos}"),
        _ => pos,
    }
}

/// Panel titles and the words inside panels and dialogs.
pub mod words {
    /// The checklist panel.
    pub const CHECKLIST: &str = "Checklist";
    /// The findings panel with no finding.
    pub const FINDINGS: &str = "Findings";
    /// A finding's evidence heading.
    pub const EVIDENCE: &str = "Evidence:";
    /// A finding's fix heading.
    pub const FIX: &str = "Fix: ";
    /// Before an action's equivalent command.
    pub const SAME_AS: &str = "same as:";
    /// The confirm dialog, before the command.
    pub const SAME_AS_RUNNING: &str = "Same as running:";
    /// The confirm dialog, before the diff.
    pub const THE_CHANGE: &str = "The change:";
    /// The confirm dialog's border when its question is too long for it.
    pub const CONFIRM: &str = "Confirm";
    /// The help overlay's border.
    pub const KEYS: &str = "Keys";
    /// The help overlay's hint.
    pub const HELP_CLOSES: &str = "Esc or ? closes";
    /// The masked prompt's hint.
    pub const PROMPT_HINT: &str = "Enter submit · Esc cancel";
    /// The log when no stage filter is set.
    pub const ALL_STAGES: &str = "all stages";
    /// The log while it follows its tail.
    pub const FOLLOWING: &str = "following";
    /// The pinned line's key and verb.
    pub const ENTER_FIX: &str = "Enter";
    /// After [`ENTER_FIX`].
    pub const FIX_VERB: &str = "fix:";
    /// The confirm dialog's keys.
    pub const APPLY: &str = "apply";
    /// The confirm dialog's keys.
    pub const CANCEL: &str = "cancel";
    /// The confirm dialog's keys.
    pub const SCROLL: &str = "scroll";
}

/// " Findings (3, root cause first) ".
pub fn findings_title(n: usize) -> String {
    match n {
        0 => format!(" {} ", words::FINDINGS),
        1 => format!(" {} (1) ", words::FINDINGS),
        n => format!(" {} ({n}, root cause first) ", words::FINDINGS),
    }
}

/// "Action known_hosts.remove: ".
pub fn action_head(marker: &str, id: &str) -> String {
    format!("{marker}Action {id}: ")
}

/// What became of an applied action, under it in the findings panel.
pub fn action_result(result: Option<&Result<Vec<String>, String>>) -> String {
    match result {
        None => "   applying".to_string(),
        Some(Ok(lines)) if lines.is_empty() => "   applied: nothing to change".to_string(),
        Some(Ok(lines)) => format!("   applied: {}", lines.join("; ")),
        Some(Err(e)) => format!("   failed: {e}"),
    }
}

/// "(←/→ 1 of 2)" after the pinned fix when a finding has several actions.
pub fn action_of(n: usize, total: usize) -> String {
    format!("  (←/→ {n} of {total})")
}

/// The log panel's title: scope, level, position, search.
pub fn log_title(
    stage: Option<&str>,
    verbosity: &str,
    position: &str,
    query: Option<&str>,
) -> String {
    let scope = stage.map_or_else(|| words::ALL_STAGES.to_string(), |s| format!("{s} only"));
    let mut title = format!(" log: {scope} · {verbosity}{position} ");
    if let Some(q) = query {
        title.push_str(&format!("· /{q} "));
    }
    title
}

/// The status line after a repair: "known_hosts.remove: Changed …" or "… failed: …".
pub fn repair_status(id: &str, result: &Result<Vec<String>, String>) -> String {
    match result {
        Ok(lines) if lines.is_empty() => format!("{id}: nothing to change"),
        Ok(lines) => format!("{id}: {}", lines.join("; ")),
        Err(e) => format!("{id} failed: {e}"),
    }
}
