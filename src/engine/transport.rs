//! What an SSH connection runs over, and how to open another one the same way: a TCP
//! connection, a direct-tcpip channel through a jump host, `nc` run on a jump host, or a
//! ProxyCommand's standard input and output.

use super::kex::{ProbeHandle, SeenCell};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A byte stream an SSH connection can run over.
pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Stream for T {}

/// The stream of one connection, whatever carries it.
pub(crate) type Transport = Box<dyn Stream>;

/// The originator a jump host is told about, as `ssh -W` tells it (sshd logs "originator
/// 127.0.0.1 port 65535"; ssh then says "Connection closed by UNKNOWN port 65535").
pub(crate) const ORIGINATOR: (&str, u32) = ("127.0.0.1", 65535);

/// A jump host the probe is logged in to: later hops are reached through it.
#[derive(Clone)]
pub(crate) struct Jump {
    /// The hop as the user wrote it.
    pub name: String,
    /// The logged-in connection.
    pub handle: Arc<ProbeHandle>,
    /// Its handler's records (the text of a refused channel open).
    pub cell: SeenCell,
    /// The jump host it is reached through, kept open as long as this one is used.
    pub before: Option<Arc<Jump>>,
}

impl Jump {
    /// The jump hosts in the order the connection goes through them, this one last.
    pub(crate) fn path(&self) -> Vec<&str> {
        let mut out = match &self.before {
            Some(b) => b.path(),
            None => Vec::new(),
        };
        out.push(&self.name);
        out
    }
}

/// How to open a connection to a hop again (after the server hung up on too many
/// authentication failures, for a fresh login, for another session).
#[derive(Clone)]
pub(crate) enum Dialer {
    /// TCP to this address.
    Tcp(SocketAddr),
    /// A direct-tcpip channel on a jump host to HOST:PORT.
    Forward {
        /// The jump host.
        via: Jump,
        /// The host name the jump host connects to (resolved there).
        host: String,
        /// The port.
        port: u16,
    },
    /// `nc HOST PORT` (the user's command, expanded) run on a jump host.
    Netcat {
        /// The jump host.
        via: Jump,
        /// The remote command.
        command: String,
    },
    /// The ProxyCommand, run again.
    Command(Arc<super::proxy::Spec>),
}

impl Dialer {
    /// Open the stream, bounded by `timeout`.
    pub(crate) async fn dial(&self, timeout: Duration) -> Result<Transport, String> {
        match self {
            Dialer::Tcp(addr) => {
                let stream = tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr))
                    .await
                    .map_err(|_| format!("connecting to {addr} timed out"))?
                    .map_err(|e| format!("connecting to {addr}: {e}"))?;
                let _ = stream.set_nodelay(true);
                Ok(Box::new(stream))
            }
            Dialer::Forward { via, host, port } => {
                let opened = tokio::time::timeout(
                    timeout,
                    via.handle.channel_open_direct_tcpip(
                        host.clone(),
                        u32::from(*port),
                        ORIGINATOR.0,
                        ORIGINATOR.1,
                    ),
                )
                .await
                .map_err(|_| {
                    format!(
                        "{} did not open a channel to {host}:{port} in time",
                        via.name
                    )
                })?
                .map_err(|e| {
                    format!("{} did not open a channel to {host}:{port}: {e}", via.name)
                })?;
                Ok(Box::new(opened.into_stream()))
            }
            Dialer::Netcat { via, command } => {
                let (stream, _) = super::forward::netcat(via, command, timeout).await?;
                Ok(Box::new(stream))
            }
            Dialer::Command(spec) => {
                let (stream, err) = super::proxy::spawn(spec)?;
                super::proxy::drain(err);
                Ok(Box::new(stream))
            }
        }
    }

    /// The peer address, for a TCP connection (CheckHostIP, the log).
    pub(crate) fn peer(&self) -> Option<SocketAddr> {
        match self {
            Dialer::Tcp(addr) => Some(*addr),
            _ => None,
        }
    }

    /// Where the connection goes, for the log: `[127.0.0.1]:22`, `through bastion`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Dialer::Tcp(addr) => format!("[{}]:{}", addr.ip(), addr.port()),
            Dialer::Forward { via, .. } | Dialer::Netcat { via, .. } => {
                format!("through {}", via.path().join(" → "))
            }
            Dialer::Command(_) => "through the ProxyCommand".to_string(),
        }
    }
}

/// A stream that first gives back bytes already read from it (a ProxyCommand's or `nc`'s
/// first output, read to tell "it answered" from "it exited").
pub(crate) struct Prefixed<S> {
    head: Vec<u8>,
    pos: usize,
    inner: S,
}

impl<S> Prefixed<S> {
    /// `head` is returned first, then `inner`'s bytes.
    pub(crate) fn new(head: Vec<u8>, inner: S) -> Self {
        Prefixed {
            head,
            pos: 0,
            inner,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.pos < this.head.len() {
            let n = (this.head.len() - this.pos).min(buf.remaining());
            buf.put_slice(&this.head[this.pos..this.pos + n]);
            this.pos += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn prefixed_gives_the_head_back_first() {
        let (a, mut b) = tokio::io::duplex(64);
        let mut s = Prefixed::new(b"SSH-".to_vec(), a);
        b.write_all(b"2.0-x\r\n").await.unwrap();
        let mut got = [0u8; 11];
        s.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"SSH-2.0-x\r\n");
        s.write_all(b"hi").await.unwrap();
        let mut back = [0u8; 2];
        b.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"hi");
    }
}
