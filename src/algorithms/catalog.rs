//! The compiled-in table of OpenSSH client defaults (`assets/openssh-algorithms.toml`), parsed once.

use std::sync::OnceLock;

use serde::Deserialize;

use super::{parse_major_minor, AlgKind, OpenSshVersion};

/// The asset, embedded at build time.
const TABLE: &str = include_str!("../../assets/openssh-algorithms.toml");

/// All releases, oldest first.
#[derive(Debug)]
pub(super) struct Catalog {
    pub(super) releases: Vec<Release>,
}

/// One `[[release]]` entry: the lists in force from `version` until the next entry.
#[derive(Debug)]
pub(super) struct Release {
    pub(super) version: OpenSshVersion,
    pub(super) wire_kex_suffix: Vec<String>,
    defaults: DefaultLists,
    supported: SupportedLists,
}

impl Release {
    /// The `ssh -G` default list of `kind`.
    pub(super) fn default(&self, kind: AlgKind) -> &[String] {
        let d = &self.defaults;
        match kind {
            AlgKind::Kex => &d.kex,
            AlgKind::HostKey => &d.host_key,
            AlgKind::Cipher => &d.cipher,
            AlgKind::Mac => &d.mac,
            AlgKind::PubkeyAccepted => &d.pubkey_accepted,
        }
    }

    /// The `ssh -Q` list that names of `kind` are validated and expanded against.
    pub(super) fn supported(&self, kind: AlgKind) -> &[String] {
        let s = &self.supported;
        match kind {
            AlgKind::Kex => &s.kex,
            AlgKind::HostKey | AlgKind::PubkeyAccepted => &s.key,
            AlgKind::Cipher => &s.cipher,
            AlgKind::Mac => &s.mac,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    release: Vec<ReleaseFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseFile {
    version: String,
    wire_kex_suffix: Vec<String>,
    default: DefaultLists,
    supported: SupportedLists,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultLists {
    kex: Vec<String>,
    host_key: Vec<String>,
    cipher: Vec<String>,
    mac: Vec<String>,
    pubkey_accepted: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SupportedLists {
    kex: Vec<String>,
    key: Vec<String>,
    cipher: Vec<String>,
    mac: Vec<String>,
}

/// Parses and checks a table: versions strictly ascending, no empty or duplicated lists, and
/// every default name among that release's supported names.
pub(super) fn parse_catalog(text: &str) -> Result<Catalog, String> {
    let file: TableFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut releases: Vec<Release> = Vec::with_capacity(file.release.len());
    for entry in file.release {
        let version = parse_major_minor(&entry.version)
            .filter(|v| v.to_string() == entry.version)
            .ok_or_else(|| format!("bad release version {:?}", entry.version))?;
        if let Some(prev) = releases.last() {
            if prev.version >= version {
                return Err(format!(
                    "release {version} is not newer than {}",
                    prev.version
                ));
            }
        }
        let release = Release {
            version,
            wire_kex_suffix: entry.wire_kex_suffix,
            defaults: entry.default,
            supported: entry.supported,
        };
        for kind in AlgKind::ALL {
            for (what, list) in [
                ("default", release.default(kind)),
                ("supported", release.supported(kind)),
            ] {
                if list.is_empty() {
                    return Err(format!("{version}: empty {what} {kind}"));
                }
                for (i, name) in list.iter().enumerate() {
                    if name.is_empty() || name.contains(',') || list[..i].contains(name) {
                        return Err(format!("{version}: bad or repeated {what} {kind} {name:?}"));
                    }
                }
            }
            let supported = release.supported(kind);
            if let Some(name) = release
                .default(kind)
                .iter()
                .find(|n| !supported.contains(n))
            {
                return Err(format!("{version}: default {kind} {name} is not supported"));
            }
        }
        releases.push(release);
    }
    if releases.is_empty() {
        return Err("no releases".into());
    }
    Ok(Catalog { releases })
}

/// The embedded table, parsed on first use.
pub(super) fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // The asset is part of the source tree and checked by a unit test; a failure here is a
        // build defect, not a runtime condition.
        parse_catalog(TABLE).expect("assets/openssh-algorithms.toml is invalid")
    })
}

/// The newest release not newer than `version` (the oldest one if `version` predates them all,
/// the newest one for `None`).
pub(super) fn release_for(version: Option<OpenSshVersion>) -> &'static Release {
    let releases = &catalog().releases;
    let newest = &releases[releases.len() - 1];
    match version {
        None => newest,
        Some(v) => releases
            .iter()
            .rev()
            .find(|r| r.version <= v)
            .unwrap_or(&releases[0]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses_and_every_release_has_all_lists() {
        let catalog = parse_catalog(TABLE).expect("table parses");
        assert!(catalog.releases.len() >= 9);
        for release in &catalog.releases {
            for kind in AlgKind::ALL {
                assert!(!release.default(kind).is_empty(), "{}", release.version);
                assert!(!release.supported(kind).is_empty(), "{}", release.version);
            }
            assert!(release.wire_kex_suffix.contains(&"ext-info-c".to_string()));
            // ssh -G prints the same default list for both key keywords.
            assert_eq!(
                release.default(AlgKind::HostKey),
                release.default(AlgKind::PubkeyAccepted)
            );
        }
    }

    #[test]
    fn rejects_inconsistent_tables() {
        let lists = |kex: &str| {
            format!(
                "[[release]]\nversion = \"9.0\"\nwire_kex_suffix = [\"ext-info-c\"]\n\
                 [release.default]\nkex = [{kex}]\nhost_key = [\"a\"]\ncipher = [\"c\"]\n\
                 mac = [\"m\"]\npubkey_accepted = [\"a\"]\n\
                 [release.supported]\nkex = [\"k\"]\nkey = [\"a\"]\ncipher = [\"c\"]\nmac = [\"m\"]\n"
            )
        };
        assert!(parse_catalog(&lists("\"k\"")).is_ok());
        assert!(parse_catalog(&lists("")).is_err(), "empty list");
        assert!(
            parse_catalog(&lists("\"x\"")).is_err(),
            "default not supported"
        );
        assert!(parse_catalog(&lists("\"k\", \"k\"")).is_err(), "duplicate");
        let twice = format!("{}{}", lists("\"k\""), lists("\"k\""));
        assert!(parse_catalog(&twice).is_err(), "versions not ascending");
        assert!(parse_catalog("").is_err());
        assert!(parse_catalog(&lists("\"k\"").replace("9.0", "9.x")).is_err());
        assert!(parse_catalog(&format!("{}\nextra = 1\n", lists("\"k\""))).is_err());
    }
}
