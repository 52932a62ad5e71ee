//! Where sshd's log is read from, and how: the tail of a file (never the whole of a large
//! one) or `journalctl -o json`, and following either as new lines arrive (`--watch`).

use super::line::MAX_LINE;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How much of a log file's end is read: enough for the last attempts of a busy server.
pub const TAIL_BYTES: u64 = 4 << 20;
/// Journal entries asked for.
pub const JOURNAL_LINES: usize = 20_000;
/// The log files distributions write sshd's messages to, in the order looked at.
pub const LOG_FILES: [&str; 3] = ["/var/log/auth.log", "/var/log/secure", "/var/log/messages"];
/// The journalctl command that reads sshd's unit (Debian's is `ssh`, others' `sshd`).
pub const JOURNAL_ARGS: [&str; 8] = ["-u", "ssh", "-u", "sshd", "-o", "json", "--no-pager", "-q"];

/// Where the lines come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file (given with `--log`, or the system's auth log).
    File(PathBuf),
    /// journald, through `journalctl`.
    Journal,
}

impl Origin {
    /// How it is named to the user.
    pub fn describe(&self) -> String {
        match self {
            Origin::File(p) => p.display().to_string(),
            Origin::Journal => format!("journalctl {}", JOURNAL_ARGS.join(" ")),
        }
    }
}

/// The last lines of a log.
#[derive(Debug, Clone, Default)]
pub struct Tail {
    /// The lines, oldest first, each at most [`MAX_LINE`] bytes.
    pub lines: Vec<String>,
    /// Whether the read started after the beginning (the file is larger than [`TAIL_BYTES`]).
    pub cut: bool,
    /// Where reading stopped (the file's size then), for following it.
    pub end: u64,
}

/// Split bytes into lines (lossy UTF-8, each cut at [`MAX_LINE`]); a last line without its
/// newline is returned apart.
pub fn lines_of(bytes: &[u8]) -> (Vec<String>, &[u8]) {
    let mut lines = Vec::new();
    let mut rest = bytes;
    while let Some(i) = rest.iter().position(|&b| b == b'\n') {
        let line = &rest[..i.min(MAX_LINE)];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        lines.push(String::from_utf8_lossy(line).into_owned());
        rest = &rest[i + 1..];
    }
    (lines, rest)
}

/// The last [`TAIL_BYTES`] of a file, from the first complete line in them: linear in that
/// bound, whatever the file's size.
pub fn read_tail(path: &Path) -> io::Result<Tail> {
    read_tail_bounded(path, TAIL_BYTES)
}

/// [`read_tail`] with another bound (for tests).
pub fn read_tail_bounded(path: &Path, limit: u64) -> io::Result<Tail> {
    let mut file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    let size = meta.len();
    let start = size.saturating_sub(limit);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(size - start).read_to_end(&mut bytes)?;
    let mut body: &[u8] = &bytes;
    if start > 0 {
        // The first line is probably cut: start at the next one.
        let skip = body
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |i| i + 1);
        body = &body[skip..];
    }
    let (mut lines, partial) = lines_of(body);
    if !partial.is_empty() {
        lines.push(String::from_utf8_lossy(&partial[..partial.len().min(MAX_LINE)]).into_owned());
    }
    Ok(Tail {
        lines,
        cut: start > 0,
        end: start + bytes.len() as u64,
    })
}

/// The last entries of sshd's units in the journal, as JSON lines; `None` when journalctl is
/// missing, fails, finds no journal or has nothing from sshd.
pub async fn journal_tail(timeout: Duration) -> Option<Vec<String>> {
    let mut cmd = tokio::process::Command::new("journalctl");
    cmd.args(JOURNAL_ARGS)
        .args(["-n", &JOURNAL_LINES.to_string()])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(timeout, cmd.output())
        .await
        .ok()?
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let (lines, _) = lines_of(&out.stdout);
    let lines: Vec<String> = lines.into_iter().filter(|l| l.starts_with('{')).collect();
    (!lines.is_empty()).then_some(lines)
}

/// Follows a file from an offset: each poll returns the complete lines added since. A file
/// replaced (rotated) or truncated is read again from its start.
#[derive(Debug)]
pub struct FileFollower {
    path: PathBuf,
    offset: u64,
    inode: Option<u64>,
    partial: Vec<u8>,
}

impl FileFollower {
    /// Follow `path` from `offset` (the end of what was read already).
    pub fn new(path: PathBuf, offset: u64) -> FileFollower {
        use std::os::unix::fs::MetadataExt;
        let inode = std::fs::metadata(&path).ok().map(|m| m.ino());
        FileFollower {
            path,
            offset,
            inode,
            partial: Vec::new(),
        }
    }

    /// The complete lines added since the last poll (at most [`TAIL_BYTES`] per poll).
    pub fn poll(&mut self) -> io::Result<Vec<String>> {
        use std::os::unix::fs::MetadataExt;
        let mut file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        if Some(meta.ino()) != self.inode || meta.len() < self.offset {
            self.inode = Some(meta.ino());
            self.offset = 0;
            self.partial.clear();
        }
        if meta.len() == self.offset {
            return Ok(Vec::new());
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut bytes = Vec::new();
        file.take(TAIL_BYTES).read_to_end(&mut bytes)?;
        self.offset += bytes.len() as u64;
        self.partial.extend_from_slice(&bytes);
        let (lines, rest) = lines_of(&self.partial);
        let rest = rest[..rest.len().min(MAX_LINE)].to_vec();
        self.partial = rest;
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn only_the_tail_of_a_large_file_is_read_from_a_whole_line() {
        let dir = std::env::temp_dir().join(format!("sshdoctor-tail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("auth.log");
        let mut f = File::create(&path).unwrap();
        for i in 0..1000 {
            writeln!(f, "line {i:04} xxxxxxxxxxxxxxxxxxxxxxxx").unwrap();
        }
        let tail = read_tail_bounded(&path, 1000).unwrap();
        assert!(tail.cut);
        assert!(tail.lines.len() < 40, "{}", tail.lines.len());
        assert_eq!(
            tail.lines.last().unwrap(),
            "line 0999 xxxxxxxxxxxxxxxxxxxxxxxx"
        );
        assert!(tail.lines[0].starts_with("line 09"), "{}", tail.lines[0]);
        let mut follow = FileFollower::new(path.clone(), tail.end);
        assert!(follow.poll().unwrap().is_empty());
        write!(f, "new line\npart").unwrap();
        assert_eq!(follow.poll().unwrap(), ["new line"]);
        writeln!(f, "ial").unwrap();
        assert_eq!(follow.poll().unwrap(), ["partial"]);
        std::fs::write(&path, "rotated\n").unwrap();
        assert_eq!(follow.poll().unwrap(), ["rotated"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
