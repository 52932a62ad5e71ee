//! `sshdoctor server`: sshd's side of a login, looked at on the server itself — sshd's
//! config and files, the account, StrictModes, and sshd's log — emitting the same
//! [`crate::event::Event`]s as the probe, so the console and the report serve it unchanged.

pub mod log;
