//! OpenSSH's wildcard matching (match.c): `match_pattern`, `match_pattern_list`, Host lines.

/// `*` matches any run (including empty), `?` exactly one character; case-sensitive.
pub(crate) fn match_pattern(s: &str, pattern: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            si += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// How a string fares against a comma-separated pattern list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListMatch {
    /// A `!negated` pattern matched: the list rejects the string outright.
    Negated,
    /// No pattern matched.
    NoMatch,
    /// A positive pattern matched and no negated one did.
    Matched,
}

/// OpenSSH's `match_pattern_list`: comma-separated patterns, `!` negates; a matching negated
/// pattern wins over everything. With `dolower`, patterns are lowercased before matching.
pub(crate) fn match_pattern_list(s: &str, list: &str, dolower: bool) -> ListMatch {
    let mut got_positive = false;
    for sub in list.split(',') {
        let (negated, pat) = match sub.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, sub),
        };
        let pat = if dolower {
            pat.to_ascii_lowercase()
        } else {
            pat.to_string()
        };
        if match_pattern(s, &pat) {
            if negated {
                return ListMatch::Negated;
            }
            got_positive = true;
        }
    }
    if got_positive {
        ListMatch::Matched
    } else {
        ListMatch::NoMatch
    }
}

/// OpenSSH's `match_hostname`: the host is lowercased and patterns compared case-insensitively.
pub(crate) fn match_hostname(host: &str, list: &str) -> bool {
    match_pattern_list(&host.to_ascii_lowercase(), list, true) == ListMatch::Matched
}

/// Does a `Host` line with these (whitespace-separated) patterns apply to `host`?
/// Each pattern is matched whole (commas are literal); a matching `!pattern` rejects the line,
/// so a line of only negations never applies.
pub(crate) fn host_line_matches(host: &str, patterns: &[String]) -> bool {
    let mut active = false;
    for arg in patterns {
        let (negated, pat) = match arg.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, arg.as_str()),
        };
        if match_pattern(host, pat) {
            if negated {
                return false;
            }
            active = true;
        }
    }
    active
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn wildcards() {
        assert!(match_pattern("foo.example.com", "*.example.com"));
        assert!(match_pattern("foo", "f?o"));
        assert!(match_pattern("", "*"));
        assert!(match_pattern("abc", "a*c"));
        assert!(match_pattern("aXbXc", "a*b*c"));
        assert!(match_pattern("ab", "ab**"));
        assert!(!match_pattern("abd", "a*c"));
        assert!(!match_pattern("Foo", "foo"));
        assert!(!match_pattern("fo", "f?o"));
        assert!(!match_pattern("", "?"));
        assert!(match_pattern("mississippi", "*sip*"));
    }

    #[test]
    fn lists() {
        assert_eq!(match_pattern_list("a", "a,b", false), ListMatch::Matched);
        assert_eq!(match_pattern_list("c", "a,b", false), ListMatch::NoMatch);
        assert_eq!(match_pattern_list("c", "!c,*", false), ListMatch::Negated);
        assert_eq!(match_pattern_list("d", "!c,*", false), ListMatch::Matched);
        assert_eq!(match_pattern_list("d", "!c", false), ListMatch::NoMatch);
        assert_eq!(match_pattern_list("x", "X", true), ListMatch::Matched);
        assert_eq!(match_pattern_list("x", "X", false), ListMatch::NoMatch);
        assert!(match_hostname("FOO.Example", "*.EXAMPLE"));
        assert_eq!(match_pattern_list("", "", false), ListMatch::Matched);
    }

    #[test]
    fn host_lines() {
        assert!(host_line_matches("a", &v(&["a", "b"])));
        assert!(!host_line_matches("a", &v(&["a,b"])));
        assert!(!host_line_matches("c", &v(&["!c"])));
        assert!(!host_line_matches("d", &v(&["!c"])));
        assert!(!host_line_matches("c", &v(&["c", "!c"])));
        assert!(!host_line_matches("c", &v(&["*", "!c*"])));
        assert!(host_line_matches("d", &v(&["*", "!c*"])));
        assert!(!host_line_matches("x", &v(&[])));
        assert!(!host_line_matches("FOO", &v(&["foo"])));
    }
}
