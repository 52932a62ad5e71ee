//! What the console may ask a person for, and only for a host whose key is known: the
//! passphrase of an accepted encrypted key, a password, or the second factor a server wants
//! after a key (AuthenticationMethods). Each password attempt that fails ends its connection,
//! so the request that carried it does not stay in a live buffer; the next one gets a fresh
//! connection.

use super::probe::Conn;
use super::{Cx, Target};
use crate::engine::banner::sanitize;
use crate::engine::kex::{reconnect, HostKeyPolicy};
use crate::event::{Level, Stage};
use russh::client::{AuthResult, KeyboardInteractiveAuthResponse as Kbd};
use std::sync::Arc;
use std::time::Duration;

/// Where a person answers, and how to reach the server again.
pub(super) struct Asking<'a> {
    pub asker: &'a crate::engine::SecretAsker,
    pub t: &'a Target,
    pub dial: crate::engine::transport::Dialer,
    pub policy: Arc<HostKeyPolicy>,
    pub timeout: Duration,
}

/// Ask the person at the console; None when they decline or nobody answers.
pub(super) async fn ask(
    asker: &crate::engine::SecretAsker,
    prompt: String,
) -> Option<zeroize::Zeroizing<String>> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    asker
        .send(crate::engine::SecretRequest { prompt, reply })
        .await
        .ok()?;
    answer.await.ok().flatten()
}

impl Asking<'_> {
    /// Ask the person, the prompt naming the hop it is for through jump hosts
    /// ("root@10.0.0.5's password (for bastion)").
    pub async fn ask(&self, prompt: String) -> Option<zeroize::Zeroizing<String>> {
        let prompt = match &self.t.hop {
            Some(hop) => format!("{prompt} (for {hop})"),
            None => prompt,
        };
        ask(self.asker, prompt).await
    }

    /// A fresh connection, at the "none" request (the last one carried a refused secret).
    async fn fresh(&self, conn: &mut Conn) -> Result<(), String> {
        let old = std::mem::replace(conn, {
            let (handle, cell) =
                reconnect(self.t, &self.dial, self.policy.clone(), self.timeout).await?;
            Conn { handle, cell }
        });
        let _ = tokio::time::timeout(
            Duration::from_secs(1),
            old.handle
                .disconnect(russh::Disconnect::ByApplication, "", "en"),
        )
        .await;
        drop(old);
        let _ = tokio::time::timeout(
            self.timeout,
            conn.handle.authenticate_none(self.t.user.clone()),
        )
        .await;
        Ok(())
    }

    /// Up to `prompts` passwords; true when one logged in.
    pub async fn password(&self, cx: &Cx, conn: &mut Conn, prompts: usize) -> bool {
        let user = self.t.user.clone();
        for attempt in 0..prompts {
            if attempt > 0 {
                if let Err(e) = self.fresh(conn).await {
                    let said = crate::text!("engine.auth.reconnecting_failed", why = e);
                    cx.say(Stage::Auth, Level::Info, said).await;
                    return false;
                }
            }
            let Some(password) = self
                .ask(format!("{user}@{}'s password", self.t.hostname))
                .await
            else {
                return false;
            };
            // The server may have given up while the person typed (LoginGraceTime): go on
            // on a fresh connection rather than fail.
            if conn.handle.is_closed() {
                if let Err(e) = self.fresh(conn).await {
                    let said = crate::text!("engine.auth.reconnecting_failed", why = e);
                    cx.say(Stage::Auth, Level::Info, said).await;
                    return false;
                }
            }
            let result = tokio::time::timeout(
                self.timeout,
                conn.handle
                    .authenticate_password(user.clone(), password.as_str()),
            )
            .await;
            drop(password);
            match result {
                Ok(Ok(AuthResult::Success)) => {
                    cx.log(Stage::Auth, Level::Info, format!("Authenticated to {} using \"password\" (typed in the console, not recorded).", self.t.hostname)).await;
                    return true;
                }
                Ok(Ok(_)) => {
                    cx.log(
                        Stage::Auth,
                        Level::Info,
                        "Permission denied, please try again.",
                    )
                    .await
                }
                _ => return false,
            }
        }
        // The refused attempt's connection goes too, with its buffers.
        let _ = self.fresh(conn).await;
        false
    }

    /// keyboard-interactive: every prompt the server sends is shown (made safe) and asked;
    /// true when it logged in.
    pub async fn keyboard_interactive(&self, cx: &Cx, conn: &mut Conn) -> bool {
        let start = conn
            .handle
            .authenticate_keyboard_interactive_start(self.t.user.clone(), None::<String>);
        let mut reply = match tokio::time::timeout(self.timeout, start).await {
            Ok(Ok(r)) => r,
            _ => return false,
        };
        for _ in 0..8 {
            match reply {
                Kbd::Success => {
                    cx.log(Stage::Auth, Level::Info, format!("Authenticated to {} using \"keyboard-interactive\" (typed in the console, not recorded).", self.t.hostname)).await;
                    return true;
                }
                Kbd::Failure { .. } => return false,
                Kbd::InfoRequest { prompts, .. } => {
                    let mut answers = Vec::new();
                    for p in &prompts {
                        let text = sanitize(p.prompt.trim_end_matches([' ', ':']).as_bytes());
                        let Some(answer) = self.ask(text).await else {
                            return false;
                        };
                        answers.push(answer.to_string());
                    }
                    let respond = conn
                        .handle
                        .authenticate_keyboard_interactive_respond(answers);
                    reply = match tokio::time::timeout(self.timeout, respond).await {
                        Ok(Ok(r)) => r,
                        _ => return false,
                    };
                }
            }
        }
        false
    }

    /// The second factor after an accepted key: a password, else keyboard-interactive.
    pub async fn second_factor(
        &self,
        cx: &Cx,
        conn: &mut Conn,
        remaining: &russh::MethodSet,
    ) -> bool {
        if remaining.contains(&russh::MethodKind::Password) {
            let user = self.t.user.clone();
            let Some(password) = self
                .ask(format!(
                    "{user}@{}'s password (second factor)",
                    self.t.hostname
                ))
                .await
            else {
                return false;
            };
            let result = tokio::time::timeout(
                self.timeout,
                conn.handle.authenticate_password(user, password.as_str()),
            )
            .await;
            drop(password);
            let ok = matches!(result, Ok(Ok(AuthResult::Success)));
            if ok {
                cx.log(Stage::Auth, Level::Info, format!("Authenticated to {} using \"publickey\" and \"password\" (typed in the console, not recorded).", self.t.hostname)).await;
            }
            return ok;
        }
        if remaining.contains(&russh::MethodKind::KeyboardInteractive) {
            return self.keyboard_interactive(cx, conn).await;
        }
        false
    }
}
