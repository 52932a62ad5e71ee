//! After reading: `~`, `${VAR}` and `%` tokens expanded in the keywords ssh expands them in
//! (ssh.c, OpenSSH 9.2), `none` values cleared, and the two-part keywords put together.

use super::reader::State;
use super::sha1;
use super::tokens::{percent_dollar_expand, percent_expand, tilde_expand};
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
    /// `%d`: the passwd entry's home directory.
    pub home: String,
    /// `%n`: the host as typed.
    pub original_host: String,
    /// `%k`: HostKeyAlias, else the host as typed (never the HostName).
    pub key_alias: String,
    /// `%j`: the ProxyJump host list, else empty (OpenSSH 9.6 and later).
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

    fn keys(&self, hash: &str) -> [(char, String); 12] {
        [
            ('C', hash.to_string()),
            ('L', self.short_host().to_string()),
            ('i', self.uid.clone()),
            ('k', self.key_alias.clone()),
            ('l', self.local_host.clone()),
            ('n', self.original_host.clone()),
            ('p', self.port.clone()),
            ('d', self.home.clone()),
            ('h', self.host.clone()),
            ('r', self.user.clone()),
            ('u', self.local_user.clone()),
            ('j', self.jump.clone()),
        ]
    }

    /// Expand the default client token set (`%` only: RemoteCommand, socket forwards).
    pub(crate) fn expand(&self, s: &str) -> Result<String, String> {
        let keys = self.keys(&self.conn_hash());
        let keys: Vec<(char, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
        percent_expand(s, &keys)
    }

    /// The default set and `${VAR}` (ControlPath, IdentityAgent, IdentityFile, ...).
    pub(crate) fn expand_dollar(&self, s: &str) -> Result<String, String> {
        let keys = self.keys(&self.conn_hash());
        let keys: Vec<(char, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
        percent_dollar_expand(s, &keys)
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
        home: st.tilde_home().to_string_lossy().into_owned(),
        original_host: input.host.clone(),
        key_alias: st
            .first("hostkeyalias")
            .map_or_else(|| input.host.clone(), str::to_ascii_lowercase),
        jump: jump.to_string(),
        uid: super::system::local_uid().to_string(),
        host,
    }
}

/// The default client `%` tokens (ssh's `DEFAULT_CLIENT_PERCENT_EXPAND_ARGS`) for a resolved
/// configuration: `%C %L %i %k %l %n %p %d %h %r %u` (and `%j`).
pub(crate) fn default_tokens(
    cfg: &super::ResolvedConfig,
    input: &super::ConfigInput,
) -> Vec<(char, String)> {
    let first = |k: &str| cfg.get(k).map(|v| v.value.clone());
    let t = TokenValues {
        local_host: input.local_hostname.clone(),
        host: cfg.hostname().value.clone(),
        port: cfg.port().0.to_string(),
        user: first("user").unwrap_or_else(|| input.local_user.clone()),
        local_user: input.local_user.clone(),
        home: cfg.home.to_string_lossy().into_owned(),
        original_host: input.host.clone(),
        key_alias: first("hostkeyalias").unwrap_or_else(|| input.host.clone()),
        jump: first("proxyjump").unwrap_or_default(),
        uid: super::system::local_uid().to_string(),
    };
    t.keys(&t.conn_hash()).to_vec()
}

/// ssh's expansion of a command it runs without a shell (KnownHostsCommand,
/// sshconnect.c): split into words (quotes honoured, `#` not special), then every word after
/// the first `%`- and `${VAR}`-expanded with `tokens`.
pub(crate) fn command_words(
    command: &str,
    tokens: &[(char, String)],
) -> Result<Vec<String>, String> {
    let mut words = super::lexer::argv_split_with(command, false)?;
    if words.is_empty() {
        return Err(format!("\"{command}\" yielded no arguments"));
    }
    let keys: Vec<(char, &str)> = tokens.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for w in words.iter_mut().skip(1) {
        *w = percent_dollar_expand(w, &keys)?;
    }
    Ok(words)
}

/// Keywords ssh clears when set to `none` (readconf.c `CLEAR_ON_NONE`, ProxyJump none).
const CLEARED_BY_NONE: [&str; 9] = [
    "localcommand",
    "remotecommand",
    "proxycommand",
    "controlpath",
    "revokedhostkeys",
    "pkcs11provider",
    "securitykeyprovider",
    "knownhostscommand",
    "proxyjump",
];

/// Normalise and expand the resolved values (before defaults are filled).
pub(crate) fn finish(st: &mut State<'_>) {
    if let Some(list) = st.out.values.get_mut("hostkeyalias") {
        for v in list {
            v.value = v.value.to_ascii_lowercase();
        }
    }
    for key in CLEARED_BY_NONE {
        if st
            .first(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("none"))
        {
            st.out.values.remove(key);
        }
    }
    if st.first("clearallforwardings") == Some("yes") {
        st.forwards.clear();
        for v in st.out.values.get_mut("tunnel").into_iter().flatten() {
            v.value = "no".into();
        }
    }
    let tokens = token_values(st);
    note_newer_tokens(st);
    for key in [
        "identityfile",
        "certificatefile",
        "userknownhostsfile",
        "identityagent",
        "controlpath",
    ] {
        expand_each(st, key, |s, home| {
            tokens.expand_dollar(&tilde_expand(s, home)?)
        });
    }
    expand_each(st, "globalknownhostsfile", tilde_expand);
    expand_each(st, "remotecommand", |s, _| tokens.expand(s));
    // ProxyCommand: sshconnect.c's expand_proxy_command token set.
    expand_each(st, "proxycommand", |s, _| {
        let keys = [
            ('h', tokens.host.as_str()),
            ('k', tokens.key_alias.as_str()),
            ('n', tokens.original_host.as_str()),
            ('p', tokens.port.as_str()),
            ('r', tokens.user.as_str()),
        ];
        percent_expand(s, &keys)
    });
    forward_agent(st, &tokens);
    rekey_limit(st);
    forwards(st, &tokens);
}

/// ForwardAgent as `ssh -G` shows it: the socket path (expanded) if one was given, else the flag.
fn forward_agent(st: &mut State<'_>, tokens: &TokenValues) {
    let path = st.parts.get("forwardagent.path").cloned();
    let shown = match path {
        Some(v) => {
            let home = st.tilde_home().to_path_buf();
            match tilde_expand(&v.value, &home).and_then(|s| tokens.expand_dollar(&s)) {
                Ok(value) => Value { value, ..v },
                Err(e) => {
                    st.fatal_at(&v.origin, format!("forwardagent: {e}"));
                    v
                }
            }
        }
        None => match st.parts.get("forwardagent.flag") {
            Some(v) => v.clone(),
            None => return,
        },
    };
    st.out.values.insert("forwardagent".into(), vec![shown]);
}

/// RekeyLimit as `ssh -G` shows it: bytes and interval, each 0 when unset.
fn rekey_limit(st: &mut State<'_>) {
    let bytes = st.parts.get("rekeylimit.bytes").cloned();
    let interval = st.parts.get("rekeylimit.interval").cloned();
    let Some(origin) = bytes
        .as_ref()
        .or(interval.as_ref())
        .map(|v| v.origin.clone())
    else {
        return;
    };
    let part = |v: &Option<Value>| v.as_ref().map_or("0".to_string(), |v| v.value.clone());
    let value = format!("{} {}", part(&bytes), part(&interval));
    st.out
        .values
        .insert("rekeylimit".into(), vec![Value { value, origin }]);
}

/// Forwards into their keywords, socket paths `%`-expanded as ssh.c does.
fn forwards(st: &mut State<'_>, tokens: &TokenValues) {
    let forwards = std::mem::take(&mut st.forwards);
    for (list, mut fwd, origin) in forwards {
        if let Err(e) = fwd.map_paths(|p| tokens.expand(p)) {
            st.fatal_at(&origin, format!("{list}: {e}"));
        }
        let (key, with_connect) = match list {
            "localforward" if fwd.is_dynamic() => ("dynamicforward", false),
            other => (other, true),
        };
        st.out.values.entry(key.into()).or_default().push(Value {
            value: fwd.display(with_connect),
            origin,
        });
    }
}

/// `%j` arrived in OpenSSH 9.6: older clients stop at it ("unknown key %j").
fn note_newer_tokens(st: &mut State<'_>) {
    let mut hits = Vec::new();
    for key in [
        "identityfile",
        "certificatefile",
        "userknownhostsfile",
        "identityagent",
        "controlpath",
        "remotecommand",
    ] {
        for v in st.out.values.get(key).into_iter().flatten() {
            if uses_token(&v.value, 'j') {
                hits.push((key, v.origin.clone()));
            }
        }
    }
    for (key, origin) in hits {
        let src = super::reader::Source::at(&origin);
        let message = format!("{key}: unknown key %j");
        st.diag_full(&src, message, super::Reaction::Fatal, Some((9, 6)));
    }
}

fn uses_token(s: &str, token: char) -> bool {
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some(t) if t == token => return true,
                _ => {}
            }
        }
    }
    false
}

/// Apply `f` to every value of `key`; on error keep the raw value and record ssh's fatal.
fn expand_each(
    st: &mut State<'_>,
    key: &str,
    f: impl Fn(&str, &std::path::Path) -> Result<String, String>,
) {
    let Some(list) = st.out.values.get(key).cloned() else {
        return;
    };
    let home = st.tilde_home().to_path_buf();
    let mut expanded = Vec::with_capacity(list.len());
    for v in list {
        match f(&v.value, &home) {
            Ok(value) => expanded.push(Value {
                value,
                origin: v.origin,
            }),
            Err(e) => {
                st.fatal_at(&v.origin, format!("{e} (expanding {key} \"{}\")", v.value));
                expanded.push(v);
            }
        }
    }
    st.out.values.insert(key.to_string(), expanded);
}
