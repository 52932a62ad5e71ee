//! The config stage of one hop: the settings ssh would use, its verdict on the files and their
//! permissions, and the target (host, port, user, algorithms) the later stages reach.

use super::{hops, ClientAlgorithms, Cx, Plan, StageEnd, Target};
use crate::algorithms::AlgKind;
use crate::config::Origin;
use crate::event::{Event, Finding, Level, Setting, Stage, Status};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::identities::{LocalProblem, LocalProblemKind};
use crate::text;
use std::time::Duration;

/// What the stage found against the configuration so far.
#[derive(Default)]
struct Judged {
    /// ssh refuses the configuration and stops.
    refused: bool,
    /// A finding was made (a warning at least).
    warned: bool,
}

/// The config stage of one hop (`plan` is the hop's, with its own configuration): the
/// settings (sent as [`Event::Destination`] for the destination), ssh's verdict on the files,
/// and how ssh reaches the hop.
pub(super) async fn config_stage(
    cx: &Cx,
    plan: &Plan,
    hop: &hops::HopSpec,
    destination: bool,
) -> (Option<Target>, StageEnd) {
    log_settings(cx, plan, destination).await;
    let mut judged = judge_files(cx, plan).await;
    local_permissions(cx, plan, &mut judged).await;
    log_notes(cx, plan, hop).await;
    if hop_refused(cx, hop).await {
        judged.refused = true;
    }
    log_client(cx, plan).await;
    let (target, summary) = target(plan);
    let status = if judged.refused {
        Status::Fail
    } else if judged.warned {
        Status::Warn
    } else {
        Status::Pass
    };
    (Some(target), StageEnd::text(status, summary))
}

/// The files read and every setting with its origin, logged; sent as [`Event::Destination`]
/// for the destination.
async fn log_settings(cx: &Cx, plan: &Plan, destination: bool) {
    let cfg = &plan.config;
    for path in &cfg.files_read {
        cx.log(
            Stage::Config,
            Level::Debug1,
            format!("Reading configuration data {}", path.display()),
        )
        .await;
    }
    let settings: Vec<Setting> = cfg
        .settings()
        .into_iter()
        .map(|(keyword, value, origin)| Setting {
            keyword,
            value,
            origin: cx.origin(&origin),
        })
        .collect();
    for s in &settings {
        cx.log(
            Stage::Config,
            Level::Debug3,
            format!("{} {} ({})", s.keyword, s.value, s.origin),
        )
        .await;
    }
    if destination {
        cx.send(Event::Destination(settings)).await;
    }
}

/// ssh's verdict on the configuration files: its log lines, facts and findings.
async fn judge_files(cx: &Cx, plan: &Plan) -> Judged {
    let version = plan.openssh.as_ref().map(|(_, v)| *v);
    let describe = |o: &Origin| cx.origin_said(o);
    let verdict = crate::config_verdict::judge_said(&plan.config, &plan.input, version, &describe);
    for (level, text) in verdict.logs {
        cx.say(Stage::Config, level, text).await;
    }
    for (key, value) in verdict.facts {
        cx.fact(Stage::Config, &key, value).await;
    }
    let judged = Judged {
        refused: verdict.refused,
        warned: !verdict.findings.is_empty(),
    };
    for f in verdict.findings {
        cx.finding(f).await;
    }
    judged
}

/// The permissions of the config file and ~/.ssh, each problem a finding with its chmod
/// repair.
async fn local_permissions(cx: &Cx, plan: &Plan, judged: &mut Judged) {
    let rules =
        crate::identities::PermRules::for_client(plan.openssh.as_ref().map(|(t, _)| t.as_str()));
    for problem in crate::identities::local_problems(&plan.config, rules) {
        let Some((mut f, wanted)) = permission_finding(cx, &problem, judged).await else {
            continue;
        };
        f.actions.extend(crate::repair::permissions_action(&[(
            problem.path.clone(),
            wanted.0,
            wanted.1,
        )]));
        judged.warned = true;
        cx.finding(f).await;
    }
}

/// One permission problem: the finding and (mode, wanted mode) — `config.bad_permissions`,
/// which ssh refuses to run with, or `local.ssh_dir_permissions`; None for a group-writable
/// config the installed (Debian) ssh accepts, which is only logged.
async fn permission_finding(
    cx: &Cx,
    problem: &LocalProblem,
    judged: &mut Judged,
) -> Option<(Finding, (u32, u32))> {
    let path = problem.path.display().to_string();
    match problem.kind {
        LocalProblemKind::ConfigBadPermissions { mode, owner } => {
            judged.refused = true;
            let mode_s = format!("{mode:04o}");
            let said = text!(
                "engine.config_stage.bad_permissions",
                path = &path,
                mode = mode_s,
                owner = owner
            );
            let f = keyed("config.bad_permissions", Stage::Config, said)
                .evidence(format!("{path}: mode {mode:04o}, owner uid {owner}"));
            Some((f, (mode, 0o600)))
        }
        LocalProblemKind::SshDirPermissions { mode } => {
            let mode_s = format!("{mode:04o}");
            let said = text!(
                "engine.config_stage.ssh_dir_writable",
                path = &path,
                mode = mode_s
            );
            let f = keyed("local.ssh_dir_permissions", Stage::Config, said)
                .evidence(format!("{path}: mode {mode:04o}"));
            Some((f, (mode, 0o700)))
        }
        LocalProblemKind::ConfigGroupWritableAccepted { mode, gid } => {
            let mode = format!("{mode:04o}");
            let said = text!(
                "engine.config_stage.group_writable_accepted",
                path = &path,
                mode = mode,
                gid = gid
            );
            cx.say(Stage::Config, Level::Info, said).await;
            None
        }
    }
}

/// The directives ssh could not evaluate, and the hop's notes.
async fn log_notes(cx: &Cx, plan: &Plan, hop: &hops::HopSpec) {
    for d in &plan.config.unevaluated {
        let place = cx.origin_said(&Origin::File {
            path: d.path.clone(),
            line: d.line,
        });
        let said = text!("config_verdict.at", place = place, message = &d.message);
        cx.say(Stage::Config, Level::Info, said).await;
    }
    for note in &hop.notes {
        cx.say(Stage::Config, Level::Info, note.clone()).await;
    }
}

/// `config.invalid_value` when ssh refuses the hop and stops before connecting anywhere
/// ("jumphost loop via HOST", a bad token); true then.
async fn hop_refused(cx: &Cx, hop: &hops::HopSpec) -> bool {
    let Some(why) = &hop.refused else {
        return false;
    };
    cx.log(Stage::Config, Level::Info, why.clone()).await;
    let said = text!("engine.config_stage.refused", why = why);
    let f = keyed("config.invalid_value", Stage::Config, said).evidence(why.clone());
    cx.finding(f).await;
    true
}

/// Which client the verdicts are judged against.
async fn log_client(cx: &Cx, plan: &Plan) {
    match &plan.openssh {
        Some((text, _)) => {
            let said = text!("engine.config_stage.installed_client", client = text);
            cx.say(Stage::Config, Level::Debug1, said).await
        }
        None => {
            let said = text!("engine.config_stage.no_client");
            cx.say(Stage::Config, Level::Info, said).await
        }
    }
}

/// The algorithms ssh would propose, with where each list was configured.
fn client_algorithms(plan: &Plan) -> ClientAlgorithms {
    let version = plan.openssh.as_ref().map(|(_, v)| *v);
    let mut algorithms = ClientAlgorithms::default();
    for (i, kind) in [
        AlgKind::Kex,
        AlgKind::HostKey,
        AlgKind::Cipher,
        AlgKind::Mac,
    ]
    .into_iter()
    .enumerate()
    {
        let configured = plan.config.get(kind.keyword());
        // A list ssh refuses is already a config.invalid_value finding; probe with the defaults.
        let list =
            crate::algorithms::effective(version, kind, configured.map(|v| v.value.as_str()))
                .or_else(|_| crate::algorithms::effective(version, kind, None))
                .unwrap_or_default();
        algorithms.origins[i] = configured.map(|v| v.origin.clone());
        match i {
            0 => algorithms.kex = list,
            1 => algorithms.host_key = list,
            2 => algorithms.cipher = list,
            _ => algorithms.mac = list,
        }
    }
    algorithms
}

/// The hop as ssh reaches it, and the stage's summary.
fn target(plan: &Plan) -> (Target, Text) {
    let cfg = &plan.config;
    let hostname = cfg.hostname();
    let (port, port_origin) = cfg.port();
    let user = cfg.user().value.clone();
    let address_family = cfg
        .get("addressfamily")
        .map_or_else(|| "any".to_string(), |v| v.value.to_ascii_lowercase());
    let connect_timeout = cfg
        .get("connecttimeout")
        .and_then(|v| v.value.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs);
    let (host, alias) = (&hostname.value, cfg.original_host());
    let summary = if host != alias {
        text!(
            "engine.config_stage.target_alias",
            user = &user,
            host = host,
            port = port,
            alias = alias
        )
    } else {
        text!(
            "engine.config_stage.target",
            user = &user,
            host = host,
            port = port
        )
    };
    let ssh_args = crate::destination::ssh_args(&plan.input, &user, port);
    let target = Target {
        original_host: cfg.original_host().to_string(),
        hostname: hostname.value.clone(),
        hostname_origin: hostname.origin.clone(),
        port,
        port_origin,
        user,
        address_family,
        connect_timeout,
        host_key_alias: cfg.get("hostkeyalias").map(|v| v.value.clone()),
        algorithms: client_algorithms(plan),
        ssh_args,
        hop: None,
        via: None,
    };
    (target, summary)
}

#[cfg(test)]
#[path = "config_i18n_tests.rs"]
mod i18n_tests;
