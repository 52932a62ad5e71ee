//! What the onboarding steps do over the network and on disk. Each operation logs through the
//! engine's event stream (the same stages and lines as a diagnosis) and returns an [`Outcome`].

use super::state::{
    ChosenKey, HostInfo, HostVerdict, Inspected, LoginError, LoginKind, OpError, Outcome,
};
use crate::config::ConfigInput;
use crate::engine::remote::{self, Account, Installed};
use crate::engine::{self, Connection, Cx, Plan};
use crate::event::{ActionOffer, Event, Stage};
use crate::i18n::{t, tf};
use crate::report::Report;
use russh::client::AuthResult;
use russh::keys::ssh_key::Algorithm;
use russh::MethodKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Mutex};
use zeroize::Zeroizing;

/// The logged-in connection the install and permission steps work on.
pub(crate) struct Session {
    pub conn: Connection,
    pub account: Account,
}

pub(crate) type SharedSession = Arc<Mutex<Option<Session>>>;

/// Run `body` with a context whose events go to `log` and into a report returned beside the value.
async fn with_cx<T, F, Fut>(plan: &Plan, log: mpsc::Sender<Event>, body: F) -> (T, Report)
where
    F: FnOnce(Cx) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let (tx, mut rx) = mpsc::channel::<Event>(256);
    let collector = tokio::spawn(async move {
        let mut report = Report::default();
        while let Some(ev) = rx.recv().await {
            report.apply(&ev);
            let _ = log.send(ev).await;
        }
        report
    });
    let value = body(Cx::new(tx, plan.config.clone())).await;
    let report = collector.await.unwrap_or_default();
    (value, report)
}

fn fact<'a>(r: &'a Report, key: &str) -> Option<&'a str> {
    r.facts
        .iter()
        .find(|f| f.key == key)
        .map(|f| f.value.as_str())
}

/// Step 2: connect up to the host key; what the server presents and what known_hosts says.
pub async fn verify(plan: Plan, log: mpsc::Sender<Event>) -> Result<HostInfo, String> {
    let plan = &plan;
    let (conn, report) = with_cx(plan, log, |cx| async move {
        let conn = engine::connect(&cx, plan).await;
        if let Some(c) = &conn {
            hang_up(c).await;
        }
        conn.map(|c| c.host_key_known)
    })
    .await;
    let Some(sha256) = fact(&report, "fingerprint_sha256") else {
        let failed = report
            .checks
            .iter()
            .find(|c| c.status == crate::event::Status::Fail)
            .map(|c| format!("{}: {}", crate::i18n::stage_title(c.stage), c.summary));
        return Err(failed.unwrap_or_else(|| t("onboard.ops.no_host_key").into()));
    };
    let refused = report
        .findings
        .iter()
        .find(|f| {
            matches!(
                f.id.as_str(),
                "hostkey.changed" | "hostkey.revoked" | "hostkey.other_type_known"
            )
        })
        .map(|f| f.title.clone());
    let trust = report
        .findings
        .iter()
        .flat_map(|f| f.actions.iter())
        .find(|a| a.id == "hostkey.trust")
        .cloned();
    let hostkey_summary = report
        .checks
        .iter()
        .find(|c| c.stage == Stage::Hostkey)
        .map(|c| c.summary.clone())
        .unwrap_or_default();
    let verdict = match (refused, conn) {
        (Some(why), _) => HostVerdict::Refused(why),
        (None, Some(true)) => HostVerdict::Known(hostkey_summary),
        (None, Some(false)) => HostVerdict::Unknown,
        (None, None) => HostVerdict::Refused(hostkey_summary),
    };
    Ok(HostInfo {
        algorithm: fact(&report, "host_key")
            .and_then(|d| d.split_whitespace().next())
            .unwrap_or_default()
            .to_string(),
        sha256: sha256.to_string(),
        md5: fact(&report, "fingerprint_md5")
            .unwrap_or_default()
            .to_string(),
        randomart: fact(&report, "randomart").unwrap_or_default().to_string(),
        key_line: fact(&report, "host_key_openssh").map(str::to_string),
        verdict,
        trust,
    })
}

/// A connection whose host key is recorded and matches; anything else is refused here.
async fn trusted(plan: &Plan, log: mpsc::Sender<Event>) -> Result<Connection, String> {
    let (conn, report) = with_cx(
        plan,
        log,
        |cx| async move { engine::connect(&cx, plan).await },
    )
    .await;
    match conn {
        Some(c) if c.host_key_known => Ok(c),
        Some(c) => {
            hang_up(&c).await;
            Err(t("onboard.ops.not_recorded").into())
        }
        None => Err(report
            .checks
            .iter()
            .find(|c| c.status == crate::event::Status::Fail)
            .map_or(t("onboard.ops.connection_failed").into(), |c| {
                format!("{}: {}", crate::i18n::stage_title(c.stage), c.summary)
            })),
    }
}

/// Log in with the private key alone; Ok(false) when the server refuses it.
async fn key_login(
    conn: &mut Connection,
    user: &str,
    file: &Path,
    passphrase: Option<&str>,
) -> Result<bool, String> {
    // Decrypting a key runs bcrypt's KDF (can take a second): off the async workers.
    let (owned_file, owned_pass) = (
        file.to_path_buf(),
        passphrase.map(|p| Zeroizing::new(p.to_string())),
    );
    let private = tokio::task::spawn_blocking(move || {
        crate::identities::load_private(&owned_file, owned_pass.as_ref().map(|p| p.as_str()))
    })
    .await
    .map_err(|e| e.to_string())??;
    let hash = if matches!(private.algorithm(), Algorithm::Rsa { .. }) {
        conn.handle
            .best_supported_rsa_hash()
            .await
            .map_err(|e| e.to_string())?
            .flatten()
    } else {
        None
    };
    let with_hash = russh::keys::PrivateKeyWithHashAlg::new(Arc::new(private), hash);
    let result = tokio::time::timeout(
        conn.timeout,
        conn.handle
            .authenticate_publickey(user.to_string(), with_hash),
    )
    .await
    .map_err(|_| "the server did not answer".to_string())?
    .map_err(|e| e.to_string())?;
    Ok(result.success())
}

fn methods_text(m: &russh::MethodSet) -> String {
    let v: Vec<&str> = m.iter().map(<&str>::from).collect();
    if v.is_empty() {
        "(none)".into()
    } else {
        v.join(", ")
    }
}

/// Step 3: try the key (an encrypted one only with its known passphrase); then the password —
/// by "password", or by keyboard-interactive answering its one hidden prompt. On success the
/// session is kept.
pub async fn login(
    plan: Plan,
    log: mpsc::Sender<Event>,
    key: Option<ChosenKey>,
    key_passphrase: Option<Zeroizing<String>>,
    password: Option<Zeroizing<String>>,
    session: SharedSession,
) -> Result<LoginKind, LoginError> {
    let mut conn = trusted(&plan, log.clone())
        .await
        .map_err(LoginError::Other)?;
    let user = conn.target.user.clone();
    let methods = match conn.handle.authenticate_none(user.clone()).await {
        Ok(AuthResult::Success) => {
            return keep(conn, session, LoginKind::Password).await;
        }
        Ok(AuthResult::Failure {
            remaining_methods, ..
        }) => remaining_methods,
        Err(e) => return Err(LoginError::Other(e.to_string())),
    };
    let note = |text: String| say(&log, Stage::Auth, text);
    note(format!(
        "Authentications that can continue: {}",
        methods_text(&methods)
    ))
    .await;
    if password.is_none() && methods.contains(&MethodKind::PublicKey) {
        let usable = |k: &&ChosenKey| !k.encrypted || key_passphrase.is_some();
        if let Some(k) = key.as_ref().filter(usable) {
            let pass = key_passphrase.as_deref().map(String::as_str);
            if key_works(&mut conn, &user, k, pass, &log).await {
                return keep(conn, session, LoginKind::Key).await;
            }
        }
    }
    if password_login(&mut conn, &user, &methods, password).await? {
        note(t("onboard.ops.password_ok").into()).await;
        keep(conn, session, LoginKind::Password).await
    } else {
        hang_up(&conn).await;
        Err(LoginError::Denied)
    }
}

/// Try the chosen key; whether it logged in (what happened goes to the log).
async fn key_works(
    conn: &mut Connection,
    user: &str,
    k: &ChosenKey,
    passphrase: Option<&str>,
    log: &mpsc::Sender<Event>,
) -> bool {
    let (text, works) = match key_login(conn, user, &k.private, passphrase).await {
        Ok(true) => (
            tf(
                "onboard.ops.key_installed",
                &[("fingerprint", &k.fingerprint)],
            ),
            true,
        ),
        Ok(false) => (
            tf(
                "onboard.ops.key_not_yet",
                &[("fingerprint", &k.fingerprint)],
            ),
            false,
        ),
        Err(e) => (format!("key login: {e}"), false),
    };
    say(log, Stage::Auth, text).await;
    works
}

/// The password, by "password" or else keyboard-interactive: whether the server took it.
/// Without a method for it, or without a password yet, the connection is closed.
async fn password_login(
    conn: &mut Connection,
    user: &str,
    methods: &russh::MethodSet,
    password: Option<Zeroizing<String>>,
) -> Result<bool, LoginError> {
    let password_ok = methods.contains(&MethodKind::Password);
    let kbd = methods.contains(&MethodKind::KeyboardInteractive);
    if !password_ok && !kbd {
        hang_up(conn).await;
        return Err(LoginError::NoPasswordMethod(methods_text(methods)));
    }
    let Some(password) = password else {
        hang_up(conn).await;
        return Err(LoginError::NeedPassword);
    };
    if !password_ok {
        return keyboard_interactive(conn, user, &password)
            .await
            .map_err(LoginError::Other);
    }
    match tokio::time::timeout(
        conn.timeout,
        conn.handle
            .authenticate_password(user.to_string(), password.as_str()),
    )
    .await
    {
        Ok(Ok(r)) => Ok(r.success()),
        Ok(Err(e)) => Err(LoginError::Other(e.to_string())),
        Err(_) => Err(LoginError::Other(t("onboard.ops.no_answer").into())),
    }
}

/// Close a connection that is being left (what the server says to that does not matter).
pub(crate) async fn hang_up(conn: &Connection) {
    let _ = conn
        .handle
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;
}

/// keyboard-interactive with PAM's usual single hidden "Password:" prompt answered; a round
/// with no prompts is answered empty; visible prompts (a one-time code) are not answered.
async fn keyboard_interactive(
    conn: &mut Connection,
    user: &str,
    password: &str,
) -> Result<bool, String> {
    use russh::client::KeyboardInteractiveAuthResponse as R;
    let mut answered = false;
    let mut reply = conn
        .handle
        .authenticate_keyboard_interactive_start(user.to_string(), None::<String>)
        .await
        .map_err(|e| e.to_string())?;
    for _ in 0..4 {
        match reply {
            R::Success => return Ok(true),
            R::Failure { .. } => return Ok(false),
            R::InfoRequest { prompts, .. } => {
                let answers = match prompts.as_slice() {
                    [] => Vec::new(),
                    [p] if !p.echo && !answered => {
                        answered = true;
                        vec![password.to_string()]
                    }
                    _ => return Err(t("onboard.ops.more_than_password").into()),
                };
                reply = conn
                    .handle
                    .authenticate_keyboard_interactive_respond(answers)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(false)
}

async fn keep(
    conn: Connection,
    session: SharedSession,
    kind: LoginKind,
) -> Result<LoginKind, LoginError> {
    let user = conn.target.user.clone();
    let account = remote::open_account(
        &conn.handle,
        (&user, conn.target.port),
        &conn.server_ident,
        true,
        conn.timeout,
    )
    .await
    .map_err(|e| LoginError::Other(format!("logged in, but {e}")))?;
    *session.lock().await = Some(Session { conn, account });
    Ok(kind)
}

/// The logged-in session, or why there is none to work on.
fn live(guard: &Option<Session>) -> Result<&Session, OpError> {
    match guard {
        Some(s) if !s.conn.handle.is_closed() => Ok(s),
        _ => Err(OpError::ConnectionLost),
    }
}

/// An error on the session: a closed connection is said as such (a new login helps).
fn on_session(s: &Session, e: String) -> OpError {
    if s.conn.handle.is_closed() {
        OpError::ConnectionLost
    } else {
        OpError::Other(e)
    }
}

/// Step 4: add the key to authorized_keys.
pub async fn install(session: SharedSession, key: ChosenKey) -> Result<String, OpError> {
    let guard = session.lock().await;
    let s = live(&guard)?;
    let done = remote::install_key(&s.account, &key.public_line)
        .await
        .map_err(|e| on_session(s, e))?;
    Ok(match done {
        Installed::AlreadyPresent { path, line } => {
            format!("already in {path} (line {line}); nothing added")
        }
        Installed::Appended {
            path,
            created_dir,
            created_file,
            backup,
        } => format!(
            "added to {path}{}{}{}",
            if created_dir {
                "; created ~/.ssh (0700)"
            } else {
                ""
            },
            if created_file {
                "; created the file (0600)"
            } else {
                ""
            },
            backup.map_or(String::new(), |b| format!("; its old content kept in {b}"))
        ),
    })
}

/// Step 5: sshd's StrictModes on the chains of the authorized_keys files.
pub async fn inspect(session: SharedSession, destination: &str) -> Result<Inspected, OpError> {
    let guard = session.lock().await;
    let s = live(&guard)?;
    let seen = remote::inspect(
        &s.conn.handle,
        &s.account,
        &s.conn.target.user,
        s.conn.timeout,
    )
    .await;
    if s.conn.handle.is_closed() {
        return Err(OpError::ConnectionLost);
    }
    Ok(Inspected {
        fix: remote::permissions_action(destination, seen.uid, &seen.violations),
        violations: seen.violations,
        uid: seen.uid,
    })
}

/// The confirmed chmods (each only where the mode is still the one shown), then a new look;
/// what happened to each path goes to the log.
pub async fn chmod(
    session: SharedSession,
    log: mpsc::Sender<Event>,
    action: ActionOffer,
    destination: &str,
) -> Result<Inspected, OpError> {
    let notes = {
        let guard = session.lock().await;
        let s = live(&guard)?;
        match &action.repair {
            Some(crate::repair::Repair::RemotePermissions { changes }) => {
                remote::apply_chmods(&s.account, changes).await.1
            }
            _ => Vec::new(),
        }
    };
    for text in notes {
        say(&log, Stage::Remote, text).await;
    }
    inspect(session, destination).await
}

/// A line for the flow's log.
async fn say(log: &mpsc::Sender<Event>, stage: Stage, text: String) {
    let _ = log
        .send(Event::Log {
            said: None,
            hop: 0,
            at: Duration::ZERO,
            level: crate::event::Level::Info,
            stage,
            text,
        })
        .await;
}

/// Step 6: a fresh connection offering only the key.
pub async fn prove(
    plan: Plan,
    log: mpsc::Sender<Event>,
    key: ChosenKey,
    passphrase: Option<Zeroizing<String>>,
) -> Result<String, String> {
    let mut conn = trusted(&plan, log).await?;
    let user = conn.target.user.clone();
    let ok = key_login(
        &mut conn,
        &user,
        &key.private,
        passphrase.as_deref().map(String::as_str),
    )
    .await?;
    hang_up(&conn).await;
    if ok {
        Ok(tf(
            "onboard.ops.key_alone",
            &[("fingerprint", &key.fingerprint)],
        ))
    } else {
        Err(tf(
            "onboard.ops.key_refused",
            &[("fingerprint", &key.fingerprint)],
        ))
    }
}

/// Step 7: the verified config block, as an action to confirm (no repair: nothing to change).
pub fn plan_config(
    input: &ConfigInput,
    alias: &str,
    user: &str,
    hostname: &str,
    port: u16,
    key: &Path,
) -> Result<ActionOffer, String> {
    if let Some(why) = super::alias::taken_by_other(input, alias, user, hostname, port) {
        return Err(why);
    }
    let path = input
        .user_config
        .clone()
        .unwrap_or_else(|| input.home.join(".ssh").join("config"));
    let old = match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("reading {}: {e}", path.display())),
    };
    let block = crate::config_edit::HostBlock {
        alias,
        hostname,
        user,
        port,
        key,
    };
    let edit =
        crate::config_edit::host_block(old.as_deref().unwrap_or_default(), &path, input, &block)?;
    if old.as_deref() == Some(edit.new_bytes.as_slice()) {
        return Ok(ActionOffer {
            title_text: None,
            id: "onboard.config".into(),
            title: edit.summary,
            preview: String::new(),
            command: String::new(),
            repair: None,
        });
    }
    let shown = crate::config_edit::shown_path(&path, &input.home);
    let command = format!("$EDITOR {}", crate::fsedit::shell_quote_path(&shown));
    Ok(crate::repair::config_action_text(
        "onboard.config",
        config_title(alias, &shown, &edit.summary),
        old,
        edit,
        command,
    ))
}

/// The config action's title: a block added, or the alias's own block edited in place.
fn config_title(alias: &str, shown: &str, summary: &str) -> crate::i18n::Text {
    if summary.starts_with("In the existing") {
        crate::text!("onboard.ops.edit_block", alias = alias, file = shown)
    } else {
        crate::text!("onboard.ops.add_block", alias = alias, file = shown)
    }
}

/// Step 1: generate the key (blocking file I/O; run off the loop).
pub fn generate(
    path: PathBuf,
    comment: String,
    passphrase: Option<Zeroizing<String>>,
) -> Result<ChosenKey, String> {
    let k =
        crate::keygen::generate_ed25519(&path, &comment, passphrase.as_deref().map(String::as_str))
            .map_err(|e| e.to_string())?;
    Ok(ChosenKey {
        private: k.private,
        public_line: k.public_line,
        fingerprint: k.fingerprint,
        encrypted: passphrase.is_some_and(|p| !p.is_empty()),
    })
}

/// Run an outcome-producing future and hand its result to `tx`.
pub fn spawn<F>(tx: mpsc::Sender<Outcome>, fut: F)
where
    F: std::future::Future<Output = Outcome> + Send + 'static,
{
    tokio::spawn(async move {
        let _ = tx.send(fut.await).await;
    });
}
