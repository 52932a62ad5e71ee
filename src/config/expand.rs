//! Post-resolution expansion of `~`, `${VAR}` and `%` tokens, as ssh.c does before use.

use super::reader::State;
use super::sha1;
use super::tokens::{dollar_expand, percent_expand, tilde_expand};
use super::Value;

/// The values behind ssh's `DEFAULT_CLIENT_PERCENT_EXPAND_ARGS`.
pub(crate) struct TokenValues {
    /// `%l`: the local host name.
    pub local_host: String,
    /// `%h`: the remote host after HostName.
    pub host: String,
    /// `%p`: the port.
    pub port: String,
    /// `%r`: the remote user.
    pub user: String,
    /// `%u`: the local user.
    pub local_user: String,
    /// `%d`: the home directory.
    pub home: String,
    /// `%n`: the host as typed.
    pub original_host: String,
    /// `%k`: HostKeyAlias, else the host.
    pub key_alias: String,
    /// `%j`: the ProxyJump host list, else empty.
    pub jump: String,
    /// `%i`: the local uid.
    pub uid: String,
}

impl TokenValues {
    /// `%L`: the first component of the local host name.
    fn short_host(&self) -> &str {
        self.local_host.split('.').next().unwrap_or("")
    }

    /// `%C`: SHA-1 of `%l%h%p%r`, hex.
    fn conn_hash(&self) -> String {
        sha1::hex(format!("{}{}{}{}", self.local_host, self.host, self.port, self.user).as_bytes())
    }

    /// Expand the default client token set.
    pub(crate) fn expand(&self, s: &str) -> Result<String, String> {
        let hash = self.conn_hash();
        let keys = [
            ('C', hash.as_str()),
            ('L', self.short_host()),
            ('i', self.uid.as_str()),
            ('k', self.key_alias.as_str()),
            ('l', self.local_host.as_str()),
            ('n', self.original_host.as_str()),
            ('p', self.port.as_str()),
            ('d', self.home.as_str()),
            ('h', self.host.as_str()),
            ('r', self.user.as_str()),
            ('u', self.local_user.as_str()),
            ('j', self.jump.as_str()),
        ];
        percent_expand(s, &keys)
    }
}

/// The token values for the resolution so far (port and user fall back to their defaults).
pub(crate) fn token_values(st: &State<'_>) -> TokenValues {
    let input = st.input;
    let host = st.first("hostname").unwrap_or(&input.host).to_string();
    let jump = st
        .first("proxyjump")
        .filter(|j| !j.eq_ignore_ascii_case("none"))
        .unwrap_or("");
    TokenValues {
        local_host: input.local_hostname.clone(),
        port: st.first("port").unwrap_or("22").to_string(),
        user: st.first("user").unwrap_or(&input.local_user).to_string(),
        local_user: input.local_user.clone(),
        home: input.home.to_string_lossy().into_owned(),
        original_host: input.host.clone(),
        key_alias: st
            .first("hostkeyalias")
            .map_or_else(|| host.clone(), str::to_string),
        jump: jump.to_string(),
        uid: super::system::local_uid().to_string(),
        host,
    }
}

/// Normalise and expand the resolved values (before defaults are filled).
pub(crate) fn finish(st: &mut State<'_>) {
    if let Some(list) = st.out.values.get_mut("hostkeyalias") {
        for v in list {
            v.value = v.value.to_ascii_lowercase();
        }
    }
    for key in ["proxycommand", "proxyjump", "controlpath"] {
        if st
            .first(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("none"))
        {
            st.out.values.remove(key);
        }
    }
    if st.first("clearallforwardings") == Some("yes") {
        for key in ["localforward", "remoteforward", "dynamicforward"] {
            st.out.values.remove(key);
        }
    }
    let tokens = token_values(st);
    for key in [
        "identityfile",
        "certificatefile",
        "userknownhostsfile",
        "identityagent",
        "controlpath",
    ] {
        expand_each(st, key, |s, home| {
            let s = tilde_expand(s, home)?;
            let s = dollar_expand(&s)?;
            tokens.expand(&s)
        });
    }
    // ProxyCommand: sshconnect.c's expand_proxy_command token set.
    let key_alias = st
        .first("hostkeyalias")
        .unwrap_or(&tokens.original_host)
        .to_string();
    expand_each(st, "proxycommand", |s, _| {
        let keys = [
            ('h', tokens.host.as_str()),
            ('k', key_alias.as_str()),
            ('n', tokens.original_host.as_str()),
            ('p', tokens.port.as_str()),
            ('r', tokens.user.as_str()),
        ];
        percent_expand(s, &keys)
    });
}

/// Apply `f` to every value of `key`; on error keep the raw value and record a diagnostic.
fn expand_each(
    st: &mut State<'_>,
    key: &str,
    f: impl Fn(&str, &std::path::Path) -> Result<String, String>,
) {
    let Some(list) = st.out.values.get(key).cloned() else {
        return;
    };
    let home = st.input.home.clone();
    let mut expanded = Vec::with_capacity(list.len());
    for v in list {
        match f(&v.value, &home) {
            Ok(value) => expanded.push(Value {
                value,
                origin: v.origin,
            }),
            Err(e) => {
                st.diag_at(&v.origin, format!("{key}: {e}"));
                expanded.push(v);
            }
        }
    }
    st.out.values.insert(key.to_string(), expanded);
}
