//! The lines of the SSH transport: the server's identification, the key exchange's
//! algorithms (and `Unable to negotiate`), and the host key ssh was shown and how it judged it.

use super::{after, Msg, Negotiated};

/// A line about the identification exchange or the key exchange.
pub(super) fn banner(s: &str) -> Option<Msg> {
    exchange_identification(s)
        .or_else(|| identification(s))
        .or_else(|| kex_line(s))
}

/// `kex_exchange_identification: ...` (`ssh_exchange_identification` in older releases): what the
/// server sent, or did not, instead of its identification.
fn exchange_identification(s: &str) -> Option<Msg> {
    let body = [
        "kex_exchange_identification: ",
        "ssh_exchange_identification: ",
    ]
    .iter()
    .find_map(|p| s.strip_prefix(p))?;
    if body.contains("invalid characters") || body.contains("too long") {
        return Some(Msg::BannerInvalid(body.to_string()));
    }
    if let Some(rest) = body.strip_prefix("banner line ") {
        let text = rest.split_once(": ").map_or("", |(_, t)| t);
        return Some(Msg::BannerLine(text.to_string()));
    }
    if body.starts_with("Connection closed by remote host") {
        return Some(Msg::BannerClosed { reset: false });
    }
    if body.contains("reset by peer") {
        return Some(Msg::BannerClosed { reset: true });
    }
    if body.contains("invalid characters") || body.contains("too long") {
        return Some(Msg::BannerInvalid(body.to_string()));
    }
    if body.contains("No banner received") {
        return Some(Msg::BannerClosed { reset: false });
    }
    if body.starts_with("read: ") || body.starts_with("write: ") {
        return Some(Msg::BannerClosed { reset: true });
    }
    None
}

/// The server's identification: not SSH, none in time, SSH-1, or its version.
fn identification(s: &str) -> Option<Msg> {
    if s.starts_with("banner exchange: ") && s.contains("invalid format") {
        return Some(Msg::BannerInvalid(s.to_string()));
    }
    if s.starts_with("Bad remote protocol version identification") {
        return Some(Msg::BannerInvalid(s.to_string()));
    }
    if s == "Connection timed out during banner exchange" {
        return Some(Msg::BannerTimeout);
    }
    if s.starts_with("Protocol major versions differ") {
        return Some(Msg::ProtocolDiffer);
    }
    if let Some(rest) = after(s, "Remote protocol version ") {
        let (proto, sw) = rest
            .split_once(", remote software version ")
            .unwrap_or((rest, ""));
        return Some(Msg::RemoteVersion {
            proto: proto.to_string(),
            software: sw.to_string(),
        });
    }
    None
}

/// The key exchange: no algorithm in common, or the ones chosen and the host key shown.
fn kex_line(s: &str) -> Option<Msg> {
    if s.starts_with("Unable to negotiate") || s.contains("no matching ") && s.contains(" found") {
        return no_match(s);
    }
    for (p, f) in [
        ("kex: algorithm: ", Msg::KexAlgorithm as fn(String) -> Msg),
        ("kex: host key algorithm: ", Msg::KexHostKeyAlgorithm),
        ("kex: server->client cipher: ", Msg::KexCipher),
        ("Server host key: ", Msg::ServerHostKey),
        ("Server host certificate: ", Msg::ServerHostKey),
    ] {
        if let Some(v) = after(s, p) {
            return Some(f(v.to_string()));
        }
    }
    None
}

/// `Unable to negotiate with PEER: no matching X found. Their offer: LIST`.
fn no_match(s: &str) -> Option<Msg> {
    let what = [
        ("key exchange method", Negotiated::Kex),
        ("host key type", Negotiated::HostKey),
        ("cipher", Negotiated::Cipher),
        ("MAC", Negotiated::Mac),
        ("compression method", Negotiated::Compression),
    ]
    .into_iter()
    .find(|(w, _)| s.contains(&format!("no matching {w}")))?
    .1;
    let offer = s
        .split_once("Their offer: ")
        .map(|(_, o)| {
            o.split([',', ' '])
                .map(|a| a.trim_matches(['"', '.', '`']).to_string())
                .filter(|a| !a.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let peer = s
        .strip_prefix("Unable to negotiate with ")
        .and_then(|r| r.split_once(": "))
        .map_or(String::new(), |(p, _)| p.to_string());
    Some(Msg::NoMatch { what, offer, peer })
}

/// A line about the host key: known, unknown, changed, revoked, a certificate refused.
pub(super) fn hostkey(s: &str) -> Option<Msg> {
    warning(s).or_else(|| judged(s)).or_else(|| changed(s))
}

/// A warning that stops ssh (or a certificate it sets aside): changed, revoked, invalid.
fn warning(s: &str) -> Option<Msg> {
    if s.contains("WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED") {
        return Some(Msg::ChangedWarning);
    }
    if s.contains("WARNING: REVOKED HOST KEY DETECTED") || s.contains("is marked as revoked") {
        return Some(Msg::Revoked);
    }
    if s.starts_with("Certificate invalid")
        || s.starts_with("Certificate lacks principal list")
        || s.starts_with("Certificate signed with disallowed")
        || (s.starts_with("Certificate for ") && s.contains("critical option"))
    {
        return Some(Msg::CertInvalid(s.to_string()));
    }
    None
}

/// How ssh judged the key: known, asked about, recorded, refused.
fn judged(s: &str) -> Option<Msg> {
    if let Some(rest) = after(s, "Host '") {
        if let Some((name, tail)) = rest.split_once("' is known and matches the ") {
            return Some(Msg::HostKnown(format!(
                "{name} {}",
                tail.trim_end_matches('.')
            )));
        }
    }
    if let Some(rest) = after(s, "The authenticity of host '") {
        return Some(Msg::Authenticity(
            rest.split("' can't").next().unwrap_or(rest).to_string(),
        ));
    }
    if s.contains(" key fingerprint is ") {
        return Some(Msg::KeyFingerprint(s.to_string()));
    }
    if let Some(rest) = after(s, "Warning: Permanently added ") {
        return Some(Msg::PermanentlyAdded(rest.to_string()));
    }
    if s.starts_with("No ")
        && s.contains(" host key is known for ")
        && s.contains("strict checking")
    {
        return Some(Msg::NoHostKeyStrict(s.to_string()));
    }
    if s.starts_with("Host key verification failed") {
        return Some(Msg::HostKeyVerificationFailed);
    }
    None
}

/// The lines of a changed key's warning: the new key's type and fingerprint, the recorded
/// one's file and line, the refusal, and the logins ssh disables when it goes on.
fn changed(s: &str) -> Option<Msg> {
    if let Some(rest) = after(s, "The fingerprint for the ") {
        return Some(Msg::ChangedKeyType(
            rest.split(" key").next().unwrap_or(rest).to_string(),
        ));
    }
    let fp = s.trim_end_matches('.');
    let md5 = fp.len() == 47 && fp.split(':').count() == 16;
    if (fp.starts_with("SHA256:") && !fp.contains(' ')) || md5 || fp.starts_with("MD5:") {
        return Some(Msg::Fingerprint(fp.to_string()));
    }
    if let Some(rest) = after(s, "Offending ") {
        let (kind, loc) = match rest.split_once(" key in ") {
            Some((k, loc)) => (Some(k.to_string()), loc),
            None => (None, rest.strip_prefix("key in ").unwrap_or(rest)),
        };
        let (file, line) = match loc.rsplit_once(':') {
            Some((f, l)) if l.trim().parse::<usize>().is_ok() => {
                (f.to_string(), l.trim().parse().ok())
            }
            _ => (loc.to_string(), None),
        };
        return Some(Msg::Offending { kind, file, line });
    }
    if s.contains("has changed and you have") {
        return Some(Msg::ChangedStrict(s.to_string()));
    }
    if s.ends_with("disabled to avoid man-in-the-middle attacks.") {
        return Some(Msg::MitmDisabled);
    }
    None
}
