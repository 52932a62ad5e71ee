//! sshd's log: each line taken apart ([`mod@line`]), classified ([`mod@classify`], [`cause`]), grouped into
//! login attempts ([`attempts`]), read from a file's tail or journald ([`source`]).

pub mod attempts;
pub mod cause;
pub mod classify;
pub mod extract;
pub mod line;
pub mod source;

pub use attempts::{Attempt, Attempts};
pub use cause::Cause;
pub use classify::{classify, Parsed};
pub use line::{split, LogLine};

/// One line taken apart and classified.
pub fn parse(raw: &str) -> (LogLine, Parsed) {
    let line = split(raw);
    let parsed = classify(&line.message);
    (line, parsed)
}
