//! The ssh_config keyword table: every keyword OpenSSH knows, its aliases and how it parses.

/// `(accepted spelling, canonical stored value)` pairs for enumerated keywords.
pub(crate) type Choices = &'static [(&'static str, &'static str)];

const FLAG: Choices = &[
    ("yes", "yes"),
    ("true", "yes"),
    ("no", "no"),
    ("false", "no"),
];
const YES_NO_ASK: Choices = &[
    ("yes", "yes"),
    ("true", "yes"),
    ("no", "no"),
    ("false", "no"),
    ("ask", "ask"),
];
const STRICT: Choices = &[
    ("yes", "yes"),
    ("true", "yes"),
    ("no", "no"),
    ("false", "no"),
    ("off", "no"),
    ("ask", "ask"),
    ("accept-new", "accept-new"),
];
const ADDRESS_FAMILY: Choices = &[("any", "any"), ("inet", "inet"), ("inet6", "inet6")];
const CONTROL_MASTER: Choices = &[
    ("yes", "yes"),
    ("true", "yes"),
    ("no", "no"),
    ("false", "no"),
    ("auto", "auto"),
    ("ask", "ask"),
    ("autoask", "autoask"),
];
const TUNNEL: Choices = &[
    ("yes", "yes"),
    ("true", "yes"),
    ("no", "no"),
    ("false", "no"),
    ("ethernet", "ethernet"),
    ("point-to-point", "point-to-point"),
];
const REQUEST_TTY: Choices = &[
    ("yes", "yes"),
    ("true", "yes"),
    ("no", "no"),
    ("false", "no"),
    ("force", "force"),
    ("auto", "auto"),
];
const SESSION_TYPE: Choices = &[
    ("none", "none"),
    ("subsystem", "subsystem"),
    ("default", "default"),
];
const CANONICALIZE: Choices = &[
    ("yes", "yes"),
    ("true", "yes"),
    ("no", "no"),
    ("false", "no"),
    ("always", "always"),
];
const PUBKEY_AUTH: Choices = &[
    ("yes", "yes"),
    ("true", "yes"),
    ("no", "no"),
    ("false", "no"),
    ("unbound", "unbound"),
    ("host-bound", "host-bound"),
];
const COMPRESSION: Choices = &[("yes", "yes"), ("no", "no")];
const LOG_LEVEL: Choices = &[
    ("quiet", "QUIET"),
    ("fatal", "FATAL"),
    ("error", "ERROR"),
    ("info", "INFO"),
    ("verbose", "VERBOSE"),
    // ssh -G prints the first name of a level: DEBUG1 is shown as DEBUG.
    ("debug", "DEBUG"),
    ("debug1", "DEBUG"),
    ("debug2", "DEBUG2"),
    ("debug3", "DEBUG3"),
];
pub(crate) const FACILITY: Choices = &[
    ("daemon", "DAEMON"),
    ("user", "USER"),
    ("auth", "AUTH"),
    ("authpriv", "AUTHPRIV"),
    ("local0", "LOCAL0"),
    ("local1", "LOCAL1"),
    ("local2", "LOCAL2"),
    ("local3", "LOCAL3"),
    ("local4", "LOCAL4"),
    ("local5", "LOCAL5"),
    ("local6", "LOCAL6"),
    ("local7", "LOCAL7"),
];
const FINGERPRINT: Choices = &[
    ("md5", "MD5"),
    ("sha1", "SHA1"),
    ("sha256", "SHA256"),
    ("sha384", "SHA384"),
    ("sha512", "SHA512"),
];

/// Which forwarding a `Forward` keyword sets up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fwd {
    /// LocalForward: `[bind:]port host:hostport` or socket paths (two arguments).
    Local,
    /// RemoteForward: two arguments, or one (a dynamic remote forward).
    Remote,
    /// DynamicForward: `[bind:]port` (one argument).
    Dynamic,
}

/// How a keyword's arguments are parsed and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `Host` block start.
    Host,
    /// `Match` block start.
    Match,
    /// `Include` of further files.
    Include,
    /// One of a fixed set of words (stored canonicalised).
    Choice(Choices),
    /// `SyslogFacility`: a choice that, as in readconf.c, applies even in inactive blocks.
    Facility,
    /// One free-form argument.
    Str,
    /// A non-negative integer (readconf.c `atoi_err`: 0 to INT_MAX).
    Int,
    /// A time (`convtime`) stored in seconds; `none` leaves it unset (a later value wins).
    Time,
    /// A TCP port (number or service name).
    Port,
    /// `UserKnownHostsFile`/`GlobalKnownHostsFile`: the first applicable line's arguments,
    /// at most 32 (`SSH_MAX_HOSTS_FILES`); `none` only alone.
    HostsFiles,
    /// `LogVerbose`: the first applicable line's arguments; `none` only alone.
    LogVerbose,
    /// `CanonicalDomains`: domain names, at most 32 (`MAX_CANON_DOMAINS`).
    CanonicalDomains,
    /// `CanonicalizePermittedCNAMEs`: `source:target` rules, at most 32.
    PermittedCnames,
    /// `PermitRemoteOpen`: `host:port` (or `any`/`none` alone).
    PermitRemoteOpen,
    /// `RekeyLimit`: bytes (with K/M/G suffixes) and an optional interval.
    RekeyLimit,
    /// `IPQoS`: one or two DSCP/TOS names or numbers.
    IpQos,
    /// `AddKeysToAgent`: a flag, `ask`, `confirm`, or a lifetime.
    AddKeysToAgent,
    /// `TunnelDevice`: `local[:remote]`, numbers or `any`.
    TunnelDevice,
    /// `StreamLocalBindMask`: an octal mode (readconf.c sets it even in inactive blocks).
    BindMask,
    /// An algorithm list (`KexAlgorithms`, `Ciphers`, ...): stored raw; every line is
    /// validated against the installed client's algorithms (see `algorithm_problems`).
    Algorithms,
    /// `IdentityAgent`: a path, `SSH_AUTH_SOCK`, `$VAR` or `none`.
    Agent,
    /// The raw rest of the line (`ProxyCommand`, `LocalCommand`, ...).
    Command,
    /// `ProxyJump`: the raw rest of the line, which also disables ProxyCommand.
    Jump,
    /// Accumulating, de-duplicated file list (`IdentityFile`, `CertificateFile`): at most 100.
    FileList,
    /// Port forwards.
    Forward(Fwd),
    /// `SendEnv`: accumulating names, `-pattern` removes.
    SendEnv,
    /// `SetEnv`: `NAME=value` words of the first applicable line.
    SetEnv,
    /// `ForwardAgent`: a flag or an agent socket path.
    ForwardAgent,
    /// `ControlPersist`: a flag or a time.
    ControlPersist,
    /// `EscapeChar`: one character, `^X`, or `none`.
    EscapeChar,
    /// Known, accepted and ignored (`Protocol`) or deprecated: no diagnostic.
    Ignored,
    /// Known but unsupported by this OpenSSH build: ssh prints an error and goes on.
    Unsupported,
}

/// Keywords added after OpenSSH 9.2, with the release that added them: older clients stop
/// with "Bad configuration option" (the release numbers are from readconf.c's history).
const NEWER: &[(&str, (u32, u32))] = &[
    ("tag", (9, 4)),
    ("obscurekeystroketiming", (9, 5)),
    ("channeltimeout", (9, 6)),
    ("refuseconnection", (10, 1)),
    ("warnweakcrypto", (10, 1)),
];

/// The release that added `keyword` (canonical, lowercase), if it is newer than 9.2.
pub(crate) fn since(keyword: &str) -> Option<(u32, u32)> {
    NEWER.iter().find(|(k, _)| *k == keyword).map(|(_, v)| *v)
}

/// Keywords reported with all their values (see [`crate::config::is_list_keyword`]).
pub(crate) fn is_list(keyword: &str) -> bool {
    matches!(
        keyword,
        "identityfile"
            | "certificatefile"
            | "localforward"
            | "remoteforward"
            | "dynamicforward"
            | "sendenv"
            | "setenv"
            | "userknownhostsfile"
            | "globalknownhostsfile"
            | "canonicaldomains"
            | "canonicalizepermittedcnames"
            | "permitremoteopen"
            | "logverbose"
            | "channeltimeout"
    )
}

/// `(spelling, canonical keyword, kind)`; spellings are lowercase.
const TABLE: &[(&str, &str, Kind)] = &[
    ("host", "host", Kind::Host),
    ("match", "match", Kind::Match),
    ("include", "include", Kind::Include),
    // Deprecated, silently ignored.
    ("protocol", "protocol", Kind::Ignored),
    ("cipher", "cipher", Kind::Ignored),
    ("fallbacktorsh", "fallbacktorsh", Kind::Ignored),
    (
        "globalknownhostsfile2",
        "globalknownhostsfile2",
        Kind::Ignored,
    ),
    (
        "rhostsauthentication",
        "rhostsauthentication",
        Kind::Ignored,
    ),
    ("userknownhostsfile2", "userknownhostsfile2", Kind::Ignored),
    ("useroaming", "useroaming", Kind::Ignored),
    ("usersh", "usersh", Kind::Ignored),
    ("useprivilegedport", "useprivilegedport", Kind::Ignored),
    // Unsupported.
    ("afstokenpassing", "afstokenpassing", Kind::Unsupported),
    (
        "kerberosauthentication",
        "kerberosauthentication",
        Kind::Unsupported,
    ),
    (
        "kerberostgtpassing",
        "kerberostgtpassing",
        Kind::Unsupported,
    ),
    ("rsaauthentication", "rsaauthentication", Kind::Unsupported),
    (
        "rhostsrsaauthentication",
        "rhostsrsaauthentication",
        Kind::Unsupported,
    ),
    ("compressionlevel", "compressionlevel", Kind::Unsupported),
    // GSSAPI (including Debian's key-exchange patch).
    (
        "gssapiauthentication",
        "gssapiauthentication",
        Kind::Choice(FLAG),
    ),
    (
        "gssapidelegatecredentials",
        "gssapidelegatecredentials",
        Kind::Choice(FLAG),
    ),
    ("gssapikeyexchange", "gssapikeyexchange", Kind::Choice(FLAG)),
    ("gssapitrustdns", "gssapitrustdns", Kind::Choice(FLAG)),
    (
        "gssapirenewalforcesrekey",
        "gssapirenewalforcesrekey",
        Kind::Choice(FLAG),
    ),
    ("gssapiclientidentity", "gssapiclientidentity", Kind::Str),
    ("gssapiserveridentity", "gssapiserveridentity", Kind::Str),
    ("gssapikexalgorithms", "gssapikexalgorithms", Kind::Str),
    ("pkcs11provider", "pkcs11provider", Kind::Str),
    ("smartcarddevice", "pkcs11provider", Kind::Str),
    // The rest, in readconf.c order.
    ("forwardagent", "forwardagent", Kind::ForwardAgent),
    ("forwardx11", "forwardx11", Kind::Choice(FLAG)),
    ("forwardx11trusted", "forwardx11trusted", Kind::Choice(FLAG)),
    ("forwardx11timeout", "forwardx11timeout", Kind::Time),
    (
        "exitonforwardfailure",
        "exitonforwardfailure",
        Kind::Choice(FLAG),
    ),
    ("xauthlocation", "xauthlocation", Kind::Str),
    ("gatewayports", "gatewayports", Kind::Choice(FLAG)),
    (
        "passwordauthentication",
        "passwordauthentication",
        Kind::Choice(FLAG),
    ),
    (
        "kbdinteractiveauthentication",
        "kbdinteractiveauthentication",
        Kind::Choice(FLAG),
    ),
    ("kbdinteractivedevices", "kbdinteractivedevices", Kind::Str),
    (
        "challengeresponseauthentication",
        "kbdinteractiveauthentication",
        Kind::Choice(FLAG),
    ),
    (
        "skeyauthentication",
        "kbdinteractiveauthentication",
        Kind::Choice(FLAG),
    ),
    (
        "tisauthentication",
        "kbdinteractiveauthentication",
        Kind::Choice(FLAG),
    ),
    (
        "pubkeyauthentication",
        "pubkeyauthentication",
        Kind::Choice(PUBKEY_AUTH),
    ),
    (
        "dsaauthentication",
        "pubkeyauthentication",
        Kind::Choice(PUBKEY_AUTH),
    ),
    (
        "hostbasedauthentication",
        "hostbasedauthentication",
        Kind::Choice(FLAG),
    ),
    ("identityfile", "identityfile", Kind::FileList),
    ("identityfile2", "identityfile", Kind::FileList),
    ("identitiesonly", "identitiesonly", Kind::Choice(FLAG)),
    ("certificatefile", "certificatefile", Kind::FileList),
    ("addkeystoagent", "addkeystoagent", Kind::AddKeysToAgent),
    ("identityagent", "identityagent", Kind::Agent),
    ("hostname", "hostname", Kind::Str),
    ("hostkeyalias", "hostkeyalias", Kind::Str),
    ("proxycommand", "proxycommand", Kind::Command),
    ("port", "port", Kind::Port),
    ("ciphers", "ciphers", Kind::Algorithms),
    ("macs", "macs", Kind::Algorithms),
    ("remoteforward", "remoteforward", Kind::Forward(Fwd::Remote)),
    ("localforward", "localforward", Kind::Forward(Fwd::Local)),
    (
        "permitremoteopen",
        "permitremoteopen",
        Kind::PermitRemoteOpen,
    ),
    ("user", "user", Kind::Str),
    ("escapechar", "escapechar", Kind::EscapeChar),
    (
        "globalknownhostsfile",
        "globalknownhostsfile",
        Kind::HostsFiles,
    ),
    ("userknownhostsfile", "userknownhostsfile", Kind::HostsFiles),
    ("connectionattempts", "connectionattempts", Kind::Int),
    ("batchmode", "batchmode", Kind::Choice(FLAG)),
    ("checkhostip", "checkhostip", Kind::Choice(FLAG)),
    (
        "stricthostkeychecking",
        "stricthostkeychecking",
        Kind::Choice(STRICT),
    ),
    ("compression", "compression", Kind::Choice(COMPRESSION)),
    ("tcpkeepalive", "tcpkeepalive", Kind::Choice(FLAG)),
    ("keepalive", "tcpkeepalive", Kind::Choice(FLAG)),
    (
        "numberofpasswordprompts",
        "numberofpasswordprompts",
        Kind::Int,
    ),
    ("syslogfacility", "syslogfacility", Kind::Facility),
    ("loglevel", "loglevel", Kind::Choice(LOG_LEVEL)),
    ("logverbose", "logverbose", Kind::LogVerbose),
    (
        "dynamicforward",
        "dynamicforward",
        Kind::Forward(Fwd::Dynamic),
    ),
    (
        "preferredauthentications",
        "preferredauthentications",
        Kind::Str,
    ),
    ("hostkeyalgorithms", "hostkeyalgorithms", Kind::Algorithms),
    (
        "casignaturealgorithms",
        "casignaturealgorithms",
        Kind::Algorithms,
    ),
    ("bindaddress", "bindaddress", Kind::Str),
    ("bindinterface", "bindinterface", Kind::Str),
    (
        "clearallforwardings",
        "clearallforwardings",
        Kind::Choice(FLAG),
    ),
    ("enablesshkeysign", "enablesshkeysign", Kind::Choice(FLAG)),
    (
        "verifyhostkeydns",
        "verifyhostkeydns",
        Kind::Choice(YES_NO_ASK),
    ),
    (
        "nohostauthenticationforlocalhost",
        "nohostauthenticationforlocalhost",
        Kind::Choice(FLAG),
    ),
    ("rekeylimit", "rekeylimit", Kind::RekeyLimit),
    ("connecttimeout", "connecttimeout", Kind::Time),
    (
        "addressfamily",
        "addressfamily",
        Kind::Choice(ADDRESS_FAMILY),
    ),
    ("serveraliveinterval", "serveraliveinterval", Kind::Time),
    // Debian's compatibility aliases (keepalive-extensions patch).
    ("protocolkeepalives", "serveraliveinterval", Kind::Time),
    ("setuptimeout", "connecttimeout", Kind::Time),
    ("serveralivecountmax", "serveralivecountmax", Kind::Int),
    ("sendenv", "sendenv", Kind::SendEnv),
    ("setenv", "setenv", Kind::SetEnv),
    ("controlpath", "controlpath", Kind::Str),
    (
        "controlmaster",
        "controlmaster",
        Kind::Choice(CONTROL_MASTER),
    ),
    ("controlpersist", "controlpersist", Kind::ControlPersist),
    ("hashknownhosts", "hashknownhosts", Kind::Choice(FLAG)),
    ("tunnel", "tunnel", Kind::Choice(TUNNEL)),
    ("tunneldevice", "tunneldevice", Kind::TunnelDevice),
    ("localcommand", "localcommand", Kind::Command),
    (
        "permitlocalcommand",
        "permitlocalcommand",
        Kind::Choice(FLAG),
    ),
    ("remotecommand", "remotecommand", Kind::Command),
    ("visualhostkey", "visualhostkey", Kind::Choice(FLAG)),
    ("kexalgorithms", "kexalgorithms", Kind::Algorithms),
    ("ipqos", "ipqos", Kind::IpQos),
    ("requesttty", "requesttty", Kind::Choice(REQUEST_TTY)),
    ("sessiontype", "sessiontype", Kind::Choice(SESSION_TYPE)),
    ("stdinnull", "stdinnull", Kind::Choice(FLAG)),
    (
        "forkafterauthentication",
        "forkafterauthentication",
        Kind::Choice(FLAG),
    ),
    ("proxyusefdpass", "proxyusefdpass", Kind::Choice(FLAG)),
    (
        "canonicaldomains",
        "canonicaldomains",
        Kind::CanonicalDomains,
    ),
    (
        "canonicalizefallbacklocal",
        "canonicalizefallbacklocal",
        Kind::Choice(FLAG),
    ),
    (
        "canonicalizehostname",
        "canonicalizehostname",
        Kind::Choice(CANONICALIZE),
    ),
    ("canonicalizemaxdots", "canonicalizemaxdots", Kind::Int),
    (
        "canonicalizepermittedcnames",
        "canonicalizepermittedcnames",
        Kind::PermittedCnames,
    ),
    ("streamlocalbindmask", "streamlocalbindmask", Kind::BindMask),
    (
        "streamlocalbindunlink",
        "streamlocalbindunlink",
        Kind::Choice(FLAG),
    ),
    ("revokedhostkeys", "revokedhostkeys", Kind::Str),
    (
        "fingerprinthash",
        "fingerprinthash",
        Kind::Choice(FINGERPRINT),
    ),
    ("updatehostkeys", "updatehostkeys", Kind::Choice(YES_NO_ASK)),
    (
        "hostbasedacceptedalgorithms",
        "hostbasedacceptedalgorithms",
        Kind::Algorithms,
    ),
    (
        "hostbasedkeytypes",
        "hostbasedacceptedalgorithms",
        Kind::Algorithms,
    ),
    (
        "pubkeyacceptedalgorithms",
        "pubkeyacceptedalgorithms",
        Kind::Algorithms,
    ),
    (
        "pubkeyacceptedkeytypes",
        "pubkeyacceptedalgorithms",
        Kind::Algorithms,
    ),
    ("ignoreunknown", "ignoreunknown", Kind::Str),
    ("proxyjump", "proxyjump", Kind::Jump),
    ("securitykeyprovider", "securitykeyprovider", Kind::Str),
    ("knownhostscommand", "knownhostscommand", Kind::Command),
    ("requiredrsasize", "requiredrsasize", Kind::Int),
    // Newer than 9.1: 9.2 EnableEscapeCommandline, 9.4 Tag, 9.5 ObscureKeystrokeTiming,
    // 9.7 ChannelTimeout, 10.0 RefuseConnection, 10.1 WarnWeakCrypto.
    (
        "enableescapecommandline",
        "enableescapecommandline",
        Kind::Choice(FLAG),
    ),
    ("tag", "tag", Kind::Str),
    (
        "obscurekeystroketiming",
        "obscurekeystroketiming",
        Kind::Str,
    ),
    ("channeltimeout", "channeltimeout", Kind::LogVerbose),
    ("refuseconnection", "refuseconnection", Kind::Choice(FLAG)),
    ("warnweakcrypto", "warnweakcrypto", Kind::Str),
];

/// Look a keyword up (case-insensitively): its canonical lowercase name and kind.
pub(crate) fn lookup(keyword: &str) -> Option<(&'static str, Kind)> {
    type Index = std::collections::HashMap<&'static str, (&'static str, Kind)>;
    static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| {
        TABLE
            .iter()
            .map(|(name, canon, kind)| (*name, (*canon, *kind)))
            .collect()
    });
    if keyword.bytes().any(|b| b.is_ascii_uppercase()) {
        index.get(keyword.to_ascii_lowercase().as_str()).copied()
    } else {
        index.get(keyword).copied()
    }
}

/// Every accepted spelling (lowercase).
#[cfg(test)]
pub(crate) fn all_spellings() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|(name, _, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert_eq!(lookup("HostName").map(|x| x.0), Some("hostname"));
        assert_eq!(
            lookup("ChallengeResponseAuthentication").map(|x| x.0),
            Some("kbdinteractiveauthentication")
        );
        assert_eq!(
            lookup("PubkeyAcceptedKeyTypes").map(|x| x.0),
            Some("pubkeyacceptedalgorithms")
        );
        assert!(lookup("Prot").is_none());
        assert!(lookup("").is_none());
    }

    #[test]
    fn table_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        for name in all_spellings() {
            assert_eq!(name, name.to_ascii_lowercase());
            assert!(seen.insert(name), "duplicate {name}");
        }
        for (_, canon, kind) in TABLE {
            // Every alias points at a keyword that exists with the same kind.
            assert_eq!(lookup(canon).map(|x| x.1), Some(*kind), "{canon}");
        }
    }
}
