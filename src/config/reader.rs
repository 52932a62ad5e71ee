//! The reading passes: command line, files, `Host`/`Match` blocks and `Include`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::criteria::{self, MatchContext};
use super::forward::Forward;
use super::keywords::{self, Kind};
use super::lexer::{argv_split, Directive};
use super::pattern::{host_line_matches, match_pattern_list, ListMatch};
use super::tokens::percent_expand;
use super::{ConfigInput, Diagnostic, Origin, Reaction, ResolvedConfig, Value};

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
    /// Where a value came from, as a source (line 0 for the command line and defaults).
    pub(crate) fn at(origin: &Origin) -> Source {
        match origin {
            Origin::File { path, line } => Source {
                path: Some(path.clone()),
                line: *line,
            },
            _ => Source {
                path: None,
                line: 0,
            },
        }
    }

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
    /// Diagnostics already recorded (the final pass reads every file again).
    /// Hash of each recorded diagnostic → its indices in `out.diagnostics` (kept small: a
    /// file of forty thousand bad lines costs one u64 and one index each here).
    seen: HashMap<u64, Vec<usize>>,
    /// Files already in `out.files_read`.
    pub files_seen: HashSet<PathBuf>,
    /// ssh has stopped (a fatal error such as Include nested too deep): nothing more is read.
    pub aborted: bool,
    /// A `Match` line (file, line) taken to match although it has unevaluated criteria: how
    /// the what-if resolution of [`super::whatif`] asks "what if this block applied".
    pub assume: Option<(PathBuf, usize)>,
    /// `Match` lines whose block would apply if their unevaluated criteria held.
    pub pending: Vec<(PathBuf, usize, Vec<String>)>,
    /// Forwards in order, per list (`localforward` or `remoteforward`), paths unexpanded.
    pub forwards: Vec<(&'static str, Forward, Origin)>,
    /// Halves of keywords ssh keeps in two fields, each first obtained
    /// (`forwardagent.flag`/`.path`, `rekeylimit.bytes`/`.interval`).
    pub parts: BTreeMap<&'static str, Value>,
}

/// Resolve `input` (see [`super::resolve`]).
pub(crate) fn resolve(input: &ConfigInput) -> ResolvedConfig {
    let st = resolve_with(input, None);
    let pending = st.pending.clone();
    let mut out = st.out;
    out.exec_blocks = super::whatif::blocks(input, &out, &pending);
    out
}

/// One resolution; `assume` names a `Match` line to take as matching.
pub(crate) fn resolve_with(input: &ConfigInput, assume: Option<(PathBuf, usize)>) -> State<'_> {
    let tilde_home = input
        .passwd_home
        .clone()
        .unwrap_or_else(|| input.home.clone());
    let mut st = State {
        input,
        out: ResolvedConfig {
            home: tilde_home,
            original_host: input.host.clone(),
            ..ResolvedConfig::default()
        },
        match_host: input.host.clone(),
        final_pass: false,
        want_final: false,
        seen: HashMap::new(),
        files_seen: HashSet::new(),
        aborted: false,
        assume,
        pending: Vec::new(),
        forwards: Vec::new(),
        parts: BTreeMap::new(),
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
    if st.want_final && !st.aborted {
        st.final_pass = true;
        st.match_host = resolved;
        st.read_all_files();
    }
    super::expand::finish(&mut st);
    super::defaults::fill(&mut st);
    st
}

/// See [`super::check_command_line`]: the options alone, as ssh processes `-o` at once.
pub(crate) fn check_command_line(options: &[(String, String)]) -> Result<(), (usize, String)> {
    let input = ConfigInput {
        options: options.to_vec(),
        ..ConfigInput::default()
    };
    let mut st = State {
        input: &input,
        out: ResolvedConfig::default(),
        match_host: String::new(),
        final_pass: false,
        want_final: false,
        seen: HashMap::new(),
        files_seen: HashSet::new(),
        aborted: false,
        assume: None,
        pending: Vec::new(),
        forwards: Vec::new(),
        parts: BTreeMap::new(),
    };
    for i in 0..options.len() {
        st.command_line_option(i);
        if let Some(d) = st.out.diagnostics.iter().find(|d| d.refuses()) {
            return Err((i, d.message.clone()));
        }
    }
    if st.first("connectionattempts") == Some("0") {
        let i = options
            .iter()
            .position(|(k, _)| k.eq_ignore_ascii_case("connectionattempts"))
            .unwrap_or(0);
        return Err((i, "Invalid number of ConnectionAttempts".into()));
    }
    Ok(())
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

    /// The directory ssh expands `~` and `%d` to: the passwd entry's.
    pub(crate) fn tilde_home(&self) -> &Path {
        self.input
            .passwd_home
            .as_deref()
            .unwrap_or(&self.input.home)
    }

    /// Record a diagnostic once (the final pass re-reads every file).
    pub(crate) fn diag_full(
        &mut self,
        src: &Source,
        message: impl Into<String>,
        reaction: Reaction,
        since: Option<(u32, u32)>,
    ) {
        let d = Diagnostic {
            path: src
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from(COMMAND_LINE)),
            line: src.line,
            message: message.into(),
            reaction,
            since,
        };
        let hash = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            d.hash(&mut h);
            h.finish()
        };
        let same = self.seen.entry(hash).or_default();
        if same.iter().all(|&i| self.out.diagnostics[i] != d) {
            same.push(self.out.diagnostics.len());
            self.out.diagnostics.push(d);
        }
    }

    /// A bad option: ssh reads on, then terminates.
    pub(crate) fn bad(&mut self, src: &Source, message: impl Into<String>) {
        self.diag_full(src, message, Reaction::BadOption, None);
    }

    /// A fatal error: ssh stops at once.
    pub(crate) fn fatal(&mut self, src: &Source, message: impl Into<String>) {
        self.diag_full(src, message, Reaction::Fatal, None);
    }

    /// A problem ssh only prints.
    pub(crate) fn logged(&mut self, src: &Source, message: impl Into<String>) {
        self.diag_full(src, message, Reaction::Logged, None);
    }

    /// Record a fatal diagnostic at a value's origin (expansion errors found after reading).
    pub(crate) fn fatal_at(&mut self, origin: &Origin, message: impl Into<String>) {
        self.fatal(&Source::at(origin), message);
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
            reaction: Reaction::Logged,
            since: None,
        };
        if !self.out.unevaluated.contains(&d) {
            self.out.unevaluated.push(d);
        }
    }

    /// Process `ConfigInput::options` as ssh processes its command line.
    pub(crate) fn command_line(&mut self) {
        for i in 0..self.input.options.len() {
            self.command_line_option(i);
        }
    }

    fn command_line_option(&mut self, i: usize) {
        let (keyword, value) = &self.input.options[i];
        let src = Source {
            path: None,
            line: i + 1,
        };
        let directive = Directive {
            keyword: keyword.clone(),
            rest: value.trim().to_string(),
        };
        if directive.rest.is_empty() {
            let kw = keyword.to_ascii_lowercase();
            return self.bad(&src, format!("no argument after keyword \"{kw}\""));
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

    /// One directive: readconf.c's `process_config_line_depth`.
    pub(crate) fn process(
        &mut self,
        d: &Directive,
        src: &Source,
        active: &mut bool,
        flags: FileFlags,
        cmdline: bool,
    ) {
        let lower = d.keyword.to_ascii_lowercase();
        let looked_up = keywords::lookup(&lower);
        let since = looked_up.and_then(|(canon, _)| keywords::since(canon));
        if looked_up.is_none() || since.is_some() {
            let ignored = self
                .first("ignoreunknown")
                .is_some_and(|list| match_pattern_list(&lower, list, true) == ListMatch::Matched);
            if looked_up.is_none() {
                if !ignored {
                    self.bad(src, format!("Bad configuration option: {lower}"));
                }
                return;
            }
            if !ignored {
                let message = format!("Bad configuration option: {lower}");
                self.diag_full(src, message, Reaction::BadOption, since);
            }
        }
        let Some((canon, kind)) = looked_up else {
            return;
        };
        let args = match argv_split(&d.rest) {
            Ok(a) => a,
            Err(e) => return self.bad(src, e),
        };
        if cmdline && matches!(kind, Kind::Host | Kind::Match | Kind::Include) {
            let what = if kind == Kind::Include {
                "Include"
            } else {
                "Host"
            };
            return self.bad(
                src,
                format!("{what} directive not supported as a command-line option"),
            );
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
            self.bad(src, "keyword host empty argument");
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
                for (attribute, since) in &r.newer {
                    let message =
                        format!("Bad Match condition (Unsupported Match attribute {attribute})");
                    self.diag_full(src, message, Reaction::BadOption, Some(*since));
                }
                self.want_final |= r.wants_final;
                let here = src.path.clone().map(|p| (p, src.line));
                let assumed = here.is_some() && here == self.assume;
                let matched = r.matched || (assumed && !r.unevaluated.is_empty());
                *active = !flags.never_match && matched;
                if !flags.never_match && !r.unevaluated.is_empty() {
                    if let Some((path, line)) = here {
                        if !self
                            .pending
                            .iter()
                            .any(|(p, l, _)| *p == path && *l == line)
                        {
                            self.pending.push((path, line, r.unevaluated));
                        }
                    }
                }
            }
            Err(e) => {
                self.bad(src, format!("Bad Match condition ({e})"));
                *active = false;
            }
        }
    }

    /// The host after HostName substitution (`%h` is the host as typed), lowercased unless
    /// it is an address (ssh.c).
    fn resolved_hostname(&mut self) -> String {
        let typed = self.input.host.clone();
        let lower = |h: String| {
            if h.parse::<std::net::IpAddr>().is_ok() {
                h
            } else {
                h.to_ascii_lowercase()
            }
        };
        let Some(v) = self.out.get("hostname").cloned() else {
            return lower(typed);
        };
        match percent_expand(&v.value, &[('h', &typed)]) {
            Ok(h) => lower(h),
            Err(e) => {
                self.fatal_at(&v.origin, format!("HostName: {e}"));
                lower(v.value)
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
