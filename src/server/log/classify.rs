//! What one sshd log message means for a login: the [`Cause`] it names, with the user,
//! address and detail (the list that refused, the path, the client's offer) — or nothing, for
//! lines that are not about an authentication problem.

use super::cause::Cause;
use super::extract::{addr_port, after_from, pam_field, user_addr, user_from, Who};

/// What [`classify`] found in a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The cause named; `None` for a line that is not about an authentication problem.
    pub cause: Option<Cause>,
    /// `Connection from A port P ...`: a connection starts (LogLevel VERBOSE).
    pub connect: bool,
    /// The user, the client's address and port, as the line names them.
    pub who: Who,
    /// The refusing list, the path, the client's offer, the key file.
    pub detail: Option<String>,
    /// The connection ends with this line.
    pub ends: bool,
}

fn hit(cause: Cause, who: Who, detail: Option<String>) -> Option<Parsed> {
    Some(Parsed {
        cause: Some(cause),
        who,
        detail,
        ..Parsed::default()
    })
}

/// The same, for a line that ends the connection.
fn last(cause: Cause, who: Who, detail: Option<String>) -> Option<Parsed> {
    hit(cause, who, detail).map(|p| Parsed { ends: true, ..p })
}

/// A line that is not a problem but ends the connection.
fn ending() -> Option<Parsed> {
    Some(Parsed {
        ends: true,
        ..Parsed::default()
    })
}

/// The text after the first occurrence of `pat`.
fn after<'a>(s: &'a str, pat: &str) -> Option<&'a str> {
    s.find(pat).map(|i| &s[i + pat.len()..])
}

/// Classify one message (the part after the program tag; see [`super::line::split`]).
pub fn classify(message: &str) -> Parsed {
    let m = message.trim();
    let m = after(m, "message repeated ")
        .and_then(|r| after(r, "[ "))
        .map_or(m, |r| r.trim_end_matches(" ]").trim_end_matches(']'));
    let rules: [fn(&str) -> Option<Parsed>; 9] = [
        not_an_attempt,
        refused_account,
        daemon,
        pam,
        limits,
        handshake,
        invalid_user,
        auth_result,
        closed,
    ];
    rules
        .iter()
        .find_map(|rule| rule(m))
        .unwrap_or_else(|| connection(m))
}

/// Lines that mention a user or a failure but are not one: debug output, `Postponed`,
/// the client's `none` probe.
fn not_an_attempt(m: &str) -> Option<Parsed> {
    if m.contains("drop_connection:") {
        return hit(Cause::MaxStartups, Who::default(), None);
    }
    let probe = after(m, "Failed none for ")
        .is_some_and(|r| !r.starts_with("invalid user ") && !r.starts_with("illegal user "));
    let quiet =
        m.starts_with("debug") || m.contains("Postponed ") || probe || m.contains("Accepted key ");
    quiet.then(Parsed::default)
}

/// `User U [from A] not allowed because ...`, `ROOT LOGIN REFUSED`, StrictModes.
fn refused_account(m: &str) -> Option<Parsed> {
    if let Some(i) = m.find(" not allowed because ") {
        let why = &m[i + 21..];
        let head = after(m, "User ").unwrap_or("");
        let head = &head[..head.find(" not allowed because ").unwrap_or(head.len())];
        let who = match head.rfind(" from ") {
            Some(j) => Who {
                user: Some(head[..j].to_string()),
                addr: super::extract::address(head[j + 6..].trim()),
                port: None,
            },
            None => Who {
                user: Some(head.to_string()),
                ..Who::default()
            },
        };
        let cause = if why.starts_with("account is locked") {
            Cause::AccountLocked
        } else if why.starts_with("shell ") {
            Cause::ShellInvalid
        } else {
            Cause::UserNotAllowed
        };
        return hit(
            cause,
            who,
            Some(why.trim_end_matches(" [preauth]").to_string()),
        );
    }
    if let Some(rest) = after(m, "ROOT LOGIN REFUSED FROM ") {
        let (addr, port) = addr_port(rest);
        let who = Who {
            user: Some("root".into()),
            addr,
            port,
        };
        return hit(Cause::RootLoginRefused, who, None);
    }
    if let Some(rest) = after(m, "bad ownership or modes for ") {
        let path = rest.split_once(' ').map(|(_, p)| p.trim().to_string());
        return hit(Cause::StrictModes, Who::default(), path);
    }
    None
}

/// sshd itself: host keys, the privilege separation directory, the config, binding.
fn daemon(m: &str) -> Option<Parsed> {
    if let Some(dir) = after(m, "Missing privilege separation directory") {
        let dir = dir.trim_start_matches(':').trim();
        return hit(
            Cause::PrivsepMissing,
            Who::default(),
            (!dir.is_empty()).then(|| dir.to_string()),
        );
    }
    for pat in [
        "Could not load host key",
        "Unable to load host key",
        "no hostkeys available",
    ] {
        if let Some(rest) = after(m, pat) {
            let file = rest
                .trim_start_matches([':', ' '])
                .split(['"', ':'])
                .find(|s| !s.trim().is_empty())
                .map(|s| s.trim().to_string())
                .filter(|s| s.starts_with('/'));
            return hit(Cause::HostkeyUnloadable, Who::default(), file);
        }
    }
    let config_error = m.contains("Bad configuration option")
        || m.contains("bad configuration options")
        || m.contains("is not allowed within a Match block");
    if config_error {
        return hit(Cause::ConfigInvalid, Who::default(), Some(m.to_string()));
    }
    if m.contains("Cannot bind any address") {
        return hit(Cause::NotListening, Who::default(), None);
    }
    None
}

/// PAM's and the shadow file's refusals.
fn pam(m: &str) -> Option<Parsed> {
    if let Some(rest) = after(m, "Access denied for user ") {
        if let Some(i) = rest.find(" by PAM account configuration") {
            // As logged: a name with a trailing space (as one reporter's was) keeps it.
            return last(Cause::PamRefused, user_only(rest[..i].to_string()), None);
        }
    }
    if m.contains("User account has expired") {
        let who = after(m, "has expired for ")
            .map(user_from)
            .unwrap_or_default();
        return hit(Cause::AccountExpired, who, None);
    }
    if m.starts_with("Account ") && m.contains(" has expired") {
        let user = m[8..m.find(" has expired").unwrap_or(8)].to_string();
        return hit(Cause::AccountExpired, user_only(user), None);
    }
    if m.starts_with("User ") && m.contains(" password has expired") {
        let user = m[5..m.find(" password has expired").unwrap_or(5)].to_string();
        return hit(Cause::AccountExpired, user_only(user), None);
    }
    if let Some(rest) = after(m, "(sshd:account): ") {
        if rest.to_ascii_lowercase().contains("access denied") {
            let user = after(rest, "for user ").map(|u| {
                let end = u.find([':', ' ']).unwrap_or(u.len());
                u[..end].trim_matches(|c| c == '`' || c == '\'').to_string()
            });
            let addr = after(rest, " from ").and_then(|a| super::extract::address(a.trim()));
            return hit(
                Cause::PamRefused,
                Who {
                    user,
                    addr,
                    port: None,
                },
                None,
            );
        }
    }
    if m.contains("pam_succeed_if(sshd:auth): requirement") {
        let user = after(m, "not met by user ").map(|u| u.trim().trim_matches('"').to_string());
        return hit(
            Cause::PamRefused,
            Who {
                user,
                ..Who::default()
            },
            None,
        );
    }
    for pat in ["PAM: Permission denied for ", "PAM: Module is unknown for "] {
        if let Some(rest) = after(m, pat) {
            return hit(Cause::PamRefused, user_from(rest), None);
        }
    }
    if m.contains("PAM: pam_setcred()") {
        return hit(Cause::PamRefused, Who::default(), None);
    }
    None
}

fn user_only(user: String) -> Who {
    Who {
        user: Some(user),
        ..Who::default()
    }
}

/// MaxAuthTries and MaxStartups.
fn limits(m: &str) -> Option<Parsed> {
    if let Some(rest) = after(m, "maximum authentication attempts exceeded for ") {
        return hit(Cause::TooManyFailures, user_from(rest), None);
    }
    if m.contains("Too many authentication failures") {
        let who = if let Some(rest) = after(m, "Disconnecting ").filter(|r| !r.starts_with(':')) {
            let end = rest.find(": Too many").unwrap_or(rest.len());
            user_addr(&rest[..end])
        } else {
            after(m, "Too many authentication failures for ")
                .map(user_from)
                .unwrap_or_default()
        };
        return last(Cause::TooManyFailures, who, None);
    }
    let startups = m.contains("drop connection #")
        || m.contains("MaxStartups throttling")
        || m.contains("logging rate-limited: additional")
        || m.contains("srclimit_penalise:");
    if startups {
        let (addr, port) = if m.contains("drop connection #") {
            after_from(m)
        } else {
            (penalised(m), None)
        };
        return hit(Cause::MaxStartups, Who::at((addr, port)), None);
    }
    None
}

/// The address of `srclimit_penalise: ... 192.0.2.8/32 ...` (the first address/prefix).
fn penalised(m: &str) -> Option<String> {
    m.split_whitespace()
        .filter_map(|w| w.trim_end_matches(':').split_once('/'))
        .find(|(a, bits)| a.contains(['.', ':']) && bits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|(a, _)| super::extract::address(a))
}

/// Key exchange and the identification exchange.
fn handshake(m: &str) -> Option<Parsed> {
    if let Some(rest) = after(m, "Unable to negotiate with ") {
        let (addr, port) = negotiate_peer(rest);
        let offer =
            after(rest, "Their offer: ").map(|o| o.trim_end_matches(" [preauth]").to_string());
        let what = rest
            .split_once(": ")
            .map(|(_, w)| w.split('.').next().unwrap_or(w).to_string());
        let detail = match (what, offer) {
            (Some(w), Some(o)) => Some(format!("{w}; the client offered {o}")),
            (w, o) => w.or(o),
        };
        return last(Cause::KexMismatch, Who::at((addr, port)), detail);
    }
    let lower = m.to_ascii_lowercase();
    if m.contains("Unable to negotiate a key exchange method")
        || lower.contains("no matching cipher found: client")
        || lower.contains("no matching mac found: client")
    {
        return last(
            Cause::KexMismatch,
            Who::default(),
            Some(m.trim_end_matches(" [preauth]").to_string()),
        );
    }
    let banner = m.contains("kex_exchange_identification:")
        || m.contains("banner exchange:")
        || m.contains("Did not receive identification string")
        || m.contains("Bad protocol version identification")
        || m.contains("Magic value check failed");
    if banner {
        let (addr, port) = if m.contains("Bad protocol version identification") {
            m.rfind(" from ")
                .map_or((None, None), |i| addr_port(&m[i + 6..]))
        } else {
            after_from(m)
        };
        let ends = !m.contains("kex_exchange_identification:");
        let parsed = hit(Cause::BannerExchange, Who::at((addr, port)), None);
        return parsed.map(|p| Parsed { ends, ..p });
    }
    None
}

/// `Unable to negotiate with A[ port P]: ...`: the address may be IPv6, so the peer ends
/// at `: no matching` (or the first `: `).
fn negotiate_peer(rest: &str) -> (Option<String>, Option<u16>) {
    let end = rest.find(": ").unwrap_or(rest.len());
    addr_port(&rest[..end])
}

/// Accounts sshd does not know.
fn invalid_user(m: &str) -> Option<Parsed> {
    for pat in ["Invalid user ", "Illegal user "] {
        if let Some(rest) = after(m, pat) {
            if !m.contains("Failed ") && !m.contains("PAM: ") {
                return hit(Cause::InvalidUser, user_from(rest), None);
            }
        }
    }
    for pat in [
        "input_userauth_request: invalid user ",
        "input_userauth_request: illegal user ",
    ] {
        if let Some(rest) = after(m, pat) {
            let user = rest.trim_end_matches(" [preauth]").to_string();
            return hit(Cause::InvalidUser, user_only(user), None);
        }
    }
    if let Some(rest) = after(m, "Failed ") {
        if let Some(i) = rest.find(" for ") {
            let target = &rest[i + 5..];
            if target.starts_with("invalid user ") || target.starts_with("illegal user ") {
                return hit(Cause::InvalidUser, user_from(target), None);
            }
            if let Some(r) = target.strip_prefix("<invalid username> ") {
                let mut who = user_from(&format!("x {r}"));
                who.user = None;
                return hit(Cause::InvalidUser, who, None);
            }
        }
    }
    if m.contains("PAM: ") {
        if let Some(rest) = after(m, " for illegal user ") {
            return hit(Cause::InvalidUser, user_from(rest), None);
        }
    }
    if m.contains("check pass; user unknown") {
        return hit(Cause::InvalidUser, Who::default(), None);
    }
    if let Some(rest) = after(m, "error retrieving information about user ") {
        return hit(Cause::InvalidUser, user_only(rest.trim().to_string()), None);
    }
    None
}

/// `Failed`/`Accepted METHOD for U from A port P`, PAM's authentication failures, and the
/// key lookups that failed.
fn auth_result(m: &str) -> Option<Parsed> {
    for (pat, cause) in [
        ("Failed ", Cause::AuthFailed),
        ("Accepted ", Cause::AuthAccepted),
    ] {
        if let Some(rest) = after(m, pat) {
            if let Some(i) = rest.find(" for ") {
                let method = &rest[..i];
                if !method.contains(' ') {
                    return hit(cause, user_from(&rest[i + 5..]), Some(method.to_string()));
                }
            }
        }
    }
    let lower = m.to_ascii_lowercase();
    for pat in [
        "pam: authentication failure for ",
        "pam: authentication error for ",
    ] {
        if let Some(i) = lower.find(pat) {
            return hit(Cause::AuthFailed, user_from(&m[i + pat.len()..]), None);
        }
    }
    if m.contains("authentication failure; logname=") || m.contains("more authentication failures;")
    {
        let who = Who {
            user: pam_field(m, "user"),
            addr: pam_field(m, "rhost").and_then(|a| super::extract::address(&a)),
            port: None,
        };
        return hit(Cause::AuthFailed, who, None);
    }
    if let Some(rest) = after(m, "AuthorizedKeysCommand ") {
        if let Some(i) = rest
            .find(" failed, status ")
            .or_else(|| rest.find(" returned status "))
        {
            // `COMMAND ARGS failed`: the first argument is the user (`%u`) in every setup seen.
            let user = rest[..i].split_whitespace().nth(1).map(str::to_string);
            let detail = Some(m.to_string());
            return hit(
                Cause::AuthFailed,
                Who {
                    user,
                    ..Who::default()
                },
                detail,
            );
        }
    }
    let key_lookup = m.contains("Could not stat AuthorizedKeysCommand")
        || (m.contains("userauth_pubkey: ") && m.contains(" not in Pubkey"));
    if key_lookup {
        return hit(
            Cause::AuthFailed,
            Who::default(),
            Some(m.trim_end_matches(" [preauth]").to_string()),
        );
    }
    None
}

/// Connections that ended before authentication completed.
fn closed(m: &str) -> Option<Parsed> {
    let preauth = m.contains("[preauth]");
    closed_by(m, preauth)
        .or_else(|| disconnecting(m))
        .or_else(|| received_disconnect(m, preauth))
        .or_else(|| login_timeout(m))
        .or_else(|| broken_preauth(m, preauth))
}

/// `Connection closed/reset by …`, `Disconnected from …`: before authentication when the line
/// says `[preauth]` or names the user being authenticated; any other such line just ends the
/// connection.
fn closed_by(m: &str, preauth: bool) -> Option<Parsed> {
    for pat in [
        "Connection closed by ",
        "Connection reset by ",
        "Disconnected from ",
    ] {
        if let Some(rest) = after(m, pat) {
            if rest.starts_with("peer") || rest.starts_with("remote host") {
                continue; // `Read from socket failed: Connection reset by peer`
            }
            let named =
                rest.starts_with("authenticating user ") || rest.starts_with("invalid user ");
            // `Disconnected from X user U ...` with another word is no sshd format.
            let odd = !named && rest.split_whitespace().nth(1) == Some("user");
            if !(preauth || named) || odd {
                return ending();
            }
            return last(Cause::PreauthClosed, user_addr(rest), None);
        }
    }
    None
}

/// `Disconnecting authenticating user U A port P: reason` (and `invalid user`).
fn disconnecting(m: &str) -> Option<Parsed> {
    let rest = after(m, "Disconnecting ")?;
    if rest.starts_with("authenticating user ") || rest.starts_with("invalid user ") {
        let end = disconnect_reason_start(rest);
        return last(Cause::PreauthClosed, user_addr(&rest[..end]), None);
    }
    None
}

/// `Received disconnect from A port P`: before authentication when `[preauth]` or the client
/// gave up (`Auth fail`); else it just ends the connection.
fn received_disconnect(m: &str, preauth: bool) -> Option<Parsed> {
    let rest = after(m, "Received disconnect from ")?;
    if preauth || rest.contains("Auth fail") {
        let who = Who::at(after_from(&format!("from {rest}")));
        return last(Cause::PreauthClosed, who, None);
    }
    ending()
}

/// `Timeout before authentication for A port P` (LoginGraceTime).
fn login_timeout(m: &str) -> Option<Parsed> {
    let rest = after(m, "Timeout before authentication for ")?;
    // 9.8+: `connection from X to Y, pid = N` — X is the client, except in 9.8p1, which
    // swapped them; the other address is kept so a caller knowing its own can tell.
    let (addr, port, other) = match rest.strip_prefix("connection from ") {
        Some(r) => {
            let other = after(r, " to ")
                .and_then(|t| super::extract::address(t.split(',').next().unwrap_or(t)));
            (addr_port(r).0, None, other)
        }
        None => {
            let (a, p) = addr_port(rest);
            (a, p, None)
        }
    };
    last(Cause::PreauthClosed, Who::at((addr, port)), other)
}

/// A connection broken before authentication (`[preauth]`): a fatal dispatch error, a
/// failed read or write, a corrupted packet.
fn broken_preauth(m: &str, preauth: bool) -> Option<Parsed> {
    let broken = [
        "ssh_dispatch_run_fatal:",
        "Read from socket failed",
        "Write failed",
        "Corrupted MAC",
        "Bad packet length",
        "bad client public DH",
    ];
    if !preauth || !broken.iter().any(|b| m.contains(b)) {
        return None;
    }
    let who = Who::at(after(m, "Connection from ").map_or((None, None), addr_port));
    last(Cause::PreauthClosed, who, None)
}

/// Where the reason starts in `... U A port P: reason`.
fn disconnect_reason_start(rest: &str) -> usize {
    let mut from = 0;
    while let Some(i) = rest[from..].find(" port ") {
        let at = from + i + 6;
        let digits = rest[at..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - at);
        if digits > 0 && rest[at + digits..].starts_with(':') {
            return at + digits;
        }
        from = at;
    }
    rest.len()
}

/// `Connection from A port P on L port Q`: the start of a connection (not a problem).
fn connection(m: &str) -> Parsed {
    match after(m, "Connection from ") {
        Some(rest) if m.starts_with("Connection from ") => {
            let (addr, port) = addr_port(rest);
            Parsed {
                connect: true,
                who: Who::at((addr, port)),
                ..Parsed::default()
            }
        }
        _ => Parsed::default(),
    }
}
