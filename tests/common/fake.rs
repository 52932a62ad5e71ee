//! Small misbehaving (or merely unusual) TCP servers on 127.0.0.1 that stand in for what people meet instead of sshd.

use std::future::Future;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::pin::Pin;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// The lines [`pre_banner_lines`] sends before its version line.
pub const PRE_BANNER_LINES: [&str; 3] = [
    "Welcome to the sshdoctor test server",
    "Unauthorized access is prohibited",
    "This text precedes the identification string",
];

/// The version line [`pre_banner_lines`] sends after [`PRE_BANNER_LINES`].
pub const PRE_BANNER_VERSION: &str = "SSH-2.0-OpenSSH_9.9";

/// The line [`smtp`] greets with.
pub const SMTP_GREETING: &str = "220 mail.example.com ESMTP Postfix\r\n";

/// The line [`ssh1`] greets with.
pub const SSH1_BANNER: &str = "SSH-1.5-OpenSSH_3.9p1\r\n";

/// A TLS fatal `handshake_failure` alert record, as a TLS server sends to a client that speaks something else.
pub const TLS_ALERT: [u8; 7] = [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28];

/// The line [`invalid_utf8`] sends (several times).
pub const INVALID_UTF8_LINE: &[u8] = b"\xff\xfe\x80garbage\r\n";

/// How many bytes [`huge_banner`] sends (without any newline).
pub const HUGE_BANNER_LEN: usize = 100 * 1024;

/// What [`slow_drip`] sends, one byte a second, over and over.
pub const SLOW_DRIP_TEXT: &[u8] = b"SSH-2.0-slow\r\n";

/// The status line both HTTP variants answer with.
pub const HTTP_STATUS_LINE: &str = "HTTP/1.1 400 Bad Request";

/// How long a server that is done talking keeps reading (after shutting down its side) before it closes.
const LINGER: Duration = Duration::from_secs(5);

type Handler = Arc<dyn Fn(TcpStream) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// A fake server listening on 127.0.0.1; it accepts connections until dropped.
pub struct FakeServer {
    addr: SocketAddr,
    stop: Arc<Notify>,
    thread: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// Starts a server that runs `handler` on every accepted connection, each in its own task.
    pub fn spawn<F, Fut>(handler: F) -> FakeServer
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |stream| Box::pin(handler(stream)));
        let std_listener =
            StdListener::bind("127.0.0.1:0").expect("bind a fake server on 127.0.0.1:0");
        std_listener
            .set_nonblocking(true)
            .expect("set the listener non-blocking");
        let addr = std_listener.local_addr().expect("fake server address");
        let stop = Arc::new(Notify::new());
        let stop_in_thread = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name(format!("fake-server-{}", addr.port()))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("fake server runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(std_listener).expect("tokio listener");
                    loop {
                        tokio::select! {
                            _ = stop_in_thread.notified() => break,
                            accepted = listener.accept() => match accepted {
                                Ok((stream, _)) => {
                                    tokio::spawn(handler(stream));
                                }
                                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                            },
                        }
                    }
                });
                // Dropping the runtime cancels every connection task and closes its socket.
                drop(runtime);
            })
            .expect("spawn the fake server thread");
        FakeServer {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    /// The port it listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        // notify_one stores a permit, so the stop is not lost if the loop is not waiting yet.
        self.stop.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A port on 127.0.0.1 with nothing listening on it (bound to learn a free one, then released).
pub fn closed_port() -> u16 {
    let listener = StdListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    port
}

/// Reads and discards everything until the peer closes (or the connection breaks).
async fn drain(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

/// Sends `data`, then closes gracefully: FIN first, then keep reading for a while so that
/// unread client data (its version line, its KEXINIT) does not turn the close into a reset
/// that could destroy the reply before the client reads it.
async fn reply_and_close(mut stream: TcpStream, data: &[u8]) {
    if stream.write_all(data).await.is_err() {
        return;
    }
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
    let _ = tokio::time::timeout(LINGER, drain(&mut stream)).await;
}

/// Reads until the client's first line ends (or EOF, or a bound), returning what was read.
async fn read_first_line(stream: &mut TcpStream) -> Vec<u8> {
    let mut line = Vec::new();
    let mut reader = BufReader::new(stream).take(64 * 1024);
    let _ =
        tokio::time::timeout(Duration::from_secs(30), reader.read_until(b'\n', &mut line)).await;
    line
}

/// Accepts and closes at once (FIN).
pub fn closing() -> FakeServer {
    FakeServer::spawn(|stream| async move { drop(stream) })
}

/// Accepts, waits for the client's first bytes, then resets (SO_LINGER 0, so the close sends RST).
///
/// Resetting before the client has spoken would race with its connect: a reset that lands
/// before the client checks the outcome of a non-blocking connect turns into a connect error.
/// Once the client writes, its connect is over, so the reset always lands in the banner stage.
pub fn reset() -> FakeServer {
    FakeServer::spawn(|mut stream| async move {
        let mut buf = [0u8; 1];
        let _ = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await;
        let _ = stream.set_zero_linger();
        drop(stream);
    })
}

/// Accepts, reads and discards, never writes.
pub fn silent() -> FakeServer {
    FakeServer::spawn(|mut stream| async move { drain(&mut stream).await })
}

fn http_response() -> Vec<u8> {
    let body = "<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    format!(
        "{HTTP_STATUS_LINE}\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Like a web server: waits for the client's first line, answers `400 Bad Request`, closes.
pub fn http() -> FakeServer {
    FakeServer::spawn(|mut stream| async move {
        read_first_line(&mut stream).await;
        reply_and_close(stream, &http_response()).await;
    })
}

/// Like a web server that answers at once, before the client says anything, then closes.
pub fn http_immediate() -> FakeServer {
    FakeServer::spawn(|stream| async move { reply_and_close(stream, &http_response()).await })
}

/// Like a TLS server: answers whatever the client sends first with a fatal alert record, then closes.
pub fn tls() -> FakeServer {
    FakeServer::spawn(|mut stream| async move {
        let mut buf = [0u8; 4096];
        match tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => reply_and_close(stream, &TLS_ALERT).await,
            _ => {}
        }
    })
}

/// Like a mail server: greets at once with [`SMTP_GREETING`] and rejects every line it gets.
pub fn smtp() -> FakeServer {
    FakeServer::spawn(|mut stream| async move {
        if stream.write_all(SMTP_GREETING.as_bytes()).await.is_err() {
            return;
        }
        let (read, mut write) = stream.split();
        let mut lines = BufReader::new(read).take(1024 * 1024);
        let mut line = Vec::new();
        loop {
            line.clear();
            match lines.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => break,
                Ok(_) if line.ends_with(b"\n") => {
                    let reply = b"502 5.5.2 Error: command not recognized\r\n";
                    if write.write_all(reply).await.is_err() {
                        break;
                    }
                }
                Ok(_) => {}
            }
        }
    })
}

/// An SSH protocol 1 server: sends [`SSH1_BANNER`], then reads and discards.
pub fn ssh1() -> FakeServer {
    FakeServer::spawn(|mut stream| async move {
        if stream.write_all(SSH1_BANNER.as_bytes()).await.is_ok() {
            drain(&mut stream).await;
        }
    })
}

/// Sends [`HUGE_BANNER_LEN`] bytes without a newline, then keeps the connection open (reading and discarding).
pub fn huge_banner() -> FakeServer {
    FakeServer::spawn(|mut stream| async move {
        let (mut read, mut write) = stream.split();
        let junk = vec![b'x'; HUGE_BANNER_LEN];
        // Write and read at once: a client that reads nothing must not leave us stuck in the write.
        let writer = async move {
            let _ = write.write_all(&junk).await;
            std::future::pending::<()>().await;
        };
        let reader = async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = read.read(&mut buf).await {
                if n == 0 {
                    break;
                }
            }
        };
        tokio::select! {
            _ = writer => {}
            _ = reader => {}
        }
    })
}

/// Sends [`SLOW_DRIP_TEXT`] one byte a second, over and over, until the client goes away.
pub fn slow_drip() -> FakeServer {
    FakeServer::spawn(|mut stream| async move {
        for byte in SLOW_DRIP_TEXT.iter().cycle() {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

/// Sends a few lines of invalid UTF-8 ([`INVALID_UTF8_LINE`]) and never a version line; keeps the connection open.
pub fn invalid_utf8() -> FakeServer {
    FakeServer::spawn(|mut stream| async move {
        let data = INVALID_UTF8_LINE.repeat(3);
        if stream.write_all(&data).await.is_ok() {
            drain(&mut stream).await;
        }
    })
}

/// A legal server as far as the banner goes: [`PRE_BANNER_LINES`] then [`PRE_BANNER_VERSION`]
/// (RFC 4253 4.2 allows lines before the version); then it closes gracefully without a KEXINIT.
pub fn pre_banner_lines() -> FakeServer {
    FakeServer::spawn(|stream| async move {
        let mut text = String::new();
        for line in PRE_BANNER_LINES {
            text.push_str(line);
            text.push_str("\r\n");
        }
        text.push_str(PRE_BANNER_VERSION);
        text.push_str("\r\n");
        reply_and_close(stream, text.as_bytes()).await;
    })
}
