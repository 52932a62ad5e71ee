//! The key-exchange stage: the server's KEXINIT against the user's OpenSSH proposal, then a real
//! key exchange through russh (with legacy algorithms where OpenSSH's defaults would refuse).

use super::banner::{read_banner, BannerOutcome};
use super::hostkey::KnownHosts;
use super::net::BannerConn;
use super::stream::ProbeStream;
use super::stream::Tap;
use super::{ClientAlgorithms, Cx, Plan, Target, CLIENT_IDENT};
use crate::algorithms::{self, AlgKind, KexInit};
use crate::event::{Level, Stage};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::known_hosts::{HostKeyCheck, PresentedKey};
use russh::keys::PublicKeyOrCertificate;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

#[cfg(test)]
mod i18n_tests;
mod stage;
mod support;
mod words;
pub(super) use stage::kex_stage;
use support::legacy_rank;
pub(crate) use words::{kind_text, list_text, origin_text};

/// The server's host key as presented in the key exchange: a plain key or a host certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostKeySeen {
    /// A plain host key.
    Key(russh::keys::PublicKey),
    /// A host certificate.
    Certificate(Box<russh::keys::Certificate>),
}

impl HostKeySeen {
    /// The key data (the certified key for a certificate).
    pub fn key_data(&self) -> &russh::keys::ssh_key::public::KeyData {
        match self {
            HostKeySeen::Key(k) => k.key_data(),
            HostKeySeen::Certificate(c) => c.public_key(),
        }
    }

    /// The key or certificate algorithm name, e.g. `ssh-ed25519-cert-v01@openssh.com`.
    pub fn algorithm(&self) -> String {
        match self {
            HostKeySeen::Key(k) => k.algorithm().as_str().to_string(),
            HostKeySeen::Certificate(c) => c.algorithm().to_certificate_type(),
        }
    }

    /// `SHA256:...` of the key (of the certified key for a certificate).
    pub fn fingerprint(&self) -> String {
        crate::known_hosts::sha256_fingerprint(self.key_data())
    }

    /// The key as the known_hosts lookup takes it.
    pub fn presented(&self) -> PresentedKey<'_> {
        match self {
            HostKeySeen::Key(k) => PresentedKey::Key(k),
            HostKeySeen::Certificate(c) => PresentedKey::Certificate(c),
        }
    }

    /// `ALGORITHM SHA256:...`, as ssh prints "Server host key:".
    pub fn describe(&self) -> String {
        format!("{} {}", self.algorithm(), self.fingerprint())
    }
}

/// What the handler learned during a connection.
#[derive(Default)]
pub(crate) struct Seen {
    /// The presented host key.
    pub host_key: Option<HostKeySeen>,
    /// OpenSSH's decision on it.
    pub check: Option<HostKeyCheck>,
    /// The server's disconnect message, `Code: text`.
    pub disconnect: Option<String>,
    /// The server disconnected for too many authentication failures.
    pub too_many_auth_failures: bool,
    /// The latest refused channel open: the reason code and the server's text.
    pub open_failure: Option<(u32, String)>,
}

/// Shared view of [`Seen`] between the handler (inside russh's task) and the stages.
pub(crate) type SeenCell = Arc<Mutex<Seen>>;

/// Lock a [`SeenCell`], tolerating a poisoned lock (the data is plain records).
pub(crate) fn seen(cell: &SeenCell) -> std::sync::MutexGuard<'_, Seen> {
    cell.lock().unwrap_or_else(|e| e.into_inner())
}

/// How the probe decides on a host key inside the handshake, as ssh does: known_hosts, the
/// host-key options, KnownHostsCommand and RevokedHostKeys (see `hostkey::judge`).
pub(crate) struct HostKeyPolicy {
    /// The known_hosts files, scanned for the names this connection looks up.
    pub known_hosts: KnownHosts,
    /// HostName and port, and HostKeyAlias, for the lookup.
    pub host: String,
    pub port: u16,
    pub alias: Option<String>,
    /// StrictHostKeyChecking, BatchMode and the other settings ssh's decision follows.
    pub rules: super::hostkey::Rules,
    /// The decision on the key of the latest key exchange (read by the host-key stage).
    pub judged: Mutex<Option<super::hostkey::Judgement>>,
}

/// russh's client handler for the probe. It records the host key and decides like ssh: a key
/// ssh refuses as such (changed, revoked, a failed KnownHostsCommand) aborts the connection
/// before anything is sent. A key not known yet is let through even where ssh would stop (the
/// host-key stage then ends the run), because what follows (public-key queries) reveals no
/// secret; the report path never sends a password.
pub(crate) struct Recorder {
    cell: SeenCell,
    policy: Arc<HostKeyPolicy>,
}

impl russh::client::Handler for Recorder {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let host_key = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => HostKeySeen::Key(key.clone()),
            PublicKeyOrCertificate::Certificate(cert) => {
                HostKeySeen::Certificate(Box::new(cert.clone()))
            }
        };
        let judgement = super::hostkey::judge(&self.policy, &host_key).await;
        let allow = !judgement.deny;
        {
            let mut s = seen(&self.cell);
            s.host_key = Some(host_key);
            s.check = Some(judgement.check.clone());
        }
        *self.policy.judged.lock().unwrap_or_else(|e| e.into_inner()) = Some(judgement);
        Ok(allow)
    }

    async fn channel_open_failure(
        &mut self,
        _channel: russh::ChannelId,
        reason: russh::ChannelOpenFailure,
        description: &str,
        _language: &str,
        _session: &mut russh::client::Session,
    ) -> Result<(), Self::Error> {
        let code = match reason {
            russh::ChannelOpenFailure::AdministrativelyProhibited => 1,
            russh::ChannelOpenFailure::ConnectFailed => 2,
            russh::ChannelOpenFailure::UnknownChannelType => 3,
            russh::ChannelOpenFailure::ResourceShortage => 4,
            russh::ChannelOpenFailure::Other { code, .. } => code,
        };
        let text = super::banner::sanitize(description.as_bytes());
        seen(&self.cell).open_failure = Some((code, text));
        Ok(())
    }

    async fn disconnected(
        &mut self,
        reason: russh::client::DisconnectReason<Self::Error>,
    ) -> Result<(), Self::Error> {
        match reason {
            russh::client::DisconnectReason::ReceivedDisconnect(info) => {
                let mut s = seen(&self.cell);
                s.too_many_auth_failures |=
                    info.message.contains("Too many authentication failures");
                s.disconnect = Some(format!("{:?}: {}", info.reason_code, info.message));
                Ok(())
            }
            russh::client::DisconnectReason::Error(e) => Err(e),
        }
    }
}

/// An SSH connection the probe holds after the key exchange.
pub(crate) type ProbeHandle = russh::client::Handle<Recorder>;

/// The russh client configuration of the probe for a target: the user's algorithm lists first.
fn probe_config(t: &Target, timeout: Duration) -> russh::client::Config {
    let ours = &t.algorithms;
    russh::client::Config {
        client_id: russh::SshId::Standard(CLIENT_IDENT.into()),
        preferred: algorithms::russh_preferred(
            &probe_list(&ours.kex, AlgKind::Kex),
            &probe_list(&ours.host_key, AlgKind::HostKey),
            &probe_list(&ours.cipher, AlgKind::Cipher),
            &probe_list(&ours.mac, AlgKind::Mac),
        ),
        // No inactivity timer: a person typing a password is not a dead connection, and
        // russh resets that timer on any packet (IGNORE included), so it bounds nothing. Every
        // network await has its own deadline instead; once logged in, keep-alives detect a
        // dead server while a dialog is open.
        inactivity_timeout: None,
        keepalive_interval: Some(timeout),
        keepalive_max: 3,
        ..Default::default()
    }
}

/// Hand a connection whose identification was read to russh; returns the handle (when the key
/// exchange completed and the host key was allowed), the handler's records and the tap.
async fn handshake(
    t: &Target,
    conn: BannerConn,
    policy: Arc<HostKeyPolicy>,
    timeout: Duration,
) -> (Result<ProbeHandle, String>, SeenCell, Arc<Mutex<Tap>>) {
    let mut ident_line = conn.ident.into_bytes();
    ident_line.extend_from_slice(b"\r\n");
    let (stream, tap) = ProbeStream::new(
        conn.stream,
        &ident_line,
        &conn.leftover,
        CLIENT_IDENT.len() + 2,
    );
    let cell = SeenCell::default();
    let recorder = Recorder {
        cell: cell.clone(),
        policy,
    };
    let result = tokio::time::timeout(
        timeout,
        russh::client::connect_stream(Arc::new(probe_config(t, timeout)), stream, recorder),
    )
    .await;
    let result = match result {
        Err(_) => Err(format!(
            "the key exchange did not finish within {}s",
            timeout.as_secs_f64()
        )),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(handle)) => Ok(handle),
    };
    (result, cell, tap)
}

/// Open a fresh connection the same way (after the server hung up on too many
/// authentication failures): TCP or through the jump host, identification, key exchange, the
/// same host-key policy.
pub(crate) async fn reconnect(
    t: &Target,
    dial: &super::transport::Dialer,
    policy: Arc<HostKeyPolicy>,
    timeout: Duration,
) -> Result<(ProbeHandle, SeenCell), String> {
    let mut stream = dial.dial(timeout).await?;
    stream
        .write_all(format!("{CLIENT_IDENT}\r\n").as_bytes())
        .await
        .map_err(|e| format!("sending the identification: {e}"))?;
    let BannerOutcome::Ssh {
        ident, leftover, ..
    } = read_banner(&mut stream, timeout).await
    else {
        return Err("the server did not identify as SSH-2 on reconnecting".into());
    };
    let conn = BannerConn {
        stream,
        ident,
        leftover,
    };
    let (result, cell, _) = handshake(t, conn, policy, timeout).await;
    result.map(|h| (h, cell))
}

/// What the key-exchange stage hands on.
pub(crate) struct Connected {
    /// The presented host key.
    pub host_key: HostKeySeen,
    /// OpenSSH's verdict on it.
    pub check: HostKeyCheck,
    /// The live connection, when the host key was allowed.
    pub handle: Option<ProbeHandle>,
    /// The handler's records for this connection.
    pub cell: SeenCell,
}

/// The probe's proposal: the user's OpenSSH list first (what russh implements of it, in that
/// order, so the probe picks what ssh would), then russh's other algorithms so that a server
/// OpenSSH would refuse can still be examined further.
fn probe_list(openssh: &[String], kind: AlgKind) -> Vec<String> {
    let supported = algorithms::russh_supported(kind);
    let mut list: Vec<String> = openssh
        .iter()
        .filter(|a| supported.contains(a))
        .cloned()
        .collect();
    for a in supported {
        if !list.contains(&a) {
            list.push(a);
        }
    }
    list
}

/// ssh's version without the distribution's suffix, for findings: "OpenSSH 9.2p1".
fn short_version(text: &str) -> String {
    text.split([' ', ','])
        .next()
        .unwrap_or(text)
        .replace('_', " ")
}

/// One category with no algorithm in common.
struct Mismatch {
    id: &'static str,
    kind: AlgKind,
    /// Words for messages: "key exchange method".
    kind_words: &'static str,
    short: &'static str,
    ours: Vec<String>,
    server: Vec<String>,
}

fn is_aead(cipher: &str) -> bool {
    cipher == "chacha20-poly1305@openssh.com" || cipher.ends_with("-gcm@openssh.com")
}

/// Compare the user's OpenSSH proposal with the server's, as OpenSSH's kex_choose_conf does.
fn compare(ours: &ClientAlgorithms, server: &KexInit) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let server_kex = algorithms::without_markers(&server.kex);
    if algorithms::negotiate(&ours.kex, &server_kex).is_none() {
        out.push(Mismatch {
            id: "kex.no_common_kex",
            kind: AlgKind::Kex,
            kind_words: "key exchange method",
            short: "key exchange",
            ours: ours.kex.clone(),
            server: server_kex,
        });
    }
    if algorithms::negotiate(&ours.host_key, &server.host_key).is_none() {
        out.push(Mismatch {
            id: "kex.no_common_hostkey",
            kind: AlgKind::HostKey,
            kind_words: "host key type",
            short: "host key type",
            ours: ours.host_key.clone(),
            server: server.host_key.clone(),
        });
    }
    let mut ciphers = Vec::new();
    for list in [&server.ciphers_c2s, &server.ciphers_s2c] {
        match algorithms::negotiate(&ours.cipher, list) {
            Some(c) => ciphers.push(Some(c)),
            None => ciphers.push(None),
        }
    }
    if ciphers.iter().any(Option::is_none) {
        let list = if ciphers[0].is_none() {
            &server.ciphers_c2s
        } else {
            &server.ciphers_s2c
        };
        out.push(Mismatch {
            id: "kex.no_common_cipher",
            kind: AlgKind::Cipher,
            kind_words: "cipher",
            short: "cipher",
            ours: ours.cipher.clone(),
            server: list.clone(),
        });
    }
    // A MAC is only negotiated for a direction whose cipher is not an AEAD cipher.
    for (cipher, macs) in ciphers.iter().zip([&server.macs_c2s, &server.macs_s2c]) {
        let needs_mac = cipher.as_deref().is_none_or(|c| !is_aead(c));
        if needs_mac && algorithms::negotiate(&ours.mac, macs).is_none() {
            out.push(Mismatch {
                id: "kex.no_common_mac",
                kind: AlgKind::Mac,
                kind_words: "MAC",
                short: "MAC",
                ours: ours.mac.clone(),
                server: macs.clone(),
            });
            break;
        }
    }
    out
}

fn no_common_finding(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    version: &str,
    m: &Mismatch,
) -> crate::event::Finding {
    let keyword = m.kind.keyword();
    let origin = match &t.algorithms.origins[kind_index(m.kind)] {
        Some(o) => {
            let place = origin_text(o, &cx.config.home);
            crate::text!("engine.kex.origin_from", keyword = keyword, place = place)
        }
        None => crate::text!(
            "engine.kex.origin_default",
            version = version,
            keyword = keyword
        ),
    };
    no_common_keyed(
        &NoCommon {
            id: m.id,
            kind: m.kind,
            kind_words: m.kind_words,
            at: format!("{}:{}", t.hostname, t.port),
            origin: origin.english(),
            ours: &m.ours,
            server: &m.server,
            alias: &t.original_host,
            user: &t.user,
            version_words: Text::from(version),
            version: plan.openssh.as_ref().map(|(_, v)| *v),
        },
        origin,
    )
}

/// What a `kex.no_common_*` finding says, from what is known of the mismatch (shared with
/// `sshdoctor explain`, which knows it from a transcript).
pub(crate) struct NoCommon<'a> {
    /// The finding id.
    pub id: &'a str,
    /// The list with nothing in common.
    pub kind: AlgKind,
    /// ssh's words for it: "key exchange method".
    pub kind_words: &'a str,
    /// `host:port`.
    pub at: String,
    /// Where the client's list comes from, in words.
    pub origin: String,
    /// The client's list.
    pub ours: &'a [String],
    /// The server's list.
    pub server: &'a [String],
    /// The destination as typed (for the Host block).
    pub alias: &'a str,
    /// The user (for the one-off command).
    pub user: &'a str,
    /// The client, in words: "OpenSSH 9.2p1".
    pub version_words: Text,
    /// The client's release, whose algorithms decide what can be enabled.
    pub version: Option<crate::algorithms::OpenSshVersion>,
}

/// The `kex.no_common_*` finding: detail, evidence and the per-host fix, with the origin of
/// the client's list as a text the front ends translate (`m.origin` is its English, used in
/// the evidence).
pub(crate) fn no_common_keyed(m: &NoCommon, origin: Text) -> crate::event::Finding {
    let can_enable = algorithms::supported(m.version, m.kind);
    let keyword = m.kind.keyword();
    let detail = crate::text!(
        "engine.kex.no_common_detail",
        at = &m.at,
        kind = kind_text(m.kind_words),
        origin = origin,
        words = m.kind_words,
    );
    let f = keyed(m.id, Stage::Kex, detail)
        .evidence(format!("server offers {keyword}: {}", m.server.join(",")))
        .evidence(format!(
            "your ssh proposes ({}): {}",
            m.origin,
            m.ours.join(",")
        ));
    let strongest = m
        .server
        .iter()
        .filter(|a| can_enable.contains(a))
        .enumerate()
        .min_by_key(|(i, a)| (legacy_rank(m.kind, a), *i))
        .map(|(_, a)| a);
    match strongest {
        Some(alg) => {
            let mut block = format!("Host {}\n    {keyword} +{alg}", m.alias);
            if m.kind == AlgKind::HostKey && alg.starts_with("ssh-rsa") {
                block.push_str("\n    PubkeyAcceptedAlgorithms +ssh-rsa");
            }
            f.fix_text(crate::text!(
                "engine.kex.no_common_fix_enable",
                block = block,
                keyword = keyword,
                alg = alg,
                user = m.user,
                alias = m.alias,
            ))
        }
        None => f.fix_text(crate::text!(
            "engine.kex.no_common_fix_none",
            keyword = keyword,
            version = m.version_words.clone(),
        )),
    }
}

fn kind_index(kind: AlgKind) -> usize {
    match kind {
        AlgKind::Kex => 0,
        AlgKind::HostKey => 1,
        AlgKind::Cipher => 2,
        _ => 3,
    }
}

async fn log_proposals(cx: &Cx, ours: &ClientAlgorithms, server: &KexInit) {
    for (name, list) in [
        ("KEX algorithms", &ours.kex),
        ("host key algorithms", &ours.host_key),
        ("ciphers", &ours.cipher),
        ("MACs", &ours.mac),
    ] {
        cx.log(
            Stage::Kex,
            Level::Debug2,
            format!("local client {name}: {}", list.join(",")),
        )
        .await;
    }
    for (name, list) in [
        ("KEX algorithms", &server.kex),
        ("host key algorithms", &server.host_key),
        ("ciphers ctos", &server.ciphers_c2s),
        ("ciphers stoc", &server.ciphers_s2c),
        ("MACs ctos", &server.macs_c2s),
        ("MACs stoc", &server.macs_s2c),
        ("compression ctos", &server.compression_c2s),
        ("compression stoc", &server.compression_s2c),
    ] {
        cx.log(
            Stage::Kex,
            Level::Debug2,
            format!("peer server {name}: {}", list.join(",")),
        )
        .await;
    }
}

async fn log_negotiated(cx: &Cx, ours: &ClientAlgorithms, server: &KexInit) {
    let kex = algorithms::negotiate(&ours.kex, &algorithms::without_markers(&server.kex))
        .unwrap_or_default();
    let hk = algorithms::negotiate(&ours.host_key, &server.host_key).unwrap_or_default();
    cx.log(Stage::Kex, Level::Debug1, format!("kex: algorithm: {kex}"))
        .await;
    cx.log(
        Stage::Kex,
        Level::Debug1,
        format!("kex: host key algorithm: {hk}"),
    )
    .await;
    cx.fact(Stage::Kex, "kex", kex).await;
    cx.fact(Stage::Kex, "host_key_algorithm", hk).await;
    for (dir, ciphers, macs) in [
        ("server->client", &server.ciphers_s2c, &server.macs_s2c),
        ("client->server", &server.ciphers_c2s, &server.macs_c2s),
    ] {
        let c = algorithms::negotiate(&ours.cipher, ciphers).unwrap_or_default();
        let m = if is_aead(&c) {
            "<implicit>".to_string()
        } else {
            algorithms::negotiate(&ours.mac, macs).unwrap_or_default()
        };
        cx.log(
            Stage::Kex,
            Level::Debug1,
            format!("kex: {dir} cipher: {c} MAC: {m} compression: none"),
        )
        .await;
        cx.fact(Stage::Kex, &format!("cipher {dir}"), format!("{c} {m}"))
            .await;
    }
    if server
        .kex
        .iter()
        .any(|k| k == "kex-strict-s-v00@openssh.com")
    {
        cx.say(
            Stage::Kex,
            Level::Debug2,
            crate::text!("engine.kex.strict_kex"),
        )
        .await;
    }
}
