//! What one of ssh's lines says, in every wording OpenSSH used from 5.x to 10.x (see the
//! corpus's WORDING.md): a typed [`Msg`], or [`Msg::Other`].

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

fn classify_at_start(s: &str) -> Msg {
    let s = s.trim();
    if s.is_empty() {
        return Msg::Other;
    }
    connection(s)
        .or_else(|| banner(s))
        .or_else(|| hostkey(s))
        .or_else(|| auth(s))
        .or_else(|| session(s))
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

fn connection(s: &str) -> Option<Msg> {
    if s.starts_with("OpenSSH_") && crate::algorithms::parse_ssh_version(s).is_some() {
        return Some(Msg::Version(s.to_string()));
    }
    if let Some(f) = after(s, "Reading configuration data ") {
        return Some(Msg::ReadingConfig(f.to_string()));
    }
    if s.contains(": Applying options for ") || s.starts_with("Applying options for ") {
        return Some(Msg::ApplyingOptions(s.to_string()));
    }
    if s.contains("Bad configuration option")
        || s.contains("bad configuration options")
        || s.contains(": unsupported option")
        || s.contains("Unsupported option")
        || s.contains("keyword extraneous")
    {
        return Some(Msg::ConfigError(s.to_string()));
    }
    if let Some(f) = after(s, "Bad owner or permissions on ") {
        return Some(Msg::ConfigPermissions(f.to_string()));
    }
    if let Some(c) = after(s, "Executing proxy command: ") {
        return Some(Msg::ExecutingProxy(
            c.trim_start_matches("exec ").to_string(),
        ));
    }
    if let Some(rest) = after(s, "Connecting to ") {
        let (host, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        let addr = tail
            .strip_prefix('[')
            .and_then(|t| t.split_once(']'))
            .map(|(a, _)| a.to_string());
        let port = tail.find("port ").and_then(|i| port(&tail[i + 5..]));
        return Some(Msg::Connecting {
            host: host.to_string(),
            addr,
            port,
        });
    }
    if s.starts_with("connect to address ") {
        return Some(Msg::ConnectAddressFailed(s.to_string()));
    }
    let connect = [
        "ssh: connect to host ",
        "connect to host ",
        "ssh:connect to host ",
        "ssh:coonect to host ",
        "ssh: coonect to host ",
    ];
    if let Some(rest) = connect.iter().find_map(|p| s.strip_prefix(p)) {
        let (host, tail) = rest.split_once(" port ").unwrap_or((rest, ""));
        let port = port(tail);
        let why = tail.split_once(": ").map_or("", |(_, w)| w).to_string();
        return Some(Msg::ConnectFailed {
            host: host.to_string(),
            port,
            why,
        });
    }
    if let Some(i) = s.find("Could not resolve hostname ") {
        let rest = &s[i + "Could not resolve hostname ".len()..];
        let (host, why) = rest.split_once(": ").unwrap_or((rest, ""));
        return Some(Msg::ResolveFailed {
            host: host.to_string(),
            why: why.to_string(),
        });
    }
    if s == "Connection established." {
        return Some(Msg::Established);
    }
    if let Some(rest) = after(s, "identity file ") {
        if let Some((path, kind)) = rest.rsplit_once(" type ") {
            return Some(Msg::IdentityFile {
                path: path.to_string(),
                kind: kind.trim().parse().unwrap_or(-1),
            });
        }
    }
    if let Some(v) = after(s, "Local version string ") {
        return Some(Msg::LocalVersion(v.to_string()));
    }
    if let Some(c) =
        after(s, "channel_connect_stdio_fwd ").or_else(|| after(s, "channel_connect_stdio_fwd: "))
    {
        return Some(Msg::StdioForward(c.to_string()));
    }
    if s == "stdio forwarding failed" {
        return Some(Msg::StdioForwardingFailed);
    }
    if s.starts_with("channel ") && s.contains(": open failed: ") {
        return Some(Msg::ChannelOpenFailed(s.to_string()));
    }
    for p in [
        "Connection closed by ",
        "Connection reset by ",
        "Disconnected from ",
    ] {
        if after(s, p).is_some_and(|peer| !peer.starts_with("remote host")) {
            return Some(Msg::ClosedBy(s.to_string()));
        }
    }
    if let Some(rest) = after(s, "Connection to ") {
        if rest.ends_with(" timed out") {
            return Some(Msg::PeerTimedOut(
                rest.trim_end_matches(" timed out").to_string(),
            ));
        }
        if rest.ends_with(" closed.") || rest.ends_with(" closed by remote host.") {
            return Some(Msg::ConnectionToClosed);
        }
    }
    if s.starts_with("Received disconnect from ") {
        return Some(Msg::ReceivedDisconnect(s.to_string()));
    }
    None
}

fn banner(s: &str) -> Option<Msg> {
    let body = [
        "kex_exchange_identification: ",
        "ssh_exchange_identification: ",
    ]
    .iter()
    .find_map(|p| s.strip_prefix(p));
    if let Some(body) = body {
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
    }
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

fn hostkey(s: &str) -> Option<Msg> {
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

fn auth(s: &str) -> Option<Msg> {
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

fn list_of(s: &str) -> Vec<String> {
    s.split(',')
        .map(|m| m.trim().trim_end_matches(['.', ')']).to_string())
        .filter(|m| !m.is_empty())
        .collect()
}

fn session(s: &str) -> Option<Msg> {
    if let Some(c) = after(s, "Sending command: ").or_else(|| after(s, "Sending subsystem: ")) {
        return Some(Msg::Sending(c.to_string()));
    }
    if s.contains(" request failed on channel ")
        || (s.starts_with("Request for subsystem") && s.contains("failed"))
    {
        return Some(Msg::RequestFailed(s.to_string()));
    }
    if s.starts_with("This account is currently not available") {
        return Some(Msg::AccountNotAvailable);
    }
    if let Some(n) = after(s, "Exit status ") {
        return n.trim().parse().ok().map(Msg::ExitStatus);
    }
    if s.starts_with("Last login: ") {
        return Some(Msg::LastLogin);
    }
    let rate = ["B/s", "KB/s", "MB/s", "GB/s"]
        .iter()
        .any(|r| s.contains(r));
    if rate && s.contains("100%") {
        return Some(Msg::TransferDone);
    }
    if s.starts_with("load pubkey \"") || s.starts_with("key_load_public: ") {
        return Some(Msg::Harmless(s.to_string()));
    }
    None
}

#[cfg(test)]
mod tests;
