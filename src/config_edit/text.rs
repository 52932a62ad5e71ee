//! Byte-preserving line handling for ssh_config text: splitting, lexing with positions, quoting.

/// One line of a file: its content and its terminator, so that concatenating every
/// `content` + `eol` gives back the file byte for byte.
#[derive(Debug, Clone, Copy)]
pub(super) struct Line<'a> {
    /// The line without its terminator.
    pub content: &'a [u8],
    /// `b"\n"`, `b"\r\n"`, or empty for a last line without a final newline.
    pub eol: &'a [u8],
}

/// Split `bytes` into lines exactly as the resolver numbers them (split on `\n`).
pub(super) fn split_lines(bytes: &[u8]) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(i) => {
                let nl = start + i;
                let cut = if nl > start && bytes[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                out.push(Line {
                    content: &bytes[start..cut],
                    eol: &bytes[cut..=nl],
                });
                start = nl + 1;
            }
            None => {
                out.push(Line {
                    content: &bytes[start..],
                    eol: &[],
                });
                break;
            }
        }
    }
    out
}

/// The line terminator the file uses: that of its first terminated line, else `\n`.
pub(super) fn detect_eol(lines: &[Line<'_>]) -> &'static str {
    match lines.iter().find(|l| !l.eol.is_empty()) {
        Some(l) if l.eol == b"\r\n" => "\r\n",
        _ => "\n",
    }
}

/// The indentation of the first indented directive line (other than `Host`/`Match`),
/// else four spaces.
pub(super) fn detect_indent(lines: &[Line<'_>]) -> String {
    for line in lines {
        let Some(kw) = keyword(line.content) else {
            continue;
        };
        if kw == "host" || kw == "match" {
            continue;
        }
        let n = line
            .content
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        if n > 0 {
            return String::from_utf8_lossy(&line.content[..n]).into_owned();
        }
    }
    "    ".to_string()
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// A directive line split the way the resolver's lexer splits it, with byte offsets
/// into the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Directive {
    /// The keyword, lowercased.
    pub keyword: String,
    /// Byte offset where the keyword starts.
    pub keyword_start: usize,
    /// Byte offset where the arguments start (after whitespace and at most one `=`).
    pub rest_start: usize,
}

/// Lex one line like readconf.c (`strdelim`): `None` for blank lines, comments and a
/// keyword without an argument (which the resolver reports and otherwise ignores).
pub(super) fn directive(content: &str) -> Option<Directive> {
    let trimmed_len = content
        .trim_end_matches(|c: char| is_ws(c) || c == '\x0c')
        .len();
    let line = &content[..trimmed_len];
    let keyword_start = line.len() - line.trim_start_matches(is_ws).len();
    let body = &line[keyword_start..];
    let end = body
        .find(|c: char| is_ws(c) || c == '=' || c == '"')
        .unwrap_or(body.len());
    let kw = &body[..end];
    if kw.is_empty() || kw.starts_with('#') {
        return None;
    }
    let mut rest = &body[end..];
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
        return None;
    }
    Some(Directive {
        keyword: kw.to_ascii_lowercase(),
        keyword_start,
        rest_start: trimmed_len - rest.len(),
    })
}

/// The lowercased keyword of a directive line (see [`directive`]).
pub(super) fn keyword(content: &[u8]) -> Option<String> {
    directive(&String::from_utf8_lossy(content)).map(|d| d.keyword)
}

/// How a value was quoted on its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Quoting {
    /// Bare word (possibly with backslash escapes or partial quotes).
    Bare,
    /// Wholly inside double quotes.
    Double,
    /// Wholly inside single quotes.
    Single,
}

/// The first argument word starting at `start` (as OpenSSH's `argv_split` reads it):
/// its end offset and quoting style. `Err` for a comment or unbalanced quotes.
pub(super) fn first_word(s: &str, start: usize) -> Result<(usize, Quoting), String> {
    let chars: Vec<(usize, char)> = s[start..].char_indices().collect();
    if chars.first().is_none_or(|&(_, c)| c == '#') {
        return Err("the line has no value".to_string());
    }
    let mut quote: Option<char> = None;
    let mut first_close: Option<usize> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if c == '\\' {
            if let Some(&(_, n)) = chars.get(i + 1) {
                if n == '\'' || n == '"' || n == '\\' || (quote.is_none() && n == ' ') {
                    i += 1;
                }
            }
        } else if quote.is_none() && (c == ' ' || c == '\t') {
            break;
        } else if quote.is_none() && (c == '"' || c == '\'') {
            quote = Some(c);
        } else if quote == Some(c) {
            quote = None;
            first_close.get_or_insert(i);
        }
        i += 1;
    }
    if quote.is_some() {
        return Err("the value has unbalanced quotes".to_string());
    }
    let end = chars.get(i).map_or(s.len(), |&(o, _)| start + o);
    let style = match (chars[0].1, first_close) {
        ('"', Some(c)) if c + 1 == i => Quoting::Double,
        ('\'', Some(c)) if c + 1 == i => Quoting::Single,
        _ => Quoting::Bare,
    };
    Ok((end, style))
}

/// Render `text` (already in config syntax, e.g. `%%`-escaped) as one argument word in
/// the given quoting style; a bare word that would not survive `argv_split` intact is
/// double-quoted.
pub(super) fn render_word(text: &str, style: Quoting) -> String {
    let escape = |q: char| {
        let mut out = String::with_capacity(text.len() + 2);
        out.push(q);
        for c in text.chars() {
            if c == '\\' || c == q {
                out.push('\\');
            }
            out.push(c);
        }
        out.push(q);
        out
    };
    match style {
        Quoting::Double => escape('"'),
        Quoting::Single => escape('\''),
        Quoting::Bare => {
            let unsafe_char = text
                .chars()
                .any(|c| matches!(c, ' ' | '\t' | '"' | '\'' | '\\'));
            if unsafe_char || text.starts_with('#') || text.is_empty() {
                escape('"')
            } else {
                text.to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        for s in ["", "a", "a\n", "a\r\nb", "\n\n", "x\r\n\r\ny\n", "\r"] {
            let lines = split_lines(s.as_bytes());
            let back: Vec<u8> = lines
                .iter()
                .flat_map(|l| l.content.iter().chain(l.eol.iter()).copied())
                .collect();
            assert_eq!(back, s.as_bytes());
        }
        assert_eq!(split_lines(b"a\r\nb").len(), 2);
        assert_eq!(detect_eol(&split_lines(b"a\r\nb\n")), "\r\n");
        assert_eq!(detect_eol(&split_lines(b"a")), "\n");
    }

    #[test]
    fn lexing() {
        let d = directive("  IdentityFile = \"~/a b\"  ").unwrap();
        assert_eq!(d.keyword, "identityfile");
        assert_eq!(d.keyword_start, 2);
        assert_eq!(d.rest_start, 17);
        assert_eq!(directive("Host").map(|d| d.keyword), None);
        assert_eq!(directive("# Host x"), None);
        assert_eq!(directive("IdentityFile=~/k").unwrap().rest_start, 13);
        assert_eq!(keyword(b"\tMATCH all"), Some("match".into()));
    }

    #[test]
    fn words() {
        assert_eq!(first_word("\"a b\" # c", 0).unwrap(), (5, Quoting::Double));
        assert_eq!(first_word("'a'", 0).unwrap(), (3, Quoting::Single));
        assert_eq!(first_word("a\\ b c", 0).unwrap(), (4, Quoting::Bare));
        assert_eq!(first_word("\"a\"b", 0).unwrap(), (4, Quoting::Bare));
        assert!(first_word("\"a", 0).is_err());
        assert!(first_word("# x", 0).is_err());
        assert_eq!(render_word("~/k", Quoting::Bare), "~/k");
        assert_eq!(render_word("~/a b", Quoting::Bare), "\"~/a b\"");
        assert_eq!(render_word("a\"b", Quoting::Double), "\"a\\\"b\"");
        assert_eq!(render_word("it's", Quoting::Single), "'it\\'s'");
    }
}
