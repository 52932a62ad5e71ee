//! The lines of authentication: the keys ssh tries and the server's answers, the key files it
//! cannot use, the agent's and the server's refusals, the prompts, and the login's outcome.

use super::{after, Ident, Msg};

/// A line about authentication.
pub(super) fn auth(s: &str) -> Option<Msg> {
    authenticating(s)
        .or_else(|| key_offer(s))
        .or_else(|| signing(s))
        .or_else(|| key_file(s))
        .or_else(|| outcome(s))
}

/// `Authenticating to HOST:PORT as 'USER'`, and the methods the server lets ssh go on with.
fn authenticating(s: &str) -> Option<Msg> {
    if let Some(rest) = after(s, "Authenticating to ") {
        let (hp, user) = rest.rsplit_once(" as '").unwrap_or((rest, ""));
        let (host, port) = match hp.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().ok()),
            None => (hp.to_string(), None),
        };
        return Some(Msg::AuthenticatingTo {
            host,
            port,
            user: user.trim_end_matches('\'').to_string(),
        });
    }
    if let Some(list) = after(s, "Authentications that can continue:") {
        return Some(Msg::CanContinue(list_of(list)));
    }
    None
}

/// A key ssh will try, offers, the server accepts, or that does not exist.
fn key_offer(s: &str) -> Option<Msg> {
    if let Some(k) = after(s, "Will attempt key: ") {
        return Some(Msg::WillAttempt(ident(k)));
    }
    if let Some(rest) = after(s, "Offering ") {
        if let Some((kind, key)) = rest.split_once(" public key: ") {
            let mut id = ident(key);
            if id.kind.is_none() && !kind.is_empty() {
                id.kind = Some(kind.to_string());
            }
            return Some(Msg::Offering(id));
        }
        if let Some(key) = rest.strip_prefix("public key: ") {
            return Some(Msg::Offering(ident(key)));
        }
    }
    if let Some(k) = after(s, "Server accepts key: ") {
        return Some(Msg::ServerAccepts(ident(k)));
    }
    if let Some(k) = after(s, "Trying private key: ") {
        return Some(Msg::TryingPrivateKey(k.to_string()));
    }
    if let Some(k) = after(s, "no such identity: ") {
        return Some(Msg::NoSuchIdentity(
            k.rsplit_once(": ").map_or(k, |(p, _)| p).to_string(),
        ));
    }
    None
}

/// Signing with a key: no mutual signature algorithm, a signature that failed (the agent's
/// refusal), a passphrase asked for.
fn signing(s: &str) -> Option<Msg> {
    if s.contains("no mutual signature") {
        return Some(Msg::NoMutualSignature);
    }
    if let Some(rest) = s.strip_prefix("sign_and_send_pubkey: signing failed") {
        let (key, why) = match rest.rsplit_once(": ") {
            Some((k, w)) => (k, w),
            None => ("", rest.trim_start_matches(':')),
        };
        let key = key.split('"').nth(1).map(str::to_string);
        return Some(Msg::SigningFailed {
            key,
            why: why.trim().to_string(),
        });
    }
    if let Some(rest) = after(s, "Enter passphrase for key '") {
        return Some(Msg::PassphrasePrompt(
            rest.split('\'').next().unwrap_or(rest).to_string(),
        ));
    }
    None
}

/// A key file ssh cannot use: unloadable, or readable by others.
fn key_file(s: &str) -> Option<Msg> {
    if let Some(rest) = after(s, "Load key \"") {
        let (path, why) = rest
            .split_once("\": ")
            .unwrap_or((rest.trim_end_matches('"'), ""));
        return Some(Msg::LoadKey {
            path: path.to_string(),
            why: why.to_string(),
        });
    }
    if let Some(path) = after(s, "bad permissions: ignore key: ") {
        return Some(Msg::LoadKey {
            path: path.to_string(),
            why: "bad permissions".into(),
        });
    }
    if s.contains("WARNING: UNPROTECTED PRIVATE KEY FILE") {
        return Some(Msg::Unprotected);
    }
    if let Some(rest) = after(s, "Permissions ") {
        if let Some((mode, tail)) = rest.split_once(" for '") {
            if let Some((path, _)) = tail.split_once("' are too open") {
                return Some(Msg::TooOpen {
                    mode: mode.to_string(),
                    path: path.to_string(),
                });
            }
        }
    }
    None
}

/// How authentication went: partly, fully, refused; or a prompt for a secret.
fn outcome(s: &str) -> Option<Msg> {
    if s.contains("with partial success") {
        return Some(Msg::PartialSuccess);
    }
    if let Some(rest) = after(s, "Authenticated to ") {
        return Some(Msg::Authenticated(rest.to_string()));
    }
    if let Some(rest) = after(s, "Authentication succeeded (") {
        return Some(Msg::Authenticated(rest.trim_end_matches(").").to_string()));
    }
    if s.starts_with("Permission denied, please try again") {
        return Some(Msg::TryAgain);
    }
    if let Some(i) = s.find("Permission denied (") {
        let who = s[..i].trim().trim_end_matches(':').trim();
        let methods = s[i + "Permission denied (".len()..]
            .split(')')
            .next()
            .unwrap_or_default();
        return Some(Msg::PermissionDenied {
            who: (!who.is_empty()).then(|| who.to_string()),
            methods: list_of(methods),
        });
    }
    if s.ends_with("'s password:")
        || s == "Password:"
        || s.starts_with("Verification code:")
        || s.starts_with("One-time password")
    {
        return Some(Msg::SecretPrompt(s.to_string()));
    }
    None
}

/// A key as ssh names it (`PATH TYPE FP [explicit] [agent]`, or `TYPE FP PATH` in 7.6-7.8).
fn ident(s: &str) -> Ident {
    let flags = ["explicit", "agent", "token", "authenticator"];
    let mut words: Vec<&str> = s.split_whitespace().collect();
    let mut id = Ident::default();
    while let Some(last) = words.last() {
        if !flags.contains(last) {
            break;
        }
        match *last {
            "explicit" => id.explicit = true,
            "agent" => id.agent = true,
            _ => {}
        }
        words.pop();
    }
    if let Some(i) = words
        .iter()
        .position(|w| w.starts_with("SHA256:") || w.starts_with("MD5:"))
    {
        id.fingerprint = Some(words[i].to_string());
        words.remove(i);
        // 7.6-7.8: `TYPE FP PATH`; 7.9+: `PATH TYPE FP`: the type comes just before.
        if i > 0 {
            id.kind = Some(words.remove(i - 1).to_string());
        }
    }
    id.name = words.join(" ");
    id
}

/// A comma-separated list of methods.
fn list_of(s: &str) -> Vec<String> {
    s.split(',')
        .map(|m| m.trim().trim_end_matches(['.', ')']).to_string())
        .filter(|m| !m.is_empty())
        .collect()
}
