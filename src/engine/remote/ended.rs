//! A channel's stream that tells when the server ended it: russh-sftp keeps a request waiting
//! for its whole timeout on a stream that has ended, while an ended stream is an answer.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;

/// `S`, with [`Ended`] told when a read finds its end (or fails).
pub(crate) struct Watched<S> {
    inner: S,
    ended: watch::Sender<bool>,
}

/// Resolves once the watched stream has ended.
#[derive(Clone)]
pub(crate) struct Ended(watch::Receiver<bool>);

impl Ended {
    /// Wait until the stream ends (for ever when it never does).
    pub(crate) async fn wait(mut self) {
        if self.0.wait_for(|ended| *ended).await.is_err() {
            // The stream was dropped without ending: nothing more will come.
            std::future::pending::<()>().await;
        }
    }
}

/// Watch `inner` for its end.
pub(crate) fn watch<S>(inner: S) -> (Watched<S>, Ended) {
    let (ended, rx) = watch::channel(false);
    (Watched { inner, ended }, Ended(rx))
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let (room, before) = (buf.remaining(), buf.filled().len());
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(result) = &polled {
            if result.is_err() || (room > 0 && buf.filled().len() == before) {
                this.ended.send_replace(true);
            }
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn the_end_of_the_stream_is_told_and_data_is_not() {
        let (near, mut far) = tokio::io::duplex(64);
        let (mut watched, ended) = watch(near);
        far.write_all(b"version").await.unwrap();
        let mut buf = [0u8; 7];
        watched.read_exact(&mut buf).await.unwrap();
        let waiting = tokio::spawn(ended.clone().wait());
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "data is not an end");
        drop(far);
        assert_eq!(watched.read(&mut buf).await.unwrap(), 0);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("the end is told")
            .unwrap();
        ended.wait().await;
    }
}
