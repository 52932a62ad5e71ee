//! The account seen from the inside, over SFTP (no shell needed, no user text through a shell):
//! sshd's StrictModes rules on home, ~/.ssh and authorized_keys, whether the wanted key is
//! installed, lines sshd cannot parse, a full disk, and `sshd -T` where the account may run it.
//! Read-only, except for the chmods of `remote.permissions.fix` the person confirmed, and the
//! key install of the onboarding flow.

use super::kex::ProbeHandle;
use super::link::{Link, Opener};

pub(crate) mod early;
mod ended;
mod inspect;
mod install;
mod judge;
mod permissions;

pub(crate) use inspect::{authorized_keys_files, inspect, stat, AkState, Inspection};
pub(crate) use install::{install_key, Installed};
pub(crate) use permissions::{apply_chmods, apply_chmods_text, chmod, permissions_action};

use super::{Cx, Plan, StageEnd, Target};
use crate::event::{Level, Stage, Status};
use crate::i18n::Text;
use crate::text;
use judge::report;
use russh::keys::ssh_key::public::KeyData;
use russh_sftp::client::SftpSession;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The command asking sshd for its effective configuration. Most accounts may not run it (it
/// needs the host keys); then the defaults are assumed. With `-C user=NAME` sshd applies the
/// `Match User`/`Group` blocks for this account; the name goes in only when it is a portable
/// account name (letters, digits, `.`, `_`, `-`, not starting with `-`), so nothing but fixed
/// text and such a name reaches the remote shell. An sshd refusing the partial `-C` spec (old
/// versions wanted user, host and addr) is asked without it.
pub(crate) fn sshd_t_command(user: &str) -> String {
    let portable = !user.is_empty()
        && !user.starts_with('-')
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let plain = "/usr/sbin/sshd -T 2>/dev/null || sshd -T 2>/dev/null";
    if portable {
        format!("/usr/sbin/sshd -T -C user={user} 2>/dev/null || {plain}")
    } else {
        plain.to_string()
    }
}

/// An SFTP session on a logged-in connection, with the account's home and uid.
pub(crate) struct Account {
    pub sftp: SftpSession,
    /// The connection the SFTP session lives on, when it is not the caller's.
    _conn: Option<std::sync::Arc<ProbeHandle>>,
    /// SFTP requests made so far (at most [`MAX_SFTP_REQUESTS`]).
    requests: AtomicUsize,
    /// `df -Pk .` output from the script, when it ran.
    df: Option<String>,
    /// The home directory (where sftp-server starts).
    pub home: String,
    /// The account's uid (`id`; else the owner of the home directory).
    pub uid: Option<u32>,
    /// The primary group's gid, when it is the user's private group (same name as the user)
    /// and the server's sshd is Debian's or Ubuntu's.
    pub private_gid: Option<u32>,
    /// The account's name, from `id`.
    pub user_name: Option<String>,
    /// Commands run on this account (no forced command or nologin shell seen): else only
    /// SFTP is used.
    pub exec: bool,
    /// `sshd -T` settings, when the account may run it.
    pub sshd: Option<Vec<(String, String)>>,
    /// The ports that `sshd -T` says its sshd listens on, and the one connected to: `sshd -T`
    /// reads the default sshd_config, which may belong to another sshd than this one.
    pub sshd_ports: Vec<u16>,
    pub port: u16,
}

/// The most SFTP requests the server-side stage makes (stat, realpath, reads): a server
/// answering with endless paths cannot keep it busy.
const MAX_SFTP_REQUESTS: usize = 400;

impl Account {
    /// Count one SFTP request; Err once the cap is reached.
    fn spend(&self) -> Result<(), String> {
        if self.requests.fetch_add(1, Ordering::Relaxed) >= MAX_SFTP_REQUESTS {
            return Err(format!(
                "sshdoctor stopped after {MAX_SFTP_REQUESTS} SFTP requests"
            ));
        }
        Ok(())
    }

    /// `sshd -T` described another sshd (it listens elsewhere; a NAT mapping ports would look
    /// the same, so its settings are then shown, not used to judge).
    pub fn sshd_elsewhere(&self) -> bool {
        self.sshd.is_some() && !self.sshd_ports.is_empty() && !self.sshd_ports.contains(&self.port)
    }
}

/// The `port N` lines of `sshd -T` output.
pub(crate) fn sshd_t_ports(output: &str) -> Vec<u16> {
    output
        .lines()
        .filter_map(|l| l.trim().strip_prefix("port "))
        .filter_map(|p| p.trim().parse().ok())
        .collect()
}

fn join_ports(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What `id` says of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Id {
    pub uid: u32,
    gid: Option<u32>,
    /// The user's and the primary group's names, when they have one.
    user: Option<String>,
    group: Option<String>,
}

/// `id`'s "uid=1001(alice) gid=1001(alice) groups=..." (a uid or gid without an entry in the
/// user or group database has no name in parentheses).
pub(crate) fn parse_id(text: &str) -> Option<Id> {
    let field = |key: &str| -> Option<(u32, Option<String>)> {
        let rest = text.split_whitespace().find_map(|w| w.strip_prefix(key))?;
        let (num, name) = match rest.split_once('(') {
            Some((num, name)) => (num, Some(name.trim_end_matches(')').to_string())),
            None => (rest, None),
        };
        Some((num.parse().ok()?, name))
    };
    let (uid, user) = field("uid=")?;
    let (gid, group) = match field("gid=") {
        Some((gid, group)) => (Some(gid), group),
        None => (None, None),
    };
    Some(Id {
        uid,
        gid,
        user,
        group,
    })
}

/// Open SFTP on a logged-in connection and learn the home directory, the uid and (where the
/// account may ask) sshd's effective settings for `user`. `server_ident` (the server's
/// identification line) tells whether Debian's private-group rule applies. Everything goes
/// out together ([`early::fetch`]).
pub(crate) async fn open_account<O: Opener>(
    handle: &O,
    (user, port): (&str, u16),
    server_ident: &str,
    exec: bool,
    timeout: Duration,
) -> Result<Account, String> {
    let fetched = early::fetch(handle, user, exec, timeout).await;
    account(fetched, port, server_ident, exec)
        .await
        .map_err(|e| e.english())
}

/// The account from what was fetched at once after the login (Err: why SFTP did not open).
pub(crate) async fn account(
    fetched: early::Early,
    port: u16,
    server_ident: &str,
    exec: bool,
) -> Result<Account, Text> {
    let early::Early { sftp, info, .. } = fetched;
    let early::SftpOpen { sftp, home, conn } = sftp.map_err(|e| match e {
        super::session::Sftp::Refused => text!("engine.remote.sftp_refused"),
        super::session::Sftp::Broken(why) | super::session::Sftp::Unknown(why) => sftp_reason(why),
        super::session::Sftp::Works => Text::from("sftp"),
    })?;
    let (id, sshd, df) = if exec {
        (info.id, info.sshd, info.df)
    } else {
        (None, None, None)
    };
    // sshd -T always prints these; output without them came from something else (a forced
    // command answering every request).
    let (sshd, sshd_ports) = match sshd.filter(|(s, _)| {
        ["authorizedkeysfile", "strictmodes"]
            .iter()
            .all(|k| s.iter().any(|(key, _)| key == k))
    }) {
        Some((settings, ports)) => (Some(settings), ports),
        None => (None, Vec::new()),
    };
    let uid = match &id {
        Some(id) => Some(id.uid),
        None => sftp.metadata(home.clone()).await.ok().and_then(|m| m.uid),
    };
    // Debian's and Ubuntu's sshd only (patch user-group-modes): a path writable by the user's
    // own private group (named as the user) is accepted; upstream OpenSSH refuses it.
    let debian = server_ident.contains("Debian") || server_ident.contains("Ubuntu");
    let user_name = id.as_ref().and_then(|id| id.user.clone());
    let private_gid = id.and_then(|id| match (id.gid, id.user, id.group) {
        (Some(gid), Some(user), Some(group)) if debian && user == group => Some(gid),
        _ => None,
    });
    Ok(Account {
        sftp,
        _conn: conn,
        requests: AtomicUsize::new(0),
        home,
        user_name,
        uid,
        private_gid,
        exec,
        sshd,
        sshd_ports,
        port,
        df,
    })
}

/// Why SFTP did not open, as a text: [`early::open_sftp`]'s fixed reasons in the language,
/// anything else (an error's own words) as it is.
fn sftp_reason(why: String) -> Text {
    match why.as_str() {
        early::SFTP_ENDED => text!("engine.remote.sftp_ended"),
        early::SFTP_NO_VERSION => text!("engine.remote.sftp_no_version"),
        early::SFTP_NOT_ANSWERED => text!("engine.remote.sftp_not_answered"),
        _ => Text::from(why),
    }
}

/// How the diagnosis logged in, and what it learnt of each key, for the remote findings.
#[derive(Debug, Clone, Default)]
pub(crate) struct LoginFacts {
    /// The key that logged in (None: password or "none").
    pub by_key: Option<KeyData>,
    /// The keys ssh would offer: label, key, set in IdentityFile, the server's answer (None: not asked).
    pub keys: Vec<KeyAsked>,
}

#[derive(Debug, Clone)]
pub(crate) struct KeyAsked {
    pub label: String,
    pub key: KeyData,
    pub explicit: bool,
    pub accepted: Option<bool>,
}

/// How many per-step timeouts the whole server-side stage may take.
const BUDGET_STEPS: u32 = 6;

/// The stage: look, apply a confirmed `remote.permissions.fix` if one was asked for, report;
/// bounded by its budget whatever the server sends.
pub(super) async fn remote_stage(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    (link, server_ident, exec, fetched): (&Link, &str, bool, early::Early),
    facts: &LoginFacts,
    timeout: Duration,
) -> StageEnd {
    let budget = timeout * BUDGET_STEPS;
    let body = look(
        cx,
        plan,
        t,
        (link, server_ident, exec, fetched),
        facts,
        timeout,
    );
    match tokio::time::timeout(budget, body).await {
        Ok(end) => end,
        Err(_) => {
            let why = text!(
                "engine.remote.budget_ran_out",
                seconds = budget.as_secs_f64().to_string()
            );
            cx.say(Stage::Remote, Level::Info, why.clone()).await;
            StageEnd::text(Status::Skipped, why)
        }
    }
}

async fn look(
    cx: &Cx,
    plan: &Plan,
    t: &Target,
    (link, server_ident, exec, fetched): (&Link, &str, bool, early::Early),
    facts: &LoginFacts,
    timeout: Duration,
) -> StageEnd {
    let acc = match account(fetched, t.port, server_ident, exec).await {
        Ok(acc) => acc,
        Err(e) => {
            let said = text!("engine.remote.cannot_look", error = e.clone());
            cx.say(Stage::Remote, Level::Info, said).await;
            let summary = text!("engine.remote.not_looked_at", error = e);
            return StageEnd::text(Status::Skipped, summary);
        }
    };
    let said = match acc.uid {
        Some(uid) => text!("engine.remote.sftp_home", home = &acc.home, uid = uid),
        None => text!("engine.remote.sftp_home_no_uid", home = &acc.home),
    };
    cx.say(Stage::Remote, Level::Debug1, said).await;
    cx.fact(Stage::Remote, "home", acc.home.clone()).await;
    let mut seen = inspect(link, &acc, &t.user, timeout).await;
    if let Some(wanted) = &plan.remote_fix {
        let (changed, notes) = apply_chmods_text(&acc, wanted).await;
        for note in notes {
            cx.say(Stage::Remote, Level::Info, note).await;
        }
        // What the console reports for the confirmed change: made, or not.
        let made = if changed { "yes" } else { "no" };
        cx.fact(Stage::Remote, "remote_fix_made", made).await;
        if changed {
            seen = inspect(link, &acc, &t.user, timeout).await;
        }
    }
    let end = report(cx, t, &seen, facts).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), acc.sftp.close()).await;
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_output_with_and_without_names() {
        assert_eq!(
            parse_id("uid=1001(alice) gid=1001(alice) groups=1001(alice),100(users)\n"),
            Some(Id {
                uid: 1001,
                gid: Some(1001),
                user: Some("alice".into()),
                group: Some("alice".into()),
            })
        );
        // A uid and gid with no entry in the user and group databases (containers).
        assert_eq!(
            parse_id("uid=4242 gid=4242 groups=4242\n"),
            Some(Id {
                uid: 4242,
                gid: Some(4242),
                user: None,
                group: None,
            })
        );
        assert_eq!(parse_id("This account is for sftp only.\n"), None);
        assert_eq!(parse_id("uid=x(alice)"), None);
    }

    #[test]
    fn why_the_server_side_was_not_looked_at_is_told_in_the_language() {
        use crate::i18n::Lang;
        let summary = |why: &str| {
            text!(
                "engine.remote.not_looked_at",
                error = sftp_reason(why.into())
            )
        };
        let ended = summary(early::SFTP_ENDED);
        assert_eq!(
            ended.english(),
            "not looked at: the server ended the sftp session without a word"
        );
        assert!(ended.render(Lang::Ja).contains("sftp セッションを終了"));
        assert!(ended.render(Lang::ZhCn).contains("结束了 sftp 会话"));
        // An error's own words stay as they are.
        let other = summary("sftp realpath(\".\"): EOF");
        assert!(other
            .render(Lang::Ja)
            .ends_with("sftp realpath(\".\"): EOF"));
    }

    #[test]
    fn sshd_t_takes_only_a_portable_account_name() {
        assert_eq!(
            sshd_t_command("alice.b_c-1"),
            "/usr/sbin/sshd -T -C user=alice.b_c-1 2>/dev/null || /usr/sbin/sshd -T 2>/dev/null || sshd -T 2>/dev/null"
        );
        for odd in [
            "", "-oops", "a b", "a;reboot", "$(id)", "al'ice", "a,host=x", "ü",
        ] {
            assert_eq!(
                sshd_t_command(odd),
                "/usr/sbin/sshd -T 2>/dev/null || sshd -T 2>/dev/null",
                "{odd:?}"
            );
        }
    }
}
