//! Storing one keyword's arguments: validation and OpenSSH's first-obtained-wins rules.

use super::keywords::Kind;
use super::lexer::Directive;
use super::pattern::match_pattern;
use super::reader::{Source, State};
use super::tokens::convtime;
use super::Value;

impl State<'_> {
    /// Validate a directive (always, as ssh does) and store it if `active` and not yet set.
    pub(crate) fn apply(
        &mut self,
        key: &str,
        kind: Kind,
        d: &Directive,
        args: &[String],
        src: &Source,
        active: bool,
    ) {
        let kw = d.keyword.to_ascii_lowercase();
        let values: Vec<String> = match kind {
            Kind::Choice(choices) => {
                let Some(arg) = self.one_arg(args, src, &kw) else {
                    return;
                };
                let lower = arg.to_ascii_lowercase();
                match choices.iter().find(|(spelling, _)| *spelling == lower) {
                    Some((_, canon)) => vec![canon.to_string()],
                    None => {
                        return self.diag(src, format!("unsupported option \"{arg}\" for {kw}"))
                    }
                }
            }
            Kind::Str => {
                let Some(arg) = self.one_arg(args, src, &kw) else {
                    return;
                };
                vec![arg]
            }
            Kind::Int => {
                let Some(arg) = self.one_arg(args, src, &kw) else {
                    return;
                };
                match arg.parse::<u32>() {
                    Ok(n) if n <= i32::MAX as u32 => vec![n.to_string()],
                    _ => {
                        return self.diag(src, format!("integer value \"{arg}\" invalid for {kw}"))
                    }
                }
            }
            Kind::Time => {
                let Some(arg) = self.one_arg(args, src, &kw) else {
                    return;
                };
                if arg == "none" {
                    vec![arg]
                } else {
                    match convtime(&arg) {
                        Some(secs) => vec![secs.to_string()],
                        None => {
                            return self.diag(src, format!("invalid time value \"{arg}\" for {kw}"))
                        }
                    }
                }
            }
            Kind::Port => {
                let Some(arg) = self.one_arg(args, src, &kw) else {
                    return;
                };
                match parse_port(&arg) {
                    Some(p) => vec![p.to_string()],
                    None => return self.diag(src, format!("Bad port '{arg}'")),
                }
            }
            Kind::List => {
                if let Err(e) = check_list(args, &kw) {
                    return self.diag(src, e);
                }
                args.to_vec()
            }
            Kind::Words(max) => {
                if args.is_empty() || args.len() > max {
                    return self.diag(src, format!("keyword {kw} takes 1 to {max} arguments"));
                }
                vec![args.join(" ")]
            }
            Kind::Command => vec![d.rest.trim_start_matches([' ', '\t', '=']).to_string()],
            Kind::Jump => return self.jump(d, src, active),
            Kind::FileList => {
                let Some(arg) = self.one_arg(args, src, &kw) else {
                    return;
                };
                if active {
                    self.push_unique(key, arg, src);
                }
                return;
            }
            Kind::Forward { min, max } => {
                if args.len() < min || args.len() > max || args.iter().any(String::is_empty) {
                    return self.diag(src, format!("Bad forwarding specification for {kw}"));
                }
                if active {
                    self.push_unique(key, args.join(" "), src);
                }
                return;
            }
            Kind::SendEnv => return self.send_env(args, src, active),
            Kind::SetEnv => return self.set_env(args, src, active),
            Kind::ForwardAgent => {
                let Some(arg) = self.one_arg(args, src, &kw) else {
                    return;
                };
                vec![match arg.to_ascii_lowercase().as_str() {
                    "yes" | "true" => "yes".to_string(),
                    "no" | "false" => "no".to_string(),
                    _ => arg,
                }]
            }
            Kind::ControlPersist => {
                let Some(arg) = self.one_arg(args, src, &kw) else {
                    return;
                };
                match arg.as_str() {
                    "yes" | "true" => vec!["yes".into()],
                    "no" | "false" => vec!["no".into()],
                    _ => match convtime(&arg) {
                        Some(secs) => vec![secs.to_string()],
                        None => return self.diag(src, "Bad ControlPersist argument"),
                    },
                }
            }
            Kind::EscapeChar => {
                let Some(arg) = self.one_arg(args, src, &kw) else {
                    return;
                };
                let chars: Vec<char> = arg.chars().collect();
                let ok = arg == "none"
                    || chars.len() == 1
                    || (chars.len() == 2
                        && chars[0] == '^'
                        && (64..128).contains(&(chars[1] as u32)));
                if !ok {
                    return self.diag(src, "Bad escape character");
                }
                vec![arg]
            }
            Kind::Ignored => return,
            Kind::Unsupported => {
                return self.diag(
                    src,
                    format!("Unsupported option \"{kw}\" (OpenSSH ignores it)"),
                );
            }
            Kind::Host | Kind::Match | Kind::Include => return,
        };
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

    /// Exactly one argument: a missing one is an error; extra ones are reported but, as in
    /// ssh (which stores before checking), the first is still used.
    fn one_arg(&mut self, args: &[String], src: &Source, kw: &str) -> Option<String> {
        match args {
            [] => {
                self.diag(src, format!("missing argument for {kw}"));
                None
            }
            [a] if a.is_empty() => {
                self.diag(src, format!("missing argument for {kw}"));
                None
            }
            [a] => Some(a.clone()),
            [a, ..] => {
                self.diag(src, format!("keyword {kw} extra arguments at end of line"));
                Some(a.clone())
            }
        }
    }

    fn push_unique(&mut self, key: &str, value: String, src: &Source) {
        let list = self.out.values.entry(key.to_string()).or_default();
        if !list.iter().any(|v| v.value == value) {
            list.push(Value {
                value,
                origin: src.origin(),
            });
        }
    }

    /// ProxyJump: ignored once ProxyCommand or ProxyJump is set; a real jump host also
    /// sets ProxyCommand to `none` (hidden later), as readconf.c's `parse_jump` does.
    fn jump(&mut self, d: &Directive, src: &Source, active: bool) {
        let raw = d.rest.trim_start_matches([' ', '\t', '=']);
        let raw = raw.split('#').next().unwrap_or("").trim_end().to_string();
        let valid = !raw.is_empty()
            && (raw.eq_ignore_ascii_case("none") || raw.split(',').all(valid_jump_hop));
        if !valid {
            return self.diag(src, format!("Invalid ProxyJump \"{raw}\""));
        }
        let blocked = self.out.values.contains_key("proxycommand")
            || self.out.values.contains_key("proxyjump");
        if !active || blocked {
            return;
        }
        let origin = src.origin();
        if !raw.eq_ignore_ascii_case("none") {
            self.out.values.insert(
                "proxycommand".into(),
                vec![Value {
                    value: "none".into(),
                    origin: origin.clone(),
                }],
            );
        }
        self.out
            .values
            .insert("proxyjump".into(), vec![Value { value: raw, origin }]);
    }

    fn send_env(&mut self, args: &[String], src: &Source, active: bool) {
        if args.iter().any(|a| a.is_empty() || a.contains('=')) {
            return self.diag(src, "Invalid environment name in SendEnv");
        }
        if !active {
            return;
        }
        for arg in args {
            if let Some(pattern) = arg.strip_prefix('-') {
                if let Some(list) = self.out.values.get_mut("sendenv") {
                    list.retain(|v| !match_pattern(&v.value, pattern));
                }
            } else {
                let origin = src.origin();
                self.out
                    .values
                    .entry("sendenv".into())
                    .or_default()
                    .push(Value {
                        value: arg.clone(),
                        origin,
                    });
            }
        }
    }

    fn set_env(&mut self, args: &[String], src: &Source, active: bool) {
        if args.iter().any(|a| !a.contains('=')) {
            return self.diag(src, "Invalid SetEnv");
        }
        if !active || self.out.values.contains_key("setenv") {
            return;
        }
        let mut stored: Vec<Value> = Vec::new();
        for arg in args {
            let name = arg.split('=').next().unwrap_or("");
            if stored
                .iter()
                .any(|v| v.value.split('=').next() == Some(name))
            {
                continue;
            }
            stored.push(Value {
                value: arg.clone(),
                origin: src.origin(),
            });
        }
        self.out.values.insert("setenv".into(), stored);
    }
}

/// OpenSSH's `a2port` (1..=65535, or a TCP service name); 0 is rejected by the caller in ssh.
fn parse_port(s: &str) -> Option<u16> {
    match s.parse::<u16>() {
        Ok(0) => None,
        Ok(p) => Some(p),
        Err(_) if s.chars().all(|c| c.is_ascii_digit() || c == '+') => None,
        Err(_) => super::system::service_port(s).filter(|p| *p != 0),
    }
}

/// A list keyword's arguments: none empty, `none` only alone.
fn check_list(args: &[String], kw: &str) -> Result<(), String> {
    if args.is_empty() || args.iter().any(String::is_empty) {
        return Err(format!("keyword {kw} empty argument"));
    }
    if args.len() > 1 && args.iter().any(|a| a.eq_ignore_ascii_case("none")) {
        return Err(format!("keyword {kw} \"none\" argument must appear alone."));
    }
    Ok(())
}

/// One ProxyJump hop: `[user@]host[:port]` or an `ssh://` URI.
fn valid_jump_hop(hop: &str) -> bool {
    let hop = hop
        .strip_prefix("ssh://")
        .unwrap_or(hop)
        .trim_end_matches('/');
    let host_port = hop.rsplit_once('@').map_or(hop, |(_, h)| h);
    if host_port.is_empty() || hop.contains(char::is_whitespace) {
        return false;
    }
    if let Some(inner) = host_port.strip_prefix('[') {
        return match inner.split_once(']') {
            Some((h, rest)) => {
                !h.is_empty()
                    && (rest.is_empty() || rest.strip_prefix(':').and_then(parse_port).is_some())
            }
            None => false,
        };
    }
    match host_port.split_once(':') {
        Some((h, port)) if !port.contains(':') => !h.is_empty() && parse_port(port).is_some(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(parse_port("22"), Some(22));
        assert_eq!(parse_port("65535"), Some(65535));
        assert_eq!(parse_port("0"), None);
        assert_eq!(parse_port("65536"), None);
        assert_eq!(parse_port("-1"), None);
        assert_eq!(parse_port(""), None);
    }

    #[test]
    fn jump_hops() {
        for ok in [
            "h",
            "u@h",
            "u@h:22",
            "ssh://u@h:22",
            "[::1]:22",
            "::1",
            "a.b",
        ] {
            assert!(valid_jump_hop(ok), "{ok}");
        }
        for bad in ["", "u@", "h:notaport", "h:0", "[::1", "a b"] {
            assert!(!valid_jump_hop(bad), "{bad}");
        }
    }

    #[test]
    fn lists() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_list(&v(&["a", "b"]), "k").is_ok());
        assert!(check_list(&v(&["none"]), "k").is_ok());
        assert!(check_list(&v(&["a", "none"]), "k").is_err());
        assert!(check_list(&v(&[""]), "k").is_err());
    }
}
