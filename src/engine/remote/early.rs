//! The server-side work that goes out at once after the login, beside the session check: the
//! SFTP session (its INIT/VERSION exchange is the sftp check) and one fixed script printing what
//! `id`, `sshd -T` and `df` give, each part after a marker line. One round instead of four
//! sessions (each costs the server PAM and a login shell).

use super::super::kex::ProbeHandle;
use super::super::link::Opener;
use super::super::session::{request_answer, run_command, Sftp};
use super::{parse_id, sshd_t_command, sshd_t_ports, Id};
use crate::remote_rules::parse_sshd_t;
use russh_sftp::client::SftpSession;
use std::sync::Arc;
use std::time::Duration;

/// An SFTP session and the home directory it starts in.
pub(crate) struct SftpOpen {
    pub sftp: SftpSession,
    pub home: String,
    /// The connection it lives on, when it is not the caller's.
    pub conn: Option<Arc<ProbeHandle>>,
}

/// `sshd -T` settings (keyword, value), and the ports it listens on.
pub(crate) type SshdT = (Vec<(String, String)>, Vec<u16>);

/// What the script told (each part None when it said nothing usable).
#[derive(Debug, Default)]
pub(crate) struct Info {
    pub id: Option<Id>,
    /// `sshd -T` settings and the ports it listens on.
    pub sshd: Option<SshdT>,
    /// `df -Pk .` output.
    pub df: Option<String>,
}

/// Everything opened at once.
pub(crate) struct Early {
    pub sftp: Result<SftpOpen, Sftp>,
    pub info: Info,
}

const MARK: &str = "@@sshdoctor:";

/// The one fixed script: markers, then `id`, `sshd -T` (as root may run it), `df`. `env` keeps
/// the labels untranslated whatever the login shell.
pub(crate) fn script(user: &str) -> String {
    format!(
        "echo {MARK}id; env LC_ALL=C id; echo {MARK}sshd; {}; echo {MARK}df; df -Pk . 2>/dev/null; echo {MARK}end",
        sshd_t_command(user)
    )
}

/// Split the script's output into its parts.
pub(crate) fn parse_script(stdout: &[u8]) -> Info {
    let text = String::from_utf8_lossy(stdout);
    let mut parts: Vec<(&str, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.trim_end().strip_prefix(MARK) {
            parts.push((name, String::new()));
        } else if let Some((_, body)) = parts.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    let part = |name: &str| {
        parts
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.as_str())
            .filter(|b| !b.trim().is_empty())
    };
    Info {
        id: part("id").and_then(parse_id),
        sshd: part("sshd").map(|t| (parse_sshd_t(t), sshd_t_ports(t))),
        df: part("df").map(str::to_string),
    }
}

/// Open SFTP: the subsystem request (a refusal is answered at once), then the SFTP
/// INIT/VERSION exchange and realpath("."), each bounded by `timeout`.
pub(crate) async fn open_sftp<O: Opener>(link: &O, timeout: Duration) -> Result<SftpOpen, Sftp> {
    let (mut channel, conn) = link
        .session(timeout)
        .await
        .map_err(|e| Sftp::Unknown(format!("opening a session: {e}")))?;
    let asked = async {
        channel
            .request_subsystem(true, "sftp")
            .await
            .map_err(|e| Sftp::Unknown(format!("requesting sftp: {e}")))?;
        match request_answer(&mut channel).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Sftp::Refused),
            Err(e) => Err(Sftp::Broken(e)),
        }
    };
    tokio::time::timeout(timeout, asked)
        .await
        .map_err(|_| Sftp::Unknown("the sftp request was not answered".into()))??;
    // The server may end the channel right after accepting (no sftp-server program): that
    // is the answer, not something to wait out.
    let (stream, ended) = super::ended::watch(channel.into_stream());
    let gone = || Sftp::Broken("the server ended the sftp session without a word".into());
    let sftp = tokio::select! {
        s = tokio::time::timeout(timeout, SftpSession::new(stream)) => s
            .map_err(|_| Sftp::Broken("no SFTP server answered the SFTP version request".into()))?
            .map_err(|e| Sftp::Broken(format!("no SFTP server answered ({e})")))?,
        () = ended.clone().wait() => return Err(gone()),
    };
    sftp.set_timeout(timeout.as_secs().max(1));
    let home = tokio::select! {
        h = tokio::time::timeout(timeout, sftp.canonicalize(".")) => h
            .map_err(|_| Sftp::Unknown("sftp realpath(\".\") was not answered".into()))?
            .map_err(|e| Sftp::Unknown(format!("sftp realpath(\".\"): {e}")))?,
        () = ended.wait() => return Err(gone()),
    };
    Ok(SftpOpen { sftp, home, conn })
}

/// SFTP and (where commands may run) the script, at once.
pub(crate) async fn fetch<O: Opener>(link: &O, user: &str, exec: bool, timeout: Duration) -> Early {
    let info = async {
        if !exec {
            return Info::default();
        }
        let mut info = match run_command(link, &script(user), timeout).await {
            Ok(run) => parse_script(&run.stdout),
            Err(_) => Info::default(),
        };
        // A login shell that cannot read the script (csh and `2>/dev/null`): `id` alone.
        if info.id.is_none() {
            if let Ok(run) = run_command(link, "env LC_ALL=C id", timeout).await {
                info.id = parse_id(&String::from_utf8_lossy(&run.stdout));
            }
        }
        info
    };
    let (sftp, info) = tokio::join!(open_sftp(link, timeout), info);
    Early { sftp, info }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_s_parts_are_told_apart() {
        let out = b"motd noise\n@@sshdoctor:id\nuid=1001(a) gid=1001(a) groups=1001(a)\n@@sshdoctor:sshd\nport 2222\nstrictmodes yes\nauthorizedkeysfile .ssh/authorized_keys\n@@sshdoctor:df\nFilesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 100 50 50 50% /\n@@sshdoctor:end\n";
        let info = parse_script(out);
        assert_eq!(info.id.map(|i| i.uid), Some(1001));
        let (settings, ports) = info.sshd.unwrap();
        assert_eq!(ports, [2222]);
        assert!(settings
            .iter()
            .any(|(k, v)| k == "strictmodes" && v == "yes"));
        assert!(info.df.unwrap().contains("/dev/sda1"));
        // Nothing after a marker: that part is None.
        let info = parse_script(b"@@sshdoctor:id\n@@sshdoctor:sshd\n@@sshdoctor:end\n");
        assert!(info.id.is_none() && info.sshd.is_none() && info.df.is_none());
        assert!(script("alice").contains("sshd -T -C user=alice"));
    }
}
