//! A small SSH server (russh's) for what OpenSSH's sshd cannot be configured to do: an old
//! server whose server-sig-algs lists only `ssh-rsa` (SHA-1) for RSA keys.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use russh::keys::Algorithm;
use russh::server::{Auth, Config, Handler};

/// Accepts any public key the client can sign with; opens no sessions (russh's default).
struct AcceptAll;

impl Handler for AcceptAll {
    type Error = russh::Error;

    async fn auth_publickey(
        &mut self,
        _user: &str,
        _key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }
}

/// A running server on 127.0.0.1; stops when dropped.
pub struct FakeSsh {
    port: u16,
    task: tokio::task::JoinHandle<()>,
    _runtime: tokio::runtime::Runtime,
}

impl FakeSsh {
    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A server with the ed25519 host key at `host_key` whose server-sig-algs names only
    /// `ssh-ed25519` and `ssh-rsa`: RSA user keys can only sign with SHA-1, as on OpenSSH
    /// before 7.2 and many appliances.
    pub fn sha1_rsa_only(host_key: &Path) -> FakeSsh {
        let key =
            russh::keys::load_secret_key(host_key, None).expect("load the fake server's host key");
        let preferred = russh::Preferred {
            key: Cow::Owned(vec![Algorithm::Ed25519, Algorithm::Rsa { hash: None }]),
            ..Default::default()
        };
        let config = Arc::new(Config {
            keys: vec![key],
            preferred,
            methods: russh::MethodSet::from(&[russh::MethodKind::PublicKey][..]),
            auth_rejection_time: std::time::Duration::from_millis(10),
            ..Default::default()
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime for the fake ssh server");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local addr").port();
        let task = runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let config = config.clone();
                tokio::spawn(async move {
                    if let Ok(session) = russh::server::run_stream(config, stream, AcceptAll).await
                    {
                        let _ = session.await;
                    }
                });
            }
        });
        FakeSsh {
            port,
            task,
            _runtime: runtime,
        }
    }
}

impl Drop for FakeSsh {
    fn drop(&mut self) {
        self.task.abort();
    }
}
