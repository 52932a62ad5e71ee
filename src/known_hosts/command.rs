//! KnownHostsCommand: the argument vector OpenSSH 9.2 builds from the configured command.
//!
//! Facts from openssh-portable V_9_2_P1 (`sshconnect.c:load_hostkeys_command`, `misc.c`):
//! the command is split by `argv_split` (blanks separate words, `'`/`"` quote, `\` escapes a
//! quote, a backslash or a blank), no shell is involved; every word but the first gets
//! `${VAR}` and `%` tokens expanded (the client tokens `%C %L %i %k %l %n %p %d %h %r %u`,
//! plus `%H` the name looked up, `%I` the invocation `ORDER`/`HOSTNAME`/`ADDRESS`, `%t` the key
//! type, `%f` its fingerprint, `%K` its base64 blob, `NONE` before a key is known). An unknown
//! token or unset variable is fatal to ssh. The program must be an absolute path (else ssh
//! logs an error and carries on without it); it runs with stdin on /dev/null, the caller's
//! environment, stderr inherited, and stdout read as known_hosts lines. A non-zero exit or a
//! signal is fatal ("KnownHostsCommand failed").

use sha1::{Digest, Sha1};
use ssh_key::encoding::base64::{Base64, Encoding};
use ssh_key::public::KeyData;

use super::fingerprint::{md5_fingerprint, sha256_fingerprint};
use super::krl::key_blob;

/// Why ssh runs the command (the `%I` token).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invocation {
    /// Before the key exchange, to order HostKeyAlgorithms (no key yet).
    Order,
    /// To look up the host name's keys.
    Hostname,
    /// To look up the address's keys (CheckHostIP).
    Address,
}

impl Invocation {
    /// `ORDER`, `HOSTNAME` or `ADDRESS`.
    pub fn word(self) -> &'static str {
        match self {
            Invocation::Order => "ORDER",
            Invocation::Hostname => "HOSTNAME",
            Invocation::Address => "ADDRESS",
        }
    }

    /// ssh's tag for log lines and for the "file" its keys come from: `KnownHostsCommand-ORDER`.
    pub fn tag(self) -> String {
        format!("KnownHostsCommand-{}", self.word())
    }
}

/// The client token values (`DEFAULT_CLIENT_PERCENT_EXPAND_ARGS`).
#[derive(Clone, Debug, Default)]
pub struct ClientTokens {
    /// `%l`: the local host name.
    pub local_host: String,
    /// `%h`: the remote host name (after HostName).
    pub host: String,
    /// `%p`: the port.
    pub port: String,
    /// `%r`: the remote user.
    pub user: String,
    /// `%u`: the local user.
    pub local_user: String,
    /// `%d`: the local home directory.
    pub home: String,
    /// `%n`: the host as typed.
    pub original_host: String,
    /// `%k`: HostKeyAlias, else the host as typed.
    pub key_alias: String,
    /// `%i`: the local uid.
    pub uid: String,
}

impl ClientTokens {
    /// `%C`: hex SHA1 of `%l%h%p%r`.
    fn conn_hash(&self) -> String {
        let digest = Sha1::digest(
            format!("{}{}{}{}", self.local_host, self.host, self.port, self.user).as_bytes(),
        );
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The key-dependent tokens: `%t`, `%f`, `%K` (all `NONE` without a key).
#[derive(Clone, Debug)]
pub struct KeyTokens {
    /// `%t`: `sshkey_ssh_name` (e.g. `ssh-ed25519-cert-v01@openssh.com`).
    pub key_type: String,
    /// `%f`: the fingerprint per FingerprintHash (of the certified key for a certificate).
    pub fingerprint: String,
    /// `%K`: base64 of the key (or certificate) blob.
    pub base64: String,
}

impl KeyTokens {
    /// The tokens for no key (the `ORDER` invocation).
    pub fn none() -> KeyTokens {
        KeyTokens {
            key_type: "NONE".into(),
            fingerprint: "NONE".into(),
            base64: "NONE".into(),
        }
    }

    /// The tokens for a presented key; `md5` when FingerprintHash is md5.
    pub fn of(key: &KeyData, md5: bool) -> KeyTokens {
        let plain = super::plain_key(key);
        KeyTokens {
            key_type: key.algorithm().as_str().to_string(),
            fingerprint: if md5 {
                md5_fingerprint(plain)
            } else {
                sha256_fingerprint(plain)
            },
            base64: Base64::encode_string(&key_blob(key)),
        }
    }
}

/// Split a command line as `argv_split(s, .., 0)` does.
pub fn argv_split(s: &str) -> Result<Vec<String>, String> {
    let b: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == ' ' || b[i] == '\t' {
            i += 1;
            continue;
        }
        let mut quote: Option<char> = None;
        let mut arg = String::new();
        while i < b.len() {
            let c = b[i];
            let next = b.get(i + 1).copied();
            if c == '\\' {
                match next {
                    Some('\'' | '"' | '\\') => {
                        arg.push(next.unwrap_or_default());
                        i += 1;
                    }
                    Some(' ') if quote.is_none() => {
                        arg.push(' ');
                        i += 1;
                    }
                    _ => arg.push('\\'),
                }
            } else if quote.is_none() && (c == ' ' || c == '\t') {
                break;
            } else if quote.is_none() && (c == '"' || c == '\'') {
                quote = Some(c);
            } else if quote == Some(c) {
                quote = None;
            } else {
                arg.push(c);
            }
            i += 1;
        }
        if quote.is_some() {
            return Err(format!("\"{s}\" contains invalid quotes"));
        }
        out.push(arg);
    }
    Ok(out)
}

/// `percent_dollar_expand` of one word with the client tokens plus `%H %I %t %f %K`.
pub fn expand_word(
    word: &str,
    client: &ClientTokens,
    name: &str,
    invocation: Invocation,
    key: &KeyTokens,
) -> Result<String, String> {
    let hash = client.conn_hash();
    let short = client.local_host.split('.').next().unwrap_or_default();
    let lookup = |c: char| -> Option<&str> {
        Some(match c {
            'C' => &hash,
            'L' => short,
            'i' => &client.uid,
            'k' => &client.key_alias,
            'l' => &client.local_host,
            'n' => &client.original_host,
            'p' => &client.port,
            'd' => &client.home,
            'h' => &client.host,
            'r' => &client.user,
            'u' => &client.local_user,
            'H' => name,
            'I' => invocation.word(),
            't' => &key.key_type,
            'f' => &key.fingerprint,
            'K' => &key.base64,
            _ => return None,
        })
    };
    let mut out = String::new();
    let mut rest = word;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("${") {
            let end = after
                .find('}')
                .ok_or_else(|| format!("environment variable '{after}' missing closing '}}'"))?;
            if end == 0 {
                return Err("zero-length environment variable".into());
            }
            let var = &after[..end];
            let value =
                std::env::var(var).map_err(|_| format!("env var ${{{var}}} has no value"))?;
            out.push_str(&value);
            rest = &after[end + 1..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(t) = rest.chars().next() else {
            return Err("invalid format".into());
        };
        rest = &rest[t.len_utf8()..];
        if t == '%' {
            out.push('%');
            continue;
        }
        out.push_str(lookup(t).ok_or_else(|| format!("unknown key %{t}"))?);
    }
    Ok(out)
}

/// The argument vector ssh runs: the split command with every word but the first expanded.
pub fn build_argv(
    template: &str,
    client: &ClientTokens,
    name: &str,
    invocation: Invocation,
    key: &KeyTokens,
) -> Result<Vec<String>, String> {
    let mut argv = argv_split(template)?;
    if argv.is_empty() {
        return Err(format!("\"{template}\" yielded no arguments"));
    }
    for word in argv.iter_mut().skip(1) {
        *word = expand_word(word, client, name, invocation, key)?;
    }
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> ClientTokens {
        ClientTokens {
            local_host: "box.example".into(),
            host: "server".into(),
            port: "2222".into(),
            user: "alice".into(),
            local_user: "bob".into(),
            home: "/home/bob".into(),
            original_host: "srv".into(),
            key_alias: "srv".into(),
            uid: "1000".into(),
        }
    }

    #[test]
    fn split_follows_argv_split() {
        assert_eq!(argv_split("  /bin/a  b\tc ").unwrap(), ["/bin/a", "b", "c"]);
        assert_eq!(
            argv_split(r#"/x "a b" 'c "d"' e\ f g\h"#).unwrap(),
            ["/x", "a b", "c \"d\"", "e f", "g\\h"]
        );
        assert_eq!(argv_split(r#"/x a"b c"d"#).unwrap(), ["/x", "ab cd"]);
        assert_eq!(
            argv_split(r#"/x "a\"b" 'a\\b'"#).unwrap(),
            ["/x", "a\"b", "a\\b"]
        );
        assert!(argv_split("/x 'open").is_err());
        assert!(argv_split("   ").unwrap().is_empty());
    }

    #[test]
    fn tokens_are_expanded_after_the_first_word_only() {
        let argv = build_argv(
            "/bin/k%h %I %H %t %f %K %% %h %p %r %u %n %k %d %i %l %L",
            &tokens(),
            "[server]:2222",
            Invocation::Order,
            &KeyTokens::none(),
        )
        .unwrap();
        assert_eq!(
            argv.join(" "),
            "/bin/k%h ORDER [server]:2222 NONE NONE NONE % server 2222 alice bob srv srv /home/bob 1000 box.example box"
        );
        // %C as ssh computes it: sha1("box.exampleserver2222alice").
        let c = build_argv(
            "/k %C",
            &tokens(),
            "",
            Invocation::Order,
            &KeyTokens::none(),
        )
        .unwrap();
        assert_eq!(c[1], tokens().conn_hash());
        assert_eq!(c[1].len(), 40);
    }

    #[test]
    fn unknown_tokens_and_unset_variables_are_errors() {
        let e = |t: &str| {
            build_argv(t, &tokens(), "h", Invocation::Hostname, &KeyTokens::none()).unwrap_err()
        };
        assert_eq!(e("/k %Z"), "unknown key %Z");
        assert_eq!(e("/k 50%"), "invalid format");
        assert_eq!(
            e("/k ${SSHDOCTOR_SURELY_UNSET_VAR}"),
            "env var ${SSHDOCTOR_SURELY_UNSET_VAR} has no value"
        );
        assert_eq!(e(""), "\"\" yielded no arguments");
    }
}
