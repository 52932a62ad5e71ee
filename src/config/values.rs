//! Parsing the values of single keywords exactly as OpenSSH's misc.c and readconf.c do, and
//! showing them the way `ssh -G` prints them (ports, numbers, IPQoS, tunnels, masks, ...).

/// OpenBSD's `strtonum(s, min, max)`: a decimal integer (leading blanks and one sign allowed,
/// nothing after it), or `strtonum`'s own complaint: `invalid`, `too small`, `too large`.
pub(crate) fn strtonum(s: &str, min: i64, max: i64) -> Result<i64, &'static str> {
    let (value, rest) = strtol(s, 10);
    match value {
        None => Err("invalid"),
        Some(_) if !rest.is_empty() => Err("invalid"),
        Some(Err(true)) => Err("too large"),
        Some(Err(false)) => Err("too small"),
        Some(Ok(v)) if v < min => Err("too small"),
        Some(Ok(v)) if v > max => Err("too large"),
        Some(Ok(v)) => Ok(v),
    }
}

/// C's `strtol`/`strtoll` in `radix` (8, 10 or 16, or 0 for C's prefixes): the value (None when
/// no digit was read; `Err(true)` on overflow, `Err(false)` on underflow) and the unread rest.
pub(crate) fn strtol(s: &str, radix: u32) -> (Option<Result<i64, bool>>, &str) {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, t) = match radix {
        0 if (t.starts_with("0x") || t.starts_with("0X"))
            && t[2..].starts_with(|c: char| c.is_ascii_hexdigit()) =>
        {
            (16, &t[2..])
        }
        0 if t.starts_with('0') => (8, t),
        0 => (10, t),
        r => (r, t),
    };
    let end = t.find(|c: char| !c.is_digit(radix)).unwrap_or(t.len());
    if end == 0 {
        return (None, s);
    }
    let mut value: i128 = 0;
    let mut overflow = false;
    for c in t[..end].chars() {
        value = value * i128::from(radix) + i128::from(c.to_digit(radix).unwrap_or(0));
        if value > i128::from(i64::MAX) + 1 {
            overflow = true;
            value = i128::from(i64::MAX) + 1;
        }
    }
    let signed = if negative { -value } else { value };
    let result = if overflow || signed > i128::from(i64::MAX) {
        Err(true)
    } else if signed < i128::from(i64::MIN) {
        Err(false)
    } else {
        Ok(signed as i64)
    };
    let result = match (overflow, negative) {
        (true, true) => Err(false),
        _ => result,
    };
    (Some(result), &t[end..])
}

/// OpenSSH's `a2port`: 0 to 65535, else a TCP service name; None when neither. (Callers
/// refuse 0 themselves, as readconf.c does.)
pub(crate) fn a2port(s: &str) -> Option<u16> {
    match strtonum(s, 0, 65535) {
        Ok(p) => u16::try_from(p).ok(),
        Err(_) => super::system::service_port(s),
    }
}

/// OpenSSH's `convtime`: `90`, `1m30s`, `2h`, `1w`... in seconds, at most INT_MAX; None if
/// malformed (each number may carry blanks and a `+` before it, as `strtol` reads it).
pub(crate) fn convtime(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let (secs, after) = strtol(rest, 10);
        let secs = match secs {
            Some(Ok(v)) if v >= 0 => v,
            _ => return None,
        };
        let mut chars = after.chars();
        let multiplier: i64 = match chars.next() {
            None => 1,
            Some('s' | 'S') => 1,
            Some('m' | 'M') => 60,
            Some('h' | 'H') => 3600,
            Some('d' | 'D') => 86_400,
            Some('w' | 'W') => 604_800,
            Some(_) => return None,
        };
        if secs > i64::from(i32::MAX) / multiplier {
            return None;
        }
        total += secs * multiplier;
        if total > i64::from(i32::MAX) {
            return None;
        }
        rest = chars.as_str();
    }
    Some(total)
}

/// readconf.c's integer keywords (`atoi_err`): 0 to INT_MAX, or ssh's word for what is wrong
/// (`missing`, `invalid`, `too small`, `too large`).
pub(crate) fn atoi_err(s: Option<&str>) -> Result<i64, &'static str> {
    match s {
        None | Some("") => Err("missing"),
        Some(s) => strtonum(s, 0, i64::from(i32::MAX)),
    }
}

/// The IPQoS names of misc.c, with their values.
const IPQOS: &[(&str, i32)] = &[
    ("none", i32::MAX),
    ("af11", 0x28),
    ("af12", 0x30),
    ("af13", 0x38),
    ("af21", 0x48),
    ("af22", 0x50),
    ("af23", 0x58),
    ("af31", 0x68),
    ("af32", 0x70),
    ("af33", 0x78),
    ("af41", 0x88),
    ("af42", 0x90),
    ("af43", 0x98),
    ("cs0", 0x00),
    ("cs1", 0x20),
    ("cs2", 0x40),
    ("cs3", 0x60),
    ("cs4", 0x80),
    ("cs5", 0xa0),
    ("cs6", 0xc0),
    ("cs7", 0xe0),
    ("ef", 0xb8),
    ("le", 0x04),
    ("lowdelay", 0x10),
    ("throughput", 0x08),
    ("reliability", 0x04),
];

/// misc.c `parse_ipqos`: a name (any case) or a number 0-255 (C prefixes allowed).
pub(crate) fn ipqos(s: &str) -> Option<i32> {
    if let Some((_, v)) = IPQOS.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)) {
        return Some(*v);
    }
    match strtol(s, 0) {
        (Some(Ok(v)), "") if (0..=255).contains(&v) && !s.is_empty() => i32::try_from(v).ok(),
        _ => None,
    }
}

/// misc.c `iptos2str`: the first name with that value, else `0x%02x`.
pub(crate) fn iptos_name(v: i32) -> String {
    IPQOS
        .iter()
        .find(|(_, x)| *x == v)
        .map_or_else(|| format!("0x{v:02x}"), |(n, _)| (*n).to_string())
}

/// The `strerror` text of EINVAL, as ssh prints it.
const EINVAL: &str = "Invalid argument";
/// The `strerror` text of ERANGE, as ssh prints it.
const ERANGE: &str = "Numerical result out of range";

/// OpenBSD's `scan_scaled` (RekeyLimit): `1G`, `512M`, `1.5K`, `1000`; the error is the
/// `strerror` text ssh prints.
pub(crate) fn scan_scaled(s: &str) -> Result<i64, &'static str> {
    let (sign, rest) = scan_sign(s)?;
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (mut whole, fpart, fract) = scan_number(&rest[..end])?;
    if sign != 0 {
        whole *= sign;
    }
    let unit = &rest[end..];
    let Some(u) = unit.chars().next() else {
        return Ok(whole);
    };
    let Some(power) = "BKMGTPE".find(u.to_ascii_uppercase()) else {
        return Err(EINVAL);
    };
    if unit[u.len_utf8()..]
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        return Err(EINVAL);
    }
    scale(whole, fpart, fract, sign, 1024i64.pow(power as u32))
}

/// Which sign leads the number (after blanks): 0 for none, -1 or 1, and the rest; a second
/// sign is invalid.
fn scan_sign(s: &str) -> Result<(i64, &str), &'static str> {
    let mut rest = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let mut sign = 0i64;
    while let Some(c) = rest.chars().next().filter(|c| *c == '+' || *c == '-') {
        if sign != 0 {
            return Err(EINVAL);
        }
        sign = if c == '-' { -1 } else { 1 };
        rest = &rest[1..];
    }
    Ok((sign, rest))
}

/// Whether digits and at most one point make a number in range: the whole part, the
/// fraction's digits (at most 19 kept) and their count plus one (0 without a point).
fn scan_number(number: &str) -> Result<(i64, i64, u32), &'static str> {
    let (mut whole, mut fpart, mut ndigits, mut fract) = (0i64, 0i64, 0u32, 0u32);
    for c in number.chars() {
        if c == '.' {
            if fract > 0 {
                return Err(EINVAL);
            }
            fract = 1;
            continue;
        }
        let d = i64::from(c.to_digit(10).unwrap_or(0));
        if fract > 0 {
            if fract >= 20 {
                continue;
            }
            fract += 1;
            fpart = fpart
                .checked_mul(10)
                .and_then(|f| f.checked_add(d))
                .ok_or(ERANGE)?;
        } else {
            ndigits += 1;
            if ndigits >= 21 {
                return Err(ERANGE);
            }
            whole = whole
                .checked_mul(10)
                .and_then(|w| w.checked_add(d))
                .ok_or(ERANGE)?;
        }
    }
    Ok((whole, fpart, fract))
}

/// Whether the number times the unit's `scale` stays in range: the signed whole part scaled,
/// plus (or minus, when negative) the scaled fraction.
fn scale(
    whole: i64,
    mut fpart: i64,
    mut fract: u32,
    sign: i64,
    scale: i64,
) -> Result<i64, &'static str> {
    let whole = whole.checked_mul(scale).ok_or(ERANGE)?;
    while fpart >= i64::MAX / scale {
        fpart /= 10;
        fract = fract.saturating_sub(1);
    }
    fpart *= scale;
    for _ in 1..fract {
        fpart /= 10;
    }
    Ok(if sign == -1 {
        whole - fpart
    } else {
        whole + fpart
    })
}

/// `SSH_TUNID_ANY`, `SSH_TUNID_MAX` of misc.h.
const TUN_ANY: i64 = 0x7fff_ffff;
const TUN_MAX: i64 = TUN_ANY - 2;

/// misc.c `a2tun` for TunnelDevice `local[:remote]`, shown as `ssh -G` does (`3:any`).
pub(crate) fn tunnel_device(s: &str) -> Option<String> {
    let one = |x: &str| -> Option<String> {
        if x.eq_ignore_ascii_case("any") {
            return Some("any".into());
        }
        strtonum(x, 0, TUN_MAX).ok().map(|v| v.to_string())
    };
    match s.split_once(':') {
        None => Some(format!("{}:any", one(s)?)),
        Some((local, remote)) => {
            let remote = one(remote)?;
            // a2tun reports only a bad remote part; a bad local part gives SSH_TUNID_ERR too.
            Some(format!("{}:{remote}", one(local)?))
        }
    }
}

/// readconf.c StreamLocalBindMask: `strtol(arg, 8)` must read a digit and give 0-0777
/// (anything after the digits is ignored, as in ssh); shown as `0%o`.
pub(crate) fn bind_mask(s: &str) -> Option<String> {
    match strtol(s, 8) {
        (Some(Ok(v)), _) if (0..=0o777).contains(&v) => Some(format!("0{v:o}")),
        _ => None,
    }
}

/// readconf.c AddKeysToAgent, shown as `ssh -G` prints it: `yes`/`no`/`ask`/`confirm`, or
/// with a lifetime `confirm 300` / `300`. Errors are ssh's words.
pub(crate) fn add_keys_to_agent(args: &[String]) -> Result<String, &'static str> {
    let word = |a: &str| -> Option<&'static str> {
        match a.to_ascii_lowercase().as_str() {
            "yes" | "true" => Some("yes"),
            "no" | "false" => Some("no"),
            "ask" => Some("ask"),
            "confirm" => Some("confirm"),
            _ => None,
        }
    };
    let life = |a: &str| convtime(a).filter(|v| *v <= i64::from(i32::MAX));
    let (arg, arg2) = (args.first().map(String::as_str), args.get(1));
    let Some(arg) = arg.filter(|a| !a.is_empty()) else {
        return Err("missing argument.");
    };
    let out = match (word(arg), arg2) {
        (Some("confirm"), Some(t)) => match life(t) {
            Some(0) => "confirm".to_string(),
            Some(secs) => format!("confirm {secs}"),
            None => return Err("invalid time value."),
        },
        (None, None) => match life(arg) {
            Some(0) => "yes".to_string(),
            Some(secs) => secs.to_string(),
            None => return Err("unsupported option"),
        },
        (None, Some(_)) | (Some(_), Some(_)) => return Err("unsupported option"),
        (Some(w), None) => w.to_string(),
    };
    if args.len() > 2 {
        return Err("extra arguments at end of line");
    }
    Ok(out)
}

/// The escape character as `ssh -G` prints it (vis(3) with VIS_WHITE): `~`, `none`, `\^A`,
/// `\040`, `\\`; None when ssh refuses it ("Bad escape character.").
pub(crate) fn escape_char(arg: &str) -> Option<String> {
    let b = arg.as_bytes();
    let c = match b {
        _ if arg == "none" => return Some("none".into()),
        [c] => *c,
        [b'^', c] if (64..128).contains(c) => c & 31,
        _ => return None,
    };
    Some(match c {
        b'\\' => "\\\\".into(),
        b' ' => "\\040".into(),
        0..=31 => format!("\\^{}", (c + 64) as char),
        127 => "\\^?".into(),
        128..=255 => format!("\\M-{}", (c & 0x7f) as char),
        _ => (c as char).to_string(),
    })
}

/// misc.c `valid_domain(name, makelower=1)` for CanonicalDomains: the domain lowercased
/// without a trailing dot, or ssh's complaint.
pub(crate) fn valid_domain(name: &str) -> Result<String, String> {
    let b = name.as_bytes();
    if b.is_empty() {
        return Err("empty domain name".into());
    }
    if !b[0].is_ascii_alphanumeric() {
        return Err(format!(
            "domain name \"{name}\" starts with invalid character"
        ));
    }
    let lower = name.to_ascii_lowercase();
    if lower.contains("..") {
        return Err(format!(
            "domain name \"{lower}\" contains consecutive separators"
        ));
    }
    if !lower
        .bytes()
        .all(|c| c == b'.' || c == b'-' || c == b'_' || c.is_ascii_alphanumeric())
    {
        return Err(format!(
            "domain name \"{lower}\" contains invalid characters"
        ));
    }
    Ok(lower.strip_suffix('.').unwrap_or(&lower).to_string())
}

/// One CanonicalizePermittedCNAMEs rule: `*`, or `sources:targets` lowercased.
pub(crate) fn cname_rule(arg: &str) -> Result<String, String> {
    if arg == "*" {
        return Ok("*:*".into());
    }
    let lower = arg.to_ascii_lowercase();
    match lower.split_once(':') {
        Some((_, target)) if !target.is_empty() => Ok(lower),
        _ => Err(format!("Invalid permitted CNAME \"{lower}\"")),
    }
}

/// One PermitRemoteOpen `host:port` (port may be `*`): Err is ssh's fatal message part.
pub(crate) fn permit_open(arg: &str) -> Result<(), &'static str> {
    let Some((host, port)) = hpdelim(arg) else {
        return Err("missing host");
    };
    let _ = host;
    match port {
        Some("*") => Ok(()),
        Some(p) if a2port(p).is_some_and(|p| p > 0) => Ok(()),
        _ => Err("bad port number"),
    }
}

/// misc.c `hpdelim`: `host` or `[host]` up to `:` (a `/` is refused), and what follows.
pub(crate) fn hpdelim(s: &str) -> Option<(&str, Option<&str>)> {
    let end = if s.starts_with('[') {
        s.find(']')? + 1
    } else {
        s.find([':', '/']).unwrap_or(s.len())
    };
    match s.as_bytes().get(end) {
        None => Some((&s[..end], None)),
        Some(b':') => Some((&s[..end], Some(&s[end + 1..]))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_c_reads_them() {
        assert_eq!(strtonum("22", 0, 65535), Ok(22));
        assert_eq!(strtonum("+22", 0, 65535), Ok(22));
        assert_eq!(strtonum("99999", 0, 65535), Err("too large"));
        assert_eq!(strtonum("-1", 0, 65535), Err("too small"));
        assert_eq!(strtonum("2x", 0, 65535), Err("invalid"));
        assert_eq!(strtonum("", 0, 65535), Err("invalid"));
        assert_eq!(a2port("0"), Some(0));
        assert_eq!(a2port("+23"), Some(23));
        assert_eq!(a2port("99999"), None);
        assert_eq!(atoi_err(Some("0")), Ok(0));
        assert_eq!(atoi_err(Some("x")), Err("invalid"));
        assert_eq!(atoi_err(None), Err("missing"));
        assert_eq!(atoi_err(Some("3000000000")), Err("too large"));
    }

    #[test]
    fn times() {
        assert_eq!(convtime("90"), Some(90));
        assert_eq!(convtime("1m5"), Some(65));
        assert_eq!(convtime("1h30M"), Some(5400));
        assert_eq!(convtime("1w"), Some(604_800));
        assert_eq!(convtime("+5"), Some(5));
        assert_eq!(convtime("0"), Some(0));
        assert_eq!(convtime(""), None);
        assert_eq!(convtime("m"), None);
        assert_eq!(convtime("5x"), None);
        assert_eq!(convtime("-5"), None);
        assert_eq!(convtime("99999999999999999999999"), None);
        assert_eq!(convtime("abc"), None);
    }

    #[test]
    fn qos_rekey_tun_mask() {
        assert_eq!(ipqos("AF21"), Some(0x48));
        assert_eq!(ipqos("0x10"), Some(0x10));
        assert_eq!(ipqos("256"), None);
        assert_eq!(ipqos("foo"), None);
        assert_eq!(iptos_name(0x10), "lowdelay");
        assert_eq!(iptos_name(0x04), "le");
        assert_eq!(iptos_name(0x05), "0x05");
        assert_eq!(scan_scaled("1G"), Ok(1 << 30));
        assert_eq!(scan_scaled("1.5K"), Ok(1536));
        assert_eq!(scan_scaled("100"), Ok(100));
        assert_eq!(scan_scaled("1Q"), Err("Invalid argument"));
        assert_eq!(scan_scaled("1Gx"), Err("Invalid argument"));
        assert_eq!(tunnel_device("3").as_deref(), Some("3:any"));
        assert_eq!(tunnel_device("any:4").as_deref(), Some("any:4"));
        assert_eq!(tunnel_device("x:1"), None);
        assert_eq!(bind_mask("022").as_deref(), Some("022"));
        assert_eq!(bind_mask("0177").as_deref(), Some("0177"));
        assert_eq!(bind_mask("999"), None);
        assert_eq!(bind_mask("x"), None);
    }

    #[test]
    fn agent_escape_domains() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(add_keys_to_agent(&v(&["true"])).unwrap(), "yes");
        assert_eq!(
            add_keys_to_agent(&v(&["confirm", "5m"])).unwrap(),
            "confirm 300"
        );
        assert_eq!(add_keys_to_agent(&v(&["1h"])).unwrap(), "3600");
        assert!(add_keys_to_agent(&v(&["maybe"])).is_err());
        assert!(add_keys_to_agent(&v(&["confirm", "5x"])).is_err());
        assert!(add_keys_to_agent(&v(&["yes", "5"])).is_err());
        assert_eq!(escape_char("^A").as_deref(), Some("\\^A"));
        assert_eq!(escape_char(" ").as_deref(), Some("\\040"));
        assert_eq!(escape_char("\\").as_deref(), Some("\\\\"));
        assert_eq!(escape_char("~").as_deref(), Some("~"));
        assert_eq!(escape_char("é"), None);
        assert_eq!(escape_char("^?"), None);
        assert_eq!(valid_domain("Ex.COM.").unwrap(), "ex.com");
        assert!(valid_domain("-x").is_err());
        assert!(valid_domain("a..b").is_err());
        assert!(valid_domain("a b").is_err());
        assert_eq!(cname_rule("*.A.com:*.B.com").unwrap(), "*.a.com:*.b.com");
        assert!(cname_rule("x").is_err());
        assert!(permit_open("h:1").is_ok());
        assert!(permit_open("[::1]:*").is_ok());
        assert!(permit_open("foo").is_err());
        assert!(permit_open("h:99999").is_err());
    }
}
