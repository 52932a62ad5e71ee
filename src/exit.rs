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
/// Could not tell: the server and ssh agree only on an algorithm sshdoctor cannot speak
/// (`probe.unsupported_algorithm`), so the login was not checked; no problem was found.
pub const COULD_NOT_TELL: u8 = 4;

/// The exit code for a finished diagnosis.
pub fn for_report(report: &crate::report::Report) -> u8 {
    if report.ok() {
        OK
    } else if report.could_not_tell() {
        COULD_NOT_TELL
    } else {
        PROBLEMS
    }
}
