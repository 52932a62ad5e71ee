//! Making text safe for a terminal: the one rule every text output (text and markdown reports,
//! `--fix` previews, `--record` transcripts, error messages) applies before it is written.
//!
//! Strings from the network (a server's disconnect reason, banner, file names it reports) and from
//! files (known_hosts comments, config values) may hold control characters. Written raw, ESC
//! sequences would drive the reader's terminal (move the cursor, rewrite lines, set the title), BEL
//! rings, and bidirectional overrides reorder what is shown. JSON needs none of this: serde_json
//! escapes controls itself and keeps the exact value.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a character must not reach a terminal as it is: C0 controls other than newline and
/// tab, DEL, C1 controls (U+0080–U+009F), and the Unicode bidirectional formatting characters.
fn is_unsafe(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        c if c.is_control() => true, // C0, DEL and C1
        '\u{200e}' | '\u{200f}' | '\u{061c}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// `text` with every unsafe character shown escaped: `\x1b` for C0 and DEL, `\u{9b}` for C1 and
/// bidirectional controls. Newlines and tabs are kept (they lay out multi-line text). Borrows
/// when there is nothing to escape.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !is_unsafe(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// Write `text` to standard error, made safe for the terminal, ignoring a closed stream.
pub fn eprint(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(for_terminal(text).as_bytes());
    let _ = err.flush();
}

/// Standard error as a [`std::fmt::Write`] target whose every piece is made safe for the
/// terminal (for `writeln!` sequences such as the `--fix` dialogue); write errors are ignored.
pub struct SafeStderr;

impl std::fmt::Write for SafeStderr {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        use std::io::Write;
        let _ = std::io::stderr().write_all(for_terminal(s).as_bytes());
        Ok(())
    }
}

impl SafeStderr {
    /// Flush standard error (before reading an answer).
    pub fn flush(&mut self) {
        use std::io::Write;
        let _ = std::io::stderr().flush();
    }
}

#[cfg(test)]
mod tests {
    use super::for_terminal;

    #[test]
    fn controls_are_shown_escaped_and_layout_is_kept() {
        assert_eq!(for_terminal("plain text"), "plain text");
        assert!(matches!(
            for_terminal("a\nb\tc"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(for_terminal("\x1b[2J\x07bye\r"), "\\x1b[2J\\x07bye\\x0d");
        assert_eq!(for_terminal("nul\0del\x7f"), "nul\\x00del\\x7f");
        assert_eq!(for_terminal("c1 \u{9b}31m"), "c1 \\u{9b}31m");
        assert_eq!(for_terminal("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(for_terminal("日本語 ok"), "日本語 ok");
    }

    #[test]
    fn nothing_unsafe_survives_any_input() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let safe = for_terminal(&all);
        assert!(safe
            .chars()
            .all(|c| c == '\n' || c == '\t' || !super::is_unsafe(c)));
        assert!(!safe.contains('\x1b') && !safe.contains('\u{9b}') && !safe.contains('\r'));
    }
}
