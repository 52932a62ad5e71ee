//! `sshauthopt_parse`: the options field of an `authorized_keys` line, as sshd checks it.
use super::authorized_keys::Restrictions;
use crate::known_hosts::is_blank;

/// `sshkey_advance_past_options`: the end of the options field (an unquoted
/// blank or the end of the line), or `None` for an unterminated quote.
pub(super) fn advance_past_options(s: &[u8]) -> Option<usize> {
    let mut quoted = false;
    let mut i = 0;
    while i < s.len() && (quoted || !is_blank(s[i])) {
        if s[i] == b'\\' && s.get(i + 1) == Some(&b'"') {
            i += 1;
        } else if s[i] == b'"' {
            quoted = !quoted;
        }
        i += 1;
    }
    (!quoted || i < s.len()).then_some(i)
}

/// What `sshauthopt_parse` keeps that matters here.
#[derive(Debug, Default)]
pub(super) struct ParsedOptions {
    pub(super) cert_authority: bool,
    pub(super) limits: Restrictions,
}

/// `opt_flag`: a case-insensitive prefix match of `name` (or `no-name`).
fn opt_flag(s: &[u8], i: &mut usize, name: &str, allow_negate: bool) -> Option<bool> {
    let mut j = *i;
    let mut negate = false;
    if allow_negate && s.len() >= j + 3 && s[j..j + 3].eq_ignore_ascii_case(b"no-") {
        j += 3;
        negate = true;
    }
    let n = name.len();
    if s.len() >= j + n && s[j..j + n].eq_ignore_ascii_case(name.as_bytes()) {
        *i = j + n;
        return Some(!negate);
    }
    None
}

/// `opt_match`: `name=` case-insensitively.
fn opt_match(s: &[u8], i: &mut usize, name: &str) -> bool {
    let n = name.len();
    if s.len() > *i + n && s[*i..*i + n].eq_ignore_ascii_case(name.as_bytes()) && s[*i + n] == b'='
    {
        *i += n + 1;
        return true;
    }
    false
}

/// `opt_dequote`: a double-quoted value with `\"` escapes.
fn opt_dequote(s: &[u8], i: &mut usize) -> Result<Vec<u8>, String> {
    if s.get(*i) != Some(&b'"') {
        return Err("missing start quote".into());
    }
    let mut j = *i + 1;
    let mut out = Vec::new();
    while j < s.len() && s[j] != b'"' {
        if s[j] == b'\\' && s.get(j + 1) == Some(&b'"') {
            j += 1;
        }
        out.push(s[j]);
        j += 1;
    }
    if j == s.len() {
        return Err("missing end quote".into());
    }
    *i = j + 1;
    Ok(out)
}

fn all_digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

pub(super) fn parse_decimal(s: &[u8]) -> Option<u64> {
    if !all_digits(s) || s.len() > 19 {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// `parse_absolute_time`: `YYYYMMDD[HHMM[SS]]`, optionally followed by `Z` or
/// `UTC`; times before 1970 are refused, and so is the epoch itself (an
/// expiry of 0 means none). Local times near the epoch depend on the
/// server's time zone and are given the benefit of the doubt.
fn valid_expiry(s: &[u8]) -> bool {
    let mut body = s;
    let mut utc = false;
    if body.len() > 1 && body[body.len() - 1].eq_ignore_ascii_case(&b'z') {
        body = &body[..body.len() - 1];
        utc = true;
    } else if body.len() > 3 && body[body.len() - 3..].eq_ignore_ascii_case(b"utc") {
        body = &body[..body.len() - 3];
        utc = true;
    }
    if !matches!(body.len(), 8 | 12 | 14) || !all_digits(body) {
        return false;
    }
    let num = |a: usize, b: usize| parse_decimal(&body[a..b]).unwrap_or(u64::MAX);
    let (year, month, day) = (num(0, 4), num(4, 6), num(6, 8));
    let (hour, minute, second) = match body.len() {
        8 => (0, 0, 0),
        12 => (num(8, 10), num(10, 12), 0),
        _ => (num(8, 10), num(10, 12), num(12, 14)),
    };
    let in_range = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 61;
    let epoch = year == 1970 && month == 1 && day == 1 && hour == 0 && minute == 0 && second == 0;
    in_range && year >= 1970 && !(utc && epoch)
}

/// `hpdelim2` then the port check of `handle_permit`.
fn valid_permit(value: &[u8], allow_bare_port: bool) -> Result<(), String> {
    let mut value = value.to_vec();
    if allow_bare_port && !value.contains(&b':') {
        value.splice(0..0, b"*:".iter().copied());
    }
    let host_end = if value.first() == Some(&b'[') {
        match value.iter().position(|&b| b == b']') {
            Some(p) => p + 1,
            None => return Err("invalid permission hostname".into()),
        }
    } else {
        value
            .iter()
            .position(|&b| b == b':' || b == b'/')
            .unwrap_or(value.len())
    };
    let port = match value.get(host_end) {
        None => return Err("invalid permission port".into()),
        Some(b':' | b'/') => &value[host_end + 1..],
        Some(_) => return Err("invalid permission hostname".into()),
    };
    if host_end >= 1025 {
        return Err("invalid permission hostname".into());
    }
    if port == b"*" {
        return Ok(());
    }
    if all_digits(port) {
        return match parse_decimal(port) {
            Some(p) if (1..=65535).contains(&p) => Ok(()),
            _ => Err("invalid permission port".into()),
        };
    }
    // A service name (looked up in the server's /etc/services): accept names
    // that could be one.
    let service_like = !port.is_empty()
        && port
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+'));
    if service_like {
        Ok(())
    } else {
        Err("invalid permission port".into())
    }
}

/// An option `sshauthopt_parse` rejects: why, and where that option starts.
type OptionError = (String, usize);

/// `sshauthopt_parse` (OpenSSH 9.x), on the line from the options onwards.
pub(super) fn parse_options(s: &[u8]) -> Result<ParsedOptions, OptionError> {
    let mut start = 0;
    parse_options_at(s, &mut start).map_err(|why| (why, start))
}

/// The options up to the first unquoted blank; `start` follows the option being read, so an
/// error can say which one it was.
fn parse_options_at(s: &[u8], start: &mut usize) -> Result<ParsedOptions, String> {
    let mut out = ParsedOptions::default();
    let mut clauses = Clauses::default();
    let mut i = 0;
    while i < s.len() && !is_blank(s[i]) {
        *start = i;
        if !parse_flag(s, &mut i, &mut out) {
            parse_valued(s, &mut i, &mut out, &mut clauses)?;
        }
        if i == s.len() || is_blank(s[i]) {
            break;
        }
        if s[i] != b',' {
            return Err("unknown key option".into());
        }
        i += 1;
        if i == s.len() {
            return Err("unexpected end-of-options".into());
        }
    }
    Ok(out)
}

/// The flags that may be negated with `no-` and limit nothing this crate reports.
const NEGATABLE_FLAGS: [&str; 7] = [
    "port-forwarding",
    "agent-forwarding",
    "x11-forwarding",
    "touch-required",
    "verify-required",
    "pty",
    "user-rc",
];

/// A flag option at `i` (`restrict`, `cert-authority`, the negatable ones): whether there
/// was one.
fn parse_flag(s: &[u8], i: &mut usize, out: &mut ParsedOptions) -> bool {
    if opt_flag(s, i, "restrict", false).is_some() {
        out.limits.restrict = true;
    } else if let Some(on) = opt_flag(s, i, "cert-authority", false) {
        out.cert_authority = on;
    } else {
        return NEGATABLE_FLAGS
            .iter()
            .any(|name| opt_flag(s, i, name, true).is_some());
    }
    true
}

/// The clauses `sshauthopt_parse` allows only once, and whether each was seen.
#[derive(Default)]
struct Clauses {
    command: bool,
    principals: bool,
    from: bool,
}

/// Mark a once-only clause seen; Err when it already was.
fn once(seen: &mut bool, name: &str) -> Result<(), String> {
    if *seen {
        return Err(format!("multiple \"{name}\" clauses"));
    }
    *seen = true;
    Ok(())
}

/// An option with a quoted value at `i` (`name="value"`), checked as sshd checks it. An
/// unknown option is left where it is, for the caller to refuse.
fn parse_valued(
    s: &[u8],
    i: &mut usize,
    out: &mut ParsedOptions,
    clauses: &mut Clauses,
) -> Result<(), String> {
    let text = |value: Vec<u8>| String::from_utf8_lossy(&value).into_owned();
    if opt_match(s, i, "command") {
        once(&mut clauses.command, "command")?;
        out.limits.command = Some(text(opt_dequote(s, i)?));
    } else if opt_match(s, i, "principals") {
        once(&mut clauses.principals, "principals")?;
        opt_dequote(s, i)?;
    } else if opt_match(s, i, "from") {
        once(&mut clauses.from, "from")?;
        out.limits.from = Some(text(opt_dequote(s, i)?));
    } else if opt_match(s, i, "expiry-time") {
        let value = opt_dequote(s, i)?;
        if !valid_expiry(&value) {
            return Err("invalid expires time".into());
        }
        out.limits.expiry_time = Some(text(value));
    } else if opt_match(s, i, "environment") {
        valid_environment(&opt_dequote(s, i)?)?;
    } else if opt_match(s, i, "permitopen") {
        valid_permit(&opt_dequote(s, i)?, false)?;
    } else if opt_match(s, i, "permitlisten") {
        valid_permit(&opt_dequote(s, i)?, true)?;
    } else if opt_match(s, i, "tunnel") {
        valid_tunnel(&opt_dequote(s, i)?)?;
    }
    Ok(())
}

/// `environment="NAME=value"`: a name of letters, digits and `_`.
fn valid_environment(value: &[u8]) -> Result<(), String> {
    let Some(eq) = value.iter().position(|&b| b == b'=') else {
        return Err("invalid environment string".into());
    };
    let name = &value[..eq];
    if name.is_empty() || !name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_') {
        return Err("invalid environment string".into());
    }
    Ok(())
}

/// `tunnel="N"`: `any` or a device number.
fn valid_tunnel(value: &[u8]) -> Result<(), String> {
    let ok = value.eq_ignore_ascii_case(b"any")
        || parse_decimal(value).is_some_and(|n| n <= 0x7fff_fffd);
    if ok {
        Ok(())
    } else {
        Err("invalid tun device".into())
    }
}

/// The name of the option at the start of `s` (for messages).
pub(super) fn option_at(s: &[u8]) -> &[u8] {
    let end = s
        .iter()
        .position(|&b| matches!(b, b',' | b'=' | b' ' | b'\t'))
        .unwrap_or(s.len());
    &s[..end]
}
