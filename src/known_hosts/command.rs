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

impl ClientTokens {
    /// `%C %L %i %k %l %n %p %d %h %r %u` with their values.
    fn pairs(&self) -> Vec<(char, String)> {
        let short = self.local_host.split('.').next().unwrap_or_default();
        vec![
            ('C', self.conn_hash()),
            ('L', short.to_string()),
            ('i', self.uid.clone()),
            ('k', self.key_alias.clone()),
            ('l', self.local_host.clone()),
            ('n', self.original_host.clone()),
            ('p', self.port.clone()),
            ('d', self.home.clone()),
            ('h', self.host.clone()),
            ('r', self.user.clone()),
            ('u', self.local_user.clone()),
        ]
    }
}

/// The argument vector ssh runs: the command split as `argv_split` does, every word but the
/// first `%`- and `${VAR}`-expanded with the client tokens plus `%H %I %t %f %K` (the
/// splitting and expansion are the config resolver's, shared with every keyword ssh expands).
pub fn build_argv(
    template: &str,
    client: &ClientTokens,
    name: &str,
    invocation: Invocation,
    key: &KeyTokens,
) -> Result<Vec<String>, String> {
    let mut tokens = client.pairs();
    tokens.extend([
        ('H', name.to_string()),
        ('I', invocation.word().to_string()),
        ('t', key.key_type.clone()),
        ('f', key.fingerprint.clone()),
        ('K', key.base64.clone()),
    ]);
    crate::config::command_words(template, &tokens)
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
    fn words_are_split_as_argv_split_does() {
        let argv =
            |t: &str| build_argv(t, &tokens(), "h", Invocation::Order, &KeyTokens::none()).unwrap();
        assert_eq!(argv("  /bin/a  b\tc "), ["/bin/a", "b", "c"]);
        assert_eq!(
            argv(r#"/x "a b" 'c "d"' e\ f g\h"#),
            ["/x", "a b", "c \"d\"", "e f", "g\\h"]
        );
        assert_eq!(argv(r#"/x a"b c"d"#), ["/x", "ab cd"]);
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
