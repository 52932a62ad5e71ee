//! The SFTP version exchange done by hand on the channel before the SFTP client takes it over,
//! so a subsystem that ends without answering is known at once (the client would wait out its
//! request timeout), then handed over as if the client had done it.

use super::super::session::Sftp;
use russh::client::Msg;
use russh::{Channel, ChannelMsg};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// SSH_FXP_INIT, version 3, no extensions: length 5, type 1, version 3 (what the client sends).
const FXP_INIT: [u8; 9] = [0, 0, 0, 5, 1, 0, 0, 0, 3];

/// The largest SSH_FXP_VERSION accepted (its extensions are a few hundred bytes).
const MAX_VERSION: usize = 256 * 1024;

/// Send SSH_FXP_INIT and read the whole SSH_FXP_VERSION packet (returned, with anything after
/// it). The subsystem ending or answering something else is [`Sftp::Broken`] at once.
pub(crate) async fn exchange(channel: &mut Channel<Msg>) -> Result<Vec<u8>, Sftp> {
    channel
        .data(&FXP_INIT[..])
        .await
        .map_err(|e| Sftp::Unknown(format!("sending SSH_FXP_INIT: {e}")))?;
    let mut got: Vec<u8> = Vec::new();
    let mut exit = None;
    while let Some(msg) = channel.wait().await {
        match msg {
            ChannelMsg::Data { data } => {
                got.extend_from_slice(&data);
                if let Some(done) = whole_version(&got) {
                    return done.map(|()| got);
                }
            }
            ChannelMsg::ExitStatus { exit_status } => exit = Some(exit_status),
            ChannelMsg::Close | ChannelMsg::Eof => break,
            _ => {}
        }
    }
    Err(Sftp::Broken(match exit {
        Some(c) => format!("the sftp subsystem was accepted but ended with exit status {c} without answering (its sftp-server program is missing or broken)"),
        None => "the sftp subsystem was accepted but closed without answering (its sftp-server program is missing or broken)".into(),
    }))
}

/// Whether `got` holds a whole SSH_FXP_VERSION packet (Some(Ok)), something else (Some(Err)),
/// or not enough yet (None).
fn whole_version(got: &[u8]) -> Option<Result<(), Sftp>> {
    if got.len() < 5 {
        return None;
    }
    if got[4] != 2 {
        let why = format!(
            "the server answered SSH_FXP_INIT with packet type {}",
            got[4]
        );
        return Some(Err(Sftp::Broken(why)));
    }
    let len = u32::from_be_bytes([got[0], got[1], got[2], got[3]]) as usize;
    if len > MAX_VERSION {
        let why = format!("the server's SSH_FXP_VERSION claims {len} bytes");
        return Some(Err(Sftp::Broken(why)));
    }
    (got.len() >= len + 4).then_some(Ok(()))
}

/// A channel's stream after [`exchange`]: reads give the answer already read first, once the
/// client has written its own SSH_FXP_INIT (so it waits for the answer by then), which is taken
/// and not sent again.
pub(crate) struct Initialized<S> {
    inner: S,
    answer: Vec<u8>,
    read: usize,
    init_taken: usize,
    /// The reader waiting for the client's SSH_FXP_INIT.
    reader: Option<Waker>,
}

impl<S> Initialized<S> {
    /// `inner` with `answer` (what [`exchange`] returned) to read first.
    pub(crate) fn new(inner: S, answer: Vec<u8>) -> Self {
        Initialized {
            inner,
            answer,
            read: 0,
            init_taken: 0,
            reader: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Initialized<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.init_taken < FXP_INIT.len() {
            this.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        if this.read < this.answer.len() {
            let n = buf.remaining().min(this.answer.len() - this.read);
            buf.put_slice(&this.answer[this.read..this.read + n]);
            this.read += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Initialized<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.init_taken < FXP_INIT.len() {
            let n = buf.len().min(FXP_INIT.len() - this.init_taken);
            if buf[..n] != FXP_INIT[this.init_taken..this.init_taken + n] {
                let why = "the SFTP client's first packet is not the SSH_FXP_INIT already sent";
                return Poll::Ready(Err(io::Error::other(why)));
            }
            this.init_taken += n;
            if this.init_taken == FXP_INIT.len() {
                if let Some(reader) = this.reader.take() {
                    reader.wake();
                }
            }
            return Poll::Ready(Ok(n));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
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

    #[test]
    fn a_version_packet_is_whole_only_with_all_its_bytes() {
        let version = [0, 0, 0, 5, 2, 0, 0, 0, 3];
        assert!(whole_version(&version[..4]).is_none());
        assert!(whole_version(&version[..8]).is_none());
        assert!(matches!(whole_version(&version), Some(Ok(()))));
        let status = [0, 0, 0, 5, 101, 0, 0, 0, 3];
        assert!(matches!(whole_version(&status), Some(Err(Sftp::Broken(_)))));
        assert!(matches!(
            whole_version(&[0x7f, 0, 0, 0, 2]),
            Some(Err(Sftp::Broken(_)))
        ));
    }

    #[tokio::test]
    async fn the_answer_is_read_first_and_the_init_not_sent_twice() {
        let (ours, mut theirs) = tokio::io::duplex(1024);
        let mut s = Initialized::new(ours, vec![0, 0, 0, 5, 2, 0, 0, 0, 3]);
        let mut early = [0u8; 1];
        let waited = tokio::time::timeout(
            std::time::Duration::from_millis(20),
            s.read_exact(&mut early),
        );
        assert!(
            waited.await.is_err(),
            "the answer waits for the client's init"
        );
        s.write_all(&FXP_INIT[..4]).await.unwrap();
        s.write_all(&FXP_INIT[4..]).await.unwrap();
        s.write_all(b"next").await.unwrap();
        let mut sent = [0u8; 4];
        theirs.read_exact(&mut sent).await.unwrap();
        assert_eq!(&sent, b"next");
        theirs.write_all(b"more").await.unwrap();
        let mut got = [0u8; 13];
        s.read_exact(&mut got).await.unwrap();
        assert_eq!(&got[..9], &[0, 0, 0, 5, 2, 0, 0, 0, 3]);
        assert_eq!(&got[9..], b"more");
        let mut other = Initialized::new(tokio::io::duplex(64).0, Vec::new());
        assert!(other.write_all(b"not an init").await.is_err());
    }
}
