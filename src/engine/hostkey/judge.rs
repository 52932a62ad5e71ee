//! The decision on a presented host key, step by step as ssh 9.2's `verify_host_key` makes it.
//!
//! Order (openssh-portable V_9_2_P1 `sshconnect.c`): RevokedHostKeys first (a listed key, or a
//! file ssh cannot use, refuses every connection); then NoHostAuthenticationForLocalhost (a
//! loopback peer address without HostKeyAlias is accepted unchecked); then known_hosts plus
//! KnownHostsCommand's output; a certificate whose CA matched must then pass the host
//! certificate checks or ssh retries with the plain key; then StrictHostKeyChecking and
//! BatchMode decide; CheckHostIP last, unless ssh turned it off (loopback address, the host
//! name is the address, a ProxyCommand, or a certificate).

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ssh_key::public::KeyData;
use ssh_key::PublicKey;

use super::command::{self, CommandRun};
use crate::engine::kex::{HostKeyPolicy, HostKeySeen};
use crate::known_hosts::cert::{check_host_cert, CertProblem};
use crate::known_hosts::command::Invocation;
use crate::known_hosts::policy::{combine, Outcome, Policy, Why};
use crate::known_hosts::revoked::{check_revoked, RevokedCheck};
use crate::known_hosts::{
    self, put_host_port, EntryRef, HostKeyCheck, KnownVia, PresentedKey, Verdict,
};
use crate::localfile;

/// Everything besides known_hosts that ssh's decision depends on, read from the configuration.
#[derive(Clone, Debug)]
pub(crate) struct Rules {
    /// StrictHostKeyChecking, BatchMode, whether ssh can record a key.
    pub policy: Policy,
    /// The policy in words with where each setting comes from, for the log and the report.
    pub described: String,
    /// The same, in no language yet (for the log).
    pub described_text: crate::i18n::Text,
    /// NoHostAuthenticationForLocalhost yes.
    pub no_auth_localhost: bool,
    /// CheckHostIP yes.
    pub check_host_ip: bool,
    /// A ProxyCommand is configured (ssh then has no address to check).
    pub proxy: bool,
    /// CASignatureAlgorithms, when configured.
    pub ca_algorithms: Option<String>,
    /// RevokedHostKeys, used verbatim as 9.2 does (no `~` expansion).
    pub revoked_file: Option<PathBuf>,
    /// KnownHostsCommand, when configured.
    pub command: Option<command::Spec>,
    /// The deadline of each KnownHostsCommand run.
    pub command_deadline: Duration,
    /// The `ORDER` run made before the key exchange.
    pub order_run: Option<CommandRun>,
    /// The peer's address.
    pub peer: Option<IpAddr>,
    /// ssh would hang reading a known_hosts file (a FIFO, a device): why.
    pub blocked: Option<crate::i18n::Text>,
}

/// What CheckHostIP did.
#[derive(Clone, Debug)]
pub(crate) enum IpCheck {
    /// CheckHostIP is off (the default).
    Off,
    /// ssh turns it off here; why.
    Skipped(&'static str),
    /// The address was looked up.
    Checked {
        /// The name looked up (`addr` or `[addr]:port`).
        name: String,
        /// What known_hosts says about the address.
        verdict: Verdict,
        /// ssh's reaction when the address's key differs from the name's.
        reaction: Option<(Outcome, Why)>,
    },
}

/// A certificate whose CA matched but that ssh finds invalid (it then checks the plain key).
#[derive(Clone, Debug)]
pub(crate) struct CertInvalid {
    /// Why.
    pub problem: CertProblem,
    /// The `@cert-authority` line that matched.
    pub ca_entry: EntryRef,
}

/// ssh's decision and the facts behind it.
#[derive(Clone, Debug)]
pub(crate) struct Judgement {
    /// known_hosts' verdict (for a certificate found invalid: the plain key's).
    pub check: HostKeyCheck,
    /// What ssh does.
    pub outcome: Outcome,
    /// ssh's words for why.
    pub why: String,
    /// The key itself is refused (revoked, changed, a fatal KnownHostsCommand): the probe's
    /// connection is closed before anything is sent.
    pub deny: bool,
    /// NoHostAuthenticationForLocalhost accepted the key unchecked.
    pub localhost: bool,
    /// RevokedHostKeys and its result.
    pub revoked_file: Option<(PathBuf, RevokedCheck)>,
    /// The certificate's CA matched but the certificate is invalid.
    pub cert_invalid: Option<CertInvalid>,
    /// The KnownHostsCommand runs of this decision (`HOSTNAME`, `ADDRESS`).
    pub command_runs: Vec<CommandRun>,
    /// CheckHostIP.
    pub ip: IpCheck,
}

impl Judgement {
    fn new(check: HostKeyCheck) -> Judgement {
        Judgement {
            check,
            outcome: Outcome::Connect,
            why: String::new(),
            deny: false,
            localhost: false,
            revoked_file: None,
            cert_invalid: None,
            command_runs: Vec::new(),
            ip: IpCheck::Off,
        }
    }

    fn refuse(mut self, why: impl Into<String>) -> Judgement {
        self.set_refused(why);
        self
    }

    fn set_refused(&mut self, why: impl Into<String>) {
        self.outcome = Outcome::Refuse;
        self.why = why.into();
        self.deny = true;
    }

    /// The key is recorded and matches (not merely let through).
    pub fn key_known(&self) -> bool {
        !self.localhost && matches!(self.check.verdict, Verdict::Known { .. })
    }
}

/// The key as a whole (the certificate for a certificate).
fn full_key(seen: &HostKeySeen) -> KeyData {
    match seen {
        HostKeySeen::Key(k) => k.key_data().clone(),
        HostKeySeen::Certificate(c) => KeyData::Certificate(c.clone()),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Decide on `seen` as ssh would, running KnownHostsCommand when configured.
pub(crate) async fn judge(p: &HostKeyPolicy, seen: &HostKeySeen) -> Judgement {
    let r = &p.rules;
    let files = &p.known_hosts.files;
    let alias = p.alias.as_deref();
    let base = known_hosts::check_host_key(files, &p.host, p.port, alias, seen.presented());
    let j = Judgement::new(base);
    if let Some(why) = &r.blocked {
        return j.refuse(why.english());
    }
    if let Some(run) = r.order_run.as_ref().filter(|run| run.fatal()) {
        return j.refuse(format!(
            "{}: KnownHostsCommand failed (ssh exits before the key exchange)",
            run.describe()
        ));
    }
    let key = full_key(seen);
    let mut j = j;
    if let Some(path) = &r.revoked_file {
        let result = match localfile::read_regular(path, localfile::DEFAULT_CAP) {
            Ok(bytes) => check_revoked(&bytes, &key),
            Err(e) => RevokedCheck::Unusable {
                why: crate::text!(
                    "engine.hostkey.revoked_file_unreadable",
                    error = e.to_string()
                ),
            },
        };
        let bad = !matches!(result, RevokedCheck::NotRevoked { .. });
        j.revoked_file = Some((path.clone(), result));
        if bad {
            return j.refuse(Why::REVOKED_FILE.words);
        }
    }
    let loopback = r.peer.is_some_and(|ip| ip.is_loopback());
    if r.no_auth_localhost && loopback && alias.is_none() {
        j.localhost = true;
        j.why = "Forcing accepting of host key for loopback/localhost.".into();
        return j;
    }
    let hostname_output = match &r.command {
        Some(spec) => {
            let name = known_hosts::lookup_name(&p.host, p.port, alias);
            let run = command::run(
                spec,
                Invocation::Hostname,
                &name,
                Some(&key),
                r.command_deadline,
            )
            .await;
            let fatal = run.fatal();
            j.command_runs.push(run);
            if fatal {
                return j.refuse("KnownHostsCommand failed");
            }
            j.command_runs.last().and_then(|run| run.output.clone())
        }
        None => None,
    };
    decide_known_hosts(p, seen, hostname_output.as_ref(), &mut j);
    check_ip(p, seen, &key, &mut j).await;
    j
}

/// known_hosts (with the command's lines), the certificate checks, and the policy.
fn decide_known_hosts(
    p: &HostKeyPolicy,
    seen: &HostKeySeen,
    extra: Option<&known_hosts::KnownHostsFile>,
    j: &mut Judgement,
) {
    let (files, alias) = (&p.known_hosts.files, p.alias.as_deref());
    let check = |presented| {
        known_hosts::check_host_key_with(files, extra, &p.host, p.port, alias, presented)
    };
    j.check = check(seen.presented());
    if let (
        HostKeySeen::Certificate(cert),
        Verdict::Known {
            entry,
            via: KnownVia::CertAuthority,
        },
    ) = (seen, &j.check.verdict)
    {
        let name = alias.unwrap_or(&p.host).to_ascii_lowercase();
        if let Err(problem) = check_host_cert(cert, &name, now(), p.rules.ca_algorithms.as_deref())
        {
            j.cert_invalid = Some(CertInvalid {
                problem,
                ca_entry: entry.clone(),
            });
            let plain = PublicKey::new(cert.public_key().clone(), "");
            j.check = check(PresentedKey::Key(&plain));
            j.check.cert_fell_back_to_plain = true;
        }
    }
    let (outcome, why) = p.rules.policy.on_verdict(&j.check.verdict);
    j.outcome = outcome;
    j.why = why.words.to_string();
    j.deny = outcome == Outcome::Refuse
        && matches!(
            j.check.verdict,
            Verdict::Changed { .. } | Verdict::Revoked { .. }
        );
}

/// CheckHostIP, when configured and not turned off by ssh.
async fn check_ip(p: &HostKeyPolicy, seen: &HostKeySeen, key: &KeyData, j: &mut Judgement) {
    let r = &p.rules;
    if !r.check_host_ip || j.outcome == Outcome::Refuse {
        return;
    }
    let skipped = match r.peer {
        None => Some("no peer address"),
        Some(ip) if ip.is_loopback() => Some("the address is a loopback address"),
        Some(ip) if ip.to_string() == p.host => Some("the host name is the address"),
        _ if r.proxy => Some("a ProxyCommand is configured"),
        _ if matches!(seen, HostKeySeen::Certificate(_)) => Some("the host key is a certificate"),
        _ => None,
    };
    if let Some(why) = skipped {
        j.ip = IpCheck::Skipped(why);
        return;
    }
    let ip = r.peer.map(|ip| ip.to_string()).unwrap_or_default();
    let name = put_host_port(&ip, p.port);
    let mut extra = None;
    if let Some(spec) = &r.command {
        let run = command::run(
            spec,
            Invocation::Address,
            &name,
            Some(key),
            r.command_deadline,
        )
        .await;
        extra = run.output.clone();
        let fatal = run.fatal();
        j.command_runs.push(run);
        if fatal {
            j.set_refused("KnownHostsCommand failed");
            return;
        }
    }
    let files = p.known_hosts.files.iter().chain(extra.as_ref());
    let lookup = known_hosts::lookup_with(files, &name, seen.presented());
    let verdict = known_hosts::verdict(&lookup);
    let host_changed = matches!(j.check.verdict, Verdict::Changed { .. });
    let reaction = (!host_changed && matches!(verdict, Verdict::Changed { .. }))
        .then(|| r.policy.on_ip_changed());
    if let Some((o, why)) = reaction {
        let combined = combine(j.outcome, Some(o));
        if combined != j.outcome {
            j.outcome = combined;
            j.why = why.words.to_string();
        }
    }
    j.ip = IpCheck::Checked {
        name,
        verdict,
        reaction,
    };
}
