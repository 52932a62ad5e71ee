//! Asking the server about keys without signing: the declining signer, the prober that
//! reconnects past MaxAuthTries, the signature algorithm ssh would use, and the real login.

use super::super::kex::{reconnect, seen, HostKeyPolicy, ProbeHandle, SeenCell};
use super::super::{Cx, Target};
use super::Answer;
use crate::event::{Level, Stage};
use crate::identities::{self, AgentStatus, Backing, Identity, IdentityPlan};
use russh::client::AuthResult;
use russh::keys::HashAlg;
use std::sync::Arc;
use std::time::Duration;

/// A signer that never signs: the server's PK_OK reaches it as a sign request, which is all
/// the probe wants to know. Declining abandons the request and leaves the connection usable.
struct Decliner;

/// Why the declining signer stopped.
#[derive(Debug)]
enum Declined {
    /// The server accepted the key (PK_OK) and asked for a signature.
    Accepted,
    /// The connection is gone.
    Send,
}

impl From<russh::SendError> for Declined {
    fn from(_: russh::SendError) -> Self {
        Declined::Send
    }
}

impl russh::Signer for Decliner {
    type Error = Declined;

    async fn auth_sign(
        &mut self,
        _key: &russh::keys::agent::AgentIdentity,
        _hash_alg: Option<HashAlg>,
        _to_sign: Vec<u8>,
    ) -> Result<Vec<u8>, Self::Error> {
        Err(Declined::Accepted)
    }
}

/// The live connection and its records; replaced when the server hangs up on too many failures.
pub(crate) struct Conn {
    pub(crate) handle: ProbeHandle,
    pub(crate) cell: SeenCell,
}

/// The RSA signature algorithm OpenSSH would use with this server (key_sig_algorithm): the first
/// RSA algorithm of the client's PubkeyAcceptedAlgorithms, in the client's order, that the
/// server's server-sig-algs lists; with no server-sig-algs, `ssh-rsa` if the client allows it.
/// None: "no mutual signature algorithm".
///
/// russh reveals only the best RSA hash the server lists. OpenSSH servers list every signature
/// algorithm they implement, so one listing rsa-sha2-512 also lists rsa-sha2-256 and ssh-rsa.
pub(super) fn rsa_sig_alg(
    server: Option<Option<HashAlg>>,
    accepted: &[String],
) -> Option<(String, Option<HashAlg>)> {
    let listed: &[&str] = match server {
        Some(Some(HashAlg::Sha512)) => &["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
        Some(Some(_)) => &["rsa-sha2-256", "ssh-rsa"],
        // Only ssh-rsa, or no server-sig-algs at all (OpenSSH then uses the key's own name).
        _ => &["ssh-rsa"],
    };
    accepted
        .iter()
        .find(|a| listed.contains(&a.as_str()))
        .map(|a| {
            let hash = match a.as_str() {
                "rsa-sha2-512" => Some(HashAlg::Sha512),
                "rsa-sha2-256" => Some(HashAlg::Sha256),
                _ => None,
            };
            (a.clone(), hash)
        })
}

/// The probe's connection for key queries: it counts refusals, and when the server hangs up on
/// too many authentication failures it records the limit and reconnects to go on.
pub(super) struct Prober<'a> {
    pub(super) conn: Conn,
    pub(super) user: String,
    pub(super) t: &'a Target,
    pub(super) dial: crate::engine::transport::Dialer,
    pub(super) policy: Arc<HostKeyPolicy>,
    pub(super) timeout: Duration,
    /// Refusals on the current connection.
    pub(super) refused_here: usize,
    /// The attempts the server allows, once it has hung up on us.
    pub(super) limit: Option<usize>,
    /// The server's RSA signature support (server-sig-algs), asked once when an RSA key comes up.
    pub(super) rsa_server: Option<Option<Option<HashAlg>>>,
    /// The effective PubkeyAcceptedAlgorithms.
    pub(super) accepted_algs: Vec<String>,
}

impl Prober<'_> {
    /// The signature algorithm ssh would use for `key`, or None: "no mutual signature algorithm".
    pub(super) async fn sig_alg(
        &mut self,
        key: &russh::keys::PublicKey,
    ) -> Option<(String, Option<HashAlg>)> {
        if !key.algorithm().is_rsa() {
            return Some((key.algorithm().as_str().to_string(), None));
        }
        let server = match self.rsa_server {
            Some(v) => v,
            None => *self.rsa_server.insert(
                tokio::time::timeout(self.timeout, self.conn.handle.best_supported_rsa_hash())
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .flatten(),
            ),
        };
        rsa_sig_alg(server, &self.accepted_algs)
    }

    /// Ask about one key; Err when the connection is lost for another reason than the limit.
    pub(super) async fn ask(
        &mut self,
        cx: &Cx,
        key: russh::keys::PublicKey,
        cert: Option<&russh::keys::Certificate>,
        hash: Option<HashAlg>,
    ) -> Result<Answer, String> {
        if let Some(answer) = query(&mut self.conn, &self.user, key, cert, hash, self.timeout).await
        {
            if answer == Answer::Refused {
                self.refused_here += 1;
            }
            return Ok(answer);
        }
        self.hung_up(cx).await?;
        Ok(Answer::Refused)
    }

    /// The server hung up. After "Too many authentication failures" the attempt that hit the
    /// limit counts as refused: record the limit, reconnect and go on with the rest. Err when it
    /// hung up for another reason, or reconnecting failed.
    async fn hung_up(&mut self, cx: &Cx) -> Result<(), String> {
        let (too_many, reason) = {
            let s = seen(&self.conn.cell);
            (
                s.too_many_auth_failures,
                s.disconnect
                    .clone()
                    .unwrap_or_else(|| "connection closed".into()),
            )
        };
        cx.log(
            Stage::Auth,
            Level::Info,
            format!(
                "Received disconnect from {} port {}: {reason}",
                self.t.hostname, self.t.port
            ),
        )
        .await;
        if !too_many {
            return Err(reason);
        }
        self.refused_here += 1;
        self.limit.get_or_insert(self.refused_here);
        self.renew().await?;
        let said = crate::text!("engine.auth.reconnected_log");
        cx.say(Stage::Auth, Level::Debug1, said).await;
        Ok(())
    }

    /// Go on on a fresh connection, at the "none" request (the server counts failures per
    /// connection, so the count starts again).
    pub(super) async fn renew(&mut self) -> Result<(), String> {
        let (handle, cell) = reconnect(self.t, &self.dial, self.policy.clone(), self.timeout)
            .await
            .map_err(|e| format!("reconnecting failed: {e}"))?;
        let old = std::mem::replace(&mut self.conn, Conn { handle, cell });
        let _ = tokio::time::timeout(
            Duration::from_secs(1),
            old.handle
                .disconnect(russh::Disconnect::ByApplication, "", "en"),
        )
        .await;
        self.refused_here = 0;
        let _ = tokio::time::timeout(
            self.timeout,
            self.conn.handle.authenticate_none(self.user.clone()),
        )
        .await;
        Ok(())
    }
}

/// Key pairs in ~/.ssh that ssh does not offer (`NAME` with `NAME.pub`), at most ten.
pub(super) fn other_local_keys(
    home: &std::path::Path,
    ids: &IdentityPlan,
) -> Vec<(std::path::PathBuf, russh::keys::PublicKey)> {
    let offered: Vec<String> = ids
        .offered
        .iter()
        .filter_map(Identity::fingerprint)
        .collect();
    let Ok(dir) = std::fs::read_dir(home.join(".ssh")) else {
        return Vec::new();
    };
    let mut found: Vec<_> = dir
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "pub") && !p.to_string_lossy().ends_with("-cert.pub")
        })
        .filter_map(|pubfile| {
            let private = pubfile.with_extension("");
            let key = russh::keys::PublicKey::from_openssh(
                std::fs::read_to_string(&pubfile).ok()?.trim(),
            )
            .ok()?;
            let fp = crate::known_hosts::sha256_fingerprint(key.key_data());
            (private.is_file() && !offered.contains(&fp)).then_some((private, key))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.truncate(10);
    found
}

/// Ask the server about one key without signing. None: the connection is gone.
pub(super) async fn query(
    conn: &mut Conn,
    user: &str,
    key: russh::keys::PublicKey,
    cert: Option<&russh::keys::Certificate>,
    hash: Option<HashAlg>,
    timeout: Duration,
) -> Option<Answer> {
    let mut signer = Decliner;
    let fut = async {
        match cert {
            Some(cert) => {
                conn.handle
                    .authenticate_certificate_with(user, cert.clone(), hash, &mut signer)
                    .await
            }
            None => {
                conn.handle
                    .authenticate_publickey_with(user, key, hash, &mut signer)
                    .await
            }
        }
    };
    match tokio::time::timeout(timeout, fut).await {
        Err(_) => None,
        Ok(Err(Declined::Accepted)) => Some(Answer::Accepted),
        Ok(Err(Declined::Send)) => None,
        Ok(Ok(AuthResult::Success)) => Some(Answer::Accepted),
        Ok(Ok(AuthResult::Failure {
            remaining_methods, ..
        })) => {
            // russh answers a closed connection with an empty failure.
            let gone = conn.handle.is_closed()
                || (remaining_methods.is_empty() && seen(&conn.cell).disconnect.is_some());
            (!gone).then_some(Answer::Refused)
        }
    }
}

/// How a signed login request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Signed {
    /// Logged in.
    Success,
    /// The key was accepted, and the server wants another method too (AuthenticationMethods).
    Partial(russh::MethodSet),
    /// The signed request was refused.
    Refused,
}

/// Sign in for real with a key: the agent signs (`agent` is its socket), or the key file is
/// loaded (with `passphrase` when it is encrypted).
pub(crate) async fn sign_in(
    conn: &mut Conn,
    user: &str,
    id: &Identity,
    agent: Option<&std::path::Path>,
    sig_alg: Option<&str>,
    timeout: Duration,
    passphrase: Option<&str>,
) -> Result<Signed, String> {
    let hash = match sig_alg {
        Some("rsa-sha2-512") => Some(HashAlg::Sha512),
        Some("rsa-sha2-256") => Some(HashAlg::Sha256),
        _ => None,
    };
    let key = id.key.clone().ok_or("no public key")?;
    let result = match id.backing {
        Backing::Agent | Backing::FileInAgent => {
            let path = agent.ok_or("the agent is not reachable")?;
            sign_with_agent(conn, user, id, key, hash, path, timeout).await?
        }
        Backing::File => sign_with_file(conn, user, id, hash, timeout, passphrase).await?,
    };
    Ok(match result {
        AuthResult::Success => Signed::Success,
        AuthResult::Failure {
            remaining_methods,
            partial_success: true,
        } => Signed::Partial(remaining_methods),
        AuthResult::Failure { .. } => Signed::Refused,
    })
}

/// Sign in with the agent at `path` signing: the certificate when the key has one, else the
/// key with `hash` (connecting to the agent and the login each within `timeout`).
async fn sign_with_agent(
    conn: &mut Conn,
    user: &str,
    id: &Identity,
    key: russh::keys::PublicKey,
    hash: Option<HashAlg>,
    path: &std::path::Path,
    timeout: Duration,
) -> Result<AuthResult, String> {
    let mut agent = tokio::time::timeout(
        timeout,
        russh::keys::agent::client::AgentClient::connect_uds(path),
    )
    .await
    .map_err(|_| "the agent did not answer".to_string())?
    .map_err(|e| e.to_string())?;
    let fut = async {
        match &id.certificate {
            Some(cert) => {
                conn.handle
                    .authenticate_certificate_with(user, cert.clone(), hash, &mut agent)
                    .await
            }
            None => {
                conn.handle
                    .authenticate_publickey_with(user, key, hash, &mut agent)
                    .await
            }
        }
    };
    tokio::time::timeout(timeout, fut)
        .await
        .map_err(|_| "timed out".to_string())?
        .map_err(|e| e.to_string())
}

/// Sign in with the key file loaded (with `passphrase` when it is encrypted): the
/// certificate when the key has one, else the key with `hash`, within `timeout`.
async fn sign_with_file(
    conn: &mut Conn,
    user: &str,
    id: &Identity,
    hash: Option<HashAlg>,
    timeout: Duration,
    passphrase: Option<&str>,
) -> Result<AuthResult, String> {
    let file = id.file.as_ref().ok_or("no key file")?;
    let private = Arc::new(identities::load_private(file, passphrase)?);
    let fut = async {
        match &id.certificate {
            Some(cert) => {
                conn.handle
                    .authenticate_openssh_cert(user, private, cert.clone())
                    .await
            }
            None => {
                let with_hash = russh::keys::PrivateKeyWithHashAlg::new(private, hash);
                conn.handle.authenticate_publickey(user, with_hash).await
            }
        }
    };
    tokio::time::timeout(timeout, fut)
        .await
        .map_err(|_| "timed out".to_string())?
        .map_err(|e| e.to_string())
}

/// The agent's socket, when it was listed.
pub(super) fn agent_path(ids: &IdentityPlan) -> Option<&std::path::Path> {
    match &ids.agent {
        AgentStatus::Listed { path, .. } => Some(path.as_path()),
        _ => None,
    }
}

/// A public key nobody holds the private half of (made for sshdoctor and thrown away): a server
/// that accepts it in an unsigned query answers every query "yes" (tinysshd does).
const CANARY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM001kB+vr7jdjcTtSbXkuwotlIAY4Tl+q/U9zZEjp8A";

impl Prober<'_> {
    /// Sign in with an accepted key. A signed request the server refuses counts as a failed
    /// attempt, as with ssh; hanging up on too many failures records the limit and reconnects.
    pub(super) async fn sign(
        &mut self,
        cx: &Cx,
        id: &Identity,
        agent: Option<&std::path::Path>,
        sig_alg: Option<&str>,
        passphrase: Option<&str>,
    ) -> Result<Signed, String> {
        let result = sign_in(
            &mut self.conn,
            &self.user,
            id,
            agent,
            sig_alg,
            self.timeout,
            passphrase,
        )
        .await;
        let gone = self.conn.handle.is_closed() || seen(&self.conn.cell).disconnect.is_some();
        match result {
            Ok(Signed::Refused) | Err(_) if gone => {
                self.hung_up(cx).await?;
                Ok(Signed::Refused)
            }
            Ok(Signed::Refused) => {
                self.refused_here += 1;
                Ok(Signed::Refused)
            }
            other => other,
        }
    }

    /// Does the server answer "yes" to a key nobody has? Asked once, only after a signed login
    /// was refused for a key the server had said yes to.
    pub(super) async fn accepts_any_key(&mut self, cx: &Cx) -> bool {
        let Ok(key) = russh::keys::PublicKey::from_openssh(CANARY) else {
            return false;
        };
        matches!(self.ask(cx, key, None, None).await, Ok(Answer::Accepted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &str) -> Vec<String> {
        names.split(',').map(String::from).collect()
    }

    #[test]
    fn rsa_signature_follows_the_clients_order_among_what_the_server_lists() {
        let defaults = list("ssh-ed25519,rsa-sha2-512,rsa-sha2-256");
        let sha2 = Some(Some(HashAlg::Sha512));
        assert_eq!(
            rsa_sig_alg(sha2, &defaults),
            Some(("rsa-sha2-512".into(), Some(HashAlg::Sha512)))
        );
        assert_eq!(
            rsa_sig_alg(sha2, &list("ssh-rsa")),
            Some(("ssh-rsa".into(), None))
        );
        assert_eq!(
            rsa_sig_alg(sha2, &list("rsa-sha2-256,ssh-rsa")),
            Some(("rsa-sha2-256".into(), Some(HashAlg::Sha256)))
        );
        // An old server (ssh-rsa only, or no server-sig-algs): no mutual algorithm by default.
        assert_eq!(rsa_sig_alg(Some(None), &defaults), None);
        assert_eq!(rsa_sig_alg(None, &defaults), None);
        assert_eq!(
            rsa_sig_alg(None, &list("rsa-sha2-512,ssh-rsa")),
            Some(("ssh-rsa".into(), None))
        );
    }
}
