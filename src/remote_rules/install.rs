//! Planning a key's installation into `authorized_keys`, every existing byte kept.

use super::authorized_keys::{find_key, parse_authorized_keys};
use crate::i18n::Text;
use crate::text;

/// What installing a key into `authorized_keys` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Install {
    /// sshd already accepts the key from this line (1-based); nothing to do.
    AlreadyPresent {
        /// The line.
        line: usize,
    },
    /// Append one line.
    Append {
        /// Exactly the bytes to append to the end of the file: a leading `\n`
        /// when the file is not empty and does not end with one, the key line,
        /// and a final `\n`.
        append: Vec<u8>,
        /// The whole new content (the old bytes untouched, then `append`).
        new_content: Vec<u8>,
    },
}

/// Plan adding `public_line` (an OpenSSH one-line public key such as
/// `ssh-ed25519 AAAA... comment`) to `authorized_keys` with content
/// `existing` (`None`: the file does not exist).
///
/// A key already present counts even with another comment or with options
/// (the key data is compared), except on a `cert-authority` line, from which
/// sshd would not accept it. Every byte of the existing content is kept.
///
/// # Errors
///
/// When `public_line` is not a single valid public key line (without options).
pub fn plan_install(existing: Option<&[u8]>, public_line: &str) -> Result<Install, String> {
    let line = public_line.trim();
    if line.is_empty() {
        return Err(said(text!("remote_rules.key_empty")));
    }
    if line.contains(['\n', '\r']) {
        return Err(said(text!("remote_rules.key_one_line")));
    }
    let parsed = parse_authorized_keys(line.as_bytes());
    if let Some(bad) = parsed.malformed.first() {
        return Err(said(text!("remote_rules.key_invalid", why = &bad.reason)));
    }
    let Some(entry) = parsed.keys.first() else {
        return Err(said(text!("remote_rules.key_is_comment")));
    };
    if entry.options.is_some() {
        return Err(said(text!("remote_rules.key_has_options")));
    }
    let Some(key) = entry.key.as_ref().filter(|k| !k.is_certificate()) else {
        return Err(said(text!("remote_rules.key_is_certificate")));
    };
    let old = existing.unwrap_or_default();
    if let Some(found) = find_key(&parse_authorized_keys(old), key) {
        return Ok(Install::AlreadyPresent { line: found });
    }
    let mut append = Vec::with_capacity(line.len() + 2);
    if !old.is_empty() && !old.ends_with(b"\n") {
        append.push(b'\n');
    }
    append.extend_from_slice(line.as_bytes());
    append.push(b'\n');
    let mut new_content = Vec::with_capacity(old.len() + append.len());
    new_content.extend_from_slice(old);
    new_content.extend_from_slice(&append);
    Ok(Install::Append {
        append,
        new_content,
    })
}

/// A refusal in the front end's language (the onboarding that asks shows it as it is).
fn said(text: Text) -> String {
    text.render(crate::i18n::current())
}
