//! The authentication findings: local key problems as root causes, too many failures, no
//! accepted key, no usable method, and the config repairs they offer.

use super::super::banner::Server;
use super::super::{Cx, Plan, Target};
use super::advice::identities_only_fix_keyed;
use super::{methods_text, Answer, Tried};
use crate::config::Origin;
use crate::config_edit;
use crate::event::{ActionOffer, Finding, Level, Severity, Stage};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::identities::{Backing, Identity, IdentityPlan, KeyProblem, ProblemKind};
use crate::repair;
use crate::text;

/// Where an identity comes from, for findings.
pub(super) fn source(cx: &Cx, id: &Identity) -> Text {
    match (&id.origin, id.backing) {
        (Some(o), _) => text!(
            "engine.auth.report.identity_file_at",
            origin = cx.origin_said(o)
        ),
        (None, Backing::Agent) => text!("engine.auth.report.the_agent"),
        (None, _) => text!("engine.auth.report.default_list"),
    }
}

/// ` (IdentityFile at FILE:LINE)` for a key named in a config file, else nothing.
fn place(cx: &Cx, p: &KeyProblem) -> Text {
    p.origin.as_ref().map_or_else(
        || Text::from(""),
        |o| text!("engine.auth.report.place", origin = cx.origin_said(o)),
    )
}

/// Local key problems: errors when they are why no login works, warnings otherwise.
#[allow(clippy::too_many_arguments)]
pub(super) async fn key_findings(
    cx: &Cx,
    plan: &Plan,
    (host, server): (&str, Server),
    ids: &IdentityPlan,
    tried: &[Tried<'_>],
    replacement: Option<&std::path::Path>,
    ssh_would_fail: bool,
) {
    for p in &ids.problems {
        problem_finding(cx, plan, p, tried, replacement, ssh_would_fail).await;
    }
    for tr in tried.iter().filter(|tr| tr.answer == Answer::Skipped) {
        let said = text!(
            "engine.auth.report.skips_log",
            key = tr.id.label(),
            why = tr.note.clone()
        );
        cx.say(Stage::Auth, Level::Info, said).await;
    }
    no_mutual_finding(cx, plan, (host, server), tried, ssh_would_fail).await;
}

/// The finding id, detail and fix command of one local key problem; None for a kind that has
/// none.
fn problem_words(
    cx: &Cx,
    p: &KeyProblem,
    accepted: bool,
) -> Option<(&'static str, Text, Option<String>)> {
    let (file, place) = (&p.file, place(cx, p));
    Some(match &p.kind {
        ProblemKind::Missing => (
            "key.missing",
            text!(
                "engine.auth.report.missing_detail",
                file = file,
                place = place
            ),
            None,
        ),
        ProblemKind::Unprotected { mode } => {
            let mode = format!("{mode:04o}");
            let detail = match accepted {
                true => text!(
                    "engine.auth.report.unprotected_accepted_detail",
                    file = file,
                    place = place,
                    mode = mode
                ),
                false => text!(
                    "engine.auth.report.unprotected_detail",
                    file = file,
                    place = place,
                    mode = mode
                ),
            };
            let shown = file.display().to_string();
            let fix = format!("chmod 600 {}", crate::fsedit::shell_quote(&shown));
            ("key.unprotected", detail, Some(fix))
        }
        ProblemKind::PubMismatch => (
            "key.pub_mismatch",
            text!(
                "engine.auth.report.pub_mismatch_detail",
                file = file,
                place = place
            ),
            None,
        ),
        ProblemKind::Unreadable(e) => (
            "key.unreadable",
            text!(
                "engine.auth.report.unreadable_detail",
                file = file,
                place = place,
                why = e
            ),
            None,
        ),
        ProblemKind::Invalid(e) => (
            "key.unreadable",
            text!(
                "engine.auth.report.invalid_detail",
                file = file,
                place = place,
                why = crate::identities::invalid_text(e),
            ),
            None,
        ),
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

/// One local key problem's finding, with its repair; an error when it is why ssh fails (the
/// server accepts the key, or the key is missing or unprotected).
async fn problem_finding(
    cx: &Cx,
    plan: &Plan,
    p: &KeyProblem,
    tried: &[Tried<'_>],
    replacement: Option<&std::path::Path>,
    ssh_would_fail: bool,
) {
    let accepted = tried
        .iter()
        .any(|tr| tr.answer == Answer::Accepted && tr.id.file.as_ref() == Some(&p.file));
    let Some((id, detail, fix)) = problem_words(cx, p, accepted) else {
        return;
    };
    let place = place(cx, p).english();
    let mut f = keyed(id, Stage::Auth, detail).evidence(format!("{}{place}", p.file.display()));
    if let Some(fix) = fix {
        f = f.fix(fix);
    }
    if let ProblemKind::Unprotected { mode } = p.kind {
        f.actions.extend(crate::repair::permissions_action(&[(
            p.file.clone(),
            mode,
            0o600,
        )]));
    }
    if let (ProblemKind::Missing, Some(rep)) = (&p.kind, replacement) {
        f = replacement_repair(cx, plan, f, p, rep).await;
    }
    let root_cause = ssh_would_fail
        && (accepted
            || matches!(
                p.kind,
                ProblemKind::Missing | ProblemKind::Unprotected { .. }
            ));
    f.severity = if root_cause {
        Severity::Error
    } else {
        Severity::Warning
    };
    cx.finding(f).await;
}

/// A missing key named in a config file, where the server accepts another local key `rep`:
/// that as evidence, and the repair pointing the IdentityFile at it.
async fn replacement_repair(
    cx: &Cx,
    plan: &Plan,
    mut f: Finding,
    p: &KeyProblem,
    rep: &std::path::Path,
) -> Finding {
    let Some(Origin::File { path, line }) = &p.origin else {
        return f;
    };
    f = f.evidence(format!(
        "the server accepts {}, which no IdentityFile names",
        rep.display()
    ));
    match identity_path_action(plan, path, *line, &p.file, rep) {
        Ok(action) => f.actions.push(action),
        Err(e) => {
            let said = text!(
                "engine.auth.not_offered_log",
                action = "config.identity_path",
                why = e
            );
            cx.say(Stage::Auth, Level::Debug1, said).await
        }
    }
    f
}

/// `auth.no_mutual_signature` for the keys ssh skipped for want of a signature algorithm the
/// server verifies: an error when it is why ssh fails.
async fn no_mutual_finding(
    cx: &Cx,
    plan: &Plan,
    (host, server): (&str, Server),
    tried: &[Tried<'_>],
    ssh_would_fail: bool,
) {
    let no_mutual: Vec<&Tried> = tried.iter().filter(|tr| tr.no_mutual_sig).collect();
    if no_mutual.is_empty() {
        return;
    }
    let args =
        crate::destination::ssh_args(&plan.input, &plan.config.user().value, plan.config.port().0);
    let mut f =
        no_mutual_signature_finding(host, server, &args).evidence_all(no_mutual.iter().map(|tr| {
            format!(
                "skipped: {} {}",
                tr.id.label(),
                tr.id.fingerprint().unwrap_or_default()
            )
        }));
    f.severity = if ssh_would_fail {
        Severity::Error
    } else {
        Severity::Warning
    };
    cx.finding(f).await;
}

/// `auth.no_mutual_signature` for `host` (the Host block's name) on this server, without
/// evidence (shared with `sshdoctor explain`).
/// `args` reaches the same account (`[-p PORT …] user@host`) in the fix's commands.
pub(crate) fn no_mutual_signature_finding(host: &str, server: Server, args: &str) -> Finding {
    let (detail, fix) = match server {
        Server::Tinyssh => (
            text!("engine.auth.report.no_mutual_tiny_detail"),
            text!("engine.auth.report.no_mutual_tiny_fix", args = args),
        ),
        _ => (
            text!("engine.auth.report.no_mutual_detail"),
            text!("engine.auth.report.no_mutual_fix", host = host),
        ),
    };
    keyed("auth.no_mutual_signature", Stage::Auth, detail).fix_text(fix)
}

/// The user's ssh_config (`-F` or ~/.ssh/config) and its bytes, None when it does not exist.
pub(super) fn user_config(plan: &Plan) -> (std::path::PathBuf, Option<Vec<u8>>) {
    let path = plan
        .input
        .user_config
        .clone()
        .unwrap_or_else(|| plan.input.home.join(".ssh").join("config"));
    let bytes = std::fs::read(&path).ok();
    (path, bytes)
}

/// `config.identities_only`: make `key` the first key ssh offers to this host, nothing before it.
pub(super) fn identities_only_action(
    plan: &Plan,
    t: &Target,
    key: &std::path::Path,
) -> Result<Option<ActionOffer>, String> {
    let (path, old) = user_config(plan);
    let edit =
        config_edit::identities_only(old.as_deref().unwrap_or_default(), &path, &plan.input, key)?;
    if old.as_deref() == Some(edit.new_bytes.as_slice()) {
        return Ok(None);
    }
    let key_arg = crate::fsedit::shell_quote(&key.display().to_string());
    let command = format!(
        "ssh -o IdentitiesOnly=yes -i {key_arg} {}@{}  # once; the change above makes it permanent",
        t.user, t.original_host
    );
    let title = text!("engine.auth.report.identities_only_title");
    let action = repair::config_action_text("config.identities_only", title, old, edit, command);
    Ok(Some(action))
}

/// `config.identity_path`: point a stale IdentityFile line at the key the server accepts.
pub(super) fn identity_path_action(
    plan: &Plan,
    file: &std::path::Path,
    line: usize,
    stale: &std::path::Path,
    rep: &std::path::Path,
) -> Result<ActionOffer, String> {
    let (user_file, old) = user_config(plan);
    if file != user_file {
        return Err(format!(
            "{} is not the user configuration file",
            file.display()
        ));
    }
    let edit = config_edit::identity_path(
        old.as_deref().unwrap_or_default(),
        file,
        &plan.input,
        stale,
        line,
        rep,
    )?;
    let new_line = String::from_utf8_lossy(&edit.new_bytes)
        .lines()
        .nth(line - 1)
        .unwrap_or_default()
        .to_string();
    let command = format!(
        "sed -i {} {}",
        crate::fsedit::shell_quote(&format!("{line}c\\{new_line}")),
        crate::fsedit::shell_quote(&file.display().to_string())
    );
    let title = text!("engine.auth.report.identity_path_title", path = rep);
    Ok(repair::config_action_text(
        "config.identity_path",
        title,
        old,
        edit,
        command,
    ))
}

/// `action` with its title as a [`Text`] too (the front ends show it in their language).
/// The file to name with `-i` for this key, and a command that makes it first when the key
/// lives only in the agent (ssh then signs with the agent's key for that public key file).
fn identity_file_for(id: &Identity) -> (String, Option<String>) {
    if let Some(f) = &id.file {
        return (f.display().to_string(), None);
    }
    let line = id
        .key
        .as_ref()
        .and_then(|k| k.to_openssh().ok())
        .unwrap_or_default();
    let line = line
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let file = "~/.ssh/agent_key.pub".to_string();
    let export = format!(
        "printf '%s\\n' {} > ~/.ssh/agent_key.pub",
        crate::fsedit::shell_quote(&line)
    );
    (file, Some(export))
}

/// `auth.too_many_failures`: ssh offers `before` refused keys before `id` (at `pos`), which the
/// server accepts, and the server allows `n` attempts.
pub(super) fn too_many_finding(
    cx: &Cx,
    t: &Target,
    id: &Identity,
    pos: usize,
    before: usize,
    n: usize,
) -> Finding {
    let key = id.label();
    let (file, export) = identity_file_for(id);
    let export_note = export.map_or_else(
        || Text::from(""),
        |cmd| text!("engine.auth.report.export_note", command = cmd),
    );
    let detail = text!(
        "engine.auth.report.too_many_detail",
        n = n,
        before = before,
        key = &key,
        pos = pos + 1,
        source = source(cx, id),
    );
    let fix = identities_only_fix_keyed(export_note, &t.original_host, &t.user, &file);
    keyed("auth.too_many_failures", Stage::Auth, detail)
        .evidence(format!(
            "server disconnected after {n} refused keys: Too many authentication failures"
        ))
        .evidence(format!(
            "accepted: {key} {}",
            id.fingerprint().unwrap_or_default()
        ))
        .fix_text(fix)
}

/// `auth.no_key`: no key to offer, only a password login — with the guided first login
/// offered (also after a password login in the console succeeded). `mode`: why sshdoctor did
/// not try the password, when that is why the login fails.
pub(super) fn no_key_finding(
    t: &Target,
    methods: &russh::MethodSet,
    mode: Option<Text>,
) -> crate::event::Finding {
    let host = &t.hostname;
    let detail = match mode {
        None => text!("engine.auth.report.no_key_detail", host = host),
        Some(mode) => text!(
            "engine.auth.report.no_key_detail_mode",
            host = host,
            mode = mode
        ),
    };
    let mut f = keyed("auth.no_key", Stage::Auth, detail)
        .evidence(format!(
            "Authentications that can continue: {}",
            methods_text(methods)
        ))
        .fix_text(text!("engine.auth.report.no_key_fix", args = &t.ssh_args));
    f.actions.push(onboard_offer(t));
    f
}

/// The guided first login, offered where a key needs making or installing (the console leaves
/// for it; a report shows the command).
pub(super) fn onboard_offer(t: &Target) -> crate::event::ActionOffer {
    // The user and port as resolved (and -F, -o), so the command reaches the same account.
    let host = &t.ssh_args;
    let title = text!("engine.auth.report.onboard_title");
    crate::event::ActionOffer {
        id: "onboard".into(),
        title: title.english(),
        title_text: Some(Box::new(title)),
        preview: format!("Leaves this console and starts `sshdoctor onboard {host}`; every step there is previewed and confirmed on its own."),
        command: format!("sshdoctor onboard {host}"),
        repair: None,
    }
}
