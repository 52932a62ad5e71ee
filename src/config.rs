//! OpenSSH-faithful ssh_config resolution with provenance for every effective value.
//!
//! [`resolve`] reproduces what `ssh -G` computes (OpenSSH 9.2 semantics): command-line options
//! first, then the user file, then the system file; first obtained value wins; `Host`/`Match`
//! blocks, `Include`, the optional final pass, `%` tokens and OpenSSH's defaults.

mod aliases;
mod apply;
mod criteria;
mod defaults;
mod expand;
mod files;
mod keywords;
mod lexer;
mod pattern;
mod reader;
mod sha1;
mod system;
#[cfg(test)]
mod tests;
mod tokens;

pub use aliases::{host_entries, HostEntry};
pub use system::{home_dir, local_hostname, local_uid, local_user, passwd_home_of_current_user};
pub(crate) use tokens::percent_expand;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where an effective value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Given on the command line (`-p`, `-l`, `-i`, `-J`, `-o`, or inside DESTINATION).
    CommandLine,
    /// Read from a config file at a 1-based line.
    File {
        /// The file, as read (absolute).
        path: PathBuf,
        /// 1-based line number.
        line: usize,
    },
    /// OpenSSH's built-in default.
    Default,
}

impl Origin {
    /// Human form: `~/.ssh/config line 12`, `the command line`, `OpenSSH's default`.
    /// Paths under `home` are shown with `~`.
    pub fn describe(&self, home: &Path) -> String {
        match self {
            Origin::CommandLine => "the command line".to_string(),
            Origin::Default => "OpenSSH's default".to_string(),
            Origin::File { path, line } => {
                let shown = match path.strip_prefix(home) {
                    Ok(rest) => format!("~/{}", rest.display()),
                    Err(_) => path.display().to_string(),
                };
                if *line == 0 {
                    shown
                } else {
                    format!("{shown} line {line}")
                }
            }
        }
    }
}

/// One value of a keyword, with its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// The value after quote removal; tokens and `~` expanded for the keywords that take them.
    pub value: String,
    /// Where it came from.
    pub origin: Origin,
}

/// A problem found while reading a config file (`config.parse_error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file.
    pub path: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file (e.g. its permissions).
    /// For command-line options the path is `<command line>` and the line the option's
    /// 1-based position among [`ConfigInput::options`].
    pub line: usize,
    /// What is wrong, e.g. `unknown keyword "Prot"`.
    pub message: String,
}

/// Everything resolution needs, gathered by the command line.
#[derive(Debug, Clone, Default)]
pub struct ConfigInput {
    /// The host as typed (the "original host"; may be a Host alias).
    pub host: String,
    /// Command-line `keyword value` pairs in command-line order (from DESTINATION, -l, -p, -i, -J, -o).
    pub options: Vec<(String, String)>,
    /// `-F FILE`; `None` means `~/.ssh/config`. With `-F`, the system file is not read (as ssh).
    pub user_config: Option<PathBuf>,
    /// The system-wide file; normally `/etc/ssh/ssh_config`.
    pub system_config: PathBuf,
    /// The home directory ($HOME, else the passwd entry).
    pub home: PathBuf,
    /// The local user name (%u, Match localuser).
    pub local_user: String,
    /// The local host name (%L is its first component, %l the full name).
    pub local_hostname: String,
    /// The home directory of the passwd entry, where ssh itself expands `~`, when it differs
    /// from `home` (e.g. `sudo` keeping `$HOME`); None means the same as `home`.
    pub passwd_home: Option<PathBuf>,
}

/// The effective configuration for one destination.
#[derive(Debug, Clone, Default)]
pub struct ResolvedConfig {
    /// Lowercase keyword → values (one for single-valued keywords; all, in order, for multi-valued ones).
    pub values: BTreeMap<String, Vec<Value>>,
    /// Parse errors and unknown keywords.
    pub diagnostics: Vec<Diagnostic>,
    /// `Match exec` criteria that were not run.
    pub unevaluated: Vec<Diagnostic>,
    /// Every file read, in order.
    pub files_read: Vec<PathBuf>,
    /// The home directory used (for `~` display).
    pub home: PathBuf,
    /// The host as typed (`%n`, `Match originalhost`).
    pub original_host: String,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::CommandLine => f.write_str("command line"),
            Origin::Default => f.write_str("default"),
            Origin::File { path, line: 0 } => write!(f, "{}", path.display()),
            Origin::File { path, line } => write!(f, "{}:{}", path.display(), line),
        }
    }
}

impl ResolvedConfig {
    /// The first (effective) value of a single-valued keyword, or its OpenSSH default.
    pub fn get(&self, keyword: &str) -> Option<&Value> {
        self.values
            .get(&keyword.to_ascii_lowercase())
            .and_then(|v| v.first())
    }
    /// All values of a multi-valued keyword (IdentityFile, CertificateFile, ...), in order.
    pub fn get_all(&self, keyword: &str) -> &[Value] {
        self.values
            .get(&keyword.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// A value for accessors on an empty [`ResolvedConfig`] (never produced by [`resolve`]).
static EMPTY_VALUE: Value = Value {
    value: String::new(),
    origin: Origin::Default,
};

/// What ssh uses for PreferredAuthentications when it is not configured (`ssh -G` prints
/// nothing; ssh's sshconnect2.c falls back to this list).
pub const DEFAULT_PREFERRED_AUTHENTICATIONS: &str =
    "gssapi-with-mic,publickey,keyboard-interactive,password";

impl ResolvedConfig {
    /// The effective HostName: the configured one with `%h` expanded, else the host as typed;
    /// lowercased as ssh does.
    pub fn hostname(&self) -> &Value {
        self.get("hostname").unwrap_or(&EMPTY_VALUE)
    }

    /// The effective port and where it came from (22 by default).
    pub fn port(&self) -> (u16, Origin) {
        match self.get("port") {
            Some(v) => (v.value.parse().unwrap_or(22), v.origin.clone()),
            None => (22, Origin::Default),
        }
    }

    /// The effective remote user (the local user by default).
    pub fn user(&self) -> &Value {
        self.get("user").unwrap_or(&EMPTY_VALUE)
    }

    /// The host as typed on the command line (the "original host").
    pub fn original_host(&self) -> &str {
        &self.original_host
    }

    /// Every effective keyword with its value and origin: `hostname`, `user`, `port` first,
    /// then the rest alphabetically; multi-valued keywords contribute one entry per value.
    pub fn settings(&self) -> Vec<(String, String, Origin)> {
        const FIRST: [&str; 3] = ["hostname", "user", "port"];
        let mut out = Vec::new();
        let rest = self
            .values
            .keys()
            .map(String::as_str)
            .filter(|k| !FIRST.contains(k));
        for key in FIRST.into_iter().chain(rest) {
            for v in self.get_all(key) {
                out.push((key.to_string(), v.value.clone(), v.origin.clone()));
            }
        }
        out
    }
}

/// Resolve the effective configuration as OpenSSH would. Never fails: problems become
/// [`ResolvedConfig::diagnostics`]; `Match exec` and similar become
/// [`ResolvedConfig::unevaluated`].
pub fn resolve(input: &ConfigInput) -> ResolvedConfig {
    reader::resolve(input)
}

/// Is this an ssh_config keyword OpenSSH knows (case-insensitive)? Includes aliases,
/// deprecated and unsupported keywords, and those added after OpenSSH 9.2.
pub fn is_known_keyword(keyword: &str) -> bool {
    keywords::lookup(keyword).is_some()
}

/// Parse an `-o` argument (`Keyword=value` or `Keyword value`) into the keyword as written
/// and the raw value. Errors name an unknown keyword, a missing value, or a block keyword.
pub fn parse_option_arg(s: &str) -> Result<(String, String), String> {
    let directive = lexer::split_directive(s)?.ok_or_else(|| "missing keyword".to_string())?;
    match keywords::lookup(&directive.keyword) {
        None => Err(format!("unknown keyword \"{}\"", directive.keyword)),
        Some((_, keywords::Kind::Host | keywords::Kind::Match | keywords::Kind::Include)) => {
            Err(format!(
                "{} is not supported as a command-line option",
                directive.keyword
            ))
        }
        Some(_) => Ok((directive.keyword, directive.rest)),
    }
}
