//! Line lexing exactly as OpenSSH's readconf.c does it (`strdelim`, `argv_split`).

/// One non-blank, non-comment config line split into keyword and remainder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Directive {
    /// The keyword as written.
    pub keyword: String,
    /// Everything after the keyword and its separator (whitespace and at most one `=`),
    /// with trailing whitespace removed. Never empty.
    pub rest: String,
}

const WHITESPACE: &[char] = &[' ', '\t', '\r', '\n'];

fn is_ws(c: char) -> bool {
    WHITESPACE.contains(&c)
}

/// Split a raw line into keyword and remainder.
///
/// `Ok(None)` for blank and comment lines; `Err` (with OpenSSH's wording) when a keyword
/// has no argument.
pub(crate) fn split_directive(line: &str) -> Result<Option<Directive>, String> {
    let line = line.trim_end_matches(|c: char| is_ws(c) || c == '\x0c');
    let line = line.trim_start_matches(is_ws);
    let end = line
        .find(|c: char| is_ws(c) || c == '=' || c == '"')
        .unwrap_or(line.len());
    let keyword = &line[..end];
    if keyword.is_empty() || keyword.starts_with('#') {
        return Ok(None);
    }
    let mut rest = &line[end..];
    // strdelim: skip the delimiter and whitespace; allow exactly one '='.
    let mut seen_equals = false;
    if let Some(r) = rest.strip_prefix('=') {
        seen_equals = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('"') {
        rest = r;
    }
    rest = rest.trim_start_matches(is_ws);
    if !seen_equals {
        if let Some(r) = rest.strip_prefix('=') {
            rest = r.trim_start_matches(is_ws);
        }
    }
    if rest.is_empty() {
        let keyword = keyword.to_ascii_lowercase();
        return Err(format!("no argument after keyword \"{keyword}\""));
    }
    Ok(Some(Directive {
        keyword: keyword.to_string(),
        rest: rest.to_string(),
    }))
}

/// OpenSSH's `argv_split(s, ..., terminate_on_comment=1)`: whitespace-separated words,
/// single or double quotes group, backslash escapes quotes, backslash and (unquoted) space,
/// and a `#` at the start of a word ends the line. `Err` on an unbalanced quote.
pub(crate) fn argv_split(s: &str) -> Result<Vec<String>, String> {
    argv_split_with(s, true)
}

/// `argv_split` with `terminate_on_comment` as given (ssh splits commands such as
/// KnownHostsCommand without it).
pub(crate) fn argv_split_with(s: &str, comments: bool) -> Result<Vec<String>, String> {
    let mut chars = s.chars().peekable();
    let mut out = Vec::new();
    while let Some(&first) = chars.peek() {
        if first == ' ' || first == '\t' {
            chars.next();
            continue;
        }
        if comments && first == '#' {
            break;
        }
        let mut arg = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.peek() {
            if quote.is_none() && (c == ' ' || c == '\t') {
                break;
            }
            chars.next();
            if c == '\\' {
                match chars.peek() {
                    Some(&n)
                        if n == '\'' || n == '"' || n == '\\' || (quote.is_none() && n == ' ') =>
                    {
                        arg.push(n);
                        chars.next();
                    }
                    _ => arg.push(c),
                }
            } else if quote.is_none() && (c == '"' || c == '\'') {
                quote = Some(c);
            } else if quote == Some(c) {
                quote = None;
            } else {
                arg.push(c);
            }
        }
        if quote.is_some() {
            return Err("invalid quotes".to_string());
        }
        out.push(arg);
    }
    Ok(out)
}

/// OpenSSH's `strdelim` tokenizer (used for `Match` arguments): words split on whitespace or
/// a single `=`, a leading `"` quotes up to the next `"`. `Err` on an unterminated quote.
pub(crate) fn strdelim_tokens(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = s.trim_start_matches(is_ws);
    while !rest.is_empty() {
        if let Some(q) = rest.strip_prefix('"') {
            let Some(close) = q.find('"') else {
                return Err("unbalanced quote".to_string());
            };
            out.push(q[..close].to_string());
            rest = q[close + 1..].trim_start_matches(is_ws);
            continue;
        }
        let end = rest
            .find(|c: char| is_ws(c) || c == '=' || c == '"')
            .unwrap_or(rest.len());
        out.push(rest[..end].to_string());
        let mut r = &rest[end..];
        let mut seen_equals = false;
        if let Some(x) = r.strip_prefix('=') {
            seen_equals = true;
            r = x;
        }
        r = r.trim_start_matches(is_ws);
        if !seen_equals {
            if let Some(x) = r.strip_prefix('=') {
                r = x.trim_start_matches(is_ws);
            }
        }
        rest = r;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(line: &str) -> (String, String) {
        let x = split_directive(line).unwrap().unwrap();
        (x.keyword, x.rest)
    }

    #[test]
    fn keyword_separators() {
        assert_eq!(d("Port 22"), ("Port".into(), "22".into()));
        assert_eq!(d("Port=22"), ("Port".into(), "22".into()));
        assert_eq!(d("  Port = 22  \r\n"), ("Port".into(), "22".into()));
        assert_eq!(d("\tHost\t=\th"), ("Host".into(), "h".into()));
        assert_eq!(d("User=\"a b\""), ("User".into(), "\"a b\"".into()));
        assert_eq!(d("Port == 22"), ("Port".into(), "= 22".into()));
    }

    #[test]
    fn blanks_and_comments() {
        assert_eq!(split_directive("").unwrap(), None);
        assert_eq!(split_directive("   \t \r").unwrap(), None);
        assert_eq!(split_directive("# Port 22").unwrap(), None);
        assert_eq!(split_directive("   #x").unwrap(), None);
        assert!(split_directive("Port").is_err());
        assert!(split_directive("Port =  ").is_err());
    }

    #[test]
    fn argv() {
        assert_eq!(argv_split("a b\tc").unwrap(), vec!["a", "b", "c"]);
        assert_eq!(argv_split("\"a b\" c # d").unwrap(), vec!["a b", "c"]);
        assert_eq!(argv_split("a#b").unwrap(), vec!["a#b"]);
        assert_eq!(argv_split("'x y'z").unwrap(), vec!["x yz"]);
        assert_eq!(argv_split(r"a\ b").unwrap(), vec!["a b"]);
        assert_eq!(argv_split(r#"\"q\""#).unwrap(), vec!["\"q\""]);
        assert_eq!(argv_split(r"a\nb").unwrap(), vec![r"a\nb"]);
        assert!(argv_split("\"open").is_err());
        assert_eq!(argv_split("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn strdelim() {
        assert_eq!(
            strdelim_tokens("host a,b user x").unwrap(),
            vec!["host", "a,b", "user", "x"]
        );
        assert_eq!(
            strdelim_tokens("host=a exec \"x y\"").unwrap(),
            vec!["host", "a", "exec", "x y"]
        );
        assert!(strdelim_tokens("exec \"x").is_err());
    }

    #[test]
    fn garbage_never_panics() {
        let samples = [
            "=", "==", "\"", "\"\"", "a\"", "é=ü", "\u{0}", "#\"", "x \\", "x '", "k=\"v",
        ];
        for s in samples {
            let _ = split_directive(s);
            let _ = argv_split(s);
            let _ = strdelim_tokens(s);
        }
        for b in 0u8..=255 {
            let s = String::from_utf8_lossy(&[b'K', b, b'v', b, b'"']).into_owned();
            let _ = split_directive(&s);
            let _ = argv_split(&s);
            let _ = strdelim_tokens(&s);
        }
    }
}
