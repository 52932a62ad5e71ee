//! The reading passes: command line, files, `Host`/`Match` blocks and `Include`.

use std::path::PathBuf;

use super::criteria::{self, MatchContext};
use super::keywords::{self, Kind};
use super::lexer::{argv_split, Directive};
use super::pattern::{host_line_matches, match_pattern_list, ListMatch};
use super::tokens::percent_expand;
use super::{ConfigInput, Diagnostic, Origin, ResolvedConfig, Value};

/// The path shown in diagnostics about command-line options.
pub(crate) const COMMAND_LINE: &str = "<command line>";

/// Where a line comes from.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// The file; `None` for a command-line option.
    pub path: Option<PathBuf>,
    /// 1-based line (or option position).
    pub line: usize,
}

impl Source {
    pub(crate) fn origin(&self) -> Origin {
        match &self.path {
            Some(path) => Origin::File {
                path: path.clone(),
                line: self.line,
            },
            None => Origin::CommandLine,
        }
    }
}

/// How a file is being read (readconf.c's flags plus the Include depth).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileFlags {
    /// SSHCONF_USERCONF: relative Includes live in ~/.ssh, `~` is allowed.
    pub user_conf: bool,
    /// SSHCONF_CHECKPERM: ssh refuses group/world-writable or foreign-owned files.
    pub check_perm: bool,
    /// SSHCONF_NEVERMATCH: an Include inside an inactive block is parsed but never applies.
    pub never_match: bool,
    pub depth: usize,
}

/// Resolution state shared by all passes.
pub(crate) struct State<'a> {
    pub input: &'a ConfigInput,
    pub out: ResolvedConfig,
    /// The host `Host` lines match against: as typed in the first pass, the resolved
    /// (lowercased) HostName in the final pass.
    pub match_host: String,
    pub final_pass: bool,
    pub want_final: bool,
}

/// Resolve `input` (see [`super::resolve`]).
pub(crate) fn resolve(input: &ConfigInput) -> ResolvedConfig {
    let mut st = State {
        input,
        out: ResolvedConfig {
            home: input.home.clone(),
            original_host: input.host.clone(),
            ..ResolvedConfig::default()
        },
        match_host: input.host.clone(),
        final_pass: false,
        want_final: false,
    };
    st.command_line();
    st.read_all_files();
    let resolved = st.resolved_hostname();
    st.set_hostname(resolved.clone());
    let canonicalize = st.first("canonicalizehostname").unwrap_or("no").to_string();
    if canonicalize != "no" {
        st.want_final = true;
        if st
            .out
            .get("canonicaldomains")
            .is_some_and(|v| !v.value.eq_ignore_ascii_case("none"))
        {
            let origin = st.out.get("canonicalizehostname").map(|v| v.origin.clone());
            st.note_unevaluated(
                origin,
                "CanonicalizeHostname not performed (no DNS lookups)".into(),
            );
        }
    }
    if st.want_final {
        st.final_pass = true;
        st.match_host = resolved;
        st.read_all_files();
    }
    super::expand::finish(&mut st);
    super::defaults::fill(&mut st);
    st.out
}

impl State<'_> {
    /// The first stored value of a keyword during resolution.
    pub(crate) fn first(&self, key: &str) -> Option<&str> {
        self.out
            .values
            .get(key)
            .and_then(|v| v.first())
            .map(|v| v.value.as_str())
    }

    /// Record a diagnostic once (the final pass re-reads every file).
    pub(crate) fn diag(&mut self, src: &Source, message: impl Into<String>) {
        let d = Diagnostic {
            path: src
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from(COMMAND_LINE)),
            line: src.line,
            message: message.into(),
        };
        if !self.out.diagnostics.contains(&d) {
            self.out.diagnostics.push(d);
        }
    }

    /// Record a diagnostic at a value's origin.
    pub(crate) fn diag_at(&mut self, origin: &Origin, message: impl Into<String>) {
        let src = match origin {
            Origin::File { path, line } => Source {
                path: Some(path.clone()),
                line: *line,
            },
            _ => Source {
                path: None,
                line: 0,
            },
        };
        self.diag(&src, message);
    }

    fn note_unevaluated(&mut self, origin: Option<Origin>, message: String) {
        let (path, line) = match origin {
            Some(Origin::File { path, line }) => (path, line),
            _ => (PathBuf::from(COMMAND_LINE), 0),
        };
        let d = Diagnostic {
            path,
            line,
            message,
        };
        if !self.out.unevaluated.contains(&d) {
            self.out.unevaluated.push(d);
        }
    }

    /// Process `ConfigInput::options` as ssh processes its command line.
    pub(crate) fn command_line(&mut self) {
        let input = self.input;
        for (i, (keyword, value)) in input.options.iter().enumerate() {
            let src = Source {
                path: None,
                line: i + 1,
            };
            let directive = Directive {
                keyword: keyword.clone(),
                rest: value.trim().to_string(),
            };
            if directive.rest.is_empty() {
                self.diag(&src, format!("no argument after keyword \"{keyword}\""));
                continue;
            }
            let mut active = true;
            let flags = FileFlags {
                user_conf: true,
                check_perm: false,
                never_match: false,
                depth: 0,
            };
            self.process(&directive, &src, &mut active, flags, true);
        }
    }

    /// One directive: readconf.c's `process_config_line_depth`.
    pub(crate) fn process(
        &mut self,
        d: &Directive,
        src: &Source,
        active: &mut bool,
        flags: FileFlags,
        cmdline: bool,
    ) {
        let Some((canon, kind)) = keywords::lookup(&d.keyword) else {
            let ignored = self.first("ignoreunknown").is_some_and(|list| {
                match_pattern_list(&d.keyword.to_ascii_lowercase(), list, true)
                    == ListMatch::Matched
            });
            if !ignored {
                self.diag(src, format!("unknown keyword \"{}\"", d.keyword));
            }
            return;
        };
        let mut args = match argv_split(&d.rest) {
            Ok(a) => a,
            Err(e) => {
                self.diag(src, e);
                return;
            }
        };
        if cmdline && matches!(kind, Kind::Host | Kind::Match | Kind::Include) {
            self.diag(
                src,
                format!(
                    "{} directive not supported as a command-line option",
                    d.keyword
                ),
            );
            return;
        }
        if cmdline && args.len() != 1 && single_argument(kind) {
            // -i/-l/-J values are single words even with spaces; only -o is split by ssh.
            args = vec![d.rest.clone()];
        }
        match kind {
            Kind::Host => self.host_line(&args, src, active, flags),
            Kind::Match => self.match_line(&d.rest, src, active, flags),
            Kind::Include => self.include_line(&args, src, active, flags),
            _ => self.apply(canon, kind, d, &args, src, *active),
        }
    }

    pub(crate) fn host_line(
        &mut self,
        args: &[String],
        src: &Source,
        active: &mut bool,
        flags: FileFlags,
    ) {
        if args.iter().any(String::is_empty) {
            self.diag(src, "keyword host empty argument");
            return;
        }
        *active = !flags.never_match && host_line_matches(&self.match_host, args);
    }

    fn match_line(&mut self, rest: &str, src: &Source, active: &mut bool, flags: FileFlags) {
        let typed = self.input.host.as_str();
        let host = match self.first("hostname") {
            Some(h) if self.final_pass => h.to_string(),
            Some(h) => percent_expand(h, &[('h', typed)]).unwrap_or_else(|_| h.to_string()),
            None => typed.to_string(),
        };
        let ctx = MatchContext {
            host: &host,
            original_host: typed,
            remote_user: self.first("user").unwrap_or(&self.input.local_user),
            local_user: &self.input.local_user,
            tag: self.first("tag").unwrap_or(""),
            final_pass: self.final_pass,
        };
        match criteria::evaluate(rest, &ctx) {
            Ok(r) => {
                self.want_final |= r.wants_final;
                *active = !flags.never_match && r.matched;
                if !flags.never_match {
                    for message in r.unevaluated {
                        self.note_unevaluated(Some(src.origin()), message);
                    }
                }
            }
            Err(e) => {
                self.diag(src, format!("Bad Match condition: {e}"));
                *active = false;
            }
        }
    }

    /// The host after HostName substitution (`%h` is the host as typed), lowercased.
    fn resolved_hostname(&mut self) -> String {
        let typed = self.input.host.clone();
        let Some(v) = self.out.get("hostname").cloned() else {
            return typed.to_ascii_lowercase();
        };
        match percent_expand(&v.value, &[('h', &typed)]) {
            Ok(h) => h.to_ascii_lowercase(),
            Err(e) => {
                self.diag_at(&v.origin, format!("HostName: {e}"));
                v.value.to_ascii_lowercase()
            }
        }
    }

    /// Store the resolved hostname (keeping a configured HostName's origin).
    fn set_hostname(&mut self, host: String) {
        let origin = self
            .out
            .get("hostname")
            .map(|v| v.origin.clone())
            .unwrap_or(Origin::Default);
        self.out.values.insert(
            "hostname".into(),
            vec![Value {
                value: host,
                origin,
            }],
        );
    }
}

/// Keywords that take exactly one argument (so a command-line value is one word).
fn single_argument(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Str
            | Kind::Int
            | Kind::Time
            | Kind::Port
            | Kind::FileList
            | Kind::Choice(_)
            | Kind::ForwardAgent
    )
}
