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
mod forward;
mod glob;
mod jump;
mod keywords;
mod lexer;
mod lists;
mod pattern;
mod reader;
mod sha1;
mod system;
#[cfg(test)]
mod tests;
mod tokens;
mod validate;
mod values;
mod whatif;

pub use aliases::{host_entries, host_names, HostEntry, ListedHost};
pub(crate) use system::{group_facts, user_name};
pub use system::{
    home_dir, local_hostname, local_uid, local_user, passwd_home_of_current_user,
    PASSWD_HOME_OVERRIDE,
};
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

/// How ssh reacts to a problem in its configuration (readconf.c, ssh.c).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reaction {
    /// ssh prints it and goes on (`Unsupported option "rsaauthentication"`): `config.parse_error`.
    Logged,
    /// A bad option: ssh reads on to the end of the file, then stops with
    /// "FILE: terminating, N bad configuration options" (`config.invalid_value`).
    BadOption,
    /// ssh stops at once (`fatal()`): a PermitRemoteOpen without a port, Include nested too
    /// deep, a `%` token it does not know (`config.invalid_value`).
    Fatal,
}

/// A problem found while reading a config file (`config.parse_error` or `config.invalid_value`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// The file.
    pub path: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file (e.g. its permissions).
    /// For command-line options the path is `<command line>` and the line the option's
    /// 1-based position among [`ConfigInput::options`].
    pub line: usize,
    /// What is wrong, in ssh's own words where it has them, e.g.
    /// `Bad configuration option: prot` or `Bad port '0'.`.
    pub message: String,
    /// What ssh does about it.
    pub reaction: Reaction,
    /// The OpenSSH release (major, minor) from which the line is valid: set for keywords,
    /// `Match` attributes and `%` tokens added after 9.2, which older clients refuse.
    pub since: Option<(u32, u32)>,
}

impl Diagnostic {
    /// Whether this problem exists for the client `version` (None: the newest release):
    /// a line valid from `since` on is no problem for that release or a later one.
    pub fn applies_to(&self, version: Option<(u32, u32)>) -> bool {
        match (self.since, version) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(since), Some(v)) => v < since,
        }
    }

    /// Whether ssh refuses to start because of it (a bad option or a fatal error).
    pub fn refuses(&self) -> bool {
        self.reaction != Reaction::Logged
    }
}

/// A `Match` block whose criteria sshdoctor did not evaluate (`exec`, without consent), and
/// what would change if it applied (`config.match_exec_unevaluated`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnevaluatedBlock {
    /// The file of the `Match` line.
    pub path: PathBuf,
    /// Its 1-based line.
    pub line: usize,
    /// The criteria not evaluated, as written (`exec "test -f ~/.vpn"`).
    pub criteria: Vec<String>,
    /// The effective settings that would differ if the block applied, in keyword order;
    /// empty when it would change nothing (or when too many blocks were left to work it out).
    pub changes: Vec<Change>,
}

/// One effective setting that an unevaluated block would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The lowercase keyword.
    pub keyword: String,
    /// Its values now (empty when unset).
    pub now: Vec<String>,
    /// Its values if the block applied (empty when it would be unset).
    pub then: Vec<String>,
    /// Where the first of the new values would come from.
    pub origin: Option<Origin>,
}

/// One algorithm-list line as written (every occurrence, applying or not: ssh validates each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmLine {
    /// The canonical lowercase keyword (`kexalgorithms`, `casignaturealgorithms`, ...).
    pub keyword: String,
    /// The value and where it is.
    pub value: Value,
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
    /// `$HOME` (else the passwd entry's directory). ssh uses it only to expand `Include`
    /// patterns (glob(3)'s `GLOB_TILDE`); everything else uses [`ConfigInput::passwd_home`].
    pub home: PathBuf,
    /// The local user name (%u, Match localuser).
    pub local_user: String,
    /// The local host name (%L is its first component, %l the full name).
    pub local_hostname: String,
    /// The home directory of the passwd entry, where ssh expands `~` and `%d` and finds
    /// `~/.ssh/config`, the default keys and known_hosts, when it differs from `home` (e.g.
    /// `sudo -E` keeping `$HOME`); None means the same as `home`.
    pub passwd_home: Option<PathBuf>,
}

/// The effective configuration for one destination.
#[derive(Debug, Clone, Default)]
pub struct ResolvedConfig {
    /// Lowercase keyword → values (one for single-valued keywords; all, in order, for multi-valued ones).
    pub values: BTreeMap<String, Vec<Value>>,
    /// Parse errors, unknown keywords and values ssh refuses, each with ssh's reaction.
    pub diagnostics: Vec<Diagnostic>,
    /// Steps ssh would take that sshdoctor does not (hostname canonicalisation by DNS).
    pub unevaluated: Vec<Diagnostic>,
    /// `Match` blocks with criteria that were not run (`exec`), with what they would change.
    pub exec_blocks: Vec<UnevaluatedBlock>,
    /// Every algorithm-list line read, for validation against the installed client's
    /// algorithms (see [`algorithm_problems`]).
    pub algorithm_lines: Vec<AlgorithmLine>,
    /// Every file read, in order.
    pub files_read: Vec<PathBuf>,
    /// The files ssh checks the owner and mode of (`~/.ssh/config` unless `-F`, and every
    /// included file): `identities::local_problems` judges them.
    pub checked_files: Vec<PathBuf>,
    /// The home directory ssh uses for `~`, `%d` and its default files: the passwd entry's.
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
/// [`ResolvedConfig::diagnostics`] (with what ssh does about each); `Match exec` blocks,
/// which are not run, become [`ResolvedConfig::exec_blocks`] with what they would change.
pub fn resolve(input: &ConfigInput) -> ResolvedConfig {
    reader::resolve(input)
}

/// Is this an ssh_config keyword OpenSSH knows (case-insensitive)? Includes aliases,
/// deprecated and unsupported keywords, and those added after OpenSSH 9.2.
pub fn is_known_keyword(keyword: &str) -> bool {
    keywords::lookup(keyword).is_some()
}

/// Parse an `-o` argument (`Keyword=value` or `Keyword value`) into the keyword as written
/// and the raw value. Only the syntax is checked here (a keyword and a value); whether ssh
/// accepts it is [`check_command_line`]'s question, asked of all options in order.
pub fn parse_option_arg(s: &str) -> Result<(String, String), String> {
    let directive = lexer::split_directive(s)?.ok_or_else(|| "missing keyword".to_string())?;
    Ok((directive.keyword, directive.rest))
}

/// Check command-line options (in command-line order) as ssh processes them before reading
/// any file: `Err` carries the index of the first one ssh refuses and ssh's complaint (an
/// unknown keyword not covered by an earlier `-o IgnoreUnknown`, `Port=0`,
/// `ConnectTimeout=abc`, a bad forwarding, `Host`, ...), which makes ssh exit at once.
pub fn check_command_line(options: &[(String, String)]) -> Result<(), (usize, String)> {
    reader::check_command_line(options)
}

/// A value from `-i`, `-l` or DESTINATION's user, quoted as one word: ssh takes these whole
/// (spaces and quotes included), where it splits an `-o` value into words.
pub fn command_line_word(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if matches!(c, '\\' | '"' | '\'') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The value inside [`command_line_word`]'s quotes: what was given on the command line.
pub fn command_line_unword(v: &str) -> String {
    let inner = v
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(v);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// An `ssh://` URI after the scheme, as ssh's `parse_uri` splits it: user (URL-decoded),
/// host (brackets removed; a domain name or IPv4 address), port; None where ssh refuses it.
pub fn parse_ssh_uri(uri: &str) -> Option<(Option<String>, String, Option<u16>)> {
    jump::parse_uri(uri).map(|h| (h.user, h.host, h.port))
}

/// The hops of a ProxyJump value as [`resolve`] stores it (as `ssh -G` prints it,
/// `extra,user@[host]:port`), in order, each as (user, host, port); None where ssh would say
/// "Invalid ProxyJump".
#[allow(clippy::type_complexity)]
pub fn jump_hops(value: &str) -> Option<Vec<(Option<String>, String, Option<u16>)>> {
    (value.split(','))
        .map(|h| jump::parse_hop(h).map(|h| (h.user, h.host, h.port)))
        .collect()
}

/// ssh's default `%` tokens for `cfg` (resolved from `input`): `%C %L %i %k %l %n %p %d %h
/// %r %u`, for commands expanded at use time. KnownHostsCommand adds `%H %I %t %f %K`.
pub fn default_tokens(cfg: &ResolvedConfig, input: &ConfigInput) -> Vec<(char, String)> {
    expand::default_tokens(cfg, input)
}

/// A command ssh runs without a shell (KnownHostsCommand): its words, each after the first
/// expanded with `tokens` (`%` tokens and `${VAR}`), as sshconnect.c does; Err with ssh's
/// complaint (bad quotes, an unknown token, an unset variable).
pub fn command_words(command: &str, tokens: &[(char, String)]) -> Result<Vec<String>, String> {
    expand::command_words(command, tokens)
}

/// ssh's `a2port` as `-p` and `Port` take it: 1-65535 (a leading `+` allowed) or a TCP
/// service name from /etc/services.
pub fn parse_port(s: &str) -> Option<u16> {
    values::a2port(s).filter(|p| *p > 0)
}

/// Keywords whose every value counts and is reported, in order (one value per line of
/// `ssh -G`, or several on its one line): in JSON they are always arrays.
pub fn is_list_keyword(keyword: &str) -> bool {
    keywords::is_list(&keyword.to_ascii_lowercase())
}

/// ssh's verdict on every algorithm-list line (active or not, as readconf.c validates each)
/// for the client `version` (None: the newest release known): bad names are bad options.
pub fn algorithm_problems(
    config: &ResolvedConfig,
    version: Option<crate::algorithms::OpenSshVersion>,
) -> Vec<Diagnostic> {
    validate::algorithm_lines(&config.algorithm_lines, version)
}
