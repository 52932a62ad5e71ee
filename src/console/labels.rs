//! The console's sentences in one place (verdicts, dialog titles, scroll marks, messages), so
//! they can be translated together; widths are always measured in cells, never in chars.

use crate::event::ActionOffer;
use crate::i18n::{t, tf};
use crate::repair::Repair;
use std::path::Path;

/// The status line while a re-run is under way (cleared when it ends).
pub fn rerunning() -> &'static str {
    t("console.rerunning")
}
/// The status line after a confirm dialog was cancelled.
pub fn cancelled() -> &'static str {
    t("console.cancelled")
}
/// The person chose to go on past a first contact without trusting the key.
pub fn going_on_untrusted() -> &'static str {
    t("console.going_on_untrusted")
}
/// Said of permission repairs, which change no content.
pub fn only_modes() -> &'static str {
    t("console.only_modes")
}
/// Said of the chmods made on the server.
pub fn only_remote_modes() -> &'static str {
    t("console.only_remote_modes")
}
/// The caution in the trust dialog: nothing has been compared yet.
pub fn not_compared() -> &'static str {
    t("console.not_compared")
}
/// The caution in the onboarding's trust dialog when no fingerprint was pasted.
pub fn not_compared_onboard() -> &'static str {
    t("console.not_compared_onboard")
}
/// The status line after trusting a host key in the console, where nothing was compared.
pub fn trusted_uncompared() -> &'static str {
    t("console.trusted_uncompared")
}
/// Hint under the findings when the selected one can be fixed.
pub fn fix_hint() -> &'static str {
    t("console.fix_hint")
}
/// The findings panel with nothing to show, by state.
pub fn no_problems() -> &'static str {
    t("console.no_problems")
}
/// The findings panel when the run ended without findings but did not log in.
pub fn no_findings() -> &'static str {
    t("console.no_findings")
}
/// The findings panel while the first checks run.
pub fn no_findings_yet() -> &'static str {
    t("console.no_findings_yet")
}
/// The log panel before any line.
pub fn log_empty() -> &'static str {
    t("console.log_empty")
}
/// The log panel when the filter hides every line.
pub fn log_filtered() -> &'static str {
    t("console.log_filtered")
}

/// The trust dialog's first sentence, before the fingerprints.
pub fn compare_with() -> &'static str {
    t("console.compare_with")
}

/// The status line while a confirmed change on the server waits for the new run that makes it.
pub fn remote_fix_under_way(id: &str) -> String {
    tf("console.remote_fix_under_way", &[("id", &id)])
}

/// Above the password box of that new run: why it asks again.
pub fn relogin_for_fix(id: &str) -> String {
    tf("console.relogin_for_fix", &[("id", &id)])
}

/// Above a prompt asked again right after an answer: the answer was refused.
pub fn not_accepted(prompt: &str) -> String {
    if prompt.starts_with("Passphrase") {
        t("console.passphrase_not_accepted").to_string()
    } else if prompt.ends_with("password") {
        t("console.password_not_accepted").to_string()
    } else {
        t("console.answer_not_accepted").to_string()
    }
}

/// The confirmed change on the server was looked at but not made.
pub fn remote_fix_not_made(notes: &str) -> String {
    if notes.is_empty() {
        t("console.remote_fix_not_made").to_string()
    } else {
        tf("console.remote_fix_not_made_because", &[("notes", &notes)])
    }
}

/// The run that was to make the change never reached the server side (no login).
pub fn remote_fix_not_reached() -> String {
    t("console.remote_fix_not_reached").to_string()
}

/// The verdict of a run that did not finish.
pub fn interrupted(running: Option<&str>) -> String {
    match running {
        Some(stage) => tf("console.interrupted_at", &[("stage", &stage)]),
        None => t("console.interrupted").to_string(),
    }
}

/// "No match for "x"".
pub fn no_match(query: &str) -> String {
    tf("console.no_match", &[("query", &format!("{query:?}"))])
}

/// "Applying known_hosts.remove".
pub fn applying(id: &str) -> String {
    tf("console.applying", &[("id", &id)])
}

/// The dialog's question, in words; the action id stays out of it.
pub fn confirm_title(action: &ActionOffer, home: &Path) -> String {
    let file = |p: &Path| crate::config_edit::shown_path(p, home);
    match (action.id.as_str(), &action.repair) {
        (_, Some(Repair::KnownHostsRemove { name, .. })) => {
            tf("console.confirm_remove_key", &[("name", name)])
        }
        (_, Some(Repair::KnownHostsAppend { line, .. })) => {
            let host = line.split_whitespace().next().unwrap_or_default();
            // A hashed line hides the name; the action's title says it ("… for NAME …").
            let named = action
                .title
                .split_once(" for ")
                .and_then(|(_, rest)| rest.split_whitespace().next());
            match (host.starts_with('|'), named) {
                (false, _) => tf("console.confirm_trust_key_of", &[("host", &host)]),
                (true, Some(name)) => tf("console.confirm_trust_key_of", &[("host", &name)]),
                (true, None) => t("console.confirm_trust_key").into(),
            }
        }
        // `sshdoctor server`: another account's files, host keys, sshd's directories.
        (_, Some(Repair::Permissions { changes }))
            if !changes.is_empty() && changes.iter().all(|(p, _)| !p.starts_with(home)) =>
        {
            t("console.confirm_sshd_permissions").into()
        }
        (_, Some(Repair::Permissions { .. })) => t("console.confirm_permissions").into(),
        (_, Some(Repair::RemotePermissions { .. })) => {
            t("console.confirm_remote_permissions").into()
        }
        ("onboard.config", Some(Repair::Replace(_))) if action.title.starts_with("Edit ") => {
            format!("{}?", action.title.replace('`', ""))
        }
        ("onboard.config", Some(Repair::Replace(e))) => tf(
            "console.confirm_add_host_block",
            &[("file", &file(&e.path))],
        ),
        ("config.identities_only", Some(Repair::Replace(e))) => tf(
            "console.confirm_identities_only",
            &[("file", &file(&e.path))],
        ),
        ("config.identity_path", Some(Repair::Replace(e))) => {
            tf("console.confirm_identity_path", &[("file", &file(&e.path))])
        }
        (_, Some(Repair::Replace(e))) => {
            tf("console.confirm_change_file", &[("file", &file(&e.path))])
        }
        ("onboard.install_key", None) => t("console.confirm_install_key").into(),
        ("onboard", None) => t("console.confirm_onboard").into(),
        _ => format!("{}?", action.title.trim_end_matches('.')),
    }
}

/// "The file as it is now is kept as F.sshdoctor-<UTC date and time>."
pub fn backup_kept(file: &str) -> String {
    tf("console.backup_kept", &[("file", &file)])
}

/// "F is created, with N lines."
pub fn file_created(file: &str, lines: usize) -> String {
    if lines == 1 {
        tf("console.file_created_one", &[("file", &file)])
    } else {
        tf(
            "console.file_created_many",
            &[("file", &file), ("n", &lines)],
        )
    }
}

/// "In F, line 2 is removed and a line is added as line 2."
pub fn file_changed(
    file: &str,
    removed: Option<&str>,
    removed_n: usize,
    added: Option<&str>,
    added_n: usize,
) -> String {
    let gone = removed.map(|r| match removed_n {
        1 => tf("console.lines_removed_one", &[("lines", &r)]),
        _ => tf("console.lines_removed_many", &[("lines", &r)]),
    });
    let new = added.map(|a| match added_n {
        1 => tf("console.line_added_one", &[("lines", &a)]),
        n => tf("console.lines_added_many", &[("n", &n), ("lines", &a)]),
    });
    let what = match (gone, new) {
        (Some(g), Some(n)) => tf(
            "console.removed_and_added",
            &[("removed", &g), ("added", &n)],
        ),
        (Some(g), None) => g,
        (None, Some(n)) => n,
        (None, None) => t("console.nothing_changes").into(),
    };
    tf("console.file_changed", &[("file", &file), ("what", &what)])
}

/// The short verdict of a failing probe.
pub fn login_would_fail() -> &'static str {
    t("console.login_would_fail")
}
/// Its words in `sshdoctor server`.
pub fn sshd_refuses() -> &'static str {
    t("console.sshd_refuses")
}
/// Its words in `sshdoctor explain` (the transcript shows what happened).
pub fn login_failed() -> &'static str {
    t("console.login_failed")
}

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
        let verdict = login_would_fail();
        forms.push(tf(
            "console.verdict_at_hop_fix",
            &[("verdict", &verdict), ("hop", &hop), ("id", &id)],
        ));
        forms.push(tf("console.verdict_hop_fix", &[("hop", &hop), ("id", &id)]));
    }
    if let Some(id) = root {
        let verdict = login_would_fail();
        forms.push(tf(
            "console.verdict_fix",
            &[("verdict", &verdict), ("id", &id)],
        ));
        forms.push(tf("console.verdict_fix_short", &[("id", &id)]));
        forms.push(id.to_string());
    } else if let Some(stage) = failed_stage {
        forms.push(tf("console.failed_at", &[("stage", &stage)]));
        forms.push(stage.to_string());
    }
    forms
}

/// The header's verdict on first contact (the run stopped at a new host key for the person
/// to decide), longest first: short enough that one always fits, never cut.
pub fn first_contact_forms() -> Vec<String> {
    (1..=5)
        .map(|i| t(&format!("console.first_contact_{i}")).to_string())
        .collect()
}

/// The header's verdict of a login that works, longest first (when ssh would still ask
/// about a host key nobody verified, it says so in every form).
pub fn works_forms(full: &str) -> Vec<String> {
    let mut forms = vec![full.to_string()];
    if full == t("verdict.works_once_accepted") {
        forms.extend((1..=4).map(|i| t(&format!("console.works_once_{i}")).to_string()));
    }
    forms
}

/// The header's verdict when nothing failed but the checks stopped before `stage`.
pub fn stopped_forms(full: &str, stage: Option<&str>) -> Vec<String> {
    let mut forms = vec![full.to_string()];
    if let Some(stage) = stage {
        for i in 1..=3 {
            forms.push(tf(&format!("console.stopped_{i}"), &[("stage", &stage)]));
        }
    }
    forms.push(t("console.stopped_early").to_string());
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
            tf(
                "console.checking_stage_time_done",
                &[
                    ("stage", &title),
                    ("time", &time),
                    ("done", &done),
                    ("total", &total),
                ],
            ),
            tf(
                "console.checking_stage_time",
                &[("stage", &title), ("time", &time)],
            ),
            format!("{title} {time}"),
            title.to_string(),
        ],
        Some((title, None)) => vec![
            tf(
                "console.checking_stage_done",
                &[("stage", &title), ("done", &done), ("total", &total)],
            ),
            tf("console.checking_stage", &[("stage", &title)]),
            title.to_string(),
        ],
        None => vec![
            tf(
                "console.checking_done",
                &[("done", &done), ("total", &total)],
            ),
            t("console.checking").into(),
        ],
    }
}

/// While a root cause is known and the checks still run (at `hop`, through jump hosts).
pub fn failing_so_far(id: &str, hop: Option<&str>) -> Vec<String> {
    let mut forms = Vec::new();
    if let Some(hop) = hop {
        forms.push(tf(
            "console.failing_so_far_at",
            &[("hop", &hop), ("id", &id)],
        ));
        forms.push(format!("{hop}: {id}"));
    }
    forms.extend([
        tf("console.failing_so_far", &[("id", &id)]),
        tf("console.failing", &[("id", &id)]),
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
        (_, true) => tf("console.more_below", &[("arrow", &down), ("pos", &pos)]),
        (true, false) => tf("console.end_above", &[("arrow", &up), ("pos", &pos)]),
        _ => pos,
    }
}

/// Panel titles and the words inside panels and dialogs.
pub mod words {
    use crate::i18n::t;

    /// The checklist panel.
    pub fn checklist() -> &'static str {
        t("console.checklist")
    }
    /// The findings panel with no finding.
    pub fn findings() -> &'static str {
        t("console.findings")
    }
    /// A finding's evidence heading.
    pub fn evidence() -> &'static str {
        t("console.evidence")
    }
    /// A finding's fix heading.
    pub fn fix() -> &'static str {
        t("console.fix")
    }
    /// Before an action's equivalent command.
    pub fn same_as() -> &'static str {
        t("console.same_as")
    }
    /// The confirm dialog, before the command.
    pub fn same_as_running() -> &'static str {
        t("console.same_as_running")
    }
    /// The confirm dialog, before the diff.
    pub fn the_change() -> &'static str {
        t("console.the_change")
    }
    /// The confirm dialog's border when its question is too long for it.
    pub fn confirm() -> &'static str {
        t("console.confirm")
    }
    /// The help overlay's border.
    pub fn keys() -> &'static str {
        t("console.keys")
    }
    /// The help overlay's hint.
    pub fn help_closes() -> &'static str {
        t("console.help_closes")
    }
    /// The masked prompt's hint.
    pub fn prompt_hint() -> &'static str {
        t("console.prompt_hint")
    }
    /// The log when no stage filter is set.
    pub fn all_stages() -> &'static str {
        t("console.all_stages")
    }
    /// The log while it follows its tail.
    pub fn following() -> &'static str {
        t("console.following")
    }
    /// The pinned line's key and verb.
    pub fn enter_fix() -> &'static str {
        t("console.enter_fix")
    }
    /// After [`ENTER_FIX`].
    pub fn fix_verb() -> &'static str {
        t("console.fix_verb")
    }
    /// The confirm dialog's keys.
    pub fn apply() -> &'static str {
        t("console.apply")
    }
    /// The confirm dialog's keys.
    pub fn cancel() -> &'static str {
        t("console.cancel")
    }
    /// The confirm dialog's keys.
    pub fn scroll() -> &'static str {
        t("console.scroll")
    }
}

/// " Findings (3, root cause first) ".
pub fn findings_title(n: usize) -> String {
    match n {
        0 => format!(" {} ", words::findings()),
        1 => format!(" {} ", t("console.findings_one")),
        n => format!(" {} ", tf("console.findings_many", &[("n", &n)])),
    }
}

/// "Action known_hosts.remove: ".
pub fn action_head(marker: &str, id: &str) -> String {
    format!("{marker}{}", tf("console.action_head", &[("id", &id)]))
}

/// What became of an applied action, under it in the findings panel.
pub fn action_result(result: Option<&Result<Vec<String>, String>>) -> String {
    match result {
        None => format!("   {}", t("console.action_applying")),
        Some(Ok(lines)) if lines.is_empty() => {
            format!("   {}", t("console.action_applied_nothing"))
        }
        Some(Ok(lines)) => format!(
            "   {}",
            tf("console.action_applied", &[("what", &lines.join("; "))])
        ),
        Some(Err(e)) => format!("   {}", tf("console.action_failed", &[("error", &e)])),
    }
}

/// "(←/→ 1 of 2)" after the pinned fix when a finding has several actions.
pub fn action_of(n: usize, total: usize) -> String {
    format!(
        "  {}",
        tf("console.action_of", &[("n", &n), ("total", &total)])
    )
}

/// The log panel's title: scope, level, position, search.
pub fn log_title(
    stage: Option<&str>,
    verbosity: &str,
    position: &str,
    query: Option<&str>,
) -> String {
    let scope = stage.map_or_else(
        || words::all_stages().to_string(),
        |s| tf("console.stage_only", &[("stage", &s)]),
    );
    let mut title = format!(
        " {} ",
        tf(
            "console.log_title",
            &[
                ("scope", &scope),
                ("verbosity", &verbosity),
                ("position", &position)
            ]
        )
    );
    if let Some(q) = query {
        title.push_str(&format!("· /{q} "));
    }
    title
}

/// The status line after a repair: "known_hosts.remove: Changed …" or "… failed: …".
pub fn repair_status(id: &str, result: &Result<Vec<String>, String>) -> String {
    match result {
        Ok(lines) if lines.is_empty() => tf("console.repair_nothing", &[("id", &id)]),
        Ok(lines) => format!("{id}: {}", lines.join("; ")),
        Err(e) => tf("console.repair_failed", &[("id", &id), ("error", &e)]),
    }
}
