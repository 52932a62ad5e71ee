//! The stream handed to russh: replays the identification we already read, swallows the
//! identification russh writes (we sent it first), and taps the server's first binary packet (KEXINIT).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most bytes kept while waiting for the server's first packet (OpenSSH's own packet limit).
const TAP_LIMIT: usize = 256 * 1024 + 4;

/// Bytes the server sent after its identification line, up to its first complete packet.
#[derive(Debug, Default)]
pub struct Tap {
    /// The captured bytes.
    pub bytes: Vec<u8>,
    /// Capture has stopped (a complete packet, or the limit).
    pub done: bool,
}

impl Tap {
    fn record(&mut self, data: &[u8]) {
        if self.done {
            return;
        }
        let room = TAP_LIMIT.saturating_sub(self.bytes.len());
        self.bytes.extend_from_slice(&data[..data.len().min(room)]);
        let complete = matches!(
            crate::algorithms::take_packet(&self.bytes),
            crate::algorithms::PacketState::Packet { .. }
                | crate::algorithms::PacketState::Invalid(_)
        );
        if complete || self.bytes.len() >= TAP_LIMIT {
            self.done = true;
        }
    }
}

/// Wraps the TCP stream for russh's `connect_stream`.
pub struct ProbeStream<S> {
    inner: S,
    replay: Vec<u8>,
    replay_pos: usize,
    swallow: usize,
    tap: Arc<Mutex<Tap>>,
}

impl<S> ProbeStream<S> {
    /// `ident_line` is the server's identification with its line end, `leftover` what followed it;
    /// `sent_ident_len` is the length of the identification we already wrote, which russh will write again.
    pub fn new(
        inner: S,
        ident_line: &[u8],
        leftover: &[u8],
        sent_ident_len: usize,
    ) -> (Self, Arc<Mutex<Tap>>) {
        let tap = Arc::new(Mutex::new(Tap::default()));
        tap.lock()
            .unwrap_or_else(|e| e.into_inner())
            .record(leftover);
        let mut replay = ident_line.to_vec();
        replay.extend_from_slice(leftover);
        let stream = ProbeStream {
            inner,
            replay,
            replay_pos: 0,
            swallow: sent_ident_len,
            tap: tap.clone(),
        };
        (stream, tap)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ProbeStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.replay_pos < this.replay.len() {
            let n = (this.replay.len() - this.replay_pos).min(buf.remaining());
            buf.put_slice(&this.replay[this.replay_pos..this.replay_pos + n]);
            this.replay_pos += n;
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let res = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            let new = &buf.filled()[before..];
            if !new.is_empty() {
                this.tap
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .record(new);
            }
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ProbeStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.swallow > 0 {
            let n = self.swallow.min(buf.len());
            self.swallow -= n;
            return Poll::Ready(Ok(n));
        }
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
    async fn replays_swallows_and_taps() {
        let (client, mut server) = tokio::io::duplex(4096);
        let (mut s, tap) = ProbeStream::new(client, b"SSH-2.0-x\r\n", &[0, 0], 5);
        // russh writes its identification again: swallowed; later bytes go through.
        s.write_all(b"SSH-2").await.unwrap();
        s.write_all(b"kexinit").await.unwrap();
        let mut got = [0u8; 7];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"kexinit");
        // A packet: length 12, padding 4, payload [20, 1, 2, 3, 4, 5, 6], padding 4 bytes.
        server
            .write_all(&[0, 12, 4, 20, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 99])
            .await
            .unwrap();
        let mut all = vec![0u8; 11 + 2 + 15];
        s.read_exact(&mut all).await.unwrap();
        assert_eq!(&all[..11], b"SSH-2.0-x\r\n");
        let tap = tap.lock().unwrap();
        assert!(tap.done);
        assert_eq!(&tap.bytes[..4], &[0, 0, 0, 12]);
    }
}
