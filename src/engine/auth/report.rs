//! The authentication findings: local key problems as root causes, too many failures, no
//! accepted key, no usable method, and the config repairs they offer.

use super::super::{Cx, Plan, Target};
use super::{methods_text, Answer, Tried};
use crate::config::Origin;
use crate::config_edit;
use crate::event::{ActionOffer, Finding, Level, Severity, Stage};
use crate::findings::finding;
use crate::identities::{Backing, Identity, IdentityPlan, ProblemKind};
use crate::repair;

/// Where an identity comes from, for findings.
pub(super) fn source(cx: &Cx, id: &Identity) -> String {
    match (&id.origin, id.backing) {
        (Some(o), _) => format!("IdentityFile at {}", cx.origin(o)),
        (None, Backing::Agent) => "the agent".to_string(),
        (None, _) => "OpenSSH's default key list".to_string(),
    }
}

/// Local key problems: errors when they are why no login works, warnings otherwise.
#[allow(clippy::too_many_arguments)]
pub(super) async fn key_findings(
    cx: &Cx,
    plan: &Plan,
    host: &str,
    ids: &IdentityPlan,
    tried: &[Tried<'_>],
    replacement: Option<&std::path::Path>,
    ssh_would_fail: bool,
) {
    for p in &ids.problems {
        let place = p.origin.as_ref().map_or_else(String::new, |o| {
            format!(" (IdentityFile at {})", cx.origin(o))
        });
        let shown = p.file.display();
        let accepted = tried
            .iter()
            .any(|tr| tr.answer == Answer::Accepted && tr.id.file.as_ref() == Some(&p.file));
        let (id, detail, fix): (&str, String, Option<String>) = match &p.kind {
            ProblemKind::Missing => ("key.missing", format!("{shown}{place} does not exist, so ssh skips it (\"no such identity\"). An IdentityFile left pointing at an old path after a migration looks like this."), None),
            ProblemKind::Unprotected { mode } => (
                "key.unprotected",
                format!("{shown}{place} has mode {mode:04o}: readable by others, so OpenSSH refuses to use it (\"UNPROTECTED PRIVATE KEY FILE\"){}.", if accepted { "; the server would accept this key" } else { "" }),
                Some(format!("chmod 600 {}", crate::fsedit::shell_quote(&shown.to_string()))),
            ),
            ProblemKind::PubMismatch => ("key.pub_mismatch", format!("{shown}.pub does not belong to {shown}{place}: ssh offers the .pub key but cannot sign for it."), None),
            ProblemKind::Unreadable(e) => ("key.unreadable", format!("{shown}{place} cannot be read: {e}"), None),
            ProblemKind::Invalid(e) => ("key.unreadable", format!("{shown}{place} is not a key ssh can load: {e}"), None),
            #[allow(unreachable_patterns)]
            _ => continue,
        };
        let mut f = finding(id, Stage::Auth, detail).evidence(format!("{shown}{place}"));
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
        if let (ProblemKind::Missing, Some(rep), Some(Origin::File { path, line })) =
            (&p.kind, replacement, &p.origin)
        {
            f = f.evidence(format!(
                "the server accepts {}, which no IdentityFile names",
                rep.display()
            ));
            match identity_path_action(plan, path, *line, &p.file, rep) {
                Ok(action) => f.actions.push(action),
                Err(e) => {
                    cx.log(
                        Stage::Auth,
                        Level::Debug1,
                        format!("config.identity_path not offered: {e}"),
                    )
                    .await
                }
            }
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
    for tr in tried.iter().filter(|tr| tr.answer == Answer::Skipped) {
        cx.log(
            Stage::Auth,
            Level::Info,
            format!("ssh skips {}: {}", tr.id.label(), tr.note),
        )
        .await;
    }
    let no_mutual: Vec<&Tried> = tried.iter().filter(|tr| tr.no_mutual_sig).collect();
    if !no_mutual.is_empty() {
        let mut f = finding(
            "auth.no_mutual_signature",
            Stage::Auth,
            "ssh will not use these RSA keys: the server verifies only ssh-rsa (SHA-1) signatures, and OpenSSH 8.8 and later no longer sign with SHA-1 (\"no mutual signature algorithm\").",
        )
        .evidence_all(no_mutual.iter().map(|tr| format!("skipped: {} {}", tr.id.label(), tr.id.fingerprint().unwrap_or_default())))
        .fix(format!(
            "For this host only (SHA-1 is weak), add to ~/.ssh/config above any `Host *` block:\n\nHost {host}\n    PubkeyAcceptedAlgorithms +ssh-rsa\n\nBetter: upgrade the server's SSH software, or use an ed25519 key."
        ));
        f.severity = if ssh_would_fail {
            Severity::Error
        } else {
            Severity::Warning
        };
        cx.finding(f).await;
    }
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
    Ok(Some(repair::config_action(
        "config.identities_only",
        "Offer only the accepted key to this host".into(),
        old,
        edit,
        command,
    )))
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
    Ok(repair::config_action(
        "config.identity_path",
        format!("Point IdentityFile at {}", rep.display()),
        old,
        edit,
        command,
    ))
}

pub(super) fn too_many_finding(
    cx: &Cx,
    t: &Target,
    id: &Identity,
    pos: usize,
    before: usize,
    n: usize,
) -> Finding {
    let key = id.label();
    let file_line = match &id.file {
        Some(f) => format!("    IdentityFile {}", f.display()),
        None => format!("    IdentityFile <the .pub file of {key}>"),
    };
    finding(
        "auth.too_many_failures",
        Stage::Auth,
        format!(
            "The server allows {n} authentication attempts, but ssh offers {before} keys it refuses before {key} (key {} in ssh's order; {}), which the server accepts. ssh fails with \"Too many authentication failures\".",
            pos + 1,
            source(cx, id)
        ),
    )
    .evidence(format!("server disconnected after {n} refused keys: Too many authentication failures"))
    .evidence(format!("accepted: {key} {}", id.fingerprint().unwrap_or_default()))
    .fix(format!(
        "Offer only the key that works to this host: add to ~/.ssh/config, above any `Host *` block:\n\nHost {}\n    IdentitiesOnly yes\n{file_line}\n\nor once: ssh -o IdentitiesOnly=yes -i {} {}@{}",
        t.original_host,
        id.file.as_ref().map_or(key.clone(), |f| f.display().to_string()),
        t.user,
        t.original_host
    ))
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn no_login_findings(
    cx: &Cx,
    t: &Target,
    ids: &IdentityPlan,
    tried: &[Tried<'_>],
    methods: &russh::MethodSet,
    server_pubkey: bool,
    pubkey_on: bool,
    user_origin: &crate::config::Origin,
) -> String {
    let batch = cx.config.get("batchmode").is_some_and(|v| v.value == "yes");
    let interactive = methods.contains(&russh::MethodKind::Password)
        || methods.contains(&russh::MethodKind::KeyboardInteractive);
    let passphrase: Vec<&Tried> = tried
        .iter()
        .filter(|tr| {
            tr.answer == Answer::Accepted && tr.id.encrypted && tr.id.backing == Backing::File
        })
        .collect();
    if let Some(tr) = passphrase.first() {
        cx.finding(
            finding(
                "auth.key_passphrase_needed",
                Stage::Auth,
                format!("The server accepts {}, but it is encrypted and not in the agent: ssh asks for its passphrase (and fails under BatchMode). sshdoctor never asks in report mode.", tr.id.label()),
            )
            .evidence(format!("accepted: {} {}", tr.id.label(), tr.id.fingerprint().unwrap_or_default()))
            .fix(format!("Load it into the agent once: ssh-add {}", tr.id.file.as_ref().map_or(String::new(), |f| crate::fsedit::shell_quote(&f.display().to_string())))),
        )
        .await;
        return "key accepted, but it needs its passphrase".into();
    }
    let offered: Vec<&Tried> = tried
        .iter()
        .filter(|tr| tr.answer == Answer::Refused)
        .collect();
    if server_pubkey && pubkey_on && !offered.is_empty() {
        let user_from = match user_origin {
            crate::config::Origin::Default => format!(
                "the user name {} is your local user name (nothing configured)",
                t.user
            ),
            o => format!("User {} comes from {}", t.user, cx.origin(o)),
        };
        let mut f = finding(
            "auth.no_accepted_key",
            Stage::Auth,
            format!(
                "{} refused every key ssh offers for {}. Likely causes, in order: the key is not in ~{}/.ssh/authorized_keys on the server; sshd's StrictModes refuses it (the home directory, ~/.ssh or authorized_keys writable by group/others or owned by someone else); AuthorizedKeysFile points elsewhere; AllowUsers/DenyUsers exclude the account; the user name is wrong ({user_from}).",
                t.hostname, t.user, t.user
            ),
        );
        f = f.evidence_all(offered.iter().map(|tr| {
            format!(
                "refused: {} {}",
                tr.id.label(),
                tr.id.fingerprint().unwrap_or_default()
            )
        }));
        f = f.fix(format!(
            "Install your public key on the server (ssh-copy-id -i KEY.pub {}@{}, or `sshdoctor onboard {}`, which also checks the server-side permissions), and check the server's log (journalctl -u ssh) for \"Authentication refused: bad ownership or modes\".",
            t.user, t.original_host, t.original_host
        ));
        if interactive {
            f.actions.push(onboard_offer(t));
        }
        cx.finding(f).await;
        return format!("all {} key(s) refused", offered.len());
    }
    if interactive && !batch && ids.offered.is_empty() && server_pubkey && pubkey_on {
        cx.finding(no_key_finding(t, methods)).await;
    }
    if interactive && !batch {
        cx.log(Stage::Auth, Level::Info, "Only password or keyboard-interactive login is left; sshdoctor sends no password in report mode").await;
        return "password login possible (not tried in report mode)".into();
    }
    let why = if methods.is_empty() {
        "the server allows no method at all".to_string()
    } else if !server_pubkey {
        format!("the server allows only {}", methods_text(methods))
    } else if !pubkey_on {
        "PubkeyAuthentication is off in your configuration".to_string()
    } else if ids.offered.is_empty() {
        "you have no key ssh would offer".to_string()
    } else {
        "no key could be offered".to_string()
    };
    cx.finding(
        finding(
            "auth.method_not_allowed",
            Stage::Auth,
            format!(
                "None of the methods {} allows is usable by this client: {why}{}.",
                t.hostname,
                if batch && interactive {
                    " (password prompts are off under BatchMode)"
                } else {
                    ""
                }
            ),
        )
        .evidence(format!(
            "Authentications that can continue: {}",
            methods_text(methods)
        )),
    )
    .await;
    "no usable authentication method".into()
}

/// `auth.no_key`: no key to offer, only a password login — with the guided first login
/// offered (also after a password login in the console succeeded).
pub(super) fn no_key_finding(t: &Target, methods: &russh::MethodSet) -> crate::event::Finding {
    let mut f = finding(
        "auth.no_key",
        Stage::Auth,
        format!(
            "You have no key ssh would offer to {}: only a password login is possible.",
            t.hostname
        ),
    )
    .evidence(format!(
        "Authentications that can continue: {}",
        methods_text(methods)
    ));
    f.actions.push(onboard_offer(t));
    f
}

/// The guided first login, offered where a key needs making or installing (the console leaves
/// for it; a report shows the command).
fn onboard_offer(t: &Target) -> crate::event::ActionOffer {
    // The user and port as resolved, so the command reaches the same account.
    let port = if t.port == 22 {
        String::new()
    } else {
        format!("-p {} ", t.port)
    };
    let host = format!(
        "{port}{}",
        crate::fsedit::shell_quote(&format!("{}@{}", t.user, t.original_host))
    );
    crate::event::ActionOffer {
        id: "onboard".into(),
        title: "Guided first login: choose or make a key, verify the host key, install the key with one password login, fix the server-side permissions, write a Host block".into(),
        preview: format!("Leaves this console and starts `sshdoctor onboard {host}`; every step there is previewed and confirmed on its own."),
        command: format!("sshdoctor onboard {host}"),
        repair: None,
    }
}
