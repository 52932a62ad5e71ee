//! One log line split into its time, sshd's pid and the message, whatever wrote it (syslog
//! with or without a pid, rsyslog ISO timestamps, RFC 5424, journald JSON, `sshd -E`).

/// The longest line looked at; the rest of a longer line is dropped (a line is read at a
/// cost linear in this bound, never in what an attacker sent).
pub const MAX_LINE: usize = 8 * 1024;

/// A log line taken apart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogLine {
    /// The timestamp as written (`Jan  5 01:31:41`, `2019-07-25T11:36:26.862243+00:00`), if any.
    pub time: Option<String>,
    /// The pid of the sshd process that wrote it, if the line says.
    pub pid: Option<u32>,
    /// The message sshd logged (for `-E` files and stderr, the whole line).
    pub message: String,
}

/// Programs whose lines are sshd's: the listener, the per-connection binaries of 9.8+/10.0.
const PROGRAMS: [&str; 4] = ["sshd-session", "sshd-auth", "sshd", "[sshd]"];

/// Split a line (without its line ending; a trailing CR is dropped).
pub fn split(raw: &str) -> LogLine {
    let raw = cap(raw.trim_end_matches(['\r', '\n']));
    if raw.starts_with('{') {
        if let Some(line) = journal_json(raw) {
            return line;
        }
    }
    if let Some(line) = apple_asl(raw) {
        return line;
    }
    let time = timestamp(raw);
    match program(raw) {
        Some((pid, message)) => LogLine {
            time,
            pid,
            message: message.trim_start().to_string(),
        },
        None => LogLine {
            time: None,
            pid: None,
            message: raw.to_string(),
        },
    }
}

/// Whether a syslog line was written by another program (`host sudo: ...`, `host
/// CRON[12]: ...`): such lines are skipped, so that `pam_unix(sudo:auth)` is never taken for
/// sshd. A line without a timestamp (sshd's `-E` file) is sshd's.
pub fn is_other_program(raw: &str) -> bool {
    if program(raw).is_some() || raw.starts_with('{') || raw.starts_with("[Time ") {
        return false;
    }
    let Some(time) = timestamp(raw) else {
        return false;
    };
    let words = time.split_whitespace().count();
    // After the time: the host, then the tag (`name:` or `name[pid]:`).
    let mut rest = raw.split_whitespace().skip(words);
    let tag = match rest.next() {
        Some(t) if t.ends_with(':') && !t.contains('.') => Some(t),
        Some(_) => rest.next(),
        None => None,
    };
    tag.is_some_and(|t| {
        let name = t.trim_end_matches(':');
        let name = name.split('[').next().unwrap_or(name);
        t.ends_with(':') && !name.is_empty() && !name.contains('.') && !name.starts_with('<')
    })
}

/// At most [`MAX_LINE`] bytes, cut at a character boundary.
fn cap(s: &str) -> &str {
    if s.len() <= MAX_LINE {
        return s;
    }
    let mut end = MAX_LINE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The program tag and what follows it: `sshd[123]: msg`, `sshd[123] msg` (rsyslog without
/// the colon), `sshd: msg`, `[sshd]: msg`, RFC 5424's `sshd 123 - - msg`, old PAM's
/// `sshd(pam_unix)[123]: msg`. The tag must start a word, so `pam_unix(sshd:auth)` is not one.
fn program(raw: &str) -> Option<(Option<u32>, &str)> {
    let bytes = raw.as_bytes();
    let mut from = 0;
    while from < raw.len() {
        let (at, name) = PROGRAMS
            .iter()
            .filter_map(|p| raw[from..].find(p).map(|i| (from + i, *p)))
            .min_by_key(|(i, p)| (*i, std::cmp::Reverse(p.len())))?;
        let starts_word = at == 0 || matches!(bytes[at - 1], b' ' | b'/' | b'\t');
        let rest = &raw[at + name.len()..];
        if starts_word && name == "[sshd]" {
            return Some((None, rest.strip_prefix(':').unwrap_or(rest)));
        }
        if starts_word {
            if let Some(found) = after_tag(rest) {
                return Some(found);
            }
        }
        from = at + name.len();
    }
    None
}

/// What follows a program name: its pid and the message, if it is a tag.
fn after_tag(rest: &str) -> Option<(Option<u32>, &str)> {
    let rest = rest.strip_prefix("(pam_unix)").unwrap_or(rest);
    if let Some(inner) = rest.strip_prefix('[') {
        let end = inner.find(']')?;
        let pid = inner[..end].parse().ok();
        let after = &inner[end + 1..];
        let message = after.strip_prefix(':').unwrap_or(after);
        return Some((pid, message));
    }
    if let Some(message) = rest.strip_prefix(':') {
        return Some((None, message));
    }
    // RFC 5424: `sshd PID MSGID STRUCTURED-DATA MSG`.
    let mut parts = rest.strip_prefix(' ')?.splitn(2, ' ');
    let pid: u32 = parts.next()?.parse().ok()?;
    let after = parts.next()?.strip_prefix("- ")?;
    Some((Some(pid), skip_structured_data(after)))
}

/// RFC 5424 structured data (`-` or `[id k="v"]...`) before the message.
fn skip_structured_data(s: &str) -> &str {
    if let Some(rest) = s.strip_prefix("- ") {
        return rest;
    }
    let mut rest = s;
    while rest.starts_with('[') {
        let mut quoted = false;
        let mut end = None;
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = !quoted,
                ']' if !quoted => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        match end {
            Some(i) => rest = &rest[i + 1..],
            None => return rest,
        }
    }
    rest.trim_start()
}

/// Mac OS X ASL: `[Time ...] [Facility auth] [Sender sshd] [PID 483] [Message msg] [Level 3]`.
fn apple_asl(raw: &str) -> Option<LogLine> {
    if !raw.starts_with("[Time ") || !raw.contains("[Sender sshd]") {
        return None;
    }
    let field = |name: &str| {
        let start = raw.find(&format!("[{name} "))? + name.len() + 2;
        let end = raw[start..].find("] [").map_or(raw.len(), |e| start + e);
        Some(raw[start..end].trim_end_matches(']').to_string())
    };
    Some(LogLine {
        time: field("Time"),
        pid: field("PID").and_then(|p| p.parse().ok()),
        message: field("Message")?,
    })
}

/// A `journalctl -o json` record: MESSAGE (a string, or bytes for non-UTF-8 text), the pid
/// and the time (`__REALTIME_TIMESTAMP`, microseconds, shown in UTC).
fn journal_json(raw: &str) -> Option<LogLine> {
    let value: serde_json::Value = serde_json::from_str(raw).ok()?;
    let message = match value.get("MESSAGE")? {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(bytes) => {
            let bytes: Vec<u8> = bytes
                .iter()
                .filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        _ => return None,
    };
    let text = |k: &str| value.get(k).and_then(|v| v.as_str());
    let pid = text("_PID")
        .or_else(|| text("SYSLOG_PID"))
        .and_then(|p| p.parse().ok());
    let time = text("__REALTIME_TIMESTAMP")
        .and_then(|t| t.parse::<u64>().ok())
        .map(|us| utc_time(us / 1_000_000));
    Some(LogLine {
        time,
        pid,
        message: cap(&message).to_string(),
    })
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a Unix time.
pub fn utc_time(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map_or_else(
            || format!("@{secs}"),
            |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
        )
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The timestamp a line starts with: syslog's `Mon dd HH:MM:SS`, or an ISO 8601 date (with
/// its time, `T` or a space between them).
fn timestamp(raw: &str) -> Option<String> {
    let mut words = raw.split_whitespace();
    let first = words.next()?;
    if MONTHS.contains(&first) {
        let day = words.next()?;
        let time = words.next()?;
        return (day.len() <= 2 && time.contains(':')).then(|| format!("{first} {day:>2} {time}"));
    }
    let b = first.as_bytes();
    let iso =
        b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-';
    if !iso {
        return None;
    }
    if first.len() > 10 {
        return Some(first.to_string());
    }
    match words.next() {
        Some(t) if t.contains(':') && t.starts_with(|c: char| c.is_ascii_digit()) => {
            Some(format!("{first} {t}"))
        }
        _ => Some(first.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefix_gives_the_same_message() {
        let message = "Invalid user admin from 192.0.2.1 port 4242";
        for (line, pid) in [
            (format!("Jan  5 01:31:41 www sshd[1643]: {message}"), Some(1643)),
            (format!("2019-07-25T11:36:26.862243+00:00 linux sshd[14286]: {message}"), Some(14286)),
            (format!("Jun 13 15:48:16 web03 sshd-session[62495]: {message}"), Some(62495)),
            (format!("2020-05-29T11:28:56.058908+02:00 bastion sshd[20974] {message}"), Some(20974)),
            (format!("Jan 15 17:56:59 localhost sshd: {message}"), None),
            (format!("Mar  3 00:17:22 [sshd]: {message}"), None),
            (format!("<38>1 2019-07-08T17:40:16.954167-04:00 host sshd 57915 - - {message}"), Some(57915)),
            (format!("<38>1 2022-01-19T14:23:55+00:00 OPNsense sshd 44255 - [meta sequenceId=\"1\"] {message}"), Some(44255)),
            (format!("{message}\r"), None),
            (format!("{{\"MESSAGE\":\"{message}\",\"_PID\":\"77\",\"__REALTIME_TIMESTAMP\":\"1570338064732555\"}}"), Some(77)),
        ] {
            let l = split(&line);
            assert_eq!(l.message, message, "{line}");
            assert_eq!(l.pid, pid, "{line}");
        }
    }

    #[test]
    fn pam_service_names_are_not_program_tags() {
        let l = split("pam_unix(sshd:auth): authentication failure; rhost=127.0.0.1  user=root");
        assert!(l.message.starts_with("pam_unix(sshd:auth)"), "{l:?}");
        let l = split("May 12 09:47:54 vaio sshd[16004]: (pam_unix) authentication failure");
        assert_eq!(l.message, "(pam_unix) authentication failure");
    }

    #[test]
    fn times_as_written_and_journal_times_in_utc() {
        assert_eq!(
            split("Jan  5 01:31:41 www sshd[1]: x").time.as_deref(),
            Some("Jan  5 01:31:41")
        );
        assert_eq!(
            split("2020-03-23 06:08:41.939744-0700  localhost sshd[287]: x")
                .time
                .as_deref(),
            Some("2020-03-23 06:08:41.939744-0700")
        );
        assert_eq!(utc_time(1_570_338_064), "2019-10-06 05:01:04");
        assert_eq!(utc_time(0), "1970-01-01 00:00:00");
    }

    #[test]
    fn other_programs_lines_are_told_apart() {
        assert!(is_other_program(
            "Jan  5 01:31:41 www sudo: pam_unix(sudo:auth): authentication failure; user=bob"
        ));
        assert!(is_other_program(
            "2024-01-02T03:04:05.000+00:00 www CRON[12]: pam_unix(cron:session): x"
        ));
        assert!(!is_other_program(
            "Jan  5 01:31:41 www sshd[12]: Failed password for bob from 1.2.3.4 port 5 ssh2"
        ));
        assert!(!is_other_program(
            "Failed password for bob from 1.2.3.4 port 5 ssh2"
        ));
        assert!(!is_other_program(
            "2015-05-27T04:31:27.46667 auth.info: Invalid user admin from 192.168.2.1"
        ));
    }

    #[test]
    fn a_huge_line_is_cut() {
        let l = split(&"é".repeat(MAX_LINE));
        assert!(l.message.len() <= MAX_LINE);
    }
}
