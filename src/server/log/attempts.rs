//! Log lines grouped into login attempts: by sshd's pid where the log has one, else (an
//! `sshd -E` file) by the client's address and port, a line naming neither joining the
//! connection last heard of. Each attempt keeps the most telling cause of its lines.

use super::cause::Cause;
use std::collections::VecDeque;

/// Lines kept per attempt (the first ones, then the last).
const MAX_LINES: usize = 24;
/// Attempts kept open at once (a flood of half-open connections cannot grow this).
const MAX_OPEN: usize = 256;

/// One connection's lines and what they say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attempt {
    /// The time of its first line, as logged.
    pub time: Option<String>,
    /// The sshd process that logged it.
    pub pid: Option<u32>,
    /// The account named.
    pub user: Option<String>,
    /// The client's address.
    pub addr: Option<String>,
    /// The client's port.
    pub port: Option<u16>,
    /// The most telling problem its lines name (see [`Cause`]'s order).
    pub cause: Option<Cause>,
    /// The detail of that cause (the list, the path, the client's offer).
    pub detail: Option<String>,
    /// The line that named the cause.
    pub cause_line: Option<String>,
    /// Whether a login was accepted.
    pub accepted: bool,
    /// Its lines, as logged (at most 24: the first ones, then the last).
    pub lines: Vec<String>,
    /// Whether the log shows its end.
    pub ended: bool,
    /// Whether this is sshd itself (startup errors), not a connection.
    pub daemon: bool,
}

impl Attempt {
    /// `alice from 192.0.2.1 port 4242` (what is known of it).
    pub fn who(&self) -> String {
        self.who_text().english()
    }

    /// [`Attempt::who`] in no language yet: the user (or that none was named), then the
    /// address and port as sshd logs them.
    pub fn who_text(&self) -> crate::i18n::Text {
        let user = match &self.user {
            Some(u) if u.is_empty() => crate::text!("server.attempts.empty_user"),
            Some(u) => u.into(),
            None if self.daemon => "sshd".into(),
            None => crate::text!("server.attempts.no_user"),
        };
        let mut s = String::new();
        if let Some(a) = &self.addr {
            s.push_str(&format!(" from {a}"));
        }
        if let Some(p) = self.port {
            s.push_str(&format!(" port {p}"));
        }
        crate::i18n::Text::join([user, s.into()], "")
    }

    fn add(&mut self, raw: &str, line: &super::LogLine, parsed: &super::Parsed) {
        if self.time.is_none() {
            self.time.clone_from(&line.time);
        }
        self.pid = self.pid.or(line.pid);
        let who = &parsed.who;
        if self.user.is_none() {
            self.user.clone_from(&who.user);
        }
        if self.addr.is_none() {
            self.addr.clone_from(&who.addr);
        }
        self.port = self.port.or(who.port);
        match parsed.cause {
            Some(Cause::AuthAccepted) => self.accepted = true,
            Some(c) if self.cause.is_none_or(|old| c < old) => {
                self.cause = Some(c);
                self.detail.clone_from(&parsed.detail);
                self.cause_line = Some(line.message.clone());
            }
            _ => {}
        }
        if self.lines.len() < MAX_LINES {
            self.lines.push(raw.to_string());
        } else if let Some(last) = self.lines.last_mut() {
            *last = raw.to_string();
        }
        self.ended |= parsed.ends;
    }

    /// Whether `line` may belong to this attempt (its pid, or its address and port).
    fn takes(&self, pid: Option<u32>, who: &super::extract::Who) -> bool {
        if let (Some(p), Some(q)) = (pid, self.pid) {
            if p != q {
                return false;
            }
        }
        let clash = |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(x), Some(y)) if !same_address(x, y));
        let port_clash = matches!((who.port, self.port), (Some(x), Some(y)) if x != y);
        !clash(&who.addr, &self.addr) && !port_clash
    }
}

/// Whether two addresses are the same client (`::ffff:1.2.3.4` is `1.2.3.4`).
pub fn same_address(a: &str, b: &str) -> bool {
    let plain = |s: &str| s.trim_start_matches("::ffff:").to_ascii_lowercase();
    plain(a) == plain(b)
}

/// Groups lines into attempts as they come; ended attempts are handed back.
#[derive(Debug, Default)]
pub struct Attempts {
    open: VecDeque<Attempt>,
}

impl Attempts {
    /// No attempt yet.
    pub fn new() -> Attempts {
        Attempts::default()
    }

    /// Take one raw line; returns the attempts it ended (or a daemon event it is).
    pub fn push(&mut self, raw: &str) -> Vec<Attempt> {
        let (line, parsed) = super::parse(raw);
        let mut ended = Vec::new();
        if parsed.cause.is_some_and(Cause::is_daemon) || is_listener(&parsed) {
            let mut a = Attempt {
                daemon: parsed.cause.is_some_and(Cause::is_daemon),
                ended: true,
                ..Attempt::default()
            };
            a.add(raw, &line, &parsed);
            return vec![a];
        }
        let index = if parsed.connect {
            self.close_same(line.pid, &parsed.who, &mut ended);
            self.open.push_back(Attempt::default());
            self.open.len() - 1
        } else if parsed.cause.is_some() {
            self.find(line.pid, &parsed).unwrap_or_else(|| {
                self.open.push_back(Attempt::default());
                self.open.len() - 1
            })
        } else {
            // Not a problem: kept only as part of a connection already open (its end, or
            // with a pid, its other lines).
            let known = parsed.ends || self.belongs(line.pid, &parsed);
            match self.find(line.pid, &parsed).filter(|_| known) {
                Some(i) => i,
                None => return ended,
            }
        };
        let mut attempt = self.open.remove(index).unwrap_or_default();
        attempt.add(raw, &line, &parsed);
        if attempt.ended {
            ended.push(attempt);
        } else {
            self.open.push_back(attempt);
        }
        while self.open.len() > MAX_OPEN {
            ended.extend(self.open.pop_front());
        }
        ended
    }

    /// Every attempt still open (the log ends before they do), oldest first.
    pub fn finish(&mut self) -> Vec<Attempt> {
        self.open
            .drain(..)
            .filter(|a| !a.lines.is_empty())
            .collect()
    }

    /// A new connection: anything still open for its pid, or its address and port, is over.
    fn close_same(
        &mut self,
        pid: Option<u32>,
        who: &super::extract::Who,
        ended: &mut Vec<Attempt>,
    ) {
        let mut i = 0;
        while i < self.open.len() {
            let a = &self.open[i];
            let same = match (pid, a.pid) {
                (Some(p), Some(q)) => p == q,
                _ => a.takes(None, who) && a.port.is_some() && a.port == who.port,
            };
            if same {
                ended.extend(self.open.remove(i));
            } else {
                i += 1;
            }
        }
    }

    /// The open attempt a line joins: the same pid (and no clashing address); without a pid
    /// the same address and port, else the same address, else the connection last heard of.
    fn find(&self, pid: Option<u32>, parsed: &super::Parsed) -> Option<usize> {
        let who = &parsed.who;
        let mut newest_first = (0..self.open.len()).rev();
        if pid.is_some() {
            return newest_first.find(|&i| self.open[i].pid == pid && self.open[i].takes(pid, who));
        }
        if who.addr.is_some() {
            let known = |i: &usize| self.open[*i].takes(None, who) && self.open[*i].addr.is_some();
            let exact = (0..self.open.len())
                .rev()
                .find(|i| known(i) && (who.port.is_none() || self.open[*i].port == who.port));
            return exact.or_else(|| {
                newest_first.find(|&i| self.open[i].pid.is_none() && self.open[i].addr.is_none())
            });
        }
        newest_first.find(|&i| self.open[i].pid.is_none())
    }

    /// Whether a line that names no cause still belongs to an open attempt (kept as evidence).
    fn belongs(&self, pid: Option<u32>, parsed: &super::Parsed) -> bool {
        pid.is_some_and(|p| self.open.iter().any(|a| a.pid == Some(p))) && parsed.who.addr.is_none()
    }
}

/// MaxStartups lines are logged by the listener, one per dropped connection.
fn is_listener(parsed: &super::Parsed) -> bool {
    parsed.cause == Some(Cause::MaxStartups)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(text: &str) -> Vec<Attempt> {
        let mut g = Attempts::new();
        let mut all: Vec<Attempt> = text.lines().flat_map(|l| g.push(l)).collect();
        all.extend(g.finish());
        all
    }

    #[test]
    fn an_e_log_without_pids_is_grouped_by_connection() {
        let log = "Connection from 127.0.0.1 port 35280 on 127.0.0.1 port 22922 rdomain \"\"\r
User sdbob from 127.0.0.1 not allowed because not listed in AllowUsers\r
Connection closed by invalid user sdbob 127.0.0.1 port 35280 [preauth]\r
Connection from 127.0.0.1 port 52290 on 127.0.0.1 port 22922 rdomain \"\"\r
Account sdexpired has expired\r
User sdexpired not allowed because account is locked\r
Failed password for invalid user sdexpired from 127.0.0.1 port 52290 ssh2\r
Connection closed by invalid user sdexpired 127.0.0.1 port 52290 [preauth]\r
Connection from 127.0.0.1 port 35228 on 127.0.0.1 port 22922 rdomain \"\"\r
Failed publickey for sdalice from 127.0.0.1 port 35228 ssh2: ED25519 SHA256:x\r
Accepted publickey for sdalice from 127.0.0.1 port 35228 ssh2: ED25519 SHA256:y\r
Received disconnect from 127.0.0.1 port 35228:11: disconnected by user\r
";
        let a = group(log);
        assert_eq!(a.len(), 3, "{a:#?}");
        assert_eq!(a[0].cause, Some(Cause::UserNotAllowed));
        assert_eq!(a[0].user.as_deref(), Some("sdbob"));
        assert_eq!(a[0].port, Some(35280));
        assert_eq!(
            a[1].cause,
            Some(Cause::AccountExpired),
            "expiry explains the lock"
        );
        assert!(a[2].accepted && a[2].ended);
    }

    #[test]
    fn syslog_lines_are_grouped_by_pid() {
        let log = "May 23 18:05:21 h sshd[26236]: Connection from 10.0.2.2 port 59156 on 10.0.2.15 port 22
May 23 18:05:21 h sshd[999]: Invalid user x from 10.9.9.9 port 1
May 23 18:05:21 h sshd[26236]: User myuser not allowed because account is locked
May 23 18:05:21 h sshd[26236]: input_userauth_request: invalid user myuser [preauth]
May 23 18:05:21 h sshd[26236]: Disconnecting: Too many authentication failures [preauth]";
        let a = group(log);
        assert_eq!(a.len(), 2, "{a:#?}");
        let locked = a.iter().find(|a| a.pid == Some(26236)).unwrap();
        assert_eq!(locked.cause, Some(Cause::AccountLocked));
        assert_eq!(locked.addr.as_deref(), Some("10.0.2.2"));
        assert_eq!(locked.lines.len(), 4);
    }
}
