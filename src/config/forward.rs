//! Port and socket forwarding specifications: readconf.c's `parse_forward`, and the form
//! `ssh -G` prints them in (`[host]:port`, bare ports, socket paths).

/// `PORT_STREAMLOCAL` of misc.h: the side is a Unix socket path.
const STREAMLOCAL: i32 = -2;
/// `NI_MAXHOST` and the `sun_path` size, the limits parse_forward checks.
const NI_MAXHOST: usize = 1025;
const PATH_MAX_SUN: usize = 108;

/// One parsed forwarding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Forward {
    pub listen_host: Option<String>,
    pub listen_port: i32,
    pub listen_path: Option<String>,
    pub connect_host: Option<String>,
    pub connect_port: i32,
    pub connect_path: Option<String>,
}

/// One field of a specification and whether it looks like a path (contains `/`).
struct Field {
    arg: String,
    is_path: bool,
}

/// readconf.c `parse_fwd_field`: a `[bracketed]` field is literal, otherwise `\` escapes and
/// `:` ends the field. Returns the field and the rest (None at the end).
fn next_field(s: &str) -> Option<(Field, Option<&str>)> {
    if s.is_empty() {
        return None;
    }
    if let Some(inner) = s.strip_prefix('[') {
        let close = inner.find(']')?;
        let after = &inner[close + 1..];
        let rest = match after.as_bytes().first() {
            None => None,
            Some(b':') => Some(&after[1..]),
            Some(_) => return None,
        };
        let arg = &inner[..close];
        let field = Field {
            is_path: arg.contains('/'),
            arg: arg.to_string(),
        };
        return Some((field, rest));
    }
    let mut arg = String::new();
    let mut is_path = false;
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => arg.push(chars.next()?.1),
            ':' => return Some((Field { arg, is_path }, Some(&s[i + 1..]))),
            '/' => {
                is_path = true;
                arg.push(c);
            }
            _ => arg.push(c),
        }
    }
    Some((Field { arg, is_path }, None))
}

fn port(s: &str) -> i32 {
    super::values::a2port(s).map_or(-1, i32::from)
}

/// readconf.c `parse_forward` (after ssh's `${VAR}` expansion of the whole spec): None when
/// ssh says "Bad forwarding specification".
pub(crate) fn parse(spec: &str, dynamic: bool, remote: bool) -> Option<Forward> {
    let spec = super::tokens::dollar_expand(spec).ok()?;
    let mut rest = Some(spec.trim_start_matches(|c: char| c.is_ascii_whitespace()));
    let mut fields = Vec::new();
    while fields.len() < 4 {
        let Some(r) = rest else { break };
        let Some((field, next)) = next_field(r) else {
            if r.is_empty() {
                rest = None;
            }
            break;
        };
        fields.push(field);
        rest = next;
    }
    if rest.is_some_and(|r| !r.is_empty()) {
        return None;
    }
    let f = build(&fields)?;
    check(&f, fields.len(), dynamic, remote).then_some(f)
}

fn build(a: &[Field]) -> Option<Forward> {
    let mut f = Forward {
        listen_host: None,
        listen_port: 0,
        listen_path: None,
        connect_host: None,
        connect_port: 0,
        connect_path: None,
    };
    let s = |x: &Field| Some(x.arg.clone());
    match a {
        [l] if l.is_path => (f.listen_path, f.listen_port) = (s(l), STREAMLOCAL),
        [l] => f.listen_port = port(&l.arg),
        [l, c] if l.is_path && c.is_path => {
            (f.listen_path, f.listen_port) = (s(l), STREAMLOCAL);
            (f.connect_path, f.connect_port) = (s(c), STREAMLOCAL);
        }
        [l, c] if c.is_path => {
            f.listen_port = port(&l.arg);
            (f.connect_path, f.connect_port) = (s(c), STREAMLOCAL);
        }
        [h, p] => (f.listen_host, f.listen_port) = (s(h), port(&p.arg)),
        [l, h, p] if l.is_path => {
            (f.listen_path, f.listen_port) = (s(l), STREAMLOCAL);
            (f.connect_host, f.connect_port) = (s(h), port(&p.arg));
        }
        [h, p, c] if c.is_path => {
            (f.listen_host, f.listen_port) = (s(h), port(&p.arg));
            (f.connect_path, f.connect_port) = (s(c), STREAMLOCAL);
        }
        [p, h, q] => {
            f.listen_port = port(&p.arg);
            (f.connect_host, f.connect_port) = (s(h), port(&q.arg));
        }
        [h, p, c, q] => {
            (f.listen_host, f.listen_port) = (s(h), port(&p.arg));
            (f.connect_host, f.connect_port) = (s(c), port(&q.arg));
        }
        _ => return None,
    }
    if a.len() <= 2 && f.connect_path.is_none() {
        f.connect_host = Some("socks".into());
    }
    Some(f)
}

fn check(f: &Forward, n: usize, dynamic: bool, remote: bool) -> bool {
    if dynamic {
        if !(n == 1 || n == 2) {
            return false;
        }
    } else {
        if !(n == 3 || n == 4) && f.connect_path.is_none() && f.listen_path.is_none() {
            return false;
        }
        if f.connect_port <= 0 && f.connect_path.is_none() {
            return false;
        }
    }
    if (f.listen_port < 0 && f.listen_path.is_none()) || (!remote && f.listen_port == 0) {
        return false;
    }
    let long = |s: &Option<String>, max: usize| s.as_ref().is_some_and(|s| s.len() >= max);
    !(long(&f.connect_host, NI_MAXHOST)
        || long(&f.connect_path, PATH_MAX_SUN)
        || long(&f.listen_host, NI_MAXHOST)
        || long(&f.listen_path, PATH_MAX_SUN))
}

impl Forward {
    /// Whether this is a dynamic (SOCKS) forward.
    pub(crate) fn is_dynamic(&self) -> bool {
        self.connect_host.as_deref() == Some("socks")
    }

    /// The value `ssh -G` prints after the keyword; `with_connect` is false for
    /// DynamicForward, which prints only the listening side.
    pub(crate) fn display(&self, with_connect: bool) -> String {
        let side = |path: &Option<String>, host: &Option<String>, port: i32| match (path, host) {
            (Some(p), _) if port == STREAMLOCAL => p.clone(),
            (_, None) => port.to_string(),
            (_, Some(h)) => format!("[{h}]:{port}"),
        };
        let listen = side(&self.listen_path, &self.listen_host, self.listen_port);
        if !with_connect {
            return listen;
        }
        let connect = side(&self.connect_path, &self.connect_host, self.connect_port);
        format!("{listen} {connect}")
    }

    /// Apply `f` to the socket paths (ssh expands `%` tokens in them before use).
    pub(crate) fn map_paths(
        &mut self,
        f: impl Fn(&str) -> Result<String, String>,
    ) -> Result<(), String> {
        for p in [&mut self.listen_path, &mut self.connect_path]
            .into_iter()
            .flatten()
        {
            *p = f(p)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(spec: &str, dynamic: bool, remote: bool) -> Option<String> {
        parse(spec, dynamic, remote).map(|f| f.display(!dynamic))
    }

    #[test]
    fn forms_as_ssh_g_prints_them() {
        // Expected strings from `ssh -G` (OpenSSH 9.2p1).
        assert_eq!(
            show("127.0.0.1:8080:[::1]:80", false, false).unwrap(),
            "[127.0.0.1]:8080 [::1]:80"
        );
        assert_eq!(show("8081:h:81", false, false).unwrap(), "8081 [h]:81");
        assert_eq!(
            show("localhost:1080", true, false).unwrap(),
            "[localhost]:1080"
        );
        assert_eq!(show("1081", true, false).unwrap(), "1081");
        assert_eq!(
            show("/l/s.sock:/tmp/k.sock", false, false).unwrap(),
            "/l/s.sock /tmp/k.sock"
        );
        assert_eq!(
            show("/r/x:localhost:80", false, true).unwrap(),
            "/r/x [localhost]:80"
        );
        assert_eq!(show("[::1]:0:h:22", false, true).unwrap(), "[::1]:0 [h]:22");
        let dynamic_remote = parse("9090", true, true).unwrap();
        assert!(dynamic_remote.is_dynamic());
        assert_eq!(dynamic_remote.display(true), "9090 [socks]:0");
    }

    #[test]
    fn refused_specifications() {
        assert!(parse("0:h:80", false, false).is_none());
        assert!(parse("80:h:0", false, true).is_none());
        assert!(parse("h:x", true, false).is_none());
        assert!(parse("80", false, false).is_none());
        assert!(parse("1:2:3:4:5", false, false).is_none());
        assert!(parse("[x:1:h:2", false, false).is_none());
        assert!(parse("", true, false).is_none());
    }
}
