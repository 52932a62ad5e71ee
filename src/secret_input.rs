//! A text box for a password or passphrase whose bytes are wiped when it is done with.
//!
//! tui-input's `Input` keeps its text in an ordinary `String` that grows by reallocating
//! (leaving old copies behind in freed memory) and is dropped without being cleared. This one
//! holds the secret in one buffer reserved up front and never reallocated — a character that
//! would not fit is refused — and zeroes the whole buffer, spare capacity included, when the
//! box is emptied or dropped. The cursor stays at the end: a masked box shows no text to move
//! within, so only typing, erasing and pasting are offered.

use tui_input::InputRequest;
use zeroize::{Zeroize, Zeroizing};

/// What any text box takes from a paste, as one line: the final line break dropped, inner
/// ones and tabs as spaces, other control characters removed.
pub fn pasted_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.trim_end_matches(['\r', '\n'])
        .chars()
        .filter_map(|c| match c {
            '\n' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
}

/// The most bytes a secret may have (far beyond any real password or passphrase).
pub const MAX_SECRET_BYTES: usize = 1024;

pub struct SecretInput {
    value: Zeroizing<String>,
}

impl Default for SecretInput {
    fn default() -> Self {
        SecretInput::new()
    }
}

/// A copy in its own fixed buffer, wiped on drop like the original.
impl Clone for SecretInput {
    fn clone(&self) -> Self {
        let mut copy = SecretInput::new();
        copy.value.push_str(&self.value);
        copy
    }
}

impl std::fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretInput(<{} chars hidden>)", self.chars())
    }
}

impl SecretInput {
    pub fn new() -> SecretInput {
        SecretInput {
            value: Zeroizing::new(String::with_capacity(MAX_SECRET_BYTES)),
        }
    }

    /// How many characters were typed (what the mask shows).
    pub fn chars(&self) -> usize {
        self.value.chars().count()
    }

    /// Whether the last character was refused for lack of room.
    fn fits(&self, c: char) -> bool {
        self.value.len() + c.len_utf8() <= MAX_SECRET_BYTES
    }

    /// Applies an edit: characters are added at the end, erasing works backwards from the end;
    /// cursor moves do nothing. Returns false when a character was refused (the box is full).
    pub fn handle(&mut self, request: InputRequest) -> bool {
        match request {
            InputRequest::InsertChar(c) if !c.is_control() => {
                if !self.fits(c) {
                    return false;
                }
                self.value.push(c);
            }
            // The erased bytes stay in the buffer's spare capacity until it is zeroed, whole,
            // when the box is emptied or dropped.
            InputRequest::DeletePrevChar => {
                self.value.pop();
            }
            InputRequest::DeleteLine
            | InputRequest::DeletePrevWord
            | InputRequest::DeleteTillEnd => {
                self.wipe();
            }
            _ => {}
        }
        true
    }

    /// Pasted text, as [`pasted_chars`] makes it; stops at the first character that does not
    /// fit.
    pub fn paste(&mut self, text: &str) {
        for c in pasted_chars(text) {
            if !self.handle(InputRequest::InsertChar(c)) {
                break;
            }
        }
    }

    /// The secret, moved out (no copy); the box is left empty with a fresh buffer.
    pub fn take(&mut self) -> Zeroizing<String> {
        std::mem::replace(&mut self.value, SecretInput::new().value)
    }

    /// Empties the box, zeroing the whole buffer.
    pub fn wipe(&mut self) {
        // Zeroize for String clears the bytes and the spare capacity, then empties it.
        self.value.zeroize();
        if self.value.capacity() < MAX_SECRET_BYTES {
            self.value.reserve(MAX_SECRET_BYTES);
        }
    }

    #[cfg(test)]
    pub(crate) fn peek(&self) -> &str {
        &self.value
    }

    #[cfg(test)]
    fn buffer(&self) -> (*const u8, usize) {
        (self.value.as_ptr(), self.value.capacity())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> SecretInput {
        let mut s = SecretInput::new();
        for c in text.chars() {
            assert!(s.handle(InputRequest::InsertChar(c)));
        }
        s
    }

    #[test]
    fn typing_erasing_and_taking() {
        let mut s = typed("hunter2é");
        assert_eq!(s.chars(), 8);
        s.handle(InputRequest::DeletePrevChar);
        s.handle(InputRequest::GoToStart); // no cursor: ignored
        s.handle(InputRequest::InsertChar('!'));
        assert_eq!(s.peek(), "hunter2!");
        assert_eq!(format!("{s:?}"), "SecretInput(<8 chars hidden>)");
        let taken = s.take();
        assert_eq!(taken.as_str(), "hunter2!");
        assert_eq!(s.chars(), 0);
        s.handle(InputRequest::InsertChar('x'));
        s.handle(InputRequest::DeleteLine);
        assert_eq!(s.peek(), "");
    }

    #[test]
    fn the_buffer_never_moves_and_a_full_box_refuses_more() {
        let mut s = SecretInput::new();
        let (ptr, cap) = s.buffer();
        assert!(cap >= MAX_SECRET_BYTES);
        for _ in 0..MAX_SECRET_BYTES {
            assert!(s.handle(InputRequest::InsertChar('a')));
        }
        assert!(!s.handle(InputRequest::InsertChar('b')), "full");
        assert_eq!(s.buffer(), (ptr, cap), "never reallocated");
        s.handle(InputRequest::DeletePrevChar);
        assert_eq!(s.buffer(), (ptr, cap), "erasing keeps the buffer");
        assert!(
            !s.handle(InputRequest::InsertChar('é')),
            "two bytes, one free"
        );
        assert!(s.handle(InputRequest::InsertChar('z')));
    }

    #[test]
    fn paste_is_one_line() {
        let mut s = SecretInput::new();
        s.paste("pass\tword\r\n");
        assert_eq!(s.peek(), "pass word");
        s.paste("\u{7}x");
        assert_eq!(s.peek(), "pass wordx");
    }
}
