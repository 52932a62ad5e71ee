//! Keywords with several values: readconf.c's list rules and limits (at most 32 known-hosts
//! files and canonical domains, as ssh), forwards, SendEnv and SetEnv.

use super::keywords::{Fwd, Kind};
use super::pattern::match_pattern;
use super::reader::{Source, State};
use super::values;
use super::Value;

/// `SSH_MAX_HOSTS_FILES` and `MAX_CANON_DOMAINS` of readconf.h.
pub(crate) const MAX_HOSTS_FILES: usize = 32;
pub(crate) const MAX_CANON_DOMAINS: usize = 32;

impl State<'_> {
    /// The list kinds of [`State::apply`].
    pub(crate) fn apply_list(
        &mut self,
        key: &'static str,
        kind: Kind,
        args: &[String],
        src: &Source,
        active: bool,
        kw: &str,
    ) {
        match kind {
            Kind::HostsFiles => self.char_array(key, args, src, active, kw),
            Kind::LogVerbose => self.log_verbose(key, args, src, active, kw),
            Kind::CanonicalDomains => self.domains(args, src, active, kw),
            Kind::PermittedCnames => self.cnames(args, src, active, kw),
            Kind::PermitRemoteOpen => self.permit_remote_open(args, src, active, kw),
            Kind::Forward(which) => self.forward(key, which, args, src, active),
            Kind::SendEnv => self.send_env(args, src, active),
            Kind::SetEnv => self.set_env(args, src, active),
            _ => {}
        }
    }

    /// readconf.c `parse_char_array`: the first applicable line's arguments; `none` only
    /// alone; beyond 32 entries "too many KEYWORD entries." (those before it are kept).
    fn char_array(&mut self, key: &str, args: &[String], src: &Source, active: bool, kw: &str) {
        let empty_at_start = !self.out.values.contains_key(key);
        for (i, arg) in args.iter().enumerate() {
            if arg.is_empty() {
                return self.bad(src, format!("keyword {kw} empty argument"));
            }
            if arg.eq_ignore_ascii_case("none") && (i > 0 || args.len() > 1) {
                return self.bad(
                    src,
                    format!("keyword {kw} \"none\" argument must appear alone."),
                );
            }
            if active && empty_at_start {
                let list = self.out.values.entry(key.to_string()).or_default();
                if list.len() >= MAX_HOSTS_FILES {
                    return self.bad(src, format!("too many {kw} entries."));
                }
                list.push(Value {
                    value: arg.clone(),
                    origin: src.origin(),
                });
            }
        }
    }

    /// LogVerbose (and ChannelTimeout): as readconf.c 9.2 stores it, a value only while the
    /// list is empty, so only the first argument of the first applicable line is kept.
    fn log_verbose(&mut self, key: &str, args: &[String], src: &Source, active: bool, kw: &str) {
        for (i, arg) in args.iter().enumerate() {
            if arg.is_empty() {
                return self.bad(src, format!("keyword {kw} empty argument"));
            }
            if arg.eq_ignore_ascii_case("none") && (i > 0 || args.len() > 1) {
                return self.bad(
                    src,
                    format!("keyword {kw} \"none\" argument must appear alone."),
                );
            }
            if active && !self.out.values.contains_key(key) {
                self.out.values.insert(
                    key.to_string(),
                    vec![Value {
                        value: arg.clone(),
                        origin: src.origin(),
                    }],
                );
            }
        }
    }

    fn domains(&mut self, args: &[String], src: &Source, active: bool, kw: &str) {
        let set_before = self.out.values.contains_key("canonicaldomains");
        for (i, arg) in args.iter().enumerate() {
            if arg.is_empty() {
                return self.bad(src, format!("keyword {kw} empty argument"));
            }
            if arg.eq_ignore_ascii_case("none") && (i > 0 || args.len() > 1) {
                return self.bad(
                    src,
                    format!("keyword {kw} \"none\" argument must appear alone."),
                );
            }
            let domain = match values::valid_domain(arg) {
                Ok(d) => d,
                Err(e) => return self.bad(src, e),
            };
            if !active || set_before {
                continue;
            }
            let list = self
                .out
                .values
                .entry("canonicaldomains".into())
                .or_default();
            if list.len() >= MAX_CANON_DOMAINS {
                return self.bad(src, "too many hostname suffixes.");
            }
            list.push(Value {
                value: domain,
                origin: src.origin(),
            });
        }
    }

    fn cnames(&mut self, args: &[String], src: &Source, active: bool, kw: &str) {
        let key = "canonicalizepermittedcnames";
        let set_before = self.out.values.contains_key(key);
        for (i, arg) in args.iter().enumerate() {
            let rule = if arg.eq_ignore_ascii_case("none") {
                if i > 0 || args.len() > 1 {
                    return self.bad(
                        src,
                        format!("keyword {kw} \"none\" argument must appear alone."),
                    );
                }
                "none:".to_string()
            } else {
                match values::cname_rule(arg) {
                    Ok(r) => r,
                    Err(e) => return self.bad(src, e),
                }
            };
            if !active || set_before {
                continue;
            }
            let list = self.out.values.entry(key.into()).or_default();
            if list.len() >= MAX_CANON_DOMAINS {
                return self.bad(src, "too many permitted CNAMEs.");
            }
            list.push(Value {
                value: rule,
                origin: src.origin(),
            });
        }
    }

    /// PermitRemoteOpen: a bad `host:port` makes ssh exit at once.
    fn permit_remote_open(&mut self, args: &[String], src: &Source, active: bool, kw: &str) {
        let set_before = self.out.values.contains_key("permitremoteopen");
        if args.is_empty() {
            return self.fatal(src, "missing permitremoteopen specification");
        }
        for (i, arg) in args.iter().enumerate() {
            let alone = arg.eq_ignore_ascii_case("none") || arg.eq_ignore_ascii_case("any");
            if alone && (i > 0 || args.len() > 1) {
                return self.bad(
                    src,
                    format!("keyword {kw} \"{arg}\" argument must appear alone."),
                );
            }
            if !alone {
                if let Err(why) = values::permit_open(arg) {
                    return self.fatal(src, format!("{why} in permitremoteopen"));
                }
            }
            if active && !set_before {
                self.out
                    .values
                    .entry("permitremoteopen".into())
                    .or_default()
                    .push(Value {
                        value: arg.clone(),
                        origin: src.origin(),
                    });
            }
        }
    }

    /// LocalForward/RemoteForward/DynamicForward: parsed as ssh does, kept in order without
    /// duplicates; their socket paths are expanded when resolution ends.
    fn forward(&mut self, key: &str, which: Fwd, args: &[String], src: &Source, active: bool) {
        let Some(first) = args.first().filter(|a| !a.is_empty()) else {
            return self.bad(src, "Missing argument.");
        };
        let (spec, dynamic, used) = match (which, args.get(1).filter(|a| !a.is_empty())) {
            (Fwd::Dynamic, _) => (first.clone(), true, 1),
            (_, Some(second)) => (format!("{first}:{second}"), false, 2),
            (Fwd::Remote, None) => (first.clone(), true, 1),
            (Fwd::Local, None) => return self.bad(src, "Missing target argument."),
        };
        // readconf.c joins the two arguments into a 256-byte buffer.
        let spec: String = spec
            .chars()
            .scan(0, |n, c| {
                *n += c.len_utf8();
                (*n < 256).then_some(c)
            })
            .collect();
        let Some(fwd) = super::forward::parse(&spec, dynamic, which == Fwd::Remote) else {
            return self.bad(src, "Bad forwarding specification.");
        };
        if active {
            let list = if which == Fwd::Remote {
                "remoteforward"
            } else {
                "localforward"
            };
            if !self
                .forwards
                .iter()
                .any(|(k, f, _)| *k == list && *f == fwd)
            {
                self.forwards.push((list, fwd, src.origin()));
            }
        }
        if args.len() > used {
            self.bad(src, format!("keyword {key} extra arguments at end of line"));
        }
    }

    fn send_env(&mut self, args: &[String], src: &Source, active: bool) {
        for arg in args {
            if arg.is_empty() || arg.contains('=') {
                return self.bad(src, "Invalid environment name.");
            }
            if !active {
                continue;
            }
            if let Some(pattern) = arg.strip_prefix('-') {
                if let Some(list) = self.out.values.get_mut("sendenv") {
                    list.retain(|v| !match_pattern(&v.value, pattern));
                }
            } else {
                self.out
                    .values
                    .entry("sendenv".into())
                    .or_default()
                    .push(Value {
                        value: arg.clone(),
                        origin: src.origin(),
                    });
            }
        }
    }

    fn set_env(&mut self, args: &[String], src: &Source, active: bool) {
        let set_before = self.out.values.contains_key("setenv");
        for arg in args {
            if !arg.contains('=') {
                return self.bad(src, "Invalid SetEnv.");
            }
            if !active || set_before {
                continue;
            }
            let name = arg.split('=').next().unwrap_or("");
            let list = self.out.values.entry("setenv".into()).or_default();
            if list.iter().any(|v| v.value.split('=').next() == Some(name)) {
                continue;
            }
            list.push(Value {
                value: arg.clone(),
                origin: src.origin(),
            });
        }
    }
}
