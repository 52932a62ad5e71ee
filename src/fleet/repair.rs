//! Repairs for many hosts at once: the stale known_hosts entries of every host whose key
//! changed, removed in one pass per file (one combined diff, confirmed once), and every mode
//! OpenSSH requires set in one run — both through the safe writer ([`crate::fsedit`],
//! [`crate::repair`]). Trusting new host keys is never offered in bulk: each key is compared by
//! a person, one host at a time.

use super::rows::Row;
use crate::event::{ActionOffer, Finding};
use crate::fsedit::{self, Applied, EditError, EditOptions};
use crate::known_hosts::RemoveEdit;
use crate::repair::Repair;
use std::path::PathBuf;

/// The action ids a fleet can apply to many hosts at once.
pub const BATCHABLE: [&str; 2] = ["known_hosts.remove", "permissions.fix"];

/// Whether action `id` can be applied to many hosts at once.
pub fn batchable(id: &str) -> bool {
    BATCHABLE.contains(&id)
}

/// A repair for several hosts, ready to confirm.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The action id (`known_hosts.remove`, `permissions.fix`).
    pub id: String,
    /// What it does, in words, in the language in force.
    pub title: String,
    /// The rows it repairs (checked again once it is applied).
    pub hosts: Vec<usize>,
    /// The exact change: one diff for every file, or the list of modes.
    pub preview: String,
    /// The equivalent shell command.
    pub command: String,
    /// What applying it does.
    change: Change,
}

#[derive(Debug, Clone)]
enum Change {
    /// Remove these lookup names from these known_hosts files, one pass per file.
    KnownHosts {
        names: Vec<String>,
        files: Vec<PathBuf>,
    },
    /// A merged `permissions.fix`.
    Repair(Repair),
}

/// The batch repairs the finished rows offer: each action id with the rows offering it.
pub fn offers(rows: &[Row]) -> Vec<(String, Vec<usize>)> {
    BATCHABLE
        .iter()
        .map(|id| (id.to_string(), rows_offering(rows, id)))
        .filter(|(_, hosts)| !hosts.is_empty())
        .collect()
}

/// The rows with a finding offering action `id`.
fn rows_offering(rows: &[Row], id: &str) -> Vec<usize> {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| {
            r.report()
                .is_some_and(|rep| !actions(&rep.findings, id).is_empty())
        })
        .map(|(i, _)| i)
        .collect()
}

/// Every offer of action `id` among the findings.
fn actions<'a>(findings: &'a [Finding], id: &str) -> Vec<&'a ActionOffer> {
    findings
        .iter()
        .flat_map(|f| &f.actions)
        .filter(|a| a.id == id && a.repair.is_some())
        .collect()
}

/// What a batch repair is made from, taken from the rows (cheap; no file is read yet).
#[derive(Debug, Clone)]
pub struct Pending {
    id: String,
    hosts: Vec<usize>,
    offers: Vec<ActionOffer>,
    /// The findings offering `permissions.fix` (its merge reads their paths).
    findings: Vec<Finding>,
}

/// The batch repair `id` for the rows offering it, to [`Pending::build`] off the UI thread.
pub fn collect(rows: &[Row], id: &str) -> Pending {
    let hosts = rows_offering(rows, id);
    let reports = || hosts.iter().filter_map(|&i| rows[i].report());
    let offers = reports()
        .flat_map(|r| actions(&r.findings, id))
        .cloned()
        .collect();
    let findings = reports()
        .flat_map(|r| r.findings.iter())
        .filter(|f| id == "permissions.fix" && f.actions.iter().any(|a| a.id == id))
        .cloned()
        .collect();
    Pending {
        id: id.to_string(),
        hosts,
        offers,
        findings,
    }
}

impl Pending {
    /// The batch with its preview computed from the files as they are now (each known_hosts
    /// file streamed once through the edit); None when nothing is left to change.
    pub fn build(self) -> Option<Batch> {
        match self.id.as_str() {
            "known_hosts.remove" => known_hosts_batch(self.hosts, &self.offers),
            "permissions.fix" => permissions_batch(self.hosts, &self.offers, &self.findings),
            _ => None,
        }
    }
}

/// [`collect`] then [`Pending::build`].
pub fn prepare(rows: &[Row], id: &str) -> Option<Batch> {
    collect(rows, id).build()
}

fn known_hosts_batch(hosts: Vec<usize>, offers: &[ActionOffer]) -> Option<Batch> {
    let mut names: Vec<String> = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    for offer in offers {
        if let Some(Repair::KnownHostsRemove { name, files: f }) = &offer.repair {
            if !names.contains(name) {
                names.push(name.clone());
            }
            for file in f {
                if !files.contains(file) {
                    files.push(file.clone());
                }
            }
        }
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (mut preview, mut commands, mut kept) = (String::new(), Vec::new(), Vec::new());
    let mut changed_files = Vec::new();
    for file in &files {
        let Ok((diff, plan)) = fsedit::preview_lines(file, RemoveEdit::new(&refs)) else {
            continue;
        };
        if !plan.kept_markers.is_empty() {
            kept.push(format!(
                "# {}: @cert-authority/@revoked lines {:?} are never removed\n",
                file.display(),
                plan.kept_markers
            ));
        }
        for c in plan.changes.iter().filter(|c| c.new_line.is_some()) {
            kept.push(format!(
                "# {}:{}: the other names on this line are kept; `ssh-keygen -R` would delete the whole line\n",
                file.display(),
                c.line
            ));
        }
        if plan.is_noop() {
            continue;
        }
        preview.push_str(&diff);
        let quoted = fsedit::shell_quote(&file.display().to_string());
        commands.push(format!(
            "for h in {}; do ssh-keygen -R \"$h\" -f {quoted}; done",
            names
                .iter()
                .map(|n| fsedit::shell_quote(n))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        changed_files.push(file.clone());
    }
    if changed_files.is_empty() {
        return None;
    }
    kept.iter().for_each(|k| preview.push_str(k));
    let counted = |n: usize, what: &str| {
        let key = format!(
            "fleet.repair.{what}_{}",
            if n == 1 { "one" } else { "many" }
        );
        crate::i18n::tf(&key, &[("n", &n)])
    };
    let title = crate::i18n::tf(
        "fleet.repair.known_hosts_title",
        &[
            ("hosts", &counted(hosts.len(), "hosts")),
            ("names", &counted(names.len(), "names")),
            ("files", &counted(changed_files.len(), "files")),
        ],
    );
    Some(Batch {
        id: "known_hosts.remove".into(),
        title,
        hosts,
        preview,
        command: commands.join(" && "),
        change: Change::KnownHosts {
            names,
            files: changed_files,
        },
    })
}

fn permissions_batch(
    hosts: Vec<usize>,
    offers: &[ActionOffer],
    findings: &[Finding],
) -> Option<Batch> {
    let first = offers.first()?;
    let merged = crate::repair::prepare(first, findings);
    let repair = merged.repair.clone()?;
    if matches!(&repair, Repair::Permissions { changes } if changes.is_empty()) {
        return None;
    }
    let title = crate::i18n::tf(
        "fleet.repair.permissions_title",
        &[
            ("title", &crate::i18n::action_title(&merged)),
            ("hosts", &counted_hosts(hosts.len())),
        ],
    );
    Some(Batch {
        id: merged.id,
        title,
        hosts,
        preview: merged.preview,
        command: merged.command,
        change: Change::Repair(repair),
    })
}

/// `1 host`, `3 hosts`, in the language in force.
fn counted_hosts(n: usize) -> String {
    let key = if n == 1 {
        "fleet.repair.hosts_one"
    } else {
        "fleet.repair.hosts_many"
    };
    crate::i18n::tf(key, &[("n", &n)])
}

/// Apply a confirmed batch: every known_hosts file checked first (none is changed when one
/// cannot be), then each edited in one pass for all the names; what was done, file by file.
pub fn apply(batch: &Batch) -> Result<Vec<Applied>, EditError> {
    match &batch.change {
        Change::Repair(repair) => crate::repair::apply(repair),
        Change::KnownHosts { names, files } => {
            let opts = EditOptions::new();
            for file in files {
                fsedit::check_can_edit(file, &opts)?;
            }
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let mut done: Vec<Applied> = Vec::new();
            for file in files {
                match fsedit::apply_lines(file, &opts, || RemoveEdit::new(&refs)) {
                    Ok((applied, _)) => done.push(applied),
                    Err(error) if done.iter().any(|a| a.changed) => {
                        done.retain(|a| a.changed);
                        return Err(EditError::Partial {
                            done,
                            error: Box::new(error),
                        });
                    }
                    Err(error) => return Err(error),
                }
            }
            Ok(done)
        }
    }
}
