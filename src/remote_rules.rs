//! The server's side of a login, judged the way sshd (OpenSSH 9.x) judges it.
//!
//! Everything here is pure: callers gather the facts on the server (`stat`,
//! the bytes of `authorized_keys`, `df -Pk`, `sshd -T`) and these functions
//! say what sshd makes of them.
//!
//! * [`strict_modes_chain`] and [`check_strict_modes`] follow sshd's
//!   `auth_secure_path` (`safe_path` in `misc.c`): which paths `StrictModes`
//!   looks at, and which of them make sshd ignore `authorized_keys`.
//! * [`parse_authorized_keys`] reads `authorized_keys` as
//!   `auth_check_authkeys_file` / `auth_check_authkey_line` do, including the
//!   "skip the options and try again" retry and `sshauthopt_parse`'s option
//!   checks; [`find_key`] finds the line sshd would accept a key from.
//! * [`plan_install`] appends a key without disturbing a byte of the file.
//! * [`parse_df`] and [`parse_sshd_t`] read `df -Pk` and `sshd -T` output.

mod authorized_keys;
mod install;
mod key_read;
mod options;
mod output;
mod strict_modes;

pub use authorized_keys::{
    find_key, parse_authorized_keys, AuthorizedKey, AuthorizedKeys, MalformedLine, Restrictions,
};
pub use install::{plan_install, Install};
pub use output::{parse_df, parse_sshd_t, DiskUse};
pub use strict_modes::{
    check_strict_modes, debian_tolerates_group_write, strict_modes_chain, PathRole, RemoteStat,
    Violation, ViolationKind,
};

// What the unit tests reach besides the public items.
#[cfg(test)]
use authorized_keys::preview;
#[cfg(test)]
use key_read::{b64_decode, B64Error};
#[cfg(test)]
use ssh_key::{public::KeyData, PublicKey};

#[cfg(test)]
mod tests;
