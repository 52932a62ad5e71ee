//! The process exit codes, documented in one place (also in `--help` and the README); the
//! command line, the console and the onboarding flow all return these.

/// The login would work.
pub const OK: u8 = 0;
/// Problems were found.
pub const PROBLEMS: u8 = 1;
/// The command line was wrong.
pub const USAGE: u8 = 2;
/// sshdoctor itself failed.
pub const INTERNAL: u8 = 3;
