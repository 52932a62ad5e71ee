//! The Host aliases a user's configuration names, for the console's destination picker.

use super::lexer::{argv_split, split_directive};
use super::{resolve, ConfigInput};

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

/// Every plain alias on `Host` lines (no `*`, `?` or `!` patterns) in the files a resolution
/// reads (user file, its Includes, the system file), in file order, each resolved as ssh would.
pub fn host_entries(input: &ConfigInput) -> Vec<HostEntry> {
    let probe = ConfigInput {
        host: "sshdoctor-picker.invalid".into(),
        ..input.clone()
    };
    let mut aliases: Vec<String> = Vec::new();
    for file in resolve(&probe).files_read {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for line in text.lines() {
            let Ok(Some(d)) = split_directive(line) else {
                continue;
            };
            if !d.keyword.eq_ignore_ascii_case("host") {
                continue;
            }
            for pattern in argv_split(&d.rest).unwrap_or_default() {
                let plain = !pattern.is_empty() && !pattern.contains(['*', '?', '!']);
                if plain && !aliases.contains(&pattern) {
                    aliases.push(pattern);
                }
            }
        }
    }
    aliases
        .into_iter()
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
}
