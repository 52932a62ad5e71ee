//! What one of ssh's lines says, in every wording OpenSSH used from 5.x to 10.x (see the
//! corpus's WORDING.md): a typed [`Msg`], or [`Msg::Other`].

mod auth;
mod connection;
mod transport;

/// Which algorithm list had nothing in common (`Unable to negotiate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Negotiated {
    /// no matching key exchange method found
    Kex,
    /// no matching host key type found
    HostKey,
    /// no matching cipher found
    Cipher,
    /// no matching MAC found
    Mac,
    /// no matching compression method found
    Compression,
}

/// A key as ssh names it in `Will attempt key`, `Offering public key`, `Server accepts key`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ident {
    /// The path, or the agent key's comment.
    pub name: String,
    /// `ED25519`, `RSA`, ... when shown.
    pub kind: Option<String>,
    /// `SHA256:...` when shown.
    pub fingerprint: Option<String>,
    /// Given with `-i` or IdentityFile.
    pub explicit: bool,
    /// Held by the agent.
    pub agent: bool,
}

impl Ident {
    /// `NAME TYPE FP` as ssh prints it, or the name alone.
    pub fn label(&self) -> String {
        let mut s = self.name.clone();
        if let Some(k) = &self.kind {
            s.push(' ');
            s.push_str(k);
        }
        if let Some(f) = &self.fingerprint {
            s.push(' ');
            s.push_str(f);
        }
        s
    }
}

/// One line of ssh's output, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// `OpenSSH_9.2p1 Debian-2, OpenSSL 3.0.19` (`-v`, or `ssh -V`).
    Version(String),
    /// `Reading configuration data FILE`.
    ReadingConfig(String),
    /// `FILE line N: Applying options for PATTERN`.
    ApplyingOptions(String),
    /// `FILE line N: Bad configuration option: X`, `terminating, N bad configuration options`.
    ConfigError(String),
    /// `Bad owner or permissions on FILE`.
    ConfigPermissions(String),
    /// `Executing proxy command: exec ssh ... -W ... HOST` (also ProxyJump's implicit one).
    ExecutingProxy(String),
    /// `Connecting to HOST [ADDR] port N.`
    Connecting {
        /// Host name.
        host: String,
        /// Address, when shown.
        addr: Option<String>,
        /// Port.
        port: Option<u16>,
    },
    /// `connect to address ADDR port N: WHY` (one per address tried).
    ConnectAddressFailed(String),
    /// `ssh: connect to host H port N: WHY`.
    ConnectFailed {
        /// Host.
        host: String,
        /// Port.
        port: Option<u16>,
        /// The system's words.
        why: String,
    },
    /// `ssh: Could not resolve hostname H: WHY`.
    ResolveFailed {
        /// Host.
        host: String,
        /// The resolver's words.
        why: String,
    },
    /// `Connection established.`
    Established,
    /// `identity file PATH type N`.
    IdentityFile {
        /// Path.
        path: String,
        /// -1: absent or unreadable.
        kind: i32,
    },
    /// `Local version string SSH-2.0-...`.
    LocalVersion(String),
    /// `Remote protocol version 2.0, remote software version X`.
    RemoteVersion {
        /// `2.0`, `1.5`, `1.99`.
        proto: String,
        /// Software.
        software: String,
    },
    /// `kex_exchange_identification: banner line N: TEXT` (a line before the identification).
    BannerLine(String),
    /// `(kex|ssh)_exchange_identification: Connection closed by remote host` / `read: ... reset`.
    BannerClosed {
        /// Reset rather than closed.
        reset: bool,
    },
    /// Not an SSH identification: invalid characters, too long, `invalid format`, `Bad remote
    /// protocol version identification`.
    BannerInvalid(String),
    /// `Connection timed out during banner exchange`.
    BannerTimeout,
    /// `Protocol major versions differ: 2 vs. 1`.
    ProtocolDiffer,
    /// `Unable to negotiate with PEER: no matching X found. Their offer: LIST`.
    NoMatch {
        /// Which list.
        what: Negotiated,
        /// The server's list.
        offer: Vec<String>,
        /// `HOST port N`, as ssh names the peer.
        peer: String,
    },
    /// `kex: algorithm: X`.
    KexAlgorithm(String),
    /// `kex: host key algorithm: X`.
    KexHostKeyAlgorithm(String),
    /// `kex: server->client cipher: C MAC: M ...`.
    KexCipher(String),
    /// `Server host key: TYPE FP` (or `Server host certificate: TYPE FP, serial ...`).
    ServerHostKey(String),
    /// `Host 'NAME' is known and matches the TYPE host key.`
    HostKnown(String),
    /// `The authenticity of host 'NAME (ADDR)' can't be established.`
    Authenticity(String),
    /// `TYPE key fingerprint is FP.`
    KeyFingerprint(String),
    /// `Warning: Permanently added 'NAME' (TYPE) to the list of known hosts.`
    PermanentlyAdded(String),
    /// `No TYPE host key is known for NAME and you have requested strict checking.`
    NoHostKeyStrict(String),
    /// `Host key verification failed.`
    HostKeyVerificationFailed,
    /// `@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @`.
    ChangedWarning,
    /// `The fingerprint for the TYPE key sent by the remote host is`.
    ChangedKeyType(String),
    /// A line holding only a fingerprint (`SHA256:...` or MD5 hex), after the one above.
    Fingerprint(String),
    /// `Offending TYPE key in FILE:LINE`.
    Offending {
        /// The recorded key's type, when shown.
        kind: Option<String>,
        /// File.
        file: String,
        /// Line.
        line: Option<usize>,
    },
    /// `[TYPE host key for|Host key for] NAME has changed and you have requested strict checking.`
    ChangedStrict(String),
    /// `Password authentication is disabled to avoid man-in-the-middle attacks.` and the like.
    MitmDisabled,
    /// `@ WARNING: REVOKED HOST KEY DETECTED! @`, `The TYPE host key for NAME is marked as revoked.`
    Revoked,
    /// `Certificate invalid: name is not a listed principal` and the other reasons ssh refuses a
    /// host certificate a trusted CA signed (then it checks the plain key).
    CertInvalid(String),
    /// `Authenticating to HOST:PORT as 'USER'`.
    AuthenticatingTo {
        /// Host.
        host: String,
        /// Port.
        port: Option<u16>,
        /// User.
        user: String,
    },
    /// `Authentications that can continue: LIST`.
    CanContinue(Vec<String>),
    /// `Will attempt key: IDENT`.
    WillAttempt(Ident),
    /// `Offering public key: IDENT`.
    Offering(Ident),
    /// `Server accepts key: IDENT` (or `pkalg ... blen ...` before 7.9).
    ServerAccepts(Ident),
    /// `Trying private key: PATH`.
    TryingPrivateKey(String),
    /// `no such identity: PATH: WHY` (shown without -v for a configured file).
    NoSuchIdentity(String),
    /// `send_pubkey_test: no mutual signature algorithm` / `sign_and_send_pubkey: no mutual
    /// signature supported`.
    NoMutualSignature,
    /// `sign_and_send_pubkey: signing failed [for TYPE "PATH" [from agent]]: WHY`.
    SigningFailed {
        /// The key, when named.
        key: Option<String>,
        /// ssh's error text: `agent refused operation`, ...
        why: String,
    },
    /// `Enter passphrase for key 'PATH':`.
    PassphrasePrompt(String),
    /// `Load key "PATH": WHY`, or `bad permissions: ignore key: PATH`.
    LoadKey {
        /// Path.
        path: String,
        /// `bad permissions`, `invalid format`, ...
        why: String,
    },
    /// `@ WARNING: UNPROTECTED PRIVATE KEY FILE! @`.
    Unprotected,
    /// `Permissions 0644 for 'PATH' are too open.`
    TooOpen {
        /// The mode, as shown.
        mode: String,
        /// Path.
        path: String,
    },
    /// `Authenticated with partial success.` / `Authenticated using "M" with partial success.`
    PartialSuccess,
    /// `Authenticated to HOST (...)` / `Authentication succeeded (M).`
    Authenticated(String),
    /// `Permission denied (METHODS).` with `user@host: ` from 7.6.
    PermissionDenied {
        /// `user@host` when shown.
        who: Option<String>,
        /// The methods listed.
        methods: Vec<String>,
    },
    /// `Permission denied, please try again.` (a refused password).
    TryAgain,
    /// `user@host's password:`, `Password:`, `Verification code:` prompts.
    SecretPrompt(String),
    /// `Received disconnect from PEER:CODE: TEXT`.
    ReceivedDisconnect(String),
    /// `channel N: open failed: REASON: TEXT`.
    ChannelOpenFailed(String),
    /// `stdio forwarding failed`.
    StdioForwardingFailed,
    /// `channel_connect_stdio_fwd HOST:PORT` (a jump host forwarding to the next hop).
    StdioForward(String),
    /// `Connection closed by PEER` / `Connection reset by PEER` / `Disconnected from PEER`.
    ClosedBy(String),
    /// `Connection to PEER timed out`.
    PeerTimedOut(String),
    /// `Sending command: C` / `Sending subsystem: S`.
    Sending(String),
    /// `subsystem request failed on channel N` (and exec/shell/PTY).
    RequestFailed(String),
    /// `This account is currently not available.`
    AccountNotAvailable,
    /// `Exit status N`.
    ExitStatus(i32),
    /// `Connection to HOST closed [by remote host].`
    ConnectionToClosed,
    /// `Last login: ...` (the login worked: the server's greeting of an interactive session).
    LastLogin,
    /// A copy's progress line at `100%` (scp, sftp): the transfer worked.
    TransferDone,
    /// Something ssh says that changes no verdict (`load pubkey "F": invalid format`).
    Harmless(String),
    /// Anything else.
    Other,
}

/// Understand a line's core text.
pub fn classify(core: &str) -> Msg {
    let m = classify_at_start(core);
    if m != Msg::Other {
        return m;
    }
    // A prefix nothing stripped (a tool's tag, a chat name, `***`): look for ssh's words inside.
    for marker in MARKERS {
        if let Some(i) = core.find(marker) {
            if i > 0 {
                let rest = &core[i..];
                let rest = ["debug1: ", "debug2: ", "debug3: "]
                    .iter()
                    .find_map(|p| rest.strip_prefix(p))
                    .unwrap_or(rest);
                let m = classify_at_start(rest);
                // A version inside a line is a quote of it (`compat_banner: match: OpenSSH_...`).
                if !matches!(m, Msg::Other | Msg::Version(_)) {
                    return m;
                }
            }
        }
    }
    Msg::Other
}

/// Where ssh's text may start inside a line with an unknown prefix.
const MARKERS: [&str; 21] = [
    "debug1: ",
    "debug2: ",
    "debug3: ",
    "ssh: ",
    "kex_exchange_identification",
    "ssh_exchange_identification",
    "Permission denied",
    "Unable to negotiate",
    "Host key verification failed",
    "Connection closed by",
    "Connection reset by",
    "Received disconnect from",
    "sign_and_send_pubkey",
    "Load key ",
    "no such identity",
    "channel ",
    "stdio forwarding failed",
    "REMOTE HOST IDENTIFICATION",
    "UNPROTECTED PRIVATE KEY",
    "subsystem request failed",
    "This account is currently not available",
];

/// A line whose text starts with ssh's words, understood stage by stage.
fn classify_at_start(s: &str) -> Msg {
    let s = s.trim();
    if s.is_empty() {
        return Msg::Other;
    }
    connection::connection(s)
        .or_else(|| transport::banner(s))
        .or_else(|| transport::hostkey(s))
        .or_else(|| auth::auth(s))
        .or_else(|| connection::session(s))
        .unwrap_or(Msg::Other)
}

/// The text after `prefix` when `s` starts with it.
fn after<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.strip_prefix(prefix)
}

/// A port number at the start of `s`.
fn port(s: &str) -> Option<u16> {
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests;
