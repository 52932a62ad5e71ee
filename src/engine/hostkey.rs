//! The host-key stage: the server's key judged exactly as OpenSSH 9.2's ssh judges it.
//!
//! known_hosts is read before the key exchange ([`load`]); ssh's rules come from the
//! configuration and KnownHostsCommand's `ORDER` run ([`prepare`], which also orders
//! HostKeyAlgorithms as ssh does); [`judge`] decides inside the key exchange (the probe's handler
//! calls it, so a refused key closes the connection before anything is sent); [`hostkey_stage`]
//! reports the decision with its evidence.

mod actions;
mod command;
#[cfg(test)]
mod i18n_tests;
mod judge;
mod order;
mod report;

use super::kex::{Connected, HostKeyPolicy};
use super::{Cx, StageEnd, Target};
use crate::event::{Level, Stage};
use crate::known_hosts::command::{ClientTokens, Invocation};
use crate::known_hosts::policy::{recordable_host, Policy, Strict};
use crate::known_hosts::{self, KnownHostsFile};
use crate::localfile::{self, LocalFileError};
use std::io::BufReader;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

pub(crate) use actions::{remove_action, trust_action};
pub(crate) use judge::{judge, Judgement, Rules};
pub(crate) use report::{changed_detail_text, changed_fix_text};

/// The known_hosts files ssh reads for this destination, scanned, user files first.
pub(crate) struct KnownHosts {
    /// The files that could be read: only their lines for the names ssh looks up are kept.
    pub files: Vec<KnownHostsFile>,
    /// The first UserKnownHostsFile (where ssh records new keys).
    pub first_user_file: Option<PathBuf>,
    /// Paths looked at that do not exist.
    pub missing: Vec<PathBuf>,
    /// Paths that exist but could not be read, and why.
    pub unreadable: Vec<(PathBuf, LocalFileError)>,
}

/// The names ssh looks up in known_hosts for this connection: HostKeyAlias or `[host]:port`,
/// the bare host for the portless retry, and the address forms CheckHostIP looks up.
pub(crate) fn lookup_names(cx: &Cx, t: &Target, peer: Option<IpAddr>) -> Vec<String> {
    let mut names = vec![t.known_hosts_name()];
    if t.host_key_alias.is_none() && t.port != 0 && t.port != 22 {
        names.push(t.hostname.to_ascii_lowercase());
    }
    let check_ip = cx
        .config
        .get("checkhostip")
        .is_some_and(|v| v.value == "yes");
    if let Some(ip) = peer.filter(|ip| check_ip && !ip.is_loopback()) {
        names.push(known_hosts::put_host_port(&ip.to_string(), t.port));
        names.push(ip.to_string());
    }
    names.dedup();
    names
}

/// Read UserKnownHostsFile then GlobalKnownHostsFile, as ssh does, before the key exchange:
/// each file is streamed once and only its lines for `names` are kept (a hashed entry is hashed
/// once per name). Absent files are skipped, as ssh does; a file that is not a regular file or
/// cannot be read is recorded as unreadable (never waited on: FIFOs are opened non-blocking).
pub(crate) fn load(cx: &Cx, names: &[String]) -> KnownHosts {
    let mut out = KnownHosts {
        files: Vec::new(),
        first_user_file: None,
        missing: Vec::new(),
        unreadable: Vec::new(),
    };
    for kw in ["userknownhostsfile", "globalknownhostsfile"] {
        for v in cx.config.get_all(kw) {
            if v.value.eq_ignore_ascii_case("none") {
                continue;
            }
            let path = PathBuf::from(&v.value);
            if kw == "userknownhostsfile" && out.first_user_file.is_none() {
                out.first_user_file = Some(path.clone());
            }
            let scanned =
                localfile::open_regular(&path, localfile::DEFAULT_CAP).and_then(|(f, _)| {
                    let reader = BufReader::with_capacity(64 * 1024, f);
                    KnownHostsFile::scan(path.clone(), reader, names).map_err(LocalFileError::Io)
                });
            match scanned {
                Ok(file) => out.files.push(file),
                Err(e) if e.is_missing() => out.missing.push(path),
                Err(e) => out.unreadable.push((path, e)),
            }
        }
    }
    out
}

/// The rules ssh's host-key decision follows, read from the configuration.
fn rules(cx: &Cx, t: &Target, peer: Option<IpAddr>, timeout: Duration) -> Rules {
    let cfg = &cx.config;
    let setting = |kw: &str| setting(cx, kw);
    let yes = |kw: &str| setting(kw).is_some_and(|(v, _)| v == "yes");
    let default = || super::kex::origin_text(&crate::config::Origin::Default, &cfg.home);
    let (strict_word, strict_from) =
        setting("stricthostkeychecking").unwrap_or_else(|| ("ask".into(), default()));
    let (batch_word, batch_from) = setting("batchmode").unwrap_or_else(|| ("no".into(), default()));
    let user_files = cfg
        .get_all("userknownhostsfile")
        .first()
        .is_some_and(|v| !v.value.eq_ignore_ascii_case("none"));
    let policy = Policy {
        strict: Strict::from_config(&strict_word),
        batch: batch_word == "yes",
        can_record: user_files && recordable_host(&t.hostname.to_ascii_lowercase()),
    };
    let mut described = vec![
        setting_text("StrictHostKeyChecking", policy.strict.word(), strict_from),
        setting_text("BatchMode", &batch_word, batch_from),
    ];
    for kw in ["NoHostAuthenticationForLocalhost", "CheckHostIP"] {
        if let Some((v, from)) = setting(&kw.to_ascii_lowercase()).filter(|(v, _)| v == "yes") {
            described.push(setting_text(kw, &v, from));
        }
    }
    for kw in ["RevokedHostKeys", "KnownHostsCommand"] {
        if let Some((v, from)) = setting(&kw.to_ascii_lowercase()) {
            described.push(setting_text(kw, &v, from));
        }
    }
    let described_text = super::kex::list_text(described.into_iter());
    let command = setting("knownhostscommand").map(|(template, _)| command::Spec {
        template,
        tokens: client_tokens(cx, t),
        md5: setting("fingerprinthash").is_some_and(|(v, _)| v == "md5"),
    });
    Rules {
        policy,
        described: described_text.english(),
        described_text,
        no_auth_localhost: yes("nohostauthenticationforlocalhost"),
        check_host_ip: yes("checkhostip"),
        proxy: setting("proxycommand").is_some(),
        ca_algorithms: setting("casignaturealgorithms").map(|(v, _)| v),
        revoked_file: setting("revokedhostkeys").map(|(v, _)| PathBuf::from(v)),
        command,
        // The HOSTNAME run happens inside the key exchange, whose own deadline is `timeout`.
        command_deadline: timeout / 2,
        order_run: None,
        peer,
        blocked: None,
    }
}

/// A setting's value and where it comes from, unless it is unset or `none`.
fn setting(cx: &Cx, kw: &str) -> Option<(String, crate::i18n::Text)> {
    cx.config
        .get(kw)
        .filter(|v| !v.value.eq_ignore_ascii_case("none"))
        .map(|v| {
            let from = super::kex::origin_text(&v.origin, &cx.config.home);
            (v.value.clone(), from)
        })
}

/// `KEYWORD value (where it comes from)`, for the policy in words.
fn setting_text(keyword: &str, value: &str, from: crate::i18n::Text) -> crate::i18n::Text {
    crate::text!(
        "engine.hostkey.setting",
        keyword = keyword,
        value = value,
        from = from,
    )
}

/// The client tokens of KnownHostsCommand (`DEFAULT_CLIENT_PERCENT_EXPAND_ARGS`).
fn client_tokens(cx: &Cx, t: &Target) -> ClientTokens {
    ClientTokens {
        local_host: crate::config::local_hostname(),
        host: t.hostname.clone(),
        port: t.port.to_string(),
        user: t.user.clone(),
        local_user: crate::config::local_user(),
        home: cx.config.home.display().to_string(),
        original_host: t.original_host.clone(),
        key_alias: t
            .host_key_alias
            .clone()
            .unwrap_or_else(|| t.original_host.clone()),
        uid: crate::config::local_uid().to_string(),
    }
}

/// Before the key exchange: read ssh's rules, run KnownHostsCommand's `ORDER` invocation when
/// ssh would, and order HostKeyAlgorithms as ssh does (a known key type is then the one used).
pub(crate) async fn prepare(
    cx: &Cx,
    t: &mut Target,
    kh: &KnownHosts,
    peer: Option<IpAddr>,
    timeout: Duration,
) -> Rules {
    let mut rules = rules(cx, t, peer, timeout);
    rules.blocked = kh
        .unreadable
        .iter()
        .find(|(_, e)| localfile::blocks_ssh(e))
        .map(|(p, e)| crate::text!("engine.hostkey.would_hang", file = p, error = e.to_string()));
    let configured = cx.config.get("hostkeyalgorithms").map(|v| v.value.as_str());
    if !order::uses_known_hosts_order(configured) {
        return rules;
    }
    let mut recorded = order::Recorded::default();
    recorded.collect(kh.files.iter(), &t.known_hosts_name());
    if let Some(spec) = &rules.command {
        let bare = t.hostname.to_ascii_lowercase();
        let run = command::run(spec, Invocation::Order, &bare, None, timeout).await;
        report::log_command(cx, &run).await;
        if let Some(out) = &run.output {
            recorded.collect(std::iter::once(out), &bare);
        }
        rules.order_run = Some(run);
    }
    let ordered = recorded.order(&t.algorithms.host_key);
    if ordered != t.algorithms.host_key {
        cx.log(
            Stage::Kex,
            Level::Debug3,
            format!(
                "order_hostkeyalgs: prefer hostkeyalgs: {}",
                ordered.join(",")
            ),
        )
        .await;
    }
    t.algorithms.host_key = ordered;
    rules
}

/// What the connection may do after the host-key stage.
pub(crate) struct Passage {
    /// The probe's connection is open and later stages may use it.
    pub go_on: bool,
    /// ssh itself stops here (the connection stays open only for sshdoctor's own use).
    pub ssh_stops: Option<crate::i18n::Text>,
    /// ssh goes on with public-key authentication only (StrictHostKeyChecking no, changed key).
    pub pubkey_only: bool,
    /// The key is recorded and matches (only then may a person be asked for a secret).
    pub key_known: bool,
    /// The key is not recorded: ssh would ask (or, under accept-new, record it and go on).
    pub key_is_new: bool,
}

/// The host-key stage: report the decision the probe's handler made during the key exchange.
pub(super) async fn hostkey_stage(
    cx: &Cx,
    t: &Target,
    policy: &HostKeyPolicy,
    connected: &Connected,
) -> (Passage, StageEnd) {
    let seen = &connected.host_key;
    let stored = policy
        .judged
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    // The handler always stores its decision with the check; a missing one is judged afresh.
    let j = match stored {
        Some(j) if j.check.verdict == connected.check.verdict => j,
        _ => judge(policy, seen).await,
    };
    let end = report::report(cx, t, policy, seen, &j).await;
    let outcome = j.outcome;
    let passage = Passage {
        go_on: !j.deny,
        ssh_stops: (outcome == crate::known_hosts::policy::Outcome::Refuse).then(|| {
            let why = report::words::why_text(j.why.trim_end_matches('.'));
            crate::text!("engine.hostkey.ssh_stops", why = why)
        }),
        pubkey_only: outcome == crate::known_hosts::policy::Outcome::Unsafe,
        key_known: j.key_known(),
        key_is_new: matches!(
            outcome,
            crate::known_hosts::policy::Outcome::Prompt
                | crate::known_hosts::policy::Outcome::Record
        ),
    };
    (passage, end)
}
