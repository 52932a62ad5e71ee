//! Storing one keyword's arguments: readconf.c's validation (with ssh's wording) and its
//! first-obtained-wins rules, keyword by keyword.

use super::keywords::{Kind, FACILITY};
use super::lexer::Directive;
use super::reader::{Source, State};
use super::values;
use super::{AlgorithmLine, Value};

/// `SSH_MAX_IDENTITY_FILES` and `SSH_MAX_CERTIFICATE_FILES` of ssh.h.
const MAX_KEY_FILES: usize = 100;

impl State<'_> {
    /// Validate a directive (always, as ssh does) and store it if `active` and not yet set.
    pub(crate) fn apply(
        &mut self,
        key: &'static str,
        kind: Kind,
        d: &Directive,
        args: &[String],
        src: &Source,
        active: bool,
    ) {
        let kw = d.keyword.to_ascii_lowercase();
        let value = match kind {
            Kind::Choice(choices) => self.choice(key, choices, args, src),
            Kind::Facility => return self.facility(args, src),
            Kind::Str => self.string(args, src, &kw),
            Kind::Int => self.int(args, src, &kw),
            Kind::Time => return self.time(key, args.first(), src, active, &kw, args.len()),
            Kind::Port => self.port(args, src, &kw),
            Kind::Algorithms => self.algorithms(key, args, src, &kw),
            Kind::Agent => self.agent_path(args.first(), src).map(|v| (v, args.len())),
            Kind::Command => {
                let raw = d.rest.trim_start_matches([' ', '\t', '\r', '\n', '=']);
                Some((raw.to_string(), args.len()))
            }
            Kind::Jump => return self.jump(d, src, active),
            Kind::FileList => return self.file_list(key, args, src, active, &kw),
            Kind::ForwardAgent => return self.forward_agent(args, src, active, &kw),
            Kind::ControlPersist => self.control_persist(args, src),
            Kind::EscapeChar => {
                self.simple(args, src, "Bad escape character.", values::escape_char)
            }
            Kind::TunnelDevice => self.simple(args, src, "Bad tun device.", values::tunnel_device),
            Kind::BindMask => return self.bind_mask(args, src, &kw),
            Kind::IpQos => self.ipqos(args, src),
            Kind::AddKeysToAgent => match values::add_keys_to_agent(args) {
                Ok(v) => Some((v, 2)),
                Err(e) => return self.bad(src, e),
            },
            Kind::RekeyLimit => return self.rekey_limit(args, src, active, &kw),
            Kind::Ignored => return,
            Kind::Unsupported => {
                return self.logged(src, format!("Unsupported option \"{kw}\""));
            }
            _ => return self.apply_list(key, kind, args, src, active, &kw),
        };
        let Some((value, used)) = value else { return };
        self.set_first(key, vec![value], src, active);
        if args.len() > used {
            self.bad(src, format!("keyword {kw} extra arguments at end of line"));
        }
    }

    /// Store `values` for `key` if the block applies and nothing was stored before.
    pub(crate) fn set_first(&mut self, key: &str, values: Vec<String>, src: &Source, active: bool) {
        if active && !self.out.values.contains_key(key) {
            let origin = src.origin();
            let stored = values
                .into_iter()
                .map(|value| Value {
                    value,
                    origin: origin.clone(),
                })
                .collect();
            self.out.values.insert(key.to_string(), stored);
        }
    }

    /// Store one part of a keyword ssh keeps in two fields (first obtained each).
    pub(crate) fn set_part(
        &mut self,
        part: &'static str,
        value: String,
        src: &Source,
        active: bool,
    ) {
        if active && !self.parts.contains_key(part) {
            let origin = src.origin();
            self.parts.insert(part, Value { value, origin });
        }
    }

    /// The one argument of `parse_string`-style keywords ("Missing argument." without it).
    fn string(&mut self, args: &[String], src: &Source, _kw: &str) -> Option<(String, usize)> {
        match args.first().filter(|a| !a.is_empty()) {
            Some(a) => Some((a.clone(), 1)),
            None => {
                self.bad(src, "Missing argument.");
                None
            }
        }
    }

    fn choice(
        &mut self,
        key: &str,
        choices: super::keywords::Choices,
        args: &[String],
        src: &Source,
    ) -> Option<(String, usize)> {
        let Some(arg) = args.first().filter(|a| !a.is_empty()) else {
            self.bad(src, "missing argument.");
            return None;
        };
        let lower = arg.to_ascii_lowercase();
        if let Some((_, canon)) = choices.iter().find(|(spelling, _)| *spelling == lower) {
            return Some((canon.to_string(), 1));
        }
        let message = match key {
            "loglevel" => format!("unsupported log level '{arg}'"),
            "fingerprinthash" => {
                format!("Invalid hash algorithm \"{arg}\".")
            }
            _ => format!("unsupported option \"{arg}\"."),
        };
        self.bad(src, message);
        None
    }

    /// SyslogFacility: readconf.c stores the first one read even in a block that does not
    /// apply.
    fn facility(&mut self, args: &[String], src: &Source) {
        let arg = args.first().map(String::as_str).unwrap_or("");
        let lower = arg.to_ascii_lowercase();
        match FACILITY.iter().find(|(spelling, _)| *spelling == lower) {
            Some((_, canon)) => {
                self.set_first("syslogfacility", vec![canon.to_string()], src, true)
            }
            None => return self.bad(src, format!("unsupported log facility '{arg}'")),
        }
        if args.len() > 1 {
            self.bad(src, "keyword syslogfacility extra arguments at end of line");
        }
    }

    fn int(&mut self, args: &[String], src: &Source, _kw: &str) -> Option<(String, usize)> {
        match values::atoi_err(args.first().map(String::as_str)) {
            Ok(n) => Some((n.to_string(), 1)),
            Err(e) => {
                self.bad(src, format!("integer value {e}."));
                None
            }
        }
    }

    /// readconf.c `parse_time`: `none` leaves the value unset, so a later line still sets it.
    fn time(
        &mut self,
        key: &str,
        arg: Option<&String>,
        src: &Source,
        active: bool,
        kw: &str,
        nargs: usize,
    ) {
        let Some(arg) = arg.filter(|a| !a.is_empty()) else {
            return self.bad(src, "missing time value.");
        };
        if arg != "none" {
            match values::convtime(arg) {
                Some(secs) => self.set_first(key, vec![secs.to_string()], src, active),
                None => return self.bad(src, "invalid time value."),
            }
        }
        if nargs > 1 {
            self.bad(src, format!("keyword {kw} extra arguments at end of line"));
        }
    }

    fn port(&mut self, args: &[String], src: &Source, _kw: &str) -> Option<(String, usize)> {
        let arg = self.string(args, src, "")?.0;
        match values::a2port(&arg).filter(|p| *p > 0) {
            Some(p) => Some((p.to_string(), 1)),
            None => {
                self.bad(src, format!("Bad port '{arg}'."));
                None
            }
        }
    }

    /// An algorithm list: kept raw, and every line (active or not) recorded for validation
    /// against the installed client's algorithms.
    fn algorithms(
        &mut self,
        key: &str,
        args: &[String],
        src: &Source,
        kw: &str,
    ) -> Option<(String, usize)> {
        let (arg, used) = self.string(args, src, kw)?;
        let line = AlgorithmLine {
            keyword: key.to_string(),
            value: Value {
                value: arg.clone(),
                origin: src.origin(),
            },
        };
        if !self.final_pass && !self.out.algorithm_lines.contains(&line) {
            self.out.algorithm_lines.push(line);
        }
        Some((arg, used))
    }

    /// readconf.c `parse_agent_path` (IdentityAgent, ForwardAgent paths): `${VAR}` must be
    /// well-formed and `$NAME` a valid name.
    fn agent_path(&mut self, arg: Option<&String>, src: &Source) -> Option<String> {
        let Some(arg) = arg.filter(|a| !a.is_empty()) else {
            self.bad(src, "Missing argument.");
            return None;
        };
        let bad_expansion = match super::tokens::dollar_expand(arg) {
            Ok(_) => false,
            Err(e) => !e.contains("has no value"),
        };
        if bad_expansion {
            self.bad(src, format!("Invalid environment expansion {arg}."));
            return None;
        }
        if let Some(name) = arg.strip_prefix('$').filter(|n| !n.starts_with('{')) {
            if !super::tokens::valid_env_name(name) {
                self.bad(src, format!("Invalid environment name {arg}."));
                return None;
            }
        }
        Some(arg.clone())
    }

    /// ForwardAgent: a flag, or a socket path that also turns forwarding on; ssh keeps the
    /// two apart (each first obtained), and `ssh -G` shows the path when there is one.
    fn forward_agent(&mut self, args: &[String], src: &Source, active: bool, kw: &str) {
        let Some(arg) = args.first().filter(|a| !a.is_empty()) else {
            return self.bad(src, "missing argument.");
        };
        match arg.to_ascii_lowercase().as_str() {
            "yes" | "true" => self.set_part("forwardagent.flag", "yes".into(), src, active),
            "no" | "false" => self.set_part("forwardagent.flag", "no".into(), src, active),
            _ => {
                let Some(path) = self.agent_path(Some(arg), src) else {
                    return;
                };
                self.set_part("forwardagent.flag", "yes".into(), src, active);
                self.set_part("forwardagent.path", path, src, active);
            }
        }
        if args.len() > 1 {
            self.bad(src, format!("keyword {kw} extra arguments at end of line"));
        }
    }

    fn control_persist(&mut self, args: &[String], src: &Source) -> Option<(String, usize)> {
        let Some(arg) = args.first().filter(|a| !a.is_empty()) else {
            self.bad(src, "Missing ControlPersist argument.");
            return None;
        };
        let shown = match arg.as_str() {
            "no" | "false" => "no".to_string(),
            "yes" | "true" => "yes".to_string(),
            _ => match values::convtime(arg) {
                Some(0) => "yes".to_string(),
                Some(secs) => secs.to_string(),
                None => {
                    self.bad(src, "Bad ControlPersist argument.");
                    return None;
                }
            },
        };
        Some((shown, 1))
    }

    /// A one-argument keyword with a parser that gives the shown value or None ("Missing
    /// argument." when there is none, `bad` when the parser refuses).
    fn simple(
        &mut self,
        args: &[String],
        src: &Source,
        bad: &str,
        parse: fn(&str) -> Option<String>,
    ) -> Option<(String, usize)> {
        let arg = self.string(args, src, "")?.0;
        match parse(&arg) {
            Some(v) => Some((v, 1)),
            None => {
                self.bad(src, bad.to_string());
                None
            }
        }
    }

    /// StreamLocalBindMask: set by every line, applying or not; the last one wins.
    fn bind_mask(&mut self, args: &[String], src: &Source, kw: &str) {
        let Some(arg) = args.first().filter(|a| !a.is_empty()) else {
            return self.bad(src, "Missing StreamLocalBindMask argument.");
        };
        match values::bind_mask(arg) {
            Some(v) => {
                let origin = src.origin();
                self.out.values.insert(
                    "streamlocalbindmask".into(),
                    vec![Value { value: v, origin }],
                );
            }
            None => return self.bad(src, "Bad mask."),
        }
        if args.len() > 1 {
            self.bad(src, format!("keyword {kw} extra arguments at end of line"));
        }
    }

    fn ipqos(&mut self, args: &[String], src: &Source) -> Option<(String, usize)> {
        let arg = args.first().map(String::as_str).unwrap_or("");
        let Some(first) = values::ipqos(arg) else {
            self.bad(src, format!("Bad IPQoS value: {arg}"));
            return None;
        };
        let second = match args.get(1) {
            None => first,
            Some(a) => match values::ipqos(a) {
                Some(v) => v,
                None => {
                    self.bad(src, format!("Bad IPQoS value: {a}"));
                    return None;
                }
            },
        };
        let shown = format!(
            "{} {}",
            values::iptos_name(first),
            values::iptos_name(second)
        );
        Some((shown, 2))
    }

    /// RekeyLimit: the byte limit and the optional interval are stored apart (each first
    /// obtained); an interval of `none` is skipped.
    fn rekey_limit(&mut self, args: &[String], src: &Source, active: bool, kw: &str) {
        let Some(arg) = args.first().filter(|a| !a.is_empty()) else {
            return self.bad(src, "Missing argument.");
        };
        let bytes = if arg == "default" {
            0
        } else {
            match values::scan_scaled(arg) {
                Err(e) => return self.bad(src, format!("Bad number '{arg}': {e}")),
                Ok(v) if v != 0 && v < 16 => return self.bad(src, "RekeyLimit too small"),
                Ok(v) => v,
            }
        };
        self.set_part("rekeylimit.bytes", bytes.to_string(), src, active);
        match args.get(1).map(String::as_str) {
            None | Some("none") => {}
            Some(t) => match values::convtime(t) {
                Some(secs) => self.set_part("rekeylimit.interval", secs.to_string(), src, active),
                None => return self.bad(src, "invalid time value."),
            },
        }
        if args.len() > 2 {
            self.bad(src, format!("keyword {kw} extra arguments at end of line"));
        }
    }

    /// IdentityFile/CertificateFile: accumulate, without duplicates, at most 100.
    fn file_list(&mut self, key: &str, args: &[String], src: &Source, active: bool, kw: &str) {
        let Some((arg, _)) = self.string(args, src, kw) else {
            return;
        };
        if active {
            let list = self.out.values.entry(key.to_string()).or_default();
            if list.len() >= MAX_KEY_FILES {
                let what = if key == "identityfile" {
                    "identity"
                } else {
                    "certificate"
                };
                return self.bad(
                    src,
                    format!("Too many {what} files specified (max {MAX_KEY_FILES})."),
                );
            }
            if !list.iter().any(|v| v.value == arg) {
                list.push(Value {
                    value: arg,
                    origin: src.origin(),
                });
            }
        }
        if args.len() > 1 {
            self.bad(src, format!("keyword {kw} extra arguments at end of line"));
        }
    }
}
