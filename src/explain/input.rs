//! Reading a transcript: bounded in memory whatever its size (the last [`MAX_BYTES`] are kept,
//! every line is counted), lines cut at [`MAX_LINE`], CR removed, control bytes made visible.

use std::io::Read;

/// At most this many bytes of a transcript are kept: the end, where the last attempt is.
pub const MAX_BYTES: usize = 1024 * 1024;
/// A line is cut after this many bytes (ssh's own lines are far shorter).
pub const MAX_LINE: usize = 4096;

/// One physical line of the input, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    /// Its number in the input, from 1.
    pub no: usize,
    /// Its text: CR and the line end removed, cut at [`MAX_LINE`], control characters shown as
    /// `\xNN` (never passed to a terminal as they are).
    pub text: String,
}

/// What was read, and what could not be kept.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// The lines kept (the last ones when the input was too large).
    pub lines: Vec<RawLine>,
    /// Bytes in the whole input.
    pub total_bytes: u64,
    /// Lines before the first one kept (the input was larger than [`MAX_BYTES`]).
    pub skipped_lines: usize,
    /// Lines cut at [`MAX_LINE`].
    pub cut_lines: usize,
    /// Bytes that were NUL or otherwise not text (binary input).
    pub binary_bytes: u64,
}

/// Read everything from `reader`, keeping only the last [`MAX_BYTES`] in memory; the cost is
/// linear in the input's size.
pub fn read(mut reader: impl Read) -> std::io::Result<Input> {
    let mut kept: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut total: u64 = 0;
    let mut dropped_newlines = 0usize;
    let mut binary: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        total += n as u64;
        binary += buf[..n].iter().filter(|b| is_binary(**b)).count() as u64;
        kept.extend_from_slice(&buf[..n]);
        // Drop the front in large steps, so each byte is moved a bounded number of times.
        if kept.len() >= 2 * MAX_BYTES {
            let excess = kept.len() - MAX_BYTES;
            dropped_newlines += kept[..excess].iter().filter(|b| **b == b'\n').count();
            kept.drain(..excess);
        }
    }
    if kept.len() > MAX_BYTES {
        let excess = kept.len() - MAX_BYTES;
        dropped_newlines += kept[..excess].iter().filter(|b| **b == b'\n').count();
        kept.drain(..excess);
    }
    Ok(split(&kept, total, dropped_newlines, binary))
}

/// A byte no text transcript holds (NUL and C0 controls other than line ends, tab and ESC).
fn is_binary(b: u8) -> bool {
    b == 0 || (b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x1b))
}

/// Split kept bytes into lines; a partial first line (cut by the size limit) is dropped.
fn split(bytes: &[u8], total: u64, dropped_newlines: usize, binary: u64) -> Input {
    let mut input = Input {
        total_bytes: total,
        binary_bytes: binary,
        ..Input::default()
    };
    let mut start = 0;
    let mut no = dropped_newlines + 1;
    if dropped_newlines > 0 || (total as usize) > bytes.len() {
        // The kept window starts inside a line: skip to the next one.
        match bytes.iter().position(|b| *b == b'\n') {
            Some(p) => {
                start = p + 1;
                no += 1;
            }
            None => start = bytes.len(),
        }
        input.skipped_lines = no - 1;
    }
    for raw in bytes[start..].split(|b| *b == b'\n') {
        let mut raw = raw;
        while let Some(rest) = raw.strip_suffix(b"\r") {
            raw = rest;
        }
        if raw.len() > MAX_LINE {
            input.cut_lines += 1;
            raw = &raw[..MAX_LINE];
        }
        input.lines.push(RawLine {
            no,
            text: visible(raw),
        });
        no += 1;
    }
    // A final line end leaves an empty last piece that is no line.
    if input.lines.last().is_some_and(|l| l.text.is_empty()) && bytes.ends_with(b"\n") {
        input.lines.pop();
    }
    input
}

/// The line as text: invalid UTF-8 replaced, terminal colour sequences (`ESC [ ... m`, as a
/// captured terminal holds them) removed, other control characters (but tab) shown as `\xNN`,
/// bidirectional formatting characters as `\u{NNNN}`, a lone CR (a terminal's progress line)
/// as a space: nothing of the transcript can drive the reader's terminal.
fn visible(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates, then one final byte.
            for d in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&d) {
                    break;
                }
            }
            continue;
        }
        match c {
            '\t' => out.push('\t'),
            '\r' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32 & 0xff)),
            // Bidirectional formatting would reorder what the reader sees.
            '\u{200e}'
            | '\u{200f}'
            | '\u{061c}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_line_numbers() {
        let input = read(&b"one\r\ntwo\r\n\r\nfour"[..]).unwrap();
        let texts: Vec<_> = input
            .lines
            .iter()
            .map(|l| (l.no, l.text.as_str()))
            .collect();
        assert_eq!(texts, [(1, "one"), (2, "two"), (3, ""), (4, "four")]);
    }

    #[test]
    fn a_large_input_keeps_its_end_and_true_line_numbers() {
        let mut data = Vec::new();
        for i in 0..(3 * MAX_BYTES / 10 + 1000) {
            data.extend_from_slice(format!("line {i:04}\n").as_bytes());
        }
        let input = read(&data[..]).unwrap();
        let last = input.lines.last().unwrap();
        assert_eq!(last.no, 3 * MAX_BYTES / 10 + 1000);
        assert!(input.skipped_lines > 0);
        let first = &input.lines[0];
        assert_eq!(first.text, format!("line {:04}", first.no - 1));
    }

    #[test]
    fn controls_are_shown_not_kept() {
        let input = read(&b"a\x1b[31mred\x1b[0m\x00\x07\n"[..]).unwrap();
        assert_eq!(input.lines[0].text, "ared\\x00\\x07");
        assert!(input.binary_bytes > 0);
    }

    #[test]
    fn title_sequences_c1_and_bidi_are_shown_escaped() {
        let text = "x\u{1b}]0;owned\u{7}y\u{9b}2Jz\u{202e}txt.exe";
        let input = read(text.as_bytes()).unwrap();
        let shown = &input.lines[0].text;
        assert_eq!(shown, "x\\x1b]0;owned\\x07y\\x9b2Jz\\u{202e}txt.exe");
        assert_eq!(crate::safe_text::for_terminal(shown), shown.as_str());
    }
}
