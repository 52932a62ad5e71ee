//! The finding catalog (assets/findings.toml, compiled in as Rust statics by build.rs) and the builder for findings.

use crate::event::{Finding, Severity, Stage, Status};
use crate::i18n::Text;

/// One catalog entry: what a finding id means and how to fix it in general.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogEntry {
    /// Stable id, `stage.name`.
    pub id: &'static str,
    /// Severity.
    pub severity: Severity,
    /// One-line title.
    pub title: &'static str,
    /// What it means and why it happens.
    pub explain: &'static str,
    /// The general remedy.
    pub fix: &'static str,
}

// `static CATALOG: &[CatalogEntry]`, generated from assets/findings.toml by build.rs, which
// refuses the build on a malformed id, a repeated id, an unknown severity or empty text.
include!(concat!(env!("OUT_DIR"), "/findings_catalog.rs"));

/// Every catalog entry, in file order.
pub fn catalog() -> &'static [CatalogEntry] {
    CATALOG
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
        id: e.id.to_string(),
        severity: e.severity,
        stage,
        hop: 0,
        title: e.title.to_string(),
        detail: detail.into(),
        evidence: Vec::new(),
        fix: e.fix.to_string(),
        actions: Vec::new(),
        said: Default::default(),
    }
}

/// [`finding`] with its detail as a [`Text`] (`text!(...)`), which the front ends show in their
/// language.
pub fn keyed(id: &str, stage: Stage, detail: Text) -> Finding {
    finding(id, stage, String::new()).detail_text(detail)
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
    /// Replace the general fix with a specific one (in English only; [`Finding::fix_text`]
    /// for one the front ends can translate).
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self.said.fix = None;
        self
    }
    /// Replace the general fix with a specific one, in no language yet.
    pub fn fix_text(mut self, fix: Text) -> Self {
        self.fix = fix.english();
        self.said.fix = Some(fix);
        self
    }
    /// Replace the detail, in no language yet.
    pub fn detail_text(mut self, detail: Text) -> Self {
        self.detail = detail.english();
        self.said.detail = Some(detail);
        self
    }
    /// Replace the catalog title with one for the case, in no language yet.
    pub fn title_text(mut self, title: Text) -> Self {
        self.title = title.english();
        self.said.title = Some(title);
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
    use crate::build_assets as assets;

    #[test]
    fn compiled_catalog_is_the_asset() {
        let parsed = assets::parse_findings(include_str!("../assets/findings.toml")).unwrap();
        assert_eq!(parsed.len(), catalog().len());
        for (file, e) in parsed.iter().zip(catalog()) {
            assert_eq!(
                (file.id.as_str(), file.severity.as_str()),
                (e.id, e.severity.word())
            );
            assert_eq!(
                (
                    file.title.as_str(),
                    file.explain.as_str(),
                    file.fix.as_str()
                ),
                (e.title, e.explain, e.fix)
            );
        }
    }

    #[test]
    fn the_build_refuses_a_bad_catalog() {
        let one = |id: &str, severity: &str| {
            format!(
                "[[finding]]\nid = \"{id}\"\nseverity = \"{severity}\"\ntitle = \"t\"\n\
                 explain = \"e\"\nfix = \"f\"\n"
            )
        };
        assert!(assets::parse_findings(&one("tcp.refused", "error")).is_ok());
        assert!(assets::parse_findings(&one("tcp", "error")).is_err());
        assert!(assets::parse_findings(&one(".refused", "error")).is_err());
        assert!(assets::parse_findings(&one("tcp.refused", "fatal")).is_err());
        let twice = one("tcp.refused", "error").repeat(2);
        assert!(assets::parse_findings(&twice).is_err());
        assert!(
            assets::parse_findings(&one("tcp.refused", "info").replace("\"t\"", "\"\"")).is_err()
        );
        assert!(assets::parse_findings("").is_err());
        let code = assets::findings_rs(&assets::parse_findings(&one("tcp.x", "info")).unwrap());
        assert!(code.contains("severity: Severity::Info"), "{code}");
    }

    #[test]
    fn catalog_parses_and_ids_are_unique_and_well_formed() {
        let ids: Vec<&str> = catalog().iter().map(|e| e.id).collect();
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
