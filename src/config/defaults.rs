//! OpenSSH's built-in defaults (readconf.c `fill_default_options`), filled after resolution.

use super::reader::State;
use super::{Origin, Value};

/// The identity files ssh tries when none is configured, relative to the home directory.
pub(crate) const DEFAULT_IDENTITY_FILES: [&str; 7] = [
    ".ssh/id_rsa",
    ".ssh/id_ecdsa",
    ".ssh/id_ecdsa_sk",
    ".ssh/id_ed25519",
    ".ssh/id_ed25519_sk",
    ".ssh/id_xmss",
    ".ssh/id_dsa",
];

/// Single-valued defaults as ssh applies them. Algorithm lists, PreferredAuthentications,
/// IdentityAgent, ProxyJump/ProxyCommand, HostKeyAlias and ControlPath have none here.
const SIMPLE: &[(&str, &str)] = &[
    ("port", "22"),
    ("addressfamily", "any"),
    ("connecttimeout", "none"),
    ("connectionattempts", "1"),
    ("stricthostkeychecking", "ask"),
    ("checkhostip", "no"),
    ("hashknownhosts", "no"),
    ("identitiesonly", "no"),
    ("batchmode", "no"),
    ("pubkeyauthentication", "yes"),
    ("passwordauthentication", "yes"),
    ("kbdinteractiveauthentication", "yes"),
    ("hostbasedauthentication", "no"),
    ("gssapiauthentication", "no"),
    ("gssapidelegatecredentials", "no"),
    ("numberofpasswordprompts", "3"),
    ("loglevel", "INFO"),
    ("syslogfacility", "USER"),
    ("forwardagent", "no"),
    ("forwardx11", "no"),
    ("forwardx11timeout", "1200"),
    ("exitonforwardfailure", "no"),
    ("clearallforwardings", "no"),
    ("gatewayports", "no"),
    ("compression", "no"),
    ("tcpkeepalive", "yes"),
    ("serveraliveinterval", "0"),
    ("serveralivecountmax", "3"),
    ("addkeystoagent", "no"),
    ("escapechar", "~"),
    ("nohostauthenticationforlocalhost", "no"),
    ("enablesshkeysign", "no"),
    ("verifyhostkeydns", "no"),
    ("controlmaster", "no"),
    ("controlpersist", "no"),
    ("tunnel", "no"),
    ("permitlocalcommand", "no"),
    ("visualhostkey", "no"),
    ("requesttty", "auto"),
    ("sessiontype", "default"),
    ("stdinnull", "no"),
    ("forkafterauthentication", "no"),
    ("proxyusefdpass", "no"),
    ("canonicalizehostname", "no"),
    ("canonicalizemaxdots", "1"),
    ("canonicalizefallbacklocal", "yes"),
    ("fingerprinthash", "SHA256"),
    ("requiredrsasize", "1024"),
    ("streamlocalbindunlink", "no"),
    ("enableescapecommandline", "no"),
];

/// Fill every unset keyword that has an OpenSSH default, with [`Origin::Default`].
pub(crate) fn fill(st: &mut State<'_>) {
    let input = st.input;
    // ssh's defaults are `~/...`, expanded from the passwd entry, not $HOME.
    let home = st.tilde_home().to_path_buf();
    let values = &mut st.out.values;
    // Debian's keepalive-extensions patch: with BatchMode, ServerAliveInterval defaults to 300.
    if values
        .get("batchmode")
        .and_then(|v| v.first())
        .is_some_and(|v| v.value == "yes")
    {
        values
            .entry("serveraliveinterval".into())
            .or_insert_with(|| {
                vec![Value {
                    value: "300".into(),
                    origin: Origin::Default,
                }]
            });
    }
    let mut set = |key: &str, vals: Vec<String>| {
        values.entry(key.to_string()).or_insert_with(|| {
            vals.into_iter()
                .map(|value| Value {
                    value,
                    origin: Origin::Default,
                })
                .collect()
        });
    };
    set("hostname", vec![input.host.to_ascii_lowercase()]);
    set("user", vec![input.local_user.clone()]);
    for (key, value) in SIMPLE {
        set(key, vec![value.to_string()]);
    }
    let under_home = |rel: &str| home.join(rel).to_string_lossy().into_owned();
    set(
        "identityfile",
        DEFAULT_IDENTITY_FILES
            .iter()
            .map(|f| under_home(f))
            .collect(),
    );
    set(
        "userknownhostsfile",
        vec![
            under_home(".ssh/known_hosts"),
            under_home(".ssh/known_hosts2"),
        ],
    );
    set(
        "globalknownhostsfile",
        vec![
            "/etc/ssh/ssh_known_hosts".to_string(),
            "/etc/ssh/ssh_known_hosts2".to_string(),
        ],
    );
}
