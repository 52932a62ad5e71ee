//! The authentication findings: local key problems as root causes, too many failures, no
//! accepted key, no usable method, and the config repairs they offer.

use super::super::banner::Server;
use super::super::{Cx, Plan, Target};
use super::{methods_text, Answer, Tried};
use crate::config::Origin;
use crate::config_edit;
use crate::event::{ActionOffer, Finding, Level, Severity, Stage};
use crate::findings::finding;
use crate::identities::{Backing, Identity, IdentityPlan, KeyProblem, ProblemKind};
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
        cx.log(
            Stage::Auth,
            Level::Info,
            format!("ssh skips {}: {}", tr.id.label(), tr.note),
        )
        .await;
    }
    no_mutual_finding(cx, plan, (host, server), tried, ssh_would_fail).await;
}

/// The finding id, detail and fix command of one local key problem; None for a kind that has
/// none.
fn problem_words(
    cx: &Cx,
    p: &KeyProblem,
    accepted: bool,
) -> Option<(&'static str, String, Option<String>)> {
    let place = p.origin.as_ref().map_or_else(String::new, |o| {
        format!(" (IdentityFile at {})", cx.origin(o))
    });
    let shown = p.file.display();
    Some(match &p.kind {
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
    let place = p.origin.as_ref().map_or_else(String::new, |o| {
        format!(" (IdentityFile at {})", cx.origin(o))
    });
    let mut f = finding(id, Stage::Auth, detail).evidence(format!("{}{place}", p.file.display()));
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
            cx.log(
                Stage::Auth,
                Level::Debug1,
                format!("config.identity_path not offered: {e}"),
            )
            .await
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
    let mut f = finding(
        "auth.no_mutual_signature",
        Stage::Auth,
        "ssh will not use these RSA keys: the server verifies only ssh-rsa (SHA-1) signatures, and OpenSSH 8.8 and later no longer sign with SHA-1 (\"no mutual signature algorithm\").",
    )
    .fix(format!(
        "For this host only (SHA-1 is weak), add to ~/.ssh/config above any `Host *` block:\n\nHost {host}\n    PubkeyAcceptedAlgorithms +ssh-rsa\n\nBetter: upgrade the server's SSH software, or use an ed25519 key."
    ));
    if server == Server::Tinyssh {
        f.detail = "tinysshd takes only ed25519 user keys: it verifies no RSA signature at all, so ssh cannot use these RSA keys with it.".into();
        f = f.fix(format!("Make an ed25519 key (`ssh-keygen -t ed25519`) and put its .pub line in ~/.ssh/authorized_keys on the server (`sshdoctor onboard {args}` does both). Enabling ssh-rsa on the client would not help: tinysshd has no RSA."));
    }
    f
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
    let export_note = export.map_or(String::new(), |cmd| {
        format!("The key lives in the agent only: first save its public half, which ssh then uses to pick the agent's key:\n\n{cmd}\n\n")
    });
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
    .fix(identities_only_fix(&export_note, &t.original_host, &t.user, &file))
}

/// The fix that offers only `file` to `alias` (shared with `sshdoctor explain`).
pub(crate) fn identities_only_fix(
    export_note: &str,
    alias: &str,
    user: &str,
    file: &str,
) -> String {
    format!(
        "{export_note}Offer only the key that works to this host: add to ~/.ssh/config, above any `Host *` block:\n\nHost {alias}\n    IdentitiesOnly yes\n    IdentityFile {file}\n\nor once: ssh -o IdentitiesOnly=yes -i {file} {user}@{alias}"
    )
}

/// Where this server reads authorized keys and logs, as a fix for the account `args` reaches
/// (`[-p PORT …] user@host`; shared with `sshdoctor explain`).
pub(crate) fn install_advice_text(server: Server, args: &str) -> String {
    let copy = format!(
        "`ssh-copy-id -i KEY.pub {args}`, or `sshdoctor onboard {args}`, which also checks the server-side permissions"
    );
    match server {
        Server::OpenSsh => format!("Install your public key on the server ({copy}), and check the server's log (journalctl -u ssh) for \"Authentication refused: bad ownership or modes\"."),
        Server::WindowsOpenSsh => format!("Install your public key ({copy}); for an account in the Administrators group Windows OpenSSH reads C:\\ProgramData\\ssh\\administrators_authorized_keys instead of the user's file. The server's log is in the Event Viewer (OpenSSH/Operational)."),
        Server::Dropbear => format!("Install your public key ({copy}) in ~/.ssh/authorized_keys (mode 0600, ~/.ssh 0700); for root on OpenWrt dropbear reads /etc/dropbear/authorized_keys instead. Dropbear logs to syslog (`logread` on OpenWrt); its settings are the flags it was started with (-s no passwords, -g no root passwords, -w no root logins)."),
        Server::Tinyssh => format!("tinysshd takes only ed25519 user keys (make one with `ssh-keygen -t ed25519`) from ~/.ssh/authorized_keys; install it there ({copy}). tinysshd has no configuration file."),
        _ => format!("Install your public key where this server ({}) reads keys — ask its administrator; {copy}.", server.name()),
    }
}

/// Why a server refuses a login after its "yes" to the key, most likely first (shared with
/// `sshdoctor explain`).
pub(crate) fn login_refused_reasons_text(server: Server, user: &str) -> String {
    let root = user == "root";
    match server {
        Server::Dropbear => format!(
            "{}the account is locked or has no valid shell; dropbear was started with -G GROUP and the account is not in it",
            if root { "dropbear was started with -w (no root logins); " } else { "" }
        ),
        s if s.has_sshd_config() => format!(
            "{}AllowUsers, DenyUsers, AllowGroups or DenyGroups in sshd_config exclude the account; the account is expired or locked (`chage -l {}`, `passwd -S {}`); a restriction on the key's line in authorized_keys (from=, expiry-time=)",
            if root { "PermitRootLogin no (or forced-commands-only) in sshd_config; " } else { "" },
            user, user
        ),
        _ => "the server's own policy refuses this account (ask its administrator)".to_string(),
    }
}

/// The fix of `auth.login_refused` (shared with `sshdoctor explain`).
pub(crate) fn login_refused_fix(server: Server, user: &str) -> String {
    if server.has_sshd_config() {
        format!("On the server, as root: `sshd -T -C user={user}` shows the settings that apply (permitrootlogin, allowusers, denyusers, allowgroups, denygroups), and `journalctl -u ssh` says why the login was refused.")
    } else {
        format!(
            "Ask the administrator of this {} server why the account may not log in.",
            server.name()
        )
    }
}

/// The likely causes `auth.no_accepted_key` lists, in order (shared with `sshdoctor explain`);
/// `user_from` says where the user name came from.
pub(crate) fn no_accepted_key_causes(server: Server, user: &str, user_from: &str) -> String {
    format!(
        "Likely causes, in order: the key is not in ~{user}/.ssh/authorized_keys on the server; {}the user name is wrong ({user_from}).",
        if server.has_sshd_config() { "sshd's StrictModes refuses it (the home directory, ~/.ssh or authorized_keys writable by group/others or owned by someone else); AuthorizedKeysFile points elsewhere; AllowUsers/DenyUsers exclude the account; " } else { "the home directory, ~/.ssh or authorized_keys are writable by others; " }
    )
}

/// What a server wanting a second method after the key wants, and the fix (shared with
/// `sshdoctor explain`).
pub(crate) fn second_factor_words(server: Server) -> (&'static str, &'static str) {
    match server {
        Server::Dropbear => ("dropbear started with -t wants a password after the key", "Type the password when ssh asks for it (in the console sshdoctor asks too); or, on the server, start dropbear without -t."),
        s if s.has_sshd_config() => ("sshd_config's AuthenticationMethods wants a second method after the key", "Type the second factor when ssh asks for it (in the console sshdoctor asks too, for a host whose key is known); or, on the server, relax AuthenticationMethods in sshd_config."),
        _ => ("the server wants a second method after the key", "Type the second factor when ssh asks for it."),
    }
}

/// The fix of `auth.method_not_allowed` when the server takes no public keys (shared with
/// `sshdoctor explain`).
pub(crate) fn pubkey_disabled_fix(server: Server) -> String {
    match server {
        s if s.has_sshd_config() => "Log in with the password, or have the server's administrator set `PubkeyAuthentication yes` in sshd_config (check with `sshd -T | grep pubkeyauthentication`).".to_string(),
        s => format!("Log in with the password, or have the administrator of this {} server enable public-key logins.", s.name()),
    }
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
    ))
    .fix(format!(
        "Make a key and install it: `sshdoctor onboard {}` walks through it (or `ssh-keygen -t ed25519`, then `ssh-copy-id {}`).",
        t.ssh_args, t.ssh_args
    ));
    f.actions.push(onboard_offer(t));
    f
}

/// The guided first login, offered where a key needs making or installing (the console leaves
/// for it; a report shows the command).
pub(super) fn onboard_offer(t: &Target) -> crate::event::ActionOffer {
    // The user and port as resolved (and -F, -o), so the command reaches the same account.
    let host = &t.ssh_args;
    crate::event::ActionOffer {
        title_text: None,
        id: "onboard".into(),
        title: "Guided first login: choose or make a key, verify the host key, install the key with one password login, fix the server-side permissions, write a Host block".into(),
        preview: format!("Leaves this console and starts `sshdoctor onboard {host}`; every step there is previewed and confirmed on its own."),
        command: format!("sshdoctor onboard {host}"),
        repair: None,
    }
}
