//! `Match` line evaluation, following readconf.c's `match_cfg_line`.

use super::lexer::strdelim_tokens;
use super::pattern::{match_hostname, match_pattern_list, ListMatch};

/// What a `Match` line is evaluated against, as known at that point of the config.
#[derive(Debug, Clone)]
pub(crate) struct MatchContext<'a> {
    /// The host for `Match host`: HostName (with `%h`) if set so far, else the host as typed.
    pub host: &'a str,
    /// The host as typed (`Match originalhost`).
    pub original_host: &'a str,
    /// The remote user so far (configured User, else the local user).
    pub remote_user: &'a str,
    /// The local user (`Match localuser`).
    pub local_user: &'a str,
    /// The `Tag` so far (`Match tagged`), empty if none.
    pub tag: &'a str,
    /// Whether this is the final (second) pass.
    pub final_pass: bool,
}

/// The outcome of a well-formed `Match` line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct MatchResult {
    /// Whether the block applies (false when any criterion could not be evaluated).
    pub matched: bool,
    /// Criteria that were not evaluated (e.g. `exec "cmd"`), set only when every other
    /// criterion matched, i.e. when the block would apply if these held.
    pub unevaluated: Vec<String>,
    /// The line contains `final` (ssh then makes a second, final pass).
    pub wants_final: bool,
    /// Attributes added after OpenSSH 9.2, with the release that added them (older clients
    /// refuse the line: "Unsupported Match attribute").
    pub newer: Vec<(String, (u32, u32))>,
}

/// Evaluate the arguments of a `Match` line. `Err` carries ssh's complaint.
pub(crate) fn evaluate(args: &str, ctx: &MatchContext<'_>) -> Result<MatchResult, String> {
    let tokens = strdelim_tokens(args)?;
    let mut out = MatchResult::default();
    let mut result = true;
    let mut attributes = 0usize;
    let mut pending: Vec<String> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let oattrib = tokens[i].as_str();
        i += 1;
        if oattrib.is_empty() || oattrib.starts_with('#') {
            break;
        }
        let negate = oattrib.starts_with('!');
        let attrib = if negate { &oattrib[1..] } else { oattrib }.to_ascii_lowercase();
        if attrib == "all" {
            let next_is_arg = tokens
                .get(i)
                .is_some_and(|t| !t.is_empty() && !t.starts_with('#'));
            if attributes > 1 || next_is_arg {
                return Err(format!(
                    "'{oattrib}' cannot be combined with other Match attributes"
                ));
            }
            if result {
                result = !negate;
            }
            return Ok(finish(out, result, pending));
        }
        attributes += 1;
        if attrib == "canonical" || attrib == "final" {
            if attrib == "final" {
                out.wants_final = true;
            }
            if ctx.final_pass == negate {
                result = false;
            }
            continue;
        }
        let arg = match tokens.get(i) {
            Some(a) if !a.is_empty() && !a.starts_with('#') => a.as_str(),
            _ => return Err(format!("Missing Match criteria for {attrib}")),
        };
        i += 1;
        match attrib.as_str() {
            "tagged" | "localnetwork" => out.newer.push((attrib.clone(), (9, 4))),
            "version" | "sessiontype" | "command" => out.newer.push((attrib.clone(), (10, 0))),
            _ => {}
        }
        let hit = match attrib.as_str() {
            "host" => match_hostname(ctx.host, arg),
            "originalhost" => match_hostname(ctx.original_host, arg),
            "user" => match_pattern_list(ctx.remote_user, arg, false) == ListMatch::Matched,
            "localuser" => match_pattern_list(ctx.local_user, arg, false) == ListMatch::Matched,
            "tagged" => match_pattern_list(ctx.tag, arg, false) == ListMatch::Matched,
            "exec" | "localnetwork" | "version" | "sessiontype" | "command" => {
                pending.push(format!("{oattrib} \"{arg}\""));
                continue;
            }
            _ => return Err(format!("Unsupported Match attribute {attrib}")),
        };
        if hit == negate {
            result = false;
        }
    }
    if attributes == 0 {
        return Err("One or more attributes required for Match".to_string());
    }
    Ok(finish(out, result, pending))
}

fn finish(mut out: MatchResult, result: bool, pending: Vec<String>) -> MatchResult {
    out.matched = result && pending.is_empty();
    if result {
        out.unevaluated = pending;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(final_pass: bool) -> MatchContext<'static> {
        MatchContext {
            host: "real.example.com",
            original_host: "alias",
            remote_user: "bob",
            local_user: "alice",
            tag: "",
            final_pass,
        }
    }

    fn m(args: &str) -> bool {
        evaluate(args, &ctx(false)).unwrap().matched
    }

    #[test]
    fn simple_criteria() {
        assert!(m("all"));
        assert!(!m("!all"));
        assert!(m("host *.example.com"));
        assert!(m("Host REAL.example.com"));
        assert!(!m("host alias"));
        assert!(m("originalhost alias"));
        assert!(m("user bob"));
        assert!(!m("user BOB"));
        assert!(m("localuser alice"));
        assert!(m("!localuser bob"));
        assert!(m("host real*,other user b*"));
        assert!(!m("host real* user x"));
        assert!(m("host !x,*"));
        assert!(!m("host !real*,*"));
        assert!(m("host=real.example.com"));
        assert!(m("host *.com # trailing comment"));
    }

    #[test]
    fn final_and_canonical() {
        let first = evaluate("final", &ctx(false)).unwrap();
        assert!(!first.matched && first.wants_final);
        assert!(evaluate("final", &ctx(true)).unwrap().matched);
        assert!(evaluate("canonical", &ctx(true)).unwrap().matched);
        assert!(!evaluate("canonical", &ctx(false)).unwrap().wants_final);
        assert!(evaluate("!final", &ctx(false)).unwrap().matched);
        assert!(evaluate("final all", &ctx(true)).unwrap().matched);
        assert!(
            evaluate("canonical host real*", &ctx(true))
                .unwrap()
                .matched
        );
    }

    #[test]
    fn exec_is_not_run() {
        let r = evaluate("exec \"test -f /x\" host real*", &ctx(false)).unwrap();
        assert!(!r.matched);
        assert_eq!(r.unevaluated, vec!["exec \"test -f /x\"".to_string()]);
        let r = evaluate("host nomatch exec true", &ctx(false)).unwrap();
        assert!(!r.matched && r.unevaluated.is_empty());
        let r = evaluate("!exec false", &ctx(false)).unwrap();
        assert!(!r.matched && r.unevaluated.len() == 1);
        let r = evaluate("localnetwork 10.0.0.0/8", &ctx(false)).unwrap();
        assert!(!r.matched && r.unevaluated.len() == 1);
        assert_eq!(r.newer, vec![("localnetwork".to_string(), (9, 4))]);
    }

    #[test]
    fn tagged() {
        let mut c = ctx(false);
        assert!(!evaluate("tagged x", &c).unwrap().matched);
        c.tag = "x";
        assert!(evaluate("tagged x", &c).unwrap().matched);
    }

    #[test]
    fn errors() {
        for bad in [
            "",
            "#c",
            "bogus x",
            "host",
            "host #c",
            "all host x",
            "host x user y all",
            "exec \"open",
        ] {
            assert!(evaluate(bad, &ctx(false)).is_err(), "{bad:?}");
        }
        assert!(evaluate("all # comment", &ctx(false)).is_ok());
        assert!(evaluate("final all", &ctx(false)).is_ok());
    }
}
