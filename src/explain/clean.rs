//! Taking pasted noise off a transcript line: prompts and command lines, timestamps and log
//! prefixes (terminals, chats, VS Code's Remote-SSH log, Terraform, CI), markdown quotes, fences,
//! backticks and bold, authors' annotations, and ssh's own `debugN: ` level.

use super::input::RawLine;
use crate::event::Level;

/// One line of ssh output (or of noise) with its input line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The input line it came from (several lines share it when a paste lost its line ends).
    pub no: usize,
    /// ssh's level: `debugN: ` lines are debug, the rest is shown always.
    pub level: Level,
    /// The message without noise or level prefix.
    pub core: String,
    /// The command this line runs, when it is a prompt with an ssh-like command.
    pub command: Option<CommandLine>,
    /// A markdown fence (```, ~~~): pasted blocks often hold one attempt each.
    pub fence: bool,
}

/// A command line found in the transcript (`$ ssh -v -p 2222 alice@host`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// `ssh`, `scp`, `sftp`, `rsync`, `git`, `sshpass`.
    pub tool: String,
    /// The words after the tool, quotes removed.
    pub args: Vec<String>,
}

/// The tools whose stderr carries ssh's lines.
const TOOLS: [&str; 8] = [
    "ssh", "scp", "sftp", "rsync", "git", "sshpass", "slogin", "autossh",
];

/// The lines of ssh output in one input line (usually one; several when a paste flattened
/// them, or a tool quoted ssh's stderr with `\r\n` escapes).
pub fn lines(raw: &RawLine) -> Vec<Line> {
    pieces(&raw.text)
        .into_iter()
        .map(|piece| line(raw.no, &piece))
        .collect()
}

/// Split a line that holds several of ssh's: escaped line ends, or many `debugN: ` runs.
fn pieces(text: &str) -> Vec<String> {
    if text.contains("\\n") && (text.contains("debug") || text.contains("ssh")) {
        let unescaped = text.replace("\\\"", "\"");
        return unescaped
            .split("\\n")
            .map(|p| p.trim_end_matches("\\r").to_string())
            .collect();
    }
    let markers = ["debug1: ", "debug2: ", "debug3: "];
    let count: usize = markers.iter().map(|m| text.matches(m).count()).sum();
    if count < 2 {
        return vec![text.to_string()];
    }
    let mut cuts: Vec<usize> = markers
        .iter()
        .flat_map(|m| text.match_indices(m).map(|(i, _)| i))
        .filter(|i| *i > 0)
        .collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0;
    for c in cuts {
        out.push(text[at..c].to_string());
        at = c;
    }
    out.push(text[at..].to_string());
    out
}

fn line(no: usize, text: &str) -> Line {
    let bare = strip_timestamp(text.trim_start());
    let bare = bare.strip_prefix("> ").unwrap_or(bare).trim_start();
    let fence = bare.starts_with("```") || bare.starts_with("~~~");
    let mut core = strip_noise(text);
    // ssh's own lines name commands too (`Executing proxy command: exec ssh ...`).
    let command = (!core.starts_with("debug"))
        .then(|| command_line(&core))
        .flatten();
    let mut level = Level::Info;
    for (prefix, l) in [
        ("debug1: ", Level::Debug1),
        ("debug2: ", Level::Debug2),
        ("debug3: ", Level::Debug3),
    ] {
        if let Some(rest) = core.strip_prefix(prefix) {
            level = l;
            core = rest.to_string();
            break;
        }
    }
    Line {
        no,
        level,
        core: core.trim_end().to_string(),
        command,
        fence,
    }
}

/// The line without what was pasted around ssh's text.
pub fn strip_noise(text: &str) -> String {
    let mut s = text.trim();
    let mut quoted = false;
    for _ in 0..10 {
        let before = s;
        s = s.trim_start();
        if s.starts_with("```") || s.starts_with("~~~") {
            return String::new();
        }
        for prefix in ["> ", ">", "`", "**", "\\`", "| "] {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest;
            }
        }
        s = strip_timestamp(s.trim_start());
        for prefix in [
            "stderr> ",
            "stdout> ",
            "stderr: ",
            "Got stderr from ssh: ",
            "\"SSH Tunnel\" terminal received data: \"",
        ] {
            if let Some(rest) = s.strip_prefix(prefix) {
                quoted |= prefix.ends_with('"');
                s = rest;
            }
        }
        s = strip_tool_tag(s);
        if s == before {
            break;
        }
    }
    let mut s = s.trim_end();
    for annotation in [" <<<", " ===>", " # <--", " <--"] {
        if let Some(i) = s.find(annotation) {
            s = &s[..i];
        }
    }
    for suffix in ["```", "`", "**", "\\r\\n"] {
        s = s.trim_end().trim_end_matches(suffix);
    }
    if quoted {
        s = s.trim_end().trim_end_matches('"');
    }
    s.trim_end().to_string()
}

/// A timestamp at the start: `[15:30:21.939]`, `[2024-03-01 12:00:00]`, `2024-03-01T12:00:00Z`,
/// `12:00:01`, `Mar  1 12:00:00`.
fn strip_timestamp(s: &str) -> &str {
    if let Some(rest) = after_bracketed_time(s) {
        return rest;
    }
    let bytes = s.as_bytes();
    let digits = |from: usize, n: usize| {
        bytes.len() >= from + n && bytes[from..from + n].iter().all(u8::is_ascii_digit)
    };
    let mut i = 0;
    // 2024-03-01[T ]
    if digits(0, 4) && bytes.get(4) == Some(&b'-') && digits(5, 2) && bytes.get(7) == Some(&b'-') {
        i = 10;
        if matches!(bytes.get(i), Some(b'T') | Some(b' ')) && digits(i + 1, 2) {
            i += 1;
        } else {
            return s[i..].trim_start();
        }
    } else if s.len() > 7 && MONTHS.iter().any(|m| s.starts_with(m)) && bytes[3] == b' ' {
        let day = s[4..].trim_start();
        let skip = s.len() - day.len();
        let day_len = day.bytes().take_while(u8::is_ascii_digit).count();
        if day_len == 0 {
            return s;
        }
        i = skip + day_len + 1;
    }
    // HH:MM[:SS[.frac]][Z|+hh:mm]
    if digits(i, 2) && bytes.get(i + 2) == Some(&b':') && digits(i + 3, 2) {
        let mut j = i + 5;
        if bytes.get(j) == Some(&b':') && digits(j + 1, 2) {
            j += 3;
        }
        if matches!(bytes.get(j), Some(b'.') | Some(b',')) {
            j += 1;
            while bytes.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
        }
        while bytes
            .get(j)
            .is_some_and(|b| matches!(b, b'Z' | b'+' | b'-' | b':') || b.is_ascii_digit())
        {
            j += 1;
        }
        if j == s.len() || bytes.get(j) == Some(&b' ') {
            return s[j..].trim_start();
        }
    }
    s
}

/// The text after a bracketed time at the start (`[12:01:02.345] ...`, `[2024-03-01 12:01]`).
fn after_bracketed_time(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('[')?;
    let end = rest.find(']')?;
    let inside = &rest[..end];
    let timeish = inside.len() <= 40
        && inside.chars().any(|c| c.is_ascii_digit())
        && inside.contains(':')
        && inside
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " :.-+/TZ,".contains(c));
    timeish.then(|| rest[end + 1..].trim_start())
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A tool's own tag before ssh's text: `Tunnel(123) stderr: `, `null_resource.x (local-exec): `.
fn strip_tool_tag(s: &str) -> &str {
    for tag in [" stderr: ", " (local-exec): ", "(local-exec): "] {
        if let Some(i) = s.find(tag) {
            let head = &s[..i];
            if i <= 80 && !head.contains(": ") && !head.starts_with("debug") {
                return &s[i + tag.len()..];
            }
        }
    }
    s
}

/// A prompt followed by an ssh-like command (`$ ssh -v host`, `PS C:\> ssh.exe ...`,
/// `+ git push`, `GIT_SSH_COMMAND="ssh -v" git pull`).
fn command_line(core: &str) -> Option<CommandLine> {
    let words = shell_words(core);
    for i in 0..words.len().min(12) {
        let word = &words[i];
        let base = word
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(word)
            .trim_end_matches(".exe")
            .trim_end_matches(".EXE");
        if !TOOLS.contains(&base) {
            continue;
        }
        let before = &words[..i];
        let prompt_ok = before.is_empty()
            || before.last().is_some_and(|w| {
                w.ends_with(['$', '#', '%', '>', '❯', '➜', '»', '→'])
                    || ["+", "sudo", "time"].contains(&w.as_str())
            })
            || before.iter().all(|w| w.contains('='));
        // A sentence that merely names ssh ("ssh is") is not a command.
        let args: Vec<String> = words[i + 1..].to_vec();
        let after_prompt = before.last().is_some_and(|w| {
            w.ends_with(['$', '#', '%', '>', '❯', '➜', '»', '→'])
                || ["+", "sudo", "time"].contains(&w.as_str())
        });
        let looks_like_args =
            args.iter().take(3).any(|a| {
                a.starts_with('-') || a.contains('@') || a.contains('.') || a.contains(':')
            }) || (after_prompt && !args.is_empty());
        if prompt_ok && looks_like_args {
            return Some(CommandLine {
                tool: base.to_string(),
                args,
            });
        }
    }
    None
}

/// Words as a shell splits them (single and double quotes; no expansion).
pub fn shell_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
        if words.len() > 64 {
            break;
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Line {
        lines(&RawLine {
            no: 7,
            text: text.into(),
        })
        .remove(0)
    }

    #[test]
    fn prefixes_come_off() {
        for (text, core) in [
            ("[15:30:21.939] > @    WARNING: X", "@    WARNING: X"),
            ("> Offending ECDSA key in C:\\\\Users\\\\a/.ssh/known_hosts:1", "Offending ECDSA key in C:\\\\Users\\\\a/.ssh/known_hosts:1"),
            ("2024-03-01T12:00:00.123Z debug1: Connecting to h [1.2.3.4] port 22.", "Connecting to h [1.2.3.4] port 22."),
            ("12:00:01 ssh: connect to host h port 22: Connection refused", "ssh: connect to host h port 22: Connection refused"),
            ("[10:32:11.000] stderr> Connection closed by UNKNOWN port 65535", "Connection closed by UNKNOWN port 65535"),
            ("Tunnel(1234) stderr: channel 2: open failed: administratively prohibited: open failed", "channel 2: open failed: administratively prohibited: open failed"),
            ("null_resource.x[1] (local-exec): Host key verification failed.", "Host key verification failed."),
            ("`kex_exchange_identification: Connection closed by remote host`", "kex_exchange_identification: Connection closed by remote host"),
            ("**subsystem request failed on channel 0**", "subsystem request failed on channel 0"),
            ("debug1: Offering public key: x <<<<<<< failed", "Offering public key: x"),
            ("Mar  1 12:00:00 debug1: Next authentication method: publickey", "Next authentication method: publickey"),
        ] {
            assert_eq!(one(text).core, core, "{text}");
        }
        assert_eq!(one("debug2: x").level, Level::Debug2);
    }

    #[test]
    fn prompts_with_commands_are_found() {
        for (text, tool) in [
            ("$ ssh -vvv -p 2222 alice@host", "ssh"),
            ("alice@laptop:~$ scp file host:", "scp"),
            ("PS C:\\Users\\a> .\\ssh.exe -v host.example.com", "ssh"),
            ("+ git push origin main", "git"),
            ("└─$ ssh root@10.0.0.1", "ssh"),
            ("[root@node1 ~]# ssh -vv 192.0.2.1", "ssh"),
        ] {
            assert_eq!(
                one(text).command.map(|c| c.tool).as_deref(),
                Some(tool),
                "{text}"
            );
        }
        for text in [
            "ssh: connect to host h port 22: Connection refused",
            "ssh is great",
        ] {
            assert_eq!(one(text).command, None, "{text}");
        }
    }

    #[test]
    fn flattened_and_escaped_pastes_split() {
        let raw = RawLine {
            no: 3,
            text: "debug1: a debug3: b debug1: c".into(),
        };
        let cores: Vec<String> = lines(&raw).into_iter().map(|l| l.core).collect();
        assert_eq!(cores, ["a", "b", "c"]);
        let raw = RawLine {
            no: 4,
            text: r#""msg": "OpenSSH_7.2p2\r\ndebug1: Connecting to h [h] port 22.\r\n""#.into(),
        };
        assert!(lines(&raw)
            .iter()
            .any(|l| l.core == "Connecting to h [h] port 22." && l.no == 4));
    }
}
