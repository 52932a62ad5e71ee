//! Host key lookup and OpenSSH's verdict (`check_hostkeys_by_key_or_type`, `check_host_key`).

use ssh_key::public::KeyData;
use ssh_key::{Certificate, PublicKey};

use super::fingerprint::sha256_fingerprint;
use super::parse::{KnownHostsFile, LineKind};
use super::pattern::HostMatch;
use super::{lookup_name, EntryRef, KeyKind, Marker};

/// The key the server presented.
#[derive(Clone, Copy, Debug)]
pub enum PresentedKey<'a> {
    /// A plain public key (if its data is a certificate it is treated as one).
    Key(&'a PublicKey),
    /// A host certificate.
    Certificate(&'a Certificate),
}

impl<'a> PresentedKey<'a> {
    /// The certified (plain) key and, for a certificate, its signing CA key.
    fn parts(self) -> (&'a KeyData, Option<&'a KeyData>) {
        match self {
            PresentedKey::Key(k) => match k.key_data() {
                KeyData::Certificate(c) => (c.public_key(), Some(c.signature_key())),
                other => (other, None),
            },
            PresentedKey::Certificate(c) => (c.public_key(), Some(c.signature_key())),
        }
    }
}

/// One known_hosts entry whose host field matched the lookup name.
#[derive(Clone, Debug)]
pub struct Match {
    /// Where the entry is.
    pub entry: EntryRef,
    /// Its marker.
    pub marker: Marker,
    /// How the host field matched (hashed, literal name, wildcard only).
    pub how: HostMatch,
    /// Key type name as written on the line.
    pub key_type: String,
    /// OpenSSH's plain key type of the entry's key.
    pub kind: KeyKind,
    /// `SHA256:...` of the entry's key.
    pub fingerprint: String,
    /// The entry's key is the presented key (for a certificate: the certified key).
    pub same_key: bool,
    /// The entry's key is the presented certificate's signing CA.
    pub is_signing_ca: bool,
    /// The entry's comment.
    pub comment: String,
}

/// A malformed line seen during a lookup.
#[derive(Clone, Debug)]
pub struct MalformedHit {
    /// Where the line is.
    pub entry: EntryRef,
    /// Why OpenSSH ignores it.
    pub reason: String,
    /// Its host field was readable and matches the lookup name.
    pub host_matches: bool,
}

/// Everything known_hosts says about one lookup name.
#[derive(Clone, Debug)]
pub struct Lookup {
    /// The name looked up (e.g. `[host]:2222`).
    pub name: String,
    /// Kind of the presented (plain or certified) key.
    pub presented_kind: KeyKind,
    /// Whether a certificate was presented.
    pub presented_is_cert: bool,
    /// Matching entries in file order (files in the order given).
    pub matches: Vec<Match>,
    /// Every malformed line of every file (of a scanned file: those whose host field matched
    /// a scanned name).
    pub malformed: Vec<MalformedHit>,
    /// Malformed lines scanned files skipped (marker or host field unreadable).
    pub other_malformed: usize,
    /// Malformed lines for the scanned names that scanned files only counted.
    pub malformed_dropped: usize,
}

/// How a known host was recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnownVia {
    /// A plain entry holds the presented key.
    HostKey,
    /// A matching `@cert-authority` entry signed the presented certificate.
    CertAuthority,
}

/// OpenSSH's decision for a presented key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted (`HOST_OK`). `entry` is the line OpenSSH reports ("Found key in").
    Known {
        /// The accepting line.
        entry: EntryRef,
        /// Plain key or CA.
        via: KnownVia,
    },
    /// The key (or its CA) matches a `@revoked` line; this wins over everything.
    Revoked {
        /// Every matching `@revoked` line.
        entries: Vec<EntryRef>,
    },
    /// `HOST_CHANGED`: entries exist for this host, none with the presented key.
    /// OpenSSH says "REMOTE HOST IDENTIFICATION HAS CHANGED" even when every
    /// entry has another key type (verified with OpenSSH 9.2).
    Changed {
        /// Every plain entry for this host (all hold other keys).
        offending: Vec<EntryRef>,
        /// The one OpenSSH prints as "Offending ... key in" (the last one).
        reported: EntryRef,
        /// True when no entry has the presented key's type (RSA variants are one type).
        other_types_only: bool,
    },
    /// `HOST_NEW`: nothing for this host.
    Unknown,
}

/// Look `name` up in `files` (user files first, then global files), as
/// `load_hostkeys` does, recording every matching entry and every malformed line.
/// `name` is used as given: build it with [`lookup_name`] (CheckHostIP is a
/// separate lookup of the address form).
pub fn lookup(files: &[KnownHostsFile], name: &str, presented: PresentedKey<'_>) -> Lookup {
    lookup_with(files.iter(), name, presented)
}

/// [`lookup`] over any sequence of files (the configured files, then KnownHostsCommand's output).
pub fn lookup_with<'f>(
    files: impl Iterator<Item = &'f KnownHostsFile>,
    name: &str,
    presented: PresentedKey<'_>,
) -> Lookup {
    let (plain, ca) = presented.parts();
    let mut out = Lookup {
        name: name.to_string(),
        presented_kind: KeyKind::of(plain),
        presented_is_cert: ca.is_some(),
        matches: Vec::new(),
        malformed: Vec::new(),
        other_malformed: 0,
        malformed_dropped: 0,
    };
    for file in files {
        if let Some(s) = &file.scanned {
            out.other_malformed += s.other_malformed;
            out.malformed_dropped += s.malformed_dropped;
        }
        for line in &file.lines {
            let entry = EntryRef {
                file: file.path.clone(),
                line: line.number,
            };
            match &line.kind {
                LineKind::Entry(e) => {
                    let how = file.host_match(line, name, &e.hosts);
                    if !how.is_match() {
                        continue;
                    }
                    let is_cert_line = matches!(e.key, KeyData::Certificate(_));
                    out.matches.push(Match {
                        entry,
                        marker: e.marker,
                        how,
                        key_type: e.key_type.clone(),
                        kind: KeyKind::of(&e.key),
                        fingerprint: sha256_fingerprint(&e.key),
                        same_key: !is_cert_line && e.key == *plain,
                        is_signing_ca: !is_cert_line && ca.is_some_and(|c| e.key == *c),
                        comment: e.comment.clone(),
                    });
                }
                LineKind::Malformed { reason, hosts, .. } => out.malformed.push(MalformedHit {
                    entry,
                    reason: reason.clone(),
                    host_matches: hosts
                        .as_ref()
                        .is_some_and(|h| file.host_match(line, name, h).is_match()),
                }),
                LineKind::Blank | LineKind::Comment => {}
            }
        }
    }
    out
}

/// The decision for one lookup in one mode (`cert`: look for a CA; else a plain key).
fn decide(lookup: &Lookup, cert: bool) -> Verdict {
    let revoked: Vec<EntryRef> = lookup
        .matches
        .iter()
        .filter(|m| m.marker == Marker::Revoked && (m.same_key || (cert && m.is_signing_ca)))
        .map(|m| m.entry.clone())
        .collect();
    if !revoked.is_empty() {
        return Verdict::Revoked { entries: revoked };
    }
    if cert {
        return match lookup
            .matches
            .iter()
            .find(|m| m.marker == Marker::CertAuthority && m.is_signing_ca)
        {
            Some(m) => Verdict::Known {
                entry: m.entry.clone(),
                via: KnownVia::CertAuthority,
            },
            None => Verdict::Unknown,
        };
    }
    let plain: Vec<_> = lookup
        .matches
        .iter()
        .filter(|m| m.marker == Marker::None)
        .collect();
    if let Some(m) = plain.iter().find(|m| m.same_key) {
        return Verdict::Known {
            entry: m.entry.clone(),
            via: KnownVia::HostKey,
        };
    }
    match plain.last() {
        Some(last) => Verdict::Changed {
            offending: plain.iter().map(|m| m.entry.clone()).collect(),
            reported: last.entry.clone(),
            other_types_only: plain.iter().all(|m| m.kind != lookup.presented_kind),
        },
        None => Verdict::Unknown,
    }
}

/// OpenSSH's verdict for a single lookup name: for a certificate, a matching
/// CA first, then (unless revoked) the certified key as a plain key.
/// Port fallback is in [`check_host_key`].
pub fn verdict(lookup: &Lookup) -> Verdict {
    if lookup.presented_is_cert {
        let v = decide(lookup, true);
        if matches!(v, Verdict::Known { .. } | Verdict::Revoked { .. }) {
            return v;
        }
    }
    decide(lookup, false)
}

/// The full host key decision of `ssh` (`check_host_key`).
#[derive(Clone, Debug)]
pub struct HostKeyCheck {
    /// The final verdict.
    pub verdict: Verdict,
    /// The lookup of the primary name (`[host]:port`, host, or HostKeyAlias).
    pub lookup: Lookup,
    /// The lookup of the bare host, when OpenSSH retried "without port identifier".
    pub portless: Option<Lookup>,
    /// The verdict came from the bare host name.
    pub known_via_portless: bool,
    /// A certificate found no CA and was checked as a plain key.
    pub cert_fell_back_to_plain: bool,
}

/// Decide like `ssh` does for `host`/`port` (and HostKeyAlias): look up the
/// primary name; for a certificate try the CA, then the plain key; when the
/// result is "new", the port is not 22 and no alias is set, retry with the
/// bare host name, accepting only an OK there.
pub fn check_host_key(
    files: &[KnownHostsFile],
    host: &str,
    port: u16,
    host_key_alias: Option<&str>,
    presented: PresentedKey<'_>,
) -> HostKeyCheck {
    check_host_key_with(files, None, host, port, host_key_alias, presented)
}

/// [`check_host_key`] with the lines KnownHostsCommand printed for the `HOSTNAME` invocation:
/// they count for the primary name only (ssh does not run the command for the portless retry).
pub fn check_host_key_with(
    files: &[KnownHostsFile],
    command: Option<&KnownHostsFile>,
    host: &str,
    port: u16,
    host_key_alias: Option<&str>,
    presented: PresentedKey<'_>,
) -> HostKeyCheck {
    let name = lookup_name(host, port, host_key_alias);
    let primary = lookup_with(files.iter().chain(command), &name, presented);
    let retry = host_key_alias.is_none() && port != 0 && port != 22;
    let bare = host.to_ascii_lowercase();
    let mut check = HostKeyCheck {
        verdict: Verdict::Unknown,
        portless: None,
        known_via_portless: false,
        cert_fell_back_to_plain: false,
        lookup: primary,
    };
    let known = |v: &Verdict| matches!(v, Verdict::Known { .. });
    if check.lookup.presented_is_cert {
        let v = decide(&check.lookup, true);
        if !matches!(v, Verdict::Unknown) {
            check.verdict = v;
            return check;
        }
        if retry {
            // The portless retry of a certificate itself falls back to the plain key
            // unless the CA there is revoked.
            let pl = lookup(files, &bare, presented);
            let mut v = decide(&pl, true);
            if !known(&v) && !matches!(v, Verdict::Revoked { .. }) {
                v = decide(&pl, false);
            }
            check.portless = Some(pl);
            if known(&v) {
                check.verdict = v;
                check.known_via_portless = true;
                return check;
            }
        }
        check.cert_fell_back_to_plain = true;
    }
    check.verdict = decide(&check.lookup, false);
    if retry && check.verdict == Verdict::Unknown {
        let pl = match check.portless.take() {
            Some(pl) => pl,
            None => lookup(files, &bare, presented),
        };
        let v = decide(&pl, false);
        if known(&v) {
            check.verdict = v;
            check.known_via_portless = true;
        }
        check.portless = Some(pl);
    }
    check
}
