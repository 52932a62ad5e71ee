//! `authorized_keys` read line by line as sshd reads it, and the line sshd accepts a key from.
use ssh_key::public::KeyData;

use super::key_read::{b64_value, read_key, KeyError, ReadKey, CERT_SUFFIX};
use super::options::{advance_past_options, option_at, parse_options};
use crate::known_hosts::{skip_blank, token_end};

/// One usable line of `authorized_keys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedKey {
    /// 1-based line number.
    pub line: usize,
    /// The options field exactly as written (lossily decoded), if any.
    pub options: Option<String>,
    /// The key type as written on the line (`ssh-ed25519`, `rsa-sha2-512`, ...).
    pub algorithm: String,
    /// The key; `None` only for a certificate line this crate cannot decode
    /// (a certificate in `authorized_keys` never authenticates anything anyway).
    pub key: Option<KeyData>,
    /// Whatever follows the key (lossily decoded), possibly empty.
    pub comment: String,
}

impl AuthorizedKey {
    /// Whether the line carries the `cert-authority` option: sshd then trusts
    /// the key only as a CA for user certificates, never for a plain key login.
    pub fn is_cert_authority(&self) -> bool {
        self.options
            .as_deref()
            .and_then(|o| parse_options(o.as_bytes()).ok())
            .is_some_and(|o| o.cert_authority)
    }

    /// Whether the line is a certificate rather than a key.
    pub fn is_certificate(&self) -> bool {
        self.algorithm.ends_with(CERT_SUFFIX)
    }

    /// The options that limit what this key may do (`restrict`, `from=`, `command=`,
    /// `expiry-time=`), as `sshauthopt_parse` reads them.
    pub fn restrictions(&self) -> Restrictions {
        self.options
            .as_deref()
            .and_then(|o| parse_options(o.as_bytes()).ok())
            .map(|o| o.limits)
            .unwrap_or_default()
    }
}

/// The options of an `authorized_keys` line that limit the key (values dequoted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restrictions {
    /// `restrict`: no forwarding, no pty, no `~/.ssh/rc`.
    pub restrict: bool,
    /// `from="pattern-list"`: the client addresses or names the key is accepted from.
    pub from: Option<String>,
    /// `command="..."`: the only command the key runs.
    pub command: Option<String>,
    /// `expiry-time="YYYYMMDD[HHMM[SS]][Z]"`: when the key stops being accepted.
    pub expiry_time: Option<String>,
}

/// A line sshd skips.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedLine {
    /// 1-based line number.
    pub line: usize,
    /// The start of the line: at most 60 characters, control characters
    /// replaced, ending in `…` when cut.
    pub preview: String,
    /// Why sshd cannot use the line, for a human.
    pub reason: String,
}

/// What sshd makes of an `authorized_keys` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthorizedKeys {
    /// Usable lines, in file order.
    pub keys: Vec<AuthorizedKey>,
    /// Lines sshd skips, in file order (blank and comment lines are not listed).
    pub malformed: Vec<MalformedLine>,
}

const PREVIEW_CHARS: usize = 60;

/// Quote a piece of a line for a message, shortened when long.
pub(super) fn quoted(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(160)]);
    let mut short: String = text.chars().take(40).collect();
    if text.chars().count() > 40 || bytes.len() > 160 {
        short.push('…');
    }
    format!("{short:?}")
}

pub(super) fn preview(raw: &[u8]) -> String {
    // Enough bytes for 60 characters of any width, plus one to know if we cut.
    let head = &raw[..raw.len().min(PREVIEW_CHARS * 4 + 4)];
    let text = String::from_utf8_lossy(head);
    let clean: Vec<char> = text
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect();
    if clean.len() <= PREVIEW_CHARS && head.len() == raw.len() {
        return clean.into_iter().collect();
    }
    let mut out: String = clean.into_iter().take(PREVIEW_CHARS - 1).collect();
    out.push('…');
    out
}

/// A line of the file with what it turned out to be.
enum LineOutcome {
    Key(AuthorizedKey),
    Bad(KeyError, Option<String>),
}

/// Is this (already trimmed) line a piece of base64, possibly ending a key
/// with its comment?
fn base64_piece(s: &[u8]) -> Option<(&[u8], bool)> {
    let end = token_end(s, 0);
    let token = &s[..end];
    let ok = !token.is_empty() && token.iter().all(|&b| b64_value(b).is_some() || b == b'=');
    let has_more = skip_blank(s, end) < s.len();
    ok.then_some((token, has_more))
}

/// Classify one line (without its terminator).
fn classify(number: usize, s: &[u8]) -> Option<LineOutcome> {
    let start = skip_blank(s, 0);
    if start == s.len() || s[start] == b'#' {
        return None;
    }
    let s = &s[start..];
    let first = match read_key(s) {
        Ok(read) => return Some(key_line(number, None, read)),
        Err(e) => e,
    };
    let Some(opt_end) = advance_past_options(s) else {
        let reason = if first.type_known() {
            None
        } else {
            Some("the options have an unterminated double quote".to_string())
        };
        return Some(LineOutcome::Bad(first, reason));
    };
    let k = skip_blank(s, opt_end);
    let second = match read_key(&s[k..]) {
        Ok(read) => return Some(with_options(number, s, opt_end, read)),
        Err(e) => e,
    };
    // Both readings failed: report the one whose key type was recognised.
    if first.type_known() {
        return Some(LineOutcome::Bad(first, None));
    }
    if second.type_known() {
        return Some(LineOutcome::Bad(second, None));
    }
    Some(LineOutcome::Bad(
        KeyError::UnknownType,
        Some(no_key_type(s, k)),
    ))
}

/// A usable line: its number, options as written, and the key read off it.
fn key_line(number: usize, options: Option<String>, read: ReadKey) -> LineOutcome {
    let (algorithm, key, comment) = read;
    LineOutcome::Key(AuthorizedKey {
        line: number,
        options,
        algorithm,
        key,
        comment,
    })
}

/// A key read after the options field (which ends at `opt_end`): usable only when sshd
/// accepts the options.
fn with_options(number: usize, s: &[u8], opt_end: usize, read: ReadKey) -> LineOutcome {
    if let Err((why, at)) = parse_options(s) {
        let name = option_at(&s[at..]);
        let which = if name.is_empty() {
            String::new()
        } else {
            format!(" (at {})", quoted(name))
        };
        return LineOutcome::Bad(
            KeyError::Bad(String::new()),
            Some(format!(
                "sshd rejects the key options: {why}{which}, so it ignores the {} key on this line",
                read.0
            )),
        );
    }
    let options = String::from_utf8_lossy(&s[..opt_end]).into_owned();
    key_line(number, Some(options), read)
}

/// Why a line without a known key type (read whole, or from `k` after the options) is no
/// key. If something looks like key data ("AAAA..."), the word before it is a key type sshd
/// does not know.
fn no_key_type(s: &[u8], k: usize) -> String {
    let first_end = token_end(s, 0);
    let after_first = skip_blank(s, first_end);
    let after_opts_end = token_end(s, k);
    let after_opts = skip_blank(s, after_opts_end);
    let looks_like_data = |i: usize| s[i..].starts_with(b"AAAA");
    if after_first < s.len() && looks_like_data(after_first) {
        format!("unknown key type {}", quoted(&s[..first_end]))
    } else if k < s.len() && after_opts < s.len() && looks_like_data(after_opts) {
        format!("unknown key type {}", quoted(&s[k..after_opts_end]))
    } else {
        "not a key: no key type found".to_string()
    }
}

/// The message for a key error whose key type was recognised.
fn key_error_text(e: &KeyError) -> String {
    match e {
        KeyError::UnknownType => "not a key: no key type found".into(),
        KeyError::MissingData => "the key type has no key data after it".into(),
        KeyError::CutShort => "the key data is cut short — a key pasted with line breaks?".into(),
        KeyError::Bad(text) => text.clone(),
    }
}

fn line_list(lines: &[usize]) -> String {
    match lines {
        [one] => format!("line {one}"),
        [first, .., last] => format!("lines {first}–{last}"),
        [] => String::new(),
    }
}

/// Read `authorized_keys` as sshd does (`auth_check_authkeys_file`).
///
/// Lines end at `\n`; a trailing `\r` is dropped and a NUL byte ends the line
/// (sshd works on C strings). Blank lines and lines starting with `#` (after
/// spaces and tabs) are ignored. Each other line is read as a key; if that
/// fails, the options field is skipped (respecting double quotes) and the rest
/// is read as a key; a line failing both ways, or whose options sshd rejects
/// (`sshauthopt_parse`), is listed in [`AuthorizedKeys::malformed`]. A key
/// pasted with line breaks is recognised: its first line is "cut short" and
/// the lines of bare base64 after it are its continuation.
pub fn parse_authorized_keys(bytes: &[u8]) -> AuthorizedKeys {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        lines.pop();
    }
    let mut reader = Reader::default();
    for (index, raw) in lines.into_iter().enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        reader.line(index + 1, raw);
    }
    reader.flush();
    reader.out
}

/// The file read so far, and the key cut short whose continuation lines may follow.
#[derive(Default)]
struct Reader {
    out: AuthorizedKeys,
    /// The cut-short line a run of continuation lines belongs to: (line number, index in
    /// `out.malformed`).
    cut_from: Option<(usize, usize)>,
    /// The continuation lines seen so far.
    continuation: Vec<usize>,
}

impl Reader {
    /// One line (`raw`, without its `\n` or `\r`); a NUL byte ends it.
    fn line(&mut self, number: usize, raw: &[u8]) {
        let s = &raw[..raw.iter().position(|&b| b == 0).unwrap_or(raw.len())];
        if self.continues_key(number, raw, s) {
            return;
        }
        match classify(number, s) {
            None => {}
            Some(LineOutcome::Key(key)) => self.out.keys.push(key),
            Some(LineOutcome::Bad(error, text)) => {
                let reason = text.unwrap_or_else(|| key_error_text(&error));
                if error.is_cut() {
                    self.cut_from = Some((number, self.out.malformed.len()));
                }
                self.out.malformed.push(MalformedLine {
                    line: number,
                    preview: preview(raw),
                    reason,
                });
            }
        }
    }

    /// Whether this line is bare base64 continuing the key cut short above (then listed as
    /// such); any other line ends the run.
    fn continues_key(&mut self, number: usize, raw: &[u8], s: &[u8]) -> bool {
        let Some((cut_line, _)) = self.cut_from else {
            return false;
        };
        let trimmed = &s[skip_blank(s, 0)..];
        if let Some((_, has_comment)) = base64_piece(trimmed) {
            // A key line would have matched as a key; bare base64 cannot.
            if !matches!(classify(number, s), Some(LineOutcome::Key(_))) {
                self.out.malformed.push(MalformedLine {
                    line: number,
                    preview: preview(raw),
                    reason: format!(
                        "continuation of the key on line {cut_line}: the key was pasted with line breaks"
                    ),
                });
                self.continuation.push(number);
                if has_comment {
                    self.flush();
                }
                return true;
            }
        }
        self.flush();
        false
    }

    /// End a run of continuation lines: the cut-short line says where its key continues.
    fn flush(&mut self) {
        if let Some((_, idx)) = self.cut_from.take() {
            if !self.continuation.is_empty() {
                self.out.malformed[idx].reason = format!(
                    "the key data is cut short: the key was pasted with line breaks and continues on {}",
                    line_list(&self.continuation)
                );
            }
        }
        self.continuation.clear();
    }
}

/// The 1-based line holding this key, the first one sshd would accept it
/// from: the key data is compared (not comments or options), and lines marked
/// `cert-authority` are skipped, since sshd never accepts a plain key from one.
pub fn find_key(keys: &AuthorizedKeys, key: &KeyData) -> Option<usize> {
    keys.keys
        .iter()
        .find(|k| k.key.as_ref() == Some(key) && !k.is_cert_authority())
        .map(|k| k.line)
}
