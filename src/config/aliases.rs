//! The Host aliases a user's configuration names, for the console's destination picker and
//! `sshdoctor fleet`.

use super::lexer::{argv_split, split_directive};
use super::{resolve, ConfigInput};
use std::io::BufRead;
use std::path::PathBuf;

/// One Host alias with what it resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEntry {
    /// The alias as written on a `Host` line.
    pub alias: String,
    /// The effective HostName, User and Port for it.
    pub hostname: String,
    /// The effective user.
    pub user: String,
    /// The effective port.
    pub port: u16,
}

/// A concrete host name the configuration mentions, before any resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedHost {
    /// The name as written (a `Host` pattern, or a name in a `Match host` criterion).
    pub alias: String,
    /// It is named only by `Match host`/`Match originalhost`, on no `Host` line.
    pub match_only: bool,
    /// The file and 1-based line that first names it.
    pub file: PathBuf,
    /// The line number.
    pub line: usize,
}

/// Every plain alias on `Host` lines (no `*`, `?` or `!` patterns) in the files a resolution
/// reads (user file, its Includes, the system file), in file order, each resolved as ssh would.
pub fn host_entries(input: &ConfigInput) -> Vec<HostEntry> {
    host_names(input)
        .into_iter()
        .filter(|l| !l.match_only)
        .map(|l| l.alias)
        .map(|alias| {
            let r = resolve(&ConfigInput {
                host: alias.clone(),
                ..input.clone()
            });
            HostEntry {
                hostname: r.hostname().value.clone(),
                user: r.user().value.clone(),
                port: r.port().0,
                alias,
            }
        })
        .collect()
}

/// The concrete names of the files a resolution reads (user file, its Includes, the system
/// file), in file order, each once, without resolving any: plain patterns of `Host` lines
/// (no `*`, `?` or `!`), then names that only a `Match host` or `Match originalhost`
/// criterion gives (marked [`ListedHost::match_only`]). Files are read line by line.
pub fn host_names(input: &ConfigInput) -> Vec<ListedHost> {
    let probe = ConfigInput {
        host: "sshdoctor-picker.invalid".into(),
        ..input.clone()
    };
    let mut hosts: Vec<ListedHost> = Vec::new();
    let mut matched: Vec<ListedHost> = Vec::new();
    let mut seen = [
        std::collections::HashSet::new(),
        std::collections::HashSet::new(),
    ];
    for file in resolve(&probe).files_read {
        let Ok(f) = std::fs::File::open(&file) else {
            continue;
        };
        let mut reader = std::io::BufReader::new(f);
        let mut buf = Vec::new();
        for i in 0.. {
            buf.clear();
            if !matches!(reader.read_until(b'\n', &mut buf), Ok(n) if n > 0) {
                break;
            }
            let Ok(Some(d)) = split_directive(&String::from_utf8_lossy(&buf)) else {
                continue;
            };
            let words = argv_split(&d.rest).unwrap_or_default();
            let (names, into, seen) = if d.keyword.eq_ignore_ascii_case("host") {
                (words, &mut hosts, &mut seen[0])
            } else if d.keyword.eq_ignore_ascii_case("match") {
                (match_host_names(&words), &mut matched, &mut seen[1])
            } else {
                continue;
            };
            for alias in names {
                let plain = !alias.is_empty() && !alias.contains(['*', '?', '!']);
                if plain && seen.insert(alias.clone()) {
                    into.push(ListedHost {
                        alias,
                        match_only: false,
                        file: file.clone(),
                        line: i + 1,
                    });
                }
            }
        }
    }
    for mut m in matched {
        if !hosts.iter().any(|h| h.alias == m.alias) {
            m.match_only = true;
            hosts.push(m);
        }
    }
    hosts
}

/// The names of a `Match` line's (not negated) `host` and `originalhost` criteria.
fn match_host_names(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut words = words.iter();
    while let Some(w) = words.next() {
        let criterion = w.to_ascii_lowercase();
        if ["all", "canonical", "final"].contains(&criterion.as_str()) {
            continue;
        }
        let Some(arg) = words.next() else { break };
        if criterion == "host" || criterion == "originalhost" {
            out.extend(arg.split(',').map(str::to_string));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_aliases_in_order_with_their_effective_settings() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config");
        std::fs::write(
            &cfg,
            "Host web web-alt\n  HostName 10.0.0.5\n  User deploy\nHost *.corp !bad db\n  Port 2222\nHost *\n  User me\n",
        )
        .unwrap();
        let input = ConfigInput {
            host: String::new(),
            options: Vec::new(),
            user_config: Some(cfg),
            system_config: dir.path().join("none"),
            home: dir.path().to_path_buf(),
            local_user: "local".into(),
            local_hostname: "box".into(),
            passwd_home: None,
        };
        let entries = host_entries(&input);
        let names: Vec<&str> = entries.iter().map(|e| e.alias.as_str()).collect();
        assert_eq!(names, ["web", "web-alt", "db"]);
        assert_eq!(
            (
                entries[0].hostname.as_str(),
                entries[0].user.as_str(),
                entries[0].port
            ),
            ("10.0.0.5", "deploy", 22)
        );
        assert_eq!(
            (
                entries[2].hostname.as_str(),
                entries[2].user.as_str(),
                entries[2].port
            ),
            ("db", "me", 2222)
        );
    }

    #[test]
    fn names_only_a_match_block_gives_are_listed_after_the_host_aliases() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config");
        std::fs::write(
            &cfg,
            "Match host db1,db*,!db3 user x\n  Port 2\nHost web\nMatch originalhost web,cache final\nMatch !host nope exec \"true\" host q\n",
        )
        .unwrap();
        let input = ConfigInput {
            host: String::new(),
            options: Vec::new(),
            user_config: Some(cfg),
            system_config: dir.path().join("none"),
            home: dir.path().to_path_buf(),
            local_user: "local".into(),
            local_hostname: "box".into(),
            passwd_home: None,
        };
        let listed: Vec<(String, bool, usize)> = host_names(&input)
            .into_iter()
            .map(|l| (l.alias, l.match_only, l.line))
            .collect();
        let want = [
            ("web", false, 3),
            ("db1", true, 1),
            ("cache", true, 4),
            ("q", true, 5),
        ];
        let want: Vec<(String, bool, usize)> = want
            .iter()
            .map(|(a, m, l)| (a.to_string(), *m, *l))
            .collect();
        assert_eq!(listed, want);
        assert_eq!(
            host_entries(&input).len(),
            1,
            "the picker lists Host aliases only"
        );
    }
}
