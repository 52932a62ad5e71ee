//! The logged-in connection the session and server-side stages share: session channels opened
//! with a deadline on every step, and a fresh connection (logging in again the same way) for
//! servers that allow one session per connection (tinysshd).

use super::kex::{reconnect, HostKeyPolicy, ProbeHandle};
use super::Target;
use crate::identities::Identity;
use russh::client::Msg;
use russh::Channel;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Why a session channel could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChanError {
    /// The server answered the channel open (or a request on it) with a refusal.
    Refused(String),
    /// The server did not answer within the deadline (whatever else it sent meanwhile).
    NoAnswer(String),
    /// The connection is gone.
    Gone(String),
}

impl std::fmt::Display for ChanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChanError::Refused(s) | ChanError::NoAnswer(s) | ChanError::Gone(s) => f.write_str(s),
        }
    }
}

/// Open a session channel on one connection, bounded by `timeout`.
pub(crate) async fn open_session(
    handle: &ProbeHandle,
    timeout: Duration,
) -> Result<Channel<Msg>, ChanError> {
    match tokio::time::timeout(timeout, handle.channel_open_session()).await {
        Err(_) => Err(ChanError::NoAnswer(format!(
            "the server did not answer the session request within {}s",
            timeout.as_secs_f64()
        ))),
        Ok(Ok(channel)) => Ok(channel),
        Ok(Err(russh::Error::ChannelOpenFailure(reason))) => Err(ChanError::Refused(format!(
            "the server refused to open a session ({reason:?})"
        ))),
        Ok(Err(e)) => Err(ChanError::Gone(format!(
            "the connection ended while opening a session: {e}"
        ))),
    }
}

/// Something session channels can be opened on: one connection, or a [`Link`].
pub(crate) trait Opener: Sync {
    /// A session channel, and the connection it lives on (keep it while the channel is used).
    fn session(
        &self,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Result<(Channel<Msg>, Option<Arc<ProbeHandle>>), ChanError>>
           + Send;
}

impl Opener for ProbeHandle {
    async fn session(
        &self,
        timeout: Duration,
    ) -> Result<(Channel<Msg>, Option<Arc<ProbeHandle>>), ChanError> {
        open_session(self, timeout).await.map(|c| (c, None))
    }
}

/// How to log in again without a secret: the key that logged in (an unencrypted file or the agent).
#[derive(Clone)]
pub(crate) struct Relogin {
    pub target: Target,
    pub dial: super::transport::Dialer,
    pub policy: Arc<HostKeyPolicy>,
    pub id: Identity,
    /// The agent's socket, when the agent signs.
    pub agent: Option<PathBuf>,
    pub sig_alg: Option<String>,
}

impl Relogin {
    /// A fresh connection, logged in like the first one.
    pub async fn connect(&self, timeout: Duration) -> Result<ProbeHandle, String> {
        let (handle, cell) =
            reconnect(&self.target, &self.dial, self.policy.clone(), timeout).await?;
        let mut conn = super::auth::Conn { handle, cell };
        let user = self.target.user.clone();
        let _ = tokio::time::timeout(timeout, conn.handle.authenticate_none(user.clone())).await;
        let signed = super::auth::sign_in(
            &mut conn,
            &user,
            &self.id,
            self.agent.as_deref(),
            self.sig_alg.as_deref(),
            timeout,
            None,
        )
        .await?;
        match signed {
            super::auth::Signed::Success => Ok(conn.handle),
            _ => Err("logging in again was refused".into()),
        }
    }
}

/// The connection after a login, shared by the session and server-side stages.
pub(crate) struct Link {
    handle: Arc<ProbeHandle>,
    relogin: Option<Relogin>,
    /// The server allows one session per connection: each further one gets its own connection.
    one_per_connection: AtomicBool,
}

impl Link {
    /// A link over a logged-in connection; `relogin` says how to log in again (None: a password
    /// or a passphrase was typed, which is not kept).
    pub fn new(handle: ProbeHandle, relogin: Option<Relogin>) -> Link {
        Link {
            handle: Arc::new(handle),
            relogin,
            one_per_connection: AtomicBool::new(false),
        }
    }

    /// The main connection.
    pub fn main(&self) -> Arc<ProbeHandle> {
        self.handle.clone()
    }

    /// Whether the server was found to allow one session per connection.
    pub fn one_per_connection(&self) -> bool {
        self.one_per_connection.load(Ordering::Relaxed)
    }

    async fn fresh(&self, timeout: Duration) -> Result<Arc<ProbeHandle>, ChanError> {
        let relogin = self.relogin.as_ref().ok_or_else(|| {
            ChanError::Gone("the server allows one session per connection, and logging in again would need the secret typed for this run, which is not kept".into())
        })?;
        relogin
            .connect(timeout)
            .await
            .map(Arc::new)
            .map_err(|e| ChanError::Gone(format!("opening another connection: {e}")))
    }

    /// Say goodbye on the main connection (bounded).
    pub async fn close(&self) {
        let main = self.main();
        let _ = tokio::time::timeout(
            Duration::from_secs(1),
            main.disconnect(russh::Disconnect::ByApplication, "", "en"),
        )
        .await;
    }
}

impl Opener for Link {
    async fn session(
        &self,
        timeout: Duration,
    ) -> Result<(Channel<Msg>, Option<Arc<ProbeHandle>>), ChanError> {
        if self.one_per_connection() {
            let fresh = self.fresh(timeout).await?;
            let channel = open_session(&fresh, timeout).await?;
            return Ok((channel, Some(fresh)));
        }
        let main = self.main();
        match open_session(&main, timeout).await {
            Ok(channel) => Ok((channel, Some(main))),
            // A server that takes one session and refuses (or hangs up on) the next: tinysshd.
            // The sessions go out at the same moment, so any refusal on the main connection is
            // tried once more on a fresh one (a server refusing every session refuses again).
            Err(ChanError::Refused(_) | ChanError::Gone(_)) if self.relogin.is_some() => {
                let fresh = self.fresh(timeout).await?;
                let channel = open_session(&fresh, timeout).await?;
                self.one_per_connection.store(true, Ordering::Relaxed);
                Ok((channel, Some(fresh)))
            }
            Err(e) => Err(e),
        }
    }
}
