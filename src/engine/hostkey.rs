//! The host-key stage: the server's key looked up in known_hosts exactly as OpenSSH does.

use super::kex::HostKeySeen;
use super::{Cx, StageEnd, Target};
use crate::event::{ActionOffer, Level, Stage, Status};
use crate::findings::finding;
use crate::fsedit;
use crate::known_hosts::{self, KnownHostsFile, Verdict};
use crate::repair::Repair;
use std::path::{Path, PathBuf};

/// The known_hosts files ssh reads for this destination, parsed, user files first.
pub(crate) struct KnownHosts {
    /// Parsed files that exist.
    pub files: Vec<KnownHostsFile>,
    /// The first UserKnownHostsFile (where ssh records new keys).
    pub first_user_file: Option<PathBuf>,
    /// Paths looked at that do not exist.
    pub missing: Vec<PathBuf>,
}

/// Read UserKnownHostsFile then GlobalKnownHostsFile, as ssh does; missing files are skipped.
pub(crate) fn load(cx: &Cx) -> KnownHosts {
    let mut out = KnownHosts {
        files: Vec::new(),
        first_user_file: None,
        missing: Vec::new(),
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
            match std::fs::read(&path) {
                Ok(bytes) => out.files.push(KnownHostsFile::parse(path, &bytes)),
                Err(_) => out.missing.push(path),
            }
        }
    }
    out
}

/// Key types recorded for `name` (plain entries), as OpenSSH's order_hostkeyalgs collects them.
pub(crate) fn recorded_types(kh: &KnownHosts, name: &str) -> Vec<String> {
    let mut types = Vec::new();
    for f in &kh.files {
        for (_, e) in f.entries() {
            if e.marker == known_hosts::Marker::None
                && known_hosts::match_host_field(name, &e.hosts) != known_hosts::HostMatch::No
                && !types.contains(&e.key_type)
            {
                types.push(e.key_type.clone());
            }
        }
    }
    types
}

/// The plain key type an algorithm name uses (`rsa-sha2-512` → `ssh-rsa`, certificates → their key).
fn base_type(alg: &str) -> String {
    let plain = alg.strip_suffix("-cert-v01@openssh.com").unwrap_or(alg);
    match plain {
        "rsa-sha2-256" | "rsa-sha2-512" => "ssh-rsa".to_string(),
        other => other.to_string(),
    }
}

/// OpenSSH's order_hostkeyalgs: with the default HostKeyAlgorithms, algorithms whose key type is
/// already recorded for the host move to the front (certificates first), so a known key is used.
pub(crate) fn prefer_recorded(algs: &[String], recorded: &[String]) -> Vec<String> {
    if recorded.is_empty() {
        return algs.to_vec();
    }
    let known = |a: &String| recorded.iter().any(|t| base_type(t) == base_type(a));
    let mut out: Vec<String> = algs.iter().filter(|a| known(a)).cloned().collect();
    out.extend(algs.iter().filter(|a| !known(a)).cloned());
    out
}

pub(super) async fn hostkey_stage(
    cx: &Cx,
    t: &Target,
    kh: &KnownHosts,
    seen: &HostKeySeen,
    check: &known_hosts::HostKeyCheck,
    ip: Option<&str>,
) -> (bool, StageEnd) {
    let name = t.known_hosts_name();
    for f in &kh.files {
        cx.log(
            Stage::Hostkey,
            Level::Debug2,
            format!("load_hostkeys: {}", f.path.display()),
        )
        .await;
    }
    for p in &kh.missing {
        cx.log(
            Stage::Hostkey,
            Level::Debug3,
            format!(
                "load_hostkeys: fopen {}: No such file or directory",
                p.display()
            ),
        )
        .await;
    }
    let presented = seen.presented();
    let md5 = known_hosts::md5_fingerprint(seen.key_data());
    cx.fact(Stage::Hostkey, "fingerprint_sha256", seen.fingerprint())
        .await;
    cx.fact(Stage::Hostkey, "fingerprint_md5", md5.clone())
        .await;
    let art = known_hosts::randomart(seen.key_data(), known_hosts::FingerprintHash::Sha256);
    cx.fact(Stage::Hostkey, "randomart", art.clone()).await;
    for line in art.lines() {
        cx.log(Stage::Hostkey, Level::Debug3, line).await;
    }

    // Malformed lines: reported when they concern this host (a bad line never hides a good one).
    let mut warned = false;
    for m in check.lookup.malformed.iter().filter(|m| m.host_matches) {
        warned = true;
        cx.finding(
            finding(
                "known_hosts.malformed",
                Stage::Hostkey,
                format!("{} cannot be used by ssh: {}.", m.entry, m.reason),
            )
            .evidence(format!("{}: {}", m.entry, m.reason)),
        )
        .await;
    }
    let others = check
        .lookup
        .malformed
        .iter()
        .filter(|m| !m.host_matches)
        .count();
    if others > 0 {
        cx.log(
            Stage::Hostkey,
            Level::Debug1,
            format!("{others} malformed known_hosts line(s) for other hosts ignored"),
        )
        .await;
    }

    let (ok, status, summary) = match &check.verdict {
        Verdict::Known { entry, via } => {
            let how = match via {
                known_hosts::KnownVia::HostKey => "key",
                known_hosts::KnownVia::CertAuthority => "certificate signed by a trusted CA",
            };
            cx.log(
                Stage::Hostkey,
                Level::Debug1,
                format!(
                    "Host '{name}' is known and matches the {} host {how}.",
                    seen.algorithm()
                ),
            )
            .await;
            cx.log(
                Stage::Hostkey,
                Level::Debug1,
                format!("Found key in {entry}"),
            )
            .await;
            (
                true,
                if warned { Status::Warn } else { Status::Pass },
                format!("known ({entry})"),
            )
        }
        Verdict::Unknown => {
            cx.log(
                Stage::Hostkey,
                Level::Info,
                format!("The authenticity of host '{name}' can't be established."),
            )
            .await;
            let mut f = finding(
                "hostkey.unknown",
                Stage::Hostkey,
                format!(
                    "This is the first connection to {name}: no known_hosts file has its key. ssh will show this fingerprint and ask whether to trust it:\n{}",
                    seen.describe()
                ),
            )
            .evidence(format!("presented: {}", seen.describe()))
            .evidence(format!("presented (MD5): {md5}"))
            .evidence(format!("looked up \"{name}\" in: {}", searched(kh)));
            f.actions.extend(trust_action(cx, kh, &name, seen));
            cx.finding(f).await;
            (
                true,
                Status::Warn,
                "unknown host (first contact)".to_string(),
            )
        }
        Verdict::Revoked { entries } => {
            cx.log(
                Stage::Hostkey,
                Level::Info,
                format!(
                    "Host key {} revoked by file {}",
                    seen.describe(),
                    entries[0]
                ),
            )
            .await;
            let f = finding(
                "hostkey.revoked",
                Stage::Hostkey,
                format!("The key {name} presented is marked @revoked; ssh refuses it. Nothing secret was sent."),
            )
            .evidence(format!("presented: {}", seen.describe()))
            .evidence_all(entries.iter().map(|e| format!("@revoked at {e}")));
            cx.finding(f).await;
            (false, Status::Fail, "host key revoked".to_string())
        }
        Verdict::Changed {
            offending,
            reported,
            other_types_only,
        } => {
            let (id, title) = if *other_types_only {
                (
                    "hostkey.other_type_known",
                    "only keys of another type are recorded",
                )
            } else {
                ("hostkey.changed", "changed")
            };
            cx.log(
                Stage::Hostkey,
                Level::Info,
                "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
            )
            .await;
            cx.log(
                Stage::Hostkey,
                Level::Info,
                "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
            )
            .await;
            cx.log(
                Stage::Hostkey,
                Level::Info,
                format!("Offending key in {reported}"),
            )
            .await;
            let detail = if *other_types_only {
                format!(
                    "known_hosts holds only keys of other types for {name}; the server now presents {}. ssh treats this as a changed host key and refuses the connection under StrictHostKeyChecking. The server may have been reinstalled or reconfigured — or something is in the middle.",
                    seen.algorithm()
                )
            } else {
                format!(
                    "The key {name} presents is not the one recorded. It can mean the server was reinstalled or rebuilt, a new machine took over the address, a load balancer switched backends — or an attacker is in the middle. Nothing secret was sent, and sshdoctor will not authenticate to this host until this is resolved."
                )
            };
            let remove = remove_action(kh, &name);
            let mut f = finding(id, Stage::Hostkey, detail)
                .evidence(format!("presented: {}", seen.describe()))
                .evidence(format!("presented (MD5): {md5}"))
                .evidence_all(
                    check
                        .lookup
                        .matches
                        .iter()
                        .filter(|m| {
                            m.marker == known_hosts::Marker::None && offending.contains(&m.entry)
                        })
                        .map(|m| {
                            format!("recorded at {}: {} {}", m.entry, m.key_type, m.fingerprint)
                        }),
                );
            f = f.fix(format!(
                "Compare the presented fingerprint {} with one obtained another way (the provider's console, the server's admin, `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on the server). Only if it matches, remove the stale entries and trust the new key:\n{}",
                seen.fingerprint(),
                remove.as_ref().map_or(String::new(), |a| format!("  {}", a.command))
            ));
            f.actions.extend(remove);
            if *other_types_only {
                f.actions.extend(trust_action(cx, kh, &name, seen));
                // The stage fails on it, as ssh does: it is why nothing more is checked.
                f.severity = crate::event::Severity::Error;
            }
            cx.finding(f).await;
            (false, Status::Fail, format!("host key {title}"))
        }
    };

    // CheckHostIP: the address's own entry must hold the same key.
    if ok
        && cx
            .config
            .get("checkhostip")
            .is_some_and(|v| v.value == "yes")
    {
        if let Some(ip) = ip.filter(|ip| *ip != t.hostname) {
            let ip_name = known_hosts::lookup_name(ip, t.port, None);
            let ip_check = known_hosts::check_host_key(&kh.files, ip, t.port, None, presented);
            if let Verdict::Changed { offending, .. } = &ip_check.verdict {
                let f = finding(
                    "hostkey.ip_mismatch",
                    Stage::Hostkey,
                    format!("The name matches, but the entry for the address {ip_name} holds another key (CheckHostIP). The address may have been reused by another server, or the entry is stale."),
                )
                .evidence(format!("presented: {}", seen.describe()))
                .evidence_all(offending.iter().map(|e| format!("address entry at {e}")));
                cx.finding(f).await;
                return (ok, StageEnd::new(Status::Warn, summary));
            }
        }
    }
    (ok, StageEnd::new(status, summary))
}

fn searched(kh: &KnownHosts) -> String {
    let mut all: Vec<String> = kh
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    all.extend(
        kh.missing
            .iter()
            .map(|p| format!("{} (absent)", p.display())),
    );
    all.join(", ")
}

/// The `known_hosts.remove` action: what would be removed, as a diff per file.
pub(crate) fn remove_action(kh: &KnownHosts, name: &str) -> Option<ActionOffer> {
    let mut preview = String::new();
    let mut commands = Vec::new();
    let mut notes = Vec::new();
    let mut files = Vec::new();
    let mut keeps_other_names = false;
    for f in &kh.files {
        let bytes = f.to_bytes();
        let plan = known_hosts::remove_host(&bytes, &[name]);
        if !plan.kept_markers.is_empty() {
            notes.push(format!(
                "{}: @cert-authority/@revoked lines {:?} are never removed",
                f.path.display(),
                plan.kept_markers
            ));
        }
        if plan.is_noop() {
            continue;
        }
        preview.push_str(&fsedit::diff(
            &bytes,
            &plan.new_bytes,
            &f.path.display().to_string(),
        ));
        files.push(f.path.clone());
        commands.push(format!(
            "ssh-keygen -R {} -f {}",
            fsedit::shell_quote(name),
            fsedit::shell_quote(&f.path.display().to_string())
        ));
        // ssh-keygen -R drops a multi-name line whole; this action keeps the other names.
        for c in plan.changes.iter().filter(|c| c.new_line.is_some()) {
            keeps_other_names = true;
            notes.push(format!(
                "{}:{}: the other names on this line are kept; `ssh-keygen -R` would delete the whole line",
                f.path.display(),
                c.line
            ));
        }
    }
    if commands.is_empty() {
        return None;
    }
    for n in notes {
        preview.push_str(&format!("# {n}\n"));
    }
    let mut command = commands.join(" && ");
    if keeps_other_names {
        command.push_str("  # beware: ssh-keygen -R also deletes the other names sharing the line");
    }
    Some(ActionOffer {
        id: "known_hosts.remove".into(),
        title: format!("Remove the stale known_hosts entries for {name}"),
        preview,
        command,
        repair: Some(Repair::KnownHostsRemove {
            name: name.to_string(),
            files,
        }),
    })
}

/// The `hostkey.trust` action: append the presented key the way OpenSSH records it.
pub(crate) fn trust_action(
    cx: &Cx,
    kh: &KnownHosts,
    name: &str,
    seen: &HostKeySeen,
) -> Option<ActionOffer> {
    let HostKeySeen::Key(key) = seen else {
        return None; // a certificate is trusted through its CA, not recorded as a key
    };
    let file = kh
        .first_user_file
        .clone()
        .filter(|f| f != Path::new("/dev/null"))?;
    let hash = cx
        .config
        .get("hashknownhosts")
        .is_some_and(|v| v.value == "yes");
    let line = known_hosts::format_entry(name, key, hash);
    let old = kh
        .files
        .iter()
        .find(|f| f.path == file)
        .map(KnownHostsFile::to_bytes)
        .unwrap_or_default();
    let new = known_hosts::append_entry(&old, &line);
    let shown = file.display().to_string();
    let plain = known_hosts::format_entry(name, key, false);
    let mut command = format!(
        "echo {} >> {}",
        fsedit::shell_quote(&plain),
        fsedit::shell_quote(&shown)
    );
    if hash {
        command.push_str(&format!(
            " && ssh-keygen -H -f {}",
            fsedit::shell_quote(&shown)
        ));
    }
    Some(ActionOffer {
        id: "hostkey.trust".into(),
        title: format!(
            "Trust {} {} for {name} (only after comparing the fingerprint)",
            seen.algorithm(),
            seen.fingerprint()
        ),
        preview: fsedit::diff(&old, &new, &shown),
        command,
        repair: Some(Repair::KnownHostsAppend { file, line }),
    })
}
