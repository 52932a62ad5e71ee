//! What the server's `df -Pk` and `sshd -T` print, read.

use super::options::parse_decimal;

/// One filesystem's space, from `df -Pk PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskUse {
    /// The filesystem (device) name.
    pub filesystem: String,
    /// Total size in KiB.
    pub size_kib: u64,
    /// Space available to unprivileged users in KiB.
    pub available_kib: u64,
    /// The capacity column (used / (used + available), rounded up).
    pub use_percent: u8,
    /// Where it is mounted.
    pub mount: String,
}

impl DiskUse {
    /// Full: less than 1 MiB available, or the capacity column says 100% or more.
    pub fn is_full(&self) -> bool {
        self.available_kib < 1024 || self.use_percent >= 100
    }
}

/// `(start, end)` byte ranges of the whitespace-separated fields of `line`.
fn field_spans(line: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, line.len()));
    }
    spans
}

/// A data line: filesystem, then blocks, used, available, `N%`, mount point.
/// The first run of three numbers followed by a percentage is taken, so the
/// filesystem name and the mount point may both contain spaces.
fn parse_df_line(line: &str, block_kib_halves: u64) -> Option<DiskUse> {
    let spans = field_spans(line);
    let field = |k: usize| &line[spans[k].0..spans[k].1];
    let number = |k: usize| parse_decimal(field(k).as_bytes());
    for k in 1..spans.len().saturating_sub(4) {
        let (Some(size), Some(_used), Some(avail)) = (number(k), number(k + 1), number(k + 2))
        else {
            continue;
        };
        let Some(pct) = field(k + 3).strip_suffix('%') else {
            continue;
        };
        let Some(pct) = parse_decimal(pct.as_bytes()) else {
            continue;
        };
        let use_percent = u8::try_from(pct).unwrap_or(u8::MAX);
        let filesystem = line[spans[0].0..spans[k - 1].1].to_string();
        let mount = line[spans[k + 4].0..].trim_end().to_string();
        let kib = |blocks: u64| blocks.saturating_mul(block_kib_halves) / 2;
        return Some(DiskUse {
            filesystem,
            size_kib: kib(size),
            available_kib: kib(avail),
            use_percent,
            mount,
        });
    }
    None
}

/// Parse POSIX `df -Pk PATH` output (a header line, then one data line).
///
/// The numbers are taken as 1024-byte blocks unless the header says
/// `512-blocks` (`df -P` without `-k`). A filesystem name printed on a line of
/// its own is joined with the next line. Returns `None` on anything
/// unparseable, including a capacity of `-` (a filesystem of size 0).
pub fn parse_df(output: &str) -> Option<DiskUse> {
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    let halves = if lines.first().is_some_and(|h| {
        h.split_whitespace()
            .any(|w| w.eq_ignore_ascii_case("512-blocks"))
    }) {
        1
    } else {
        2
    };
    if let Some(d) = lines.iter().find_map(|l| parse_df_line(l, halves)) {
        return Some(d);
    }
    // A long filesystem name on a line of its own (never the header).
    lines
        .windows(2)
        .skip(1)
        .find_map(|w| parse_df_line(&format!("{} {}", w[0].trim_end(), w[1]), halves))
}

/// The `sshd -T` keywords that bear on logging in, in report order.
const SSHD_LOGIN_KEYWORDS: [&str; 13] = [
    "authorizedkeysfile",
    "pubkeyauthentication",
    "passwordauthentication",
    "kbdinteractiveauthentication",
    "maxauthtries",
    "permitrootlogin",
    "strictmodes",
    "allowusers",
    "denyusers",
    "allowgroups",
    "denygroups",
    "authenticationmethods",
    "usepam",
];

/// The settings in `sshd -T` output that bear on logging in, in this order
/// when present: `authorizedkeysfile`, `pubkeyauthentication`,
/// `passwordauthentication`, `kbdinteractiveauthentication`, `maxauthtries`,
/// `permitrootlogin`, `strictmodes`, `allowusers`, `denyusers`, `allowgroups`,
/// `denygroups`, `authenticationmethods`, `usepam`.
///
/// Keywords are matched case-insensitively and returned in lowercase; a
/// keyword printed on several lines (`allowusers` prints one per user) has
/// its values joined with a space.
pub fn parse_sshd_t(output: &str) -> Vec<(String, String)> {
    let mut values: Vec<Vec<&str>> = vec![Vec::new(); SSHD_LOGIN_KEYWORDS.len()];
    for line in output.lines() {
        let line = line.trim();
        let (keyword, value) = match line.find(|c: char| c.is_whitespace()) {
            Some(i) => (&line[..i], line[i..].trim()),
            None => (line, ""),
        };
        if let Some(k) = SSHD_LOGIN_KEYWORDS
            .iter()
            .position(|w| w.eq_ignore_ascii_case(keyword))
        {
            values[k].push(value);
        }
    }
    SSHD_LOGIN_KEYWORDS
        .iter()
        .zip(values)
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| ((*k).to_string(), v.join(" ")))
        .collect()
}
