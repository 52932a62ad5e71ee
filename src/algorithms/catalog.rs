//! The compiled-in table of OpenSSH client defaults (`assets/openssh-algorithms.toml`, turned into Rust statics at build time).

use super::{AlgKind, OpenSshVersion};

/// One `[[release]]` entry: the lists in force from `version` until the next entry.
#[derive(Debug)]
pub(super) struct Release {
    pub(super) version: OpenSshVersion,
    pub(super) wire_kex_suffix: &'static [&'static str],
    /// kex, host_key, cipher, mac, pubkey_accepted.
    defaults: [&'static [&'static str]; 5],
    /// kex, key, cipher, mac.
    supported: [&'static [&'static str]; 4],
}

impl Release {
    /// The `ssh -G` default list of `kind`.
    pub(super) fn default(&self, kind: AlgKind) -> &'static [&'static str] {
        let d = &self.defaults;
        match kind {
            AlgKind::Kex => d[0],
            AlgKind::HostKey => d[1],
            AlgKind::Cipher => d[2],
            AlgKind::Mac => d[3],
            AlgKind::PubkeyAccepted => d[4],
        }
    }

    /// The `ssh -Q` list that names of `kind` are validated and expanded against.
    pub(super) fn supported(&self, kind: AlgKind) -> &'static [&'static str] {
        let s = &self.supported;
        match kind {
            AlgKind::Kex => s[0],
            AlgKind::HostKey | AlgKind::PubkeyAccepted => s[1],
            AlgKind::Cipher => s[2],
            AlgKind::Mac => s[3],
        }
    }
}

// `static RELEASES: &[Release]`, checked by build.rs (versions ascending, lists non-empty and
// without repeats, every default supported).
include!(concat!(env!("OUT_DIR"), "/openssh_algorithms.rs"));

/// Every release of the table, oldest first.
pub(super) fn releases() -> &'static [Release] {
    RELEASES
}

/// The newest release not newer than `version` (the oldest one if `version` predates them all,
/// the newest one for `None`).
pub(super) fn release_for(version: Option<OpenSshVersion>) -> &'static Release {
    let newest = &RELEASES[RELEASES.len() - 1];
    match version {
        None => newest,
        Some(v) => RELEASES
            .iter()
            .rev()
            .find(|r| r.version <= v)
            .unwrap_or(&RELEASES[0]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build_assets as assets;

    #[test]
    fn embedded_table_is_the_asset_and_every_release_has_all_lists() {
        let text = include_str!("../../assets/openssh-algorithms.toml");
        let parsed = assets::parse_algorithms(text).expect("table parses");
        assert!(RELEASES.len() >= 9);
        assert_eq!(parsed.len(), RELEASES.len());
        for (release, file) in RELEASES.iter().zip(&parsed) {
            assert_eq!(release.version.to_string(), file.version);
            assert_eq!(release.wire_kex_suffix, file.wire_kex_suffix);
            let (d, s) = (&file.default, &file.supported);
            assert_eq!(release.default(AlgKind::Kex), d.kex);
            assert_eq!(release.default(AlgKind::HostKey), d.host_key);
            assert_eq!(release.default(AlgKind::Cipher), d.cipher);
            assert_eq!(release.default(AlgKind::Mac), d.mac);
            assert_eq!(release.default(AlgKind::PubkeyAccepted), d.pubkey_accepted);
            assert_eq!(release.supported(AlgKind::Kex), s.kex);
            assert_eq!(release.supported(AlgKind::HostKey), s.key);
            assert_eq!(release.supported(AlgKind::PubkeyAccepted), s.key);
            assert_eq!(release.supported(AlgKind::Cipher), s.cipher);
            assert_eq!(release.supported(AlgKind::Mac), s.mac);
            for kind in AlgKind::ALL {
                assert!(!release.default(kind).is_empty(), "{}", release.version);
                assert!(!release.supported(kind).is_empty(), "{}", release.version);
            }
            assert!(release.wire_kex_suffix.contains(&"ext-info-c"));
            // ssh -G prints the same default list for both key keywords.
            assert_eq!(
                release.default(AlgKind::HostKey),
                release.default(AlgKind::PubkeyAccepted)
            );
        }
    }

    #[test]
    fn rejects_inconsistent_tables() {
        let parse_catalog = assets::parse_algorithms;
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
        assert!(parse_catalog(&lists("\"k\"").replace("9.0", "09.0")).is_err());
        assert!(parse_catalog(&format!("{}\nextra = 1\n", lists("\"k\""))).is_err());
        let code = assets::algorithms_rs(&parse_catalog(&lists("\"k\"")).unwrap());
        assert!(code.contains("OpenSshVersion::new(9, 0)"), "{code}");
        assert!(code.contains(r#"&["ext-info-c"]"#), "{code}");
    }
}
