//! The finding catalog (assets/findings.toml), loaded once, and the builder for findings.

use crate::event::{Finding, Severity, Stage, Status};
use serde::Deserialize;
use std::sync::OnceLock;

/// One catalog entry: what a finding id means and how to fix it in general.
#[derive(Debug, Clone, Deserialize)]
pub struct CatalogEntry {
    /// Stable id, `stage.name`.
    pub id: String,
    /// Severity.
    pub severity: Severity,
    /// One-line title.
    pub title: String,
    /// What it means and why it happens.
    pub explain: String,
    /// The general remedy.
    pub fix: String,
}

#[derive(Deserialize)]
struct CatalogFile {
    finding: Vec<CatalogEntry>,
}

/// Every catalog entry, in file order.
pub fn catalog() -> &'static [CatalogEntry] {
    static CATALOG: OnceLock<Vec<CatalogEntry>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let file: CatalogFile = toml::from_str(include_str!("../assets/findings.toml"))
            .expect("assets/findings.toml is valid (checked by a unit test)");
        file.finding
    })
}

/// The catalog entry for an id.
///
/// # Panics
/// When `id` is not in the catalog: ids are compile-time constants in the engine, and a
/// unit test checks every id the engine uses.
pub fn entry(id: &str) -> &'static CatalogEntry {
    catalog()
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("finding id {id} is missing from assets/findings.toml"))
}

/// Start a finding from its catalog entry: severity, title and general fix come from the catalog.
pub fn finding(id: &str, stage: Stage, detail: impl Into<String>) -> Finding {
    let e = entry(id);
    Finding {
        id: e.id.clone(),
        severity: e.severity,
        stage,
        hop: 0,
        title: e.title.clone(),
        detail: detail.into(),
        evidence: Vec::new(),
        fix: e.fix.clone(),
        actions: Vec::new(),
    }
}

/// How a stage with these findings ends: failed on an error, warned on anything else,
/// passed on none.
pub fn stage_status(findings: &[Finding]) -> Status {
    if findings.iter().any(|f| f.severity == Severity::Error) {
        Status::Fail
    } else if findings.is_empty() {
        Status::Pass
    } else {
        Status::Warn
    }
}

/// Builder-style helpers on [`Finding`].
impl Finding {
    /// Add one line of evidence.
    pub fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }
    /// Add several lines of evidence, in order.
    pub fn evidence_all<S: Into<String>>(mut self, lines: impl IntoIterator<Item = S>) -> Self {
        self.evidence.extend(lines.into_iter().map(Into::into));
        self
    }
    /// Replace the general fix with a specific one.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self
    }
    /// Override the catalog severity for this occurrence. For ids whose weight depends on what
    /// ssh does in the case at hand (e.g. `hostkey.unknown` is an error when ssh refuses, a
    /// warning when it would ask); the README's findings table states each such rule.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_parses_and_ids_are_unique_and_well_formed() {
        let ids: Vec<&str> = catalog().iter().map(|e| e.id.as_str()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate id in catalog");
        for e in catalog() {
            let (stage, name) = e.id.split_once('.').expect("id is stage.name");
            assert!(!stage.is_empty() && !name.is_empty(), "{}", e.id);
            assert!(
                !e.title.is_empty() && !e.explain.is_empty() && !e.fix.is_empty(),
                "{}",
                e.id
            );
        }
    }

    #[test]
    fn readme_lists_every_finding_id() {
        let readme = include_str!("../README.md");
        for e in catalog() {
            assert!(
                readme.contains(&format!("| `{}` | {} |", e.id, e.severity.word())),
                "README lacks {}",
                e.id
            );
        }
    }

    #[test]
    fn issue_two_ids_are_present() {
        for id in [
            "config.parse_error",
            "dns.unresolvable",
            "tcp.refused",
            "tcp.timeout",
            "tcp.unreachable",
            "banner.closed",
            "banner.timeout",
            "banner.not_ssh",
            "banner.protocol_1",
            "kex.no_common_kex",
            "kex.no_common_hostkey",
            "kex.no_common_cipher",
            "kex.no_common_mac",
        ] {
            assert_eq!(entry(id).id, id);
        }
    }
}
