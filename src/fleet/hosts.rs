//! Which hosts a fleet run checks: the config's concrete aliases, or a `--hosts` file, plus
//! the plain names of known_hosts, filtered by the command line's patterns.

use crate::config::{self, ConfigInput};
use crate::known_hosts::{match_pattern, HostField, KnownHostsFile, LineKind, Marker};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// One host to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The name as listed (the alias, the `--hosts` line, the known_hosts name).
    pub alias: String,
    /// The arguments that name it to a single run, after ssh's options: the destination last
    /// (a known_hosts `[host]:port` is `-p port host`).
    pub args: Vec<String>,
    /// Where it was found, when worth saying (`Match host` only, a known_hosts line).
    pub note: Option<String>,
}

impl Listed {
    fn plain(alias: String, note: Option<String>) -> Listed {
        Listed {
            args: vec![alias.clone()],
            alias,
            note,
        }
    }
}

/// The concrete aliases of the configuration `input` reads, in file order.
pub fn from_config(input: &ConfigInput) -> Vec<Listed> {
    config::host_names(input)
        .into_iter()
        .map(|h| {
            let note = h.match_only.then(|| {
                crate::i18n::tf(
                    "fleet.hosts.match_only",
                    &[("place", &place(&h.file, h.line, &input.home))],
                )
            });
            Listed::plain(h.alias, note)
        })
        .collect()
}

/// The destinations of a `--hosts` file: one a line, as typed on the command line; blank
/// lines and `#` comments skipped. `Err` names the file, the line and what is wrong.
pub fn from_file(path: &Path) -> Result<Vec<Listed>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("--hosts {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("--hosts {}: {e}", path.display()))?;
        let word = line.trim();
        if word.is_empty() || word.starts_with('#') {
            continue;
        }
        if word.contains(char::is_whitespace) {
            return Err(crate::i18n::tf(
                "fleet.hosts.one_a_line",
                &[
                    ("place", &format!("{}:{}", path.display(), i + 1)),
                    ("word", &format!("{word:?}")),
                ],
            ));
        }
        crate::destination::parse(word)
            .map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        out.push(Listed::plain(word.to_string(), None));
    }
    Ok(out)
}

/// The plain host names recorded in the known_hosts files this configuration names
/// (UserKnownHostsFile, GlobalKnownHostsFile), each file read line by line. Hashed names,
/// wildcards, negations, `@cert-authority` and `@revoked` lines and lines ssh cannot use
/// give nothing.
pub fn from_known_hosts(cfg: &config::ResolvedConfig, home: &Path) -> Vec<Listed> {
    let mut out = Vec::new();
    for keyword in ["userknownhostsfile", "globalknownhostsfile"] {
        for value in cfg.get_all(keyword) {
            let path = PathBuf::from(&value.value);
            for (name, line) in known_names(&path) {
                let note = crate::i18n::tf(
                    "fleet.hosts.from_known_hosts",
                    &[("place", &place(&path, line, home))],
                );
                out.push(listed_name(&name, note));
            }
        }
    }
    out
}

/// `host` as itself; `[host]:port` as `-p port host`.
fn listed_name(name: &str, note: String) -> Listed {
    let bracketed = name
        .strip_prefix('[')
        .and_then(|rest| rest.split_once("]:"))
        .filter(|(_, port)| config::parse_port(port).is_some());
    let args = match bracketed {
        Some((host, port)) => vec!["-p".into(), port.into(), host.into()],
        None => vec![name.to_string()],
    };
    Listed {
        alias: name.to_string(),
        args,
        note: Some(note),
    }
}

/// The plain names of a known_hosts file with the line naming each, in file order.
fn known_names(path: &Path) -> Vec<(String, usize)> {
    let Ok((file, _)) = crate::localfile::open_regular(path, crate::localfile::DEFAULT_CAP) else {
        return Vec::new();
    };
    let mut reader = BufReader::with_capacity(64 << 10, file);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let mut number = 0;
    while matches!(reader.read_until(b'\n', &mut buf), Ok(n) if n > 0) {
        number += 1;
        // Each line parsed alone, as ssh reads it: constant memory whatever the file's size.
        let parsed = KnownHostsFile::parse(path, &buf);
        buf.clear();
        let Some(LineKind::Entry(entry)) = parsed.lines.into_iter().next().map(|l| l.kind) else {
            continue;
        };
        let (Marker::None, HostField::Patterns(raw)) = (entry.marker, &entry.hosts) else {
            continue;
        };
        for name in String::from_utf8_lossy(raw).split(',') {
            if !name.is_empty() && !name.contains(['*', '?', '!']) {
                out.push((name.to_string(), number));
            }
        }
    }
    out
}

/// `FILE:LINE`, with `~` for the home directory.
fn place(path: &Path, line: usize, home: &Path) -> String {
    let shown = crate::config_edit::shown_path(path, home);
    format!("{shown}:{line}")
}

/// The hosts the patterns keep (ssh's `*` and `?`, case-insensitive; a `!pattern` leaves out
/// what it matches; with no positive pattern everything not left out is kept), each name once
/// (the first source listing it wins).
pub fn select(hosts: Vec<Listed>, patterns: &[String]) -> Vec<Listed> {
    let lower: Vec<String> = patterns.iter().map(|p| p.to_ascii_lowercase()).collect();
    let (negated, positive): (Vec<&str>, Vec<&str>) = lower
        .iter()
        .map(String::as_str)
        .partition(|p| p.starts_with('!'));
    let matches = |name: &str, p: &str| match_pattern(name.as_bytes(), p.as_bytes());
    let mut seen = std::collections::HashSet::new();
    hosts
        .into_iter()
        .filter(|h| {
            let name = h.alias.to_ascii_lowercase();
            let out = negated.iter().any(|p| matches(&name, &p[1..]));
            let kept = positive.is_empty() || positive.iter().any(|p| matches(&name, p));
            kept && !out && seen.insert(h.alias.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(hosts: &[Listed]) -> Vec<&str> {
        hosts.iter().map(|h| h.alias.as_str()).collect()
    }

    #[test]
    fn patterns_keep_and_leave_out_and_names_come_once() {
        let hosts: Vec<Listed> = ["web-1", "web-2", "WEB-test", "db", "web-1"]
            .iter()
            .map(|n| Listed::plain(n.to_string(), None))
            .collect();
        assert_eq!(
            names(&select(hosts.clone(), &[])),
            ["web-1", "web-2", "WEB-test", "db"]
        );
        let web = select(hosts.clone(), &["web-*".into(), "!*test".into()]);
        assert_eq!(names(&web), ["web-1", "web-2"]);
        assert_eq!(
            names(&select(hosts, &["!web-?".into()])),
            ["WEB-test", "db"]
        );
    }

    #[test]
    fn known_hosts_gives_plain_names_with_their_ports() {
        let dir = tempfile::tempdir().unwrap();
        let kh = dir.path().join("known_hosts");
        let key = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
        std::fs::write(
            &kh,
            format!(
                "# comment\nweb,10.0.0.5 ssh-ed25519 {key}\n[db]:2222 ssh-ed25519 {key}\n|1|c2FsdHNhbHRzYWx0c2FsdHNhbHQ=|aGFzaGhhc2hoYXNoaGFzaGhhc2g= ssh-ed25519 {key}\n*.corp ssh-ed25519 {key}\n@revoked bad ssh-ed25519 {key}\nbroken ssh-ed25519 notbase64\n"
            ),
        )
        .unwrap();
        let found = known_names(&kh);
        assert_eq!(
            found,
            [
                ("web".to_string(), 2),
                ("10.0.0.5".to_string(), 2),
                ("[db]:2222".to_string(), 3)
            ]
        );
        let db = listed_name("[db]:2222", "n".into());
        assert_eq!(db.args, ["-p", "2222", "db"]);
    }

    #[test]
    fn a_hosts_file_is_read_as_destinations_with_line_numbers_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("hosts");
        std::fs::write(&f, "# team\nweb\n\nalice@db\nssh://cache:2222\n").unwrap();
        let hosts = from_file(&f).unwrap();
        assert_eq!(names(&hosts), ["web", "alice@db", "ssh://cache:2222"]);
        std::fs::write(&f, "web\nbad;host\n").unwrap();
        let err = from_file(&f).unwrap_err();
        assert!(
            err.contains(":2:") && err.contains("invalid characters"),
            "{err}"
        );
    }
}
